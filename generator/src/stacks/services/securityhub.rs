//! Security Hub findings: an EventBridge rule for `Security Hub Findings - Imported` events ->
//! Firehose (DirectPut, GZIP, a new line after every event) -> the bucket.
//!
//! What AWS documents for this path: an EventBridge rule target is called with a role that
//! `events.amazonaws.com` assumes ("IAM roles for sending events to targets", EventBridge user
//! guide), bound with `aws:SourceAccount` and `aws:SourceArn` (the rule's ARN; "Using IAM
//! policy conditions in Amazon EventBridge"); it needs `firehose:PutRecord` and
//! `firehose:PutRecordBatch` on the stream. Firehose writes with its own role
//! (`firehose.amazonaws.com`, `sts:ExternalId` = the account; "Controlling access with Amazon
//! Data Firehose"), so the bucket policy needs nothing for it (same account). Objects are named
//! `<prefix>YYYY/MM/dd/HH/<stream>-<version>-YYYY-MM-dd-HH-mm-ss-<uuid>.gz` ("Configure Amazon S3
//! object name format"); `AppendDelimiterToRecord` takes no parameter ("Processor", Firehose
//! API reference).

use super::super::bucket::{Ctx, HAS_KMS_KEY};
use super::super::common;
use super::super::firehose::append;
use super::super::layout::Layout;
use super::super::params;
use super::Grants;
use crate::cfn::{Cond, Expr, Parameter, Pseudo, Template};
use crate::facts::principals;
use crate::grants::{self, bucket_arn};
use crate::iam::{actions, Operator, PolicyDocument, PolicyKind, Principal, Statement};
use crate::resources::{events, firehose, iam, logs, standard_tags};
use serde_json::json;

/// Where the Security Hub Firehose stream writes what it could not deliver (outside
/// `AWSLogs/`, so never announced to the queue).
pub const SECURITYHUB_ERROR_PREFIX: &str = "SecurityHubFindings-errors/";

/// The events the rule forwards: findings Security Hub imported or updated.
pub const DETAIL_TYPE: &str = "Security Hub Findings - Imported";
pub const SOURCE: &str = "aws.securityhub";

/// Logical IDs.
pub const STREAM_ID: &str = "SecurityHubDeliveryStream";
pub const FIREHOSE_ROLE_ID: &str = "SecurityHubFirehoseRole";
pub const RULE_ID: &str = "SecurityHubFindingsRule";
pub const EVENTS_ROLE_ID: &str = "SecurityHubEventsRole";

