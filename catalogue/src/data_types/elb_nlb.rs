//! Network Load Balancer access logs (TLS listeners) -> `AWSNLBAccessLogs`.

use super::{elb::GROUP, Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "elb-nlb",
    id: "NlbAccess",
    label: "NLB access logs",
    short_label: "NLB",
    table: Table::AWSNLBAccessLogs,
    key_segment: "elasticloadbalancing",
    suffix: ".log.gz",
    default_role: GROUP.default_role,
    default_queue: "Sentinel-NLB-Access-SQS",
    delivery: Delivery::ServiceWrites,
    default_rate: 20.0,
    records_per_object: 500,
    group: Some(&GROUP),
    all_services: false,
    bucket_prefix: "",
    // The folder of Microsoft's template.
    default_key_prefix: "NLBAccessLogs",
    row_tag: None,
};
