//! CloudTrail log files -> `AWSCloudTrail`.

use super::{Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "cloudtrail",
    id: "CloudTrail",
    label: "CloudTrail",
    short_label: "CloudTrail",
    table: Table::AWSCloudTrail,
    key_segment: "CloudTrail",
    suffix: ".json.gz",
    default_role: "OIDC_MicrosoftSentinelS3CloudTrailRole",
    default_queue: "MicrosoftSentinelCloudTrail",
    delivery: Delivery::ServiceWrites,
    default_rate: 2.0,
    records_per_object: 100,
    group: None,
    all_services: true,
    bucket_prefix: "",
    default_key_prefix: "",
    row_tag: None,
};
