//! In-memory [`Queue`], [`Objects`] and [`Sink`] for tests, on the tokio clock (pause it
//! and a visibility timeout of an hour passes in no wall-clock time).
//!
//! * [`FakeQueue`]: SQS's visibility timeouts, receive counts, long polls, and a move to
//!   the dead-letter queue at the receive after `maxReceiveCount` receives. Only the
//!   receipt handle of a message's latest receive is valid (SQS may also accept older
//!   ones); a visibility change of a message that is not in flight is refused
//!   (`MessageNotInflight`), as SQS does.
//! * [`FakeObjects`]: objects by bucket and key, their bodies in chunks of a chosen size.
//! * [`FakeSink`]: answers each post with the next [`Answer`] of a script (accepting once
//!   the script is used up) and records the rows of the accepted ones.
//!
//! All three write what happened, in order, to one [`Journal`].

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::ports::{
    BoxFuture, CallError, DeleteBatchOutput, DeleteEntry, DeleteFailure, GotObject, ObjectBody,
    Objects, Queue, QueueMessage, ReceiveRequest, Sink,
};
use super::sink::SendError;

/// What a fake saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A message was handed out by a receive (its `receive`-th time).
    Received { id: String, receive: u32 },
    /// A receive found the message received `maxReceiveCount` times and moved it to the
    /// dead-letter queue.
    DeadLettered { id: String },
    /// One `DeleteMessageBatch` call, with its number of entries.
    DeleteCall { entries: usize },
    /// A message was deleted.
    Deleted { id: String },
    /// A message's visibility was set to `seconds` from now.
    Visibility { id: String, seconds: i32 },
    /// An object was fetched.
    Fetched { bucket: String, key: String },
    /// A post was answered with `status` (0: no answer, connection error).
    Posted {
        stream: String,
        rows: usize,
        status: u16,
    },
}

/// The shared, ordered record of a test's fakes.
#[derive(Debug, Clone, Default)]
pub struct Journal(Arc<Mutex<Vec<(Instant, Event)>>>);

impl Journal {
    fn push(&self, e: Event) {
        self.0
            .lock()
            .expect("journal lock")
            .push((Instant::now(), e));
    }

    /// Everything so far, with when it happened.
    pub fn timed(&self) -> Vec<(Instant, Event)> {
        self.0.lock().expect("journal lock").clone()
    }

    /// Everything so far.
    pub fn events(&self) -> Vec<Event> {
        self.timed().into_iter().map(|(_, e)| e).collect()
    }
}

#[derive(Debug, Clone)]
struct Stored {
    id: String,
    body: String,
    receives: u32,
    visible_at: Instant,
    /// The receipt handle of the latest receive.
    receipt: Option<String>,
}

#[derive(Debug, Default)]
struct QueueState {
    messages: Vec<Stored>,
    dead: Vec<Stored>,
    next_id: u64,
}

/// An in-memory SQS queue (one queue: the queue URL of each call is not looked at).
#[derive(Debug)]
pub struct FakeQueue {
    state: Mutex<QueueState>,
    changed: Notify,
    /// Receives after which a message goes to the dead-letter queue (`None`: never).
    max_receive_count: Option<u32>,
    journal: Journal,
}

