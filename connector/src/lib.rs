//! The connector: what Microsoft Sentinel's "Amazon Web Services S3"
//! connectors do with an S3 -> SQS notification queue, against a Logs
//! Ingestion endpoint.
//!
//! Per [`Route`] (queue, service, DCR stream): long-poll SQS, drop and delete
//! `s3:TestEvent`s, unwrap SNS envelopes, ignore non-`ObjectCreated` records,
//! stream each object from S3 through the service's parser
//! ([`parse::parse_reader`], the same code path as the `parse` subcommand),
//! batch the table rows under the API's size limit ([`batch`]) and POST them
//! ([`sink`]). The message is deleted only after every batch of every object
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
//!
//! # Structure
//!
//! The connector talks to the world only through [`ports`]: a [`Queue`], [`Objects`] and
//! a [`Sink`]. [`run`] runs it over the AWS SDK's clients ([`aws`]) and the Logs Ingestion
//! client ([`sink::IngestClient`]); [`run_with`] over any implementations, such as the
//! in-memory ones of [`fake`], against which the guarantees above are tested (deletes
//! only after every batch, no partial small objects, retries, visibility, shutdown, the
//! dead-letter queue, batched deletes, malformed records and oversized rows, the gate).
//! [`config`] holds what shapes a run and what it reports, [`poll`] a route's poller and
//! what happens to each message, [`object`] one object from fetch to its last batch,
//! [`delete`] the batched deletes.

pub mod auth;
pub mod aws;
pub mod batch;
mod config;
mod ctx;
mod delete;
pub mod fake;
pub mod gate;
pub mod http;
pub mod notify;
mod object;
pub mod parse;
mod poll;
pub mod ports;
pub mod rows;
pub mod sink;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

pub use auth::{ClientSecret, Credential};
pub use batch::{Batch, Batcher, RowTooLarge, MAX_REQUEST_BYTES};
pub use config::{ConnectorConfig, ConnectorError, Live, Route, RouteStats, Stats};
use ctx::{until_true, Counters, Ctx};
pub use gate::{Gate, GatedCall, GatedObjects, GatedQueue, RouteClients};
pub use notify::{Notification, S3Object};
pub use parse::{parse_reader, Item, LineError, ObjectError, ParseSummary, Position};
pub use ports::{Objects, Ports, Queue, RoutePorts, Sink};
pub use sink::{IngestClient, IngestTarget, RetryPolicy, SendError};

impl RoutePorts {
    /// A route's ports over its SDK clients.
    pub fn aws(clients: &RouteClients) -> Self {
        RoutePorts {
            queue: Arc::new(aws::SqsQueue(clients.sqs.clone())),
            objects: Arc::new(aws::S3Objects(clients.s3.clone())),
        }
    }
}

/// Runs the connector over the AWS SDK's clients until `shutdown` turns `true` (or, with
/// [`ConnectorConfig::stop_after_empty_polls`], until the queues are drained) and returns
/// the counters of every route. Routes named in [`ConnectorConfig::route_clients`] use
/// their own clients, the others `s3` and `sqs`; rows go to [`ConnectorConfig::target`].
pub async fn run(
    config: &ConnectorConfig,
    s3: &aws_sdk_s3::Client,
    sqs: &aws_sdk_sqs::Client,
    shutdown: watch::Receiver<bool>,
) -> Result<Stats, ConnectorError> {
    let ports = Ports {
        default: RoutePorts::aws(&RouteClients {
            s3: s3.clone(),
            sqs: sqs.clone(),
        }),
        by_route: config
            .route_clients
            .iter()
            .map(|(name, c)| (name.clone(), RoutePorts::aws(c)))
            .collect(),
        sink: Arc::new(
            IngestClient::new(config.target.clone())
                .map_err(|e| ConnectorError::Config(format!("the ingestion target: {e}")))?,
        ),
    };
    run_with(config, ports, shutdown).await
}

/// [`run`] over any queue, object store and sink ([`ConnectorConfig::route_clients`] and
/// [`ConnectorConfig::target`] are not used; [`ConnectorConfig::gate`], when set, is asked
/// before every call to `ports`).
pub async fn run_with(
    config: &ConnectorConfig,
    ports: Ports,
    shutdown: watch::Receiver<bool>,
) -> Result<Stats, ConnectorError> {
    config.validate()?;
    let (stop, _) = watch::channel(false);
    let (abandon, _) = watch::channel(false);
    let route_ports = config
        .routes
        .iter()
        .map(|r| {
            let p = ports
                .by_route
                .get(&r.name)
                .unwrap_or(&ports.default)
                .clone();
            let p = match &config.gate {
                Some(gate) => RoutePorts {
                    queue: Arc::new(GatedQueue {
                        inner: p.queue,
                        gate: Arc::clone(gate),
                        route: r.name.clone(),
                    }),
                    objects: Arc::new(GatedObjects {
                        inner: p.objects,
                        gate: Arc::clone(gate),
                        route: r.name.clone(),
                    }),
                },
                None => p,
            };
            (r.name.clone(), p)
        })
        .collect::<BTreeMap<_, _>>();
    let ctx = Arc::new(Ctx {
        config: config.clone(),
        ports: route_ports,
        sink: ports.sink,
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
    if let Some(live) = &config.live {
        live.attach(
            config
                .routes
                .iter()
                .map(|r| r.name.clone())
                .zip(ctx.counters.iter().cloned())
                .collect(),
            Arc::clone(&ctx.in_flight),
        );
    }
    let mut pollers = JoinSet::new();
    for i in 0..config.routes.len() {
        pollers.spawn(poll::poll_route(Arc::clone(&ctx), i));
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
