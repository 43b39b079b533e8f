//! The `AWSNetworkFirewallFlow` table: its row struct and its column declarations (names in
//! order, and the column types of Microsoft's table reference; see [`super`]).

use serde::{Deserialize, Serialize};

use super::{cols, Column, Row, StreamDecl, Table};

/// The columns of `AWSNetworkFirewallFlow`, in order; the fields of [`AwsNetworkFirewallFlow`]
/// are these names.
pub const COLUMNS: &[Column] = cols![
    TimeGenerated: Datetime,
    FirewallName: String,
    AvailabilityZone: String,
    EventTimestamp: String,
    TCPFlags: String,
    Syn: Boolean,
    Fin: Boolean,
    Psh: Boolean,
    Ack: Boolean,
    Rst: Boolean,
    Ecn: Boolean,
    AppProto: String,
    SrcIp: String,
    SrcPort: String,
    NetFlowPkts: String,
    NetFlowBytes: String,
    NetFlowStart: Datetime,
    NetFlowEnd: Datetime,
    NetFlowAge: String,
    NetFlowMinttl: String,
    NetFlowMaxttl: String,
    EventType: String,
    FlowId: String,
    DestIp: String,
    Proto: String,
    DestPort: String,
    Timestamp: Datetime,
];

/// The DCR stream that feeds `AWSNetworkFirewallFlow`.
pub const STREAM: StreamDecl = StreamDecl {
    name: "Custom-AWSNetworkFirewallFlow",
    table: Table::AWSNetworkFirewallFlow,
    columns: COLUMNS,
};

/// `AWSNetworkFirewallFlow`: one `netflow` event of a Network Firewall flow log (one JSON object
/// per line: `firewall_name`, `availability_zone`, `event_timestamp`, `event`).
///
/// `TimeGenerated` <- `event_timestamp` (epoch seconds, a JSON string or number), the time the
/// firewall wrote the event. Microsoft's DCR (`Custom-AWSNetworkFirewall-FlowLog`) sets
/// `TimeGenerated = now()`, the ingestion time, and keeps the event time only in
/// `EventTimestamp`; this row keeps both from the event. `EventTimestamp` <- `event_timestamp`
/// as written (digits); `FirewallName`, `AvailabilityZone` <- `firewall_name`,
/// `availability_zone`; `TCPFlags` <- `event.tcp.tcp_flags` (hex text), `Syn` ... `Ecn` <-
/// `event.tcp.syn` ... `event.tcp.ecn` (absent flags are absent, not false); `NetFlowPkts`,
/// `NetFlowBytes`, `NetFlowAge`, `NetFlowMinttl`, `NetFlowMaxttl` <- `event.netflow.pkts`,
/// `bytes`, `age`, `min_ttl`, `max_ttl` as decimal text; `NetFlowStart`, `NetFlowEnd` <-
/// `event.netflow.start`, `end`; `Timestamp` <- `event.timestamp`; `EventType`, `FlowId`,
/// `SrcIp`, `SrcPort`, `DestIp`, `DestPort`, `Proto`, `AppProto` <- `event.event_type`,
/// `flow_id`, `src_ip`, `src_port`, `dest_ip`, `dest_port`, `proto`, `app_proto` (numbers as
/// decimal text; ICMP flows have no ports, so no `SrcPort`/`DestPort`). Only `netflow` events
/// become rows (Microsoft's transform keeps `EventType == "netflow"` only).
#[allow(non_snake_case)]
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsNetworkFirewallFlow<S = String, D = String> {
    pub TimeGenerated: D,
    pub FirewallName: S,
    pub AvailabilityZone: S,
    pub EventTimestamp: S,
    pub TCPFlags: Option<S>,
    pub Syn: Option<bool>,
    pub Fin: Option<bool>,
    pub Psh: Option<bool>,
    pub Ack: Option<bool>,
    pub Rst: Option<bool>,
    pub Ecn: Option<bool>,
    pub AppProto: Option<S>,
    pub SrcIp: S,
    pub SrcPort: Option<S>,
    pub NetFlowPkts: Option<S>,
    pub NetFlowBytes: Option<S>,
    pub NetFlowStart: Option<D>,
    pub NetFlowEnd: Option<D>,
    pub NetFlowAge: Option<S>,
    pub NetFlowMinttl: Option<S>,
    pub NetFlowMaxttl: Option<S>,
    pub EventType: S,
    pub FlowId: Option<S>,
    pub DestIp: S,
    pub Proto: S,
    pub DestPort: Option<S>,
    pub Timestamp: Option<D>,
}

impl<S: Serialize, D: Serialize> Row for AwsNetworkFirewallFlow<S, D> {
    const TABLE: Table = Table::AWSNetworkFirewallFlow;
    type Time = D;
    fn time_generated(&self) -> &D {
        &self.TimeGenerated
    }
}
