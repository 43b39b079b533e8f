//! The `AWSSecurityHubFindings` table: its row struct and its column declarations (names in
//! order, and the column types of Microsoft's table reference; see [`super`]).

use serde::{Deserialize, Serialize};

use super::{cols, Column, Row, StreamDecl, Table};

/// The columns of `AWSSecurityHubFindings`, in the order of the `project` of Microsoft's DCR
/// transform; the fields of [`AwsSecurityHubFindings`] are these names.
pub const COLUMNS: &[Column] = cols![
    TimeGenerated: Datetime,
    AwsRegion: String,
    AwsAccountId: String,
    ComplianceStatus: String,
    ComplianceStatusReasons: Dynamic,
    ComplianceSecurityControlId: String,
    ComplianceSecurityControlParameters: Dynamic,
    ComplianceRelatedRequirements: Dynamic,
    ComplianceAssociatedStandards: Dynamic,
    AwsSecurityFindingTitle: String,
    AwsSecurityFindingId: String,
    AwsSecurityFindingDescription: String,
    AwsSecurityFindingTypes: Dynamic,
    AwsSecurityFindingCreatedAt: Datetime,
    AwsSecurityFindingFirstObservedAt: Datetime,
    AwsSecurityFindingUpdatedAt: Datetime,
    AwsSecurityFindingLastObservedAt: Datetime,
    AwsSecurityFindingProcessedAt: Datetime,
    AwsSecurityFindingGeneratorId: String,
    AwsSecurityFindingProductArn: String,
    AwsSecurityFindingProductName: String,
    AwsSecurityFindingProductFields: Dynamic,
    AwsSecurityFindingSeverity: Dynamic,
    Remediation: Dynamic,
    SchemaVersion: String,
    Resources: Dynamic,
    RecordState: String,
    WorkflowState: String,
    RawData: Dynamic,
];

/// The DCR stream that feeds `AWSSecurityHubFindings`. Microsoft's DCR declares a stream of
/// this name with the EventBridge event's `time` and `detail` and maps them in its transform;
/// the connector here does that mapping itself and posts the table's columns.
pub const STREAM: StreamDecl = StreamDecl {
    name: "Custom-AWSSecurityHubFindings",
    table: Table::AWSSecurityHubFindings,
    columns: COLUMNS,
};

/// `AWSSecurityHubFindings`: **one finding** (ASFF) of a `Security Hub Findings - Imported`
/// EventBridge event, as the stack's Firehose writes the events (one JSON event per line).
/// Every finding of an event's `detail.findings` is a row; Microsoft's transform keeps only
/// `findings[0]` and drops the others.
///
/// `TimeGenerated` <- the finding's `UpdatedAt` (when the provider last updated it: each
/// finding of an event has its own), or the event's `time` when the finding has no valid
/// `UpdatedAt`. Microsoft's DCR uses the event's `time` for every row (when EventBridge sent
/// the event, not when the finding changed).
///
/// The other columns, as Microsoft's transform projects them, from the finding's member of the
/// same meaning: `AwsRegion` <- `Region`; `AwsAccountId`; `Compliance*` <- `Compliance.Status`,
/// `.StatusReasons`, `.SecurityControlId`, `.SecurityControlParameters`,
/// `.RelatedRequirements`, `.AssociatedStandards` (absent without `Compliance`);
/// `AwsSecurityFinding{Title,Id,Description,Types,CreatedAt,FirstObservedAt,UpdatedAt,
/// LastObservedAt,ProcessedAt,GeneratorId,ProductArn,ProductName,ProductFields}` <- the member
/// without the prefix; `Remediation`, `SchemaVersion`, `Resources` (every resource), `RecordState`
/// as they are. Datetimes in the canonical form (ASFF allows `Z`, `+HH:MM` and `-HHMM` offsets
/// and up to 9 fractional digits; milliseconds are kept).
///
/// Where this differs from Microsoft's transform: `AwsSecurityFindingSeverity` <- the
/// finding's `Severity` (the one Security Hub shows and `BatchUpdateFindings` changes), where
/// Microsoft takes `FindingProviderFields.Severity` (the provider's own, absent in many
/// findings); `WorkflowState` <- `Workflow.Status` (`NEW`, `NOTIFIED`, `RESOLVED`,
/// `SUPPRESSED`: what `BatchUpdateFindings` sets), or the older top-level `WorkflowState`
/// without a `Workflow`; `RawData` <- the finding itself, where Microsoft stores the whole
/// `detail` (all findings of the event) in the one row it keeps.
#[allow(non_snake_case)]
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsSecurityHubFindings<S = String, D = String, J = serde_json::Value> {
    pub TimeGenerated: D,
    pub AwsRegion: Option<S>,
    pub AwsAccountId: Option<S>,
    pub ComplianceStatus: Option<S>,
    pub ComplianceStatusReasons: Option<J>,
    pub ComplianceSecurityControlId: Option<S>,
    pub ComplianceSecurityControlParameters: Option<J>,
    pub ComplianceRelatedRequirements: Option<J>,
    pub ComplianceAssociatedStandards: Option<J>,
    pub AwsSecurityFindingTitle: Option<S>,
    pub AwsSecurityFindingId: Option<S>,
    pub AwsSecurityFindingDescription: Option<S>,
    pub AwsSecurityFindingTypes: Option<J>,
    pub AwsSecurityFindingCreatedAt: Option<D>,
    pub AwsSecurityFindingFirstObservedAt: Option<D>,
    pub AwsSecurityFindingUpdatedAt: Option<D>,
    pub AwsSecurityFindingLastObservedAt: Option<D>,
    pub AwsSecurityFindingProcessedAt: Option<D>,
    pub AwsSecurityFindingGeneratorId: Option<S>,
    pub AwsSecurityFindingProductArn: Option<S>,
    pub AwsSecurityFindingProductName: Option<S>,
    pub AwsSecurityFindingProductFields: Option<J>,
    pub AwsSecurityFindingSeverity: Option<J>,
    pub Remediation: Option<J>,
    pub SchemaVersion: Option<S>,
    pub Resources: Option<J>,
    pub RecordState: Option<S>,
    pub WorkflowState: Option<S>,
    pub RawData: Option<J>,
}

impl<S: Serialize, D: Serialize, J: Serialize> Row for AwsSecurityHubFindings<S, D, J> {
    const TABLE: Table = Table::AWSSecurityHubFindings;
    type Time = D;
    fn time_generated(&self) -> &D {
        &self.TimeGenerated
    }
}
