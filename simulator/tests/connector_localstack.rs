//! The connector against real LocalStack: buckets with real S3 -> SQS
//! notifications, objects from the simulator's generators, and a small
//! in-test Logs Ingestion endpoint (raw HTTP/1.1 on a TCP listener) that
//! checks each request on the wire (path, headers, size) and records every row.
//!
//! What needs no real wire (retries of 429/5xx and none of 400, the visibility
//! heartbeat, shutdown releases, poison objects and the dead-letter queue,
//! exactly-once rows across a redelivery) is tested against in-memory fakes in
//! the connector's unit tests (`connector/src/tests.rs`).
//!
//! * `exactly_once_and_deleted`: every expected row arrives exactly once, the
//!   good messages (and the s3:TestEvents) are deleted, CloudTrail digests
//!   are skipped, malformed objects (truncated gzip, plain text under .gz)
//!   send nothing and stay on the queue.
//! * `through_the_ingest_mock_with_faults`: the project's mock Logs
//!   Ingestion API (schema validation, SQLite store) with seeded 429 / 503 /
//!   dropped connections and gzip bodies: the stored rows, read back typed,
//!   equal the manifests' expected rows exactly once.
//! * `batched_deletes_all_counted_before_run_returns`: 41 messages on one
//!   queue and a delete linger longer than the run, so deletes go out only as
//!   full `DeleteMessageBatch` calls, on the flush after an empty receive and
//!   on the drain: every message is deleted and counted, and the queue is
//!   empty when `run` returns.
//!
//! * `digests_by_content_and_bad_values_are_counted`: a CloudTrail digest
//!   under a key that does not say so is recognised by its content (skipped,
//!   deleted, no rows); a record with a non-boolean `readOnly` is ingested
//!   without it and counted as a bad value.
//!
//! * `a_refusing_gate_fails_calls_as_aws_would`: a [`connector::Gate`] refusing the receives
//!   of one route, the GetObject of another and the deletes of a third: the first receives
//!   nothing and still lets the run stop, the second leaves every message (no row sent), the
//!   third ingests its rows and leaves its messages; each refusal is an AccessDenied error.
//!
//! One LocalStack serves all five (started once per test binary, stopped at
//! the end of the last test through a reference count). Waits are deadlines,
//! never fixed sleeps.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Event, NotificationConfiguration, QueueConfiguration};
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::Value;
use simulator::connector::parse::write_row_json;
use simulator::connector::{self, ConnectorConfig, IngestTarget, RetryPolicy, Route};
use simulator::synth::manifest::{Content, ObjectKind};
use simulator::synth::{self, BadDataKind, GenOptions, MemOutput};
use simulator::DataType;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::watch;

// ------------------------------------------------------------ LocalStack

struct Shared {
    ls: Mutex<Option<harness::LocalStack>>,
    users: Mutex<usize>,
}

fn shared() -> &'static Shared {
    static S: OnceLock<Shared> = OnceLock::new();
    S.get_or_init(|| Shared {
        ls: Mutex::new(None),
        users: Mutex::new(0),
    })
}

/// Tests in this binary that have not finished yet.
const TESTS: usize = 5;

/// The shared LocalStack's endpoint (started by the first caller).
fn localstack() -> String {
    let s = shared();
    let mut ls = s.ls.lock().unwrap_or_else(|e| e.into_inner());
    if ls.is_none() {
        let started = harness::LocalStack::start(harness::LocalStackConfig::default())
            .unwrap_or_else(|e| panic!("LocalStack did not start: {e}"));
        *ls = Some(started);
    }
    ls.as_ref().unwrap().endpoint().to_string()
}

/// Marks one test done; the last one stops LocalStack (also on failure,
/// through the guard's drop).
struct Done;

impl Drop for Done {
    fn drop(&mut self) {
        let s = shared();
        let mut users = s.users.lock().unwrap_or_else(|e| e.into_inner());
        *users += 1;
        if *users == TESTS {
            if let Some(ls) = s.ls.lock().unwrap_or_else(|e| e.into_inner()).take() {
                ls.stop().expect("stopping LocalStack");
            }
        }
    }
}

async fn clients(endpoint: &str) -> (aws_sdk_s3::Client, aws_sdk_sqs::Client) {
    let config = deployer::sdk_config(&deployer::Target::localstack(endpoint)).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    (s3, aws_sdk_sqs::Client::new(&config))
}

