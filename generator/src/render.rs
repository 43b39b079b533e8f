//! Deterministic rendering: JSON and YAML of every stack, the `templates/` tree, and the check
//! that the committed tree is what the code renders.

use crate::cfn::Template;
use crate::stacks::{params, StackSpec};
use crate::text;
use serde_json::json;
use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Yaml => "yaml",
        }
    }
}

/// The template as CloudFormation JSON (two-space indent, trailing newline).
pub fn to_json(t: &Template) -> String {
    let mut s = serde_json::to_string_pretty(&t.to_value()).expect("templates serialise");
    s.push('\n');
    s
}

/// The template as CloudFormation YAML (long-form intrinsics, so any YAML parser reads it).
///
/// Date-like scalars (`2010-09-09`, `2012-10-17`) are quoted: YAML 1.1 loaders such as PyYAML
/// would otherwise read them as dates, and a policy `Version` must be a string.
pub fn to_yaml(t: &Template) -> String {
    let yaml = serde_yaml::to_string(&t.to_value()).expect("templates serialise");
    let date = regex::Regex::new(r"(?m)^(\s*(?:- )?[A-Za-z0-9_:-]+: )(\d{4}-\d{2}-\d{2})$")
        .expect("valid regex");
    date.replace_all(&yaml, "$1'$2'").into_owned()
}

pub fn render(t: &Template, format: Format) -> String {
    match format {
        Format::Json => to_json(t),
        Format::Yaml => to_yaml(t),
    }
}

/// One file of the `templates/` tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// Path relative to the templates directory.
    pub path: PathBuf,
    pub contents: String,
}

/// Every file under `templates/`: each stack in JSON and YAML, and the README.
pub fn all_files() -> Vec<RenderedFile> {
    let mut files = Vec::new();
    let mut summaries = Vec::new();
    for spec in StackSpec::all() {
        let t = spec.build();
        for format in [Format::Json, Format::Yaml] {
            files.push(RenderedFile {
                path: PathBuf::from(format!("{}.{}", spec.stem(), format.extension())),
                contents: render(&t, format),
            });
        }
        summaries.push(summary(&spec, &t));
    }
    files.push(RenderedFile {
        path: PathBuf::from("README.md"),
        contents: text::render("templates_readme", &json!({ "stacks": summaries })) + "\n",
    });
    files
}

/// CloudFormation's limit for a template sent inline (`TemplateBody`); larger ones are read
/// from S3 (`TemplateURL`, up to 1 MB).
pub const INLINE_TEMPLATE_LIMIT: usize = 51_200;

/// The template's size as minified JSON, what CloudFormation counts against the inline limit.
pub fn compact_len(t: &Template) -> usize {
    serde_json::to_string(&t.to_value())
        .expect("templates serialise")
        .len()
}

fn summary(spec: &StackSpec, t: &Template) -> serde_json::Value {
    let mut types: Vec<&str> = t.resources.values().map(|r| r.type_name).collect();
    types.sort_unstable();
    types.dedup();
    let params: Vec<_> = t
        .parameters
        .iter()
        .map(|(name, p)| {
            json!({"name": name, "default": p.default.clone().unwrap_or_default(),
                   "required": p.default.is_none(), "description": p.description.replace('|', "\\|")})
        })
        .collect();
    let outputs: Vec<_> = t
        .outputs
        .iter()
        .map(|(name, o)| json!({"name": name, "description": o.description.replace('|', "\\|")}))
        .collect();
    json!({
        "stem": spec.stem(), "title": spec.title(), "description": t.description,
        "resources": types.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "),
        "parameters": params, "outputs": outputs,
        "stack_name": spec.stem().replace("-commercial", "").replace("-government", "-gov"),
        "iam": t.resources.values().any(|r| r.type_name.starts_with("AWS::IAM::")),
        "needs_workspace": t.parameters.get(params::WORKSPACE_ID).is_some_and(|p| p.default.is_none()),
        "needs_detector": t.parameters.contains_key(params::DETECTOR_ID),
        "rules": t.rules.values().flat_map(|r| r.assertions.iter().map(|a| a.description.clone())).collect::<Vec<_>>(),
        "bytes": compact_len(t),
        "over_inline_limit": compact_len(t) > INLINE_TEMPLATE_LIMIT,
    })
}

/// How the tree on disk differs from what the code renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    Missing(PathBuf),
    Stale(PathBuf),
    Unexpected(PathBuf),
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Missing(p) => write!(f, "missing: {}", p.display()),
            Drift::Stale(p) => write!(f, "stale: {}", p.display()),
            Drift::Unexpected(p) => write!(f, "not rendered by the code: {}", p.display()),
        }
    }
}

fn files_on_disk(dir: &Path) -> io::Result<BTreeSet<PathBuf>> {
    let mut out = BTreeSet::new();
    if !dir.exists() {
        return Ok(out);
    }
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            out.insert(PathBuf::from(entry.file_name()));
        }
    }
    Ok(out)
}

/// Compares `dir` with `files`; an empty result means the tree is fresh.
pub fn check(dir: &Path, files: &[RenderedFile]) -> io::Result<Vec<Drift>> {
    let mut drift = Vec::new();
    let mut on_disk = files_on_disk(dir)?;
    for f in files {
        on_disk.remove(&f.path);
        match fs::read_to_string(dir.join(&f.path)) {
            Ok(existing) if existing == f.contents => {}
            Ok(_) => drift.push(Drift::Stale(f.path.clone())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                drift.push(Drift::Missing(f.path.clone()))
            }
            Err(e) => return Err(e),
        }
    }
    drift.extend(on_disk.into_iter().map(Drift::Unexpected));
    Ok(drift)
}

/// Writes `files` into `dir` (each through a temporary file and a rename) and removes files
/// the code no longer renders. Returns what changed.
pub fn write(dir: &Path, files: &[RenderedFile]) -> io::Result<Vec<Drift>> {
    let drift = check(dir, files)?;
    fs::create_dir_all(dir)?;
    for d in &drift {
        match d {
            Drift::Missing(p) | Drift::Stale(p) => {
                let f = files
                    .iter()
                    .find(|f| &f.path == p)
                    .expect("drift names a rendered file");
                let tmp = dir.join(format!(".{}.tmp", p.display()));
                fs::write(&tmp, &f.contents)?;
                fs::rename(&tmp, dir.join(p))?;
            }
            Drift::Unexpected(p) => fs::remove_file(dir.join(p))?,
        }
    }
    Ok(drift)
}
