//! CloudWatch Logs subscription -> Firehose (with a transform Lambda) -> S3: the delivery path
//! the CloudWatch connector and the EKS stack share.

use crate::cfn::{Expr, Pseudo, Template};
use crate::facts::principals;
use crate::grants::{self, bucket_arn};
use crate::iam::{actions, Operator, PolicyDocument, PolicyKind, Principal, Statement};
use crate::resources::{firehose, iam, lambda, logs, standard_tags, Tag};
use indexmap::IndexMap;

/// `prefix` followed by the literal `tail` (kept one `Fn::Sub` where `prefix` is one).
pub(super) fn append(prefix: &Expr, tail: &str) -> Expr {
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
