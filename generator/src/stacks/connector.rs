//! The S3 connector stacks: one service per stack, or all four sharing one bucket.
//!
//! Layout: one bucket (new or existing), per service one queue + dead-letter queue + queue
//! policy + notification filtered by that service's prefix and suffix, the delivering
//! resource (flow log, trail, detector + publishing destination, or the CloudWatch Logs ->
//! Firehose -> Lambda path), and one `OIDC_` role whose policy names exactly those queues,
//! prefixes and keys.

use super::bucket::{
    Ctx, ServiceParts, BUCKET_ID, BUCKET_POLICY_ID, CREATE_BUCKET, HAS_KMS_KEY, USE_EXISTING_BUCKET,
};
use super::common::{self, ROLE_ID, ROLE_POLICY_ID};
use super::services::{self, ConnectorType};
use super::{outputs, params};
use crate::cfn::{Cond, Expr, Parameter, Template};
use crate::config::patterns;
use crate::facts::{Cloud, DataType};
use crate::grants;
use crate::iam::{PolicyDocument, PolicyKind};
use crate::resources::{iam, s3, sqs, standard_tags};
use crate::text;
use serde_json::json;

pub const QUEUE_POLICY_ID: &str = "QueuePolicy";

pub const KMS_KEY_PARAM: &str = params::KMS_KEY_ARN;
/// The output with the key-policy statement for Firehose's delivery role.
pub const FIREHOSE_KEY_POLICY_OUTPUT: &str = "FirehoseKmsKeyPolicyStatement";
/// A KMS key ARN (a key ID or a multi-Region `mrk-` key, not an alias).
pub(crate) const KMS_KEY_PATTERN: &str =
    "^$|^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]{1,64}$";
pub(crate) const KMS_KEY_RULE: &str = "must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key id> (not an alias), or empty";

