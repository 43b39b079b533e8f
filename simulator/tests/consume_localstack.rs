//! `simulator consume` and `simulator verify` as a user runs them, against real LocalStack: a
//! VPC connector stack deployed with `simulator deploy`, logs put in its bucket with `simulator
//! simulate --stack`, the connector run on its own with `consume --until-drained` into a mock
//! endpoint over HTTPS with a client-credentials token from its Entra ID, and the stored rows
//! checked with `verify`: every record once. Then three `consume` processes at once on the
//! same queue (competing consumers, as Sentinel's pollers are): none missing, and the
//! duplicates, if any, counted. Then consumers killed with SIGKILL mid-run, three times, and
//! another started after the last: none missing, and no more duplicates than the killed ones'
//! messages held. And the
//! endpoint (`serve-ingestion`, a process) killed with SIGKILL mid-run and restarted on its
//! port and store: every row it had accepted is still there, and none is missing at the end.
//! And the comparison users need: `consume --delete-on-receive` (Microsoft's EKS poller's way)
//! killed the same way loses the records of the messages it had deleted and not finished.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use simulator::ingest::entra::{
    Client, Cloud, EntraConfig, DEFAULT_TENANT, DEFAULT_TOKEN_LIFETIME,
};
use simulator::ingest::{serve, Auth, Config, Server};
use simulator::synth::manifest::{ManifestLine, ManifestLines};
use simulator::verify::{verify, VerifyArgs, PAGE};

const STACK: &str = "consume-test-vpc";
const WORKSPACE: &str = "00000000-0000-4000-8000-0000000c0de0";
const CLIENT: &str = "consume-test";
const SECRET: &str = "consume-test-secret";

/// A child process stopped (SIGKILL) when dropped, so a failed assertion leaves nothing running.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn simulator(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_simulator"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "simulator {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

async fn mock() -> Server {
    mock_with(simulator::ingest::Faults::default()).await
}

async fn mock_with(faults: simulator::ingest::Faults) -> Server {
    serve(Config {
        faults,
        https: true,
        auth: Auth::Entra(EntraConfig {
            tenant: DEFAULT_TENANT.into(),
            cloud: Cloud::Commercial,
            clients: vec![Client {
                id: CLIENT.into(),
                secret: SECRET.into(),
                may_ingest: true,
            }],
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
        }),
        ..Default::default()
    })
    .await
    .unwrap()
}

/// `simulate --stack`: `records` VPC records, 50 per object, uploaded; the manifest in `out`.
fn put_logs(endpoint: &str, out: &Path, records: u64, seed: u64) {
    simulator(&[
        "simulate",
        "--service",
        "vpc",
        "--records",
        &records.to_string(),
        "--records-per-object",
        "50",
        "--seed",
        &seed.to_string(),
        "--stack",
        STACK,
        "--endpoint",
        endpoint,
        "--out",
        out.to_str().unwrap(),
    ]);
}

/// The `consume` command line for `server`.
fn consume_cmd(endpoint: &str, server: &Server, ca: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_simulator"));
    c.args([
        "consume",
        "--stack",
        STACK,
        "--endpoint",
        endpoint,
        "--until-drained",
        "--wait-seconds",
        "1",
        "--ingest",
        server.base_url(),
        "--dcr-id",
        server.dcr_id(),
        "--ca",
        ca.to_str().unwrap(),
        "--authority",
        server.base_url(),
        "--tenant",
        DEFAULT_TENANT,
        "--client-id",
        CLIENT,
        "--client-secret",
        SECRET,
    ]);
    c
}

fn verify_args(server: &Server, manifest: &Path, ca: &Path) -> VerifyArgs {
    VerifyArgs {
        manifests: vec![manifest.to_path_buf()],
        ingest: server.base_url().to_string(),
        dcr_id: server.dcr_id().to_string(),
        ca: Some(ca.to_path_buf()),
        report: None,
    }
}

/// A LocalStack of this test's own with the VPC stack deployed by `simulator deploy`; its
/// endpoint; a scratch directory.
fn with_vpc_stack() -> (harness::LocalStack, String, tempfile::TempDir) {
    let ls = harness::LocalStack::start(harness::LocalStackConfig::default())
        .unwrap_or_else(|e| panic!("LocalStack did not start: {e}"));
    let endpoint = ls.endpoint().to_string();
    simulator(&[
        "deploy",
        "--template",
        "vpc",
        "--stack-name",
        STACK,
        "--workspace-id",
        WORKSPACE,
        "--endpoint",
        &endpoint,
    ]);
    (ls, endpoint, tempfile::tempdir().unwrap())
}

