//! The `simulate` command as a user runs it: same seed, same bytes; bad
//! input, clear error and nothing written.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

fn simulator() -> Command {
    Command::new(env!("CARGO_BIN_EXE_simulator"))
}

/// Relative path -> bytes of every `*.gz` under `dir`.
fn gz_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "gz") {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn same_seed_gives_identical_objects_for_every_service() {
    let tmp = tempfile::tempdir().unwrap();
    for service in ["vpc", "guardduty", "cloudtrail", "cloudwatch"] {
        let mut runs = Vec::new();
        for run in ["a", "b"] {
            let dir = tmp.path().join(format!("{service}-{run}"));
            let out = simulator()
                .args([
                    "simulate",
                    "--service",
                    service,
                    "--records",
                    "300",
                    "--seed",
                    "7",
                    "--out",
                ])
                .arg(&dir)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let line = String::from_utf8(out.stdout).unwrap();
            assert!(
                line.contains("300 records") && line.contains("records/s") && line.contains("MB/s"),
                "{line}"
            );
            assert!(dir.join(format!("manifest-{service}.jsonl")).is_file());
            runs.push(gz_files(&dir));
        }
        assert!(!runs[0].is_empty(), "{service}: no .gz objects");
        assert_eq!(runs[0], runs[1], "{service}");
    }
}

#[test]
fn bad_input_fails_clearly_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let cases: [(&[&str], &str); 4] = [
        (&["--service", "s3", "--records", "5"], "--service"),
        (&["--service", "vpc", "--records", "0"], "--records"),
        (
            &[
                "--service",
                "vpc",
                "--records",
                "5",
                "--account-id",
                "12345",
            ],
            "--account-id",
        ),
        (
            &["--service", "vpc", "--records", "5", "--bad-data", "bogus"],
            "--bad-data",
        ),
    ];
    for (args, flag) in cases {
        let out = simulator()
            .arg("simulate")
            .args(args)
            .arg("--out")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(flag), "{args:?}: {err}");
        assert!(!dir.exists(), "{args:?} wrote something");
    }
    let out = simulator()
        .args([
            "simulate",
            "--service",
            "vpc",
            "--records",
            "5",
            "--stack",
            "prod",
            "--endpoint",
            "http://127.0.0.1:9",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("stack prod") && err.contains("deploy it first"),
        "{err}"
    );
    assert!(
        !dir.exists(),
        "a replay to a stack that cannot be read wrote something"
    );
}
