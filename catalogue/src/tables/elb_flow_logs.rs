//! The `AWSELBFlowLogs` table: its row struct and its column declarations (names in order,
//! and the column types of Microsoft's table; see [`super`]).

use serde::{Deserialize, Serialize};

use super::{cols, Column, Row, StreamDecl, Table};

/// The columns of `AWSELBFlowLogs`, in the order of Microsoft's table definition
/// (`Azure/Azure-Sentinel` `.script/tests/KqlvalidationsTests/CustomTables/AWSELBFlowLogs.json`),
/// spelled as it spells them: the start of the flow is `SStartTime` there (the table reference
/// page lists the columns alphabetically and was not readable past `InterfaceId`). Numbers are
/// strings, as in Microsoft's table.
pub const COLUMNS: &[Column] = cols![
    TimeGenerated: Datetime,
    Version: String,
    AccountId: String,
    InterfaceId: String,
    SourceAddress: String,
    DestinationAddress: String,
    SourcePort: String,
    DestinationPort: String,
    Protocol: String,
    Packets: String,
    Bytes: String,
    SStartTime: Datetime,
    EndTime: Datetime,
    Action: String,
    LogStatus: String,
    LogType: String,
];

/// The DCR stream that feeds `AWSELBFlowLogs` in the mock endpoint (Microsoft's own streams,
/// `SENTINEL_AWSNLBFLOWLOGSSTREAM` and `SENTINEL_AWSGLBFLOWLOGSSTREAM`, are internal).
pub const STREAM: StreamDecl = StreamDecl {
    name: "Custom-AWSELBFlowLogs",
    table: Table::AWSELBFlowLogs,
    columns: COLUMNS,
};

/// `AWSELBFlowLogs`: one VPC flow log record (default format, version 2, with its header line)
/// of a Network Load Balancer's or Gateway Load Balancer's network interface.
///
/// `TimeGenerated` and `SStartTime` <- `start`, `EndTime` <- `end` (epoch seconds). `LogType`
/// says which load balancer the interface belongs to, `NLB` or `GWLB`: as in Microsoft's
/// connector, each kind has its own queue (and its own key prefix), and the collector the
/// object came from names it. The other fields go to their columns as written (`-` absent): `version`, `account-id`,
/// `interface-id`, `srcaddr`, `dstaddr`, `srcport`, `dstport`, `protocol`, `packets`, `bytes`,
/// `action`, `log-status`.
#[allow(non_snake_case)]
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsElbFlowLogs<S = String, D = String> {
    pub TimeGenerated: D,
    pub Version: Option<S>,
    pub AccountId: Option<S>,
    pub InterfaceId: Option<S>,
    pub SourceAddress: Option<S>,
    pub DestinationAddress: Option<S>,
    pub SourcePort: Option<S>,
    pub DestinationPort: Option<S>,
    pub Protocol: Option<S>,
    pub Packets: Option<S>,
    pub Bytes: Option<S>,
    pub SStartTime: Option<D>,
    pub EndTime: Option<D>,
    pub Action: Option<S>,
    pub LogStatus: Option<S>,
    pub LogType: S,
}

impl<S: Serialize, D: Serialize> Row for AwsElbFlowLogs<S, D> {
    const TABLE: Table = Table::AWSELBFlowLogs;
    type Time = D;
    fn time_generated(&self) -> &D {
        &self.TimeGenerated
    }
}
