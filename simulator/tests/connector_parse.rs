//! The connector's parser on the simulator's own output: every object of a
//! generated run parses to exactly the manifest's expected rows, record for
//! record; malformed records are found at the manifest's lines / indexes;
//! undecodable objects fail; digests are skipped by key, and recognised by
//! their content when read anyway.

use simulator::connector::parse::{parse_bytes, parse_object, skip_reason, Document, ObjectError};
use simulator::synth::manifest::{Content, ObjectKind};
use simulator::synth::{self, BadDataKind, GenOptions, MemOutput, VpcFormat};
use simulator::tables::{format_datetime_ms, AwsVpcFlow, DateTimeMs, TableRow, ARRIVAL_TIME};
use simulator::DataType;

/// When the objects of a check "arrive": the `TimeGenerated` of rows whose
/// record has no time of its own.
const ARRIVAL: DateTimeMs = DateTimeMs(1_800_000_000_000);

/// The row the parser must give for an expected row: an arrival-time
/// `TimeGenerated` is the object's arrival.
fn arrived(expected: &TableRow) -> TableRow {
    match expected.decode::<AwsVpcFlow>() {
        Some(mut r) if r.TimeGenerated == ARRIVAL_TIME => {
            r.TimeGenerated = format_datetime_ms(ARRIVAL.0);
            TableRow::new(r)
        }
        _ => expected.clone(),
    }
}

fn generate(opts: &GenOptions) -> MemOutput {
    let mut out = MemOutput::default();
    synth::generate(opts, &mut out).expect("generate");
    out
}

/// Parses every object of `out` and compares with the manifest.
fn check_run(out: &MemOutput) -> u64 {
    let mut rows_total = 0;
    for e in out.entries() {
        let service = e.service;
        let data = &out.objects[&e.key];
        if e.kind == ObjectKind::Digest {
            assert!(skip_reason(service, &e.key).is_some(), "{}", e.key);
            // Read anyway, a digest is recognised as one: no rows, no error.
            let (rows, bad, r) = parse_bytes(service, Some(&e.key), data);
            assert!(rows.is_empty() && bad.is_empty(), "{}", e.key);
            assert_eq!(r.unwrap().document, Document::CloudTrailDigest);
            continue;
        }
        assert!(skip_reason(service, &e.key).is_none(), "{}", e.key);
        let parsed = parse_object(service, Some(&e.key), ARRIVAL, data);
        let (rows, bad, result) = (parsed.rows, parsed.malformed, parsed.result);
        assert!(
            parsed.bad_values.is_empty(),
            "{}: {:?}",
            e.key,
            parsed.bad_values
        );
        match e.content {
            Content::TruncatedGzip => {
                assert!(!e.ingest);
                assert!(
                    matches!(result, Err(ObjectError::Decompress(_))),
                    "{}: {result:?}",
                    e.key
                );
                continue;
            }
            Content::NotGzip => {
                assert!(!e.ingest);
                assert!(matches!(result, Err(ObjectError::NotGzip)), "{result:?}");
                assert!(rows.is_empty());
                continue;
            }
            _ => {}
        }
        let summary = result.unwrap_or_else(|err| panic!("{}: {err}", e.key));
        assert!(e.ingest);
        assert_eq!(rows.len() as u64, e.record_count, "{}", e.key);
        assert_eq!(summary.rows, e.record_count);
        assert_eq!(
            summary.decompressed_bytes, e.uncompressed_bytes,
            "{}",
            e.key
        );
        assert_eq!(summary.stored_bytes, e.bytes);
        if e.records_listed {
            for ((pos, row), exp) in rows.iter().zip(&e.records) {
                assert_eq!(row, &arrived(&exp.expected), "{} {pos:?}", e.key);
                assert_eq!(pos.line, exp.line, "{}", e.key);
            }
        }
        let lines: Vec<u64> = bad.iter().filter_map(|b| b.position.line).collect();
        assert_eq!(lines, e.malformed_lines, "{}: {bad:?}", e.key);
        let indexes: Vec<u64> = bad
            .iter()
            .filter(|b| b.position.line.is_none())
            .map(|b| b.position.index)
            .collect();
        assert_eq!(indexes, e.malformed_indexes, "{}", e.key);
        rows_total += rows.len() as u64;
    }
    rows_total
}

fn all_bad_data(service: DataType, records: u64, seed: u64) -> GenOptions {
    let mut o = GenOptions::new(service, records, seed);
    o.bad_data = BadDataKind::ALL.to_vec();
    o.large_object_bytes = 300_000;
    o
}

#[test]
fn vpc_every_format_equals_manifest() {
    for format in [VpcFormat::Default, VpcFormat::Custom, VpcFormat::AllFields] {
        let mut o = all_bad_data(DataType::Vpc, 3000, 21);
        o.vpc_fields = format.fields();
        let out = generate(&o);
        assert!(check_run(&out) > 3000);
    }
    let mut o = GenOptions::new(DataType::Vpc, 500, 3);
    o.vpc_fields = synth::vpc::parse_fields(
        "${instance-id} ${interface-id} ${srcaddr} ${dstaddr} ${pkt-srcaddr} ${start} ${end} ${ecs-task-id} ${log-status}",
    )
    .unwrap();
    assert_eq!(check_run(&generate(&o)), 500);
}

