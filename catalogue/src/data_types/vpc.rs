//! VPC Flow Logs -> `AWSVPCFlow`.

use super::{Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "vpc",
    id: "VpcFlow",
    label: "VPC Flow Logs",
    short_label: "VPC",
    table: Table::AWSVPCFlow,
    key_segment: "vpcflowlogs",
    suffix: ".log.gz",
    default_role: "OIDC_MicrosoftSentinelVpcFlowLogsRole",
    default_queue: "MicrosoftSentinelVpcFlowLogs",
    delivery: Delivery::ServiceWrites,
    default_rate: 5.0,
    records_per_object: 1000,
    group: None,
    all_services: true,
    bucket_prefix: "",
    default_key_prefix: "",
    row_tag: None,
};
