//! Object decoding and per-service parsing: the one code path shared by the
//! connector (inside a blocking task, fed from the S3 body) and the `parse`
//! subcommand (fed from a file).
//!
//! [`parse_reader`] reads an object as a stream: gzip is recognised by its
//! magic bytes (multi-member and double gzip included), never by the name
//! alone, and the object is never held in memory; every record goes to a
//! sink as it is parsed. A malformed record is a [`LineError`] (counted,
//! the rest of the object still parsed); a malformed object is an
//! [`ObjectError`] (the object yields nothing more).
//!
//! Records are mapped straight into borrowed rows ([`RowRef`]): lines are
//! parsed where they sit in the read buffer, JSON strings without escapes
//! are borrowed, JSON-valued columns keep the source's raw text, and
//! datetimes stay numbers until the row is serialised.
//!
//! CloudTrail's single `{"Records":[...]}` document is read through a
//! sliding window: each `Records` element is deserialised in place, and the
//! window only ever holds the current element and the unread rest of one
//! read, so only one record is in memory at a time.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::ControlFlow;

use flate2::bufread::MultiGzDecoder;
use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::rows::{
    member_names, members, AnyBool, AnyObj, AnyStr, CloudTrailRef, CloudWatchRef, EksLogsRef, Fill,
    GuardDutyRef, RowJson, RowRef, Text, VpcFlowRef,
};
use crate::synth::vpc::VpcField;
use crate::tables::{
    parse_datetime_ms, AwsCloudWatch, AwsEksLogs, AwsGuardDuty, DateTimeMs, JsonText, Table,
    TableRow,
};

/// The log source behind a route: decides the parser and the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Vpc,
    Guardduty,
    Cloudtrail,
    Cloudwatch,
    Eks,
}

impl Service {
    pub const ALL: [Service; 5] = [
        Service::Vpc,
        Service::Guardduty,
        Service::Cloudtrail,
        Service::Cloudwatch,
        Service::Eks,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Service::Vpc => "vpc",
            Service::Guardduty => "guardduty",
            Service::Cloudtrail => "cloudtrail",
            Service::Cloudwatch => "cloudwatch",
            Service::Eks => "eks",
        }
    }

    /// The service of a name as [`Service::name`] (and the simulator's
    /// `synth::Service::name`) spell it.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn table(self) -> Table {
        match self {
            Service::Vpc => Table::AWSVPCFlow,
            Service::Guardduty => Table::AWSGuardDuty,
            Service::Cloudtrail => Table::AWSCloudTrail,
            Service::Cloudwatch => Table::AWSCloudWatch,
            Service::Eks => Table::AWSEKSLogs_CL,
        }
    }

    /// The DCR stream name used when a route does not name one:
    /// `Custom-<Table>`.
    pub fn default_stream(self) -> String {
        format!("Custom-{:?}", self.table())
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a record sits in its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    /// 1-based physical line of the decompressed text where the record
    /// starts (line formats; `None` for CloudTrail).
    pub line: Option<u64>,
    /// 0-based position among the object's items (malformed ones included).
    pub index: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}"),
            None => write!(f, "Records[{}]", self.index),
        }
    }
}

/// A record of a good object that is not a valid record: it yields no row,
/// the rest of the object is still parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    pub position: Position,
    pub reason: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position, self.reason)
    }
}

/// What the parser hands to its sink, in object order. A row borrows the
/// parser's buffer: it lives for the sink call (see [`RowRef::to_table_row`]
/// to keep it).
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Item<'a> {
    Row(Position, &'a RowRef<'a>),
    Malformed(LineError),
}

/// Why an object as a whole could not be read. Rows already handed to the
/// sink before the error stay handed (the caller decides what to do with
/// them); nothing follows.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// Named `.gz` but does not start with the gzip magic bytes.
    #[error(
        "not gzip: the name ends in .gz but the object does not start with the gzip magic bytes"
    )]
    NotGzip,
    /// The gzip stream is corrupt or cut short.
    #[error("gzip decoding failed: {0}")]
    Decompress(io::Error),
    /// Reading the object's bytes failed (network, file): the object itself
    /// may be fine.
    #[error("reading the object failed: {0}")]
    Read(io::Error),
    /// The decompressed content is not a document of the service (no VPC
    /// header, unparseable CloudTrail JSON, no `Records`).
    #[error("{0}")]
    Document(String),
    /// The sink asked to stop.
    #[error("stopped by the consumer")]
    Stopped,
}

impl ObjectError {
    /// True if reading the same object again may succeed (a source read
    /// error, or the consumer stopped); false if the object is malformed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, ObjectError::Read(_) | ObjectError::Stopped)
    }
}

/// Marks an I/O error of the underlying source (as opposed to a decoding
/// error), so [`ObjectError::Read`] and [`ObjectError::Decompress`] can be
/// told apart. Wrap source errors with [`source_error`].
#[derive(Debug)]
struct SourceError(io::Error);

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SourceError {}

/// Wraps an error of the byte source (S3 body, file) so the parser reports it
/// as [`ObjectError::Read`], not as a decoding problem.
pub fn source_error(e: io::Error) -> io::Error {
    io::Error::other(SourceError(e))
}

/// Passes reads through, tagging every error as a source error.
struct TagSource<R>(R);

impl<R: Read> Read for TagSource<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            if e.get_ref().is_some_and(|i| i.is::<SourceError>()) {
                e
            } else {
                source_error(e)
            }
        })
    }
}

fn classify(e: io::Error) -> ObjectError {
    if e.get_ref().is_some_and(|i| i.is::<SourceError>()) {
        let inner = e
            .into_inner()
            .and_then(|b| b.downcast::<SourceError>().ok())
            .map(|s| s.0)
            .unwrap_or_else(|| io::Error::other("source error"));
        ObjectError::Read(inner)
    } else {
        ObjectError::Decompress(e)
    }
}

/// Counts bytes read through it.
struct Counted<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.bytes += amt as u64;
        self.inner.consume(amt)
    }
}

/// Facts about one parsed object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ParseSummary {
    pub rows: u64,
    pub malformed: u64,
    /// Bytes of the stored object read.
    pub stored_bytes: u64,
    /// Bytes after decompression (equal to `stored_bytes` for plain text).
    pub decompressed_bytes: u64,
    /// Gzip layers removed (0 plain, 1 gzip, 2 double gzip).
    pub gzip_layers: u8,
}

const BUF: usize = 128 * 1024;

