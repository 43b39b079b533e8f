//! The end-to-end check: what was ingested against what the manifests say must be.
//!
//! Rows are compared whole (every mapped column, `TimeGenerated` included) as multisets of
//! their canonical JSON: a row ingested twice is a duplicate, an expected row never ingested
//! is missing, a row nobody expected is unexpected. Objects whose `records` were not listed
//! (the streaming "large" object) are checked by count.

use crate::synth::manifest::{Content, Manifest};
use crate::tables::{Table, TableRow};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

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
    pub unexpected: u64,
    pub malformed: u64,
    pub seconds: f64,
    pub records_per_second: f64,
    /// Keys of the objects that must end in the dead-letter queue, and those that did.
    pub dlq_expected: Vec<String>,
    pub dlq_actual: Vec<String>,
    /// Messages still in the queue (visible or in flight) after the run.
    pub left_in_queue: u64,
    /// A few examples of what went wrong, for the report.
    pub examples: Vec<String>,
    /// Services LocalStack only mocks: the simulator delivered in their place.
    pub delivered_by_simulator: bool,
}

impl ServiceCheck {
    pub fn ok(&self) -> bool {
        self.missing == 0
            && self.duplicated == 0
            && self.unexpected == 0
            && self.left_in_queue == 0
            && self.dlq_expected == self.dlq_actual
            && self.records_generated > 0
    }
}

/// The rows one table must hold, with how many times each.
#[derive(Debug, Default)]
pub struct Expected {
    pub objects: u64,
    pub rows: HashMap<String, u64>,
    pub records: u64,
    /// Records of objects whose rows were not listed (checked by count).
    pub unlisted_records: u64,
    pub malformed: u64,
    pub dlq: BTreeSet<String>,
}

fn canonical(row: &TableRow) -> String {
    serde_json::to_string(row).expect("rows serialise")
}

/// Objects the connector must refuse: they stay undeleted until SQS moves them to the DLQ.
pub fn must_dead_letter(content: Content) -> bool {
    matches!(content, Content::TruncatedGzip | Content::NotGzip)
}

impl Expected {
    pub fn from_manifest(m: &Manifest) -> Expected {
        let mut e = Expected::default();
        for o in &m.objects {
            e.objects += 1;
            e.malformed += o.malformed_lines.len() as u64 + o.malformed_indexes.len() as u64;
            if must_dead_letter(o.content) {
                e.dlq.insert(o.key.clone());
            }
            if !o.ingest {
                continue;
            }
            if !o.records_listed {
                e.unlisted_records += o.record_count;
                e.records += o.record_count;
                continue;
            }
            for r in &o.records {
                *e.rows.entry(canonical(&r.expected)).or_default() += 1;
                e.records += 1;
            }
        }
        e
    }

    /// Expected rows given directly (EKS: Firehose names the objects).
    pub fn from_rows(rows: &[TableRow]) -> Expected {
        let mut e = Expected::default();
        for r in rows {
            *e.rows.entry(canonical(r)).or_default() += 1;
            e.records += 1;
        }
        e
    }
}

/// Compares ingested rows of one table with the expectation.
pub fn compare(
    service: &str,
    table: Table,
    expected: &Expected,
    ingested: &[TableRow],
) -> ServiceCheck {
    let mut got: HashMap<String, u64> = HashMap::new();
    for r in ingested {
        *got.entry(canonical(r)).or_default() += 1;
    }
    let mut c = ServiceCheck {
        service: service.to_string(),
        table: format!("{table:?}"),
        objects: expected.objects,
        records_generated: expected.records,
        ingested: ingested.len() as u64,
        malformed: expected.malformed,
        dlq_expected: expected.dlq.iter().cloned().collect(),
        ..Default::default()
    };
    for (row, want) in &expected.rows {
        let have = got.get(row).copied().unwrap_or(0);
        if have < *want {
            c.missing += want - have;
            if c.examples.len() < 3 {
                c.examples.push(format!("missing: {row}"));
            }
        } else if have > *want {
            c.duplicated += have - want;
            if c.examples.len() < 3 {
                c.examples
                    .push(format!("duplicated {}x: {row}", have - want));
            }
        }
    }
    let mut unexpected = 0;
    for (row, have) in &got {
        if !expected.rows.contains_key(row) {
            unexpected += have;
            if c.examples.len() < 3 && expected.unlisted_records == 0 {
                c.examples.push(format!("unexpected: {row}"));
            }
        }
    }
    // Rows of unlisted (large) objects are the only rows nobody listed.
    if unexpected >= expected.unlisted_records {
        c.unexpected = unexpected - expected.unlisted_records;
    } else {
        c.missing += expected.unlisted_records - unexpected;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::AwsCloudWatch;

    fn row(msg: &str) -> TableRow {
        TableRow::AWSCloudWatch(AwsCloudWatch {
            TimeGenerated: "2026-03-01T00:00:00.000Z".into(),
            ExtractedTime: "2026-03-01T00:00:00.000Z".into(),
            Message: msg.into(),
        })
    }

    #[test]
    fn missing_duplicated_and_unexpected_rows_are_counted() {
        let e = Expected::from_rows(&[row("a"), row("b"), row("b"), row("c")]);
        let c = compare(
            "cloudwatch",
            Table::AWSCloudWatch,
            &e,
            &[row("a"), row("a"), row("b"), row("x")],
        );
        assert_eq!((c.missing, c.duplicated, c.unexpected), (2, 1, 1), "{c:?}");
        assert!(!c.ok());
        let c = compare(
            "cloudwatch",
            Table::AWSCloudWatch,
            &e,
            &[row("c"), row("b"), row("a"), row("b")],
        );
        assert_eq!((c.missing, c.duplicated, c.unexpected), (0, 0, 0));
        assert!(c.ok());
    }

    #[test]
    fn a_value_that_differs_is_a_missing_and_an_unexpected_row() {
        let e = Expected::from_rows(&[row("a")]);
        let mut changed = row("a");
        if let TableRow::AWSCloudWatch(r) = &mut changed {
            r.TimeGenerated = "2026-03-01T00:00:01.000Z".into();
        }
        let c = compare("cloudwatch", Table::AWSCloudWatch, &e, &[changed]);
        assert_eq!((c.missing, c.unexpected), (1, 1));
    }
}
