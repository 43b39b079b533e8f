//! Intent tests over every rendered stack, and the freshness of the committed `templates/`.

use generator::facts::Cloud;
use generator::render::{self, Format};
use generator::resources::lambda::INLINE_CODE_LIMIT;
use generator::stacks::{StackKind, StackSpec};
use serde_json::{json, Value};
use std::path::Path;

fn rendered() -> Vec<(StackSpec, Value)> {
    StackSpec::all()
        .into_iter()
        .map(|s| (s, s.build().to_value()))
        .collect()
}

/// Notification queues a stack creates: one per service, one for the EKS stack.
fn expected_queues(spec: &StackSpec) -> usize {
    match spec.kind {
        StackKind::Eks => 1,
        _ => spec.services().len(),
    }
}

fn resources_of<'a>(t: &'a Value, ty: &str) -> Vec<(&'a String, &'a Value)> {
    t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .collect()
}

#[test]
fn committed_templates_are_what_the_code_renders() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates");
    let drift = render::check(&dir, &render::all_files()).unwrap();
    assert!(
        drift.is_empty(),
        "templates/ is stale; run `cargo xtask render` and commit:\n{}",
        drift
            .iter()
            .map(|d| format!("  {d}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn rendering_is_deterministic_and_yaml_says_what_json_says() {
    assert_eq!(render::all_files(), render::all_files());
    for spec in StackSpec::all() {
        let t = spec.build();
        let json: Value = serde_json::from_str(&render::render(&t, Format::Json)).unwrap();
        let yaml: Value = serde_yaml::from_str(&render::render(&t, Format::Yaml)).unwrap();
        assert_eq!(json, yaml, "{spec}: YAML and JSON differ");
        assert_eq!(json["AWSTemplateFormatVersion"], "2010-09-09");
    }
}

#[test]
fn every_arn_is_partition_aware() {
    for f in render::all_files()
        .iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "json"))
    {
        for bad in ["arn:aws:", "arn:aws-us-gov:"] {
            assert!(
                !f.contents.contains(bad),
                "{}: hard-coded partition {bad}",
                f.path.display()
            );
        }
    }
}

#[test]
fn government_templates_use_only_the_government_issuer() {
    for (spec, t) in rendered() {
        let text = t.to_string();
        let (own, other) = match spec.cloud {
            Cloud::Commercial => (Cloud::Commercial, Cloud::Government),
            Cloud::Government => (Cloud::Government, Cloud::Commercial),
        };
        assert!(
            !text.contains(other.tenant()) && !text.contains(other.audience()),
            "{spec}"
        );
        // The legacy role trusts an account, the member stack trusts nothing.
        if !matches!(
            spec.kind,
            StackKind::LegacyCloudTrail | StackKind::LogArchiveMember
        ) {
            assert!(text.contains(own.tenant()), "{spec} lacks its tenant");
        }
    }
}

#[test]
fn every_queue_has_a_dead_letter_queue_and_survives_two_weeks() {
    for (spec, t) in rendered() {
        let queues = resources_of(&t, "AWS::SQS::Queue");
        let dlqs: Vec<String> = queues
            .iter()
            .filter_map(|(_, q)| {
                q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0].as_str()
            })
            .map(String::from)
            .collect();
        for (id, q) in &queues {
            let p = &q["Properties"];
            assert_eq!(p["MessageRetentionPeriod"], 1_209_600, "{spec} {id}");
            assert_eq!(p["SqsManagedSseEnabled"], true, "{spec} {id}");
            if !dlqs.contains(id) {
                assert!(
                    p["RedrivePolicy"]["maxReceiveCount"].is_object(),
                    "{spec} {id} has no DLQ"
                );
                assert!(
                    queues.iter().any(|(other, _)| dlqs.contains(other)),
                    "{spec}"
                );
            }
        }
        assert_eq!(dlqs.len() * 2, queues.len(), "{spec}: one DLQ per queue");
        assert_eq!(
            dlqs.len(),
            expected_queues(&spec),
            "{spec}: one queue per service"
        );
    }
}

