//! cfn-guard with the AWS Guard rules registry over every rendered template.
//!
//! - cfn-guard [`VERSION`] is installed by `cargo install --locked` into
//!   `target/tools/cfn-guard-<version>` on first use (about 2 minutes on 2 cores; its published
//!   Cargo.lock pins every crate, checked against the registry's checksums).
//! - The rules are every `rules/aws/**/*.guard` of aws-cloudformation/aws-guard-rules-registry at
//!   [`RULES_COMMIT`], vendored in `tools/cfn-guard/rules` (the project's machines reach only
//!   package registries) and checked against `tools/cfn-guard/rules.sha256` before each run.
//!
//! cfn-guard reports per template and rule. A template has a problem when a rule fails on it,
//! when a suppression (`Metadata.guard.SuppressedRules`) has no justification
//! (`Metadata.guard.Justifications`), or (JSON) when a suppressed rule does not fail on the copy
//! without suppressions. YAML templates are judged on failures; their suppressions are the ones
//! of their JSON twins.

use super::report::{FileVerdict, Report};
use super::unsuppressed::{self, Linter, Pair};
use anyhow::{bail, Context, Result};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const VERSION: &str = "3.2.1";
pub const RULES_COMMIT: &str = "7f7340c26ae5d5e8874651dbffeb12e0e9f505b6";

/// cfn-guard's exit code when a rule failed (0 when none did; anything else is an error).
const EXIT_NON_COMPLIANT: i32 = 19;

/// `cfn-guard --version` prints `cfn-guard 3.2.1`.
fn installed_version(binary: &Path) -> Option<String> {
    let out = Command::new(binary).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().strip_prefix("cfn-guard ").map(str::to_string)
}

/// The pinned cfn-guard, installed if it is missing or another version.
pub fn binary(root: &Path) -> Result<PathBuf> {
    let dir = root.join(format!("target/tools/cfn-guard-{VERSION}"));
    let binary = dir.join("bin/cfn-guard");
    if installed_version(&binary).as_deref() == Some(VERSION) {
        return Ok(binary);
    }
    println!(
        "installing cfn-guard {VERSION} into {} (cargo install --locked; about 2 minutes on 2 cores)",
        dir.display()
    );
    let status = crate::cargo::command()
        .args(["install", "--locked", "cfn-guard", "--version", VERSION])
        .arg("--root")
        .arg(&dir)
        // A temporary build directory, not the workspace's target/.
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .context("running cargo install cfn-guard")?;
    if !status.success() {
        bail!("cargo install --locked cfn-guard --version {VERSION} failed ({status})");
    }
    match installed_version(&binary) {
        Some(v) if v == VERSION => Ok(binary),
        other => bail!(
            "{} reports version {other:?} after installing {VERSION}",
            binary.display()
        ),
    }
}

/// Checks the vendored rules against the manifest (`<sha256>  <path>` lines, `#` comments):
/// every listed file has its digest, and no other `.guard` file is there. Returns the count.
pub fn verify_rules(tools: &Path) -> Result<usize> {
    let manifest_path = tools.join("rules.sha256");
    let manifest = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    if !manifest.contains(RULES_COMMIT) {
        bail!(
            "{} does not name the pinned commit {RULES_COMMIT}",
            manifest_path.display()
        );
    }
    let mut listed = BTreeSet::new();
    for line in manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (digest, path) = line
            .split_once("  ")
            .with_context(|| format!("{}: malformed line {line:?}", manifest_path.display()))?;
        let file = tools.join(path);
        let content = std::fs::read(&file).with_context(|| {
            format!(
                "reading {} (listed in {})",
                file.display(),
                manifest_path.display()
            )
        })?;
        let actual = format!("{:x}", Sha256::digest(&content));
        if actual != digest {
            bail!(
                "{} differs from the registry's file at {RULES_COMMIT} (sha256 {actual}, expected {digest}): restore it",
                file.display()
            );
        }
        listed.insert(PathBuf::from(path));
    }
    let mut pending = vec![tools.join("rules")];
    while let Some(dir) = pending.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "guard" || e == "ruleset")
            {
                let relative = path.strip_prefix(tools).unwrap_or(&path).to_path_buf();
                if !listed.contains(&relative) {
                    bail!(
                        "{} is not in {}: the rules must be the registry's at {RULES_COMMIT}",
                        path.display(),
                        manifest_path.display()
                    );
                }
            }
        }
    }
    if listed.is_empty() {
        bail!("{} lists no rule file", manifest_path.display());
    }
    Ok(listed.len())
}

