//! Really starts LocalStack in host mode (builds `target/venvs/localstack` on first use).

use std::path::Path;

use harness::{LocalStack, LocalStackConfig, Mode};

mod common;
use common::{group_alive, host};

#[test]
fn starts_answers_health_and_stops_completely() {
    let localstack = LocalStack::start(host()).expect("LocalStack starts in host mode");
    assert_eq!(localstack.mode(), Mode::Host);
    assert!(localstack.endpoint().starts_with("http://127.0.0.1:"));
    let health = localstack.health().expect("health answers");
    assert_eq!(health["services"]["lambda"], "available");
    assert!(
        harness::localstack::missing_services(&health).is_empty(),
        "{health}"
    );
    let log = localstack.log_path().unwrap().to_path_buf();
    let pgid = localstack.pid().unwrap();
    assert!(group_alive(pgid));
    eprintln!(
        "venv install: {:?}, start-up: {:.1} s",
        localstack.timings().venv_install,
        localstack.timings().startup.as_secs_f64()
    );

    localstack.stop().expect("stops");
    assert!(
        !group_alive(pgid),
        "process group {pgid} still has live processes"
    );
    assert!(Path::new(&log).is_file(), "the log is kept");
    let state_dir = Path::new(&log).parent().unwrap();
    assert!(
        !state_dir.join("volume").exists(),
        "LocalStack's data is removed"
    );
}

#[test]
fn a_panicking_test_does_not_leave_localstack_running() {
    let (sender, receiver) = std::sync::mpsc::channel();
    let outcome = std::thread::spawn(move || {
        let localstack = LocalStack::start(host()).expect("LocalStack starts");
        sender.send(localstack.pid().unwrap()).unwrap();
        panic!("a test failing while LocalStack runs");
    })
    .join();
    assert!(outcome.is_err(), "the thread panicked");
    let pgid = receiver.recv().unwrap();
    assert!(
        !group_alive(pgid),
        "process group {pgid} survived the panic"
    );
}

#[test]
fn a_taken_port_is_reported_before_starting() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let error = LocalStack::start(LocalStackConfig {
        port: Some(port),
        ..host()
    })
    .unwrap_err()
    .to_string();
    assert!(
        error.contains(&format!("port {port} is not free")),
        "{error}"
    );
    assert!(
        error.contains(&format!("pid {} holds it", std::process::id())),
        "the error names the process that holds the port: {error}"
    );
}

#[test]
fn a_failed_start_shows_the_log_tail() {
    let error = LocalStack::start(LocalStackConfig {
        env: vec![("GATEWAY_LISTEN".into(), "not-an-address:port".into())],
        ..host()
    })
    .unwrap_err()
    .to_string();
    assert!(error.contains("the process exited"), "{error}");
    assert!(error.contains("--- last lines ---"), "{error}");
    assert!(error.contains("localstack.log"), "{error}");
}

#[test]
fn a_foreign_state_dir_is_never_emptied() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("precious.txt"), "keep me").unwrap();
    let error = LocalStack::start(LocalStackConfig {
        state_dir: Some(dir.path().to_path_buf()),
        ..host()
    })
    .unwrap_err()
    .to_string();
    assert!(error.contains("is no LocalStack state folder"), "{error}");
    assert!(dir.path().join("precious.txt").is_file());
}
