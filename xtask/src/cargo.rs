//! The `cargo` the xtasks start, with the environment a shell would give it.
//!
//! `cargo xtask` is `cargo run -p xtask`, and `cargo run` gives the program it runs the
//! package's variables (`CARGO_PKG_NAME=xtask`, `CARGO_MANIFEST_DIR=.../xtask`, ...). A cargo
//! started from here inherits them, and build scripts that declare
//! `rerun-if-env-changed=CARGO_PKG_NAME` (ring, through cc) are then stale: ring and everything
//! above it, the AWS SDK included, were compiled again by every xtask after a plain `cargo
//! build`, and again by the next plain build. So these variables are removed.

use std::process::Command;

/// Whether `name` is one of the variables `cargo run` sets for the package it runs.
fn set_by_cargo_run(name: &str) -> bool {
    name.starts_with("CARGO_PKG_")
        || name.starts_with("CARGO_MANIFEST_")
        || matches!(
            name,
            "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE"
        )
}

/// `$CARGO` (the cargo that runs this xtask) or `cargo`, without the package variables.
pub fn command() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(set_by_cargo_run) {
            command.env_remove(name);
        }
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_variables_of_cargo_run_are_removed_and_the_rest_kept() {
        assert!(set_by_cargo_run("CARGO_PKG_NAME"));
        assert!(set_by_cargo_run("CARGO_PKG_VERSION_MAJOR"));
        assert!(set_by_cargo_run("CARGO_MANIFEST_DIR"));
        assert!(set_by_cargo_run("CARGO_MANIFEST_PATH"));
        assert!(set_by_cargo_run("CARGO_CRATE_NAME"));
        for kept in [
            "CARGO",
            "CARGO_HOME",
            "CARGO_TARGET_DIR",
            "CARGO_TERM_COLOR",
            "PATH",
        ] {
            assert!(!set_by_cargo_run(kept), "{kept}");
        }
        // cargo test sets CARGO_PKG_NAME for this test binary, as cargo run does for xtask.
        assert!(std::env::var_os("CARGO_PKG_NAME").is_some());
        let command = command();
        let removed: Vec<_> = command
            .get_envs()
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| name.to_string_lossy().into_owned())
            .collect();
        assert!(
            removed.contains(&"CARGO_PKG_NAME".to_string()),
            "{removed:?}"
        );
        assert!(
            removed.contains(&"CARGO_MANIFEST_DIR".to_string()),
            "{removed:?}"
        );
    }
}
