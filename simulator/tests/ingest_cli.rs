//! `simulator serve-ingestion` as a process: bad flags refused before anything is created,
//! and a plain-HTTP server that stores a row and stops on Ctrl-C with its summary.

use serde_json::json;
use simulator::ingest::{self, Store, STREAM_NAMES};

const CW: &str = "Custom-AWSCloudWatch";

fn body_of(i: usize) -> Vec<u8> {
    serde_json::to_vec(&[json!({
        "TimeGenerated": "2026-03-01T00:00:05.120Z",
        "ExtractedTime": "2026-03-01T00:00:05.120Z",
        "Message": format!("message {i}"),
    })])
    .unwrap()
}

#[test]
fn cli_rejects_bad_flags() {
    let bin = env!("CARGO_BIN_EXE_simulator");
    for (args, needles) in [
        (
            vec!["--fault-429", "1.5"],
            vec!["--fault-429", "1.5", "between 0 and 1"],
        ),
        (vec!["--drop", "x"], vec!["--drop", "'x'", "fraction"]),
        (
            vec!["--latency-ms", "200..20"],
            vec!["--latency-ms", "200..20", "greater than its end"],
        ),
        (vec!["--dcr-id", "dcr-1"], vec!["--dcr-id", "dcr-1", "32"]),
        (vec!["--token", ""], vec!["--token", "empty"]),
        (
            vec!["--fault-500", "0.6", "--fault-503", "0.6"],
            vec!["--fault-500 0.6 + --fault-503 0.6 = 1.2", "at most 1"],
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.sqlite3");
        let out = std::process::Command::new(bin)
            .arg("serve-ingestion")
            .arg("--db")
            .arg(&db)
            .args(&args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        for n in needles {
            assert!(err.contains(n), "{args:?}: {n:?} not in {err}");
        }
        assert!(!db.exists(), "{args:?} created the store");
    }
}

#[test]
fn cli_serves_until_interrupted() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.sqlite3");
    /// Stops the server if an assertion fails first (else it outlives the test run).
    struct Reaped(std::process::Child);
    impl Drop for Reaped {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Reaped(
        std::process::Command::new(env!("CARGO_BIN_EXE_simulator"))
            .args([
                "serve-ingestion",
                "--http",
                "--token",
                "t",
                "--seed",
                "5",
                "--db",
            ])
            .arg(&db)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first.rsplit(' ').next().unwrap().to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{first}");
    let dcr_line = lines
        .by_ref()
        .map(Result::unwrap)
        .find(|l| l.starts_with("DCR immutable id: "))
        .expect("the DCR line");
    let dcr = dcr_line.rsplit(' ').next().unwrap().to_string();
    let mut printed = Vec::new();
    for l in lines.by_ref() {
        let l = l.unwrap();
        if l.starts_with("Ctrl-C") {
            break;
        }
        printed.push(l);
    }
    for s in STREAM_NAMES {
        assert!(printed.iter().any(|l| l.contains(s)), "{s} not printed");
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        reqwest::Client::new()
            .post(ingest::ingest_url(&base, &dcr, CW))
            .header("authorization", "Bearer t")
            .header("content-type", "application/json")
            .body(body_of(1))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(status, 204);
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert!(child.0.wait().unwrap().success());
    assert!(
        rest.iter().any(|l| l.starts_with("stopped: 1 requests")),
        "{rest:?}"
    );
    assert_eq!(Store::open(&db).unwrap().count(CW).unwrap(), 1);
}