use aws_sdk_sqs::types::QueueAttributeName;
const VISIBLE: QueueAttributeName = QueueAttributeName::ApproximateNumberOfMessages;
const NOT_VISIBLE: QueueAttributeName = QueueAttributeName::ApproximateNumberOfMessagesNotVisible;

/// The deployed stack's queue (from its outputs, as `consume` reads them) and an SQS client.
async fn stack_queue(endpoint: &str) -> (aws_sdk_sqs::Client, String) {
    let config = deployer::sdk_config(&deployer::Target::localstack(endpoint)).await;
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let outputs = deployer::outputs(&cfn, STACK).await.unwrap();
    let queue = simulator::consume::routes_of(STACK, &outputs).unwrap()[0]
        .queue_url
        .clone();
    (aws_sdk_sqs::Client::new(&config), queue)
}

/// The sum of the queue's message counts `attrs`.
async fn queue_count(sqs: &aws_sdk_sqs::Client, queue: &str, attrs: &[QueueAttributeName]) -> u64 {
    let mut req = sqs.get_queue_attributes().queue_url(queue);
    for a in attrs {
        req = req.attribute_names(a.clone());
    }
    let got = req
        .send()
        .await
        .unwrap()
        .attributes()
        .cloned()
        .unwrap_or_default();
    attrs
        .iter()
        .map(|k| got.get(k).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0))
        .sum()
}

