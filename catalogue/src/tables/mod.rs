//! The Microsoft Sentinel tables fed by the AWS S3 connectors: [`Table`], the one list of
//! them, and one file per table with its typed row struct and its column declarations.
//!
//! One struct per table, with Rust field names equal to the table's column
//! names (hence `non_snake_case`), so `serde` (de)serialises them with the
//! exact column names; one unit test (here) keeps every struct's fields equal to its
//! declared columns. The simulator's manifest stores the *expected* rows as [`TableRow`]s
//! built from these types; the connector maps parsed logs to the same types, so a checker
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
//!   (`i32` int, `i64` long, `bool` boolean, datetime strings datetime,
//!   `serde_json::Value`/`Vec` dynamic, other strings string), as each table's `COLUMNS`
//!   declares them for the mock DCR. The references:
//!   * AWSVPCFlow: <https://learn.microsoft.com/azure/azure-monitor/reference/tables/awsvpcflow>
//!     (source `MicrosoftDocs/azure-reference-other`,
//!     `azure-monitor-ref/tables/includes/awsvpcflow-include.md`); the `Ecs*` columns from the
//!     newer page <https://docs.azure.cn/en-us/azure-monitor/reference/tables/AWSVPCFlow>.
//!     `RejectReason` (flow log v8) is on neither page: string, as the field is.
//!   * AWSGuardDuty: <https://learn.microsoft.com/azure/azure-monitor/reference/tables/awsguardduty>
//!   * AWSCloudTrail: <https://learn.microsoft.com/azure/azure-monitor/reference/tables/awscloudtrail>
//!   * AWSCloudWatch: <https://learn.microsoft.com/azure/azure-monitor/reference/tables/awscloudwatch>
//!   * AWSEKSLogs_CL: the table of Microsoft's EKS solution,
//!     `Azure/Azure-Sentinel` `Solutions/AWS EKS/Data Connectors/AWSEKS_Table.json`.
//!   * AWSRoute53Resolver: <https://learn.microsoft.com/azure/azure-monitor/reference/tables/awsroute53resolver>,
//!     as Microsoft's Route 53 solution declares it (`Azure/Azure-Sentinel`
//!     `Solutions/Amazon Web Services Route 53/Data Connectors/AWSRoute53Resolver_CCP/AWSRoute53Resolver_Table.json`,
//!     the columns its DCR's transform projects).
//!   * AWSNetworkFirewallFlow, AWSNetworkFirewallAlert, AWSNetworkFirewallTls:
//!     <https://learn.microsoft.com/azure/azure-monitor/reference/tables/awsnetworkfirewallflow>
//!     (`...alert`, `...tls`); the order of Microsoft's table definitions in
//!     `Solutions/Amazon Web Services NetworkFirewall/Data Connectors/AWSNetworkFirewallLogs_CCP/`.
//!   * AWSWAF: <https://learn.microsoft.com/azure/azure-monitor/reference/tables/awswaf>
//!   * AWSS3ServerAccess: <https://learn.microsoft.com/azure/azure-monitor/reference/tables/awss3serveraccess>
//!     and the 25 columns of the `AWS_AccessLogs` solution's table file (`Azure/Azure-Sentinel`
//!     `Solutions/AWS_AccessLogs/Data Connectors/AWSS3ServerAccessLogsDefinition_CCP/`).
//!   * AWSSecurityHubFindings: <https://learn.microsoft.com/azure/azure-monitor/reference/tables/awssecurityhubfindings>,
//!     and the transform of Microsoft's DCR (`Azure/Azure-Sentinel` `Solutions/AWS Security
//!     Hub/Data Connectors/AWSSecurityHubFindings_CCP/AWSSecurityHubFindings_DCR.json`).
//!   * AWSCloudFront_AccessLog_CL: the table of Microsoft's CloudFront solution,
//!     `Azure/Azure-Sentinel` `Solutions/AWS CloudFront/Data Connectors/AWSCloudFrontLog_CCF/AWSCloudFrontLog_Table.json`
//!     (its types are checked in its own file).
//!   * AWSALBAccessLogs, AWSNLBAccessLogs, AWSELBFlowLogs: the tables of Microsoft's ELB
//!     solution (<https://learn.microsoft.com/azure/azure-monitor/reference/tables/awsalbaccesslogs>,
//!     `...awsnlbaccesslogs`, `...awselbflowlogs`), in the order and with the types of the
//!     table definitions Microsoft validates its KQL against (`Azure/Azure-Sentinel`
//!     `.script/tests/KqlvalidationsTests/CustomTables/AWS{ALB,NLB}AccessLogs.json`,
//!     `AWSELBFlowLogs.json`).
//!
//!   Changed to follow them (issue 12, item 17): AWSVPCFlow `TrafficPath` int -> string;
//!   AWSVPCFlow `Packets` and AWSEKSLogs_CL `ResponseCode` `i64` -> `i32` (int). Every other
//!   column already had the reference's type.
//!
//! The structs are generic over how they hold text (`S`), datetimes (`D`)
//! and JSON values (`J`). The defaults (`String`, `String`, owned JSON) are
//! the owned rows the manifest, the mock endpoint's store and the checker
//! use. The connector's parser fills the same structs with text borrowed
//! from its read buffer, [`DateTimeMs`] and raw JSON, so it allocates next to
//! nothing per record; both forms serialise to the same JSON. Every form is a [`Row`].

