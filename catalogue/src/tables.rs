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
//!   JSON `null`) is `None`, left out of the serialised row (the Logs
//!   Ingestion API stores a missing column as null), and read back as `None`.
//! * `TimeGenerated` is the column Sentinel derives from the record (see each
//!   struct); the manifest repeats it as `time_generated`.
//! * Field types carry the column types of Microsoft's table references
//!   (`i32` int, `i64` long, `bool` boolean); the mock DCR declares them, and
//!   the simulator's `ingest::schema` lists the references and the types changed to
//!   match them (AWSVPCFlow `TrafficPath` is a string, `Packets` an int).
//!
//! The structs are generic over how they hold text (`S`), datetimes (`D`)
//! and JSON values (`J`). The defaults (`String`, `String`, owned JSON) are
//! the owned rows the manifest, the mock endpoint's store and the checker
//! use. The connector's parser fills the same structs with text borrowed
//! from its read buffer, [`DateTimeMs`] and raw JSON, so it allocates next to
//! nothing per record; both forms serialise to the same JSON.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

/// Formats epoch milliseconds as the canonical table datetime
/// (`2026-03-01T00:00:05.120Z`).
pub fn format_datetime_ms(epoch_ms: i64) -> String {
    DateTimeMs(epoch_ms).to_string()
}

/// A table datetime held as epoch milliseconds; displays and serialises in
/// the canonical form (`2026-03-01T00:00:05.120Z`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTimeMs(pub i64);

impl DateTimeMs {
    /// The canonical text in a fixed buffer; `None` outside years 0-9999.
    fn ascii(self) -> Option<[u8; 24]> {
        // Calendar date from the day number; the time of day by division
        // (cheaper than a full OffsetDateTime from nanoseconds).
        const DAY_MS: i64 = 86_400_000;
        const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;
        let day = i32::try_from(self.0.div_euclid(DAY_MS) + UNIX_EPOCH_JULIAN_DAY).ok()?;
        let date = time::Date::from_julian_day(day).ok()?;
        let ms = u32::try_from(self.0.rem_euclid(DAY_MS)).expect("under a day");
        let year = u32::try_from(date.year()).ok().filter(|y| *y <= 9999)?;
        let mut b = *b"0000-00-00T00:00:00.000Z";
        let mut put = |at: usize, width: usize, mut v: u32| {
            for i in (at..at + width).rev() {
                b[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, 4, year);
        put(5, 2, u32::from(u8::from(date.month())));
        put(8, 2, u32::from(date.day()));
        put(11, 2, ms / 3_600_000);
        put(14, 2, ms / 60_000 % 60);
        put(17, 2, ms / 1000 % 60);
        put(20, 3, ms % 1000);
        Some(b)
    }
}

impl fmt::Display for DateTimeMs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ascii() {
            Some(b) => f.write_str(std::str::from_utf8(&b).expect("ASCII digits")),
            None => f.write_str(&calendar_text(self.0)),
        }
    }
}

/// The canonical text by `time`'s calendar arithmetic (any year it knows).
fn calendar_text(epoch_ms: i64) -> String {
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

impl Serialize for DateTimeMs {
    fn serialize<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        match self.ascii() {
            Some(b) => s.serialize_str(std::str::from_utf8(&b).expect("ASCII digits")),
            None => s.collect_str(self),
        }
    }
}

/// A JSON value of the source kept as its text, for the `string` columns
/// that hold JSON (CloudTrail's `RequestParameters` ...): serialises as a
/// JSON string of the value's text, minified (whitespace outside strings
/// removed; escapes, numbers and key order as in the source).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonText<'a>(pub &'a str);

impl JsonText<'_> {
    fn is_minified(self) -> bool {
        !self
            .0
            .bytes()
            .any(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
    }
}

impl fmt::Display for JsonText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_minified() {
            return f.write_str(self.0);
        }
        let (mut in_str, mut esc) = (false, false);
        let mut run = 0;
        let bytes = self.0.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            let skip = if in_str {
                if esc {
                    esc = false;
                } else if b == b'\\' {
                    esc = true;
                } else if b == b'"' {
                    in_str = false;
                }
                false
            } else {
                in_str = b == b'"';
                matches!(b, b' ' | b'\n' | b'\r' | b'\t')
            };
            if skip {
                f.write_str(&self.0[run..i])?;
                run = i + 1;
            }
        }
        f.write_str(&self.0[run..])
    }
}

impl Serialize for JsonText<'_> {
    fn serialize<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        if self.is_minified() {
            s.serialize_str(self.0)
        } else {
            s.collect_str(self)
        }
    }
}

