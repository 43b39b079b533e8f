//! The AWS WAF connector stack, resolved for concrete parameters: the bucket name AWS WAF
//! requires, the logging configuration behind `WebAclArn`, and the rule that refuses a key
//! prefix with it.

use access::template::{text, Stack};
use generator::facts::{Cloud, DataType};
use generator::stacks::{StackKind, StackSpec};
use regex::Regex;
use serde_json::{json, Value};

const BUCKET: &str = "aws-waf-logs-shop";
const ACL: &str = "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/shop-acl/0f6e2d1c-1a2b-4c3d-8e9f-001122334455";

fn templates() -> Vec<(Cloud, Value)> {
    Cloud::ALL
        .iter()
        .map(|&cloud| {
            let spec = StackSpec {
                kind: StackKind::of_data_type(DataType::Waf),
                cloud,
            };
            (cloud, spec.build().to_value())
        })
        .collect()
}

fn pattern(t: &Value, param: &str) -> Regex {
    Regex::new(t["Parameters"][param]["AllowedPattern"].as_str().unwrap()).unwrap()
}

#[test]
fn the_bucket_name_starts_with_aws_waf_logs_given_or_derived() {
    for (cloud, t) in templates() {
        let names = pattern(&t, "BucketName");
        for ok in ["", "aws-waf-logs-shop", "aws-waf-logs-a.b-1"] {
            assert!(names.is_match(ok), "{cloud:?}: {ok}");
        }
        let too_long = format!("aws-waf-logs-{}", "a".repeat(51));
        for bad in [
            "my-log-bucket",
            "aws-waf-logs-",
            "aws-waf-logs-Shop",
            too_long.as_str(),
        ] {
            assert!(!names.is_match(bad), "{cloud:?}: {bad}");
        }
        let rule = text(&t["Parameters"]["BucketName"]["ConstraintDescription"]);
        assert!(
            rule.contains("must start with aws-waf-logs-") && rule.contains("AWS WAF"),
            "{rule}"
        );
        // The default name: the required prefix, then the per-stack name.
        let st = Stack::new(&t, &[]).named("sentinel-waf", "5a6b7c8d-0000-4000-8000-000000000000");
        let name = text(&st.property("LogBucket", &["BucketName"]).unwrap());
        assert!(name.starts_with("aws-waf-logs-sentinel-waf-"), "{name}");
        assert!(names.is_match(&name) && name.len() <= 63, "{name}");
    }
}

#[test]
fn a_web_acl_arn_creates_its_logging_configuration_into_the_bucket() {
    for (cloud, t) in templates() {
        let none = Stack::new(&t, &[("BucketName", BUCKET)]);
        assert!(
            !none.creates("WafLoggingConfiguration").unwrap(),
            "{cloud:?}"
        );
        assert_eq!(none.output("WafLoggingResourceArn").unwrap(), None);

        let given = [("BucketName", BUCKET), ("WebAclArn", ACL)];
        let st = Stack::new(&t, &given);
        assert!(st.failed_rules().unwrap().is_empty(), "{cloud:?}");
        assert!(st.creates("WafLoggingConfiguration").unwrap());
        assert_eq!(
            st.property("WafLoggingConfiguration", &[]).unwrap(),
            json!({"ResourceArn": ACL, "LogDestinationConfigs": [format!("arn:aws:s3:::{BUCKET}")]})
        );
        assert_eq!(
            st.output("WafLoggingResourceArn").unwrap().as_deref(),
            Some(ACL)
        );
        // It waits for the bucket policy that lets the log-delivery service write.
        let r = st.resource("WafLoggingConfiguration").unwrap();
        assert!(r["DependsOn"]
            .as_array()
            .unwrap()
            .contains(&json!("LogBucketPolicy")));

        // With an existing bucket the stack leaves the delivering service alone.
        let existing = [
            ("BucketName", BUCKET),
            ("WebAclArn", ACL),
            ("UseExistingBucket", "true"),
        ];
        let st = Stack::new(&t, &existing);
        assert!(!st.creates("WafLoggingConfiguration").unwrap());
    }
}

#[test]
fn a_key_prefix_is_refused_with_a_web_acl_to_log() {
    for (cloud, t) in templates() {
        let both = [
            ("BucketName", BUCKET),
            ("WebAclArn", ACL),
            ("KeyPrefix", "waf"),
        ];
        let failed = Stack::new(&t, &both).failed_rules().unwrap();
        assert_eq!(failed.len(), 1, "{cloud:?}: {failed:?}");
        assert!(
            failed[0].starts_with("WafLogsAtTheBucketRoot: Leave KeyPrefix empty"),
            "{}",
            failed[0]
        );
        // A prefix alone (logs copied there by other means) is fine.
        let prefix_only = [("BucketName", BUCKET), ("KeyPrefix", "waf")];
        assert!(Stack::new(&t, &prefix_only)
            .failed_rules()
            .unwrap()
            .is_empty());
    }
}

#[test]
fn the_web_acl_arn_is_a_regional_or_cloudfront_web_acl() {
    for (_, t) in templates() {
        let arns = pattern(&t, "WebAclArn");
        for ok in [
            "",
            ACL,
            "arn:aws:wafv2:us-east-1:111122223333:global/webacl/cdn-acl/0f6e2d1c-1a2b-4c3d-8e9f-001122334455",
            "arn:aws-us-gov:wafv2:us-gov-west-1:111122223333:regional/webacl/a_b-c/0f6e2d1c-1a2b-4c3d-8e9f-001122334455",
        ] {
            assert!(arns.is_match(ok), "{ok}");
        }
        for bad in [
            "shop-acl",
            "arn:aws:wafv2:us-east-1:111122223333:regional/ipset/shop/0f6e2d1c-1a2b-4c3d-8e9f-001122334455",
            "arn:aws:waf::111122223333:webacl/0f6e2d1c-1a2b-4c3d-8e9f-001122334455",
        ] {
            assert!(!arns.is_match(bad), "{bad}");
        }
    }
}

#[test]
fn a_bucket_name_set_at_render_time_must_start_with_aws_waf_logs() {
    use generator::stacks::Overrides;
    let spec = StackSpec {
        kind: StackKind::of_data_type(DataType::Waf),
        cloud: Cloud::Commercial,
    };
    let with = |name: &str| Overrides {
        bucket_name: Some(name.parse().unwrap()),
        ..Overrides::default()
    };
    let mut t = spec.build();
    let e = with("my-logs").apply(&spec, &mut t).unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("BucketName", "my-logs")
    );
    assert!(
        e.rule.contains("must start with aws-waf-logs-"),
        "{}",
        e.rule
    );
    let mut t = spec.build();
    with(BUCKET).apply(&spec, &mut t).unwrap();
    assert_eq!(t.to_value()["Parameters"]["BucketName"]["Default"], BUCKET);
    // Other stacks take any valid bucket name, as before.
    let vpc = StackSpec {
        kind: StackKind::of_data_type(DataType::Vpc),
        cloud: Cloud::Commercial,
    };
    let mut t = vpc.build();
    with("my-logs").apply(&vpc, &mut t).unwrap();
}
