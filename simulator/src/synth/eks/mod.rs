//! EKS control-plane logs: Kubernetes audit events (`audit.k8s.io/v1`, kind `Event`) as EKS
//! writes them to CloudWatch Logs (`/aws/eks/<cluster>/cluster`, streams
//! `kube-apiserver-audit-<32 hex>`), mixed with the other control-plane log types (api,
//! authenticator, controllerManager, scheduler) that a delivery path must filter out.
//!
//! Unlike the other services, the S3 objects are not made here: the EKS stack's Firehose names
//! them and its Lambda writes them. So the ground truth is the set of `AWSEKSLogs_CL` rows the
//! stack must produce, keyed by `auditID` + `stage` ([`EksRun::expected`]), and
//! [`crate::replay::deliver`] pushes the log events through a real CloudWatch Logs API
//! ([`crate::replay::LogsSink`], e.g. LocalStack's) in timestamp order, so CloudWatch Logs ->
//! subscription filter -> Firehose -> Lambda -> S3 runs for real.
//!
//! The callers, their requests and the audit events they write are in `requests`.
//!
//! Deterministic: the same [`EksOptions`] (seed and start time included) give the same events
//! and rows. CloudWatch Logs refuses events older than 14 days, so callers base `start_ms` on
//! the current time ([`recent_start_ms`]) and record it (it is in [`EksManifest`]).

mod requests;

use std::collections::{BTreeMap, BTreeSet};

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::cloudwatch::LogEvent;
use super::manifest::ExpectedRecord;
use super::rng::{self, hex, pick};
use crate::tables::{format_datetime_ms, AwsEksLogs, Table, TableRow};
use requests::{noise_line, request, Request};

/// The Sentinel table the EKS stack writes.
pub const TABLE: Table = Table::AWSEKSLogs_CL;

/// What a run looks like. Build with [`EksOptions::new`] and adjust.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EksOptions {
    pub seed: u64,
    /// Audit events (= expected rows) to generate.
    pub audit_events: u64,
    /// Non-audit control-plane lines per 100 audit events.
    pub noise_per_100: u32,
    pub cluster: String,
    /// The account the log group lives in (the subscription payload's `owner`).
    pub account_id: String,
    /// The region of the stack (the Lambda's `AWS_REGION`).
    pub region: String,
    /// Time of the first request, epoch ms.
    pub start_ms: i64,
    /// Requests per second.
    pub rate: f64,
    /// Most log events per PutLogEvents call (one call is one subscription payload).
    pub max_batch: usize,
}

impl EksOptions {
    pub fn new(cluster: &str, audit_events: u64, seed: u64, start_ms: i64) -> Self {
        EksOptions {
            seed,
            audit_events,
            noise_per_100: 30,
            cluster: cluster.to_string(),
            account_id: "000000000000".into(),
            region: "us-east-1".into(),
            start_ms,
            rate: 20.0,
            max_batch: 100,
        }
    }

    /// `/aws/eks/<cluster>/cluster`.
    pub fn log_group(&self) -> String {
        format!("/aws/eks/{}/cluster", self.cluster)
    }
}

/// `now_ms` minus `minutes_ago` minutes, rounded down to the minute: a start CloudWatch Logs
/// accepts (not older than 14 days, not in the future).
pub fn recent_start_ms(now_ms: i64, minutes_ago: i64) -> i64 {
    (now_ms - minutes_ago * 60_000).div_euclid(60_000) * 60_000
}

/// One expected row and its key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedAudit {
    pub audit_id: String,
    pub stage: String,
    pub row: AwsEksLogs,
}

impl ExpectedAudit {
    /// `<auditID>/<stage>`: unique within a run (one event per stage per request).
    pub fn key(&self) -> String {
        audit_key(&self.audit_id, &self.stage)
    }
}

/// The key of a row: `<auditID>/<stage>`.
pub fn audit_key(audit_id: &str, stage: &str) -> String {
    format!("{audit_id}/{stage}")
}

/// The key of a row as the Lambda wrote it (from its `RawEvent`).
pub fn row_key(row: &AwsEksLogs) -> Option<String> {
    Some(audit_key(
        row.RawEvent.get("auditID")?.as_str()?,
        row.RawEvent.get("stage")?.as_str()?,
    ))
}

