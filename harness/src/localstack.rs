//! LocalStack behind one interface: host mode (a process from the project venv, with the
//! plugin) or Docker mode (testcontainers, cargo feature `docker`).

use std::fmt;
use std::fs::File;
use std::net::{SocketAddr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::{self, stop_group};
use crate::venv::{tail, Venv};
use crate::{http, Error, Result};

/// LocalStack 2026.3 needs Python 3.13 (`warnings.deprecated`).
pub const MIN_PYTHON: (u32, u32) = (3, 13);

/// The services the connector stacks use; start-up waits until each one is available.
pub const SERVICES: &[&str] = &[
    "s3",
    "sqs",
    "cloudformation",
    "iam",
    "sts",
    "kms",
    "lambda",
    "logs",
    "firehose",
    "events",
];

/// Seconds the watchdog gives LocalStack between SIGTERM and SIGKILL. LocalStack's own
/// shutdown can hang after a Lambda ran, and nothing of its state is kept, so this is short.
pub const WATCHDOG_GRACE_SECONDS: u32 = 3;

/// The plugin's Lambda executor (`localstack/plugin`).
pub const LAMBDA_EXECUTOR: &str = "local-process";

/// How LocalStack actually runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A local process from `target/venvs/localstack`, Lambda via the local-process executor.
    Host,
    /// The `localstack/localstack` image through testcontainers.
    Docker,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Host => "host (local process, no Docker)",
            Mode::Docker => "docker (testcontainers)",
        })
    }
}

/// Which mode to run: `Auto` reads `SENTINEL_LOCALSTACK_MODE` (`host`, `docker`, `auto`) and
/// otherwise picks Docker when built with the `docker` feature and an engine answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModeChoice {
    #[default]
    Auto,
    Host,
    Docker,
}

impl ModeChoice {
    pub fn parse(text: &str) -> Result<ModeChoice> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(ModeChoice::Auto),
            "host" => Ok(ModeChoice::Host),
            "docker" => Ok(ModeChoice::Docker),
            other => Err(Error::Failed(format!(
                "SENTINEL_LOCALSTACK_MODE={other} is not a mode: use host, docker or auto"
            ))),
        }
    }

    fn resolve(self) -> Result<Mode> {
        let choice = match self {
            ModeChoice::Auto => {
                ModeChoice::parse(&std::env::var("SENTINEL_LOCALSTACK_MODE").unwrap_or_default())?
            }
            other => other,
        };
        match choice {
            ModeChoice::Host => Ok(Mode::Host),
            ModeChoice::Docker if cfg!(feature = "docker") => Ok(Mode::Docker),
            ModeChoice::Docker => Err(Error::Docker(
                "this build has no Docker support: build the harness with `--features docker`"
                    .into(),
            )),
            ModeChoice::Auto if cfg!(feature = "docker") && docker_engine_answers() => {
                Ok(Mode::Docker)
            }
            ModeChoice::Auto => Ok(Mode::Host),
        }
    }
}

/// Whether `docker info` succeeds within 10 s.
pub fn docker_engine_answers() -> bool {
    let Ok(mut child) = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        return false;
    };
    let mut status = None;
    process::wait_until(
        || {
            status = child.try_wait().ok().flatten();
            status.is_some()
        },
        Duration::from_secs(10),
    );
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    status.is_some_and(|s| s.success())
}

#[derive(Debug, Clone)]
pub struct LocalStackConfig {
    pub mode: ModeChoice,
    /// Gateway port (host mode); a free one when `None`.
    pub port: Option<u16>,
    /// State, volume and log folder (host mode); `target/localstack/run-<port>` when `None`.
    /// Emptied at start if it is a former state folder (has `localstack.log`); any other
    /// non-empty folder is refused.
    pub state_dir: Option<PathBuf>,
    /// Deadline for the health endpoint to report every service in [`SERVICES`].
    pub startup_timeout: Duration,
    /// Extra environment for LocalStack (e.g. `LS_LOG=debug`).
    pub env: Vec<(String, String)>,
}

