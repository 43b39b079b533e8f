//! `AWS::WAFv2::LoggingConfiguration`.
use crate::cfn::{Expr, Resource};
use serde::Serialize;

/// Sends a web ACL's traffic logs to one destination (here an S3 bucket whose name starts
/// with `aws-waf-logs-`). A web ACL has at most one logging configuration.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfiguration {
    /// The web ACL's ARN.
    pub resource_arn: Expr,
    /// The destination ARNs (exactly one).
    pub log_destination_configs: Vec<Expr>,
}

impl Resource for LoggingConfiguration {
    const TYPE: &'static str = "AWS::WAFv2::LoggingConfiguration";
}
