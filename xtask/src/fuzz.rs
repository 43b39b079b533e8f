//! `cargo xtask fuzz [--seconds N] [--targets a,b]`: coverage-guided fuzzing with libFuzzer of
//! every format parser, the SQS notification decoder and the mock ingestion endpoint's request
//! handling (the `fuzz` crate), on the stable toolchain.
//!
//! The targets are built with `fuzz/rustc-sancov` as cargo's workspace wrapper, which adds the
//! SanitizerCoverage instrumentation libFuzzer needs to the simulator and the fuzz crate only;
//! the dependencies are the artifacts every other build uses, so the build compiles only the
//! workspace crates again. Each target then runs for N seconds on its corpus
//! (`target/fuzz/corpus/<target>`, kept between runs), seeded from `fuzz/seeds/<target>` and
//! `fuzz/regressions/<target>`. An input that makes a target fail is copied into
//! `fuzz/regressions/<target>/`, where `cargo test -p fuzz` runs it from then on, and the
//! command fails naming it.

use anyhow::{bail, Context, Result};
use generator::facts::DataType;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The fuzz targets: the binaries of `fuzz/fuzz_targets/`, a parser per data type
/// (`parse_<slug>`, a `-` in the slug as `_`) then the two others, the order of the fuzz
/// crate's `Target::ALL`.
pub fn targets() -> Vec<String> {
    DataType::ALL
        .iter()
        .map(|d| format!("parse_{}", d.slug().replace('-', "_")))
        .chain(["notification".to_string(), "ingest_request".to_string()])
        .collect()
}

fn targets_help() -> String {
    format!(
        "Comma-separated targets (default all): {}",
        targets().join(", ")
    )
}

/// The crates that get coverage instrumentation: the code under test and the targets.
const INSTRUMENTED: &[&str] = &["simulator", "fuzz"];

#[derive(clap::Args, Debug, Clone)]
pub struct FuzzArgs {
    /// Seconds of fuzzing per target.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub seconds: u64,
    #[arg(long, value_delimiter = ',', help = targets_help())]
    pub targets: Vec<String>,
}

/// What one target's run gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRun {
    pub target: String,
    pub executions: u64,
    pub per_second: u64,
    pub new_units: u64,
    pub corpus: usize,
    /// Inputs that failed, as copied into `fuzz/regressions/<target>/`.
    pub failures: Vec<PathBuf>,
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|d| if d.is_absolute() { d } else { root.join(d) })
        .unwrap_or_else(|| root.join("target"))
}

/// Builds the instrumented targets (cargo's progress shown).
pub fn build(root: &Path) -> Result<()> {
    println!("==> building the fuzz targets with coverage instrumentation");
    let targets = targets();
    let mut instrument: Vec<&str> = INSTRUMENTED.to_vec();
    instrument.extend(targets.iter().map(String::as_str));
    let status = harness::end_with_this_process(
        crate::cargo::command()
            .current_dir(root)
            .args(["build", "-p", "fuzz", "--features", "libfuzzer", "--bins"])
            .env("RUSTC_WORKSPACE_WRAPPER", root.join("fuzz/rustc-sancov"))
            .env("SENTINEL_FUZZ_INSTRUMENT", instrument.join(" ")),
    )
    .status()
    .context("running cargo build for the fuzz targets")?;
    if !status.success() {
        bail!("building the fuzz targets failed ({status})");
    }
    Ok(())
}

