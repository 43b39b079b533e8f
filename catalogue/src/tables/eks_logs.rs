//! The `AWSEKSLogs_CL` table: its row struct and its column declarations (names in order, and
//! the DCR column types of Microsoft's table reference; see [`super`]).

use serde::{Deserialize, Serialize};

use super::{cols, Column, Row, StreamDecl, Table};

/// The columns of `AWSEKSLogs_CL`, in order; the fields of [`AwsEksLogs`] are these names.
pub const COLUMNS: &[Column] = cols![
    TimeGenerated: Datetime,
    AwsAccountId: String,
    Region: String,
    ClusterName: String,
    Verb: String,
    User: String,
    SourceIPs: Dynamic,
    UserAgent: String,
    ObjectRef: String,
    ResponseCode: Int,
    Stage: String,
    AuthDecision: String,
    RawEvent: Dynamic,
];

/// The DCR stream that feeds `AWSEKSLogs_CL`.
pub const STREAM: StreamDecl = StreamDecl {
    name: "Custom-AWSEKSLogs_CL",
    table: Table::AWSEKSLogs_CL,
    columns: COLUMNS,
};

/// `AWSEKSLogs_CL`: one Kubernetes audit event (`audit.k8s.io/v1`) from an EKS cluster, as the
/// EKS stack's transform Lambda writes it: one JSON object per line with exactly these keys.
/// `TimeGenerated` <- `requestReceivedTimestamp` (canonical datetime); `AwsAccountId` <- the
/// CloudWatch Logs envelope's `owner`; `ClusterName` <- the log group `/aws/eks/<cluster>/cluster`;
/// `Region` <- the Lambda's region; `User` <- `user.username`; `SourceIPs` <- `sourceIPs`;
/// `ObjectRef` <- `namespace/resource/name` (missing parts left out, `subresource` appended
/// after a `/`), `None` without an objectRef; `ResponseCode` <- `responseStatus.code`;
/// `AuthDecision` <- annotation `authorization.k8s.io/decision`; `RawEvent` <- the whole event.
#[allow(non_snake_case)]
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsEksLogs<S = String, D = String, J = serde_json::Value> {
    pub TimeGenerated: D,
    pub AwsAccountId: S,
    pub Region: S,
    pub ClusterName: S,
    pub Verb: S,
    pub User: S,
    pub SourceIPs: Vec<S>,
    pub UserAgent: Option<S>,
    pub ObjectRef: Option<S>,
    pub ResponseCode: Option<i32>,
    pub Stage: S,
    pub AuthDecision: Option<S>,
    pub RawEvent: J,
}

impl<S: Serialize, D: Serialize, J: Serialize> Row for AwsEksLogs<S, D, J> {
    const TABLE: Table = Table::AWSEKSLogs_CL;
    type Time = D;
    fn time_generated(&self) -> &D {
        &self.TimeGenerated
    }
}