/// The `TimeGenerated` of an expected row whose table sets it when the row
/// arrives (AWSVPCFlow records without `start`): it cannot be known
/// beforehand, so the end-to-end check compares such rows on their other
/// columns. Never a value of an ingested row (it is no datetime).
pub const ARRIVAL_TIME: &str = "arrival time";

/// Parses an RFC 3339 / ISO-8601 UTC timestamp (any fractional precision)
/// into epoch milliseconds; `None` if it is not one.
pub fn parse_datetime_ms(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

pub fn utc_from_ms(epoch_ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(epoch_ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A Sentinel table; serialises as its name (`"AWSVPCFlow"` ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Table {
    AWSVPCFlow,
    AWSGuardDuty,
    AWSCloudTrail,
    AWSCloudWatch,
    #[allow(non_camel_case_types)]
    AWSEKSLogs_CL,
}

impl Table {
    /// The table's name as Sentinel spells it (`AWSVPCFlow`).
    pub fn name(self) -> &'static str {
        match self {
            Table::AWSVPCFlow => "AWSVPCFlow",
            Table::AWSGuardDuty => "AWSGuardDuty",
            Table::AWSCloudTrail => "AWSCloudTrail",
            Table::AWSCloudWatch => "AWSCloudWatch",
            Table::AWSEKSLogs_CL => "AWSEKSLogs_CL",
        }
    }

    /// The table's columns in order: the field names of its row struct,
    /// read from the struct's `Deserialize` implementation (serialising a
    /// row leaves absent columns out, so it cannot tell them).
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Table::AWSVPCFlow => struct_fields::<AwsVpcFlow>(),
            Table::AWSGuardDuty => struct_fields::<AwsGuardDuty>(),
            Table::AWSCloudTrail => struct_fields::<AwsCloudTrail>(),
            Table::AWSCloudWatch => struct_fields::<AwsCloudWatch>(),
            Table::AWSEKSLogs_CL => struct_fields::<AwsEksLogs>(),
        }
    }
}

/// The field names a derived `Deserialize` asks a deserializer for.
fn struct_fields<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};

    struct Fields(Option<&'static [&'static str]>);

    #[derive(Debug)]
    struct Stop;
    impl fmt::Display for Stop {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("field names captured")
        }
    }
    impl std::error::Error for Stop {}
    impl de::Error for Stop {
        fn custom<M: fmt::Display>(_: M) -> Self {
            Stop
        }
    }

    impl<'de> Deserializer<'de> for &mut Fields {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            self.0 = Some(fields);
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }

    let mut f = Fields(None);
    let _ = T::deserialize(&mut f);
    f.0.expect("a derived Deserialize of a struct names its fields")
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
/// `TimeGenerated` <- `start` (epoch seconds); without `start` (not in the
/// format, or `-`) the arrival time, as the table defines it: the connector
/// uses the time it read the object, and an expected row says
/// [`ARRIVAL_TIME`]. `TrafficPath` is text (`"8"`), as in the table.
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
pub struct AwsGuardDuty<S = String, D = String, J = serde_json::Value> {
    pub TimeGenerated: D,
    pub AccountId: S,
    pub ActivityType: S,
    pub Arn: S,
    pub Description: S,
    pub Id: S,
    pub Partition: S,
    pub Region: S,
    pub ResourceDetails: J,
    pub SchemaVersion: S,
    pub ServiceDetails: J,
    pub Severity: i32,
    pub TimeCreated: D,
    pub Title: S,
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
/// `...attributes.mfaAuthenticated`; `EC2RoleDelivery` <-
/// `...sessionContext.ec2RoleDelivery`. The boolean columns take JSON
/// booleans and the strings `"true"`/`"false"` in any case; another value
/// leaves the column empty and is reported by the parser as a bad value.
/// `RequestParameters`, `ResponseElements`, `Resources`,
/// `AdditionalEventData`, `ServiceEventDetails` hold the compact JSON text
/// (`serde_json::to_string`, key order as in the file) of the value, `None`
/// when the key is missing or `null`. `TimeGenerated` <- `eventTime`.
#[serde_with::skip_serializing_none]
#[allow(non_snake_case)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsCloudTrail<S = String, D = String, J = String> {
    pub TimeGenerated: D,
    pub AWSRegion: Option<S>,
    pub AdditionalEventData: Option<J>,
    pub APIVersion: Option<S>,
    pub AwsEventId: Option<S>,
    pub AwsRequestId_: Option<S>,
    pub Category: Option<S>,
    pub CipherSuite: Option<S>,
    pub ClientProvidedHostHeader: Option<S>,
    pub EC2RoleDelivery: Option<S>,
    pub ErrorCode: Option<S>,
    pub ErrorMessage: Option<S>,
    pub EventName: Option<S>,
    pub EventSource: Option<S>,
    pub EventTypeName: Option<S>,
    pub EventVersion: Option<S>,
    pub ManagementEvent: Option<bool>,
    pub ReadOnly: Option<bool>,
    pub RecipientAccountId: Option<S>,
    pub RequestParameters: Option<J>,
    pub Resources: Option<J>,
    pub ResponseElements: Option<J>,
    pub ServiceEventDetails: Option<J>,
    pub SessionCreationDate: Option<D>,
    pub SessionIssuerAccountId: Option<S>,
    pub SessionIssuerArn: Option<S>,
    pub SessionIssuerPrincipalId: Option<S>,
    pub SessionIssuerType: Option<S>,
    pub SessionIssuerUserName: Option<S>,
    pub SessionMfaAuthenticated: Option<bool>,
    pub SharedEventId: Option<S>,
    pub SourceIpAddress: Option<S>,
    pub TlsVersion: Option<S>,
    pub UserAgent: Option<S>,
    pub UserIdentityAccessKeyId: Option<S>,
    pub UserIdentityAccountId: Option<S>,
    pub UserIdentityArn: Option<S>,
    pub UserIdentityInvokedBy: Option<S>,
    pub UserIdentityPrincipalid: Option<S>,
    pub UserIdentityType: Option<S>,
    pub UserIdentityUserName: Option<S>,
    pub VpcEndpointId: Option<S>,
}

