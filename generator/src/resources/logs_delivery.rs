//! CloudWatch Logs vended log delivery: `AWS::Logs::DeliverySource`,
//! `AWS::Logs::DeliveryDestination` and `AWS::Logs::Delivery` (how CloudFront standard logging
//! v2 sends a distribution's access logs to S3).
use super::Tag;
use crate::cfn::{Expr, Resource};
use serde::Serialize;

/// The resource whose logs are delivered (a CloudFront distribution) and which of its logs.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeliverySource {
    pub name: Expr,
    pub log_type: &'static str,
    pub resource_arn: Expr,
    pub tags: Vec<Tag>,
}

impl Resource for DeliverySource {
    const TYPE: &'static str = "AWS::Logs::DeliverySource";
}

/// Where logs go (an S3 bucket ARN, optionally with a folder) and in which format.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeliveryDestination {
    pub name: Expr,
    pub destination_resource_arn: Expr,
    pub output_format: &'static str,
    pub tags: Vec<Tag>,
}

impl Resource for DeliveryDestination {
    const TYPE: &'static str = "AWS::Logs::DeliveryDestination";
}

/// A source paired with a destination: which fields, how they are separated, and the S3 key
/// path after the destination.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Delivery {
    pub delivery_source_name: Expr,
    pub delivery_destination_arn: Expr,
    pub record_fields: Vec<&'static str>,
    pub field_delimiter: &'static str,
    pub s3_suffix_path: Expr,
    pub s3_enable_hive_compatible_path: bool,
    pub tags: Vec<Tag>,
}

impl Resource for Delivery {
    const TYPE: &'static str = "AWS::Logs::Delivery";
}
