//! The `AWSCloudWatch` table: its row struct and its column declarations (names in order, and
//! the DCR column types of Microsoft's table reference; see [`super`]).

use serde::{Deserialize, Serialize};

use super::{cols, Column, Row, StreamDecl, Table};

/// The columns of `AWSCloudWatch`, in order; the fields of [`AwsCloudWatch`] are these names.
pub const COLUMNS: &[Column] = cols![
    TimeGenerated: Datetime,
    ExtractedTime: Datetime,
    Message: String,
];

/// The DCR stream that feeds `AWSCloudWatch`.
pub const STREAM: StreamDecl = StreamDecl {
    name: "Custom-AWSCloudWatch",
    table: Table::AWSCloudWatch,
    columns: COLUMNS,
};

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

impl<S: Serialize, D: Serialize> Row for AwsCloudWatch<S, D> {
    const TABLE: Table = Table::AWSCloudWatch;
    type Time = D;
    fn time_generated(&self) -> &D {
        &self.TimeGenerated
    }
}