/// Runs one built target for `seconds`.
pub fn run_target(root: &Path, target: &str, seconds: u64) -> Result<TargetRun> {
    let target_dir = target_dir(root);
    let binary = target_dir.join("debug").join(target);
    let work = target_dir.join("fuzz");
    let corpus = work.join("corpus").join(target);
    let artifacts = work.join("artifacts").join(target);
    let log = work.join("logs").join(format!("{target}.log"));
    for dir in [
        &corpus,
        &artifacts,
        &log.parent().expect("has a parent").to_path_buf(),
    ] {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    for old in list(&artifacts) {
        let _ = std::fs::remove_file(old);
    }
    let seeds = root.join("fuzz/seeds").join(target);
    let regressions = root.join("fuzz/regressions").join(target);
    let mut cmd = Command::new(&binary);
    cmd.current_dir(&work)
        .arg(format!("-max_total_time={seconds}"))
        .arg("-print_final_stats=1")
        .arg("-timeout=10")
        .arg("-rss_limit_mb=2048")
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg(&corpus)
        .arg(&seeds);
    if regressions.is_dir() {
        cmd.arg(&regressions);
    }
    let log_file =
        std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
    let status = harness::end_with_this_process(&mut cmd)
        .stdout(Stdio::null())
        .stderr(log_file)
        .status()
        .with_context(|| {
            format!(
                "running {} (build it with `cargo xtask fuzz`)",
                binary.display()
            )
        })?;
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let stat = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    let failures = keep_failures(&artifacts, &regressions)?;
    if !status.success() && failures.is_empty() {
        bail!(
            "{target} exited with {status} and left no failing input; see {}",
            log.display()
        );
    }
    Ok(TargetRun {
        target: target.to_string(),
        executions: stat("number_of_executed_units"),
        per_second: stat("average_exec_per_sec"),
        new_units: stat("new_units_added"),
        corpus: list(&corpus).len(),
        failures,
    })
}

/// Copies every input libFuzzer left in `artifacts` (crash-, timeout-, oom- files) into
/// `regressions`, where the fuzz crate's tests run it; returns the copies.
fn keep_failures(artifacts: &Path, regressions: &Path) -> Result<Vec<PathBuf>> {
    let mut kept = Vec::new();
    for found in list(artifacts) {
        std::fs::create_dir_all(regressions)
            .with_context(|| format!("creating {}", regressions.display()))?;
        let keep = regressions.join(found.file_name().expect("a file"));
        std::fs::copy(&found, &keep)
            .with_context(|| format!("copying {} to {}", found.display(), keep.display()))?;
        kept.push(keep);
    }
    Ok(kept)
}

fn list(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Builds and runs the chosen targets; prints one line per target and a total, and returns the
/// runs (see [`require_no_failures`]).
pub fn run(root: &Path, args: &FuzzArgs) -> Result<Vec<TargetRun>> {
    let all = targets();
    for t in &args.targets {
        if !all.contains(t) {
            bail!(
                "--targets {t}: no such fuzz target; choose from {}",
                all.join(", ")
            );
        }
    }
    let chosen: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|t| args.targets.is_empty() || args.targets.iter().any(|c| c == t))
        .collect();
    build(root)?;
    println!(
        "==> fuzzing {} targets, {} s each",
        chosen.len(),
        args.seconds
    );
    let started = Instant::now();
    let mut runs = Vec::new();
    for target in chosen {
        let run = run_target(root, target, args.seconds)?;
        println!(
            "fuzz {:<17} {:>11} executions {:>7}/s {:>5} new coverage units, corpus {:>5}, {}",
            run.target,
            thousands(run.executions),
            thousands(run.per_second),
            run.new_units,
            run.corpus,
            if run.failures.is_empty() {
                "no failure".to_string()
            } else {
                format!("{} FAILING input(s)", run.failures.len())
            }
        );
        runs.push(run);
    }
    let total: u64 = runs.iter().map(|r| r.executions).sum();
    let failing: Vec<&PathBuf> = runs.iter().flat_map(|r| &r.failures).collect();
    println!(
        "fuzz: {} targets, {} executions in {:.0} s, {} failing inputs",
        runs.len(),
        thousands(total),
        started.elapsed().as_secs_f64(),
        failing.len()
    );
    Ok(runs)
}

/// An error naming every failing input, if there is one.
pub fn require_no_failures(runs: &[TargetRun]) -> Result<()> {
    let failing: Vec<&PathBuf> = runs.iter().flat_map(|r| &r.failures).collect();
    if !failing.is_empty() {
        bail!(
            "fuzzing found failing inputs, now regression tests of `cargo test -p fuzz`; fix the code, \
             then commit them:\n{}",
            failing
                .iter()
                .map(|p| format!("  {}", p.display()))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(44_318), "44,318");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn every_target_has_a_binary_a_seed_folder_and_a_cargo_entry() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap();
        for target in targets() {
            assert!(root
                .join(format!("fuzz/fuzz_targets/{target}.rs"))
                .is_file());
            assert!(root.join(format!("fuzz/seeds/{target}")).is_dir());
            assert!(
                manifest.contains(&format!("name = \"{target}\"")),
                "{target} is not a [[bin]] of fuzz/Cargo.toml"
            );
        }
    }

    #[test]
    fn failing_inputs_become_regression_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let artifacts = dir.path().join("artifacts");
        let regressions = dir.path().join("regressions/parse_vpc");
        std::fs::create_dir_all(&artifacts).unwrap();
        assert!(keep_failures(&artifacts, &regressions).unwrap().is_empty());
        assert!(!regressions.exists(), "nothing found, nothing created");
        std::fs::write(artifacts.join("crash-0123abcd"), b"2 x y").unwrap();
        let kept = keep_failures(&artifacts, &regressions).unwrap();
        assert_eq!(kept, vec![regressions.join("crash-0123abcd")]);
        assert_eq!(std::fs::read(&kept[0]).unwrap(), b"2 x y");
    }

    #[test]
    fn an_unknown_target_is_named_with_the_choices() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let error = run(
            root,
            &FuzzArgs {
                seconds: 1,
                targets: vec!["parse_xml".into()],
            },
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("--targets parse_xml"), "{error}");
        assert!(error.contains("parse_vpc, parse_guardduty"), "{error}");
    }
}
