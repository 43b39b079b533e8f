//! The guarantees of the module docs, against the in-memory fakes on a paused
//! tokio clock (timeouts of minutes pass in no wall-clock time).

use std::sync::Arc;
use std::time::Duration;

use catalogue::DataType;
use tokio::sync::watch;
use tokio::time::Instant;

use super::fake::{Answer, Event, FakeObjects, FakeQueue, FakeSink, Journal};
use super::parse::testutil::gz;
use super::*;

const BUCKET: &str = "logs";

struct World {
    journal: Journal,
    queue: Arc<FakeQueue>,
    objects: Arc<FakeObjects>,
    sink: Arc<FakeSink>,
}

impl World {
    fn new(script: impl IntoIterator<Item = Answer>, max_receive_count: Option<u32>) -> Self {
        let journal = Journal::default();
        World {
            queue: Arc::new(FakeQueue::new(&journal, max_receive_count)),
            objects: Arc::new(FakeObjects::new(&journal, 64)),
            sink: Arc::new(FakeSink::new(&journal, script)),
            journal,
        }
    }

    fn ports(&self) -> Ports {
        Ports::new(
            Arc::clone(&self.queue) as Arc<dyn Queue>,
            Arc::clone(&self.objects) as Arc<dyn Objects>,
            Arc::clone(&self.sink) as Arc<dyn Sink>,
        )
    }

    /// Stores `data` under `key` and sends its notification; returns the message id.
    fn object(&self, key: &str, data: Vec<u8>) -> String {
        self.objects.put(BUCKET, key, data);
        self.queue.send(notification(key))
    }

    /// A CloudWatch export of `n` records (`<tag> 0`, `<tag> 1`, ...) with its notification.
    fn log(&self, key: &str, tag: &str, n: usize) -> String {
        self.object(key, gz(cloudwatch(tag, n).as_bytes()))
    }

    /// The `Message` of every accepted row, in order.
    fn messages(&self) -> Vec<String> {
        self.sink
            .rows()
            .iter()
            .map(|(_, r)| r["Message"].as_str().expect("Message").to_string())
            .collect()
    }

    fn events(&self) -> Vec<Event> {
        self.journal.events()
    }

    fn posted_statuses(&self) -> Vec<u16> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Posted { status, .. } => Some(status),
                _ => None,
            })
            .collect()
    }

    fn deleted(&self) -> Vec<String> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Deleted { id } => Some(id),
                _ => None,
            })
            .collect()
    }

    fn receives_of(&self, id: &str) -> usize {
        self.events()
            .iter()
            .filter(|e| matches!(e, Event::Received { id: i, .. } if i == id))
            .count()
    }
}

fn notification(key: &str) -> String {
    serde_json::json!({"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": BUCKET}, "object": {"key": key, "size": 1}}
    }]})
    .to_string()
}

const TEST_EVENT: &str = r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-03-01T00:00:00.000Z","Bucket":"logs"}"#;

fn cloudwatch(tag: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("2026-03-01T00:00:00.{:03}Z,{tag} {i}\n", i % 1000))
        .collect()
}

fn names(tag: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{tag} {i}")).collect()
}

/// One CloudWatch route; stops after two empty 20 s receives with nothing in flight.
fn config() -> ConnectorConfig {
    let target = IngestTarget {
        endpoint: "http://fake.invalid".into(),
        dcr_immutable_id: "dcr-00000000000000000000000000000000".into(),
        credential: crate::Credential::Static("token".into()),
        ca_pem: None,
        gzip: false,
    };
    let mut c = ConnectorConfig::new(vec![Route::new(DataType::CloudWatch, "fake://q")], target);
    c.log = false;
    c.stop_after_empty_polls = Some(2);
    c
}

async fn run_fake(c: &ConnectorConfig, w: &World) -> RouteStats {
    let (_shutdown, rx) = watch::channel(false);
    run_with(c, w.ports(), rx).await.expect("run").total()
}

