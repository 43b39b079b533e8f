//! `cargo xtask e2e`: the main job. Builds the simulator (cargo's own progress is shown; the
//! workspace has one feature set, so after `cargo build` or `cargo xtask test` nothing is
//! compiled again) and runs its `e2e` subcommand, which starts LocalStack, deploys the rendered
//! stacks, starts the mock ingestion endpoint, replays logs, runs the connector until the
//! queues are drained, checks every record, prints the per-service table, writes
//! target/e2e/report.json (and JUnit XML with `--junit FILE`), and stops everything it
//! started, also when this command is killed.

use anyhow::{bail, Context, Result};
use generator::facts::DataType;
use std::path::Path;

#[derive(clap::Args, Debug)]
pub struct E2eArgs {
    /// Records per service.
    #[arg(long, default_value_t = 2000)]
    pub records: u64,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Comma-separated data types or groups (`networkfirewall`: all its members); default all.
    #[arg(long, value_delimiter = ',', value_parser = generator::facts::parse_selection)]
    pub services: Vec<Vec<DataType>>,
    /// Inject 429/500/503, latency and dropped connections at the ingestion endpoint.
    #[arg(long)]
    pub faults: bool,
    /// Add malformed lines, truncated gzip, not-gzip and empty objects.
    #[arg(long)]
    pub bad_data: bool,
    /// Delete each message on receive, as Microsoft's EKS poller does (a comparison: what
    /// fails is then lost).
    #[arg(long = "delete-on-receive")]
    pub delete_on_receive: bool,
    /// Crash the connector N times (SIGKILL to a `simulator consume` process once it has
    /// rows accepted) before the run's connector drains; no row may go missing.
    #[arg(long = "kill-connector", value_name = "N", default_value_t = 0)]
    pub kill_connector: u32,
    /// `sns`: the connector stacks' buckets notify a topic per data type, the queues subscribe,
    /// and a second consumer on each topic must get every object too.
    #[arg(long = "fan-out", value_name = "queue|sns")]
    pub fan_out: Option<String>,
    /// An organization of N member accounts delivering into one log archive, consumed through
    /// the log-archive stack; the report counts each account's records.
    #[arg(long, value_name = "N")]
    pub accounts: Option<u32>,
    /// JSON report path (default target/e2e/report.json).
    #[arg(long)]
    pub report: Option<String>,
    /// Also write the checks as JUnit XML (one test case per service and check).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<String>,
    /// Deploy the templates in DIR (same file names as templates/) instead of rendering them.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<String>,
}

pub fn run(root: &Path, args: &E2eArgs) -> Result<()> {
    // The venv first, so a cold machine shows what it is doing.
    println!("==> LocalStack venv (built once from the hash-checked lock, then reused)");
    harness::localstack_venv().context("building the LocalStack venv")?;
    println!("==> building and running `simulator e2e`");
    let mut cmd = crate::cargo::command();
    cmd.current_dir(root)
        .args(["run", "-p", "simulator", "--", "e2e"])
        .args([
            "--records",
            &args.records.to_string(),
            "--seed",
            &args.seed.to_string(),
        ]);
    if !args.services.is_empty() {
        cmd.args(["--services", &crate::slug_list(&args.services.concat())]);
    }
    if args.faults {
        cmd.arg("--faults");
    }
    if args.bad_data {
        cmd.arg("--bad-data");
    }
    if args.delete_on_receive {
        cmd.arg("--delete-on-receive");
    }
    if args.kill_connector > 0 {
        cmd.args(["--kill-connector", &args.kill_connector.to_string()]);
    }
    if let Some(f) = &args.fan_out {
        cmd.args(["--fan-out", f]);
    }
    if let Some(n) = args.accounts {
        cmd.args(["--accounts", &n.to_string()]);
    }
    if let Some(r) = &args.report {
        cmd.args(["--report", r]);
    }
    if let Some(j) = &args.junit {
        cmd.args(["--junit", j]);
    }
    if let Some(t) = &args.templates {
        cmd.args(["--templates", t]);
    }
    let status = harness::end_with_this_process(&mut cmd)
        .status()
        .context("running the simulator")?;
    if !status.success() {
        bail!("the end-to-end run failed ({status})");
    }
    Ok(())
}
