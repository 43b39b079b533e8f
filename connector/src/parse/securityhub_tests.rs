//! Tricky lines of the Security Hub format (see [`super`]).

use super::super::testutil::rows;
use super::asff_time;
use crate::parse::{parse_object, Position};
use catalogue::tables::{AwsSecurityHubFindings, DateTimeMs};
use catalogue::DataType;
use serde_json::{json, Value};

/// An ASFF finding shaped as the user guide's examples are (a CIS control finding).
pub(crate) const FINDING: &str = r#"{"SchemaVersion":"2018-10-08","Id":"arn:aws:securityhub:us-east-1:123456789012:subscription/cis-aws-foundations-benchmark/v/1.2.0/1.4/finding/9a1c5f3e-2b7d-4e6a-8f0c-1d2e3f4a5b6c","ProductArn":"arn:aws:securityhub:us-east-1::product/aws/securityhub","ProductName":"Security Hub","CompanyName":"AWS","Region":"us-east-1","GeneratorId":"arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.4","AwsAccountId":"123456789012","Types":["Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark"],"FirstObservedAt":"2026-03-01T00:00:00.000Z","LastObservedAt":"2026-03-01T00:10:00.000Z","CreatedAt":"2026-03-01T00:00:00.000Z","UpdatedAt":"2026-03-01T00:10:00.250Z","Severity":{"Label":"MEDIUM","Normalized":40,"Original":"MEDIUM"},"Title":"1.4 Ensure access keys are rotated every 90 days or less","Description":"IAM users' access keys should be rotated every 90 days or less.","Remediation":{"Recommendation":{"Text":"For directions on how to fix this issue, consult the AWS Security Hub CIS documentation.","Url":"https://docs.aws.amazon.com/console/securityhub/standards-cis-1.4/remediation"}},"ProductFields":{"StandardsGuideArn":"arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0","RuleId":"1.4"},"Resources":[{"Type":"AwsAccount","Id":"AWS::::Account:123456789012","Partition":"aws","Region":"us-east-1"}],"Compliance":{"Status":"FAILED","SecurityControlId":"IAM.3","AssociatedStandards":[{"StandardsId":"ruleset/cis-aws-foundations-benchmark/v/1.2.0"}]},"WorkflowState":"NEW","Workflow":{"Status":"NEW"},"RecordState":"ACTIVE","FindingProviderFields":{"Severity":{"Label":"MEDIUM","Original":"MEDIUM"},"Types":["Software and Configuration Checks"]}}"#;

/// `findings` as the `detail` of a `Security Hub Findings - Imported` event.
pub(crate) fn event(findings: &[&str]) -> String {
    format!(
        r#"{{"version":"0","id":"1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d","detail-type":"Security Hub Findings - Imported","source":"aws.securityhub","account":"123456789012","time":"2026-03-01T00:10:05Z","region":"us-east-1","resources":["arn:aws:securityhub:us-east-1::product/aws/securityhub/x"],"detail":{{"findings":[{}]}}}}"#,
        findings.join(",")
    )
}

fn finding_with(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut v: Value = serde_json::from_str(FINDING).unwrap();
    edit(v.as_object_mut().unwrap());
    v.to_string()
}

fn one(text: &str) -> AwsSecurityHubFindings {
    let (r, bad) = rows(DataType::SecurityHub, text.as_bytes());
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(r.len(), 1);
    r[0].decode().unwrap()
}

#[test]
fn a_finding_maps_to_the_columns_of_microsofts_transform() {
    let f = one(&event(&[FINDING]));
    assert_eq!(f.TimeGenerated, "2026-03-01T00:10:00.250Z");
    assert_eq!(f.AwsRegion.as_deref(), Some("us-east-1"));
    assert_eq!(f.AwsAccountId.as_deref(), Some("123456789012"));
    assert_eq!(f.ComplianceStatus.as_deref(), Some("FAILED"));
    assert_eq!(f.ComplianceSecurityControlId.as_deref(), Some("IAM.3"));
    assert_eq!(
        f.ComplianceAssociatedStandards,
        Some(json!([{"StandardsId":"ruleset/cis-aws-foundations-benchmark/v/1.2.0"}]))
    );
    // Members the finding does not have are absent, not null.
    assert_eq!(f.ComplianceStatusReasons, None);
    assert_eq!(f.ComplianceRelatedRequirements, None);
    assert_eq!(
        f.AwsSecurityFindingCreatedAt.as_deref(),
        Some("2026-03-01T00:00:00.000Z")
    );
    assert_eq!(
        f.AwsSecurityFindingUpdatedAt.as_deref(),
        Some("2026-03-01T00:10:00.250Z")
    );
    assert_eq!(f.AwsSecurityFindingProcessedAt, None);
    assert_eq!(
        f.AwsSecurityFindingProductName.as_deref(),
        Some("Security Hub")
    );
    assert_eq!(f.AwsSecurityFindingProductFields.unwrap()["RuleId"], "1.4");
    // The finding's own Severity, not FindingProviderFields.Severity.
    assert_eq!(f.AwsSecurityFindingSeverity.unwrap()["Normalized"], 40);
    assert_eq!(f.SchemaVersion.as_deref(), Some("2018-10-08"));
    assert_eq!(f.RecordState.as_deref(), Some("ACTIVE"));
    assert_eq!(f.WorkflowState.as_deref(), Some("NEW"));
    let raw: Value = serde_json::from_str(FINDING).unwrap();
    assert_eq!(f.RawData, Some(raw));
}

