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

use anyhow::{bail, Context, Result};
use generator::facts::DataType;
use generator::stacks::outputs::ConnectorOutputs;
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

impl ReplayTarget {
    /// The key prefix before `AWSLogs/` of the notified prefix (`ALBLogs/`), empty when the
    /// prefix starts with it or has none: where a load balancer writes.
    pub fn key_prefix(&self) -> &str {
        self.prefix
            .rfind("AWSLogs/")
            .map_or("", |at| &self.prefix[..at])
    }
}

/// Finds the bucket and the notified prefix for `service` in a stack's outputs (a one-service
/// connector stack or the all-services stack, read by [`ConnectorOutputs::from_any`]).
pub fn target_from_outputs(
    stack: &str,
    outputs: &BTreeMap<String, String>,
    service: DataType,
) -> Result<ReplayTarget> {
    let read = ConnectorOutputs::from_any(outputs).map_err(|e| e.in_stack(stack))?;
    let segment = service.key_segment();
    let prefix = read
        .get(service)
        .with_context(|| {
            format!(
                "stack {stack} does not deliver {} (its outputs name no queue for it)",
                service.slug()
            )
        })?
        .notification_prefix
        .clone();
    let bucket = read.bucket;
    let parts: Vec<&str> = prefix.split('/').collect();
    if service == DataType::S3Access {
        // `[<KeyPrefix>/]s3-access-logs/<account>/<region>/`: the account is third from the end.
        let n = parts.len();
        let ok = n >= 4
            && parts[n - 1].is_empty()
            && parts[n - 4] == segment
            && parts[n - 3].len() == 12
            && parts[n - 3].bytes().all(|b| b.is_ascii_digit());
        if !ok {
            bail!("stack {stack}: unexpected notification prefix {prefix} (expected [<KeyPrefix>/]{segment}/<account>/<region>/)");
        }
        return Ok(ReplayTarget {
            stack: stack.to_string(),
            bucket,
            account: parts[n - 3].to_string(),
            prefix,
        });
    }
    // `[<KeyPrefix>/]AWSLogs/<account>/<segment>/`: the account follows the last `AWSLogs`.
    let at = parts.iter().rposition(|p| *p == "AWSLogs");
    let account = at
        .and_then(|i| parts.get(i + 1))
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) && parts.len() >= 3);
    let Some(account) = account else {
        bail!("stack {stack}: unexpected notification prefix {prefix} (expected [<KeyPrefix>/]AWSLogs/<account>/{segment}/)");
    };
    Ok(ReplayTarget {
        stack: stack.to_string(),
        bucket,
        account: account.to_string(),
        prefix,
    })
}

/// Reads a stack's outputs and finds the target for `service`.
pub async fn target_from_stack(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
    service: DataType,
) -> Result<ReplayTarget> {
    let outputs = deployer::outputs(cfn, stack)
        .await
        .with_context(|| format!("reading the outputs of stack {stack} (deploy it first)"))?;
    target_from_outputs(stack, &outputs, service)
}

#[cfg(test)]
mod tests {
    use super::*;

    use generator::facts::Cloud;
    use generator::stacks::outputs::{connector_output, DESTINATION_TABLE, NOTIFICATION_PREFIX};
    use generator::stacks::{StackKind, StackSpec};

    /// The outputs `spec` declares, with fake values, and `prefixes` as its notification prefixes.
    fn outputs(kind: StackKind, prefixes: &[(DataType, &str)]) -> BTreeMap<String, String> {
        let spec = StackSpec {
            kind,
            cloud: Cloud::Commercial,
        };
        let mut out: BTreeMap<String, String> = spec
            .build()
            .outputs
            .keys()
            .map(|k| (k.clone(), "x".to_string()))
            .collect();
        for (d, p) in prefixes {
            out.insert(
                connector_output(&spec, *d, NOTIFICATION_PREFIX),
                p.to_string(),
            );
        }
        if let StackKind::Connector(c) = kind {
            if let Some(d) = c.single() {
                out.insert(DESTINATION_TABLE.into(), d.table().name().into());
            }
        }
        out
    }

    #[test]
    fn single_and_all_services_outputs_give_bucket_account_and_prefix() {
        let mut single = outputs(
            StackKind::of_data_type(DataType::CloudTrail),
            &[(DataType::CloudTrail, "AWSLogs/000000000000/CloudTrail/")],
        );
        single.insert(generator::stacks::outputs::BUCKET_NAME.into(), "b".into());
        let t = target_from_outputs("s", &single, DataType::CloudTrail).unwrap();
        assert_eq!(
            (t.bucket.as_str(), t.account.as_str()),
            ("b", "000000000000")
        );
        let all = outputs(
            StackKind::AllServices,
            &[
                (DataType::Vpc, "AWSLogs/123456789012/vpcflowlogs/"),
                (DataType::CloudTrail, "AWSLogs/123456789012/CloudTrail/"),
            ],
        );
        assert_eq!(
            target_from_outputs("a", &all, DataType::Vpc)
                .unwrap()
                .prefix,
            "AWSLogs/123456789012/vpcflowlogs/"
        );
        let err = target_from_outputs("a", &single, DataType::GuardDuty)
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not deliver guardduty"), "{err}");
        let err = target_from_outputs("x", &BTreeMap::new(), DataType::Vpc)
            .unwrap_err()
            .to_string();
        assert!(err.contains("stack x has no output"), "{err}");
    }

    #[test]
    fn a_key_prefix_before_awslogs_is_part_of_the_target() {
        let elb: StackKind = "elb".parse().unwrap();
        let mut out = outputs(
            elb,
            &[
                (
                    DataType::ElbAlb,
                    "lb/ALBLogs/AWSLogs/123456789012/elasticloadbalancing/",
                ),
                (
                    DataType::ElbNlbFlow,
                    "NLBFlowLogs/AWSLogs/123456789012/vpcflowlogs/",
                ),
            ],
        );
        out.insert(generator::stacks::outputs::BUCKET_NAME.into(), "b".into());
        let t = target_from_outputs("e", &out, DataType::ElbAlb).unwrap();
        assert_eq!(t.account, "123456789012");
        assert_eq!(t.key_prefix(), "lb/ALBLogs/");
        assert_eq!(
            t.prefix,
            "lb/ALBLogs/AWSLogs/123456789012/elasticloadbalancing/"
        );
        let t = target_from_outputs("e", &out, DataType::ElbNlbFlow).unwrap();
        assert_eq!(t.prefix, "NLBFlowLogs/AWSLogs/123456789012/vpcflowlogs/");
        let mut bad = out.clone();
        bad.insert(
            connector_output(
                &StackSpec {
                    kind: elb,
                    cloud: Cloud::Commercial,
                },
                DataType::ElbAlb,
                NOTIFICATION_PREFIX,
            ),
            "ALBLogs/elasticloadbalancing/".into(),
        );
        let err = target_from_outputs("e", &bad, DataType::ElbAlb)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unexpected notification prefix"), "{err}");
    }
}
