//! `e2e --fan-out sns` on real LocalStack: the connector stacks deployed with `FanOut=sns`, a
//! second consumer's queue subscribed to each data type's topic, the logs delivered and the
//! connector run on Sentinel's queues while the ingestion endpoint injects faults (`--faults`).
//! Every record arrives once, every object's notification reaches the second consumer too, and
//! the access proof evaluates S3 publishing to each topic and SNS delivering to both queues, none
//! refused.

use simulator::e2e::fan_out::FanOut;
use simulator::e2e::E2eArgs;
use simulator::DataType;

#[test]
fn a_shared_bucket_feeds_sentinel_and_a_second_consumer_alike() {
    let ls = harness::LocalStack::start(harness::LocalStackConfig::default())
        .unwrap_or_else(|e| panic!("LocalStack did not start: {e}"));
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let args = E2eArgs {
        records: 300,
        seed: 43,
        services: vec![vec![DataType::CloudTrail, DataType::GuardDuty]],
        faults: true,
        bad_data: false,
        delete_on_receive: false,
        kill_connector: 0,
        fan_out: FanOut::Sns,
        accounts: None,
        report: Some(report.clone()),
        junit: None,
        endpoint: Some(ls.endpoint().to_string()),
        templates: None,
    };
    let ok = simulator::e2e::run(&args).expect("the e2e job runs to its report");
    ls.stop().unwrap();
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(ok, "{:#}", r["services"]);
    assert_eq!(r["fan_out"], "sns");
    for s in r["services"].as_array().unwrap() {
        let second = &s["second_consumer"];
        assert!(second["expected"].as_u64().unwrap() > 0, "{s:#}");
        assert_eq!(second["received"], second["expected"], "{s:#}");
        assert_eq!(
            (&second["missing"], &second["unexpected"]),
            (&0.into(), &0.into())
        );
        assert_eq!(
            (&s["missing"], &s["duplicated"]),
            (&0.into(), &0.into()),
            "{s:#}"
        );
    }
    let by_action = &r["access"]["by_action"];
    assert!(
        by_action["sns:Publish"].as_u64().unwrap() > 0,
        "{by_action}"
    );
    assert_eq!(r["access"]["denied"], 0);
}