/// Reads up to `n` bytes (fewer only at EOF).
fn read_prefix<R: Read>(r: &mut R, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0; n];
    let mut got = 0;
    while got < n {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(got);
    Ok(buf)
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

type Dyn<'a> = Box<dyn BufRead + 'a>;

/// Parses one object of `service` from `reader`, streaming, handing each
/// record to `sink` (which may stop the parse by returning `Break`).
///
/// `name` is the object key or file name: a name ending in `.gz` whose bytes
/// do not start with the gzip magic is [`ObjectError::NotGzip`]; otherwise
/// gzip is detected by the magic bytes alone. A zero-byte object yields
/// nothing and is not an error.
pub fn parse_reader<R: Read>(
    service: Service,
    name: Option<&str>,
    reader: R,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Result<ParseSummary, ObjectError> {
    let mut stored = Counted {
        inner: TagSource(reader),
        bytes: 0,
    };
    let prefix = read_prefix(&mut stored, 2).map_err(classify)?;
    let mut summary = ParseSummary::default();
    if prefix.is_empty() {
        return Ok(summary);
    }
    let raw = io::Cursor::new(prefix.clone()).chain(&mut stored);
    let (mut text, layers): (Counted<Dyn<'_>>, u8) = if prefix == GZIP_MAGIC {
        let mut once =
            BufReader::with_capacity(BUF, MultiGzDecoder::new(BufReader::with_capacity(BUF, raw)));
        // Double gzip (Firehose compression over already-gzip records).
        let inner = read_prefix(&mut once, 2).map_err(classify)?;
        let decoded = io::Cursor::new(inner.clone()).chain(once);
        if inner == GZIP_MAGIC {
            let twice = MultiGzDecoder::new(BufReader::with_capacity(BUF, decoded));
            (
                Counted {
                    inner: Box::new(BufReader::with_capacity(BUF, twice)) as Dyn<'_>,
                    bytes: 0,
                },
                2,
            )
        } else {
            // `decoded` is already buffered (the two peeked bytes, then `once`): a
            // second buffer over it would only cost its zeroing per object.
            (
                Counted {
                    inner: Box::new(decoded) as Dyn<'_>,
                    bytes: 0,
                },
                1,
            )
        }
    } else {
        if name.is_some_and(|n| n.ends_with(".gz")) {
            return Err(ObjectError::NotGzip);
        }
        (
            Counted {
                inner: Box::new(BufReader::with_capacity(BUF, raw)) as Dyn<'_>,
                bytes: 0,
            },
            0,
        )
    };
    let mut counting = |item: Item<'_>| {
        match &item {
            Item::Row(..) => summary.rows += 1,
            Item::Malformed(_) => summary.malformed += 1,
        }
        sink(item)
    };
    let result = match service {
        Service::Vpc => parse_vpc(&mut text, &mut counting),
        Service::Guardduty => parse_lines(&mut text, &mut counting, guardduty_line),
        Service::Eks => parse_lines(&mut text, &mut counting, eks_line),
        Service::Cloudwatch => parse_cloudwatch(&mut text, &mut counting),
        Service::Cloudtrail => parse_cloudtrail(&mut text, &mut counting),
    };
    summary.decompressed_bytes = text.bytes;
    drop(text);
    summary.stored_bytes = stored.bytes;
    summary.gzip_layers = layers;
    result.map(|()| summary)
}

/// Rows with their positions, malformed records, and the outcome.
pub type Parsed = (
    Vec<(Position, TableRow)>,
    Vec<LineError>,
    Result<ParseSummary, ObjectError>,
);

/// Parses a whole in-memory object: `(rows with positions, malformed
/// records, outcome)`. Convenient for tests and small files.
pub fn parse_bytes(service: Service, name: Option<&str>, data: &[u8]) -> Parsed {
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    let r = parse_reader(service, name, data, &mut |item| {
        match item {
            Item::Row(p, r) => rows.push((p, r.to_table_row())),
            Item::Malformed(e) => bad.push(e),
        }
        ControlFlow::Continue(())
    });
    (rows, bad, r)
}

fn stop_or(flow: ControlFlow<()>) -> Result<(), ObjectError> {
    match flow {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(()) => Err(ObjectError::Stopped),
    }
}

/// Calls `f` on every non-blank physical line (without its `\n` / `\r\n`),
/// with its 1-based number. Lines are handed out where they sit in the
/// reader's buffer; only a line that spans two reads is copied.
fn for_each_line(
    r: &mut dyn BufRead,
    mut f: impl FnMut(u64, &[u8]) -> Result<(), ObjectError>,
) -> Result<(), ObjectError> {
    let mut emit = |line: u64, l: &[u8]| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        if l.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        f(line, l)
    };
    let mut carry: Vec<u8> = Vec::new();
    let mut line = 0u64;
    loop {
        let buf = r.fill_buf().map_err(classify)?;
        if buf.is_empty() {
            if !carry.is_empty() {
                emit(line + 1, &carry)?;
            }
            return Ok(());
        }
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', buf) {
            line += 1;
            if carry.is_empty() {
                emit(line, &buf[start..end])?;
            } else {
                carry.extend_from_slice(&buf[start..end]);
                emit(line, &carry)?;
                carry.clear();
            }
            start = end + 1;
        }
        carry.extend_from_slice(&buf[start..]);
        let n = buf.len();
        r.consume(n);
    }
}

/// JSON Lines: one record per non-blank line, mapped by `map`.
fn parse_lines(
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
    map: for<'a> fn(&'a [u8]) -> Result<RowRef<'a>, String>,
) -> Result<(), ObjectError> {
    let mut index = 0u64;
    for_each_line(r, |line, bytes| {
        let position = Position {
            line: Some(line),
            index,
        };
        index += 1;
        let flow = match map(bytes) {
            Ok(row) => sink(Item::Row(position, &row)),
            Err(reason) => sink(Item::Malformed(LineError { position, reason })),
        };
        stop_or(flow)
    })
}

fn canonical_time(s: &str, what: &str) -> Result<DateTimeMs, String> {
    parse_datetime_ms(s)
        .map(DateTimeMs)
        .ok_or_else(|| format!("{what} '{s}' is not an RFC 3339 timestamp"))
}

// ---------------------------------------------------------------- GuardDuty

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct FindingIn<'a> {
    #[serde(borrow)]
    schemaVersion: Text<'a>,
    #[serde(borrow)]
    accountId: Text<'a>,
    #[serde(borrow)]
    region: Text<'a>,
    #[serde(borrow)]
    partition: Text<'a>,
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(borrow)]
    arn: Text<'a>,
    #[serde(borrow, rename = "type")]
    ty: Text<'a>,
    #[serde(borrow)]
    resource: &'a RawValue,
    #[serde(borrow)]
    service: &'a RawValue,
    severity: f64,
    #[serde(borrow)]
    createdAt: Text<'a>,
    #[serde(borrow)]
    updatedAt: Text<'a>,
    #[serde(borrow)]
    title: Text<'a>,
    #[serde(borrow)]
    description: Text<'a>,
}

/// `bytes` as text, checked with SIMD where the CPU has it; the error (where
/// and how the text stops being UTF-8) is the standard library's.
fn utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(_) => std::str::from_utf8(bytes),
    }
}

/// A line as text: UTF-8 is checked once for the whole line, so the JSON
/// parser need not check each string again.
fn line_text(line: &[u8]) -> Result<&str, String> {
    utf8(line).map_err(|e| format!("not UTF-8 (invalid byte at column {})", e.valid_up_to() + 1))
}

fn guardduty_line(line: &[u8]) -> Result<RowRef<'_>, String> {
    let f: FindingIn = serde_json::from_str(line_text(line)?).map_err(|e| {
        if line.starts_with(b"{\"findings\":") {
            "a '{\"findings\":[...]}' line, not a finding".to_string()
        } else {
            format!("not a GuardDuty finding: {e}")
        }
    })?;
    let row: GuardDutyRef = AwsGuardDuty {
        TimeGenerated: canonical_time(&f.updatedAt, "updatedAt")?,
        AccountId: f.accountId,
        ActivityType: f.ty,
        Arn: f.arn,
        Description: f.description,
        Id: f.id,
        Partition: f.partition,
        Region: f.region,
        ResourceDetails: f.resource,
        SchemaVersion: f.schemaVersion,
        ServiceDetails: f.service,
        Severity: f.severity.trunc() as i32,
        TimeCreated: canonical_time(&f.createdAt, "createdAt")?,
        Title: f.title,
    };
    Ok(RowRef::AWSGuardDuty(row))
}

// ---------------------------------------------------------------- EKS

/// One line of the EKS transform Lambda's output: the `AWSEKSLogs_CL`
/// columns.
#[derive(Deserialize)]
#[allow(non_snake_case)]
struct EksIn<'a> {
    #[serde(borrow)]
    TimeGenerated: Text<'a>,
    #[serde(borrow)]
    AwsAccountId: Text<'a>,
    #[serde(borrow)]
    Region: Text<'a>,
    #[serde(borrow)]
    ClusterName: Text<'a>,
    #[serde(borrow)]
    Verb: Text<'a>,
    #[serde(borrow)]
    User: Text<'a>,
    #[serde(borrow)]
    SourceIPs: Vec<Text<'a>>,
    #[serde(borrow, default)]
    UserAgent: Option<Text<'a>>,
    #[serde(borrow, default)]
    ObjectRef: Option<Text<'a>>,
    #[serde(default)]
    ResponseCode: Option<i64>,
    #[serde(borrow)]
    Stage: Text<'a>,
    #[serde(borrow, default)]
    AuthDecision: Option<Text<'a>>,
    #[serde(borrow)]
    RawEvent: &'a RawValue,
}

fn eks_line(line: &[u8]) -> Result<RowRef<'_>, String> {
    let e: EksIn = serde_json::from_str(line_text(line)?)
        .map_err(|e| format!("not an AWSEKSLogs_CL row: {e}"))?;
    let row: EksLogsRef = AwsEksLogs {
        TimeGenerated: canonical_time(&e.TimeGenerated, "TimeGenerated")?,
        AwsAccountId: e.AwsAccountId,
        Region: e.Region,
        ClusterName: e.ClusterName,
        Verb: e.Verb,
        User: e.User,
        SourceIPs: e.SourceIPs,
        UserAgent: e.UserAgent,
        ObjectRef: e.ObjectRef,
        ResponseCode: e.ResponseCode,
        Stage: e.Stage,
        AuthDecision: e.AuthDecision,
        RawEvent: e.RawEvent,
    };
    Ok(RowRef::AWSEKSLogs_CL(row))
}

// ---------------------------------------------------------------- VPC

