//! The checks `doctor` runs on one connector stack, on what was read back from the account.

use std::collections::BTreeMap;

use ::access::{Caller, Request};
use anyhow::{Context, Result};
use aws_sdk_sqs::types::QueueAttributeName as A;

mod keys;
mod objects;
mod topic;
mod watch;

use super::{cloud_of_trust, Finding, Severity};
use crate::access::assume::{provider_arn, sentinel_request, session_name, HEALTH_CANNOT_ASSUME};
use crate::access::readback::{read_back, QueueNotification};
use crate::access::{Ledger, Where};
use catalogue::DataType;
use generator::facts::{Cloud, SESSION_PREFIX_DEFENDER};
use generator::stacks::outputs::{ConnectorOutputs, DataTypeOutputs};

/// A connector stack's outputs, or the EKS stack's as a connector stack of one data type.
fn stack_outputs(stack: &str, outputs: &BTreeMap<String, String>) -> Result<ConnectorOutputs> {
    if outputs.contains_key(generator::stacks::outputs::LOG_GROUP) {
        let spec = generator::stacks::StackSpec {
            kind: generator::stacks::StackKind::Eks,
            cloud: Cloud::Commercial,
        };
        let o = generator::stacks::outputs::EksOutputs::from_map(&spec, outputs)
            .map_err(|e| e.in_stack(stack))?;
        return Ok(ConnectorOutputs {
            role_arn: o.role_arn,
            bucket: o.bucket,
            data_types: vec![DataTypeOutputs {
                data_type: DataType::Eks,
                queue: o.queue,
                notification_prefix: o.notification_prefix,
                table: o.table,
            }],
        });
    }
    ConnectorOutputs::from_any(outputs)
        .map_err(|e| e.in_stack(stack))
        .with_context(|| format!("{stack} is neither a connector stack nor the EKS stack"))
}

/// What one stack's checks work on (or one setup's, named by its role and queues).
pub(super) struct StackCtx {
    stack: String,
    outputs: ConnectorOutputs,
    raw_outputs: BTreeMap<String, String>,
    /// Whether it is a stack of ours (else a setup named by its role and queues).
    managed: bool,
    workspace: String,
    at: Where,
    cloud: Cloud,
    ledger: Ledger,
    notifications: Vec<QueueNotification>,
    /// The bucket's notifications to SNS topics (`queue_arn` is the topic's ARN).
    topic_notifications: Vec<QueueNotification>,
    /// The topic subscriptions that deliver to each queue, by queue ARN.
    feeds: BTreeMap<String, Vec<crate::doctor::sns::Feed>>,
    /// The KMS keys the stack creates (GuardDuty's export key), by ARN.
    keys: Vec<String>,
}

impl StackCtx {
    /// Reads the stack's policies back from the account.
    pub(super) async fn read(
        config: &aws_config::SdkConfig,
        stack: &str,
        outputs: &BTreeMap<String, String>,
        workspace: &str,
        at: &Where,
    ) -> Result<StackCtx> {
        let parsed = stack_outputs(stack, outputs)?;
        let rb = read_back(config, &[stack], at).await?;
        let mut ctx = StackCtx::from_parts(config, stack, parsed, rb, workspace, at).await?;
        ctx.raw_outputs = outputs.clone();
        ctx.managed = true;
        Ok(ctx)
    }

    /// Reads a setup that is no stack of ours back from the account; its subject is the role.
    pub(super) async fn read_setup(
        config: &aws_config::SdkConfig,
        setup: &super::setup::Setup,
        workspace: &str,
        at: &Where,
    ) -> Result<StackCtx> {
        let read = super::setup::read(config, setup, at).await?;
        let name = format!(
            "role/{}",
            setup.role_arn.rsplit('/').next().unwrap_or(&setup.role_arn)
        );
        StackCtx::from_parts(config, &name, read.outputs, read.read_back, workspace, at).await
    }

