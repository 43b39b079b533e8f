//! Queues fed through an SNS topic (a shared bucket: S3 -> topic -> one queue per consumer,
//! as Defender for Cloud and Sentinel share a CloudTrail bucket): the subscriptions that
//! deliver to a queue, whether they deliver raw, and their filter policies.

use anyhow::{Context, Result};

/// A subscription of a queue to a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub topic_arn: String,
    pub subscription_arn: String,
    /// `RawMessageDelivery`: the S3 notification itself, not inside an SNS envelope.
    pub raw: bool,
    /// The subscription's filter policy, if it has one.
    pub filter_policy: Option<String>,
}

/// The topic subscriptions that deliver to the queue `queue_arn`.
pub async fn feeds_of(sns: &aws_sdk_sns::Client, queue_arn: &str) -> Result<Vec<Feed>> {
    let mut subs = Vec::new();
    let mut pages = sns.list_subscriptions().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page =
            page.context("SNS ListSubscriptions (to find the topics that feed the queue)")?;
        for s in page.subscriptions() {
            if s.protocol() == Some("sqs") && s.endpoint() == Some(queue_arn) {
                if let (Some(topic), Some(arn)) = (s.topic_arn(), s.subscription_arn()) {
                    subs.push((topic.to_string(), arn.to_string()));
                }
            }
        }
    }
    let mut out = Vec::new();
    for (topic_arn, subscription_arn) in subs {
        // A subscription still pending confirmation has no attributes to read.
        if subscription_arn == "PendingConfirmation" {
            continue;
        }
        let got = sns
            .get_subscription_attributes()
            .subscription_arn(&subscription_arn)
            .send()
            .await
            .with_context(|| format!("SNS GetSubscriptionAttributes {subscription_arn}"))?;
        let attrs = got.attributes().cloned().unwrap_or_default();
        out.push(Feed {
            topic_arn,
            subscription_arn,
            raw: attrs
                .get("RawMessageDelivery")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            filter_policy: attrs
                .get("FilterPolicy")
                .filter(|p| !p.trim().is_empty())
                .cloned(),
        });
    }
    Ok(out)
}
