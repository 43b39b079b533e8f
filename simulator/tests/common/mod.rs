//! What the e2e tests share: the job's arguments with the defaults of `cargo xtask e2e`, and a
//! run on a LocalStack of its own that returns the outcome and the JSON report.

use simulator::e2e::E2eArgs;

/// `cargo xtask e2e --records N --seed S`'s arguments; a test sets what it varies.
pub fn args(records: u64, seed: u64) -> E2eArgs {
    E2eArgs {
        records,
        seed,
        services: Vec::new(),
        faults: false,
        bad_data: false,
        delete_on_receive: false,
        kill_connector: 0,
        fan_out: Default::default(),
        accounts: None,
        report: None,
        junit: None,
        endpoint: None,
        templates: None,
    }
}

/// Runs the job on a LocalStack started for it (its endpoint and a report file filled in):
/// whether it passed, and its report.
pub fn run(mut args: E2eArgs) -> (bool, serde_json::Value) {
    let ls = harness::LocalStack::start(harness::LocalStackConfig::default())
        .unwrap_or_else(|e| panic!("LocalStack did not start: {e}"));
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    args.report = Some(report.clone());
    args.endpoint = Some(ls.endpoint().to_string());
    let ok = simulator::e2e::run(&args).expect("the e2e job runs to its report");
    ls.stop().unwrap();
    let r = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    (ok, r)
}
