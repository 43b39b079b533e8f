//! LocalStacks that nobody owns any more, and who holds a port.
//!
//! An attached LocalStack runs under the watchdog (`sentinel_localstack.watchdog`), which ends
//! it and its Lambda workers when the process that started it dies, however it dies. What can
//! still be left behind is rarer: a LocalStack whose watchdog was killed too and that survived
//! its parent-death signal, or one from a build of this project that had no watchdog. Before a
//! host-mode start and on `cargo xtask localstack down`, [`stop_stale`] finds and stops them,
//! so a killed run never makes the next one time out on a busy port.
//!
//! A LocalStack is *stale* when it runs `localstack.runtime.main` in a state folder of this
//! checkout (`target/localstack/...`), is not the one `cargo xtask localstack up` recorded, and
//! its parent is not a live watchdog. LocalStacks of other checkouts and of other tools are
//! never touched.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::process::{cmdline, pid_alive, proc_parent, stop_group};
use crate::{Error, Result};

const LOCALSTACK_MAIN: &str = "localstack.runtime.main";
const WATCHDOG_MODULE: &str = "sentinel_localstack.watchdog";

/// A LocalStack process found without an owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    pub pid: i32,
    /// Its state folder (its working directory).
    pub state_dir: PathBuf,
}

impl Stale {
    /// The gateway port, read from the state folder's name (`run-<port>`, `detached-<port>`).
    pub fn port(&self) -> Option<u16> {
        let name = self.state_dir.file_name()?.to_str()?;
        name.rsplit_once('-')?.1.parse().ok()
    }
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "LocalStack pid {} in {}",
            self.pid,
            self.state_dir.display()
        )?;
        if let Some(port) = self.port() {
            write!(f, " (port {port})")?;
        }
        Ok(())
    }
}

/// Whether the process runs LocalStack itself (not the watchdog that names it in its arguments).
fn runs_localstack(pid: i32) -> bool {
    cmdline(pid).is_some_and(|c| c.contains(LOCALSTACK_MAIN) && !c.contains(WATCHDOG_MODULE))
}

fn is_watchdog(pid: i32) -> bool {
    pid_alive(pid) && cmdline(pid).is_some_and(|c| c.contains(WATCHDOG_MODULE))
}

/// Unowned LocalStacks whose working directory lies under `root`; `keep` is never listed.
pub fn find_stale(root: &Path, keep: Option<i32>) -> Vec<Stale> {
    let Ok(root) = root.canonicalize() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found: Vec<Stale> = entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| Some(pid) != keep && pid_alive(pid) && runs_localstack(pid))
        .filter_map(|pid| {
            let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).ok()?;
            if !cwd.starts_with(&root) {
                return None;
            }
            let owned = proc_parent(pid).is_some_and(is_watchdog);
            (!owned).then_some(Stale {
                pid,
                state_dir: cwd,
            })
        })
        .collect();
    found.sort_by_key(|s| s.pid);
    found
}

/// Stops every stale LocalStack under `root` (its whole process group: SIGTERM, SIGKILL after
/// 2 s) and says so on stderr. An error names any that would not stop.
pub fn stop_stale(root: &Path, keep: Option<i32>) -> Result<Vec<Stale>> {
    let stale = find_stale(root, keep);
    for s in &stale {
        eprintln!("harness: stopping {s}, left running by an earlier run that was killed");
        // LocalStack leads its own process group (setpgid or setsid at start).
        if !stop_group(s.pid, Duration::from_secs(2)) {
            return Err(Error::Failed(format!(
                "{s} was left by an earlier run and did not stop; kill it with `kill -9 -- -{}`",
                s.pid
            )));
        }
    }
    Ok(stale)
}

