//! What shapes a run ([`Route`], [`ConnectorConfig`]) and what a run reports
//! ([`RouteStats`], [`Stats`], [`ConnectorError`]).

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::batch::MAX_REQUEST_BYTES;
use super::gate::{Gate, RouteClients};
use super::sink::{IngestTarget, RetryPolicy};
use catalogue::DataType;

/// One queue and what its objects are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Name used in logs and as the key of [`Stats::routes`] (unique).
    pub name: String,
    pub queue_url: String,
    pub service: DataType,
    /// DCR stream the rows go to (e.g. `Custom-AWSVPCFlow`).
    pub stream: String,
}

impl Route {
    /// A route named after the service, to the service's default stream
    /// ([`DataType::default_stream`]).
    pub fn new(service: DataType, queue_url: impl Into<String>) -> Self {
        Route {
            name: service.slug().to_string(),
            queue_url: queue_url.into(),
            service,
            stream: service.default_stream(),
        }
    }
}

/// Everything that shapes a run. Build with [`ConnectorConfig::new`] and adjust.
#[derive(Debug, Clone)]
pub struct ConnectorConfig {
    pub routes: Vec<Route>,
    pub target: IngestTarget,
    pub retry: RetryPolicy,
    /// SQS long-poll wait, 0..=20 s (default 20).
    pub wait_time_seconds: i32,
    /// Messages per receive, 1..=10 (default 10). Those that cannot start
    /// at once wait for a free [`ConnectorConfig::max_in_flight`] slot, their
    /// visibility extended meanwhile; the next receive overlaps with the
    /// last of them being processed.
    pub max_messages: i32,
    /// Visibility timeout set on receive and on each extension (default 60).
    pub visibility_timeout_seconds: i32,
    /// Messages processed at once, over all routes (default 4).
    pub max_in_flight: usize,
    /// Largest request body (uncompressed JSON), bytes.
    pub max_request_bytes: usize,
    /// Request bodies of one object held back until the object decoded
    /// completely (default 8 MiB); see the module docs.
    pub hold_back_bytes: usize,
    /// Stop once every queue has answered this many consecutive receives
    /// with no message while nothing is in flight (no message being
    /// processed or waiting for its delete; `None`: run until the shutdown
    /// signal).
    pub stop_after_empty_polls: Option<u32>,
    /// How long a processed message may wait for others to share its
    /// `DeleteMessageBatch` call (up to 10 per call; default 50 ms). Its
    /// in-flight slot is free meanwhile and its visibility still extended;
    /// a receive that finds the queue empty sends what is pending at once.
    pub delete_linger: Duration,
    /// How long in-flight messages may finish after the shutdown signal.
    pub shutdown_grace: Duration,
    /// Deadline of each SQS/S3 call (a receive gets the long-poll wait on
    /// top) and of each chunk of an S3 body; a call past it counts as a
    /// transport failure.
    pub aws_call_timeout: Duration,
    /// Log events (errors, malformed data, decisions) through [`ConnectorConfig::log_line`].
    pub log: bool,
    /// Where a log line goes (default: stderr). A program that draws progress bars passes
    /// its own, which prints above them.
    pub log_line: fn(&dyn std::fmt::Display),
    /// Counted up once per object done: read to its end and fully ingested, or acknowledged
    /// without reading (the sum of [`RouteStats::objects`] and [`RouteStats::objects_skipped`],
    /// over every route and every run given the same counter), for progress displays.
    pub objects_done: Option<Arc<AtomicU64>>,
    /// Asked before every SQS and S3 call (see [`super::gate`]); `None`: nothing is checked.
    pub gate: Option<Arc<dyn Gate>>,
    /// Filled by a run with its live counters, for progress displays ([`Live::snapshot`]).
    pub live: Option<Live>,
    /// Delete each message as soon as its processing starts, before its rows are accepted
    /// (what Microsoft's published EKS poller does). Off by default: it gives up the
    /// guarantee that a message goes only after every batch of its objects was accepted, so a
    /// crash, a failed object or a poison message loses records. For comparison runs.
    pub delete_on_receive: bool,
    /// The clients of routes that run with their own credentials, by route name; the other
    /// routes use the clients given to [`super::run`].
    pub route_clients: BTreeMap<String, RouteClients>,
}