    async fn from_parts(
        config: &aws_config::SdkConfig,
        stack: &str,
        parsed: ConnectorOutputs,
        mut rb: crate::access::readback::ReadBack,
        workspace: &str,
        at: &Where,
    ) -> Result<StackCtx> {
        // A bucket that is not the stack's (an existing bucket, an organization's log archive):
        // its notifications and policy are read from the bucket itself. One that cannot be
        // read is reported by the object checks.
        if !rb.notifications.iter().any(|n| n.bucket == parsed.bucket) {
            let s3 = crate::replay::s3_client(config);
            let _ = crate::access::readback::read_bucket(&s3, &parsed.bucket, at, &mut rb).await;
        }
        // The topics that feed the queues, and their policies (S3 -> SNS -> SQS).
        let sns = aws_sdk_sns::Client::new(config);
        let mut feeds = BTreeMap::new();
        for d in &parsed.data_types {
            let f = crate::doctor::sns::feeds_of(&sns, &d.queue.arn).await?;
            for feed in &f {
                crate::access::readback::read_topic(&sns, &feed.topic_arn, at, &mut rb).await?;
            }
            feeds.insert(d.queue.arn.clone(), f);
        }
        // The trust policy's text names the issuer, so the cloud.
        let iam = aws_sdk_iam::Client::new(config);
        let role_name = parsed
            .role_arn
            .rsplit('/')
            .next()
            .unwrap_or(&parsed.role_arn)
            .to_string();
        let role = iam
            .get_role()
            .role_name(&role_name)
            .send()
            .await
            .with_context(|| format!("IAM GetRole {role_name}"))?;
        let trust = role
            .role()
            .and_then(|r| r.assume_role_policy_document())
            .unwrap_or_default();
        let trust = percent_encoding::percent_decode_str(trust)
            .decode_utf8_lossy()
            .into_owned();
        Ok(StackCtx {
            stack: stack.to_string(),
            outputs: parsed,
            raw_outputs: BTreeMap::new(),
            managed: false,
            workspace: workspace.to_string(),
            at: at.clone(),
            cloud: cloud_of_trust(&trust),
            notifications: rb.notifications.clone(),
            topic_notifications: rb.topic_notifications.clone(),
            feeds,
            keys: {
                let mut k: Vec<String> = rb.keys.values().cloned().collect();
                k.sort();
                k.dedup();
                k
            },
            ledger: Ledger::new(rb.set),
        })
    }

    /// The fix: `stack` when the setup is a stack of ours (redeploying it restores what the
    /// template sets), `manual` when it is not.
    fn fix_for(&self, stack: impl Into<String>, manual: impl Into<String>) -> String {
        if self.managed {
            stack.into()
        } else {
            manual.into()
        }
    }

    fn role_name(&self) -> &str {
        self.outputs
            .role_arn
            .rsplit('/')
            .next()
            .unwrap_or(&self.outputs.role_arn)
    }

    fn subject(&self, d: Option<DataType>) -> String {
        match d {
            Some(d) => format!("{}/{}", self.stack, d.slug()),
            None => self.stack.clone(),
        }
    }

    fn session(&self) -> Caller {
        Caller::RoleSession {
            role_arn: self.outputs.role_arn.clone(),
            session_name: session_name(&self.workspace),
        }
    }

    /// Every check, in the order a user fixes them.
    pub(super) async fn run(
        &mut self,
        config: &aws_config::SdkConfig,
        samples: u32,
    ) -> Result<Vec<Finding>> {
        let mut out = Vec::new();
        out.extend(self.provider(config).await);
        out.extend(self.trust());
        // The keys are known once the objects were read; their findings go here, before the
        // per-queue ones, as the stack's own keys' did.
        let decrypt_at = out.len();
        let mut seen = std::collections::BTreeSet::new();
        match self.bucket_default_key(config).await {
            Ok(key) => seen.extend(key),
            Err(note) => out.push(note),
        }
        let data_types = self.outputs.data_types.clone();
        for d in &data_types {
            out.extend(self.role_grants(d));
            match self.topic_path(d) {
                Some(findings) => out.extend(findings),
                None => {
                    out.extend(self.queue_policy(d));
                    out.extend(self.notification(d));
                }
            }
            out.extend(self.queues(config, d).await?);
            let (found, keys) = self.objects(config, d, samples).await?;
            out.extend(found);
            seen.extend(keys);
        }
        let decrypt = self.decrypt(config, seen).await;
        out.splice(decrypt_at..decrypt_at, decrypt);
        out.extend(self.overlaps());
        Ok(out)
    }

