//! The per-service part of a connector stack: its queue, and what makes the service deliver
//! into the bucket (with the bucket-policy grants AWS documents for that service).

use super::common;
use super::connector::{
    Ctx, FirehoseWriter, ServiceParts, BUCKET_POLICY_ID, CREATE_BUCKET, HAS_KMS_KEY,
};
use super::eks::{firehose_to_bucket, FirehoseToBucket};
use super::layout::Layout;
use crate::cfn::{Cond, Expr, Parameter, Pseudo, Template};
use crate::config::patterns;
use crate::facts::{principals, DataType, OPT_IN_REGIONS};
use crate::grants::{self, bucket_arn};
use crate::iam::{actions, keys, Operator, PolicyDocument, PolicyKind, Principal, Statement};
use crate::resources::{cloudtrail, ec2, guardduty, kms, logs, standard_tags};
use crate::text;
use crate::transform_code;
use indexmap::IndexMap;
use serde_json::json;

/// Whether a data type is delivered through a connector stack (one bucket, one queue per data
/// type, the Sentinel role: this module), or through a stack of its own (EKS: `stacks::eks`).
pub fn has_connector_stack(d: DataType) -> bool {
    match d {
        DataType::Vpc | DataType::GuardDuty | DataType::CloudTrail | DataType::CloudWatch => true,
        DataType::Eks => false,
    }
}

/// The data types of the connector stacks, in catalogue order (the all-services stack holds
/// all of them).
pub fn connector_types() -> Vec<DataType> {
    DataType::ALL
        .iter()
        .copied()
        .filter(|d| has_connector_stack(*d))
        .collect()
}

pub fn add(t: &mut Template, ctx: &Ctx, service: DataType) -> ServiceParts {
    let queue_param = if ctx.single {
        "SentinelSQSQueueName".to_string()
    } else {
        format!("{}SQSQueueName", service.id())
    };
    let queue_name = common::name_param(
        t,
        &queue_param,
        &format!(
            "Name of the SQS queue that announces new {} objects. Default: {}-<8 hex of the stack id>.",
            service.label(),
            service.default_queue()
        ),
        common::per_stack_name(service.default_queue()),
        (patterns::QUEUE_NAME, patterns::QUEUE_NAME_RULE),
    );
    let queue = common::queue_pair(
        t,
        &format!("{}Queue", service.id()),
        queue_name,
        &ctx.tuning,
    );
    let layout = Layout::declare(t, ctx, service);
    let mut firehose = None;
    let (bucket_statements, role_statements) = match service {
        DataType::Vpc => vpc(t, ctx, &layout),
        DataType::CloudTrail => cloudtrail(t, ctx, &layout),
        DataType::GuardDuty => guardduty(t, ctx, &layout),
        DataType::CloudWatch => {
            let (grants, role_id) = cloudwatch(t, ctx, &layout);
            firehose = Some(FirehoseWriter {
                role_id,
                error_prefix: CLOUDWATCH_ERROR_PREFIX,
            });
            grants
        }
        DataType::Eks => {
            unreachable!("EKS has a stack of its own (stacks::eks), not a connector stack")
        }
    };
    ServiceParts {
        service,
        queue,
        layout,
        bucket_statements,
        role_statements,
        firehose,
    }
}

type Grants = (Vec<Statement>, Vec<Statement>);

/// A write grant on every place the layout lets the service write.
fn writes_to(mut st: Statement, ctx: &Ctx, layout: &Layout) -> Statement {
    for r in layout.writable(&ctx.created_bucket) {
        st = st.resource(r);
    }
    st
}

fn and_create_bucket(t: &mut Template, name: &str, own: Cond) -> String {
    t.condition(name, Cond::And(vec![Cond::named(CREATE_BUCKET), own]))
}

const DEFAULT_FLOW_LOG_FORMAT: &str = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${instance-id} ${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr} ${region} ${az-id} ${sublocation-type} ${sublocation-id} ${pkt-src-aws-service} ${pkt-dst-aws-service} ${flow-direction} ${traffic-path}";

