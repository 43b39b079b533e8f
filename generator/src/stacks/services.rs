//! The per-service part of a connector stack: its queue, and what makes the service deliver
//! into the bucket (with the bucket-policy grants AWS documents for that service).

use super::common::{self, QueuePair, ROLE_ID};
use super::connector::{prefix_template, Ctx, ServiceParts, BUCKET_POLICY_ID, CREATE_BUCKET};
use super::eks::{firehose_to_bucket, FirehoseToBucket};
use crate::cfn::{Cond, Expr, Parameter, Template};
use crate::config::patterns;
use crate::facts::{principals, Service};
use crate::grants::{self, bucket_arn};
use crate::iam::{actions, keys, Operator, PolicyDocument, PolicyKind, Principal, Statement};
use crate::resources::{cloudtrail, ec2, guardduty, kms, logs, standard_tags};
use crate::text;
use crate::transform_code;
use indexmap::IndexMap;
use serde_json::json;

pub fn add(t: &mut Template, ctx: &Ctx, service: Service) -> ServiceParts {
    let queue_param = if ctx.single {
        "SentinelSQSQueueName".to_string()
    } else {
        format!("{}SQSQueueName", service.id())
    };
    let queue_name = t.param(
        &queue_param,
        Parameter::string(format!(
            "Name of the SQS queue that announces new {} objects (its dead-letter queue adds -dlq).",
            service.label()
        ))
        .default(service.default_queue_name())
        .pattern(patterns::QUEUE_NAME, patterns::QUEUE_NAME_RULE),
    );
    let queue = common::queue_pair(
        t,
        &format!("{}Queue", service.id()),
        queue_name,
        &ctx.tuning,
    );
    let prefix = prefix_template(service);
    let (bucket_statements, role_statements) = match service {
        Service::VpcFlowLogs => vpc(t, ctx),
        Service::CloudTrail => cloudtrail(t, ctx),
        Service::GuardDuty => guardduty(t, ctx),
        Service::CloudWatch => cloudwatch(t, ctx, &queue),
    };
    ServiceParts {
        service,
        queue,
        prefix,
        bucket_statements,
        role_statements,
    }
}

type Grants = (Vec<Statement>, Vec<Statement>);

/// Objects the service writes go under `AWSLogs/<this account>/`.
fn account_logs(ctx: &Ctx) -> Expr {
    bucket_arn(&ctx.bucket_name, "/AWSLogs/${AWS::AccountId}/*")
}

fn and_create_bucket(t: &mut Template, name: &str, own: Cond) -> String {
    t.condition(name, Cond::And(vec![Cond::named(CREATE_BUCKET), own]))
}

const DEFAULT_FLOW_LOG_FORMAT: &str = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${instance-id} ${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr} ${region} ${az-id} ${sublocation-type} ${sublocation-id} ${pkt-src-aws-service} ${pkt-dst-aws-service} ${flow-direction} ${traffic-path}";