#[test]
fn buckets_are_private_encrypted_owner_enforced_expiring_and_tls_only() {
    for (spec, t) in rendered() {
        for (id, b) in resources_of(&t, "AWS::S3::Bucket") {
            let p = &b["Properties"];
            for flag in [
                "BlockPublicAcls",
                "BlockPublicPolicy",
                "IgnorePublicAcls",
                "RestrictPublicBuckets",
            ] {
                assert_eq!(
                    p["PublicAccessBlockConfiguration"][flag], true,
                    "{spec} {id} {flag}"
                );
            }
            assert!(
                p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
                    ["ServerSideEncryptionByDefault"]["SSEAlgorithm"]
                    .is_string()
            );
            assert_eq!(
                p["OwnershipControls"]["Rules"][0]["ObjectOwnership"],
                "BucketOwnerEnforced"
            );
            assert!(p["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"].is_object());
            let policies = resources_of(&t, "AWS::S3::BucketPolicy");
            let tls = policies.iter().any(|(_, bp)| {
                bp["Properties"]["PolicyDocument"]["Statement"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|st| {
                        // A JSON boolean, as the Guard registry's S3_BUCKET_SSL_REQUESTS_ONLY
                        // compares it (IAM reads `false` and `"false"` alike).
                        st["Effect"] == "Deny"
                            && st["Condition"]["Bool"]["aws:SecureTransport"] == false
                    })
            });
            assert!(tls, "{spec}: no TLS-only statement");
        }
    }
}

/// `${KeyPath}AWSLogs/${Owner}` as it reads without a key prefix or an organization.
fn default_layout(t: &Value, value: &Value) -> String {
    let sub = value["Fn::Sub"].as_array().expect("a Sub with variables");
    let mut out = sub[0].as_str().unwrap().to_string();
    for (name, v) in sub[1].as_object().unwrap() {
        // A key prefix whose parameter has a default (ELB's collectors): the set branch with it.
        let defaulted = v["Fn::If"][0]
            .as_str()
            .and_then(|c| c.strip_prefix("Has"))
            .and_then(|p| Some((p, t["Parameters"][p]["Default"].as_str()?)))
            .filter(|(_, d)| !d.is_empty());
        let part = match defaulted {
            Some((p, d)) => v["Fn::If"][1]["Fn::Sub"]
                .as_str()
                .map(|s| s.replace(&format!("${{{p}}}"), d)),
            None => v["Fn::If"][2]
                .as_str()
                .map(str::to_string)
                .or_else(|| v["Fn::If"][2]["Fn::Sub"].as_str().map(str::to_string)),
        }
        .unwrap_or_else(|| panic!("{name}: not a conditional part: {v}"));
        out = out.replace(&format!("${{{name}}}"), &part);
    }
    out
}

