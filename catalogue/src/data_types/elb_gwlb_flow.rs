//! VPC flow logs of Gateway Load Balancer network interfaces -> `AWSELBFlowLogs` (`LogType` `GWLB`).

use super::{elb::GROUP, Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "elb-gwlb-flow",
    id: "GwlbFlow",
    label: "GWLB flow logs",
    short_label: "GWLB-Flow",
    table: Table::AWSELBFlowLogs,
    key_segment: "vpcflowlogs",
    suffix: ".log.gz",
    default_role: GROUP.default_role,
    // Microsoft's template takes `GLBFlowQueueName`: one queue and one stream per kind.
    default_queue: "Sentinel-GLB-Flow-SQS",
    delivery: Delivery::ServiceWrites,
    default_rate: 20.0,
    records_per_object: 500,
    group: Some(&GROUP),
    all_services: false,
    bucket_prefix: "",
    // The folder of Microsoft's template.
    default_key_prefix: "GLBFlowLogs",
    row_tag: Some(("LogType", "GWLB")),
};