fn vpc(t: &mut Template, ctx: &Ctx) -> Grants {
    let vpc_id = t.param(
        "VpcId",
        Parameter::string("VPC whose traffic to log. Leave empty to create no flow log (deliver from existing flow logs).")
            .default("")
            .pattern("^$|^vpc-[0-9a-f]{8,17}$", "must be a VPC ID like vpc-0123456789abcdef0, or empty"),
    );
    let traffic = t.param(
        "TrafficType",
        Parameter {
            allowed_values: vec!["ALL".into(), "ACCEPT".into(), "REJECT".into()],
            ..Parameter::string("Which traffic the flow log records.").default("ALL")
        },
    );
    let interval = t.param(
        "MaxAggregationInterval",
        Parameter {
            allowed_values: vec!["60".into(), "600".into()],
            ..Parameter::number(
                "Seconds over which a flow is aggregated into one record.",
                60,
                60,
                600,
            )
        },
    );
    let hourly = t.param(
        "HourlyPartitions",
        Parameter::boolean("Add an hour level (HH/) to the object keys.", true),
    );
    let format = t.param(
        "FlowLogFormat",
        Parameter::string(
            "Flow log record format; must include ${start}, the record time Sentinel uses.",
        )
        .default(DEFAULT_FLOW_LOG_FORMAT)
        .pattern("^.*[$][{]start[}].*$", "must include the ${start} field"),
    );
    let has_vpc = t.condition("HasVpcId", !(Cond::equals(vpc_id.clone(), "")));
    let create = and_create_bucket(t, "CreateFlowLog", Cond::named(has_vpc));
    t.add(
        "VpcFlowLog",
        &ec2::FlowLog {
            resource_id: vpc_id,
            resource_type: "VPC",
            traffic_type: traffic,
            log_destination_type: "s3",
            log_destination: bucket_arn(&ctx.bucket_name, ""),
            log_format: format,
            max_aggregation_interval: interval,
            destination_options: ec2::DestinationOptions {
                file_format: "plain-text",
                hive_compatible_partitions: false,
                per_hour_partition: hourly,
            },
            tags: standard_tags("flow-log"),
        },
    )
    .condition(create)
    .depends_on(BUCKET_POLICY_ID);
    t.output(
        "FlowLogId",
        "The flow log this stack created.",
        Expr::reference("VpcFlowLog"),
    )
    .condition = Some("CreateFlowLog".into());

    let source = Expr::sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*");
    let write = grants::from_source(
        Statement::allow(&[actions::s3::PUT_OBJECT])
            .sid("VpcFlowLogsWrite")
            .principal(Principal::service(principals::LOG_DELIVERY))
            .resource(account_logs(ctx))
            .when(
                Operator::StringEquals,
                keys::S3_ACL,
                "bucket-owner-full-control",
            ),
        source.clone(),
    );
    let acl = grants::from_source(
        Statement::allow(&[actions::s3::GET_BUCKET_ACL])
            .sid("VpcFlowLogsAclCheck")
            .principal(Principal::service(principals::LOG_DELIVERY))
            .resource(bucket_arn(&ctx.bucket_name, "")),
        source,
    );
    (vec![acl, write], Vec::new())
}

fn cloudtrail(t: &mut Template, ctx: &Ctx) -> Grants {
    let trail_name = t.param(
        "TrailName",
        Parameter::string("Name of the trail this stack creates.")
            .default("sentinel-management-events")
            .pattern("^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$", "must be 3 to 128 letters, digits, periods, underscores or hyphens, starting with a letter or digit"),
    );
    let create_param = t.param(
        "CreateTrail",
        Parameter::boolean(
            "Create a multi-region management-events trail delivering to the bucket.",
            true,
        ),
    );
    let create = and_create_bucket(t, "CreateCloudTrail", Cond::equals(create_param, "true"));
    t.add(
        "CloudTrailTrail",
        &cloudtrail::Trail {
            trail_name: trail_name.clone(),
            s3_bucket_name: ctx.bucket_name.clone(),
            is_logging: true,
            is_multi_region_trail: Expr::Bool(true),
            include_global_service_events: true,
            enable_log_file_validation: true,
            tags: standard_tags("trail"),
        },
    )
    .condition(create.clone())
    .depends_on(BUCKET_POLICY_ID);
    t.output(
        "TrailArn",
        "The trail this stack created.",
        Expr::get_att("CloudTrailTrail", "Arn"),
    )
    .condition = Some(create);

    let source = Expr::sub(
        "arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/${TrailName}",
    );
    let acl = grants::from_source(
        Statement::allow(&[actions::s3::GET_BUCKET_ACL])
            .sid("AWSCloudTrailAclCheck")
            .principal(Principal::service(principals::CLOUDTRAIL))
            .resource(bucket_arn(&ctx.bucket_name, "")),
        source.clone(),
    );
    let write = grants::from_source(
        Statement::allow(&[actions::s3::PUT_OBJECT])
            .sid("AWSCloudTrailWrite")
            .principal(Principal::service(principals::CLOUDTRAIL))
            .resource(account_logs(ctx))
            .when(
                Operator::StringEquals,
                keys::S3_ACL,
                "bucket-owner-full-control",
            ),
        source,
    );
    (vec![acl, write], Vec::new())
}

