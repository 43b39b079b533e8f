//! The `AWSCloudFront_AccessLog_CL` table: its row struct and its column declarations (names
//! and types as Microsoft's table of the CloudFront solution declares them: `Azure/Azure-Sentinel`
//! `Solutions/AWS CloudFront/Data Connectors/AWSCloudFrontLog_CCF/AWSCloudFrontLog_Table.json`;
//! every column but `TimeGenerated` is a string there, numbers included).

use serde::{Deserialize, Serialize};

use super::{cols, Column, Row, StreamDecl, Table};

/// The columns of `AWSCloudFront_AccessLog_CL`: `TimeGenerated`, then the 43 columns Microsoft's
/// DCR (`AWSCloudFrontLog_DCR.json`) maps from the positions `Field1`..`Field43`, in that
/// order; the fields of [`AwsCloudFrontAccessLog`] are these names. Microsoft's table has both
/// `DistributionId` (`Field35`) and `Distributionid` (`Field42`), so this one does too.
pub const COLUMNS: &[Column] = cols![
    TimeGenerated: Datetime,
    Date: String,
    Time: String,
    XEdgeLocation: String,
    ScBytes: String,
    CIp: String,
    CsMethod: String,
    CsHost: String,
    CsUriStem: String,
    ScStatus: String,
    CsReferer: String,
    CsUserAgent: String,
    CsUriQuery: String,
    CsCookie: String,
    XEdgeResultType: String,
    XEdgeRequestId: String,
    XHostHeader: String,
    CsProtocol: String,
    CsBytes: String,
    TimeTaken: String,
    XForwardedFor: String,
    SslProtocol: String,
    SslCipher: String,
    XEdgeResponseResultType: String,
    CsProtocolVersion: String,
    FleStatus: String,
    FleEncryptedFields: String,
    CPort: String,
    TimeToFirstByte: String,
    XEdgeDetailedResultType: String,
    ScContentType: String,
    ScContentLen: String,
    ScRangeStart: String,
    ScRangeEnd: String,
    Timestamp: String,
    DistributionId: String,
    TimestampMs: String,
    OriginFbl: String,
    OriginLbl: String,
    Asn: String,
    CCountry: String,
    CacheBehaviorPathPattern: String,
    Distributionid: String,
    DistributionTenantId: String,
];

/// The DCR stream that feeds `AWSCloudFront_AccessLog_CL` (the output stream of Microsoft's
/// transform, `Custom-AWSCloudFront_AccessLog_CL`).
pub const STREAM: StreamDecl = StreamDecl {
    name: "Custom-AWSCloudFront_AccessLog_CL",
    table: Table::AWSCloudFront_AccessLog_CL,
    columns: COLUMNS,
};

