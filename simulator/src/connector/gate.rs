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

use std::fmt::Debug;

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