fn parse_vpc(
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Result<(), ObjectError> {
    let mut header: Option<Vec<Option<VpcField>>> = None;
    let mut index = 0u64;
    for_each_line(r, |line, bytes| {
        let Some(fields) = &header else {
            let text = utf8(bytes)
                .map_err(|_| ObjectError::Document("the VPC header line is not UTF-8".into()))?;
            let fields: Vec<Option<VpcField>> = text
                .split(' ')
                .filter(|t| !t.is_empty())
                .map(|t| VpcField::from_name(&t.replace('_', "-")))
                .collect();
            if fields.iter().all(Option::is_none) {
                return Err(ObjectError::Document(format!(
                    "line {line} is not a VPC flow log header (no known field names): '{}'",
                    text.chars().take(120).collect::<String>()
                )));
            }
            header = Some(fields);
            return Ok(());
        };
        let position = Position {
            line: Some(line),
            index,
        };
        index += 1;
        let flow = match vpc_record(fields, bytes) {
            Ok(row) => sink(Item::Row(position, &RowRef::AWSVPCFlow(row))),
            Err(reason) => sink(Item::Malformed(LineError { position, reason })),
        };
        stop_or(flow)
    })
}

fn vpc_record<'a>(fields: &[Option<VpcField>], bytes: &'a [u8]) -> Result<VpcFlowRef<'a>, String> {
    let text = utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
    let mut row = VpcFlowRef::default();
    let mut start = None;
    let mut n = 0usize;
    let mut first_error = None;
    for v in words(text) {
        let field = fields.get(n).copied().flatten();
        n += 1;
        let Some(field) = field else { continue };
        if v == "-" || first_error.is_some() {
            continue;
        }
        if let Err(e) = set_vpc_field(&mut row, &mut start, field, v) {
            first_error = Some(e);
        }
    }
    if n != fields.len() {
        return Err(format!(
            "{n} space-separated fields, the header has {}",
            fields.len()
        ));
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    // Sentinel falls back to ingestion time without `start`; that row could
    // never be checked, so it is reported instead.
    let start = start.ok_or("no start time ('-' or not in the format)")?;
    row.TimeGenerated = DateTimeMs(start.saturating_mul(1000));
    Ok(row)
}

/// The space-separated words of a line (a run of spaces separates one
/// pair), the spaces found with `memchr`'s vectorised search.
fn words(text: &str) -> impl Iterator<Item = &str> {
    let mut spaces = memchr::memchr_iter(b' ', text.as_bytes());
    let mut start = 0;
    std::iter::from_fn(move || loop {
        let Some(at) = spaces.next() else {
            if start < text.len() {
                let word = &text[start..];
                start = text.len();
                return Some(word);
            }
            return None;
        };
        let word = &text[start..at];
        start = at + 1;
        if !word.is_empty() {
            return Some(word);
        }
    })
}

/// A decimal integer as `str::parse::<i64>` reads it. Up to 18 digits
/// (all a flow log holds) cannot overflow, so they take a plain digit loop;
/// anything else goes to `str::parse`.
fn integer(v: &str) -> Option<i64> {
    let (negative, digits) = match v.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        d => (false, d),
    };
    if digits.is_empty() || digits.len() > 18 || digits[0] == b'+' {
        return v.parse().ok();
    }
    let mut n = 0i64;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + i64::from(d);
    }
    Some(if negative { -n } else { n })
}

/// Sets the column of one VPC field from its (non-`-`) value.
fn set_vpc_field<'a>(
    row: &mut VpcFlowRef<'a>,
    start: &mut Option<i64>,
    field: VpcField,
    v: &'a str,
) -> Result<(), String> {
    let int = || {
        integer(v)
            .and_then(|i| i32::try_from(i).ok())
            .map(Some)
            .ok_or_else(|| format!("{} '{v}' is not a 32-bit integer", field.name()))
    };
    let long = || {
        integer(v)
            .map(Some)
            .ok_or_else(|| format!("{} '{v}' is not an integer", field.name()))
    };
    let s = Some(v);
    use VpcField as F;
    match field {
        F::Version => row.Version = int()?,
        F::AccountId => row.AccountId = s,
        F::InterfaceId => row.InterfaceId = s,
        F::SrcAddr => row.SrcAddr = s,
        F::DstAddr => row.DstAddr = s,
        F::SrcPort => row.SrcPort = int()?,
        F::DstPort => row.DstPort = int()?,
        F::Protocol => row.Protocol = int()?,
        F::Packets => row.Packets = long()?,
        F::Bytes => row.Bytes = long()?,
        F::Start => *start = long()?,
        F::End => row.End = long()?.map(|e| DateTimeMs(e.saturating_mul(1000))),
        F::Action => row.Action = s,
        F::LogStatus => row.LogStatus = s,
        F::VpcId => row.VpcId = s,
        F::SubnetId => row.SubnetId = s,
        F::InstanceId => row.InstanceId = s,
        F::TcpFlags => row.TcpFlags = int()?,
        F::Type => row.TrafficType = s,
        F::PktSrcAddr => row.PktSrcAddr = s,
        F::PktDstAddr => row.PktDstAddr = s,
        F::Region => row.Region = s,
        F::AzId => row.AzId = s,
        F::SublocationType => row.SublocationType = s,
        F::SublocationId => row.SublocationId = s,
        F::PktSrcAwsService => row.PktSrcAwsService = s,
        F::PktDstAwsService => row.PktDstAwsService = s,
        F::FlowDirection => row.FlowDirection = s,
        F::TrafficPath => row.TrafficPath = int()?,
        F::EcsClusterArn => row.EcsClusterArn = s,
        F::EcsClusterName => row.EcsClusterName = s,
        F::EcsContainerInstanceArn => row.EcsContainerInstanceArn = s,
        F::EcsContainerInstanceId => row.EcsContainerInstanceId = s,
        F::EcsContainerId => row.EcsContainerId = s,
        F::EcsSecondContainerId => row.EcsSecondContainerId = s,
        F::EcsServiceName => row.EcsServiceName = s,
        F::EcsTaskDefinitionArn => row.EcsTaskDefinitionArn = s,
        F::EcsTaskArn => row.EcsTaskArn = s,
        F::EcsTaskId => row.EcsTaskId = s,
        F::RejectReason => row.RejectReason = s,
    }
    Ok(())
}

// ---------------------------------------------------------------- CloudWatch

thread_local! {
    /// Building a CSV reader builds its state machine, which costs more than
    /// parsing a small object: one per thread, reset for every object.
    static CSV: std::cell::RefCell<csv_core::Reader> =
        std::cell::RefCell::new(csv_core::Reader::new());
}

/// Firehose's `timestamp,message` CSV (RFC 4180 quoting; a quoted message
/// may span lines), read with `csv_core` straight from the reader's buffer.
fn parse_cloudwatch(
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Result<(), ObjectError> {
    CSV.with_borrow_mut(|csv| {
        use csv_core::ReadRecordResult as R;
        csv.reset();
        let mut out = vec![0u8; 16 * 1024];
        let mut ends = vec![0usize; 4];
        let (mut o, mut e) = (0, 0);
        let mut index = 0u64;
        // As the csv crate reports it: the line after the previous record.
        let mut line = csv.line();
        loop {
            let input = r.fill_buf().map_err(classify)?;
            let (res, nin, nout, nend) = csv.read_record(input, &mut out[o..], &mut ends[e..]);
            r.consume(nin);
            o += nout;
            e += nend;
            match res {
                R::InputEmpty => {}
                R::OutputFull => out.resize(out.len() * 2, 0),
                R::OutputEndsFull => ends.resize(ends.len() * 2, 0),
                R::End => return Ok(()),
                R::Record => {
                    let position = Position {
                        line: Some(line),
                        index,
                    };
                    index += 1;
                    let fields = &ends[..e];
                    let flow = match cloudwatch_record(&out[..o], fields) {
                        Ok(row) => sink(Item::Row(position, &RowRef::AWSCloudWatch(row))),
                        Err(reason) => sink(Item::Malformed(LineError { position, reason })),
                    };
                    stop_or(flow)?;
                    (o, e) = (0, 0);
                    line = csv.line();
                }
            }
        }
    })
}

/// One CSV record: its fields' bytes back to back, and where each ends.
fn cloudwatch_record<'a>(data: &'a [u8], ends: &[usize]) -> Result<CloudWatchRef<'a>, String> {
    let [ts_end, msg_end] = ends else {
        return Err(format!(
            "{} CSV fields, expected 2 (timestamp,message)",
            ends.len()
        ));
    };
    let (ts, msg) = (&data[..*ts_end], &data[*ts_end..*msg_end]);
    let ts = std::str::from_utf8(ts)
        .ok()
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or_else(|| {
            format!(
                "timestamp '{}' is not epoch milliseconds",
                String::from_utf8_lossy(ts)
            )
        })?;
    let message = utf8(msg).map_err(|_| "message is not UTF-8")?;
    let t = DateTimeMs(ts);
    Ok(AwsCloudWatch {
        TimeGenerated: t,
        ExtractedTime: t,
        Message: message,
    })
}