#[test]
fn notifications_filter_on_prefix_and_suffix_one_queue_per_path() {
    for (spec, t) in rendered() {
        for (_, b) in resources_of(&t, "AWS::S3::Bucket") {
            let n = &b["Properties"]["NotificationConfiguration"];
            // The queues, or with FanOut=sns (connector stacks) the topics in their place: the
            // same filters, one topic per queue.
            let (configs, topics) = match n["QueueConfigurations"].get("Fn::If") {
                None => (n["QueueConfigurations"].as_array().unwrap().clone(), None),
                Some(branches) => {
                    assert_eq!(branches[0], "NotifyThroughTopics", "{spec}");
                    assert_eq!(branches[1], json!({"Ref": "AWS::NoValue"}), "{spec}");
                    let topics = &n["TopicConfigurations"]["Fn::If"];
                    assert_eq!(topics[0], "NotifyThroughTopics", "{spec}");
                    assert_eq!(topics[2], json!({"Ref": "AWS::NoValue"}), "{spec}");
                    (
                        branches[2].as_array().unwrap().clone(),
                        Some(topics[1].as_array().unwrap().clone()),
                    )
                }
            };
            assert_eq!(configs.len(), expected_queues(&spec), "{spec}");
            if let Some(topics) = &topics {
                assert_eq!(topics.len(), configs.len(), "{spec}");
                for (q, tc) in configs.iter().zip(topics) {
                    assert_eq!(q["Filter"], tc["Filter"], "{spec}");
                    let queue = q["Queue"]["Fn::GetAtt"][0].as_str().unwrap();
                    assert_eq!(
                        tc["Topic"],
                        json!({"Ref": format!("{queue}NotificationTopic")}),
                        "{spec}"
                    );
                }
            }
            let mut prefixes = Vec::new();
            for c in &configs {
                assert_eq!(c["Event"], "s3:ObjectCreated:*");
                let rules = c["Filter"]["S3Key"]["Rules"].as_array().unwrap();
                let value = &rules.iter().find(|r| r["Name"] == "prefix").unwrap()["Value"];
                // The default layout (no key prefix, no organization): the Sub template with its
                // conditional parts empty.
                let prefix = value["Fn::Sub"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| default_layout(&t, value));
                let prefix = prefix.as_str();
                let suffix = rules
                    .iter()
                    .find(|r| r["Name"] == "suffix")
                    .map(|r| r["Value"].as_str().unwrap());
                let eks =
                    spec.kind == StackKind::Eks && prefix == "eks-audit-logs/${EKSClusterName}/";
                // S3 server access log objects have no suffix: their prefix is their own folder,
                // which no other layout's keys start with.
                let access_logs = prefix == "s3-access-logs/${AWS::AccountId}/${AWS::Region}/";
                // ELB's collectors: their default key prefix first (`ALBLogs/AWSLogs/...`).
                let after_key_prefix = prefix
                    .split_once('/')
                    .filter(|(kp, _)| !kp.starts_with("AWSLogs") && !kp.is_empty())
                    .map_or(prefix, |(_, rest)| rest);
                let elb = spec.to_string().contains("elb")
                    && after_key_prefix.starts_with("AWSLogs/${AWS::AccountId}/");
                assert!(
                    (prefix.starts_with("AWSLogs/${AWS::AccountId}/") || eks || access_logs || elb)
                        && prefix.ends_with('/'),
                    "{prefix}"
                );
                match suffix {
                    Some(suffix) => assert!(suffix.ends_with(".gz"), "{suffix}"),
                    None => assert!(access_logs, "{spec}: {prefix} has no suffix rule"),
                }
                // CloudTrail-Digest/ and CloudTrail-Insight/ must not match the CloudTrail prefix.
                assert!(
                    !"AWSLogs/${AWS::AccountId}/CloudTrail-Digest/x.json.gz".starts_with(prefix)
                );
                prefixes.push(prefix.to_string());
            }
            for (i, a) in prefixes.iter().enumerate() {
                for b in &prefixes[i + 1..] {
                    assert!(
                        !a.starts_with(b.as_str()) && !b.starts_with(a.as_str()),
                        "{spec}: overlapping {a} {b}"
                    );
                }
            }
        }
    }
}

