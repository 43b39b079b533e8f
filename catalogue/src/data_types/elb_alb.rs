//! Application Load Balancer access logs -> `AWSALBAccessLogs`.

use super::{elb::GROUP, Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "elb-alb",
    id: "AlbAccess",
    label: "ALB access logs",
    short_label: "ALB",
    table: Table::AWSALBAccessLogs,
    key_segment: "elasticloadbalancing",
    suffix: ".log.gz",
    default_role: GROUP.default_role,
    // Microsoft's template takes `ALBAccessQueueName`; this default says what it carries.
    default_queue: "Sentinel-ALB-Access-SQS",
    delivery: Delivery::ServiceWrites,
    default_rate: 20.0,
    records_per_object: 500,
    group: Some(&GROUP),
    all_services: false,
    bucket_prefix: "",
    // The folder of Microsoft's template.
    default_key_prefix: "ALBLogs",
    row_tag: None,
};
