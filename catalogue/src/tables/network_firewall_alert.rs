//! The `AWSNetworkFirewallAlert` table: its row struct and its column declarations (names in
//! order, and the column types of Microsoft's table reference; see [`super`]).

use serde::{Deserialize, Serialize};

use super::{cols, Column, Row, StreamDecl, Table};

/// The columns of `AWSNetworkFirewallAlert`, in order; the fields of
/// [`AwsNetworkFirewallAlert`] are these names.
pub const COLUMNS: &[Column] = cols![
    TimeGenerated: Datetime,
    FirewallName: String,
    AvailabilityZone: String,
    TxId: String,
    EventTimestamp: Datetime,
    AppProto: String,
    SrcIp: String,
    SrcPort: String,
    EventType: String,
    Severity: String,
    SignatureId: String,
    Rev: String,
    Signature: String,
    AlertAction: String,
    Category: String,
    FlowId: String,
    DestIp: String,
    Proto: String,
    VerdictAction: String,
    Sni: String,
    Version: String,
    DestPort: String,
    PktSrc: String,
    Direction: String,
    Timestamp: Datetime,
];

/// The DCR stream that feeds `AWSNetworkFirewallAlert`.
pub const STREAM: StreamDecl = StreamDecl {
    name: "Custom-AWSNetworkFirewallAlert",
    table: Table::AWSNetworkFirewallAlert,
    columns: COLUMNS,
};

/// `AWSNetworkFirewallAlert`: one `alert` event of a Network Firewall alert log (one JSON
/// object per line).
///
/// `TimeGenerated` and `EventTimestamp` <- `event_timestamp` (epoch seconds, a JSON string or
/// number). Microsoft's DCR (`Custom-AWSNetworkFirewall-AlertLog`) sets `TimeGenerated =
/// now()`, the ingestion time, and keeps the event time only in `EventTimestamp`.
/// `Severity`, `SignatureId`, `Rev`, `Signature`, `AlertAction`, `Category` <-
/// `event.alert.severity`, `signature_id`, `rev`, `signature`, `action`, `category`;
/// `VerdictAction` <- `event.verdict.action`; `Sni`, `Version` <- `event.tls.sni`,
/// `event.tls.version` (alerts on TLS traffic); `TxId`, `PktSrc`, `Direction`, `FlowId`,
/// `AppProto`, `SrcIp`, `SrcPort`, `DestIp`, `DestPort`, `Proto`, `EventType` <- `event.tx_id`,
/// `pkt_src`, `direction`, `flow_id`, `app_proto`, `src_ip`, `src_port`, `dest_ip`,
/// `dest_port`, `proto`, `event_type`; `Timestamp` <- `event.timestamp`. Numbers are decimal
/// text. Only `alert` events become rows (Microsoft's transform keeps `EventType == "alert"`).
#[allow(non_snake_case)]
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsNetworkFirewallAlert<S = String, D = String> {
    pub TimeGenerated: D,
    pub FirewallName: S,
    pub AvailabilityZone: S,
    pub TxId: Option<S>,
    pub EventTimestamp: D,
    pub AppProto: Option<S>,
    pub SrcIp: S,
    pub SrcPort: Option<S>,
    pub EventType: S,
    pub Severity: Option<S>,
    pub SignatureId: Option<S>,
    pub Rev: Option<S>,
    pub Signature: Option<S>,
    pub AlertAction: Option<S>,
    pub Category: Option<S>,
    pub FlowId: Option<S>,
    pub DestIp: S,
    pub Proto: S,
    pub VerdictAction: Option<S>,
    pub Sni: Option<S>,
    pub Version: Option<S>,
    pub DestPort: Option<S>,
    pub PktSrc: Option<S>,
    pub Direction: Option<S>,
    pub Timestamp: Option<D>,
}

impl<S: Serialize, D: Serialize> Row for AwsNetworkFirewallAlert<S, D> {
    const TABLE: Table = Table::AWSNetworkFirewallAlert;
    type Time = D;
    fn time_generated(&self) -> &D {
        &self.TimeGenerated
    }
}
