//! `simulator e2e` (behind `cargo xtask e2e`): the whole pipeline on one machine, checked.
//!
//! LocalStack starts, the stacks are rendered and deployed, the mock Logs Ingestion endpoint
//! starts, N records of each service are generated and delivered where the service delivers
//! them, the connector runs until every queue is drained, and every record is checked against
//! the manifests: ingested exactly once into the right table with the right values, dead-letter
//! queues holding exactly the bad objects, nothing left behind. Everything started is stopped.

pub mod check;

use crate::connector::{self, ConnectorConfig, IngestTarget, Route};
use crate::ingest;
use crate::synth::{manifest::Manifest, BadDataKind, GenOptions, Service};
use crate::tables::TableRow;
use anyhow::{bail, Context, Result};
use check::{compare, Expected, ServiceCheck};
use deployer::{StackRequest, Target};
use generator::facts::Cloud;
use generator::render::{self, Format};
use generator::stacks::{StackKind, StackSpec};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const WORKSPACE_ID: &str = "00000000-0000-4000-8000-00000000e2e0";
const TOKEN: &str = "e2e-bearer-token";
const ALL_STACK: &str = "sentinel-e2e-all";

/// Which sources the run covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum E2eService {
    Vpc,
    Guardduty,
    Cloudtrail,
    Cloudwatch,
    Eks,
}

