//! The `role-decrypt` check: the role may decrypt, through S3, every KMS key the notified
//! objects are encrypted with. The keys are those the stack creates (GuardDuty's export key),
//! the bucket's default-encryption key and the keys the sampled objects name (an existing
//! bucket's or an organization archive's key, which the stack does not own). Each key's policy
//! is read from the account; a key whose policy cannot be read here (another account's key) is
//! evaluated as far as the role's own policies go, and what its owner must add is the fix; one
//! that cannot be read and is named only by an alias is a warning that nothing was decided.

use std::collections::BTreeSet;

use ::access::{NamedPolicy, Policy, Request};

use super::StackCtx;
use crate::access::readback::{read_key, ReadBack};
use crate::doctor::{Finding, Severity};

/// A key the objects are encrypted with, as S3 names it, and whose policy could be read.
enum Key {
    Read { arn: String },
    Unreadable { id: String, why: String },
}

impl StackCtx {
    /// The bucket's default-encryption KMS key, if it has one; an info finding when the
    /// bucket's encryption cannot be read (the sampled objects' keys are still checked).
    pub(super) async fn bucket_default_key(
        &self,
        config: &aws_config::SdkConfig,
    ) -> Result<Option<String>, Finding> {
        let s3 = crate::replay::s3_client(config);
        crate::doctor::setup::default_kms_key(&s3, &self.outputs.bucket)
            .await
            .map_err(|e| {
                Finding::new(
                    Severity::Info,
                    "role-decrypt",
                    &self.subject(None),
                    format!("the bucket's default encryption cannot be read here ({e:#}); the sampled objects' keys are checked"),
                )
            })
    }

    /// The `role-decrypt` findings for the stack's keys and `seen` (keys the bucket or its
    /// objects name). The policies of keys read here join the stack's policy set.
    pub(super) async fn decrypt(
        &mut self,
        config: &aws_config::SdkConfig,
        seen: BTreeSet<String>,
    ) -> Vec<Finding> {
        let kms = aws_sdk_kms::Client::new(config);
        let mut done: BTreeSet<String> = self.keys.iter().cloned().collect();
        let mut keys: Vec<Key> = self
            .keys
            .iter()
            .map(|arn| Key::Read { arn: arn.clone() })
            .collect();
        for id in seen {
            if !done.insert(id.clone()) {
                continue;
            }
            let mut rb = ReadBack::default();
            match read_key(&kms, &id, &self.at, &mut rb).await {
                Ok(()) => {
                    let arn = rb.keys.get(&id).cloned().unwrap_or_else(|| id.clone());
                    for (res, (account, policy)) in rb.set.resources {
                        self.ledger.set.set_resource_policy(&res, &account, policy);
                    }
                    if arn == id || done.insert(arn.clone()) {
                        keys.push(Key::Read { arn });
                    }
                }
                Err(e) => keys.push(Key::Unreadable {
                    id,
                    why: format!("{e}: {}", e.root_cause()),
                }),
            }
        }
        keys.iter().map(|k| self.decrypt_one(k)).collect()
    }

    fn decrypt_request(&self, key: &str) -> Request {
        let mut context = self.at.base_context();
        context.set(
            "kms:ViaService",
            format!("s3.{}.amazonaws.com", self.at.region),
        );
        Request {
            principal: self.session(),
            action: "kms:Decrypt".into(),
            resource: key.to_string(),
            context,
        }
    }

    /// The key-policy statement that lets the role decrypt through S3 in this Region.
    fn key_statement(&self) -> String {
        serde_json::json!({
            "Sid": "SentinelDecryptThroughS3",
            "Effect": "Allow",
            "Principal": {"AWS": self.outputs.role_arn},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": format!("s3.{}.amazonaws.com", self.at.region)}}
        })
        .to_string()
    }

