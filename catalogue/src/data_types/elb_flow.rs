//! VPC flow logs of Network and Gateway Load Balancer interfaces -> `AWSELBFlowLogs`.

use super::{elb::GROUP, Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "elb-flow",
    id: "ElbFlow",
    label: "NLB and GWLB flow logs",
    short_label: "ELB-Flow",
    table: Table::AWSELBFlowLogs,
    key_segment: "vpcflowlogs",
    suffix: ".log.gz",
    default_role: GROUP.default_role,
    // Microsoft's template has a queue per kind (`NLBFlowQueueName`, and one for GWLB); here
    // one queue carries both, told apart by their folders.
    default_queue: "Sentinel-ELB-Flow-SQS",
    delivery: Delivery::ServiceWrites,
    default_rate: 20.0,
    records_per_object: 500,
    group: Some(&GROUP),
    all_services: false,
    bucket_prefix: "",
    default_key_prefix: "ELBFlowLogs",
    source_folders: &["NLB", "GWLB"],
};
