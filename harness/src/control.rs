//! Detached LocalStack for `cargo xtask localstack up|down|status|logs` (host mode).
//!
//! `up` starts LocalStack in its own session (it outlives the command) and records pid, port
//! and log path in `target/localstack/detached.json` as soon as it is spawned; `down` stops
//! exactly that process group after checking the pid still runs LocalStack, and waits until it
//! is gone. Both `up` and `down` also stop any LocalStack that a killed run of this checkout
//! left behind ([`crate::stale`]); `status` lists them.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::localstack::{wait_healthy, HostLaunch, LocalStackConfig, Mode};
use crate::process::{self, pid_alive, stop_group};
use crate::{Error, Result};

/// What `up` recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// LocalStack's pid, also its process group and session id.
    pub pid: i32,
    pub port: u16,
    pub endpoint: String,
    pub log: PathBuf,
    pub state_dir: PathBuf,
    pub mode: Mode,
    pub started_at_unix: u64,
}

impl State {
    pub fn read(path: &Path) -> Result<Option<State>> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
                Error::Failed(format!(
                    "{} is not a harness state file ({e}); delete it if no LocalStack runs",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
        }
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        }
        let text = serde_json::to_string_pretty(self).expect("State serialises");
        let partial = path.with_extension("json.partial");
        std::fs::write(&partial, text)
            .map_err(|e| Error::io(format!("writing {}", partial.display()), e))?;
        std::fs::rename(&partial, path)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))
    }

    /// Alive and still LocalStack (a recycled pid is not ours to stop).
    pub fn is_running(&self) -> bool {
        pid_alive(self.pid)
            && process::cmdline(self.pid).is_none_or(|cmd| cmd.contains("localstack.runtime.main"))
    }
}

/// `target/localstack/detached.json`.
pub fn state_file() -> PathBuf {
    crate::project_target_dir().join("localstack/detached.json")
}

/// The pid of the recorded detached LocalStack while it runs (it is never stale).
pub(crate) fn recorded_pid() -> Option<i32> {
    State::read(&state_file())
        .ok()
        .flatten()
        .filter(State::is_running)
        .map(|s| s.pid)
}

/// LocalStacks of this checkout that nobody owns any more (left by killed runs).
pub fn stale() -> Vec<crate::stale::Stale> {
    crate::stale::find_stale(
        &crate::project_target_dir().join("localstack"),
        recorded_pid(),
    )
}

/// Stops the LocalStacks that killed runs of this checkout left behind; lists them.
pub fn stop_stale() -> Result<Vec<crate::stale::Stale>> {
    crate::stale::stop_stale(
        &crate::project_target_dir().join("localstack"),
        recorded_pid(),
    )
}

/// What `up` did and how long it took.
#[derive(Debug, Clone)]
pub struct UpReport {
    pub state: State,
    /// Building the venv (cold); `None` when it was reused.
    pub venv_install: Option<Duration>,
    /// Process start until every service was healthy.
    pub startup: Duration,
}

/// Starts a detached LocalStack unless one is already recorded and running.
pub fn up(config: &LocalStackConfig) -> Result<UpReport> {
    let path = state_file();
    if let Some(state) = State::read(&path)? {
        if state.is_running() {
            return Err(Error::Failed(format!(
                "LocalStack already runs at {} (pid {}); `cargo xtask localstack down` stops it",
                state.endpoint, state.pid
            )));
        }
    }
    let venv_started = Instant::now();
    let launch = HostLaunch::prepare(config, "detached")?;
    let venv_install = launch.venv.built_in().map(|_| venv_started.elapsed());
    let mut command = launch.command(config, None)?;
    // SAFETY: setsid is async-signal-safe. A new session: no SIGHUP or Ctrl-C from this terminal.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| Error::io(format!("starting {}", launch.venv.python().display()), e))?;
    let pid = child.id() as i32;
    let endpoint = launch.endpoint();
    // Recorded at once, so that `down` finds it even if this command is killed while waiting.
    let state = State {
        pid,
        port: launch.port,
        endpoint,
        log: launch.log.clone(),
        state_dir: launch.state_dir.clone(),
        mode: Mode::Host,
        started_at_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default(),
    };
    if let Err(error) = state.write(&path) {
        stop_group(pid, Duration::from_secs(5));
        let _ = child.wait();
        return Err(error);
    }
    let waited = wait_healthy(&state.endpoint, config.startup_timeout, || {
        child
            .try_wait()
            .ok()
            .flatten()
            .map(|status| status.to_string())
    });
    if let Err(reason) = waited {
        stop_group(pid, Duration::from_secs(5));
        let _ = child.wait();
        let _ = std::fs::remove_file(&path);
        return Err(launch.failure(config.startup_timeout.as_secs(), reason));
    }
    Ok(UpReport {
        state,
        venv_install,
        startup: started.elapsed(),
    })
}