/// Everything one run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct EksRun {
    pub options: EksOptions,
    pub log_group: String,
    /// Every log event (audit and other control-plane lines), in timestamp order.
    pub events: Vec<LogEvent>,
    /// The rows the stack must produce, in the order of their log events.
    pub expected: Vec<ExpectedAudit>,
    /// Non-audit lines among `events` (they must yield no row).
    pub noise_events: u64,
}

/// The ground truth of a run, as a checker (or `replay`) stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EksManifest {
    pub table: Table,
    pub options: EksOptions,
    pub log_group: String,
    /// Canonical datetime of `options.start_ms`.
    pub start: String,
    pub log_events: u64,
    pub noise_events: u64,
    /// One per audit event: `id` = `<auditID>/<stage>`, `index` = position, `line` = None.
    pub records: Vec<ExpectedRecord>,
}

impl EksRun {
    /// Expected rows by [`audit_key`].
    pub fn expected_by_key(&self) -> BTreeMap<String, &AwsEksLogs> {
        self.expected.iter().map(|e| (e.key(), &e.row)).collect()
    }

    /// The log streams written, sorted.
    pub fn streams(&self) -> Vec<String> {
        let s: BTreeSet<&str> = self.events.iter().map(|e| e.log_stream.as_str()).collect();
        s.into_iter().map(String::from).collect()
    }

    pub fn manifest(&self) -> EksManifest {
        EksManifest {
            table: TABLE,
            options: self.options.clone(),
            log_group: self.log_group.clone(),
            start: format_datetime_ms(self.options.start_ms),
            log_events: self.events.len() as u64,
            noise_events: self.noise_events,
            records: self
                .expected
                .iter()
                .enumerate()
                .map(|(i, e)| ExpectedRecord {
                    id: e.key(),
                    index: i as u64,
                    line: None,
                    time_generated: e.row.TimeGenerated.clone(),
                    expected: TableRow::new(e.row.clone()),
                })
                .collect(),
        }
    }
}