    /// The IAM OIDC provider Sentinel's tokens come through, with Sentinel's audience.
    async fn provider(&self, config: &aws_config::SdkConfig) -> Vec<Finding> {
        let arn = provider_arn(self.cloud, &self.at);
        let aud = self.cloud.audience();
        let subject = self.subject(None);
        let iam = aws_sdk_iam::Client::new(config);
        // The provider of the issuer, listed: IAM names it after the issuer with its trailing
        // `/`, LocalStack without it.
        let host_path = self.cloud.issuer_host_path();
        let listed = match iam.list_open_id_connect_providers().send().await {
            Ok(l) => l
                .open_id_connect_provider_list()
                .iter()
                .filter_map(|p| p.arn())
                .find(|a| {
                    a.split_once(":oidc-provider/").is_some_and(|(_, p)| {
                        p.trim_end_matches('/') == host_path.trim_end_matches('/')
                    })
                })
                .map(str::to_string),
            Err(_) => None,
        };
        let arn = listed.unwrap_or(arn);
        match iam
            .get_open_id_connect_provider()
            .open_id_connect_provider_arn(&arn)
            .send()
            .await
        {
            Ok(p) if p.client_id_list().iter().any(|c| c == aud) => vec![Finding::new(
                Severity::Ok,
                "oidc-provider",
                &subject,
                format!("{arn} has Sentinel's audience {aud}"),
            )],
            Ok(p) => vec![Finding::new(
                Severity::Error,
                "oidc-provider",
                &subject,
                format!(
                    "{arn} lacks Sentinel's audience {aud} (it has {:?}): Sentinel's token is refused",
                    p.client_id_list()
                ),
            )
            .code(HEALTH_CANNOT_ASSUME)
            .fix(format!(
                "aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn {arn} --client-id {aud}"
            ))],
            Err(e) => vec![Finding::new(
                Severity::Error,
                "oidc-provider",
                &subject,
                format!(
                    "no IAM OIDC provider {arn} (IAM answers {}): Sentinel's token has nothing to federate through",
                    aws_sdk_iam::error::ProvideErrorMetadata::code(&e).unwrap_or("an error")
                ),
            )
            .code(HEALTH_CANNOT_ASSUME)
            .fix(format!(
                "deploy the OIDC provider stack (simulator deploy --template oidc{} --stack-name <name>), or aws iam create-open-id-connect-provider --url {} --client-id-list {aud}",
                if self.cloud == Cloud::Government { " --cloud government" } else { "" },
                self.cloud.issuer_url()
            ))],
        }
    }

