//! `cargo xtask bench`: builds the simulator in release mode and runs `simulator bench`
//! (throughput per service on one core, the LocalStack ceiling against the connector end to
//! end, peak RSS over a large object). It measures and prints; it asserts nothing.

use anyhow::{bail, Context, Result};
use generator::facts::DataType;
use std::path::Path;

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Multiplies the record counts.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Stored size of the large object for the RSS measurement, MiB (0 skips it).
    #[arg(long, default_value_t = 500)]
    pub large_mib: u64,
    /// Skip the LocalStack measurements.
    #[arg(long)]
    pub skip_localstack: bool,
    /// Data types of the one-core measurements (comma-separated; default all).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub services: Vec<DataType>,
}

pub fn run(root: &Path, args: BenchArgs) -> Result<()> {
    harness::localstack_venv().context("building the LocalStack venv")?;
    let mut cmd = crate::cargo::command();
    cmd.current_dir(root)
        .args(["run", "--release", "-p", "simulator", "--", "bench"])
        .args([
            "--scale",
            &args.scale.to_string(),
            "--large-mib",
            &args.large_mib.to_string(),
        ]);
    if args.skip_localstack {
        cmd.arg("--skip-localstack");
    }
    if !args.services.is_empty() {
        cmd.args(["--services", &crate::slug_list(&args.services)]);
    }
    let status = harness::end_with_this_process(&mut cmd)
        .status()
        .context("running the simulator")?;
    if !status.success() {
        bail!("the benchmark failed ({status})");
    }
    Ok(())
}
