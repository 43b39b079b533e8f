//! Network Firewall TLS logs -> `AWSNetworkFirewallTls`.

use super::{networkfirewall::GROUP, Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "networkfirewall-tls",
    id: "NetworkFirewallTls",
    label: "Network Firewall TLS logs",
    short_label: "NFW-TLS",
    table: Table::AWSNetworkFirewallTls,
    key_segment: "network-firewall/tls",
    suffix: ".log.gz",
    // Named by the group's role.
    default_role: GROUP.default_role,
    // The queue name of Microsoft's template (`Sentinel-Firewall-Tls-SQS`).
    default_queue: "Sentinel-Firewall-Tls-SQS",
    delivery: Delivery::ServiceWrites,
    default_rate: 1.0,
    records_per_object: 100,
    group: Some(&GROUP),
    all_services: false,
    bucket_prefix: "",
    default_key_prefix: "",
    row_tag: None,
};
