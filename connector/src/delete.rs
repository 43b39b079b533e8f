//! Batched deletion of processed messages: one deleter per route, sending
//! `DeleteMessageBatch` calls.
//!
//! A message whose rows were all accepted is handed to its route's deleter
//! ([`DeleteSender`]) and its in-flight slot is freed at once: the delete
//! does not hold back the next message. The deleter gathers up to
//! [`MAX_BATCH`] receipt handles and sends them in one call as soon as
//! [`MAX_BATCH`] are pending or [`ConnectorConfig::delete_linger`] after the
//! first of them arrived, when the poller asks ([`Deleter::flush`], after a
//! receive found the queue empty), and at once when the poller closes it
//! (drain or shutdown, [`Deleter::finish`]). Each call runs in its own task,
//! so a retry does not hold back later batches.
//!
//! Until the result of its delete was counted a message keeps its
//! [`Heartbeat`] (its visibility is still extended) and stays unsettled (its
//! [`Unsettled`] guard, counted in `Ctx::in_flight`), so a drained run does
//! not stop while deletes are pending, and `run` returns only after every
//! delete was sent and counted.
//!
//! Per entry of a call's answer:
//! * deleted: `messages_deleted` (only confirmed deletes count);
//! * refused for the request's own fault (`SenderFault`, e.g. an invalid or
//!   expired receipt handle), or the whole call refused by SQS: counted in
//!   `delete_errors` and `messages_left` and logged with the message id (SQS
//!   redelivers the message and its rows are ingested again);
//! * failed on SQS's side, not reported on, or the call got no answer:
//!   retried with the other such entries after 200 ms x attempt, up to
//!   [`MAX_ATTEMPTS`] calls; then counted and logged like a refusal.
//!
//! [`ConnectorConfig::delete_linger`]: super::ConnectorConfig::delete_linger

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use tokio::sync::mpsc;
use tokio::task::{JoinError, JoinHandle, JoinSet};

use super::ctx::{call, Ctx, Heartbeat, Unsettled};
use super::ports::{DeleteEntry, DeleteFailure};

/// Entries per `DeleteMessageBatch` call (the SQS limit).
pub const MAX_BATCH: usize = 10;

/// Calls per entry before a retryable failure counts as a failed delete.
pub const MAX_ATTEMPTS: u32 = 3;

/// A processed message waiting for its delete.
pub(super) struct PendingDelete {
    pub message_id: String,
    pub receipt: String,
    /// Keeps the message invisible until its delete was counted.
    pub _heartbeat: Option<Heartbeat>,
    /// Keeps the message counted as in flight until its delete was counted.
    pub _unsettled: Unsettled,
}

/// What the deleter is asked to do.
enum Request {
    Delete(PendingDelete),
    /// Send what is pending now.
    Flush,
}

/// Hands messages to a route's deleter.
#[derive(Clone)]
pub(super) struct DeleteSender(mpsc::UnboundedSender<Request>);

impl DeleteSender {
    /// Queues the message's delete; gives it back if the deleter is gone.
    pub fn delete(&self, m: PendingDelete) -> Result<(), PendingDelete> {
        self.0.send(Request::Delete(m)).map_err(|e| match e.0 {
            Request::Delete(m) => m,
            Request::Flush => unreachable!("a delete was sent"),
        })
    }
}

/// A route's deleter task.
pub(super) struct Deleter {
    tx: DeleteSender,
    task: JoinHandle<()>,
}

impl Deleter {
    /// Starts the deleter of route `idx`.
    pub fn spawn(ctx: Arc<Ctx>, idx: usize) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Deleter {
            tx: DeleteSender(tx),
            task: tokio::spawn(run_deleter(ctx, idx, rx)),
        }
    }

    /// Sends the pending deletes now instead of after the linger.
    pub fn flush(&self) {
        // A deleter that is gone has nothing pending.
        let _ = self.tx.0.send(Request::Flush);
    }

    /// A handle for one message task.
    pub fn sender(&self) -> DeleteSender {
        self.tx.clone()
    }

    /// Sends what is pending at once and returns when every delete handed
    /// over (through any [`Deleter::sender`], all of which must be dropped
    /// by then) was sent and counted.
    pub async fn finish(self) -> Result<(), JoinError> {
        drop(self.tx);
        self.task.await
    }
}

