//! Which template a stack of the job deploys: rendered from the generator, or, with
//! `--templates DIR`, the file of the same name in DIR (`<stem>.json`, the names of
//! `templates/`), so a user can prove their own edits.

use anyhow::{Context, Result};
use generator::render::{self, Format};
use generator::stacks::StackSpec;
use std::path::Path;

/// The template body of `spec`.
pub fn template(dir: Option<&Path>, spec: &StackSpec) -> Result<String> {
    let Some(dir) = dir else {
        return Ok(render::render(&spec.build(), Format::Json));
    };
    let path = dir.join(format!("{}.json", spec.stem()));
    if !path.is_file() {
        anyhow::bail!(
            "--templates {}: {} is missing: the job deploys {}.json from that directory (the file names of templates/; copy templates/ there and edit)",
            dir.display(),
            path.display(),
            spec.stem()
        );
    }
    std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use generator::facts::Cloud;
    use generator::stacks::StackKind;

    #[test]
    fn a_directory_without_the_file_is_an_error_naming_the_expected_path() {
        let dir = tempfile::tempdir().unwrap();
        let spec = StackSpec {
            kind: StackKind::Eks,
            cloud: Cloud::Commercial,
        };
        let err = template(Some(dir.path()), &spec).unwrap_err().to_string();
        let want = dir.path().join("sentinel-eks-connector-commercial.json");
        assert!(err.contains(&want.display().to_string()), "{err}");
        std::fs::write(&want, "{\"Resources\": {}}").unwrap();
        assert_eq!(
            template(Some(dir.path()), &spec).unwrap(),
            "{\"Resources\": {}}"
        );
        assert_eq!(
            template(None, &spec).unwrap(),
            render::render(&spec.build(), Format::Json)
        );
    }
}
