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
mod eks;
mod enforce;
pub mod fan_out;
pub mod junit;
pub mod kills;
mod report;
mod stacks;
mod templates;
pub mod timing;

use crate::connector::{self, ConnectorConfig, Route};
use crate::ingest;
use crate::synth::manifest::{ManifestLine, ManifestLines};
use crate::synth::{writes_objects, BadDataKind, GenOptions};
use crate::tables::parse_datetime_ms;
use anyhow::{bail, Context, Result};
use catalogue::DataType;
use check::{canonical, Expected, ServiceCheck};
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

/// How a data type's records reach S3 in this run.
fn delivery_text(s: DataType) -> &'static str {
    match s {
        DataType::Vpc => {
            "simulator wrote flow-log objects (LocalStack mocks EC2 flow-log delivery)"
        }
        DataType::GuardDuty => "simulator wrote finding exports (LocalStack mocks GuardDuty)",
        DataType::CloudTrail => {
            "simulator wrote trail files and digests (LocalStack mocks CloudTrail)"
        }
        DataType::CloudWatch => "simulator wrote the Firehose transform's CSV objects",
        DataType::Eks => "CloudWatch Logs -> subscription -> Firehose -> Lambda -> S3, for real",
        DataType::Route53 => {
            "simulator wrote Resolver query log objects (the stack gets no VpcIds, so it creates no query logging configuration)"
        }
        DataType::NetworkFirewallFlow
        | DataType::NetworkFirewallAlert
        | DataType::NetworkFirewallTls => {
            "simulator wrote the firewall's log files (LocalStack has no Network Firewall; the stack's logging configuration needs a FirewallArn)"
        }
        DataType::Waf => {
            "simulator wrote web ACL log files as the log-delivery service does (the stack creates no WAF logging configuration without a WebAclArn)"
        }
        DataType::S3Access => {
            "simulator wrote server access log objects of the watched buckets (LocalStack does not deliver server access logs)"
        }
        DataType::SecurityHub => {
            "simulator wrote the Firehose stream's objects (one EventBridge event per line; the rule and stream are deployed)"
        }
        DataType::CloudFront => {
            "simulator wrote standard-log objects where the v2 delivery writes them (LocalStack has no CloudFront distribution to deliver from)"
        }
        DataType::ElbAlb | DataType::ElbNlb => {
            "simulator wrote access log files as Elastic Load Balancing does (the stack cannot set an existing load balancer's access-log attributes; it outputs the command)"
        }
        DataType::ElbNlbFlow | DataType::ElbGwlbFlow => {
            "simulator wrote the load balancer interfaces' flow log objects (LocalStack mocks flow-log delivery; the stack outputs the create-flow-logs command)"
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
    /// How the connector stacks' buckets announce objects: `queue` (to each queue), or `sns` (to a
    /// topic per data type, the queues subscribed raw), with a second consumer's queue
    /// subscribed to each topic that must receive every object too.
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
            if args.fan_out == fan_out::FanOut::Sns {
                bail!("--accounts with --fan-out sns: the log-archive stack notifies its queues directly (it has no FanOut parameter)");
            }
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

/// Generates every service's logs and delivers them where the service delivers them; the
/// expected rows go to `check_db`. In an organization run (`org`), each member account's logs
/// of each service, written into the archive as that member's service writes them; the
/// records each account was given are returned per service.
#[allow(clippy::too_many_arguments)]
async fn deliver(
    args: &E2eArgs,
    services: &[DataType],
    deployed: &[stacks::Deployed],
    eks_stack: Option<&eks::EksStack>,
    config: &aws_config::SdkConfig,
    s3: &aws_sdk_s3::Client,
    run_dir: &Path,
    check_db: &CheckDb,
    progress: &crate::progress::Progress,
    bars: &DrainBars,
    enforcement: &enforce::Enforcement,
    org: Option<&(accounts::Org, accounts::Archive)>,
) -> Result<Delivered> {
    let mut expected = BTreeMap::new();
    let mut per_account: BTreeMap<DataType, Vec<accounts::AccountCount>> = BTreeMap::new();
    let writes = enforcement.writes();
    for s in services {
        if !writes_objects(*s) {
            continue;
        }
        let svc = *s;
        let stack = stacks::of(deployed, svc)?;
        let members: Vec<Option<usize>> = match org {
            Some((o, _)) => (0..o.members.len()).map(Some).collect(),
            None => vec![None],
        };
        let mut exp = Expected::default();
        for member in members {
            let mut opts = GenOptions::new(svc, args.records, args.seed);
            opts.region = deployer::LOCALSTACK_REGION.to_string();
            let (bucket, writer, dir, what) = match (org, member) {
                (Some((o, archive)), Some(i)) => {
                    // Each member its own records (its own seed) under its own account ID.
                    let account = o.members[i].clone();
                    opts.account_id = account.clone();
                    opts.bucket = archive.bucket.clone();
                    opts.seed = args.seed.wrapping_add(1000 * (i as u64 + 1));
                    let kms = (svc == DataType::GuardDuty).then(|| archive.key_arn.clone());
                    let writer = crate::access::writes::Writer::service(
                        svc,
                        &enforcement.at,
                        o.source_arn(svc, &account),
                        kms,
                    )
                    .with_context(|| format!("{svc} objects are not written by their service"))?;
                    let dir = run_dir.join(svc.slug()).join(&account);
                    (
                        archive.bucket.clone(),
                        writer,
                        dir,
                        format!("{} of {account}", svc.slug()),
                    )
                }
                _ => {
                    let target =
                        crate::replay::target_from_outputs(&stack.name, &stack.outputs, svc)?;
                    opts.account_id = target.account.clone();
                    opts.bucket = target.bucket.clone();
                    one_account_options(&mut opts, args, &stack.name, &target)?;
                    let writer = enforcement.writer(*s, stack)?;
                    (
                        target.bucket.clone(),
                        writer,
                        run_dir.join(svc.slug()),
                        svc.slug().to_string(),
                    )
                }
            };
            if args.bad_data {
                opts.bad_data = vec![
                    BadDataKind::MalformedLines,
                    BadDataKind::TruncatedGzip,
                    BadDataKind::NotGzip,
                    BadDataKind::Empty,
                ];
            }
            opts.validate()?;
            let mut phase = progress.phase(
                format!("generate {what}"),
                format!("{} records", args.records),
            );
            let bar = phase.bar(&format!("generate {what}"), args.records, "records");
            let (manifest_path, summary) =
                crate::simulate::generate_watched(&opts, &dir, &mut |o| {
                    bar.inc(crate::simulate::requested_records(o))
                })?;
            let t = &summary.totals;
            phase.finish(format_args!(
                "{} objects ({} to ingest), {} records, {} bytes gzip",
                t.objects, t.objects_to_ingest, t.records, t.bytes
            ));
            // Objects the connector must finish: those its queues hear of (digests are filtered
            // out by the notification), except the ones that end in the dead-letter queue.
            let mut to_finish = 0u64;
            let records_before = exp.records;
            let mut objects: Vec<(String, PathBuf)> = Vec::new();
            check_db.begin()?;
            for line in ManifestLines::open(&manifest_path)? {
                if let ManifestLine::Object(mut o) = line? {
                    let local = dir.join(&o.key);
                    if let Some((org, _)) = org {
                        o.key = org.archive_key(svc, &o.key)?;
                    }
                    exp.add_object(check_db, s.slug(), &o)?;
                    if o.ingest && !check::must_dead_letter(o.content) {
                        to_finish += 1;
                    }
                    objects.push((o.key.clone(), local));
                }
            }
            check_db.commit()?;
            bars.expect(to_finish, exp.records - records_before);
            if org.is_some() {
                per_account
                    .entry(svc)
                    .or_default()
                    .push(accounts::AccountCount {
                        account: opts.account_id.clone(),
                        generated: exp.records - records_before,
                        ingested: 0,
                    });
            }
            // Written as the service writes them: what AWS would refuse is not written.
            let mut refused = writes.before_delivery(&writer, &bucket);
            if refused.is_empty() {
                objects.retain(|(key, _)| match writes.put_object(&writer, &bucket, key) {
                    Ok(()) => {
                        writes.notify(&bucket, key);
                        true
                    }
                    Err(d) => {
                        refused.push(*d);
                        false
                    }
                });
            } else {
                objects.clear();
            }
            if let Some(d) = refused.first() {
                crate::progress::eprintln(format_args!(
                    "e2e: {}: {} writes refused, not written; the first: {}",
                    s.short_label(),
                    refused.len(),
                    d.message()
                ));
            }
            // GuardDuty encrypts its exports with its key (the bucket policy denies other writes).
            let upload = crate::replay::UploadOptions {
                sse_kms_key_id: writer.kms_key_arn().map(str::to_string),
                ..Default::default()
            };
            let mut phase = progress.phase(
                format!("upload {what}"),
                format!("{} objects", objects.len()),
            );
            let bar = phase.bar(&format!("upload {what}"), objects.len() as u64, "objects");
            let up =
                crate::replay::upload_objects_with(s3, &bucket, objects, &upload, &bar).await?;
            check_db.begin()?;
            for (key, at) in &up.written_ms {
                check_db.written(s.slug(), key, *at)?;
            }
            check_db.commit()?;
            phase.finish(format_args!("{} objects, {} bytes", up.objects, up.bytes));
        }
        expected.insert(*s, exp);
    }
    if let Some(stack) = eks_stack {
        let e = eks::deliver(config, stack, args, check_db, progress, &enforcement.eks()?).await?;
        bars.expect(e.objects, e.records);
        expected.insert(DataType::Eks, e);
    }
    Ok(Delivered {
        expected,
        per_account,
    })
}

/// What [`deliver`] delivered: each service's expected rows, and in an organization run the
/// records each member account was given.
struct Delivered {
    expected: BTreeMap<DataType, Expected>,
    per_account: BTreeMap<DataType, Vec<accounts::AccountCount>>,
}

/// A one-account run's options that follow from the stack's outputs (`target`).
fn one_account_options(
    opts: &mut GenOptions,
    args: &E2eArgs,
    stack_name: &str,
    target: &crate::replay::ReplayTarget,
) -> Result<()> {
    let svc = opts.service;
    if svc == DataType::S3Access {
        // S3 writes under the target prefix, then the account and Region (the notified
        // prefix), for the buckets the stack was given.
        let tail = format!("{}/{}/", target.account, opts.region);
        opts.access_log_prefix = target
            .prefix
            .strip_suffix(&tail)
            .with_context(|| {
                format!(
                    "stack {}: notification prefix {} does not end in {tail}",
                    stack_name, target.prefix
                )
            })?
            .to_string();
        opts.watched_buckets = stacks::watched_buckets(args.seed);
    }
    if !svc.default_key_prefix().is_empty() {
        // The load balancer (or flow log) writes under the stack's key prefix.
        opts.key_prefix = target.key_prefix().to_string();
    }
    Ok(())
}

/// The drain's two bars: objects finished and rows accepted, out of what the deliveries said
/// to expect so far.
#[derive(Clone)]
struct DrainBars {
    objects: indicatif::ProgressBar,
    rows: indicatif::ProgressBar,
}

impl DrainBars {
    /// One more delivery: `objects` more to finish, `rows` more to be accepted.
    fn expect(&self, objects: u64, rows: u64) {
        self.objects.inc_length(objects);
        self.rows.inc_length(rows);
    }

    fn show(&self, objects_done: &AtomicU64, stats: &ingest::StatsHandle) {
        self.objects
            .set_position(objects_done.load(Ordering::Relaxed));
        self.rows.set_position(stats.accepted_rows());
    }
}

/// Runs the connector in rounds until the logs were delivered and a round that started after
/// that left every queue empty (bad objects come back after their visibility timeout until
/// SQS dead-letters them); returns each round's statistics and the seconds in all.
async fn drain(
    cc: ConnectorConfig,
    s3: aws_sdk_s3::Client,
    sqs: aws_sdk_sqs::Client,
    queues: Vec<String>,
    delivered: Arc<AtomicBool>,
    gate: Arc<crate::access::gate::AccessGate>,
    kill: Option<(kills::Plan, ingest::StatsHandle)>,
) -> Result<(Vec<serde_json::Value>, f64, Vec<kills::Kill>)> {
    let started = Instant::now();
    // The crashes first, while the logs are delivered; then the connector drains as usual.
    let killed = match kill {
        Some((plan, stats)) => kills::run(&plan, &stats, &sqs, &queues).await?,
        None => Vec::new(),
    };
    if cc.routes.is_empty() {
        // No route could start (its role could not be assumed): nothing to drain.
        while !delivered.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        return Ok((Vec::new(), started.elapsed().as_secs_f64(), killed));
    }
    let mut quiet = cc.clone();
    quiet.log = false;
    let mut deadline: Option<Instant> = None;
    let mut rounds = Vec::new();
    loop {
        let after_delivery = delivered.load(Ordering::SeqCst);
        if after_delivery && deadline.is_none() {
            deadline = Some(Instant::now() + Duration::from_secs(900));
        }
        let (_tx, rx) = tokio::sync::watch::channel(false);
        let config = if after_delivery { &cc } else { &quiet };
        let stats = connector::run(config, &s3, &sqs, rx)
            .await
            .context("running the connector")?;
        rounds.push(serde_json::to_value(&stats)?);
        let Some(deadline) = deadline else {
            // Still delivering: the queues are empty only until the next object.
            continue;
        };
        // A queue whose receives are refused keeps its messages until the policy changes.
        let refused = gate.refused_receives();
        let mut left = 0;
        for url in queues.iter().filter(|u| !refused.contains(*u)) {
            left += queue_depth(&sqs, url).await?;
        }
        if left == 0 {
            break;
        }
        if Instant::now() > deadline {
            bail!("{left} messages still in the queues 15 minutes after the last delivery");
        }
        crate::progress::eprintln(format_args!(
            "e2e: {left} messages wait for redelivery or the dead-letter queue; another round"
        ));
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    Ok((rounds, started.elapsed().as_secs_f64(), killed))
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
/// Messages in the queue: visible, and received but not deleted (in flight).
pub(crate) async fn queue_depth(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<u64> {
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
