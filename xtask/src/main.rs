//! Project tasks: `cargo xtask <command>`.

mod bench;
mod cargo;
mod e2e;
mod fuzz;
mod lint;
mod localstack;
mod render;
mod test;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Project tasks for the Sentinel AWS toolkit"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render every stack into templates/ (JSON and YAML), or check that it is fresh.
    Render(render::RenderArgs),
    /// The main job: the whole pipeline on LocalStack, every record checked end to end.
    E2e(e2e::E2eArgs),
    /// Measure throughput and memory (release build); prints figures, asserts nothing.
    Bench(bench::BenchArgs),
    /// Coverage-guided fuzzing (libFuzzer, stable toolchain) of every parser, the notification
    /// decoder and the ingestion endpoint; a failing input becomes a regression test.
    Fuzz(fuzz::FuzzArgs),
    /// Run cfn-lint, checkov and cfn-guard with the AWS Guard rules registry (each pinned) over
    /// every rendered template; fails on a finding without a justified suppression.
    Lint,
    /// Start, stop or inspect a detached LocalStack (host mode).
    #[command(subcommand)]
    Localstack(localstack::LocalstackCmd),
    /// Run every test the project has (installs what it needs): the README's test command.
    Test,
}

/// The workspace root (xtask lives one level below it).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_path_buf()
}

fn main() {
    let cli = Cli::parse();
    let result: Result<()> = match cli.command {
        Command::Render(args) => render::run(&root(), args),
        Command::Lint => lint::run(&root()),
        Command::E2e(args) => e2e::run(&root(), &args),
        Command::Bench(args) => bench::run(&root(), args),
        Command::Fuzz(args) => {
            fuzz::run(&root(), &args).and_then(|runs| fuzz::require_no_failures(&runs))
        }
        Command::Test => test::run(&root()),
        Command::Localstack(cmd) => localstack::run(cmd),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// Data types as the simulator's `--services` takes them: slugs, comma separated.
fn slug_list(types: &[generator::facts::DataType]) -> String {
    types.iter().map(|d| d.slug()).collect::<Vec<_>>().join(",")
}
