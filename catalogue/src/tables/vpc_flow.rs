//! The `AWSVPCFlow` table: its row struct and its column declarations (names in order, and
//! the DCR column types of Microsoft's table reference; see [`super`]).

use serde::{Deserialize, Serialize};

use super::{cols, Column, Row, StreamDecl, Table};

/// The columns of `AWSVPCFlow`, in order; the fields of [`AwsVpcFlow`] are these names.
pub const COLUMNS: &[Column] = cols![
    TimeGenerated: Datetime,
    Version: Int,
    AccountId: String,
    InterfaceId: String,
    SrcAddr: String,
    DstAddr: String,
    SrcPort: Int,
    DstPort: Int,
    Protocol: Int,
    Packets: Int,
    Bytes: Long,
    End: Datetime,
    Action: String,
    LogStatus: String,
    VpcId: String,
    SubnetId: String,
    InstanceId: String,
    TcpFlags: Int,
    TrafficType: String,
    PktSrcAddr: String,
    PktDstAddr: String,
    Region: String,
    AzId: String,
    SublocationType: String,
    SublocationId: String,
    PktSrcAwsService: String,
    PktDstAwsService: String,
    FlowDirection: String,
    TrafficPath: String,
    EcsClusterArn: String,
    EcsClusterName: String,
    EcsContainerInstanceArn: String,
    EcsContainerInstanceId: String,
    EcsContainerId: String,
    EcsSecondContainerId: String,
    EcsServiceName: String,
    EcsTaskDefinitionArn: String,
    EcsTaskArn: String,
    EcsTaskId: String,
    RejectReason: String,
];

/// The DCR stream that feeds `AWSVPCFlow`.
pub const STREAM: StreamDecl = StreamDecl {
    name: "Custom-AWSVPCFlow",
    table: Table::AWSVPCFlow,
    columns: COLUMNS,
};

/// `AWSVPCFlow`: one VPC flow log record.
///
/// Every column comes from the flow-log field of the same meaning
/// (`AccountId` <- `account-id`, `TrafficType` <- `type`, `End` <- `end`, the
/// `Ecs*` columns <- the `ecs-*` fields, ...). A column whose field is not in
/// the flow log's format, or whose value is `-`, is `None`.
/// `TimeGenerated` <- `start` (epoch seconds); without `start` (not in the
/// format, or `-`) the arrival time, as the table defines it: the connector
/// uses the time it read the object, and an expected row says
/// [`ARRIVAL_TIME`](super::ARRIVAL_TIME). `TrafficPath` is text (`"8"`), as in the table.
#[serde_with::skip_serializing_none]
#[allow(non_snake_case)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsVpcFlow<S = String, D = String> {
    pub TimeGenerated: D,
    pub Version: Option<i32>,
    pub AccountId: Option<S>,
    pub InterfaceId: Option<S>,
    pub SrcAddr: Option<S>,
    pub DstAddr: Option<S>,
    pub SrcPort: Option<i32>,
    pub DstPort: Option<i32>,
    pub Protocol: Option<i32>,
    pub Packets: Option<i32>,
    pub Bytes: Option<i64>,
    pub End: Option<D>,
    pub Action: Option<S>,
    pub LogStatus: Option<S>,
    pub VpcId: Option<S>,
    pub SubnetId: Option<S>,
    pub InstanceId: Option<S>,
    pub TcpFlags: Option<i32>,
    pub TrafficType: Option<S>,
    pub PktSrcAddr: Option<S>,
    pub PktDstAddr: Option<S>,
    pub Region: Option<S>,
    pub AzId: Option<S>,
    pub SublocationType: Option<S>,
    pub SublocationId: Option<S>,
    pub PktSrcAwsService: Option<S>,
    pub PktDstAwsService: Option<S>,
    pub FlowDirection: Option<S>,
    pub TrafficPath: Option<S>,
    pub EcsClusterArn: Option<S>,
    pub EcsClusterName: Option<S>,
    pub EcsContainerInstanceArn: Option<S>,
    pub EcsContainerInstanceId: Option<S>,
    pub EcsContainerId: Option<S>,
    pub EcsSecondContainerId: Option<S>,
    pub EcsServiceName: Option<S>,
    pub EcsTaskDefinitionArn: Option<S>,
    pub EcsTaskArn: Option<S>,
    pub EcsTaskId: Option<S>,
    pub RejectReason: Option<S>,
}

impl<S: Serialize, D: Serialize> Row for AwsVpcFlow<S, D> {
    const TABLE: Table = Table::AWSVPCFlow;
    type Time = D;
    fn time_generated(&self) -> &D {
        &self.TimeGenerated
    }
}
