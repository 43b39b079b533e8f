//! `simulator e2e` (behind `cargo xtask e2e`): the whole pipeline on one machine, checked.
//!
//! LocalStack starts, the stacks are rendered and deployed, the mock Logs Ingestion endpoint
//! and the connector start, N records of each service are generated and delivered where the
//! service delivers them while the connector consumes the queues, the connector runs on until
//! every queue is drained, and every record is checked against the manifests ([`check`], in
//! the SQLite database of [`checkdb`]): ingested exactly once into the right table with the
//! right values, dead-letter queues holding exactly the bad objects, nothing left behind. The
//! report gives each service its own seconds, rates and delivery latency ([`timing`]), and
//! `--junit` writes the checks as JUnit XML ([`junit`]). `--kill-connector N` crashes
//! `simulator consume` processes on the queues first ([`kills`]). Everything started is
//! stopped.
//!
//! Access is proved on the way (`enforce`, [`crate::access`]): the policies are read back
//! from LocalStack after the deploy, each route's role is assumed as Sentinel assumes it, every
//! connector call and every write in a service's place is evaluated, and a denial fails the
//! run. `--templates DIR` deploys the templates of DIR instead of the rendered ones
//! (`templates`).

pub mod accounts;
pub mod check;
pub mod checkdb;
mod deliver;
mod drain;
mod eks;
mod enforce;
pub mod fan_out;
pub mod junit;
pub mod kills;
mod report;
mod stacks;
mod templates;
pub mod timing;

use deliver::{deliver, delivery_text, Delivered};
pub(crate) use drain::queue_depth;
use drain::{dead_letters, drain, DrainBars};

use crate::connector::{self, ConnectorConfig, Route};
use crate::ingest;
use crate::tables::parse_datetime_ms;
use anyhow::{Context, Result};
use catalogue::DataType;
use check::{canonical, ServiceCheck};
use checkdb::CheckDb;
use deployer::Target;
use generator::stacks::has_connector_stack;
pub use report::{print_table, Report};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) const WORKSPACE_ID: &str = "00000000-0000-4000-8000-00000000e2e0";
/// The connector's app registration in the mock Entra ID (its secret is made up per run).
const CLIENT_ID: &str = "sentinel-e2e-connector";

