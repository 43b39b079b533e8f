//! Durable storage of accepted rows: one SQLite file (WAL mode), one table
//! per stream. Each row keeps its JSON text exactly as it was received, the
//! request id of its batch, its arrival time and its `TimeGenerated`.
//!
//! The checker of `cargo xtask e2e` can read the file directly with
//! [`Store::open`] once the server stopped (or while it runs: WAL readers do
//! not block the writer).

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;

use anyhow::{bail, Context, Result};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::value::RawValue;

use super::schema::{self, STREAM_NAMES};
use crate::tables::{Table, TableRow};

/// One stored row.
#[derive(Debug, Clone, Serialize)]
pub struct StoredRow {
    /// Position in its stream (1, 2, ...; increasing in arrival order).
    pub id: i64,
    /// `x-ms-client-request-id` of the request, or the id the mock made up.
    pub request_id: String,
    /// Arrival time (canonical datetime, UTC).
    pub received_at: String,
    pub time_generated: String,
    /// The row's JSON text, byte for byte as it appeared in the request.
    pub row: Box<RawValue>,
}

impl StoredRow {
    /// The row as a JSON value (every key literal, [`catalogue::tables::parse_plain`]).
    pub fn value(&self) -> serde_json::Value {
        catalogue::tables::parse_plain(self.row.get()).expect("stored rows are valid JSON")
    }

    /// The row as the typed row of `table` (for `==` with a manifest's
    /// expected rows).
    pub fn table_row(&self, table: Table) -> Result<TableRow, serde_json::Error> {
        TableRow::from_json(table, self.row.get())
    }
}

/// A row ready to be stored: its JSON text and `TimeGenerated`.
#[derive(Debug, Clone)]
pub struct NewRow<'a> {
    pub json: &'a str,
    pub time_generated: &'a str,
}

/// An accepted request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Batch {
    pub id: i64,
    pub stream: String,
    pub request_id: String,
    pub received_at: String,
    pub rows: u64,
}

/// The SQLite file of the mock.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

fn table_name(stream: &str) -> Result<String> {
    if schema::stream(stream).is_none() {
        bail!(
            "unknown stream '{stream}' (streams: {})",
            STREAM_NAMES.join(", ")
        );
    }
    // "Custom-AWSVPCFlow" -> "rows_AWSVPCFlow": no quoting needed.
    Ok(format!("rows_{}", stream.trim_start_matches("Custom-")))
}

