//! What real AWS does differently from LocalStack, asserted on the rendered templates resolved
//! for concrete parameters (see `access::template`): key policies, Regional principals, one
//! detector per Region, global role names, name lengths, key prefixes, SSE-KMS buckets,
//! partitions.

use access::template::{text, Stack};
use generator::facts::{DataType, OPT_IN_REGIONS};
use generator::stacks::{StackKind, StackSpec};
use serde_json::Value;

const BUCKET: &str = "my-log-bucket";
const DETECTOR: &str = "0123456789abcdef0123456789abcdef";
const KEY: &str = "arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn s3_stacks() -> Vec<(StackSpec, Value)> {
    StackSpec::all()
        .into_iter()
        .filter(|s| matches!(s.kind, StackKind::Connector(_) | StackKind::AllServices))
        .map(|s| (s, s.build().to_value()))
        .collect()
}

/// A parameter's name in this stack: plain with one service, service-prefixed with several.
fn param(spec: &StackSpec, service: DataType, base: &str) -> String {
    if spec.services().len() > 1 {
        format!("{}{base}", service.id())
    } else {
        base.to_string()
    }
}

/// Parameters that satisfy every rule, plus `extra`.
fn valid<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut p = vec![("BucketName", BUCKET), ("DetectorId", DETECTOR)];
    p.extend_from_slice(extra);
    p
}

/// The statements of a resolved policy document.
fn statements(doc: &Value) -> Vec<Value> {
    doc["Statement"].as_array().unwrap().clone()
}

fn as_list(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().map(text).collect(),
        Value::Null => Vec::new(),
        other => vec![text(other)],
    }
}

#[test]
fn existing_sse_kms_buckets_are_readable_through_a_key_parameter() {
    for (spec, t) in s3_stacks() {
        assert!(t["Parameters"].get("KmsKeyArn").is_some(), "{spec}");
        let existing = [("UseExistingBucket", "true"), ("KmsKeyArn", KEY)];
        let st = Stack::new(&t, &valid(&existing));
        assert!(
            st.failed_rules().unwrap().is_empty(),
            "{spec}: {:?}",
            st.failed_rules().unwrap()
        );
        let role = statements(
            &st.property("SentinelRolePolicy", &["PolicyDocument"])
                .unwrap(),
        );
        let decrypt: Vec<_> = role
            .iter()
            .filter(|s| as_list(&s["Resource"]) == [KEY])
            .collect();
        assert_eq!(decrypt.len(), 1, "{spec}: {role:?}");
        assert_eq!(decrypt[0]["Action"], "kms:Decrypt", "{spec}");
        assert_eq!(
            decrypt[0]["Condition"]["StringEquals"]["kms:ViaService"], "s3.us-east-1.amazonaws.com",
            "{spec}"
        );
        // What the key's owner adds to the key policy.
        let statement: Value =
            serde_json::from_str(&st.output("KmsKeyPolicyStatement").unwrap().unwrap()).unwrap();
        let role_arn = text(&st.attribute("SentinelRole", "Arn").unwrap());
        assert!(
            role_arn.starts_with("arn:aws:iam::111122223333:role/OIDC_"),
            "{spec}: {role_arn}"
        );
        assert_eq!(statement["Principal"]["AWS"], role_arn, "{spec}");
        assert_eq!(statement["Action"], "kms:Decrypt", "{spec}");
        assert_eq!(
            statement["Condition"]["StringEquals"]["kms:ViaService"],
            "s3.us-east-1.amazonaws.com"
        );
        // No key, no grant and no output.
        let plain = Stack::new(&t, &valid(&[("UseExistingBucket", "true")]));
        let role = statements(
            &plain
                .property("SentinelRolePolicy", &["PolicyDocument"])
                .unwrap(),
        );
        assert!(
            role.iter()
                .all(|s| !as_list(&s["Resource"]).iter().any(|r| r.is_empty())),
            "{spec}: a grant on an empty key ARN"
        );
        assert!(
            plain.output("KmsKeyPolicyStatement").unwrap().is_none(),
            "{spec}"
        );
        // Firehose writes into the existing bucket: S3 encrypts its objects with the key as the
        // delivery role, so the role (and, for the key's owner, the second statement) allows
        // GenerateDataKey and, for multipart uploads, Decrypt, through S3 for its own prefixes
        // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html,
        // https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-s3).
        let firehose = spec
            .services()
            .into_iter()
            .find(|s| matches!(s, DataType::CloudWatch | DataType::SecurityHub));
        if let Some(service) = firehose {
            firehose_may_write_with_the_key(&spec.to_string(), &st, &plain, service);
        } else {
            assert!(
                t["Outputs"].get("FirehoseKmsKeyPolicyStatement").is_none(),
                "{spec}: no Firehose writes into this stack's bucket"
            );
        }
        // GuardDuty creates no key it would not use: the existing export has its own.
        if spec.services().contains(&DataType::GuardDuty) {
            for st in [&st, &plain] {
                assert!(!st.creates("GuardDutyKey").unwrap(), "{spec}");
                assert!(!st.creates("GuardDutyKeyAlias").unwrap(), "{spec}");
                // A reference to the key the stack does not create fails to resolve.
                let role = st.property("SentinelRolePolicy", &["PolicyDocument"]);
                let role = statements(&role.unwrap_or_else(|e| {
                    panic!("{spec}: the role names a key that does not exist: {e}")
                }));
                let keys: Vec<String> = role
                    .iter()
                    .flat_map(|s| as_list(&s["Resource"]))
                    .filter(|r| r.contains(":kms:"))
                    .collect();
                assert!(
                    keys.iter().all(|k| k == KEY),
                    "{spec}: the role names a key other than KmsKeyArn: {keys:?}"
                );
            }
            let new = Stack::new(&t, &valid(&[]));
            assert!(
                new.creates("GuardDutyKey").unwrap() && new.creates("GuardDutyKeyAlias").unwrap()
            );
        }
    }
}