use serde::de::{self, DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod alb_access_logs;
mod cloud_trail;
mod cloud_watch;
mod cloudfront_access_log;
mod eks_logs;
mod elb_flow_logs;
mod guard_duty;
mod json_text;
mod network_firewall_alert;
mod network_firewall_flow;
mod network_firewall_tls;
mod nlb_access_logs;
mod plain_json;
#[cfg(test)]
mod reference_types;
mod route53_resolver;
mod s3_server_access;
mod security_hub_findings;
#[cfg(test)]
mod test_fields;
mod time;
mod vpc_flow;
mod waf;

pub use alb_access_logs::AwsAlbAccessLogs;
pub use cloud_trail::AwsCloudTrail;
pub use cloud_watch::AwsCloudWatch;
pub use cloudfront_access_log::AwsCloudFrontAccessLog;
pub use eks_logs::AwsEksLogs;
pub use elb_flow_logs::AwsElbFlowLogs;
pub use guard_duty::AwsGuardDuty;
pub use json_text::JsonText;
pub use network_firewall_alert::AwsNetworkFirewallAlert;
pub use network_firewall_flow::AwsNetworkFirewallFlow;
pub use network_firewall_tls::AwsNetworkFirewallTls;
pub use nlb_access_logs::AwsNlbAccessLogs;
pub use plain_json::parse_plain;
pub use route53_resolver::{AwsRoute53Resolver, LOG_TYPE as ROUTE53_LOG_TYPE};
pub use s3_server_access::AwsS3ServerAccess;
pub use security_hub_findings::AwsSecurityHubFindings;
pub use time::{format_datetime_ms, parse_datetime_ms, utc_from_ms, DateTimeMs, ARRIVAL_TIME};
pub use vpc_flow::AwsVpcFlow;
pub use waf::AwsWaf;

/// A Sentinel table; serialises as its name (`"AWSVPCFlow"` ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::VariantArray)]
pub enum Table {
    AWSVPCFlow,
    AWSGuardDuty,
    AWSCloudTrail,
    AWSCloudWatch,
    #[allow(non_camel_case_types)]
    AWSEKSLogs_CL,
    AWSRoute53Resolver,
    AWSNetworkFirewallFlow,
    AWSNetworkFirewallAlert,
    AWSNetworkFirewallTls,
    AWSWAF,
    AWSS3ServerAccess,
    AWSSecurityHubFindings,
    #[allow(non_camel_case_types)]
    AWSCloudFront_AccessLog_CL,
    AWSALBAccessLogs,
    AWSNLBAccessLogs,
    AWSELBFlowLogs,
}

impl Table {
    /// Every table, in declaration order (derived from the enum).
    pub const ALL: &'static [Table] = <Table as strum::VariantArray>::VARIANTS;

    /// The table's name as Sentinel spells it (`AWSVPCFlow`).
    pub fn name(self) -> &'static str {
        match self {
            Table::AWSVPCFlow => "AWSVPCFlow",
            Table::AWSGuardDuty => "AWSGuardDuty",
            Table::AWSCloudTrail => "AWSCloudTrail",
            Table::AWSCloudWatch => "AWSCloudWatch",
            Table::AWSEKSLogs_CL => "AWSEKSLogs_CL",
            Table::AWSRoute53Resolver => "AWSRoute53Resolver",
            Table::AWSNetworkFirewallFlow => "AWSNetworkFirewallFlow",
            Table::AWSNetworkFirewallAlert => "AWSNetworkFirewallAlert",
            Table::AWSNetworkFirewallTls => "AWSNetworkFirewallTls",
            Table::AWSWAF => "AWSWAF",
            Table::AWSS3ServerAccess => "AWSS3ServerAccess",
            Table::AWSSecurityHubFindings => "AWSSecurityHubFindings",
            Table::AWSCloudFront_AccessLog_CL => "AWSCloudFront_AccessLog_CL",
            Table::AWSALBAccessLogs => "AWSALBAccessLogs",
            Table::AWSNLBAccessLogs => "AWSNLBAccessLogs",
            Table::AWSELBFlowLogs => "AWSELBFlowLogs",
        }
    }

    /// The mock DCR's stream declaration for the table (`Custom-<Table>`).
    pub const fn stream(self) -> &'static StreamDecl {
        match self {
            Table::AWSVPCFlow => &vpc_flow::STREAM,
            Table::AWSGuardDuty => &guard_duty::STREAM,
            Table::AWSCloudTrail => &cloud_trail::STREAM,
            Table::AWSCloudWatch => &cloud_watch::STREAM,
            Table::AWSEKSLogs_CL => &eks_logs::STREAM,
            Table::AWSRoute53Resolver => &route53_resolver::STREAM,
            Table::AWSNetworkFirewallFlow => &network_firewall_flow::STREAM,
            Table::AWSNetworkFirewallAlert => &network_firewall_alert::STREAM,
            Table::AWSNetworkFirewallTls => &network_firewall_tls::STREAM,
            Table::AWSWAF => &waf::STREAM,
            Table::AWSS3ServerAccess => &s3_server_access::STREAM,
            Table::AWSSecurityHubFindings => &security_hub_findings::STREAM,
            Table::AWSCloudFront_AccessLog_CL => &cloudfront_access_log::STREAM,
            Table::AWSALBAccessLogs => &alb_access_logs::STREAM,
            Table::AWSNLBAccessLogs => &nlb_access_logs::STREAM,
            Table::AWSELBFlowLogs => &elb_flow_logs::STREAM,
        }
    }

    /// The table's columns in order, with their types: the field names of its row struct.
    pub fn columns(self) -> &'static [Column] {
        self.stream().columns
    }

    /// Reads the owned row of this table from `d` (a JSON row object).
    fn read_row<'de, D: Deserializer<'de>>(self, d: D) -> Result<TableRow, D::Error> {
        fn read<'de, R: Row + DeserializeOwned, D: Deserializer<'de>>(
            d: D,
        ) -> Result<TableRow, D::Error> {
            R::deserialize(d).map(TableRow::new)
        }
        match self {
            Table::AWSVPCFlow => read::<AwsVpcFlow, D>(d),
            Table::AWSGuardDuty => read::<AwsGuardDuty, D>(d),
            Table::AWSCloudTrail => read::<AwsCloudTrail, D>(d),
            Table::AWSCloudWatch => read::<AwsCloudWatch, D>(d),
            Table::AWSEKSLogs_CL => read::<AwsEksLogs, D>(d),
            Table::AWSRoute53Resolver => read::<AwsRoute53Resolver, D>(d),
            Table::AWSNetworkFirewallFlow => read::<AwsNetworkFirewallFlow, D>(d),
            Table::AWSNetworkFirewallAlert => read::<AwsNetworkFirewallAlert, D>(d),
            Table::AWSNetworkFirewallTls => read::<AwsNetworkFirewallTls, D>(d),
            Table::AWSWAF => read::<AwsWaf, D>(d),
            Table::AWSS3ServerAccess => read::<AwsS3ServerAccess, D>(d),
            Table::AWSSecurityHubFindings => read::<AwsSecurityHubFindings, D>(d),
            Table::AWSCloudFront_AccessLog_CL => read::<AwsCloudFrontAccessLog, D>(d),
            Table::AWSALBAccessLogs => read::<AwsAlbAccessLogs, D>(d),
            Table::AWSNLBAccessLogs => read::<AwsNlbAccessLogs, D>(d),
            Table::AWSELBFlowLogs => read::<AwsElbFlowLogs, D>(d),
        }
    }
}

