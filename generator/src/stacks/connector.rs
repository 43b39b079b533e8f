//! The S3 connector stacks: one service per stack, or all four sharing one bucket.
//!
//! Layout: one bucket (new or existing), per service one queue + dead-letter queue + queue
//! policy + notification filtered by that service's prefix and suffix, the delivering
//! resource (flow log, trail, detector + publishing destination, or the CloudWatch Logs ->
//! Firehose -> Lambda path), and one `OIDC_` role whose policy names exactly those queues,
//! prefixes and keys.

use super::common::{self, QueuePair, QueueTuning, ROLE_ID, ROLE_POLICY_ID};
use super::services;
use crate::cfn::{Cond, Expr, Parameter, Template};
use crate::config::patterns;
use crate::facts::{Cloud, Service};
use crate::grants;
use crate::iam::{PolicyDocument, PolicyKind, Statement};
use crate::resources::{iam, s3, sqs, standard_tags};
use crate::text;
use serde_json::json;

pub const BUCKET_ID: &str = "LogBucket";
pub const BUCKET_POLICY_ID: &str = "LogBucketPolicy";
pub const CREATE_BUCKET: &str = "CreateBucket";
pub const USE_EXISTING_BUCKET: &str = "UsesExistingBucket";

/// What one service module contributes to the shared parts of the stack.
pub struct ServiceParts {
    pub service: Service,
    pub queue: QueuePair,
    /// The notification prefix, a `Fn::Sub` template such as `AWSLogs/${AWS::AccountId}/CloudTrail/`.
    pub prefix: String,
    /// Statements the delivering service needs in the bucket policy.
    pub bucket_statements: Vec<Statement>,
    /// Statements the Sentinel role needs beyond its queue and prefix.
    pub role_statements: Vec<Statement>,
}

/// Shared context handed to each service module.
pub struct Ctx {
    pub cloud: Cloud,
    pub single: bool,
    pub bucket_name: Expr,
    pub tuning: QueueTuning,
}

impl Ctx {
    /// A parameter or output name: plain in a one-service stack, service-prefixed otherwise.
    pub fn name(&self, service: Service, base: &str) -> String {
        if self.single {
            base.to_string()
        } else {
            format!("{}{}", service.id(), base)
        }
    }
}

pub fn prefix_template(service: Service) -> String {
    format!("AWSLogs/${{AWS::AccountId}}/{}/", service.key_segment())
}

