//! The `AWSNLBAccessLogs` table: its row struct and its column declarations (names in order,
//! and the column types of Microsoft's table; see [`super`]).

use serde::{Deserialize, Serialize};

use super::{cols, Column, Row, StreamDecl, Table};

/// The columns of `AWSNLBAccessLogs`, in the order of Microsoft's table definition
/// (`Azure/Azure-Sentinel` `.script/tests/KqlvalidationsTests/CustomTables/AWSNLBAccessLogs.json`);
/// the fields of [`AwsNlbAccessLogs`] are these names. Every column but `TimeGenerated` is a
/// string, numbers included.
pub const COLUMNS: &[Column] = cols![
    TimeGenerated: Datetime,
    NLBType: String,
    Version: String,
    Nlb: String,
    Listener: String,
    ClientIP_Port: String,
    TargetIP_Port: String,
    Connection_Time: String,
    Tls_Handshake_Time: String,
    Received_Bytes: String,
    Sent_Bytes: String,
    Incoming_TLS_Alert: String,
    Chosen_Cert_Arn: String,
    Chosen_Cert_Serial: String,
    TLS_Cipher: String,
    TLS_Protocol_Version: String,
    TLS_Named_Group: String,
    Domain_Name: String,
    ALPN_FE_Protocol: String,
    ALPN_BE_Protocol: String,
    ALPN_Client_Pref_List: String,
    TLS_Connection_Creation_Time: String,
];

/// The DCR stream that feeds `AWSNLBAccessLogs` in the mock endpoint (Microsoft's own stream,
/// `SENTINEL_AWSNLBACCESSLOGS`, is internal).
pub const STREAM: StreamDecl = StreamDecl {
    name: "Custom-AWSNLBAccessLogs",
    table: Table::AWSNLBAccessLogs,
    columns: COLUMNS,
};

/// `AWSNLBAccessLogs`: one Network Load Balancer access log entry (TLS listeners only; one line
/// of space-separated fields, the ALPN client list quoted).
///
/// `TimeGenerated` <- `time` (the end of the TLS connection, ISO 8601). Microsoft's DCR is
/// internal and publishes no transform; this toolkit keeps the entry's own time.
///
/// Field to column, in log order: `type` -> `NLBType` (`tls`), `version`, `time` (only in
/// `TimeGenerated`), `elb` -> `Nlb`, `listener`, `client:port` -> `ClientIP_Port`,
/// `destination:port` -> `TargetIP_Port`, `connection_time`, `tls_handshake_time`,
/// `received_bytes`, `sent_bytes`, `incoming_tls_alert`, `chosen_cert_arn`,
/// `chosen_cert_serial`, `tls_cipher`, `tls_protocol_version`, `tls_named_group`,
/// `domain_name`, `alpn_fe_protocol`, `alpn_be_protocol`, `alpn_client_preference_list`,
/// `tls_connection_creation_time`. Every value is kept as written (the ALPN preference list
/// with its quotes, `"h2","http/1.1"`); `-` is absent. Fields AWS adds later are ignored.
#[allow(non_snake_case)]
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsNlbAccessLogs<S = String, D = String> {
    pub TimeGenerated: D,
    pub NLBType: S,
    pub Version: S,
    pub Nlb: S,
    pub Listener: Option<S>,
    pub ClientIP_Port: Option<S>,
    pub TargetIP_Port: Option<S>,
    pub Connection_Time: Option<S>,
    pub Tls_Handshake_Time: Option<S>,
    pub Received_Bytes: Option<S>,
    pub Sent_Bytes: Option<S>,
    pub Incoming_TLS_Alert: Option<S>,
    pub Chosen_Cert_Arn: Option<S>,
    pub Chosen_Cert_Serial: Option<S>,
    pub TLS_Cipher: Option<S>,
    pub TLS_Protocol_Version: Option<S>,
    pub TLS_Named_Group: Option<S>,
    pub Domain_Name: Option<S>,
    pub ALPN_FE_Protocol: Option<S>,
    pub ALPN_BE_Protocol: Option<S>,
    pub ALPN_Client_Pref_List: Option<S>,
    pub TLS_Connection_Creation_Time: Option<S>,
}

impl<S: Serialize, D: Serialize> Row for AwsNlbAccessLogs<S, D> {
    const TABLE: Table = Table::AWSNLBAccessLogs;
    type Time = D;
    fn time_generated(&self) -> &D {
        &self.TimeGenerated
    }
}
