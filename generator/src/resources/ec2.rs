//! `AWS::EC2::FlowLog`.
use super::Tag;
use crate::cfn::{Expr, Resource};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FlowLog {
    pub resource_id: Expr,
    pub resource_type: &'static str,
    pub traffic_type: Expr,
    pub log_destination_type: &'static str,
    pub log_destination: Expr,
    pub log_format: Expr,
    pub max_aggregation_interval: Expr,
    pub destination_options: DestinationOptions,
    pub tags: Vec<Tag>,
}

impl Resource for FlowLog {
    const TYPE: &'static str = "AWS::EC2::FlowLog";
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DestinationOptions {
    pub file_format: &'static str,
    pub hive_compatible_partitions: bool,
    pub per_hour_partition: Expr,
}
