//! The connector: what Microsoft Sentinel's "Amazon Web Services S3"
//! connectors do with an S3 -> SQS notification queue, against a Logs
//! Ingestion endpoint.
//!
//! Per [`Route`] (queue, service, DCR stream): long-poll SQS, drop and delete
//! `s3:TestEvent`s, unwrap SNS envelopes, ignore non-`ObjectCreated` records,
//! stream each object from S3 through the service's parser
//! ([`parse::parse_reader`], the same code path as the `parse` subcommand),
//! batch the table rows under the API's size limit ([`batch`]) and POST them
//! ([`ingest`]). The message is deleted only after every batch of every object
//! it names was accepted; deletes are gathered per route into
//! `DeleteMessageBatch` calls (see [`delete`]).
//!
//! # Guarantees
//!
//! * **At least once.** Nothing is deleted on receive. A message whose
//!   notification cannot be read, whose object cannot be fetched or is
//!   malformed, or whose rows could not all be ingested is left on the queue;
//!   SQS redelivers it after the visibility timeout and, after the queue's
//!   `maxReceiveCount`, moves it to the dead-letter queue. A redelivered
//!   message is processed again from the start, so rows can be duplicated
//!   (no server-side dedup exists; the CloudTrail `eventID` / VPC key+line are
//!   the dedup keys).
//! * **No partial objects, up to a bound.** An object's batches are held back
//!   until the object has been decoded completely, up to
//!   [`ConnectorConfig::hold_back_bytes`] of request bodies; so a malformed
//!   object smaller than that (truncated gzip, not gzip, broken CloudTrail
//!   JSON) never sends a row. Larger objects stream their batches as they are
//!   parsed; if such an object turns out malformed at its end, the rows sent
//!   before stay sent and are repeated on redelivery.
//! * **Malformed records** inside a good object are reported (with their
//!   line, or `Records` index) and counted; the other records are ingested
//!   and the message is deleted. A **bad value** (one its column cannot hold,
//!   such as a CloudTrail `readOnly` of `"yes"`) is reported and counted the
//!   same way, and its row ingested without that column.
//! * A row whose JSON exceeds the request limit is reported and never sent
//!   (counted in `oversized_rows`); the rest of the object is ingested.
//! * **Visibility**: each receive sets [`ConnectorConfig::visibility_timeout_seconds`];
//!   from its receipt (also while it waits for a free in-flight slot) until
//!   it is deleted, left or released, a message's visibility is extended to
//!   that value again every half of it, or until the receipt handle is
//!   refused.
//! * **Shutdown**: when the shutdown signal turns `true`, no more messages
//!   are received; messages already being processed get
//!   [`ConnectorConfig::shutdown_grace`] to finish, then they are abandoned
//!   and released (visibility 0) for another consumer. Messages received but
//!   not started yet are released at once. Deletes already handed to a
//!   route's deleter are sent, and their results counted, before [`run`]
//!   returns.
//!
//! **Access** ([`gate`]): a [`Gate`] in [`ConnectorConfig::gate`] is asked before every
//! SQS and S3 call (and about the `kms:Decrypt` of an SSE-KMS object); a refusal is handled
//! exactly as AWS's AccessDenied answer. A refused receive also counts as an empty one for
//! [`ConnectorConfig::stop_after_empty_polls`], so a route that may not read its queue does
//! not keep the run going. [`ConnectorConfig::route_clients`] gives a route its own clients
//! (its own role session's credentials).
//!
//! CloudTrail digest files and CloudWatch Logs export probes
//! ([`parse::skip_reason`]) are acknowledged without being read; a digest
//! under any other key is recognised by its content
//! ([`parse::Document::CloudTrailDigest`]) and counted as skipped too.

pub mod batch;
pub mod cli;
mod delete;
pub mod gate;
pub mod ingest;
pub mod notify;
pub mod parse;
pub mod rows;

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_sqs::types::Message;
use bytes::{Buf, Bytes};
use serde::Serialize;
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

