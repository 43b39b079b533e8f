//! `cargo xtask lint`: cfn-lint, checkov and cfn-guard (each pinned) over every rendered template.
//!
//! - [`cfn_lint`]: cfn-lint from `tools/cfn-lint/requirements.lock`; any finding fails.
//! - [`checkov`]: checkov from `tools/checkov/requirements.lock`.
//! - [`guard`]: cfn-guard (`cargo install --locked`, pinned version) with the AWS Guard rules
//!   registry vendored at a pinned commit in `tools/cfn-guard/rules` (checked against its
//!   SHA-256 manifest).
//!
//! checkov and cfn-guard fail on a finding that is not suppressed in the resource's own Metadata
//! with a justification (see `generator/src/suppressions.rs`), and on a suppression whose finding
//! no longer occurs: each JSON template is linted a second time with its suppressions stripped
//! ([`unsuppressed`]), and every suppression must answer a finding of that run.

pub mod cfn_lint;
pub mod checkov;
pub mod guard;
pub mod report;
pub mod unsuppressed;

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// `templates/*.json` and `*.yaml`, sorted; an error if there are none.
pub fn template_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<_> = std::fs::read_dir(root.join("templates"))
        .context("reading templates/ (run `cargo xtask render` first)")?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "yaml"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("templates/ holds no templates: run `cargo xtask render`");
    }
    Ok(files)
}

/// Every linter; an error naming each that failed.
pub fn run(root: &Path) -> Result<()> {
    cfn_lint::run(root)?;
    let mut failed = Vec::new();
    for (name, check) in [
        (
            "checkov",
            checkov::check as fn(&Path) -> Result<report::Report>,
        ),
        ("cfn-guard", guard::check),
    ] {
        match check(root) {
            Ok(report) => {
                report.print();
                if !report.is_clean() {
                    failed.push(name);
                }
            }
            Err(error) => {
                println!("{name} could not run: {error:#}");
                failed.push(name);
            }
        }
    }
    if !failed.is_empty() {
        bail!(
            "{} reported unjustified findings or stale suppressions: fix the generator, or add a \
             justified entry to generator/src/suppressions.rs, then `cargo xtask render`",
            failed.join(" and ")
        );
    }
    Ok(())
}
