//! A template over CloudFormation's 51,200-byte inline limit deploys into LocalStack through the
//! S3 staging bucket (created with its protections) and updates; a template whose Rule fails is
//! refused before any stack, or staged object, exists.

use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use deployer::guardduty::{self, DetectorError, GuardDutyDetectors};
use deployer::{DeployError, DeployOutcome, StackRequest, Staging, TEMPLATE_BODY_LIMIT};
use integration_tests::{s3, sdk, start_localstack};
use serde_json::{json, Value};
use std::time::Duration;

/// One queue, a rule that holds in the commercial partition, and `padding` bytes of Metadata.
fn large_template(padding: usize, fill: &str) -> Value {
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Metadata": {"Padding": fill.repeat(padding)},
        "Parameters": {
            "Visibility": {"Type": "Number", "Default": 30},
            "Mode": {"Type": "String", "Default": "on", "AllowedValues": ["on", "off"]}
        },
        "Rules": {
            "Commercial": {"Assertions": [{
                "Assert": {"Fn::Equals": [{"Ref": "AWS::Partition"}, "aws"]},
                "AssertDescription": "this stack is for the commercial partition"
            }]},
            "ModeOn": {"Assertions": [{
                "Assert": {"Fn::Equals": [{"Ref": "Mode"}, "on"]},
                "AssertDescription": "Mode must be on: pass Mode=on"
            }]}
        },
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": "it-staged",
            "VisibilityTimeout": {"Ref": "Visibility"}
        }}},
        "Outputs": {"QueueUrl": {"Value": {"Ref": "Queue"}}}
    })
}

fn request(
    name: &str,
    template: &Value,
    params: &[(&str, &str)],
    staging: &Staging,
) -> StackRequest {
    StackRequest {
        stack_name: name.into(),
        template: template.to_string(),
        parameters: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        timeout: Duration::from_secs(300),
        progress: false,
        staging: Some(staging.clone()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn large_templates_go_through_s3_and_failing_rules_change_nothing() {
    let ls = start_localstack();
    let config = sdk(&ls).await;
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let s3 = s3(&config);
    let staging = Staging::new(&config);

    // (b) A failing rule: refused before the stack or the staging bucket exists.
    let template = large_template(60_000, "x");
    let err = deployer::deploy(
        &cfn,
        &request("it-ruled", &template, &[("Mode", "off")], &staging),
    )
    .await
    .expect_err("rule ModeOn fails with Mode=off");
    assert!(matches!(err, DeployError::Rules(_)), "{err}");
    assert!(
        err.to_string()
            .contains("rule `ModeOn`: Mode must be on: pass Mode=on"),
        "{err}"
    );
    let described = cfn.describe_stacks().stack_name("it-ruled").send().await;
    let message = described
        .expect_err("the stack must not exist")
        .message()
        .unwrap_or_default()
        .to_string();
    assert!(message.contains("does not exist"), "{message}");
    let buckets = s3.list_buckets().send().await.unwrap();
    assert!(
        buckets.buckets().is_empty(),
        "nothing was staged: {:?}",
        buckets.buckets()
    );

    // (a) Over the inline limit: staged, created, then updated with a new body.
    let account = staging.account().await.unwrap();
    let bucket = deployer::bucket_name(&account, deployer::LOCALSTACK_REGION);
    let body_len = template.to_string().len();
    assert!(body_len > TEMPLATE_BODY_LIMIT, "{body_len} bytes");
    let created = deployer::deploy(&cfn, &request("it-staged", &template, &[], &staging))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(created.status, "CREATE_COMPLETE");
    assert_eq!(created.outcome, DeployOutcome::Created);
    assert!(
        created.outputs["QueueUrl"].contains("it-staged"),
        "{:?}",
        created.outputs
    );
    let staged = created.staged.clone().expect("the template was staged");
    eprintln!(
        "staged {} bytes at {} in {:.1} s",
        staged.bytes, staged.url, created.seconds
    );
    assert_eq!(staged.bucket, bucket);
    assert!(staged.bucket_created);
    assert_eq!(
        staged.key,
        deployer::object_key("it-staged", &template.to_string())
    );
    assert_eq!(
        staged.url,
        format!("{}/{bucket}/{}", ls.endpoint(), staged.key)
    );
    assert_staging_bucket_is_protected(&s3, &bucket).await;
    let object = s3
        .get_object()
        .bucket(&bucket)
        .key(&staged.key)
        .send()
        .await
        .unwrap();
    let bytes = object.body.collect().await.unwrap().into_bytes();
    assert_eq!(bytes.len(), staged.bytes);

    let changed = large_template(61_000, "y");
    let updated = deployer::deploy(
        &cfn,
        &request("it-staged", &changed, &[("Visibility", "60")], &staging),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(updated.status, "UPDATE_COMPLETE");
    assert_eq!(updated.outcome, DeployOutcome::Updated);
    let restaged = updated.staged.expect("the new template was staged");
    assert!(!restaged.bucket_created, "the bucket is reused");
    assert_ne!(restaged.key, staged.key);
    let sqs_visibility = queue_visibility(&config, &updated.outputs["QueueUrl"]).await;
    assert_eq!(sqs_visibility, "60");

    // A small template is still sent inline.
    let small = json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}});
    let inline = deployer::deploy(&cfn, &request("it-inline", &small, &[], &staging))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(inline.status, "CREATE_COMPLETE");
    assert!(inline.staged.is_none());

    // LocalStack has no GuardDuty API: the lookup's error says what to pass instead.
    let gd = json!({"Parameters": {
        "DetectorId": {"Type": "String", "Default": ""},
        "CreateDetector": {"Type": "String", "Default": "false"}
    }});
    let err = guardduty::detector_parameter(&GuardDutyDetectors::new(&config), &gd, &[])
        .await
        .expect_err("LocalStack does not emulate ListDetectors");
    eprintln!("GuardDuty lookup on LocalStack: {err}");
    assert!(matches!(err, DetectorError::LookupFailed(_)), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("--param DetectorId=<id>") && text.contains("--param CreateDetector=true"),
        "{text}"
    );

    ls.stop().unwrap();
}

async fn assert_staging_bucket_is_protected(s3: &aws_sdk_s3::Client, bucket: &str) {
    let block = s3
        .get_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let block = block.public_access_block_configuration().unwrap();
    assert_eq!(block.block_public_acls(), Some(true));
    assert_eq!(block.ignore_public_acls(), Some(true));
    assert_eq!(block.block_public_policy(), Some(true));
    assert_eq!(block.restrict_public_buckets(), Some(true));
    let sse = s3
        .get_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let rule = &sse.server_side_encryption_configuration().unwrap().rules()[0];
    assert_eq!(
        rule.apply_server_side_encryption_by_default()
            .unwrap()
            .sse_algorithm()
            .as_str(),
        "AES256"
    );
    let ownership = s3
        .get_bucket_ownership_controls()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ownership.ownership_controls().unwrap().rules()[0]
            .object_ownership()
            .as_str(),
        "BucketOwnerEnforced"
    );
    let lifecycle = s3
        .get_bucket_lifecycle_configuration()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let expiry = lifecycle.rules()[0].expiration().unwrap();
    assert_eq!(expiry.days(), Some(deployer::STAGED_TEMPLATE_DAYS));
}

async fn queue_visibility(config: &aws_config::SdkConfig, url: &str) -> String {
    let sqs = aws_sdk_sqs::Client::new(config);
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout)
        .send()
        .await
        .unwrap();
    attrs.attributes().unwrap()[&aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout].clone()
}
