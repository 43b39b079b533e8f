//! The EKS audit-log stack: CloudWatch Logs (`/aws/eks/<cluster>/cluster`) -> subscription
//! filter (audit events only) -> Firehose (transform Lambda, GZIP) -> S3 under
//! `eks-audit-logs/<cluster>/` -> SQS -> Microsoft Sentinel (`AWSEKSLogs_CL`).
//!
//! Microsoft's template (spec §4) is the model; this one closes the gaps listed in spec §9:
//! dead-letter queue and 14-day retention, a JSON filter pattern instead of `''`, an
//! `ErrorOutputPrefix` outside the notified prefix, Firehose logging, a versioned bucket with a
//! lifecycle (noncurrent versions expire too), public access blocked, SSE and TLS only, a `.gz`
//! suffix on the notification, python3.13 with explicit processor buffering, every ARN
//! partition-aware, the CloudWatch Logs role bound to this account's log groups, no AWS managed
//! policy, and defaults that let one stack per cluster deploy side by side.

use super::bucket::{BUCKET_ID, BUCKET_POLICY_ID};
use super::common::{self, ROLE_ID, ROLE_POLICY_ID};
use super::firehose::{firehose_to_bucket, FirehoseToBucket, Path};
use super::{outputs, params};
use crate::cfn::{Cond, Expr, Parameter, Template};
use crate::config::patterns;
use crate::facts::{Cloud, DataType};
use crate::grants;
use crate::iam::{PolicyDocument, PolicyKind};
use crate::resources::{iam, logs, s3, sqs, standard_tags, Tag};
use crate::text;
use crate::transform_code;
use indexmap::IndexMap;
use serde_json::json;

/// The data type this stack delivers: its table, key segment, suffix, default role and queue
/// names come from its catalogue entry.
const EKS: DataType = DataType::Eks;
pub use super::params::EKS_CLUSTER as CLUSTER_PARAM;
/// Notified prefix (a `Fn::Sub` template), `<key segment>/${EKSClusterName}/`: only the
/// transformed objects live here.
pub fn prefix() -> String {
    format!("{}/${{{CLUSTER_PARAM}}}/", EKS.key_segment())
}
/// Where Firehose writes records it could not process: outside [`prefix`], never notified.
pub const ERROR_PREFIX: &str = "eks-audit-errors/${EKSClusterName}/";
pub const FILTER_NAME: &str = "MicrosoftSentinelEKSAudit";
/// CloudWatch Logs JSON filter pattern: only Kubernetes audit events leave the log group.
pub const FILTER_PATTERN: &str = r#"{ ($.kind = "Event") && ($.apiVersion = "audit.k8s.io/v1") }"#;
pub use super::params::LOG_GROUP_EXISTS;

const QUEUE_ID: &str = "EksQueue";
const FUNCTION_ID: &str = "EksTransformFunction";
const STREAM_ID: &str = "EksDeliveryStream";
const LOGS_ROLE_ID: &str = "EksLogsRole";