// ---------------------------------------------------------------- CloudTrail

/// A window over the decompressed text: the unread rest of the last read
/// plus, while one is being parsed, the JSON value that started before it.
/// Text enters the window checked as UTF-8 once, so the JSON parser reads
/// it as `str` and need not check each string again.
struct Window<'r> {
    r: &'r mut dyn BufRead,
    buf: String,
    pos: usize,
    /// The start of a UTF-8 sequence cut by the end of the last read.
    partial: Vec<u8>,
    eof: bool,
}

fn not_utf8() -> ObjectError {
    not_cloudtrail("the text is not UTF-8")
}

/// What parsing a value at the window's cursor came to.
enum Attempt<R> {
    /// The value was complete: the result and the bytes it took.
    Done(R, usize),
    /// The value runs past the window's end: read more and try again.
    More,
    Fail(ObjectError),
}

impl Window<'_> {
    /// Appends the next read to the window (dropping what was parsed
    /// already); false at the end of the text.
    fn more(&mut self) -> Result<bool, ObjectError> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 && self.pos * 2 >= self.buf.len() {
            // The cursor is always after an ASCII byte: a char boundary.
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let chunk = self.r.fill_buf().map_err(classify)?;
        if chunk.is_empty() {
            self.eof = true;
            if !self.partial.is_empty() {
                return Err(not_utf8());
            }
            return Ok(false);
        }
        let n = chunk.len();
        let mut taken = 0;
        while !self.partial.is_empty() && taken < n {
            self.partial.push(chunk[taken]);
            taken += 1;
            match std::str::from_utf8(&self.partial) {
                Ok(c) => {
                    self.buf.push_str(c);
                    self.partial.clear();
                }
                Err(e) if e.error_len().is_none() && self.partial.len() < 4 => {}
                Err(_) => return Err(not_utf8()),
            }
        }
        let rest = &chunk[taken..];
        match utf8(rest) {
            Ok(text) => self.buf.push_str(text),
            Err(e) if e.error_len().is_none() => {
                let (good, cut) = rest.split_at(e.valid_up_to());
                self.buf
                    .push_str(std::str::from_utf8(good).expect("checked just above"));
                self.partial.extend_from_slice(cut);
            }
            Err(_) => return Err(not_utf8()),
        }
        self.r.consume(n);
        Ok(true)
    }

    fn peek(&mut self) -> Result<Option<u8>, ObjectError> {
        while self.pos >= self.buf.len() {
            if !self.more()? {
                return Ok(None);
            }
        }
        Ok(Some(self.buf.as_bytes()[self.pos]))
    }

    fn next(&mut self) -> Result<Option<u8>, ObjectError> {
        let b = self.peek()?;
        if b.is_some() {
            self.pos += 1;
        }
        Ok(b)
    }

    /// Skips JSON whitespace.
    fn ws(&mut self) -> Result<(), ObjectError> {
        loop {
            let rest = &self.buf.as_bytes()[self.pos..];
            let n = rest
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(rest.len());
            self.pos += n;
            if self.pos < self.buf.len() || !self.more()? {
                return Ok(());
            }
        }
    }

    /// Runs `attempt` on the text from the cursor (and whether the text ends
    /// there) until it takes a complete value, reading more while it asks
    /// for more; moves past the value.
    fn value<R>(
        &mut self,
        mut attempt: impl FnMut(&str, bool) -> Attempt<R>,
    ) -> Result<R, ObjectError> {
        loop {
            match attempt(&self.buf[self.pos..], self.eof) {
                Attempt::Done(r, n) => {
                    self.pos += n;
                    return Ok(r);
                }
                Attempt::Fail(e) => return Err(e),
                Attempt::More => {
                    self.more()?;
                }
            }
        }
    }
}

/// One JSON value of type `T` at the start of `text`: `Ok(Some((value,
/// length)))`, `Ok(None)` if it may continue past the end of `text` (never
/// when `at_end`), or the parse error.
fn one<'de, T: Deserialize<'de>>(
    text: &'de str,
    at_end: bool,
) -> Result<Option<(T, usize)>, serde_json::Error> {
    let mut it = serde_json::Deserializer::from_str(text).into_iter::<T>();
    match it.next() {
        Some(Ok(v)) if it.byte_offset() < text.len() || at_end => Ok(Some((v, it.byte_offset()))),
        Some(Ok(_)) => Ok(None),
        Some(Err(e)) if e.is_eof() && !at_end => Ok(None),
        Some(Err(e)) => Err(e),
        None if !at_end => Ok(None),
        // Only whitespace to the end: the error serde_json gives for that.
        None => Err(serde_json::from_slice::<IgnoredAny>(b"").unwrap_err()),
    }
}

fn not_cloudtrail(m: &str) -> ObjectError {
    ObjectError::Document(format!("not a CloudTrail log file: {m}"))
}

fn cut_short(e: &serde_json::Error) -> bool {
    e.is_eof()
}

/// An attempt at one owned value (a member name, a skipped member).
fn owned<T: DeserializeOwned>(text: &str, at_end: bool) -> Attempt<T> {
    match one::<T>(text, at_end) {
        Ok(Some((v, n))) => Attempt::Done(v, n),
        Ok(None) => Attempt::More,
        Err(e) if cut_short(&e) => Attempt::Fail(ObjectError::Document(
            "the CloudTrail document is cut short".into(),
        )),
        Err(e) => Attempt::Fail(not_cloudtrail(&format!("invalid JSON: {e}"))),
    }
}

