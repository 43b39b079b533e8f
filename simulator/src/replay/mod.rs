//! Replay: deliver generated objects where each service delivers them, in a deployed stack's
//! bucket, under the prefix its notification watches (read from the stack's outputs).
//!
//! The objects are generated to disk first (the manifest stays beside them for the checker),
//! then uploaded with bounded concurrency, an optional rate limit, multipart upload for large
//! objects (streamed from the file, never held in memory) and a progress bar.

mod cwl;
mod upload;

pub use cwl::{deliver, put_batches, CloudWatchLogs, DeliveryReport, LogsSink, PutBatch};
pub use upload::{now_ms, upload_objects, upload_objects_with, UploadOptions, UploadStats};

use crate::synth::Service;
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;

/// An S3 client that works against LocalStack (path-style addressing) and AWS alike.
pub fn s3_client(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let c = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(c)
}

/// Where one service's objects go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayTarget {
    pub stack: String,
    pub bucket: String,
    /// The account in the notification prefix (`AWSLogs/<account>/...`).
    pub account: String,
    pub prefix: String,
}

/// The key segment after `AWSLogs/<account>/` for a service.
pub fn key_segment(service: Service) -> &'static str {
    match service {
        Service::Vpc => "vpcflowlogs",
        Service::Guardduty => "GuardDuty",
        Service::Cloudtrail => "CloudTrail",
        Service::Cloudwatch => "CloudWatch",
    }
}

/// Finds the bucket and the notified prefix for `service` in a stack's outputs (one-service
/// stacks name them `LogBucketName`/`NotificationPrefix`, the all-services stack prefixes
/// the service: `CloudTrailNotificationPrefix`).
pub fn target_from_outputs(
    stack: &str,
    outputs: &BTreeMap<String, String>,
    service: Service,
) -> Result<ReplayTarget> {
    let bucket = outputs
        .get("LogBucketName")
        .with_context(|| {
            format!("stack {stack} has no LogBucketName output: is it a connector stack?")
        })?
        .clone();
    let segment = key_segment(service);
    let prefix = outputs
        .iter()
        .filter(|(k, _)| k.ends_with("NotificationPrefix"))
        .map(|(_, v)| v)
        .find(|v| v.trim_end_matches('/').ends_with(&format!("/{segment}")))
        .with_context(|| {
            format!(
                "stack {stack} does not deliver {} (no NotificationPrefix output ending in /{segment}/)",
                service.name()
            )
        })?
        .clone();
    let parts: Vec<&str> = prefix.split('/').collect();
    if parts.len() < 3
        || parts[0] != "AWSLogs"
        || parts[1].len() != 12
        || !parts[1].bytes().all(|b| b.is_ascii_digit())
    {
        bail!("stack {stack}: unexpected notification prefix {prefix} (expected AWSLogs/<account>/{segment}/)");
    }
    Ok(ReplayTarget {
        stack: stack.to_string(),
        bucket,
        account: parts[1].to_string(),
        prefix,
    })
}

/// Reads a stack's outputs and finds the target for `service`.
pub async fn target_from_stack(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
    service: Service,
) -> Result<ReplayTarget> {
    let outputs = deployer::outputs(cfn, stack)
        .await
        .with_context(|| format!("reading the outputs of stack {stack} (deploy it first)"))?;
    target_from_outputs(stack, &outputs, service)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn single_and_all_services_outputs_give_bucket_account_and_prefix() {
        let single = outputs(&[
            ("LogBucketName", "b"),
            ("NotificationPrefix", "AWSLogs/000000000000/CloudTrail/"),
        ]);
        let t = target_from_outputs("s", &single, Service::Cloudtrail).unwrap();
        assert_eq!(
            (t.bucket.as_str(), t.account.as_str()),
            ("b", "000000000000")
        );
        let all = outputs(&[
            ("LogBucketName", "shared"),
            (
                "VpcFlowNotificationPrefix",
                "AWSLogs/123456789012/vpcflowlogs/",
            ),
            (
                "CloudTrailNotificationPrefix",
                "AWSLogs/123456789012/CloudTrail/",
            ),
        ]);
        assert_eq!(
            target_from_outputs("a", &all, Service::Vpc).unwrap().prefix,
            "AWSLogs/123456789012/vpcflowlogs/"
        );
        let err = target_from_outputs("a", &all, Service::Guardduty)
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not deliver guardduty"), "{err}");
        let err = target_from_outputs("x", &outputs(&[]), Service::Vpc)
            .unwrap_err()
            .to_string();
        assert!(err.contains("LogBucketName"), "{err}");
    }
}
