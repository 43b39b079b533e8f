//! S3 server access logs (server access logging of the watched buckets into the stack's log
//! bucket) -> `AWSS3ServerAccess`.

use super::{Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "s3access",
    id: "S3ServerAccess",
    label: "S3 server access logs",
    short_label: "S3 access",
    table: Table::AWSS3ServerAccess,
    // The folder of the log objects: S3 writes `<KeyPrefix>/s3-access-logs/<account>/<region>/
    // <bucket>/YYYY/MM/DD/YYYY-MM-DD-00-00-00-<16 hex>` (the partitioned key format).
    key_segment: "s3-access-logs",
    // The objects have no suffix.
    suffix: "",
    default_role: "OIDC_MicrosoftSentinelS3ServerAccessRole",
    default_queue: "MicrosoftSentinelS3ServerAccessLogs",
    delivery: Delivery::ServerAccessLogging,
    default_rate: 10.0,
    records_per_object: 200,
    group: None,
    all_services: false,
    bucket_prefix: "",
    default_key_prefix: "",
    row_tag: None,
};
