//! AWS WAF web ACL traffic logs -> `AWSWAF`.

use super::{Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "waf",
    id: "Waf",
    label: "AWS WAF",
    short_label: "WAF",
    table: Table::AWSWAF,
    key_segment: "WAFLogs",
    suffix: ".log.gz",
    default_role: "OIDC_MicrosoftSentinelWafRole",
    default_queue: "MicrosoftSentinelWaf",
    delivery: Delivery::ServiceWrites,
    default_rate: 20.0,
    // Small files, so a short run has several (of both web ACLs).
    records_per_object: 50,
    group: None,
    all_services: false,
    // AWS WAF logs only to buckets whose name starts with it (WAF Developer Guide).
    bucket_prefix: "aws-waf-logs-",
    default_key_prefix: "",
    row_tag: None,
};
