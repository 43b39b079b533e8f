//! What every task of a run shares ([`Ctx`]): the configuration, the route's
//! queue and object store, the sink, the counters and the stop signals; and
//! the guards a received message holds until it is settled ([`Heartbeat`],
//! [`Unsettled`]).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{watch, Semaphore};

use super::config::{ConnectorConfig, Route, RouteStats};
use super::ports::{CallError, Queue, QueueMessage, RoutePorts, Sink};

/// Live counters of a route.
#[derive(Default)]
pub(super) struct Counters {
    stats: Mutex<RouteStats>,
    pub(super) retries: AtomicU64,
}

impl Counters {
    pub(super) fn add(&self, f: impl FnOnce(&mut RouteStats)) {
        f(&mut self.stats.lock().expect("stats lock"));
    }
    pub(super) fn snapshot(&self) -> RouteStats {
        let mut s = self.stats.lock().expect("stats lock").clone();
        s.retries = self.retries.load(Ordering::Relaxed);
        s
    }
}

pub(super) struct Ctx {
    pub(super) config: ConnectorConfig,
    /// Each route's queue and object store (gated when the configuration has a gate), by
    /// route name.
    pub(super) ports: BTreeMap<String, RoutePorts>,
    pub(super) sink: Arc<dyn Sink>,
    pub(super) permits: Arc<Semaphore>,
    pub(super) counters: Vec<Arc<Counters>>,
    /// Consecutive empty receives per route.
    pub(super) empty_streaks: Mutex<Vec<u32>>,
    /// Messages received and not settled yet: being processed, or waiting
    /// for their delete to be sent and counted ([`Unsettled`]).
    pub(super) in_flight: Arc<AtomicUsize>,
    /// Soft stop: stop receiving.
    pub(super) stop: watch::Sender<bool>,
    /// Hard stop: abandon and release in-flight messages.
    pub(super) abandon: watch::Sender<bool>,
}

impl Ctx {
    pub(super) fn ports(&self, route: &Route) -> &RoutePorts {
        &self.ports[&route.name]
    }

    pub(super) fn log(&self, route: &Route, msg: impl std::fmt::Display) {
        if self.config.log {
            (self.config.log_line)(&format_args!("connector[{}]: {msg}", route.name));
        }
    }

    /// Counts an empty (or refused) receive towards
    /// [`ConnectorConfig::stop_after_empty_polls`]; `true` when it stopped the run.
    pub(super) fn empty_receive(&self, route: &Route, idx: usize) -> bool {
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

    pub(super) fn object_done(&self) {
        if let Some(n) = &self.config.objects_done {
            n.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts and reports a processed message that could not be deleted.
    pub(super) fn delete_failed(
        &self,
        route: &Route,
        counters: &Counters,
        message_id: &str,
        why: &str,
    ) {
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
pub(super) struct Heartbeat(tokio::task::JoinHandle<()>);

impl Heartbeat {
    /// `None` for a message without receipt handle.
    pub(super) fn start(ctx: &Ctx, idx: usize, m: &QueueMessage) -> Option<Self> {
        let receipt = m.receipt_handle.as_deref()?;
        let route = &ctx.config.routes[idx];
        Some(Heartbeat(tokio::spawn(heartbeat(
            Arc::clone(&ctx.ports(route).queue),
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

/// Extends the message's visibility every half timeout; stops when the queue
/// refuses the receipt handle (deleted, expired, or taken by another receive)
/// or a gate refuses the call.
async fn heartbeat(
    queue: Arc<dyn Queue>,
    queue_url: String,
    receipt: String,
    visibility: i32,
    limit: Duration,
    counters: Arc<Counters>,
) {
    let period = Duration::from_millis(u64::try_from(visibility).unwrap_or(1).max(1) * 500);
    loop {
        tokio::time::sleep(period).await;
        match call(
            limit,
            queue.change_visibility(&queue_url, &receipt, visibility),
        )
        .await
        {
            Ok(()) => counters.add(|s| s.visibility_extensions += 1),
            // ReceiptHandleIsInvalid, MessageNotInflight, AccessDenied...: nothing to keep.
            Err(e) if e.service => return,
            Err(_) => {}
        }
    }
}

/// One message counted in [`Ctx::in_flight`] until this is dropped.
pub(super) struct Unsettled(Arc<AtomicUsize>);

impl Unsettled {
    pub(super) fn new(n: &Arc<AtomicUsize>) -> Self {
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
pub(super) async fn until_true(mut rx: watch::Receiver<bool>) {
    if rx.wait_for(|v| *v).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Runs a queue or object-store call with a deadline; past it, the call got no answer.
pub(super) async fn call<T>(
    limit: Duration,
    f: impl Future<Output = Result<T, CallError>>,
) -> Result<T, CallError> {
    match tokio::time::timeout(limit, f).await {
        Ok(r) => r,
        Err(_) => Err(CallError::no_answer(format!("no answer within {limit:?}"))),
    }
}