impl FakeQueue {
    pub fn new(journal: &Journal, max_receive_count: Option<u32>) -> Self {
        FakeQueue {
            state: Mutex::default(),
            changed: Notify::new(),
            max_receive_count,
            journal: journal.clone(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, QueueState> {
        self.state.lock().expect("queue lock")
    }

    /// Sends a message; returns its id (`m1`, `m2`, ...).
    pub fn send(&self, body: impl Into<String>) -> String {
        let mut st = self.state();
        st.next_id += 1;
        let id = format!("m{}", st.next_id);
        st.messages.push(Stored {
            id: id.clone(),
            body: body.into(),
            receives: 0,
            visible_at: Instant::now(),
            receipt: None,
        });
        drop(st);
        self.changed.notify_waiters();
        id
    }

    /// Ids of the messages on the queue (visible or not), in sending order.
    pub fn ids(&self) -> Vec<String> {
        self.state().messages.iter().map(|m| m.id.clone()).collect()
    }

    /// Messages a receive would return now.
    pub fn visible(&self) -> usize {
        let now = Instant::now();
        self.state()
            .messages
            .iter()
            .filter(|m| m.visible_at <= now)
            .count()
    }

    /// How often each message on the queue was received, by id.
    pub fn receive_counts(&self) -> BTreeMap<String, u32> {
        self.state()
            .messages
            .iter()
            .map(|m| (m.id.clone(), m.receives))
            .collect()
    }

    /// Ids of the messages in the dead-letter queue.
    pub fn dead_letters(&self) -> Vec<String> {
        self.state().dead.iter().map(|m| m.id.clone()).collect()
    }

    /// Hands out up to `max` visible messages; `None` when none is visible, with the time
    /// the next one becomes visible.
    fn take_visible(&self, r: ReceiveRequest) -> Result<Vec<QueueMessage>, Option<Instant>> {
        let now = Instant::now();
        let mut st = self.state();
        let mut out = Vec::new();
        let mut i = 0;
        while i < st.messages.len() && out.len() < usize::try_from(r.max_messages).unwrap_or(1) {
            if st.messages[i].visible_at > now {
                i += 1;
                continue;
            }
            if self
                .max_receive_count
                .is_some_and(|n| st.messages[i].receives >= n)
            {
                let m = st.messages.remove(i);
                self.journal.push(Event::DeadLettered { id: m.id.clone() });
                st.dead.push(m);
                continue;
            }
            let m = &mut st.messages[i];
            m.receives += 1;
            m.visible_at = now + secs(r.visibility_seconds);
            let receipt = format!("{}#{}", m.id, m.receives);
            m.receipt = Some(receipt.clone());
            self.journal.push(Event::Received {
                id: m.id.clone(),
                receive: m.receives,
            });
            out.push(QueueMessage {
                message_id: Some(m.id.clone()),
                receipt_handle: Some(receipt),
                body: Some(m.body.clone()),
            });
            i += 1;
        }
        if out.is_empty() {
            Err(st.messages.iter().map(|m| m.visible_at).min())
        } else {
            Ok(out)
        }
    }

    fn position(st: &QueueState, receipt: &str) -> Option<usize> {
        st.messages
            .iter()
            .position(|m| m.receipt.as_deref() == Some(receipt))
    }
}

fn secs(s: i32) -> Duration {
    Duration::from_secs(u64::try_from(s).unwrap_or(0))
}

impl Queue for FakeQueue {
    fn receive(
        &self,
        _queue_url: &str,
        r: ReceiveRequest,
    ) -> BoxFuture<'_, Result<Vec<QueueMessage>, CallError>> {
        Box::pin(async move {
            let deadline = Instant::now() + secs(r.wait_seconds);
            loop {
                let changed = self.changed.notified();
                tokio::pin!(changed);
                changed.as_mut().enable();
                let next = match self.take_visible(r) {
                    Ok(messages) => return Ok(messages),
                    Err(next) => next,
                };
                if Instant::now() >= deadline {
                    return Ok(Vec::new());
                }
                let wake = next.map_or(deadline, |t| t.min(deadline));
                tokio::select! {
                    () = changed => {}
                    () = tokio::time::sleep_until(wake) => {}
                }
            }
        })
    }

    fn delete_batch(
        &self,
        _queue_url: &str,
        entries: Vec<DeleteEntry>,
    ) -> BoxFuture<'_, Result<DeleteBatchOutput, CallError>> {
        self.journal.push(Event::DeleteCall {
            entries: entries.len(),
        });
        let mut st = self.state();
        let mut out = DeleteBatchOutput::default();
        for e in entries {
            match Self::position(&st, &e.receipt_handle) {
                Some(i) => {
                    let m = st.messages.remove(i);
                    self.journal.push(Event::Deleted { id: m.id });
                    out.successful.push(e.id);
                }
                None => out.failed.push(DeleteFailure {
                    id: e.id,
                    sender_fault: true,
                    code: "ReceiptHandleIsInvalid".into(),
                    message: Some(format!("receipt handle {} is invalid", e.receipt_handle)),
                }),
            }
        }
        Box::pin(std::future::ready(Ok(out)))
    }

    fn change_visibility(
        &self,
        _queue_url: &str,
        receipt_handle: &str,
        seconds: i32,
    ) -> BoxFuture<'_, Result<(), CallError>> {
        let now = Instant::now();
        let mut st = self.state();
        let result = match Self::position(&st, receipt_handle) {
            None => Err(CallError::service(
                "ReceiptHandleIsInvalid",
                format!("receipt handle {receipt_handle} is invalid"),
            )),
            Some(i) if st.messages[i].visible_at <= now => Err(CallError::service(
                "MessageNotInflight",
                format!("message {} is not in flight", st.messages[i].id),
            )),
            Some(i) => {
                let m = &mut st.messages[i];
                m.visible_at = now + secs(seconds);
                self.journal.push(Event::Visibility {
                    id: m.id.clone(),
                    seconds,
                });
                Ok(())
            }
        };
        drop(st);
        if seconds == 0 {
            self.changed.notify_waiters();
        }
        Box::pin(std::future::ready(result))
    }
}

/// An object's bytes, and its SSE-KMS key when it has one.
#[derive(Debug, Clone)]
struct StoredObject {
    data: Bytes,
    kms_key_id: Option<String>,
}

/// In-memory objects by bucket and key.
#[derive(Debug)]
pub struct FakeObjects {
    objects: Mutex<BTreeMap<(String, String), StoredObject>>,
    chunk: usize,
    journal: Journal,
}