/// The Firehose delivery role's grant on `KEY` in `st` (an existing bucket with KmsKeyArn)
/// for `service` (CloudWatch or Security Hub), the key-policy statement for it, and neither in
/// `plain` (no KmsKeyArn).
fn firehose_may_write_with_the_key(spec: &str, st: &Stack, plain: &Stack, service: DataType) {
    let policy = format!("{}FirehosePolicy", service.id());
    let error_prefix = match service {
        DataType::SecurityHub => "SecurityHubFindings-errors/",
        _ => "CloudWatch-errors/",
    };
    let kms = |st: &Stack| -> Vec<Value> {
        statements(&st.property(&policy, &["PolicyDocument"]).unwrap())
            .into_iter()
            .filter(|s| as_list(&s["Action"]).iter().any(|a| a.starts_with("kms:")))
            .collect()
    };
    let grant = kms(st);
    assert_eq!(grant.len(), 1, "{spec}: {grant:?}");
    let grant = &grant[0];
    assert_eq!(as_list(&grant["Resource"]), [KEY], "{spec}");
    assert_eq!(
        as_list(&grant["Action"]),
        ["kms:GenerateDataKey", "kms:Decrypt"],
        "{spec}"
    );
    let bucket = format!("arn:aws:s3:::{BUCKET}");
    let contexts = vec![
        bucket.clone(),
        format!("{bucket}/AWSLogs/111122223333/{}/*", service.key_segment()),
        format!("{bucket}/{error_prefix}*"),
    ];
    let conditions = |s: &Value| {
        (
            text(&s["Condition"]["StringEquals"]["kms:ViaService"]),
            as_list(&s["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"]),
        )
    };
    assert_eq!(
        conditions(grant),
        ("s3.us-east-1.amazonaws.com".to_string(), contexts.clone()),
        "{spec}"
    );
    let statement: Value =
        serde_json::from_str(&st.output("FirehoseKmsKeyPolicyStatement").unwrap().unwrap())
            .unwrap();
    assert_eq!(
        text(&statement["Principal"]["AWS"]),
        text(
            &st.attribute(&format!("{}FirehoseRole", service.id()), "Arn")
                .unwrap()
        ),
        "{spec}"
    );
    assert_eq!(
        as_list(&statement["Action"]),
        ["kms:GenerateDataKey", "kms:Decrypt"],
        "{spec}"
    );
    assert_eq!(
        conditions(&statement),
        ("s3.us-east-1.amazonaws.com".to_string(), contexts),
        "{spec}"
    );
    assert!(
        kms(plain).is_empty(),
        "{spec}: a KMS grant without KmsKeyArn"
    );
    assert!(
        plain
            .output("FirehoseKmsKeyPolicyStatement")
            .unwrap()
            .is_none(),
        "{spec}"
    );
}

