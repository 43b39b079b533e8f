//! `AWS::Lambda::Function` and `AWS::Lambda::Permission`.
use super::Tag;
use crate::cfn::{Expr, Resource};
use indexmap::IndexMap;
use serde::Serialize;

/// CloudFormation's limit on inline `ZipFile` code, in bytes.
pub const INLINE_CODE_LIMIT: usize = 4096;

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