#[test]
fn every_finding_of_an_event_is_a_row_on_its_line() {
    let second = finding_with(|m| {
        m.insert("Id".into(), json!("second"));
        m.insert("UpdatedAt".into(), json!("2026-03-01T00:11:00Z"));
    });
    let third = finding_with(|m| {
        m.insert("Id".into(), json!("third"));
    });
    let text = format!(
        "{}\n{}\n",
        event(&[FINDING]),
        event(&[FINDING, &second, &third])
    );
    let p = parse_object(DataType::SecurityHub, None, DateTimeMs(0), text.as_bytes());
    p.result.unwrap();
    assert_eq!(p.rows.len(), 4);
    let at = |i: usize| p.rows[i].0;
    assert_eq!(
        at(0),
        Position {
            line: Some(1),
            index: 0
        }
    );
    for i in 1..4 {
        assert_eq!(
            at(i),
            Position {
                line: Some(2),
                index: 1
            }
        );
    }
    let ids: Vec<String> = p
        .rows
        .iter()
        .map(|(_, r)| r.decode::<AwsSecurityHubFindings>().unwrap())
        .map(|f| f.AwsSecurityFindingId.unwrap())
        .collect();
    assert_eq!(ids[2..], ["second".to_string(), "third".to_string()]);
    // Each row has its finding's own time.
    let tg: Vec<&str> = p.rows.iter().map(|(_, r)| r.time_generated()).collect();
    assert_eq!(tg[2], "2026-03-01T00:11:00.000Z");
    assert_eq!(tg[3], "2026-03-01T00:10:00.250Z");
    // An event without findings gives no row and is no error.
    let (r, bad) = rows(DataType::SecurityHub, event(&[]).as_bytes());
    assert!(r.is_empty() && bad.is_empty());
}

#[test]
fn many_resources_no_compliance_and_a_workflow_change() {
    let resources: Vec<Value> = (0..40)
        .map(|i| json!({"Type":"AwsEc2Instance","Id":format!("arn:aws:ec2:us-east-1:123456789012:instance/i-{i:017x}"),"Partition":"aws","Region":"us-east-1","Tags":{"Name":format!("web-{i}")}}))
        .collect();
    let text = finding_with(|m| {
        m.insert("Resources".into(), Value::Array(resources.clone()));
        m.remove("Compliance");
        // BatchUpdateFindings changed the workflow; the older member still says NEW.
        m.insert("Workflow".into(), json!({"Status":"RESOLVED"}));
    });
    let f = one(&event(&[&text]));
    assert_eq!(f.Resources, Some(Value::Array(resources)));
    assert_eq!(
        (
            f.ComplianceStatus,
            f.ComplianceSecurityControlId,
            f.ComplianceAssociatedStandards
        ),
        (None, None, None)
    );
    assert_eq!(f.WorkflowState.as_deref(), Some("RESOLVED"));
    // Without Workflow, the older WorkflowState.
    let old = finding_with(|m| {
        m.remove("Workflow");
        m.insert("WorkflowState".into(), json!("DEFERRED"));
    });
    assert_eq!(
        one(&event(&[&old])).WorkflowState.as_deref(),
        Some("DEFERRED")
    );
}

#[test]
fn long_unicode_descriptions_with_escapes_are_kept_exactly() {
    let long =
        "Zugriffsschlüssel älter als 90 Tage – 東京リージョン 🔑 \"quoted\" \\ back\\slash\n"
            .repeat(30);
    let text = finding_with(|m| {
        m.insert("Description".into(), json!(long));
        m.insert("Title".into(), json!("caf\u{e9} \u{2713}"));
    });
    // Written with \u escapes too: the row holds the characters.
    let escaped = text.replace("café", "caf\\u00e9");
    let f = one(&event(&[&escaped]));
    assert_eq!(
        f.AwsSecurityFindingDescription.as_deref(),
        Some(long.as_str())
    );
    assert_eq!(f.AwsSecurityFindingTitle.as_deref(), Some("café ✓"));
}