impl Store {
    /// Opens (creating if needed) the store at `path`, in WAL mode.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref();
        let conn = Connection::open(path)
            .with_context(|| format!("opening SQLite store {}", path.display()))?;
        Self::init(conn, true).with_context(|| format!("initialising {}", path.display()))
    }

    /// Opens an existing store (for a checker: a wrong path is an error, not
    /// an empty store).
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref();
        if !path.is_file() {
            bail!("no SQLite store at {}", path.display());
        }
        Self::open(path)
    }

    /// A store in memory (lost when dropped).
    pub fn in_memory() -> Result<Store> {
        Self::init(Connection::open_in_memory()?, false)
    }

    fn init(conn: Connection, wal: bool) -> Result<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        if wal {
            let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                bail!("SQLite refused WAL mode (journal_mode is {mode})");
            }
            // In WAL mode, NORMAL survives process crashes (not power loss).
            conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        let mut ddl = String::from(
            "CREATE TABLE IF NOT EXISTS batches (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                stream TEXT NOT NULL,
                request_id TEXT NOT NULL,
                received_at TEXT NOT NULL,
                rows INTEGER NOT NULL);\n",
        );
        for s in STREAM_NAMES {
            ddl.push_str(&format!(
                "CREATE TABLE IF NOT EXISTS {} (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    request_id TEXT NOT NULL,
                    received_at TEXT NOT NULL,
                    time_generated TEXT NOT NULL,
                    row_json TEXT NOT NULL);\n",
                table_name(s)?
            ));
        }
        conn.execute_batch(&ddl)?;
        Ok(Store { conn })
    }

    /// Stores one accepted request's rows atomically (all or nothing).
    pub fn insert(
        &mut self,
        stream: &str,
        request_id: &str,
        received_at: &str,
        rows: &[NewRow<'_>],
    ) -> Result<()> {
        let table = table_name(stream)?;
        let tx = self.conn.transaction()?;
        {
            let mut st = tx.prepare_cached(&format!(
                "INSERT INTO {table} (request_id, received_at, time_generated, row_json)
                 VALUES (?1, ?2, ?3, ?4)"
            ))?;
            for r in rows {
                st.execute(params![request_id, received_at, r.time_generated, r.json])?;
            }
            tx.execute(
                "INSERT INTO batches (stream, request_id, received_at, rows) VALUES (?1, ?2, ?3, ?4)",
                params![stream, request_id, received_at, rows.len() as i64],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Rows stored per stream (every stream, zero included).
    pub fn counts(&self) -> Result<BTreeMap<String, u64>> {
        STREAM_NAMES
            .iter()
            .map(|s| Ok((s.to_string(), self.count(s)?)))
            .collect()
    }

    /// Rows stored in `stream`.
    pub fn count(&self, stream: &str) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM {}", table_name(stream)?),
            [],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Up to `limit` rows of `stream` with `id > after`, in id order.
    pub fn rows_page(&self, stream: &str, after: i64, limit: usize) -> Result<Vec<StoredRow>> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT id, request_id, received_at, time_generated, row_json FROM {}
             WHERE id > ?1 ORDER BY id LIMIT ?2",
            table_name(stream)?
        ))?;
        let rows = st.query_map(params![after, limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        rows.map(|r| {
            let (id, request_id, received_at, time_generated, json) = r?;
            let row = RawValue::from_string(json)
                .with_context(|| format!("{stream} row {id}: stored JSON is invalid"))?;
            Ok(StoredRow {
                id,
                request_id,
                received_at,
                time_generated,
                row,
            })
        })
        .collect()
    }

    /// Every row of `stream`, in arrival order (read in pages of 1000).
    pub fn rows<'a>(&'a self, stream: &str) -> Result<Rows<'a>> {
        table_name(stream)?;
        Ok(Rows {
            store: self,
            stream: stream.to_string(),
            after: 0,
            buf: VecDeque::new(),
            done: false,
        })
    }

    /// Every accepted request, in arrival order.
    pub fn batches(&self) -> Result<Vec<Batch>> {
        let mut st = self
            .conn
            .prepare("SELECT id, stream, request_id, received_at, rows FROM batches ORDER BY id")?;
        let rows = st.query_map([], |r| {
            Ok(Batch {
                id: r.get(0)?,
                stream: r.get(1)?,
                request_id: r.get(2)?,
                received_at: r.get(3)?,
                rows: r.get::<_, i64>(4)? as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The last row id of `stream` (0 when empty).
    pub fn last_id(&self, stream: &str) -> Result<i64> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT MAX(id) FROM {}", table_name(stream)?),
                [],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()?
            .flatten()
            .unwrap_or(0))
    }
}

/// Iterator over a stream's rows (see [`Store::rows`]).
pub struct Rows<'a> {
    store: &'a Store,
    stream: String,
    after: i64,
    buf: VecDeque<StoredRow>,
    done: bool,
}

impl Iterator for Rows<'_> {
    type Item = Result<StoredRow>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buf.is_empty() && !self.done {
            match self.store.rows_page(&self.stream, self.after, 1000) {
                Ok(page) => {
                    self.done = page.len() < 1000;
                    self.buf.extend(page);
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        let row = self.buf.pop_front()?;
        self.after = row.id;
        Some(Ok(row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_survive_reopen_and_page() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ingest.sqlite3");
        let jsons: Vec<String> = (0..2500)
            .map(|i| format!(r#"{{"TimeGenerated":"2026-03-01T00:00:00.000Z","ExtractedTime":"2026-03-01T00:00:00.000Z","Message":"m{i}"}}"#))
            .collect();
        {
            let mut s = Store::open(&path).unwrap();
            let rows: Vec<NewRow> = jsons
                .iter()
                .map(|j| NewRow {
                    json: j,
                    time_generated: "2026-03-01T00:00:00.000Z",
                })
                .collect();
            s.insert("Custom-AWSCloudWatch", "req-1", "now", &rows)
                .unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(s.count("Custom-AWSCloudWatch").unwrap(), 2500);
        assert_eq!(s.counts().unwrap().values().sum::<u64>(), 2500);
        let all: Vec<StoredRow> = s
            .rows("Custom-AWSCloudWatch")
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(all.len(), 2500);
        assert!(all.iter().zip(&jsons).all(|(r, j)| r.row.get() == j));
        assert_eq!(
            all.last().unwrap().id,
            s.last_id("Custom-AWSCloudWatch").unwrap()
        );
        let row = all[7].table_row(Table::AWSCloudWatch).unwrap();
        let cw = row.decode::<crate::tables::AwsCloudWatch>().unwrap();
        assert_eq!(cw.Message, "m7");
        assert_eq!(s.batches().unwrap()[0].rows, 2500);
        assert!(s.rows("Custom-Nope").is_err());
        assert!(Store::open_existing(&path).is_ok());
        let missing = dir.path().join("missing.sqlite3");
        assert!(Store::open_existing(&missing).is_err());
        assert!(!missing.exists());
    }
}