    /// The role's trust: Sentinel's web identity with its audience and session name, and
    /// whether Defender for Cloud's session prefix is allowed too.
    fn trust(&self) -> Vec<Finding> {
        let role = &self.outputs.role_arn;
        let subject = self.subject(None);
        let request = sentinel_request(self.cloud, &self.at, role, &self.workspace);
        let mut out = vec![match self.ledger.decide("Sentinel assuming the role", "doctor", &request) {
            Ok(()) => Finding::new(
                Severity::Ok,
                "trust",
                &subject,
                format!(
                    "{role} trusts Sentinel's web identity with session name {}",
                    session_name(&self.workspace)
                ),
            ),
            Err(d) => Finding::new(
                Severity::Error,
                "trust",
                &subject,
                format!("Sentinel cannot assume {role}: {}", d.message()),
            )
            .code(HEALTH_CANNOT_ASSUME)
            .fix(self.fix_for(
                format!(
                    "redeploy the stack with SentinelWorkspaceId={} (lower case: the session name is compared case-sensitively) and the role name Sentinel is given",
                    self.workspace.to_ascii_lowercase()
                ),
                format!(
                    "the trust policy must allow sts:AssumeRoleWithWebIdentity by {} with {}:aud = {} and sts:RoleSessionName = {}: aws iam update-assume-role-policy --role-name {} --policy-document file://trust.json",
                    provider_arn(self.cloud, &self.at),
                    self.cloud.issuer_host_path(),
                    self.cloud.audience(),
                    session_name(&self.workspace.to_ascii_lowercase()),
                    self.role_name()
                ),
            )),
        }];
        let mut defender = request.clone();
        defender.context.set(
            "sts:RoleSessionName",
            format!("{SESSION_PREFIX_DEFENDER}{}", self.workspace),
        );
        out.push(match self.ledger.decide("Defender for Cloud's session name", "doctor", &defender) {
            Ok(()) => Finding::new(
                Severity::Info,
                "trust",
                &subject,
                format!("the session prefix {SESSION_PREFIX_DEFENDER} is allowed too"),
            ),
            Err(_) => Finding::new(
                Severity::Info,
                "trust",
                &subject,
                format!(
                    "the session prefix {SESSION_PREFIX_DEFENDER} is not allowed; if Sentinel reports {HEALTH_CANNOT_ASSUME} with that prefix, allow it"
                ),
            )
            .fix(self.fix_for(
                "redeploy with AllowDefenderSessionName=true",
                format!(
                    "add {SESSION_PREFIX_DEFENDER}{} to the trust policy's sts:RoleSessionName condition",
                    self.workspace
                ),
            )),
        });
        out
    }

    /// The role may consume the queue and read the notified prefix.
    fn role_grants(&self, d: &DataTypeOutputs) -> Vec<Finding> {
        let subject = self.subject(Some(d.data_type));
        let mut out = Vec::new();
        let mut denied = Vec::new();
        for action in [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
        ] {
            let r = Request {
                principal: self.session(),
                action: action.into(),
                resource: d.queue.arn.clone(),
                context: self.at.base_context(),
            };
            if let Err(e) = self
                .ledger
                .decide("doctor: the role on its queue", "doctor", &r)
            {
                denied.push(e.message());
            }
        }
        out.push(match denied.is_empty() {
            true => Finding::new(
                Severity::Ok,
                "role-queue",
                &subject,
                format!("the role may receive, delete and change visibility on {}", d.queue.arn),
            ),
            false => Finding::new(
                Severity::Error,
                "role-queue",
                &subject,
                format!("the role may not consume its queue: {}", denied.join("; ")),
            )
            .fix(self.fix_for(
                "redeploy the stack (its role policy grants the queue actions); do not edit the role by hand",
                format!(
                    "grant the role sqs:ReceiveMessage, sqs:DeleteMessage and sqs:ChangeMessageVisibility on {}: aws iam put-role-policy --role-name {} --policy-name SentinelQueue --policy-document file://queue.json",
                    d.queue.arn,
                    self.role_name()
                ),
            )),
        });
        // A prefix of every account (a log archive's `<folder>/AWSLogs/`): probed where this
        // account's objects of the data type would be.
        let within = match d.notification_prefix.ends_with("AWSLogs/") {
            true => format!("{}/{}/", self.at.account, d.data_type.key_segment()),
            false => String::new(),
        };
        let object = format!(
            "arn:{}:s3:::{}/{}{within}doctor-probe{}",
            self.at.partition,
            self.outputs.bucket,
            d.notification_prefix,
            d.data_type.suffix()
        );
        let r = Request {
            principal: self.session(),
            action: "s3:GetObject".into(),
            resource: object.clone(),
            context: self.at.base_context(),
        };
        out.push(
            match self.ledger.decide("doctor: the role reading", "doctor", &r) {
                Ok(()) => Finding::new(
                    Severity::Ok,
                    "role-read",
                    &subject,
                    format!(
                        "the role may read s3://{}/{}",
                        self.outputs.bucket, d.notification_prefix
                    ),
                ),
                Err(e) => Finding::new(
                    Severity::Error,
                    "role-read",
                    &subject,
                    format!(
                        "the role may not read the notified objects: {}",
                        e.message()
                    ),
                )
                .fix(self.fix_for(
                    "redeploy the stack with the KeyPrefix the objects are written under",
                    format!(
                        "grant the role s3:GetObject on arn:{}:s3:::{}/{}*",
                        self.at.partition, self.outputs.bucket, d.notification_prefix
                    ),
                )),
            },
        );
        out
    }