/// The connector stack of `kinds`: `what` names its bucket's default (`vpc`, `logs`), and
/// `default_role` is its role's default name.
pub fn build(cloud: Cloud, kinds: &[ConnectorType], what: &str, default_role: &str) -> Template {
    let services_: Vec<DataType> = kinds.iter().map(|k| k.data_type()).collect();
    let single = services_.len() == 1;
    let labels: Vec<&str> = services_.iter().map(|s| s.label()).collect();
    let mut t = Template::new(text::render(
        "stack_description",
        &json!({"kind": "connector", "cloud_label": cloud.label(), "services": labels.join(", "), "multi": !single}),
    ));

    common::workspace_param(&mut t);
    let role_name = common::role_params(&mut t, default_role);

    // A service that delivers only into buckets whose name starts with a prefix (AWS WAF:
    // `aws-waf-logs-`) gets it in the pattern, the rule text and the default name.
    let prefixed = services_.iter().find(|s| !s.bucket_prefix().is_empty());
    let (bucket_pattern, bucket_rule, default_bucket) = match prefixed {
        None => (
            patterns::BUCKET_NAME_OR_EMPTY[3..].to_string(),
            patterns::BUCKET_NAME_RULE.to_string(),
            common::derived_bucket_name(what),
        ),
        Some(s) => {
            let prefix = s.bucket_prefix();
            (
                format!("^{prefix}[a-z0-9.-]{{0,{}}}[a-z0-9]$", 62 - prefix.len()),
                format!(
                    "must start with {prefix} ({} delivers only into buckets so named), then lower-case letters, digits, dots and hyphens, 63 characters at most, ending with a letter or digit; leave empty for the default name",
                    s.label()
                ),
                Expr::sub_with(
                    format!("{prefix}${{Name}}"),
                    [("Name", common::derived_bucket_name(what))],
                ),
            )
        }
    };
    let bucket_description = match prefixed {
        None => "Name of the log bucket (new, or the existing one when UseExistingBucket is true).".to_string(),
        Some(s) => format!(
            "Name of the log bucket (new, or the existing one when UseExistingBucket is true); must start with {} (the only buckets {} delivers into).",
            s.bucket_prefix(),
            s.label()
        ),
    };
    let bucket_name = common::name_param(
        &mut t,
        params::BUCKET_NAME,
        &bucket_description,
        default_bucket,
        (&bucket_pattern, &bucket_rule),
    );
    t.param(
        params::USE_EXISTING_BUCKET,
        Parameter::boolean(
            "Use an existing bucket instead of creating one. The stack then leaves the bucket, its policy, its notification configuration and the delivering services alone; run the BucketNotificationCommand output once.",
            false,
        ),
    );
    t.condition(
        CREATE_BUCKET,
        Cond::equals(Expr::reference(params::USE_EXISTING_BUCKET), "false"),
    );
    t.condition(USE_EXISTING_BUCKET, !(Cond::named(CREATE_BUCKET)));
    let expiry = t.param(
        params::LOG_EXPIRATION_DAYS,
        Parameter::number(
            "Days after which log objects are deleted from a bucket this stack creates.",
            90,
            1,
            3650,
        ),
    );
    // Where the stack's Firehose writes into the bucket, its delivery role encrypts with the key too.
    let kms_key_description = if services_.contains(&DataType::CloudWatch)
        || services_.contains(&DataType::SecurityHub)
    {
        "KMS key ARN of SSE-KMS objects (e.g. an organization trail or Control Tower log archive): the role may decrypt with it through S3 in this Region, and the Firehose delivery role may encrypt its new objects with it; add the KmsKeyPolicyStatement and FirehoseKmsKeyPolicyStatement outputs to the key policy. Empty: SSE-S3 objects."
    } else {
        "KMS key ARN of SSE-KMS objects (e.g. an organization trail or Control Tower log archive): the role may decrypt with it through S3 in this Region; add the KmsKeyPolicyStatement output to the key policy. Empty: SSE-S3 objects."
    };
    let kms_key = t.param(
        KMS_KEY_PARAM,
        Parameter::string(kms_key_description)
            .default("")
            .pattern(KMS_KEY_PATTERN, KMS_KEY_RULE),
    );
    t.condition(HAS_KMS_KEY, !(Cond::equals(kms_key.clone(), "")));
    t.rule(
        "ExistingBucketIsNamed",
        Some(Cond::equals(
            Expr::reference(params::USE_EXISTING_BUCKET),
            "true",
        )),
        !(Cond::equals(Expr::reference(params::BUCKET_NAME), "")),
        "With UseExistingBucket, set BucketName to the existing bucket's name.",
    );
    let tuning = common::queue_tuning_params(&mut t);
    super::fan_out::declare(&mut t);
    let bucket_ref = Expr::if_(
        CREATE_BUCKET,
        Expr::reference(BUCKET_ID),
        Expr::reference(params::BUCKET_NAME),
    );
    let ctx = Ctx {
        cloud,
        single,
        bucket_name: bucket_ref.clone(),
        bucket_name_or_default: bucket_name.clone(),
        created_bucket: Expr::reference(BUCKET_ID),
        tuning,
        kms_key: kms_key.clone(),
    };

    let parts: Vec<ServiceParts> = kinds
        .iter()
        .map(|k| services::add(&mut t, &ctx, *k))
        .collect();

    // One queue policy for all the queues: only this bucket, in this account, may send; with
    // FanOut=sns, only each queue's own topic.
    let mut notify =
        grants::s3_notifies_queue(parts[0].queue.arn(), &bucket_name).sid("S3BucketNotifications");
    for p in &parts[1..] {
        notify = notify.resource(p.queue.arn());
    }
    let fed: Vec<super::fan_out::Fed<'_>> = parts
        .iter()
        .map(|p| super::fan_out::Fed {
            queue_id: &p.queue.id,
            queue_arn: p.queue.arn(),
            label: p.service.label(),
        })
        .collect();
    let mut queue_statements = vec![notify.only_if(super::fan_out::QUEUES_COND)];
    queue_statements.extend(super::fan_out::queue_statements(&fed));
    t.add(
        QUEUE_POLICY_ID,
        &sqs::QueuePolicy {
            queues: parts.iter().map(|p| p.queue.url()).collect(),
            policy_document: PolicyDocument::new(PolicyKind::Queue, queue_statements),
        },
    );
    super::fan_out::add_topics(&mut t, &fed, &bucket_name);
    super::fan_out::add_targets_ready(&mut t);

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
        role_statements.push(
            grants::read_prefix(&bucket_ref, &p.layout.prefix()).sid(&format!("{id}ReadLogs")),
        );
        role_statements.extend(p.role_statements.iter().cloned());
    }
    role_statements.push(
        grants::decrypt_through_s3(kms_key)
            .sid("DecryptWithKmsKeyArn")
            .only_if(HAS_KMS_KEY),
    );
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
                p.layout.prefix(),
                Expr::str(p.service.suffix()),
            )
        })
        .collect();
    let topic_configurations: Vec<s3::TopicConfiguration> = parts
        .iter()
        .map(|p| {
            s3::TopicConfiguration::object_created(
                Expr::reference(super::fan_out::topic_id(&p.queue.id)),
                p.layout.prefix(),
                Expr::str(p.service.suffix()),
            )
        })
        .collect();
    let bucket = t
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
                    topic_configurations,
                    topics_if: Some(super::fan_out::TOPICS_COND.to_string()),
                }),
                tags: standard_tags("log-bucket"),
            },
        )
        .condition(CREATE_BUCKET)
        .retain();
    // S3 checks that it may send to each queue (or topic) when the notification is configured.
    bucket
        .depends_on(QUEUE_POLICY_ID)
        .depends_on(super::fan_out::TARGETS_READY_ID);

    let mut bucket_statements = vec![grants::deny_insecure_transport(&ctx.created_bucket)];
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

    declare_outputs(&mut t, &ctx, &parts);
    t
}

