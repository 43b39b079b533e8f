//! `AWS::KMS::Key` and `AWS::KMS::Alias`.
use super::Tag;
use crate::cfn::{Expr, Resource};
use crate::iam::PolicyDocument;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Key {
    pub description: Expr,
    pub enable_key_rotation: bool,
    pub key_spec: &'static str,
    pub key_usage: &'static str,
    pub pending_window_in_days: u32,
    pub key_policy: PolicyDocument,
    pub tags: Vec<Tag>,
}

impl Resource for Key {
    const TYPE: &'static str = "AWS::KMS::Key";
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Alias {
    pub alias_name: Expr,
    pub target_key_id: Expr,
}

impl Resource for Alias {
    const TYPE: &'static str = "AWS::KMS::Alias";
}