/// Where each place that names a service's path points, resolved.
struct Paths {
    notification: String,
    read: String,
    writes: Vec<String>,
    command: String,
}

fn paths(st: &Stack, spec: &StackSpec, service: DataType) -> Paths {
    let queue = format!("{}Queue", service.id());
    let configs = st
        .property(
            "LogBucket",
            &["NotificationConfiguration", "QueueConfigurations"],
        )
        .unwrap();
    let notification = configs
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["Queue"] == st.attribute(&queue, "Arn").unwrap())
        .map(|c| {
            let rules = c["Filter"]["S3Key"]["Rules"].as_array().unwrap();
            text(&rules.iter().find(|r| r["Name"] == "prefix").unwrap()["Value"])
        })
        .unwrap_or_else(|| panic!("{spec}: no notification for {queue}"));
    let role = statements(
        &st.property("SentinelRolePolicy", &["PolicyDocument"])
            .unwrap(),
    );
    let read = role
        .iter()
        .find(|s| s["Sid"] == format!("{}ReadLogs", service.id()))
        .map(|s| text(&s["Resource"]))
        .unwrap();
    let bucket_policy = statements(&st.property("LogBucketPolicy", &["PolicyDocument"]).unwrap());
    let writes = bucket_policy
        .iter()
        .filter(|s| s["Effect"] == "Allow" && s["Action"] == "s3:PutObject")
        .filter(|s| {
            let sid = text(&s["Sid"]);
            match service {
                DataType::Vpc => sid.starts_with("VpcFlow"),
                DataType::CloudTrail => sid.starts_with("AWSCloudTrail"),
                DataType::GuardDuty => sid.starts_with("GuardDuty"),
                DataType::CloudWatch => false,
                DataType::Eks => unreachable!("EKS is not in a connector stack"),
                DataType::Route53 => sid.starts_with("Route53ResolverQueryLogs"),
                DataType::NetworkFirewallFlow
                | DataType::NetworkFirewallAlert
                | DataType::NetworkFirewallTls => sid.starts_with(service.id()),
                DataType::Waf => sid.starts_with("WafLogs"),
                DataType::S3Access => sid.starts_with("S3ServerAccess"),
                DataType::SecurityHub => false,
                DataType::CloudFront => sid.starts_with("CloudFrontLogs"),
                DataType::ElbAlb
                | DataType::ElbNlb
                | DataType::ElbNlbFlow
                | DataType::ElbGwlbFlow => sid.starts_with(service.id()),
            }
        })
        .flat_map(|s| as_list(&s["Resource"]))
        .collect();
    let existing = Stack {
        params: {
            let mut p = st.params.clone();
            p.insert("UseExistingBucket".into(), "true".into());
            p
        },
        ..Stack::new(st.template, &[])
    };
    Paths {
        notification,
        read,
        writes,
        command: existing
            .output("BucketNotificationCommand")
            .unwrap()
            .unwrap(),
    }
}