#[test]
fn connector_outputs_give_what_the_portal_asks_for() {
    for (spec, t) in rendered() {
        let outputs = t["Outputs"].as_object().unwrap();
        match spec.kind {
            StackKind::Connector(s) if s.single().is_some() => {
                let s = s.single().unwrap();
                for o in ["SentinelRoleArn", "SentinelSQSQueueURL", "DestinationTable"] {
                    assert!(outputs.contains_key(o), "{spec} lacks {o}");
                }
                assert_eq!(outputs["DestinationTable"]["Value"], s.table().name());
            }
            StackKind::Connector(_) | StackKind::AllServices | StackKind::LogArchive => {
                for s in spec.services() {
                    assert!(
                        outputs.contains_key(&format!("{}SentinelSQSQueueURL", s.id())),
                        "{spec} {s}"
                    );
                    assert_eq!(
                        outputs[&format!("{}DestinationTable", s.id())]["Value"],
                        s.table().name()
                    );
                }
            }
            StackKind::Eks => {
                for o in ["SentinelRoleArn", "SentinelSQSQueueURL", "DestinationTable"] {
                    assert!(outputs.contains_key(o), "{spec} lacks {o}");
                }
                assert_eq!(outputs["DestinationTable"]["Value"], "AWSEKSLogs_CL");
            }
            StackKind::LegacyCloudTrail => assert!(outputs.contains_key("SentinelRoleArn")),
            StackKind::OidcProvider => assert!(outputs.contains_key("OIDCProviderArn")),
            StackKind::LogArchiveMember => {
                for o in ["FlowLogId", "PublishingDestinationId"] {
                    assert!(outputs.contains_key(o), "{spec} lacks {o}");
                }
            }
        }
    }
}

#[test]
fn sentinel_role_names_must_start_with_oidc() {
    for (spec, t) in rendered() {
        if let Some(p) = t["Parameters"].get("AwsRoleName") {
            let re = regex::Regex::new(p["AllowedPattern"].as_str().unwrap()).unwrap();
            assert!(
                re.is_match("OIDC_MySentinelRole") && re.is_match(""),
                "{spec}"
            );
            assert!(!re.is_match("MySentinelRole"), "{spec}");
            // Empty: a per-stack name that still starts with OIDC_.
            assert_eq!(p["Default"], "", "{spec}");
            let derived = &t["Resources"]["SentinelRole"]["Properties"]["RoleName"]["Fn::If"][2];
            assert!(
                derived["Fn::Sub"][0].as_str().unwrap().starts_with("OIDC_"),
                "{spec}: {derived}"
            );
        }
    }
}

#[test]
fn inline_lambda_code_fits_cloudformation_limit() {
    let mut seen = 0;
    for (spec, t) in rendered() {
        for (id, f) in resources_of(&t, "AWS::Lambda::Function") {
            let code = f["Properties"]["Code"]["ZipFile"].as_str().unwrap();
            assert!(
                code.len() <= INLINE_CODE_LIMIT,
                "{spec} {id}: {} bytes",
                code.len()
            );
            assert!(
                !code.contains("{{") && !code.contains("{%"),
                "{spec} {id}: unrendered template text"
            );
            seen += 1;
        }
    }
    assert!(seen >= 3);
}

#[test]
fn oidc_provider_is_retained_and_optional() {
    for (spec, t) in rendered()
        .into_iter()
        .filter(|(s, _)| s.kind == StackKind::OidcProvider)
    {
        let p = &t["Resources"]["SentinelOIDCProvider"];
        assert_eq!(p["DeletionPolicy"], "Retain");
        assert_eq!(p["Condition"], "CreateOIDCProvider");
        assert_eq!(p["Properties"]["Url"], spec.cloud.issuer_url());
        assert_eq!(p["Properties"]["ClientIdList"][0], spec.cloud.audience());
    }
}

