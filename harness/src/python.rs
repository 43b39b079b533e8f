//! Finding a Python interpreter that is new enough.
//!
//! Order: `SENTINEL_PYTHON` (if set, only it), then `python3.N` for N from 20 down to the
//! minimum and `python3` on PATH, then pyenv's installed versions (`$PYENV_ROOT/versions/*`,
//! default `~/.pyenv`), newest first. Each candidate is run once to read its real version:
//! pyenv shims exist on PATH even for versions that are not selected, and they fail when run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Error, Result};

/// A working interpreter and its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Python {
    pub path: PathBuf,
    pub version: (u32, u32),
}

/// Where to look; built from the environment by [`find_python`], explicit in tests.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    pub override_path: Option<PathBuf>,
    pub path_dirs: Vec<PathBuf>,
    pub pyenv_root: Option<PathBuf>,
}

impl Discovery {
    pub fn from_env() -> Self {
        let path_dirs = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();
        let pyenv_root = std::env::var_os("PYENV_ROOT")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pyenv")));
        Discovery {
            override_path: std::env::var_os("SENTINEL_PYTHON").map(PathBuf::from),
            path_dirs,
            pyenv_root,
        }
    }

    /// Candidate paths in the order they are tried (not yet checked).
    pub fn candidates(&self, min: (u32, u32)) -> Vec<PathBuf> {
        if let Some(path) = &self.override_path {
            return vec![path.clone()];
        }
        let mut names: Vec<String> = (min.1..=20).rev().map(|m| format!("python3.{m}")).collect();
        names.push("python3".into());
        let mut found = Vec::new();
        for name in &names {
            for dir in &self.path_dirs {
                let path = dir.join(name);
                if path.is_file() {
                    found.push(path);
                }
            }
        }
        if let Some(root) = &self.pyenv_root {
            let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir(root.join("versions"))
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|entry| {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let numbers: Option<Vec<u32>> =
                        name.split('.').map(|n| n.parse().ok()).collect();
                    Some((numbers?, entry.path().join("bin/python3")))
                })
                .filter(|(_, path)| path.is_file())
                .collect();
            versions.sort();
            found.extend(versions.into_iter().rev().map(|(_, path)| path));
        }
        let mut unique = Vec::new();
        for path in found {
            if !unique.contains(&path) {
                unique.push(path);
            }
        }
        unique
    }

    /// What was looked for, for the error message.
    fn describe(&self, min: (u32, u32)) -> String {
        if let Some(path) = &self.override_path {
            return format!("SENTINEL_PYTHON={}", path.display());
        }
        let pyenv = self
            .pyenv_root
            .as_ref()
            .map(|r| format!(", then {}/versions/*/bin/python3", r.display()))
            .unwrap_or_default();
        format!(
            "python3.20 .. python3.{} and python3 on PATH{pyenv} (set SENTINEL_PYTHON to choose one)",
            min.1
        )
    }

    pub fn find(&self, min: (u32, u32)) -> Result<Python> {
        let mut rejected = Vec::new();
        for path in self.candidates(min) {
            match version_of(&path) {
                Some(version) if version >= min => return Ok(Python { path, version }),
                Some(version) => {
                    rejected.push(format!("{} is {}.{}", path.display(), version.0, version.1))
                }
                None => rejected.push(format!("{} does not run", path.display())),
            }
        }
        let mut looked_for = self.describe(min);
        if !rejected.is_empty() {
            looked_for.push_str(&format!("; rejected: {}", rejected.join(", ")));
        }
        Err(Error::PythonNotFound {
            min: format!("{}.{}", min.0, min.1),
            looked_for,
        })
    }
}

/// The first interpreter >= `min` (major, minor) on this machine.
pub fn find_python(min: (u32, u32)) -> Result<Python> {
    Discovery::from_env().find(min)
}

