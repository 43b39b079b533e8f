//! The Security Hub generator: its objects read back (independently of the connector) match
//! the format and the manifest.

use super::super::manifest::Content;
use super::super::testutil::*;
use super::super::{BadDataKind, GenOptions};
use super::*;
use catalogue::DataType;
use regex::Regex;

const KEY: &str = r"^AWSLogs/(\d{12})/SecurityHubFindings/(\d{4})/(\d{2})/(\d{2})/(\d{2})/([A-Za-z0-9_.-]+)-1-(\d{4})-(\d{2})-(\d{2})-(\d{2})-\d{2}-\d{2}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.gz$";

/// The events of an object: one JSON event per line, newline-terminated.
fn events(data: &[u8]) -> Vec<Value> {
    let text = String::from_utf8(gunzip(data)).unwrap();
    let body = text.strip_suffix('\n').expect("newline-terminated");
    body.split('\n')
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn objects_are_eventbridge_events_one_per_line_with_a_row_per_finding() {
    let out = run(&GenOptions::new(DataType::SecurityHub, 1500, 9));
    let re = Regex::new(KEY).unwrap();
    let event_time = Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$").unwrap();
    let (mut multi, mut rows, mut lines) = (0, 0, 0);
    for e in out.entries() {
        let c = re.captures(&e.key).unwrap_or_else(|| panic!("{}", e.key));
        assert_eq!(&c[1], "123456789012");
        assert_eq!(&c[6], "sentinel-securityhub-delivery");
        // The hour partition is the hour in the name.
        assert_eq!((&c[2], &c[3], &c[4], &c[5]), (&c[7], &c[8], &c[9], &c[10]));
        let evs = events(&out.objects[&e.key]);
        let mut expected = e.records.iter();
        for (i, ev) in evs.iter().enumerate() {
            assert_eq!(ev["source"], "aws.securityhub");
            assert_eq!(ev["detail-type"], "Security Hub Findings - Imported");
            assert_eq!(ev["account"], "123456789012");
            assert_eq!(ev["version"], "0");
            assert!(event_time.is_match(ev["time"].as_str().unwrap()));
            let findings = ev["detail"]["findings"].as_array().unwrap();
            assert_eq!(ev["resources"].as_array().unwrap().len(), findings.len());
            multi += usize::from(findings.len() > 1);
            for f in findings {
                let r = expected.next().expect("a record per finding");
                assert_eq!(r.line, Some(i as u64 + 1));
                let row: AwsSecurityHubFindings = r.expected.decode().unwrap();
                assert_eq!(row.RawData.as_ref(), Some(f));
                assert_eq!(
                    row.AwsSecurityFindingId.as_ref(),
                    f["Id"].as_str().map(str::to_string).as_ref()
                );
                rows += 1;
            }
            lines += 1;
        }
        assert!(expected.next().is_none());
        assert_eq!(e.record_count, e.records.len() as u64);
    }
    assert_eq!(lines, 1500, "a record is an event");
    assert!(
        rows > lines && multi > 0,
        "{rows} rows, {multi} events with several findings"
    );
}

/// A finding's timestamp text and the instant the oracle expects, told apart by form.
#[test]
fn timestamps_take_every_asff_form_and_the_oracle_keeps_milliseconds() {
    let out = run(&GenOptions::new(DataType::SecurityHub, 2000, 3));
    let forms = [
        (r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", "millis"),
        (r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", "seconds"),
        (r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$", "nanos"),
        (
            r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$",
            "colon offset",
        ),
        (
            r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$",
            "colonless offset",
        ),
    ];
    let forms: Vec<(Regex, &str)> = forms
        .iter()
        .map(|(re, name)| (Regex::new(re).unwrap(), *name))
        .collect();
    let mut seen = [0usize; 5];
    for e in out.entries() {
        for r in &e.records {
            let row: AwsSecurityHubFindings = r.expected.decode().unwrap();
            let raw = row.RawData.unwrap();
            let text = raw["UpdatedAt"].as_str().unwrap();
            let form = forms
                .iter()
                .position(|(re, _)| re.is_match(text))
                .unwrap_or_else(|| panic!("{text}"));
            seen[form] += 1;
            // Z forms: the same instant at millisecond precision.
            if form <= 2 {
                assert_eq!(&row.TimeGenerated[..19], &text[..19]);
                if form == 0 {
                    assert_eq!(row.TimeGenerated, text);
                }
            }
            assert_eq!(
                row.AwsSecurityFindingUpdatedAt.as_ref(),
                Some(&row.TimeGenerated)
            );
        }
    }
    assert!(seen.iter().all(|n| *n > 0), "{seen:?}");
    // An offset: 2026-03-01T05:30:00.000+05:30 is midnight UTC.
    let mut r = rng::derive(1, "t");
    for _ in 0..50 {
        let s = Stamp::new(&mut r, DEFAULT_MS);
        if s.text.ends_with("+05:30") {
            assert_eq!(s.text, "2026-03-01T05:30:00.000+05:30");
        }
        if s.text.ends_with("-0500") {
            assert_eq!(s.text, "2026-02-28T19:00:00.000-0500");
        }
        assert_eq!(s.canonical(), "2026-03-01T00:00:00.000Z");
    }
}

const DEFAULT_MS: i64 = super::super::DEFAULT_START_MS;

#[test]
fn the_edge_cases_occur() {
    let out = run(&GenOptions::new(DataType::SecurityHub, 3000, 5));
    let rows: Vec<AwsSecurityHubFindings> = out
        .entries()
        .flat_map(|e| e.records.iter().map(|r| r.expected.decode().unwrap()))
        .collect();
    let max_resources = rows
        .iter()
        .map(|r| r.Resources.as_ref().unwrap().as_array().unwrap().len())
        .max()
        .unwrap();
    assert!(max_resources >= 20, "{max_resources}");
    assert!(rows.iter().any(|r| r.ComplianceStatus.is_none()));
    assert!(rows.iter().any(|r| r.ComplianceStatusReasons.is_some()));
    assert!(rows.iter().any(|r| r
        .AwsSecurityFindingDescription
        .as_ref()
        .unwrap()
        .chars()
        .count()
        > 400));
    assert!(rows.iter().any(|r| {
        let d = r.AwsSecurityFindingDescription.as_ref().unwrap();
        !d.is_ascii() && d.contains('\n')
    }));
    assert!(rows
        .iter()
        .any(|r| r.RecordState.as_deref() == Some("ARCHIVED")));
    // A workflow change: the same finding again, later, with another status.
    let mut by_id: std::collections::HashMap<&str, Vec<&str>> = Default::default();
    for r in &rows {
        by_id
            .entry(r.AwsSecurityFindingId.as_deref().unwrap())
            .or_default()
            .push(r.WorkflowState.as_deref().unwrap());
    }
    assert!(by_id
        .values()
        .any(|w| w.len() > 1 && w.iter().any(|s| *s != w[0])));
    // Findings with only the older WorkflowState map it.
    assert!(rows
        .iter()
        .any(|r| r.RawData.as_ref().unwrap().get("Workflow").is_none()));
    // The provider's severity is in the finding, and not what the row takes.
    for r in &rows {
        let raw = r.RawData.as_ref().unwrap();
        assert_eq!(
            r.AwsSecurityFindingSeverity.as_ref(),
            Some(&raw["Severity"])
        );
        assert!(raw["FindingProviderFields"]["Severity"].is_object());
    }
    // ASFF's description limit.
    assert!(rows.iter().all(|r| r
        .AwsSecurityFindingDescription
        .as_ref()
        .unwrap()
        .chars()
        .count()
        <= 1024));
}

#[test]
fn malformed_lines_are_no_events() {
    let mut o = GenOptions::new(DataType::SecurityHub, 30, 4);
    o.bad_data = vec![BadDataKind::MalformedLines];
    let out = run(&o);
    let e = out
        .entries()
        .find(|e| e.content == Content::Malformed)
        .unwrap();
    let text = String::from_utf8(gunzip(&out.objects[&e.key])).unwrap();
    let mut good = 0;
    for (i, l) in text.strip_suffix('\n').unwrap().split('\n').enumerate() {
        let line = i as u64 + 1;
        let ok = serde_json::from_str::<Value>(l)
            .is_ok_and(|v| v["source"] == "aws.securityhub" && v["detail"]["findings"].is_array());
        assert_eq!(ok, !e.malformed_lines.contains(&line), "line {line}: {l}");
        good += usize::from(ok);
    }
    assert!(good > 0 && e.malformed_lines.len() >= 3);
}

#[test]
fn snapshot_tiny_object() {
    let out = run(&GenOptions::new(DataType::SecurityHub, 2, 42));
    let key = &out.order[0];
    let text = String::from_utf8(gunzip(&out.objects[key])).unwrap();
    insta::assert_json_snapshot!(serde_json::json!({
        "key": key,
        "sha256": crate::synth::sha256_hex(&out.objects[key]),
        "text": text,
    }));
}