#[tokio::test(start_paused = true)]
async fn a_message_is_deleted_only_after_every_batch_of_its_object_was_accepted() {
    let w = World::new([], None);
    let id = w.log("a.log.gz", "row", 10);
    let mut c = config();
    // About two rows per request.
    c.max_request_bytes = 300;
    let s = run_fake(&c, &w).await;
    assert_eq!(w.messages(), names("row", 10), "every row once, in order");
    assert!(s.batches >= 4, "{s:?}");
    let events = w.events();
    let deleted = events
        .iter()
        .position(|e| *e == Event::Deleted { id: id.clone() })
        .expect("deleted");
    let last_post = events
        .iter()
        .rposition(|e| matches!(e, Event::Posted { .. }))
        .unwrap();
    assert!(last_post < deleted, "{events:?}");
    assert_eq!(w.posted_statuses().len() as u64, s.batches);
    assert_eq!((s.messages_deleted, s.messages_left), (1, 0));
    assert!(w.queue.ids().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_400_is_not_retried_and_leaves_the_message() {
    let w = World::new(
        [
            Answer::Accept(204),
            Answer::Accept(200),
            Answer::Status(400, None),
        ],
        None,
    );
    let id = w.log("a.log.gz", "row", 10);
    let mut c = config();
    c.max_request_bytes = 300;
    // Not redelivered within the run.
    c.visibility_timeout_seconds = 3600;
    let s = run_fake(&c, &w).await;
    assert_eq!(
        w.posted_statuses(),
        [204, 200, 400],
        "the 400 is not retried"
    );
    assert!(w.deleted().is_empty());
    assert_eq!(w.queue.ids(), [id]);
    assert_eq!(
        (
            s.messages_left,
            s.failed_batches,
            s.retries,
            s.failed_objects
        ),
        (1, 1, 0, 1)
    );
}

#[tokio::test(start_paused = true)]
async fn retryable_answers_are_retried_honouring_retry_after() {
    let w = World::new(
        [
            Answer::Status(429, Some(Duration::from_secs(7))),
            Answer::Status(500, None),
            Answer::Status(503, None),
            Answer::ConnectionError,
            Answer::Accept(204),
        ],
        None,
    );
    w.log("a.log.gz", "row", 3);
    let s = run_fake(&config(), &w).await;
    assert_eq!(w.posted_statuses(), [429, 500, 503, 0, 204]);
    assert_eq!(w.messages(), names("row", 3), "accepted once");
    assert_eq!((s.retries, s.batches, s.messages_deleted), (4, 1, 1));
    let posts: Vec<Instant> = w
        .journal
        .timed()
        .into_iter()
        .filter(|(_, e)| matches!(e, Event::Posted { .. }))
        .map(|(t, _)| t)
        .collect();
    assert!(
        posts[1] - posts[0] >= Duration::from_secs(7),
        "Retry-After honoured: {:?}",
        posts[1] - posts[0]
    );
}

#[tokio::test(start_paused = true)]
async fn exhausted_retries_leave_the_message() {
    let w = World::new(vec![Answer::Status(503, None); 3], None);
    let id = w.log("a.log.gz", "row", 3);
    let mut c = config();
    c.retry.max_attempts = 3;
    c.visibility_timeout_seconds = 3600;
    let s = run_fake(&c, &w).await;
    assert_eq!(w.posted_statuses(), [503, 503, 503]);
    assert!(w.sink.rows().is_empty() && w.deleted().is_empty());
    assert_eq!(w.queue.ids(), [id]);
    assert_eq!((s.messages_left, s.retries, s.failed_batches), (1, 2, 1));
}

#[tokio::test(start_paused = true)]
async fn the_heartbeat_keeps_a_message_invisible_while_its_object_is_processed() {
    // The endpoint takes 30 s to accept; the visibility timeout is 4 s.
    let slow = Answer::After(Duration::from_secs(30), Box::new(Answer::Accept(204)));
    let w = World::new([slow], None);
    let id = w.log("a.log.gz", "row", 3);
    let mut c = config();
    c.visibility_timeout_seconds = 4;
    let s = run_fake(&c, &w).await;
    assert_eq!(w.receives_of(&id), 1, "never redelivered: {:?}", w.events());
    assert_eq!(w.messages(), names("row", 3));
    let events = w.events();
    let extensions = events
        .iter()
        .filter(|e| {
            **e == Event::Visibility {
                id: id.clone(),
                seconds: 4,
            }
        })
        .count();
    // One every 2 s for 30 s.
    assert!(extensions >= 14, "{extensions}: {events:?}");
    assert_eq!(s.visibility_extensions, extensions as u64);
    assert_eq!(w.deleted(), [id]);
}

#[tokio::test(start_paused = true)]
async fn poison_objects_go_to_the_dead_letter_queue_and_are_never_deleted() {
    let w = World::new([], Some(3));
    let mut bad_gzip = gz(b"x");
    bad_gzip.truncate(6);
    bad_gzip.extend_from_slice(b"not deflate data at all");
    // Good records, then the gzip stream stops short: the rows are held back.
    let mut truncated = gz(cloudwatch("row", 200).as_bytes());
    truncated.truncate(truncated.len() * 2 / 3);
    let ids = [
        w.object("bad.log.gz", bad_gzip),
        w.object("plain.log.gz", b"2026-03-01T00:00:00.000Z,plain\n".to_vec()),
        w.object("cut.log.gz", truncated),
    ];
    let mut c = config();
    // Small requests: the cut object fills several before its end.
    c.max_request_bytes = 300;
    c.visibility_timeout_seconds = 30;
    // Each empty streak must outlast an invisible message.
    c.stop_after_empty_polls = Some(3);
    let s = run_fake(&c, &w).await;
    assert!(
        w.posted_statuses().is_empty(),
        "no row of a malformed object was sent"
    );
    assert!(w.deleted().is_empty());
    assert_eq!(w.queue.dead_letters(), ids);
    for id in &ids {
        assert_eq!(w.receives_of(id), 3, "{id}");
    }
    assert_eq!((s.malformed_objects, s.messages_left), (9, 9));
}

#[tokio::test(start_paused = true)]
async fn shutdown_releases_in_flight_and_waiting_messages() {
    let w = World::new([Answer::Hang], None);
    let ids: Vec<String> = (0..3)
        .map(|i| w.log(&format!("{i}.log.gz"), "row", 2))
        .collect();
    let mut c = config();
    c.stop_after_empty_polls = None;
    c.max_in_flight = 1;
    c.shutdown_grace = Duration::from_secs(5);
    c.visibility_timeout_seconds = 600;
    let (tx, rx) = watch::channel(false);
    let start = Instant::now();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(10)).await;
        tx.send_replace(true);
    });
    let s = run_with(&c, w.ports(), rx).await.expect("run").total();
    assert_eq!((s.messages_released, s.messages_deleted), (3, 0));
    assert_eq!(w.queue.visible(), 3, "visible again at once");
    assert!(w.sink.rows().is_empty());
    let releases: Vec<(Duration, String)> = w
        .journal
        .timed()
        .into_iter()
        .filter_map(|(t, e)| match e {
            Event::Visibility { id, seconds: 0 } => Some((t - start, id)),
            _ => None,
        })
        .collect();
    // The two waiting for the in-flight slot at the signal, the one being processed
    // after the grace period.
    let at = |secs| Duration::from_secs(secs);
    assert_eq!(
        releases,
        [
            (at(10), ids[1].clone()),
            (at(10), ids[2].clone()),
            (at(15), ids[0].clone())
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn deletes_are_batched_and_counted_before_run_returns() {
    let w = World::new([], None);
    for _ in 0..25 {
        w.queue.send(TEST_EVENT);
    }
    let mut c = config();
    // Longer than the run: only full batches, flushes and the drain send deletes.
    c.delete_linger = Duration::from_secs(3600);
    let start = Instant::now();
    let s = run_fake(&c, &w).await;
    assert!(
        start.elapsed() < Duration::from_secs(600),
        "{:?}",
        start.elapsed()
    );
    let calls: Vec<usize> = w
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::DeleteCall { entries } => Some(entries),
            _ => None,
        })
        .collect();
    assert_eq!(calls.iter().sum::<usize>(), 25, "{calls:?}");
    assert!(calls.iter().all(|n| *n <= 10), "{calls:?}");
    assert!(calls.iter().filter(|n| **n == 10).count() >= 2, "{calls:?}");
    assert_eq!(s.delete_calls, calls.len() as u64);
    assert_eq!((s.test_events, s.messages_deleted), (25, 25));
    assert!(w.queue.ids().is_empty());
}

