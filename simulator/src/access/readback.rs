//! The policies of deployed stacks, read back from the account (LocalStack in the e2e job),
//! not from the template: what the evaluation proves is what was deployed.
//!
//! For each stack, its resources (`ListStackResources`) give the roles, buckets, queues and
//! keys; then IAM `GetRole` (trust policy), `ListRolePolicies` + `GetRolePolicy` (inline),
//! `ListAttachedRolePolicies` + `GetPolicy` + `GetPolicyVersion` (managed; IAM returns every
//! document URL-encoded), S3 `GetBucketPolicy` and `GetBucketNotificationConfiguration`, SQS
//! `GetQueueAttributes` (`Policy`, `QueueArn`), KMS `DescribeKey` + `GetKeyPolicy`. Policies
//! are named as a user finds them: `trust policy of role <name>`,
//! `role <name> inline policy <PolicyName>`, `role <name> managed policy <arn>`,
//! `bucket policy of <bucket>`, `queue policy of <queue>`, `key policy of <key ARN>`,
//! `topic policy of <topic>`; for each topic also the queues subscribed to it
//! (`ListSubscriptionsByTopic`).

use super::Where;
use ::access::{NamedPolicy, Policy, PolicySet, Role};
use anyhow::{Context, Result};
use std::collections::BTreeMap;

/// Where a bucket notifies: objects whose key starts with `prefix` and ends with `suffix`
/// are announced to `queue_arn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueNotification {
    pub bucket: String,
    pub queue_arn: String,
    pub prefix: String,
    pub suffix: String,
}

impl QueueNotification {
    pub fn matches(&self, bucket: &str, key: &str) -> bool {
        self.bucket == bucket && key.starts_with(&self.prefix) && key.ends_with(&self.suffix)
    }
}

/// What was read back: the policy set, and the facts the requests need.
#[derive(Debug, Default)]
pub struct ReadBack {
    pub set: PolicySet,
    /// Role ARN by `<stack>/<logical id>`.
    pub roles: BTreeMap<String, String>,
    /// Queue ARN by queue URL.
    pub queues: BTreeMap<String, String>,
    /// Key ARN by key id and by key ARN.
    pub keys: BTreeMap<String, String>,
    pub notifications: Vec<QueueNotification>,
    /// The buckets' notifications to SNS topics (`queue_arn` is then the topic's ARN).
    pub topic_notifications: Vec<QueueNotification>,
    /// The queues (ARNs) subscribed to each of the stacks' topics, by topic ARN.
    pub subscriptions: BTreeMap<String, Vec<String>>,
    /// Every resource of the stacks: (type, physical id) by `<stack>/<logical id>`.
    pub physical: BTreeMap<String, (String, String)>,
    /// Each stack's id (`arn:...:stack/<name>/<uuid>`), by name.
    pub stack_ids: BTreeMap<String, String>,
    /// How many policies were read (trust, identity and resource policies).
    pub policies: usize,
}

impl ReadBack {
    /// The role ARN of `logical` in `stack`, or an error naming both.
    pub fn role(&self, stack: &str, logical: &str) -> Result<&str> {
        self.roles
            .get(&format!("{stack}/{logical}"))
            .map(String::as_str)
            .with_context(|| {
                format!(
                    "stack {stack} has no role {logical} (the roles read back: {:?})",
                    self.roles.keys().collect::<Vec<_>>()
                )
            })
    }

    /// The physical id of `logical` in `stack`, or an error naming both.
    pub fn physical_id(&self, stack: &str, logical: &str) -> Result<&str> {
        self.physical
            .get(&format!("{stack}/{logical}"))
            .map(|(_, id)| id.as_str())
            .with_context(|| format!("stack {stack} has no resource {logical}"))
    }

    /// The queue ARN of `url`, or an error naming it.
    pub fn queue_arn(&self, url: &str) -> Result<&str> {
        self.queues
            .get(url)
            .map(String::as_str)
            .with_context(|| format!("no queue {url} among the stacks' queues"))
    }
}

