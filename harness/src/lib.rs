//! LocalStack on any machine, behind one blocking interface used by xtask, the CLI and the tests.
//!
//! * [`python::find_python`] finds an interpreter new enough for a lock.
//! * [`venv::Venv::ensure`] builds a project-local venv from a hash-checked lock (any lock, not
//!   only LocalStack's) and reuses it while the lock and local packages are unchanged.
//! * [`LocalStack::start`] runs LocalStack in host mode (the venv, with the project's plugin
//!   `localstack/plugin`) or, with the cargo feature `docker` and an engine that answers, in a
//!   container through testcontainers. The process is stopped on drop, on panic, on Ctrl-C,
//!   and (Linux) when this process dies.
//! * [`control`] is the detached variant for `cargo xtask localstack up|down|status|logs`.
//! * [`pytest`] runs a pytest suite in a venv; [`plugin_tests`] runs the plugin's own suite.

pub mod control;
mod error;
mod http;
pub mod localstack;
mod process;
pub mod python;
pub mod stale;
pub mod venv;

use std::path::{Path, PathBuf};
use std::process::Command;

pub use error::{Error, Result};
pub use localstack::{LocalStack, LocalStackConfig, Mode, ModeChoice};
pub use venv::Venv;

/// Makes `command`'s process get SIGTERM when the calling thread's process dies, however it
/// dies (Linux: PR_SET_PDEATHSIG; it survives exec, so `cargo run` passes it on to the program
/// it runs). For the long-running children of xtasks and tests: a killed `cargo xtask e2e`
/// then ends its `simulator e2e`, whose LocalStack watchdog ends the rest.
pub fn end_with_this_process(command: &mut Command) -> &mut Command {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: only async-signal-safe calls (prctl, getppid, raise) between fork and exec.
        unsafe {
            command.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::getppid() != parent {
                    libc::raise(libc::SIGTERM); // the parent died before prctl took effect
                }
                Ok(())
            });
        }
    }
    command
}

/// The cargo workspace this crate belongs to.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harness lives inside the workspace")
        .to_path_buf()
}

/// `<workspace>/target`, where venvs, LocalStack state and logs live (not `CARGO_TARGET_DIR`:
/// these are project state, shared by every build directory).
pub fn project_target_dir() -> PathBuf {
    workspace_root().join("target")
}

/// `<workspace>/localstack`: the lock and the plugin.
pub fn localstack_dir() -> PathBuf {
    workspace_root().join("localstack")
}

/// The LocalStack venv: `localstack/requirements.lock` plus the plugin, Python >= 3.13
/// (LocalStack 2026.3 imports `warnings.deprecated`, new in 3.13).
pub fn localstack_venv() -> Result<Venv> {
    let dir = localstack_dir();
    Venv::ensure_with(venv::VenvSpec {
        name: "localstack".into(),
        lock: dir.join("requirements.lock"),
        local_packages: vec![dir.join("plugin")],
        min_python: localstack::MIN_PYTHON,
    })
}

/// Runs `python -m pytest -q <paths>` in `venv` with the given extra environment; an error
/// unless every test passed.
pub fn pytest(venv: &Venv, paths: &[PathBuf], env: &[(String, String)]) -> Result<()> {
    let mut command = Command::new(venv.python());
    command
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .args(paths)
        .envs(env.iter().map(|(k, v)| (k, v)));
    let status = command.status().map_err(|e| {
        Error::io(
            format!("running pytest with {}", venv.python().display()),
            e,
        )
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::Failed(format!(
            "pytest {} failed ({status}); the output above says which test",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        )))
    }
}

/// The plugin's pytest suite (`localstack/plugin/tests`) against a LocalStack this harness
/// starts in host mode and stops afterwards.
pub fn plugin_tests() -> Result<()> {
    let venv = localstack_venv()?;
    let localstack = LocalStack::start(LocalStackConfig {
        mode: ModeChoice::Host,
        ..LocalStackConfig::default()
    })?;
    let env = [(
        "SENTINEL_LOCALSTACK_ENDPOINT".to_string(),
        localstack.endpoint().to_string(),
    )];
    let result = pytest(&venv, &[localstack_dir().join("plugin/tests")], &env);
    localstack.stop()?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[cfg(target_os = "linux")]
    #[test]
    fn a_child_ends_when_the_thread_that_started_it_is_gone() {
        // PR_SET_PDEATHSIG fires when the thread that forked the child ends, as the whole
        // process ending does: a thread stands in for a killed xtask.
        let child = std::thread::spawn(|| {
            end_with_this_process(Command::new("sleep").arg("300"))
                .spawn()
                .unwrap()
        })
        .join()
        .unwrap();
        let mut child = child;
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGTERM), "{status}");
    }
}
