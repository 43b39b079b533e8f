//! `simulator` command line: one subcommand per job, each a thin call into
//! the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "simulator",
    version,
    about = "AWS S3 log pipeline simulator for the Sentinel connectors"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate synthetic AWS log objects and their manifest.
    Simulate(simulator::simulate::SimulateArgs),
    /// Create or update a stack (LocalStack by default, real AWS with --aws) and print its outputs.
    Deploy(deployer::cli::DeployArgs),
    /// Delete a stack and wait until it is gone.
    Delete(deployer::cli::DeleteArgs),
    /// Parse one log object (gzip or plain) into table rows, as the connector does (JSON lines on stdout).
    Parse(simulator::parse_cli::ParseArgs),
    /// Run the mock Azure Monitor Logs Ingestion API (SQLite-backed, fault injection) until Ctrl-C.
    ServeIngestion(simulator::ingest::ServeIngestionArgs),
    /// Measure throughput and memory (what `cargo xtask bench` runs); measures, asserts nothing.
    Bench(simulator::bench::BenchArgs),
    /// The whole pipeline checked end to end (what `cargo xtask e2e` runs).
    E2e(simulator::e2e::E2eArgs),
    /// Run the connector against deployed stacks' queues until drained or Ctrl-C.
    Consume(simulator::consume::ConsumeArgs),
    /// Compare what a mock endpoint stored with `simulate`'s manifests (exit 1 on a mismatch).
    Verify(simulator::verify::VerifyArgs),
    /// Diagnose deployed connector stacks, read-only: why Sentinel gets no data (exit 1 on an error finding).
    Doctor(simulator::doctor::DoctorArgs),
    /// Explain an access decision against a template's policies (exit 0 Allow, 1 Deny, 2 bad input).
    #[command(subcommand)]
    Access(simulator::access_check::AccessCommand),
}

fn block_on<T>(f: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Runtime::new()?.block_on(f)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Simulate(args) => simulator::simulate::run(&args),
        Command::Bench(args) => simulator::bench::run(&args),
        Command::E2e(args) => match simulator::e2e::run(&args) {
            Ok(true) => Ok(()),
            Ok(false) => Err(anyhow::anyhow!(
                "end-to-end check found mismatches (see the table and the report)"
            )),
            Err(e) => Err(e),
        },
        Command::Consume(args) => block_on(simulator::consume::run(&args)),
        Command::Verify(args) => match simulator::verify::run(&args) {
            Ok(true) => Ok(()),
            Ok(false) => Err(anyhow::anyhow!(
                "verify found missing, duplicated or unexpected rows (see the table)"
            )),
            Err(e) => Err(e),
        },
        Command::Doctor(args) => match block_on(simulator::doctor::run(&args)) {
            Ok(true) => Ok(()),
            Ok(false) => Err(anyhow::anyhow!(
                "doctor found errors (see the ERROR lines and their fixes)"
            )),
            Err(e) => Err(e),
        },
        Command::Deploy(args) if args.stack_set.is_some() => {
            block_on(deployer::cli::deploy_stack_set(args)).map(|_| ())
        }
        Command::Deploy(args) => block_on(deployer::cli::deploy(args)).map(|_| ()),
        Command::Delete(args) => block_on(deployer::cli::delete(args)),
        Command::Parse(args) => simulator::parse_cli::parse(&args),
        Command::ServeIngestion(args) => block_on(simulator::ingest::run_cli(args)),
        Command::Access(command) => return simulator::access_check::run(&command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