/// A column type of a DCR stream declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    String,
    Int,
    Long,
    Real,
    Boolean,
    Datetime,
    Dynamic,
}

impl ColumnType {
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::String => "string",
            ColumnType::Int => "int",
            ColumnType::Long => "long",
            ColumnType::Real => "real",
            ColumnType::Boolean => "boolean",
            ColumnType::Datetime => "datetime",
            ColumnType::Dynamic => "dynamic",
        }
    }
}

/// One declared column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Column {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub ty: ColumnType,
}

/// One `streamDeclarations` entry of the mock DCR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StreamDecl {
    /// `Custom-<Table>`.
    pub name: &'static str,
    /// The Sentinel table the stream feeds.
    #[serde(skip)]
    pub table: Table,
    pub columns: &'static [Column],
}

impl StreamDecl {
    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Declares columns: `cols![TimeGenerated: Datetime, Message: String]`.
macro_rules! cols {
    ($($name:ident : $ty:ident),* $(,)?) => {
        &[$(Column { name: stringify!($name), ty: $crate::tables::ColumnType::$ty }),*]
    };
}
use cols;

/// Stream names, in the order of [`Table::ALL`].
pub const STREAM_NAMES: [&str; Table::ALL.len()] = {
    let mut names = [""; Table::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = Table::ALL[i].stream().name;
        i += 1;
    }
    names
};

static STREAMS: [StreamDecl; Table::ALL.len()] = {
    let mut decls = [*Table::ALL[0].stream(); Table::ALL.len()];
    let mut i = 0;
    while i < decls.len() {
        decls[i] = *Table::ALL[i].stream();
        i += 1;
    }
    decls
};

/// Every stream declaration of the mock DCR, in the order of [`Table::ALL`].
pub fn streams() -> &'static [StreamDecl] {
    &STREAMS
}

