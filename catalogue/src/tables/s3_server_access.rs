//! The `AWSS3ServerAccess` table: its row struct and its column declarations (names in order,
//! and the column types of Microsoft's table; see [`super`]).

use serde::{Deserialize, Serialize};

use super::{cols, Column, Row, StreamDecl, Table};

/// The columns of `AWSS3ServerAccess`, in order; the fields of [`AwsS3ServerAccess`] are these
/// names.
pub const COLUMNS: &[Column] = cols![
    TimeGenerated: Datetime,
    BucketOwner: String,
    Bucket: String,
    RemoteIp: String,
    Requester: String,
    RequestId: String,
    Operation: String,
    Key: String,
    RequestUri: String,
    HttpStatus: Int,
    ErrorCode: String,
    BytesSent: Int,
    ObjectSize: Int,
    TotalTime: Int,
    TurnAroundTime: Int,
    Referer: String,
    UserAgent: String,
    VersionId: String,
    HostId: String,
    SignatureVersion: String,
    CipherSuite: String,
    AuthenticationType: String,
    HostHeader: String,
    TLSVersion: String,
    AccessPointARN: String,
    ACLRequired: String,
];

/// The DCR stream that feeds `AWSS3ServerAccess`.
pub const STREAM: StreamDecl = StreamDecl {
    name: "Custom-AWSS3ServerAccess",
    table: Table::AWSS3ServerAccess,
    columns: COLUMNS,
};

/// `AWSS3ServerAccess`: one record of an S3 server access log (Amazon S3 User Guide, "Amazon
/// S3 server access log format"), its fields in the log's order.
///
/// Every column comes from the field of the same meaning (`RemoteIp` <- Remote IP, `RequestUri`
/// <- Request-URI, `TLSVersion` <- TLS version, `ACLRequired` <- aclRequired, ...), as logged:
/// `Key` stays URL-encoded, and the quoted fields (`RequestUri`, `Referer`, `UserAgent`) are
/// the text between their quotes. A field that is `-` (quoted or not), or that an older record
/// does not have (fields were added at the end of the line over time), is `None`. The log's
/// Source Region field (the newest) has no column in Microsoft's table, so it is read and not
/// kept.
///
/// `TimeGenerated` <- the record's Time (`[06/Feb/2019:00:00:38 +0000]`, the time S3 received
/// the request), in UTC. Microsoft's connector feeds this table through an internal stream
/// (`SENTINEL_AWSS3SERVERACCESS`) whose TimeGenerated rule is not published; the toolkit
/// keeps the record's own time.
///
/// The five numeric columns are `int`, as Microsoft declares them: a value beyond 32 bits (an
/// `ObjectSize` of a 5 GB object) does not fit, and the row goes out without it.
#[serde_with::skip_serializing_none]
#[allow(non_snake_case)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsS3ServerAccess<S = String, D = String> {
    pub TimeGenerated: D,
    pub BucketOwner: Option<S>,
    pub Bucket: Option<S>,
    pub RemoteIp: Option<S>,
    pub Requester: Option<S>,
    pub RequestId: Option<S>,
    pub Operation: Option<S>,
    pub Key: Option<S>,
    pub RequestUri: Option<S>,
    pub HttpStatus: Option<i32>,
    pub ErrorCode: Option<S>,
    pub BytesSent: Option<i32>,
    pub ObjectSize: Option<i32>,
    pub TotalTime: Option<i32>,
    pub TurnAroundTime: Option<i32>,
    pub Referer: Option<S>,
    pub UserAgent: Option<S>,
    pub VersionId: Option<S>,
    pub HostId: Option<S>,
    pub SignatureVersion: Option<S>,
    pub CipherSuite: Option<S>,
    pub AuthenticationType: Option<S>,
    pub HostHeader: Option<S>,
    pub TLSVersion: Option<S>,
    pub AccessPointARN: Option<S>,
    pub ACLRequired: Option<S>,
}

impl<S: Serialize, D: Serialize> Row for AwsS3ServerAccess<S, D> {
    const TABLE: Table = Table::AWSS3ServerAccess;
    type Time = D;
    fn time_generated(&self) -> &D {
        &self.TimeGenerated
    }
}
