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

use super::common::{self, ROLE_ID, ROLE_POLICY_ID};
use super::connector::{BUCKET_ID, BUCKET_POLICY_ID};
use crate::cfn::{Cond, Expr, Parameter, Pseudo, Template};
use crate::config::patterns;
use crate::facts::{principals, Cloud};
use crate::grants::{self, bucket_arn};
use crate::iam::{actions, Operator, PolicyDocument, PolicyKind, Principal, Statement};
use crate::resources::{firehose, iam, lambda, logs, s3, sqs, standard_tags, Tag};
use crate::text;
use crate::transform_code;
use indexmap::IndexMap;
use serde_json::json;

/// The Sentinel table the connector writes EKS audit rows to.
pub const TABLE: &str = "AWSEKSLogs_CL";
pub const CLUSTER_PARAM: &str = "EKSClusterName";
pub const DEFAULT_ROLE_NAME: &str = "OIDC_MicrosoftSentinelRoleEKS";
/// Notified prefix (a `Fn::Sub` template): only the transformed objects live here.
pub const PREFIX: &str = "eks-audit-logs/${EKSClusterName}/";
/// Where Firehose writes records it could not process: outside [`PREFIX`], never notified.
pub const ERROR_PREFIX: &str = "eks-audit-errors/${EKSClusterName}/";
pub const SUFFIX: &str = ".gz";
pub const FILTER_NAME: &str = "MicrosoftSentinelEKSAudit";
/// CloudWatch Logs JSON filter pattern: only Kubernetes audit events leave the log group.
pub const FILTER_PATTERN: &str = r#"{ ($.kind = "Event") && ($.apiVersion = "audit.k8s.io/v1") }"#;
pub const LOG_GROUP_EXISTS: &str = "LogGroupExists";

const QUEUE_ID: &str = "EksQueue";
const FUNCTION_ID: &str = "EksTransformFunction";
const STREAM_ID: &str = "EksDeliveryStream";
const LOGS_ROLE_ID: &str = "EksLogsRole";

/// EKS cluster names: 1 to 100 characters, a letter or digit first, then letters, digits, - and _.
const CLUSTER_PATTERN: &str = "^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$";

pub fn build(cloud: Cloud) -> Template {
    let mut t = Template::new(text::render(
        "stack_description",
        &json!({"kind": "eks", "cloud_label": cloud.label()}),
    ));
    let cluster = t.param(
        CLUSTER_PARAM,
        Parameter::string("Name of the EKS cluster whose Kubernetes audit logs go to Sentinel (one stack per cluster).")
            .pattern(CLUSTER_PATTERN, "must be an EKS cluster name: 1 to 100 letters, digits, - or _, starting with a letter or digit"),
    );
    common::workspace_param(&mut t);
    let role_name = common::role_params(&mut t, DEFAULT_ROLE_NAME);
    let bucket_name = common::name_param(
        &mut t,
        "BucketName",
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
        "SentinelSQSQueueName",
        "Name of the SQS queue that announces new audit-log objects. Empty: MicrosoftSentinelEKSSqs-<cluster> (set a name if the cluster name is longer than 56 characters).",
        Expr::sub("MicrosoftSentinelEKSSqs-${EKSClusterName}"),
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
        "LogExpirationDays",
        Parameter::number(
            "Days after which audit-log objects are deleted.",
            90,
            1,
            3650,
        ),
    );
    let noncurrent = t.param(
        "NoncurrentVersionExpirationDays",
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
            "BucketName",
            "SentinelSQSQueueName",
            "LogExpirationDays",
            "NoncurrentVersionExpirationDays",
            "QueueVisibilityTimeout",
            "MaxReceiveCount",
        ],
    );
    let cluster_tag = || Tag::new("EKSCluster", cluster.clone());
    let tags = |component: &str| {
        let mut v = standard_tags(component);
        v.push(cluster_tag());
        v
    };

    // Queue, dead-letter queue, and who may send to it.
    let queue = common::queue_pair(&mut t, QUEUE_ID, queue_name, &tuning);
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
            notification_configuration: Some(s3::NotificationConfiguration {
                queue_configurations: vec![s3::QueueConfiguration::object_created(
                    queue.arn(),
                    Expr::sub(PREFIX),
                    Expr::str(SUFFIX),
                )],
            }),
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
    let path = firehose_to_bucket(
        &mut t,
        &FirehoseToBucket {
            id: "Eks",
            bucket_name: &bucket,
            prefix: Expr::sub(PREFIX),
            error_prefix: ERROR_PREFIX,
            stream_name: common::per_stack_name("sentinel-eks-audit"),
            function_name: common::per_stack_name("sentinel-eks-audit"),
            function_description: "Turns EKS audit events from CloudWatch Logs into AWSEKSLogs_CL rows (NDJSON); skips other control-plane logs.",
            transform_role_description: "Lets the EKS audit transform write its own logs.",
            firehose_role_description:
                "Lets Firehose invoke the transform and write EKS audit logs to the bucket.",
            file_extension: Some(SUFFIX),
            code: transform_code::code("eks_audit_lambda", &json!({"table": TABLE})),
            environment: IndexMap::from([("SENTINEL_TABLE".to_string(), Expr::str(TABLE))]),
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
                    grants::read_prefix(&bucket, &Expr::sub(PREFIX)).sid("EksReadLogs"),
                ],
            ),
            roles: vec![Expr::reference(ROLE_ID)],
        },
    );

    outputs(&mut t, &queue, &bucket, &path);
    t
}

