//! `simulator parse`: the connector's parser on one file, rows as JSON lines
//! on stdout, malformed records on stderr, failure for a malformed object.

use std::io::Write;
use std::process::{Command, Stdio};

use simulator::synth::manifest::Content;
use simulator::synth::{self, BadDataKind, GenOptions, MemOutput};
use simulator::tables::{AwsCloudTrail, TableRow};
use simulator::DataType;

fn generate(opts: &GenOptions) -> MemOutput {
    let mut out = MemOutput::default();
    synth::generate(opts, &mut out).expect("generate");
    out
}

fn parse_cmd(service: &str, file: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_simulator"));
    c.args(["parse", "--service", service, file]);
    c
}

#[test]
fn rows_on_stdout_malformed_on_stderr_bad_objects_fail() {
    let dir = tempfile::tempdir().unwrap();
    for service in [
        DataType::Vpc,
        DataType::GuardDuty,
        DataType::CloudTrail,
        DataType::CloudWatch,
    ] {
        let mut o = GenOptions::new(service, 200, 41);
        o.bad_data = vec![
            BadDataKind::MalformedLines,
            BadDataKind::TruncatedGzip,
            BadDataKind::NotGzip,
        ];
        let out = generate(&o);
        for e in out
            .entries()
            .filter(|e| e.kind == synth::manifest::ObjectKind::Log)
        {
            let path = dir.path().join(e.key.replace('/', "_"));
            std::fs::write(&path, &out.objects[&e.key]).unwrap();
            let r = parse_cmd(service.slug(), path.to_str().unwrap())
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&r.stderr);
            match e.content {
                Content::TruncatedGzip | Content::NotGzip => {
                    assert!(!r.status.success(), "{}", e.key);
                    assert!(stderr.contains("malformed object"), "{stderr}");
                    continue;
                }
                _ => assert!(r.status.success(), "{}: {stderr}", e.key),
            }
            let rows: Vec<TableRow> = String::from_utf8(r.stdout)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            let want: Vec<&TableRow> = e.records.iter().map(|r| &r.expected).collect();
            assert_eq!(rows.iter().collect::<Vec<_>>(), want, "{}", e.key);
            let reported = stderr.matches(": malformed record, ").count();
            assert_eq!(
                reported,
                e.malformed_lines.len() + e.malformed_indexes.len(),
                "{stderr}"
            );
            for l in &e.malformed_lines {
                assert!(stderr.contains(&format!("line {l}:")), "{stderr}");
            }
            for i in &e.malformed_indexes {
                assert!(stderr.contains(&format!("Records[{i}]:")), "{stderr}");
            }
        }
    }
}

#[test]
fn reads_standard_input() {
    let out = generate(&GenOptions::new(DataType::CloudWatch, 20, 42));
    let (key, data) = out.objects.iter().next().unwrap();
    let mut child = parse_cmd("cloudwatch", "-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(data).unwrap();
    let r = child.wait_with_output().unwrap();
    assert!(r.status.success());
    let n = String::from_utf8(r.stdout).unwrap().lines().count() as u64;
    let e = out.entries().find(|e| &e.key == key).unwrap();
    assert_eq!(n, e.record_count);
}

#[test]
fn a_digest_file_gives_no_rows_and_succeeds_whatever_its_name() {
    let out = generate(&GenOptions::new(DataType::CloudTrail, 200, 43));
    let digest = out
        .entries()
        .find(|e| e.kind == synth::manifest::ObjectKind::Digest)
        .expect("a run writes digests");
    let dir = tempfile::tempdir().unwrap();
    // Outside the standard layout: nothing in the name says "digest".
    let path = dir.path().join("export-0001.json.gz");
    std::fs::write(&path, &out.objects[&digest.key]).unwrap();
    let r = parse_cmd("cloudtrail", path.to_str().unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(r.status.success(), "{stderr}");
    assert!(
        r.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&r.stdout)
    );
    assert!(stderr.contains("a CloudTrail digest file"), "{stderr}");
    assert!(stderr.contains(": 0 rows, 0 malformed records"), "{stderr}");
}

#[test]
fn bad_values_are_reported_and_their_rows_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trail.json");
    std::fs::write(
        &path,
        r#"{"Records":[{"eventTime":"2026-03-01T00:00:01Z","readOnly":"yes","managementEvent":"TRUE"}]}"#,
    )
    .unwrap();
    let r = parse_cmd("cloudtrail", path.to_str().unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(r.status.success(), "{stderr}");
    let rows: Vec<TableRow> = String::from_utf8(r.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let [row] = &rows[..] else { panic!("{rows:?}") };
    let row = row.decode::<AwsCloudTrail>().unwrap();
    assert_eq!((row.ReadOnly, row.ManagementEvent), (None, Some(true)));
    assert!(
        stderr.contains(r#": bad value, Records[0]: readOnly "yes" is not a boolean"#),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 rows, 0 malformed records, 1 bad values"),
        "{stderr}"
    );
}
