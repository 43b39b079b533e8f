//! Security Hub findings (EventBridge rule -> Firehose -> S3) -> `AWSSecurityHubFindings`.

use super::{Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "securityhub",
    id: "SecurityHub",
    label: "Security Hub findings",
    short_label: "SecurityHub",
    table: Table::AWSSecurityHubFindings,
    // Microsoft's template writes under `AWSLogs/<account>/SecurityHubFindings/`.
    key_segment: "SecurityHubFindings",
    suffix: ".gz",
    default_role: "OIDC_MicrosoftSentinelRoleSecurityHub",
    default_queue: "MicrosoftSentinelSecurityHubSqs",
    delivery: Delivery::EventBridgeFirehose,
    default_rate: 0.5,
    records_per_object: 100,
    group: None,
    all_services: false,
    bucket_prefix: "",
    default_key_prefix: "",
    row_tag: None,
};