impl ConnectorConfig {
    pub fn new(routes: Vec<Route>, target: IngestTarget) -> Self {
        ConnectorConfig {
            routes,
            target,
            retry: RetryPolicy::default(),
            wait_time_seconds: 20,
            max_messages: 10,
            visibility_timeout_seconds: 60,
            max_in_flight: 4,
            max_request_bytes: MAX_REQUEST_BYTES,
            hold_back_bytes: 8 * 1024 * 1024,
            stop_after_empty_polls: None,
            delete_linger: Duration::from_millis(50),
            shutdown_grace: Duration::from_secs(30),
            aws_call_timeout: Duration::from_secs(30),
            log: true,
            log_line: stderr_line,
            objects_done: None,
            gate: None,
            live: None,
            delete_on_receive: false,
            route_clients: BTreeMap::new(),
        }
    }

    pub(super) fn validate(&self) -> Result<(), ConnectorError> {
        let bad = |m: String| Err(ConnectorError::Config(m));
        if self.routes.is_empty() {
            return bad("no routes".into());
        }
        let mut names = std::collections::HashSet::new();
        for r in &self.routes {
            if !names.insert(&r.name) {
                return bad(format!("route name '{}' appears twice", r.name));
            }
        }
        if !(0..=20).contains(&self.wait_time_seconds) {
            return bad(format!(
                "wait_time_seconds {} is not in 0..=20",
                self.wait_time_seconds
            ));
        }
        if !(1..=10).contains(&self.max_messages) {
            return bad(format!(
                "max_messages {} is not in 1..=10",
                self.max_messages
            ));
        }
        if !(1..=43_200).contains(&self.visibility_timeout_seconds) {
            return bad(format!(
                "visibility_timeout_seconds {} is not in 1..=43200",
                self.visibility_timeout_seconds
            ));
        }
        if self.max_in_flight == 0 || self.max_request_bytes < 64 || self.retry.max_attempts == 0 {
            return bad(
                "max_in_flight, max_request_bytes (>= 64) and retry.max_attempts must be positive"
                    .into(),
            );
        }
        Ok(())
    }
}

/// The connector could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    #[error("invalid connector configuration: {0}")]
    Config(String),
    #[error("a connector task failed: {0}")]
    Task(String),
}

/// Counters of one route.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RouteStats {
    pub messages_received: u64,
    pub messages_deleted: u64,
    /// Left on the queue after a failure (redelivered later, or DLQ).
    pub messages_left: u64,
    /// Given back at shutdown (visibility set to 0).
    pub messages_released: u64,
    /// With [`ConnectorConfig::delete_on_receive`]: messages deleted whose processing then
    /// failed, their records lost (always 0 otherwise).
    pub messages_lost: u64,
    pub test_events: u64,
    /// Bodies that are no notification (left on the queue).
    pub invalid_messages: u64,
    /// Non-`ObjectCreated` records ignored.
    pub records_ignored: u64,
    /// Objects read to the end and fully ingested.
    pub objects: u64,
    /// Objects acknowledged without reading (digests, probes).
    pub objects_skipped: u64,
    pub malformed_objects: u64,
    /// Objects that failed for other reasons (S3 read, ingestion).
    pub failed_objects: u64,
    /// Rows accepted by the endpoint.
    pub records_ingested: u64,
    pub malformed_lines: u64,
    /// Values left out of their (ingested) rows, see [`super::Item::BadValue`].
    pub bad_values: u64,
    pub oversized_rows: u64,
    /// Requests accepted.
    pub batches: u64,
    pub retries: u64,
    pub failed_batches: u64,
    /// Stored object bytes read from S3.
    pub bytes_read: u64,
    pub bytes_decompressed: u64,
    /// Request body bytes accepted (uncompressed JSON).
    pub bytes_sent: u64,
    pub visibility_extensions: u64,
    /// `ReceiveMessage` calls answered (empty ones included).
    pub receive_calls: u64,
    pub receive_errors: u64,
    pub delete_errors: u64,
    /// `DeleteMessageBatch` calls made (retries included).
    pub delete_calls: u64,
    pub empty_receives: u64,
}

