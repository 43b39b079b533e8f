//! `simulator verify` against a running mock endpoint over HTTPS: the manifests of two data
//! types, their rows posted by a client that is not ours-by-construction (the rows are sent as
//! the manifests state them), read back a few rows per page; then a duplicate, an altered row
//! and a missing one are found, the binary exits non-zero on them, and a wrong DCR id or a
//! missing CA is an error that says what to do.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use simulator::connector::{Credential, IngestClient, IngestTarget};
use simulator::ingest::{serve, Auth, Config, Server};
use simulator::synth::manifest::{ManifestLine, ManifestLines};
use simulator::synth::{generate, DirOutput, GenOptions};
use simulator::verify::{verify, VerifyArgs};
use simulator::DataType;

/// `simulate --out dir` for `service`: the objects and `manifest-<slug>.jsonl`.
fn simulate(dir: &Path, service: DataType, records: u64) -> PathBuf {
    let mut out = DirOutput::create(dir, service).unwrap();
    let path = out.manifest_path().to_path_buf();
    generate(&GenOptions::new(service, records, 7), &mut out).unwrap();
    out.finish().unwrap();
    path
}

/// The rows the manifest says the table must hold, as the JSON a client posts.
fn expected_rows(manifest: &Path) -> Vec<String> {
    let mut rows = Vec::new();
    for line in ManifestLines::open(manifest).unwrap() {
        if let ManifestLine::Object(o) = line.unwrap() {
            if o.ingest {
                assert!(o.records_listed, "small runs list their records");
                rows.extend(
                    o.records
                        .iter()
                        .map(|r| serde_json::to_string(r.expected.columns()).unwrap()),
                );
            }
        }
    }
    rows
}

async fn post(server: &Server, stream: &str, rows: &[String]) {
    let client = IngestClient::new(IngestTarget {
        endpoint: server.base_url().to_string(),
        dcr_immutable_id: server.dcr_id().to_string(),
        credential: Credential::Static("t".into()),
        ca_pem: server.ca_pem().map(str::to_string),
        gzip: false,
    })
    .unwrap();
    for chunk in rows.chunks(20) {
        let body = format!("[{}]", chunk.join(","));
        client
            .post_once(stream, Bytes::from(body))
            .await
            .expect("accepted");
    }
}

fn args(server: &Server, dir: &Path, ca: &Path) -> VerifyArgs {
    VerifyArgs {
        manifests: vec![dir.to_path_buf()],
        ingest: server.base_url().to_string(),
        dcr_id: server.dcr_id().to_string(),
        ca: Some(ca.to_path_buf()),
        report: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_finds_what_the_endpoint_lacks_or_holds_twice() {
    let dir = tempfile::tempdir().unwrap();
    let cw = simulate(dir.path(), DataType::CloudWatch, 60);
    let vpc = simulate(dir.path(), DataType::Vpc, 45);
    let server = serve(Config {
        https: true,
        auth: Auth::AnyToken,
        ..Default::default()
    })
    .await
    .unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, server.ca_pem().unwrap()).unwrap();
    let cw_rows = expected_rows(&cw);
    let vpc_rows = expected_rows(&vpc);
    assert_eq!((cw_rows.len(), vpc_rows.len()), (60, 45));
    post(&server, "Custom-AWSCloudWatch", &cw_rows).await;
    // One VPC row not yet sent.
    post(&server, "Custom-AWSVPCFlow", &vpc_rows[1..]).await;

    // 7 rows a page: the 104 stored rows take many pages.
    let v = verify(&args(&server, dir.path(), &ca), 7).await.unwrap();
    let by = |label: &str| v.services.iter().find(|c| c.service == label).unwrap();
    assert_eq!(v.services.len(), 2);
    let c = by("CloudWatch");
    assert_eq!((c.records_generated, c.ingested, c.missing), (60, 60, 0));
    assert!(c.ok(), "{c:?}");
    let p = by("VPC");
    assert_eq!((p.records_generated, p.ingested, p.missing), (45, 44, 1));
    assert!(!p.ok() && !v.ok);

    // The missing row arrives; a CloudWatch row comes twice and another altered.
    post(&server, "Custom-AWSVPCFlow", &vpc_rows[..1]).await;
    let altered = cw_rows[3].replace("\"Message\":\"", "\"Message\":\"altered ");
    assert_ne!(altered, cw_rows[3]);
    post(
        &server,
        "Custom-AWSCloudWatch",
        &[cw_rows[0].clone(), altered],
    )
    .await;
    let v = verify(&args(&server, dir.path(), &ca), 7).await.unwrap();
    assert!(by_ok(&v, "VPC"));
    let c = v
        .services
        .iter()
        .find(|c| c.service == "CloudWatch")
        .unwrap();
    assert_eq!(
        (c.ingested, c.duplicated, c.unexpected),
        (62, 1, 1),
        "{c:?}"
    );
    assert!(!v.ok);

    // The binary says so and exits non-zero; its report holds the same figures.
    let report = dir.path().join("verify.json");
    let out = {
        let (base, dcr) = (server.base_url().to_string(), server.dcr_id().to_string());
        let (d, ca, report) = (dir.path().to_path_buf(), ca.clone(), report.clone());
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_simulator"))
                .arg("verify")
                .arg("--manifest")
                .arg(&d)
                .args(["--ingest", &base, "--dcr-id", &dcr, "--ca"])
                .arg(&ca)
                .arg("--report")
                .arg(&report)
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("MISMATCH"), "{stdout}");
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["ok"], false);
    let cw_report = r["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["service"] == "CloudWatch")
        .unwrap();
    assert_eq!(cw_report["duplicated"], 1, "{r}");

    // A wrong DCR id, and HTTPS without the CA, are errors that say what to do.
    let mut wrong = args(&server, dir.path(), &ca);
    wrong.dcr_id = format!("dcr-{}", "0".repeat(32));
    let e = format!("{:#}", verify(&wrong, 7).await.unwrap_err());
    assert!(
        e.contains("serves DCR") && e.contains(server.dcr_id()),
        "{e}"
    );
    let mut no_ca = args(&server, dir.path(), &ca);
    no_ca.ca = None;
    let e = format!("{:#}", verify(&no_ca, 7).await.unwrap_err());
    assert!(e.contains("--ingest") && e.contains("give --ca"), "{e}");
    let mut nothing = args(&server, dir.path(), &ca);
    nothing.manifests = vec![std::env::temp_dir().join("no-such-sentinel-dir")];
    let e = format!("{:#}", verify(&nothing, 7).await.unwrap_err());
    assert!(e.contains("--manifest"), "{e}");
    server.shutdown().await.unwrap();
}

fn by_ok(v: &simulator::verify::Verdict, label: &str) -> bool {
    v.services.iter().any(|c| c.service == label && c.ok())
}
