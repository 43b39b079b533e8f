//! Delivery of synthetic EKS control-plane logs to CloudWatch Logs: the PutLogEvents calls a
//! run takes ([`put_batches`]), the API they go to ([`LogsSink`]: the AWS SDK
//! ([`CloudWatchLogs`]) or a fake in tests) and [`deliver`], which makes them.

use std::collections::BTreeMap;
use std::future::Future;

use crate::synth::cloudwatch::LogEvent;
use crate::synth::eks::EksRun;
use aws_sdk_cloudwatchlogs::error::DisplayErrorContext;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use serde::{Deserialize, Serialize};

/// One PutLogEvents call: events of one stream, chronological.
#[derive(Debug, Clone, PartialEq)]
pub struct PutBatch {
    pub log_group: String,
    pub log_stream: String,
    pub events: Vec<LogEvent>,
}

/// PutLogEvents limits: 1,048,576 bytes (message bytes + 26 per event) and 10,000 events.
const MAX_BATCH_BYTES: usize = 1_048_576;
const MAX_BATCH_EVENTS: usize = 10_000;

/// The PutLogEvents calls that deliver `run`, in the order to make them: each batch holds one
/// stream's consecutive events (at most `max_batch`, within the API limits), and batches follow
/// the timestamp of their first event.
pub fn put_batches(run: &EksRun) -> Vec<PutBatch> {
    let max = run.options.max_batch.clamp(1, MAX_BATCH_EVENTS);
    let mut open: BTreeMap<&str, (PutBatch, usize)> = BTreeMap::new();
    let mut done: Vec<PutBatch> = Vec::new();
    for e in &run.events {
        let size = e.message.len() + 26;
        let entry = open.entry(e.log_stream.as_str()).or_insert_with(|| {
            (
                PutBatch {
                    log_group: e.log_group.clone(),
                    log_stream: e.log_stream.clone(),
                    events: Vec::new(),
                },
                0,
            )
        });
        if !entry.0.events.is_empty()
            && (entry.0.events.len() >= max || entry.1 + size > MAX_BATCH_BYTES)
        {
            let full = std::mem::replace(
                &mut entry.0,
                PutBatch {
                    log_group: e.log_group.clone(),
                    log_stream: e.log_stream.clone(),
                    events: Vec::new(),
                },
            );
            entry.1 = 0;
            done.push(full);
        }
        entry.0.events.push(e.clone());
        entry.1 += size;
    }
    done.extend(open.into_values().map(|(b, _)| b));
    done.sort_by_key(|b| b.events[0].timestamp_ms);
    done
}

/// A CloudWatch Logs API: the AWS SDK against LocalStack or AWS, or a fake in tests.
pub trait LogsSink {
    type Error;
    /// Creates the log group; one that exists already is not an error.
    fn create_log_group(&self, name: &str) -> impl Future<Output = Result<(), Self::Error>> + Send;
    /// Creates the stream; one that exists already is not an error.
    fn create_log_stream(
        &self,
        group: &str,
        stream: &str,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
    /// PutLogEvents of `events` (chronological, one stream).
    fn put_log_events(
        &self,
        group: &str,
        stream: &str,
        events: &[LogEvent],
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// What [`deliver`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeliveryReport {
    pub log_group: String,
    pub streams: u64,
    pub put_calls: u64,
    pub log_events: u64,
    pub audit_events: u64,
    pub noise_events: u64,
}

/// Writes `run` into CloudWatch Logs through `sink`: the log group, every stream, then the
/// [`put_batches`] in order.
pub async fn deliver<S: LogsSink>(sink: &S, run: &EksRun) -> Result<DeliveryReport, S::Error> {
    sink.create_log_group(&run.log_group).await?;
    let streams = run.streams();
    for s in &streams {
        sink.create_log_stream(&run.log_group, s).await?;
    }
    let batches = put_batches(run);
    for b in &batches {
        sink.put_log_events(&b.log_group, &b.log_stream, &b.events)
            .await?;
    }
    Ok(DeliveryReport {
        log_group: run.log_group.clone(),
        streams: streams.len() as u64,
        put_calls: batches.len() as u64,
        log_events: run.events.len() as u64,
        audit_events: run.expected.len() as u64,
        noise_events: run.noise_events,
    })
}

/// CloudWatch Logs (LocalStack or AWS). Existing groups and streams are reused.
pub struct CloudWatchLogs(pub aws_sdk_cloudwatchlogs::Client);

impl CloudWatchLogs {
    /// Deletes a log stream and its events.
    pub async fn delete_log_stream(&self, group: &str, stream: &str) -> Result<(), String> {
        self.0
            .delete_log_stream()
            .log_group_name(group)
            .log_stream_name(stream)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                format!(
                    "DeleteLogStream {group} {stream}: {}",
                    DisplayErrorContext(e)
                )
            })
    }
}

