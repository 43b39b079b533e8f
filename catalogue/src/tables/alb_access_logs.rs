//! The `AWSALBAccessLogs` table: its row struct and its column declarations (names in order,
//! and the column types of Microsoft's table; see [`super`]).

use serde::{Deserialize, Serialize};

use super::{cols, Column, Row, StreamDecl, Table};

/// The columns of `AWSALBAccessLogs`, in the order of Microsoft's table definition
/// (`Azure/Azure-Sentinel` `.script/tests/KqlvalidationsTests/CustomTables/AWSALBAccessLogs.json`,
/// the schema its KQL is validated against); the fields of [`AwsAlbAccessLogs`] are these names.
pub const COLUMNS: &[Column] = cols![
    TimeGenerated: Datetime,
    ALBType: String,
    Alb: String,
    ClientIp: String,
    ClientPort: Int,
    TargetIp: String,
    TargetPort: Int,
    RequestProcessingTime: String,
    TargetProcessingTime: String,
    ResponseProcessingTime: String,
    ElbStatusCode: Int,
    TargetStatusCode: String,
    ReceivedBytes: Long,
    SentBytes: Long,
    RequestRaw: String,
    UserAgent: String,
    SslCipher: String,
    SslProtocol: String,
    TargetGroupArn: String,
    TraceId: String,
    DomainName: String,
    ChosenCertArn: String,
    MatchedRulePriority: String,
    RequestCreationTime: String,
    ActionsExecuted: String,
    RedirectUrl: String,
    LambdaErrorReason: String,
    TargetPortList: String,
    TargetStatusCodeList: String,
    Classification: String,
    ClassificationReason: String,
    ConnTraceId: String,
];

/// The DCR stream that feeds `AWSALBAccessLogs` in the mock endpoint. Microsoft's connector
/// posts to the internal `SENTINEL_AWSALBACCESSLOGS` stream (its DCR,
/// `AWSELBConnector_DCR.json`, routes `Microsoft-AWSALBAccessLogs` with no transform and
/// declares no columns); the mock declares the table's columns instead.
pub const STREAM: StreamDecl = StreamDecl {
    name: "Custom-AWSALBAccessLogs",
    table: Table::AWSALBAccessLogs,
    columns: COLUMNS,
};

/// `AWSALBAccessLogs`: one Application Load Balancer access log entry (one line of
/// space-separated fields, quoted where a value can hold spaces).
///
/// `TimeGenerated` <- `time` (when the load balancer sent the response, ISO 8601 with
/// microseconds; kept to the millisecond). Microsoft's ELB DCR is Microsoft-internal and
/// publishes no transform, so whether Sentinel uses this time or the ingestion time is not
/// documented; this toolkit keeps the entry's own time.
///
/// Field to column, in log order: `type` -> `ALBType`, `elb` -> `Alb`, `client:port` ->
/// `ClientIp` and `ClientPort` (IPv6 addresses are split at the last `:`), `target:port` ->
/// `TargetIp` and `TargetPort` (`-` when no target was reached: both absent),
/// `request_processing_time`, `target_processing_time`, `response_processing_time` as written
/// (`-1` kept), `elb_status_code` -> `ElbStatusCode` (absent when `-`), `target_status_code`,
/// `received_bytes`, `sent_bytes`, `"request"` -> `RequestRaw`, `"user_agent"`, `ssl_cipher`,
/// `ssl_protocol`, `target_group_arn`, `"trace_id"`, `"domain_name"`, `"chosen_cert_arn"`,
/// `matched_rule_priority`, `request_creation_time`, `"actions_executed"`, `"redirect_url"`,
/// `"error_reason"` -> `LambdaErrorReason`, `"target:port_list"` -> `TargetPortList`,
/// `"target_status_code_list"`, `"classification"`, `"classification_reason"`,
/// `conn_trace_id`. Quoted values are unquoted; a value written `-` is absent. Fields AWS adds
/// after these are ignored (AWS: "ensure that your parsing tools are designed to ignore
/// fields"); fields an older load balancer did not write yet are absent.
#[allow(non_snake_case)]
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsAlbAccessLogs<S = String, D = String> {
    pub TimeGenerated: D,
    pub ALBType: S,
    pub Alb: S,
    pub ClientIp: Option<S>,
    pub ClientPort: Option<i32>,
    pub TargetIp: Option<S>,
    pub TargetPort: Option<i32>,
    pub RequestProcessingTime: Option<S>,
    pub TargetProcessingTime: Option<S>,
    pub ResponseProcessingTime: Option<S>,
    pub ElbStatusCode: Option<i32>,
    pub TargetStatusCode: Option<S>,
    pub ReceivedBytes: Option<i64>,
    pub SentBytes: Option<i64>,
    pub RequestRaw: Option<S>,
    pub UserAgent: Option<S>,
    pub SslCipher: Option<S>,
    pub SslProtocol: Option<S>,
    pub TargetGroupArn: Option<S>,
    pub TraceId: Option<S>,
    pub DomainName: Option<S>,
    pub ChosenCertArn: Option<S>,
    pub MatchedRulePriority: Option<S>,
    pub RequestCreationTime: Option<S>,
    pub ActionsExecuted: Option<S>,
    pub RedirectUrl: Option<S>,
    pub LambdaErrorReason: Option<S>,
    pub TargetPortList: Option<S>,
    pub TargetStatusCodeList: Option<S>,
    pub Classification: Option<S>,
    pub ClassificationReason: Option<S>,
    pub ConnTraceId: Option<S>,
}

impl<S: Serialize, D: Serialize> Row for AwsAlbAccessLogs<S, D> {
    const TABLE: Table = Table::AWSALBAccessLogs;
    type Time = D;
    fn time_generated(&self) -> &D {
        &self.TimeGenerated
    }
}
