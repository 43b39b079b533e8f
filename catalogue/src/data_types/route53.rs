//! Route 53 Resolver query logs -> `AWSRoute53Resolver`.

use super::{Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "route53",
    id: "Route53Resolver",
    label: "Route 53 Resolver query logs",
    short_label: "Route 53",
    table: Table::AWSRoute53Resolver,
    // The log-delivery service writes `AWSLogs/<account>/vpcdnsquerylogs/<vpc-id>/...`.
    key_segment: "vpcdnsquerylogs",
    suffix: ".log.gz",
    // Microsoft's Route 53 template's defaults.
    default_role: "OIDC_MicrosoftSentinelRoute53Role",
    default_queue: "MicrosoftSentinelRoute53Sqs",
    delivery: Delivery::ServiceWrites,
    default_rate: 20.0,
    records_per_object: 100,
    group: None,
    all_services: false,
    bucket_prefix: "",
    default_key_prefix: "",
    row_tag: None,
};
