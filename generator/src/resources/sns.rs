//! `AWS::SNS::Topic`, `AWS::SNS::Subscription` and `AWS::SNS::TopicPolicy`.
use super::Tag;
use crate::cfn::{Expr, Resource};
use crate::iam::PolicyDocument;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Topic {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub tags: Vec<Tag>,
}

impl Resource for Topic {
    const TYPE: &'static str = "AWS::SNS::Topic";
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subscription {
    pub topic_arn: Expr,
    pub protocol: String,
    pub endpoint: Expr,
}

impl Resource for Subscription {
    const TYPE: &'static str = "AWS::SNS::Subscription";
}

/// A queue's subscription to a topic.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SqsSubscription {
    pub topic_arn: Expr,
    pub protocol: String,
    pub endpoint: Expr,
    /// The S3 notification itself in the message body, not inside an SNS envelope.
    pub raw_message_delivery: bool,
}

impl Resource for SqsSubscription {
    const TYPE: &'static str = "AWS::SNS::Subscription";
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TopicPolicy {
    pub topics: Vec<Expr>,
    pub policy_document: PolicyDocument,
}

impl Resource for TopicPolicy {
    const TYPE: &'static str = "AWS::SNS::TopicPolicy";
}
