//! `simulator access check` as a user runs it: Allow exits 0, Deny exits 1, bad input exits 2
//! with a message naming the field, the value and the fix; and the question the issue asks
//! before deploying: may Sentinel's CloudTrail role read an organization trail's objects?

use std::io::Write;
use std::process::{Command, Output, Stdio};

const STACK: &str = "sentinel-cloudtrail-connector-commercial";
const WORKSPACE: &str = "SentinelWorkspaceId=6f1a9b2c-1234-4abc-9def-0123456789ab";
const ORG_KEY: &str = "AWSLogs/o-abc1234567/111122223333/CloudTrail/us-east-1/2026/12/02/111122223333_CloudTrail_us-east-1_20261202T1200Z_x.json.gz";

fn check(args: &[&str], request: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_simulator"))
        .args(["access", "check"])
        .args(args)
        .args(["--request", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn read_object(key: &str, tls: bool) -> String {
    serde_json::json!({
        "principal": "role:SentinelRole",
        "action": "s3:GetObject",
        "resource": format!("arn:${{AWS::Partition}}:s3:::${{LogBucket}}/{key}"),
        "context": {"aws:SecureTransport": tls.to_string()}
    })
    .to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_cloudtrail_role_reads_an_organization_trail_when_the_stack_names_the_organization() {
    let org = check(
        &[
            "--template",
            STACK,
            "--param",
            WORKSPACE,
            "--param",
            "OrganizationId=o-abc1234567",
        ],
        &read_object(ORG_KEY, true),
    );
    let out = stdout(&org);
    assert_eq!(org.status.code(), Some(0), "{out}{}", stderr(&org));
    assert_eq!(out.lines().next(), Some("Allow"), "{out}");
    assert!(
        out.contains("inline policy SentinelS3ConnectorAccess")
            && out.contains("Sid CloudTrailReadLogs"),
        "the deciding statement is named: {out}"
    );
    assert!(
        out.contains("/AWSLogs/o-abc1234567/111122223333/CloudTrail/"),
        "{out}"
    );

    // Without the organization the role reads AWSLogs/<account>/CloudTrail/ only.
    let plain = check(
        &["--template", STACK, "--param", WORKSPACE],
        &read_object(ORG_KEY, true),
    );
    let out = stdout(&plain);
    assert_eq!(plain.status.code(), Some(1), "{out}{}", stderr(&plain));
    assert_eq!(out.lines().next(), Some("Deny"), "{out}");
    assert!(
        out.contains("would have to allow"),
        "an implicit deny names what must allow: {out}"
    );
}

#[test]
fn an_explicit_deny_names_the_denying_statement() {
    let o = check(
        &["--template", STACK, "--param", WORKSPACE],
        &read_object("AWSLogs/111122223333/CloudTrail/us-east-1/x.json.gz", false),
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert_eq!(out.lines().next(), Some("Deny"), "{out}");
    assert!(
        out.contains("denied by: bucket policy of") && out.contains("Sid DenyInsecureTransport"),
        "{out}"
    );
}

#[test]
fn a_template_file_and_a_service_principal_with_its_context() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../templates/sentinel-vpc-connector-commercial.json"
    );
    let request = |account: &str| {
        serde_json::json!({
            "principal": "service:delivery.logs.amazonaws.com",
            "action": "s3:PutObject",
            "resource": "arn:aws:s3:::${LogBucket}/AWSLogs/${AWS::AccountId}/vpcflowlogs/af-south-1/2026/12/02/x.log.gz",
            "context": {
                "aws:SourceAccount": account,
                "aws:SourceArn": format!("arn:aws:logs:af-south-1:{account}:*"),
                "s3:x-amz-acl": "bucket-owner-full-control",
                "aws:SecureTransport": true
            }
        })
        .to_string()
    };
    let args = [
        "--template",
        file,
        "--param",
        WORKSPACE,
        "--region",
        "af-south-1",
        "--account",
        "210987654321",
    ];
    let own = check(&args, &request("210987654321"));
    assert_eq!(
        own.status.code(),
        Some(0),
        "{}{}",
        stdout(&own),
        stderr(&own)
    );
    assert!(
        stdout(&own).contains("Sid VpcFlowLogsWrite"),
        "{}",
        stdout(&own)
    );
    let other = check(&args, &request("444455556666"));
    assert_eq!(
        other.status.code(),
        Some(1),
        "{}{}",
        stdout(&other),
        stderr(&other)
    );
}

#[test]
fn bad_input_exits_2_naming_the_field_the_value_and_the_fix() {
    let good = read_object("AWSLogs/111122223333/CloudTrail/x.json.gz", true);
    for (args, request, words) in [
        (vec!["--template", STACK, "--param", WORKSPACE], "{not json".to_string(), vec!["--request", "not JSON", "--help"]),
        (vec!["--template", "sentinel-nope", "--param", WORKSPACE], good.clone(), vec!["sentinel-nope", STACK]),
        (
            vec!["--template", STACK, "--param", WORKSPACE, "--param", "UseExistingBucket=maybe"],
            good.clone(),
            vec!["UseExistingBucket", "maybe", "one of true, false"],
        ),
        (vec!["--template", STACK], good.clone(), vec!["SentinelWorkspaceId", "--param SentinelWorkspaceId=<value>"]),
        (vec!["--template", STACK, "--param", "SentinelWorkspaceId"], good.clone(), vec!["--param", "NAME=VALUE"]),
        (
            vec!["--template", STACK, "--param", WORKSPACE, "--param", "NoSuchParameter=1"],
            good.clone(),
            vec!["NoSuchParameter", "no such parameter", "OrganizationId"],
        ),
        (vec!["--template", STACK, "--param", WORKSPACE, "--account", "12345"], good.clone(), vec!["--account", "12345", "12-digit"]),
        (
            vec!["--template", STACK, "--param", WORKSPACE],
            good.replace("role:SentinelRole", "role:NoSuchRole"),
            vec!["principal", "role:NoSuchRole", "NoSuchRole"],
        ),
        (
            vec!["--template", STACK, "--param", WORKSPACE],
            good.replace("role:SentinelRole", "user:alice"),
            vec!["principal", "user:alice", "role:<LogicalId>"],
        ),
        (
            vec!["--template", STACK, "--param", WORKSPACE],
            r#"{"principal": "role:SentinelRole", "action": 7, "resource": "x"}"#.to_string(),
            vec!["action", "7", "not a string"],
        ),
        (
            vec!["--template", STACK, "--param", WORKSPACE],
            r#"{"principal": "role:SentinelRole", "action": "s3:GetObject", "resource": "x", "extra": 1}"#.to_string(),
            vec!["extra", "the fields are"],
        ),
    ] {
        let o = check(&args, &request);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}{err}", stdout(&o));
        assert!(stdout(&o).is_empty(), "{args:?}: no decision printed: {}", stdout(&o));
        for w in words {
            assert!(err.contains(w), "{args:?}: {w:?} not in {err}");
        }
    }
}

#[test]
fn help_documents_the_request_shape() {
    let o = Command::new(env!("CARGO_BIN_EXE_simulator"))
        .args(["access", "check", "--help"])
        .output()
        .unwrap();
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0));
    for w in [
        "role:<LogicalId>",
        "service:<name>",
        "role_session",
        "web_identity",
        "Fn::Sub",
    ] {
        assert!(out.contains(w), "{w} not in --help:\n{out}");
    }
}
