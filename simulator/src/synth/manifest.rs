//! Ground truth of a simulation run: what was written and what a connector
//! must make of it.
//!
//! # File format
//!
//! `simulate --out DIR` writes `DIR/manifest-<service>.jsonl` (JSON Lines), one
//! [`ManifestLine`] per line:
//!
//! * the first line is `{"type":"run", ...}` ([`RunInfo`]): service, seed,
//!   options, and the totals;
//! * then one `{"type":"object", ...}` line ([`ObjectEntry`]) per S3 object, in
//!   the order the objects were written, each carrying the expected table rows
//!   of that object;
//! * the last line is `{"type":"totals", ...}` ([`Totals`]); a manifest
//!   without it is from an interrupted run.
//!
//! # Checking a connector against it
//!
//! * Objects with `ingest: true` must be read; every entry of their `records`
//!   must come out as exactly one table row equal to `records[i].expected.row`
//!   (the [`TableRow`] has the table name and the typed row,
//!   see [`crate::tables`]). `record_count` is the number of rows expected from
//!   the object (equal to `records.len()` unless `records_listed` is false,
//!   which only the very large bad-data object uses, to keep the manifest
//!   small).
//! * `malformed_lines` (line-oriented formats, 1-based physical line numbers of
//!   the decompressed text) and `malformed_indexes` (CloudTrail, 0-based
//!   positions in `Records`) list the items that are not valid records: they
//!   yield no row; the valid records around them still do.
//! * Objects with `ingest: false` yield no rows at all: CloudTrail digest files
//!   (`kind: "digest"`, they must be skipped) and undecodable bad data
//!   (`content: "truncated_gzip"` / `"not_gzip"`).
//! * `content: "empty"` is a zero-byte object: no rows, no failure.
//! * Every record has a stable identity `id`: the VPC/CloudWatch record's
//!   `<key>#<line or index>`, the GuardDuty finding's `<id>@<updatedAt>`, the
//!   CloudTrail `eventID`. Ids are unique within a run.

use serde::{Deserialize, Serialize};

use crate::tables::{Table, TableRow};

use catalogue::DataType;

/// One line of `manifest-<service>.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum ManifestLine {
    Run(RunInfo),
    Object(ObjectEntry),
    Totals(Totals),
}

/// Header line: how the run was made and what it produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub service: DataType,
    pub table: Table,
    pub seed: u64,
    /// Records requested with `--records` (in the regular objects).
    pub records_requested: u64,
    pub account_id: String,
    pub region: String,
    /// `--start`, canonical datetime.
    pub start: String,
    /// Records per simulated second.
    pub rate: f64,
    pub records_per_object: u64,
    /// Service-specific options that shaped the output (e.g. VPC format fields).
    pub options: serde_json::Value,
}

/// Totals of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub objects: u64,
    /// Objects a connector must ingest.
    pub objects_to_ingest: u64,
    /// Expected table rows over all objects.
    pub records: u64,
    pub malformed: u64,
    /// Bytes written (object bodies as stored, i.e. gzip).
    pub bytes: u64,
    /// Uncompressed bytes of the object bodies.
    pub uncompressed_bytes: u64,
}

/// What an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// A log object of the service.
    Log,
    /// A CloudTrail digest file (never ingested).
    Digest,
}

/// How an object's bytes were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Content {
    /// Well-formed gzip of well-formed records.
    Ok,
    /// Valid gzip; some lines / array items are not valid records.
    Malformed,
    /// A gzip stream cut short: decoding fails at the end.
    TruncatedGzip,
    /// The uncompressed text stored under a `.gz` key (no gzip magic).
    NotGzip,
    /// Zero bytes.
    Empty,
    /// A very large, valid object (written streaming).
    Large,
}