/// Lambda answers Firehose with at most 6 MB, and the transforms gunzip CloudWatch Logs
/// payloads that expand many times: every processor buffers the least Firehose allows, and each
/// transform may put what does not fit back into its own stream, and into no other.
#[test]
fn transforms_get_small_batches_and_may_reingest_into_their_own_stream_only() {
    let mut seen = 0;
    for (spec, t) in rendered() {
        for (id, stream) in resources_of(&t, "AWS::KinesisFirehose::DeliveryStream") {
            let d = &stream["Properties"]["ExtendedS3DestinationConfiguration"];
            let [processor] = d["ProcessingConfiguration"]["Processors"]
                .as_array()
                .unwrap()
                .as_slice()
            else {
                panic!("{spec} {id}: one processor")
            };
            // Streams without a transform (Security Hub: AppendDelimiterToRecord) invoke nothing.
            if processor["Type"] != "Lambda" {
                continue;
            }
            let param = |name: &str| {
                processor["Parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| p["ParameterName"] == name)
                    .map(|p| p["ParameterValue"].clone())
                    .unwrap_or_else(|| panic!("{spec} {id}: no {name}"))
            };
            assert_eq!(param("BufferSizeInMBs"), "0.2", "{spec} {id}");
            let function = param("LambdaArn")["Fn::GetAtt"][0]
                .as_str()
                .unwrap()
                .to_string();
            let role = t["Resources"][&function]["Properties"]["Role"]["Fn::GetAtt"][0]
                .as_str()
                .unwrap()
                .to_string();
            let grants: Vec<&Value> = resources_of(&t, "AWS::IAM::Policy")
                .into_iter()
                .filter(|(_, p)| p["Properties"]["Roles"][0]["Ref"] == role.as_str())
                .flat_map(|(_, p)| {
                    p["Properties"]["PolicyDocument"]["Statement"]
                        .as_array()
                        .unwrap()
                })
                .filter(|s| s["Action"].to_string().contains("firehose:"))
                .collect();
            let [grant] = grants.as_slice() else {
                panic!(
                    "{spec} {id}: the transform role {role} needs one Firehose grant: {grants:?}"
                )
            };
            assert_eq!(grant["Action"], "firehose:PutRecordBatch", "{spec} {id}");
            // The ARN of this very stream, by the name it is created with.
            let sub = grant["Resource"]["Fn::Sub"].as_array().unwrap();
            assert_eq!(
                sub[0],
                "arn:${AWS::Partition}:firehose:${AWS::Region}:${AWS::AccountId}:deliverystream/${Stream}",
                "{spec} {id}"
            );
            assert_eq!(
                sub[1]["Stream"], stream["Properties"]["DeliveryStreamName"],
                "{spec} {id}"
            );
            seen += 1;
        }
    }
    assert_eq!(
        seen, 6,
        "CloudWatch, all-services and EKS, commercial and government"
    );
}

/// CloudFormation takes at most 51,200 bytes of template body inline and 1 MB from S3
/// (`TemplateURL`): every stack of one data type fits inline; a stack of several (the
/// all-services stack, a group's stack such as ELB's four collectors with their alarms) that
/// is over says so in the templates README (with the `--s3-bucket` deploy command), and the
/// deployer stages it in S3.
#[test]
fn one_service_stacks_fit_inline_and_larger_ones_are_documented_as_staged() {
    use generator::render::{compact_len, INLINE_TEMPLATE_LIMIT};
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates/README.md"),
    )
    .unwrap();
    for spec in StackSpec::all() {
        let body = compact_len(&spec.build());
        assert!(body <= 1_000_000, "{spec}: {body} bytes");
        let several = match spec.kind {
            StackKind::AllServices => true,
            StackKind::Connector(c) => c.single().is_none(),
            _ => false,
        };
        if !several {
            assert!(
                body <= INLINE_TEMPLATE_LIMIT,
                "{spec}: {body} bytes minified"
            );
        } else if body > INLINE_TEMPLATE_LIMIT {
            assert!(
                readme.contains(&format!("**`{}` is {body} bytes** (minified)", spec.stem())),
                "{spec}: {body} bytes, and the templates README does not say it needs S3"
            );
            let command = format!(
                "--template-file templates/{}.yaml --stack-name ",
                spec.stem()
            );
            let line = readme
                .lines()
                .find(|l| l.contains(&command))
                .unwrap_or_else(|| panic!("{spec}: no deploy command in the templates README"));
            assert!(
                line.contains("--s3-bucket <a bucket of yours>"),
                "{spec}: {line}"
            );
        }
        eprintln!("{spec}: {body} bytes minified");
    }
    assert!(readme.contains("--s3-bucket <a bucket of yours>"));
}
