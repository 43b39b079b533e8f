//! The `AWSRoute53Resolver` table: its row struct and its column declarations (names in order,
//! and the column types of Microsoft's table; see [`super`]).

use serde::{Deserialize, Serialize};

use super::{cols, Column, Row, StreamDecl, Table};

/// The columns of `AWSRoute53Resolver`, in order; the fields of [`AwsRoute53Resolver`] are these
/// names.
pub const COLUMNS: &[Column] = cols![
    TimeGenerated: Datetime,
    Version: String,
    AccountId: String,
    LogType: String,
    Region: String,
    VpcId: String,
    QueryName: String,
    QueryType: String,
    QueryClass: String,
    Rcode: String,
    Answers: Dynamic,
    SrcAddr: String,
    SrcPort: String,
    Transport: String,
    SrcIds: Dynamic,
    FirewallRuleAction: String,
    FirewallRuleGroupId: String,
    FirewallDomainListId: String,
];

/// The DCR stream that feeds `AWSRoute53Resolver`.
pub const STREAM: StreamDecl = StreamDecl {
    name: "Custom-AWSRoute53Resolver",
    table: Table::AWSRoute53Resolver,
    columns: COLUMNS,
};

/// The `LogType` Microsoft's transform gives every row.
pub const LOG_TYPE: &str = "ResolverQueryLogs";

/// `AWSRoute53Resolver`: one Route 53 Resolver query log entry (one JSON object per line).
///
/// The columns are what Microsoft's DCR transform (`AWSRoute53Resolver_DCR.json`) projects from
/// the log's keys: `Version` <- `version`, `AccountId` <- `account_id`, `Region` <- `region`,
/// `VpcId` <- `vpc_id`, `QueryName` <- `query_name`, `QueryType` <- `query_type`, `QueryClass`
/// <- `query_class`, `Rcode` <- `rcode`, `Answers` <- `answers` (the array as is, empty for an
/// NXDOMAIN), `SrcAddr` <- `srcaddr`, `SrcPort` <- `srcport` (a string, as the log writes it and
/// the table declares it), `Transport` <- `transport`, `SrcIds` <- `srcids` (the object as is:
/// `instance`, or `resolver_endpoint` for a query through a Resolver endpoint), and the three
/// `Firewall*` columns <- `firewall_rule_action`, `firewall_rule_group_id`,
/// `firewall_domain_list_id` (only present when a DNS Firewall rule matched), and `LogType` is
/// always [`LOG_TYPE`].
///
/// `TimeGenerated` <- `query_timestamp`, the time the query was submitted: the event's own
/// time, as Microsoft's transform sets it (`todatetime(query_timestamp)`).
#[allow(non_snake_case)]
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsRoute53Resolver<S = String, D = String, J = serde_json::Value> {
    pub TimeGenerated: D,
    pub Version: S,
    pub AccountId: S,
    pub LogType: S,
    pub Region: S,
    pub VpcId: S,
    pub QueryName: S,
    pub QueryType: S,
    pub QueryClass: S,
    pub Rcode: S,
    pub Answers: J,
    pub SrcAddr: Option<S>,
    pub SrcPort: Option<S>,
    pub Transport: Option<S>,
    pub SrcIds: Option<J>,
    pub FirewallRuleAction: Option<S>,
    pub FirewallRuleGroupId: Option<S>,
    pub FirewallDomainListId: Option<S>,
}

impl<S: Serialize, D: Serialize, J: Serialize> Row for AwsRoute53Resolver<S, D, J> {
    const TABLE: Table = Table::AWSRoute53Resolver;
    type Time = D;
    fn time_generated(&self) -> &D {
        &self.TimeGenerated
    }
}