fn vpc(t: &mut Template, ctx: &Ctx, layout: &Layout) -> Grants {
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
            log_destination: layout.destination(&ctx.created_bucket),
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
    (
        acl_check_and_write(ctx, layout, principals::LOG_DELIVERY, "VpcFlowLogs", source),
        Vec::new(),
    )
}

/// What a log-delivery service needs in the bucket policy, as AWS documents it for flow logs
/// and CloudTrail: `<sid>AclCheck` (GetBucketAcl on the bucket) and `<sid>Write` (PutObject where
/// the layout lets it write, with `bucket-owner-full-control`), both bound to `source`.
fn acl_check_and_write(
    ctx: &Ctx,
    layout: &Layout,
    principal: &str,
    sid: &str,
    source: Expr,
) -> Vec<Statement> {
    let acl = grants::from_source(
        Statement::allow(&[actions::s3::GET_BUCKET_ACL])
            .sid(&format!("{sid}AclCheck"))
            .principal(Principal::service(principal))
            .resource(bucket_arn(&ctx.created_bucket, "")),
        source.clone(),
    );
    let write = grants::from_source(
        writes_to(
            Statement::allow(&[actions::s3::PUT_OBJECT])
                .sid(&format!("{sid}Write"))
                .principal(Principal::service(principal)),
            ctx,
            layout,
        )
        .when(
            Operator::StringEquals,
            keys::S3_ACL,
            "bucket-owner-full-control",
        ),
        source,
    );
    vec![acl, write]
}