    fn decrypt_one(&self, key: &Key) -> Finding {
        let subject = self.subject(None);
        let own = |k: &str| self.keys.iter().any(|s| s == k);
        match key {
            Key::Read { arn } => match self.ledger.decide(
                "doctor: the role decrypting",
                "doctor",
                &self.decrypt_request(arn),
            ) {
                Ok(()) => Finding::new(
                    Severity::Ok,
                    "role-decrypt",
                    &subject,
                    format!("the role may decrypt through S3 with {arn}"),
                ),
                Err(e) => Finding::new(
                    Severity::Error,
                    "role-decrypt",
                    &subject,
                    format!(
                        "the role may not decrypt objects encrypted with {arn}: {}",
                        e.message()
                    ),
                )
                .fix(if own(arn) {
                    self.fix_for(
                        "redeploy the stack (its key policy and role policy grant kms:Decrypt through S3)",
                        self.manual_key_fix(arn),
                    )
                } else {
                    self.fix_for(
                        format!("deploy the stack with KmsKeyArn={arn} (the role's grant), and add its KmsKeyPolicyStatement output to the key's policy"),
                        self.manual_key_fix(arn),
                    )
                }),
            },
            Key::Unreadable { id, why } => {
                // The owner's part is unknown; the role's own part can still be decided on the
                // key's ARN, with a key policy that grants exactly what the owner should add.
                let decided = self.key_arn_of(id).and_then(|arn| self.role_side(&arn));
                match decided {
                    Some(true) => Finding::new(
                        Severity::Warning,
                        "role-decrypt",
                        &subject,
                        format!(
                            "objects are encrypted with {id}, whose key policy cannot be read here ({why}); the role's own policies allow kms:Decrypt on it, its key policy must too"
                        ),
                    )
                    .fix(format!(
                        "the key's owner adds this statement to the key policy of {id}: {}",
                        self.key_statement()
                    )),
                    Some(false) => Finding::new(
                        Severity::Error,
                        "role-decrypt",
                        &subject,
                        format!(
                            "objects are encrypted with {id} (its key policy cannot be read here: {why}), and the role's own policies do not allow kms:Decrypt on it"
                        ),
                    )
                    .fix(self.fix_for(
                        format!("deploy the stack with KmsKeyArn={id}, and have the key's owner add its KmsKeyPolicyStatement output to the key's policy"),
                        self.manual_key_fix(id),
                    )),
                    None => Finding::new(
                        Severity::Warning,
                        "role-decrypt",
                        &subject,
                        format!(
                            "objects are encrypted with {id}, which cannot be read here ({why}) and is no key ARN, so whether the role may decrypt with it is not decided"
                        ),
                    )
                    .fix(format!(
                        "allow this doctor kms:DescribeKey and kms:GetKeyPolicy on {id}, or check by hand: {}",
                        self.manual_key_fix(id)
                    )),
                }
            }
        }
    }

    /// The ARN of a key named by ARN or by key ID (in this account and Region); `None` for an
    /// alias, which identity policies do not name.
    fn key_arn_of(&self, id: &str) -> Option<String> {
        if id.contains("alias/") {
            None
        } else if id.starts_with("arn:") {
            Some(id.to_string())
        } else {
            Some(format!(
                "arn:{}:kms:{}:{}:key/{id}",
                self.at.partition, self.at.region, self.at.account
            ))
        }
    }

    /// Whether the role's own policies allow it kms:Decrypt through S3 on `arn`, its key
    /// policy assumed to hold the statement its owner should add; `None` when undecidable.
    fn role_side(&self, arn: &str) -> Option<bool> {
        let policy = Policy::from_json_str(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            self.key_statement()
        ))
        .ok()?;
        let owner = arn
            .split(':')
            .nth(4)
            .unwrap_or(&self.at.account)
            .to_string();
        let mut set = self.ledger.set.clone();
        set.set_resource_policy(
            arn,
            &owner,
            NamedPolicy {
                name: format!("the statement the owner of {arn} should add"),
                policy,
            },
        );
        set.evaluate(&self.decrypt_request(arn))
            .ok()
            .map(|d| d.allowed())
    }

    fn manual_key_fix(&self, key: &str) -> String {
        format!(
            "grant {} kms:Decrypt on {key} in its policy, and add to the key policy of {key}: {}",
            self.outputs.role_arn,
            self.key_statement()
        )
    }
}
