//! `cargo xtask localstack up|down|status|logs`: a detached LocalStack (host mode) for
//! working by hand; tests start their own through `harness::LocalStack`.

use anyhow::{Context, Result};
use harness::control::{self, Status};

#[derive(clap::Subcommand)]
pub enum LocalstackCmd {
    /// Start LocalStack in the background (builds the venv on first use) and leave it running.
    Up,
    /// Stop the LocalStack that `up` started and wait until it is gone.
    Down,
    /// Is it running? Endpoint and the health of the services the stacks need.
    Status,
    /// Print LocalStack's log.
    Logs,
}

pub fn run(cmd: LocalstackCmd) -> Result<()> {
    match cmd {
        LocalstackCmd::Up => up(),
        LocalstackCmd::Down => down(),
        LocalstackCmd::Status => status(),
        LocalstackCmd::Logs => logs(),
    }
}

fn up() -> Result<()> {
    let report =
        control::up(&harness::LocalStackConfig::default()).context("starting LocalStack")?;
    let state = &report.state;
    println!("LocalStack is up: {}", state.endpoint);
    println!("  mode:     {}", state.mode);
    println!("  pid:      {} (process group)", state.pid);
    println!("  log:      {}", state.log.display());
    match report.venv_install {
        Some(took) => println!("  venv install (cold): {:.1} s", took.as_secs_f64()),
        None => println!("  venv install: reused, 0 s"),
    }
    println!(
        "  start-up (warm):     {:.1} s",
        report.startup.as_secs_f64()
    );
    println!("Stop it with `cargo xtask localstack down`.");
    Ok(())
}

fn down() -> Result<()> {
    match control::down().context("stopping LocalStack")? {
        Some(state) => println!(
            "LocalStack (pid {}, {}) stopped.",
            state.pid, state.endpoint
        ),
        None => println!("No LocalStack was started with `cargo xtask localstack up`."),
    }
    for stale in control::stop_stale().context("stopping LocalStacks left by killed runs")? {
        println!("Stopped {stale}, left running by an earlier run that was killed.");
    }
    Ok(())
}

fn status() -> Result<()> {
    match control::status()? {
        Status::NotStarted => println!("not running (no `cargo xtask localstack up` recorded)"),
        Status::Stopped(state) => println!(
            "not running: pid {} recorded in {} is gone; `cargo xtask localstack up` starts a new one",
            state.pid,
            control::state_file().display()
        ),
        Status::Running { state, health } => {
            println!("running: {} (pid {}, mode {})", state.endpoint, state.pid, state.mode);
            println!("log: {}", state.log.display());
            match health {
                Ok(json) => println!("{}", control::health_summary(&json)),
                Err(e) => println!("health: no answer ({e})"),
            }
        }
    }
    for stale in control::stale() {
        println!("left by a killed run: {stale}; `cargo xtask localstack down` stops it");
    }
    Ok(())
}

fn logs() -> Result<()> {
    let path = control::log_path()?;
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    print!("{text}");
    Ok(())
}