/// The declaration of stream `name` (`Custom-AWSVPCFlow` ...).
pub fn stream(name: &str) -> Option<&'static StreamDecl> {
    STREAMS.iter().find(|s| s.name == name)
}

/// A row of one table, in any of its forms (owned, or borrowed from the parser's buffer):
/// it serialises as the JSON object the Logs Ingestion API receives (the table's columns).
pub trait Row: Serialize {
    /// The table the row belongs to.
    const TABLE: Table;
    /// How the row holds its `TimeGenerated` (text, or [`DateTimeMs`]).
    type Time;
    /// The row's `TimeGenerated` column.
    fn time_generated(&self) -> &Self::Time;
}

/// A row of one of the tables, tagged with its table name:
/// `{"table":"AWSVPCFlow","row":{...}}`; `row` holds the columns in the table's order,
/// absent ones left out. Built from any typed row ([`TableRow::new`]); read back typed
/// with [`TableRow::decode`]. Rows compare by table and column values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableRow {
    table: Table,
    row: Value,
}

impl TableRow {
    /// The tagged row of a typed row (owned or borrowed form).
    pub fn new<R: Row>(row: R) -> TableRow {
        TableRow::of(&row)
    }

    /// [`TableRow::new`] of a row behind a reference. Through the row's JSON text and
    /// [`parse_plain`], not `serde_json::to_value`, which would read a `RawValue` column's
    /// text with serde_json's raw-value key rule.
    pub fn of<R: Row>(row: &R) -> TableRow {
        let text = serde_json::to_string(row).expect("rows serialise to memory");
        TableRow {
            table: R::TABLE,
            row: parse_plain(&text).expect("a row's JSON text reads back"),
        }
    }

