//! A setup `doctor` diagnoses without a stack: the role and queues a user names
//! (`--role-arn ARN --queue-url URL ...`), deployed from Microsoft's templates, its PowerShell
//! script or by hand. What a stack's outputs would say is read from the account instead:
//!
//! - the bucket: `--bucket`, or the `aws:SourceArn` bucket the queue policy lets send (for a
//!   queue fed through an SNS topic, the bucket the topic's policy lets publish);
//! - each queue's prefix and suffix: the bucket's notification to that queue, or to the topic
//!   that feeds it;
//! - each queue's data type: `--data-type`, or the one data type whose key segment
//!   (`/CloudTrail/`, `/vpcflowlogs/` ...) and suffix the notification filters;
//! - each queue's dead-letter queue: its redrive policy's `deadLetterTargetArn`;
//! - the keys to decrypt with: the bucket's default encryption key and the sampled objects'
//!   (the `role-decrypt` check reads them, as for a stack).

use std::collections::HashMap;

use anyhow::{bail, Context, Result};
use aws_sdk_sqs::types::QueueAttributeName as A;

use crate::access::readback::{self, QueueNotification, ReadBack};
use crate::access::Where;
use catalogue::DataType;
use generator::stacks::outputs::{ConnectorOutputs, DataTypeOutputs, QueueOutputs};

/// What the user named.
#[derive(Debug, Clone)]
pub struct Setup {
    pub role_arn: String,
    /// The queues, each with its data type when the user gave it.
    pub queues: Vec<(String, Option<DataType>)>,
    pub bucket: Option<String>,
}

/// The setup read back: what the checks need, as a stack's outputs would give it.
pub(super) struct ReadSetup {
    pub outputs: ConnectorOutputs,
    pub read_back: ReadBack,
}

/// The bucket an SQS queue policy names in an `arn:<partition>:s3:::<bucket>` source ARN.
fn policy_bucket(policy: &str) -> Option<String> {
    let (_, rest) = policy.split_once(":s3:::")?;
    let end = rest.find(['"', '/', '*']).unwrap_or(rest.len());
    Some(rest[..end].to_string()).filter(|b| !b.is_empty())
}

/// The data type whose objects a notification's filter announces, when exactly one fits:
/// its key segment is in the prefix and the suffixes agree. Where several fit (VPC's and the
/// load balancers' flow logs share `vpcflowlogs/`), the one whose own key prefix (`NLBFlowLogs`)
/// starts the prefix wins, else the one that has no key prefix of its own.
pub(super) fn infer_data_type(prefix: &str, suffix: &str) -> Result<DataType, Vec<DataType>> {
    let fits: Vec<DataType> = DataType::ALL
        .iter()
        .copied()
        .filter(|d| {
            let segment = format!("/{}/", d.key_segment());
            let under = prefix.contains(&segment)
                || prefix.ends_with(&segment[..segment.len() - 1])
                || prefix.starts_with(&segment[1..]);
            under
                && (suffix.is_empty()
                    || suffix.ends_with(d.suffix())
                    || d.suffix().ends_with(suffix))
        })
        .collect();
    let narrowed = |keep: &dyn Fn(&DataType) -> bool| -> Vec<DataType> {
        fits.iter().copied().filter(|d| keep(d)).collect()
    };
    let own = narrowed(&|d| {
        !d.default_key_prefix().is_empty() && prefix.starts_with(d.default_key_prefix())
    });
    let plain = narrowed(&|d| d.default_key_prefix().is_empty());
    for candidates in [&fits, &own, &plain] {
        if let [one] = candidates.as_slice() {
            return Ok(*one);
        }
    }
    Err(fits)
}

