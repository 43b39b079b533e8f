//! Security Hub findings as the Security Hub stack's Firehose writes them: one EventBridge
//! event per line (`AppendDelimiterToRecord`), `{"version", "id", "detail-type", "source":
//! "aws.securityhub", "account", "time", "region", "resources", "detail": {"findings": [ASFF
//! finding, ...]}}` ("EventBridge event formats for Security Hub CSPM"). Every finding of an
//! event is a row (AWS documents one finding per event; an event carrying several loses none).
//!
//! A line that is no such event is malformed; so is a finding that is no ASFF object (a
//! member of the wrong JSON type), which spoils only that finding. A datetime member that is no
//! ASFF timestamp is a bad value: the row goes out without it.

use std::io::BufRead;
use std::ops::ControlFlow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{for_each_line, line_text, stop_or, Item, LineError, ObjectError, Position};
use crate::rows::Text;
use catalogue::tables::{parse_datetime_ms, AwsSecurityHubFindings, DateTimeMs};

/// `AWSSecurityHubFindings` as parsed: the JSON-valued columns kept as raw JSON.
pub type SecurityHubRef<'a> = AwsSecurityHubFindings<Text<'a>, DateTimeMs, &'a RawValue>;

/// The events the stack's rule forwards come from this source only.
const SOURCE: &str = "aws.securityhub";

#[derive(Deserialize)]
struct EventIn<'a> {
    #[serde(borrow, default)]
    source: Option<Text<'a>>,
    #[serde(borrow, default)]
    time: Option<Text<'a>>,
    #[serde(borrow)]
    detail: DetailIn<'a>,
}

#[derive(Deserialize)]
struct DetailIn<'a> {
    #[serde(borrow)]
    findings: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct ComplianceIn<'a> {
    #[serde(borrow, default)]
    Status: Option<Text<'a>>,
    #[serde(borrow, default)]
    StatusReasons: Option<&'a RawValue>,
    #[serde(borrow, default)]
    SecurityControlId: Option<Text<'a>>,
    #[serde(borrow, default)]
    SecurityControlParameters: Option<&'a RawValue>,
    #[serde(borrow, default)]
    RelatedRequirements: Option<&'a RawValue>,
    #[serde(borrow, default)]
    AssociatedStandards: Option<&'a RawValue>,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct WorkflowIn<'a> {
    #[serde(borrow, default)]
    Status: Option<Text<'a>>,
}

/// The members of an ASFF finding the table maps (the others are only in `RawData`).
#[derive(Deserialize)]
#[allow(non_snake_case)]
struct FindingIn<'a> {
    #[serde(borrow, default)]
    SchemaVersion: Option<Text<'a>>,
    #[serde(borrow, default)]
    Id: Option<Text<'a>>,
    #[serde(borrow, default)]
    ProductArn: Option<Text<'a>>,
    #[serde(borrow, default)]
    ProductName: Option<Text<'a>>,
    #[serde(borrow, default)]
    GeneratorId: Option<Text<'a>>,
    #[serde(borrow, default)]
    AwsAccountId: Option<Text<'a>>,
    #[serde(borrow, default)]
    Region: Option<Text<'a>>,
    #[serde(borrow, default)]
    Types: Option<&'a RawValue>,
    #[serde(borrow, default)]
    FirstObservedAt: Option<Text<'a>>,
    #[serde(borrow, default)]
    LastObservedAt: Option<Text<'a>>,
    #[serde(borrow, default)]
    CreatedAt: Option<Text<'a>>,
    #[serde(borrow, default)]
    UpdatedAt: Option<Text<'a>>,
    #[serde(borrow, default)]
    ProcessedAt: Option<Text<'a>>,
    #[serde(borrow, default)]
    Severity: Option<&'a RawValue>,
    #[serde(borrow, default)]
    Title: Option<Text<'a>>,
    #[serde(borrow, default)]
    Description: Option<Text<'a>>,
    #[serde(borrow, default)]
    Remediation: Option<&'a RawValue>,
    #[serde(borrow, default)]
    ProductFields: Option<&'a RawValue>,
    #[serde(borrow, default)]
    Resources: Option<&'a RawValue>,
    #[serde(borrow, default)]
    Compliance: Option<ComplianceIn<'a>>,
    #[serde(borrow, default)]
    WorkflowState: Option<Text<'a>>,
    #[serde(borrow, default)]
    Workflow: Option<WorkflowIn<'a>>,
    #[serde(borrow, default)]
    RecordState: Option<Text<'a>>,
}

/// An ASFF timestamp as epoch milliseconds (sub-millisecond digits dropped): RFC 3339 with
/// `Z` or `±HH:MM`, or an offset without its colon (`±HHMM`), which ASFF also allows
/// ("Timestamps", Security Hub CSPM API reference).
pub fn asff_time(s: &str) -> Option<DateTimeMs> {
    if let Some(ms) = parse_datetime_ms(s) {
        return Some(DateTimeMs(ms));
    }
    let b = s.as_bytes();
    let n = b.len();
    let colonless = n > 5
        && matches!(b[n - 5], b'+' | b'-')
        && b[n - 4..].iter().all(u8::is_ascii_digit)
        && s[..n - 5].contains('T');
    if !colonless {
        return None;
    }
    let fixed = format!("{}:{}", &s[..n - 2], &s[n - 2..]);
    parse_datetime_ms(&fixed).map(DateTimeMs)
}

