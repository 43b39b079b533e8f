//! `e2e --fan-out sns` on real LocalStack: the connector stacks deployed with `FanOut=sns`, a
//! second consumer's queue subscribed to each data type's topic, the logs delivered and the
//! connector run on Sentinel's queues while the ingestion endpoint injects faults (`--faults`).
//! Every record arrives once, every object's notification reaches the second consumer too, and
//! the access proof evaluates S3 publishing to each topic and SNS delivering to both queues, none
//! refused.

mod common;

use simulator::e2e::fan_out::FanOut;
use simulator::e2e::E2eArgs;
use simulator::DataType;

#[test]
fn a_shared_bucket_feeds_sentinel_and_a_second_consumer_alike() {
    let (ok, r) = common::run(E2eArgs {
        services: vec![vec![DataType::CloudTrail, DataType::GuardDuty]],
        faults: true,
        fan_out: FanOut::Sns,
        ..common::args(300, 43)
    });
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
