//! EKS control-plane logs: Kubernetes audit events (`audit.k8s.io/v1`, kind `Event`) as EKS
//! writes them to CloudWatch Logs (`/aws/eks/<cluster>/cluster`, streams
//! `kube-apiserver-audit-<32 hex>`), mixed with the other control-plane log types (api,
//! authenticator, controllerManager, scheduler) that a delivery path must filter out.
//!
//! Unlike the other services, the S3 objects are not made here: the EKS stack's Firehose names
//! them and its Lambda writes them. So the ground truth is the set of `AWSEKSLogs_CL` rows the
//! stack must produce, keyed by `auditID` + `stage` ([`EksRun::expected`]), and [`deliver`]
//! pushes the log events through a real CloudWatch Logs API ([`LogsSink`], e.g. LocalStack's)
//! in timestamp order, so CloudWatch Logs -> subscription filter -> Firehose -> Lambda -> S3
//! runs for real.
//!
//! Deterministic: the same [`EksOptions`] (seed and start time included) give the same events
//! and rows. CloudWatch Logs refuses events older than 14 days, so callers base `start_ms` on
//! the current time ([`recent_start_ms`]) and record it (it is in [`EksManifest`]).

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::cloudwatch::LogEvent;
use super::manifest::ExpectedRecord;
use super::rng::{self, chance, hex, pick, upper_alnum, weighted, SimRng};
use crate::tables::{format_datetime_ms, AwsEksLogs, Table, TableRow};

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

/// One PutLogEvents call: events of one stream, chronological.
#[derive(Debug, Clone, PartialEq)]
pub struct PutBatch {
    pub log_group: String,
    pub log_stream: String,
    pub events: Vec<LogEvent>,
}

/// PutLogEvents limits: 1,048,576 bytes (message bytes + 26 per event) and 10,000 events.
const MAX_BATCH_BYTES: usize = 1_048_576;
const MAX_BATCH_EVENTS: usize = 10_000;

/// The PutLogEvents calls that deliver `run`, in the order to make them: each batch holds one
/// stream's consecutive events (at most `max_batch`, within the API limits), and batches follow
/// the timestamp of their first event.
pub fn put_batches(run: &EksRun) -> Vec<PutBatch> {
    let max = run.options.max_batch.clamp(1, MAX_BATCH_EVENTS);
    let mut open: BTreeMap<&str, (PutBatch, usize)> = BTreeMap::new();
    let mut done: Vec<PutBatch> = Vec::new();
    for e in &run.events {
        let size = e.message.len() + 26;
        let entry = open.entry(e.log_stream.as_str()).or_insert_with(|| {
            (
                PutBatch {
                    log_group: e.log_group.clone(),
                    log_stream: e.log_stream.clone(),
                    events: Vec::new(),
                },
                0,
            )
        });
        if !entry.0.events.is_empty()
            && (entry.0.events.len() >= max || entry.1 + size > MAX_BATCH_BYTES)
        {
            let full = std::mem::replace(
                &mut entry.0,
                PutBatch {
                    log_group: e.log_group.clone(),
                    log_stream: e.log_stream.clone(),
                    events: Vec::new(),
                },
            );
            entry.1 = 0;
            done.push(full);
        }
        entry.0.events.push(e.clone());
        entry.1 += size;
    }
    done.extend(open.into_values().map(|(b, _)| b));
    done.sort_by_key(|b| b.events[0].timestamp_ms);
    done
}

