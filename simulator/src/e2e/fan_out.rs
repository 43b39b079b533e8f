//! `e2e --fan-out sns`: the connector stacks deployed with `FanOut=sns` (the bucket notifies a
//! topic per data type, Sentinel's queue subscribes raw), and a second consumer per topic, as
//! Defender for Cloud would add one: its own queue, a policy letting only that topic send, a raw
//! subscription, nothing changed in the stack. After the run it must hold one notification for
//! every object written under the data type's prefix and suffix, no other (compared as sets of
//! keys: SNS, like S3, delivers at least once).

use std::collections::BTreeSet;

use anyhow::{bail, Context, Result};
use aws_sdk_sqs::types::QueueAttributeName as A;
use serde::Serialize;

use catalogue::DataType;

/// How the bucket announces objects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FanOut {
    /// The bucket notifies each queue (the stacks' default).
    #[default]
    Queue,
    /// The bucket notifies a topic per data type; the queues subscribe.
    Sns,
}

/// A second consumer's queue on one data type's topic.
#[derive(Debug, Clone)]
pub struct SecondConsumer {
    pub data_type: DataType,
    pub topic_arn: String,
    pub queue_url: String,
}

/// What the second consumer of a service received.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SecondConsumerCheck {
    pub topic_arn: String,
    /// Objects written under the data type's prefix and suffix.
    pub expected: u64,
    /// Distinct object keys the second consumer's queue received.
    pub received: u64,
    pub missing: u64,
    pub unexpected: u64,
}

impl SecondConsumerCheck {
    pub fn ok(&self) -> bool {
        self.missing == 0 && self.unexpected == 0 && self.expected > 0
    }
}

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<String> {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(A::QueueArn)
        .send()
        .await
        .with_context(|| format!("SQS GetQueueAttributes {url}"))?
        .attributes()
        .and_then(|a| a.get(&A::QueueArn).cloned())
        .with_context(|| format!("queue {url} has no QueueArn"))
}

/// Subscribes a second consumer to the topic that feeds Sentinel's queue `sentinel_url`.
pub async fn subscribe(
    sqs: &aws_sdk_sqs::Client,
    sns: &aws_sdk_sns::Client,
    data_type: DataType,
    sentinel_url: &str,
    seed: u64,
) -> Result<SecondConsumer> {
    let sentinel_arn = queue_arn(sqs, sentinel_url).await?;
    let feeds = crate::doctor::sns::feeds_of(sns, &sentinel_arn).await?;
    let topic_arn = match feeds.as_slice() {
        [one] => one.topic_arn.clone(),
        other => bail!(
            "{data_type}: Sentinel's queue {sentinel_arn} is subscribed to {} topics, expected its stack's one (was the stack deployed with FanOut=sns?)",
            other.len()
        ),
    };
    let name = format!("e2e-second-consumer-{}-{seed}", data_type.slug());
    let queue_url = sqs
        .create_queue()
        .queue_name(&name)
        .send()
        .await
        .with_context(|| format!("creating the second consumer's queue {name}"))?
        .queue_url()
        .context("CreateQueue returned no URL")?
        .to_string();
    let arn = queue_arn(sqs, &queue_url).await?;
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}
        }]
    });
    sqs.set_queue_attributes()
        .queue_url(&queue_url)
        .attributes(A::Policy, policy.to_string())
        .send()
        .await
        .with_context(|| format!("the policy of {name}"))?;
    sns.subscribe()
        .topic_arn(&topic_arn)
        .protocol("sqs")
        .endpoint(&arn)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .with_context(|| format!("subscribing {name} to {topic_arn}"))?;
    Ok(SecondConsumer {
        data_type,
        topic_arn,
        queue_url,
    })
}

/// The object keys the second consumer's queue holds (drained: received until three empty
/// receives in a row, each message deleted).
pub async fn received_keys(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<BTreeSet<String>> {
    let mut keys = BTreeSet::new();
    let mut empty = 0;
    while empty < 3 {
        let got = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .with_context(|| format!("receiving from the second consumer's queue {url}"))?;
        if got.messages().is_empty() {
            empty += 1;
            continue;
        }
        empty = 0;
        for m in got.messages() {
            let body = m.body().unwrap_or_default();
            match connector::notify::parse_body(body) {
                Ok(connector::notify::Notification::Objects { objects, .. }) => {
                    keys.extend(objects.into_iter().map(|o| o.key));
                }
                Ok(_) => {}
                Err(e) => bail!(
                    "the second consumer got a body that is no S3 notification ({e:?}): {body}"
                ),
            }
            if let Some(h) = m.receipt_handle() {
                sqs.delete_message()
                    .queue_url(url)
                    .receipt_handle(h)
                    .send()
                    .await
                    .with_context(|| format!("deleting from {url}"))?;
            }
        }
    }
    Ok(keys)
}

/// The check of one second consumer: `written` are the keys of the objects under the data
/// type's prefix and suffix.
pub fn compare(
    topic_arn: &str,
    written: &BTreeSet<String>,
    got: &BTreeSet<String>,
) -> SecondConsumerCheck {
    SecondConsumerCheck {
        topic_arn: topic_arn.to_string(),
        expected: written.len() as u64,
        received: got.len() as u64,
        missing: written.difference(got).count() as u64,
        unexpected: got.difference(written).count() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_second_consumer_must_get_every_object_and_no_other() {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        let c = compare("t", &set(&["a", "b"]), &set(&["a", "b"]));
        assert!(c.ok(), "{c:?}");
        let c = compare("t", &set(&["a", "b"]), &set(&["a", "x"]));
        assert_eq!((c.missing, c.unexpected), (1, 1));
        assert!(!c.ok());
        // Nothing written: nothing proven.
        assert!(!compare("t", &set(&[]), &set(&[])).ok());
    }
}
