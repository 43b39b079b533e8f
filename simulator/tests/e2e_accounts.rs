//! `e2e --accounts` on real LocalStack: four member accounts' VPC flow logs, GuardDuty exports
//! and organization-trail files in one log archive, consumed through the log-archive stack.
//! Every record arrives once, each row carries its member's account ID, the report counts each
//! account, the archive's bucket and key policies were read back and evaluated, and the fourth
//! account joined through a StackSet of the member stack. A second run does the same for three
//! accounts through S3 -> SNS -> queues (`--fan-out sns`) with a second consumer's queue on each
//! topic, and both runs inject the ingestion endpoint's faults (`--faults`).

mod common;

use simulator::e2e::E2eArgs;

/// A service of the report: every record of `accounts` distinct member accounts, `records`
/// each, arrived once, and each account's rows carry its ID.
fn whole_by_account(s: &serde_json::Value, accounts: u64, records: u64) {
    assert_eq!(
        (&s["records_generated"], &s["missing"], &s["duplicated"]),
        (&(accounts * records).into(), &0.into(), &0.into()),
        "{s:#}"
    );
    let rows = s["accounts"].as_array().unwrap();
    let ids: std::collections::BTreeSet<&str> = rows
        .iter()
        .map(|a| a["account"].as_str().unwrap())
        .collect();
    assert_eq!(
        (rows.len(), ids.len()),
        (accounts as usize, accounts as usize),
        "{rows:?}"
    );
    for a in rows {
        assert_eq!(
            (&a["generated"], &a["ingested"]),
            (&records.into(), &records.into()),
            "{a}"
        );
    }
}

#[test]
fn an_organization_of_four_accounts_arrives_whole_and_by_account() {
    let (ok, r) = common::run(E2eArgs {
        faults: true,
        accounts: Some(4),
        ..common::args(150, 43)
    });
    assert!(ok, "{:#}", r["services"]);
    assert_eq!(r["accounts"], 4);
    let services = r["services"].as_array().unwrap();
    let names: Vec<&str> = services
        .iter()
        .map(|s| s["service"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    for s in services {
        whole_by_account(s, 4, 150);
    }
    // The members' writes were evaluated against the archive's bucket policy (and the GuardDuty
    // exports against its key policy), and Sentinel's reads against the stack's role.
    let access = &r["access"];
    assert_eq!(access["denied"], 0, "{access:#}");
    let by_action = serde_json::to_string(&access["by_action"]).unwrap();
    for action in [
        "s3:PutObject",
        "s3:GetObject",
        "kms:GenerateDataKey",
        "kms:Decrypt",
    ] {
        assert!(
            by_action.contains(action),
            "{action} not evaluated: {by_action}"
        );
    }
    // The last member joined through a StackSet of the member stack: its instance, read in
    // its account, flow-logs its VPC into the archive's flow-log folder.
    let joined = &r["stack_set_member"];
    assert_eq!(joined["account"], "210000000004", "{joined:#}");
    assert!(
        joined["vpc_id"].as_str().unwrap().starts_with("vpc-"),
        "{joined:#}"
    );
    assert_eq!(
        joined["log_destination"], "arn:aws:s3:::sentinel-e2e-log-archive-43/vpcflowlogs",
        "{joined:#}"
    );
    let findings = r["doctor"]["findings"].as_array().unwrap();
    assert!(
        findings.iter().all(|f| f["severity"] != "error"),
        "{findings:#?}"
    );
    // The archive is read by the doctor too: its notifications to each queue, the role's reads.
    for check in ["notification", "role-read"] {
        assert!(
            findings
                .iter()
                .filter(|f| f["check"] == check && f["severity"] == "ok")
                .count()
                >= 3,
            "{check}: {findings:#?}"
        );
    }
    // The stack creates no key: the archive key the GuardDuty exports are encrypted with is
    // found on the objects, and its policy (with the owner's statement added) lets the role
    // decrypt.
    assert!(
        findings
            .iter()
            .any(|f| f["check"] == "role-decrypt" && f["severity"] == "ok"),
        "{findings:#?}"
    );
}

#[test]
fn an_organization_fanned_out_through_sns_reaches_sentinel_and_a_second_consumer() {
    let (ok, r) = common::run(E2eArgs {
        faults: true,
        fan_out: simulator::e2e::fan_out::FanOut::Sns,
        accounts: Some(3),
        ..common::args(120, 44)
    });
    assert!(ok, "{:#}", r["services"]);
    assert_eq!((&r["accounts"], &r["fan_out"]), (&3.into(), &"sns".into()));
    let services = r["services"].as_array().unwrap();
    assert_eq!(services.len(), 3, "{services:#?}");
    for s in services {
        whole_by_account(s, 3, 120);
        // Every object the members wrote reached the second consumer's queue too, and no other object did.
        let second = &s["second_consumer"];
        assert!(second["expected"].as_u64().unwrap() > 0, "{s:#}");
        assert_eq!(second["received"], second["expected"], "{s:#}");
        assert_eq!(
            (&second["missing"], &second["unexpected"]),
            (&0.into(), &0.into()),
            "{s:#}"
        );
    }
    let access = &r["access"];
    assert_eq!(access["denied"], 0, "{access:#}");
    assert!(
        access["by_action"]["sns:Publish"].as_u64().unwrap() > 0,
        "{access:#}"
    );
    let findings = r["doctor"]["findings"].as_array().unwrap();
    assert!(
        findings.iter().all(|f| f["severity"] != "error"),
        "{findings:#?}"
    );
}