impl LogsSink for CloudWatchLogs {
    type Error = String;

    async fn create_log_group(&self, name: &str) -> Result<(), String> {
        match self.0.create_log_group().log_group_name(name).send().await {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_already_exists_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(format!("CreateLogGroup {name}: {}", DisplayErrorContext(e))),
        }
    }

    async fn create_log_stream(&self, group: &str, stream: &str) -> Result<(), String> {
        match self
            .0
            .create_log_stream()
            .log_group_name(group)
            .log_stream_name(stream)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_already_exists_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(format!(
                "CreateLogStream {group} {stream}: {}",
                DisplayErrorContext(e)
            )),
        }
    }

    async fn put_log_events(
        &self,
        group: &str,
        stream: &str,
        events: &[LogEvent],
    ) -> Result<(), String> {
        let events: Vec<InputLogEvent> = events
            .iter()
            .map(|e| {
                InputLogEvent::builder()
                    .timestamp(e.timestamp_ms)
                    .message(&e.message)
                    .build()
                    .expect("timestamp and message are set")
            })
            .collect();
        let out = self
            .0
            .put_log_events()
            .log_group_name(group)
            .log_stream_name(stream)
            .set_log_events(Some(events))
            .send()
            .await
            .map_err(|e| format!("PutLogEvents {group} {stream}: {}", DisplayErrorContext(e)))?;
        match out.rejected_log_events_info() {
            Some(r) => Err(format!(
                "PutLogEvents {group} {stream} rejected events: {r:?}"
            )),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::eks::{generate, EksOptions};
    use std::sync::Mutex;

    const START: i64 = 1_772_359_200_000; // 2026-03-01T10:00:00Z

    fn run(n: u64, seed: u64) -> EksRun {
        generate(&EksOptions::new("prod-1", n, seed, START))
    }

    #[test]
    fn batches_are_per_stream_chronological_and_cover_every_event_once() {
        let r = run(1000, 4);
        let batches = put_batches(&r);
        let mut seen = 0;
        for b in &batches {
            assert!(!b.events.is_empty() && b.events.len() <= 100);
            assert!(b.events.iter().all(|e| e.log_stream == b.log_stream));
            assert!(b
                .events
                .windows(2)
                .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms));
            seen += b.events.len();
        }
        assert_eq!(seen, r.events.len());
        assert!(batches
            .windows(2)
            .all(|w| w[0].events[0].timestamp_ms <= w[1].events[0].timestamp_ms));
        assert!(
            batches.iter().any(|b| b.events.len() > 1),
            "multi-event payloads"
        );
    }

    #[derive(Default)]
    struct Fake {
        calls: Mutex<Vec<String>>,
    }

    impl LogsSink for Fake {
        type Error = String;
        async fn create_log_group(&self, name: &str) -> Result<(), String> {
            self.calls.lock().unwrap().push(format!("group {name}"));
            Ok(())
        }
        async fn create_log_stream(&self, _group: &str, stream: &str) -> Result<(), String> {
            self.calls.lock().unwrap().push(format!("stream {stream}"));
            Ok(())
        }
        async fn put_log_events(
            &self,
            _group: &str,
            stream: &str,
            events: &[LogEvent],
        ) -> Result<(), String> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("put {stream} {}", events.len()));
            Ok(())
        }
    }

    #[tokio::test]
    async fn deliver_creates_group_and_streams_then_puts_in_order() {
        let r = run(200, 5);
        let fake = Fake::default();
        let report = deliver(&fake, &r).await.unwrap();
        let calls = fake.calls.into_inner().unwrap();
        assert_eq!(calls[0], "group /aws/eks/prod-1/cluster");
        assert_eq!(report.streams, 6);
        assert!(calls[1..7].iter().all(|c| c.starts_with("stream ")));
        assert_eq!(report.put_calls as usize, calls.len() - 7);
        assert_eq!(report.log_events, 260);
        assert_eq!(report.audit_events, 200);
    }
}