pub use batch::{Batch, Batcher, RowTooLarge, MAX_REQUEST_BYTES};
use catalogue::DataType;
use delete::{DeleteSender, Deleter, PendingDelete};
pub use gate::{Gate, GatedCall, RouteClients};
pub use ingest::{IngestClient, IngestTarget, RetryPolicy, SendError};
pub use notify::{Notification, S3Object};
pub use parse::{parse_reader, Item, LineError, ObjectError, ParseSummary, Position};

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
    /// Log events (errors, malformed data, decisions) to stderr (above the progress bars,
    /// see [`crate::progress::eprintln`]).
    pub log: bool,
    /// Counted up once per object done: read to its end and fully ingested, or acknowledged
    /// without reading (the sum of [`RouteStats::objects`] and [`RouteStats::objects_skipped`],
    /// over every route and every run given the same counter), for progress displays.
    pub objects_done: Option<Arc<AtomicU64>>,
    /// Asked before every SQS and S3 call (see [`gate`]); `None`: nothing is checked.
    pub gate: Option<Arc<dyn Gate>>,
    /// The clients of routes that run with their own credentials, by route name; the other
    /// routes use the clients given to [`run`].
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
            objects_done: None,
            gate: None,
            route_clients: BTreeMap::new(),
        }
    }

    fn validate(&self) -> Result<(), ConnectorError> {
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
    /// Values left out of their (ingested) rows, see [`Item::BadValue`].
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
    fn add(&mut self, o: &RouteStats) {
        macro_rules! sum {
            ($($f:ident),*) => { $( self.$f += o.$f; )* };
        }
        sum!(
            messages_received,
            messages_deleted,
            messages_left,
            messages_released,
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
            empty_receives
        );
    }
}

/// What a run did, per route name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub routes: BTreeMap<String, RouteStats>,
}

impl Stats {
    /// The sum over all routes.
    pub fn total(&self) -> RouteStats {
        let mut t = RouteStats::default();
        for r in self.routes.values() {
            t.add(r);
        }
        t
    }
}

/// Live counters of a route.
#[derive(Default)]
struct Counters {
    stats: Mutex<RouteStats>,
    retries: AtomicU64,
}

impl Counters {
    fn add(&self, f: impl FnOnce(&mut RouteStats)) {
        f(&mut self.stats.lock().expect("stats lock"));
    }
    fn snapshot(&self) -> RouteStats {
        let mut s = self.stats.lock().expect("stats lock").clone();
        s.retries = self.retries.load(Ordering::Relaxed);
        s
    }
}

struct Ctx {
    config: ConnectorConfig,
    /// Each route's clients, by route name.
    clients: BTreeMap<String, RouteClients>,
    ingest: IngestClient,
    permits: Arc<Semaphore>,
    counters: Vec<Arc<Counters>>,
    /// Consecutive empty receives per route.
    empty_streaks: Mutex<Vec<u32>>,
    /// Messages received and not settled yet: being processed, or waiting
    /// for their delete to be sent and counted ([`Unsettled`]).
    in_flight: Arc<AtomicUsize>,
    /// Soft stop: stop receiving.
    stop: watch::Sender<bool>,
    /// Hard stop: abandon and release in-flight messages.
    abandon: watch::Sender<bool>,
}

impl Ctx {
    fn clients(&self, route: &Route) -> &RouteClients {
        &self.clients[&route.name]
    }

    /// Asks the gate, if any, about `call`; a refusal is the error an AccessDenied answer
    /// of the service would be.
    fn gate(&self, route: &Route, call: GatedCall<'_>) -> Result<(), CallError> {
        match &self.config.gate {
            Some(g) => g.check(&route.name, call).map_err(|message| CallError {
                service: true,
                access_denied: true,
                message: format!("service error: AccessDenied: {message}"),
            }),
            None => Ok(()),
        }
    }

    fn log(&self, route: &Route, msg: impl std::fmt::Display) {
        if self.config.log {
            crate::progress::eprintln(format_args!("connector[{}]: {msg}", route.name));
        }
    }

