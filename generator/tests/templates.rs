//! Intent tests over every rendered stack, and the freshness of the committed `templates/`.

use generator::facts::Cloud;
use generator::render::{self, Format};
use generator::resources::lambda::INLINE_CODE_LIMIT;
use generator::stacks::{StackKind, StackSpec};
use serde_json::Value;
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
        if spec.kind != StackKind::LegacyCloudTrail {
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

#[test]
fn notifications_filter_on_prefix_and_suffix_one_queue_per_path() {
    for (spec, t) in rendered() {
        for (_, b) in resources_of(&t, "AWS::S3::Bucket") {
            let configs = b["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
                .as_array()
                .unwrap();
            assert_eq!(configs.len(), expected_queues(&spec), "{spec}");
            let mut prefixes = Vec::new();
            for c in configs {
                assert_eq!(c["Event"], "s3:ObjectCreated:*");
                let rules = c["Filter"]["S3Key"]["Rules"].as_array().unwrap();
                let prefix = rules.iter().find(|r| r["Name"] == "prefix").unwrap()["Value"]
                    ["Fn::Sub"]
                    .as_str()
                    .unwrap();
                let suffix = rules.iter().find(|r| r["Name"] == "suffix").unwrap()["Value"]
                    .as_str()
                    .unwrap();
                let eks =
                    spec.kind == StackKind::Eks && prefix == "eks-audit-logs/${EKSClusterName}/";
                assert!(
                    (prefix.starts_with("AWSLogs/${AWS::AccountId}/") || eks)
                        && prefix.ends_with('/'),
                    "{prefix}"
                );
                assert!(suffix.ends_with(".gz"), "{suffix}");
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
            StackKind::Connector(s) => {
                for o in ["SentinelRoleArn", "SentinelSQSQueueURL", "DestinationTable"] {
                    assert!(outputs.contains_key(o), "{spec} lacks {o}");
                }
                assert_eq!(outputs["DestinationTable"]["Value"], s.table());
            }
            StackKind::AllServices => {
                for s in spec.services() {
                    assert!(
                        outputs.contains_key(&format!("{}SentinelSQSQueueURL", s.id())),
                        "{spec} {s}"
                    );
                    assert_eq!(
                        outputs[&format!("{}DestinationTable", s.id())]["Value"],
                        s.table()
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
        }
    }
}

#[test]
fn sentinel_role_names_must_start_with_oidc() {
    for (spec, t) in rendered() {
        if let Some(p) = t["Parameters"].get("AwsRoleName") {
            assert!(
                p["AllowedPattern"].as_str().unwrap().starts_with("^OIDC_"),
                "{spec}"
            );
            assert!(
                p["Default"].as_str().unwrap().starts_with("OIDC_"),
                "{spec}"
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
