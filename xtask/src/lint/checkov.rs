//! checkov (pinned, from the hash-checked `tools/checkov/requirements.lock`) over every
//! rendered template, framework cloudformation, JSON output.
//!
//! Run with `--skip-download` (nothing is fetched from the vendor's platform) over the committed
//! templates and, in the same run, over copies of the JSON templates without suppressions (see
//! [`super::unsuppressed`]). A template has a problem when a check fails on it, when a check is
//! skipped without a justification, or (JSON) when a skip answers no failure of its copy.

use super::report::{FileVerdict, Report};
use super::unsuppressed::{self, Linter, Pair};
use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const VERSION: &str = "3.3.30";

/// What checkov writes when a skip has no comment.
const NO_COMMENT: &str = "No comment provided";

/// The checkov venv; the lock is compiled for Python 3.13.
pub fn venv(root: &Path) -> Result<harness::Venv> {
    harness::Venv::ensure_with(harness::venv::VenvSpec {
        name: "checkov".into(),
        lock: root.join("tools/checkov/requirements.lock"),
        local_packages: Vec::new(),
        min_python: (3, 13),
    })
    .context("building the checkov venv")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed,
    Skipped { comment: Option<String> },
}

/// One check on one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub file: PathBuf,
    /// `Type.LogicalId`, as checkov names it.
    pub resource: String,
    pub check_id: String,
    pub check_name: String,
    pub outcome: Outcome,
}

impl CheckResult {
    fn logical_id(&self) -> &str {
        self.resource
            .rsplit_once('.')
            .map_or(self.resource.as_str(), |(_, id)| id)
    }
}

/// The results in checkov's `-o json` output (one report, or a list of them per framework).
pub fn parse(output: &str) -> Result<Vec<CheckResult>> {
    let value: Value = serde_json::from_str(output).context("checkov's output is not JSON")?;
    let reports = match value {
        Value::Array(reports) => reports,
        report => vec![report],
    };
    let mut out = Vec::new();
    for report in &reports {
        let results = &report["results"];
        for (key, kind) in [
            ("passed_checks", 0),
            ("failed_checks", 1),
            ("skipped_checks", 2),
        ] {
            for r in results[key].as_array().into_iter().flatten() {
                let outcome = match kind {
                    0 => Outcome::Passed,
                    1 => Outcome::Failed,
                    _ => Outcome::Skipped {
                        comment: r["check_result"]["suppress_comment"]
                            .as_str()
                            .map(str::trim)
                            .filter(|c| !c.is_empty() && *c != NO_COMMENT)
                            .map(str::to_string),
                    },
                };
                let field = |name: &str| r[name].as_str().unwrap_or_default().to_string();
                out.push(CheckResult {
                    file: PathBuf::from(field("file_abs_path")),
                    resource: field("resource"),
                    check_id: field("check_id"),
                    check_name: field("check_name"),
                    outcome,
                });
            }
        }
    }
    Ok(out)
}