/// Stops the recorded LocalStack and waits until its process group is gone; `None` if none
/// was recorded.
pub fn down() -> Result<Option<State>> {
    let path = state_file();
    let Some(state) = State::read(&path)? else {
        return Ok(None);
    };
    if state.is_running() && !stop_group(state.pid, Duration::from_secs(20)) {
        return Err(Error::Failed(format!(
            "LocalStack (process group {}) did not stop; kill it with `kill -9 -- -{}`",
            state.pid, state.pid
        )));
    }
    std::fs::remove_file(&path)
        .map_err(|e| Error::io(format!("removing {}", path.display()), e))?;
    // Data and unpacked Lambda code go; the log stays for reading by hand.
    for scratch in ["volume", "tmp"] {
        let _ = std::fs::remove_dir_all(state.state_dir.join(scratch));
    }
    Ok(Some(state))
}

/// What `status` found.
#[derive(Debug)]
pub enum Status {
    NotStarted,
    /// Recorded, but the process is gone.
    Stopped(State),
    Running {
        state: State,
        health: Result<serde_json::Value>,
    },
}

pub fn status() -> Result<Status> {
    Ok(match State::read(&state_file())? {
        None => Status::NotStarted,
        Some(state) if !state.is_running() => Status::Stopped(state),
        Some(state) => Status::Running {
            health: crate::localstack::health(&state.endpoint),
            state,
        },
    })
}

/// One line per service: `name: state`, the required ones first.
pub fn health_summary(health: &serde_json::Value) -> String {
    let mut lines = Vec::new();
    if let Some(version) = health["version"].as_str() {
        lines.push(format!("version: {version}"));
    }
    let missing = crate::localstack::missing_services(health);
    lines.push(if missing.is_empty() {
        "required services: all ready".to_string()
    } else {
        format!("required services not ready: {}", missing.join(", "))
    });
    for name in crate::localstack::SERVICES {
        lines.push(format!(
            "  {name}: {}",
            health["services"][*name].as_str().unwrap_or("absent")
        ));
    }
    lines.join("\n")
}

/// The log file of the recorded LocalStack.
pub fn log_path() -> Result<PathBuf> {
    match State::read(&state_file())? {
        Some(state) => Ok(state.log),
        None => Err(Error::Failed(
            "no detached LocalStack recorded; `cargo xtask localstack up` starts one".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> State {
        State {
            pid: 4242,
            port: 4566,
            endpoint: "http://127.0.0.1:4566".into(),
            log: "/w/target/localstack/detached-4566/localstack.log".into(),
            state_dir: "/w/target/localstack/detached-4566".into(),
            mode: Mode::Host,
            started_at_unix: 1_800_000_000,
        }
    }

    #[test]
    fn state_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/detached.json");
        assert_eq!(State::read(&path).unwrap(), None);
        sample().write(&path).unwrap();
        assert_eq!(State::read(&path).unwrap(), Some(sample()));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"mode\": \"host\""), "{text}");
    }

    #[test]
    fn a_corrupt_state_file_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("detached.json");
        std::fs::write(&path, "{not json").unwrap();
        let message = State::read(&path).unwrap_err().to_string();
        assert!(
            message.contains("delete it if no LocalStack runs"),
            "{message}"
        );
    }

    #[test]
    fn a_dead_or_foreign_pid_is_not_running() {
        let mut state = sample();
        state.pid = i32::MAX - 1;
        assert!(!state.is_running());
        state.pid = std::process::id() as i32; // alive, but this test binary is not LocalStack
        assert!(!state.is_running());
    }

    #[test]
    fn health_summary_names_unready_services() {
        let health = serde_json::json!({"version": "2026.3.0", "services": {"s3": "running"}});
        let summary = health_summary(&health);
        assert!(summary.contains("version: 2026.3.0"));
        assert!(summary.contains("  s3: running"));
        assert!(summary.contains("required services not ready: sqs"));
    }
}
