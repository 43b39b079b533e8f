//! The drain: the connector run in rounds until every queue is empty, with its progress bars,
//! and the queue reads the check needs afterwards (depth, the dead-letter queue's objects).

use super::kills;
use crate::connector::{self, ConnectorConfig};
use crate::ingest;
use anyhow::{bail, Context, Result};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The drain's two bars: objects finished and rows accepted, out of what the deliveries said
/// to expect so far.
#[derive(Clone)]
pub(super) struct DrainBars {
    pub(super) objects: indicatif::ProgressBar,
    pub(super) rows: indicatif::ProgressBar,
}

impl DrainBars {
    /// One more delivery: `objects` more to finish, `rows` more to be accepted.
    pub(super) fn expect(&self, objects: u64, rows: u64) {
        self.objects.inc_length(objects);
        self.rows.inc_length(rows);
    }

    pub(super) fn show(&self, objects_done: &AtomicU64, stats: &ingest::StatsHandle) {
        self.objects
            .set_position(objects_done.load(Ordering::Relaxed));
        self.rows.set_position(stats.accepted_rows());
    }
}

/// Runs the connector in rounds until the logs were delivered and a round that started after
/// that left every queue empty (bad objects come back after their visibility timeout until
/// SQS dead-letters them); returns each round's statistics and the seconds in all.
pub(super) async fn drain(
    cc: ConnectorConfig,
    s3: aws_sdk_s3::Client,
    sqs: aws_sdk_sqs::Client,
    queues: Vec<String>,
    delivered: Arc<AtomicBool>,
    gate: Arc<crate::access::gate::AccessGate>,
    kill: Option<(kills::Plan, ingest::StatsHandle)>,
) -> Result<(Vec<serde_json::Value>, f64, Vec<kills::Kill>)> {
    let started = Instant::now();
    // The crashes first, while the logs are delivered; then the connector drains as usual.
    let killed = match kill {
        Some((plan, stats)) => kills::run(&plan, &stats, &sqs, &queues).await?,
        None => Vec::new(),
    };
    if cc.routes.is_empty() {
        // No route could start (its role could not be assumed): nothing to drain.
        while !delivered.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        return Ok((Vec::new(), started.elapsed().as_secs_f64(), killed));
    }
    let mut quiet = cc.clone();
    quiet.log = false;
    let mut deadline: Option<Instant> = None;
    let mut rounds = Vec::new();
    loop {
        let after_delivery = delivered.load(Ordering::SeqCst);
        if after_delivery && deadline.is_none() {
            deadline = Some(Instant::now() + Duration::from_secs(900));
        }
        let (_tx, rx) = tokio::sync::watch::channel(false);
        let config = if after_delivery { &cc } else { &quiet };
        let stats = connector::run(config, &s3, &sqs, rx)
            .await
            .context("running the connector")?;
        rounds.push(serde_json::to_value(&stats)?);
        let Some(deadline) = deadline else {
            // Still delivering: the queues are empty only until the next object.
            continue;
        };
        // A queue whose receives are refused keeps its messages until the policy changes.
        let refused = gate.refused_receives();
        let mut left = 0;
        for url in queues.iter().filter(|u| !refused.contains(*u)) {
            left += queue_depth(&sqs, url).await?;
        }
        if left == 0 {
            break;
        }
        if Instant::now() > deadline {
            bail!("{left} messages still in the queues 15 minutes after the last delivery");
        }
        crate::progress::eprintln(format_args!(
            "e2e: {left} messages wait for redelivery or the dead-letter queue; another round"
        ));
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    Ok((rounds, started.elapsed().as_secs_f64(), killed))
}

/// Messages in the queue: visible, and received but not deleted (in flight).
pub(crate) async fn queue_depth(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<u64> {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let out = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(A::ApproximateNumberOfMessages)
        .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await?;
    let attrs = out.attributes().cloned().unwrap_or_default();
    let n = |k: A| {
        attrs
            .get(&k)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok(n(A::ApproximateNumberOfMessages) + n(A::ApproximateNumberOfMessagesNotVisible))
}

/// The object keys in a dead-letter queue (read without deleting: visibility 0 afterwards).
pub(super) async fn dead_letters(sqs: &aws_sdk_sqs::Client, dlq: &str) -> Result<Vec<String>> {
    let mut keys = std::collections::BTreeSet::new();
    let total = queue_depth(sqs, dlq).await?;
    let mut seen_ids = std::collections::BTreeSet::new();
    for _ in 0..(total + 10) {
        let out = sqs
            .receive_message()
            .queue_url(dlq)
            .max_number_of_messages(10)
            .visibility_timeout(30)
            .wait_time_seconds(1)
            .send()
            .await?;
        let msgs = out.messages().to_vec();
        if msgs.is_empty() {
            break;
        }
        for m in msgs {
            if !seen_ids.insert(m.message_id().unwrap_or_default().to_string()) {
                continue;
            }
            if let Ok(crate::connector::Notification::Objects { objects, .. }) =
                crate::connector::notify::parse_body(m.body().unwrap_or_default())
            {
                keys.extend(objects.into_iter().map(|o| o.key));
            }
        }
        if seen_ids.len() as u64 >= total {
            break;
        }
    }
    Ok(keys.into_iter().collect())
}
