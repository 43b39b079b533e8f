//! A LocalStack that a killed run left behind is stopped by the next start. In a test binary
//! of its own: every host-mode start sweeps such processes, so a start in a parallel test would
//! stop the stand-in below before this test looks at it.

use harness::{LocalStack, LocalStackConfig};

mod common;
use common::{group_alive, host};

#[test]
fn a_localstack_left_by_a_killed_run_is_stopped_before_the_next_start() {
    use std::os::unix::process::CommandExt;
    // What a killed run without a watchdog left: a process that runs `localstack.runtime.main`
    // in a state folder of this checkout, holds the port the next run wants, and ignores SIGTERM.
    let port = harness::localstack::free_port().unwrap();
    let state_dir = harness::project_target_dir()
        .join("localstack")
        .join(format!("left-{port}"));
    std::fs::create_dir_all(&state_dir).unwrap();
    let script = format!(
        "import signal, socket, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); \
         s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); \
         s.bind(('127.0.0.1', {port})); s.listen(); print('ready', flush=True); time.sleep(300)"
    );
    let mut left = std::process::Command::new("python3")
        .args(["-c", &script, "localstack.runtime.main"])
        .current_dir(&state_dir)
        .stdout(std::process::Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap();
    let mut ready = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(left.stdout.take().unwrap()),
        &mut ready,
    )
    .unwrap();
    assert_eq!(ready.trim(), "ready");
    let stale_pid = left.id() as i32;
    let reaper = std::thread::spawn(move || left.wait());

    let localstack = LocalStack::start(LocalStackConfig {
        port: Some(port),
        ..host()
    })
    .expect("the stale process is stopped and LocalStack starts on its port");
    assert!(localstack.endpoint().ends_with(&format!(":{port}")));
    reaper.join().unwrap().unwrap();
    assert!(!group_alive(stale_pid), "the stale process is gone");
    localstack.stop().unwrap();
    let _ = std::fs::remove_dir_all(&state_dir);
}
