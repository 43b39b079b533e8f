//! `simulator consume`: the connector on its own, against stacks you deployed (in LocalStack, or
//! in an AWS account with `--aws`). Each stack's queues and tables are read from its outputs; the
//! connector drains them into a Logs Ingestion endpoint (`--ingest`: a mock `serve-ingestion`
//! runs, or a real data collection endpoint) until every queue is empty (`--until-drained`) or
//! Ctrl-C, showing what it does meanwhile, then prints what each route did.
//!
//! It uses the caller's credentials (LocalStack's test keys, or the standard AWS chain): it
//! receives, deletes and extends the visibility of the stacks' messages and reads the objects
//! they announce; it never writes to S3. Several `consume` processes on the same queues are
//! competing consumers, as Sentinel's pollers are.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use catalogue::DataType;
use generator::facts::Cloud;
use generator::stacks::outputs::{self, ConnectorOutputs, EksOutputs};
use generator::stacks::{StackKind, StackSpec};

use crate::connector::{
    self, ClientSecret, ConnectorConfig, Credential, IngestTarget, Live, Route,
};
use crate::ingest;

fn dcr_id(s: &str) -> Result<String, String> {
    ingest::validate_dcr_id(s).map(|_| s.to_string())
}

/// Where the rows go, and how the connector authenticates there.
#[derive(Debug, Clone, clap::Args)]
pub struct IngestArgs {
    /// The Logs Ingestion endpoint: `serve-ingestion`'s URL, or a data collection endpoint
    /// (default: a mock started here, HTTPS with its own CA and Entra ID, rows kept in --db).
    #[arg(long, value_name = "URL", requires = "dcr_id")]
    pub ingest: Option<String>,
    /// The DCR immutable id (with --ingest).
    #[arg(long = "dcr-id", value_name = "ID", requires = "ingest", value_parser = dcr_id)]
    pub dcr_id: Option<String>,
    /// A CA to trust besides the system's (`serve-ingestion --ca-out FILE`).
    #[arg(long, value_name = "FILE", requires = "ingest")]
    pub ca: Option<PathBuf>,
    /// Entra ID tenant of the app registration (client credentials, with --client-id and
    /// --client-secret).
    #[arg(long, requires_all = ["client_id", "client_secret"], conflicts_with = "token_file")]
    pub tenant: Option<String>,
    /// The app registration's client ID (with --tenant).
    #[arg(long = "client-id", value_name = "ID", requires = "tenant")]
    pub client_id: Option<String>,
    /// The app registration's client secret (with --tenant).
    #[arg(long = "client-secret", value_name = "SECRET", requires = "tenant")]
    pub client_secret: Option<String>,
    /// Where tokens come from: Entra ID's public host, or the mock's URL for `serve-ingestion`.
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://login.microsoftonline.com"
    )]
    pub authority: String,
    /// The token scope (`https://monitor.azure.us//.default` for Azure Government).
    #[arg(long, default_value = "https://monitor.azure.com//.default")]
    pub scope: String,
    /// A file holding the bearer token, read again when it changes (instead of a client).
    #[arg(long = "token-file", value_name = "FILE", requires = "ingest")]
    pub token_file: Option<PathBuf>,
    /// The mock's SQLite store, without --ingest (rows already there are kept).
    #[arg(
        long,
        default_value = "consume-ingestion.sqlite3",
        conflicts_with = "ingest"
    )]
    pub db: PathBuf,
}

