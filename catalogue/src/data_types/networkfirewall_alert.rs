//! Network Firewall alert logs -> `AWSNetworkFirewallAlert`.

use super::{networkfirewall::GROUP, Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "networkfirewall-alert",
    id: "NetworkFirewallAlert",
    label: "Network Firewall alert logs",
    short_label: "NFW-Alert",
    table: Table::AWSNetworkFirewallAlert,
    key_segment: "network-firewall/alert",
    suffix: ".log.gz",
    // Named by the group's role.
    default_role: GROUP.default_role,
    // The queue name of Microsoft's template (`Sentinel-Firewall-Alert-SQS`).
    default_queue: "Sentinel-Firewall-Alert-SQS",
    delivery: Delivery::ServiceWrites,
    default_rate: 5.0,
    records_per_object: 200,
    group: Some(&GROUP),
    all_services: false,
    bucket_prefix: "",
    default_key_prefix: "",
    row_tag: None,
};
