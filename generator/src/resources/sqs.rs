//! `AWS::SQS::Queue` and `AWS::SQS::QueuePolicy`.
use super::Tag;
use crate::cfn::{Expr, Resource};
use crate::iam::PolicyDocument;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Queue {
    /// `None`: CloudFormation names it `<stack>-<logical id>-<random>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_name: Option<Expr>,
    pub message_retention_period: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility_timeout: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receive_message_wait_time_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redrive_policy: Option<RedrivePolicy>,
    /// SSE-SQS: S3 event notifications can write to it (an AWS-managed KMS key could not be used).
    pub sqs_managed_sse_enabled: bool,
    pub tags: Vec<Tag>,
}

impl Resource for Queue {
    const TYPE: &'static str = "AWS::SQS::Queue";
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RedrivePolicy {
    pub dead_letter_target_arn: Expr,
    pub max_receive_count: Expr,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueuePolicy {
    pub queues: Vec<Expr>,
    pub policy_document: PolicyDocument,
}

impl Resource for QueuePolicy {
    const TYPE: &'static str = "AWS::SQS::QueuePolicy";
}
