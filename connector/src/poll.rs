//! A route's poller: receive, hand each message to its task, and settle it:
//! delete (through the route's deleter), leave, or release.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OwnedSemaphorePermit;
use tokio::task::JoinSet;

use super::config::Route;
use super::ctx::{call, until_true, Counters, Ctx, Heartbeat, Unsettled};
use super::delete::{DeleteSender, Deleter, PendingDelete};
use super::notify::{self, Notification};
use super::object::{process_object, ObjectFailure};
use super::ports::{QueueMessage, ReceiveRequest};
use super::sink::{backoff, RetryPolicy};

pub(super) async fn poll_route(ctx: Arc<Ctx>, idx: usize) {
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
        let queue = &ctx.ports(route).queue;
        let request = ReceiveRequest {
            max_messages: ctx.config.max_messages,
            wait_seconds: ctx.config.wait_time_seconds,
            visibility_seconds: ctx.config.visibility_timeout_seconds,
        };
        let receive = call(
            wait + ctx.config.aws_call_timeout,
            queue.receive(&route.queue_url, request),
        );
        let result = tokio::select! {
            r = receive => r,
            () = until_true(ctx.stop.subscribe()) => break,
        };
        let messages = match result {
            Ok(messages) => {
                receive_failures = 0;
                counters.add(|s| s.receive_calls += 1);
                messages
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
                let delay = backoff(
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
        if ctx.config.delete_on_receive {
            // Every message goes at once, before any of its objects is read: from here on,
            // whatever happens to them is final.
            let deletes = deleter.sender();
            for m in &messages {
                let Some(receipt) = m.receipt_handle.as_deref() else {
                    continue;
                };
                let pending = PendingDelete {
                    message_id: m.message_id.as_deref().unwrap_or("?").to_string(),
                    receipt: receipt.to_string(),
                    _heartbeat: None,
                    _unsettled: Unsettled::new(&ctx.in_flight),
                };
                if let Err(p) = deletes.delete(pending) {
                    ctx.delete_failed(
                        route,
                        &counters,
                        &p.message_id,
                        "the route's deleter stopped",
                    );
                }
            }
            deleter.flush();
        }
        let received: Vec<_> = messages
            .into_iter()
            .map(|m| {
                let hb = if ctx.config.delete_on_receive {
                    None
                } else {
                    Heartbeat::start(&ctx, idx, &m)
                };
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
async fn release(ctx: &Ctx, route: &Route, counters: &Counters, m: &QueueMessage) {
    let Some(receipt) = m.receipt_handle.as_deref() else {
        return;
    };
    let released = call(
        ctx.config.aws_call_timeout,
        ctx.ports(route)
            .queue
            .change_visibility(&route.queue_url, receipt, 0),
    );
    match released.await {
        Ok(()) => counters.add(|s| s.messages_released += 1),
        Err(e) => {
            counters.add(|s| s.messages_left += 1);
            ctx.log(
                route,
                format!(
                    "releasing message {} failed (it returns after its visibility timeout): {}",
                    m.message_id.as_deref().unwrap_or("?"),
                    e.message
                ),
            );
        }
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
    m: QueueMessage,
    heartbeat: Option<Heartbeat>,
    permit: OwnedSemaphorePermit,
    unsettled: Unsettled,
    deletes: &DeleteSender,
) {
    let route = &ctx.config.routes[idx];
    let counters = &ctx.counters[idx];
    let (Some(receipt), Some(body)) = (m.receipt_handle.as_deref(), m.body.as_deref()) else {
        ctx.log(route, "message without receipt handle or body: left");
        counters.add(|s| s.messages_left += 1);
        return;
    };
    if ctx.config.delete_on_receive {
        // Deleted on receive (see `poll_route`): process, and count what fails as lost.
        drop(heartbeat);
        let _processing = unsettled;
        let outcome = tokio::select! {
            d = process_message(ctx, route, counters, body) => Some(d),
            () = until_true(ctx.abandon.subscribe()) => None,
        };
        if !matches!(outcome, Some(Disposition::Delete)) {
            counters.add(|s| s.messages_lost += 1);
            ctx.log(
                route,
                format!(
                    "message {} was deleted on receive: what its objects had not delivered is lost",
                    m.message_id.as_deref().unwrap_or("?")
                ),
            );
        }
        drop(permit);
        return;
    }
    let outcome = tokio::select! {
        d = process_message(ctx, route, counters, body) => Some(d),
        () = until_true(ctx.abandon.subscribe()) => None,
    };
    match outcome {
        Some(Disposition::Delete) => {
            let pending = PendingDelete {
                message_id: m.message_id.as_deref().unwrap_or("?").to_string(),
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
                    m.message_id.as_deref().unwrap_or("?")
                ),
            );
            release(ctx, route, counters, &m).await;
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