fn outputs(t: &mut Template, queue: &common::QueuePair, bucket_name: &Expr, path: &Path) {
    t.output(
        "SentinelRoleArn",
        "Role to add in the Sentinel connector page.",
        Expr::get_att(ROLE_ID, "Arn"),
    );
    t.output(
        "SentinelSQSQueueURL",
        "SQS URL to add in the Sentinel connector page.",
        queue.url(),
    );
    t.output(
        "SentinelSQSQueueArn",
        "ARN of the notification queue.",
        queue.arn(),
    );
    t.output(
        "SentinelSQSQueueName",
        "Name of the notification queue.",
        Expr::get_att(QUEUE_ID, "QueueName"),
    );
    t.output(
        "DeadLetterQueueURL",
        "Notifications for audit-log objects the connector could not process end up here.",
        queue.dlq_url(),
    );
    t.output(
        "DestinationTable",
        "Sentinel table for EKS audit logs.",
        Expr::str(TABLE),
    );
    t.output(
        "ConnectorSettings",
        "What to enter in the Sentinel portal.",
        Expr::sub(text::render(
            "connector_settings",
            &json!({"queue_id": QUEUE_ID, "table": TABLE}),
        )),
    );
    t.output(
        "LogBucketName",
        "The bucket the audit logs are delivered to.",
        bucket_name.clone(),
    );
    t.output(
        "NotificationPrefix",
        "Only objects under this prefix ending in .gz are announced to the queue.",
        Expr::sub(PREFIX),
    );
    t.output(
        "ErrorOutputPrefix",
        "Firehose writes records it could not transform or deliver under this prefix (never announced to the queue).",
        Expr::sub(ERROR_PREFIX),
    );
    t.output(
        "CloudWatchLogGroup",
        "The cluster's control-plane log group.",
        Expr::sub("/aws/eks/${EKSClusterName}/cluster"),
    );
    t.output(
        "FirehoseDeliveryStreamName",
        "Firehose stream that transforms the audit events and writes them to the bucket.",
        Expr::reference(STREAM_ID),
    );
    t.output(
        "FirehoseDeliveryStreamArn",
        "ARN of the Firehose stream (the subscription filter's destination).",
        Expr::get_att(STREAM_ID, "Arn"),
    );
    t.output(
        "CloudWatchLogsRoleArn",
        "Role CloudWatch Logs uses to put the audit events into the Firehose stream.",
        Expr::get_att(LOGS_ROLE_ID, "Arn"),
    );
    t.output(
        "TransformFunctionName",
        "The Lambda function that turns audit events into AWSEKSLogs_CL rows.",
        Expr::reference(FUNCTION_ID),
    );
    t.output(
        "SubscriptionFilterName",
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

/// `prefix` followed by the literal `tail` (kept one `Fn::Sub` where `prefix` is one).
fn append(prefix: &Expr, tail: &str) -> Expr {
    match prefix {
        Expr::Str(s) | Expr::Sub(s) => Expr::sub(format!("{s}{tail}")),
        Expr::SubWith(s, vars) => Expr::SubWith(format!("{s}{tail}"), vars.clone()),
        other => Expr::sub_with(format!("${{Prefix}}{tail}"), [("Prefix", other.clone())]),
    }
}

/// What [`firehose_to_bucket`] builds.
pub(super) struct FirehoseToBucket<'a> {
    /// Logical-ID stem, e.g. `Eks`.
    pub id: &'a str,
    pub bucket_name: &'a Expr,
    /// Destination prefix (ends in `/`); Firehose adds `!{timestamp:yyyy/MM/dd/HH}/`.
    pub prefix: Expr,
    /// Error prefix (`Fn::Sub` template), outside `prefix`.
    pub error_prefix: &'a str,
    pub stream_name: Expr,
    pub function_name: Expr,
    pub function_description: &'a str,
    pub transform_role_description: &'a str,
    pub firehose_role_description: &'a str,
    /// `FileExtension`; `None` keeps Firehose's default (`.gz` when it gzips).
    pub file_extension: Option<&'static str>,
    pub code: String,
    pub environment: IndexMap<String, Expr>,
    pub extra_tags: Vec<Tag>,
    /// The bucket's SSE-KMS key and the template condition under which one is given: the
    /// delivery role may then write with it through S3 ([`grants::encrypt_through_s3`]).
    /// `None` where the stack writes only to a bucket it creates (SSE-S3).
    pub kms_key: Option<(Expr, &'a str)>,
}

/// Logical IDs of the path, for outputs and subscription filters.
pub(super) struct Path {
    pub logs_role_id: String,
    pub logs_policy_id: String,
    /// The Firehose delivery role.
    pub firehose_role_id: String,
}

/// CloudWatch Logs subscription -> Firehose (GZIP, Lambda processor with explicit buffering,
/// error prefix, delivery logging) -> S3: the transform Lambda with its own log group, the
/// Firehose stream with its role and log group, and the role CloudWatch Logs puts records with.
pub(super) fn firehose_to_bucket(t: &mut Template, p: &FirehoseToBucket<'_>) -> Path {
    let id = p.id;
    let tags = |component: &str| {
        let mut v = standard_tags(component);
        v.extend(p.extra_tags.iter().cloned());
        v
    };
    let fn_id = format!("{id}TransformFunction");
    let fn_log_group = format!("{id}TransformLogGroup");
    let fn_role = format!("{id}TransformRole");
    let fn_policy = format!("{id}TransformPolicy");
    let fh_log_group = format!("{id}FirehoseLogGroup");
    let fh_log_stream = format!("{id}FirehoseLogStream");
    let fh_role = format!("{id}FirehoseRole");
    let fh_policy = format!("{id}FirehosePolicy");
    let stream = format!("{id}DeliveryStream");
    let logs_role = format!("{id}LogsRole");
    let logs_policy = format!("{id}LogsPolicy");

    // The transform Lambda: writes only its own log group; no managed policy.
    t.add(
        &fn_log_group,
        &logs::LogGroup {
            log_group_name: Expr::sub_with("/aws/lambda/${Fn}", [("Fn", p.function_name.clone())]),
            retention_in_days: 30,
            tags: tags("transform-logs"),
        },
    )
    .delete_policy();
    t.add(
        &fn_role,
        &iam::Role {
            role_name: None,
            description: Expr::str(p.transform_role_description),
            assume_role_policy_document: PolicyDocument::new(
                PolicyKind::Trust,
                vec![Statement::allow(&[actions::sts::ASSUME_ROLE])
                    .principal(Principal::service(principals::LAMBDA))],
            ),
            managed_policy_arns: Vec::new(),
            max_session_duration: 3600,
            tags: tags("transform-role"),
        },
    );
    t.add(
        &fn_policy,
        &iam::Policy {
            policy_name: Expr::str("WriteOwnLogsAndReingest"),
            policy_document: PolicyDocument::new(
                PolicyKind::Identity,
                vec![
                    Statement::allow(&[
                        actions::logs::CREATE_LOG_STREAM,
                        actions::logs::PUT_LOG_EVENTS,
                    ])
                    .sid("WriteOwnLogs")
                    .resource(Expr::get_att(&fn_log_group, "Arn")),
                    grants::reingest_into(&p.stream_name),
                ],
            ),
            roles: vec![Expr::reference(&fn_role)],
        },
    );
    t.add(
        &fn_id,
        &lambda::Function {
            function_name: p.function_name.clone(),
            description: p.function_description.into(),
            runtime: "python3.13",
            handler: "index.handler",
            role: Expr::get_att(&fn_role, "Arn"),
            code: lambda::Code {
                zip_file: p.code.clone(),
            },
            timeout: 120,
            memory_size: 256,
            environment: lambda::Environment {
                variables: p.environment.clone(),
            },
            logging_config: lambda::LoggingConfig {
                log_group: Expr::reference(&fn_log_group),
            },
            tags: tags("transform"),
        },
    )
    .depends_on(fn_policy.clone());

    // Firehose: invokes the transform with its own role (so no Lambda resource policy is
    // needed), gzips, writes under the prefix; failures go to the error prefix.
    t.add(
        &fh_log_group,
        &logs::LogGroup {
            log_group_name: Expr::sub_with(
                "/aws/kinesisfirehose/${Stream}",
                [("Stream", p.stream_name.clone())],
            ),
            retention_in_days: 30,
            tags: tags("firehose-logs"),
        },
    )
    .delete_policy();
    t.add(
        &fh_log_stream,
        &logs::LogStream {
            log_group_name: Expr::reference(&fh_log_group),
            log_stream_name: Expr::str("S3Delivery"),
        },
    );
    t.add(
        &fh_role,
        &iam::Role {
            role_name: None,
            description: Expr::str(p.firehose_role_description),
            assume_role_policy_document: PolicyDocument::new(
                PolicyKind::Trust,
                vec![Statement::allow(&[actions::sts::ASSUME_ROLE])
                    .principal(Principal::service(principals::FIREHOSE))
                    .when(Operator::StringEquals, "sts:ExternalId", Pseudo::AccountId)],
            ),
            managed_policy_arns: Vec::new(),
            max_session_duration: 3600,
            tags: tags("firehose-role"),
        },
    );
    let error_prefix = Expr::sub(p.error_prefix);
    let encrypt = p.kms_key.as_ref().map(|(key, condition)| {
        grants::encrypt_through_s3(
            key.clone(),
            p.bucket_name,
            &[p.prefix.clone(), error_prefix.clone()],
        )
        .sid("EncryptWithKmsKeyArn")
        .only_if(*condition)
    });
    t.add(
        &fh_policy,
        &iam::Policy {
            policy_name: Expr::str("DeliverToBucket"),
            policy_document: PolicyDocument::new(
                PolicyKind::Identity,
                [
                    Statement::allow(&[
                        actions::s3::GET_BUCKET_LOCATION,
                        actions::s3::LIST_BUCKET,
                        actions::s3::LIST_BUCKET_MULTIPART_UPLOADS,
                    ])
                    .sid("FindBucket")
                    .resource(bucket_arn(p.bucket_name, "")),
                    Statement::allow(&[
                        actions::s3::PUT_OBJECT,
                        actions::s3::ABORT_MULTIPART_UPLOAD,
                    ])
                    .sid("WriteObjects")
                    .resource(grants::objects_under(p.bucket_name, &p.prefix))
                    .resource(grants::objects_under(p.bucket_name, &error_prefix)),
                    Statement::allow(&[
                        actions::lambda::INVOKE_FUNCTION,
                        actions::lambda::GET_FUNCTION_CONFIGURATION,
                    ])
                    .sid("InvokeTransform")
                    .resource(Expr::get_att(&fn_id, "Arn")),
                    Statement::allow(&[actions::logs::PUT_LOG_EVENTS])
                        .sid("WriteDeliveryErrors")
                        .resource(Expr::get_att(&fh_log_group, "Arn")),
                ]
                .into_iter()
                .chain(encrypt)
                .collect(),
            ),
            roles: vec![Expr::reference(&fh_role)],
        },
    );
    t.add(
        &stream,
        &firehose::DeliveryStream {
            delivery_stream_name: p.stream_name.clone(),
            delivery_stream_type: "DirectPut",
            delivery_stream_encryption_configuration_input: firehose::EncryptionInput {
                key_type: "AWS_OWNED_CMK",
            },
            extended_s3_destination_configuration: firehose::ExtendedS3Destination {
                bucket_arn: bucket_arn(p.bucket_name, ""),
                role_arn: Expr::get_att(&fh_role, "Arn"),
                prefix: append(&p.prefix, "!{timestamp:yyyy/MM/dd/HH}/"),
                error_output_prefix: Expr::sub(format!(
                    "{}!{{firehose:error-output-type}}/!{{timestamp:yyyy/MM/dd}}/",
                    p.error_prefix
                )),
                file_extension: p.file_extension,
                buffering_hints: firehose::BufferingHints {
                    interval_in_seconds: Expr::Int(60),
                    size_in_mbs: Expr::Int(5),
                },
                compression_format: "GZIP",
                cloud_watch_logging_options: firehose::CloudWatchLogging {
                    enabled: true,
                    log_group_name: Expr::reference(&fh_log_group),
                    log_stream_name: Expr::reference(&fh_log_stream),
                },
                processing_configuration: firehose::Processing {
                    enabled: true,
                    processors: vec![firehose::Processor::lambda(
                        Expr::get_att(&fn_id, "Arn"),
                        firehose::LambdaBufferMb::SMALLEST,
                        60,
                    )],
                },
            },
            tags: tags("delivery-stream"),
        },
    )
    .depends_on(fh_policy.clone())
    .depends_on(logs_policy.clone());

    // CloudWatch Logs -> Firehose, for subscription filters of this account and region only.
    // CloudWatch Logs test-delivers through this role when a subscription filter is created, and
    // fails the filter if IAM has not propagated the role yet. So the role and its policy come
    // first and the stream waits for them: propagation then has the stream's whole creation time
    // (typically a minute), and every subscription filter comes after the stream. The policy
    // names the stream by its ARN spelled out, not GetAtt, so that order has no cycle.
    let stream_arn = Expr::sub_with(
        "arn:${AWS::Partition}:firehose:${AWS::Region}:${AWS::AccountId}:deliverystream/${Stream}",
        [("Stream", p.stream_name.clone())],
    );
    let logs_source = Expr::sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*");
    t.add(
        &logs_role,
        &iam::Role {
            role_name: None,
            description: Expr::str("Lets CloudWatch Logs subscription filters in this account put records into the Firehose stream."),
            assume_role_policy_document: PolicyDocument::new(
                PolicyKind::Trust,
                vec![grants::from_source(
                    Statement::allow(&[actions::sts::ASSUME_ROLE])
                        .principal(Principal::service(Expr::sub(principals::LOGS_REGIONAL))),
                    logs_source,
                )],
            ),
            managed_policy_arns: Vec::new(),
            max_session_duration: 3600,
            tags: tags("logs-role"),
        },
    );
    t.add(
        &logs_policy,
        &iam::Policy {
            policy_name: Expr::str("PutIntoFirehose"),
            policy_document: PolicyDocument::new(
                PolicyKind::Identity,
                vec![Statement::allow(&[
                    actions::firehose::PUT_RECORD,
                    actions::firehose::PUT_RECORD_BATCH,
                ])
                .resource(stream_arn)],
            ),
            roles: vec![Expr::reference(&logs_role)],
        },
    );
    Path {
        logs_role_id: logs_role,
        logs_policy_id: logs_policy,
        firehose_role_id: fh_role,
    }
}