fn guardduty(t: &mut Template, ctx: &Ctx) -> Grants {
    let detector_param = t.param(
        "DetectorId",
        Parameter::string("ID of this region's existing GuardDuty detector. Leave empty to create one (a region has at most one).")
            .default("")
            .pattern("^$|^[0-9a-f]{32}$", "must be a 32-character GuardDuty detector ID, or empty"),
    );
    let frequency = t.param(
        "FindingPublishingFrequency",
        Parameter {
            allowed_values: vec![
                "FIFTEEN_MINUTES".into(),
                "ONE_HOUR".into(),
                "SIX_HOURS".into(),
            ],
            ..Parameter::string(
                "How often updated findings are exported (the AWS default is six hours).",
            )
            .default("FIFTEEN_MINUTES")
        },
    );
    let alias = t.param(
        "KmsKeyAlias",
        Parameter::string(
            "Alias (without alias/) of the KMS key GuardDuty encrypts its exports with.",
        )
        .default("sentinel-guardduty")
        .pattern(
            "^[A-Za-z0-9/_-]{1,250}$",
            "must be letters, digits, /, _ or -",
        ),
    );
    let create_detector = t.condition("CreateDetector", Cond::equals(detector_param.clone(), ""));
    t.add(
        "GuardDutyDetector",
        &guardduty::Detector {
            enable: true,
            finding_publishing_frequency: frequency,
        },
    )
    .condition(create_detector.clone());
    let detector_id = Expr::if_(
        create_detector,
        Expr::reference("GuardDutyDetector"),
        detector_param,
    );
    let detector_arn = Expr::sub_with(
        "arn:${AWS::Partition}:guardduty:${AWS::Region}:${AWS::AccountId}:detector/${Detector}",
        [("Detector", detector_id.clone())],
    );

    let root = Expr::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root");
    let key_policy = PolicyDocument::new(
        PolicyKind::Key,
        vec![
            Statement::allow(actions::kms::ADMIN)
                .sid("AccountAdministersKey")
                .principal(Principal::aws(root))
                .resource("*"),
            grants::from_source(
                Statement::allow(&[actions::kms::GENERATE_DATA_KEY])
                    .sid("GuardDutyEncryptsExports")
                    .principal(Principal::service(principals::GUARDDUTY))
                    .resource("*"),
                detector_arn.clone(),
            ),
            Statement::allow(&[actions::kms::DECRYPT])
                .sid("SentinelDecryptsThroughS3")
                .principal(Principal::aws(Expr::get_att(ROLE_ID, "Arn")))
                .resource("*")
                .when(
                    Operator::StringEquals,
                    keys::KMS_VIA_SERVICE,
                    Expr::sub("s3.${AWS::Region}.amazonaws.com"),
                ),
        ],
    );
    t.add(
        "GuardDutyKey",
        &kms::Key {
            description: Expr::sub("Encrypts GuardDuty findings exported for Microsoft Sentinel (stack ${AWS::StackName})."),
            enable_key_rotation: true,
            key_spec: "SYMMETRIC_DEFAULT",
            key_usage: "ENCRYPT_DECRYPT",
            pending_window_in_days: 30,
            key_policy,
            tags: standard_tags("guardduty-export-key"),
        },
    )
    .retain();
    t.add(
        "GuardDutyKeyAlias",
        &kms::Alias {
            alias_name: Expr::sub("alias/${KmsKeyAlias}"),
            target_key_id: Expr::reference("GuardDutyKey"),
        },
    );
    let _ = alias;
    t.add(
        "GuardDutyPublishingDestination",
        &guardduty::PublishingDestination {
            detector_id: detector_id.clone(),
            destination_type: "S3",
            destination_properties: guardduty::DestinationProperties {
                destination_arn: bucket_arn(&ctx.bucket_name, ""),
                kms_key_arn: Expr::get_att("GuardDutyKey", "Arn"),
            },
        },
    )
    .condition(CREATE_BUCKET)
    .depends_on(BUCKET_POLICY_ID);
    t.output(
        "GuardDutyKmsKeyArn",
        "KMS key for GuardDuty's findings export.",
        Expr::get_att("GuardDutyKey", "Arn"),
    );
    t.output(
        "GuardDutyDetectorId",
        "The GuardDuty detector that exports findings.",
        detector_id,
    );

    let location = grants::from_source(
        Statement::allow(&[actions::s3::GET_BUCKET_LOCATION])
            .sid("GuardDutyBucketLocation")
            .principal(Principal::service(principals::GUARDDUTY))
            .resource(bucket_arn(&ctx.bucket_name, "")),
        detector_arn.clone(),
    );
    let write = grants::from_source(
        Statement::allow(&[actions::s3::PUT_OBJECT])
            .sid("GuardDutyWrite")
            .principal(Principal::service(principals::GUARDDUTY))
            .resource(account_logs(ctx)),
        detector_arn,
    );
    let deny_unencrypted = Statement::deny(&[actions::s3::PUT_OBJECT])
        .sid("GuardDutyDenyUnencrypted")
        .principal(Principal::service(principals::GUARDDUTY))
        .resource(bucket_arn(&ctx.bucket_name, "/*"))
        .when(Operator::StringNotEquals, keys::S3_SSE, "aws:kms");
    let deny_wrong_key = Statement::deny(&[actions::s3::PUT_OBJECT])
        .sid("GuardDutyDenyOtherKeys")
        .principal(Principal::service(principals::GUARDDUTY))
        .resource(bucket_arn(&ctx.bucket_name, "/*"))
        .when(
            Operator::StringNotEquals,
            keys::S3_SSE_KMS_KEY,
            Expr::get_att("GuardDutyKey", "Arn"),
        );
    let decrypt = grants::decrypt_through_s3(Expr::get_att("GuardDutyKey", "Arn"))
        .sid("GuardDutyDecryptFindings");
    (
        vec![location, write, deny_unencrypted, deny_wrong_key],
        vec![decrypt],
    )
}