/// One template's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileResult {
    pub file: PathBuf,
    pub failed: Vec<String>,
    pub passed: u64,
}

/// cfn-guard's `-o json -z` output: one entry per data file.
pub fn parse(output: &str) -> Result<Vec<FileResult>> {
    let value: Value = serde_json::from_str(output).context("cfn-guard's output is not JSON")?;
    let files = value
        .as_array()
        .context("cfn-guard's structured output is not a list")?;
    Ok(files
        .iter()
        .map(|f| FileResult {
            file: PathBuf::from(f["name"].as_str().unwrap_or_default()),
            failed: f["not_compliant"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["Rule"]["name"].as_str().map(str::to_string))
                .collect(),
            passed: f["compliant"].as_array().map_or(0, |c| c.len() as u64),
        })
        .collect())
}

/// The names a `SuppressedRules` entry silences, as cfn-guard reports them.
fn reported_names(key: &str) -> Vec<String> {
    let names = generator::suppressions::guard_reported_names(key);
    if names.is_empty() {
        vec![key.to_string()]
    } else {
        names.into_iter().map(str::to_string).collect()
    }
}

/// The JSON twin's pair of a template (itself for a JSON template).
fn twin<'a>(file: &Path, pairs: &'a [Pair]) -> Option<&'a Pair> {
    pairs
        .iter()
        .find(|p| p.original.file_stem() == file.file_stem())
}

/// Judges each of `files` from `results` (which also hold the copies' results).
pub fn evaluate(files: &[PathBuf], pairs: &[Pair], results: &[FileResult]) -> Report {
    let mut report = Report {
        linter: format!(
            "cfn-guard {VERSION} (rules registry {})",
            &RULES_COMMIT[..7]
        ),
        passed: 0,
        failed: 0,
        suppressed: 0,
        files: Vec::new(),
    };
    let by_file: BTreeMap<&Path, &FileResult> =
        results.iter().map(|r| (r.file.as_path(), r)).collect();
    for file in files {
        let mut problems = Vec::new();
        match by_file.get(file.as_path()) {
            None => problems.push("cfn-guard reported nothing for this template".to_string()),
            Some(r) => {
                report.passed += r.passed;
                report.failed += r.failed.len() as u64;
                for rule in &r.failed {
                    problems.push(format!(
                        "{rule} failed: fix it, or suppress it with a justification in generator/src/suppressions.rs"
                    ));
                }
            }
        }
        if let Some(pair) = twin(file, pairs) {
            let declared = unsuppressed::declared(&pair.template, Linter::Guard);
            report.suppressed += declared.len() as u64;
            let is_json = pair.original == *file;
            for d in declared.iter().filter(|_| is_json) {
                if d.justification.is_none() {
                    problems.push(format!(
                        "{} is suppressed on {} without a justification (Metadata.guard.Justifications)",
                        d.rule, d.logical_id
                    ));
                }
            }
            let failing: BTreeSet<&str> = by_file
                .get(pair.copy.as_path())
                .map(|r| r.failed.iter().map(String::as_str).collect())
                .unwrap_or_default();
            let keys: BTreeSet<&str> = declared.iter().map(|d| d.rule.as_str()).collect();
            for key in keys.into_iter().filter(|_| is_json) {
                if !reported_names(key)
                    .iter()
                    .any(|n| failing.contains(n.as_str()))
                {
                    problems.push(format!(
                        "the suppression of {key} answers no finding (the rule passes without it): remove it from generator/src/suppressions.rs or narrow its premise"
                    ));
                }
            }
        }
        report.files.push(FileVerdict {
            file: file.clone(),
            problems,
        });
    }
    report
}