/// The CloudTrail document, streamed through a [`Window`]: the top-level
/// object's members other than `Records` are skipped, and each `Records`
/// element is deserialised in place and mapped. Anything that is not a
/// well-formed `{"Records":[...]}` document is [`ObjectError::Document`];
/// an element that is valid JSON but not an event is a malformed record.
fn parse_cloudtrail(
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Result<(), ObjectError> {
    let mut w = Window {
        r,
        buf: String::with_capacity(2 * BUF),
        pos: 0,
        partial: Vec::new(),
        eof: false,
    };
    let doc = not_cloudtrail;
    w.ws()?;
    if w.next()? != Some(b'{') {
        return Err(doc("the document is not a JSON object"));
    }
    let mut found = false;
    w.ws()?;
    if w.peek()? == Some(b'}') {
        w.next()?;
    } else {
        loop {
            if w.peek()? != Some(b'"') {
                return Err(doc("expected a member name"));
            }
            let name: String = w.value(owned::<String>)?;
            let is_records = name == "Records";
            w.ws()?;
            if w.next()? != Some(b':') {
                return Err(doc("expected ':' after a member name"));
            }
            w.ws()?;
            if is_records && !found {
                found = true;
                if w.next()? != Some(b'[') {
                    return Err(doc("\"Records\" is not an array"));
                }
                w.ws()?;
                if w.peek()? == Some(b']') {
                    w.next()?;
                } else {
                    let mut index = 0u64;
                    loop {
                        if w.peek()?.is_none() {
                            return Err(ObjectError::Document(
                                "the CloudTrail document is cut short".into(),
                            ));
                        }
                        let flow = w.value(|text, at_end| record(text, at_end, index, sink))?;
                        index += 1;
                        stop_or(flow)?;
                        w.ws()?;
                        match w.next()? {
                            Some(b',') => w.ws()?,
                            Some(b']') => break,
                            _ => return Err(doc("expected ',' or ']' in Records")),
                        }
                    }
                }
            } else {
                w.value(owned::<IgnoredAny>)?;
            }
            w.ws()?;
            match w.next()? {
                Some(b',') => w.ws()?,
                Some(b'}') => break,
                _ => return Err(doc("expected ',' or '}' after a member")),
            }
        }
    }
    w.ws()?;
    if w.peek()?.is_some() {
        return Err(ObjectError::Document(
            "text after the CloudTrail document".into(),
        ));
    }
    if !found {
        return Err(ObjectError::Document(
            "the JSON document has no \"Records\" array (a CloudTrail digest file?)".into(),
        ));
    }
    Ok(())
}

/// One `Records` element at the start of `text`: mapped and handed to the
/// sink once complete.
fn record(
    text: &str,
    at_end: bool,
    index: u64,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Attempt<ControlFlow<()>> {
    let position = Position { line: None, index };
    let invalid = |e: serde_json::Error| {
        if cut_short(&e) {
            ObjectError::Document("the CloudTrail document is cut short".into())
        } else {
            not_cloudtrail(&format!("Records[{index}] is not valid JSON: {e}"))
        }
    };
    // An element that is valid JSON but not an event: skip it, report it.
    let mut malformed = |reason: String| match one::<IgnoredAny>(text, at_end) {
        Ok(Some((_, n))) => Attempt::Done(sink(Item::Malformed(LineError { position, reason })), n),
        Ok(None) => Attempt::More,
        Err(e) => Attempt::Fail(invalid(e)),
    };
    let kind = match text.as_bytes().first() {
        Some(b'{') => "",
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'"') => "a string",
        Some(b'[') => "an array",
        _ => "a number",
    };
    if !kind.is_empty() {
        return malformed(format!("a Records item is {kind}, not an event object"));
    }
    let event = match one::<EventRow>(text, at_end) {
        Ok(Some(v)) => v,
        Ok(None) => return Attempt::More,
        Err(e) if e.is_data() => return malformed(format!("not a CloudTrail event: {e}")),
        Err(e) => return Attempt::Fail(invalid(e)),
    };
    let (event, n) = event;
    let flow = match event.finish() {
        Ok(row) => sink(Item::Row(position, &RowRef::AWSCloudTrail(row))),
        Err(reason) => sink(Item::Malformed(LineError { position, reason })),
    };
    Attempt::Done(flow, n)
}

member_names!(
    /// The members of a CloudTrail event the table maps.
    EventKey {
        eventTime, awsRegion, additionalEventData, apiVersion, eventID, requestID, eventCategory,
        errorCode, errorMessage, eventName, eventSource, eventType, eventVersion, managementEvent,
        readOnly, recipientAccountId, requestParameters, resources, responseElements,
        serviceEventDetails, sharedEventID, sourceIPAddress, userAgent, vpcEndpointId, tlsDetails,
        userIdentity,
    }
);
member_names!(TlsKey {
    tlsVersion,
    cipherSuite,
    clientProvidedHostHeader
});
member_names!(IdentityKey {
    accessKeyId,
    accountId,
    arn,
    invokedBy,
    principalId,
    r#type,
    userName,
    sessionContext
});
member_names!(SessionKey {
    ec2RoleDelivery,
    sessionIssuer,
    attributes
});
member_names!(IssuerKey {
    accountId,
    arn,
    principalId,
    r#type,
    userName
});
member_names!(AttributesKey {
    creationDate,
    mfaAuthenticated
});

/// The next member's value read leniently as a string.
fn text<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<Text<'de>>, A::Error> {
    Ok(map.next_value::<AnyStr<'de>>()?.take())
}

/// The next member's value read leniently as a boolean.
fn flag<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<bool>, A::Error> {
    Ok(map.next_value::<AnyBool>()?.0)
}

/// The next member's value as JSON text, `None` for `null`.
fn json<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<JsonText<'de>>, A::Error> {
    Ok(map
        .next_value::<Option<&'de RawValue>>()?
        .map(|r| JsonText(r.get())))
}

/// A `Records` element read straight into its row: each member lands in
/// its column as it is read, nested objects included, so no intermediate
/// struct is built or moved. Members are read leniently: one of an
/// unexpected type reads as absent.
#[derive(Default)]
struct EventRow<'a> {
    row: CloudTrailRef<'a>,
    event_time: Option<Text<'a>>,
}

impl<'de> Deserialize<'de> for EventRow<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EventVisitor)
    }
}

struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = EventRow<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CloudTrail event object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<EventRow<'de>, A::Error> {
        let mut event = EventRow::default();
        let EventRow { row: r, event_time } = &mut event;
        members(map, |key, map: &mut A| {
            use EventKey as K;
            match key {
                K::eventTime => *event_time = text(map)?,
                K::awsRegion => r.AWSRegion = text(map)?,
                K::additionalEventData => r.AdditionalEventData = json(map)?,
                K::apiVersion => r.APIVersion = text(map)?,
                K::eventID => r.AwsEventId = text(map)?,
                K::requestID => r.AwsRequestId_ = text(map)?,
                K::eventCategory => r.Category = text(map)?,
                K::errorCode => r.ErrorCode = text(map)?,
                K::errorMessage => r.ErrorMessage = text(map)?,
                K::eventName => r.EventName = text(map)?,
                K::eventSource => r.EventSource = text(map)?,
                K::eventType => r.EventTypeName = text(map)?,
                K::eventVersion => r.EventVersion = text(map)?,
                K::managementEvent => r.ManagementEvent = flag(map)?,
                K::readOnly => r.ReadOnly = flag(map)?,
                K::recipientAccountId => r.RecipientAccountId = text(map)?,
                K::requestParameters => r.RequestParameters = json(map)?,
                K::resources => r.Resources = json(map)?,
                K::responseElements => r.ResponseElements = json(map)?,
                K::serviceEventDetails => r.ServiceEventDetails = json(map)?,
                K::sharedEventID => r.SharedEventId = text(map)?,
                K::sourceIPAddress => r.SourceIpAddress = text(map)?,
                K::userAgent => r.UserAgent = text(map)?,
                K::vpcEndpointId => r.VpcEndpointId = text(map)?,
                K::tlsDetails => map.next_value_seed(AnyObj(Tls(r)))?,
                K::userIdentity => map.next_value_seed(AnyObj(Identity(r)))?,
                K::other => {}
            }
            Ok(())
        })?;
        Ok(event)
    }
}

/// `tlsDetails` into the row.
struct Tls<'r, 'a>(&'r mut CloudTrailRef<'a>);

impl<'de> Fill<'de> for Tls<'_, 'de> {
    fn fill<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let r = self.0;
        members(map, |key, map: &mut A| {
            match key {
                TlsKey::tlsVersion => r.TlsVersion = text(map)?,
                TlsKey::cipherSuite => r.CipherSuite = text(map)?,
                TlsKey::clientProvidedHostHeader => r.ClientProvidedHostHeader = text(map)?,
                TlsKey::other => {}
            }
            Ok(())
        })
    }
}

/// `userIdentity` into the row.
struct Identity<'r, 'a>(&'r mut CloudTrailRef<'a>);

impl<'de> Fill<'de> for Identity<'_, 'de> {
    fn fill<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let r = self.0;
        members(map, |key, map: &mut A| {
            use IdentityKey as K;
            match key {
                K::accessKeyId => r.UserIdentityAccessKeyId = text(map)?,
                K::accountId => r.UserIdentityAccountId = text(map)?,
                K::arn => r.UserIdentityArn = text(map)?,
                K::invokedBy => r.UserIdentityInvokedBy = text(map)?,
                K::principalId => r.UserIdentityPrincipalid = text(map)?,
                K::r#type => r.UserIdentityType = text(map)?,
                K::userName => r.UserIdentityUserName = text(map)?,
                K::sessionContext => map.next_value_seed(AnyObj(Session(&mut *r)))?,
                K::other => {}
            }
            Ok(())
        })
    }
}

/// `userIdentity.sessionContext` into the row.
struct Session<'r, 'a>(&'r mut CloudTrailRef<'a>);

impl<'de> Fill<'de> for Session<'_, 'de> {
    fn fill<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let r = self.0;
        members(map, |key, map: &mut A| {
            match key {
                SessionKey::ec2RoleDelivery => r.EC2RoleDelivery = text(map)?,
                SessionKey::sessionIssuer => map.next_value_seed(AnyObj(Issuer(&mut *r)))?,
                SessionKey::attributes => map.next_value_seed(AnyObj(Attributes(&mut *r)))?,
                SessionKey::other => {}
            }
            Ok(())
        })
    }
}

/// `userIdentity.sessionContext.sessionIssuer` into the row.
struct Issuer<'r, 'a>(&'r mut CloudTrailRef<'a>);

impl<'de> Fill<'de> for Issuer<'_, 'de> {
    fn fill<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let r = self.0;
        members(map, |key, map: &mut A| {
            use IssuerKey as K;
            match key {
                K::accountId => r.SessionIssuerAccountId = text(map)?,
                K::arn => r.SessionIssuerArn = text(map)?,
                K::principalId => r.SessionIssuerPrincipalId = text(map)?,
                K::r#type => r.SessionIssuerType = text(map)?,
                K::userName => r.SessionIssuerUserName = text(map)?,
                K::other => {}
            }
            Ok(())
        })
    }
}

/// `userIdentity.sessionContext.attributes` into the row; a creation date
/// that is not RFC 3339 reads as absent.
struct Attributes<'r, 'a>(&'r mut CloudTrailRef<'a>);

