//! Typed rows of the Microsoft Sentinel tables fed by the AWS S3 connectors.
//!
//! One struct per table, with Rust field names equal to the table's column
//! names (hence `non_snake_case`), so `serde` (de)serialises them with the
//! exact column names. The simulator's manifest stores the *expected* rows in
//! these types; the connector maps parsed logs to the same types, so a checker
//! can compare them with `==`.
//!
//! Conventions shared by every table:
//! * `datetime` columns are strings in one canonical form,
//!   `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, always three fractional digits); build
//!   them with [`format_datetime_ms`].
//! * A value that is absent in the source (a VPC `-`, a missing JSON key, a
//!   JSON `null`) is `None`, serialised as `null`.
//! * `TimeGenerated` is the column Sentinel derives from the record (see each
//!   struct); the manifest repeats it as `time_generated`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Formats epoch milliseconds as the canonical table datetime
/// (`2026-03-01T00:00:05.120Z`).
pub fn format_datetime_ms(epoch_ms: i64) -> String {
    let t = utc_from_ms(epoch_ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Parses an RFC 3339 / ISO-8601 UTC timestamp (any fractional precision)
/// into epoch milliseconds; `None` if it is not one.
pub fn parse_datetime_ms(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

pub(crate) fn utc_from_ms(epoch_ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(epoch_ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Name of a Sentinel table as it appears in the manifest (`"AWSVPCFlow"` ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Table {
    AWSVPCFlow,
    AWSGuardDuty,
    AWSCloudTrail,
    AWSCloudWatch,
    #[allow(non_camel_case_types)]
    AWSEKSLogs_CL,
}

/// A row of one of the tables, tagged with its table name:
/// `{"table":"AWSVPCFlow","row":{...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "table", content = "row")]
#[allow(clippy::large_enum_variant)]
pub enum TableRow {
    AWSVPCFlow(AwsVpcFlow),
    AWSGuardDuty(AwsGuardDuty),
    AWSCloudTrail(AwsCloudTrail),
    AWSCloudWatch(AwsCloudWatch),
    #[allow(non_camel_case_types)]
    AWSEKSLogs_CL(AwsEksLogs),
}

impl TableRow {
    pub fn table(&self) -> Table {
        match self {
            TableRow::AWSVPCFlow(_) => Table::AWSVPCFlow,
            TableRow::AWSGuardDuty(_) => Table::AWSGuardDuty,
            TableRow::AWSCloudTrail(_) => Table::AWSCloudTrail,
            TableRow::AWSCloudWatch(_) => Table::AWSCloudWatch,
            TableRow::AWSEKSLogs_CL(_) => Table::AWSEKSLogs_CL,
        }
    }

    /// The row's `TimeGenerated` column.
    pub fn time_generated(&self) -> &str {
        match self {
            TableRow::AWSVPCFlow(r) => &r.TimeGenerated,
            TableRow::AWSGuardDuty(r) => &r.TimeGenerated,
            TableRow::AWSCloudTrail(r) => &r.TimeGenerated,
            TableRow::AWSCloudWatch(r) => &r.TimeGenerated,
            TableRow::AWSEKSLogs_CL(r) => &r.TimeGenerated,
        }
    }
}

/// `AWSVPCFlow`: one VPC flow log record.
///
/// Every column comes from the flow-log field of the same meaning
/// (`AccountId` <- `account-id`, `TrafficType` <- `type`, `End` <- `end`, the
/// `Ecs*` columns <- the `ecs-*` fields, ...). A column whose field is not in
/// the flow log's format, or whose value is `-`, is `None`.
/// `TimeGenerated` <- `start` (epoch seconds).
#[allow(non_snake_case)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsVpcFlow {
    pub TimeGenerated: String,
    pub Version: Option<i32>,
    pub AccountId: Option<String>,
    pub InterfaceId: Option<String>,
    pub SrcAddr: Option<String>,
    pub DstAddr: Option<String>,
    pub SrcPort: Option<i32>,
    pub DstPort: Option<i32>,
    pub Protocol: Option<i32>,
    pub Packets: Option<i64>,
    pub Bytes: Option<i64>,
    pub End: Option<String>,
    pub Action: Option<String>,
    pub LogStatus: Option<String>,
    pub VpcId: Option<String>,
    pub SubnetId: Option<String>,
    pub InstanceId: Option<String>,
    pub TcpFlags: Option<i32>,
    pub TrafficType: Option<String>,
    pub PktSrcAddr: Option<String>,
    pub PktDstAddr: Option<String>,
    pub Region: Option<String>,
    pub AzId: Option<String>,
    pub SublocationType: Option<String>,
    pub SublocationId: Option<String>,
    pub PktSrcAwsService: Option<String>,
    pub PktDstAwsService: Option<String>,
    pub FlowDirection: Option<String>,
    pub TrafficPath: Option<i32>,
    pub EcsClusterArn: Option<String>,
    pub EcsClusterName: Option<String>,
    pub EcsContainerInstanceArn: Option<String>,
    pub EcsContainerInstanceId: Option<String>,
    pub EcsContainerId: Option<String>,
    pub EcsSecondContainerId: Option<String>,
    pub EcsServiceName: Option<String>,
    pub EcsTaskDefinitionArn: Option<String>,
    pub EcsTaskArn: Option<String>,
    pub EcsTaskId: Option<String>,
    pub RejectReason: Option<String>,
}

/// `AWSGuardDuty`: one exported finding (one JSON line).
///
/// `ActivityType` <- `type`; `ResourceDetails` <- `resource` (object as is);
/// `ServiceDetails` <- `service` (object as is); `Severity` <- `severity`
/// truncated towards zero to an integer; `TimeCreated` <- `createdAt`;
/// `TimeGenerated` <- `updatedAt`; the others from the top-level key of the
/// same name (`accountId`, `arn`, `description`, `id`, `partition`, `region`,
/// `schemaVersion`, `title`).
#[allow(non_snake_case)]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsGuardDuty {
    pub TimeGenerated: String,
    pub AccountId: String,
    pub ActivityType: String,
    pub Arn: String,
    pub Description: String,
    pub Id: String,
    pub Partition: String,
    pub Region: String,
    pub ResourceDetails: serde_json::Value,
    pub SchemaVersion: String,
    pub ServiceDetails: serde_json::Value,
    pub Severity: i32,
    pub TimeCreated: String,
    pub Title: String,
}

/// `AWSCloudTrail`: one element of a CloudTrail file's `Records`.
///
/// Mapping: `AWSRegion` <- `awsRegion`; `AwsEventId` <- `eventID`;
/// `AwsRequestId_` <- `requestID`; `APIVersion` <- `apiVersion`; `Category` <-
/// `eventCategory`; `EventTypeName` <- `eventType`; `SharedEventId` <-
/// `sharedEventID`; `SourceIpAddress` <- `sourceIPAddress`;
/// `TlsVersion`/`CipherSuite`/`ClientProvidedHostHeader` <- `tlsDetails.*`;
/// `UserIdentity*` <- `userIdentity.*` (`UserIdentityPrincipalid` <-
/// `principalId`); `SessionIssuer*` <- `userIdentity.sessionContext.sessionIssuer.*`;
/// `SessionCreationDate` <- `...sessionContext.attributes.creationDate`
/// (canonical datetime); `SessionMfaAuthenticated` <-
/// `...attributes.mfaAuthenticated` (the string `"true"`/`"false"` as a bool);
/// `EC2RoleDelivery` <- `...sessionContext.ec2RoleDelivery`.
/// `RequestParameters`, `ResponseElements`, `Resources`,
/// `AdditionalEventData`, `ServiceEventDetails` hold the compact JSON text
/// (`serde_json::to_string`, key order as in the file) of the value, `None`
/// when the key is missing or `null`. `TimeGenerated` <- `eventTime`.
#[allow(non_snake_case)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsCloudTrail {
    pub TimeGenerated: String,
    pub AWSRegion: Option<String>,
    pub AdditionalEventData: Option<String>,
    pub APIVersion: Option<String>,
    pub AwsEventId: Option<String>,
    pub AwsRequestId_: Option<String>,
    pub Category: Option<String>,
    pub CipherSuite: Option<String>,
    pub ClientProvidedHostHeader: Option<String>,
    pub EC2RoleDelivery: Option<String>,
    pub ErrorCode: Option<String>,
    pub ErrorMessage: Option<String>,
    pub EventName: Option<String>,
    pub EventSource: Option<String>,
    pub EventTypeName: Option<String>,
    pub EventVersion: Option<String>,
    pub ManagementEvent: Option<bool>,
    pub ReadOnly: Option<bool>,
    pub RecipientAccountId: Option<String>,
    pub RequestParameters: Option<String>,
    pub Resources: Option<String>,
    pub ResponseElements: Option<String>,
    pub ServiceEventDetails: Option<String>,
    pub SessionCreationDate: Option<String>,
    pub SessionIssuerAccountId: Option<String>,
    pub SessionIssuerArn: Option<String>,
    pub SessionIssuerPrincipalId: Option<String>,
    pub SessionIssuerType: Option<String>,
    pub SessionIssuerUserName: Option<String>,
    pub SessionMfaAuthenticated: Option<bool>,
    pub SharedEventId: Option<String>,
    pub SourceIpAddress: Option<String>,
    pub TlsVersion: Option<String>,
    pub UserAgent: Option<String>,
    pub UserIdentityAccessKeyId: Option<String>,
    pub UserIdentityAccountId: Option<String>,
    pub UserIdentityArn: Option<String>,
    pub UserIdentityInvokedBy: Option<String>,
    pub UserIdentityPrincipalid: Option<String>,
    pub UserIdentityType: Option<String>,
    pub UserIdentityUserName: Option<String>,
    pub VpcEndpointId: Option<String>,
}

/// `AWSCloudWatch`: one `timestamp,message` CSV record of the Firehose
/// delivery. `ExtractedTime` <- `timestamp` (epoch ms); `Message` <- the
/// message, unquoted; `TimeGenerated` = `ExtractedTime`.
#[allow(non_snake_case)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsCloudWatch {
    pub TimeGenerated: String,
    pub ExtractedTime: String,
    pub Message: String,
}

/// `AWSEKSLogs_CL`: one Kubernetes audit event (`audit.k8s.io/v1`) from an EKS cluster, as the
/// EKS stack's transform Lambda writes it: one JSON object per line with exactly these keys.
/// `TimeGenerated` <- `requestReceivedTimestamp` (canonical datetime); `AwsAccountId` <- the
/// CloudWatch Logs envelope's `owner`; `ClusterName` <- the log group `/aws/eks/<cluster>/cluster`;
/// `Region` <- the Lambda's region; `User` <- `user.username`; `SourceIPs` <- `sourceIPs`;
/// `ObjectRef` <- `namespace/resource/name` (missing parts left out, `subresource` appended
/// after a `/`), `None` without an objectRef; `ResponseCode` <- `responseStatus.code`;
/// `AuthDecision` <- annotation `authorization.k8s.io/decision`; `RawEvent` <- the whole event.
#[allow(non_snake_case)]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsEksLogs {
    pub TimeGenerated: String,
    pub AwsAccountId: String,
    pub Region: String,
    pub ClusterName: String,
    pub Verb: String,
    pub User: String,
    pub SourceIPs: Vec<String>,
    pub UserAgent: Option<String>,
    pub ObjectRef: Option<String>,
    pub ResponseCode: Option<i64>,
    pub Stage: String,
    pub AuthDecision: Option<String>,
    pub RawEvent: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_round_trip() {
        let ms = 1_772_323_205_120; // 2026-03-01T00:00:05.120Z
        assert_eq!(format_datetime_ms(ms), "2026-03-01T00:00:05.120Z");
        assert_eq!(parse_datetime_ms("2026-03-01T00:00:05.120Z"), Some(ms));
        assert_eq!(parse_datetime_ms("2026-03-01T00:00:05Z"), Some(ms - 120));
        assert_eq!(parse_datetime_ms("yesterday"), None);
    }

    #[test]
    fn rows_serialise_with_exact_column_names() {
        let row = TableRow::AWSCloudWatch(AwsCloudWatch {
            TimeGenerated: "t".into(),
            ExtractedTime: "t".into(),
            Message: "m".into(),
        });
        let json = serde_json::to_string(&row).unwrap();
        assert_eq!(
            json,
            r#"{"table":"AWSCloudWatch","row":{"TimeGenerated":"t","ExtractedTime":"t","Message":"m"}}"#
        );
        let ct = serde_json::to_value(AwsCloudTrail::default()).unwrap();
        for col in [
            "AwsRequestId_",
            "AWSRegion",
            "UserIdentityPrincipalid",
            "EC2RoleDelivery",
        ] {
            assert!(ct.get(col).is_some(), "{col}");
        }
    }
}
