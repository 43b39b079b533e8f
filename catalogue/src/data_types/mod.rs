//! [`DataType`], the one list of data types, and its [`Entry`] of facts (one file per type).

mod cloudtrail;
mod cloudwatch;
mod eks;
mod guardduty;
mod vpc;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::tables::Table;

/// A data type of the Sentinel AWS S3 connector: one kind of log, one Sentinel table, one
/// queue and role per connection.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    strum::VariantArray,
)]
#[serde(rename_all = "lowercase")]
pub enum DataType {
    /// VPC Flow Logs, written to S3 by the log-delivery service.
    #[value(
        name = "vpc",
        alias = "vpcflow",
        alias = "vpcflowlogs",
        alias = "flowlogs"
    )]
    Vpc,
    /// GuardDuty findings, exported to S3 (SSE-KMS).
    #[value(name = "guardduty")]
    GuardDuty,
    /// CloudTrail log files and digests.
    #[value(name = "cloudtrail")]
    CloudTrail,
    /// CloudWatch Logs, exported through a subscription filter and Firehose.
    #[value(name = "cloudwatch")]
    CloudWatch,
    /// EKS control-plane audit logs: CloudWatch Logs, a subscription, Firehose with a
    /// transform Lambda, then S3.
    #[value(name = "eks")]
    Eks,
}

/// How AWS gets a data type's objects into the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Delivery {
    /// The AWS service itself writes objects under `AWSLogs/<account>/<segment>/`.
    ServiceWrites,
    /// CloudWatch Logs subscription -> Firehose -> S3.
    LogsSubscriptionFirehose,
    /// CloudWatch Logs subscription -> Firehose with a transform Lambda -> S3.
    LogsSubscriptionFirehoseLambda,
}

/// Every fact about one data type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    /// Short identifier used in CLI flags, file names and reports (`vpc`).
    pub slug: &'static str,
    /// PascalCase stem of logical IDs and parameter names (`VpcFlow`).
    pub id: &'static str,
    /// Human name (`VPC Flow Logs`).
    pub label: &'static str,
    /// Short human name for tables of figures (`VPC`).
    pub short_label: &'static str,
    /// The Sentinel table its records go to.
    pub table: Table,
    /// The key segment after `AWSLogs/<account>/` where the service writes, for types the
    /// service writes itself.
    pub key_segment: &'static str,
    /// The object-name suffix the bucket notification filters on.
    pub suffix: &'static str,
    /// The role name Microsoft's templates and script use.
    pub default_role: &'static str,
    /// The queue name Microsoft's templates and script use (the EKS stack appends
    /// `-<cluster>`).
    pub default_queue: &'static str,
    pub delivery: Delivery,
    /// Simulated records per second when a run gives no rate.
    pub default_rate: f64,
    /// Records per simulated object when a run gives no count.
    pub records_per_object: u64,
}

impl DataType {
    /// Every data type, in declaration order (derived from the enum, so never incomplete).
    pub const ALL: &'static [DataType] = <DataType as strum::VariantArray>::VARIANTS;

    /// The data type's facts.
    pub fn entry(self) -> &'static Entry {
        match self {
            DataType::Vpc => &vpc::ENTRY,
            DataType::GuardDuty => &guardduty::ENTRY,
            DataType::CloudTrail => &cloudtrail::ENTRY,
            DataType::CloudWatch => &cloudwatch::ENTRY,
            DataType::Eks => &eks::ENTRY,
        }
    }

    pub fn slug(self) -> &'static str {
        self.entry().slug
    }
    pub fn id(self) -> &'static str {
        self.entry().id
    }
    pub fn label(self) -> &'static str {
        self.entry().label
    }
    pub fn short_label(self) -> &'static str {
        self.entry().short_label
    }
    pub fn table(self) -> Table {
        self.entry().table
    }
    pub fn key_segment(self) -> &'static str {
        self.entry().key_segment
    }
    pub fn suffix(self) -> &'static str {
        self.entry().suffix
    }
    pub fn default_role(self) -> &'static str {
        self.entry().default_role
    }
    pub fn default_queue(self) -> &'static str {
        self.entry().default_queue
    }

    /// The DCR stream its rows go to when a route names none: `Custom-<Table>`.
    pub fn default_stream(self) -> String {
        format!("Custom-{}", self.table().name())
    }

    /// The data type a slug (or an alias the CLI accepts) names.
    pub fn from_slug(s: &str) -> Option<DataType> {
        <DataType as clap::ValueEnum>::from_str(s, true).ok()
    }

    /// The slugs, comma separated (for help and error texts).
    pub fn slugs() -> String {
        DataType::ALL
            .iter()
            .map(|d| d.slug())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// A name that is no data type; the message lists the ones there are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown data type '{0}': must be one of {list}", list = DataType::slugs())]
pub struct UnknownDataType(pub String);

impl FromStr for DataType {
    type Err = UnknownDataType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DataType::from_slug(s).ok_or_else(|| UnknownDataType(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_data_type_is_listed_once_with_a_distinct_slug_id_table_and_queue() {
        assert_eq!(DataType::ALL.len(), 5);
        for (i, a) in DataType::ALL.iter().enumerate() {
            for b in &DataType::ALL[i + 1..] {
                let (x, y) = (a.entry(), b.entry());
                assert_ne!(x.slug, y.slug);
                assert_ne!(x.id, y.id);
                assert_ne!(x.table, y.table);
                assert_ne!(x.default_queue, y.default_queue);
                assert_ne!(x.default_role, y.default_role);
            }
        }
    }

    #[test]
    fn slugs_and_aliases_parse_and_unknown_names_list_the_choices() {
        for d in DataType::ALL {
            assert_eq!(d.slug().parse::<DataType>(), Ok(*d));
            assert_eq!(d.slug().to_uppercase().parse::<DataType>(), Ok(*d));
        }
        assert_eq!("flowlogs".parse::<DataType>(), Ok(DataType::Vpc));
        let err = "waf".parse::<DataType>().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown data type 'waf': must be one of vpc, guardduty, cloudtrail, cloudwatch, eks"
        );
    }

    #[test]
    fn the_default_stream_is_custom_and_the_table_name() {
        assert_eq!(DataType::Vpc.default_stream(), "Custom-AWSVPCFlow");
        assert_eq!(DataType::Eks.default_stream(), "Custom-AWSEKSLogs_CL");
    }

    #[test]
    fn serde_spells_a_data_type_by_its_slug() {
        for d in DataType::ALL {
            assert_eq!(
                serde_json::to_string(d).unwrap(),
                format!("\"{}\"", d.slug())
            );
        }
    }
}