/// A CloudWatch Logs API: the AWS SDK against LocalStack or AWS, or a fake in tests.
pub trait LogsSink {
    type Error;
    /// Creates the log group; one that exists already is not an error.
    fn create_log_group(&self, name: &str) -> impl Future<Output = Result<(), Self::Error>> + Send;
    /// Creates the stream; one that exists already is not an error.
    fn create_log_stream(
        &self,
        group: &str,
        stream: &str,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
    /// PutLogEvents of `events` (chronological, one stream).
    fn put_log_events(
        &self,
        group: &str,
        stream: &str,
        events: &[LogEvent],
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// What [`deliver`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeliveryReport {
    pub log_group: String,
    pub streams: u64,
    pub put_calls: u64,
    pub log_events: u64,
    pub audit_events: u64,
    pub noise_events: u64,
}

/// Writes `run` into CloudWatch Logs through `sink`: the log group, every stream, then the
/// [`put_batches`] in order.
pub async fn deliver<S: LogsSink>(sink: &S, run: &EksRun) -> Result<DeliveryReport, S::Error> {
    sink.create_log_group(&run.log_group).await?;
    let streams = run.streams();
    for s in &streams {
        sink.create_log_stream(&run.log_group, s).await?;
    }
    let batches = put_batches(run);
    for b in &batches {
        sink.put_log_events(&b.log_group, &b.log_stream, &b.events)
            .await?;
    }
    Ok(DeliveryReport {
        log_group: run.log_group.clone(),
        streams: streams.len() as u64,
        put_calls: batches.len() as u64,
        log_events: run.events.len() as u64,
        audit_events: run.expected.len() as u64,
        noise_events: run.noise_events,
    })
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

/// Who sends requests.
#[derive(Clone, Copy)]
enum Who {
    Admin,
    IamRole,
    Node,
    ControllerManager,
    Scheduler,
    ServiceAccount,
    Anonymous,
}

struct Identity {
    user: Value,
    user_agent: Option<String>,
    source_ip: String,
}

/// One generated request: its stage events in order.
struct Request {
    /// `(stage timestamp µs, event)`.
    events: Vec<(i64, Value)>,
    stream: usize,
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

fn identity(r: &mut SimRng, who: Who, opts: &EksOptions, nodes: &[String]) -> Identity {
    let acct = &opts.account_id;
    let vpc_ip =
        |r: &mut SimRng| format!("10.0.{}.{}", r.random_range(1..4), r.random_range(2..250));
    let public_ip = |r: &mut SimRng| {
        format!(
            "{}.{}.{}.{}",
            pick(r, &[52u8, 54, 3, 18, 203, 198]),
            r.random_range(0..256),
            r.random_range(0..256),
            r.random_range(1..255)
        )
    };
    match who {
        Who::Admin => Identity {
            user: json!({"username": "kubernetes-admin", "uid": "aws-iam-authenticator:".to_string() + acct + ":AIDA" + &upper_alnum(r, 17),
                         "groups": ["system:masters", "system:authenticated"],
                         "extra": {"accessKeyId": ["AKIA".to_string() + &upper_alnum(r, 16)],
                                   "arn": [format!("arn:aws:iam::{acct}:user/admin")],
                                   "canonicalArn": [format!("arn:aws:iam::{acct}:user/admin")],
                                   "principalId": ["AIDA".to_string() + &upper_alnum(r, 17)]}}),
            user_agent: Some("kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46".into()),
            source_ip: public_ip(r),
        },
        Who::IamRole => {
            let (role, session) = *pick(
                r,
                &[
                    ("DevOps", "alice"),
                    ("ReadOnly", "bob"),
                    ("platform-ci", "1732240000000000000"),
                    ("Admin", "carol@example.com"),
                ],
            );
            let arn = format!("arn:aws:sts::{acct}:assumed-role/{role}/{session}");
            Identity {
                user: json!({"username": arn, "uid": format!("aws-iam-authenticator:{acct}:AROA{}", upper_alnum(r, 17)),
                             "groups": ["system:authenticated"],
                             "extra": {"accessKeyId": ["ASIA".to_string() + &upper_alnum(r, 16)],
                                       "arn": [arn.clone()],
                                       "canonicalArn": [format!("arn:aws:iam::{acct}:role/{role}")],
                                       "principalId": ["AROA".to_string() + &upper_alnum(r, 17)],
                                       "sessionName": [session]}}),
                user_agent: Some(
                    pick(
                        r,
                        &[
                            "kubectl/v1.30.5 (darwin/arm64) kubernetes/74e84a9",
                            "k9s/v0.32.5 (darwin/arm64)",
                            "Go-http-client/2.0",
                            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Lens/6.5.2",
                        ],
                    )
                    .to_string(),
                ),
                source_ip: public_ip(r),
            }
        }
        Who::Node => {
            let node = pick(r, nodes).clone();
            Identity {
                user: json!({"username": format!("system:node:{node}"), "uid": format!("aws-iam-authenticator:{acct}:AROA{}", upper_alnum(r, 17)),
                             "groups": ["system:nodes", "system:authenticated"]}),
                user_agent: Some("kubelet/v1.31.3 (linux/amd64) kubernetes/b6a8b23".into()),
                source_ip: vpc_ip(r),
            }
        }
        Who::ControllerManager => Identity {
            user: json!({"username": "system:kube-controller-manager", "groups": ["system:authenticated"]}),
            user_agent: Some(
                "kube-controller-manager/v1.31.4 (linux/amd64) kubernetes/4ae43c7/leader-election"
                    .into(),
            ),
            source_ip: vpc_ip(r),
        },
        Who::Scheduler => Identity {
            user: json!({"username": "system:kube-scheduler", "groups": ["system:authenticated"]}),
            user_agent: Some(
                "kube-scheduler/v1.31.4 (linux/amd64) kubernetes/4ae43c7/scheduler".into(),
            ),
            source_ip: vpc_ip(r),
        },
        Who::ServiceAccount => {
            let (ns, sa) = *pick(
                r,
                &[
                    ("kube-system", "coredns"),
                    ("kube-system", "aws-node"),
                    ("kube-system", "ebs-csi-controller-sa"),
                    ("argocd", "argocd-application-controller"),
                    ("monitoring", "prometheus-kube-state-metrics"),
                ],
            );
            Identity {
                user: json!({"username": format!("system:serviceaccount:{ns}:{sa}"), "uid": rng::uuid(r),
                             "groups": ["system:serviceaccounts", format!("system:serviceaccounts:{ns}"), "system:authenticated"],
                             "extra": {"authentication.kubernetes.io/pod-name": [format!("{sa}-{}", hex(r, 5))],
                                       "authentication.kubernetes.io/pod-uid": [rng::uuid(r)]}}),
                // Some in-cluster clients send no User-Agent.
                user_agent: (!chance(r, 10))
                    .then(|| format!("{sa}/v0.0.0 (linux/amd64) kubernetes/$Format")),
                source_ip: vpc_ip(r),
            }
        }
        Who::Anonymous => Identity {
            user: json!({}),
            user_agent: Some(
                pick(
                    r,
                    &["curl/8.5.0", "python-requests/2.32.3", "Go-http-client/1.1"],
                )
                .to_string(),
            ),
            source_ip: public_ip(r),
        },
    }
}

/// What a request does.
#[derive(Clone, Copy)]
enum Kind {
    Get,
    List,
    Watch,
    Write,
    Exec,
    Forbidden,
    Unauthenticated,
    NonResource,
}

struct ObjRef {
    resource: &'static str,
    namespace: Option<String>,
    name: Option<String>,
    api_group: &'static str,
    api_version: &'static str,
    subresource: Option<&'static str>,
}

fn objref_json(o: &ObjRef, r: &mut SimRng) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("resource".into(), o.resource.into());
    if let Some(ns) = &o.namespace {
        m.insert("namespace".into(), ns.clone().into());
    }
    if let Some(n) = &o.name {
        m.insert("name".into(), n.clone().into());
        if chance(r, 50) {
            m.insert("uid".into(), rng::uuid(r).into());
        }
    }
    if !o.api_group.is_empty() {
        m.insert("apiGroup".into(), o.api_group.into());
    }
    m.insert("apiVersion".into(), o.api_version.into());
    if let Some(s) = o.subresource {
        m.insert("subresource".into(), s.into());
    }
    Value::Object(m)
}

fn uri(o: &ObjRef, query: &str) -> String {
    let base = if o.api_group.is_empty() {
        format!("/api/{}", o.api_version)
    } else {
        format!("/apis/{}/{}", o.api_group, o.api_version)
    };
    let ns = o
        .namespace
        .as_ref()
        .map(|n| format!("/namespaces/{n}"))
        .unwrap_or_default();
    let name = o.name.as_ref().map(|n| format!("/{n}")).unwrap_or_default();
    let sub = o.subresource.map(|s| format!("/{s}")).unwrap_or_default();
    format!("{base}{ns}/{}{name}{sub}{query}", o.resource)
}

const NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "prod",
    "staging",
    "argocd",
    "monitoring",
];

fn random_objref(r: &mut SimRng, with_name: bool) -> ObjRef {
    let (resource, group, version, namespaced) = *pick(
        r,
        &[
            ("pods", "", "v1", true),
            ("configmaps", "", "v1", true),
            ("secrets", "", "v1", true),
            ("services", "", "v1", true),
            ("deployments", "apps", "v1", true),
            ("leases", "coordination.k8s.io", "v1", true),
            ("nodes", "", "v1", false),
            ("namespaces", "", "v1", false),
            ("clusterroles", "rbac.authorization.k8s.io", "v1", false),
        ],
    );
    let name = with_name.then(|| match resource {
        "nodes" => format!(
            "ip-10-0-{}-{}.ec2.internal",
            r.random_range(1..4),
            r.random_range(2..250)
        ),
        "namespaces" => pick(r, NAMESPACES).to_string(),
        "leases" => pick(
            r,
            &[
                "kube-controller-manager",
                "kube-scheduler",
                "cloud-controller-manager",
            ],
        )
        .to_string(),
        _ => format!(
            "{}-{}",
            pick(r, &["web", "api", "worker", "db", "cache", "payments"]),
            hex(r, 5)
        ),
    });
    ObjRef {
        resource,
        namespace: namespaced.then(|| pick(r, NAMESPACES).to_string()),
        name,
        api_group: group,
        api_version: version,
        subresource: None,
    }
}

/// Builds one request's stage events, starting at `received_us`.
fn request(r: &mut SimRng, opts: &EksOptions, nodes: &[String], received_us: i64) -> Request {
    let kind = *weighted(
        r,
        &[
            (30, Kind::Get),
            (14, Kind::List),
            (12, Kind::Watch),
            (18, Kind::Write),
            (5, Kind::Exec),
            (7, Kind::Forbidden),
            (4, Kind::Unauthenticated),
            (10, Kind::NonResource),
        ],
    );
    let who = match kind {
        Kind::Unauthenticated => Who::Anonymous,
        Kind::Exec => *pick(r, &[Who::Admin, Who::IamRole]),
        Kind::Forbidden => *pick(r, &[Who::IamRole, Who::ServiceAccount]),
        Kind::Watch => *pick(
            r,
            &[
                Who::Node,
                Who::ControllerManager,
                Who::Scheduler,
                Who::ServiceAccount,
            ],
        ),
        _ => *weighted(
            r,
            &[
                (3, Who::Admin),
                (4, Who::IamRole),
                (4, Who::Node),
                (3, Who::ControllerManager),
                (1, Who::Scheduler),
                (4, Who::ServiceAccount),
            ],
        ),
    };
    let id = identity(r, who, opts, nodes);
    let audit_id = rng::uuid(r);
    let (verb, objref, request_uri, code, decision, long_running): (
        String,
        Option<ObjRef>,
        String,
        i64,
        Option<&str>,
        bool,
    ) = match kind {
        Kind::Get => {
            let o = random_objref(r, true);
            let code = if chance(r, 8) { 404 } else { 200 };
            let u = uri(&o, "");
            ("get".into(), Some(o), u, code, Some("allow"), false)
        }
        Kind::List => {
            let o = random_objref(r, false);
            let u = uri(&o, "?limit=500");
            ("list".into(), Some(o), u, 200, Some("allow"), false)
        }
        Kind::Watch => {
            let o = random_objref(r, false);
            let u = uri(
                &o,
                &format!(
                    "?allowWatchBookmarks=true&resourceVersion={}&timeout=7m{}s&timeoutSeconds={}&watch=true",
                    r.random_range(100_000..9_999_999),
                    r.random_range(0..60),
                    r.random_range(300..600)
                ),
            );
            ("watch".into(), Some(o), u, 200, Some("allow"), true)
        }
        Kind::Write => {
            let mut o = random_objref(r, true);
            let verb = *pick(r, &["create", "update", "patch", "delete"]);
            if verb == "update" && o.resource == "deployments" && chance(r, 50) {
                o.subresource = Some("scale");
            }
            if verb == "patch" && o.resource == "pods" && chance(r, 40) {
                o.subresource = Some("status");
            }
            let code = match verb {
                "create" => {
                    if chance(r, 10) {
                        409
                    } else {
                        201
                    }
                }
                "patch" if chance(r, 5) => 422,
                _ => 200,
            };
            let u = uri(&o, "");
            (verb.into(), Some(o), u, code, Some("allow"), false)
        }
        Kind::Exec => {
            let mut o = random_objref(r, true);
            o.resource = "pods";
            o.api_group = "";
            o.api_version = "v1";
            o.namespace = Some(pick(r, NAMESPACES).to_string());
            o.subresource = Some(*pick(r, &["exec", "attach", "portforward"]));
            let u = uri(
                &o,
                "?command=sh&container=app&stdin=true&stdout=true&tty=true",
            );
            ("create".into(), Some(o), u, 101, Some("allow"), true)
        }
        Kind::Forbidden => {
            let named = chance(r, 60);
            let mut o = random_objref(r, named);
            if chance(r, 50) {
                o.resource = "secrets";
                o.api_group = "";
                o.namespace = Some("kube-system".into());
            }
            let verb = *pick(r, &["get", "list", "delete", "create"]);
            if verb == "list" {
                o.name = None;
            }
            let u = uri(&o, "");
            (verb.into(), Some(o), u, 403, Some("forbid"), false)
        }
        Kind::Unauthenticated => (
            "get".into(),
            None,
            pick(
                r,
                &[
                    "/api",
                    "/apis",
                    "/version",
                    "/api/v1/namespaces/kube-system/secrets",
                ],
            )
            .to_string(),
            401,
            None,
            false,
        ),
        Kind::NonResource => (
            "get".into(),
            None,
            pick(
                r,
                &["/healthz", "/livez", "/readyz", "/version", "/openapi/v2"],
            )
            .to_string(),
            200,
            Some("allow"),
            false,
        ),
    };

    // Stages: RequestReceived for some requests (EKS's policy keeps it for writes), then
    // ResponseStarted for long-running ones, then ResponseComplete (or, rarely, Panic).
    let mut stages: Vec<(&str, i64)> = Vec::new();
    let unauth = matches!(kind, Kind::Unauthenticated);
    if !unauth && chance(r, 30) {
        stages.push(("RequestReceived", received_us));
    }
    let mut t = received_us + r.random_range(300..40_000);
    if unauth {
        // A failed authentication is audited once, at ResponseStarted.
        stages.push(("ResponseStarted", t));
    } else if long_running {
        stages.push(("ResponseStarted", t));
        t += if kind_is_exec(kind) {
            r.random_range(2_000_000..90_000_000)
        } else {
            r.random_range(30_000_000..300_000_000)
        };
        stages.push(("ResponseComplete", t));
    } else if chance(r, 1) {
        stages.push(("Panic", t));
    } else {
        stages.push(("ResponseComplete", t));
    }

    let level = match verb.as_str() {
        "create" | "update" | "patch" if !long_running && code < 400 && chance(r, 40) => "Request",
        _ => "Metadata",
    };
    let mut events = Vec::new();
    for (stage, stage_us) in stages {
        let mut e = serde_json::Map::new();
        e.insert("kind".into(), "Event".into());
        e.insert("apiVersion".into(), "audit.k8s.io/v1".into());
        e.insert("level".into(), level.into());
        e.insert("auditID".into(), audit_id.clone().into());
        e.insert("stage".into(), stage.into());
        e.insert("requestURI".into(), request_uri.clone().into());
        e.insert("verb".into(), verb.clone().into());
        e.insert("user".into(), id.user.clone());
        e.insert("sourceIPs".into(), json!([id.source_ip.clone()]));
        if let Some(ua) = &id.user_agent {
            e.insert("userAgent".into(), ua.clone().into());
        }
        if let Some(o) = &objref {
            e.insert("objectRef".into(), objref_json(o, r));
        }
        if stage != "RequestReceived" {
            let status = match (stage, code) {
                ("Panic", _) => {
                    json!({"metadata": {}, "status": "Failure", "message": "Internal error occurred: runtime error: invalid memory address or nil pointer dereference", "reason": "InternalError", "code": 500})
                }
                (_, 401) => {
                    json!({"metadata": {}, "status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
                }
                (_, 403) => {
                    json!({"metadata": {}, "status": "Failure", "message": format!("{} is forbidden: User \"{}\" cannot {} resource", objref.as_ref().map(|o| o.resource).unwrap_or("resource"), id.user["username"].as_str().unwrap_or(""), verb), "reason": "Forbidden", "details": {"kind": objref.as_ref().map(|o| o.resource).unwrap_or("")}, "code": 403})
                }
                (_, 404) => {
                    json!({"metadata": {}, "status": "Failure", "message": "not found", "reason": "NotFound", "details": {}, "code": 404})
                }
                (_, 409) => {
                    json!({"metadata": {}, "status": "Failure", "message": "already exists", "reason": "AlreadyExists", "code": 409})
                }
                (_, 422) => {
                    json!({"metadata": {}, "status": "Failure", "message": "Unprocessable", "reason": "Invalid", "code": 422})
                }
                (_, c) => json!({"metadata": {}, "code": c}),
            };
            e.insert("responseStatus".into(), status);
        }
        if level == "Request" {
            e.insert(
                "requestObject".into(),
                json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background", "labels": {"app.kubernetes.io/name": "web", "team": "plätform"}}),
            );
        }
        e.insert(
            "requestReceivedTimestamp".into(),
            format_micros(received_us).into(),
        );
        e.insert("stageTimestamp".into(), format_micros(stage_us).into());
        if stage != "RequestReceived" && !unauth {
            let mut a = serde_json::Map::new();
            if let Some(d) = decision {
                a.insert("authorization.k8s.io/decision".into(), d.into());
                let reason = if d == "allow" {
                    if chance(r, 50) {
                        format!(
                            "RBAC: allowed by ClusterRoleBinding \"{}\" of ClusterRole \"{}\" to Group \"system:authenticated\"",
                            pick(r, &["system:basic-user", "eks:podsecuritypolicy:authenticated", "cluster-admin"]),
                            pick(r, &["system:basic-user", "cluster-admin", "view"])
                        )
                    } else {
                        String::new()
                    }
                } else {
                    String::new()
                };
                a.insert("authorization.k8s.io/reason".into(), reason.into());
            }
            if objref.as_ref().is_some_and(|o| o.resource == "pods") && chance(r, 30) {
                a.insert(
                    "pod-security.kubernetes.io/enforce-policy".into(),
                    "privileged:latest".into(),
                );
            }
            e.insert("annotations".into(), Value::Object(a));
        }
        events.push((stage_us, Value::Object(e)));
    }
    Request { events, stream: 0 }
}

fn kind_is_exec(k: Kind) -> bool {
    matches!(k, Kind::Exec)
}

/// One non-audit control-plane line of stream type `kind`.
fn noise_line(
    r: &mut SimRng,
    kind: &str,
    at_us: i64,
    opts: &EksOptions,
    nodes: &[String],
) -> String {
    let iso = format_micros(at_us);
    // klog header: Lmmdd hh:mm:ss.uuuuuu threadid file:line]
    let klog = |r: &mut SimRng, level: char| {
        format!(
            "{level}{}{} {}     {:>3} ",
            &iso[5..7],
            &iso[8..10],
            &iso[11..26],
            r.random_range(10..300)
        )
    };
    match kind {
        "kube-apiserver" => match r.random_range(0..3) {
            0 => format!("{}controller.go:615] quota admission added evaluator for: leases.coordination.k8s.io", klog(r, 'I')),
            1 => format!("{}httplog.go:132] \"HTTP\" verb=\"GET\" URI=\"/api/v1/namespaces/default/pods?limit=500\" latency=\"3.1ms\" userAgent=\"kubectl/v1.31.2\" audit-ID=\"{}\" srcIP=\"10.0.1.15:51234\" resp=200", klog(r, 'I'), rng::uuid(r)),
            _ => format!("{}cacher.go:475] cacher (pods): unexpected ListAndWatch error: failed to list *core.Pod: etcdserver: request timed out; reinitializing...", klog(r, 'W')),
        },
        "authenticator" => format!(
            "time=\"{}\" level=info msg=\"access granted\" arn=\"arn:aws:iam::{}:role/{}\" client=\"127.0.0.1:{}\" groups=\"[system:masters]\" method=POST path=/authenticate uid=\"aws-iam-authenticator:{}:AROA{}\" username=kubernetes-admin",
            &iso[..19],
            opts.account_id,
            pick(r, &["DevOps", "eks-admin", "platform-ci"]),
            r.random_range(30_000..60_000),
            opts.account_id,
            upper_alnum(r, 17)
        ),
        "kube-controller-manager" => match r.random_range(0..3) {
            0 => format!("{}event.go:389] \"Event occurred\" object=\"prod/web\" fieldPath=\"\" kind=\"Deployment\" apiVersion=\"apps/v1\" type=\"Normal\" reason=\"ScalingReplicaSet\" message=\"Scaled up replica set web-{} to 3\"", klog(r, 'I'), hex(r, 10)),
            1 => format!("{}range_allocator.go:241] \"Successfully synced\" key=\"{}\"", klog(r, 'I'), pick(r, nodes)),
            // A JSON line that is a Kubernetes core Event, not an audit event.
            _ => json!({"kind": "Event", "apiVersion": "v1", "metadata": {"name": format!("web-{}.{}", hex(r, 5), hex(r, 16)), "namespace": "prod"}, "reason": "SuccessfulCreate", "message": "Created pod: web-7d4b9c"}).to_string(),
        },
        _ => match r.random_range(0..2) {
            // Structured (JSON) scheduler logging.
            0 => json!({"ts": at_us as f64 / 1000.0, "caller": "scheduler/schedule_one.go:314", "msg": "Successfully bound pod to node", "v": 2, "pod": format!("prod/web-{}", hex(r, 5)), "node": pick(r, nodes), "evaluatedNodes": 3, "feasibleNodes": 2}).to_string(),
            _ => format!("{}schedule_one.go:1055] \"Unable to schedule pod; no fit; waiting\" pod=\"staging/batch-{}\" err=\"0/3 nodes are available: 3 Insufficient memory.\"", klog(r, 'E'), hex(r, 5)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

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
    fn batches_are_per_stream_chronological_and_cover_every_event_once() {
        let r = run(1000, 4);
        let batches = put_batches(&r);
        let mut seen = 0;
        for b in &batches {
            assert!(!b.events.is_empty() && b.events.len() <= 100);
            assert!(b.events.iter().all(|e| e.log_stream == b.log_stream));
            assert!(b
                .events
                .windows(2)
                .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms));
            seen += b.events.len();
        }
        assert_eq!(seen, r.events.len());
        assert!(batches
            .windows(2)
            .all(|w| w[0].events[0].timestamp_ms <= w[1].events[0].timestamp_ms));
        assert!(
            batches.iter().any(|b| b.events.len() > 1),
            "multi-event payloads"
        );
    }

    #[test]
    fn recent_start_is_rounded_down_to_the_minute() {
        assert_eq!(recent_start_ms(START + 59_999 + 10 * 60_000, 10), START);
        assert_eq!(
            format_micros(START * 1000 + 123_456),
            "2026-03-01T10:00:00.123456Z"
        );
    }

    #[derive(Default)]
    struct Fake {
        calls: Mutex<Vec<String>>,
    }

    impl LogsSink for Fake {
        type Error = String;
        async fn create_log_group(&self, name: &str) -> Result<(), String> {
            self.calls.lock().unwrap().push(format!("group {name}"));
            Ok(())
        }
        async fn create_log_stream(&self, _group: &str, stream: &str) -> Result<(), String> {
            self.calls.lock().unwrap().push(format!("stream {stream}"));
            Ok(())
        }
        async fn put_log_events(
            &self,
            _group: &str,
            stream: &str,
            events: &[LogEvent],
        ) -> Result<(), String> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("put {stream} {}", events.len()));
            Ok(())
        }
    }

    #[tokio::test]
    async fn deliver_creates_group_and_streams_then_puts_in_order() {
        let r = run(200, 5);
        let fake = Fake::default();
        let report = deliver(&fake, &r).await.unwrap();
        let calls = fake.calls.into_inner().unwrap();
        assert_eq!(calls[0], "group /aws/eks/prod-1/cluster");
        assert_eq!(report.streams, 6);
        assert!(calls[1..7].iter().all(|c| c.starts_with("stream ")));
        assert_eq!(report.put_calls as usize, calls.len() - 7);
        assert_eq!(report.log_events, 260);
        assert_eq!(report.audit_events, 200);
    }
}
