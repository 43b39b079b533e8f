//! [`DataType`], the one list of data types, and its [`Entry`] of facts (one file per type).

mod cloudfront;
mod cloudtrail;
mod cloudwatch;
mod eks;
mod elb;
mod elb_alb;
mod elb_gwlb_flow;
mod elb_nlb;
mod elb_nlb_flow;
mod guardduty;
mod networkfirewall;
mod networkfirewall_alert;
mod networkfirewall_flow;
mod networkfirewall_tls;
mod route53;
mod s3access;
mod securityhub;
mod vpc;
mod waf;

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
    /// Route 53 Resolver query logs of VPCs, written to S3 by the log-delivery service.
    #[value(name = "route53")]
    Route53,
    /// Network Firewall flow logs (group `networkfirewall`).
    #[value(name = "networkfirewall-flow")]
    #[serde(rename = "networkfirewall-flow")]
    NetworkFirewallFlow,
    /// Network Firewall alert logs (group `networkfirewall`).
    #[value(name = "networkfirewall-alert")]
    #[serde(rename = "networkfirewall-alert")]
    NetworkFirewallAlert,
    /// Network Firewall TLS logs (group `networkfirewall`).
    #[value(name = "networkfirewall-tls")]
    #[serde(rename = "networkfirewall-tls")]
    NetworkFirewallTls,
    /// AWS WAF web ACL traffic logs, written to S3 by the log-delivery service.
    #[value(name = "waf")]
    Waf,
    /// S3 server access logs: the watched buckets' server access logging writes them into the
    /// stack's log bucket.
    #[value(name = "s3access")]
    S3Access,
    /// Security Hub findings: an EventBridge rule, Firehose, then S3.
    #[value(name = "securityhub")]
    SecurityHub,
    /// CloudFront standard logs, delivered to S3 by standard logging (v2).
    #[value(name = "cloudfront")]
    CloudFront,
    /// Application Load Balancer access logs (group `elb`).
    #[value(name = "elb-alb")]
    #[serde(rename = "elb-alb")]
    ElbAlb,
    /// Network Load Balancer access logs of TLS listeners (group `elb`).
    #[value(name = "elb-nlb")]
    #[serde(rename = "elb-nlb")]
    ElbNlb,
    /// VPC flow logs of Network Load Balancer interfaces (group `elb`).
    #[value(name = "elb-nlb-flow")]
    #[serde(rename = "elb-nlb-flow")]
    ElbNlbFlow,
    /// VPC flow logs of Gateway Load Balancer interfaces (group `elb`).
    #[value(name = "elb-gwlb-flow")]
    #[serde(rename = "elb-gwlb-flow")]
    ElbGwlbFlow,
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
    /// S3 server access logging of the watched buckets writes plain-text objects under
    /// `<prefix><account>/<region>/<bucket>/` (the partitioned key format), not under
    /// `AWSLogs/`.
    ServerAccessLogging,
    /// EventBridge rule -> Firehose (one event per line) -> S3.
    EventBridgeFirehose,
}