#[test]
fn asff_timestamps_with_offsets_and_nine_digits() {
    let t = |s| asff_time(s).map(|d| d.to_string());
    assert_eq!(
        t("2019-01-31T23:00:00Z").as_deref(),
        Some("2019-01-31T23:00:00.000Z")
    );
    assert_eq!(
        t("2019-01-31T23:00:00.123456789Z").as_deref(),
        Some("2019-01-31T23:00:00.123Z")
    );
    assert_eq!(
        t("2024-01-04T15:25:10+17:59").as_deref(),
        Some("2024-01-03T21:26:10.000Z")
    );
    assert_eq!(
        t("2024-01-04T15:25:10-1759").as_deref(),
        Some("2024-01-05T09:24:10.000Z")
    );
    assert_eq!(
        t("2024-01-04T15:25:10.123456789+17:59").as_deref(),
        Some("2024-01-03T21:26:10.123Z")
    );
    for bad in [
        "2024-01-04",
        "yesterday",
        "2024-01-04T15:25:10",
        "20240104-1759",
        "",
    ] {
        assert_eq!(t(bad), None, "{bad}");
    }
    let f = one(&event(&[&finding_with(|m| {
        m.insert("UpdatedAt".into(), json!("2026-03-01T05:10:00.999999-0500"));
    })]));
    assert_eq!(f.TimeGenerated, "2026-03-01T10:10:00.999Z");
}

#[test]
fn without_a_valid_updated_at_the_event_time_and_a_bad_value() {
    let none = finding_with(|m| {
        m.remove("UpdatedAt");
    });
    let f = one(&event(&[&none]));
    assert_eq!(f.TimeGenerated, "2026-03-01T00:10:05.000Z");
    assert_eq!(f.AwsSecurityFindingUpdatedAt, None);
    let wrong = finding_with(|m| {
        m.insert("UpdatedAt".into(), json!("last tuesday"));
        m.insert("CreatedAt".into(), json!("2026-13-01T00:00:00Z"));
    });
    let p = parse_object(
        DataType::SecurityHub,
        None,
        DateTimeMs(0),
        event(&[&wrong]).as_bytes(),
    );
    assert_eq!(p.rows.len(), 1);
    let f: AwsSecurityHubFindings = p.rows[0].1.decode().unwrap();
    assert_eq!(f.TimeGenerated, "2026-03-01T00:10:05.000Z");
    assert_eq!(
        (f.AwsSecurityFindingCreatedAt, f.AwsSecurityFindingUpdatedAt),
        (None, None)
    );
    let reasons: Vec<&str> = p.bad_values.iter().map(|b| b.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "detail.findings[0].CreatedAt: '2026-13-01T00:00:00Z' is not an ASFF timestamp",
            "detail.findings[0].UpdatedAt: 'last tuesday' is not an ASFF timestamp"
        ]
    );
    // No time at all: the finding is malformed.
    let untimed = event(&[&none]).replace(r#""time":"2026-03-01T00:10:05Z","#, "");
    let (r, bad) = rows(DataType::SecurityHub, untimed.as_bytes());
    assert!(r.is_empty());
    assert!(bad[0].reason.contains("no valid UpdatedAt"), "{bad:?}");
}

#[test]
fn malformed_lines_and_findings() {
    let wrong_type = finding_with(|m| {
        m.insert("Title".into(), json!(42));
    });
    let lines = [
        "not json".to_string(),
        r#"{"source":"aws.securityhub","detail":{}}"#.to_string(),
        r#"{"source":"aws.securityhub","detail":{"findings":{"Id":"x"}}}"#.to_string(),
        event(&[FINDING]).replace("aws.securityhub", "aws.guardduty"),
        event(&[FINDING]).replace(r#""source":"aws.securityhub","#, ""),
        r#"{"findings":[]}"#.to_string(),
        event(&["\"a string\"", &wrong_type, FINDING]),
        "\u{feff}{}".to_string(),
    ];
    let text = lines.join("\n");
    let (r, bad) = rows(DataType::SecurityHub, text.as_bytes());
    // Only the last finding of line 7 is a row.
    assert_eq!(r.len(), 1);
    let lines_of: Vec<u64> = bad.iter().map(|b| b.position.line.unwrap()).collect();
    assert_eq!(lines_of, [1, 2, 3, 4, 5, 6, 7, 7, 8]);
    assert!(
        bad[3].reason.contains("'aws.guardduty'"),
        "{}",
        bad[3].reason
    );
    assert!(bad[4].reason.contains("no source"), "{}", bad[4].reason);
    assert!(bad[6]
        .reason
        .starts_with("detail.findings[0]: not an ASFF finding: not a JSON object"));
    assert!(
        bad[7]
            .reason
            .starts_with("detail.findings[1]: not an ASFF finding")
            && bad[7].reason.contains("invalid type"),
        "{}",
        bad[7].reason
    );
    // Not UTF-8.
    let mut broken = event(&[FINDING]).into_bytes();
    let at = broken.len() / 2;
    broken[at] = 0xff;
    let (r, bad) = rows(DataType::SecurityHub, &broken);
    assert!(r.is_empty() && bad[0].reason.contains("not UTF-8"));
}
