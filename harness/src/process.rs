//! Process groups: start, stop exactly what was started, and clean up on Ctrl-C.
//!
//! An attached LocalStack runs under its watchdog (see `sentinel_localstack.watchdog`): the
//! watchdog ends LocalStack's whole tree when this process dies, however it dies. On Ctrl-C the
//! handler asks each watchdog to do so now (SIGTERM) and waits for it.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

/// LocalStacks started attached (by [`crate::LocalStack::start`]) and not yet stopped, as
/// (watchdog pid, LocalStack's process group); the Ctrl-C handler stops them.
static ATTACHED: Mutex<BTreeSet<(i32, i32)>> = Mutex::new(BTreeSet::new());
/// Containers started in Docker mode and not yet removed.
static CONTAINERS: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
static CTRL_C: Once = Once::new();

fn install_ctrl_c_handler() {
    CTRL_C.call_once(|| {
        // Another handler may already be installed (e.g. by the caller): then that one owns
        // Ctrl-C, and Drop plus PR_SET_PDEATHSIG still stop LocalStack.
        let _ = ctrlc::set_handler(|| {
            let attached: Vec<(i32, i32)> = ATTACHED
                .lock()
                .map(|g| g.iter().copied().collect())
                .unwrap_or_default();
            for (watchdog, pgid) in attached {
                eprintln!("harness: Ctrl-C, stopping LocalStack (process group {pgid})");
                stop_supervised(watchdog, pgid, WATCHDOG_DEADLINE);
            }
            let containers: Vec<String> = CONTAINERS
                .lock()
                .map(|c| c.iter().cloned().collect())
                .unwrap_or_default();
            for id in containers {
                eprintln!("harness: Ctrl-C, removing LocalStack container {id}");
                let _ = std::process::Command::new("docker")
                    .args(["rm", "--force", &id])
                    .output();
            }
            std::process::exit(130);
        });
    });
}

pub(crate) fn register(watchdog: i32, pgid: i32) {
    install_ctrl_c_handler();
    if let Ok(mut attached) = ATTACHED.lock() {
        attached.insert((watchdog, pgid));
    }
}

#[cfg_attr(not(feature = "docker"), allow(dead_code))]
pub(crate) fn register_container(id: &str) {
    install_ctrl_c_handler();
    if let Ok(mut containers) = CONTAINERS.lock() {
        containers.insert(id.to_string());
    }
}

#[cfg_attr(not(feature = "docker"), allow(dead_code))]
pub(crate) fn unregister_container(id: &str) {
    if let Ok(mut containers) = CONTAINERS.lock() {
        containers.remove(id);
    }
}

pub(crate) fn unregister(watchdog: i32, pgid: i32) {
    if let Ok(mut attached) = ATTACHED.lock() {
        attached.remove(&(watchdog, pgid));
    }
}

/// How long a watchdog may take to end its tree (its SIGTERM grace is 3 s) before the harness
/// kills the group itself.
pub(crate) const WATCHDOG_DEADLINE: Duration = Duration::from_secs(15);

/// SIGTERM to the watchdog, which stops the group and exits; if it has not within `deadline`,
/// SIGKILL to both. Returns true if the group is gone. (The watchdog's exit status is left for
/// its owner to reap: a zombie does not count as alive.)
pub(crate) fn stop_supervised(watchdog: i32, pgid: i32, deadline: Duration) -> bool {
    if watchdog > 1 {
        // SAFETY: plain kill(2) on the watchdog we started.
        unsafe { libc::kill(watchdog, libc::SIGTERM) };
    }
    if !wait_until(|| !pid_alive(watchdog), deadline) && watchdog > 1 {
        // SAFETY: as above.
        unsafe { libc::kill(watchdog, libc::SIGKILL) };
    }
    !group_alive(pgid) || stop_group(pgid, Duration::from_secs(1))
}

/// SIGTERM to the group, SIGKILL after `grace`, then waits until no live process is left in it.
/// Returns true if the group is gone.
pub(crate) fn stop_group(pgid: i32, grace: Duration) -> bool {
    signal_group(pgid, libc::SIGTERM);
    if wait_until(|| !group_alive(pgid), grace) {
        return true;
    }
    signal_group(pgid, libc::SIGKILL);
    wait_until(|| !group_alive(pgid), Duration::from_secs(10))
}

pub(crate) fn signal_group(pgid: i32, signal: i32) {
    if pgid > 1 {
        // SAFETY: plain kill(2) on a process group we started.
        unsafe { libc::kill(-pgid, signal) };
    }
}

/// Polls `done` every 50 ms until it holds or `deadline` passes.
pub(crate) fn wait_until(mut done: impl FnMut() -> bool, deadline: Duration) -> bool {
    let start = Instant::now();
    loop {
        if done() {
            return true;
        }
        if start.elapsed() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether any process of the group is alive (zombies do not count).
pub(crate) fn group_alive(pgid: i32) -> bool {
    if Path::new("/proc/self/stat").exists() {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return false;
        };
        entries.flatten().any(|entry| {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(|n| n.parse::<i32>().ok()) else {
                return false;
            };
            matches!(proc_stat(pid), Some((state, group)) if group == pgid && state != 'Z' && state != 'X')
        })
    } else {
        // SAFETY: signal 0 only checks for existence.
        unsafe { libc::kill(-pgid, 0) == 0 }
    }
}

/// Whether the process is alive (zombies do not count).
pub(crate) fn pid_alive(pid: i32) -> bool {
    if Path::new("/proc/self/stat").exists() {
        matches!(proc_stat(pid), Some((state, _)) if state != 'Z' && state != 'X')
    } else {
        // SAFETY: signal 0 only checks for existence.
        unsafe { libc::kill(pid, 0) == 0 }
    }
}

/// (state, process group) from /proc/<pid>/stat.
fn proc_stat(pid: i32) -> Option<(char, i32)> {
    proc_stat_fields(pid).map(|(state, _, pgrp)| (state, pgrp))
}

/// The parent pid, from /proc/<pid>/stat.
pub(crate) fn proc_parent(pid: i32) -> Option<i32> {
    proc_stat_fields(pid).map(|(_, ppid, _)| ppid)
}

/// (state, parent pid, process group) from /proc/<pid>/stat.
fn proc_stat_fields(pid: i32) -> Option<(char, i32, i32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may contain spaces: parse after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, ppid, pgrp))
}

/// The process's command line, if it can be read (Linux).
pub(crate) fn cmdline(pid: i32) -> Option<String> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(
        String::from_utf8_lossy(&raw)
            .replace('\0', " ")
            .trim()
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    #[test]
    fn stop_group_ends_the_whole_group() {
        // A shell that starts a grandchild in the same group, then both sleep.
        let mut child = Command::new("sh")
            .args(["-c", "sleep 300 & sleep 300"])
            .process_group(0)
            .spawn()
            .unwrap();
        let pgid = child.id() as i32;
        assert!(wait_until(|| group_alive(pgid), Duration::from_secs(5)));
        let reaper = std::thread::spawn(move || child.wait());
        assert!(stop_group(pgid, Duration::from_secs(5)));
        assert!(!group_alive(pgid));
        reaper.join().unwrap().unwrap();
    }

    #[test]
    fn own_process_is_alive_and_has_a_cmdline() {
        let me = std::process::id() as i32;
        assert!(pid_alive(me));
        assert!(cmdline(me).is_some_and(|c| !c.is_empty()));
    }
}
