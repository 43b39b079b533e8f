//! `cargo xtask test`: every test the project has, on a fresh machine.
//!
//! It installs what it needs itself (the LocalStack and cfn-lint venvs from their hash-checked
//! locks), then runs: templates freshness, cfn-lint, rustfmt, clippy, the Python suites (the
//! LocalStack plugin against a real LocalStack, the Lambda code), and `cargo test` for the
//! whole workspace with insta in check mode (integration tests start LocalStack themselves),
//! and the end-to-end run twice (clean, and with ingestion faults plus bad data).

use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

struct Counts {
    passed: u64,
    failed: u64,
}

/// Runs a command, echoing its output, and counts the test results it reports.
fn run_counting(what: &str, cmd: &mut Command) -> Result<Counts> {
    println!("==> {what}");
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {what}"))?;
    let mut counts = Counts {
        passed: 0,
        failed: 0,
    };
    let cargo_line = regex_lite(r"test result: \w+\. (\d+) passed; (\d+) failed");
    let pytest_passed = regex_lite(r"(\d+) passed");
    let pytest_failed = regex_lite(r"(\d+) failed");
    for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line?;
        println!("{line}");
        if let Some(c) = cargo_line.captures(&line) {
            counts.passed += c[1].parse::<u64>()?;
            counts.failed += c[2].parse::<u64>()?;
        } else if line.contains(" in ")
            && (line.contains(" passed") || line.contains(" failed"))
            && line.starts_with(|c: char| c.is_ascii_digit() || c == '=')
        {
            if let Some(c) = pytest_passed.captures(&line) {
                counts.passed += c[1].parse::<u64>()?;
            }
            if let Some(c) = pytest_failed.captures(&line) {
                counts.failed += c[1].parse::<u64>()?;
            }
        }
    }
    let status = child.wait()?;
    println!("<== {what}: {:.0} s", started.elapsed().as_secs_f64());
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(counts)
}

fn regex_lite(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern).expect("valid regex")
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

pub fn run(root: &Path) -> Result<()> {
    let started = Instant::now();
    let mut passed = 0;
    let mut failed = 0;

    println!("==> templates/ freshness");
    let drift = generator::render::check(&root.join("templates"), &generator::render::all_files())?;
    if !drift.is_empty() {
        bail!(
            "templates/ is stale ({} files): run `cargo xtask render` and commit",
            drift.len()
        );
    }

    println!("==> cfn-lint");
    crate::lint::run(root)?;

    run_counting(
        "rustfmt",
        cargo()
            .current_dir(root)
            .args(["fmt", "--all", "--", "--check"]),
    )?;
    run_counting(
        "clippy",
        cargo().current_dir(root).args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;

    println!("==> LocalStack venv");
    let venv = harness::localstack_venv().context("building the LocalStack venv")?;
    let pytest = |what: &str, paths: &[&str], env: &[(&str, String)]| -> Result<Counts> {
        let mut cmd = Command::new(venv.python());
        cmd.current_dir(root)
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
            .args(paths);
        for (k, v) in env {
            cmd.env(k, v);
        }
        run_counting(what, &mut cmd)
    };
    let c = pytest("pytest: Lambda code", &["generator/lambda/tests"], &[])?;
    passed += c.passed;
    failed += c.failed;
    {
        let ls = harness::LocalStack::start(harness::LocalStackConfig::default())
            .context("starting LocalStack for the plugin tests")?;
        let c = pytest(
            "pytest: LocalStack plugin",
            &["localstack/plugin/tests"],
            &[("SENTINEL_LOCALSTACK_ENDPOINT", ls.endpoint().to_string())],
        );
        ls.stop()?;
        let c = c?;
        passed += c.passed;
        failed += c.failed;
    }

    let c = run_counting(
        "cargo test (workspace; insta in check mode; integration tests start LocalStack)",
        cargo()
            .current_dir(root)
            .args(["test", "--workspace", "--", "--nocapture"])
            .env("CI", "true")
            .env("INSTA_UPDATE", "no"),
    )?;
    passed += c.passed;
    failed += c.failed;

    println!(
        "all checks passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    println!("tests: {passed} passed, {failed} failed");
    if failed > 0 || passed == 0 {
        bail!("{failed} tests failed, {passed} passed");
    }
    Ok(())
}