/// `2026-03-01T10:00:00.123456Z` from epoch microseconds.
pub fn format_micros(epoch_us: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(epoch_us) * 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// Generates a run.
pub fn generate(opts: &EksOptions) -> EksRun {
    let mut names = rng::derive(opts.seed, "eks/names");
    let mut r = rng::derive(opts.seed, "eks/records");
    let audit_streams: Vec<String> = (0..2)
        .map(|_| format!("kube-apiserver-audit-{}", hex(&mut names, 32)))
        .collect();
    let noise_streams: Vec<(&str, String)> = [
        "kube-apiserver",
        "authenticator",
        "kube-controller-manager",
        "kube-scheduler",
    ]
    .into_iter()
    .map(|k| (k, format!("{k}-{}", hex(&mut names, 32))))
    .collect();
    let log_group = opts.log_group();
    let nodes: Vec<String> = (0..3)
        .map(|_| {
            format!(
                "ip-10-0-{}-{}.{}.compute.internal",
                names.random_range(1..4),
                names.random_range(2..250),
                opts.region
            )
        })
        .collect();

    let gap_us = (1_000_000.0 / opts.rate.max(0.001)) as i64;
    let mut clock_us = opts.start_ms * 1000;
    let mut requests: Vec<Request> = Vec::new();
    let mut count = 0u64;
    while count < opts.audit_events {
        clock_us += r.random_range(1..=2 * gap_us.max(1));
        let mut req = request(&mut r, opts, &nodes, clock_us);
        let left = (opts.audit_events - count) as usize;
        req.events.truncate(left);
        req.stream = r.random_range(0..audit_streams.len());
        count += req.events.len() as u64;
        requests.push(req);
    }
    let end_us = clock_us;

    // (timestamp ms, order, event)
    let mut all: Vec<(i64, u64, LogEvent, Option<ExpectedAudit>)> = Vec::new();
    let mut order = 0u64;
    for req in &requests {
        for (stage_us, ev) in &req.events {
            let message = serde_json::to_string(ev).expect("events serialise");
            let row = expected_row(ev, opts);
            all.push((
                stage_us.div_euclid(1000),
                order,
                LogEvent {
                    timestamp_ms: stage_us.div_euclid(1000),
                    message,
                    log_group: log_group.clone(),
                    log_stream: audit_streams[req.stream].clone(),
                },
                Some(ExpectedAudit {
                    audit_id: ev["auditID"].as_str().unwrap_or_default().to_string(),
                    stage: ev["stage"].as_str().unwrap_or_default().to_string(),
                    row,
                }),
            ));
            order += 1;
        }
    }
    let noise = opts.audit_events * u64::from(opts.noise_per_100) / 100;
    let span_us = (end_us - opts.start_ms * 1000).max(1);
    for _ in 0..noise {
        let at_us = opts.start_ms * 1000 + r.random_range(0..span_us);
        let (kind, stream) = pick(&mut r, &noise_streams).clone();
        let message = noise_line(&mut r, kind, at_us, opts, &nodes);
        all.push((
            at_us.div_euclid(1000),
            order,
            LogEvent {
                timestamp_ms: at_us.div_euclid(1000),
                message,
                log_group: log_group.clone(),
                log_stream: stream,
            },
            None,
        ));
        order += 1;
    }
    all.sort_by_key(|(ts, o, _, _)| (*ts, *o));
    let mut events = Vec::with_capacity(all.len());
    let mut expected = Vec::new();
    for (_, _, e, x) in all {
        events.push(e);
        expected.extend(x);
    }
    EksRun {
        options: opts.clone(),
        log_group,
        events,
        expected,
        noise_events: noise,
    }
}

/// The row the Lambda must write for `ev` (see [`AwsEksLogs`]).
fn expected_row(ev: &Value, opts: &EksOptions) -> AwsEksLogs {
    let s = |v: &Value| v.as_str().map(String::from);
    let received = ev["requestReceivedTimestamp"].as_str().unwrap_or_default();
    let ms = crate::tables::parse_datetime_ms(received).expect("generated timestamps parse");
    let object_ref = ev.get("objectRef").map(|o| {
        ["namespace", "resource", "name", "subresource"]
            .iter()
            .filter_map(|k| o.get(*k).and_then(Value::as_str).filter(|v| !v.is_empty()))
            .collect::<Vec<_>>()
            .join("/")
    });
    AwsEksLogs {
        TimeGenerated: format_datetime_ms(ms),
        AwsAccountId: opts.account_id.clone(),
        Region: opts.region.clone(),
        ClusterName: opts.cluster.clone(),
        Verb: s(&ev["verb"]).unwrap_or_default(),
        User: s(&ev["user"]["username"]).unwrap_or_default(),
        SourceIPs: ev["sourceIPs"]
            .as_array()
            .map(|a| a.iter().filter_map(s).collect())
            .unwrap_or_default(),
        UserAgent: s(&ev["userAgent"]),
        ObjectRef: object_ref.filter(|o| !o.is_empty()),
        ResponseCode: ev["responseStatus"]["code"]
            .as_i64()
            .and_then(|c| i32::try_from(c).ok()),
        Stage: s(&ev["stage"]).unwrap_or_default(),
        AuthDecision: s(&ev["annotations"]["authorization.k8s.io/decision"]),
        RawEvent: ev.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: i64 = 1_772_359_200_000; // 2026-03-01T10:00:00Z

    fn run(n: u64, seed: u64) -> EksRun {
        generate(&EksOptions::new("prod-1", n, seed, START))
    }

    #[test]
    fn same_seed_same_events_other_seed_other_events() {
        let a = run(300, 7);
        assert_eq!(a, run(300, 7));
        assert_ne!(a.events, run(300, 8).events);
    }

    #[test]
    fn exactly_the_requested_audit_events_with_unique_keys_and_the_noise() {
        let r = run(500, 1);
        assert_eq!(r.expected.len(), 500);
        assert_eq!(r.expected_by_key().len(), 500, "auditID+stage is unique");
        assert_eq!(r.noise_events, 150);
        assert_eq!(r.events.len(), 650);
        assert!(r
            .events
            .windows(2)
            .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms));
        assert!(r
            .events
            .iter()
            .all(|e| e.log_group == "/aws/eks/prod-1/cluster"));
        let m = r.manifest();
        assert_eq!(m.records.len(), 500);
        let back: EksManifest = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn audit_events_live_in_audit_streams_and_noise_elsewhere() {
        let r = run(400, 2);
        let keys = r.expected_by_key();
        let mut noise_kinds = BTreeSet::new();
        for e in &r.events {
            let v: Option<Value> = serde_json::from_str(&e.message).ok();
            let audit = v
                .as_ref()
                .is_some_and(|v| v["kind"] == "Event" && v["apiVersion"] == "audit.k8s.io/v1");
            if audit {
                let v = v.unwrap();
                assert!(e.log_stream.starts_with("kube-apiserver-audit-"));
                assert_eq!(e.log_stream.len(), "kube-apiserver-audit-".len() + 32);
                let key = audit_key(v["auditID"].as_str().unwrap(), v["stage"].as_str().unwrap());
                assert_eq!(keys[&key].RawEvent, v);
                // The log event time is the stage time, in ms.
                let stage_ms =
                    crate::tables::parse_datetime_ms(v["stageTimestamp"].as_str().unwrap())
                        .unwrap();
                assert_eq!(e.timestamp_ms, stage_ms);
            } else {
                assert!(
                    !e.log_stream.starts_with("kube-apiserver-audit-"),
                    "{}",
                    e.message
                );
                noise_kinds.insert(e.log_stream.rsplit_once('-').unwrap().0.to_string());
            }
        }
        assert_eq!(noise_kinds.len(), 4, "{noise_kinds:?}");
    }

    #[test]
    fn the_variety_a_parser_must_handle_is_there() {
        let r = run(2000, 3);
        let rows: Vec<&AwsEksLogs> = r.expected.iter().map(|e| &e.row).collect();
        let stages: BTreeSet<&str> = rows.iter().map(|x| x.Stage.as_str()).collect();
        assert_eq!(
            stages,
            BTreeSet::from([
                "Panic",
                "RequestReceived",
                "ResponseComplete",
                "ResponseStarted"
            ])
        );
        let codes: BTreeSet<Option<i32>> = rows.iter().map(|x| x.ResponseCode).collect();
        for c in [
            None,
            Some(101),
            Some(200),
            Some(201),
            Some(401),
            Some(403),
            Some(404),
        ] {
            assert!(codes.contains(&c), "{c:?} in {codes:?}");
        }
        let decisions: BTreeSet<Option<&str>> =
            rows.iter().map(|x| x.AuthDecision.as_deref()).collect();
        assert_eq!(
            decisions,
            BTreeSet::from([None, Some("allow"), Some("forbid")])
        );
        assert!(rows.iter().any(|x| x
            .User
            .starts_with("arn:aws:sts::000000000000:assumed-role/")));
        assert!(rows.iter().any(|x| x.User == "kubernetes-admin"));
        assert!(rows
            .iter()
            .any(|x| x.User.starts_with("system:serviceaccount:")));
        assert!(rows.iter().any(|x| x.User.starts_with("system:node:")));
        assert!(rows
            .iter()
            .any(|x| x.User.is_empty() && x.ResponseCode == Some(401)));
        assert!(rows.iter().any(|x| x.UserAgent.is_none()));
        assert!(rows.iter().any(|x| x.ObjectRef.is_none()));
        let refs: Vec<&str> = rows.iter().filter_map(|x| x.ObjectRef.as_deref()).collect();
        assert!(
            refs.iter().any(|o| o.split('/').count() == 1),
            "cluster-scoped list"
        );
        assert!(refs.iter().any(|o| o.ends_with("/exec")));
        assert!(refs.iter().any(|o| o.split('/').count() == 3));
        assert!(rows.iter().any(|x| x.Verb == "watch"));
        for x in &rows {
            assert_eq!(x.TimeGenerated.len(), 24, "{}", x.TimeGenerated);
            let received = x.RawEvent["requestReceivedTimestamp"].as_str().unwrap();
            assert_eq!(received.len(), 27, "microseconds: {received}");
            assert_eq!(&x.TimeGenerated[..23], &received[..23]);
            assert_eq!(
                (
                    x.AwsAccountId.as_str(),
                    x.Region.as_str(),
                    x.ClusterName.as_str()
                ),
                ("000000000000", "us-east-1", "prod-1")
            );
        }
    }

    #[test]
    fn recent_start_is_rounded_down_to_the_minute() {
        assert_eq!(recent_start_ms(START + 59_999 + 10 * 60_000, 10), START);
        assert_eq!(
            format_micros(START * 1000 + 123_456),
            "2026-03-01T10:00:00.123456Z"
        );
    }
}