/// Runs `consume --until-drained` (with `extra` flags) for `server` to its end; it must succeed.
async fn consume_until_drained(endpoint: &str, server: &Server, ca: &Path, extra: &[&str]) {
    let mut cmd = consume_cmd(endpoint, server, ca);
    cmd.args(extra);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write_ca(dir: &Path, server: &Server, name: &str) -> PathBuf {
    let ca = dir.join(name);
    std::fs::write(&ca, server.ca_pem().unwrap()).unwrap();
    ca
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consume_drains_a_deployed_stack_and_verify_finds_every_record_once() {
    let (ls, endpoint, dir) = with_vpc_stack();

    // One consumer.
    let first = dir.path().join("first");
    put_logs(&endpoint, &first, 600, 1);
    let server = mock().await;
    let ca = write_ca(dir.path(), &server, "ca1.pem");
    let out = {
        let mut cmd = consume_cmd(&endpoint, &server, &ca);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("route vpc: "), "{stdout}");
    assert!(stdout.contains("600 rows"), "{stdout}");
    let v = verify(&verify_args(&server, &first, &ca), PAGE)
        .await
        .unwrap();
    let c = &v.services[0];
    assert_eq!(
        (c.records_generated, c.ingested, c.missing, c.duplicated),
        (600, 600, 0, 0),
        "{c:?}"
    );
    assert!(v.ok);
    assert!(server.stats().tokens_issued >= 1);
    server.shutdown().await.unwrap();

    // Three competing consumers on the same queue.
    let second = dir.path().join("second");
    put_logs(&endpoint, &second, 1500, 2);
    let server = mock().await;
    let ca = write_ca(dir.path(), &server, "ca2.pem");
    let children: Vec<_> = (0..3)
        .map(|_| Reaped(consume_cmd(&endpoint, &server, &ca).spawn().unwrap()))
        .collect();
    let statuses = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|mut c| c.0.wait().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert!(statuses.iter().all(|s| s.success()), "{statuses:?}");
    let v = verify(&verify_args(&server, &second, &ca), PAGE)
        .await
        .unwrap();
    let c = &v.services[0];
    assert_eq!(
        (c.records_generated, c.missing, c.unexpected),
        (1500, 0, 0),
        "{c:?}"
    );
    assert_eq!(c.ingested, 1500 + c.duplicated, "{c:?}");
    eprintln!(
        "three competing consumers: {} rows ingested for 1500 records, {} duplicated",
        c.ingested, c.duplicated
    );
    server.shutdown().await.unwrap();

    // A consumer killed (SIGKILL) while it works, three times in the run, each time after more
    // rows arrived, and another started after the last: the messages each killed one held come
    // back after their visibility timeout (5 s here) and none is lost.
    let third = dir.path().join("third");
    put_logs(&endpoint, &third, 3000, 3);
    let server = mock().await;
    let ca = write_ca(dir.path(), &server, "ca3.pem");
    let (sqs, queue) = stack_queue(&endpoint).await;
    let (mut held, mut kills) = (0u64, Vec::new());
    for _ in 0..3 {
        let before = server.stats().accepted_rows;
        let mut doomed = Reaped(
            consume_cmd(&endpoint, &server, &ca)
                .args(["--visibility-seconds", "5"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while server.stats().accepted_rows < before + 100 {
            assert!(
                std::time::Instant::now() < deadline,
                "no new rows within 2 minutes"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        doomed.0.kill().unwrap();
        doomed.0.wait().unwrap();
        let in_flight = queue_count(&sqs, &queue, &[NOT_VISIBLE]).await;
        held += in_flight;
        kills.push((server.stats().accepted_rows, in_flight));
        // Its messages back in the queue before the next consumer starts, so what each kill
        // held is counted once.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while queue_count(&sqs, &queue, &[NOT_VISIBLE]).await > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the killed consumer's messages did not come back within 60 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
    }
    let at_kill = kills
        .iter()
        .map(|(rows, n)| format!("{rows} rows accepted, {n} messages held"))
        .collect::<Vec<_>>()
        .join("; ");
    consume_until_drained(&endpoint, &server, &ca, &["--visibility-seconds", "5"]).await;
    let v = verify(&verify_args(&server, &third, &ca), PAGE)
        .await
        .unwrap();
    let c = &v.services[0];
    assert_eq!(
        (c.records_generated, c.missing, c.unexpected),
        (3000, 0, 0),
        "{c:?}"
    );
    // Only what the killed consumers held can come twice: at most their messages' 50 records
    // each.
    assert!(
        c.duplicated <= held * 50,
        "{} duplicated, {held} messages held at the kills",
        c.duplicated
    );
    eprintln!(
        "three kills ({at_kill}): {held} messages held in all, {} duplicated after the restarts",
        c.duplicated
    );
    server.shutdown().await.unwrap();
    ls.stop().unwrap();
}

/// `serve-ingestion --http` as a process on `port`, ready to serve (its stdout read up to the
/// "Ctrl-C to stop" line).
fn serve_process(port: u16, db: &Path, dcr: &str) -> Reaped {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_simulator"))
        .args([
            "serve-ingestion",
            "--http",
            "--port",
            &port.to_string(),
            "--dcr-id",
            dcr,
        ])
        .args([
            "--tenant",
            DEFAULT_TENANT,
            "--client",
            &format!("{CLIENT}:{SECRET}"),
            "--db",
        ])
        .arg(db)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(
        lines.any(|l| l.unwrap().starts_with("Ctrl-C to stop")),
        "serve-ingestion did not start"
    );
    // Keep draining its stdout so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Reaped(child)
}

async fn stored_rows(base: &str) -> u64 {
    let v: serde_json::Value = reqwest::get(format!("{base}/_mock/streams"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["streams"]["Custom-AWSVPCFlow"].as_u64().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_killed_and_restarted_mid_run_loses_nothing_it_accepted() {
    let (ls, endpoint, dir) = with_vpc_stack();
    let logs = dir.path().join("logs");
    put_logs(&endpoint, &logs, 3000, 4);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let dcr = format!("dcr-{}", "c0de".repeat(8));
    let db = dir.path().join("ingest.sqlite3");
    let mut server = serve_process(port, &db, &dcr);
    let mut consumer = Reaped(
        Command::new(env!("CARGO_BIN_EXE_simulator"))
            .args([
                "consume",
                "--stack",
                STACK,
                "--endpoint",
                &endpoint,
                "--until-drained",
            ])
            .args([
                "--wait-seconds",
                "1",
                "--visibility-seconds",
                "5",
                "--ingest",
                &base,
            ])
            .args([
                "--dcr-id",
                &dcr,
                "--authority",
                &base,
                "--tenant",
                DEFAULT_TENANT,
            ])
            .args(["--client-id", CLIENT, "--client-secret", SECRET])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while stored_rows(&base).await < 300 {
        assert!(
            std::time::Instant::now() < deadline,
            "no rows within 2 minutes"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    // Every row the endpoint accepted before it died is still there when it is back.
    let accepted_before = simulator::ingest::Store::open(&db)
        .unwrap()
        .count("Custom-AWSVPCFlow")
        .unwrap();
    let server = serve_process(port, &db, &dcr);
    assert!(stored_rows(&base).await >= accepted_before);
    let status = tokio::task::spawn_blocking(move || consumer.0.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    let v = verify(
        &VerifyArgs {
            manifests: vec![logs.clone()],
            ingest: base.clone(),
            dcr_id: dcr.clone(),
            ca: None,
            report: None,
        },
        PAGE,
    )
    .await
    .unwrap();
    let c = &v.services[0];
    assert_eq!(
        (c.records_generated, c.missing, c.unexpected),
        (3000, 0, 0),
        "{c:?}"
    );
    eprintln!(
        "endpoint killed after {accepted_before} rows and restarted: 0 missing of 3000, {} duplicated",
        c.duplicated
    );
    drop(server);
    ls.stop().unwrap();
}

/// Messages in `queue`, visible and in flight.
async fn depth(sqs: &aws_sdk_sqs::Client, queue: &str) -> u64 {
    queue_count(sqs, queue, &[VISIBLE, NOT_VISIBLE]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_on_receive_loses_what_a_killed_consumer_had_deleted() {
    // Microsoft's published EKS poller deletes each message on receive. Killed while it works
    // (here: after its first receive deleted every message it got, while its requests hang on an
    // endpoint that never answers), the messages it had received are gone: a second, ordinary
    // consumer cannot get them back, and verify counts their records missing. The doomed
    // consumer posts to an endpoint of its own, so nothing it sends can reach the one verify
    // reads, however late the kill comes on a loaded machine.
    let (ls, endpoint, dir) = with_vpc_stack();
    let logs = dir.path().join("logs");
    put_logs(&endpoint, &logs, 2000, 5);
    let server = mock().await;
    let stalled = mock_with(simulator::ingest::Faults {
        latency: simulator::ingest::Latency::parse("600000").unwrap(),
        ..Default::default()
    })
    .await;
    let ca = write_ca(dir.path(), &server, "ca.pem");
    let stalled_ca = write_ca(dir.path(), &stalled, "stalled-ca.pem");
    let (sqs, queue) = stack_queue(&endpoint).await;
    // S3 notifies asynchronously: wait until every object's message is in the queue.
    let objects = ManifestLines::open(&logs.join("manifest-vpc.jsonl"))
        .unwrap()
        .filter(|l| matches!(l, Ok(ManifestLine::Object(_))))
        .count() as u64;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while depth(&sqs, &queue).await < objects {
        assert!(
            std::time::Instant::now() < deadline,
            "notifications missing after 2 minutes"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // (The queue may also hold S3's test event of the stack's notification configuration.)
    let before = depth(&sqs, &queue).await;
    let mut doomed = Reaped(
        consume_cmd(&endpoint, &stalled, &stalled_ca)
            .arg("--delete-on-receive")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    // Its first receive's messages go in one batch delete. None of their requests can finish,
    // so it holds its 4 permits for good and never receives again: the depth drops once.
    while depth(&sqs, &queue).await == before {
        assert!(
            std::time::Instant::now() < deadline,
            "no deletes within 2 minutes"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    doomed.0.kill().unwrap();
    doomed.0.wait().unwrap();
    let deleted = before - depth(&sqs, &queue).await;
    assert_eq!(stalled.stats().accepted_rows, 0);
    consume_until_drained(&endpoint, &server, &ca, &[]).await;
    let v = verify(&verify_args(&server, &logs, &ca), PAGE)
        .await
        .unwrap();
    let c = &v.services[0];
    // Every deleted message's 50 records are lost (S3's test event may be one of them, and it
    // has none); the rest arrive exactly once.
    assert!((1..=10).contains(&deleted), "{deleted} messages deleted");
    assert!(
        c.missing <= deleted * 50 && c.missing + 50 >= deleted * 50 && c.missing % 50 == 0,
        "{deleted} messages deleted: {c:?}"
    );
    assert!(c.missing > 0, "{c:?}");
    assert_eq!((c.duplicated, c.unexpected), (0, 0), "{c:?}");
    eprintln!(
        "delete on receive, killed after its first receive: {deleted} messages deleted, {} of 2000 records missing",
        c.missing
    );
    stalled.shutdown().await.unwrap();
    server.shutdown().await.unwrap();
    ls.stop().unwrap();
}