pub fn build(cloud: Cloud) -> Template {
    let mut t = Template::new(text::render(
        "stack_description",
        &json!({"kind": "eks", "cloud_label": cloud.label()}),
    ));
    let cluster = t.param(
        CLUSTER_PARAM,
        Parameter::string("Name of the EKS cluster whose Kubernetes audit logs go to Sentinel (one stack per cluster).")
            .pattern(patterns::EKS_CLUSTER_NAME, patterns::EKS_CLUSTER_NAME_RULE),
    );
    common::workspace_param(&mut t);
    let role_name = common::role_params(&mut t, EKS.default_role());
    let bucket_name = common::name_param(
        &mut t,
        params::BUCKET_NAME,
        "Name of the bucket this stack creates for the audit logs. Empty: sentinel-eks-<account>-<region>-<8 hex of the stack id>, unique per stack (cluster names may hold upper case and _, which bucket names may not).",
        Expr::sub_with(
            "sentinel-eks-${AWS::AccountId}-${AWS::Region}-${Suffix}",
            [("Suffix", common::stack_suffix())],
        ),
        (
            &patterns::BUCKET_NAME_OR_EMPTY[3..],
            patterns::BUCKET_NAME_RULE,
        ),
    );
    let queue_name = common::name_param(
        &mut t,
        params::SENTINEL_QUEUE_NAME,
        &format!("Name of the SQS queue that announces new audit-log objects. Empty: {}-<cluster> (set a name if the cluster name is longer than 56 characters).", EKS.default_queue()),
        Expr::sub(format!("{}-${{{CLUSTER_PARAM}}}", EKS.default_queue())),
        (patterns::QUEUE_NAME, patterns::QUEUE_NAME_RULE),
    );
    let exists = t.param(
        LOG_GROUP_EXISTS,
        Parameter::boolean(
            "The cluster's log group /aws/eks/<cluster>/cluster exists (audit logging is on): the stack creates the subscription filter. Otherwise run Step1, then Step2 from the outputs.",
            false,
        ),
    );
    let has_group = t.condition("CreateSubscriptionFilter", Cond::equals(exists, "true"));
    let expiry = t.param(
        params::LOG_EXPIRATION_DAYS,
        Parameter::number(
            "Days after which audit-log objects are deleted.",
            90,
            1,
            3650,
        ),
    );
    let noncurrent = t.param(
        params::NONCURRENT_VERSION_EXPIRATION_DAYS,
        Parameter::number(
            "Days after which overwritten or deleted object versions are removed (the bucket is versioned).",
            7,
            1,
            3650,
        ),
    );
    let tuning = common::queue_tuning_params(&mut t);
    t.group("EKS cluster", &[CLUSTER_PARAM, LOG_GROUP_EXISTS]);
    t.group(
        "Microsoft Sentinel",
        &[
            common::WORKSPACE_PARAM,
            common::ROLE_PARAM,
            common::DEFENDER_PARAM,
        ],
    );
    t.group(
        "Bucket and queue",
        &[
            params::BUCKET_NAME,
            params::SENTINEL_QUEUE_NAME,
            params::LOG_EXPIRATION_DAYS,
            params::NONCURRENT_VERSION_EXPIRATION_DAYS,
            params::QUEUE_VISIBILITY_TIMEOUT,
            params::MAX_RECEIVE_COUNT,
        ],
    );
    let cluster_tag = || Tag::new("EKSCluster", cluster.clone());
    let tags = |component: &str| {
        let mut v = standard_tags(component);
        v.push(cluster_tag());
        v
    };

    // Queue, dead-letter queue, and who may send to it.
    let queue = common::queue_pair(&mut t, QUEUE_ID, queue_name, &tuning, "EKS audit log");
    t.add(
        &format!("{QUEUE_ID}Policy"),
        &sqs::QueuePolicy {
            queues: vec![queue.url()],
            policy_document: PolicyDocument::new(
                PolicyKind::Queue,
                vec![grants::s3_notifies_queue(queue.arn(), &bucket_name)
                    .sid("S3BucketNotifications")],
            ),
        },
    );

    // The bucket: versioned (as Microsoft's), with a lifecycle that also ends old versions.
    t.add(
        BUCKET_ID,
        &s3::Bucket {
            bucket_name: Some(bucket_name.clone()),
            bucket_encryption: s3::BucketEncryption::s3_managed(),
            public_access_block_configuration: s3::PublicAccessBlock::all(),
            ownership_controls: s3::OwnershipControls::bucket_owner_enforced(),
            versioning_configuration: Some(s3::Versioning { status: "Enabled" }),
            lifecycle_configuration: s3::Lifecycle {
                rules: vec![s3::LifecycleRule {
                    id: "ExpireLogs".into(),
                    status: "Enabled",
                    expiration_in_days: expiry,
                    abort_incomplete_multipart_upload: s3::AbortIncomplete {
                        days_after_initiation: 7,
                    },
                    noncurrent_version_expiration: Some(s3::NoncurrentExpiration {
                        noncurrent_days: noncurrent,
                    }),
                }],
            },
            notification_configuration: Some(s3::NotificationConfiguration::queues(vec![
                s3::QueueConfiguration::object_created(
                    queue.arn(),
                    Expr::sub(prefix()),
                    Expr::str(EKS.suffix()),
                ),
            ])),
            tags: tags("log-bucket"),
        },
    )
    .retain()
    .depends_on(format!("{QUEUE_ID}Policy"));
    // Everything after the bucket names it by Ref; only the queue policy, which the bucket
    // waits for, needs the name expression.
    let bucket = Expr::reference(BUCKET_ID);
    t.add(
        BUCKET_POLICY_ID,
        &s3::BucketPolicy {
            bucket: bucket.clone(),
            policy_document: PolicyDocument::new(
                PolicyKind::Bucket,
                vec![grants::deny_insecure_transport(&bucket)],
            ),
        },
    );

    // CloudWatch Logs -> Firehose -> Lambda -> S3.
    let table = EKS.table().name();
    let function_description = format!("Turns EKS audit events from CloudWatch Logs into {table} rows (NDJSON); skips other control-plane logs.");
    let path = firehose_to_bucket(
        &mut t,
        &FirehoseToBucket {
            id: "Eks",
            bucket_name: &bucket,
            prefix: Expr::sub(prefix()),
            error_prefix: ERROR_PREFIX,
            stream_name: common::per_stack_name("sentinel-eks-audit"),
            function_name: common::per_stack_name("sentinel-eks-audit"),
            function_description: &function_description,
            transform_role_description: "Lets the EKS audit transform write its own logs.",
            firehose_role_description:
                "Lets Firehose invoke the transform and write EKS audit logs to the bucket.",
            file_extension: Some(EKS.suffix()),
            code: transform_code::code("eks_audit_lambda", &json!({"table": table})),
            environment: IndexMap::from([("SENTINEL_TABLE".to_string(), Expr::str(table))]),
            extra_tags: vec![cluster_tag()],
            // The stack always creates its bucket, SSE-S3: no key to grant.
            kms_key: None,
        },
    );
    t.add(
        "EksSubscriptionFilter",
        &logs::SubscriptionFilter {
            filter_name: Expr::str(FILTER_NAME),
            log_group_name: Expr::sub("/aws/eks/${EKSClusterName}/cluster"),
            filter_pattern: Expr::str(FILTER_PATTERN),
            destination_arn: Expr::get_att(STREAM_ID, "Arn"),
            role_arn: Expr::get_att(LOGS_ROLE_ID, "Arn"),
        },
    )
    .condition(has_group)
    .depends_on(path.logs_policy_id.clone());

    // The role Sentinel assumes: this queue, this prefix, nothing else.
    t.add(
        ROLE_ID,
        &iam::Role {
            role_name: Some(role_name),
            description: Expr::sub(format!(
                "Assumed by Microsoft Sentinel ({}) workspace ${{{}}} to read EKS audit logs of cluster ${{{CLUSTER_PARAM}}}.",
                cloud.label(),
                common::WORKSPACE_PARAM,
            )),
            assume_role_policy_document: common::oidc_trust(cloud),
            managed_policy_arns: Vec::new(),
            max_session_duration: 3600,
            tags: tags("sentinel-role"),
        },
    );
    t.add(
        ROLE_POLICY_ID,
        &iam::Policy {
            policy_name: Expr::str("SentinelS3ConnectorAccess"),
            policy_document: PolicyDocument::new(
                PolicyKind::Identity,
                vec![
                    grants::consume_queue(queue.arn()).sid("EksConsumeQueue"),
                    grants::read_prefix(&bucket, &Expr::sub(prefix())).sid("EksReadLogs"),
                ],
            ),
            roles: vec![Expr::reference(ROLE_ID)],
        },
    );

    declare_outputs(&mut t, &queue, &bucket, &path);
    t
}