impl<'de> Fill<'de> for Attributes<'_, 'de> {
    fn fill<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let r = self.0;
        members(map, |key, map: &mut A| {
            match key {
                AttributesKey::creationDate => {
                    r.SessionCreationDate = text(map)?
                        .and_then(|d| parse_datetime_ms(&d))
                        .map(DateTimeMs)
                }
                AttributesKey::mfaAuthenticated => r.SessionMfaAuthenticated = flag(map)?,
                AttributesKey::other => {}
            }
            Ok(())
        })
    }
}

impl<'a> EventRow<'a> {
    /// The row, once its `TimeGenerated` is set from `eventTime`.
    fn finish(self) -> Result<CloudTrailRef<'a>, String> {
        let Some(time) = self.event_time else {
            return Err("the event has no eventTime".into());
        };
        let mut row = self.row;
        row.TimeGenerated = canonical_time(&time, "eventTime")?;
        Ok(row)
    }
}

/// Writes `row` as the JSON object the Logs Ingestion API receives (the
/// table's columns, without the `{"table":..,"row":..}` tag).
pub fn write_row_json(row: &TableRow, out: &mut Vec<u8>) -> serde_json::Result<()> {
    row.write_json(out);
    Ok(())
}

/// Whether the connector skips an object of `service` by its key without
/// reading it: CloudTrail digest files and CloudWatch Logs export permission
/// probes are never log data.
pub fn skip_reason(service: Service, key: &str) -> Option<&'static str> {
    match service {
        Service::Cloudtrail if key.contains("/CloudTrail-Digest/") => {
            Some("CloudTrail digest file")
        }
        _ if key.rsplit('/').next() == Some("aws-logs-write-test") => {
            Some("CloudWatch Logs permission probe")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::AwsVpcFlow;
    use flate2::write::GzEncoder;
    use serde_json::Value;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn rows(service: Service, data: &[u8]) -> (Vec<TableRow>, Vec<LineError>) {
        let (r, bad, res) = parse_bytes(service, None, data);
        res.unwrap();
        (r.into_iter().map(|(_, r)| r).collect(), bad)
    }

    const VPC: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n\
2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA\n\
2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA\n\
2 123456789010 eni-1235b8ca123456789  172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n\
2 unknown eni-1 1.2.3.4 5.6.7.8 1 2 6 20 4249 yesterday 1418530070 ACCEPT OK\n\
2 123456789010 eni-1\n";

    #[test]
    fn integers_read_as_str_parse_reads_them() {
        for v in [
            "0",
            "7",
            "-7",
            "+7",
            "-",
            "",
            "12a",
            "1.5",
            " 1",
            "2147483647",
            "2147483648",
            "-2147483648",
            "999999999999999999",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "00042",
            "-0",
            "--1",
            "+-1",
            "\u{663}",
        ] {
            assert_eq!(integer(v), v.parse::<i64>().ok(), "{v:?}");
        }
    }

    #[test]
    fn words_split_on_runs_of_spaces() {
        let w = |s| words(s).collect::<Vec<_>>();
        assert_eq!(w("a bb  c "), ["a", "bb", "c"]);
        assert_eq!(w("  x"), ["x"]);
        assert!(w("").is_empty() && w("   ").is_empty());
        assert_eq!(w("é ü"), ["é", "ü"]);
        // Words across the 64-byte blocks, spaces at their edges.
        let long: String = (0..40)
            .map(|i| format!("w{i}{} ", " ".repeat(i % 3)))
            .collect();
        let expect: Vec<String> = (0..40).map(|i| format!("w{i}")).collect();
        assert_eq!(w(&long), expect);
        let edge = format!("{} {}", "a".repeat(63), "b".repeat(64));
        assert_eq!(w(&edge), [&"a".repeat(63), &"b".repeat(64)]);
    }

    #[test]
    fn vpc_literal_rows() {
        let (r, bad) = rows(Service::Vpc, VPC.as_bytes());
        assert_eq!(r.len(), 4);
        let TableRow::AWSVPCFlow(first) = &r[0] else {
            panic!()
        };
        assert_eq!(
            first,
            &AwsVpcFlow {
                TimeGenerated: "2014-12-14T04:06:50.000Z".into(),
                Version: Some(2),
                AccountId: Some("123456789010".into()),
                InterfaceId: Some("eni-1235b8ca123456789".into()),
                SrcAddr: Some("172.31.16.139".into()),
                DstAddr: Some("172.31.16.21".into()),
                SrcPort: Some(20641),
                DstPort: Some(22),
                Protocol: Some(6),
                Packets: Some(20),
                Bytes: Some(4249),
                End: Some("2014-12-14T04:07:50.000Z".into()),
                Action: Some("ACCEPT".into()),
                LogStatus: Some("OK".into()),
                ..AwsVpcFlow::default()
            }
        );
        let TableRow::AWSVPCFlow(nodata) = &r[1] else {
            panic!()
        };
        assert_eq!(nodata.LogStatus.as_deref(), Some("NODATA"));
        assert_eq!(
            (
                nodata.SrcAddr.as_ref(),
                nodata.Bytes,
                nodata.Action.as_ref()
            ),
            (None, None, None)
        );
        // A double space is tolerated.
        assert_eq!(r[3], r[0]);
        let lines: Vec<u64> = bad.iter().map(|b| b.position.line.unwrap()).collect();
        assert_eq!(lines, [6, 7]);
        assert!(
            bad[0].reason.contains("start 'yesterday'"),
            "{}",
            bad[0].reason
        );
        assert!(
            bad[1].reason.contains("3 space-separated fields"),
            "{}",
            bad[1].reason
        );
    }

    #[test]
    fn vpc_custom_order_unknown_fields_and_no_header() {
        let text = "instance-id interface-id next-hop-vpc-id start end log_status\n- eni-1 vpc-9 100 160 OK\n";
        let (r, bad) = rows(Service::Vpc, text.as_bytes());
        assert!(bad.is_empty());
        let TableRow::AWSVPCFlow(row) = &r[0] else {
            panic!()
        };
        assert_eq!(row.InstanceId, None);
        assert_eq!(row.InterfaceId.as_deref(), Some("eni-1"));
        assert_eq!(row.LogStatus.as_deref(), Some("OK"));
        assert_eq!(row.TimeGenerated, "1970-01-01T00:01:40.000Z");
        let (_, _, res) = parse_bytes(Service::Vpc, None, b"2 1 eni-1 - - 100 160\n");
        assert!(matches!(res, Err(ObjectError::Document(_))), "{res:?}");
    }

    const FINDING: &str = r#"{"schemaVersion":"2.0","accountId":"123456789012","region":"us-east-1","partition":"aws","id":"16afba5c5c43e07c9e3e5e2e544e95df","arn":"arn:aws:guardduty:us-east-1:123456789012:detector/123456789012345678901234567890ab/finding/16afba5c5c43e07c9e3e5e2e544e95df","type":"Recon:EC2/PortProbeUnprotectedPort","resource":{"resourceType":"Instance","instanceDetails":{"instanceId":"i-99999999","platform":null}},"service":{"serviceName":"guardduty","count":3,"archived":false,"additionalInfo":{"value":"{\"sample\":true}","type":"default"},"evidence":null},"severity":5.9,"createdAt":"2024-05-30T07:00:00.123Z","updatedAt":"2024-05-30T08:15:30.5Z","title":"Unprotected port on EC2 instance i-99999999 is being probed.","description":"EC2 instance has an unprotected port which is being probed by a known malicious host."}"#;

    #[test]
    fn guardduty_literal_finding_and_findings_line() {
        let text = format!("{FINDING}\n{{\"findings\":[]}}\n\n{FINDING}\n");
        let (r, bad) = rows(Service::Guardduty, text.as_bytes());
        assert_eq!(r.len(), 2);
        let TableRow::AWSGuardDuty(f) = &r[0] else {
            panic!()
        };
        assert_eq!(f.TimeGenerated, "2024-05-30T08:15:30.500Z");
        assert_eq!(f.TimeCreated, "2024-05-30T07:00:00.123Z");
        assert_eq!(f.Severity, 5);
        assert_eq!(f.ActivityType, "Recon:EC2/PortProbeUnprotectedPort");
        assert_eq!(f.ServiceDetails["count"], 3);
        assert_eq!(
            f.ResourceDetails["instanceDetails"]["platform"],
            Value::Null
        );
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].position.line, Some(2));
        assert!(bad[0].reason.contains("findings"));
        // The blank line is skipped, the second finding is on line 4.
        let (with_pos, _, _) = parse_bytes(Service::Guardduty, None, text.as_bytes());
        assert_eq!(
            with_pos[1].0,
            Position {
                line: Some(4),
                index: 2
            }
        );
    }

    const TRAIL: &str = r#"{"Records":[{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:alice","arn":"arn:aws:sts::111122223333:assumed-role/Admin/alice","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/Admin","accountId":"111122223333","userName":"Admin"},"attributes":{"creationDate":"2026-03-01T00:00:00Z","mfaAuthenticated":"false"},"ec2RoleDelivery":"2.0"}},"eventTime":"2026-03-01T00:05:07Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-2","sourceIPAddress":"ec2.amazonaws.com","userAgent":"aws-cli/2","requestParameters":{"b":1,"a":[1,2]},"responseElements":null,"requestID":"R1","eventID":"E1","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"s3.us-east-2.amazonaws.com"},"sessionCredentialFromConsole":"true"},
