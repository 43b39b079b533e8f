//! Tests of the CloudFront standard log generator.

use super::*;
use crate::synth::testutil::{gunzip, run};
use crate::synth::GenOptions;
use catalogue::DataType;

#[test]
fn objects_are_w3c_logs_under_the_distribution_and_hour_with_their_file_name() {
    let out = run(&GenOptions::new(DataType::CloudFront, 3000, 5));
    assert!(out.objects.len() > 1);
    for e in out.entries() {
        let parts: Vec<&str> = e.key.split('/').collect();
        assert_eq!(
            &parts[..3],
            ["AWSLogs", "123456789012", "CloudFront"],
            "{}",
            e.key
        );
        let dist = parts[3];
        assert!(dist.starts_with('E') && dist.len() == 14, "{dist}");
        let (y, m, d, h) = (parts[4], parts[5], parts[6], parts[7]);
        let name = parts[8];
        assert!(
            name.starts_with(&format!("{dist}.{y}-{m}-{d}-{h}.")),
            "{name}"
        );
        assert!(
            name.ends_with(".gz") && name.len() == dist.len() + 15 + 8 + 3,
            "{name}"
        );
        let text = String::from_utf8(gunzip(&out.objects[&e.key])).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("#Version: 1.0"));
        assert_eq!(
            lines.next().unwrap(),
            format!("#Fields: {}", FIELD_NAMES.join(" "))
        );
        for (i, (line, rec)) in lines.zip(&e.records).enumerate() {
            assert_eq!(line.split('\t').count(), 33, "{line}");
            // Every record is of the object's hour.
            assert!(line.starts_with(&format!("{y}-{m}-{d}\t{h}:")), "{line}");
            // The two header lines come first.
            assert_eq!(rec.line, Some(i as u64 + 3));
        }
    }
}

#[test]
fn the_edge_cases_occur_and_the_oracle_reads_dashes_as_absent() {
    let out = run(&GenOptions::new(DataType::CloudFront, 2000, 9));
    let rows: Vec<AwsCloudFrontAccessLog> = out
        .entries()
        .flat_map(|e| e.records.iter())
        .map(|r| r.expected.decode().unwrap())
        .collect();
    assert!(rows
        .iter()
        .any(|r| r.CIp.as_deref().is_some_and(|ip| ip.contains(':'))));
    assert!(rows
        .iter()
        .any(|r| r.XForwardedFor.as_deref().is_some_and(|f| f.contains(','))));
    assert!(rows
        .iter()
        .any(|r| r.CsUserAgent.as_deref().is_some_and(|a| a.contains("%20"))));
    assert!(rows
        .iter()
        .any(|r| r.ScStatus.as_deref() == Some("206") && r.ScRangeEnd.is_some()));
    assert!(rows
        .iter()
        .any(|r| r.CsUriQuery.is_none() && r.CsCookie.is_none()));
    assert!(rows
        .iter()
        .any(|r| r.CsProtocol.as_deref() == Some("http") && r.SslProtocol.is_none()));
    for r in &rows {
        assert_eq!(r.TimeGenerated, format!("{}T{}.000Z", r.Date, r.Time));
        assert!(r.FleStatus.is_none() && r.Timestamp.is_none());
    }
}
