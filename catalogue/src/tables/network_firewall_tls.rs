//! The `AWSNetworkFirewallTls` table: its row struct and its column declarations (names in
//! order, and the column types of Microsoft's table reference; see [`super`]).

use serde::{Deserialize, Serialize};

use super::{cols, Column, Row, StreamDecl, Table};

/// The columns of `AWSNetworkFirewallTls`, in order; the fields of [`AwsNetworkFirewallTls`]
/// are these names.
pub const COLUMNS: &[Column] = cols![
    TimeGenerated: Datetime,
    FirewallName: String,
    AvailabilityZone: String,
    EventTimestamp: Datetime,
    SrcIp: String,
    SrcPort: String,
    DestIp: String,
    DestPort: String,
    Sni: String,
    LeafCertificateFingerprint: String,
    Status: String,
    Action: String,
    ErrorMessage: String,
];

/// The DCR stream that feeds `AWSNetworkFirewallTls`.
pub const STREAM: StreamDecl = StreamDecl {
    name: "Custom-AWSNetworkFirewallTls",
    table: Table::AWSNetworkFirewallTls,
    columns: COLUMNS,
};

/// `AWSNetworkFirewallTls`: one event of a Network Firewall TLS log (TLS errors and certificate
/// revocation check failures of TLS inspection; one JSON object per line, no `event_type`).
///
/// `TimeGenerated` and `EventTimestamp` <- `event_timestamp` (epoch seconds; the TLS log writes
/// it as a JSON number, the other logs as a string). Microsoft's DCR
/// (`Custom-AWSNetworkFirewall-TlsLog`) sets `TimeGenerated = now()`, the ingestion time.
/// `SrcIp`, `SrcPort`, `DestIp`, `DestPort`, `Sni` <- `event.src_ip`, `src_port`, `dest_ip`,
/// `dest_port`, `sni` (ports are JSON strings in the TLS log; numbers are read as decimal text
/// too; an `sni` of `-` is kept as written); `ErrorMessage` <- `event.tls_error.error_message`;
/// `LeafCertificateFingerprint`, `Status`, `Action` <- `event.revocation_check.leaf_cert_fpr`,
/// `status`, `action`, where AWS writes them (Microsoft's DCR reads `event.leaf_cert_fpr`,
/// `event.status`, `event.action`, which the log does not have; those top-level members are
/// taken when present).
#[allow(non_snake_case)]
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsNetworkFirewallTls<S = String, D = String> {
    pub TimeGenerated: D,
    pub FirewallName: S,
    pub AvailabilityZone: S,
    pub EventTimestamp: D,
    pub SrcIp: S,
    pub SrcPort: Option<S>,
    pub DestIp: S,
    pub DestPort: Option<S>,
    pub Sni: Option<S>,
    pub LeafCertificateFingerprint: Option<S>,
    pub Status: Option<S>,
    pub Action: Option<S>,
    pub ErrorMessage: Option<S>,
}

impl<S: Serialize, D: Serialize> Row for AwsNetworkFirewallTls<S, D> {
    const TABLE: Table = Table::AWSNetworkFirewallTls;
    type Time = D;
    fn time_generated(&self) -> &D {
        &self.TimeGenerated
    }
}