    /// Counts an empty (or refused) receive towards
    /// [`ConnectorConfig::stop_after_empty_polls`]; `true` when it stopped the run.
    fn empty_receive(&self, route: &Route, idx: usize) -> bool {
        let Some(n) = self.config.stop_after_empty_polls else {
            return false;
        };
        let mut streaks = self.empty_streaks.lock().expect("streak lock");
        streaks[idx] = streaks[idx].saturating_add(1);
        if streaks.iter().all(|s| *s >= n) && self.in_flight.load(Ordering::SeqCst) == 0 {
            self.log(
                route,
                format!(
                    "every queue was empty (or refused) for {n} consecutive receives: stopping"
                ),
            );
            self.stop.send_replace(true);
            return true;
        }
        false
    }

    fn object_done(&self) {
        if let Some(n) = &self.config.objects_done {
            n.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts and reports a processed message that could not be deleted.
    fn delete_failed(&self, route: &Route, counters: &Counters, message_id: &str, why: &str) {
        counters.add(|s| {
            s.delete_errors += 1;
            s.messages_left += 1;
        });
        self.log(
            route,
            format!(
                "deleting message {message_id} failed (it will be redelivered, rows duplicated): {why}"
            ),
        );
    }
}

/// Keeps a received message invisible to other consumers ([`heartbeat`])
/// until dropped.
struct Heartbeat(tokio::task::JoinHandle<()>);

impl Heartbeat {
    /// `None` for a message without receipt handle.
    fn start(ctx: &Ctx, idx: usize, m: &Message) -> Option<Self> {
        let receipt = m.receipt_handle()?;
        let route = &ctx.config.routes[idx];
        Some(Heartbeat(tokio::spawn(heartbeat(
            ctx.clients(route).sqs.clone(),
            ctx.config.gate.clone().map(|g| (g, route.name.clone())),
            route.queue_url.clone(),
            receipt.to_string(),
            ctx.config.visibility_timeout_seconds,
            ctx.config.aws_call_timeout,
            Arc::clone(&ctx.counters[idx]),
        ))))
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One message counted in [`Ctx::in_flight`] until this is dropped.
struct Unsettled(Arc<AtomicUsize>);

impl Unsettled {
    fn new(n: &Arc<AtomicUsize>) -> Self {
        n.fetch_add(1, Ordering::SeqCst);
        Unsettled(Arc::clone(n))
    }
}

impl Drop for Unsettled {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Resolves when `rx` holds `true`; never if its sender is dropped first.
async fn until_true(mut rx: watch::Receiver<bool>) {
    if rx.wait_for(|v| *v).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Runs the connector until `shutdown` turns `true` (or, with
/// [`ConnectorConfig::stop_after_empty_polls`], until the queues are
/// drained) and returns the counters of every route.
pub async fn run(
    config: &ConnectorConfig,
    s3: &aws_sdk_s3::Client,
    sqs: &aws_sdk_sqs::Client,
    shutdown: watch::Receiver<bool>,
) -> Result<Stats, ConnectorError> {
    config.validate()?;
    let (stop, _) = watch::channel(false);
    let (abandon, _) = watch::channel(false);
    let clients = config
        .routes
        .iter()
        .map(|r| {
            let c = config
                .route_clients
                .get(&r.name)
                .cloned()
                .unwrap_or_else(|| RouteClients {
                    s3: s3.clone(),
                    sqs: sqs.clone(),
                });
            (r.name.clone(), c)
        })
        .collect();
    let ctx = Arc::new(Ctx {
        config: config.clone(),
        clients,
        ingest: IngestClient::new(config.target.clone(), config.retry.clone()),
        permits: Arc::new(Semaphore::new(config.max_in_flight)),
        counters: config
            .routes
            .iter()
            .map(|_| Arc::new(Counters::default()))
            .collect(),
        empty_streaks: Mutex::new(vec![0; config.routes.len()]),
        in_flight: Arc::new(AtomicUsize::new(0)),
        stop,
        abandon,
    });
    let mut pollers = JoinSet::new();
    for i in 0..config.routes.len() {
        pollers.spawn(poll_route(Arc::clone(&ctx), i));
    }
    // External shutdown -> soft stop; after the grace period -> abandon.
    let watcher = {
        let ctx = Arc::clone(&ctx);
        let stop_rx = ctx.stop.subscribe();
        tokio::spawn(async move {
            tokio::select! {
                () = until_true(shutdown) => { ctx.stop.send_replace(true); }
                () = until_true(stop_rx) => {}
            }
            tokio::time::sleep(ctx.config.shutdown_grace).await;
            ctx.abandon.send_replace(true);
        })
    };
    let mut failure = None;
    while let Some(r) = pollers.join_next().await {
        if let Err(e) = r {
            failure.get_or_insert(e.to_string());
            ctx.stop.send_replace(true);
        }
    }
    watcher.abort();
    let stats = Stats {
        routes: config
            .routes
            .iter()
            .zip(&ctx.counters)
            .map(|(r, c)| (r.name.clone(), c.snapshot()))
            .collect(),
    };
    match failure {
        Some(e) => Err(ConnectorError::Task(e)),
        None => Ok(stats),
    }
}

async fn poll_route(ctx: Arc<Ctx>, idx: usize) {
    let route = &ctx.config.routes[idx];
    let counters = Arc::clone(&ctx.counters[idx]);
    let deleter = Deleter::spawn(Arc::clone(&ctx), idx);
    let mut handlers = JoinSet::new();
    let mut receive_failures = 0u32;
    'poll: loop {
        while let Some(r) = handlers.try_join_next() {
            if let Err(e) = r {
                ctx.log(route, format!("message task failed: {e}"));
            }
        }
        if *ctx.stop.borrow() {
            break;
        }
        // A full receive even when few slots are free: one call per
        // `max_messages` messages, and received messages are ready when a
        // slot frees up (their heartbeat runs from receipt).
        let wait = Duration::from_secs(u64::try_from(ctx.config.wait_time_seconds).unwrap_or(0));
        let sqs = &ctx.clients(route).sqs;
        let receive = async {
            ctx.gate(
                route,
                GatedCall::ReceiveMessage {
                    queue_url: &route.queue_url,
                },
            )?;
            call(
                wait + ctx.config.aws_call_timeout,
                sqs.receive_message()
                    .queue_url(&route.queue_url)
                    .max_number_of_messages(ctx.config.max_messages)
                    .wait_time_seconds(ctx.config.wait_time_seconds)
                    .visibility_timeout(ctx.config.visibility_timeout_seconds)
                    .send(),
            )
            .await
        };
        let result = tokio::select! {
            r = receive => r,
            () = until_true(ctx.stop.subscribe()) => break,
        };
        let messages = match result {
            Ok(out) => {
                receive_failures = 0;
                counters.add(|s| s.receive_calls += 1);
                out.messages.unwrap_or_default()
            }
            Err(e) => {
                counters.add(|s| s.receive_errors += 1);
                receive_failures += 1;
                ctx.log(
                    route,
                    format!("receive from {} failed: {}", route.queue_url, e.message),
                );
                // A refused receive will not bring messages until the policy changes: for
                // stopping, it counts as an empty one (the back-off still applies).
                if e.access_denied && ctx.empty_receive(route, idx) {
                    break;
                }
                let delay = ingest::backoff(
                    &RetryPolicy {
                        base_delay: Duration::from_millis(500),
                        max_delay: Duration::from_secs(30),
                        ..RetryPolicy::default()
                    },
                    receive_failures,
                );
                tokio::select! {
                    () = tokio::time::sleep(delay) => continue,
                    () = until_true(ctx.stop.subscribe()) => break,
                }
            }
        };
        if messages.is_empty() {
            counters.add(|s| s.empty_receives += 1);
            // No message will join the pending deletes soon.
            deleter.flush();
            ctx.empty_receive(route, idx);
            continue;
        }
        ctx.empty_streaks.lock().expect("streak lock")[idx] = 0;
        counters.add(|s| s.messages_received += messages.len() as u64);
        let received: Vec<_> = messages
            .into_iter()
            .map(|m| {
                let hb = Heartbeat::start(&ctx, idx, &m);
                (m, hb)
            })
            .collect();
        let mut pending = received.into_iter();
        while let Some((m, hb)) = pending.next() {
            let permit = tokio::select! {
                p = Arc::clone(&ctx.permits).acquire_owned() => p.expect("semaphore never closed"),
                () = until_true(ctx.stop.subscribe()) => {
                    for (m, hb) in std::iter::once((m, hb)).chain(pending) {
                        drop(hb);
                        release(&ctx, route, &counters, &m).await;
                    }
                    break 'poll;
                }
            };
            let unsettled = Unsettled::new(&ctx.in_flight);
            let (ctx2, deletes) = (Arc::clone(&ctx), deleter.sender());
            handlers.spawn(async move {
                handle_message(&ctx2, idx, m, hb, permit, unsettled, &deletes).await;
            });
        }
    }
    while let Some(r) = handlers.join_next().await {
        if let Err(e) = r {
            ctx.log(route, format!("message task failed: {e}"));
        }
    }
    // Every sender is gone with the handlers: send what is pending, count it.
    if let Err(e) = deleter.finish().await {
        ctx.log(route, format!("delete task failed: {e}"));
    }
}

/// Gives a message back to the queue at once (visibility 0).
async fn release(ctx: &Ctx, route: &Route, counters: &Counters, m: &Message) {
    let Some(receipt) = m.receipt_handle() else {
        return;
    };
    let released = async {
        ctx.gate(
            route,
            GatedCall::ChangeMessageVisibility {
                queue_url: &route.queue_url,
            },
        )?;
        call(
            ctx.config.aws_call_timeout,
            ctx.clients(route)
                .sqs
                .change_message_visibility()
                .queue_url(&route.queue_url)
                .receipt_handle(receipt)
                .visibility_timeout(0)
                .send(),
        )
        .await
    };
    match released.await {
        Ok(_) => counters.add(|s| s.messages_released += 1),
        Err(e) => {
            counters.add(|s| s.messages_left += 1);
            ctx.log(
                route,
                format!(
                    "releasing message {} failed (it returns after its visibility timeout): {}",
                    m.message_id().unwrap_or("?"),
                    e.message
                ),
            );
        }
    }
}

/// An AWS call that failed or did not answer in time.
struct CallError {
    /// The service answered with an error (as opposed to no answer).
    service: bool,
    /// The answer was AccessDenied (from the service, or from the [`Gate`]).
    access_denied: bool,
    message: String,
}

/// Runs an SDK call with a deadline.
async fn call<T, E, R>(
    limit: Duration,
    f: impl std::future::Future<Output = Result<T, aws_sdk_sqs::error::SdkError<E, R>>>,
) -> Result<T, CallError>
where
    E: std::error::Error + aws_sdk_sqs::error::ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    match tokio::time::timeout(limit, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(CallError {
            service: e.as_service_error().is_some(),
            access_denied: e
                .as_service_error()
                .and_then(|s| s.code())
                .is_some_and(|c| matches!(c, "AccessDenied" | "AccessDeniedException")),
            message: aws_sdk_sqs::error::DisplayErrorContext(&e).to_string(),
        }),
        Err(_) => Err(CallError {
            service: false,
            access_denied: false,
            message: format!("no answer within {limit:?}"),
        }),
    }
}

/// What to do with a processed message.
enum Disposition {
    Delete,
    Leave,
}

/// Processes one message. `heartbeat` has kept it invisible since its
/// receipt and goes on until it is deleted, left or released, which
/// `unsettled` counts until then; `permit` is its in-flight slot, freed
/// once the message is handed to the deleter (or at the end).
async fn handle_message(
    ctx: &Ctx,
    idx: usize,
    m: Message,
    heartbeat: Option<Heartbeat>,
    permit: OwnedSemaphorePermit,
    unsettled: Unsettled,
    deletes: &DeleteSender,
) {
    let route = &ctx.config.routes[idx];
    let counters = &ctx.counters[idx];
    let (Some(receipt), Some(body)) = (m.receipt_handle(), m.body()) else {
        ctx.log(route, "message without receipt handle or body: left");
        counters.add(|s| s.messages_left += 1);
        return;
    };
    let outcome = tokio::select! {
        d = process_message(ctx, route, counters, body) => Some(d),
        () = until_true(ctx.abandon.subscribe()) => None,
    };
    match outcome {
        Some(Disposition::Delete) => {
            let pending = PendingDelete {
                message_id: m.message_id().unwrap_or("?").to_string(),
                receipt: receipt.to_string(),
                _heartbeat: heartbeat,
                _unsettled: unsettled,
            };
            if let Err(p) = deletes.delete(pending) {
                ctx.delete_failed(
                    route,
                    counters,
                    &p.message_id,
                    "the route's deleter stopped",
                );
            }
            // The delete does not occupy an in-flight slot.
            drop(permit);
        }
        Some(Disposition::Leave) => {
            drop(heartbeat);
            counters.add(|s| s.messages_left += 1);
        }
        None => {
            drop(heartbeat);
            ctx.log(
                route,
                format!(
                    "shutdown: releasing unfinished message {}",
                    m.message_id().unwrap_or("?")
                ),
            );
            release(ctx, route, counters, &m).await;
        }
    }
}

/// Extends the message's visibility every half timeout; stops when SQS
/// refuses the receipt handle (deleted, expired, or taken by another receive).
async fn heartbeat(
    sqs: aws_sdk_sqs::Client,
    gate: Option<(Arc<dyn Gate>, String)>,
    queue_url: String,
    receipt: String,
    visibility: i32,
    limit: Duration,
    counters: Arc<Counters>,
) {
    let period = Duration::from_millis(u64::try_from(visibility).unwrap_or(1).max(1) * 500);
    loop {
        tokio::time::sleep(period).await;
        if let Some((g, route)) = &gate {
            // Refused like ReceiptHandleIsInvalid below: the extension cannot succeed.
            if g.check(
                route,
                GatedCall::ChangeMessageVisibility {
                    queue_url: &queue_url,
                },
            )
            .is_err()
            {
                return;
            }
        }
        match call(
            limit,
            sqs.change_message_visibility()
                .queue_url(&queue_url)
                .receipt_handle(&receipt)
                .visibility_timeout(visibility)
                .send(),
        )
        .await
        {
            Ok(_) => counters.add(|s| s.visibility_extensions += 1),
            // ReceiptHandleIsInvalid, MessageNotInflight, ...: nothing to keep.
            Err(e) if e.service => return,
            Err(_) => {}
        }
    }
}

async fn process_message(ctx: &Ctx, route: &Route, counters: &Counters, body: &str) -> Disposition {
    let objects = match notify::parse_body(body) {
        Ok(Notification::TestEvent) => {
            counters.add(|s| s.test_events += 1);
            return Disposition::Delete;
        }
        Ok(Notification::Objects { objects, ignored }) => {
            counters.add(|s| s.records_ignored += ignored as u64);
            objects
        }
        Err(e) => {
            counters.add(|s| s.invalid_messages += 1);
            let head: String = body.chars().take(200).collect();
            ctx.log(route, format!("{e}; message left on the queue: {head}"));
            return Disposition::Leave;
        }
    };
    for o in &objects {
        if let Err(f) = process_object(ctx, route, counters, o).await {
            let url = format!("s3://{}/{}", o.bucket, o.key);
            match f {
                ObjectFailure::Malformed(e) => {
                    counters.add(|s| s.malformed_objects += 1);
                    ctx.log(route, format!("{url}: malformed object: {e}; message left on the queue (dead-letter queue after maxReceiveCount)"));
                }
                other => {
                    counters.add(|s| s.failed_objects += 1);
                    ctx.log(
                        route,
                        format!("{url}: {other}; message left on the queue for redelivery"),
                    );
                }
            }
            return Disposition::Leave;
        }
    }
    Disposition::Delete
}

/// Why an object was not fully ingested.
#[derive(Debug, thiserror::Error)]
enum ObjectFailure {
    #[error("GetObject failed: {0}")]
    Fetch(String),
    #[error("{0}")]
    Malformed(ObjectError),
    #[error("reading the object failed: {0}")]
    Read(ObjectError),
    #[error("ingestion failed: {0}")]
    Ingest(SendError),
    #[error("parser task failed: {0}")]
    Task(String),
}

/// One piece of the S3 body on its way to the parser.
enum Chunk {
    Data(Bytes),
    End,
    Err(io::Error),
}

/// A blocking [`Read`] over chunks sent from an async task.
struct ChannelReader {
    rx: mpsc::Receiver<Chunk>,
    current: Bytes,
    done: bool,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            if self.done {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Chunk::Data(b)) => self.current = b,
                Some(Chunk::End) => self.done = true,
                Some(Chunk::Err(e)) => return Err(parse::source_error(e)),
                None => {
                    return Err(parse::source_error(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the S3 body stream stopped early",
                    )))
                }
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current.advance(n);
        Ok(n)
    }
}

/// Result of the blocking parse task.
struct ParseOutcome {
    result: Result<ParseSummary, ObjectError>,
    malformed: Vec<LineError>,
    bad_values: Vec<LineError>,
    oversized: Vec<(Position, RowTooLarge)>,
}

/// Malformed records, and apart bad values, logged per object (all are counted).
const MAX_LOGGED_MALFORMED: usize = 20;

async fn process_object(
    ctx: &Ctx,
    route: &Route,
    counters: &Counters,
    o: &S3Object,
) -> Result<(), ObjectFailure> {
    let url = format!("s3://{}/{}", o.bucket, o.key);
    if let Some(why) = parse::skip_reason(route.service, &o.key) {
        counters.add(|s| s.objects_skipped += 1);
        ctx.object_done();
        ctx.log(route, format!("{url}: skipped ({why})"));
        return Ok(());
    }
    let limit = ctx.config.aws_call_timeout;
    let object = GatedCall::GetObject {
        bucket: &o.bucket,
        key: &o.key,
    };
    ctx.gate(route, object)
        .map_err(|e| ObjectFailure::Fetch(e.message))?;
    let resp = call(
        limit,
        ctx.clients(route)
            .s3
            .get_object()
            .bucket(&o.bucket)
            .key(&o.key)
            .send(),
    )
    .await
    .map_err(|e| ObjectFailure::Fetch(e.message))?;
    // S3 decrypts an SSE-KMS object with KMS as the caller: refused, S3 answers AccessDenied
    // instead of the body.
    if resp.server_side_encryption() == Some(&aws_sdk_s3::types::ServerSideEncryption::AwsKms) {
        let key_id = resp.ssekms_key_id().unwrap_or_default();
        let decrypt = GatedCall::Decrypt {
            bucket: &o.bucket,
            key: &o.key,
            key_id,
        };
        ctx.gate(route, decrypt)
            .map_err(|e| ObjectFailure::Fetch(e.message))?;
    }
    let mut body = resp.body;
    let (chunk_tx, chunk_rx) = mpsc::channel::<Chunk>(4);
    let reader = tokio::spawn(async move {
        loop {
            let chunk = match tokio::time::timeout(limit, body.try_next()).await {
                Ok(Ok(Some(b))) => Chunk::Data(b),
                Ok(Ok(None)) => Chunk::End,
                Ok(Err(e)) => Chunk::Err(io::Error::other(e)),
                Err(_) => Chunk::Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no data from the S3 body within {limit:?}"),
                )),
            };
            let last = !matches!(chunk, Chunk::Data(_));
            if chunk_tx.send(chunk).await.is_err() || last {
                return;
            }
        }
    });
    let (batch_tx, mut batch_rx) = mpsc::channel::<Batch>(2);
    let service = route.service;
    let key = o.key.clone();
    let limit = ctx.config.max_request_bytes;
    let parser = tokio::task::spawn_blocking(move || {
        let input = ChannelReader {
            rx: chunk_rx,
            current: Bytes::new(),
            done: false,
        };
        let mut batcher = Batcher::new(limit);
        let mut malformed = Vec::new();
        let mut bad_values = Vec::new();
        let mut oversized = Vec::new();
        let mut result = parse_reader(service, Some(&key), input, &mut |item| match item {
            Item::Row(pos, row) => match batcher.push(row) {
                Ok(Some(full)) => {
                    if batch_tx.blocking_send(full).is_err() {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                }
                Ok(None) => ControlFlow::Continue(()),
                Err(e) => {
                    oversized.push((pos, e));
                    ControlFlow::Continue(())
                }
            },
            Item::Malformed(e) => {
                malformed.push(e);
                ControlFlow::Continue(())
            }
            Item::BadValue(e) => {
                bad_values.push(e);
                ControlFlow::Continue(())
            }
        });
        if let (Ok(_), Some(last)) = (&result, batcher.take()) {
            if batch_tx.blocking_send(last).is_err() {
                result = Err(ObjectError::Stopped);
            }
        }
        ParseOutcome {
            result,
            malformed,
            bad_values,
            oversized,
        }
    });

    // Hold batches back until the object decoded, up to `hold_back_bytes`.
    let mut held: Vec<Batch> = Vec::new();
    let mut held_bytes = 0usize;
    let mut streaming = false;
    let mut send_error = None;
    while let Some(b) = batch_rx.recv().await {
        if !streaming {
            held_bytes += b.body.len();
            held.push(b);
            if held_bytes <= ctx.config.hold_back_bytes {
                continue;
            }
            streaming = true;
        } else {
            held.push(b);
        }
        for b in held.drain(..) {
            if let Err(e) = send_batch(ctx, route, counters, b).await {
                send_error = Some(e);
                break;
            }
        }
        if send_error.is_some() {
            break;
        }
    }
    drop(batch_rx);
    let outcome = parser.await;
    reader.abort();
    let outcome = outcome.map_err(|e| ObjectFailure::Task(e.to_string()))?;
    let n_malformed = outcome.malformed.len() as u64;
    for e in outcome.malformed.iter().take(MAX_LOGGED_MALFORMED) {
        ctx.log(route, format!("{url}: malformed record, {e}"));
    }
    if outcome.malformed.len() > MAX_LOGGED_MALFORMED {
        ctx.log(
            route,
            format!(
                "{url}: {} more malformed records",
                outcome.malformed.len() - MAX_LOGGED_MALFORMED
            ),
        );
    }
    for e in outcome.bad_values.iter().take(MAX_LOGGED_MALFORMED) {
        ctx.log(route, format!("{url}: bad value, {e}"));
    }
    if outcome.bad_values.len() > MAX_LOGGED_MALFORMED {
        ctx.log(
            route,
            format!(
                "{url}: {} more bad values",
                outcome.bad_values.len() - MAX_LOGGED_MALFORMED
            ),
        );
    }
    let n_bad_values = outcome.bad_values.len() as u64;
    for (pos, e) in &outcome.oversized {
        ctx.log(route, format!("{url}: {pos}: {e}; row not sent"));
    }
    let n_oversized = outcome.oversized.len() as u64;
    if let Some(e) = send_error {
        return Err(ObjectFailure::Ingest(e));
    }
    let summary = match outcome.result {
        Ok(s) => s,
        Err(e) => {
            if streaming {
                ctx.log(route, format!("{url}: rows of this object were already sent before the error; redelivery repeats them"));
            }
            return Err(if e.is_retryable() {
                ObjectFailure::Read(e)
            } else {
                ObjectFailure::Malformed(e)
            });
        }
    };
    for b in held {
        send_batch(ctx, route, counters, b)
            .await
            .map_err(ObjectFailure::Ingest)?;
    }
    if summary.document == parse::Document::CloudTrailDigest {
        counters.add(|s| {
            s.objects_skipped += 1;
            s.bytes_read += summary.stored_bytes;
            s.bytes_decompressed += summary.decompressed_bytes;
        });
        ctx.object_done();
        ctx.log(
            route,
            format!("{url}: skipped (CloudTrail digest file, recognised by its content)"),
        );
        return Ok(());
    }
    counters.add(|s| {
        s.objects += 1;
        s.malformed_lines += n_malformed;
        s.bad_values += n_bad_values;
        s.oversized_rows += n_oversized;
        s.bytes_read += summary.stored_bytes;
        s.bytes_decompressed += summary.decompressed_bytes;
    });
    ctx.object_done();
    Ok(())
}

async fn send_batch(
    ctx: &Ctx,
    route: &Route,
    counters: &Counters,
    b: Batch,
) -> Result<(), SendError> {
    let (rows, bytes) = (b.rows, b.body.len() as u64);
    match ctx
        .ingest
        .send(&route.stream, b.body, &counters.retries)
        .await
    {
        Ok(()) => {
            counters.add(|s| {
                s.batches += 1;
                s.records_ingested += rows;
                s.bytes_sent += bytes;
            });
            Ok(())
        }
        Err(e) => {
            counters.add(|s| s.failed_batches += 1);
            Err(e)
        }
    }
}