impl E2eService {
    fn s3(self) -> Option<Service> {
        match self {
            E2eService::Vpc => Some(Service::Vpc),
            E2eService::Guardduty => Some(Service::Guardduty),
            E2eService::Cloudtrail => Some(Service::Cloudtrail),
            E2eService::Cloudwatch => Some(Service::Cloudwatch),
            E2eService::Eks => None,
        }
    }
    fn label(self) -> &'static str {
        match self {
            E2eService::Vpc => "VPC",
            E2eService::Guardduty => "GuardDuty",
            E2eService::Cloudtrail => "CloudTrail",
            E2eService::Cloudwatch => "CloudWatch",
            E2eService::Eks => "EKS",
        }
    }
    fn connector_service(self) -> connector::Service {
        match self {
            E2eService::Vpc => connector::Service::Vpc,
            E2eService::Guardduty => connector::Service::Guardduty,
            E2eService::Cloudtrail => connector::Service::Cloudtrail,
            E2eService::Cloudwatch => connector::Service::Cloudwatch,
            E2eService::Eks => connector::Service::Eks,
        }
    }
    /// How the records reached S3 in this run.
    fn delivery(self) -> &'static str {
        match self {
            E2eService::Vpc => {
                "simulator wrote flow-log objects (LocalStack mocks EC2 flow-log delivery)"
            }
            E2eService::Guardduty => "simulator wrote finding exports (LocalStack mocks GuardDuty)",
            E2eService::Cloudtrail => {
                "simulator wrote trail files and digests (LocalStack mocks CloudTrail)"
            }
            E2eService::Cloudwatch => "simulator wrote the Firehose transform's CSV objects",
            E2eService::Eks => {
                "CloudWatch Logs -> subscription -> Firehose -> Lambda -> S3, for real"
            }
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct E2eArgs {
    /// Records generated per service.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub records: u64,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Services to run, comma separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = vec![E2eService::Vpc, E2eService::Guardduty, E2eService::Cloudtrail, E2eService::Cloudwatch, E2eService::Eks])]
    pub services: Vec<E2eService>,
    /// Inject ingestion faults: 10% 429 (Retry-After 1), 5% 500, 5% 503, 0-40 ms latency, 2% dropped connections.
    #[arg(long)]
    pub faults: bool,
    /// Add bad objects: malformed lines, truncated gzip, not-gzip and empty objects.
    #[arg(long)]
    pub bad_data: bool,
    /// Where the JSON report goes (default target/e2e/report.json).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Use this running LocalStack instead of starting one.
    #[arg(long)]
    pub endpoint: Option<String>,
}

/// The JSON report.
#[derive(Debug, Serialize)]
pub struct Report {
    pub ok: bool,
    pub records_per_service: u64,
    pub seed: u64,
    pub faults: bool,
    pub bad_data: bool,
    pub localstack_mode: String,
    pub seconds_total: f64,
    pub services: Vec<ServiceCheck>,
    pub delivery: BTreeMap<String, String>,
    pub connector: serde_json::Value,
    pub ingestion: serde_json::Value,
}

/// Runs the whole pipeline; `Ok(true)` when every check passed.
pub fn run(args: &E2eArgs) -> Result<bool> {
    let started = Instant::now();
    let run_dir = harness::project_target_dir()
        .join("e2e")
        .join(format!("run-{}", args.seed));
    if run_dir.exists() {
        std::fs::remove_dir_all(&run_dir)
            .with_context(|| format!("clearing {}", run_dir.display()))?;
    }
    std::fs::create_dir_all(&run_dir)?;
    let (ls, endpoint, mode) = match &args.endpoint {
        Some(e) => (None, e.clone(), "existing endpoint".to_string()),
        None => {
            let ls = harness::LocalStack::start(harness::LocalStackConfig::default())
                .context("starting LocalStack")?;
            let t = ls.timings();
            eprintln!(
                "e2e: LocalStack {:?} at {} (start-up {:.1} s)",
                ls.mode(),
                ls.endpoint(),
                t.startup.as_secs_f64()
            );
            let e = ls.endpoint().to_string();
            let m = format!("{:?}", ls.mode());
            (Some(ls), e, m)
        }
    };
    let rt = tokio::runtime::Runtime::new()?;
    let result = rt.block_on(pipeline(args, &endpoint, &run_dir));
    drop(rt);
    if let Some(ls) = ls {
        ls.stop().context("stopping LocalStack")?;
    }
    let (checks, delivery, connector_stats, ingestion_stats) = result?;
    let ok = checks.iter().all(ServiceCheck::ok);
    print_table(&checks);
    let report = Report {
        ok,
        records_per_service: args.records,
        seed: args.seed,
        faults: args.faults,
        bad_data: args.bad_data,
        localstack_mode: mode,
        seconds_total: started.elapsed().as_secs_f64(),
        services: checks,
        delivery,
        connector: connector_stats,
        ingestion: ingestion_stats,
    };
    let path = args
        .report
        .clone()
        .unwrap_or_else(|| harness::project_target_dir().join("e2e/report.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("writing {}", path.display()))?;
    println!(
        "report: {} ({:.0} s in all)",
        path.display(),
        report.seconds_total
    );
    for (svc, how) in &report.delivery {
        println!("  {svc}: {how}");
    }
    Ok(ok)
}

type PipelineOut = (
    Vec<ServiceCheck>,
    BTreeMap<String, String>,
    serde_json::Value,
    serde_json::Value,
);

async fn pipeline(args: &E2eArgs, endpoint: &str, run_dir: &Path) -> Result<PipelineOut> {
    let config = deployer::sdk_config(&Target::localstack(endpoint)).await;
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let s3 = crate::replay::s3_client(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let mut services = args.services.clone();
    services.sort();
    services.dedup();
    let progress = crate::progress::Progress::stderr();

    // Stacks: the four S3 services share one bucket (separate prefixes and queues).
    let s3_services: Vec<Service> = services.iter().filter_map(|s| s.s3()).collect();
    let mut queues: BTreeMap<E2eService, (String, String)> = BTreeMap::new();
    let mut outputs = BTreeMap::new();
    if !s3_services.is_empty() {
        let spec = StackSpec {
            kind: StackKind::AllServices,
            cloud: Cloud::Commercial,
        };
        let report = deployer::deploy(
            &cfn,
            &StackRequest {
                stack_name: ALL_STACK.into(),
                template: render::render(&spec.build(), Format::Json),
                parameters: vec![
                    ("SentinelWorkspaceId".into(), WORKSPACE_ID.into()),
                    ("BucketName".into(), format!("sentinel-e2e-{}", args.seed)),
                    ("QueueVisibilityTimeout".into(), "30".into()),
                    ("MaxReceiveCount".into(), "3".into()),
                ],
                timeout: Duration::from_secs(300),
                progress: false,
            },
        )
        .await
        .context("deploying the all-services stack")?;
        eprintln!("e2e: deployed {ALL_STACK} in {:.1} s", report.seconds);
        outputs = report.outputs;
        for s in &services {
            if let Some(svc) = s.s3() {
                let id = generator_service(svc).id();
                let url = outputs[&format!("{id}SentinelSQSQueueURL")].clone();
                let dlq = outputs[&format!("{id}DeadLetterQueueURL")].clone();
                queues.insert(*s, (url, dlq));
            }
        }
    }

    // Generate and deliver.
    let mut expected: BTreeMap<E2eService, Expected> = BTreeMap::new();
    let mut delivery = BTreeMap::new();
    // Objects the connector must finish: those its queues hear of (digests are filtered out by
    // the notification), except the ones that end in the dead-letter queue.
    let mut want_objects = 0u64;
    for s in &services {
        delivery.insert(s.label().to_string(), s.delivery().to_string());
        let Some(svc) = s.s3() else { continue };
        let target = crate::replay::target_from_outputs(ALL_STACK, &outputs, svc)?;
        let mut opts = GenOptions::new(svc, args.records, args.seed);
        opts.account_id = target.account.clone();
        opts.bucket = target.bucket.clone();
        opts.region = deployer::LOCALSTACK_REGION.to_string();
        if args.bad_data {
            opts.bad_data = vec![
                BadDataKind::MalformedLines,
                BadDataKind::TruncatedGzip,
                BadDataKind::NotGzip,
                BadDataKind::Empty,
            ];
        }
        opts.validate()?;
        let dir = run_dir.join(svc.name());
        let mut phase = progress.phase(
            format!("generate {}", svc.name()),
            format!("{} records", args.records),
        );
        let bar = phase.bar(&format!("generate {}", svc.name()), args.records, "records");
        let (manifest_path, summary) = crate::simulate::generate_watched(&opts, &dir, &mut |o| {
            bar.inc(crate::simulate::requested_records(o))
        })?;
        let t = &summary.totals;
        phase.finish(format_args!(
            "{} objects ({} to ingest), {} records, {} bytes gzip",
            t.objects, t.objects_to_ingest, t.records, t.bytes
        ));
        let manifest = Manifest::read(&manifest_path)?;
        let objects: Vec<(String, PathBuf)> = manifest
            .objects
            .iter()
            .map(|o| (o.key.clone(), dir.join(&o.key)))
            .collect();
        let mut phase = progress.phase(
            format!("upload {}", svc.name()),
            format!("{} objects", objects.len()),
        );
        let bar = phase.bar(
            &format!("upload {}", svc.name()),
            objects.len() as u64,
            "objects",
        );
        let up = crate::replay::upload_objects_with(
            &s3,
            &target.bucket,
            objects,
            &crate::replay::UploadOptions::default(),
            &bar,
        )
        .await?;
        phase.finish(format_args!("{} objects, {} bytes", up.objects, up.bytes));
        want_objects += manifest
            .objects
            .iter()
            .filter(|o| o.ingest && !check::must_dead_letter(o.content))
            .count() as u64;
        expected.insert(*s, Expected::from_manifest(&manifest));
    }
    if services.contains(&E2eService::Eks) {
        let (url, dlq, rows, objects) =
            eks::deliver(&cfn, &config, args, run_dir, &progress).await?;
        queues.insert(E2eService::Eks, (url, dlq));
        let mut e = Expected::from_rows(&rows);
        e.objects = objects;
        want_objects += objects;
        expected.insert(E2eService::Eks, e);
    }

    // Ingestion endpoint and connector.
    let faults = if args.faults {
        ingest_faults(args.seed)
    } else {
        ingest::Faults::default()
    };
    let db = run_dir.join("ingest.db");
    let server = ingest::serve(ingest::Config {
        db: Some(db.clone()),
        token: Some(TOKEN.into()),
        faults,
        ..Default::default()
    })
    .await
    .context("starting the mock ingestion endpoint")?;
    let routes: Vec<Route> = queues
        .iter()
        .map(|(s, (url, _))| Route::new(s.connector_service(), url.clone()))
        .collect();
    let mut cc = ConnectorConfig::new(
        routes,
        IngestTarget {
            endpoint: server.base_url().to_string(),
            dcr_immutable_id: server.dcr_id().to_string(),
            token: TOKEN.into(),
            gzip: true,
        },
    );
    cc.wait_time_seconds = 2;
    cc.visibility_timeout_seconds = 10;
    cc.stop_after_empty_polls = Some(3);
    cc.log = true;
    let objects_done = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    cc.objects_done = Some(objects_done.clone());
    let want_rows: u64 = expected.values().map(|e| e.records).sum();
    let mut phase = progress.phase(
        "drain",
        format_args!(
            "{want_objects} objects to finish and {want_rows} rows to ingest from {} queues",
            queues.len()
        ),
    );
    let objects_bar = phase.bar("drain objects", want_objects, "objects");
    let rows_bar = phase.bar("drain rows", want_rows, "rows");
    let connector_started = Instant::now();
    let deadline = connector_started + Duration::from_secs(900);
    let mut rounds = Vec::new();
    // Bad objects come back after their visibility timeout until SQS dead-letters them:
    // run rounds until every queue is empty, visible and in flight.
    let drain = async {
        loop {
            let (_tx, rx) = tokio::sync::watch::channel(false);
            let stats = connector::run(&cc, &s3, &sqs, rx)
                .await
                .context("running the connector")?;
            rounds.push(serde_json::to_value(&stats)?);
            let mut left = 0;
            for (url, _) in queues.values() {
                left += queue_depth(&sqs, url).await?;
            }
            if left == 0 {
                break;
            }
            if Instant::now() > deadline {
                bail!("{left} messages still in the queues after 15 minutes");
            }
            crate::progress::eprintln(format_args!(
                "e2e: {left} messages wait for redelivery or the dead-letter queue; another round"
            ));
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        anyhow::Ok(())
    };
    // The bars follow the connector's objects and the endpoint's accepted rows.
    let show = || {
        objects_bar.set_position(objects_done.load(std::sync::atomic::Ordering::Relaxed));
        rows_bar.set_position(server.stats().accepted_rows);
    };
    let ticker = async {
        loop {
            show();
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    tokio::select! {
        r = drain => r?,
        () = ticker => {}
    }
    show();
    let connector_seconds = connector_started.elapsed().as_secs_f64();
    phase.finish(format_args!(
        "{} of {want_objects} objects finished, {} of {want_rows} rows accepted, {} connector rounds",
        objects_bar.position(),
        rows_bar.position(),
        rounds.len()
    ));
    let ingestion = server
        .shutdown()
        .await
        .context("stopping the ingestion endpoint")?;

    // Check.
    let store = ingest::Store::open(&db)?;
    let mut checks = Vec::new();
    for (s, exp) in &expected {
        let table = s.connector_service().table();
        let stream = ingest::stream_for_table(table);
        let mut rows: Vec<TableRow> = Vec::new();
        for r in store.rows(stream.name)? {
            let r = r?;
            rows.push(
                r.table_row(table)
                    .with_context(|| format!("a stored {} row does not parse", stream.name))?,
            );
        }
        let mut c = compare(s.label(), table, exp, &rows);
        let (url, dlq) = &queues[s];
        c.left_in_queue = queue_depth(&sqs, url).await?;
        c.dlq_actual = dead_letters(&sqs, dlq).await?;
        c.seconds = connector_seconds;
        c.records_per_second = c.ingested as f64 / connector_seconds.max(1e-9);
        c.delivered_by_simulator = *s != E2eService::Eks;
        checks.push(c);
    }
    Ok((
        checks,
        delivery,
        serde_json::Value::Array(rounds),
        serde_json::to_value(&ingestion)?,
    ))
}

fn generator_service(s: Service) -> generator::facts::Service {
    match s {
        Service::Vpc => generator::facts::Service::VpcFlowLogs,
        Service::Guardduty => generator::facts::Service::GuardDuty,
        Service::Cloudtrail => generator::facts::Service::CloudTrail,
        Service::Cloudwatch => generator::facts::Service::CloudWatch,
    }
}

fn ingest_faults(seed: u64) -> ingest::Faults {
    ingest::Faults {
        throttle: 0.10,
        retry_after_secs: 1,
        server_error: 0.05,
        unavailable: 0.05,
        drop: 0.02,
        latency: ingest::Latency::Range(0, 40),
        seed: Some(seed),
    }
}

/// Messages in the queue, visible or in flight.
async fn queue_depth(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<u64> {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let out = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(A::ApproximateNumberOfMessages)
        .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await?;
    let attrs = out.attributes().cloned().unwrap_or_default();
    let n = |k: A| {
        attrs
            .get(&k)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok(n(A::ApproximateNumberOfMessages) + n(A::ApproximateNumberOfMessagesNotVisible))
}

/// The object keys in a dead-letter queue (read without deleting: visibility 0 afterwards).
async fn dead_letters(sqs: &aws_sdk_sqs::Client, dlq: &str) -> Result<Vec<String>> {
    let mut keys = std::collections::BTreeSet::new();
    let total = queue_depth(sqs, dlq).await?;
    let mut seen_ids = std::collections::BTreeSet::new();
    for _ in 0..(total + 10) {
        let out = sqs
            .receive_message()
            .queue_url(dlq)
            .max_number_of_messages(10)
            .visibility_timeout(30)
            .wait_time_seconds(1)
            .send()
            .await?;
        let msgs = out.messages().to_vec();
        if msgs.is_empty() {
            break;
        }
        for m in msgs {
            if !seen_ids.insert(m.message_id().unwrap_or_default().to_string()) {
                continue;
            }
            if let Ok(crate::connector::Notification::Objects { objects, .. }) =
                crate::connector::notify::parse_body(m.body().unwrap_or_default())
            {
                keys.extend(objects.into_iter().map(|o| o.key));
            }
        }
        if seen_ids.len() as u64 >= total {
            break;
        }
    }
    Ok(keys.into_iter().collect())
}

fn print_table(checks: &[ServiceCheck]) {
    println!(
        "{:<11} {:<14} {:>7} {:>9} {:>9} {:>8} {:>6} {:>9} {:>9} {:>8} {:>9}  dlq",
        "service",
        "table",
        "objects",
        "generated",
        "ingested",
        "missing",
        "dup",
        "unexpect",
        "malformed",
        "seconds",
        "records/s",
    );
    for c in checks {
        println!(
            "{:<11} {:<14} {:>7} {:>9} {:>9} {:>8} {:>6} {:>9} {:>9} {:>8.1} {:>9.0}  {}/{}{}",
            c.service,
            c.table,
            c.objects,
            c.records_generated,
            c.ingested,
            c.missing,
            c.duplicated,
            c.unexpected,
            c.malformed,
            c.seconds,
            c.records_per_second,
            c.dlq_actual.len(),
            c.dlq_expected.len(),
            if c.ok() { "  ok" } else { "  MISMATCH" }
        );
        for e in &c.examples {
            println!("    {e}");
        }
        if c.left_in_queue > 0 {
            println!("    {} messages left in the queue", c.left_in_queue);
        }
        if c.dlq_actual != c.dlq_expected {
            println!(
                "    dead-letter queue holds {:?}, expected {:?}",
                c.dlq_actual, c.dlq_expected
            );
        }
    }
}

mod eks {
    //! EKS for the e2e run: audit events and control-plane noise go into CloudWatch Logs, and
    //! the stack's subscription filter, Firehose stream and transform Lambda (run by the
    //! LocalStack plugin) deliver them to S3 for real.
    use super::*;
    use crate::synth::eks::{self as synth_eks, EksOptions, LogsSink};

    const CLUSTER: &str = "e2e-cluster";
    const STACK: &str = "sentinel-e2e-eks";

    /// Deploys the EKS stack, writes the events, waits until every audit event is in S3 (the
    /// Firehose buffer flushes on its interval), and returns the queue, the DLQ and the rows.
    pub async fn deliver(
        cfn: &aws_sdk_cloudformation::Client,
        config: &aws_config::SdkConfig,
        args: &E2eArgs,
        _run_dir: &Path,
        progress: &crate::progress::Progress,
    ) -> Result<(String, String, Vec<TableRow>, u64)> {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis() as i64;
        let opts = EksOptions::new(
            CLUSTER,
            args.records,
            args.seed,
            synth_eks::recent_start_ms(now_ms, 30),
        );
        let run = synth_eks::generate(&opts);
        let sink = crate::replay::CloudWatchLogs(aws_sdk_cloudwatchlogs::Client::new(config));
        // The subscription filter is a stack resource once the log group exists.
        sink.create_log_group(&run.log_group)
            .await
            .map_err(anyhow::Error::msg)?;
        let spec = StackSpec {
            kind: StackKind::Eks,
            cloud: Cloud::Commercial,
        };
        let report = deployer::deploy(
            cfn,
            &StackRequest {
                stack_name: STACK.into(),
                template: render::render(&spec.build(), Format::Json),
                parameters: vec![
                    ("EKSClusterName".into(), CLUSTER.into()),
                    ("SentinelWorkspaceId".into(), WORKSPACE_ID.into()),
                    ("LogGroupExists".into(), "true".into()),
                    ("QueueVisibilityTimeout".into(), "30".into()),
                    ("MaxReceiveCount".into(), "3".into()),
                ],
                timeout: Duration::from_secs(300),
                progress: false,
            },
        )
        .await
        .context("deploying the EKS stack")?;
        eprintln!("e2e: deployed {STACK} in {:.1} s", report.seconds);
        let t0 = Instant::now();
        let phase = progress.phase(
            "eks logs",
            format_args!("{} log events to CloudWatch Logs", run.events.len()),
        );
        let d = synth_eks::deliver(&sink, &run)
            .await
            .map_err(anyhow::Error::msg)?;
        phase.finish(format_args!(
            "{} EKS log events ({} audit, {} other control-plane lines) in {} PutLogEvents calls",
            d.log_events, d.audit_events, d.noise_events, d.put_calls
        ));
        let bucket = &report.outputs["LogBucketName"];
        let prefix = &report.outputs["NotificationPrefix"];
        let mut phase = progress.phase(
            "eks firehose",
            format_args!("{} audit events to reach S3", run.expected.len()),
        );
        let bar = phase.bar("eks firehose", run.expected.len() as u64, "events");
        let objects = wait_for_lines(
            &crate::replay::s3_client(config),
            bucket,
            prefix,
            run.expected.len(),
            &bar,
        )
        .await?;
        phase.finish(format_args!(
            "every EKS audit event reached S3 in {objects} objects ({:.1} s since the first PutLogEvents)",
            t0.elapsed().as_secs_f64()
        ));
        let rows = run
            .expected
            .iter()
            .map(|e| TableRow::AWSEKSLogs_CL(e.row.clone()))
            .collect();
        Ok((
            report.outputs["SentinelSQSQueueURL"].clone(),
            report.outputs["DeadLetterQueueURL"].clone(),
            rows,
            objects,
        ))
    }

    /// Waits (deadline 5 min) until the `.gz` objects under `prefix` hold `want` lines;
    /// returns how many objects that took.
    async fn wait_for_lines(
        s3: &aws_sdk_s3::Client,
        bucket: &str,
        prefix: &str,
        want: usize,
        bar: &indicatif::ProgressBar,
    ) -> Result<u64> {
        let deadline = Instant::now() + Duration::from_secs(300);
        let mut counted: BTreeMap<String, usize> = BTreeMap::new();
        loop {
            let mut pages = s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                for o in page?.contents() {
                    let key = o.key().unwrap_or_default().to_string();
                    if counted.contains_key(&key) || !key.ends_with(".gz") {
                        continue;
                    }
                    let body = s3
                        .get_object()
                        .bucket(bucket)
                        .key(&key)
                        .send()
                        .await?
                        .body
                        .collect()
                        .await?
                        .into_bytes();
                    let mut text = String::new();
                    std::io::Read::read_to_string(
                        &mut flate2::read::MultiGzDecoder::new(&body[..]),
                        &mut text,
                    )
                    .with_context(|| format!("s3://{bucket}/{key} is not gzip text"))?;
                    counted.insert(key, text.lines().filter(|l| !l.trim().is_empty()).count());
                }
            }
            let have: usize = counted.values().sum();
            bar.set_position(have as u64);
            if have >= want {
                return Ok(counted.len() as u64);
            }
            if Instant::now() > deadline {
                bail!("after 5 minutes only {have} of {want} EKS audit events reached s3://{bucket}/{prefix}");
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }
}
