//! An optional access check in front of the connector's AWS calls, and per-route clients.
//!
//! On AWS every call the connector makes is authorized by IAM as the role session the route
//! runs as; LocalStack authorizes nothing. A [`Gate`] given in
//! [`ConnectorConfig::gate`](super::ConnectorConfig::gate) is asked before each SQS and S3
//! call (and, for an object S3 stored with SSE-KMS, about the `kms:Decrypt` S3 makes on the
//! caller's behalf, after the object's headers arrived): a refusal becomes the same
//! internal call error an AccessDenied answer of the service becomes, so the
//! connector handles it exactly as it handles AWS's: a refused receive is retried with the
//! receive back-off, a refused GetObject or Decrypt leaves the message for redelivery (and the
//! dead-letter queue after `maxReceiveCount`), a refused delete leaves the message, a refused
//! visibility change ends the heartbeat.
//!
//! `DeleteMessageBatch` is authorized once per call as `sqs:DeleteMessage` (IAM authorizes the
//! request, and the batch action needs the permission of the single action), so a refusal
//! refuses every entry of the call.
//!
//! Without a gate (`simulator connect`, replays) nothing is checked.
//!
//! The connector asks the gate through [`GatedQueue`] and [`GatedObjects`], which wrap a
//! route's [`Queue`] and [`Objects`]: no call reaches them without passing the gate.

use std::fmt::Debug;
use std::sync::Arc;

use super::ports::{
    BoxFuture, CallError, DeleteBatchOutput, DeleteEntry, GotObject, Objects, Queue, QueueMessage,
    ReceiveRequest,
};

/// One call the connector is about to make (or, for [`GatedCall::Decrypt`], S3 is about to
/// make for it), on the route named `route`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatedCall<'a> {
    ReceiveMessage {
        queue_url: &'a str,
    },
    /// One `DeleteMessageBatch` call of `entries` entries.
    DeleteMessageBatch {
        queue_url: &'a str,
        entries: usize,
    },
    ChangeMessageVisibility {
        queue_url: &'a str,
    },
    GetObject {
        bucket: &'a str,
        key: &'a str,
    },
    /// The object came back stored with SSE-KMS under `key_id`: S3 decrypts it with KMS as
    /// the caller (through S3).
    Decrypt {
        bucket: &'a str,
        key: &'a str,
        key_id: &'a str,
    },
}

/// Decides the connector's calls. `Err` carries AWS's message for the refusal (as the
/// service would word it: who, which action, which resource, and why).
pub trait Gate: Send + Sync + Debug {
    fn check(&self, route: &str, call: GatedCall<'_>) -> Result<(), String>;
}

/// The clients one route's calls go through (a route running as its own role session has
/// its own credentials).
#[derive(Debug, Clone)]
pub struct RouteClients {
    pub s3: aws_sdk_s3::Client,
    pub sqs: aws_sdk_sqs::Client,
}

/// A gate's refusal: the error an AccessDenied answer of the service would be.
fn refused(message: String) -> CallError {
    CallError::service("AccessDenied", message)
}

/// A route's queue, every call asked of the gate first.
pub struct GatedQueue {
    pub inner: Arc<dyn Queue>,
    pub gate: Arc<dyn Gate>,
    pub route: String,
}

impl Queue for GatedQueue {
    fn receive(
        &self,
        queue_url: &str,
        request: ReceiveRequest,
    ) -> BoxFuture<'_, Result<Vec<QueueMessage>, CallError>> {
        match self
            .gate
            .check(&self.route, GatedCall::ReceiveMessage { queue_url })
        {
            Ok(()) => self.inner.receive(queue_url, request),
            Err(m) => Box::pin(std::future::ready(Err(refused(m)))),
        }
    }

    fn delete_batch(
        &self,
        queue_url: &str,
        entries: Vec<DeleteEntry>,
    ) -> BoxFuture<'_, Result<DeleteBatchOutput, CallError>> {
        let call = GatedCall::DeleteMessageBatch {
            queue_url,
            entries: entries.len(),
        };
        match self.gate.check(&self.route, call) {
            Ok(()) => self.inner.delete_batch(queue_url, entries),
            Err(m) => Box::pin(std::future::ready(Err(refused(m)))),
        }
    }

    fn change_visibility(
        &self,
        queue_url: &str,
        receipt_handle: &str,
        seconds: i32,
    ) -> BoxFuture<'_, Result<(), CallError>> {
        match self.gate.check(
            &self.route,
            GatedCall::ChangeMessageVisibility { queue_url },
        ) {
            Ok(()) => self
                .inner
                .change_visibility(queue_url, receipt_handle, seconds),
            Err(m) => Box::pin(std::future::ready(Err(refused(m)))),
        }
    }
}

/// A route's object store, every GetObject (and the Decrypt of an SSE-KMS object, once its
/// headers arrived) asked of the gate first.
pub struct GatedObjects {
    pub inner: Arc<dyn Objects>,
    pub gate: Arc<dyn Gate>,
    pub route: String,
}

impl Objects for GatedObjects {
    fn get_object(&self, bucket: &str, key: &str) -> BoxFuture<'_, Result<GotObject, CallError>> {
        if let Err(m) = self
            .gate
            .check(&self.route, GatedCall::GetObject { bucket, key })
        {
            return Box::pin(std::future::ready(Err(refused(m))));
        }
        let got = self.inner.get_object(bucket, key);
        let (bucket, key) = (bucket.to_string(), key.to_string());
        Box::pin(async move {
            let object = got.await?;
            // S3 decrypts an SSE-KMS object with KMS as the caller: refused, S3 answers
            // AccessDenied instead of the body.
            if let Some(key_id) = &object.kms_key_id {
                let decrypt = GatedCall::Decrypt {
                    bucket: &bucket,
                    key: &key,
                    key_id,
                };
                self.gate.check(&self.route, decrypt).map_err(refused)?;
            }
            Ok(object)
        })
    }
}
