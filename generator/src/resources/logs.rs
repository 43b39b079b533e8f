//! `AWS::Logs::LogGroup`, `AWS::Logs::LogStream` and `AWS::Logs::SubscriptionFilter`.
use super::Tag;
use crate::cfn::{Expr, Resource};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogGroup {
    pub log_group_name: Expr,
    pub retention_in_days: u32,
    pub tags: Vec<Tag>,
}

impl Resource for LogGroup {
    const TYPE: &'static str = "AWS::Logs::LogGroup";
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogStream {
    pub log_group_name: Expr,
    pub log_stream_name: Expr,
}

impl Resource for LogStream {
    const TYPE: &'static str = "AWS::Logs::LogStream";
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubscriptionFilter {
    pub filter_name: Expr,
    pub log_group_name: Expr,
    pub filter_pattern: Expr,
    pub destination_arn: Expr,
    pub role_arn: Expr,
}

impl Resource for SubscriptionFilter {
    const TYPE: &'static str = "AWS::Logs::SubscriptionFilter";
}
