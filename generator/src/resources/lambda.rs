//! `AWS::Lambda::Function` and `AWS::Lambda::Permission`.
use super::Tag;
use crate::cfn::{Expr, Resource};
use indexmap::IndexMap;
use serde::Serialize;

/// Our budget for inline `ZipFile` code, in bytes. CloudFormation's old 4,096-character cap on
/// inline code is gone (the `AWS::Lambda::Function Code` reference now says only that the zip it
/// makes cannot exceed 4 MB); what binds is the 51,200-byte template body the all-services
/// stack must fit in, so each transform stays small.
pub const INLINE_CODE_LIMIT: usize = 10_240;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Function {
    pub function_name: Expr,
    pub description: String,
    pub runtime: &'static str,
    pub handler: &'static str,
    pub role: Expr,
    pub code: Code,
    pub timeout: u32,
    pub memory_size: u32,
    pub environment: Environment,
    pub logging_config: LoggingConfig,
    pub tags: Vec<Tag>,
}

impl Resource for Function {
    const TYPE: &'static str = "AWS::Lambda::Function";
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Code {
    pub zip_file: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Environment {
    pub variables: IndexMap<String, Expr>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfig {
    pub log_group: Expr,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Permission {
    pub action: &'static str,
    pub function_name: Expr,
    pub principal: &'static str,
    pub source_arn: Expr,
    pub source_account: Expr,
}

impl Resource for Permission {
    const TYPE: &'static str = "AWS::Lambda::Permission";
}