/// A bucket whose ObjectCreated notifications go to a new queue; returns
/// the queue URL once the s3:TestEvent arrived (left on the queue: the
/// connector must drop it).
async fn bucket_with_queue(
    s3: &aws_sdk_s3::Client,
    sqs: &aws_sdk_sqs::Client,
    name: &str,
) -> String {
    s3.create_bucket()
        .bucket(name)
        .send()
        .await
        .expect("create bucket");
    let url = sqs
        .create_queue()
        .queue_name(name)
        .attributes(QueueAttributeName::VisibilityTimeout, "60")
        .send()
        .await
        .expect("create queue")
        .queue_url
        .unwrap();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&QueueAttributeName::QueueArn]
        .clone();
    s3.put_bucket_notification_configuration()
        .bucket(name)
        .notification_configuration(
            NotificationConfiguration::builder()
                .queue_configurations(
                    QueueConfiguration::builder()
                        .queue_arn(arn)
                        .events(Event::from("s3:ObjectCreated:*"))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .expect("notification configuration");
    url
}

/// Messages on the queue, visible + in flight.
async fn queue_depth(sqs: &aws_sdk_sqs::Client, url: &str) -> u64 {
    let a = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap_or_default();
    a.values().map(|v| v.parse::<u64>().unwrap()).sum()
}

/// Waits (deadline) until the queue holds exactly `n` messages.
async fn wait_depth(sqs: &aws_sdk_sqs::Client, url: &str, n: u64) {
    let end = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut delay = Duration::from_millis(100);
    loop {
        let d = queue_depth(sqs, url).await;
        if d == n {
            return;
        }
        assert!(
            tokio::time::Instant::now() < end,
            "queue {url} holds {d} messages, expected {n}"
        );
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(1));
    }
}

/// Generates a service's objects into memory and uploads them.
async fn upload(s3: &aws_sdk_s3::Client, bucket: &str, opts: &GenOptions) -> MemOutput {
    let mut out = MemOutput::default();
    synth::generate(opts, &mut out).expect("generate");
    for key in &out.order {
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from(out.objects[key].clone()))
            .send()
            .await
            .expect("put object");
    }
    out
}

/// The rows the endpoint must receive for `out`, as JSON values.
fn expected_rows(out: &MemOutput) -> Vec<Value> {
    let mut rows = Vec::new();
    for e in out.entries().filter(|e| e.ingest) {
        assert!(e.records_listed);
        for r in &e.records {
            let mut buf = Vec::new();
            write_row_json(&r.expected, &mut buf).unwrap();
            rows.push(serde_json::from_slice(&buf).unwrap());
        }
    }
    rows
}

fn sorted(mut v: Vec<Value>) -> Vec<String> {
    let mut s: Vec<String> = v.drain(..).map(|x| x.to_string()).collect();
    s.sort();
    s
}

// ------------------------------------------------------------ endpoint

/// What the endpoint saw.
#[derive(Default)]
struct Seen {
    /// Accepted rows per stream.
    rows: BTreeMap<String, Vec<Value>>,
    bad_requests: Vec<String>,
}

/// A minimal Logs Ingestion endpoint: HTTP/1.1 with keep-alive, checks the
/// path, headers and body, and accepts every request (204).
struct Endpoint {
    url: String,
    seen: Arc<Mutex<Seen>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const DCR: &str = "dcr-00112233445566778899aabbccddeeff";
const TOKEN: &str = "test-token";

async fn endpoint() -> Endpoint {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Seen::default()));
    let seen2 = Arc::clone(&seen);
    let task = tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let seen = Arc::clone(&seen2);
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let path = line.split(' ').nth(1).unwrap_or("").to_string();
                    let mut headers = BTreeMap::new();
                    loop {
                        let mut h = String::new();
                        if r.read_line(&mut h).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        if let Some((k, v)) = h.split_once(':') {
                            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                        }
                    }
                    let len: usize = headers
                        .get("content-length")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    let mut body = vec![0; len];
                    if r.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    {
                        let mut s = seen.lock().unwrap();
                        let prefix = format!("/dataCollectionRules/{DCR}/streams/");
                        let ok_headers = headers.get("authorization").map(String::as_str)
                            == Some(&*format!("Bearer {TOKEN}"))
                            && headers.get("content-type").map(String::as_str)
                                == Some("application/json")
                            && headers
                                .get("x-ms-client-request-id")
                                .is_some_and(|v| v.len() == 36);
                        let stream = path
                            .strip_prefix(&prefix)
                            .and_then(|p| p.strip_suffix("?api-version=2023-01-01"));
                        match (stream, ok_headers, body.len() <= 1_000_000) {
                            (Some(stream), true, true) => {
                                let rows: Vec<Value> =
                                    serde_json::from_slice(&body).expect("JSON array body");
                                s.rows.entry(stream.to_string()).or_default().extend(rows);
                            }
                            _ => s
                                .bad_requests
                                .push(format!("{path} {headers:?} {} bytes", body.len())),
                        }
                    }
                    let resp = "HTTP/1.1 204 No Content\r\n\r\n";
                    if w.write_all(resp.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Endpoint { url, seen, task }
}

