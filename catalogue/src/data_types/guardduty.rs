//! GuardDuty findings -> `AWSGuardDuty`.

use super::{Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "guardduty",
    id: "GuardDuty",
    label: "GuardDuty",
    short_label: "GuardDuty",
    table: Table::AWSGuardDuty,
    key_segment: "GuardDuty",
    suffix: ".jsonl.gz",
    default_role: "OIDC_MicrosoftSentinelS3GuardDutyRole",
    default_queue: "MicrosoftSentinelGuardDuty",
    delivery: Delivery::ServiceWrites,
    default_rate: 0.2,
    records_per_object: 50,
    group: None,
    all_services: true,
    bucket_prefix: "",
    default_key_prefix: "",
    row_tag: None,
};
