//! `--junit FILE`: the checks as JUnit XML, which CI systems display: one test suite per
//! service, one test case per check of it (`VPC: missing`, `VPC: duplicated`, `VPC: values`,
//! `VPC: DLQ`, `VPC: queue drained`), a failure with its message where a check failed.

use super::check::ServiceCheck;
use crate::access::AccessReport;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

/// The checks of one service: `(name, failure message or None)`.
pub fn checks(c: &ServiceCheck) -> Vec<(&'static str, Option<String>)> {
    let examples = |prefix: &str| {
        c.examples
            .iter()
            .filter(|e| e.starts_with(prefix))
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    };
    let missing = if c.records_generated == 0 {
        Some("no records were generated".to_string())
    } else if c.missing > 0 {
        Some(format!(
            "{} of {} expected rows were not ingested\n{}",
            c.missing,
            c.records_generated,
            examples("missing")
        ))
    } else {
        None
    };
    let duplicated = (c.duplicated > c.duplicates_allowed).then(|| {
        format!(
            "{} rows were ingested more than once{}\n{}",
            c.duplicated,
            match c.duplicates_allowed {
                0 => String::new(),
                n => format!(", more than the {n} the killed connectors may cause"),
            },
            examples("duplicated")
        )
    });
    let values = (c.unexpected > 0).then(|| {
        format!(
            "{} ingested rows equal no expected row (a column or TimeGenerated differs, or nobody wrote the record)\n{}",
            c.unexpected,
            examples("unexpected")
        )
    });
    let dlq = (c.dlq_actual != c.dlq_expected).then(|| {
        format!(
            "the dead-letter queue holds {:?}, expected {:?}",
            c.dlq_actual, c.dlq_expected
        )
    });
    let drained =
        (c.left_in_queue > 0).then(|| format!("{} messages left in the queue", c.left_in_queue));
    let mut out = vec![
        ("missing", missing),
        ("duplicated", duplicated),
        ("values", values),
        ("DLQ", dlq),
        ("queue drained", drained),
    ];
    if let Some(s) = &c.second_consumer {
        out.push((
            "second consumer",
            (!s.ok()).then(|| {
                format!(
                    "the second consumer on {} received {} of {} objects' notifications ({} missing, {} unexpected)",
                    s.topic_arn, s.received, s.expected, s.missing, s.unexpected
                )
            }),
        ));
    }
    out
}

/// The access proof's checks: `evaluated` (something was evaluated) and `denied` (nothing
/// was refused, no route failed to start), each `(name, failure message or None)`.
pub fn access_checks(a: &AccessReport) -> Vec<(&'static str, Option<String>)> {
    let evaluated = (a.evaluated == 0)
        .then(|| "no request was evaluated against the deployed policies".to_string());
    let mut lines: Vec<String> = a.failed_routes.clone();
    lines.extend(
        a.denials
            .iter()
            .map(|d| format!("{}: {}", d.during, d.message())),
    );
    let denied = (a.denied > 0 || !a.failed_routes.is_empty()).then(|| {
        format!(
            "{} of {} requests denied\n{}",
            a.denied,
            a.evaluated,
            lines.join("\n")
        )
    });
    vec![("evaluated", evaluated), ("denied", denied)]
}

fn case(name: String, classname: &str, failure: Option<String>) -> TestCase {
    let status = match failure {
        None => TestCaseStatus::success(),
        Some(message) => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let first = message.lines().next().unwrap_or_default().to_string();
            s.set_message(first);
            s.set_description(message);
            s
        }
    };
    let mut case = TestCase::new(name, status);
    case.set_classname(classname.to_string());
    case
}