fn cloudtrail(t: &mut Template, ctx: &Ctx, layout: &Layout) -> Grants {
    let trail_name = common::name_param(
        t,
        "TrailName",
        "Name of the trail this stack creates. Default: sentinel-management-events-<8 hex of the stack id>.",
        common::per_stack_name("sentinel-management-events"),
        ("^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$", "must be 3 to 128 letters, digits, periods, underscores or hyphens, starting with a letter or digit"),
    );
    let create_param = t.param(
        "CreateTrail",
        Parameter::boolean(
            "Create a multi-region management-events trail delivering to the bucket.",
            true,
        ),
    );
    let create = and_create_bucket(t, "CreateCloudTrail", Cond::equals(create_param, "true"));
    let organization = match &layout.organization {
        Some((_, cond)) => Expr::if_(cond.clone(), Expr::Bool(true), Expr::Bool(false)),
        None => Expr::Bool(false),
    };
    t.add(
        "CloudTrailTrail",
        &cloudtrail::Trail {
            trail_name: trail_name.clone(),
            s3_bucket_name: ctx.created_bucket.clone(),
            s3_key_prefix: layout.trail_key_prefix(),
            is_organization_trail: organization,
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

    let source = Expr::sub_with(
        "arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/${Trail}",
        [("Trail", trail_name)],
    );
    (
        acl_check_and_write(ctx, layout, principals::CLOUDTRAIL, "AWSCloudTrail", source),
        Vec::new(),
    )
}

/// The condition "this stack is in an opt-in Region", for GuardDuty's Regional principal.
pub const GUARDDUTY_OPT_IN: &str = "GuardDutyOptInRegion";

/// GuardDuty's service principal in this Region (Regional in opt-in Regions).
fn guardduty_principal(t: &mut Template) -> Principal {
    let region = |r: &&str| Cond::equals(Pseudo::Region, *r);
    // Fn::Or takes 2 to 10 conditions.
    let groups: Vec<Cond> = OPT_IN_REGIONS
        .chunks(9)
        .map(|c| Cond::Or(c.iter().map(region).collect()))
        .collect();
    if !t.conditions.contains_key(GUARDDUTY_OPT_IN) {
        t.condition(GUARDDUTY_OPT_IN, Cond::Or(groups));
    }
    Principal::service(Expr::if_(
        GUARDDUTY_OPT_IN,
        Expr::sub(principals::GUARDDUTY_REGIONAL),
        Expr::str(principals::GUARDDUTY),
    ))
}

pub const DETECTOR_PARAM: &str = "DetectorId";
pub const CREATE_DETECTOR_PARAM: &str = "CreateDetector";

fn guardduty(t: &mut Template, ctx: &Ctx, layout: &Layout) -> Grants {
    let detector_param = t.param(
        DETECTOR_PARAM,
        Parameter::string("This Region's GuardDuty detector (aws guardduty list-detectors). Empty only with CreateDetector (the deployer looks it up).")
            .default("")
            .pattern("^$|^[0-9a-f]{32}$", "must be a 32-character GuardDuty detector ID, or empty"),
    );
    let create_param = t.param(
        CREATE_DETECTOR_PARAM,
        Parameter::boolean(
            "Create a detector, only where the Region has none: it enables GuardDuty's default (billed) protection plans and is retained on stack deletion.",
            false,
        ),
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
                "How often a created detector exports updated findings (the AWS default is six hours).",
            )
            .default("FIFTEEN_MINUTES")
        },
    );
    let alias = common::name_param(
        t,
        "KmsKeyAlias",
        "Alias (without alias/) of the key this stack creates for GuardDuty's exports. Default: sentinel-guardduty-<8 hex of the stack id>.",
        common::per_stack_name("sentinel-guardduty"),
        ("^[A-Za-z0-9/_-]{1,250}$", "must be letters, digits, /, _ or -"),
    );
    let has_detector = Cond::Not(Box::new(Cond::equals(detector_param.clone(), "")));
    let wants_detector = Cond::equals(create_param.clone(), "true");
    let new_bucket = Cond::equals(Expr::reference("UseExistingBucket"), "false");
    t.rule(
        "GuardDutyDetectorGiven",
        Some(new_bucket.clone()),
        Cond::Or(vec![has_detector.clone(), wants_detector.clone()]),
        "Set DetectorId to this Region's GuardDuty detector (aws guardduty list-detectors), or, only if the Region has none, set CreateDetector to true. A Region has at most one detector, so creating one where GuardDuty runs fails.",
    );
    t.rule(
        "GuardDutyDetectorNotBoth",
        Some(new_bucket),
        !(Cond::And(vec![has_detector, wants_detector])),
        "Set DetectorId or CreateDetector, not both: a Region has at most one GuardDuty detector.",
    );
    let creates_detector = and_create_bucket(
        t,
        "CreatesGuardDutyDetector",
        Cond::equals(create_param, "true"),
    );
    t.add(
        "GuardDutyDetector",
        &guardduty::Detector {
            enable: true,
            finding_publishing_frequency: frequency,
        },
    )
    .condition(creates_detector.clone())
    .retain();
    // The export exists only with a detector to export from (the rules above refuse the
    // stack without one; LocalStack and cfn-lint do not read rules).
    let has_detector_id = t.condition("HasDetectorId", !(Cond::equals(detector_param.clone(), "")));
    let exports = t.condition(
        "ExportsGuardDutyFindings",
        Cond::And(vec![
            Cond::named(CREATE_BUCKET),
            Cond::Or(vec![
                Cond::named(creates_detector.clone()),
                Cond::named(has_detector_id.clone()),
            ]),
        ]),
    );
    let detector_id = Expr::if_(
        has_detector_id,
        detector_param,
        Expr::reference("GuardDutyDetector"),
    );
    let detector_arn = Expr::sub_with(
        "arn:${AWS::Partition}:guardduty:${AWS::Region}:${AWS::AccountId}:detector/${Detector}",
        [("Detector", detector_id.clone())],
    );
    let guardduty = guardduty_principal(t);

    // The key exists only with a new bucket: with an existing one, the export that already
    // writes there has its own key (grant it with KmsKeyArn).
    let root = Expr::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root");
    let key_policy = PolicyDocument::new(
        PolicyKind::Key,
        vec![
            Statement::allow(actions::kms::ADMIN)
                .sid("AccountAdministersKey")
                .principal(Principal::aws(root.clone()))
                .resource("*"),
            grants::from_source(
                Statement::allow(&[actions::kms::GENERATE_DATA_KEY])
                    .sid("GuardDutyEncryptsExports")
                    .principal(guardduty.clone())
                    .resource("*"),
                detector_arn.clone(),
            ),
            // Through the account, not the role: KMS rejects a key policy that names a principal
            // it cannot see yet, and the role is created in this same stack. The role's own
            // policy grants kms:Decrypt on this key.
            Statement::allow(&[actions::kms::DECRYPT])
                .sid("AccountPrincipalsDecryptThroughS3")
                .principal(Principal::aws(root))
                .resource("*")
                .when(
                    Operator::StringEquals,
                    keys::KMS_VIA_SERVICE,
                    Expr::sub("s3.${AWS::Region}.amazonaws.com"),
                )
                .when(
                    Operator::StringEquals,
                    keys::KMS_CALLER_ACCOUNT,
                    Pseudo::AccountId,
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
    .condition(CREATE_BUCKET)
    .retain();
    t.add(
        "GuardDutyKeyAlias",
        &kms::Alias {
            alias_name: Expr::sub_with("alias/${Alias}", [("Alias", alias)]),
            target_key_id: Expr::reference("GuardDutyKey"),
        },
    )
    .condition(CREATE_BUCKET);
    t.add(
        "GuardDutyPublishingDestination",
        &guardduty::PublishingDestination {
            detector_id: detector_id.clone(),
            destination_type: "S3",
            destination_properties: guardduty::DestinationProperties {
                destination_arn: layout.destination(&ctx.created_bucket),
                kms_key_arn: Expr::get_att("GuardDutyKey", "Arn"),
            },
        },
    )
    .condition(exports.clone())
    .depends_on(BUCKET_POLICY_ID);
    t.output(
        "GuardDutyKmsKeyArn",
        "KMS key for GuardDuty's findings export.",
        Expr::get_att("GuardDutyKey", "Arn"),
    )
    .condition = Some(CREATE_BUCKET.into());
    t.output(
        "GuardDutyDetectorId",
        "The GuardDuty detector that exports findings.",
        detector_id,
    )
    .condition = Some(exports);

    let location = grants::from_source(
        Statement::allow(&[actions::s3::GET_BUCKET_LOCATION])
            .sid("GuardDutyBucketLocation")
            .principal(guardduty.clone())
            .resource(bucket_arn(&ctx.created_bucket, "")),
        detector_arn.clone(),
    );
    let write = grants::from_source(
        writes_to(
            Statement::allow(&[actions::s3::PUT_OBJECT])
                .sid("GuardDutyWrite")
                .principal(guardduty.clone()),
            ctx,
            layout,
        ),
        detector_arn,
    );
    let deny_unencrypted = Statement::deny(&[actions::s3::PUT_OBJECT])
        .sid("GuardDutyDenyUnencrypted")
        .principal(guardduty.clone())
        .resource(bucket_arn(&ctx.created_bucket, "/*"))
        .when(Operator::StringNotEquals, keys::S3_SSE, "aws:kms");
    let deny_wrong_key = Statement::deny(&[actions::s3::PUT_OBJECT])
        .sid("GuardDutyDenyOtherKeys")
        .principal(guardduty)
        .resource(bucket_arn(&ctx.created_bucket, "/*"))
        .when(
            Operator::StringNotEquals,
            keys::S3_SSE_KMS_KEY,
            Expr::get_att("GuardDutyKey", "Arn"),
        );
    let decrypt = grants::decrypt_through_s3(Expr::get_att("GuardDutyKey", "Arn"))
        .sid("GuardDutyDecryptFindings")
        .only_if(CREATE_BUCKET);
    (
        vec![location, write, deny_unencrypted, deny_wrong_key],
        vec![decrypt],
    )
}

/// Where the CloudWatch Firehose stream writes records it could not process (never notified).
pub const CLOUDWATCH_ERROR_PREFIX: &str = "CloudWatch-errors/";

/// The CloudWatch path; returns its grants and the logical ID of its Firehose delivery role.
fn cloudwatch(t: &mut Template, ctx: &Ctx, layout: &Layout) -> (Grants, String) {
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
        "Name of the Firehose stream. Default: sentinel-cloudwatch-<8 hex of the stack id>.",
        common::per_stack_name("sentinel-cloudwatch"),
        (
            "^[A-Za-z0-9_.-]{1,64}$",
            "must be 1 to 64 letters, digits, _ . -",
        ),
    );
    let function_name = common::name_param(
        t,
        "TransformFunctionName",
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