/// Decodes a document IAM returned (URL-encoded JSON), then parses it.
pub fn iam_document(encoded: &str, name: &str) -> Result<Policy> {
    let text = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .with_context(|| format!("{name}: the URL-encoded document is not UTF-8"))?;
    Policy::from_json_str(&text).with_context(|| format!("{name} does not parse"))
}

fn resource_policy(text: &str, name: &str) -> Result<Policy> {
    Policy::from_json_str(text).with_context(|| format!("{name} does not parse"))
}

/// The policy text of the SNS topic `arn` (empty when it has none).
pub(crate) async fn topic_policy(sns: &aws_sdk_sns::Client, arn: &str) -> Result<String> {
    let got = sns
        .get_topic_attributes()
        .topic_arn(arn)
        .send()
        .await
        .with_context(|| format!("SNS GetTopicAttributes {arn}"))?;
    Ok(got
        .attributes()
        .and_then(|a| a.get("Policy"))
        .cloned()
        .unwrap_or_default())
}

/// The SQS queues subscribed to the topic `arn` (confirmed subscriptions).
pub(crate) async fn subscribed_queues(sns: &aws_sdk_sns::Client, arn: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut pages = sns
        .list_subscriptions_by_topic()
        .topic_arn(arn)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.with_context(|| format!("SNS ListSubscriptionsByTopic {arn}"))?;
        for s in page.subscriptions() {
            if s.protocol() == Some("sqs") && s.subscription_arn() != Some("PendingConfirmation") {
                if let Some(q) = s.endpoint() {
                    out.push(q.to_string());
                }
            }
        }
    }
    Ok(out)
}

/// Reads the policy of the SNS topic `arn` into `out` (a topic that feeds a queue).
pub(crate) async fn read_topic(
    sns: &aws_sdk_sns::Client,
    arn: &str,
    at: &Where,
    out: &mut ReadBack,
) -> Result<()> {
    let text = topic_policy(sns, arn).await?;
    if !text.is_empty() {
        let tname = arn.rsplit(':').next().unwrap_or(arn);
        let name = format!("topic policy of {tname}");
        let policy = resource_policy(&text, &name)?;
        out.policies += 1;
        out.set
            .set_resource_policy(arn, &at.account, NamedPolicy { name, policy });
    }
    Ok(())
}

