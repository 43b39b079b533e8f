//! The check's own SQLite database: the expected rows (from the manifests) and the received
//! rows (from the endpoint's store), each as canonical JSON text, compared by one `GROUP BY`
//! query per service. Neither set is held in memory: rows are written as they are read, and
//! SQLite sorts them on disk, so the check's memory does not grow with the record count.
//!
//! Tables: `units(id, service, key, written_ms)` holds every delivery unit (an S3 object, or
//! one PutLogEvents call for EKS) and when it was written; `exp_<service>(unit, row, arrival)`
//! an expected row, the unit it came from, and whether its `TimeGenerated` is the arrival time
//! ([`crate::tables::ARRIVAL_TIME`]); `got_<service>(accepted_ms, row)` a stored row and when
//! the endpoint accepted it.
//!
//! Rows are compared whole, `TimeGenerated` included, except the arrival-time rows (AWSVPCFlow
//! records without `start`, whose `TimeGenerated` the connector sets when it reads the object):
//! these are compared on every other column, against the stored rows that matched no other
//! expected row. So a wrong `TimeGenerated` is still found for every row that has an event
//! time, and only for arrival-time rows is it not checked.

use super::timing::seconds_between;
use anyhow::{bail, Context, Result};
use rusqlite::{params, Connection};
use std::collections::HashMap;
use std::path::Path;

/// Examples of each kind kept for the report.
const EXAMPLES: usize = 3;

/// The expected and received rows of a run.
pub struct CheckDb {
    conn: Connection,
}

/// What the query found for one service.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    /// Rows stored for the service.
    pub ingested: u64,
    /// Expected rows never stored (as many times as expected).
    pub missing: u64,
    /// Stored more often than expected (the extra copies).
    pub duplicated: u64,
    /// Stored rows equal to no expected row (a value that differs makes one of these and one
    /// missing row).
    pub unexpected: u64,
    /// Up to three missing or duplicated rows, then unexpected ones, up to three in all.
    pub examples: Vec<String>,
    /// Per unit with accepted rows: seconds from written to its last row accepted.
    pub latencies: Vec<f64>,
    /// The first unit written and the last row accepted (epoch ms).
    pub first_written_ms: Option<i64>,
    pub last_accepted_ms: Option<i64>,
}

/// What the passes of a comparison gather beside the counts.
#[derive(Default)]
struct Pass {
    mismatched: Vec<String>,
    unexpected_examples: Vec<String>,
    /// Per unit: the time its last row was (first) accepted.
    accepted: HashMap<i64, i64>,
    unexpected: u64,
}

