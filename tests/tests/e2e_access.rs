//! The e2e job's access proof on templates given with `--templates`: the rendered templates
//! pass with every request evaluated and none denied; the same templates with one grant
//! removed (`sqs:DeleteMessage` from the VPC statement of Sentinel's role policy) fail, and
//! the denial names the action, the queue and the role whose identity policy would have to
//! allow it.
//!
//! Both runs in one test, one after the other: each starts its own LocalStack (the CI machine
//! has 2 cores).

use integration_tests::start_localstack;
use simulator::e2e::E2eArgs;
use simulator::DataType;
use std::path::{Path, PathBuf};

const ALL: &str = "sentinel-all-services-connector-commercial.json";
const EKS: &str = "sentinel-eks-connector-commercial.json";

fn repo_templates() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is in the workspace")
        .join("templates")
}

fn copy_templates(to: &Path) {
    for f in [ALL, EKS] {
        std::fs::copy(repo_templates().join(f), to.join(f)).unwrap();
    }
}

/// Runs the job on `templates` with a few hundred VPC records; its report.
fn run(templates: &Path, seed: u64, report: &Path) -> (bool, serde_json::Value) {
    let ls = start_localstack();
    let args = E2eArgs {
        records: 200,
        seed,
        services: vec![vec![DataType::Vpc]],
        faults: false,
        bad_data: false,
        delete_on_receive: false,
        kill_connector: 0,
        fan_out: Default::default(),
        accounts: None,
        report: Some(report.to_path_buf()),
        junit: None,
        endpoint: Some(ls.endpoint().to_string()),
        templates: Some(templates.to_path_buf()),
    };
    let ok = simulator::e2e::run(&args).expect("the e2e job runs to its report");
    ls.stop().unwrap();
    let text = std::fs::read_to_string(report).unwrap();
    (ok, serde_json::from_str(&text).unwrap())
}

/// Removes `action` from the statement `sid` of the Sentinel role's policy.
fn remove_grant(template: &Path, sid: &str, action: &str) {
    let mut t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(template).unwrap()).unwrap();
    let statements = t["Resources"]["SentinelRolePolicy"]["Properties"]["PolicyDocument"]
        ["Statement"]
        .as_array_mut()
        .expect("SentinelRolePolicy has statements");
    let st = statements
        .iter_mut()
        .find(|s| s["Sid"] == sid)
        .unwrap_or_else(|| panic!("no statement {sid}"));
    let actions = st["Action"].as_array_mut().expect("a list of actions");
    let before = actions.len();
    actions.retain(|a| a != action);
    assert_eq!(actions.len(), before - 1, "{sid} grants {action} once");
    std::fs::write(template, serde_json::to_string_pretty(&t).unwrap()).unwrap();
}

#[test]
fn e2e_on_given_templates_proves_access_and_a_removed_grant_fails_naming_it() {
    let work = tempfile::tempdir().unwrap();

    // Clean: the templates as rendered.
    let clean = work.path().join("clean");
    std::fs::create_dir(&clean).unwrap();
    copy_templates(&clean);
    let (ok, report) = run(&clean, 1301, &work.path().join("clean.json"));
    let access = &report["access"];
    assert!(ok, "clean run failed: {access:#}");
    assert!(access["evaluated"].as_u64().unwrap() > 0, "{access:#}");
    assert_eq!(access["denied"], 0, "{access:#}");
    for action in [
        "sts:AssumeRoleWithWebIdentity",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "s3:GetObject",
        "s3:PutObject",
        "sqs:SendMessage",
    ] {
        assert!(
            access["by_action"][action].as_u64().unwrap_or(0) > 0,
            "{action} was not evaluated: {access:#}"
        );
    }

    // One grant removed: the connector's deletes are refused.
    let broken = work.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    copy_templates(&broken);
    remove_grant(
        &broken.join(ALL),
        "VpcFlowConsumeQueue",
        "sqs:DeleteMessage",
    );
    let (ok, report) = run(&broken, 1302, &work.path().join("broken.json"));
    let access = &report["access"];
    assert!(!ok, "a run with a refused delete passed: {access:#}");
    assert!(access["denied"].as_u64().unwrap() > 0, "{access:#}");
    let d = &access["denials"][0];
    assert_eq!(d["action"], "sqs:DeleteMessage", "{d:#}");
    assert_eq!(d["during"], "connector route vpc", "{d:#}");
    let resource = d["resource"].as_str().unwrap();
    assert!(
        resource.starts_with("arn:aws:sqs:us-east-1:"),
        "the denial names the VPC route's queue by its ARN: {d:#}"
    );
    assert_eq!(d["reason"], "implicit_deny", "{d:#}");
    let needed = d["needed"].to_string();
    assert!(
        needed.contains("OIDC_MicrosoftSentinelRole"),
        "the denial names the role whose policy must allow it: {d:#}"
    );
    assert!(
        d["role_policies"]
            .to_string()
            .contains("inline policy SentinelS3ConnectorAccess"),
        "the denial names the role's policy where the grant goes: {d:#}"
    );
    assert!(d["caller"]
        .as_str()
        .unwrap()
        .contains(":assumed-role/OIDC_MicrosoftSentinelRole"));
}
