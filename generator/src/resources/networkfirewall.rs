//! `AWS::NetworkFirewall::LoggingConfiguration`.
use crate::cfn::{Expr, Resource};
use serde::Serialize;

/// Where a firewall sends its logs: one [`LogDestinationConfig`] per log type.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfiguration {
    pub firewall_arn: Expr,
    pub logging_configuration: LoggingConfigurationBody,
}

impl Resource for LoggingConfiguration {
    const TYPE: &'static str = "AWS::NetworkFirewall::LoggingConfiguration";
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfigurationBody {
    pub log_destination_configs: Vec<LogDestinationConfig>,
}

/// One log type (`FLOW`, `ALERT`, `TLS`) to one destination.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogDestinationConfig {
    pub log_destination: S3LogDestination,
    /// `S3`.
    pub log_destination_type: &'static str,
    pub log_type: &'static str,
}

/// The `LogDestination` map of an S3 destination: `bucketName` and an optional `prefix`
/// (the keys are camelCase, as the Network Firewall API spells them).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct S3LogDestination {
    pub bucket_name: Expr,
    pub prefix: Expr,
}