    /// The queue policy lets the bucket send.
    fn queue_policy(&self, d: &DataTypeOutputs) -> Vec<Finding> {
        let bucket_arn = format!("arn:{}:s3:::{}", self.at.partition, self.outputs.bucket);
        let mut context = self.at.base_context();
        context
            .set("aws:SourceArn", bucket_arn.clone())
            .set("aws:SourceAccount", self.at.account.clone());
        let r = Request {
            principal: Caller::Service {
                name: "s3.amazonaws.com".into(),
            },
            action: "sqs:SendMessage".into(),
            resource: d.queue.arn.clone(),
            context,
        };
        let subject = self.subject(Some(d.data_type));
        vec![match self.ledger.decide("doctor: S3 notifying the queue", "doctor", &r) {
            Ok(()) => Finding::new(
                Severity::Ok,
                "queue-policy",
                &subject,
                format!("the queue policy lets {bucket_arn} send"),
            ),
            Err(e) => Finding::new(
                Severity::Error,
                "queue-policy",
                &subject,
                format!(
                    "S3 may not notify the queue for {bucket_arn}: {}; no message ever reaches Sentinel",
                    e.message()
                ),
            )
            .fix(format!(
                "the queue policy of {} must allow s3.amazonaws.com sqs:SendMessage with aws:SourceArn {bucket_arn}{}",
                d.queue.arn,
                self.fix_for(format!("; redeploy the stack with BucketName={}", self.outputs.bucket), "")
            )),
        }]
    }

    /// The bucket's notification to this queue filters the stack's prefix and suffix, and the
    /// queue serves one path.
    fn notification(&self, d: &DataTypeOutputs) -> Vec<Finding> {
        let mine: Vec<&QueueNotification> = self
            .notifications
            .iter()
            .filter(|n| n.bucket == self.outputs.bucket && n.queue_arn == d.queue.arn)
            .collect();
        let command = self
            .raw_outputs
            .get("BucketNotificationCommand")
            .cloned()
            .unwrap_or_else(|| {
                self.fix_for(
                    "redeploy the stack (it sets the notification)",
                    format!(
                        "aws s3api put-bucket-notification-configuration --bucket {} with a QueueConfiguration of {} for s3:ObjectCreated:* filtering the prefix and suffix of the objects (keep the bucket's other configurations)",
                        self.outputs.bucket, d.queue.arn
                    ),
                )
            });
        self.filters(d, &mine, &d.queue.arn, &command)
    }