pub fn build(cloud: Cloud, services_: &[Service]) -> Template {
    let single = services_.len() == 1;
    let labels: Vec<&str> = services_.iter().map(|s| s.label()).collect();
    let mut t = Template::new(text::render(
        "stack_description",
        &json!({"kind": "connector", "cloud_label": cloud.label(), "services": labels.join(", "), "multi": !single}),
    ));

    common::workspace_param(&mut t);
    let default_role = if single {
        services_[0].default_role_name()
    } else {
        "OIDC_MicrosoftSentinelRole"
    };
    let role_name = common::role_params(&mut t, default_role);

    let what = if single { services_[0].slug() } else { "logs" };
    let bucket_name = common::name_param(
        &mut t,
        "BucketName",
        "Name of the log bucket (new, or the existing one when UseExistingBucket is true).",
        common::derived_bucket_name(what),
        (
            &patterns::BUCKET_NAME_OR_EMPTY[3..],
            patterns::BUCKET_NAME_RULE,
        ),
    );
    t.param(
        "UseExistingBucket",
        Parameter::boolean(
            "Use an existing bucket instead of creating one. The stack then leaves the bucket, its policy, its notification configuration and the delivering services alone; run the BucketNotificationCommand output once.",
            false,
        ),
    );
    t.condition(
        CREATE_BUCKET,
        Cond::equals(Expr::reference("UseExistingBucket"), "false"),
    );
    t.condition(USE_EXISTING_BUCKET, !(Cond::named(CREATE_BUCKET)));
    let expiry = t.param(
        "LogExpirationDays",
        Parameter::number(
            "Days after which log objects are deleted from a bucket this stack creates.",
            90,
            1,
            3650,
        ),
    );
    let tuning = common::queue_tuning_params(&mut t);
    let ctx = Ctx {
        cloud,
        single,
        bucket_name: bucket_name.clone(),
        tuning,
    };

    let parts: Vec<ServiceParts> = services_
        .iter()
        .map(|s| services::add(&mut t, &ctx, *s))
        .collect();

    // Queue policies: only this bucket, in this account, may send.
    for p in &parts {
        t.add(
            &format!("{}Policy", p.queue.id),
            &sqs::QueuePolicy {
                queues: vec![p.queue.url()],
                policy_document: PolicyDocument::new(
                    PolicyKind::Queue,
                    vec![grants::s3_notifies_queue(p.queue.arn(), &bucket_name)
                        .sid("S3BucketNotifications")],
                ),
            },
        );
    }

    // The role Sentinel assumes, and what it may do.
    t.add(
        ROLE_ID,
        &iam::Role {
            role_name: Some(role_name),
            description: Expr::sub(format!(
                "Assumed by Microsoft Sentinel ({}) workspace ${{{}}} to read {}.",
                cloud.label(),
                common::WORKSPACE_PARAM,
                labels.join(", ")
            )),
            assume_role_policy_document: common::oidc_trust(cloud),
            managed_policy_arns: Vec::new(),
            max_session_duration: 3600,
            tags: standard_tags("sentinel-role"),
        },
    );
    let mut role_statements = Vec::new();
    for p in &parts {
        let id = p.service.id();
        role_statements
            .push(grants::consume_queue(p.queue.arn()).sid(&format!("{id}ConsumeQueue")));
        role_statements
            .push(grants::read_prefix(&bucket_name, &p.prefix).sid(&format!("{id}ReadLogs")));
        role_statements.extend(p.role_statements.iter().cloned());
    }
    t.add(
        ROLE_POLICY_ID,
        &iam::Policy {
            policy_name: Expr::str("SentinelS3ConnectorAccess"),
            policy_document: PolicyDocument::new(PolicyKind::Identity, role_statements),
            roles: vec![Expr::reference(ROLE_ID)],
        },
    );

    // The bucket, when the stack creates it.
    let notifications: Vec<s3::QueueConfiguration> = parts
        .iter()
        .map(|p| {
            s3::QueueConfiguration::object_created(
                p.queue.arn(),
                Expr::sub(p.prefix.clone()),
                Expr::str(p.service.suffix()),
            )
        })
        .collect();
    let mut bucket = t
        .add(
            BUCKET_ID,
            &s3::Bucket {
                bucket_name: Some(bucket_name.clone()),
                bucket_encryption: s3::BucketEncryption::s3_managed(),
                public_access_block_configuration: s3::PublicAccessBlock::all(),
                ownership_controls: s3::OwnershipControls::bucket_owner_enforced(),
                versioning_configuration: None,
                lifecycle_configuration: s3::Lifecycle {
                    rules: vec![s3::LifecycleRule {
                        id: "ExpireLogs".into(),
                        status: "Enabled",
                        expiration_in_days: expiry,
                        abort_incomplete_multipart_upload: s3::AbortIncomplete {
                            days_after_initiation: 7,
                        },
                        noncurrent_version_expiration: None,
                    }],
                },
                notification_configuration: Some(s3::NotificationConfiguration {
                    queue_configurations: notifications,
                }),
                tags: standard_tags("log-bucket"),
            },
        )
        .condition(CREATE_BUCKET)
        .retain();
    // S3 checks that it may send to each queue when the notification is configured.
    for p in &parts {
        bucket = bucket.depends_on(format!("{}Policy", p.queue.id));
    }
    let _ = bucket;

    let mut bucket_statements = vec![grants::deny_insecure_transport(&bucket_name)];
    for p in &parts {
        bucket_statements.extend(p.bucket_statements.iter().cloned());
    }
    t.add(
        BUCKET_POLICY_ID,
        &s3::BucketPolicy {
            bucket: Expr::reference(BUCKET_ID),
            policy_document: PolicyDocument::new(PolicyKind::Bucket, bucket_statements),
        },
    )
    .condition(CREATE_BUCKET);

    outputs(&mut t, &ctx, &parts);
    t
}

fn outputs(t: &mut Template, ctx: &Ctx, parts: &[ServiceParts]) {
    t.output(
        "SentinelRoleArn",
        "Role to add in the Sentinel connector page.",
        Expr::get_att(ROLE_ID, "Arn"),
    );
    for p in parts {
        let s = p.service;
        t.output(
            &ctx.name(s, "SentinelSQSQueueURL"),
            format!(
                "SQS URL to add in the Sentinel connector page for {}.",
                s.label()
            ),
            p.queue.url(),
        );
        t.output(
            &ctx.name(s, "SentinelSQSQueueArn"),
            format!("ARN of the {} notification queue.", s.label()),
            p.queue.arn(),
        );
        t.output(
            &ctx.name(s, "DeadLetterQueueURL"),
            format!(
                "Notifications for {} objects the connector could not process end up here.",
                s.label()
            ),
            p.queue.dlq_url(),
        );
        t.output(
            &ctx.name(s, "DestinationTable"),
            format!("Sentinel table for {}.", s.label()),
            Expr::str(s.table()),
        );
        t.output(
            &ctx.name(s, "NotificationPrefix"),
            format!(
                "Only objects under this prefix ending in {} are announced to the queue.",
                s.suffix()
            ),
            Expr::sub(p.prefix.clone()),
        );
        t.output(
            &ctx.name(s, "ConnectorSettings"),
            "What to enter in the Sentinel portal.",
            Expr::sub(text::render(
                "connector_settings",
                &json!({"queue_id": p.queue.id, "table": s.table()}),
            )),
        );
    }
    t.output(
        "LogBucketName",
        "The bucket the logs are delivered to.",
        ctx.bucket_name.clone(),
    );
    let queues: Vec<_> = parts
        .iter()
        .map(|p| {
            json!({"id": format!("sentinel-{}", p.service.slug()), "queue_id": p.queue.id,
                   "prefix": p.prefix, "suffix": p.service.suffix()})
        })
        .collect();
    t.output(
        "BucketNotificationCommand",
        "Existing bucket only: run once to announce new log objects to the queues. It replaces the bucket's whole notification configuration, so merge any existing entries first.",
        Expr::sub_with(
            text::render("notification_command", &json!({"queues": queues})),
            [("Bucket", ctx.bucket_name.clone())],
        ),
    )
    .condition = Some(USE_EXISTING_BUCKET.to_string());
}