/// Judges each of `files` from `results` (which also hold the copies' results).
pub fn evaluate(files: &[PathBuf], pairs: &[Pair], results: &[CheckResult]) -> Report {
    let mut report = Report {
        linter: format!("checkov {VERSION}"),
        passed: 0,
        failed: 0,
        suppressed: 0,
        files: Vec::new(),
    };
    for file in files {
        let mut problems = Vec::new();
        let mine = results.iter().filter(|r| &r.file == file);
        for r in mine {
            match &r.outcome {
                Outcome::Passed => report.passed += 1,
                Outcome::Failed => {
                    report.failed += 1;
                    problems.push(format!(
                        "{} failed on {} ({}): fix it, or suppress it with a justification in generator/src/suppressions.rs",
                        r.check_id, r.resource, r.check_name
                    ));
                }
                Outcome::Skipped { comment } => {
                    report.suppressed += 1;
                    if comment.is_none() {
                        problems.push(format!(
                            "{} is skipped on {} without a justification (Metadata.checkov.skip[].comment)",
                            r.check_id, r.resource
                        ));
                    }
                }
            }
        }
        if let Some(pair) = pairs.iter().find(|p| &p.original == file) {
            let failing: BTreeSet<(&str, &str)> = results
                .iter()
                .filter(|r| r.file == pair.copy && r.outcome == Outcome::Failed)
                .map(|r| (r.logical_id(), r.check_id.as_str()))
                .collect();
            for d in unsuppressed::declared(&pair.template, Linter::Checkov) {
                if !failing.contains(&(d.logical_id.as_str(), d.rule.as_str())) {
                    problems.push(format!(
                        "the suppression of {} on {} answers no finding (it passes without it): remove it from generator/src/suppressions.rs or narrow its premise",
                        d.rule, d.logical_id
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

/// Runs checkov over the committed templates and their unsuppressed copies, and judges them.
pub fn check(root: &Path) -> Result<Report> {
    let files = super::template_files(root)?;
    let venv = venv(root)?;
    let pairs = unsuppressed::write_copies(&files, &root.join("target/lint/checkov-unsuppressed"))?;
    let mut command = Command::new(venv.dir().join("bin/checkov"));
    command.args([
        "--framework",
        "cloudformation",
        "-o",
        "json",
        "--compact",
        "--skip-download",
        "--soft-fail",
    ]);
    for f in files.iter().chain(pairs.iter().map(|p| &p.copy)) {
        command.arg("-f").arg(f);
    }
    let out = command.output().context("running checkov")?;
    if !out.status.success() {
        bail!(
            "checkov failed ({}): {}",
            out.status,
            last_lines(&String::from_utf8_lossy(&out.stderr))
        );
    }
    let results = parse(&String::from_utf8_lossy(&out.stdout))?;
    if results.is_empty() {
        bail!("checkov checked nothing in {} templates", files.len());
    }
    Ok(evaluate(&files, &pairs, &results))
}

fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn result(file: &str, resource: &str, check: &str, kind: &str, comment: Option<&str>) -> Value {
        let mut r = json!({"check_id": check, "check_name": "a check", "file_abs_path": file,
                           "resource": resource, "check_result": {"result": kind}});
        if let Some(c) = comment {
            r["check_result"]["suppress_comment"] = c.into();
        }
        r
    }

    #[test]
    fn checkov_output_is_read_per_check_and_resource() {
        let output = json!({"check_type": "cloudformation", "results": {
            "passed_checks": [result("/t/a.json", "AWS::S3::Bucket.LogBucket", "CKV_AWS_19", "PASSED", None)],
            "failed_checks": [result("/t/a.json", "AWS::S3::Bucket.LogBucket", "CKV_AWS_18", "FAILED", None)],
            "skipped_checks": [
                result("/t/a.json", "AWS::SQS::Queue.Q", "CKV_AWS_27", "SKIPPED", Some("SSE-SQS")),
                result("/t/a.json", "AWS::SQS::Queue.Q", "CKV_AWS_1", "SKIPPED", Some(NO_COMMENT)),
            ]},
            "summary": {"passed": 1, "failed": 1, "skipped": 2}});
        let results = parse(&output.to_string()).unwrap();
        assert_eq!(results.len(), 4);
        assert_eq!(results[0].outcome, Outcome::Passed);
        assert_eq!(results[1].outcome, Outcome::Failed);
        assert_eq!(results[1].logical_id(), "LogBucket");
        assert_eq!(
            results[2].outcome,
            Outcome::Skipped {
                comment: Some("SSE-SQS".into())
            }
        );
        assert_eq!(results[3].outcome, Outcome::Skipped { comment: None });
        // A list of reports (several frameworks) reads the same.
        let list = Value::Array(vec![output]).to_string();
        assert_eq!(parse(&list).unwrap(), results);
    }

    fn pair(skips: Value) -> Pair {
        Pair {
            original: "/t/a.json".into(),
            copy: "/copies/a.json".into(),
            template: json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue",
                "Metadata": {"checkov": {"skip": skips}}}}}),
        }
    }

    fn check_result(file: &str, resource: &str, check: &str, outcome: Outcome) -> CheckResult {
        CheckResult {
            file: file.into(),
            resource: resource.into(),
            check_id: check.into(),
            check_name: "a check".into(),
            outcome,
        }
    }

    #[test]
    fn a_justified_suppression_of_a_real_finding_is_clean() {
        let skipped = Outcome::Skipped {
            comment: Some("SSE-SQS".into()),
        };
        let results = vec![
            check_result("/t/a.json", "AWS::SQS::Queue.Q", "CKV_AWS_27", skipped),
            check_result(
                "/t/a.json",
                "AWS::SQS::Queue.Q",
                "CKV_AWS_28",
                Outcome::Passed,
            ),
            check_result(
                "/copies/a.json",
                "AWS::SQS::Queue.Q",
                "CKV_AWS_27",
                Outcome::Failed,
            ),
        ];
        let pairs = [pair(json!([{"id": "CKV_AWS_27", "comment": "SSE-SQS"}]))];
        let report = evaluate(&["/t/a.json".into()], &pairs, &results);
        assert!(report.is_clean(), "{report:?}");
        assert_eq!((report.passed, report.failed, report.suppressed), (1, 0, 1));
    }

    #[test]
    fn failures_unjustified_skips_and_stale_suppressions_are_problems() {
        let results = vec![
            check_result(
                "/t/a.json",
                "AWS::S3::Bucket.B",
                "CKV_AWS_18",
                Outcome::Failed,
            ),
            check_result(
                "/t/a.json",
                "AWS::SQS::Queue.Q",
                "CKV_AWS_27",
                Outcome::Skipped { comment: None },
            ),
            // The copy passes CKV_AWS_27: the suppression answers nothing.
            check_result(
                "/copies/a.json",
                "AWS::SQS::Queue.Q",
                "CKV_AWS_27",
                Outcome::Passed,
            ),
            check_result(
                "/copies/a.json",
                "AWS::S3::Bucket.B",
                "CKV_AWS_18",
                Outcome::Failed,
            ),
        ];
        let pairs = [pair(json!([{"id": "CKV_AWS_27"}]))];
        let report = evaluate(&["/t/a.json".into()], &pairs, &results);
        let problems = &report.files[0].problems;
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("CKV_AWS_18 failed on AWS::S3::Bucket.B"));
        assert!(problems[1].contains("without a justification"));
        assert!(problems[2].contains("answers no finding"));
        assert_eq!(report.failed, 1);
        assert_eq!(report.file_counts(), (0, 1));
    }

    #[test]
    fn the_lock_pins_this_version_with_hashes() {
        let lock = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/checkov/requirements.lock"),
        )
        .unwrap();
        assert!(
            lock.contains(&format!("\ncheckov=={VERSION} \\\n")),
            "{VERSION}"
        );
        for line in lock.lines().filter(|l| l.contains("==")) {
            assert!(line.ends_with(" \\"), "a pin without hashes: {line}");
        }
    }
}
