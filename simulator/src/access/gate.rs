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

#[cfg(test)]
mod tests {
    use super::*;
    use ::access::{NamedPolicy, Policy, PolicySet, Role};
    use serde_json::json;

    const ROLE: &str = "arn:aws:iam::111122223333:role/sentinel";
    const QUEUE: &str = "arn:aws:sqs:us-east-1:111122223333:vpc";
    const URL: &str = "http://localhost:4566/111122223333/vpc";
    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/k-1";

    fn gate() -> AccessGate {
        let p = |v: serde_json::Value| Policy::parse(&v).unwrap();
        let mut set = PolicySet::new();
        set.add_role(Role {
            arn: ROLE.into(),
            trust: NamedPolicy {
                name: "trust policy of role sentinel".into(),
                policy: p(json!({"Version": "2012-10-17", "Statement": []})),
            },
            policies: vec![NamedPolicy {
                name: "role sentinel inline policy Read".into(),
                policy: p(json!({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility"], "Resource": QUEUE},
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::logs/AWSLogs/*"},
                    {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY,
                     "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}}
                ]})),
            }],
        });
        // The key delegates to the account's IAM policies for decrypts through S3.
        set.set_resource_policy(
            KEY,
            "111122223333",
            NamedPolicy {
                name: format!("key policy of {KEY}"),
                policy: p(json!({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                     "Action": "kms:Decrypt", "Resource": "*",
                     "Condition": {"StringEquals": {
                        "kms:CallerAccount": "111122223333",
                        "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::logs/AWSLogs/a.gz"}}}
                ]})),
            },
        );
        AccessGate::new(
            Arc::new(Ledger::new(set)),
            Where {
                partition: "aws".into(),
                region: "us-east-1".into(),
                account: "111122223333".into(),
            },
            [(
                "vpc".to_string(),
                RouteIdentity {
                    role_arn: ROLE.into(),
                    session_name: "MicrosoftSentinel_w".into(),
                },
            )]
            .into(),
            [(URL.to_string(), QUEUE.to_string())].into(),
            [("k-1".to_string(), KEY.to_string())].into(),
        )
    }

    #[test]
    fn each_connector_call_is_evaluated_as_the_routes_role_session() {
        let g = gate();
        assert!(g
            .check("vpc", GatedCall::ReceiveMessage { queue_url: URL })
            .is_ok());
        assert!(g
            .check("vpc", GatedCall::ChangeMessageVisibility { queue_url: URL })
            .is_ok());
        let refused = g
            .check(
                "vpc",
                GatedCall::DeleteMessageBatch {
                    queue_url: URL,
                    entries: 3,
                },
            )
            .unwrap_err();
        assert!(refused.contains("sqs:DeleteMessage"), "{refused}");
        assert!(refused.contains(QUEUE), "{refused}");
        assert!(
            refused.contains("assumed-role/sentinel/MicrosoftSentinel_w"),
            "{refused}"
        );
        assert!(g
            .check(
                "vpc",
                GatedCall::GetObject {
                    bucket: "logs",
                    key: "AWSLogs/a.gz"
                }
            )
            .is_ok());
        assert!(g
            .check(
                "vpc",
                GatedCall::GetObject {
                    bucket: "logs",
                    key: "other/a.gz"
                }
            )
            .is_err());
        let r = g.ledger.report();
        // One DeleteMessageBatch call is one evaluation, whatever its entries.
        assert_eq!((r.evaluated, r.denied), (5, 2));
        assert!(g.refused_receives().is_empty());
    }

    #[test]
    fn decrypt_through_s3_carries_via_service_caller_account_and_the_objects_arn() {
        let g = gate();
        let d = g
            .request(
                "vpc",
                GatedCall::Decrypt {
                    bucket: "logs",
                    key: "AWSLogs/a.gz",
                    key_id: "k-1",
                },
            )
            .unwrap();
        assert_eq!(d.action, "kms:Decrypt");
        assert_eq!(d.resource, KEY);
        assert_eq!(
            d.context.get("kms:ViaService"),
            Some(&["s3.us-east-1.amazonaws.com".to_string()][..])
        );
        let call = |key| GatedCall::Decrypt {
            bucket: "logs",
            key,
            key_id: "k-1",
        };
        assert!(g.check("vpc", call("AWSLogs/a.gz")).is_ok());
        // The key policy's encryption-context condition names another object.
        assert!(g.check("vpc", call("AWSLogs/b.gz")).is_err());
    }

    #[test]
    fn a_refused_receive_is_remembered_and_an_unknown_route_is_refused() {
        let g = gate();
        let other = "http://localhost:4566/111122223333/other";
        let mut queues = g.queues.clone();
        queues.insert(
            other.into(),
            "arn:aws:sqs:us-east-1:111122223333:other".into(),
        );
        let g = AccessGate { queues, ..g };
        assert!(g
            .check("vpc", GatedCall::ReceiveMessage { queue_url: other })
            .is_err());
        assert_eq!(g.refused_receives(), [other.to_string()].into());
        let e = g
            .check("eks", GatedCall::ReceiveMessage { queue_url: URL })
            .unwrap_err();
        assert!(e.contains("no role for route \"eks\""), "{e}");
    }
}