/// Reads back every role and resource policy of `stacks`.
pub async fn read_back(
    config: &aws_config::SdkConfig,
    stacks: &[&str],
    at: &Where,
) -> Result<ReadBack> {
    let cfn = aws_sdk_cloudformation::Client::new(config);
    let iam = aws_sdk_iam::Client::new(config);
    let s3 = crate::replay::s3_client(config);
    let sqs = aws_sdk_sqs::Client::new(config);
    let kms = aws_sdk_kms::Client::new(config);
    let sns = aws_sdk_sns::Client::new(config);
    let mut out = ReadBack::default();
    for stack in stacks {
        let described = cfn
            .describe_stacks()
            .stack_name(*stack)
            .send()
            .await
            .with_context(|| format!("DescribeStacks {stack}"))?;
        if let Some(id) = described.stacks().first().and_then(|s| s.stack_id()) {
            out.stack_ids.insert(stack.to_string(), id.to_string());
        }
        let mut token = None;
        let mut resources = Vec::new();
        loop {
            let page = cfn
                .list_stack_resources()
                .stack_name(*stack)
                .set_next_token(token)
                .send()
                .await
                .with_context(|| format!("ListStackResources of {stack}"))?;
            resources.extend(page.stack_resource_summaries().iter().cloned());
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        for r in resources {
            let (Some(kind), Some(physical)) = (r.resource_type(), r.physical_resource_id()) else {
                continue;
            };
            let logical = r.logical_resource_id().unwrap_or_default();
            out.physical.insert(
                format!("{stack}/{logical}"),
                (kind.to_string(), physical.to_string()),
            );
            match kind {
                "AWS::IAM::Role" => {
                    let role = read_role(&iam, physical).await?;
                    out.policies += 1 + role.policies.len();
                    out.roles
                        .insert(format!("{stack}/{logical}"), role.arn.clone());
                    out.set.add_role(role);
                }
                "AWS::S3::Bucket" => {
                    read_bucket(&s3, physical, at, &mut out).await?;
                }
                "AWS::SQS::Queue" => {
                    read_queue(&sqs, physical, at, &mut out).await?;
                }
                "AWS::KMS::Key" => {
                    read_key(&kms, physical, at, &mut out).await?;
                }
                // A fan-out topic (FanOut=sns) or the alarm topic: its policy, and the queues
                // subscribed to it.
                "AWS::SNS::Topic" => {
                    read_topic(&sns, physical, at, &mut out).await?;
                    let queues = subscribed_queues(&sns, physical).await?;
                    out.subscriptions.insert(physical.to_string(), queues);
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

pub(crate) async fn read_role(iam: &aws_sdk_iam::Client, name: &str) -> Result<Role> {
    let got = iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .with_context(|| format!("IAM GetRole {name}"))?;
    let role = got
        .role()
        .with_context(|| format!("GetRole {name}: no role"))?;
    let trust_name = format!("trust policy of role {name}");
    let trust = iam_document(
        role.assume_role_policy_document()
            .with_context(|| format!("role {name} has no trust policy"))?,
        &trust_name,
    )?;
    let mut policies = Vec::new();
    let inline = iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .with_context(|| format!("IAM ListRolePolicies {name}"))?;
    for p in inline.policy_names() {
        let doc = iam
            .get_role_policy()
            .role_name(name)
            .policy_name(p)
            .send()
            .await
            .with_context(|| format!("IAM GetRolePolicy {name} {p}"))?;
        let pname = format!("role {name} inline policy {p}");
        policies.push(NamedPolicy {
            policy: iam_document(doc.policy_document(), &pname)?,
            name: pname,
        });
    }
    let managed = iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
        .with_context(|| format!("IAM ListAttachedRolePolicies {name}"))?;
    for p in managed.attached_policies() {
        let Some(arn) = p.policy_arn() else { continue };
        let meta = iam
            .get_policy()
            .policy_arn(arn)
            .send()
            .await
            .with_context(|| format!("IAM GetPolicy {arn}"))?;
        let version = meta
            .policy()
            .and_then(|p| p.default_version_id())
            .with_context(|| format!("GetPolicy {arn}: no default version"))?;
        let v = iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .with_context(|| format!("IAM GetPolicyVersion {arn} {version}"))?;
        let doc = v
            .policy_version()
            .and_then(|v| v.document())
            .with_context(|| format!("GetPolicyVersion {arn}: no document"))?;
        let pname = format!("role {name} managed policy {arn}");
        policies.push(NamedPolicy {
            policy: iam_document(doc, &pname)?,
            name: pname,
        });
    }
    Ok(Role {
        arn: role.arn().to_string(),
        trust: NamedPolicy {
            name: trust_name,
            policy: trust,
        },
        policies,
    })
}

pub(crate) async fn read_bucket(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    at: &Where,
    out: &mut ReadBack,
) -> Result<()> {
    match s3.get_bucket_policy().bucket(bucket).send().await {
        Ok(p) => {
            let name = format!("bucket policy of {bucket}");
            let policy = resource_policy(p.policy().unwrap_or_default(), &name)?;
            out.policies += 1;
            out.set.set_resource_policy(
                &format!("arn:{}:s3:::{bucket}", at.partition),
                &at.account,
                NamedPolicy { name, policy },
            );
        }
        Err(e)
            if e.as_service_error()
                .and_then(aws_sdk_s3::error::ProvideErrorMetadata::code)
                == Some("NoSuchBucketPolicy") => {}
        Err(e) => {
            return Err(anyhow::Error::new(e))
                .with_context(|| format!("S3 GetBucketPolicy {bucket}"))
        }
    }
    let n = s3
        .get_bucket_notification_configuration()
        .bucket(bucket)
        .send()
        .await
        .with_context(|| format!("S3 GetBucketNotificationConfiguration {bucket}"))?;
    let filter = |f: Option<&aws_sdk_s3::types::NotificationConfigurationFilter>| {
        let (mut prefix, mut suffix) = (String::new(), String::new());
        if let Some(key) = f.and_then(|f| f.key()) {
            for rule in key.filter_rules() {
                let v = rule.value().unwrap_or_default().to_string();
                match rule.name().map(|n| n.as_str().to_ascii_lowercase()) {
                    Some(n) if n == "prefix" => prefix = v,
                    Some(n) if n == "suffix" => suffix = v,
                    _ => {}
                }
            }
        }
        (prefix, suffix)
    };
    for q in n.queue_configurations() {
        let (prefix, suffix) = filter(q.filter());
        out.notifications.push(QueueNotification {
            bucket: bucket.into(),
            queue_arn: q.queue_arn().to_string(),
            prefix,
            suffix,
        });
    }
    for t in n.topic_configurations() {
        let (prefix, suffix) = filter(t.filter());
        out.topic_notifications.push(QueueNotification {
            bucket: bucket.into(),
            queue_arn: t.topic_arn().to_string(),
            prefix,
            suffix,
        });
    }
    Ok(())
}

pub(crate) async fn read_queue(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    at: &Where,
    out: &mut ReadBack,
) -> Result<()> {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let got = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(A::Policy)
        .attribute_names(A::QueueArn)
        .send()
        .await
        .with_context(|| format!("SQS GetQueueAttributes {url}"))?;
    let attrs = got.attributes().cloned().unwrap_or_default();
    let arn = attrs
        .get(&A::QueueArn)
        .with_context(|| format!("queue {url} has no QueueArn"))?
        .clone();
    if let Some(text) = attrs.get(&A::Policy).filter(|t| !t.is_empty()) {
        let qname = arn.rsplit(':').next().unwrap_or(&arn);
        let name = format!("queue policy of {qname}");
        let policy = resource_policy(text, &name)?;
        out.policies += 1;
        out.set
            .set_resource_policy(&arn, &at.account, NamedPolicy { name, policy });
    }
    out.queues.insert(url.to_string(), arn);
    Ok(())
}

pub(crate) async fn read_key(
    kms: &aws_sdk_kms::Client,
    key_id: &str,
    at: &Where,
    out: &mut ReadBack,
) -> Result<()> {
    let d = kms
        .describe_key()
        .key_id(key_id)
        .send()
        .await
        .with_context(|| format!("KMS DescribeKey {key_id}"))?;
    let arn = d
        .key_metadata()
        .and_then(|m| m.arn())
        .with_context(|| format!("DescribeKey {key_id}: no ARN"))?
        .to_string();
    // GetKeyPolicy takes a key ID or ARN, not an alias (a bucket's default key may be one).
    let p = kms
        .get_key_policy()
        .key_id(if key_id.contains("alias/") {
            &arn
        } else {
            key_id
        })
        .policy_name("default")
        .send()
        .await
        .with_context(|| format!("KMS GetKeyPolicy {key_id}"))?;
    let name = format!("key policy of {arn}");
    let policy = resource_policy(p.policy().unwrap_or_default(), &name)?;
    out.policies += 1;
    out.set
        .set_resource_policy(&arn, &at.account, NamedPolicy { name, policy });
    out.keys.insert(key_id.to_string(), arn.clone());
    out.keys.insert(arn.clone(), arn);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iam_documents_are_url_decoded_before_parsing() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22*%22%7D%5D%7D";
        assert!(iam_document(encoded, "role r inline policy P").is_ok());
        let err = format!(
            "{:#}",
            iam_document("%7Bnot", "role r inline policy P").unwrap_err()
        );
        assert!(err.contains("role r inline policy P"), "{err}");
    }

    #[test]
    fn a_notification_matches_its_bucket_prefix_and_suffix_only() {
        let n = QueueNotification {
            bucket: "b".into(),
            queue_arn: "arn:aws:sqs:us-east-1:1:q".into(),
            prefix: "AWSLogs/1/vpcflowlogs/".into(),
            suffix: ".log.gz".into(),
        };
        assert!(n.matches("b", "AWSLogs/1/vpcflowlogs/x.log.gz"));
        assert!(!n.matches("b", "AWSLogs/1/vpcflowlogs/x.json.gz"));
        assert!(!n.matches("b", "AWSLogs/1/CloudTrail/x.log.gz"));
        assert!(!n.matches("c", "AWSLogs/1/vpcflowlogs/x.log.gz"));
    }
}
