//! The end-to-end check: what was ingested against what the manifests say must be.
//!
//! Rows are compared whole (every mapped column, `TimeGenerated` included) as multisets of
//! their canonical JSON, in the check's SQLite database ([`super::checkdb`]): a row ingested
//! twice is a duplicate, an expected row never ingested is missing, a row nobody expected is
//! unexpected. Objects whose `records` were not listed (the streaming "large" object) are
//! checked by count. The one exception: an expected row whose `TimeGenerated` is
//! [`ARRIVAL_TIME`] (an AWSVPCFlow record of a format without `start`, which the table times
//! by its arrival) is compared on every column but `TimeGenerated`.

use super::checkdb::{CheckDb, Comparison};
use super::timing::{seconds_between, Latency};
use crate::synth::manifest::{Content, ObjectEntry};
use crate::tables::{format_datetime_ms, Table, TableRow, ARRIVAL_TIME};
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeSet;

/// The outcome for one service.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServiceCheck {
    pub service: String,
    pub table: String,
    pub objects: u64,
    pub records_generated: u64,
    pub ingested: u64,
    pub missing: u64,
    pub duplicated: u64,
    /// Duplicates the run allows: with `--kill-connector`, the messages its queue held at the
    /// kills times the most rows one of its objects has; else 0.
    pub duplicates_allowed: u64,
    pub unexpected: u64,
    pub malformed: u64,
    /// This service's own time: from its first object written to its last row accepted.
    pub seconds: f64,
    /// `ingested` / `seconds`.
    pub records_per_second: f64,
    /// `objects` / `seconds`.
    pub objects_per_second: f64,
    /// When its first object was written and its last row accepted (canonical datetimes).
    pub first_written_at: Option<String>,
    pub last_accepted_at: Option<String>,
    /// From an object written to its last row accepted.
    pub latency: Latency,
    /// Keys of the objects that must end in the dead-letter queue, and those that did.
    pub dlq_expected: Vec<String>,
    pub dlq_actual: Vec<String>,
    /// Messages still in the queue (visible or in flight) after the run.
    pub left_in_queue: u64,
    /// A few examples of what went wrong, for the report.
    pub examples: Vec<String>,
    /// Services LocalStack only mocks: the simulator delivered in their place.
    pub delivered_by_simulator: bool,
    /// With `--fan-out sns`: what the second consumer on the service's topic received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub second_consumer: Option<super::fan_out::SecondConsumerCheck>,
    /// With `--accounts`: each member account's records, generated and stored with its ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Vec<super::accounts::AccountCount>>,
}

impl ServiceCheck {
    pub fn ok(&self) -> bool {
        self.missing == 0
            && self.duplicated <= self.duplicates_allowed
            && self.unexpected == 0
            && self.left_in_queue == 0
            && self.dlq_expected == self.dlq_actual
            && self.records_generated > 0
            && self.second_consumer.as_ref().is_none_or(|s| s.ok())
            && self
                .accounts
                .as_ref()
                .is_none_or(|a| a.iter().all(super::accounts::AccountCount::ok))
    }
}

/// What one table must hold, counted; the rows themselves go to the [`CheckDb`].
#[derive(Debug, Default)]
pub struct Expected {
    pub objects: u64,
    pub records: u64,
    /// Records of objects whose rows were not listed (checked by count).
    pub unlisted_records: u64,
    pub malformed: u64,
    pub dlq: BTreeSet<String>,
}

/// The text a row is compared as.
pub fn canonical(row: &TableRow) -> String {
    serde_json::to_string(row).expect("rows serialise")
}

/// Records `row`, expected in `unit`, in `db`: compared whole, or without `TimeGenerated` if
/// that is the arrival time.
fn expect_row(db: &CheckDb, service: &str, unit: i64, row: &TableRow) -> Result<()> {
    if row.time_generated() == ARRIVAL_TIME {
        db.expect_arrival(service, unit, &canonical(row))
    } else {
        db.expect(service, unit, &canonical(row))
    }
}

/// Objects the connector must refuse: they stay undeleted until SQS moves them to the DLQ.
pub fn must_dead_letter(content: Content) -> bool {
    matches!(content, Content::TruncatedGzip | Content::NotGzip)
}

