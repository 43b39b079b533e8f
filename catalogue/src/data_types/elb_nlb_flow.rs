//! VPC flow logs of Network Load Balancer network interfaces -> `AWSELBFlowLogs` (`LogType` `NLB`).

use super::{elb::GROUP, Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "elb-nlb-flow",
    id: "NlbFlow",
    label: "NLB flow logs",
    short_label: "NLB-Flow",
    table: Table::AWSELBFlowLogs,
    key_segment: "vpcflowlogs",
    suffix: ".log.gz",
    default_role: GROUP.default_role,
    // Microsoft's template takes `NLBFlowQueueName`: one queue and one stream per kind.
    default_queue: "Sentinel-NLB-Flow-SQS",
    delivery: Delivery::ServiceWrites,
    default_rate: 20.0,
    records_per_object: 500,
    group: Some(&GROUP),
    all_services: false,
    bucket_prefix: "",
    // The folder of Microsoft's template.
    default_key_prefix: "NLBFlowLogs",
    row_tag: Some(("LogType", "NLB")),
};
