//! `AWS::Events::Rule`.
use crate::cfn::{Expr, Resource};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    pub name: Expr,
    pub description: Expr,
    /// The event pattern, as EventBridge takes it (a JSON object).
    pub event_pattern: serde_json::Value,
    pub state: &'static str,
    pub targets: Vec<Target>,
}

impl Resource for Rule {
    const TYPE: &'static str = "AWS::Events::Rule";
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Target {
    pub arn: Expr,
    pub id: &'static str,
    /// The role EventBridge assumes to put the event into the target.
    pub role_arn: Expr,
}
