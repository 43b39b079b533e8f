//! Every IAM policy document the generator emits: insta snapshots (drift) and intent rules
//! that must hold whatever the refactor (least privilege, confused-deputy conditions, trust).

use generator::stacks::StackSpec;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// Where a policy document sits in a resource, by resource type.
const POLICY_FIELDS: &[(&str, &str, Kind)] = &[
    ("AWS::IAM::Role", "AssumeRolePolicyDocument", Kind::Trust),
    ("AWS::IAM::Policy", "PolicyDocument", Kind::Identity),
    ("AWS::S3::BucketPolicy", "PolicyDocument", Kind::Resource),
    ("AWS::SQS::QueuePolicy", "PolicyDocument", Kind::Resource),
    ("AWS::SNS::TopicPolicy", "PolicyDocument", Kind::Resource),
    ("AWS::KMS::Key", "KeyPolicy", Kind::Key),
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Trust,
    Identity,
    Resource,
    Key,
}

struct Found {
    stack: String,
    resource: String,
    kind: Kind,
    doc: Value,
}

fn all_policies() -> Vec<Found> {
    let mut out = Vec::new();
    for spec in StackSpec::all() {
        let t = spec.build().to_value();
        for (id, r) in t["Resources"].as_object().unwrap() {
            for (ty, field, kind) in POLICY_FIELDS {
                if r["Type"] == *ty {
                    out.push(Found {
                        stack: spec.stem(),
                        resource: id.clone(),
                        kind: *kind,
                        doc: r["Properties"][field].clone(),
                    });
                }
            }
        }
    }
    out
}

/// The statements of a document; a conditional one (`Fn::If [cond, statement, AWS::NoValue]`)
/// counts as its statement, so every rule below holds for it too.
fn statements(doc: &Value) -> Vec<Value> {
    doc["Statement"]
        .as_array()
        .expect("Statement is a list")
        .iter()
        .map(|st| match st.get("Fn::If") {
            Some(branches) => {
                assert_eq!(
                    branches[2],
                    serde_json::json!({"Ref": "AWS::NoValue"}),
                    "a conditional statement is either there or absent: {st}"
                );
                branches[1].clone()
            }
            None => st.clone(),
        })
        .collect()
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

fn has_condition_key(st: &Value, key: &str) -> bool {
    st["Condition"]
        .as_object()
        .is_some_and(|ops| ops.values().any(|m| m.get(key).is_some()))
}

#[test]
fn every_policy_document_matches_its_reviewed_snapshot() {
    let snapshot_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let mut names = BTreeSet::new();
    for f in all_policies() {
        let name = format!("{}__{}", f.stack, f.resource);
        insta::with_settings!({snapshot_path => "snapshots", prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_json_snapshot!(name.clone(), f.doc);
        });
        names.insert(format!("{name}.snap"));
    }
    // Reject snapshots no policy refers to any more (insta's --unreferenced=reject, without cargo-insta).
    let on_disk: BTreeSet<String> = std::fs::read_dir(&snapshot_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".snap"))
        .collect();
    let unreferenced: Vec<_> = on_disk.difference(&names).collect();
    assert!(
        unreferenced.is_empty(),
        "unreferenced snapshots, delete them: {unreferenced:?}"
    );
    assert!(
        names.len() > 50,
        "expected every stack's policies, found {}",
        names.len()
    );
}

#[test]
fn no_allow_on_every_resource_outside_key_policies() {
    for f in all_policies().iter().filter(|f| f.kind != Kind::Key) {
        for st in &statements(&f.doc) {
            if st["Effect"] == "Allow" {
                let resources = as_list(&st["Resource"]);
                assert!(
                    !resources.contains(&Value::from("*")),
                    "{} {}: Allow on *: {st}",
                    f.stack,
                    f.resource
                );
            }
        }
    }
}

#[test]
fn no_wildcard_actions_are_allowed() {
    for f in all_policies() {
        for st in &statements(&f.doc) {
            for a in as_list(&st["Action"]) {
                let a = a.as_str().unwrap();
                if st["Effect"] == "Allow" {
                    assert!(
                        !a.contains('*'),
                        "{} {}: wildcard action {a}",
                        f.stack,
                        f.resource
                    );
                } else {
                    // Deny may be broad: it only ever narrows access.
                    assert_eq!(st["Effect"], "Deny");
                }
            }
            assert!(
                st.get("NotAction").is_none()
                    && st.get("NotResource").is_none()
                    && st.get("NotPrincipal").is_none()
            );
        }
    }
}