#[tokio::test(start_paused = true)]
async fn rows_arrive_exactly_once_across_a_redelivery() {
    // The first batch of the first delivery is refused: nothing of the object was
    // accepted, and the redelivery sends it all.
    let w = World::new([Answer::Status(400, None)], None);
    let id = w.log("a.log.gz", "row", 6);
    let mut c = config();
    c.max_request_bytes = 300;
    c.visibility_timeout_seconds = 30;
    let s = run_fake(&c, &w).await;
    assert_eq!(w.receives_of(&id), 2);
    assert_eq!(w.messages(), names("row", 6), "each row exactly once");
    assert_eq!(w.deleted(), [id]);
    assert_eq!((s.messages_left, s.messages_deleted), (1, 1));
}

#[derive(Debug)]
struct RefuseGets;

impl Gate for RefuseGets {
    fn check(&self, _route: &str, call: GatedCall<'_>) -> Result<(), String> {
        match call {
            GatedCall::GetObject { key, .. } => Err(format!("no s3:GetObject on {key}")),
            _ => Ok(()),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_gate_refusal_is_handled_as_access_denied() {
    let w = World::new([], None);
    let id = w.log("a.log.gz", "row", 3);
    let mut c = config();
    c.gate = Some(Arc::new(RefuseGets));
    c.visibility_timeout_seconds = 3600;
    let s = run_fake(&c, &w).await;
    let fetched = w
        .events()
        .into_iter()
        .any(|e| matches!(e, Event::Fetched { .. }));
    assert!(!fetched, "the refused call never reached the store");
    assert!(w.posted_statuses().is_empty() && w.deleted().is_empty());
    assert_eq!(w.queue.ids(), [id]);
    assert_eq!((s.failed_objects, s.messages_left), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn malformed_records_and_oversized_rows_are_counted_and_the_rest_ingested() {
    let w = World::new([], None);
    let big = "x".repeat(400);
    let text = format!(
        "2026-03-01T00:00:00.000Z,row 0\nnot a record\n2026-03-01T00:00:00.001Z,{big}\n2026-03-01T00:00:00.002Z,row 1\n"
    );
    let id = w.object("a.log.gz", gz(text.as_bytes()));
    let mut c = config();
    c.max_request_bytes = 300;
    let s = run_fake(&c, &w).await;
    assert_eq!(w.messages(), names("row", 2));
    assert_eq!((s.malformed_lines, s.oversized_rows), (1, 1));
    assert_eq!(w.deleted(), [id]);
}

#[tokio::test(start_paused = true)]
async fn the_live_view_follows_the_run_and_ends_equal_to_its_result() {
    let w = World::new([], None);
    for i in 0..3 {
        w.log(&format!("{i}.log.gz"), "row", 5);
    }
    let mut c = config();
    let live = Live::default();
    assert!(live.snapshot().is_none(), "nothing before a run");
    c.live = Some(live.clone());
    let (_shutdown, rx) = watch::channel(false);
    let stats = run_with(&c, w.ports(), rx).await.expect("run");
    let (seen, in_flight) = live.snapshot().expect("attached by the run");
    assert_eq!(in_flight, 0);
    assert_eq!(seen.total().records_ingested, 15);
    assert_eq!(seen.total().messages_deleted, 3);
    assert_eq!(
        serde_json::to_value(&seen).unwrap(),
        serde_json::to_value(&stats).unwrap()
    );
    live.detach();
    assert!(live.snapshot().is_none());
    let mut twice = stats.clone();
    twice.merge(&stats);
    assert_eq!(twice.total().records_ingested, 30);
}

#[tokio::test(start_paused = true)]
async fn delete_on_receive_loses_what_a_failed_object_held() {
    // The same refused batch: ours leaves the message for redelivery, the delete-on-receive
    // mode has deleted it already and counts it lost.
    for delete_on_receive in [false, true] {
        let w = World::new([Answer::Status(400, None)], None);
        let id = w.log("a.log.gz", "row", 5);
        let mut c = config();
        c.visibility_timeout_seconds = 3600;
        c.delete_on_receive = delete_on_receive;
        let s = run_fake(&c, &w).await;
        assert!(w.messages().is_empty());
        if delete_on_receive {
            assert_eq!(w.deleted(), vec![id]);
            assert_eq!(
                (s.messages_deleted, s.messages_lost, s.messages_left),
                (1, 1, 0)
            );
            assert!(w.queue.ids().is_empty(), "gone, and its rows with it");
        } else {
            assert!(w.deleted().is_empty());
            assert_eq!(
                (s.messages_deleted, s.messages_lost, s.messages_left),
                (0, 0, 1)
            );
            assert_eq!(w.queue.ids(), vec![id]);
        }
    }
}