/// The JUnit XML of a run's checks, and an `e2e access` suite for the access proof.
pub fn junit_xml(checks_of: &[ServiceCheck], access: &AccessReport) -> anyhow::Result<String> {
    let mut report = Report::new("e2e");
    for c in checks_of {
        let mut suite = TestSuite::new(format!("e2e {}", c.service));
        suite.set_time(Duration::from_secs_f64(c.seconds.max(0.0)));
        for (check, failure) in checks(c) {
            let classname = format!("e2e.{}", c.table);
            suite.add_test_case(case(format!("{}: {check}", c.service), &classname, failure));
        }
        report.add_test_suite(suite);
    }
    let mut suite = TestSuite::new("e2e access");
    for (check, failure) in access_checks(access) {
        suite.add_test_case(case(format!("access: {check}"), "e2e.access", failure));
    }
    report.add_test_suite(suite);
    Ok(report.to_string()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passing(service: &str) -> ServiceCheck {
        ServiceCheck {
            service: service.into(),
            table: "AWSVPCFlow".into(),
            records_generated: 10,
            ingested: 10,
            seconds: 2.5,
            ..Default::default()
        }
    }

    #[test]
    fn one_case_per_service_and_check_with_failures_and_messages() {
        let mut bad = passing("GuardDuty");
        bad.missing = 2;
        bad.unexpected = 1;
        bad.examples = vec!["missing: {\"a\":1}".into(), "unexpected: {\"a\":2}".into()];
        bad.dlq_expected = vec!["x.gz".into()];
        let clean = AccessReport {
            evaluated: 5,
            ..Default::default()
        };
        let xml = junit_xml(&[passing("VPC"), bad], &clean).unwrap();
        assert_eq!(xml.matches("<testcase ").count(), 12, "{xml}");
        assert_eq!(xml.matches("<testsuite ").count(), 3, "{xml}");
        assert!(xml.contains("name=\"access: denied\""), "{xml}");
        for name in [
            "VPC: missing",
            "VPC: duplicated",
            "VPC: values",
            "VPC: DLQ",
            "VPC: queue drained",
            "GuardDuty: missing",
        ] {
            assert!(xml.contains(&format!("name=\"{name}\"")), "{name}: {xml}");
        }
        // Three failures, all in the GuardDuty suite, with their messages.
        assert_eq!(xml.matches("<failure ").count(), 3, "{xml}");
        assert!(
            xml.contains("2 of 10 expected rows were not ingested"),
            "{xml}"
        );
        assert!(
            xml.contains("1 ingested rows equal no expected row"),
            "{xml}"
        );
        assert!(xml.contains("the dead-letter queue holds []"), "{xml}");
        // Examples are escaped into the failure's text.
        assert!(xml.contains("missing: {&quot;a&quot;:1}") || xml.contains("missing: {\"a\":1}"));
        assert!(xml.contains("failures=\"3\""), "{xml}");
        assert!(xml.starts_with("<?xml"), "{xml}");
    }

    #[test]
    fn a_denial_fails_the_access_case_with_its_message_and_nothing_evaluated_fails_too() {
        let denial = crate::access::Denial {
            during: "connector route vpc".into(),
            caller: "arn:aws:sts::000000000000:assumed-role/r/s".into(),
            action: "sqs:DeleteMessage".into(),
            resource: "arn:aws:sqs:us-east-1:000000000000:q".into(),
            reason: "implicit_deny".into(),
            needed: vec!["an identity policy of role r".into()],
            statements: vec![],
            role_policies: vec![],
            context: Default::default(),
            enforced: "simulator".into(),
        };
        let a = AccessReport {
            evaluated: 9,
            denied: 1,
            denials: vec![denial],
            ..Default::default()
        };
        let failed: Vec<_> = access_checks(&a)
            .into_iter()
            .filter_map(|(n, f)| f.map(|m| (n, m)))
            .collect();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].0, "denied");
        for part in [
            "sqs:DeleteMessage",
            "arn:aws:sqs:us-east-1:000000000000:q",
            "an identity policy of role r",
        ] {
            assert!(failed[0].1.contains(part), "{part}: {}", failed[0].1);
        }
        let none = access_checks(&AccessReport::default());
        assert!(none[0].1.is_some() && none[1].1.is_none(), "{none:?}");
    }

    #[test]
    fn no_records_fails_the_missing_check() {
        let mut c = passing("EKS");
        c.records_generated = 0;
        let failed: Vec<_> = checks(&c)
            .into_iter()
            .filter_map(|(n, f)| f.map(|m| (n, m)))
            .collect();
        assert_eq!(
            failed,
            vec![("missing", "no records were generated".to_string())]
        );
        assert!(checks(&passing("EKS")).iter().all(|(_, f)| f.is_none()));
    }
}