/// Reads the setup back from the account `config` reaches.
pub(super) async fn read(
    config: &aws_config::SdkConfig,
    setup: &Setup,
    at: &Where,
) -> Result<ReadSetup> {
    let sqs = aws_sdk_sqs::Client::new(config);
    let s3 = crate::replay::s3_client(config);
    let iam = aws_sdk_iam::Client::new(config);
    let mut rb = ReadBack::default();

    let role_name = setup
        .role_arn
        .rsplit('/')
        .next()
        .filter(|n| setup.role_arn.contains(":role/") && !n.is_empty())
        .with_context(|| {
            format!(
                "--role-arn {}: not a role ARN (arn:aws:iam::<account>:role/<name>)",
                setup.role_arn
            )
        })?;
    let role = readback::read_role(&iam, role_name).await?;
    rb.policies += 1 + role.policies.len();
    rb.set.add_role(role);

    // The queues' policies, ARNs and redrive policies.
    let mut attrs: Vec<HashMap<A, String>> = Vec::new();
    for (url, _) in &setup.queues {
        readback::read_queue(&sqs, url, at, &mut rb).await?;
        let got = sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(A::Policy)
            .attribute_names(A::RedrivePolicy)
            .send()
            .await
            .with_context(|| format!("SQS GetQueueAttributes {url}"))?;
        attrs.push(got.attributes().cloned().unwrap_or_default());
    }

    // The topics that feed each queue (S3 -> SNS -> SQS), in queue order.
    let sns = aws_sdk_sns::Client::new(config);
    let mut feeds = Vec::new();
    for (url, _) in &setup.queues {
        let arn = rb.queue_arn(url)?.to_string();
        feeds.push(super::sns::feeds_of(&sns, &arn).await?);
    }
    let bucket = match &setup.bucket {
        Some(b) => b.clone(),
        None => {
            let mut named: Vec<String> = attrs
                .iter()
                .filter_map(|a| a.get(&A::Policy).and_then(|p| policy_bucket(p)))
                .collect();
            for f in feeds.iter().flatten() {
                if let Some(b) = policy_bucket(&readback::topic_policy(&sns, &f.topic_arn).await?) {
                    named.push(b);
                }
            }
            named.sort();
            named.dedup();
            match named.as_slice() {
                [one] => one.clone(),
                [] => bail!(
                    "no queue or topic policy names the bucket that notifies it (aws:SourceArn arn:aws:s3:::<bucket>): pass --bucket <the bucket the logs are in>"
                ),
                many => bail!(
                    "the queue policies name several buckets ({}): diagnose one bucket at a time, with --bucket",
                    many.join(", ")
                ),
            }
        }
    };
    readback::read_bucket(&s3, &bucket, at, &mut rb).await?;

    let mut data_types = Vec::new();
    for (((url, given), a), fed) in setup.queues.iter().zip(&attrs).zip(&feeds) {
        let arn = rb.queue_arn(url)?.to_string();
        // The bucket's notification to the queue, or to a topic that feeds it.
        let notified: Option<&QueueNotification> = rb
            .notifications
            .iter()
            .find(|n| n.bucket == bucket && n.queue_arn == arn)
            .or_else(|| {
                rb.topic_notifications
                    .iter()
                    .find(|n| n.bucket == bucket && fed.iter().any(|f| f.topic_arn == n.queue_arn))
            });
        let data_type = match (given, notified) {
            (Some(d), _) => *d,
            (None, Some(n)) => infer_data_type(&n.prefix, &n.suffix).map_err(|fits| {
                anyhow::anyhow!(
                    "the notification of {url} ({}*{}) fits {}: pass --data-type for it (one of {})",
                    n.prefix,
                    n.suffix,
                    if fits.is_empty() {
                        "no data type".to_string()
                    } else {
                        fits.iter().map(|d| d.slug()).collect::<Vec<_>>().join(" and ")
                    },
                    DataType::slugs()
                )
            })?,
            (None, None) => bail!(
                "bucket {bucket} sends no notification to {url}, so its data type is unknown: pass --data-type for it (one of {})",
                DataType::slugs()
            ),
        };
        let dlq_url = match a.get(&A::RedrivePolicy).filter(|p| !p.is_empty()) {
            Some(p) => dlq_url(&sqs, p).await?,
            None => String::new(),
        };
        data_types.push(DataTypeOutputs {
            data_type,
            queue: QueueOutputs {
                url: url.clone(),
                arn,
                dlq_url,
            },
            // Where the notification points, so the checks test that prefix; no notification:
            // the key segment's usual place, which the notification check reports missing.
            notification_prefix: notified
                .map(|n| n.prefix.clone())
                .unwrap_or_else(|| format!("AWSLogs/{}/{}/", at.account, data_type.key_segment())),
            table: data_type.table().name().to_string(),
        });
    }
    Ok(ReadSetup {
        outputs: ConnectorOutputs {
            role_arn: setup.role_arn.clone(),
            bucket,
            data_types,
        },
        read_back: rb,
    })
}

