//! `AWS::CloudWatch::Alarm`.
use crate::cfn::{Expr, Resource};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Alarm {
    pub alarm_description: String,
    pub namespace: String,
    pub metric_name: String,
    pub dimensions: Vec<Dimension>,
    pub statistic: String,
    pub period: u32,
    pub evaluation_periods: u32,
    pub threshold: Threshold,
    pub comparison_operator: String,
    pub treat_missing_data: String,
    /// A list of topic ARNs, or `AWS::NoValue` behind a condition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm_actions: Option<Expr>,
}

impl Resource for Alarm {
    const TYPE: &'static str = "AWS::CloudWatch::Alarm";
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Dimension {
    pub name: String,
    pub value: Expr,
}

/// A literal threshold is written as a JSON number (LocalStack's alarm provider refuses a
/// string), a parameter's as its `Ref`.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Threshold {
    Literal(u32),
    Parameter(Expr),
}