async fn run_deleter(ctx: Arc<Ctx>, idx: usize, mut rx: mpsc::UnboundedReceiver<Request>) {
    let mut gather = Gather::new(MAX_BATCH, ctx.config.delete_linger);
    let mut calls = JoinSet::new();
    let route = &ctx.config.routes[idx];
    loop {
        let due = gather.due_at();
        tokio::select! {
            r = rx.recv() => match r {
                Some(Request::Delete(m)) => {
                    if let Some(batch) = gather.push(m, Instant::now()) {
                        calls.spawn(delete_batch(Arc::clone(&ctx), idx, batch));
                    }
                }
                Some(Request::Flush) => {
                    let batch = gather.take();
                    if !batch.is_empty() {
                        calls.spawn(delete_batch(Arc::clone(&ctx), idx, batch));
                    }
                }
                None => break,
            },
            () = sleep_until(due), if due.is_some() => {
                calls.spawn(delete_batch(Arc::clone(&ctx), idx, gather.take()));
            }
            Some(r) = calls.join_next(), if !calls.is_empty() => {
                if let Err(e) = r {
                    ctx.log(route, format!("delete task failed: {e}"));
                }
            }
        }
    }
    let rest = gather.take();
    if !rest.is_empty() {
        calls.spawn(delete_batch(Arc::clone(&ctx), idx, rest));
    }
    while let Some(r) = calls.join_next().await {
        if let Err(e) = r {
            ctx.log(route, format!("delete task failed: {e}"));
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Deletes one batch (at most [`MAX_BATCH`]), retrying what may succeed later.
async fn delete_batch(ctx: Arc<Ctx>, idx: usize, mut batch: Vec<PendingDelete>) {
    let route = &ctx.config.routes[idx];
    let counters = &ctx.counters[idx];
    let mut attempt = 0u32;
    while !batch.is_empty() {
        attempt += 1;
        let entries = batch
            .iter()
            .enumerate()
            .map(|(i, m)| DeleteEntry {
                id: i.to_string(),
                receipt_handle: m.receipt.clone(),
            })
            .collect();
        counters.add(|s| s.delete_calls += 1);
        // A gate refuses the whole call here.
        let sent = call(
            ctx.config.aws_call_timeout,
            ctx.ports(route)
                .queue
                .delete_batch(&route.queue_url, entries),
        );
        let outcomes = match sent.await {
            Ok(out) => {
                let ok: Vec<&str> = out.successful.iter().map(String::as_str).collect();
                classify(batch.len(), &ok, &out.failed)
            }
            Err(e) if e.service => vec![Outcome::Refused(e.message); batch.len()],
            Err(e) => vec![Outcome::Retry(e.message); batch.len()],
        };
        let mut again = Vec::new();
        for (m, outcome) in batch.into_iter().zip(outcomes) {
            match outcome {
                Outcome::Deleted => counters.add(|s| s.messages_deleted += 1),
                Outcome::Retry(_) if attempt < MAX_ATTEMPTS => again.push(m),
                Outcome::Retry(why) | Outcome::Refused(why) => {
                    ctx.delete_failed(route, counters, &m.message_id, &why);
                }
            }
            // A settled message drops its guard here, after it was counted.
        }
        batch = again;
        if !batch.is_empty() {
            tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
        }
    }
}

/// What a `DeleteMessageBatch` answer means for one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Deleted,
    /// May succeed when sent again.
    Retry(String),
    /// Will not succeed: the message stays on the queue.
    Refused(String),
}

/// The outcome of entries `0..n` (each sent with its index as the batch
/// entry id) from the answer's successful ids and failed entries. An entry
/// the answer does not mention is retried; ids that name no entry are
/// ignored; a failure report wins over a success report for the same id.
fn classify(n: usize, successful: &[&str], failed: &[DeleteFailure]) -> Vec<Outcome> {
    let mut out =
        vec![Outcome::Retry("SQS did not report on this entry of DeleteMessageBatch".into()); n];
    let slot = |id: &str| id.parse::<usize>().ok().filter(|i| *i < n);
    for id in successful {
        if let Some(i) = slot(id) {
            out[i] = Outcome::Deleted;
        }
    }
    for f in failed {
        if let Some(i) = slot(&f.id) {
            let why = match &f.message {
                Some(m) => format!("{}: {m}", f.code),
                None => f.code.clone(),
            };
            out[i] = if f.sender_fault {
                Outcome::Refused(why)
            } else {
                Outcome::Retry(why)
            };
        }
    }
    out
}

/// Items waiting to be sent together: a batch is full at `max` items and
/// due `linger` after its first item arrived.
#[derive(Debug)]
struct Gather<T> {
    items: Vec<T>,
    first: Option<Instant>,
    max: usize,
    linger: Duration,
}

impl<T> Gather<T> {
    fn new(max: usize, linger: Duration) -> Self {
        Gather {
            items: Vec::with_capacity(max),
            first: None,
            max: max.max(1),
            linger,
        }
    }

    /// Adds an item that arrived at `now`; returns the batch when it is full.
    fn push(&mut self, item: T, now: Instant) -> Option<Vec<T>> {
        self.first.get_or_insert(now);
        self.items.push(item);
        (self.items.len() >= self.max).then(|| self.take())
    }

    /// When the pending items must be sent (`None`: nothing pending).
    fn due_at(&self) -> Option<Instant> {
        self.first.map(|t| t + self.linger)
    }

    /// Everything pending (possibly nothing); the next item starts a new batch.
    fn take(&mut self) -> Vec<T> {
        self.first = None;
        std::mem::replace(&mut self.items, Vec::with_capacity(self.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(id: &str, sender_fault: bool, code: &str, message: Option<&str>) -> DeleteFailure {
        DeleteFailure {
            id: id.into(),
            sender_fault,
            code: code.into(),
            message: message.map(str::to_string),
        }
    }

    #[test]
    fn gather_is_full_at_max() {
        let t0 = Instant::now();
        let mut g = Gather::new(MAX_BATCH, Duration::from_millis(50));
        for i in 0..9 {
            assert_eq!(g.push(i, t0 + Duration::from_millis(i)), None);
        }
        assert_eq!(
            g.push(9, t0 + Duration::from_millis(9)),
            Some((0..10).collect())
        );
        assert_eq!(g.due_at(), None, "nothing pending after a full batch");
        assert!(g.take().is_empty());
    }

    #[test]
    fn gather_is_due_linger_after_the_first_item() {
        let t0 = Instant::now();
        let linger = Duration::from_millis(50);
        let mut g = Gather::new(MAX_BATCH, linger);
        assert_eq!(g.due_at(), None);
        assert_eq!(g.push("a", t0), None);
        assert_eq!(g.push("b", t0 + Duration::from_millis(30)), None);
        assert_eq!(
            g.due_at(),
            Some(t0 + linger),
            "later items do not postpone it"
        );
        assert_eq!(g.take(), vec!["a", "b"]);
        assert_eq!(g.due_at(), None);
        let t1 = t0 + Duration::from_millis(70);
        assert_eq!(g.push("c", t1), None);
        assert_eq!(
            g.due_at(),
            Some(t1 + linger),
            "a new batch starts its own linger"
        );
    }

    #[test]
    fn gather_without_linger_is_due_at_once_and_max_one_sends_each() {
        let t0 = Instant::now();
        let mut g = Gather::new(MAX_BATCH, Duration::ZERO);
        g.push(1, t0);
        assert_eq!(g.due_at(), Some(t0));
        let mut one = Gather::new(1, Duration::from_secs(1));
        assert_eq!(one.push(1, t0), Some(vec![1]));
        let mut zero = Gather::new(0, Duration::from_secs(1));
        assert_eq!(zero.push(1, t0), Some(vec![1]), "max 0 behaves as 1");
    }

    #[test]
    fn classify_splits_successes_and_failures() {
        let out = classify(
            5,
            &["0", "3"],
            &[
                failed(
                    "1",
                    true,
                    "ReceiptHandleIsInvalid",
                    Some("The input receipt handle is invalid."),
                ),
                failed("2", false, "InternalError", None),
            ],
        );
        assert_eq!(
            out,
            vec![
                Outcome::Deleted,
                Outcome::Refused(
                    "ReceiptHandleIsInvalid: The input receipt handle is invalid.".into()
                ),
                Outcome::Retry("InternalError".into()),
                Outcome::Deleted,
                Outcome::Retry("SQS did not report on this entry of DeleteMessageBatch".into()),
            ]
        );
    }

    #[test]
    fn classify_ignores_unknown_ids_and_lets_failures_win() {
        let out = classify(
            2,
            &["0", "1", "2", "x", "-1"],
            &[
                failed("1", true, "InvalidParameterValue", None),
                failed("7", true, "X", None),
            ],
        );
        assert_eq!(
            out,
            vec![
                Outcome::Deleted,
                Outcome::Refused("InvalidParameterValue".into())
            ]
        );
        assert!(classify(0, &["0"], &[]).is_empty());
    }
}
