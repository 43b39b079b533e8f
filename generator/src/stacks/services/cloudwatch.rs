//! CloudWatch Logs: a subscription filter of the given log group -> Firehose with a transform Lambda -> the bucket.

use super::super::bucket::{Ctx, HAS_KMS_KEY};
use super::super::common;
use super::super::firehose::{firehose_to_bucket, FirehoseToBucket};
use super::super::layout::Layout;
use super::super::params;
use super::Grants;
use crate::cfn::{Cond, Expr, Parameter, Template};
use crate::facts::DataType;
use crate::resources::logs;
use crate::text;
use crate::transform_code;
use indexmap::IndexMap;
use serde_json::json;

/// Where the CloudWatch Firehose stream writes records it could not process (never notified).
pub const CLOUDWATCH_ERROR_PREFIX: &str = "CloudWatch-errors/";

/// The CloudWatch path; returns its grants and the logical ID of its Firehose delivery role.
pub(super) fn deliver(t: &mut Template, ctx: &Ctx, layout: &Layout) -> (Grants, String) {
    let log_group = t.param(
        params::LOG_GROUP_NAME,
        Parameter::string("CloudWatch Logs group to stream to Sentinel. Leave empty to subscribe groups later (see the SubscribeLogGroupCommand output).")
            .default("")
            .pattern("^$|^[A-Za-z0-9_/.#-]{1,512}$", "must be a log group name (letters, digits, _ / . # -), or empty"),
    );
    let pattern = t.param(
        params::FILTER_PATTERN,
        Parameter::string("Subscription filter pattern; empty forwards every event.").default(""),
    );
    let stream_name = common::name_param(
        t,
        params::DELIVERY_STREAM_NAME,
        "Name of the Firehose stream. Default: sentinel-cloudwatch-<8 hex of the stack id>.",
        common::per_stack_name("sentinel-cloudwatch"),
        (
            "^[A-Za-z0-9_.-]{1,64}$",
            "must be 1 to 64 letters, digits, _ . -",
        ),
    );
    let function_name = common::name_param(
        t,
        params::TRANSFORM_FUNCTION_NAME,
        "Name of the transform Lambda function. Default: sentinel-cloudwatch-csv-<8 hex of the stack id>.",
        common::per_stack_name("sentinel-cloudwatch-csv"),
        (
            "^[A-Za-z0-9_-]{1,64}$",
            "must be 1 to 64 letters, digits, _ -",
        ),
    );
    let has_group = t.condition("HasLogGroup", !(Cond::equals(log_group.clone(), "")));

    // CloudWatch Logs -> Firehose -> transform Lambda -> S3, the path the EKS stack shares;
    // failures go to an error prefix the notification never sees.
    let code = transform_code::code(
        "cloudwatch_lambda",
        &json!({"table": DataType::CloudWatch.table()}),
    );
    let path = firehose_to_bucket(
        t,
        &FirehoseToBucket {
            id: "CloudWatch",
            bucket_name: &ctx.bucket_name_or_default,
            prefix: layout.prefix(),
            error_prefix: CLOUDWATCH_ERROR_PREFIX,
            stream_name,
            function_name,
            function_description: "Turns CloudWatch Logs subscription records into AWSCloudWatch lines <ISO 8601 UTC time>,<message>, as Microsoft's exporters write them.",
            transform_role_description: "Lets the CloudWatch-to-CSV transform write its own logs.",
            firehose_role_description:
                "Lets Firehose invoke the transform and write CloudWatch logs to the bucket.",
            file_extension: None,
            code,
            environment: IndexMap::from([(
                "SENTINEL_TABLE".to_string(),
                Expr::str(DataType::CloudWatch.table().name()),
            )]),
            extra_tags: Vec::new(),
            // An existing bucket may be SSE-KMS with KmsKeyArn: S3 then encrypts Firehose's
            // objects with it on the delivery role's behalf.
            kms_key: Some((ctx.kms_key.clone(), HAS_KMS_KEY)),
        },
    );
    t.add(
        "CloudWatchSubscriptionFilter",
        &logs::SubscriptionFilter {
            filter_name: Expr::str("MicrosoftSentinel"),
            log_group_name: log_group,
            filter_pattern: pattern,
            destination_arn: Expr::get_att("CloudWatchDeliveryStream", "Arn"),
            role_arn: Expr::get_att("CloudWatchLogsRole", "Arn"),
        },
    )
    .condition(has_group)
    .depends_on("CloudWatchLogsPolicy");
    t.output(
        "DeliveryStreamArn",
        "Firehose stream that writes CloudWatch logs to the bucket.",
        Expr::get_att("CloudWatchDeliveryStream", "Arn"),
    );
    t.output(
        "SubscribeLogGroupCommand",
        "Subscribe another log group (replace <LOG_GROUP>).",
        Expr::sub(text::render(
            "subscribe_command",
            &json!({"filter_name": "MicrosoftSentinel", "stream_id": "CloudWatchDeliveryStream", "logs_role_id": "CloudWatchLogsRole"}),
        )),
    );
    ((Vec::new(), Vec::new()), path.firehose_role_id)
}
