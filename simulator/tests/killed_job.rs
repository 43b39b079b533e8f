//! A killed job leaves nothing behind: `simulator e2e` SIGKILLed (as a CI time-out or the
//! out-of-memory killer does) after its Lambda ran, and within seconds no process it started is
//! left, its port is free, and the next LocalStack starts on that port.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// pid -> (parent pid, state, command line) of every process.
fn processes() -> BTreeMap<i32, (i32, char, String)> {
    let mut table = BTreeMap::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let cmdline = std::fs::read(entry.path().join("cmdline"))
            .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
            .unwrap_or_default();
        let state = fields[0].chars().next().unwrap_or('?');
        table.insert(pid, (fields[1].parse().unwrap_or(0), state, cmdline));
    }
    table
}

/// Live descendants of `root`, with their command lines.
fn descendants(root: i32) -> BTreeMap<i32, String> {
    let table = processes();
    let mut found = BTreeMap::new();
    let mut todo = vec![root];
    while let Some(parent) = todo.pop() {
        for (pid, (ppid, state, cmd)) in &table {
            if *ppid == parent && !matches!(state, 'Z' | 'X') && !found.contains_key(pid) {
                found.insert(*pid, cmd.clone());
                todo.push(*pid);
            }
        }
    }
    found
}

fn alive(pid: i32) -> bool {
    processes()
        .get(&pid)
        .is_some_and(|(_, state, _)| !matches!(state, 'Z' | 'X'))
}

fn wait_until(deadline: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    done()
}

#[test]
fn a_sigkilled_e2e_leaves_no_process_and_the_next_run_starts_cleanly() {
    let report = tempfile::NamedTempFile::new().unwrap();
    let mut e2e = Command::new(env!("CARGO_BIN_EXE_simulator"))
        .args([
            "e2e",
            "--services",
            "eks",
            "--records",
            "200",
            "--seed",
            "1818",
            "--report",
        ])
        .arg(report.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = e2e.id() as i32;
    let output = Arc::new(Mutex::new(String::new()));
    let reader = {
        let output = Arc::clone(&output);
        let stderr = e2e.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut text = output.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        })
    };

    // Wait until a Lambda worker runs: LocalStack's shutdown is known to hang after that.
    let mut tree = BTreeMap::new();
    let lambda_ran = wait_until(Duration::from_secs(300), || {
        tree = descendants(pid);
        tree.values().any(|cmd| cmd.contains("bootstrap.py")) || !alive(pid)
    });
    let text = || output.lock().unwrap().clone();
    assert!(
        lambda_ran && alive(pid),
        "e2e ended or ran no Lambda within 300 s:\n{}",
        text()
    );
    let tree = descendants(pid);
    assert!(
        tree.values().any(|c| c.contains("localstack.runtime.main")),
        "{tree:?}"
    );
    let port: u16 = text()
        .lines()
        .find_map(|l| l.split("LocalStack ready at http://127.0.0.1:").nth(1))
        .and_then(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no 'LocalStack ready' line:\n{}", text()));

    e2e.kill().unwrap(); // SIGKILL: no handler, no Drop, no unwinding
    e2e.wait().unwrap();
    let killed = Instant::now();
    let gone = wait_until(Duration::from_secs(15), || tree.keys().all(|p| !alive(*p)));
    eprintln!(
        "{} processes of the killed e2e ({} Lambda workers) gone {:.1} s after the SIGKILL",
        tree.len(),
        tree.values().filter(|c| c.contains("bootstrap.py")).count(),
        killed.elapsed().as_secs_f64()
    );
    let left: BTreeSet<String> = tree
        .iter()
        .filter(|(p, _)| alive(**p))
        .map(|(p, c)| format!("{p}: {c}"))
        .collect();
    assert!(
        gone,
        "processes of the killed e2e still run after 15 s: {left:#?}"
    );
    reader.join().unwrap();
    assert!(
        std::net::TcpListener::bind(("127.0.0.1", port)).is_ok(),
        "port {port} is still taken"
    );

    let next = harness::LocalStack::start(harness::LocalStackConfig {
        port: Some(port),
        mode: harness::ModeChoice::Host,
        ..Default::default()
    })
    .expect("the next run starts on the killed run's port");
    next.stop().unwrap();
}
