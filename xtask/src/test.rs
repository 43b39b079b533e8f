//! `cargo xtask test`: every test the project has, on a fresh machine.
//!
//! It installs what it needs itself (the LocalStack, cfn-lint and checkov venvs from their
//! hash-checked locks, cfn-guard with `cargo install --locked`), then runs: templates freshness,
//! cfn-lint, checkov and cfn-guard (each template one test per linter), rustfmt, clippy, the Python suites (the
//! LocalStack plugin against a real LocalStack, the Lambda code), `cargo test` for the
//! whole workspace with insta in check mode (integration tests start LocalStack themselves),
//! Microsoft's Logs Ingestion SDK (azure-monitor-ingestion with azure-identity, from their own
//! lock) against the mock endpoint over HTTPS with Entra ID tokens,
//! and the end-to-end run twice (clean, and with ingestion faults plus bad data), each counted in
//! the closing `N passed, N failed` line. Every child ends if this process is killed.

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
    let mut child = harness::end_with_this_process(cmd)
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
    crate::cargo::command()
}

/// The packages whose builds the xtasks start (`cargo xtask` builds xtask, `cargo xtask e2e`
/// builds the simulator).
const XTASK_BUILDS: &[&str] = &["xtask", "simulator"];

/// After `cargo test --workspace`, `cargo build -p xtask` and `-p simulator` must compile
/// nothing: the workspace has one feature set (the `workspace-hack` crate, managed by
/// cargo-hakari). Each package is one test; a rebuilt library names the fix.
fn no_rebuild(root: &Path) -> Result<Counts> {
    println!("==> one feature set: the xtasks' builds reuse what `cargo test` built");
    let mut counts = Counts {
        passed: 0,
        failed: 0,
    };
    for package in XTASK_BUILDS {
        let out = cargo()
            .current_dir(root)
            .args(["build", "-p", package, "--message-format=json"])
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("running cargo build -p {package}"))?;
        if !out.status.success() {
            bail!("cargo build -p {package} failed ({})", out.status);
        }
        let rebuilt = rebuilt_targets(&String::from_utf8_lossy(&out.stdout));
        if rebuilt.is_empty() {
            println!("no-rebuild {package}: ok, nothing compiled");
            counts.passed += 1;
        } else {
            println!(
                "no-rebuild {package}: FAILED, compiled again with other features: {}.\n\
                 Run `cargo install cargo-hakari --locked` once, then `cargo hakari generate && cargo hakari manage-deps`, and commit.",
                rebuilt.join(", ")
            );
            counts.failed += 1;
        }
    }
    Ok(counts)
}