#[test]
fn every_oidc_trust_carries_audience_and_session_name_conditions() {
    let mut oidc_trusts = 0;
    for f in all_policies().iter().filter(|f| f.kind == Kind::Trust) {
        for st in &statements(&f.doc) {
            if st["Principal"].get("Federated").is_some() {
                oidc_trusts += 1;
                assert_eq!(st["Action"], "sts:AssumeRoleWithWebIdentity");
                let eq = st["Condition"]["StringEquals"]
                    .as_object()
                    .expect("StringEquals");
                let aud = eq
                    .keys()
                    .find(|k| k.ends_with(":aud"))
                    .expect("aud condition");
                assert!(aud.starts_with("sts.windows.net/"), "{aud}");
                assert!(eq[aud].as_str().unwrap().starts_with("api://"));
                let session = serde_json::to_string(&eq["sts:RoleSessionName"]).unwrap();
                assert!(
                    session.contains("MicrosoftSentinel_${SentinelWorkspaceId}"),
                    "{session}"
                );
            }
            if st["Principal"].get("AWS").is_some() {
                // The legacy role: Sentinel's account, bound to the workspace by external ID.
                assert!(has_condition_key(st, "sts:ExternalId"), "{}: {st}", f.stack);
            }
        }
    }
    assert!(
        oidc_trusts >= 10,
        "found {oidc_trusts} OIDC trust statements"
    );
}

#[test]
fn every_service_principal_grant_is_bound_to_its_source() {
    for f in all_policies() {
        for st in &statements(&f.doc) {
            let is_service = st["Principal"].get("Service").is_some();
            if !(is_service && st["Effect"] == "Allow") {
                continue;
            }
            let service = serde_json::to_string(&st["Principal"]["Service"]).unwrap();
            let bound = has_condition_key(st, "aws:SourceArn")
                || has_condition_key(st, "aws:SourceAccount");
            let firehose_trust =
                service.contains("firehose") && has_condition_key(st, "sts:ExternalId");
            // Lambda's execution-role trust takes no source conditions (AWS does not send them).
            let lambda_trust = f.kind == Kind::Trust && service.contains("lambda.amazonaws.com");
            // ALB access-log delivery in the Regions that opened since August 2022: AWS
            // documents its grant without conditions; the grant's resource is this account's
            // `AWSLogs/<account>/` only, which another account's load balancer never writes.
            let alb_delivery = service.contains("logdelivery.elasticloadbalancing.amazonaws.com")
                && serde_json::to_string(&st["Resource"])
                    .unwrap()
                    .contains("AWSLogs/${AWS::AccountId}/*");
            if alb_delivery {
                continue;
            }
            assert!(
                bound || firehose_trust || lambda_trust,
                "{} {}: unbound service grant {st}",
                f.stack,
                f.resource
            );
            // SNS delivering to a queue sends aws:SourceArn (the topic, whose ARN holds its
            // account) and, as AWS's SNS-to-SQS examples show, is bound by it alone: an exact
            // ArnEquals on a topic of the same template.
            let topic_delivery = service.contains("sns.amazonaws.com")
                && st["Condition"]["ArnEquals"]["aws:SourceArn"]
                    .get("Ref")
                    .is_some_and(|r| r.as_str().is_some_and(|r| r.ends_with("NotificationTopic")));
            if f.kind != Kind::Trust && !topic_delivery {
                assert!(
                    has_condition_key(st, "aws:SourceArn")
                        && has_condition_key(st, "aws:SourceAccount"),
                    "{} {}: resource-policy grant needs both SourceArn and SourceAccount: {st}",
                    f.stack,
                    f.resource
                );
            }
        }
    }
}

#[test]
fn sentinel_role_reads_only_its_queues_prefixes_and_keys() {
    for f in all_policies()
        .iter()
        .filter(|f| f.resource == generator::stacks::ROLE_POLICY_ID)
    {
        for st in &statements(&f.doc) {
            for a in as_list(&st["Action"]) {
                let a = a.as_str().unwrap();
                let allowed = [
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueUrl",
                    "sqs:GetQueueAttributes",
                    "s3:GetObject",
                    "kms:Decrypt",
                ];
                assert!(allowed.contains(&a), "{}: unexpected action {a}", f.stack);
                if a == "s3:GetObject" {
                    let r = serde_json::to_string(&st["Resource"]).unwrap();
                    // `[<KeyPrefix>/]AWSLogs/<account or organization>/...`, the EKS prefix, the
                    // S3 server access logs' `[<KeyPrefix>/]s3-access-logs/<account>/<region>/`,
                    // or in the log archive one data type's objects of every account (its
                    // folder's `AWSLogs/*/<segment>/*`) or the organization trail's.
                    let archive = f.stack.contains("log-archive")
                        && (r.contains("${KeyPath}AWSLogs/${OrganizationId}/")
                            || [("VpcFlow", "vpcflowlogs"), ("GuardDuty", "GuardDuty")]
                                .iter()
                                .any(|(id, segment)| {
                                    r.contains(&format!(
                                        "/${{{id}KeyPrefix}}/AWSLogs/*/{segment}/*\""
                                    ))
                                }));
                    assert!(
                        archive
                            || (r.contains("${AWS::AccountId}/")
                                && r.contains("${KeyPath}AWSLogs/"))
                            || r.contains("/eks-audit-logs/${EKSClusterName}/")
                            || r.contains(
                                "${KeyPath}s3-access-logs/${AWS::AccountId}/${AWS::Region}/"
                            ),
                        "{}: GetObject beyond a prefix: {r}",
                        f.stack
                    );
                }
                if a == "kms:Decrypt" {
                    assert!(has_condition_key(st, "kms:ViaService"), "{}", f.stack);
                }
            }
        }
    }
}
