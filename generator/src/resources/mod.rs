//! One typed struct per CloudFormation resource type the generator emits.
//!
//! Field names follow the CloudFormation resource specification; optional properties are
//! `Option` and left out of the output when unset.

pub mod cloudformation;
pub mod cloudtrail;
pub mod cloudwatch;
pub mod ec2;
pub mod events;
pub mod firehose;
pub mod guardduty;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod logs_delivery;
pub mod networkfirewall;
pub mod route53resolver;
pub mod s3;
pub mod sns;
pub mod sqs;
pub mod wafv2;

use crate::cfn::Expr;
use serde::Serialize;

/// A `{Key, Value}` resource tag.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    pub value: Expr,
}

impl Tag {
    pub fn new(key: &str, value: impl Into<Expr>) -> Self {
        Tag {
            key: key.to_string(),
            value: value.into(),
        }
    }
}

/// The tags every resource that takes tags carries.
pub fn standard_tags(component: &str) -> Vec<Tag> {
    vec![
        Tag::new("ManagedBy", "sentinel-aws-toolkit"),
        Tag::new("SentinelComponent", component),
    ]
}