impl FakeObjects {
    /// Bodies are handed out in chunks of `chunk` bytes (at least 1).
    pub fn new(journal: &Journal, chunk: usize) -> Self {
        FakeObjects {
            objects: Mutex::default(),
            chunk: chunk.max(1),
            journal: journal.clone(),
        }
    }

    pub fn put(&self, bucket: &str, key: &str, data: impl Into<Bytes>) {
        self.put_with(bucket, key, data, None);
    }

    /// An object stored with SSE-KMS under `kms_key_id` when it is `Some`.
    pub fn put_with(
        &self,
        bucket: &str,
        key: &str,
        data: impl Into<Bytes>,
        kms_key_id: Option<&str>,
    ) {
        self.objects.lock().expect("objects lock").insert(
            (bucket.into(), key.into()),
            StoredObject {
                data: data.into(),
                kms_key_id: kms_key_id.map(str::to_string),
            },
        );
    }
}

struct Chunks {
    data: Bytes,
    chunk: usize,
}

impl ObjectBody for Chunks {
    fn next_chunk(&mut self) -> BoxFuture<'_, io::Result<Option<Bytes>>> {
        let next =
            (!self.data.is_empty()).then(|| self.data.split_to(self.chunk.min(self.data.len())));
        Box::pin(std::future::ready(Ok(next)))
    }
}

impl Objects for FakeObjects {
    fn get_object(&self, bucket: &str, key: &str) -> BoxFuture<'_, Result<GotObject, CallError>> {
        self.journal.push(Event::Fetched {
            bucket: bucket.into(),
            key: key.into(),
        });
        let found = self
            .objects
            .lock()
            .expect("objects lock")
            .get(&(bucket.to_string(), key.to_string()))
            .cloned();
        let result = match found {
            Some(o) => Ok(GotObject {
                kms_key_id: o.kms_key_id,
                body: Box::new(Chunks {
                    data: o.data,
                    chunk: self.chunk,
                }),
            }),
            None => Err(CallError::service(
                "NoSuchKey",
                format!("no object s3://{bucket}/{key}"),
            )),
        };
        Box::pin(std::future::ready(result))
    }
}

/// How the [`FakeSink`] answers one post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Accepted with this status (200 or 204).
    Accept(u16),
    /// Refused with this status, and a `Retry-After` when given.
    Status(u16, Option<Duration>),
    /// No answer: the connection failed.
    ConnectionError,
    /// This answer, after a delay (on the tokio clock).
    After(Duration, Box<Answer>),
    /// Never answers.
    Hang,
}

/// A Logs Ingestion endpoint answering from a script.
#[derive(Debug)]
pub struct FakeSink {
    script: Mutex<VecDeque<Answer>>,
    /// Rows of accepted posts, with their stream.
    rows: Mutex<Vec<(String, Value)>>,
    journal: Journal,
}

impl FakeSink {
    /// Answers the posts with `script` in order, then accepts (204) every post.
    pub fn new(journal: &Journal, script: impl IntoIterator<Item = Answer>) -> Self {
        FakeSink {
            script: Mutex::new(script.into_iter().collect()),
            rows: Mutex::default(),
            journal: journal.clone(),
        }
    }

    /// The rows accepted so far, in order.
    pub fn rows(&self) -> Vec<(String, Value)> {
        self.rows.lock().expect("rows lock").clone()
    }
}

impl Sink for FakeSink {
    fn post(&self, stream: &str, body: Bytes) -> BoxFuture<'_, Result<(), SendError>> {
        let answer = self
            .script
            .lock()
            .expect("script lock")
            .pop_front()
            .unwrap_or(Answer::Accept(204));
        let stream = stream.to_string();
        Box::pin(async move {
            let mut answer = answer;
            while let Answer::After(d, a) = answer {
                tokio::time::sleep(d).await;
                answer = *a;
            }
            let rows: Vec<Value> = serde_json::from_slice(&body)
                .map_err(|e| SendError::Invalid(format!("body is no JSON array: {e}")))?;
            let status = match &answer {
                Answer::Accept(s) | Answer::Status(s, _) => *s,
                Answer::ConnectionError => 0,
                Answer::Hang => return std::future::pending().await,
                Answer::After(..) => unreachable!("unwrapped above"),
            };
            self.journal.push(Event::Posted {
                stream: stream.clone(),
                rows: rows.len(),
                status,
            });
            match answer {
                Answer::Accept(_) => {
                    let mut kept = self.rows.lock().expect("rows lock");
                    kept.extend(rows.into_iter().map(|r| (stream.clone(), r)));
                    Ok(())
                }
                Answer::Status(status, retry_after) => Err(SendError::Status {
                    status,
                    retry_after,
                    body: format!("scripted {status}"),
                }),
                _ => Err(SendError::Connection("scripted connection error".into())),
            }
        })
    }
}