impl Expected {
    /// Adds one manifest object of `service`: a unit in `db` (written later), its rows.
    pub fn add_object(&mut self, db: &CheckDb, service: &str, o: &ObjectEntry) -> Result<()> {
        self.objects += 1;
        self.malformed += o.malformed_lines.len() as u64 + o.malformed_indexes.len() as u64;
        if must_dead_letter(o.content) {
            self.dlq.insert(o.key.clone());
        }
        let unit = db.add_unit(service, &o.key, None)?;
        if !o.ingest {
            return Ok(());
        }
        if !o.records_listed {
            self.unlisted_records += o.record_count;
            self.records += o.record_count;
            return Ok(());
        }
        for r in &o.records {
            expect_row(db, service, unit, &r.expected)?;
            self.records += 1;
        }
        Ok(())
    }

    /// Adds one expected row of `unit` given directly (EKS: Firehose names the objects).
    pub fn add_row(
        &mut self,
        db: &CheckDb,
        service: &str,
        unit: i64,
        row: &TableRow,
    ) -> Result<()> {
        expect_row(db, service, unit, row)?;
        self.records += 1;
        Ok(())
    }
}

/// The check of one service from the comparison of its rows in `db`.
pub fn compare(
    db: &CheckDb,
    key: &str,
    label: &str,
    table: Table,
    expected: &Expected,
) -> Result<ServiceCheck> {
    let Comparison {
        ingested,
        missing,
        duplicated,
        unexpected,
        examples,
        latencies,
        first_written_ms,
        last_accepted_ms,
    } = db.compare(key, expected.unlisted_records)?;
    let seconds = match (first_written_ms, last_accepted_ms) {
        (Some(a), Some(b)) => seconds_between(a, b),
        _ => 0.0,
    };
    let per_second = |n: u64| {
        if seconds > 0.0 {
            n as f64 / seconds
        } else {
            0.0
        }
    };
    Ok(ServiceCheck {
        service: label.to_string(),
        table: format!("{table:?}"),
        objects: expected.objects,
        records_generated: expected.records,
        ingested,
        missing,
        duplicated,
        unexpected,
        malformed: expected.malformed,
        seconds,
        records_per_second: per_second(ingested),
        objects_per_second: per_second(expected.objects),
        first_written_at: first_written_ms.map(format_datetime_ms),
        last_accepted_at: last_accepted_ms.map(format_datetime_ms),
        latency: Latency::of(latencies),
        dlq_expected: expected.dlq.iter().cloned().collect(),
        examples,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::AwsCloudWatch;

    fn row(msg: &str) -> TableRow {
        TableRow::new::<AwsCloudWatch>(AwsCloudWatch {
            TimeGenerated: "2026-03-01T00:00:00.000Z".into(),
            ExtractedTime: "2026-03-01T00:00:00.000Z".into(),
            Message: msg.into(),
        })
    }

    #[test]
    fn a_service_gets_its_own_seconds_rates_and_latency() {
        let db = CheckDb::in_memory().unwrap();
        db.add_service("cloudwatch").unwrap();
        let mut e = Expected::default();
        for (key, written, msgs) in [("a", 10_000, ["a1", "a2"]), ("b", 12_000, ["b1", "b2"])] {
            let unit = db.add_unit("cloudwatch", key, Some(written)).unwrap();
            e.objects += 1;
            for m in msgs {
                e.add_row(&db, "cloudwatch", unit, &row(m)).unwrap();
            }
        }
        for (at, m) in [
            (11_000, "a1"),
            (13_000, "a2"),
            (14_000, "b1"),
            (14_000, "b2"),
        ] {
            db.got("cloudwatch", at, &canonical(&row(m))).unwrap();
        }
        let c = compare(&db, "cloudwatch", "CloudWatch", Table::AWSCloudWatch, &e).unwrap();
        assert!(c.ok(), "{c:?}");
        assert_eq!((c.records_generated, c.ingested), (4, 4));
        // From the first object written (10 s) to the last row accepted (14 s).
        assert_eq!(c.seconds, 4.0);
        assert_eq!((c.records_per_second, c.objects_per_second), (1.0, 0.5));
        assert_eq!(c.latency.objects, 2);
        assert_eq!(c.latency.max_seconds, Some(3.0));
        assert_eq!(c.latency.p50_seconds, Some(2.0));
        assert_eq!(
            c.first_written_at.as_deref(),
            Some("1970-01-01T00:00:10.000Z")
        );
        assert_eq!(
            c.last_accepted_at.as_deref(),
            Some("1970-01-01T00:00:14.000Z")
        );
    }

    #[test]
    fn a_missing_row_fails_the_check() {
        let db = CheckDb::in_memory().unwrap();
        db.add_service("cloudwatch").unwrap();
        let mut e = Expected::default();
        let unit = db.add_unit("cloudwatch", "a", Some(0)).unwrap();
        e.add_row(&db, "cloudwatch", unit, &row("a")).unwrap();
        e.add_row(&db, "cloudwatch", unit, &row("b")).unwrap();
        db.got("cloudwatch", 5, &canonical(&row("a"))).unwrap();
        let c = compare(&db, "cloudwatch", "CloudWatch", Table::AWSCloudWatch, &e).unwrap();
        assert_eq!((c.missing, c.duplicated, c.unexpected), (1, 0, 0));
        assert!(!c.ok());
        assert!(c.examples[0].starts_with("missing: "), "{c:?}");
    }

    #[test]
    fn arrival_time_rows_are_compared_without_time_generated_and_only_they() {
        use crate::tables::AwsVpcFlow;
        let vpc = |tg: &str, eni: &str| {
            TableRow::new::<AwsVpcFlow>(AwsVpcFlow {
                TimeGenerated: tg.into(),
                InterfaceId: Some(eni.into()),
                ..AwsVpcFlow::default()
            })
        };
        let db = CheckDb::in_memory().unwrap();
        db.add_service("vpc").unwrap();
        let mut e = Expected::default();
        let unit = db.add_unit("vpc", "a", Some(0)).unwrap();
        for r in [
            vpc(ARRIVAL_TIME, "eni-1"),
            vpc(ARRIVAL_TIME, "eni-1"),
            vpc(ARRIVAL_TIME, "eni-2"),
            vpc("2026-03-01T00:00:00.000Z", "eni-3"),
            vpc("2026-03-01T00:00:00.000Z", "eni-4"),
        ] {
            e.add_row(&db, "vpc", unit, &r).unwrap();
        }
        for r in [
            // Arrival rows: any TimeGenerated; eni-1 twice as expected, eni-2 twice (one too
            // many), and one nobody expected.
            vpc("2026-05-01T10:00:00.000Z", "eni-1"),
            vpc("2026-05-01T10:00:01.000Z", "eni-1"),
            vpc("2026-05-01T10:00:02.000Z", "eni-2"),
            vpc("2026-05-01T10:00:03.000Z", "eni-2"),
            vpc("2026-05-01T10:00:04.000Z", "eni-9"),
            // Rows with an event time are still compared whole: eni-3 matches, eni-4 has the
            // wrong time (one missing, and one unexpected).
            vpc("2026-03-01T00:00:00.000Z", "eni-3"),
            vpc("2026-03-01T00:00:09.000Z", "eni-4"),
        ] {
            db.got("vpc", 5, &canonical(&r)).unwrap();
        }
        let c = compare(&db, "vpc", "VPC", Table::AWSVPCFlow, &e).unwrap();
        assert_eq!(
            (c.ingested, c.missing, c.duplicated, c.unexpected),
            (7, 1, 1, 2),
            "{c:?}"
        );
        assert!(
            c.examples
                .iter()
                .any(|x| x.starts_with("missing: ") && x.contains("eni-4")),
            "{c:?}"
        );
        // Without the wrong ones, every arrival row matches whatever its time.
        let db = CheckDb::in_memory().unwrap();
        db.add_service("vpc").unwrap();
        let mut e = Expected::default();
        let unit = db.add_unit("vpc", "a", Some(0)).unwrap();
        e.add_row(&db, "vpc", unit, &vpc(ARRIVAL_TIME, "eni-1"))
            .unwrap();
        e.add_row(&db, "vpc", unit, &vpc("2026-03-01T00:00:00.000Z", "eni-3"))
            .unwrap();
        db.got(
            "vpc",
            5,
            &canonical(&vpc("2026-03-01T00:00:00.000Z", "eni-3")),
        )
        .unwrap();
        db.got(
            "vpc",
            7,
            &canonical(&vpc("2027-01-01T00:00:00.000Z", "eni-1")),
        )
        .unwrap();
        let c = compare(&db, "vpc", "VPC", Table::AWSVPCFlow, &e).unwrap();
        assert!(c.ok(), "{c:?}");
        assert_eq!((c.ingested, c.latency.objects), (2, 1));
        assert_eq!(c.latency.max_seconds, Some(0.007));
    }
}