/// Runs the interpreter and parses "3 13".
pub fn version_of(path: &Path) -> Option<(u32, u32)> {
    let output = Command::new(path)
        .args([
            "-c",
            "import sys; print(sys.version_info[0], sys.version_info[1])",
        ])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    parse_version(&String::from_utf8_lossy(&output.stdout))
}

pub(crate) fn parse_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.split_whitespace().map(|p| p.parse::<u32>());
    match (parts.next(), parts.next(), parts.next()) {
        (Some(Ok(major)), Some(Ok(minor)), None) => Some((major, minor)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn fake_python(dir: &Path, name: &str, script: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn parses_versions() {
        assert_eq!(parse_version("3 13\n"), Some((3, 13)));
        assert_eq!(parse_version("3"), None);
        assert_eq!(parse_version("3 x"), None);
        assert_eq!(parse_version("3 12 1"), None);
    }

    #[test]
    fn missing_override_is_named_in_the_error() {
        let discovery = Discovery {
            override_path: Some("/nowhere/python9".into()),
            ..Discovery::default()
        };
        let message = discovery.find((3, 13)).unwrap_err().to_string();
        assert!(
            message.contains("SENTINEL_PYTHON=/nowhere/python9"),
            "{message}"
        );
        assert!(
            message.contains("/nowhere/python9 does not run"),
            "{message}"
        );
        assert!(message.contains("Python 3.13 or newer"), "{message}");
    }

    #[test]
    fn nothing_found_names_every_place_looked() {
        let empty = tempfile::tempdir().unwrap();
        let discovery = Discovery {
            override_path: None,
            path_dirs: vec![empty.path().join("bin")],
            pyenv_root: Some(empty.path().join("pyenv")),
        };
        let message = discovery.find((3, 12)).unwrap_err().to_string();
        assert!(
            message.contains("python3.12 and python3 on PATH"),
            "{message}"
        );
        assert!(
            message.contains("pyenv/versions/*/bin/python3"),
            "{message}"
        );
        assert!(message.contains("SENTINEL_PYTHON"), "{message}");
    }

    #[test]
    fn too_old_and_broken_interpreters_are_skipped_and_reported() {
        let root = tempfile::tempdir().unwrap();
        let bin = root.path().join("bin");
        fake_python(&bin, "python3", "echo 3 11");
        fake_python(
            &bin,
            "python3.13",
            "echo 'pyenv: python3.13: command not found' >&2; exit 127",
        );
        let pyenv = root.path().join("pyenv");
        let good = fake_python(&pyenv.join("versions/3.13.0/bin"), "python3", "echo 3 13");
        fake_python(&pyenv.join("versions/3.9.1/bin"), "python3", "echo 3 9");
        let discovery = Discovery {
            override_path: None,
            path_dirs: vec![bin.clone()],
            pyenv_root: Some(pyenv),
        };
        let found = discovery.find((3, 13)).unwrap();
        assert_eq!(
            found,
            Python {
                path: good,
                version: (3, 13)
            }
        );

        let none = Discovery {
            pyenv_root: None,
            ..discovery
        };
        let message = none.find((3, 13)).unwrap_err().to_string();
        assert!(message.contains("python3 is 3.11"), "{message}");
        assert!(message.contains("python3.13 does not run"), "{message}");
    }

    #[test]
    fn pyenv_versions_are_tried_newest_first() {
        let root = tempfile::tempdir().unwrap();
        let pyenv = root.path().join("pyenv");
        fake_python(&pyenv.join("versions/3.12.1/bin"), "python3", "echo 3 12");
        fake_python(&pyenv.join("versions/3.13.0/bin"), "python3", "echo 3 13");
        fake_python(
            &pyenv.join("versions/miniconda/bin"),
            "python3",
            "echo 3 10",
        );
        let discovery = Discovery {
            pyenv_root: Some(pyenv.clone()),
            ..Discovery::default()
        };
        assert_eq!(
            discovery.candidates((3, 12)),
            vec![
                pyenv.join("versions/3.13.0/bin/python3"),
                pyenv.join("versions/3.12.1/bin/python3")
            ]
        );
    }
}