fn declare_outputs(t: &mut Template, queue: &common::QueuePair, bucket_name: &Expr, path: &Path) {
    t.output(
        outputs::ROLE_ARN,
        "Role to add in the Sentinel connector page.",
        Expr::get_att(ROLE_ID, "Arn"),
    );
    t.output(
        outputs::QUEUE_URL,
        "SQS URL to add in the Sentinel connector page.",
        queue.url(),
    );
    t.output(
        outputs::QUEUE_ARN,
        "ARN of the notification queue.",
        queue.arn(),
    );
    t.output(
        outputs::QUEUE_NAME,
        "Name of the notification queue.",
        Expr::get_att(QUEUE_ID, "QueueName"),
    );
    t.output(
        outputs::DLQ_URL,
        "Notifications for audit-log objects the connector could not process end up here.",
        queue.dlq_url(),
    );
    t.output(
        outputs::DESTINATION_TABLE,
        "Sentinel table for EKS audit logs.",
        Expr::str(EKS.table().name()),
    );
    t.output(
        outputs::CONNECTOR_SETTINGS,
        "What to enter in the Sentinel portal.",
        Expr::sub(text::render(
            "connector_settings",
            &json!({"queue_id": QUEUE_ID, "table": EKS.table().name()}),
        )),
    );
    t.output(
        outputs::BUCKET_NAME,
        "The bucket the audit logs are delivered to.",
        bucket_name.clone(),
    );
    t.output(
        outputs::NOTIFICATION_PREFIX,
        format!(
            "Only objects under this prefix ending in {} are announced to the queue.",
            EKS.suffix()
        ),
        Expr::sub(prefix()),
    );
    t.output(
        outputs::ERROR_OUTPUT_PREFIX,
        "Firehose writes records it could not transform or deliver under this prefix (never announced to the queue).",
        Expr::sub(ERROR_PREFIX),
    );
    t.output(
        outputs::LOG_GROUP,
        "The cluster's control-plane log group.",
        Expr::sub("/aws/eks/${EKSClusterName}/cluster"),
    );
    t.output(
        outputs::DELIVERY_STREAM_NAME,
        "Firehose stream that transforms the audit events and writes them to the bucket.",
        Expr::reference(STREAM_ID),
    );
    t.output(
        outputs::DELIVERY_STREAM_ARN,
        "ARN of the Firehose stream (the subscription filter's destination).",
        Expr::get_att(STREAM_ID, "Arn"),
    );
    t.output(
        outputs::LOGS_ROLE_ARN,
        "Role CloudWatch Logs uses to put the audit events into the Firehose stream.",
        Expr::get_att(LOGS_ROLE_ID, "Arn"),
    );
    t.output(
        outputs::TRANSFORM_FUNCTION_NAME,
        format!(
            "The Lambda function that turns audit events into {} rows.",
            EKS.table().name()
        ),
        Expr::reference(FUNCTION_ID),
    );
    t.output(
        outputs::SUBSCRIPTION_FILTER_NAME,
        "Name of the subscription filter (created by the stack when LogGroupExists is true, else by Step2).",
        Expr::str(FILTER_NAME),
    );
    t.output(
        "Step1EnableEKSAuditLogging",
        "Step 1: turn on audit logging for the cluster (creates the log group within minutes).",
        Expr::sub(text::render("eks_step1_command", &json!({}))),
    );
    t.output(
        "Step2CreateSubscriptionFilter",
        "Step 2 (only when LogGroupExists was false): once the log group exists, subscribe it to the Firehose stream, audit events only.",
        Expr::sub(text::render(
            "eks_step2_command",
            &json!({"filter_name": FILTER_NAME, "filter_pattern": FILTER_PATTERN,
                    "stream_id": STREAM_ID, "logs_role_id": path.logs_role_id}),
        )),
    );
}
