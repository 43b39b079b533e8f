//! `AWS::S3::Bucket` and `AWS::S3::BucketPolicy`.
use super::Tag;
use crate::cfn::{Expr, Resource};
use crate::iam::PolicyDocument;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Bucket {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_name: Option<Expr>,
    pub bucket_encryption: BucketEncryption,
    pub public_access_block_configuration: PublicAccessBlock,
    pub ownership_controls: OwnershipControls,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versioning_configuration: Option<Versioning>,
    pub lifecycle_configuration: Lifecycle,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_configuration: Option<NotificationConfiguration>,
    pub tags: Vec<Tag>,
}

impl Resource for Bucket {
    const TYPE: &'static str = "AWS::S3::Bucket";
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketEncryption {
    pub server_side_encryption_configuration: Vec<EncryptionRule>,
}

impl BucketEncryption {
    pub fn s3_managed() -> Self {
        BucketEncryption {
            server_side_encryption_configuration: vec![EncryptionRule {
                server_side_encryption_by_default: EncryptionDefault {
                    sse_algorithm: "AES256",
                    kms_master_key_id: None,
                },
                bucket_key_enabled: None,
            }],
        }
    }
    pub fn kms(key_arn: Expr) -> Self {
        BucketEncryption {
            server_side_encryption_configuration: vec![EncryptionRule {
                server_side_encryption_by_default: EncryptionDefault {
                    sse_algorithm: "aws:kms",
                    kms_master_key_id: Some(key_arn),
                },
                bucket_key_enabled: Some(true),
            }],
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EncryptionRule {
    pub server_side_encryption_by_default: EncryptionDefault,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_key_enabled: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EncryptionDefault {
    #[serde(rename = "SSEAlgorithm")]
    pub sse_algorithm: &'static str,
    #[serde(rename = "KMSMasterKeyID", skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<Expr>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub block_public_policy: bool,
    pub ignore_public_acls: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    pub fn all() -> Self {
        PublicAccessBlock {
            block_public_acls: true,
            block_public_policy: true,
            ignore_public_acls: true,
            restrict_public_buckets: true,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipControls {
    pub rules: Vec<OwnershipRule>,
}

impl OwnershipControls {
    pub fn bucket_owner_enforced() -> Self {
        OwnershipControls {
            rules: vec![OwnershipRule {
                object_ownership: "BucketOwnerEnforced",
            }],
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipRule {
    pub object_ownership: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Versioning {
    pub status: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Lifecycle {
    pub rules: Vec<LifecycleRule>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleRule {
    pub id: String,
    pub status: &'static str,
    pub expiration_in_days: Expr,
    pub abort_incomplete_multipart_upload: AbortIncomplete,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noncurrent_version_expiration: Option<NoncurrentExpiration>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AbortIncomplete {
    pub days_after_initiation: u32,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NoncurrentExpiration {
    pub noncurrent_days: Expr,
}

/// A bucket's notifications: to queues, or, when `topics_if` holds (a condition's name), to
/// SNS topics instead (`Fn::If` on both lists, the other one left out).
#[derive(Debug, Clone)]
pub struct NotificationConfiguration {
    pub queue_configurations: Vec<QueueConfiguration>,
    pub topic_configurations: Vec<TopicConfiguration>,
    pub topics_if: Option<String>,
}

impl NotificationConfiguration {
    /// Notifications to queues only.
    pub fn queues(queue_configurations: Vec<QueueConfiguration>) -> Self {
        NotificationConfiguration {
            queue_configurations,
            topic_configurations: Vec::new(),
            topics_if: None,
        }
    }
}

impl Serialize for NotificationConfiguration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeMap};
        let mut m = s.serialize_map(None)?;
        match &self.topics_if {
            None => {
                m.serialize_entry("QueueConfigurations", &self.queue_configurations)?;
                if !self.topic_configurations.is_empty() {
                    m.serialize_entry("TopicConfigurations", &self.topic_configurations)?;
                }
            }
            Some(cond) => {
                let no_value = serde_json::json!({"Ref": "AWS::NoValue"});
                let queues =
                    serde_json::to_value(&self.queue_configurations).map_err(S::Error::custom)?;
                let topics =
                    serde_json::to_value(&self.topic_configurations).map_err(S::Error::custom)?;
                m.serialize_entry(
                    "QueueConfigurations",
                    &serde_json::json!({"Fn::If": [cond, no_value, queues]}),
                )?;
                m.serialize_entry(
                    "TopicConfigurations",
                    &serde_json::json!({"Fn::If": [cond, topics, no_value]}),
                )?;
            }
        }
        m.end()
    }
}

/// `s3:ObjectCreated:*` to an SNS topic.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TopicConfiguration {
    pub event: &'static str,
    pub topic: Expr,
    pub filter: NotificationFilter,
}

impl TopicConfiguration {
    /// `s3:ObjectCreated:*` for keys under `prefix` that end in `suffix`, to `topic_arn`.
    pub fn object_created(topic_arn: Expr, prefix: Expr, suffix: Expr) -> Self {
        TopicConfiguration {
            event: "s3:ObjectCreated:*",
            topic: topic_arn,
            filter: NotificationFilter::key(prefix, suffix),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueueConfiguration {
    pub event: &'static str,
    pub queue: Expr,
    pub filter: NotificationFilter,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotificationFilter {
    #[serde(rename = "S3Key")]
    pub s3_key: KeyFilter,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyFilter {
    pub rules: Vec<FilterRule>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FilterRule {
    pub name: &'static str,
    pub value: Expr,
}

impl QueueConfiguration {
    /// `s3:ObjectCreated:*` for keys under `prefix` that end in `suffix`.
    /// A suffix of `""` adds no suffix rule (S3 server access log objects have none).
    pub fn object_created(queue_arn: Expr, prefix: Expr, suffix: Expr) -> Self {
        QueueConfiguration {
            event: "s3:ObjectCreated:*",
            queue: queue_arn,
            filter: NotificationFilter::key(prefix, suffix),
        }
    }
}

impl NotificationFilter {
    /// Keys under `prefix` that end in `suffix`; a suffix of `""` adds no suffix rule.
    pub fn key(prefix: Expr, suffix: Expr) -> Self {
        let mut rules = vec![FilterRule {
            name: "prefix",
            value: prefix,
        }];
        if suffix.as_literal() != Some("") {
            rules.push(FilterRule {
                name: "suffix",
                value: suffix,
            });
        }
        NotificationFilter {
            s3_key: KeyFilter { rules },
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketPolicy {
    pub bucket: Expr,
    pub policy_document: PolicyDocument,
}

impl Resource for BucketPolicy {
    const TYPE: &'static str = "AWS::S3::BucketPolicy";
}