#[derive(Debug, Clone, clap::Args)]
pub struct E2eArgs {
    /// Records generated per service.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub records: u64,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Data types to run, comma separated: a data type's slug, or a group's (every member;
    /// `networkfirewall`). Default: every data type.
    #[arg(long, value_delimiter = ',', value_parser = catalogue::parse_selection)]
    pub services: Vec<Vec<DataType>>,
    /// Inject ingestion faults: 10% 429 (Retry-After 1), 5% 500, 5% 503, 0-40 ms latency, 2% dropped connections.
    #[arg(long)]
    pub faults: bool,
    /// Add bad objects: malformed lines, truncated gzip, not-gzip and empty objects.
    #[arg(long)]
    pub bad_data: bool,
    /// Run the connector the way Microsoft's published EKS poller does: each message deleted
    /// as soon as it is received, before its rows are accepted. For comparison: a failed or
    /// poison object then loses its records (they show as missing) instead of waiting for
    /// redelivery or the dead-letter queue.
    #[arg(long = "delete-on-receive")]
    pub delete_on_receive: bool,
    /// Crash the connector N times: before the run's connector drains the queues, N `simulator
    /// consume` processes consume them one after another, each killed with SIGKILL once 100
    /// more rows were accepted. No row may be missing; duplicates are allowed up to the
    /// messages the killed ones held times the rows of the largest object (see `kills` in the
    /// report). With --delete-on-receive the killed ones delete on receive, and lose rows.
    #[arg(long = "kill-connector", value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=20))]
    pub kill_connector: u32,
    /// How the connector stacks' buckets (with --accounts, the log archive) announce objects:
    /// `queue` (to each queue), or `sns` (to a topic per data type, the queues subscribed raw),
    /// with a second consumer's queue subscribed to each topic that must receive every object too.
    #[arg(long = "fan-out", value_enum, default_value_t = fan_out::FanOut::Queue)]
    pub fan_out: fan_out::FanOut,
    /// Run an organization of N member accounts: their CloudTrail (one organization trail,
    /// Control Tower's layout), VPC flow logs and GuardDuty exports land in one log archive
    /// bucket, consumed through the log-archive stack; every row must carry its member's account
    /// ID, and the report counts each account's records.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=50))]
    pub accounts: Option<u32>,
    /// Where the JSON report goes (default target/e2e/report.json).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Also write the checks as JUnit XML here (one test case per service and check).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Use this running LocalStack instead of starting one.
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Deploy the templates in DIR (the file names of templates/:
    /// sentinel-all-services-connector-commercial.json, sentinel-eks-connector-commercial.json)
    /// instead of rendering them.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

impl E2eArgs {
    /// The data types the run covers: those `--services` names, or every one.
    pub fn data_types(&self) -> Vec<DataType> {
        match self.services.is_empty() {
            true => DataType::ALL.to_vec(),
            false => self.services.concat(),
        }
    }
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
    let out = result?;
    let checks = out.checks;
    let access = out.access;
    let doctor = out.doctor;
    let ok = checks.iter().all(ServiceCheck::ok) && access.ok() && doctor.errors() == 0;
    report::print_table(&checks);
    report::print_second_consumers(&checks);
    report::print_accounts(&checks);
    report::print_kills(&out.kills, &checks);
    report::print_access(&access);
    report::print_doctor(&doctor);
    report::print_ingestion(&out.ingestion);
    let report = Report {
        ok,
        records_per_service: args.records,
        seed: args.seed,
        faults: args.faults,
        bad_data: args.bad_data,
        delete_on_receive: args.delete_on_receive,
        kill_connector: args.kill_connector,
        kills: out.kills,
        fan_out: args.fan_out,
        accounts: args.accounts,
        stack_set_member: out.joined,
        localstack_mode: mode,
        seconds_total: started.elapsed().as_secs_f64(),
        connector_seconds: out.connector_seconds,
        services: checks,
        delivery: out.delivery,
        connector: out.connector,
        ingestion: serde_json::to_value(&out.ingestion)?,
        access,
        doctor,
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
    if let Some(j) = &args.junit {
        std::fs::write(j, junit::junit_xml(&report.services, &report.access)?)
            .with_context(|| format!("writing {}", j.display()))?;
        println!("junit: {}", j.display());
    }
    for (svc, how) in &report.delivery {
        println!("  {svc}: {how}");
    }
    Ok(ok)
}

struct PipelineOut {
    /// `--accounts`: the member that joined through a StackSet.
    joined: Option<accounts::StackSetMember>,
    checks: Vec<ServiceCheck>,
    delivery: BTreeMap<String, String>,
    connector_seconds: f64,
    connector: serde_json::Value,
    ingestion: ingest::Stats,
    access: crate::access::AccessReport,
    doctor: crate::doctor::Diagnosis,
    kills: Vec<kills::Kill>,
}

async fn pipeline(args: &E2eArgs, endpoint: &str, run_dir: &Path) -> Result<PipelineOut> {
    let config = deployer::sdk_config(&Target::localstack(endpoint)).await;
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let s3 = crate::replay::s3_client(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let mut services = args.data_types();
    if args.accounts.is_some() && args.services.is_empty() {
        services = generator::stacks::log_archive::DATA_TYPES.to_vec();
    }
    services.sort();
    services.dedup();
    let progress = crate::progress::Progress::stderr();

    // An organization: the log archive the landing zone made, then the log-archive stack and
    // what its outputs ask of the archive's owner. Otherwise: the classic four share one bucket
    // (separate prefixes and queues), and every other connector stack is deployed on its own.
    let (deployed, org, joined) = match args.accounts {
        Some(n) => {
            accounts::check_services(&services)?;
            let me = deployer::caller_identity(&config).await?;
            let org = accounts::Org::new(n, args.seed, &me.account, deployer::LOCALSTACK_REGION);
            let plan = stacks::archive_plan();
            let bucket = stacks::bucket_name(&plan[0].1, args.seed);
            let archive = accounts::prepare(&config, &org, &bucket).await?;
            let deployed = stacks::deploy(
                &cfn,
                &config,
                args,
                &plan,
                &org.parameters(&archive.key_arn),
            )
            .await?;
            accounts::apply_outputs(&config, &org, &archive, &deployed[0].outputs).await?;
            let joined = accounts::add_member_by_stack_set(&config, &org, &archive).await?;
            (deployed, Some((org, archive)), Some(joined))
        }
        None => (
            stacks::deploy(&cfn, &config, args, &stacks::plan(&services), &[]).await?,
            None,
            None,
        ),
    };
    let mut queues: BTreeMap<DataType, (String, String)> = BTreeMap::new();
    for s in &services {
        if has_connector_stack(*s) {
            let d = stacks::of(&deployed, *s)?;
            let o = d
                .read
                .get(*s)
                .with_context(|| format!("stack {} delivers no {s}", d.name))?;
            queues.insert(*s, (o.queue.url.clone(), o.queue.dlq_url.clone()));
        }
    }

    let eks_stack = match services.contains(&DataType::Eks) {
        true => Some(
            eks::deploy(
                &cfn,
                &config,
                args.templates.as_deref(),
                stacks::max_receive_count(args.kill_connector),
            )
            .await?,
        ),
        false => None,
    };
    if let Some(e) = &eks_stack {
        queues.insert(DataType::Eks, (e.queue.clone(), e.dlq.clone()));
    }

    // With --fan-out sns, a second consumer on each connector stack's topic.
    let mut second_consumers = BTreeMap::new();
    if args.fan_out == fan_out::FanOut::Sns {
        let sns = aws_sdk_sns::Client::new(&config);
        for (s, (url, _)) in &queues {
            if has_connector_stack(*s) {
                let c = fan_out::subscribe(&sqs, &sns, *s, url, args.seed).await?;
                eprintln!(
                    "e2e: second consumer {} subscribed to {}",
                    c.queue_url, c.topic_arn
                );
                second_consumers.insert(*s, c);
            }
        }
    }

    // The policies as deployed, and Sentinel's assumption of each route's role.
    let mut stack_names: Vec<&str> = deployed.iter().map(|d| d.name.as_str()).collect();
    if eks_stack.is_some() {
        stack_names.push(eks::STACK);
    }
    let seconds: Vec<String> = second_consumers
        .values()
        .map(|c| c.queue_url.clone())
        .collect();
    let enforcement = enforce::Enforcement::read_back(
        &config,
        &stack_names,
        &seconds,
        org.as_ref().map(|(_, a)| a),
    )
    .await?;
    let started = enforcement
        .assume_routes(
            &config,
            &deployed,
            queues
                .iter()
                .map(|(s, (url, _))| (*s, Route::new(*s, url.clone())))
                .collect(),
        )
        .await?;
    let gate = enforcement.gate(&started);

    // The ingestion endpoint and the connector run while the logs are delivered, as they
    // would in Sentinel: the latency of an object is that of the pipeline.
    let faults = if args.faults {
        ingest_faults(args.seed)
    } else {
        ingest::Faults::default()
    };
    let db = run_dir.join("ingest.db");
    let (server, target) = ingest::serve_for_connector(
        ingest::Config {
            db: Some(db.clone()),
            faults,
            ..Default::default()
        },
        CLIENT_ID,
    )
    .await?;
    let queue_urls: Vec<String> = started.routes.iter().map(|r| r.queue_url.clone()).collect();
    let kill_plan = (args.kill_connector > 0).then(|| {
        (
            kills::Plan {
                times: args.kill_connector,
                stacks: stack_names.iter().map(|s| s.to_string()).collect(),
                localstack: endpoint.to_string(),
                target: target.clone(),
                run_dir: run_dir.to_path_buf(),
                delete_on_receive: args.delete_on_receive,
            },
            server.stats_handle(),
        )
    });
    let mut cc = ConnectorConfig::new(
        started.routes.clone(),
        // As a real Logs Ingestion client: a token from Entra ID (the mock's) by client
        // credentials, over TLS verified against the mock's CA.
        target,
    );
    cc.wait_time_seconds = 2;
    cc.visibility_timeout_seconds = 10;
    cc.stop_after_empty_polls = Some(3);
    cc.delete_on_receive = args.delete_on_receive;
    cc.log = true;
    // Above the progress bars, not through them.
    cc.log_line = |line| crate::progress::eprintln(line);
    cc.route_clients = started.clients.clone();
    cc.gate = Some(Arc::clone(&gate) as Arc<dyn connector::Gate>);
    let objects_done = Arc::new(AtomicU64::new(0));
    cc.objects_done = Some(Arc::clone(&objects_done));
    let delivered = Arc::new(AtomicBool::new(false));
    // The drain's bars grow as the deliveries say what to expect, and follow the connector's
    // finished objects and the endpoint's accepted rows.
    let mut drain_phase = progress.phase(
        "drain",
        format_args!(
            "the connector consumes {} queues while the logs are delivered",
            queues.len()
        ),
    );
    let bars = DrainBars {
        objects: drain_phase.bar("drain objects", 0, "objects"),
        rows: drain_phase.bar("drain rows", 0, "rows"),
    };
    let ticker = {
        let bars = bars.clone();
        let objects_done = Arc::clone(&objects_done);
        let stats = server.stats_handle();
        tokio::spawn(async move {
            loop {
                bars.show(&objects_done, &stats);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    let connector = tokio::spawn(drain(
        cc,
        s3.clone(),
        sqs.clone(),
        queue_urls,
        Arc::clone(&delivered),
        Arc::clone(&gate),
        kill_plan,
    ));

    // Generate and deliver; the expected rows go to the check database as they are read.
    let check_db = CheckDb::create(&run_dir.join("check.db"))?;
    for s in &services {
        check_db.add_service(s.slug())?;
    }
    let mut delivery = BTreeMap::new();
    for s in &services {
        delivery.insert(s.short_label().to_string(), delivery_text(*s).to_string());
    }
    let Delivered {
        expected,
        mut per_account,
    } = match deliver(
        args,
        &services,
        &deployed,
        eks_stack.as_ref(),
        &config,
        &s3,
        run_dir,
        &check_db,
        &progress,
        &bars,
        &enforcement,
        org.as_ref(),
    )
    .await
    {
        Ok(e) => e,
        Err(e) => {
            connector.abort();
            ticker.abort();
            return Err(e);
        }
    };
    delivered.store(true, Ordering::SeqCst);
    let drained = connector.await.context("the connector task");
    ticker.abort();
    let (rounds, connector_seconds, kills) = drained??;
    bars.show(&objects_done, &server.stats_handle());
    drain_phase.finish(format_args!(
        "{} of {} objects finished, {} of {} rows accepted, {} connector rounds",
        bars.objects.position(),
        bars.objects.length().unwrap_or(0),
        bars.rows.position(),
        bars.rows.length().unwrap_or(0),
        rounds.len()
    ));
    let ingestion = server
        .shutdown()
        .await
        .context("stopping the ingestion endpoint")?;

    // Check: the stored rows go to the check database page by page, then one query per
    // service compares them with the expected rows.
    let store = ingest::Store::open(&db)?;
    let mut checks = Vec::new();
    for (s, exp) in &expected {
        let table = s.table();
        let stream = ingest::stream_for_table(table);
        let mut counts = per_account.remove(s);
        check_db.begin()?;
        for r in store.rows(stream.name)? {
            let r = r?;
            let row = r
                .table_row(table)
                .with_context(|| format!("a stored {} row does not parse", stream.name))?;
            if !s.owns(&row) {
                // Another data type's row of a shared table (ELB flow logs).
                continue;
            }
            if let Some(counts) = counts.as_mut() {
                let account = accounts::row_account(*s, &row);
                if let Some(c) = counts
                    .iter_mut()
                    .find(|c| Some(&c.account) == account.as_ref())
                {
                    c.ingested += 1;
                }
            }
            let at = parse_datetime_ms(&r.received_at).with_context(|| {
                format!(
                    "{} row {}: received_at {}",
                    stream.name, r.id, r.received_at
                )
            })?;
            check_db.got(s.slug(), at, &canonical(&row))?;
        }
        check_db.commit()?;
        let mut c = check::compare(&check_db, s.slug(), s.short_label(), table, exp)?;
        let (url, dlq) = &queues[s];
        c.left_in_queue = queue_depth(&sqs, url).await?;
        c.dlq_actual = dead_letters(&sqs, dlq).await?;
        c.duplicates_allowed =
            kills::duplicates_allowed(&kills, url, check_db.max_rows_per_unit(s.slug())?);
        if let Some(second) = second_consumers.get(s) {
            let prefix = &stacks::of(&deployed, *s)?
                .read
                .get(*s)
                .with_context(|| format!("no {s} outputs"))?
                .notification_prefix;
            let written: std::collections::BTreeSet<String> = check_db
                .unit_keys(s.slug())?
                .into_iter()
                .filter(|k| k.starts_with(prefix.as_str()) && k.ends_with(s.suffix()))
                .collect();
            let got = fan_out::received_keys(&sqs, &second.queue_url).await?;
            c.second_consumer = Some(fan_out::compare(&second.topic_arn, &written, &got));
        }
        c.delivered_by_simulator = *s != DataType::Eks;
        c.accounts = counts;
        checks.push(c);
    }
    // The doctor on every stack: a deployed, drained stack has no error finding. The newest
    // object is sampled unless the run put unreadable objects in on purpose.
    let mut stack_names: Vec<String> = deployed.iter().map(|d| d.name.clone()).collect();
    if eks_stack.is_some() {
        stack_names.push(eks::STACK.to_string());
    }
    sentinel_provider(&config).await?;
    let samples = if args.bad_data { 0 } else { 1 };
    let doctor = crate::doctor::diagnose(&config, &stack_names, Some(WORKSPACE_ID), samples)
        .await
        .context("running the doctor on the deployed stacks")?;
    Ok(PipelineOut {
        joined,
        checks,
        delivery,
        connector_seconds,
        connector: serde_json::Value::Array(rounds),
        ingestion,
        doctor,
        kills,
        access: {
            let mut a = enforcement.ledger.report();
            a.failed_routes = started.failed;
            a
        },
    })
}

/// Sentinel's IAM OIDC provider, as the provider stack creates it in AWS (LocalStack deploys the
/// stack's `AWS::IAM::OIDCProvider` as a mock that creates nothing); kept if it exists.
async fn sentinel_provider(config: &aws_config::SdkConfig) -> Result<()> {
    let cloud = generator::facts::Cloud::Commercial;
    let iam = aws_sdk_iam::Client::new(config);
    match iam
        .create_open_id_connect_provider()
        .url(cloud.issuer_url())
        .client_id_list(cloud.audience())
        .thumbprint_list(generator::facts::OIDC_THUMBPRINT)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if aws_sdk_iam::error::ProvideErrorMetadata::code(&e)
                == Some("EntityAlreadyExists") =>
        {
            Ok(())
        }
        Err(e) => Err(anyhow::Error::new(e).context("IAM CreateOpenIDConnectProvider")),
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
