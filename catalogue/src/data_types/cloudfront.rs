//! CloudFront standard logs (standard logging v2, delivered to S3 by CloudWatch Logs vended
//! log delivery) -> `AWSCloudFront_AccessLog_CL`.

use super::{Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "cloudfront",
    id: "CloudFront",
    label: "CloudFront standard logs",
    short_label: "CloudFront",
    table: Table::AWSCloudFront_AccessLog_CL,
    key_segment: "CloudFront",
    suffix: ".gz",
    // Microsoft's template (`AWS CloudFornt Configuration.json`) defaults the role to the
    // generic `OIDC_MicrosoftSentinelRole`, which every other connector also claims; a
    // CloudFront-specific default keeps the stacks side by side in one account.
    default_role: "OIDC_MicrosoftSentinelCloudFrontRole",
    default_queue: "MicrosoftSentinelcloudfrontSqs",
    delivery: Delivery::ServiceWrites,
    default_rate: 20.0,
    records_per_object: 500,
    group: None,
    all_services: false,
    bucket_prefix: "",
    default_key_prefix: "",
    row_tag: None,
};