/// `AWSCloudFront_AccessLog_CL`: one request of a CloudFront standard log (standard logging v2
/// delivered to S3 in the W3C format: `#Version` and `#Fields` header lines, then one
/// tab-separated record per line).
///
/// Each column holds its field's value as CloudFront writes it (URL-encoded where CloudFront
/// encodes it, e.g. `cs(User-Agent)` with `%20`); a field CloudFront writes as `-`, or one the
/// log's `#Fields` line does not list, is `None`. The fields map by name: `date` -> `Date`,
/// `time` -> `Time`, `x-edge-location` -> `XEdgeLocation`, `cs(Host)` -> `CsHost`, and so on
/// for the 33 fields of the standard log file format.
///
/// `TimeGenerated` <- `date` and `time` (UTC, whole seconds): the request's own time.
/// Microsoft's DCR sets `TimeGenerated = now()` (ingestion time) and keeps only the `Date` and
/// `Time` strings, so a backlog lands at the wrong time there; this table keeps `Date` and
/// `Time` as Microsoft does and takes `TimeGenerated` from them.
#[allow(non_snake_case)]
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsCloudFrontAccessLog<S = String, D = String> {
    pub TimeGenerated: D,
    pub Date: S,
    pub Time: S,
    pub XEdgeLocation: Option<S>,
    pub ScBytes: Option<S>,
    pub CIp: Option<S>,
    pub CsMethod: Option<S>,
    pub CsHost: Option<S>,
    pub CsUriStem: Option<S>,
    pub ScStatus: Option<S>,
    pub CsReferer: Option<S>,
    pub CsUserAgent: Option<S>,
    pub CsUriQuery: Option<S>,
    pub CsCookie: Option<S>,
    pub XEdgeResultType: Option<S>,
    pub XEdgeRequestId: Option<S>,
    pub XHostHeader: Option<S>,
    pub CsProtocol: Option<S>,
    pub CsBytes: Option<S>,
    pub TimeTaken: Option<S>,
    pub XForwardedFor: Option<S>,
    pub SslProtocol: Option<S>,
    pub SslCipher: Option<S>,
    pub XEdgeResponseResultType: Option<S>,
    pub CsProtocolVersion: Option<S>,
    pub FleStatus: Option<S>,
    pub FleEncryptedFields: Option<S>,
    pub CPort: Option<S>,
    pub TimeToFirstByte: Option<S>,
    pub XEdgeDetailedResultType: Option<S>,
    pub ScContentType: Option<S>,
    pub ScContentLen: Option<S>,
    pub ScRangeStart: Option<S>,
    pub ScRangeEnd: Option<S>,
    pub Timestamp: Option<S>,
    pub DistributionId: Option<S>,
    pub TimestampMs: Option<S>,
    pub OriginFbl: Option<S>,
    pub OriginLbl: Option<S>,
    pub Asn: Option<S>,
    pub CCountry: Option<S>,
    pub CacheBehaviorPathPattern: Option<S>,
    pub Distributionid: Option<S>,
    pub DistributionTenantId: Option<S>,
}

impl<S: Serialize, D: Serialize> Row for AwsCloudFrontAccessLog<S, D> {
    const TABLE: Table = Table::AWSCloudFront_AccessLog_CL;
    type Time = D;
    fn time_generated(&self) -> &D {
        &self.TimeGenerated
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::ColumnType::{self, Datetime, String};

    /// Every column's type as Microsoft's table (`AWSCloudFrontLog_Table.json`) declares it.
    #[test]
    fn column_types_are_microsofts_table() {
        let reference: &[(&str, ColumnType)] = &[
            ("TimeGenerated", Datetime),
            ("Date", String),
            ("Time", String),
            ("XEdgeLocation", String),
            ("ScBytes", String),
            ("CIp", String),
            ("CsMethod", String),
            ("CsHost", String),
            ("CsUriStem", String),
            ("ScStatus", String),
            ("CsReferer", String),
            ("CsUserAgent", String),
            ("CsUriQuery", String),
            ("CsCookie", String),
            ("XEdgeResultType", String),
            ("XEdgeRequestId", String),
            ("XHostHeader", String),
            ("CsProtocol", String),
            ("CsBytes", String),
            ("TimeTaken", String),
            ("XForwardedFor", String),
            ("SslProtocol", String),
            ("SslCipher", String),
            ("XEdgeResponseResultType", String),
            ("CsProtocolVersion", String),
            ("FleStatus", String),
            ("FleEncryptedFields", String),
            ("CPort", String),
            ("TimeToFirstByte", String),
            ("XEdgeDetailedResultType", String),
            ("ScContentType", String),
            ("ScContentLen", String),
            ("ScRangeStart", String),
            ("ScRangeEnd", String),
            ("Timestamp", String),
            ("DistributionId", String),
            ("TimestampMs", String),
            ("OriginFbl", String),
            ("OriginLbl", String),
            ("Asn", String),
            ("CCountry", String),
            ("CacheBehaviorPathPattern", String),
            ("Distributionid", String),
            ("DistributionTenantId", String),
        ];
        assert_eq!(COLUMNS.len(), reference.len());
        for (name, ty) in reference {
            let col = STREAM
                .column(name)
                .unwrap_or_else(|| panic!("no column {name}"));
            assert_eq!(col.ty, *ty, "{name}");
        }
    }
}