fn cloudwatch(t: &mut Template, ctx: &Ctx, _queue: &QueuePair) -> Grants {
    let log_group = t.param(
        "LogGroupName",
        Parameter::string("CloudWatch Logs group to stream to Sentinel. Leave empty to subscribe groups later (see the SubscribeLogGroupCommand output).")
            .default("")
            .pattern("^$|^[A-Za-z0-9_/.#-]{1,512}$", "must be a log group name (letters, digits, _ / . # -), or empty"),
    );
    let pattern = t.param(
        "FilterPattern",
        Parameter::string("Subscription filter pattern; empty forwards every event.").default(""),
    );
    let stream_name = common::name_param(
        t,
        "DeliveryStreamName",
        "Name of the Firehose stream.",
        Expr::sub("${AWS::StackName}-cloudwatch"),
        (
            "^[A-Za-z0-9_.-]{1,64}$",
            "must be 1 to 64 letters, digits, _ . -",
        ),
    );
    let function_name = common::name_param(
        t,
        "TransformFunctionName",
        "Name of the transform Lambda function.",
        Expr::sub("${AWS::StackName}-cloudwatch-csv"),
        (
            "^[A-Za-z0-9_-]{1,64}$",
            "must be 1 to 64 letters, digits, _ -",
        ),
    );
    let has_group = t.condition("HasLogGroup", !(Cond::equals(log_group.clone(), "")));

    // CloudWatch Logs -> Firehose -> transform Lambda -> S3, the path the EKS stack shares;
    // failures go to an error prefix the notification never sees.
    let cw_prefix = prefix_template(Service::CloudWatch);
    let code = transform_code::code(
        "cloudwatch_lambda",
        &json!({"table": Service::CloudWatch.table()}),
    );
    firehose_to_bucket(
        t,
        &FirehoseToBucket {
            id: "CloudWatch",
            bucket_name: &ctx.bucket_name,
            prefix: &cw_prefix,
            error_prefix: "CloudWatch-errors/",
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
                Expr::str(Service::CloudWatch.table()),
            )]),
            extra_tags: Vec::new(),
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
    (Vec::new(), Vec::new())
}
