//! `e2e --kill-connector` on real LocalStack: GuardDuty and CloudTrail logs delivered while
//! `simulator consume` processes are killed with SIGKILL twice in the middle of their work,
//! then the run's connector drains. Every record arrives (none missing), the duplicates stay
//! within what the killed consumers held, and the report gives each kill.

mod common;

use simulator::e2e::E2eArgs;
use simulator::DataType;

#[test]
fn a_run_whose_connector_is_killed_twice_loses_nothing() {
    let (ok, r) = common::run(E2eArgs {
        services: vec![vec![DataType::GuardDuty, DataType::CloudTrail]],
        kill_connector: 2,
        ..common::args(800, 41)
    });
    assert!(ok, "{:#}", r["services"]);
    assert_eq!(r["kill_connector"], 2);
    let kills = r["kills"].as_array().unwrap();
    assert_eq!(kills.len(), 2, "{kills:?}");
    let rows: Vec<u64> = kills
        .iter()
        .map(|k| k["rows_accepted"].as_u64().unwrap())
        .collect();
    assert!(rows[0] >= 100 && rows[1] >= rows[0] + 100, "{rows:?}");
    for s in r["services"].as_array().unwrap() {
        assert_eq!(s["missing"], 0, "{s:#}");
        assert_eq!(s["records_generated"], 800, "{s:#}");
        assert!(
            s["duplicated"].as_u64().unwrap() <= s["duplicates_allowed"].as_u64().unwrap(),
            "{s:#}"
        );
        eprintln!(
            "{}: {} duplicated, {} allowed",
            s["service"], s["duplicated"], s["duplicates_allowed"]
        );
    }
}