fn config(routes: Vec<Route>, ep: &Endpoint) -> ConnectorConfig {
    let mut c = ConnectorConfig::new(
        routes,
        IngestTarget {
            endpoint: ep.url.clone(),
            dcr_immutable_id: DCR.into(),
            credential: connector::Credential::Static(TOKEN.into()),
            ca_pem: None,
            gzip: false,
        },
    );
    c.wait_time_seconds = 1;
    c.visibility_timeout_seconds = 60;
    c.stop_after_empty_polls = Some(2);
    c.retry = RetryPolicy {
        max_attempts: 6,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(500),
        request_timeout: Duration::from_secs(30),
    };
    c
}

async fn run_until_drained(
    c: &ConnectorConfig,
    s3: &aws_sdk_s3::Client,
    sqs: &aws_sdk_sqs::Client,
) -> connector::Stats {
    let (_tx, rx) = watch::channel(false);
    tokio::time::timeout(Duration::from_secs(300), connector::run(c, s3, sqs, rx))
        .await
        .expect("the connector drains the queues within the deadline")
        .expect("connector run")
}

// ------------------------------------------------------------ tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_once_and_deleted() {
    let _done = Done;
    let (s3, sqs) = clients(&localstack()).await;
    let vpc_q = bucket_with_queue(&s3, &sqs, "conn-vpc").await;
    let ct_q = bucket_with_queue(&s3, &sqs, "conn-cloudtrail").await;
    let cw_q = bucket_with_queue(&s3, &sqs, "conn-cloudwatch").await;
    let bad = vec![
        BadDataKind::MalformedLines,
        BadDataKind::TruncatedGzip,
        BadDataKind::NotGzip,
        BadDataKind::Empty,
    ];
    let mut vpc = GenOptions::new(DataType::Vpc, 3000, 31);
    vpc.bad_data = bad.clone();
    let mut ct = GenOptions::new(DataType::CloudTrail, 400, 32);
    ct.bad_data = bad.clone();
    let cw = GenOptions::new(DataType::CloudWatch, 1500, 33);
    let vpc_out = upload(&s3, "conn-vpc", &vpc).await;
    let ct_out = upload(&s3, "conn-cloudtrail", &ct).await;
    let cw_out = upload(&s3, "conn-cloudwatch", &cw).await;
    // Test event + one message per object.
    wait_depth(&sqs, &vpc_q, 1 + vpc_out.objects.len() as u64).await;
    wait_depth(&sqs, &ct_q, 1 + ct_out.objects.len() as u64).await;
    wait_depth(&sqs, &cw_q, 1 + cw_out.objects.len() as u64).await;

    let ep = endpoint().await;
    let mut c = config(
        vec![
            Route::new(DataType::Vpc, &vpc_q),
            Route::new(DataType::CloudTrail, &ct_q),
            Route::new(DataType::CloudWatch, &cw_q),
        ],
        &ep,
    );
    // Several batches per object.
    c.max_request_bytes = 200_000;
    // Regular objects (~1 MB of row JSON) exceed the hold-back and stream
    // their batches; the small malformed objects are held and send nothing.
    c.hold_back_bytes = 300_000;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    c.objects_done = Some(done.clone());
    let stats = run_until_drained(&c, &s3, &sqs).await;
    // The live counter of objects done is the sum of the objects and skipped objects.
    let t = stats.total();
    assert_eq!(
        done.load(std::sync::atomic::Ordering::Relaxed),
        t.objects + t.objects_skipped
    );

    let seen = std::mem::take(&mut *ep.seen.lock().unwrap());
    assert!(seen.bad_requests.is_empty(), "{:?}", seen.bad_requests);
    for (route, out, stream) in [
        ("vpc", &vpc_out, "Custom-AWSVPCFlow"),
        ("cloudtrail", &ct_out, "Custom-AWSCloudTrail"),
        ("cloudwatch", &cw_out, "Custom-AWSCloudWatch"),
    ] {
        let want = expected_rows(out);
        let got = seen.rows.get(stream).cloned().unwrap_or_default();
        assert_eq!(got.len(), want.len(), "{route}: rows received");
        assert_eq!(
            sorted(got),
            sorted(want.clone()),
            "{route}: exactly the expected rows"
        );
        let s = &stats.routes[route];
        let undecodable = out
            .entries()
            .filter(|e| matches!(e.content, Content::TruncatedGzip | Content::NotGzip))
            .count() as u64;
        let digests = out
            .entries()
            .filter(|e| e.kind == ObjectKind::Digest)
            .count() as u64;
        let malformed: u64 = out
            .entries()
            .map(|e| (e.malformed_lines.len() + e.malformed_indexes.len()) as u64)
            .sum();
        assert_eq!(s.test_events, 1, "{route}");
        assert_eq!(s.records_ingested, want.len() as u64, "{route}");
        assert_eq!(s.malformed_objects, undecodable, "{route}");
        assert_eq!(s.objects_skipped, digests, "{route}");
        assert_eq!(s.malformed_lines, malformed, "{route}");
        assert_eq!(s.messages_left, undecodable, "{route}");
        assert_eq!(
            s.messages_deleted,
            1 + out.objects.len() as u64 - undecodable,
            "{route}"
        );
        assert!(s.batches > 1, "{route}: {s:?}");
        assert_eq!(s.retries, 0);
    }
    // Only the malformed objects' messages remain (in flight until their
    // visibility timeout, then redelivered towards the DLQ).
    wait_depth(&sqs, &vpc_q, 2).await;
    wait_depth(&sqs, &ct_q, 2).await;
    wait_depth(&sqs, &cw_q, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_ingest_mock_with_faults() {
    use simulator::ingest;
    let _done = Done;
    let (s3, sqs) = clients(&localstack()).await;
    let gd_q = bucket_with_queue(&s3, &sqs, "conn-mock-gd").await;
    let ct_q = bucket_with_queue(&s3, &sqs, "conn-mock-ct").await;
    let mut gd = GenOptions::new(DataType::GuardDuty, 400, 38);
    gd.bad_data = vec![BadDataKind::MalformedLines, BadDataKind::Empty];
    let mut ct = GenOptions::new(DataType::CloudTrail, 400, 39);
    ct.bad_data = vec![BadDataKind::MalformedLines];
    let gd_out = upload(&s3, "conn-mock-gd", &gd).await;
    let ct_out = upload(&s3, "conn-mock-ct", &ct).await;
    wait_depth(&sqs, &gd_q, 1 + gd_out.objects.len() as u64).await;
    wait_depth(&sqs, &ct_q, 1 + ct_out.objects.len() as u64).await;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ingest.db");
    let server = ingest::serve(ingest::Config {
        db: Some(db.clone()),
        auth: ingest::Auth::Static(TOKEN.into()),
        faults: ingest::Faults {
            throttle: 0.15,
            retry_after_secs: 0,
            unavailable: 0.1,
            drop: 0.05,
            seed: Some(7),
            ..ingest::Faults::default()
        },
        ..ingest::Config::default()
    })
    .await
    .expect("mock ingestion endpoint");
    let mut c = ConnectorConfig::new(
        vec![
            Route::new(DataType::GuardDuty, &gd_q),
            Route::new(DataType::CloudTrail, &ct_q),
        ],
        IngestTarget {
            endpoint: server.base_url().to_string(),
            dcr_immutable_id: server.dcr_id().to_string(),
            credential: connector::Credential::Static(TOKEN.into()),
            ca_pem: None,
            gzip: true,
        },
    );
    c.wait_time_seconds = 1;
    c.stop_after_empty_polls = Some(2);
    c.max_request_bytes = 100_000;
    c.retry = RetryPolicy {
        max_attempts: 12,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        request_timeout: Duration::from_secs(30),
    };
    let stats = run_until_drained(&c, &s3, &sqs).await;
    server.shutdown().await.expect("mock shutdown");

    let store = ingest::Store::open(&db).unwrap();
    let mut retries = 0;
    for (route, out, service) in [
        ("guardduty", &gd_out, DataType::GuardDuty),
        ("cloudtrail", &ct_out, DataType::CloudTrail),
    ] {
        let table = service.table();
        let mut got: Vec<String> = store
            .rows(&service.default_stream())
            .unwrap()
            .map(|r| serde_json::to_string(&r.unwrap().table_row(table).unwrap()).unwrap())
            .collect();
        let mut want: Vec<String> = out
            .entries()
            .filter(|e| e.ingest)
            .flat_map(|e| e.records.iter())
            .map(|r| serde_json::to_string(&r.expected).unwrap())
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got.len(), want.len(), "{route}");
        assert!(
            got == want,
            "{route}: stored rows differ from the expected rows"
        );
        let s = &stats.routes[route];
        assert_eq!(s.messages_deleted, 1 + out.objects.len() as u64, "{s:?}");
        assert_eq!(s.failed_batches, 0, "{s:?}");
        retries += s.retries;
    }
    assert!(retries > 0, "the injected faults were retried");
    wait_depth(&sqs, &gd_q, 0).await;
    wait_depth(&sqs, &ct_q, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_deletes_all_counted_before_run_returns() {
    let _done = Done;
    let (s3, sqs) = clients(&localstack()).await;
    let q = bucket_with_queue(&s3, &sqs, "conn-batch-delete").await;
    let mut o = GenOptions::new(DataType::CloudWatch, 400, 40);
    o.records_per_object = Some(10);
    let out = upload(&s3, "conn-batch-delete", &o).await;
    let objects = out.objects.len() as u64;
    assert_eq!(objects, 40);
    let messages = 1 + objects;
    wait_depth(&sqs, &q, messages).await;

    let ep = endpoint().await;
    let mut c = config(vec![Route::new(DataType::CloudWatch, &q)], &ep);
    // Longer than the run: only full batches, the flush after an empty
    // receive and the drain send deletes.
    c.delete_linger = Duration::from_secs(600);
    let stats = run_until_drained(&c, &s3, &sqs).await;
    // run returned: every delete was sent and its result counted.
    assert_eq!(queue_depth(&sqs, &q).await, 0);
    let s = &stats.routes["cloudwatch"];
    assert_eq!(s.messages_received, messages, "{s:?}");
    assert_eq!(s.messages_deleted, messages, "{s:?}");
    assert_eq!((s.messages_left, s.delete_errors), (0, 0), "{s:?}");
    // At most 10 entries per call, each message in one call (no retries).
    assert!(
        s.delete_calls >= messages.div_ceil(10) && s.delete_calls <= messages,
        "{s:?}"
    );
    let seen = std::mem::take(&mut *ep.seen.lock().unwrap());
    let got = seen
        .rows
        .get("Custom-AWSCloudWatch")
        .cloned()
        .unwrap_or_default();
    assert_eq!(sorted(got), sorted(expected_rows(&out)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digests_by_content_and_bad_values_are_counted() {
    let _done = Done;
    let (s3, sqs) = clients(&localstack()).await;
    let q = bucket_with_queue(&s3, &sqs, "conn-digest").await;
    let mut trail = MemOutput::default();
    synth::generate(&GenOptions::new(DataType::CloudTrail, 50, 37), &mut trail).unwrap();
    let digest = trail
        .entries()
        .find(|e| e.kind == ObjectKind::Digest)
        .expect("a run writes digests");
    let objects = [
        // A copy outside the standard layout: the key does not say "digest".
        (
            "copies/0001.json.gz".to_string(),
            trail.objects[&digest.key].clone(),
        ),
        (
            "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/01/x.json".to_string(),
            br#"{"Records":[{"eventTime":"2026-03-01T00:00:01Z","eventID":"E1","readOnly":"yes","managementEvent":"TRUE"}]}"#
                .to_vec(),
        ),
    ];
    for (key, body) in &objects {
        s3.put_object()
            .bucket("conn-digest")
            .key(key)
            .body(ByteStream::from(body.clone()))
            .send()
            .await
            .expect("put object");
    }
    wait_depth(&sqs, &q, 1 + objects.len() as u64).await;
    let ep = endpoint().await;
    let c = config(vec![Route::new(DataType::CloudTrail, &q)], &ep);
    let stats = run_until_drained(&c, &s3, &sqs).await;
    let s = &stats.routes["cloudtrail"];
    assert_eq!((s.objects, s.objects_skipped), (1, 1), "{s:?}");
    assert_eq!(
        (s.records_ingested, s.bad_values, s.malformed_lines),
        (1, 1, 0)
    );
    assert_eq!(s.messages_deleted, 1 + objects.len() as u64);
    let seen = std::mem::take(&mut *ep.seen.lock().unwrap());
    let rows = &seen.rows["Custom-AWSCloudTrail"];
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["ManagementEvent"], true);
    assert!(rows[0].get("ReadOnly").is_none(), "{}", rows[0]);
    wait_depth(&sqs, &q, 0).await;
}

/// Refuses, per route: its receives (`recv`), its GetObject calls (`get`), its deletes (`del`).
#[derive(Debug, Default)]
struct Refuse {
    asked: Mutex<Vec<String>>,
}

impl connector::Gate for Refuse {
    fn check(&self, route: &str, call: connector::GatedCall<'_>) -> Result<(), String> {
        use connector::GatedCall as G;
        let what = match call {
            G::ReceiveMessage { .. } => "receive",
            G::DeleteMessageBatch { .. } => "delete",
            G::ChangeMessageVisibility { .. } => "visibility",
            G::GetObject { .. } => "get",
            G::Decrypt { .. } => "decrypt",
        };
        self.asked.lock().unwrap().push(format!("{route} {what}"));
        let refused = matches!(
            (route, what),
            ("recv", "receive") | ("get", "get") | ("del", "delete")
        );
        if refused {
            Err(format!("test gate refuses {what} on route {route}"))
        } else {
            Ok(())
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_gate_fails_calls_as_aws_would() {
    let _done = Done;
    let (s3, sqs) = clients(&localstack()).await;
    let mut routes = Vec::new();
    let mut queues = BTreeMap::new();
    let mut objects = 0;
    for (name, seed) in [("recv", 41), ("get", 42), ("del", 43)] {
        let bucket = format!("conn-gate-{name}");
        let q = bucket_with_queue(&s3, &sqs, &bucket).await;
        let mut o = GenOptions::new(DataType::CloudWatch, 20, seed);
        o.records_per_object = Some(10);
        let out = upload(&s3, &bucket, &o).await;
        objects = out.objects.len() as u64;
        wait_depth(&sqs, &q, 1 + objects).await;
        let mut r = Route::new(DataType::CloudWatch, &q);
        r.name = name.into();
        routes.push(r);
        queues.insert(name, q);
    }
    let ep = endpoint().await;
    let mut c = config(routes, &ep);
    let gate = Arc::new(Refuse::default());
    c.gate = Some(Arc::clone(&gate) as Arc<dyn connector::Gate>);
    let stats = run_until_drained(&c, &s3, &sqs).await;

    // Refused receives: nothing received, and they count towards stopping.
    let recv = &stats.routes["recv"];
    assert_eq!(recv.messages_received, 0);
    assert!(recv.receive_errors >= 2, "{recv:?}");
    wait_depth(&sqs, &queues["recv"], 1 + objects).await;
    // Refused GetObject: every object fails, its message is left; the test event is deleted.
    let get = &stats.routes["get"];
    assert_eq!(get.failed_objects, objects, "{get:?}");
    assert_eq!(get.messages_left, objects);
    assert_eq!(get.messages_deleted, 1);
    // Refused deletes: the rows went, the messages stay.
    let del = &stats.routes["del"];
    assert_eq!(del.objects, objects, "{del:?}");
    assert_eq!(del.messages_deleted, 0);
    assert_eq!(del.delete_errors, 1 + objects, "{del:?}");
    wait_depth(&sqs, &queues["del"], 1 + objects).await;
    let seen = std::mem::take(&mut *ep.seen.lock().unwrap());
    assert_eq!(
        seen.rows.values().map(Vec::len).sum::<usize>(),
        20,
        "only route del's rows"
    );
    let asked = gate.asked.lock().unwrap();
    assert!(asked.contains(&"get get".to_string()) && asked.contains(&"del delete".to_string()));
}