/// `AWSCloudWatch`: one `timestamp,message` record of the Firehose
/// delivery, in Microsoft's exporters' form (`2022-12-15T06:48:54.783Z,`
/// then the message as is) or the older one (epoch ms, RFC 4180 quoted
/// message). `ExtractedTime` <- `timestamp`; `Message` <- the message;
/// `TimeGenerated` = `ExtractedTime`.
#[allow(non_snake_case)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsCloudWatch<S = String, D = String> {
    pub TimeGenerated: D,
    pub ExtractedTime: D,
    pub Message: S,
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
        let ct = Table::AWSCloudTrail.columns();
        for col in [
            "AwsRequestId_",
            "AWSRegion",
            "UserIdentityPrincipalid",
            "EC2RoleDelivery",
        ] {
            assert!(ct.contains(&col), "{col}");
        }
        assert_eq!(ct.len(), 42);
        assert_eq!(Table::AWSVPCFlow.columns().len(), 40);
        assert_eq!(
            Table::AWSCloudWatch.columns(),
            ["TimeGenerated", "ExtractedTime", "Message"]
        );
        // Absent columns are left out, and read back as absent.
        let vpc = <AwsVpcFlow>::default();
        assert_eq!(
            serde_json::to_string(&vpc).unwrap(),
            r#"{"TimeGenerated":""}"#
        );
        assert_eq!(
            serde_json::from_str::<AwsVpcFlow>(r#"{"TimeGenerated":""}"#).unwrap(),
            vpc
        );
    }

    #[test]
    fn datetimes_display_in_the_canonical_form() {
        assert_eq!(
            DateTimeMs(1_772_323_205_120).to_string(),
            "2026-03-01T00:00:05.120Z"
        );
        assert_eq!(DateTimeMs(0).to_string(), "1970-01-01T00:00:00.000Z");
        assert_eq!(DateTimeMs(-1).to_string(), "1969-12-31T23:59:59.999Z");
        // The fast path agrees with the calendar arithmetic of `time`.
        let mut ms = -86_400_000_i64 * 400;
        while ms < 253_402_300_799_999 {
            assert_eq!(DateTimeMs(ms).to_string(), calendar_text(ms), "{ms}");
            ms += 7_777_777_777;
        }
        assert_eq!(
            serde_json::to_string(&DateTimeMs(253_402_300_799_999)).unwrap(),
            r#""9999-12-31T23:59:59.999Z""#
        );
        // Before year 0 the text takes the slow path; serialising agrees.
        let far = DateTimeMs(-62_167_219_200_001);
        assert_eq!(far.to_string(), "-001-12-31T23:59:59.999Z");
        assert_eq!(serde_json::to_string(&far).unwrap(), format!("\"{far}\""));
    }

    #[test]
    fn json_text_is_minified_outside_strings_only() {
        let t = JsonText("{ \"a b\" : [1, 2],\n\t\"c\":\"x\\\" y\" }");
        assert_eq!(t.to_string(), r#"{"a b":[1,2],"c":"x\" y"}"#);
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#""{\"a b\":[1,2],\"c\":\"x\\\" y\"}""#
        );
        let compact = JsonText(r#"{"a":"b"}"#);
        assert_eq!(compact.to_string(), r#"{"a":"b"}"#);
    }
}