impl Default for LocalStackConfig {
    fn default() -> Self {
        LocalStackConfig {
            mode: ModeChoice::Auto,
            port: None,
            state_dir: None,
            startup_timeout: Duration::from_secs(180),
            env: Vec::new(),
        }
    }
}

/// Seconds spent getting LocalStack up.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Building the venv (cold); `None` when it was reused.
    pub venv_install: Option<Duration>,
    /// Process start until healthy (warm start-up).
    pub startup: Duration,
}

/// A running LocalStack, stopped on [`LocalStack::stop`], on drop (also while a test panics),
/// on Ctrl-C and, in host mode on Linux, when this process dies however it dies (SIGKILL and
/// out-of-memory kills included): it runs under a watchdog that holds a pipe from this process
/// and ends LocalStack's whole tree, Lambda workers included, when the pipe closes.
pub struct LocalStack {
    endpoint: String,
    mode: Mode,
    log: Option<PathBuf>,
    timings: Timings,
    inner: Inner,
}

enum Inner {
    Host(HostProcess),
    #[cfg(feature = "docker")]
    Docker(Box<crate::localstack::docker::Container>),
    Stopped,
}

struct HostProcess {
    /// LocalStack's pid, also its process group.
    pgid: i32,
    /// `python -m sentinel_localstack.watchdog -- python -m localstack.runtime.main`.
    watchdog: Child,
    /// The write end of the watchdog's standard input. Never written; closing it (here, or by
    /// the kernel when this process dies) makes the watchdog end LocalStack's tree.
    lifeline: Option<ChildStdin>,
    /// Removed after a clean stop (data and unpacked Lambda code); the log is kept.
    scratch: Vec<PathBuf>,
}

impl HostProcess {
    /// Closes the lifeline and waits for the watchdog to end the tree and exit; kills the group
    /// itself if the watchdog does not. True if no process of the group is left.
    fn stop(&mut self) -> bool {
        drop(self.lifeline.take());
        let watchdog = &mut self.watchdog;
        let exited = process::wait_until(
            || !matches!(watchdog.try_wait(), Ok(None)),
            process::WATCHDOG_DEADLINE,
        );
        if !exited {
            let _ = self.watchdog.kill();
            let _ = self.watchdog.wait();
        }
        !process::group_alive(self.pgid) || stop_group(self.pgid, Duration::from_secs(1))
    }
}

impl LocalStack {
    /// Starts LocalStack and waits until every service in [`SERVICES`] is healthy; says on
    /// stderr which mode ran.
    pub fn start(config: LocalStackConfig) -> Result<LocalStack> {
        let localstack = match config.mode.resolve()? {
            Mode::Host => start_host(&config),
            #[cfg(feature = "docker")]
            Mode::Docker => docker::start(&config),
            #[cfg(not(feature = "docker"))]
            Mode::Docker => unreachable!("resolve() refuses Docker without the feature"),
        }?;
        eprintln!(
            "harness: LocalStack ready at {}, mode {}, start-up {:.1} s",
            localstack.endpoint,
            localstack.mode,
            localstack.timings.startup.as_secs_f64()
        );
        Ok(localstack)
    }

    /// `http://127.0.0.1:PORT` (host mode) or the container's mapped address.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// LocalStack's log file (host mode).
    pub fn log_path(&self) -> Option<&Path> {
        self.log.as_deref()
    }

    pub fn timings(&self) -> Timings {
        self.timings
    }

    /// The process group id (host mode).
    pub fn pid(&self) -> Option<i32> {
        match &self.inner {
            Inner::Host(host) => Some(host.pgid),
            _ => None,
        }
    }

    /// `/_localstack/health` as JSON.
    pub fn health(&self) -> Result<serde_json::Value> {
        health(&self.endpoint)
    }

