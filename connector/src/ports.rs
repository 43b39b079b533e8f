//! The narrow interfaces the connector runs against: exactly the calls it
//! makes, nothing more.
//!
//! * [`Queue`]: receive messages, delete a batch of them, change one's
//!   visibility (SQS; [`super::aws`] over `aws_sdk_sqs`, [`super::fake::FakeQueue`]).
//! * [`Objects`]: get an object as a stream of bytes (S3; [`super::aws`] over
//!   `aws_sdk_s3`, [`super::fake::FakeObjects`]).
//! * [`Sink`]: post one request body of rows to a stream, one attempt (the Logs
//!   Ingestion API; [`super::sink::IngestClient`], [`super::fake::FakeSink`]).
//!
//! Deadlines, retries and their back-off are the connector's, around these
//! calls, so they hold whatever implements them.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;

use super::sink::SendError;

/// A boxed future, so the traits can be used as `dyn` objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A queue or object-store call that failed or got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    /// The service answered with an error (as opposed to no answer).
    pub service: bool,
    /// The answer was AccessDenied (from the service, or from a [`super::Gate`]).
    pub access_denied: bool,
    pub message: String,
}

impl CallError {
    /// An error answer of the service, `code` as AWS names it (`AccessDenied` and
    /// `AccessDeniedException` set [`CallError::access_denied`]).
    pub fn service(code: &str, message: impl std::fmt::Display) -> Self {
        CallError {
            service: true,
            access_denied: matches!(code, "AccessDenied" | "AccessDeniedException"),
            message: format!("service error: {code}: {message}"),
        }
    }

    /// No answer (connection, timeout, I/O).
    pub fn no_answer(message: impl Into<String>) -> Self {
        CallError {
            service: false,
            access_denied: false,
            message: message.into(),
        }
    }
}

/// One received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueMessage {
    pub message_id: Option<String>,
    pub receipt_handle: Option<String>,
    pub body: Option<String>,
}

/// A receive: up to `max_messages`, waiting up to `wait_seconds` for the first,
/// each made invisible for `visibility_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiveRequest {
    pub max_messages: i32,
    pub wait_seconds: i32,
    pub visibility_seconds: i32,
}

/// One entry of a batch delete: `id` names it in the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteEntry {
    pub id: String,
    pub receipt_handle: String,
}

/// An entry of a batch delete that was not deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteFailure {
    pub id: String,
    /// The request's own fault (will not succeed when sent again).
    pub sender_fault: bool,
    pub code: String,
    pub message: Option<String>,
}

/// The answer to a batch delete: the ids deleted, and the entries not deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteBatchOutput {
    pub successful: Vec<String>,
    pub failed: Vec<DeleteFailure>,
}

/// A message queue (SQS).
pub trait Queue: Send + Sync {
    fn receive(
        &self,
        queue_url: &str,
        request: ReceiveRequest,
    ) -> BoxFuture<'_, Result<Vec<QueueMessage>, CallError>>;

    /// Deletes up to 10 messages by receipt handle.
    fn delete_batch(
        &self,
        queue_url: &str,
        entries: Vec<DeleteEntry>,
    ) -> BoxFuture<'_, Result<DeleteBatchOutput, CallError>>;

    /// Makes a received message invisible for `seconds` from now (0: visible at once).
    fn change_visibility(
        &self,
        queue_url: &str,
        receipt_handle: &str,
        seconds: i32,
    ) -> BoxFuture<'_, Result<(), CallError>>;
}

/// The body of an object, chunk by chunk.
pub trait ObjectBody: Send {
    /// The next chunk; `None` at the end.
    fn next_chunk(&mut self) -> BoxFuture<'_, io::Result<Option<Bytes>>>;
}

/// An object whose headers arrived.
pub struct GotObject {
    /// `Some(key id)` when the object is stored with SSE-KMS (the id may be empty when the
    /// store does not name it): reading it needs `kms:Decrypt` on that key.
    pub kms_key_id: Option<String>,
    pub body: Box<dyn ObjectBody>,
}

/// An object store (S3).
pub trait Objects: Send + Sync {
    fn get_object(&self, bucket: &str, key: &str) -> BoxFuture<'_, Result<GotObject, CallError>>;
}

/// Where rows go (the Logs Ingestion API).
pub trait Sink: Send + Sync {
    /// Turns a batch body (an uncompressed JSON array of rows) into what [`Sink::post`]
    /// sends, once per batch whatever the number of attempts (the HTTP client
    /// compresses here). The default sends it as it is.
    fn encode(&self, json: Vec<u8>) -> Bytes {
        Bytes::from(json)
    }

    /// One attempt at posting `body` (from [`Sink::encode`]) to `stream`: `Ok` when
    /// accepted, otherwise the failure, which [`SendError::is_retryable`] classifies.
    fn post(&self, stream: &str, body: Bytes) -> BoxFuture<'_, Result<(), SendError>>;
}

/// The queue and object store of one route.
#[derive(Clone)]
pub struct RoutePorts {
    pub queue: Arc<dyn Queue>,
    pub objects: Arc<dyn Objects>,
}

/// Everything a run talks to.
#[derive(Clone)]
pub struct Ports {
    /// The queue and object store of routes not named in `by_route`.
    pub default: RoutePorts,
    /// Routes with their own queue and object store (their own credentials), by route name.
    pub by_route: std::collections::BTreeMap<String, RoutePorts>,
    pub sink: Arc<dyn Sink>,
}

impl Ports {
    /// One queue, object store and sink for every route.
    pub fn new(queue: Arc<dyn Queue>, objects: Arc<dyn Objects>, sink: Arc<dyn Sink>) -> Self {
        Ports {
            default: RoutePorts { queue, objects },
            by_route: Default::default(),
            sink,
        }
    }
}