/// Security Hub objects: every non-blank line one EventBridge event.
pub(super) fn parse_securityhub(
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Result<(), ObjectError> {
    let mut index = 0u64;
    for_each_line(r, |line, bytes| {
        let position = Position {
            line: Some(line),
            index,
        };
        index += 1;
        stop_or(event_line(bytes, position, sink))
    })
}

fn event_line(
    bytes: &[u8],
    position: Position,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let malformed = |reason: String| Item::Malformed(LineError { position, reason });
    let event = match read_event(bytes) {
        Ok(e) => e,
        Err(reason) => return sink(malformed(reason)),
    };
    let event_time = event.time.as_deref().and_then(asff_time);
    for (i, raw) in event.detail.findings.iter().enumerate() {
        let mut bad = Vec::new();
        match finding_row(raw, event_time, &mut bad) {
            Ok(row) => {
                sink(Item::Row(position, &row))?;
                for reason in bad {
                    let reason = format!("detail.findings[{i}].{reason}");
                    sink(Item::BadValue(LineError { position, reason }))?;
                }
            }
            Err(reason) => sink(malformed(format!("detail.findings[{i}]: {reason}")))?,
        }
    }
    ControlFlow::Continue(())
}

fn read_event(bytes: &[u8]) -> Result<EventIn<'_>, String> {
    let e: EventIn = serde_json::from_str(line_text(bytes)?)
        .map_err(|e| format!("not an EventBridge event with detail.findings: {e}"))?;
    match e.source.as_deref() {
        Some(SOURCE) => Ok(e),
        Some(other) => Err(format!(
            "source '{other}' is not {SOURCE}: not a Security Hub event"
        )),
        None => Err(format!("no source: not a Security Hub event ({SOURCE})")),
    }
}

/// One finding's row; `bad` gets `<member>: <why>` for each datetime left out.
fn finding_row<'a>(
    raw: &'a RawValue,
    event_time: Option<DateTimeMs>,
    bad: &mut Vec<String>,
) -> Result<SecurityHubRef<'a>, String> {
    let f: FindingIn = serde_json::from_str(raw.get()).map_err(|e| {
        if raw.get().starts_with('{') {
            format!("not an ASFF finding: {e}")
        } else {
            "not an ASFF finding: not a JSON object".to_string()
        }
    })?;
    let mut time = |name: &str, v: &Option<Text<'a>>| -> Option<DateTimeMs> {
        let text = v.as_deref()?;
        let t = asff_time(text);
        if t.is_none() {
            bad.push(format!("{name}: '{text}' is not an ASFF timestamp"));
        }
        t
    };
    let created = time("CreatedAt", &f.CreatedAt);
    let first = time("FirstObservedAt", &f.FirstObservedAt);
    let updated = time("UpdatedAt", &f.UpdatedAt);
    let last = time("LastObservedAt", &f.LastObservedAt);
    let processed = time("ProcessedAt", &f.ProcessedAt);
    let time_generated = updated
        .or(event_time)
        .ok_or("no valid UpdatedAt, and the event has no valid time")?;
    let (c_status, c_reasons, c_id, c_params, c_reqs, c_standards) = match f.Compliance {
        Some(c) => (
            c.Status,
            c.StatusReasons,
            c.SecurityControlId,
            c.SecurityControlParameters,
            c.RelatedRequirements,
            c.AssociatedStandards,
        ),
        None => (None, None, None, None, None, None),
    };
    let workflow = f.Workflow.and_then(|w| w.Status).or(f.WorkflowState);
    Ok(AwsSecurityHubFindings {
        TimeGenerated: time_generated,
        AwsRegion: f.Region,
        AwsAccountId: f.AwsAccountId,
        ComplianceStatus: c_status,
        ComplianceStatusReasons: c_reasons,
        ComplianceSecurityControlId: c_id,
        ComplianceSecurityControlParameters: c_params,
        ComplianceRelatedRequirements: c_reqs,
        ComplianceAssociatedStandards: c_standards,
        AwsSecurityFindingTitle: f.Title,
        AwsSecurityFindingId: f.Id,
        AwsSecurityFindingDescription: f.Description,
        AwsSecurityFindingTypes: f.Types,
        AwsSecurityFindingCreatedAt: created,
        AwsSecurityFindingFirstObservedAt: first,
        AwsSecurityFindingUpdatedAt: updated,
        AwsSecurityFindingLastObservedAt: last,
        AwsSecurityFindingProcessedAt: processed,
        AwsSecurityFindingGeneratorId: f.GeneratorId,
        AwsSecurityFindingProductArn: f.ProductArn,
        AwsSecurityFindingProductName: f.ProductName,
        AwsSecurityFindingProductFields: f.ProductFields,
        AwsSecurityFindingSeverity: f.Severity,
        Remediation: f.Remediation,
        SchemaVersion: f.SchemaVersion,
        Resources: f.Resources,
        RecordState: f.RecordState,
        WorkflowState: workflow,
        RawData: Some(raw),
    })
}

#[cfg(test)]
#[path = "securityhub_tests.rs"]
pub(crate) mod tests;
