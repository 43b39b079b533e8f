//! The `AWSGuardDuty` table: its row struct and its column declarations (names in order, and
//! the DCR column types of Microsoft's table reference; see [`super`]).

use serde::{Deserialize, Serialize};

use super::{cols, Column, Row, StreamDecl, Table};

/// The columns of `AWSGuardDuty`, in order; the fields of [`AwsGuardDuty`] are these names.
pub const COLUMNS: &[Column] = cols![
    TimeGenerated: Datetime,
    AccountId: String,
    ActivityType: String,
    Arn: String,
    Description: String,
    Id: String,
    Partition: String,
    Region: String,
    ResourceDetails: Dynamic,
    SchemaVersion: String,
    ServiceDetails: Dynamic,
    Severity: Int,
    TimeCreated: Datetime,
    Title: String,
];

/// The DCR stream that feeds `AWSGuardDuty`.
pub const STREAM: StreamDecl = StreamDecl {
    name: "Custom-AWSGuardDuty",
    table: Table::AWSGuardDuty,
    columns: COLUMNS,
};

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

impl<S: Serialize, D: Serialize, J: Serialize> Row for AwsGuardDuty<S, D, J> {
    const TABLE: Table = Table::AWSGuardDuty;
    type Time = D;
    fn time_generated(&self) -> &D {
        &self.TimeGenerated
    }
}
