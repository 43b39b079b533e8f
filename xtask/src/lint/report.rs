//! What one security linter found: check counts, and the problems of each template file.

use std::path::PathBuf;

/// One template and what is wrong with it (nothing, when it passes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileVerdict {
    pub file: PathBuf,
    pub problems: Vec<String>,
}

/// A linter's run over the committed templates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Name and version, e.g. `checkov 3.3.30`.
    pub linter: String,
    /// Checks (checkov) or rule evaluations (cfn-guard) that passed.
    pub passed: u64,
    /// Checks or rule evaluations that failed without a suppression.
    pub failed: u64,
    /// Suppressions in the templates' Metadata (each a resource and a rule).
    pub suppressed: u64,
    pub files: Vec<FileVerdict>,
}

impl Report {
    /// No template has a problem: no unsuppressed finding, no suppression without a
    /// justification, no suppression whose finding no longer occurs.
    pub fn is_clean(&self) -> bool {
        self.files.iter().all(|f| f.problems.is_empty())
    }

    /// Templates without a problem and with one: each template is one test.
    pub fn file_counts(&self) -> (u64, u64) {
        let bad = self.files.iter().filter(|f| !f.problems.is_empty()).count() as u64;
        (self.files.len() as u64 - bad, bad)
    }

    pub fn summary(&self) -> String {
        let (good, bad) = self.file_counts();
        format!(
            "{}: {} templates ({good} clean, {bad} with problems); checks: {} passed, {} failed, {} suppressed with a justification",
            self.linter,
            self.files.len(),
            self.passed,
            self.failed,
            self.suppressed
        )
    }

    pub fn print(&self) {
        for f in &self.files {
            let name = f.file.file_name().unwrap_or_default().to_string_lossy();
            for p in &f.problems {
                println!("  {name}: {p}");
            }
        }
        println!("{}", self.summary());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_clean_only_when_no_file_has_a_problem() {
        let mut r = Report {
            linter: "x 1".into(),
            passed: 3,
            failed: 0,
            suppressed: 1,
            files: vec![
                FileVerdict {
                    file: "a.json".into(),
                    problems: vec![],
                },
                FileVerdict {
                    file: "a.yaml".into(),
                    problems: vec![],
                },
            ],
        };
        assert!(r.is_clean());
        assert_eq!(r.file_counts(), (2, 0));
        r.files[1]
            .problems
            .push("CKV_AWS_1 failed on AWS::S3::Bucket.B".into());
        assert!(!r.is_clean());
        assert_eq!(r.file_counts(), (1, 1));
        assert!(r.summary().contains("3 passed, 0 failed, 1 suppressed"));
    }
}