/// Runs cfn-guard over the committed templates and their unsuppressed copies, and judges them.
pub fn check(root: &Path) -> Result<Report> {
    let files = super::template_files(root)?;
    let tools = root.join("tools/cfn-guard");
    let rules = verify_rules(&tools)?;
    let binary = binary(root)?;
    let pairs = unsuppressed::write_copies(&files, &root.join("target/lint/guard-unsuppressed"))?;
    let mut command = Command::new(&binary);
    command
        .args(["validate", "-r"])
        .arg(tools.join("rules"))
        .args(["-o", "json", "-z", "-S", "none"]);
    for f in files.iter().chain(pairs.iter().map(|p| &p.copy)) {
        command.arg("-d").arg(f);
    }
    let out = command.output().context("running cfn-guard")?;
    if !matches!(out.status.code(), Some(0 | EXIT_NON_COMPLIANT)) {
        bail!(
            "cfn-guard failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let results = parse(&String::from_utf8_lossy(&out.stdout))?;
    let mut report = evaluate(&files, &pairs, &results);
    report.linter = format!("{} with {rules} rule files", report.linter);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn structured_output_is_read_per_file() {
        let output = json!([{"name": "/t/a.json", "status": "FAIL",
            "not_compliant": [{"Rule": {"name": "S3_BUCKET_LOGGING_ENABLED", "checks": []}}],
            "not_applicable": ["X"], "compliant": ["A", "B"]}]);
        let files = parse(&output.to_string()).unwrap();
        assert_eq!(
            files,
            vec![FileResult {
                file: "/t/a.json".into(),
                failed: vec!["S3_BUCKET_LOGGING_ENABLED".into()],
                passed: 2
            }]
        );
    }

    fn pair(guard: Value) -> Pair {
        Pair {
            original: "/t/a.json".into(),
            copy: "/copies/a.json".into(),
            template: json!({"Resources": {"S": {"Type": "AWS::KinesisFirehose::DeliveryStream",
                "Metadata": {"guard": guard}}}}),
        }
    }

    fn result(file: &str, failed: &[&str], passed: u64) -> FileResult {
        FileResult {
            file: file.into(),
            failed: failed.iter().map(|s| s.to_string()).collect(),
            passed,
        }
    }

    const SPLUNK_KEY: &str =
        "KINESIS_FIREHOSE_SPLUNK_DESTINATION_CONFIGURATION_NO_PLAINTEXT_PASSWORD";
    const SPLUNK_HELPER: &str =
        "KINESIS_FIREHOSE_SPLUNK_DESTINATION_CONFIGURATION_USES_SECURE_PARAMETER";

    #[test]
    fn a_helper_rule_suppressed_through_its_parent_is_clean_in_both_formats() {
        let pairs = [pair(json!({"SuppressedRules": [SPLUNK_KEY],
            "Justifications": {SPLUNK_KEY: "no Splunk destination"}}))];
        let results = [
            result("/t/a.json", &[], 5),
            result("/t/a.yaml", &[], 5),
            result("/copies/a.json", &[SPLUNK_HELPER], 4),
        ];
        let report = evaluate(&["/t/a.json".into(), "/t/a.yaml".into()], &pairs, &results);
        assert!(report.is_clean(), "{report:?}");
        assert_eq!(
            (report.passed, report.failed, report.suppressed),
            (10, 0, 2)
        );
    }

    #[test]
    fn failures_unjustified_and_stale_suppressions_are_problems() {
        let pairs = [pair(json!({"SuppressedRules": ["LAMBDA_DLQ_CHECK"]}))];
        let results = [
            result("/t/a.json", &["S3_BUCKET_LOGGING_ENABLED"], 5),
            result("/copies/a.json", &["S3_BUCKET_LOGGING_ENABLED"], 5),
        ];
        let report = evaluate(&["/t/a.json".into(), "/t/b.json".into()], &pairs, &results);
        let problems = &report.files[0].problems;
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("S3_BUCKET_LOGGING_ENABLED failed"));
        assert!(problems[1].contains("without a justification"));
        assert!(problems[2].contains("LAMBDA_DLQ_CHECK answers no finding"));
        assert_eq!(
            report.files[1].problems,
            ["cfn-guard reported nothing for this template"]
        );
    }

    #[test]
    fn the_vendored_rules_match_their_manifest_and_a_changed_rule_is_named() {
        let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/cfn-guard");
        assert!(verify_rules(&tools).unwrap() > 100);

        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("rules/aws/x")).unwrap();
        std::fs::write(dir.path().join("rules/aws/x/a.guard"), "rule A {}\n").unwrap();
        let digest = format!("{:x}", Sha256::digest(b"rule A {}\n"));
        std::fs::write(
            dir.path().join("rules.sha256"),
            format!("# registry at {RULES_COMMIT}\n{digest}  rules/aws/x/a.guard\n"),
        )
        .unwrap();
        assert_eq!(verify_rules(dir.path()).unwrap(), 1);
        std::fs::write(dir.path().join("rules/aws/x/a.guard"), "rule A { true }\n").unwrap();
        let e = verify_rules(dir.path()).unwrap_err().to_string();
        assert!(e.contains("a.guard differs"), "{e}");
        std::fs::write(dir.path().join("rules/aws/x/a.guard"), "rule A {}\n").unwrap();
        std::fs::write(dir.path().join("rules/aws/x/b.guard"), "rule B {}\n").unwrap();
        let e = verify_rules(dir.path()).unwrap_err().to_string();
        assert!(e.contains("b.guard is not in"), "{e}");
    }
}