impl Pass {
    /// Runs one comparison query: rows of `(expected copies, stored copies, a unit, first and
    /// last acceptance, row text)`. With `defer_unmatched`, stored rows matching no expected
    /// row are neither counted nor reported (a later pass does).
    fn run(
        &mut self,
        conn: &Connection,
        sql: &str,
        c: &mut Comparison,
        unlisted: u64,
        defer_unmatched: bool,
    ) -> Result<()> {
        let mut st = conn.prepare(sql)?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let want = r.get::<_, i64>(0)? as u64;
            let have = r.get::<_, i64>(1)? as u64;
            if want == 0 && defer_unmatched {
                continue;
            }
            c.ingested += have;
            if want > 0 && have > 0 {
                // Copies of one text are alike: with no more copies than expected the
                // last one completes the row; with duplicates, the first.
                let unit: i64 = r.get(2)?;
                let at: i64 = r.get(if have <= want { 4 } else { 3 })?;
                let e = self.accepted.entry(unit).or_insert(at);
                *e = (*e).max(at);
            }
            if want == 0 {
                self.unexpected += have;
                if self.unexpected_examples.len() < EXAMPLES && unlisted == 0 {
                    self.unexpected_examples
                        .push(format!("unexpected: {}", r.get::<_, String>(5)?));
                }
            } else if have < want {
                c.missing += want - have;
                if self.mismatched.len() < EXAMPLES {
                    self.mismatched
                        .push(format!("missing: {}", r.get::<_, String>(5)?));
                }
            } else if have > want {
                c.duplicated += have - want;
                if self.mismatched.len() < EXAMPLES {
                    self.mismatched.push(format!(
                        "duplicated {}x: {}",
                        have - want,
                        r.get::<_, String>(5)?
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A service name as part of a table name (`exp_<name>`): lower-case letters, digits and inner
/// `-` (data type slugs such as `route53`, `networkfirewall-flow`), each `-` as `_`, so it can
/// never change the SQL it is spliced into.
fn checked(service: &str) -> Result<String> {
    let b = service.as_bytes();
    let ok = !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-';
    if !ok {
        bail!("service names in the check database are lower-case letters, digits and inner '-', not '{service}'");
    }
    Ok(service.replace('-', "_"))
}

impl CheckDb {
    /// A new database at `path` (an old file there is replaced).
    pub fn create(path: &Path) -> Result<CheckDb> {
        if path.exists() {
            std::fs::remove_file(path)
                .with_context(|| format!("removing the old {}", path.display()))?;
        }
        let conn = Connection::open(path)
            .with_context(|| format!("creating the check database {}", path.display()))?;
        Self::init(conn)
    }

    /// A database in memory (tests).
    pub fn in_memory() -> Result<CheckDb> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<CheckDb> {
        // A scratch file: rebuilt by every run, so no journal and no syncing. Sorting spills to
        // temporary files beyond the (default, 2 MB) cache.
        conn.pragma_update(None, "journal_mode", "OFF")?;
        conn.pragma_update(None, "synchronous", "OFF")?;
        conn.pragma_update(None, "temp_store", "FILE")?;
        conn.execute_batch(
            "CREATE TABLE units (
                id INTEGER PRIMARY KEY,
                service TEXT NOT NULL,
                key TEXT NOT NULL,
                written_ms INTEGER,
                UNIQUE (service, key));",
        )?;
        Ok(CheckDb { conn })
    }

    /// Creates the service's tables.
    pub fn add_service(&self, service: &str) -> Result<()> {
        let s = checked(service)?;
        self.conn.execute_batch(&format!(
            "CREATE TABLE exp_{s} (unit INTEGER NOT NULL, row TEXT NOT NULL,
                 arrival INTEGER NOT NULL DEFAULT 0);
             CREATE TABLE got_{s} (accepted_ms INTEGER NOT NULL, row TEXT NOT NULL);"
        ))?;
        Ok(())
    }

    /// The keys of every unit (object) of `service`.
    pub fn unit_keys(&self, service: &str) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("SELECT key FROM units WHERE service = ?1 ORDER BY key")?;
        let keys = st
            .query_map(params![checked(service)?], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(keys)
    }

    /// The most expected rows one unit (object) of `service` has.
    pub fn max_rows_per_unit(&self, service: &str) -> Result<u64> {
        let s = checked(service)?;
        let n: i64 = self.conn.query_row(
            &format!(
                "SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM exp_{s} GROUP BY unit)"
            ),
            [],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Starts a transaction (bulk loading); [`CheckDb::commit`] ends it.
    pub fn begin(&self) -> Result<()> {
        Ok(self.conn.execute_batch("BEGIN")?)
    }

    pub fn commit(&self) -> Result<()> {
        Ok(self.conn.execute_batch("COMMIT")?)
    }

    /// Records a delivery unit; returns its id. `written_ms` may follow with
    /// [`CheckDb::written`].
    pub fn add_unit(&self, service: &str, key: &str, written_ms: Option<i64>) -> Result<i64> {
        let mut st = self
            .conn
            .prepare_cached("INSERT INTO units (service, key, written_ms) VALUES (?1, ?2, ?3)")?;
        st.execute(params![checked(service)?, key, written_ms])
            .with_context(|| format!("{service} unit {key}"))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// When the unit `key` was written.
    pub fn written(&self, service: &str, key: &str, written_ms: i64) -> Result<()> {
        let mut st = self
            .conn
            .prepare_cached("UPDATE units SET written_ms = ?3 WHERE service = ?1 AND key = ?2")?;
        if st.execute(params![checked(service)?, key, written_ms])? != 1 {
            bail!("{service}: no unit {key} to mark written");
        }
        Ok(())
    }

    /// One expected row (canonical JSON) of `unit`.
    pub fn expect(&self, service: &str, unit: i64, row: &str) -> Result<()> {
        self.insert_expected(service, unit, row, false)
    }

    /// One expected row (canonical JSON, `{"table":..,"row":{..}}`) of `unit` whose
    /// `TimeGenerated` is the arrival time: compared on its other columns only.
    pub fn expect_arrival(&self, service: &str, unit: i64, row: &str) -> Result<()> {
        self.insert_expected(service, unit, row, true)
    }

    fn insert_expected(&self, service: &str, unit: i64, row: &str, arrival: bool) -> Result<()> {
        let s = checked(service)?;
        let mut st = self.conn.prepare_cached(&format!(
            "INSERT INTO exp_{s} (unit, row, arrival) VALUES (?1, ?2, ?3)"
        ))?;
        st.execute(params![unit, row, arrival])?;
        Ok(())
    }

    /// One stored row (canonical JSON), accepted at `accepted_ms`.
    pub fn got(&self, service: &str, accepted_ms: i64, row: &str) -> Result<()> {
        let s = checked(service)?;
        let mut st = self.conn.prepare_cached(&format!(
            "INSERT INTO got_{s} (accepted_ms, row) VALUES (?1, ?2)"
        ))?;
        st.execute(params![accepted_ms, row])?;
        Ok(())
    }

    /// Compares the service's expected and stored rows as multisets. `unlisted` rows were
    /// expected by count only (objects whose rows the manifest does not list): that many
    /// stored rows nobody listed are theirs, not unexpected.
    pub fn compare(&self, service: &str, unlisted: u64) -> Result<Comparison> {
        let s = checked(service)?;
        let mut c = Comparison::default();
        let mut p = Pass::default();
        let arrival_rows: i64 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM exp_{s} WHERE arrival = 1"),
            [],
            |r| r.get(0),
        )?;
        // Whole rows; with arrival-time rows expected, stored rows that match no whole row
        // are left to the second pass.
        p.run(
            &self.conn,
            &format!(
                "SELECT SUM(w), SUM(h), MAX(unit), MIN(acc), MAX(acc), row FROM (
                     SELECT row, 1 AS w, 0 AS h, unit, NULL AS acc FROM exp_{s} WHERE arrival = 0
                     UNION ALL
                     SELECT row, 0, 1, NULL, accepted_ms FROM got_{s})
                 GROUP BY row"
            ),
            &mut c,
            unlisted,
            arrival_rows > 0,
        )?;
        if arrival_rows > 0 {
            // Arrival-time rows without TimeGenerated, against those stored rows, alike.
            let bare = "json_remove(row, '$.row.TimeGenerated')";
            p.run(
                &self.conn,
                &format!(
                    "SELECT SUM(w), SUM(h), MAX(unit), MIN(acc), MAX(acc), row FROM (
                         SELECT {bare} AS row, 1 AS w, 0 AS h, unit, NULL AS acc
                             FROM exp_{s} WHERE arrival = 1
                         UNION ALL
                         SELECT {bare}, 0, 1, NULL, accepted_ms FROM got_{s}
                             WHERE row NOT IN (SELECT row FROM exp_{s} WHERE arrival = 0))
                     GROUP BY row"
                ),
                &mut c,
                unlisted,
                false,
            )?;
        }
        let Pass {
            mismatched,
            unexpected_examples,
            accepted,
            unexpected,
        } = p;
        // Rows of unlisted (large) objects are the only rows nobody listed.
        if unexpected >= unlisted {
            c.unexpected = unexpected - unlisted;
        } else {
            c.missing += unlisted - unexpected;
        }
        c.examples = mismatched;
        let room = EXAMPLES.saturating_sub(c.examples.len());
        c.examples
            .extend(unexpected_examples.into_iter().take(room));

        let mut st = self.conn.prepare(
            "SELECT id, written_ms FROM units WHERE service = ?1 AND written_ms IS NOT NULL",
        )?;
        let mut units = st.query(params![s])?;
        while let Some(u) = units.next()? {
            let (id, written): (i64, i64) = (u.get(0)?, u.get(1)?);
            c.first_written_ms = Some(c.first_written_ms.map_or(written, |f| f.min(written)));
            if let Some(at) = accepted.get(&id) {
                c.latencies.push(seconds_between(written, *at));
            }
        }
        c.last_accepted_ms =
            self.conn
                .query_row(&format!("SELECT MAX(accepted_ms) FROM got_{s}"), [], |r| {
                    r.get(0)
                })?;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database with the rows `expected` (one unit per `(key, written_ms, rows)`) and `got`
    /// (`(accepted_ms, row)`).
    fn db(expected: &[(&str, i64, &[&str])], got: &[(i64, &str)]) -> CheckDb {
        let db = CheckDb::in_memory().unwrap();
        db.add_service("vpc").unwrap();
        db.add_service("eks").unwrap();
        db.begin().unwrap();
        for (key, written, rows) in expected {
            let unit = db.add_unit("vpc", key, None).unwrap();
            db.written("vpc", key, *written).unwrap();
            for r in *rows {
                db.expect("vpc", unit, r).unwrap();
            }
        }
        for (at, r) in got {
            db.got("vpc", *at, r).unwrap();
        }
        db.commit().unwrap();
        db
    }

    #[test]
    fn equal_multisets_match_in_any_order() {
        let d = db(
            &[
                ("a.gz", 1_000, &["r1", "r2", "r2"]),
                ("b.gz", 2_000, &["r3"]),
            ],
            &[(5_000, "r2"), (2_500, "r3"), (4_000, "r1"), (6_000, "r2")],
        );
        let c = d.compare("vpc", 0).unwrap();
        assert_eq!(
            (c.ingested, c.missing, c.duplicated, c.unexpected),
            (4, 0, 0, 0)
        );
        assert!(c.examples.is_empty());
        let mut lat = c.latencies.clone();
        lat.sort_by(f64::total_cmp);
        // b.gz: accepted 0.5 s after written; a.gz: its last row (r2) at 6 s, 5 s after.
        assert_eq!(lat, vec![0.5, 5.0]);
        assert_eq!(
            (c.first_written_ms, c.last_accepted_ms),
            (Some(1_000), Some(6_000))
        );
        // The other service is empty and independent.
        let e = d.compare("eks", 0).unwrap();
        assert_eq!(e, Comparison::default());
    }

    #[test]
    fn missing_duplicated_and_unexpected_rows_are_counted() {
        let d = db(
            &[("a.gz", 0, &["a", "b", "b", "c"])],
            &[(1, "a"), (1, "a"), (1, "b"), (1, "x")],
        );
        let c = d.compare("vpc", 0).unwrap();
        assert_eq!((c.missing, c.duplicated, c.unexpected), (2, 1, 1), "{c:?}");
        assert_eq!(c.ingested, 4);
        assert!(
            c.examples.contains(&"duplicated 1x: a".to_string()),
            "{c:?}"
        );
        assert!(
            c.examples.iter().any(|e| e.starts_with("missing: ")),
            "{c:?}"
        );
        assert_eq!(c.examples.len(), 3);
    }

    #[test]
    fn the_largest_unit_is_counted_in_expected_rows() {
        let d = db(&[("a.gz", 0, &["a", "b", "c"]), ("b.gz", 0, &["d"])], &[]);
        assert_eq!(d.max_rows_per_unit("vpc").unwrap(), 3);
        let empty = db(&[], &[]);
        assert_eq!(empty.max_rows_per_unit("vpc").unwrap(), 0);
    }

    #[test]
    fn a_value_that_differs_is_a_missing_and_an_unexpected_row() {
        let want = r#"{"TimeGenerated":"2026-03-01T00:00:00.000Z","Message":"m"}"#;
        let have = r#"{"TimeGenerated":"2026-03-01T00:00:01.000Z","Message":"m"}"#;
        let d = db(&[("a.gz", 0, &[want])], &[(10, have)]);
        let c = d.compare("vpc", 0).unwrap();
        assert_eq!((c.missing, c.duplicated, c.unexpected), (1, 0, 1));
        assert_eq!(
            c.examples,
            vec![format!("missing: {want}"), format!("unexpected: {have}")]
        );
        // No row of the object was accepted: no latency for it.
        assert!(c.latencies.is_empty());
    }

    #[test]
    fn unlisted_rows_are_counted_not_compared() {
        let d = db(
            &[("a.gz", 0, &["a"])],
            &[(1, "a"), (1, "big1"), (1, "big2")],
        );
        let c = d.compare("vpc", 2).unwrap();
        assert_eq!((c.missing, c.unexpected), (0, 0));
        assert!(c.examples.is_empty(), "unlisted rows are no examples");
        let c = d.compare("vpc", 3).unwrap();
        assert_eq!((c.missing, c.unexpected), (1, 0));
        let c = d.compare("vpc", 1).unwrap();
        assert_eq!((c.missing, c.unexpected), (0, 1));
    }

    #[test]
    fn bad_service_names_and_unknown_units_are_errors() {
        let d = CheckDb::in_memory().unwrap();
        assert!(d.add_service("vpc; DROP TABLE units").is_err());
        assert!(d.add_service("Vpc").is_err() && d.add_service("").is_err());
        // Every data type's slug is a valid name.
        for t in catalogue::DataType::ALL {
            checked(t.slug()).unwrap();
        }
        d.add_service("vpc").unwrap();
        assert!(d.written("vpc", "nope.gz", 1).is_err());
        d.add_unit("vpc", "a.gz", Some(1)).unwrap();
        assert!(
            d.add_unit("vpc", "a.gz", Some(1)).is_err(),
            "keys are unique"
        );
    }

    #[test]
    fn a_file_database_is_replaced_by_the_next_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("check.db");
        {
            let d = CheckDb::create(&path).unwrap();
            d.add_service("vpc").unwrap();
            d.got("vpc", 1, "r").unwrap();
        }
        let d = CheckDb::create(&path).unwrap();
        d.add_service("vpc").unwrap();
        assert_eq!(d.compare("vpc", 0).unwrap().ingested, 0);
    }

    #[test]
    fn hyphenated_slugs_name_tables_and_other_names_are_refused() {
        let db = CheckDb::in_memory().unwrap();
        db.add_service("networkfirewall-flow").unwrap();
        let unit = db.add_unit("networkfirewall-flow", "k", Some(1)).unwrap();
        db.expect("networkfirewall-flow", unit, "{}").unwrap();
        db.written("networkfirewall-flow", "k", 2).unwrap();
        for bad in ["", "Vpc", "-x", "x-", "a_b", "a b"] {
            let e = db.add_service(bad).unwrap_err().to_string();
            assert!(e.contains(&format!("not '{bad}'")), "{e}");
        }
    }
}
