//! cfn-lint (pinned, from a hash-checked lock) over every rendered template.

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::Command;

pub fn run(root: &Path) -> Result<()> {
    let venv = harness::Venv::ensure(
        "cfn-lint",
        &root.join("tools/cfn-lint/requirements.lock"),
        &[],
    )
    .context("building the cfn-lint venv")?;
    let files = super::template_files(root)?;
    let out = Command::new(venv.dir().join("bin/cfn-lint"))
        .arg("--format")
        .arg("parseable")
        .args(&files)
        .output()
        .context("running cfn-lint")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let findings: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let errors = findings.iter().filter(|l| l.contains(":E")).count();
    let warnings = findings.iter().filter(|l| l.contains(":W")).count();
    for f in &findings {
        println!("  {f}");
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && findings.is_empty() {
        bail!("cfn-lint failed without findings: {stderr}");
    }
    println!(
        "cfn-lint 1.58.0: {} templates, {errors} errors, {warnings} warnings, {} other findings",
        files.len(),
        findings.len() - errors - warnings
    );
    if !findings.is_empty() {
        bail!("cfn-lint reported findings on the rendered templates: fix the generator, then `cargo xtask render`");
    }
    Ok(())
}
