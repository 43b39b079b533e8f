//! A queue fed through an SNS topic instead of straight from the bucket (S3 -> topic -> one
//! queue per consumer): the `queue-policy` check asks whether the topic may send to the queue
//! and S3 may publish to the topic, the `notification` check looks at the bucket's notification
//! to the topic, whether the subscription delivers raw, and its filter policy.

use ::access::{Caller, Request};

use super::StackCtx;
use crate::access::readback::QueueNotification;
use crate::doctor::{Finding, Severity};
use generator::stacks::outputs::DataTypeOutputs;

impl StackCtx {
    /// The findings of a queue that topics feed and the bucket does not notify itself; `None`
    /// when the bucket notifies the queue (or no topic feeds it).
    pub(super) fn topic_path(&self, d: &DataTypeOutputs) -> Option<Vec<Finding>> {
        let bucket = &self.outputs.bucket;
        let direct = self
            .notifications
            .iter()
            .any(|n| &n.bucket == bucket && n.queue_arn == d.queue.arn);
        let feeds = self.feeds.get(&d.queue.arn).filter(|f| !f.is_empty())?;
        if direct {
            return None;
        }
        let subject = self.subject(Some(d.data_type));
        let bucket_arn = format!("arn:{}:s3:::{bucket}", self.at.partition);
        let mut out = Vec::new();
        for feed in feeds {
            let topic = &feed.topic_arn;
            // The topic may send to the queue.
            let mut context = self.at.base_context();
            context.set("aws:SourceArn", topic.clone());
            let send = Request {
                principal: Caller::Service {
                    name: "sns.amazonaws.com".into(),
                },
                action: "sqs:SendMessage".into(),
                resource: d.queue.arn.clone(),
                context,
            };
            out.push(match self.ledger.decide("doctor: SNS delivering to the queue", "doctor", &send) {
                Ok(()) => Finding::new(
                    Severity::Ok,
                    "queue-policy",
                    &subject,
                    format!("the queue policy lets the topic {topic} send"),
                ),
                Err(e) => Finding::new(
                    Severity::Error,
                    "queue-policy",
                    &subject,
                    format!("the topic {topic} may not send to the queue: {}; no message reaches Sentinel", e.message()),
                )
                .fix(format!(
                    "the queue policy of {} must allow sns.amazonaws.com sqs:SendMessage with aws:SourceArn {topic} (that topic only)",
                    d.queue.arn
                )),
            });
            // S3 may publish to the topic.
            let mut context = self.at.base_context();
            context
                .set("aws:SourceArn", bucket_arn.clone())
                .set("aws:SourceAccount", self.at.account.clone());
            let publish = Request {
                principal: Caller::Service {
                    name: "s3.amazonaws.com".into(),
                },
                action: "sns:Publish".into(),
                resource: topic.clone(),
                context,
            };
            out.push(match self.ledger.decide("doctor: S3 publishing to the topic", "doctor", &publish) {
                Ok(()) => Finding::new(
                    Severity::Ok,
                    "queue-policy",
                    &subject,
                    format!("the topic policy lets {bucket_arn} publish to {topic}"),
                ),
                Err(e) => Finding::new(
                    Severity::Error,
                    "queue-policy",
                    &subject,
                    format!("S3 may not publish {bucket_arn}'s notifications to {topic}: {}", e.message()),
                )
                .fix(format!(
                    "the policy of {topic} must allow s3.amazonaws.com sns:Publish with aws:SourceArn {bucket_arn} and aws:SourceAccount {}",
                    self.at.account
                )),
            });
            // The bucket's notification to the topic, as for a queue.
            let via: Vec<&QueueNotification> = self
                .topic_notifications
                .iter()
                .filter(|n| &n.bucket == bucket && &n.queue_arn == topic)
                .collect();
            let command = format!(
                "aws s3api put-bucket-notification-configuration --bucket {bucket} with a TopicConfiguration of {topic} for s3:ObjectCreated:* filtering the prefix and suffix of the objects (keep the bucket's other configurations)"
            );
            out.extend(self.filters(d, &via, topic, &command));
            out.push(if feed.raw {
                Finding::new(
                    Severity::Ok,
                    "notification",
                    &subject,
                    format!("{topic} delivers to the queue raw (RawMessageDelivery)"),
                )
            } else {
                Finding::new(
                    Severity::Error,
                    "notification",
                    &subject,
                    format!(
                        "{topic} delivers to the queue without RawMessageDelivery: each S3 notification arrives inside an SNS envelope, and Microsoft's guidance for a shared bucket requires raw delivery for Sentinel"
                    ),
                )
                .fix(format!(
                    "aws sns set-subscription-attributes --subscription-arn {} --attribute-name RawMessageDelivery --attribute-value true",
                    feed.subscription_arn
                ))
            });
            if let Some(policy) = &feed.filter_policy {
                out.push(Finding::new(
                    Severity::Info,
                    "notification",
                    &subject,
                    format!(
                        "the subscription to {topic} has the filter policy {policy}: notifications it filters out never reach the queue"
                    ),
                ));
            }
        }
        Some(out)
    }
}
