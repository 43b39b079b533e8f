//! VPC Flow Logs: a flow log of the given VPC, written to the bucket by the log-delivery service.

use super::super::bucket::{Ctx, BUCKET_POLICY_ID};
use super::super::layout::Layout;
use super::super::params;
use super::{acl_check_and_write, and_create_bucket, Grants};
use crate::cfn::{Cond, Expr, Parameter, Template};
use crate::facts::principals;
use crate::resources::{ec2, standard_tags};

const DEFAULT_FLOW_LOG_FORMAT: &str = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${instance-id} ${tcp-flags} ${type} ${pkt-srcaddr} ${pkt-dstaddr} ${region} ${az-id} ${sublocation-type} ${sublocation-id} ${pkt-src-aws-service} ${pkt-dst-aws-service} ${flow-direction} ${traffic-path}";

pub(super) fn deliver(t: &mut Template, ctx: &Ctx, layout: &Layout) -> Grants {
    let create = flow_log(t, layout.destination(&ctx.created_bucket), |t, has_vpc| {
        and_create_bucket(t, "CreateFlowLog", Cond::named(has_vpc))
    });
    t.resources
        .get_mut("VpcFlowLog")
        .expect("just added")
        .depends_on
        .push(BUCKET_POLICY_ID.to_string());
    t.output(
        "FlowLogId",
        "The flow log this stack created.",
        Expr::reference("VpcFlowLog"),
    )
    .condition = Some(create);

    let source = Expr::sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*");
    (
        acl_check_and_write(ctx, layout, principals::LOG_DELIVERY, "VpcFlowLogs", source),
        Vec::new(),
    )
}

/// The flow log of the `VpcId` parameter's VPC (with its traffic, interval, partition and
/// format parameters) into `destination` (`arn:…:s3:::<bucket>[/<folder>]`), created under the
/// condition `when` names from the condition "a VpcId is given"; returns that condition.
pub(crate) fn flow_log(
    t: &mut Template,
    destination: Expr,
    when: impl FnOnce(&mut Template, String) -> String,
) -> String {
    let vpc_id = t.param(
        params::VPC_ID,
        Parameter::string("VPC whose traffic to log. Leave empty to create no flow log (deliver from existing flow logs).")
            .default("")
            .pattern("^$|^vpc-[0-9a-f]{8,17}$", "must be a VPC ID like vpc-0123456789abcdef0, or empty"),
    );
    let traffic = t.param(
        params::TRAFFIC_TYPE,
        Parameter {
            allowed_values: vec!["ALL".into(), "ACCEPT".into(), "REJECT".into()],
            ..Parameter::string("Which traffic the flow log records.").default("ALL")
        },
    );
    let interval = t.param(
        params::MAX_AGGREGATION_INTERVAL,
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
        params::HOURLY_PARTITIONS,
        Parameter::boolean("Add an hour level (HH/) to the object keys.", true),
    );
    let format = t.param(
        params::FLOW_LOG_FORMAT,
        Parameter::string(
            "Flow log record format; must include ${start}, the record time Sentinel uses.",
        )
        .default(DEFAULT_FLOW_LOG_FORMAT)
        .pattern("^.*[$][{]start[}].*$", "must include the ${start} field"),
    );
    let has_vpc = t.condition("HasVpcId", !(Cond::equals(vpc_id.clone(), "")));
    let create = when(t, has_vpc);
    t.add(
        "VpcFlowLog",
        &ec2::FlowLog {
            resource_id: vpc_id,
            resource_type: "VPC",
            traffic_type: traffic,
            log_destination_type: "s3",
            log_destination: destination,
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
    .condition(create.clone());
    create
}