    /// Stops LocalStack and waits until its processes are gone.
    pub fn stop(mut self) -> Result<()> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<()> {
        match std::mem::replace(&mut self.inner, Inner::Stopped) {
            Inner::Host(mut host) => {
                let gone = host.stop();
                process::unregister(host.watchdog.id() as i32, host.pgid);
                if gone {
                    for dir in &host.scratch {
                        let _ = std::fs::remove_dir_all(dir);
                    }
                    Ok(())
                } else {
                    Err(Error::Failed(format!(
                        "LocalStack (process group {}) did not stop; kill it with `kill -9 -- -{}`",
                        host.pgid, host.pgid
                    )))
                }
            }
            #[cfg(feature = "docker")]
            Inner::Docker(container) => container.stop(),
            Inner::Stopped => Ok(()),
        }
    }
}

impl Drop for LocalStack {
    fn drop(&mut self) {
        if let Err(error) = self.shutdown() {
            eprintln!("harness: {error}");
        }
    }
}

impl fmt::Debug for LocalStack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalStack")
            .field("endpoint", &self.endpoint)
            .field("mode", &self.mode)
            .field("log", &self.log)
            .finish()
    }
}

/// A free loopback port (bound, then released).
pub fn free_port() -> Result<u16> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| Error::io("finding a free port", e))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| Error::io("finding a free port", e))
}

/// GET `<endpoint>/_localstack/health` (endpoint `http://host:port`).
pub fn health(endpoint: &str) -> Result<serde_json::Value> {
    let addr = socket_addr(endpoint)?;
    let (status, body) = http::get(addr, "/_localstack/health", Duration::from_secs(5))
        .map_err(|e| Error::io(format!("GET {endpoint}/_localstack/health"), e))?;
    if status != 200 {
        return Err(Error::Failed(format!(
            "{endpoint}/_localstack/health answered {status}"
        )));
    }
    serde_json::from_str(&body)
        .map_err(|e| Error::Failed(format!("health is not JSON ({e}): {body}")))
}

fn socket_addr(endpoint: &str) -> Result<SocketAddr> {
    use std::net::ToSocketAddrs;
    let hostport = endpoint.trim_start_matches("http://").trim_end_matches('/');
    hostport
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| Error::Failed(format!("not an http://host:port endpoint: {endpoint}")))
}

/// The services of [`SERVICES`] that the health JSON does not (yet) report usable.
pub fn missing_services(health: &serde_json::Value) -> Vec<&'static str> {
    SERVICES
        .iter()
        .copied()
        .filter(|name| {
            !matches!(
                health["services"][*name].as_str(),
                Some("available") | Some("running")
            )
        })
        .collect()
}