/// The KMS key of the bucket's default encryption, when it is SSE-KMS.
pub(crate) async fn default_kms_key(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<Option<String>> {
    match s3.get_bucket_encryption().bucket(bucket).send().await {
        Ok(e) => Ok(e
            .server_side_encryption_configuration()
            .into_iter()
            .flat_map(|c| c.rules())
            .filter_map(|r| r.apply_server_side_encryption_by_default())
            .filter(|d| d.sse_algorithm().as_str().starts_with("aws:kms"))
            .find_map(|d| d.kms_master_key_id().map(str::to_string))),
        Err(e)
            if e.as_service_error()
                .and_then(aws_sdk_s3::error::ProvideErrorMetadata::code)
                == Some("ServerSideEncryptionConfigurationNotFoundError") =>
        {
            Ok(None)
        }
        Err(e) => {
            Err(anyhow::Error::new(e)).with_context(|| format!("S3 GetBucketEncryption {bucket}"))
        }
    }
}

/// The URL of the dead-letter queue a redrive policy names.
async fn dlq_url(sqs: &aws_sdk_sqs::Client, redrive: &str) -> Result<String> {
    let v: serde_json::Value = serde_json::from_str(redrive)
        .with_context(|| format!("the redrive policy {redrive} is not JSON"))?;
    let target = v["deadLetterTargetArn"]
        .as_str()
        .with_context(|| format!("the redrive policy {redrive} has no deadLetterTargetArn"))?;
    let mut parts = target.rsplit(':');
    let (Some(name), Some(account)) = (parts.next(), parts.next()) else {
        bail!("deadLetterTargetArn {target} is not a queue ARN");
    };
    let got = sqs
        .get_queue_url()
        .queue_name(name)
        .queue_owner_aws_account_id(account)
        .send()
        .await
        .with_context(|| format!("SQS GetQueueUrl {name} (the dead-letter queue {target})"))?;
    got.queue_url()
        .map(str::to_string)
        .with_context(|| format!("GetQueueUrl {name}: no URL"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_is_the_one_the_queue_policy_lets_send() {
        let p =
            r#"{"Statement":[{"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::my-logs"}}}]}"#;
        assert_eq!(policy_bucket(p).as_deref(), Some("my-logs"));
        let p = r#"{"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws-us-gov:s3:::gov-logs/*"}}}"#;
        assert_eq!(policy_bucket(p).as_deref(), Some("gov-logs"));
        assert_eq!(policy_bucket(r#"{"Statement":[]}"#), None);
    }

    #[test]
    fn the_data_type_is_inferred_from_the_notification_when_one_fits() {
        let ok = |p: &str, s: &str| infer_data_type(p, s).unwrap();
        assert_eq!(
            ok("AWSLogs/111122223333/CloudTrail/", ".json.gz"),
            DataType::CloudTrail
        );
        assert_eq!(
            ok("AWSLogs/111122223333/vpcflowlogs/", ".log.gz"),
            DataType::Vpc
        );
        assert_eq!(
            ok("AWSLogs/111122223333/GuardDuty/", ".jsonl.gz"),
            DataType::GuardDuty
        );
        assert_eq!(
            ok(
                "ALBLogs/AWSLogs/111122223333/elasticloadbalancing/",
                ".log.gz"
            ),
            DataType::ElbAlb
        );
        assert_eq!(
            ok("NLBFlowLogs/AWSLogs/111122223333/vpcflowlogs/", ".log.gz"),
            DataType::ElbNlbFlow
        );
        // No key segment: the user says which.
        assert_eq!(infer_data_type("logs/", ".gz"), Err(vec![]));
        // ALB and NLB access logs share a segment; under another prefix both fit.
        assert_eq!(
            infer_data_type("lb/AWSLogs/1/elasticloadbalancing/", ".log.gz"),
            Err(vec![DataType::ElbAlb, DataType::ElbNlb])
        );
    }
}