#[test]
fn vpc_formats_without_start_equal_manifest() {
    // AWS's own example formats (VPC user guide, "Flow log record examples"):
    // NAT gateway (no number at all) and transit gateway. Their rows take the
    // arrival time.
    for fields in [
        "instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr",
        "version interface-id account-id vpc-id subnet-id instance-id srcaddr dstaddr srcport dstport protocol tcp-flags type pkt-srcaddr pkt-dstaddr action log-status",
    ] {
        let mut o = all_bad_data(DataType::Vpc, 2000, 26);
        o.vpc_fields = synth::vpc::parse_fields(fields).unwrap();
        let out = generate(&o);
        let expected_rows: Vec<&TableRow> = out
            .entries()
            .flat_map(|e| e.records.iter().map(|r| &r.expected))
            .collect();
        assert!(expected_rows.len() > 2000);
        assert!(expected_rows
            .iter()
            .all(|r| r.time_generated() == ARRIVAL_TIME));
        assert!(check_run(&out) > 2000, "{fields}");
    }
}

#[test]
fn guardduty_equals_manifest() {
    let out = generate(&all_bad_data(DataType::GuardDuty, 1500, 22));
    assert!(check_run(&out) > 1500);
}

#[test]
fn cloudtrail_equals_manifest() {
    let out = generate(&all_bad_data(DataType::CloudTrail, 1500, 23));
    assert!(check_run(&out) > 1500);
    assert!(out.entries().any(|e| e.kind == ObjectKind::Digest));
}

#[test]
fn securityhub_equals_manifest() {
    let out = generate(&all_bad_data(DataType::SecurityHub, 1500, 25));
    assert!(check_run(&out) > 1500);
}

#[test]
fn cloudwatch_equals_manifest() {
    let out = generate(&all_bad_data(DataType::CloudWatch, 2500, 24));
    assert!(check_run(&out) > 2500);
}

#[test]
fn malformed_lines_are_counted_per_service() {
    for s in [
        DataType::Vpc,
        DataType::GuardDuty,
        DataType::CloudTrail,
        DataType::CloudWatch,
        DataType::SecurityHub,
    ] {
        let mut o = GenOptions::new(s, 40, 5);
        o.bad_data = vec![BadDataKind::MalformedLines];
        let out = generate(&o);
        let e = out
            .entries()
            .find(|e| e.content == Content::Malformed)
            .unwrap();
        let (rows, bad, r) = parse_bytes(s, Some(&e.key), &out.objects[&e.key]);
        let summary = r.unwrap();
        assert_eq!(
            bad.len(),
            e.malformed_lines.len() + e.malformed_indexes.len(),
            "{s:?}"
        );
        assert!(bad.len() >= 3);
        assert_eq!(summary.malformed, bad.len() as u64);
        assert_eq!(rows.len() as u64, e.record_count);
        for b in &bad {
            assert!(!b.reason.is_empty());
        }
    }
}

#[test]
fn eks_lambda_output_equals_expected_rows() {
    use simulator::synth::eks::{self, EksOptions};
    let run = eks::generate(&EksOptions::new("prod", 600, 25, synth::DEFAULT_START_MS));
    // What the stack's transform Lambda writes: one row per line, TimeGenerated
    // as the event's requestReceivedTimestamp (microseconds); Firehose gzips
    // the concatenated records.
    let mut text = String::new();
    for e in &run.expected {
        let mut row = serde_json::to_value(&e.row).unwrap();
        row["TimeGenerated"] = e.row.RawEvent["requestReceivedTimestamp"].clone();
        assert!(row["TimeGenerated"].as_str().unwrap().len() > 24, "{row}");
        text.push_str(&row.to_string());
        text.push('\n');
    }
    let gz = synth::gzip(text.as_bytes());
    let (rows, bad, r) = parse_bytes(DataType::Eks, Some("eks-audit-logs/prod/x.gz"), &gz);
    r.unwrap();
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(rows.len(), run.expected.len());
    for ((_, got), want) in rows.iter().zip(&run.expected) {
        assert_eq!(got, &simulator::tables::TableRow::new(want.row.clone()));
    }
}

#[test]
fn cloudfront_equals_manifest_and_counts_its_malformed_lines() {
    let out = generate(&all_bad_data(DataType::CloudFront, 2500, 27));
    assert!(check_run(&out) > 2500);
    let mut o = GenOptions::new(DataType::CloudFront, 40, 5);
    o.bad_data = vec![BadDataKind::MalformedLines];
    let out = generate(&o);
    let e = out
        .entries()
        .find(|e| e.content == Content::Malformed)
        .unwrap();
    let (rows, bad, r) = parse_bytes(DataType::CloudFront, Some(&e.key), &out.objects[&e.key]);
    assert_eq!(r.unwrap().malformed, bad.len() as u64);
    assert_eq!(bad.len(), e.malformed_lines.len());
    assert!(bad.len() >= 3);
    assert_eq!(rows.len() as u64, e.record_count);
}

#[test]
fn elb_logs_equal_manifest_and_count_their_malformed_lines() {
    for d in [
        DataType::ElbAlb,
        DataType::ElbNlb,
        DataType::ElbNlbFlow,
        DataType::ElbGwlbFlow,
    ] {
        let out = generate(&all_bad_data(d, 2500, 31));
        assert!(check_run(&out) > 2500, "{d}");
        let mut o = GenOptions::new(d, 40, 5);
        o.bad_data = vec![BadDataKind::MalformedLines];
        let out = generate(&o);
        let e = out
            .entries()
            .find(|e| e.content == Content::Malformed)
            .unwrap();
        let (rows, bad, r) = parse_bytes(d, Some(&e.key), &out.objects[&e.key]);
        assert_eq!(r.unwrap().malformed, bad.len() as u64, "{d}");
        assert_eq!(bad.len(), e.malformed_lines.len(), "{d}");
        assert!(bad.len() >= 3, "{d}");
        assert_eq!(rows.len() as u64, e.record_count, "{d}");
    }
}