impl RouteStats {
    /// Adds `o` field by field. The destructuring names every field, so a new
    /// field is a compile error here until it is summed too.
    fn add(&mut self, o: &RouteStats) {
        let RouteStats {
            messages_received,
            messages_deleted,
            messages_left,
            messages_released,
            messages_lost,
            test_events,
            invalid_messages,
            records_ignored,
            objects,
            objects_skipped,
            malformed_objects,
            failed_objects,
            records_ingested,
            malformed_lines,
            bad_values,
            oversized_rows,
            batches,
            retries,
            failed_batches,
            bytes_read,
            bytes_decompressed,
            bytes_sent,
            visibility_extensions,
            receive_calls,
            receive_errors,
            delete_errors,
            delete_calls,
            empty_receives,
        } = o;
        self.messages_received += messages_received;
        self.messages_deleted += messages_deleted;
        self.messages_left += messages_left;
        self.messages_released += messages_released;
        self.messages_lost += messages_lost;
        self.test_events += test_events;
        self.invalid_messages += invalid_messages;
        self.records_ignored += records_ignored;
        self.objects += objects;
        self.objects_skipped += objects_skipped;
        self.malformed_objects += malformed_objects;
        self.failed_objects += failed_objects;
        self.records_ingested += records_ingested;
        self.malformed_lines += malformed_lines;
        self.bad_values += bad_values;
        self.oversized_rows += oversized_rows;
        self.batches += batches;
        self.retries += retries;
        self.failed_batches += failed_batches;
        self.bytes_read += bytes_read;
        self.bytes_decompressed += bytes_decompressed;
        self.bytes_sent += bytes_sent;
        self.visibility_extensions += visibility_extensions;
        self.receive_calls += receive_calls;
        self.receive_errors += receive_errors;
        self.delete_errors += delete_errors;
        self.delete_calls += delete_calls;
        self.empty_receives += empty_receives;
    }
}

/// What a run did, per route name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub routes: BTreeMap<String, RouteStats>,
}

impl Stats {
    /// Adds another run's counters, route by route (the rounds of one job).
    pub fn merge(&mut self, o: &Stats) {
        for (name, r) in &o.routes {
            self.routes.entry(name.clone()).or_default().add(r);
        }
    }

    /// The sum over all routes.
    pub fn total(&self) -> RouteStats {
        let mut t = RouteStats::default();
        for r in self.routes.values() {
            t.add(r);
        }
        t
    }
}

/// [`ConnectorConfig::log_line`]'s default: the line on stderr.
fn stderr_line(line: &dyn std::fmt::Display) {
    eprintln!("{line}");
}

/// A running connector's counters as they are now: give a clone to
/// [`ConnectorConfig::live`], read it from another task while the run goes on.
#[derive(Clone, Default)]
pub struct Live(Arc<std::sync::Mutex<Option<LiveInner>>>);

struct LiveInner {
    routes: Vec<(String, Arc<super::ctx::Counters>)>,
    in_flight: Arc<std::sync::atomic::AtomicUsize>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Live(..)")
    }
}

impl Live {
    pub(super) fn attach(
        &self,
        routes: Vec<(String, Arc<super::ctx::Counters>)>,
        in_flight: Arc<std::sync::atomic::AtomicUsize>,
    ) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(LiveInner { routes, in_flight });
    }

    /// Forgets the run it holds (so a finished run is not read as the current one).
    pub fn detach(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The counters of the run so far and the messages in flight now (`None` before a run
    /// started).
    pub fn snapshot(&self) -> Option<(Stats, usize)> {
        let g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let inner = g.as_ref()?;
        let stats = Stats {
            routes: inner
                .routes
                .iter()
                .map(|(n, c)| (n.clone(), c.snapshot()))
                .collect(),
        };
        Some((
            stats,
            inner.in_flight.load(std::sync::atomic::Ordering::Relaxed),
        ))
    }
}