    /// Reads a row of `table` from its JSON object (the columns, untagged), as the typed
    /// row does: unknown keys are skipped, a missing or mistyped column is an error.
    ///
    /// A text that may hold serde_json's raw-value key (see [`parse_plain`]) is read through a
    /// [`plain_json::Hidden`] value, so that key stays an ordinary key of its column.
    pub fn from_json(table: Table, text: &str) -> Result<TableRow, serde_json::Error> {
        if plain_json::may_hold_raw_value_key(text) {
            let hidden = plain_json::Hidden::parse(text)?;
            let mut row = table.read_row(hidden.value())?;
            plain_json::Hidden::reveal(&mut row.row);
            return Ok(row);
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let row = table.read_row(&mut de)?;
        de.end()?;
        Ok(row)
    }

    pub fn table(&self) -> Table {
        self.table
    }

    /// The row's `TimeGenerated` column.
    pub fn time_generated(&self) -> &str {
        self.row["TimeGenerated"]
            .as_str()
            .expect("every table's TimeGenerated is a datetime string")
    }

    /// The typed row, `None` if the row is of another table than `R`'s.
    pub fn decode<R: Row + DeserializeOwned>(&self) -> Option<R> {
        (self.table == R::TABLE)
            .then(|| R::deserialize(&self.row).expect("a row's JSON reads back as its typed row"))
    }

    /// The row's columns, as the Logs Ingestion API receives them.
    pub fn columns(&self) -> &Value {
        &self.row
    }
}

impl<'de> Deserialize<'de> for TableRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Tagged {
            table: Table,
            row: Value,
        }
        let t = Tagged::deserialize(d)?;
        t.table.read_row(t.row).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_struct_has_exactly_its_declared_columns_in_order() {
        use super::test_fields::assert_fields_are_columns as check;
        for t in Table::ALL {
            let columns = t.columns();
            match t {
                Table::AWSVPCFlow => check::<AwsVpcFlow>(columns),
                Table::AWSGuardDuty => check::<AwsGuardDuty>(columns),
                Table::AWSCloudTrail => check::<AwsCloudTrail>(columns),
                Table::AWSCloudWatch => check::<AwsCloudWatch>(columns),
                Table::AWSEKSLogs_CL => check::<AwsEksLogs>(columns),
                Table::AWSRoute53Resolver => check::<AwsRoute53Resolver>(columns),
                Table::AWSNetworkFirewallFlow => check::<AwsNetworkFirewallFlow>(columns),
                Table::AWSNetworkFirewallAlert => check::<AwsNetworkFirewallAlert>(columns),
                Table::AWSNetworkFirewallTls => check::<AwsNetworkFirewallTls>(columns),
                Table::AWSWAF => check::<AwsWaf>(columns),
                Table::AWSS3ServerAccess => check::<AwsS3ServerAccess>(columns),
                Table::AWSSecurityHubFindings => check::<AwsSecurityHubFindings>(columns),
                Table::AWSCloudFront_AccessLog_CL => check::<AwsCloudFrontAccessLog>(columns),
                Table::AWSALBAccessLogs => check::<AwsAlbAccessLogs>(columns),
                Table::AWSNLBAccessLogs => check::<AwsNlbAccessLogs>(columns),
                Table::AWSELBFlowLogs => check::<AwsElbFlowLogs>(columns),
            }
        }
    }

    #[test]
    fn rows_serialise_with_exact_column_names() {
        let cw = AwsCloudWatch {
            TimeGenerated: "t".into(),
            ExtractedTime: "t".into(),
            Message: "m".into(),
        };
        let row = TableRow::new(cw.clone());
        let json = serde_json::to_string(&row).unwrap();
        let want = r#"{"table":"AWSCloudWatch","row":{"TimeGenerated":"t","ExtractedTime":"t","Message":"m"}}"#;
        assert_eq!(json, want);
        assert_eq!(serde_json::from_str::<TableRow>(want).unwrap(), row);
        assert_eq!(row.decode::<AwsCloudWatch>(), Some(cw));
        assert_eq!(row.decode::<AwsVpcFlow>(), None);
        assert_eq!(
            (row.table(), row.time_generated()),
            (Table::AWSCloudWatch, "t")
        );

        let ct: Vec<&str> = Table::AWSCloudTrail
            .columns()
            .iter()
            .map(|c| c.name)
            .collect();
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
        // Absent columns are left out, and read back as absent; unknown keys are skipped,
        // a mistyped column is refused.
        let vpc = <AwsVpcFlow>::default();
        assert_eq!(
            serde_json::to_string(&vpc).unwrap(),
            r#"{"TimeGenerated":""}"#
        );
        let read = TableRow::from_json(Table::AWSVPCFlow, r#"{"Nope":1,"TimeGenerated":""}"#);
        assert_eq!(read.unwrap(), TableRow::new(vpc));
        assert!(TableRow::from_json(Table::AWSVPCFlow, r#"{"TimeGenerated":1}"#).is_err());
        let tagged = r#"{"row":{"TimeGenerated":"","Version":null},"table":"AWSVPCFlow"}"#;
        let row: TableRow = serde_json::from_str(tagged).unwrap();
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            r#"{"table":"AWSVPCFlow","row":{"TimeGenerated":""}}"#
        );
    }

    #[test]
    fn one_stream_per_table() {
        assert_eq!(Table::ALL.len(), 16);
        for (i, table) in Table::ALL.iter().enumerate() {
            let decl = table.stream();
            assert_eq!(decl.table, *table);
            assert_eq!(decl.name, format!("Custom-{}", table.name()));
            assert_eq!(format!("{table:?}"), table.name());
            assert_eq!(decl.columns[0].name, "TimeGenerated");
            assert_eq!(streams()[i], *decl);
            assert_eq!(STREAM_NAMES[i], decl.name);
            assert_eq!(stream(decl.name), Some(decl));
        }
        assert_eq!(stream("Custom-Nope"), None);
    }
}