/// Waits for all [`SERVICES`]; `exited` reports a dead process (then waiting stops).
pub(crate) fn wait_healthy(
    endpoint: &str,
    deadline: Duration,
    mut exited: impl FnMut() -> Option<String>,
) -> std::result::Result<(), String> {
    let start = Instant::now();
    loop {
        if let Some(status) = exited() {
            return Err(format!("the process exited ({status})"));
        }
        let last = match health(endpoint) {
            Ok(json) => {
                let missing = missing_services(&json);
                if missing.is_empty() {
                    return Ok(());
                }
                format!("services not ready: {}", missing.join(", "))
            }
            Err(error) => error.to_string(),
        };
        if start.elapsed() >= deadline {
            return Err(format!("timed out; last: {last}"));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Everything a host-mode start needs, shared by attached and detached starts.
pub(crate) struct HostLaunch {
    pub venv: Venv,
    pub port: u16,
    pub state_dir: PathBuf,
    pub log: PathBuf,
}

impl HostLaunch {
    pub(crate) fn prepare(config: &LocalStackConfig, name: &str) -> Result<HostLaunch> {
        let venv = crate::localstack_venv()?;
        // A LocalStack an earlier, killed run left behind goes first (it may hold our port).
        let detached = crate::control::recorded_pid();
        crate::stale::stop_stale(&crate::project_target_dir().join("localstack"), detached)?;
        let port = match config.port {
            Some(port) => {
                // LocalStack does not exit when its port is taken: it would only time out.
                TcpListener::bind(("127.0.0.1", port))
                    .map_err(|e| port_taken(port, e, detached))?;
                port
            }
            None => free_port()?,
        };
        let state_dir = match &config.state_dir {
            Some(dir) => dir.clone(),
            None => {
                let parent = crate::project_target_dir().join("localstack");
                prune_old_runs(&parent, name, KEEP_RUNS);
                parent.join(format!("{name}-{port}"))
            }
        };
        if state_dir.exists() {
            let empty = std::fs::read_dir(&state_dir).is_ok_and(|mut d| d.next().is_none());
            if !empty && !state_dir.join("localstack.log").exists() {
                return Err(Error::Failed(format!(
                    "{} is not empty and is no LocalStack state folder: choose another state_dir",
                    state_dir.display()
                )));
            }
            std::fs::remove_dir_all(&state_dir)
                .map_err(|e| Error::io(format!("clearing {}", state_dir.display()), e))?;
        }
        std::fs::create_dir_all(state_dir.join("tmp"))
            .map_err(|e| Error::io(format!("creating {}", state_dir.display()), e))?;
        let log = state_dir.join("localstack.log");
        Ok(HostLaunch {
            venv,
            port,
            state_dir,
            log,
        })
    }

    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `python -m localstack.runtime.main` with LocalStack's environment, or, with a pid file,
    /// the same under the watchdog (which writes LocalStack's pid there).
    pub(crate) fn command(
        &self,
        config: &LocalStackConfig,
        watchdog_pid_file: Option<&Path>,
    ) -> Result<Command> {
        let log = File::create(&self.log)
            .map_err(|e| Error::io(format!("creating {}", self.log.display()), e))?;
        let log_err = log
            .try_clone()
            .map_err(|e| Error::io(format!("opening {}", self.log.display()), e))?;
        let python = self.venv.python();
        let mut command = Command::new(&python);
        if let Some(pid_file) = watchdog_pid_file {
            command
                .args(["-m", "sentinel_localstack.watchdog", "--grace"])
                .arg(WATCHDOG_GRACE_SECONDS.to_string())
                .arg("--pid-file")
                .arg(pid_file)
                .arg("--")
                .arg(&python);
        }
        command
            .args(["-m", "localstack.runtime.main"])
            .current_dir(&self.state_dir)
            .env("GATEWAY_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("LOCALSTACK_VOLUME_DIR", self.state_dir.join("volume"))
            // Lambda code is unpacked under tempfile.gettempdir(): keep it in the state folder.
            .env("TMPDIR", self.state_dir.join("tmp"))
            .env("SKIP_SSL_CERT_DOWNLOAD", "1")
            .env("DISABLE_EVENTS", "1")
            .env("DNS_ADDRESS", "0")
            .env("LAMBDA_RUNTIME_EXECUTOR", LAMBDA_EXECUTOR)
            .envs(config.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        Ok(command)
    }

    pub(crate) fn failure(&self, seconds: u64, reason: String) -> Error {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        Error::StartFailed {
            seconds,
            reason,
            log: self.log.clone(),
            tail: tail(&text, 30),
        }
    }
}

/// Why `port` cannot be used, naming the process that holds it when it can be seen.
fn port_taken(port: u16, error: std::io::Error, detached: Option<i32>) -> Error {
    Error::Failed(match crate::stale::port_holder(port) {
        Some((pid, _)) if Some(pid) == detached => format!(
            "port {port} is not free: the LocalStack of `cargo xtask localstack up` (pid {pid}) holds it; \
             `cargo xtask localstack down` stops it, or leave the port unset for a free one"
        ),
        Some((pid, command)) => format!(
            "port {port} is not free ({error}): pid {pid} holds it ({command}); stop it, or leave the port unset for a free one"
        ),
        None => format!(
            "port {port} is not free ({error}): stop what uses it, or leave the port unset for a free one"
        ),
    })
}

/// How many `<name>-<port>` state folders (logs) are kept under `target/localstack`.
const KEEP_RUNS: usize = 20;

/// Removes all but the `keep` newest `<name>-*` folders in `parent`.
fn prune_old_runs(parent: &Path, name: &str, keep: usize) {
    let prefix = format!("{name}-");
    let mut runs: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(parent)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    runs.sort();
    runs.reverse();
    for (_, dir) in runs.into_iter().skip(keep) {
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn start_host(config: &LocalStackConfig) -> Result<LocalStack> {
    let venv_started = Instant::now();
    let launch = HostLaunch::prepare(config, "run")?;
    let venv_install = launch.venv.built_in().map(|_| venv_started.elapsed());
    let pid_file = launch.state_dir.join("localstack.pid");
    let mut command = launch.command(config, Some(&pid_file))?;
    command.stdin(Stdio::piped());
    // SAFETY: only setpgid (async-signal-safe) between fork and exec. The watchdog leads a
    // process group of its own, so a signal to this process's group does not reach it before
    // it has ended LocalStack; it must not die with this process, it outlives it to clean up.
    unsafe {
        command.pre_exec(|| {
            if libc::setpgid(0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }

    let startup_started = Instant::now();
    let mut watchdog = command
        .spawn()
        .map_err(|e| Error::io(format!("starting {}", launch.venv.python().display()), e))?;
    let lifeline = watchdog.stdin.take();
    let watchdog_pid = watchdog.id() as i32;
    let mut pid = None;
    process::wait_until(
        || {
            pid = read_pid(&pid_file);
            pid.is_some() || !matches!(watchdog.try_wait(), Ok(None))
        },
        Duration::from_secs(30),
    );
    let Some(pgid) = pid else {
        let _ = watchdog.kill();
        let _ = watchdog.wait();
        return Err(launch.failure(30, "the watchdog did not start LocalStack".into()));
    };
    process::register(watchdog_pid, pgid);
    let mut host = HostProcess {
        pgid,
        watchdog,
        lifeline,
        scratch: vec![
            launch.state_dir.join("volume"),
            launch.state_dir.join("tmp"),
        ],
    };
    let endpoint = launch.endpoint();
    let waited = wait_healthy(&endpoint, config.startup_timeout, || {
        match host.watchdog.try_wait() {
            Ok(None) => None,
            Ok(Some(status)) => Some(format!("{status}; see the log")),
            Err(error) => Some(error.to_string()),
        }
    });
    if let Err(reason) = waited {
        host.stop();
        process::unregister(watchdog_pid, pgid);
        return Err(launch.failure(config.startup_timeout.as_secs(), reason));
    }
    Ok(LocalStack {
        endpoint,
        mode: Mode::Host,
        log: Some(launch.log.clone()),
        timings: Timings {
            venv_install,
            startup: startup_started.elapsed(),
        },
        inner: Inner::Host(host),
    })
}

/// The pid in a pid file, once it has been written.
fn read_pid(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[cfg(feature = "docker")]
pub(crate) mod docker {
    //! LocalStack in a container (testcontainers-modules, feature `localstack`). This runs the
    //! stock image with its own Docker Lambda executor; the plugin's patches are host-mode only.

    use super::*;
    use testcontainers_modules::localstack::LocalStack as LocalStackImage;
    use testcontainers_modules::testcontainers::core::Mount;
    use testcontainers_modules::testcontainers::runners::SyncRunner;
    use testcontainers_modules::testcontainers::{Container as TcContainer, ImageExt};

    pub(crate) struct Container(TcContainer<LocalStackImage>);

    impl Container {
        pub(crate) fn stop(self) -> Result<()> {
            process::unregister_container(self.0.id());
            self.0
                .rm()
                .map_err(|e| Error::Docker(format!("removing the container: {e}")))
        }
    }

    pub(crate) fn start(config: &LocalStackConfig) -> Result<LocalStack> {
        let started = Instant::now();
        let mut image = LocalStackImage::default()
            .with_env_var("SERVICES", SERVICES.join(","))
            // Lambda functions run as sibling containers.
            .with_mount(Mount::bind_mount(
                "/var/run/docker.sock",
                "/var/run/docker.sock",
            ))
            .with_startup_timeout(config.startup_timeout);
        for (key, value) in &config.env {
            image = image.with_env_var(key, value);
        }
        let container = image
            .start()
            .map_err(|e| Error::Docker(format!("starting localstack/localstack: {e}")))?;
        let container = Container(container);
        process::register_container(container.0.id());
        let ready = (|| {
            let host = container
                .0
                .get_host()
                .map_err(|e| Error::Docker(format!("reading the container host: {e}")))?;
            let port = container
                .0
                .get_host_port_ipv4(4566)
                .map_err(|e| Error::Docker(format!("reading the mapped port: {e}")))?;
            let endpoint = format!("http://{host}:{port}");
            wait_healthy(&endpoint, config.startup_timeout, || None).map_err(Error::Docker)?;
            Ok(endpoint)
        })();
        let endpoint = match ready {
            Ok(endpoint) => endpoint,
            Err(error) => {
                let _ = container.stop();
                return Err(error);
            }
        };
        Ok(LocalStack {
            endpoint,
            mode: Mode::Docker,
            log: None,
            timings: Timings {
                venv_install: None,
                startup: started.elapsed(),
            },
            inner: Inner::Docker(Box::new(container)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn modes_parse_and_reject_nonsense() {
        assert_eq!(ModeChoice::parse("").unwrap(), ModeChoice::Auto);
        assert_eq!(ModeChoice::parse(" Host ").unwrap(), ModeChoice::Host);
        assert_eq!(ModeChoice::parse("docker").unwrap(), ModeChoice::Docker);
        let message = ModeChoice::parse("podman").unwrap_err().to_string();
        assert!(message.contains("use host, docker or auto"), "{message}");
    }

    #[cfg(not(feature = "docker"))]
    #[test]
    fn docker_without_the_feature_says_how_to_get_it() {
        let message = ModeChoice::Docker.resolve().unwrap_err().to_string();
        assert!(message.contains("--features docker"), "{message}");
    }

    #[test]
    fn missing_services_lists_what_is_not_ready() {
        let mut services = serde_json::Map::new();
        for name in SERVICES {
            services.insert((*name).into(), json!("available"));
        }
        services.insert("lambda".into(), json!("running"));
        let mut health = json!({ "services": services });
        assert!(missing_services(&health).is_empty());
        health["services"]["kms"] = json!("error");
        health["services"].as_object_mut().unwrap().remove("sqs");
        assert_eq!(missing_services(&health), vec!["sqs", "kms"]);
    }

    #[test]
    fn old_run_folders_are_pruned_newest_kept() {
        let dir = tempfile::tempdir().unwrap();
        for (i, name) in ["run-1", "run-2", "run-3", "detached-9"].iter().enumerate() {
            let path = dir.path().join(name);
            std::fs::create_dir(&path).unwrap();
            let time = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_000 + i as u64);
            File::options()
                .write(true)
                .open(&path)
                .or_else(|_| File::open(&path))
                .unwrap()
                .set_modified(time)
                .unwrap();
        }
        prune_old_runs(dir.path(), "run", 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, vec!["detached-9", "run-2", "run-3"]);
    }

    #[test]
    fn endpoints_parse_to_socket_addresses() {
        assert_eq!(socket_addr("http://127.0.0.1:4566").unwrap().port(), 4566);
        assert!(socket_addr("http://127.0.0.1").is_err());
    }
}
