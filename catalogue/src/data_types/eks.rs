//! EKS audit logs (CloudWatch Logs -> subscription -> Firehose with a transform Lambda -> S3)
//! -> `AWSEKSLogs_CL`.

use super::{Delivery, Entry};
use crate::tables::Table;

pub(super) const ENTRY: Entry = Entry {
    slug: "eks",
    id: "Eks",
    label: "EKS audit logs",
    short_label: "EKS",
    table: Table::AWSEKSLogs_CL,
    key_segment: "eks-audit-logs",
    suffix: ".gz",
    default_role: "OIDC_MicrosoftSentinelRoleEKS",
    default_queue: "MicrosoftSentinelEKSSqs",
    delivery: Delivery::LogsSubscriptionFirehoseLambda,
    default_rate: 20.0,
    records_per_object: 500,
    group: None,
    all_services: false,
    bucket_prefix: "",
    default_key_prefix: "",
    row_tag: None,
};