#[test]
fn a_key_prefix_moves_every_path_of_its_service_alike() {
    for (spec, t) in s3_stacks() {
        for service in spec.services() {
            let seg = service.key_segment();
            let name = param(&spec, service, "KeyPrefix");
            // A collector that shares its key segment with another of the stack (ELB) has a
            // key prefix that may not be empty: its default instead.
            let default = service.default_key_prefix();
            let first = match default {
                "" => (String::new(), String::new()),
                d => (d.to_string(), format!("{d}/")),
            };
            let cases = [
                first,
                ("security/logs".to_string(), "security/logs/".to_string()),
            ];
            for (given, root) in cases.iter().map(|(g, r)| (g.as_str(), r.as_str())) {
                let mut given_params = vec![(name.as_str(), given)];
                if service == DataType::S3Access {
                    given_params.push(("WatchedBucketNames", "app-data,app-uploads"));
                }
                let st = Stack::new(&t, &valid(&given_params));
                let p = paths(&st, &spec, service);
                // S3 server access logs: S3 puts the account and Region after the target prefix.
                let prefix = match service {
                    DataType::S3Access => format!(
                        "{root}{seg}/111122223333/{}/",
                        access::template::resolve::DEFAULT_REGION
                    ),
                    _ => format!("{root}AWSLogs/111122223333/{seg}/"),
                };
                assert_eq!(p.notification, prefix, "{spec} {service}");
                assert_eq!(
                    p.read,
                    format!("arn:aws:s3:::{BUCKET}/{prefix}*"),
                    "{spec} {service}"
                );
                assert!(
                    p.command
                        .contains(&format!("{{\"Name\":\"prefix\",\"Value\":\"{prefix}\"}}")),
                    "{spec} {service}: {}",
                    p.command
                );
                let own = match service {
                    DataType::S3Access => format!("{prefix}*"),
                    _ => format!("{root}AWSLogs/111122223333/*"),
                };
                if !matches!(service, DataType::CloudWatch | DataType::SecurityHub) {
                    assert!(
                        p.writes.contains(&format!("arn:aws:s3:::{BUCKET}/{own}")),
                        "{spec} {service}: {:?}",
                        p.writes
                    );
                }
                // The delivering resource writes there.
                let folder = given
                    .is_empty()
                    .then(String::new)
                    .unwrap_or(format!("/{given}"));
                match service {
                    DataType::Vpc => assert_eq!(
                        text(&st.property("VpcFlowLog", &["LogDestination"]).unwrap()),
                        format!("arn:aws:s3:::{BUCKET}{folder}")
                    ),
                    DataType::GuardDuty => assert_eq!(
                        text(
                            &st.property(
                                "GuardDutyPublishingDestination",
                                &["DestinationProperties", "DestinationArn"]
                            )
                            .unwrap()
                        ),
                        format!("arn:aws:s3:::{BUCKET}{folder}")
                    ),
                    DataType::CloudTrail => {
                        let trail = st.property("CloudTrailTrail", &[]).unwrap();
                        match given {
                            "" => assert!(trail.get("S3KeyPrefix").is_none(), "{trail}"),
                            g => assert_eq!(trail["S3KeyPrefix"], g),
                        }
                        assert_eq!(trail["IsOrganizationTrail"], false);
                    }
                    DataType::CloudWatch => {
                        let prefix_set = text(
                            &st.property(
                                "CloudWatchDeliveryStream",
                                &["ExtendedS3DestinationConfiguration", "Prefix"],
                            )
                            .unwrap(),
                        );
                        assert_eq!(
                            prefix_set,
                            format!("{prefix}!{{timestamp:yyyy/MM/dd/HH}}/"),
                            "{spec}"
                        );
                    }
                    DataType::Eks => unreachable!("EKS is not in a connector stack"),
                    DataType::Route53 => assert_eq!(
                        text(
                            &st.property("ResolverQueryLogConfig", &["DestinationArn"])
                                .unwrap()
                        ),
                        format!("arn:aws:s3:::{BUCKET}{folder}")
                    ),
                    DataType::NetworkFirewallFlow
                    | DataType::NetworkFirewallAlert
                    | DataType::NetworkFirewallTls => {
                        let configs = st
                            .property(
                                "FirewallLogging",
                                &["LoggingConfiguration", "LogDestinationConfigs"],
                            )
                            .unwrap();
                        let log_type = service.slug()["networkfirewall-".len()..].to_uppercase();
                        let c = configs
                            .as_array()
                            .unwrap()
                            .iter()
                            .find(|c| c["LogType"] == log_type.as_str())
                            .unwrap_or_else(|| panic!("{spec}: no {log_type} destination"));
                        assert_eq!(c["LogDestination"]["bucketName"], BUCKET, "{spec}");
                        match given {
                            "" => assert!(c["LogDestination"].get("prefix").is_none(), "{c}"),
                            g => assert_eq!(c["LogDestination"]["prefix"], g),
                        }
                    }
                    // AWS WAF takes the bucket alone and writes at its root: a key prefix
                    // only fits logs put there otherwise (a rule refuses it with a web ACL).
                    DataType::Waf => assert_eq!(
                        st.property("WafLoggingConfiguration", &["LogDestinationConfigs"])
                            .unwrap(),
                        serde_json::json!([format!("arn:aws:s3:::{BUCKET}")])
                    ),
                    DataType::S3Access => {
                        let command = st.output("ServerAccessLoggingCommand").unwrap().unwrap();
                        assert!(
                            command.contains(&format!("\"TargetPrefix\":\"{root}{seg}/\"")),
                            "{command}"
                        );
                    }
                    DataType::SecurityHub => {
                        let prefix_set = text(
                            &st.property(
                                "SecurityHubDeliveryStream",
                                &["ExtendedS3DestinationConfiguration", "Prefix"],
                            )
                            .unwrap(),
                        );
                        assert_eq!(
                            prefix_set,
                            format!("{prefix}!{{timestamp:yyyy/MM/dd/HH}}/"),
                            "{spec}"
                        );
                    }
                    DataType::ElbAlb | DataType::ElbNlb => {
                        let output = match service {
                            DataType::ElbAlb => "AlbAccessLogsCommand",
                            _ => "NlbAccessLogsCommand",
                        };
                        let command = st.output(output).unwrap().unwrap();
                        assert!(
                            command.contains(&format!(
                                "Key=access_logs.s3.bucket,Value={BUCKET} Key=access_logs.s3.prefix,Value={given}"
                            )),
                            "{command}"
                        );
                    }
                    DataType::ElbNlbFlow | DataType::ElbGwlbFlow => {
                        let output = match service {
                            DataType::ElbNlbFlow => "NlbFlowLogsCommand",
                            _ => "GwlbFlowLogsCommand",
                        };
                        let command = st.output(output).unwrap().unwrap();
                        assert!(
                            command.ends_with(&format!(
                                "--log-destination arn:aws:s3:::{BUCKET}{folder}"
                            )),
                            "{command}"
                        );
                    }
                    DataType::CloudFront => {
                        let with = Stack::new(
                            &t,
                            &valid(&[
                                (name.as_str(), given),
                                ("CloudFrontDistributionId", "EDFDVBD6EXAMPLE"),
                            ]),
                        );
                        assert_eq!(
                            text(
                                &with
                                    .property(
                                        "CloudFrontDeliveryDestination",
                                        &["DestinationResourceArn"]
                                    )
                                    .unwrap()
                            ),
                            format!("arn:aws:s3:::{BUCKET}{folder}")
                        );
                        assert_eq!(
                            text(
                                &with
                                    .property("CloudFrontDelivery", &["S3SuffixPath"])
                                    .unwrap()
                            ),
                            "AWSLogs/111122223333/CloudFront/{DistributionId}/{yyyy}/{MM}/{dd}/{HH}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn an_organization_trail_is_announced_and_read_for_every_account() {
    for (spec, t) in s3_stacks() {
        if !spec.services().contains(&DataType::CloudTrail) {
            continue;
        }
        let org = param(&spec, DataType::CloudTrail, "OrganizationId");
        let prefix = param(&spec, DataType::CloudTrail, "KeyPrefix");
        let st = Stack::new(
            &t,
            &valid(&[(org.as_str(), "o-a1b2c3d4e5"), (prefix.as_str(), "org")]),
        );
        let p = paths(&st, &spec, DataType::CloudTrail);
        assert_eq!(p.notification, "org/AWSLogs/o-a1b2c3d4e5/", "{spec}");
        assert_eq!(
            p.read,
            format!("arn:aws:s3:::{BUCKET}/org/AWSLogs/o-a1b2c3d4e5/*")
        );
        for w in ["org/AWSLogs/111122223333/*", "org/AWSLogs/o-a1b2c3d4e5/*"] {
            assert!(
                p.writes.contains(&format!("arn:aws:s3:::{BUCKET}/{w}")),
                "{spec}: {:?}",
                p.writes
            );
        }
        assert!(p
            .command
            .contains("\"Value\":\"org/AWSLogs/o-a1b2c3d4e5/\""));
        assert_eq!(
            st.property("CloudTrailTrail", &["IsOrganizationTrail"])
                .unwrap(),
            true
        );
        let bad = &t["Parameters"][&org]["AllowedPattern"];
        let re = regex::Regex::new(bad.as_str().unwrap()).unwrap();
        assert!(re.is_match("o-a1b2c3d4e5") && re.is_match(""));
        assert!(!re.is_match("123456789012") && !re.is_match("o-short"));
    }
}

/// Every service principal GuardDuty is given in the key and bucket policies.
fn guardduty_principals(st: &Stack) -> Vec<String> {
    let mut out = Vec::new();
    for (id, field) in [
        ("GuardDutyKey", "KeyPolicy"),
        ("LogBucketPolicy", "PolicyDocument"),
    ] {
        for s in statements(&st.property(id, &[field]).unwrap()) {
            let svc = text(&s["Principal"]["Service"]);
            if svc.starts_with("guardduty") {
                out.push(svc);
            }
        }
    }
    out
}

#[test]
fn guardduty_is_named_by_its_regional_principal_in_opt_in_regions() {
    for (spec, t) in s3_stacks() {
        if !spec.services().contains(&DataType::GuardDuty) {
            continue;
        }
        for region in OPT_IN_REGIONS {
            let st = Stack::new(&t, &valid(&[])).in_region(region);
            let found = guardduty_principals(&st);
            assert_eq!(found.len(), 5, "{spec}");
            for p in found {
                assert_eq!(p, format!("guardduty.{region}.amazonaws.com"), "{spec}");
            }
        }
        for region in ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"] {
            let st = Stack::new(&t, &valid(&[])).in_region(region);
            for p in guardduty_principals(&st) {
                assert_eq!(p, "guardduty.amazonaws.com", "{spec} {region}");
            }
        }
    }
}

#[test]
fn guardduty_uses_the_regions_detector_and_creates_one_only_when_asked() {
    for (spec, t) in s3_stacks() {
        if !spec.services().contains(&DataType::GuardDuty) {
            continue;
        }
        // Defaults create nothing and are refused with what to do.
        let none = Stack::new(&t, &[("BucketName", BUCKET)]);
        let failed = none.failed_rules().unwrap();
        assert!(
            failed.iter().any(|f| f.contains("DetectorId")),
            "{spec}: {failed:?}"
        );
        assert!(!none.creates("GuardDutyDetector").unwrap(), "{spec}");
        // The Region's detector.
        let own = Stack::new(&t, &valid(&[]));
        assert!(own.failed_rules().unwrap().is_empty(), "{spec}");
        assert!(!own.creates("GuardDutyDetector").unwrap(), "{spec}");
        assert_eq!(
            own.property("GuardDutyPublishingDestination", &["DetectorId"])
                .unwrap(),
            DETECTOR
        );
        // Created only when asked, and kept when the stack goes.
        let create = Stack::new(&t, &[("BucketName", BUCKET), ("CreateDetector", "true")]);
        assert!(create.failed_rules().unwrap().is_empty(), "{spec}");
        assert!(create.creates("GuardDutyDetector").unwrap(), "{spec}");
        assert_eq!(
            create
                .property("GuardDutyPublishingDestination", &["DetectorId"])
                .unwrap(),
            create.reference("GuardDutyDetector").unwrap()
        );
        let detector = &t["Resources"]["GuardDutyDetector"];
        assert_eq!(detector["DeletionPolicy"], "Retain", "{spec}");
        assert_eq!(detector["UpdateReplacePolicy"], "Retain", "{spec}");
        // Both at once is refused; an existing bucket needs neither.
        let both = Stack::new(&t, &valid(&[("CreateDetector", "true")]));
        assert!(!both.failed_rules().unwrap().is_empty(), "{spec}");
        let existing = Stack::new(&t, &[("BucketName", BUCKET), ("UseExistingBucket", "true")]);
        assert!(existing.failed_rules().unwrap().is_empty(), "{spec}");
    }
}

#[test]
fn key_policies_name_no_principal_the_same_stack_creates() {
    for spec in StackSpec::all() {
        let t = spec.build().to_value();
        let resources = t["Resources"].as_object().unwrap();
        for (id, r) in resources {
            if r["Type"] != "AWS::KMS::Key" {
                continue;
            }
            let st = Stack::new(&t, &valid(&[]));
            for s in statements(&st.property(id, &["KeyPolicy"]).unwrap()) {
                for p in as_list(&s["Principal"]["AWS"]) {
                    assert_eq!(
                        p, "arn:aws:iam::111122223333:root",
                        "{spec} {id}: KMS must see every principal when the policy is set"
                    );
                }
            }
            // Decrypt goes through the account, only via S3 in this Region and account.
            let decrypt: Vec<_> = statements(&st.property(id, &["KeyPolicy"]).unwrap())
                .into_iter()
                .filter(|s| s["Action"] == "kms:Decrypt")
                .collect();
            assert_eq!(decrypt.len(), 1, "{spec}");
            let c = &decrypt[0]["Condition"]["StringEquals"];
            assert_eq!(c["kms:ViaService"], "s3.us-east-1.amazonaws.com");
            assert_eq!(c["kms:CallerAccount"], "111122223333");
        }
    }
}

/// Resource properties that are names AWS keeps unique per account or Region, with the limits.
const NAMES: &[(&str, &str, usize)] = &[
    ("AWS::IAM::Role", "RoleName", 64),
    ("AWS::SQS::Queue", "QueueName", 80),
    ("AWS::S3::Bucket", "BucketName", 63),
    ("AWS::CloudTrail::Trail", "TrailName", 128),
    ("AWS::KMS::Alias", "AliasName", 256),
    ("AWS::Lambda::Function", "FunctionName", 64),
    (
        "AWS::KinesisFirehose::DeliveryStream",
        "DeliveryStreamName",
        64,
    ),
    ("AWS::Logs::LogGroup", "LogGroupName", 512),
];

fn names(st: &Stack) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    for (id, r) in st.template["Resources"].as_object().unwrap() {
        for (ty, prop, limit) in NAMES {
            if r["Type"] == *ty && r["Properties"].get(*prop).is_some() && st.creates(id).unwrap() {
                out.push((
                    format!("{id}.{prop}"),
                    text(&st.property(id, &[prop]).unwrap()),
                    *limit,
                ));
            }
        }
    }
    out
}

#[test]
fn default_names_differ_between_two_stacks_and_fit_whatever_the_stack_name() {
    let long_name = "s".repeat(128);
    for spec in StackSpec::all() {
        // The member stack names nothing (a flow log and an export are not named).
        if matches!(
            spec.kind,
            StackKind::OidcProvider | StackKind::LegacyCloudTrail | StackKind::LogArchiveMember
        ) {
            continue;
        }
        let t = spec.build().to_value();
        let long_cluster = "c".repeat(40);
        fn given(cluster: &str) -> Vec<(&str, &str)> {
            vec![
                ("CreateDetector", "true"),
                ("VpcId", "vpc-0123456789abcdef0"),
                ("EKSClusterName", cluster),
            ]
        }
        let a = Stack::new(&t, &given("one"))
            .named("sentinel-a", "aaaaaaaa-0000-4000-8000-000000000001");
        let b = Stack::new(&t, &given("two"))
            .named("sentinel-b", "bbbbbbbb-0000-4000-8000-000000000002");
        let (na, nb) = (names(&a), names(&b));
        assert!(
            na.iter().any(|(k, _, _)| k.ends_with("RoleName")),
            "{spec}: {na:?}"
        );
        for ((key, x, _), (_, y, _)) in na.iter().zip(&nb) {
            assert_ne!(
                x, y,
                "{spec}: {key} collides between two stacks with defaults"
            );
        }
        for (key, name, _) in &na {
            if key.ends_with(".RoleName") {
                assert!(name.starts_with("OIDC_"), "{spec}: {name}");
            }
        }
        let long = Stack::new(&t, &given(&long_cluster))
            .named(&long_name, "cccccccc-0000-4000-8000-000000000003")
            .in_region("ap-southeast-4");
        for (key, name, limit) in names(&long) {
            assert!(
                name.len() <= limit,
                "{spec}: {key} is {} characters with a 128-character stack name: {name}",
                name.len()
            );
        }
    }
}

#[test]
fn subscription_filters_wait_for_the_stream_which_waits_for_the_logs_role() {
    for spec in StackSpec::all() {
        let t = spec.build().to_value();
        let r = t["Resources"].as_object().unwrap();
        for (id, f) in r {
            if f["Type"] != "AWS::Logs::SubscriptionFilter" {
                continue;
            }
            let stream = f["Properties"]["DestinationArn"]["Fn::GetAtt"][0]
                .as_str()
                .unwrap();
            let role = f["Properties"]["RoleArn"]["Fn::GetAtt"][0]
                .as_str()
                .unwrap();
            let policy = r
                .iter()
                .find(|(_, p)| {
                    p["Type"] == "AWS::IAM::Policy" && p["Properties"]["Roles"][0]["Ref"] == role
                })
                .map(|(k, _)| k.as_str())
                .unwrap();
            let waits: Vec<&str> = r[stream]["DependsOn"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap())
                .collect();
            assert!(
                waits.contains(&policy),
                "{spec}: {stream} must wait for {policy} so that {id}'s test delivery finds the role propagated"
            );
        }
    }
}

#[test]
fn workspace_ids_are_lower_case_as_sentinel_sends_them() {
    for spec in StackSpec::all() {
        let t = spec.build().to_value();
        let Some(p) = t["Parameters"].get("SentinelWorkspaceId") else {
            continue;
        };
        let re = regex::Regex::new(p["AllowedPattern"].as_str().unwrap()).unwrap();
        assert!(
            re.is_match("6f1a9b2c-1234-4abc-9def-0123456789ab"),
            "{spec}"
        );
        assert!(
            !re.is_match("6F1A9B2C-1234-4ABC-9DEF-0123456789AB"),
            "{spec}"
        );
        assert!(
            p["ConstraintDescription"]
                .as_str()
                .unwrap()
                .contains("lower case"),
            "{spec}"
        );
    }
}

#[test]
fn the_legacy_role_is_refused_outside_the_commercial_partition() {
    let spec = StackSpec {
        kind: StackKind::LegacyCloudTrail,
        cloud: generator::facts::Cloud::Commercial,
    };
    let t = spec.build().to_value();
    let ok = Stack::new(&t, &[]).in_region("eu-west-1");
    assert!(ok.failed_rules().unwrap().is_empty());
    for region in ["us-gov-west-1", "us-gov-east-1", "cn-north-1"] {
        let failed = Stack::new(&t, &[])
            .in_region(region)
            .failed_rules()
            .unwrap();
        assert_eq!(failed.len(), 1, "{region}");
        assert!(failed[0].contains("GovCloud"), "{}", failed[0]);
    }
}