/// The Security Hub path; returns its grants and the logical ID of its Firehose delivery role.
pub(super) fn deliver(t: &mut Template, ctx: &Ctx, layout: &Layout) -> (Grants, String) {
    let create_rule = t.param(
        params::CREATE_EVENT_RULE,
        Parameter::boolean(
            "Create the EventBridge rule that forwards Security Hub findings (Security Hub Findings - Imported events of this Region) to the Firehose stream. false: only the stream, for events put into it otherwise.",
            true,
        ),
    );
    let stream_name = common::name_param(
        t,
        params::DELIVERY_STREAM_NAME,
        "Name of the Firehose stream. Default: sentinel-securityhub-<8 hex of the stack id>.",
        common::per_stack_name("sentinel-securityhub"),
        (
            "^[A-Za-z0-9_.-]{1,64}$",
            "must be 1 to 64 letters, digits, _ . -",
        ),
    );
    let rule_name = common::name_param(
        t,
        params::EVENT_RULE_NAME,
        "Name of the EventBridge rule. Default: sentinel-securityhub-<8 hex of the stack id>.",
        common::per_stack_name("sentinel-securityhub"),
        (
            "^[A-Za-z0-9_.-]{1,64}$",
            "must be 1 to 64 letters, digits, _ . -",
        ),
    );
    let creates_rule = t.condition("CreatesSecurityHubRule", Cond::equals(create_rule, "true"));
    let tags = standard_tags;

    // Firehose: its delivery errors go to its own log group; it writes with its own role.
    let log_group = "SecurityHubFirehoseLogGroup";
    let log_stream = "SecurityHubFirehoseLogStream";
    t.add(
        log_group,
        &logs::LogGroup {
            log_group_name: Expr::sub_with(
                "/aws/kinesisfirehose/${Stream}",
                [("Stream", stream_name.clone())],
            ),
            retention_in_days: 30,
            tags: tags("firehose-logs"),
        },
    )
    .delete_policy();
    t.add(
        log_stream,
        &logs::LogStream {
            log_group_name: Expr::reference(log_group),
            log_stream_name: Expr::str("S3Delivery"),
        },
    );
    t.add(
        FIREHOSE_ROLE_ID,
        &iam::Role {
            role_name: None,
            description: Expr::str("Lets Firehose write Security Hub findings to the bucket."),
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
    let prefix = layout.prefix();
    let error_prefix = Expr::sub(SECURITYHUB_ERROR_PREFIX);
    let bucket = &ctx.bucket_name_or_default;
    // An existing bucket may be SSE-KMS with KmsKeyArn: S3 then encrypts Firehose's objects
    // with it on the delivery role's behalf.
    let encrypt = grants::encrypt_through_s3(
        ctx.kms_key.clone(),
        bucket,
        &[prefix.clone(), error_prefix.clone()],
    )
    .sid("EncryptWithKmsKeyArn")
    .only_if(HAS_KMS_KEY);
    let firehose_policy = "SecurityHubFirehosePolicy";
    t.add(
        firehose_policy,
        &iam::Policy {
            policy_name: Expr::str("DeliverToBucket"),
            policy_document: PolicyDocument::new(
                PolicyKind::Identity,
                vec![
                    Statement::allow(&[
                        actions::s3::GET_BUCKET_LOCATION,
                        actions::s3::LIST_BUCKET,
                        actions::s3::LIST_BUCKET_MULTIPART_UPLOADS,
                    ])
                    .sid("FindBucket")
                    .resource(bucket_arn(bucket, "")),
                    Statement::allow(&[
                        actions::s3::PUT_OBJECT,
                        actions::s3::ABORT_MULTIPART_UPLOAD,
                    ])
                    .sid("WriteObjects")
                    .resource(grants::objects_under(bucket, &prefix))
                    .resource(grants::objects_under(bucket, &error_prefix)),
                    Statement::allow(&[actions::logs::PUT_LOG_EVENTS])
                        .sid("WriteDeliveryErrors")
                        .resource(Expr::get_att(log_group, "Arn")),
                    encrypt,
                ],
            ),
            roles: vec![Expr::reference(FIREHOSE_ROLE_ID)],
        },
    );
    t.add(
        STREAM_ID,
        &firehose::DeliveryStream {
            delivery_stream_name: stream_name.clone(),
            delivery_stream_type: "DirectPut",
            delivery_stream_encryption_configuration_input: firehose::EncryptionInput {
                key_type: "AWS_OWNED_CMK",
            },
            extended_s3_destination_configuration: firehose::ExtendedS3Destination {
                bucket_arn: bucket_arn(bucket, ""),
                role_arn: Expr::get_att(FIREHOSE_ROLE_ID, "Arn"),
                prefix: append(&prefix, "!{timestamp:yyyy/MM/dd/HH}/"),
                error_output_prefix: Expr::sub(format!(
                    "{SECURITYHUB_ERROR_PREFIX}!{{firehose:error-output-type}}/!{{timestamp:yyyy/MM/dd}}/"
                )),
                // Firehose names gzip objects `.gz` itself.
                file_extension: None,
                buffering_hints: firehose::BufferingHints {
                    interval_in_seconds: Expr::Int(60),
                    size_in_mbs: Expr::Int(5),
                },
                compression_format: "GZIP",
                cloud_watch_logging_options: firehose::CloudWatchLogging {
                    enabled: true,
                    log_group_name: Expr::reference(log_group),
                    log_stream_name: Expr::reference(log_stream),
                },
                processing_configuration: firehose::Processing {
                    enabled: true,
                    processors: vec![firehose::Processor::append_delimiter()],
                },
            },
            tags: tags("delivery-stream"),
        },
    )
    .depends_on(firehose_policy);

    // EventBridge -> Firehose: a role only this stack's rule may use, allowed to put into
    // this stream only. The rule's ARN is spelled out (its name is known), so the role needs
    // nothing of the rule and the rule waits for the role's policy.
    let rule_arn = Expr::sub_with(
        "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/${Rule}",
        [("Rule", rule_name.clone())],
    );
    t.add(
        EVENTS_ROLE_ID,
        &iam::Role {
            role_name: None,
            description: Expr::str(
                "Lets this stack's EventBridge rule put Security Hub findings into the Firehose stream.",
            ),
            assume_role_policy_document: PolicyDocument::new(
                PolicyKind::Trust,
                vec![grants::from_source(
                    Statement::allow(&[actions::sts::ASSUME_ROLE])
                        .principal(Principal::service(principals::EVENTS)),
                    rule_arn,
                )],
            ),
            managed_policy_arns: Vec::new(),
            max_session_duration: 3600,
            tags: tags("events-role"),
        },
    );
    let events_policy = "SecurityHubEventsPolicy";
    t.add(
        events_policy,
        &iam::Policy {
            policy_name: Expr::str("PutIntoFirehose"),
            policy_document: PolicyDocument::new(
                PolicyKind::Identity,
                vec![Statement::allow(&[
                    actions::firehose::PUT_RECORD,
                    actions::firehose::PUT_RECORD_BATCH,
                ])
                .resource(Expr::get_att(STREAM_ID, "Arn"))],
            ),
            roles: vec![Expr::reference(EVENTS_ROLE_ID)],
        },
    );
    t.add(
        RULE_ID,
        &events::Rule {
            name: rule_name,
            description: Expr::str(
                "Forwards Security Hub findings to the Firehose stream that writes them for Microsoft Sentinel.",
            ),
            event_pattern: json!({"source": [SOURCE], "detail-type": [DETAIL_TYPE]}),
            state: "ENABLED",
            targets: vec![events::Target {
                arn: Expr::get_att(STREAM_ID, "Arn"),
                id: "SentinelFirehose",
                role_arn: Expr::get_att(EVENTS_ROLE_ID, "Arn"),
            }],
        },
    )
    .condition(creates_rule.clone())
    .depends_on(events_policy);

    t.output(
        "DeliveryStreamArn",
        "Firehose stream that writes Security Hub findings to the bucket (one event per line).",
        Expr::get_att(STREAM_ID, "Arn"),
    );
    t.output(
        "EventRuleArn",
        "The EventBridge rule that forwards Security Hub findings to the stream.",
        Expr::get_att(RULE_ID, "Arn"),
    )
    .condition = Some(creates_rule);
    ((Vec::new(), Vec::new()), FIREHOSE_ROLE_ID.to_string())
}