/// Flags of `consume`.
#[derive(Debug, Clone, clap::Args)]
pub struct ConsumeArgs {
    /// A deployed connector or EKS stack whose queues to drain (repeatable).
    #[arg(long = "stack", value_name = "NAME", required = true)]
    pub stacks: Vec<String>,
    /// Stop once every queue answered 3 receives in a row with no message while nothing was in
    /// flight (default: run until Ctrl-C).
    #[arg(long = "until-drained")]
    pub until_drained: bool,
    /// Messages processed at once, over all queues.
    #[arg(long = "in-flight", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub in_flight: u16,
    /// SQS long-poll wait, seconds.
    #[arg(long = "wait-seconds", default_value_t = 20, value_parser = clap::value_parser!(i32).range(0..=20))]
    pub wait_seconds: i32,
    /// Visibility timeout set on receive and on each extension, seconds.
    #[arg(long = "visibility-seconds", default_value_t = 60, value_parser = clap::value_parser!(i32).range(1..=43_200))]
    pub visibility_seconds: i32,
    /// Delete each message as soon as it is received, before its rows are accepted, as
    /// Microsoft's published EKS poller does (10 messages, 30 s visibility, delete on receive):
    /// for comparison, since a crash or a failed object then loses records.
    #[arg(long = "delete-on-receive")]
    pub delete_on_receive: bool,
    /// Also write the summary (the connector's counters per route) as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub ingest: IngestArgs,
    #[command(flatten)]
    pub target: deployer::cli::TargetArgs,
}

/// One queue to drain: the data type, the stack and the queue URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackRoute {
    pub stack: String,
    pub data_type: DataType,
    pub queue_url: String,
}

/// The routes of a stack, from its outputs: an EKS stack (told by its log-group output) or a
/// connector stack of any shape.
pub fn routes_of(stack: &str, outputs: &BTreeMap<String, String>) -> Result<Vec<StackRoute>> {
    let route = |d, url: &str| StackRoute {
        stack: stack.to_string(),
        data_type: d,
        queue_url: url.to_string(),
    };
    if outputs.contains_key(outputs::LOG_GROUP) {
        let spec = StackSpec {
            kind: StackKind::Eks,
            cloud: Cloud::Commercial,
        };
        let o = EksOutputs::from_map(&spec, outputs).map_err(|e| e.in_stack(stack))?;
        return Ok(vec![route(DataType::Eks, &o.queue.url)]);
    }
    let o = ConnectorOutputs::from_any(outputs).map_err(|e| e.in_stack(stack))?;
    Ok(o.data_types
        .iter()
        .map(|d| route(d.data_type, &d.queue.url))
        .collect())
}

/// The connector's routes: one per data type (a data type in two stacks is refused: run one
/// `consume` per stack).
pub fn connector_routes(routes: &[StackRoute]) -> Result<Vec<Route>> {
    let mut by_type: BTreeMap<DataType, &StackRoute> = BTreeMap::new();
    for r in routes {
        if let Some(first) = by_type.insert(r.data_type, r) {
            bail!(
                "stacks {} and {} both deliver {}: consume them in separate runs (one route per data type)",
                first.stack,
                r.stack,
                r.data_type.slug()
            );
        }
    }
    Ok(by_type
        .values()
        .map(|r| Route::new(r.data_type, r.queue_url.clone()))
        .collect())
}

/// The credential `--ingest` needs, from the flags.
fn credential(a: &IngestArgs) -> Result<Credential> {
    match (&a.tenant, &a.client_id, &a.client_secret, &a.token_file) {
        (Some(tenant), Some(id), Some(secret), None) => Ok(Credential::ClientSecret(ClientSecret {
            authority: a.authority.clone(),
            tenant: tenant.clone(),
            client_id: id.clone(),
            secret: secret.clone(),
            scope: a.scope.clone(),
        })),
        (None, None, None, Some(path)) => Ok(Credential::TokenFile(path.clone())),
        _ => bail!(
            "--ingest needs a credential: --tenant, --client-id and --client-secret (with --authority for a mock's Entra ID), or --token-file FILE"
        ),
    }
}

/// One progress line: objects and rows done, in flight, retries, failures.
fn progress_line(s: &connector::Stats, in_flight: usize, seconds: f64) -> String {
    let t = s.total();
    format!(
        "consume: {} objects, {} rows, {} in flight, {} retries, {} failed objects, {} messages deleted ({seconds:.0} s)",
        t.objects + t.objects_skipped,
        t.records_ingested,
        in_flight,
        t.retries,
        t.failed_objects + t.malformed_objects,
        t.messages_deleted
    )
}

