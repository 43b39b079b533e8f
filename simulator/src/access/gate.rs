//! The connector's calls, evaluated as the route's role session before each is made (see
//! [`crate::connector::gate`] for how a refusal reaches the connector).
//!
//! - `sqs:ReceiveMessage`, `sqs:ChangeMessageVisibility` on the route's queue ARN;
//! - `sqs:DeleteMessage` once per `DeleteMessageBatch` call (IAM authorizes the request);
//! - `s3:GetObject` on `arn:<p>:s3:::<bucket>/<key>`;
//! - for an object stored with SSE-KMS, the `kms:Decrypt` S3 makes for the caller, on the
//!   key's ARN, with `kms:ViaService = s3.<region>.amazonaws.com`, `kms:CallerAccount` and the
//!   encryption context S3 uses, `kms:EncryptionContext:aws:s3:arn` = the object's ARN (no S3
//!   Bucket Key in these stacks), per the S3 User Guide's "Encryption context" section
//!   (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context>).
//!
//! Every request carries `aws:SecureTransport = true` (Sentinel calls AWS over HTTPS).

use super::{Ledger, Where};
use crate::connector::{Gate, GatedCall};
use ::access::{Caller, Request};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// The role session a route runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteIdentity {
    pub role_arn: String,
    pub session_name: String,
}

/// Decides the connector's calls against the read-back policies.
#[derive(Debug)]
pub struct AccessGate {
    ledger: Arc<Ledger>,
    at: Where,
    routes: BTreeMap<String, RouteIdentity>,
    /// Queue ARN by URL.
    queues: BTreeMap<String, String>,
    /// Key ARN by key id or ARN (as S3 names it in `x-amz-server-side-encryption-aws-kms-key-id`).
    keys: BTreeMap<String, String>,
    /// Queues whose receives were refused: nothing will drain them.
    refused_receives: Mutex<BTreeSet<String>>,
}

impl AccessGate {
    pub fn new(
        ledger: Arc<Ledger>,
        at: Where,
        routes: BTreeMap<String, RouteIdentity>,
        queues: BTreeMap<String, String>,
        keys: BTreeMap<String, String>,
    ) -> Self {
        AccessGate {
            ledger,
            at,
            routes,
            queues,
            keys,
            refused_receives: Mutex::new(BTreeSet::new()),
        }
    }

    /// The queue URLs a receive was refused on.
    pub fn refused_receives(&self) -> BTreeSet<String> {
        self.refused_receives.lock().expect("gate lock").clone()
    }

    /// The IAM request of `call` made by `route`, or why it cannot be formed.
    pub fn request(&self, route: &str, call: GatedCall<'_>) -> Result<Request, String> {
        let who = self.routes.get(route).ok_or_else(|| {
            format!(
                "the access gate knows no role for route {route:?}: every gated route needs one"
            )
        })?;
        let queue = |url: &str| {
            self.queues
                .get(url)
                .cloned()
                .ok_or_else(|| format!("the access gate knows no queue ARN for {url}"))
        };
        let p = &self.at.partition;
        let mut context = self.at.base_context();
        let (action, resource) = match call {
            GatedCall::ReceiveMessage { queue_url } => ("sqs:ReceiveMessage", queue(queue_url)?),
            GatedCall::DeleteMessageBatch { queue_url, .. } => {
                ("sqs:DeleteMessage", queue(queue_url)?)
            }
            GatedCall::ChangeMessageVisibility { queue_url } => {
                ("sqs:ChangeMessageVisibility", queue(queue_url)?)
            }
            GatedCall::GetObject { bucket, key } => {
                ("s3:GetObject", format!("arn:{p}:s3:::{bucket}/{key}"))
            }
            GatedCall::Decrypt {
                bucket,
                key,
                key_id,
            } => {
                let arn = self.keys.get(key_id).cloned().unwrap_or_else(|| {
                    // A key the stacks did not create: evaluated under its own name, which
                    // the set has no key policy for (a key without a known policy denies).
                    key_id.to_string()
                });
                context
                    .set(
                        "kms:ViaService",
                        format!("s3.{}.amazonaws.com", self.at.region),
                    )
                    .set("kms:CallerAccount", self.at.account.clone())
                    .set(
                        "kms:EncryptionContext:aws:s3:arn",
                        format!("arn:{p}:s3:::{bucket}/{key}"),
                    );
                ("kms:Decrypt", arn)
            }
        };
        Ok(Request {
            principal: Caller::RoleSession {
                role_arn: who.role_arn.clone(),
                session_name: who.session_name.clone(),
            },
            action: action.into(),
            resource,
            context,
        })
    }
}

impl Gate for AccessGate {
    fn check(&self, route: &str, call: GatedCall<'_>) -> Result<(), String> {
        let request = self.request(route, call)?;
        let during = format!("connector route {route}");
        match self.ledger.decide(&during, "simulator", &request) {
            Ok(()) => Ok(()),
            Err(d) => {
                if let GatedCall::ReceiveMessage { queue_url } = call {
                    self.refused_receives
                        .lock()
                        .expect("gate lock")
                        .insert(queue_url.to_string());
                }
                Err(d.message())
            }
        }
    }
}
