//! CloudWatch Logs (subscription filter -> Firehose -> S3) -> `AWSCloudWatch`.

use super::{Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "cloudwatch",
    id: "CloudWatch",
    label: "CloudWatch Logs",
    short_label: "CloudWatch",
    table: Table::AWSCloudWatch,
    key_segment: "CloudWatch",
    suffix: ".gz",
    default_role: "OIDC_MicrosoftSentinelS3CloudWatchRole",
    default_queue: "MicrosoftSentinelCloudWatch",
    delivery: Delivery::LogsSubscriptionFirehose,
    default_rate: 5.0,
    records_per_object: 500,
    group: None,
    all_services: true,
    bucket_prefix: "",
    default_key_prefix: "",
    row_tag: None,
};