/// `simulator consume`.
pub async fn run(args: &ConsumeArgs) -> Result<()> {
    let target = deployer::cli::resolve_target(&args.target)?;
    let config = deployer::sdk_config(&target).await;
    deployer::cli::confirm(
        &config,
        &target,
        &args.target,
        &format!(
            "consume the queues of stack(s) {} (receive and delete their messages, read the objects they name)",
            args.stacks.join(", ")
        ),
    )
    .await?;
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let mut routes = Vec::new();
    for name in &args.stacks {
        let out = deployer::outputs(&cfn, name)
            .await
            .with_context(|| format!("--stack {name}: reading its outputs"))?;
        routes.extend(routes_of(name, &out)?);
    }
    let connector_routes = connector_routes(&routes)?;

    let (server, ingest_target) = match &args.ingest.ingest {
        None => {
            let (s, t) = ingest::serve_for_connector(
                ingest::Config {
                    db: Some(args.ingest.db.clone()),
                    ..Default::default()
                },
                "sentinel-consume",
            )
            .await?;
            println!(
                "mock Logs Ingestion endpoint {} (DCR {}), rows kept in {}",
                s.base_url(),
                s.dcr_id(),
                args.ingest.db.display()
            );
            (Some(s), t)
        }
        Some(url) => {
            let ca_pem = match &args.ingest.ca {
                Some(p) => Some(
                    std::fs::read_to_string(p)
                        .with_context(|| format!("--ca {}: reading the CA file", p.display()))?,
                ),
                None => None,
            };
            let t = IngestTarget {
                endpoint: url.trim_end_matches('/').to_string(),
                dcr_immutable_id: args.ingest.dcr_id.clone().expect("clap: requires"),
                credential: credential(&args.ingest)?,
                ca_pem,
                gzip: true,
            };
            (None, t)
        }
    };
    for r in &routes {
        println!(
            "route {}: {} -> {} ({})",
            r.data_type.slug(),
            r.queue_url,
            r.data_type.default_stream(),
            r.stack
        );
    }

    let mut cc = ConnectorConfig::new(connector_routes, ingest_target);
    cc.max_in_flight = usize::from(args.in_flight);
    cc.wait_time_seconds = args.wait_seconds;
    cc.visibility_timeout_seconds = args.visibility_seconds;
    cc.stop_after_empty_polls = args.until_drained.then_some(3);
    cc.delete_on_receive = args.delete_on_receive;
    cc.log = true;
    cc.log_line = |line| crate::progress::eprintln(line);
    let live = Live::default();
    cc.live = Some(live.clone());

    let progress = crate::progress::Progress::stderr();
    let line = progress.spinner();
    println!(
        "consume: {} queue(s), {}",
        routes.len(),
        if args.until_drained {
            "until drained"
        } else {
            "until Ctrl-C"
        }
    );
    let started = Instant::now();
    // The finished rounds' counters; the live view holds the current round's.
    let base = Arc::new(std::sync::Mutex::new(connector::Stats::default()));
    let ticker = {
        let live = live.clone();
        let base = Arc::clone(&base);
        let line = line.clone();
        let hidden = progress.is_hidden();
        tokio::spawn(async move {
            let mut last_print = Instant::now();
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let Some((round, in_flight)) = live.snapshot() else {
                    continue;
                };
                let mut s = base.lock().unwrap_or_else(|e| e.into_inner()).clone();
                s.merge(&round);
                let text = progress_line(&s, in_flight, started.elapsed().as_secs_f64());
                line.set_message(text.clone());
                // Without a terminal, a line every 10 s instead.
                if hidden && last_print.elapsed() >= Duration::from_secs(10) {
                    eprintln!("{text}");
                    last_print = Instant::now();
                }
            }
        })
    };
    let (tx, rx) = tokio::sync::watch::channel(false);
    let interrupt = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            crate::progress::eprintln(
                "consume: Ctrl-C: finishing the messages in flight, releasing the rest",
            );
            let _ = tx.send(true);
        }
    });
    let s3 = crate::replay::s3_client(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    // Until drained: a round ends when the queues answer empty, but messages another consumer
    // (or a killed one) holds come back after their visibility timeout, so another round
    // starts until no message is left, visible or not.
    let mut stats = connector::Stats::default();
    let mut interrupted = false;
    loop {
        let result = connector::run(&cc, &s3, &sqs, rx.clone()).await;
        let round = match result.context("running the connector") {
            Ok(r) => r,
            Err(e) => {
                ticker.abort();
                interrupt.abort();
                return Err(e);
            }
        };
        live.detach();
        stats.merge(&round);
        base.lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone_from(&stats);
        if *rx.borrow() {
            interrupted = true;
            break;
        }
        if !args.until_drained {
            break;
        }
        let mut left = 0;
        for r in &routes {
            left += crate::e2e::queue_depth(&sqs, &r.queue_url).await?;
        }
        if left == 0 {
            break;
        }
        crate::progress::eprintln(format_args!(
            "consume: {left} messages still in the queues (held by another consumer, or waiting for their visibility timeout); another round"
        ));
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    ticker.abort();
    interrupt.abort();
    let secs = started.elapsed().as_secs_f64();
    line.finish_and_clear();
    drop(progress);
    if interrupted {
        println!("consume: interrupted");
    }

    println!(
        "{:<16} {:>9} {:>9} {:>8} {:>9} {:>6} {:>8} {:>8} {:>8} {:>8}",
        "route",
        "received",
        "deleted",
        "left",
        "released",
        "lost",
        "objects",
        "rows",
        "retries",
        "failed"
    );
    for (name, r) in &stats.routes {
        println!(
            "{:<16} {:>9} {:>9} {:>8} {:>9} {:>6} {:>8} {:>8} {:>8} {:>8}",
            name,
            r.messages_received,
            r.messages_deleted,
            r.messages_left,
            r.messages_released,
            r.messages_lost,
            r.objects + r.objects_skipped,
            r.records_ingested,
            r.retries,
            r.failed_objects + r.malformed_objects
        );
    }
    println!("{}", progress_line(&stats, 0, secs));
    if let Some(server) = server {
        let counts = server.counts()?;
        server.shutdown().await?;
        for (stream, n) in counts.iter().filter(|(_, n)| **n > 0) {
            println!(
                "  {stream}: {n} rows stored in {}",
                args.ingest.db.display()
            );
        }
    }
    if let Some(p) = &args.report {
        std::fs::write(p, serde_json::to_string_pretty(&stats)?)
            .with_context(|| format!("--report {}: writing the summary", p.display()))?;
        println!("report: {}", p.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_data_type_in_two_stacks_is_refused() {
        let r = |stack: &str, d| StackRoute {
            stack: stack.into(),
            data_type: d,
            queue_url: format!("https://q/{stack}"),
        };
        let routes =
            connector_routes(&[r("a", DataType::Vpc), r("b", DataType::CloudTrail)]).unwrap();
        assert_eq!(routes.len(), 2);
        let e = connector_routes(&[r("a", DataType::Vpc), r("b", DataType::Vpc)]).unwrap_err();
        assert!(
            e.to_string().contains("stacks a and b both deliver vpc"),
            "{e}"
        );
    }

    #[test]
    fn outputs_that_are_no_connector_stack_say_which_output_is_missing() {
        let e = routes_of("mystack", &outputs(&[("Foo", "bar")])).unwrap_err();
        let m = e.to_string();
        assert!(m.contains("mystack") && m.contains("has no output"), "{m}");
    }

    #[test]
    fn ingest_needs_one_credential() {
        let mut a = IngestArgs {
            ingest: Some("https://x".into()),
            dcr_id: None,
            ca: None,
            tenant: None,
            client_id: None,
            client_secret: None,
            authority: "https://login.microsoftonline.com".into(),
            scope: "https://monitor.azure.com//.default".into(),
            token_file: None,
            db: "x".into(),
        };
        assert!(credential(&a)
            .unwrap_err()
            .to_string()
            .contains("--token-file"));
        a.token_file = Some("t".into());
        assert_eq!(credential(&a).unwrap(), Credential::TokenFile("t".into()));
    }
}