"corrupted-record", {"eventName":"NoTime"}, {"eventTime":"2026-03-01T00:06:00.250Z","eventID":"E2","userIdentity":{"type":"AWSService","invokedBy":"cloudtrail.amazonaws.com"}}], "other": {"x": [1]}}"#;

    #[test]
    fn cloudtrail_literal_records() {
        let (r, bad) = rows(Service::Cloudtrail, TRAIL.as_bytes());
        assert_eq!(r.len(), 2);
        let TableRow::AWSCloudTrail(e) = &r[0] else {
            panic!()
        };
        assert_eq!(e.TimeGenerated, "2026-03-01T00:05:07.000Z");
        assert_eq!(e.RequestParameters.as_deref(), Some(r#"{"b":1,"a":[1,2]}"#));
        assert_eq!(e.ResponseElements, None);
        assert_eq!(e.SessionMfaAuthenticated, Some(false));
        assert_eq!(
            e.SessionCreationDate.as_deref(),
            Some("2026-03-01T00:00:00.000Z")
        );
        assert_eq!(e.SessionIssuerUserName.as_deref(), Some("Admin"));
        assert_eq!(e.EC2RoleDelivery.as_deref(), Some("2.0"));
        assert_eq!(
            e.UserIdentityPrincipalid.as_deref(),
            Some("AROAEXAMPLE:alice")
        );
        assert_eq!(e.TlsVersion.as_deref(), Some("TLSv1.3"));
        assert_eq!(e.AwsRequestId_.as_deref(), Some("R1"));
        assert_eq!(e.ReadOnly, Some(true));
        let TableRow::AWSCloudTrail(e2) = &r[1] else {
            panic!()
        };
        assert_eq!(
            e2.UserIdentityInvokedBy.as_deref(),
            Some("cloudtrail.amazonaws.com")
        );
        assert_eq!(e2.TimeGenerated, "2026-03-01T00:06:00.250Z");
        let idx: Vec<u64> = bad.iter().map(|b| b.position.index).collect();
        assert_eq!(idx, [1, 2]);
        assert!(bad.iter().all(|b| b.position.line.is_none()));
    }

    #[test]
    fn cloudtrail_nested_members_lenient_but_not_duplicated() {
        let doc = br#"{"Records":[
            {"eventTime":"2026-03-01T00:00:01Z","userIdentity":"root","tlsDetails":[1],"readOnly":"x"},
            {"eventTime":"2026-03-01T00:00:02Z","userIdentity":{"type":"IAMUser","sessionContext":
                {"sessionIssuer":7,"attributes":{"mfaAuthenticated":true,"creationDate":"not a date"}}}},
            {"eventTime":"2026-03-01T00:00:03Z","userIdentity":{"type":"A","type":"B"}},
            {"eventTime":"2026-03-01T00:00:04Z","eventName":"A","eventName":"B"}
        ]}"#;
        let (r, bad) = rows(Service::Cloudtrail, doc);
        let cols: Vec<_> = r
            .iter()
            .map(|row| match row {
                TableRow::AWSCloudTrail(e) => (
                    e.UserIdentityType.clone(),
                    e.TlsVersion.clone(),
                    e.ReadOnly,
                    e.SessionIssuerType.clone(),
                    e.SessionMfaAuthenticated,
                    e.SessionCreationDate.clone(),
                ),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            cols,
            [
                (None, None, None, None, None, None),
                (Some("IAMUser".into()), None, None, None, Some(true), None),
            ]
        );
        let reasons: Vec<_> = bad
            .iter()
            .map(|b| (b.position.index, b.reason.as_str()))
            .collect();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert_eq!(reasons[0].0, 2);
        assert!(
            reasons[0].1.contains("duplicate field `type`"),
            "{reasons:?}"
        );
        assert_eq!(reasons[1].0, 3);
        assert!(
            reasons[1].1.contains("duplicate field `eventName`"),
            "{reasons:?}"
        );
    }

    #[test]
    fn cloudtrail_bad_documents() {
        for (doc, what) in [
            (&br#"{"awsAccountId":"1","logFiles":[]}"#[..], "Records"),
            (
                &br#"{"Records":[{"eventTime":"2026-03-01T00:00:00Z"}"#[..],
                "CloudTrail",
            ),
            (&br#"{"Records":[]} trailing"#[..], "after"),
            (&br#"[1,2]"#[..], "CloudTrail"),
        ] {
            let (_, _, r) = parse_bytes(Service::Cloudtrail, None, doc);
            match r {
                Err(ObjectError::Document(m)) => assert!(m.contains(what), "{m}"),
                other => panic!("{other:?}"),
            }
        }
        let (rows, _, r) = parse_bytes(Service::Cloudtrail, None, br#"{"Records":[]}"#);
        assert!(rows.is_empty() && r.is_ok());
    }

    #[test]
    fn cloudtrail_scanner_tricky_text() {
        // Pretty-printed, members before Records, strings with quotes,
        // brackets and escapes, nested arrays, scalars as elements.
        let v: Value = serde_json::from_str(TRAIL).unwrap();
        let mut doc = serde_json::json!({
            "x": {"y": ["]}", "\"{[", {"z": "\\"}]},
            "n": -1.5e3,
            "Records": v["Records"].clone(),
        });
        doc["Records"][0]["requestParameters"] =
            serde_json::json!({"q": "a\"]},{[b", "list": [[1, [2]], {"k": "}"}]});
        let pretty = serde_json::to_string_pretty(&doc).unwrap();
        let compact = doc.to_string();
        let (a, bad_a) = rows(Service::Cloudtrail, pretty.as_bytes());
        let (b, bad_b) = rows(Service::Cloudtrail, compact.as_bytes());
        assert_eq!(a, b);
        assert_eq!(a.len(), 2);
        assert_eq!(bad_a, bad_b);
        let TableRow::AWSCloudTrail(e) = &a[0] else {
            panic!()
        };
        assert_eq!(
            e.RequestParameters.as_deref(),
            Some(r#"{"q":"a\"]},{[b","list":[[1,[2]],{"k":"}"}]}"#)
        );
        // A record that is not valid JSON spoils the document; a cut-short one too.
        for broken in [
            &br#"{"Records":[{"eventTime":"2026-03-01T00:00:00Z","a":}]}"#[..],
            &br#"{"Records":[{"eventTime":"2026-03-01T00:00:00Z"}"#[..],
            &br#"{"Records":[{"eventTime":"2026-03-01T00:00:00Z"},"#[..],
            &br#"{"Records":["abc"#[..],
            &br#"{"Records":null}"#[..],
            &br#"{"Records":[] "#[..],
        ] {
            let (_, _, r) = parse_bytes(Service::Cloudtrail, None, broken);
            assert!(
                matches!(r, Err(ObjectError::Document(_))),
                "{}: {r:?}",
                String::from_utf8_lossy(broken)
            );
        }
    }

    #[test]
    fn cloudwatch_csv_quoting() {
        let text = "1772323200000,plain message\n1772323200001,\"a, \"\"quoted\"\"\nsecond line\"\nnot-a-timestamp,x\n1772323200002,\"  spaced \"\n1772323200003\n";
        let (r, bad) = rows(Service::Cloudwatch, text.as_bytes());
        let msgs: Vec<&str> = r
            .iter()
            .map(|r| match r {
                TableRow::AWSCloudWatch(c) => c.Message.as_str(),
                _ => panic!(),
            })
            .collect();
        assert_eq!(
            msgs,
            ["plain message", "a, \"quoted\"\nsecond line", "  spaced "]
        );
        let TableRow::AWSCloudWatch(c) = &r[1] else {
            panic!()
        };
        assert_eq!(c.ExtractedTime, "2026-03-01T00:00:00.001Z");
        assert_eq!(c.TimeGenerated, c.ExtractedTime);
        let lines: Vec<u64> = bad.iter().map(|b| b.position.line.unwrap()).collect();
        assert_eq!(lines, [4, 6]);
    }

    #[test]
    fn eks_ndjson_rows() {
        let line = r#"{"TimeGenerated":"2025-03-04T06:22:18.819232Z","AwsAccountId":"123456789012","Region":"us-east-1","ClusterName":"prod","Verb":"get","User":"kubernetes-admin","SourceIPs":["10.0.0.1"],"UserAgent":"kubectl/v1.29","ObjectRef":"default/pods/web-0","ResponseCode":200,"Stage":"ResponseComplete","AuthDecision":"allow","RawEvent":{"kind":"Event","verb":"get"}}"#;
        let text = format!("{line}\n{{\"TimeGenerated\":\"never\"}}\n{line}\n");
        let (r, bad) = rows(Service::Eks, text.as_bytes());
        assert_eq!(r.len(), 2);
        let TableRow::AWSEKSLogs_CL(e) = &r[0] else {
            panic!()
        };
        assert_eq!(e.TimeGenerated, "2025-03-04T06:22:18.819Z");
        assert_eq!(e.ResponseCode, Some(200));
        assert_eq!(e.RawEvent["kind"], "Event");
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].position.line, Some(2));
    }

    #[test]
    fn compression_detection() {
        let plain = FINDING.as_bytes();
        // Multi-member gzip (Firehose concatenation) and double gzip.
        let mut multi = gz(plain);
        multi.extend(gz(b"\n"));
        multi.extend(gz(plain));
        let (r, bad, s) = parse_bytes(Service::Guardduty, Some("x.jsonl.gz"), &multi);
        assert_eq!((r.len(), bad.len(), s.unwrap().gzip_layers), (2, 0, 1));
        let double = gz(&gz(plain));
        let (r, _, s) = parse_bytes(Service::Guardduty, Some("x.gz"), &double);
        assert_eq!((r.len(), s.unwrap().gzip_layers), (1, 2));
        // Plain text: fine without .gz, NotGzip with it.
        let (r, _, s) = parse_bytes(Service::Guardduty, Some("x.jsonl"), plain);
        assert_eq!((r.len(), s.unwrap().gzip_layers), (1, 0));
        let (r, _, s) = parse_bytes(Service::Guardduty, Some("x.jsonl.gz"), plain);
        assert!(r.is_empty() && matches!(s, Err(ObjectError::NotGzip)));
        // Truncated gzip.
        let big: String = (0..200).map(|_| format!("{FINDING}\n")).collect();
        let full = gz(big.as_bytes());
        let (_, _, s) = parse_bytes(
            Service::Guardduty,
            Some("x.gz"),
            &full[..full.len() * 2 / 3],
        );
        assert!(matches!(s, Err(ObjectError::Decompress(_))), "{s:?}");
        assert!(!s.unwrap_err().is_retryable());
        // Empty objects yield nothing, for every service.
        for service in Service::ALL {
            let (r, bad, s) = parse_bytes(service, Some("empty.gz"), b"");
            assert!(r.is_empty() && bad.is_empty() && s.is_ok());
        }
    }

    #[test]
    fn source_errors_are_read_errors() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset"));
                }
                let n = self.0.min(buf.len());
                buf[..n].fill(b'x');
                self.0 -= n;
                Ok(n)
            }
        }
        let r = parse_reader(Service::Cloudwatch, None, Failing(10), &mut |_| {
            ControlFlow::Continue(())
        });
        match r {
            Err(e @ ObjectError::Read(_)) => assert!(e.is_retryable()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_sink_can_stop_the_parse() {
        let text = format!("{FINDING}\n{FINDING}\n{FINDING}\n");
        let mut seen = 0;
        let r = parse_reader(Service::Guardduty, None, text.as_bytes(), &mut |_| {
            seen += 1;
            ControlFlow::Break(())
        });
        assert!(matches!(r, Err(ObjectError::Stopped)));
        assert_eq!(seen, 1);
        let mut seen = 0;
        let r = parse_reader(Service::Cloudtrail, None, TRAIL.as_bytes(), &mut |_| {
            seen += 1;
            ControlFlow::Break(())
        });
        assert!(matches!(r, Err(ObjectError::Stopped)), "{r:?}");
        assert_eq!(seen, 1);
    }

    /// Hands out at most `n` bytes per read, so the parser sees records,
    /// JSON values and UTF-8 sequences cut at every possible place.
    struct Dribble<'a> {
        data: &'a [u8],
        n: usize,
        calls: usize,
    }

    impl Read for Dribble<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.calls += 1;
            let k = self.n.min(buf.len()).min(self.data.len());
            let k = k.min(1 + self.calls % self.n.max(1));
            buf[..k].copy_from_slice(&self.data[..k]);
            self.data = &self.data[k..];
            Ok(k)
        }
    }

    #[test]
    fn reads_cut_anywhere_give_the_same_rows() {
        // Multi-byte UTF-8 in borrowed strings, escaped strings and raw JSON.
        let text_trail = TRAIL
            .replace("aws-cli/2", "aws-cli/2 é€😀 \\\"q\\\"")
            .replace(r#"{"b":1,"a":[1,2]}"#, r#"{"b":"ü😀","a":[1, 2]}"#);
        let vpc = VPC.to_string();
        let gd = format!("{FINDING}\n{FINDING}\r\n\n{FINDING}");
        let cw = "1772323200000,plain é\n1772323200001,\"a, \"\"q\"\"\nsecond 😀\"\nbad,x\n";
        for (service, text) in [
            (Service::Cloudtrail, text_trail.as_str()),
            (Service::Vpc, vpc.as_str()),
            (Service::Guardduty, gd.as_str()),
            (Service::Cloudwatch, cw),
        ] {
            let (whole, bad_whole, r) = parse_bytes(service, None, text.as_bytes());
            r.unwrap();
            assert!(!whole.is_empty(), "{service}");
            for n in [1, 2, 3, 5, 7, 64] {
                let mut rows = Vec::new();
                let mut bad = Vec::new();
                let input = Dribble {
                    data: text.as_bytes(),
                    n,
                    calls: 0,
                };
                parse_reader(service, None, input, &mut |item| {
                    match item {
                        Item::Row(p, r) => rows.push((p, r.to_table_row())),
                        Item::Malformed(e) => bad.push(e),
                    }
                    ControlFlow::Continue(())
                })
                .unwrap_or_else(|e| panic!("{service}, reads of {n}: {e}"));
                assert_eq!(rows, whole, "{service}, reads of {n}");
                assert_eq!(bad, bad_whole, "{service}, reads of {n}");
            }
        }
        let (rows, _, _) = parse_bytes(Service::Cloudtrail, None, text_trail.as_bytes());
        let TableRow::AWSCloudTrail(e) = &rows[0].1 else {
            panic!()
        };
        assert_eq!(e.UserAgent.as_deref(), Some("aws-cli/2 é€😀 \"q\""));
        assert_eq!(
            e.RequestParameters.as_deref(),
            Some(r#"{"b":"ü😀","a":[1,2]}"#)
        );
        // Invalid UTF-8 spoils a CloudTrail document, even cut across reads.
        let mut broken = text_trail.clone().into_bytes();
        let at = broken.windows(2).position(|w| w == "é".as_bytes()).unwrap();
        broken[at + 1] = b'x';
        for n in [1, 3, 4096] {
            let input = Dribble {
                data: &broken,
                n,
                calls: 0,
            };
            let r = parse_reader(Service::Cloudtrail, None, input, &mut |_| {
                ControlFlow::Continue(())
            });
            assert!(
                matches!(&r, Err(ObjectError::Document(m)) if m.contains("UTF-8")),
                "{r:?}"
            );
        }
    }

    #[test]
    fn skipped_keys_and_service_names() {
        assert!(skip_reason(
            Service::Cloudtrail,
            "AWSLogs/1/CloudTrail-Digest/us-east-1/2026/03/01/x.json.gz"
        )
        .is_some());
        assert!(skip_reason(
            Service::Cloudtrail,
            "AWSLogs/1/CloudTrail/us-east-1/2026/03/01/x.json.gz"
        )
        .is_none());
        assert!(skip_reason(Service::Cloudwatch, "exports/t1/aws-logs-write-test").is_some());
        for s in Service::ALL {
            assert_eq!(Service::from_name(s.name()), Some(s));
        }
        assert_eq!(Service::Eks.default_stream(), "Custom-AWSEKSLogs_CL");
    }
}
