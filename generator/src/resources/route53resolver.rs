//! `AWS::Route53Resolver::ResolverQueryLoggingConfig` and
//! `AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation`.
use super::Tag;
use crate::cfn::{Expr, Resource};
use serde::Serialize;

/// Where Resolver writes the query logs of the VPCs associated with it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResolverQueryLoggingConfig {
    pub name: Expr,
    /// A bucket ARN, optionally with a folder (`arn:aws:s3:::bucket/prefix`).
    pub destination_arn: Expr,
    pub tags: Vec<Tag>,
}

impl Resource for ResolverQueryLoggingConfig {
    const TYPE: &'static str = "AWS::Route53Resolver::ResolverQueryLoggingConfig";
}

/// Logs the queries of one VPC through a query logging configuration.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResolverQueryLoggingConfigAssociation {
    pub resolver_query_log_config_id: Expr,
    pub resource_id: Expr,
}

impl Resource for ResolverQueryLoggingConfigAssociation {
    const TYPE: &'static str = "AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation";
}