/// The process listening on TCP `port` (IPv4 or IPv6), with its command line, if this user can
/// see it (Linux).
pub fn port_holder(port: u16) -> Option<(i32, String)> {
    let inodes: Vec<String> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .flat_map(|table| listening_inodes(&table, port))
        .collect();
    if inodes.is_empty() {
        return None;
    }
    let wanted: Vec<String> = inodes.iter().map(|i| format!("socket:[{i}]")).collect();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let fds = std::fs::read_dir(entry.path().join("fd")).ok()?;
            fds.flatten()
                .filter_map(|fd| std::fs::read_link(fd.path()).ok())
                .any(|link| wanted.iter().any(|w| link.as_os_str() == w.as_str()))
                .then(|| (pid, cmdline(pid).unwrap_or_default()))
        })
}

/// Socket inodes in a `/proc/net/tcp`-style table that listen on `port`.
fn listening_inodes(table: &str, port: u16) -> Vec<String> {
    const LISTEN: &str = "0A";
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local_port = fields.get(1)?.rsplit_once(':')?.1;
            let listens =
                u16::from_str_radix(local_port, 16).ok()? == port && *fields.get(3)? == LISTEN;
            listens.then(|| fields.get(9).map(|inode| inode.to_string()))?
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn the_port_comes_from_the_state_folder_name() {
        let stale = |dir: &str| Stale {
            pid: 1,
            state_dir: dir.into(),
        };
        assert_eq!(stale("/w/target/localstack/run-45123").port(), Some(45123));
        assert_eq!(
            stale("/w/target/localstack/detached-4566").port(),
            Some(4566)
        );
        assert_eq!(stale("/w/target/localstack/elsewhere").port(), None);
        assert!(stale("/w/target/localstack/run-45123")
            .to_string()
            .contains("(port 45123)"));
    }

    #[test]
    fn listening_sockets_are_found_in_the_tcp_table() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
             0: 0100007F:11D6 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1\n\
             1: 0100007F:11D6 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 778 1\n\
             2: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 779 1\n";
        // 0x11D6 = 4566; the established connection on the same port is not a listener.
        assert_eq!(listening_inodes(table, 4566), vec!["777"]);
        assert!(listening_inodes(table, 4567).is_empty());
    }

    #[test]
    fn the_holder_of_a_port_is_this_process_when_it_listens() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (pid, _) = port_holder(port).expect("our own listener is found");
        assert_eq!(pid, std::process::id() as i32);
        drop(listener);
        assert_eq!(port_holder(port), None);
    }

    /// A stand-in for a LocalStack: its command line names `localstack.runtime.main`, it
    /// leads its own process group and runs in a state folder under `root`.
    fn fake_localstack(state_dir: &Path) -> std::process::Child {
        use std::os::unix::process::CommandExt;
        std::fs::create_dir_all(state_dir).unwrap();
        std::process::Command::new("sh")
            .args(["-c", "sleep 300; :", LOCALSTACK_MAIN])
            .current_dir(state_dir)
            .process_group(0)
            .spawn()
            .unwrap()
    }

    #[test]
    fn an_unowned_localstack_under_the_root_is_found_and_stopped() {
        let root = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let mut ours = fake_localstack(&root.path().join("run-40001"));
        let mut foreign = fake_localstack(&other.path().join("run-40002"));
        let pid = ours.id() as i32;
        assert!(crate::process::wait_until(
            || runs_localstack(pid),
            Duration::from_secs(5)
        ));

        let found = find_stale(root.path(), None);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].pid, pid);
        assert_eq!(found[0].port(), Some(40001));
        assert!(
            find_stale(root.path(), Some(pid)).is_empty(),
            "the recorded detached LocalStack is kept"
        );

        let reaper = std::thread::spawn(move || ours.wait());
        let stopped = stop_stale(root.path(), None).unwrap();
        assert_eq!(stopped, found);
        reaper.join().unwrap().unwrap();
        assert!(!pid_alive(pid));
        assert!(
            pid_alive(foreign.id() as i32),
            "another checkout's LocalStack is never touched"
        );
        foreign.kill().unwrap();
        foreign.wait().unwrap();
    }
}