/// A connector Microsoft ships with several data types, a collector (queue, table) each, that
/// one stack renders together (Network Firewall: flow, alert and TLS logs). Its members are the
/// data types whose [`Entry::group`] it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group {
    /// The stack's slug, in CLI flags and file names (`networkfirewall`); `--services` takes it
    /// for all its members.
    pub slug: &'static str,
    /// Human name (`Network Firewall`).
    pub label: &'static str,
    /// The role name of the group's stack.
    pub default_role: &'static str,
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
    /// The group whose stack renders this data type with its siblings; `None`: a stack of its
    /// own.
    pub group: Option<&'static Group>,
    /// Whether the all-services stack (one bucket for the four classic types) holds it.
    pub all_services: bool,
    /// What the name of a bucket the service writes into must start with (`aws-waf-logs-`);
    /// empty when any name will do.
    pub bucket_prefix: &'static str,
    /// The default of the stack's key prefix before `AWSLogs/` (empty: none). Data types that
    /// share a key segment in one bucket (ALB and NLB access logs both write
    /// `AWSLogs/<account>/elasticloadbalancing/`) need distinct prefixes, or their
    /// notifications would overlap; their key prefix may not be empty.
    pub default_key_prefix: &'static str,
    /// Where two data types fill one table (the flow logs of Network and of Gateway Load
    /// Balancers, both `AWSELBFlowLogs`): the column and the value that mark this one's rows.
    /// `None`: every row of the table is this data type's.
    pub row_tag: Option<(&'static str, &'static str)>,
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
            DataType::Route53 => &route53::ENTRY,
            DataType::NetworkFirewallFlow => &networkfirewall_flow::ENTRY,
            DataType::NetworkFirewallAlert => &networkfirewall_alert::ENTRY,
            DataType::NetworkFirewallTls => &networkfirewall_tls::ENTRY,
            DataType::Waf => &waf::ENTRY,
            DataType::S3Access => &s3access::ENTRY,
            DataType::SecurityHub => &securityhub::ENTRY,
            DataType::CloudFront => &cloudfront::ENTRY,
            DataType::ElbAlb => &elb_alb::ENTRY,
            DataType::ElbNlb => &elb_nlb::ENTRY,
            DataType::ElbNlbFlow => &elb_nlb_flow::ENTRY,
            DataType::ElbGwlbFlow => &elb_gwlb_flow::ENTRY,
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

    pub fn group(self) -> Option<&'static Group> {
        self.entry().group
    }
    pub fn bucket_prefix(self) -> &'static str {
        self.entry().bucket_prefix
    }
    pub fn default_key_prefix(self) -> &'static str {
        self.entry().default_key_prefix
    }

    /// Whether a row of this data type's table is this data type's (see [`Entry::row_tag`]).
    pub fn owns(self, row: &crate::tables::TableRow) -> bool {
        row.table() == self.table()
            && self
                .entry()
                .row_tag
                .is_none_or(|(column, value)| row.columns()[column] == value)
    }

    /// The slug of the stack that renders it: its group's, or its own.
    pub fn stack_slug(self) -> &'static str {
        self.group().map_or(self.slug(), |g| g.slug)
    }

    /// The data types of a group, in catalogue order.
    pub fn members(group: &Group) -> Vec<DataType> {
        DataType::ALL
            .iter()
            .copied()
            .filter(|d| d.group() == Some(group))
            .collect()
    }

    /// The data types a name selects: one data type by its slug or an alias, or every member
    /// of a group by the group's slug.
    pub fn select(name: &str) -> Result<Vec<DataType>, UnknownDataType> {
        if let Some(d) = DataType::from_slug(name) {
            return Ok(vec![d]);
        }
        DataType::ALL
            .iter()
            .filter_map(|d| d.group())
            .find(|g| g.slug.eq_ignore_ascii_case(name))
            .map(DataType::members)
            .ok_or_else(|| UnknownDataType(name.to_string()))
    }

    /// Every name [`DataType::select`] takes (slugs, then group slugs), comma separated.
    pub fn selection_names() -> String {
        let mut names: Vec<&str> = DataType::ALL.iter().map(|d| d.slug()).collect();
        for d in DataType::ALL {
            if let Some(g) = d.group() {
                if !names.contains(&g.slug) {
                    names.push(g.slug);
                }
            }
        }
        names.join(", ")
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

/// The data types one `--services` value names: a data type or a group (see
/// [`DataType::select`]).
pub fn parse_selection(name: &str) -> Result<Vec<DataType>, UnknownDataType> {
    DataType::select(name)
}

/// A name that is no data type; the message lists the ones there are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown data type '{0}': must be one of {list}", list = DataType::selection_names())]
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
    fn every_data_type_is_listed_once_with_a_distinct_slug_id_queue_and_table_or_row_tag() {
        for (i, a) in DataType::ALL.iter().enumerate() {
            for b in &DataType::ALL[i + 1..] {
                let (x, y) = (a.entry(), b.entry());
                assert_ne!(x.slug, y.slug);
                assert_ne!(x.id, y.id);
                // Two data types fill one table only when their rows say whose they are
                // (the same column, different values).
                if x.table == y.table {
                    match (x.row_tag, y.row_tag) {
                        (Some((c, v)), Some((d, w))) => {
                            assert_eq!(c, d, "{} and {}", x.slug, y.slug);
                            assert_ne!(v, w, "{} and {}", x.slug, y.slug);
                        }
                        _ => panic!(
                            "{} and {} share {:?} without row tags",
                            x.slug, y.slug, x.table
                        ),
                    }
                }
                assert_ne!(x.default_queue, y.default_queue);
                // One role per stack: the members of a group share their group's.
                match (x.group, y.group) {
                    (Some(g), Some(h)) if g == h => {
                        assert_eq!(
                            (x.default_role, y.default_role),
                            (g.default_role, g.default_role)
                        );
                    }
                    _ => assert_ne!(x.default_role, y.default_role),
                }
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
        let err = "nope".parse::<DataType>().unwrap_err().to_string();
        assert!(
            err.starts_with(
                "unknown data type 'nope': must be one of vpc, guardduty, cloudtrail, cloudwatch, eks"
            ),
            "{err}"
        );
    }

    #[test]
    fn a_selection_is_one_data_type_or_every_member_of_a_group() {
        assert_eq!(DataType::select("vpcflow"), Ok(vec![DataType::Vpc]));
        assert_eq!(DataType::select("EKS"), Ok(vec![DataType::Eks]));
        assert!(DataType::select("nope").is_err());
        for d in DataType::ALL {
            let members = match d.group() {
                Some(g) => DataType::members(g),
                None => vec![*d],
            };
            assert!(members.contains(d));
            assert_eq!(DataType::select(d.stack_slug()), Ok(members.clone()));
            assert!(DataType::selection_names()
                .split(", ")
                .any(|n| n == d.stack_slug()));
            // A group's members are rendered together, so they share their group's stack.
            for m in &members {
                assert_eq!(m.stack_slug(), d.stack_slug());
            }
        }
    }

    #[test]
    fn the_classic_four_share_the_all_services_bucket() {
        let all: Vec<DataType> = DataType::ALL
            .iter()
            .copied()
            .filter(|d| d.entry().all_services)
            .collect();
        assert_eq!(
            all,
            [
                DataType::Vpc,
                DataType::GuardDuty,
                DataType::CloudTrail,
                DataType::CloudWatch
            ]
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
