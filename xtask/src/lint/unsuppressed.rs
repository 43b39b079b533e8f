//! The suppressions a template declares, and copies of the templates without them.
//!
//! A suppression must answer a finding that occurs: the linters run once more over copies of
//! the JSON templates with `Metadata.checkov` and `Metadata.guard` removed from every resource,
//! and each suppression of the original must match a failure of its copy. (The YAML templates
//! hold the same data as their JSON twins, which the generator's tests check.)

use anyhow::{Context, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Which linter a suppression is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linter {
    /// `Metadata.checkov.skip: [{id, comment}]`
    Checkov,
    /// `Metadata.guard.SuppressedRules: [rule]` with `Metadata.guard.Justifications: {rule: text}`
    Guard,
}

/// One suppression found in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    pub logical_id: String,
    pub rule: String,
    /// `None` when the template gives no justification (or an empty one).
    pub justification: Option<String>,
}

fn resources(template: &Value) -> impl Iterator<Item = (&String, &Value)> {
    template["Resources"].as_object().into_iter().flatten()
}

fn text(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The suppressions for `linter` in every resource's Metadata.
pub fn declared(template: &Value, linter: Linter) -> Vec<Declared> {
    let mut out = Vec::new();
    for (id, resource) in resources(template) {
        let metadata = &resource["Metadata"];
        match linter {
            Linter::Checkov => {
                for skip in metadata["checkov"]["skip"].as_array().into_iter().flatten() {
                    out.push(Declared {
                        logical_id: id.clone(),
                        rule: skip["id"].as_str().unwrap_or_default().to_string(),
                        justification: text(&skip["comment"]),
                    });
                }
            }
            Linter::Guard => {
                let guard = &metadata["guard"];
                for rule in guard["SuppressedRules"].as_array().into_iter().flatten() {
                    let rule = rule.as_str().unwrap_or_default().to_string();
                    out.push(Declared {
                        logical_id: id.clone(),
                        justification: text(&guard["Justifications"][&rule]),
                        rule,
                    });
                }
            }
        }
    }
    out
}

/// Removes the linters' Metadata from every resource (the generator's own function).
pub use generator::suppressions::strip;

/// A JSON template and its copy without suppressions.
#[derive(Debug, Clone)]
pub struct Pair {
    pub original: PathBuf,
    pub copy: PathBuf,
    /// The original, parsed.
    pub template: Value,
}

/// Writes a copy without suppressions of every `.json` file of `files` into `dir` (emptied
/// first).
pub fn write_copies(files: &[PathBuf], dir: &Path) -> Result<Vec<Pair>> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("emptying {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut pairs = Vec::new();
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "json"))
    {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let template: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", file.display()))?;
        let mut copy = template.clone();
        strip(&mut copy);
        let path = dir.join(file.file_name().expect("a template file has a name"));
        std::fs::write(&path, serde_json::to_string_pretty(&copy)?)
            .with_context(|| format!("writing {}", path.display()))?;
        pairs.push(Pair {
            original: file.clone(),
            copy: path,
            template,
        });
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template() -> Value {
        json!({"Resources": {
            "Q": {"Type": "AWS::SQS::Queue", "Metadata": {
                "checkov": {"skip": [{"id": "CKV_AWS_27", "comment": "SSE-SQS"}, {"id": "CKV_AWS_1"}]},
                "guard": {"SuppressedRules": ["SQS_RULE", "OTHER"], "Justifications": {"SQS_RULE": "SSE-SQS", "OTHER": " "}}
            }, "Properties": {}},
            "B": {"Type": "AWS::S3::Bucket", "Metadata": {"checkov": {"skip": []}, "Keep": 1}, "Properties": {}},
            "R": {"Type": "AWS::IAM::Role", "Properties": {}}
        }})
    }

    #[test]
    fn declared_suppressions_are_read_with_their_justifications() {
        let t = template();
        let checkov = declared(&t, Linter::Checkov);
        assert_eq!(
            checkov,
            vec![
                Declared {
                    logical_id: "Q".into(),
                    rule: "CKV_AWS_27".into(),
                    justification: Some("SSE-SQS".into())
                },
                Declared {
                    logical_id: "Q".into(),
                    rule: "CKV_AWS_1".into(),
                    justification: None
                },
            ]
        );
        let guard = declared(&t, Linter::Guard);
        assert_eq!(guard.len(), 2);
        assert_eq!(guard[0].justification.as_deref(), Some("SSE-SQS"));
        assert_eq!(guard[1].rule, "OTHER");
        assert_eq!(guard[1].justification, None, "blank is no justification");
    }

    #[test]
    fn copies_are_written_for_json_templates_only() {
        let dir = tempfile::tempdir().unwrap();
        let json_file = dir.path().join("a.json");
        std::fs::write(&json_file, template().to_string()).unwrap();
        let yaml_file = dir.path().join("a.yaml");
        std::fs::write(&yaml_file, "Resources: {}\n").unwrap();
        let out = dir.path().join("copies");
        let pairs = write_copies(&[json_file.clone(), yaml_file], &out).unwrap();
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].original, json_file);
        let copy: Value =
            serde_json::from_str(&std::fs::read_to_string(&pairs[0].copy).unwrap()).unwrap();
        assert!(copy["Resources"]["Q"].get("Metadata").is_none());
        assert_eq!(declared(&pairs[0].template, Linter::Checkov).len(), 2);
    }
}
