//! `simulator deploy --stack-set` against real LocalStack (which runs a stack set's instances
//! as stacks of each target account): the VPC connector stack rolled out to two accounts, each
//! instance's outputs read in its account (the role and queue are that account's, and exist
//! there); run again with a third account, only the missing instance is created and all three
//! are reported; a malformed account ID is refused before anything changes.

use std::process::Command;

const WORKSPACE: &str = "00000000-0000-4000-8000-0000000005e7";

fn simulator(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_simulator"))
        .args(args)
        .output()
        .unwrap()
}

fn roll_out(endpoint: &str, accounts: &str) -> serde_json::Value {
    let out = simulator(&[
        "deploy",
        "--stack-set",
        "sentinel-vpc-org",
        "--template",
        "vpc",
        "--workspace-id",
        WORKSPACE,
        "--accounts",
        accounts,
        "--regions",
        "us-east-1",
        "--endpoint",
        endpoint,
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A configuration acting in `account` (LocalStack tells accounts by access key ID).
async fn in_account(endpoint: &str, account: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_iam::config::Credentials::new(
            account, "test", None, None, "test",
        ))
        .load()
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stack_set_reaches_every_account_and_reports_each_ones_outputs() {
    let ls = harness::LocalStack::start(harness::LocalStackConfig::default())
        .unwrap_or_else(|e| panic!("LocalStack did not start: {e}"));
    let endpoint = ls.endpoint().to_string();

    let first = roll_out(&endpoint, "210000000011,210000000012");
    assert_eq!(first["set"], "created", "{first:#}");
    let instances = first["instances"].as_array().unwrap();
    assert_eq!(instances.len(), 2, "{first:#}");
    for i in instances {
        let account = i["account"].as_str().unwrap();
        let outputs = &i["outputs"];
        let role = outputs["SentinelRoleArn"]
            .as_str()
            .unwrap_or_else(|| panic!("{i:#}"));
        assert!(
            role.contains(&format!(":iam::{account}:role/OIDC_")),
            "{i:#}"
        );
        let queue = outputs["SentinelSQSQueueURL"].as_str().unwrap();
        assert!(queue.contains(&format!("/{account}/")), "{i:#}");
        // The role and the queue are there, in that account.
        let there = in_account(&endpoint, account).await;
        let name = role.rsplit('/').next().unwrap();
        let got = aws_sdk_iam::Client::new(&there)
            .get_role()
            .role_name(name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("role {name} in {account}: {e:?}"));
        let trust = got.role().unwrap().assume_role_policy_document().unwrap();
        assert!(
            trust.contains(WORKSPACE) || trust.contains("MicrosoftSentinel_"),
            "{trust}"
        );
        aws_sdk_sqs::Client::new(&there)
            .get_queue_attributes()
            .queue_url(queue)
            .send()
            .await
            .unwrap_or_else(|e| panic!("queue {queue} in {account}: {e:?}"));
    }

    // A third account joins: its instance is created, the others stay, all three are reported.
    let second = roll_out(&endpoint, "210000000011,210000000012,210000000013");
    assert_eq!(second["set"], "updated", "{second:#}");
    let instances = second["instances"].as_array().unwrap();
    assert_eq!(instances.len(), 3, "{second:#}");
    let roles: std::collections::BTreeSet<&str> = instances
        .iter()
        .map(|i| i["outputs"]["SentinelRoleArn"].as_str().unwrap())
        .collect();
    assert_eq!(roles.len(), 3, "{second:#}");
    assert!(
        roles.contains(
            first["instances"][0]["outputs"]["SentinelRoleArn"]
                .as_str()
                .unwrap()
        ),
        "the first account's instance was replaced: {second:#}"
    );

    // A malformed account ID: refused, nothing deployed for it.
    let bad = simulator(&[
        "deploy",
        "--stack-set",
        "sentinel-vpc-bad",
        "--template",
        "vpc",
        "--workspace-id",
        WORKSPACE,
        "--accounts",
        "21000000001",
        "--endpoint",
        &endpoint,
    ]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("--accounts") && err.contains("21000000001") && err.contains("12 digits"),
        "{err}"
    );
    let cfn = aws_sdk_cloudformation::Client::new(&in_account(&endpoint, "000000000000").await);
    let sets = cfn.list_stack_sets().send().await.unwrap();
    assert!(
        sets.summaries()
            .iter()
            .all(|s| s.stack_set_name() != Some("sentinel-vpc-bad")),
        "{sets:?}"
    );
    ls.stop().unwrap();
}