/// Names of the targets other than binaries that cargo compiled (not fresh) in a
/// `--message-format=json` build.
fn rebuilt_targets(messages: &str) -> Vec<String> {
    let mut names: Vec<String> = messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["fresh"] == false)
        // A binary linked for the first time is no second build of anything.
        .filter(|m| m["target"]["kind"] != serde_json::json!(["bin"]))
        .filter_map(|m| m["target"]["name"].as_str().map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Seconds per target of the bounded fuzzing pass.
const FUZZ_SECONDS: u64 = 8;

/// `cargo xtask fuzz --seconds 8`: each target is one test, failed when it found a failing
/// input (then copied into `fuzz/regressions/`).
fn fuzz_pass(root: &Path) -> Counts {
    println!("==> fuzz: a bounded pass (`cargo xtask fuzz --seconds {FUZZ_SECONDS}`)");
    let args = crate::fuzz::FuzzArgs {
        seconds: FUZZ_SECONDS,
        targets: Vec::new(),
    };
    match crate::fuzz::run(root, &args) {
        Ok(runs) => {
            let failed = runs.iter().filter(|r| !r.failures.is_empty()).count() as u64;
            if let Err(error) = crate::fuzz::require_no_failures(&runs) {
                println!("fuzz FAILED: {error:#}");
            }
            Counts {
                passed: runs.len() as u64 - failed,
                failed,
            }
        }
        Err(error) => {
            println!("fuzz FAILED: {error:#}");
            Counts {
                passed: 0,
                failed: crate::fuzz::targets().len() as u64,
            }
        }
    }
}

/// checkov and cfn-guard (`crate::lint`): each template is one test per linter, failed when it
/// has an unsuppressed finding, a suppression without a justification, or one that answers no
/// finding. A linter that cannot run counts as one failed test.
fn security_linters(root: &Path) -> Counts {
    let mut counts = Counts {
        passed: 0,
        failed: 0,
    };
    for (what, check) in [
        (
            "checkov",
            crate::lint::checkov::check as fn(&Path) -> Result<_>,
        ),
        ("cfn-guard", crate::lint::guard::check),
    ] {
        println!("==> {what}");
        let started = Instant::now();
        match check(root) {
            Ok(report) => {
                report.print();
                let (good, bad) = report.file_counts();
                counts.passed += good;
                counts.failed += bad;
            }
            Err(error) => {
                println!("{what} FAILED: {error:#}");
                counts.failed += 1;
            }
        }
        println!("<== {what}: {:.0} s", started.elapsed().as_secs_f64());
    }
    counts
}

/// Records per service in the two end-to-end runs (2,500 records each).
const E2E_RECORDS: u64 = 500;

/// One end-to-end run, as `cargo xtask e2e` does it. Each of its JUnit test cases (one per
/// service and check) counts as a test; a run that ends before it wrote them counts as one
/// failed test.
fn e2e(root: &Path, what: &str, troubled: bool) -> Counts {
    println!(
        "==> {what} (`cargo xtask e2e --records {E2E_RECORDS}{}`)",
        if troubled { " --faults --bad-data" } else { "" }
    );
    let started = Instant::now();
    let name = if troubled { "troubled" } else { "clean" };
    let junit = root.join(format!("target/e2e/test-{name}.junit.xml"));
    let _ = std::fs::remove_file(&junit);
    let args = crate::e2e::E2eArgs {
        records: E2E_RECORDS,
        seed: 7,
        services: Vec::new(),
        faults: troubled,
        bad_data: troubled,
        delete_on_receive: false,
        kill_connector: 0,
        fan_out: None,
        accounts: None,
        report: Some(
            root.join(format!("target/e2e/test-{name}.json"))
                .display()
                .to_string(),
        ),
        junit: Some(junit.display().to_string()),
        templates: None,
    };
    let outcome = crate::e2e::run(root, &args);
    println!("<== {what}: {:.0} s", started.elapsed().as_secs_f64());
    let counted = std::fs::read_to_string(&junit)
        .ok()
        .and_then(|xml| junit_counts(&xml));
    if let Err(error) = &outcome {
        println!("{what} FAILED: {error:#}");
    }
    match (counted, outcome) {
        (Some(c), Ok(())) => c,
        // A failed run whose checks all passed still failed (e.g. LocalStack did not stop).
        (Some(c), Err(_)) => Counts {
            passed: c.passed,
            failed: c.failed.max(1),
        },
        (None, _) => Counts {
            passed: 0,
            failed: 1,
        },
    }
}

/// Microsoft's Logs Ingestion SDK and Entra ID credential, unmodified (their own hash-checked
/// venv), against `simulator serve-ingestion` over HTTPS: the simulator binary that
/// `cargo test --workspace` built.
fn sdk_suite(root: &Path) -> Result<Counts> {
    println!("==> Azure SDK venv");
    let venv = harness::Venv::ensure_with(harness::venv::VenvSpec {
        name: "azure-sdk".into(),
        lock: root.join("tools/azure-sdk/requirements.lock"),
        local_packages: Vec::new(),
        min_python: (3, 13),
    })
    .context("building the Azure SDK venv (tools/azure-sdk/requirements.lock)")?;
    let simulator = harness::project_target_dir().join("debug/simulator");
    if !simulator.is_file() {
        bail!(
            "{} is missing: `cargo test --workspace` should have built it",
            simulator.display()
        );
    }
    run_counting(
        "pytest: Microsoft's Logs Ingestion SDK against the mock endpoint",
        Command::new(venv.python())
            .current_dir(root)
            .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/sdk"])
            .env("SENTINEL_SIMULATOR", simulator),
    )
}

/// Test cases and failed ones in a JUnit XML report; `None` if it has no test case.
fn junit_counts(xml: &str) -> Option<Counts> {
    let cases = xml.matches("<testcase ").count() as u64;
    let failed = xml.matches("<failure").count() as u64 + xml.matches("<error").count() as u64;
    (cases > 0).then(|| Counts {
        passed: cases.saturating_sub(failed),
        failed,
    })
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
    crate::lint::cfn_lint::run(root)?;

    let c = security_linters(root);
    passed += c.passed;
    failed += c.failed;

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

    let c = sdk_suite(root)?;
    passed += c.passed;
    failed += c.failed;

    let c = no_rebuild(root)?;
    passed += c.passed;
    failed += c.failed;

    let c = fuzz_pass(root);
    passed += c.passed;
    failed += c.failed;

    for (what, troubled) in [
        ("e2e: clean", false),
        ("e2e: ingestion faults and bad data", true),
    ] {
        let c = e2e(root, what, troubled);
        passed += c.passed;
        failed += c.failed;
    }

    println!("all checks ran in {:.0} s", started.elapsed().as_secs_f64());
    println!("tests: {passed} passed, {failed} failed");
    if failed > 0 || passed == 0 {
        bail!("{failed} tests failed, {passed} passed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_reports_are_counted_by_test_case() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="e2e" tests="3" failures="1" errors="0">
    <testsuite name="e2e VPC" tests="3" failures="1">
        <testcase name="VPC: missing" classname="e2e.AWSVPCFlow">
        </testcase>
        <testcase name="VPC: duplicated" classname="e2e.AWSVPCFlow"/>
        <testcase name="VPC: values" classname="e2e.AWSVPCFlow">
            <failure message="2 ingested rows equal no expected row"/>
        </testcase>
    </testsuite>
</testsuites>"#;
        let c = junit_counts(xml).unwrap();
        assert_eq!((c.passed, c.failed), (2, 1));
        assert!(junit_counts("<testsuites/>").is_none());
    }

    #[test]
    fn rebuilt_targets_are_the_artifacts_that_were_not_fresh() {
        let messages = [
            r#"{"reason":"compiler-artifact","fresh":true,"target":{"kind":["lib"],"name":"serde"}}"#,
            r#"{"reason":"compiler-artifact","fresh":false,"target":{"kind":["lib"],"name":"tokio"}}"#,
            r#"{"reason":"compiler-artifact","fresh":false,"target":{"kind":["proc-macro"],"name":"serde_derive"}}"#,
            r#"{"reason":"compiler-artifact","fresh":false,"target":{"kind":["rlib"],"name":"aws_sdk_s3"}}"#,
            r#"{"reason":"compiler-artifact","fresh":false,"target":{"kind":["bin"],"name":"simulator"}}"#,
            r#"{"reason":"build-finished","success":true}"#,
            "not json",
        ]
        .join("\n");
        assert_eq!(
            rebuilt_targets(&messages),
            vec!["aws_sdk_s3", "serde_derive", "tokio"]
        );
    }
}