fn declare_outputs(t: &mut Template, ctx: &Ctx, parts: &[ServiceParts]) {
    t.output(
        outputs::ROLE_ARN,
        "Role to add in the Sentinel connector page.",
        Expr::get_att(ROLE_ID, "Arn"),
    );
    for p in parts {
        let s = p.service;
        t.output(
            &ctx.name(s, outputs::QUEUE_URL),
            format!(
                "SQS URL to add in the Sentinel connector page for {}.",
                s.label()
            ),
            p.queue.url(),
        );
        t.output(
            &ctx.name(s, outputs::QUEUE_ARN),
            format!("ARN of the {} notification queue.", s.label()),
            p.queue.arn(),
        );
        t.output(
            &ctx.name(s, outputs::DLQ_URL),
            format!(
                "Notifications for {} objects the connector could not process end up here.",
                s.label()
            ),
            p.queue.dlq_url(),
        );
        t.output(
            &ctx.name(s, outputs::DESTINATION_TABLE),
            format!("Sentinel table for {}.", s.label()),
            Expr::str(s.table().name()),
        );
        t.output(
            &ctx.name(s, outputs::NOTIFICATION_PREFIX),
            match s.suffix() {
                "" => "Only objects under this prefix are announced to the queue.".to_string(),
                suffix => {
                    format!("Only objects under this prefix ending in {suffix} are announced to the queue.")
                }
            },
            p.layout.prefix(),
        );
        t.output(
            &ctx.name(s, outputs::NOTIFICATION_TOPIC_ARN),
            format!(
                "FanOut=sns: the topic {} objects are announced on; subscribe another consumer's queue here (raw message delivery).",
                s.label()
            ),
            Expr::reference(super::fan_out::topic_id(&p.queue.id)),
        )
        .condition = Some(super::fan_out::TOPICS_COND.to_string());
        t.output(
            &ctx.name(s, outputs::CONNECTOR_SETTINGS),
            "What to enter in the Sentinel portal.",
            Expr::sub(text::render(
                "connector_settings",
                &json!({"queue_id": p.queue.id, "table": s.table()}),
            )),
        );
    }
    t.output(
        outputs::BUCKET_NAME,
        "The bucket the logs are delivered to.",
        ctx.bucket_name.clone(),
    );
    t.output(
        "KmsKeyPolicyStatement",
        "Add this statement to the key policy of KmsKeyArn (its owner's account): it lets the Sentinel role decrypt the log objects, through S3 in this Region only.",
        Expr::sub(text::render("kms_key_policy_statement", &json!({"role_id": ROLE_ID}))),
    )
    .condition = Some(HAS_KMS_KEY.to_string());
    // Firehose's delivery role writes into the bucket: S3 encrypts its objects with the key on
    // its behalf (grants::encrypt_through_s3). One statement per principal, so each is added
    // or removed on its own.
    for p in parts {
        let Some(firehose) = &p.firehose else {
            continue;
        };
        t.output(
            FIREHOSE_KEY_POLICY_OUTPUT,
            "Add this statement too to the key policy of KmsKeyArn: it lets the Firehose delivery role write SSE-KMS objects under its prefix and error prefix of the bucket, through S3 in this Region only.",
            Expr::sub_with(
                text::render(
                    "firehose_kms_key_policy_statement",
                    &json!({"role_id": firehose.role_id, "error_prefix": firehose.error_prefix}),
                ),
                [
                    ("Bucket", ctx.bucket_name_or_default.clone()),
                    ("Prefix", p.layout.prefix()),
                ],
            ),
        )
        .condition = Some(HAS_KMS_KEY.to_string());
    }
    let queues: Vec<_> = parts
        .iter()
        .map(|p| {
            json!({"id": format!("sentinel-{}", p.service.slug()), "queue_id": p.queue.id,
                   "topic_id": super::fan_out::topic_id(&p.queue.id),
                   "prefix_var": format!("{}Prefix", p.queue.id), "suffix": p.service.suffix()})
        })
        .collect();
    // Existing bucket only: its name is the parameter.
    let mut vars = vec![("Bucket".to_string(), Expr::reference(params::BUCKET_NAME))];
    vars.extend(
        parts
            .iter()
            .map(|p| p.layout.prefix_var(&format!("{}Prefix", p.queue.id))),
    );
    t.output(
        "BucketNotificationCommand",
        "Existing bucket only: run once to announce new log objects to the queues (FanOut=sns: to their topics). It replaces the bucket's whole notification configuration, so merge any existing entries first.",
        super::fan_out::notification_command(&queues, vars),
    )
    .condition = Some(USE_EXISTING_BUCKET.to_string());
}