    /// The findings on the notifications `mine` of the bucket to `target` (the queue, or the
    /// topic that feeds it): one path, the stack's prefix and the data type's suffix.
    pub(super) fn filters(
        &self,
        d: &DataTypeOutputs,
        mine: &[&QueueNotification],
        target: &str,
        command: &str,
    ) -> Vec<Finding> {
        let subject = self.subject(Some(d.data_type));
        let command = command.to_string();
        let Some(first) = mine.first() else {
            return vec![Finding::new(
                Severity::Error,
                "notification",
                &subject,
                format!(
                    "bucket {} sends no notification to {target}: the queue stays empty",
                    self.outputs.bucket
                ),
            )
            .fix(command)];
        };
        let mut out = Vec::new();
        if mine.len() > 1 {
            out.push(Finding::new(
                Severity::Warning,
                "notification",
                &subject,
                format!(
                    "{} notifications send to {target} ({}): one queue should serve one path, or the connector gets objects of another format",
                    mine.len(),
                    mine.iter().map(|n| format!("{}*{}", n.prefix, n.suffix)).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        let suffix = d.data_type.suffix();
        if first.prefix != d.notification_prefix {
            out.push(
                Finding::new(
                    Severity::Error,
                    "notification",
                    &subject,
                    format!(
                        "the notification filters prefix '{}', the stack's objects are under '{}'",
                        first.prefix, d.notification_prefix
                    ),
                )
                .fix(command.clone()),
            );
        } else if first.suffix.is_empty() && !suffix.is_empty() {
            out.push(
                Finding::new(
                    Severity::Warning,
                    "notification",
                    &subject,
                    format!(
                        "no suffix filter: every object under {} is announced, not only {suffix} ones",
                        first.prefix
                    ),
                )
                .fix(command.clone()),
            );
        } else if first.suffix != suffix {
            out.push(
                Finding::new(
                    Severity::Error,
                    "notification",
                    &subject,
                    format!(
                        "the notification filters suffix '{}', the objects end in '{suffix}'",
                        first.suffix
                    ),
                )
                .fix(command.clone()),
            );
        } else {
            out.push(Finding::new(
                Severity::Ok,
                "notification",
                &subject,
                format!(
                    "{}*{} is announced to the queue",
                    first.prefix, first.suffix
                ),
            ));
        }
        out
    }

    /// No two notifications of the stack's bucket overlap.
    fn overlaps(&self) -> Vec<Finding> {
        // A queue configuration and a topic configuration overlap as two queues would.
        let all: Vec<QueueNotification> = self
            .notifications
            .iter()
            .chain(&self.topic_notifications)
            .cloned()
            .collect();
        overlaps(&all, &self.outputs.bucket, &self.subject(None))
    }

    /// The dead-letter queue is configured; its depth and the queue's.
    async fn queues(
        &self,
        config: &aws_config::SdkConfig,
        d: &DataTypeOutputs,
    ) -> Result<Vec<Finding>> {
        let sqs = aws_sdk_sqs::Client::new(config);
        let subject = self.subject(Some(d.data_type));
        let attrs = |url: &str| {
            let sqs = sqs.clone();
            let url = url.to_string();
            async move {
                sqs.get_queue_attributes()
                    .queue_url(&url)
                    .attribute_names(A::RedrivePolicy)
                    .attribute_names(A::ApproximateNumberOfMessages)
                    .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
                    .send()
                    .await
                    .with_context(|| format!("SQS GetQueueAttributes {url}"))
                    .map(|a| a.attributes().cloned().unwrap_or_default())
            }
        };
        let count = |a: &std::collections::HashMap<A, String>, k: A| {
            a.get(&k).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        };
        let q = attrs(&d.queue.url).await?;
        let mut out = Vec::new();
        match q.get(&A::RedrivePolicy).filter(|p| !p.is_empty()) {
            Some(policy) => out.push(Finding::new(
                Severity::Ok,
                "dlq",
                &subject,
                format!("redrive policy {policy}"),
            )),
            None => out.push(
                Finding::new(
                    Severity::Error,
                    "dlq",
                    &subject,
                    format!(
                        "{} has no dead-letter queue: an object the connector cannot read is received again and again until the queue's retention drops it",
                        d.queue.url
                    ),
                )
                .fix(self.fix_for(
                    "redeploy the stack (it creates the dead-letter queue and the redrive policy)",
                    format!(
                        "create a dead-letter queue and give {} the redrive policy {{\"deadLetterTargetArn\":\"<its ARN>\",\"maxReceiveCount\":5}}: aws sqs set-queue-attributes --queue-url {} --attributes file://redrive.json",
                        d.queue.url, d.queue.url
                    ),
                )),
            ),
        }
        // No dead-letter queue to look into (a setup whose queue has no redrive policy).
        let dead = match d.queue.dlq_url.is_empty() {
            true => 0,
            false => count(
                &attrs(&d.queue.dlq_url).await?,
                A::ApproximateNumberOfMessages,
            ),
        };
        if dead > 0 {
            out.push(
                Finding::new(
                    Severity::Warning,
                    "dlq",
                    &subject,
                    format!(
                        "{dead} message(s) in the dead-letter queue: objects that failed maxReceiveCount times, their records not in Sentinel"
                    ),
                )
                .fix(format!(
                    "aws sqs receive-message --queue-url {} to see which objects; check each with simulator parse --service {} FILE",
                    d.queue.dlq_url,
                    d.data_type.slug()
                )),
            );
        }
        let waiting = count(&q, A::ApproximateNumberOfMessages);
        out.push(Finding::new(
            Severity::Info,
            "queue-depth",
            &subject,
            format!(
                "{waiting} message(s) waiting, {} in flight",
                count(&q, A::ApproximateNumberOfMessagesNotVisible)
            ),
        ));
        out.push(self.queue_age(config, d, waiting).await);
        out.extend(self.alarms(config, d).await);
        Ok(out)
    }
}

/// The overlapping pairs among `bucket`'s notifications to different queues: an object
/// matching both prefixes and both suffixes reaches only one of them.
fn overlaps(notifications: &[QueueNotification], bucket: &str, subject: &str) -> Vec<Finding> {
    let mine: Vec<&QueueNotification> = notifications
        .iter()
        .filter(|n| n.bucket == bucket)
        .collect();
    let mut out = Vec::new();
    for (i, a) in mine.iter().enumerate() {
        for b in &mine[i + 1..] {
            let prefixes = a.prefix.starts_with(&b.prefix) || b.prefix.starts_with(&a.prefix);
            let suffixes = a.suffix.ends_with(&b.suffix) || b.suffix.ends_with(&a.suffix);
            if prefixes && suffixes && a.queue_arn != b.queue_arn {
                out.push(
                    Finding::new(
                        Severity::Error,
                        "notification",
                        subject,
                        format!(
                            "the notifications {}*{} -> {} and {}*{} -> {} overlap: an object matching both goes to one queue only",
                            a.prefix, a.suffix, a.queue_arn, b.prefix, b.suffix, b.queue_arn
                        ),
                    )
                    .fix("give each data type its own prefix (its KeyPrefix) and suffix"),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(queue: &str, prefix: &str, suffix: &str) -> QueueNotification {
        QueueNotification {
            bucket: "b".into(),
            queue_arn: queue.into(),
            prefix: prefix.into(),
            suffix: suffix.into(),
        }
    }

    #[test]
    fn overlapping_filters_to_different_queues_are_errors() {
        let ok = [
            n("q1", "ALBLogs/AWSLogs/1/elasticloadbalancing/", ".log.gz"),
            n(
                "q2",
                "NLBAccessLogs/AWSLogs/1/elasticloadbalancing/",
                ".log.gz",
            ),
            n("q3", "AWSLogs/1/CloudTrail/", ".json.gz"),
            n("q4", "AWSLogs/1/", ".log.gz"),
        ];
        assert!(overlaps(&ok, "b", "s").is_empty());
        let bad = [
            n("q1", "AWSLogs/1/", ".log.gz"),
            n("q2", "AWSLogs/1/vpcflowlogs/", ".gz"),
            n("q3", "AWSLogs/1/vpcflowlogs/", ".json.gz"),
        ];
        let found = overlaps(&bad, "b", "s");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found
            .iter()
            .all(|f| f.severity == Severity::Error && f.fix.is_some()));
        // Another bucket's notifications are not this one's.
        assert!(overlaps(&bad, "other", "s").is_empty());
    }
}
