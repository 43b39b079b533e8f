//! Network Firewall flow logs -> `AWSNetworkFirewallFlow`.

use super::{networkfirewall::GROUP, Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "networkfirewall-flow",
    id: "NetworkFirewallFlow",
    label: "Network Firewall flow logs",
    short_label: "NFW-Flow",
    table: Table::AWSNetworkFirewallFlow,
    key_segment: "network-firewall/flow",
    suffix: ".log.gz",
    // Named by the group's role.
    default_role: GROUP.default_role,
    // The queue name of Microsoft's template (`Sentinel-Firewall-Flow-SQS`).
    default_queue: "Sentinel-Firewall-Flow-SQS",
    delivery: Delivery::ServiceWrites,
    default_rate: 20.0,
    records_per_object: 500,
    group: Some(&GROUP),
    all_services: false,
    bucket_prefix: "",
    default_key_prefix: "",
    row_tag: None,
};