/// One S3 object and the rows expected from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectEntry {
    pub service: DataType,
    /// S3 key (relative to the bucket; `--out DIR` writes `DIR/<key>`).
    pub key: String,
    pub kind: ObjectKind,
    pub content: Content,
    /// Whether a connector must read records from it.
    pub ingest: bool,
    /// Size of the stored object.
    pub bytes: u64,
    /// Size of the decompressed body (for `not_gzip`/`empty`: the stored size).
    pub uncompressed_bytes: u64,
    /// Lower-case hex SHA-256 of the stored object.
    pub sha256: String,
    /// Rows expected from this object.
    pub record_count: u64,
    /// 1-based physical lines (decompressed text) that are not valid records.
    #[serde(default)]
    pub malformed_lines: Vec<u64>,
    /// 0-based positions in CloudTrail `Records` that are not valid records.
    #[serde(default)]
    pub malformed_indexes: Vec<u64>,
    /// False only when `records` was left empty on purpose (huge object).
    pub records_listed: bool,
    pub records: Vec<ExpectedRecord>,
}

/// One record of an object and the row it must become.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedRecord {
    /// Stable identity, unique within the run.
    pub id: String,
    /// 0-based position among the object's valid records.
    pub index: u64,
    /// 1-based physical line where the record starts (line formats only).
    pub line: Option<u64>,
    /// The row's `TimeGenerated` (canonical datetime).
    pub time_generated: String,
    pub expected: TableRow,
}

/// Reads a manifest file's lines.
pub fn parse_manifest(text: &str) -> Result<Vec<ManifestLine>, serde_json::Error> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect()
}

/// A whole manifest, as a checker wants it.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub run: RunInfo,
    pub objects: Vec<ObjectEntry>,
    /// `None` if the run did not finish.
    pub totals: Option<Totals>,
}

/// Why a manifest could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("reading {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} line {line}: {source}")]
    Json {
        path: String,
        line: usize,
        source: serde_json::Error,
    },
    #[error("{path}: the first line is not a run header")]
    NoRun { path: String },
}

impl Manifest {
    /// Reads `manifest-<service>.jsonl`.
    pub fn read(path: &std::path::Path) -> Result<Self, ManifestError> {
        let lines = ManifestLines::open(path)?.collect::<Result<Vec<_>, _>>()?;
        Self::from_lines(lines).ok_or(ManifestError::NoRun {
            path: path.display().to_string(),
        })
    }

    /// Groups parsed lines; `None` without a leading run header.
    pub fn from_lines(lines: Vec<ManifestLine>) -> Option<Self> {
        let mut it = lines.into_iter();
        let Some(ManifestLine::Run(run)) = it.next() else {
            return None;
        };
        let mut m = Manifest {
            run,
            objects: Vec::new(),
            totals: None,
        };
        for l in it {
            match l {
                ManifestLine::Object(o) => m.objects.push(o),
                ManifestLine::Totals(t) => m.totals = Some(t),
                ManifestLine::Run(_) => return None,
            }
        }
        Some(m)
    }

    /// Every expected row of the objects to ingest, in object order.
    pub fn expected_records(&self) -> impl Iterator<Item = (&ObjectEntry, &ExpectedRecord)> {
        self.objects
            .iter()
            .filter(|o| o.ingest)
            .flat_map(|o| o.records.iter().map(move |r| (o, r)))
    }
}

/// A manifest file read one line at a time (a checker of a large run holds one object entry
/// at a time, never the whole manifest). Blank lines are skipped.
pub struct ManifestLines {
    path: String,
    lines: std::io::Lines<std::io::BufReader<std::fs::File>>,
    line: usize,
}

impl ManifestLines {
    pub fn open(path: &std::path::Path) -> Result<Self, ManifestError> {
        let p = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|source| ManifestError::Io {
            path: p.clone(),
            source,
        })?;
        Ok(ManifestLines {
            path: p,
            lines: std::io::BufRead::lines(std::io::BufReader::with_capacity(256 * 1024, file)),
            line: 0,
        })
    }
}

impl Iterator for ManifestLines {
    type Item = Result<ManifestLine, ManifestError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let text = match self.lines.next()? {
                Ok(t) => t,
                Err(source) => {
                    return Some(Err(ManifestError::Io {
                        path: self.path.clone(),
                        source,
                    }))
                }
            };
            self.line += 1;
            if text.trim().is_empty() {
                continue;
            }
            return Some(
                serde_json::from_str(&text).map_err(|source| ManifestError::Json {
                    path: self.path.clone(),
                    line: self.line,
                    source,
                }),
            );
        }
    }
}
