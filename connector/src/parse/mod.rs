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
//! Records are mapped straight into borrowed rows ([`RowOut`]): lines are
//! parsed where they sit in the read buffer, JSON strings without escapes
//! are borrowed, JSON-valued columns keep the source's raw text, and
//! datetimes stay numbers until the row is serialised.
//!
//! One submodule per log format: `vpc`, `guardduty`, `cloudtrail`
//! (its single `{"Records":[...]}` document read through a sliding window,
//! one record in memory at a time), `cloudwatch`, `eks`, `route53`, `networkfirewall`
//! (flow, alert and TLS logs), `waf`, `s3access`, `securityhub`, `cloudfront` and `elb` (ALB and
//! NLB access logs, load balancer flow logs); this module
//! holds what they share (decoding, line splitting, positions and errors).

use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::ControlFlow;

use flate2::bufread::MultiGzDecoder;
use serde::Serialize;

use super::rows::{RowJson, RowOut};
use catalogue::tables::{parse_datetime_ms, DateTimeMs, TableRow};
use catalogue::DataType;

mod cloudfront;
mod cloudtrail;
mod cloudwatch;
mod eks;
mod elb;
mod guardduty;
mod networkfirewall;
mod route53;
mod s3access;
mod securityhub;
mod vpc;
mod waf;

use cloudfront::parse_cloudfront;
use cloudtrail::parse_cloudtrail;
use cloudwatch::parse_cloudwatch;
use eks::eks_line;
use elb::{nlb_line, parse_alb, parse_elb_flow, FlowKind};
use guardduty::guardduty_line;
use networkfirewall::{parse_networkfirewall, LogType};
use route53::route53_line;
use s3access::parse_s3access;
use securityhub::parse_securityhub;
pub use securityhub::{asff_time, SecurityHubRef};
use vpc::parse_vpc;
use waf::parse_waf;

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

/// A problem with one record of a good object: a record that is not a
/// valid record ([`Item::Malformed`]: it yields no row), or a value the row
/// was handed out without ([`Item::BadValue`]). The rest of the object is
/// still parsed.
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
/// parser's buffer: it lives for the sink call (see [`RowOut::to_table_row`]
/// to keep it).
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Item<'a> {
    Row(Position, &'a dyn RowOut),
    /// A record that yields no row.
    Malformed(LineError),
    /// A value of the row just handed out (same position) that its column
    /// cannot hold: the row went out with that column absent, and this says
    /// which value and why (e.g. a CloudTrail `readOnly` of `"yes"`).
    BadValue(LineError),
}

/// What an object turned out to hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Document {
    /// Log records: the service's own content.
    #[default]
    Log,
    /// A CloudTrail digest file (recognised by its members, whatever its
    /// key): no records, so zero rows and no error.
    CloudTrailDigest,
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

pub(super) fn classify(e: io::Error) -> ObjectError {
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
    /// Values left out of their rows ([`Item::BadValue`]).
    pub bad_values: u64,
    pub document: Document,
    /// Bytes of the stored object read.
    pub stored_bytes: u64,
    /// Bytes after decompression (equal to `stored_bytes` for plain text).
    pub decompressed_bytes: u64,
    /// Gzip layers removed (0 plain, 1 gzip, 2 double gzip).
    pub gzip_layers: u8,
}

pub(super) const BUF: usize = 128 * 1024;

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
///
/// The object's arrival time (see [`parse_reader_at`]) is the wall clock
/// when the parse starts.
pub fn parse_reader<R: Read>(
    service: DataType,
    name: Option<&str>,
    reader: R,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Result<ParseSummary, ObjectError> {
    parse_reader_at(service, name, now(), reader, sink)
}

/// The wall clock as a table datetime.
fn now() -> DateTimeMs {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    DateTimeMs(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// [`parse_reader`] with the object's arrival time given: the
/// `TimeGenerated` of the rows whose record carries no event time of its own
/// (VPC flow records without `start`: AWSVPCFlow takes "the data arrival
/// time to Azure Monitor" for them). The connector passes the time it reads
/// the object, the nearest it knows to that arrival.
pub fn parse_reader_at<R: Read>(
    service: DataType,
    name: Option<&str>,
    arrival: DateTimeMs,
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
            Item::BadValue(_) => summary.bad_values += 1,
        }
        sink(item)
    };
    let result = match service {
        DataType::Vpc => parse_vpc(&mut text, arrival, &mut counting).map(|()| Document::Log),
        DataType::GuardDuty => parse_lines(&mut text, &mut counting, |line, emit| {
            guardduty_line(line).map(|row| emit(&row))
        })
        .map(|()| Document::Log),
        DataType::Eks => parse_lines(&mut text, &mut counting, |line, emit| {
            eks_line(line).map(|row| emit(&row))
        })
        .map(|()| Document::Log),
        DataType::CloudWatch => parse_cloudwatch(&mut text, &mut counting).map(|()| Document::Log),
        DataType::CloudTrail => parse_cloudtrail(&mut text, &mut counting),
        DataType::Route53 => parse_lines(&mut text, &mut counting, |line, emit| {
            route53_line(line).map(|row| emit(&row))
        })
        .map(|()| Document::Log),
        DataType::NetworkFirewallFlow => {
            parse_networkfirewall(LogType::Flow, &mut text, &mut counting).map(|()| Document::Log)
        }
        DataType::NetworkFirewallAlert => {
            parse_networkfirewall(LogType::Alert, &mut text, &mut counting).map(|()| Document::Log)
        }
        DataType::NetworkFirewallTls => {
            parse_networkfirewall(LogType::Tls, &mut text, &mut counting).map(|()| Document::Log)
        }
        DataType::Waf => parse_waf(&mut text, &mut counting).map(|()| Document::Log),
        DataType::S3Access => parse_s3access(&mut text, &mut counting).map(|()| Document::Log),
        DataType::SecurityHub => {
            parse_securityhub(&mut text, &mut counting).map(|()| Document::Log)
        }
        DataType::CloudFront => parse_cloudfront(&mut text, &mut counting).map(|()| Document::Log),
        DataType::ElbAlb => parse_alb(&mut text, &mut counting).map(|()| Document::Log),
        DataType::ElbNlb => parse_lines(&mut text, &mut counting, |line, emit| {
            nlb_line(line).map(|row| emit(&row))
        })
        .map(|()| Document::Log),
        DataType::ElbNlbFlow => {
            parse_elb_flow(FlowKind::Nlb, &mut text, &mut counting).map(|()| Document::Log)
        }
        DataType::ElbGwlbFlow => {
            parse_elb_flow(FlowKind::Gwlb, &mut text, &mut counting).map(|()| Document::Log)
        }
    };
    summary.decompressed_bytes = text.bytes;
    drop(text);
    summary.stored_bytes = stored.bytes;
    summary.gzip_layers = layers;
    result.map(|document| ParseSummary {
        document,
        ..summary
    })
}

/// Rows with their positions, malformed records, and the outcome.
pub type Parsed = (
    Vec<(Position, TableRow)>,
    Vec<LineError>,
    Result<ParseSummary, ObjectError>,
);

/// Parses a whole in-memory object: `(rows with positions, malformed
/// records, outcome)`; bad values are counted in the outcome's summary
/// ([`parse_object`] lists them). Convenient for tests and small files.
pub fn parse_bytes(service: DataType, name: Option<&str>, data: &[u8]) -> Parsed {
    let p = parse_object(service, name, now(), data);
    (p.rows, p.malformed, p.result)
}

/// Everything the parser hands out for one in-memory object.
#[derive(Debug)]
pub struct ParsedObject {
    pub rows: Vec<(Position, TableRow)>,
    pub malformed: Vec<LineError>,
    pub bad_values: Vec<LineError>,
    pub result: Result<ParseSummary, ObjectError>,
}

/// Parses a whole in-memory object arriving at `arrival` (see
/// [`parse_reader_at`]).
pub fn parse_object(
    service: DataType,
    name: Option<&str>,
    arrival: DateTimeMs,
    data: &[u8],
) -> ParsedObject {
    let mut rows = Vec::new();
    let mut malformed = Vec::new();
    let mut bad_values = Vec::new();
    let result = parse_reader_at(service, name, arrival, data, &mut |item| {
        match item {
            Item::Row(p, r) => rows.push((p, r.to_table_row())),
            Item::Malformed(e) => malformed.push(e),
            Item::BadValue(e) => bad_values.push(e),
        }
        ControlFlow::Continue(())
    });
    ParsedObject {
        rows,
        malformed,
        bad_values,
        result,
    }
}

pub(super) fn stop_or(flow: ControlFlow<()>) -> Result<(), ObjectError> {
    match flow {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(()) => Err(ObjectError::Stopped),
    }
}

/// Calls `f` on every non-blank physical line (without its `\n` / `\r\n`),
/// with its 1-based number. Lines are handed out where they sit in the
/// reader's buffer; only a line that spans two reads is copied.
pub(super) fn for_each_line(
    r: &mut dyn BufRead,
    mut f: impl FnMut(u64, &[u8]) -> Result<(), ObjectError>,
) -> Result<(), ObjectError> {
    for_each_raw_line(r, |line, l| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        if l.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        f(line, l)
    })
}

/// Calls `f` on every physical line as it is: without its `\n`, but with a
/// `\r` before it, and empty lines included (not the empty rest after a final
/// `\n`), with its 1-based number. Lines are handed out where they sit in the
/// reader's buffer; only a line that spans two reads is copied.
pub(super) fn for_each_raw_line(
    r: &mut dyn BufRead,
    mut emit: impl FnMut(u64, &[u8]) -> Result<(), ObjectError>,
) -> Result<(), ObjectError> {
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

/// Maps one line to its row and hands the row to the sink given (a row borrows the
/// line); `Err` says why the line is malformed.
type MapLine =
    fn(&[u8], &mut dyn FnMut(&dyn RowOut) -> ControlFlow<()>) -> Result<ControlFlow<()>, String>;

/// One record per non-blank line (JSON Lines, NLB access logs), mapped by `map`.
fn parse_lines(
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
    map: MapLine,
) -> Result<(), ObjectError> {
    let mut index = 0u64;
    for_each_line(r, |line, bytes| {
        let position = Position {
            line: Some(line),
            index,
        };
        index += 1;
        let mapped = map(bytes, &mut |row| sink(Item::Row(position, row)));
        let flow = match mapped {
            Ok(flow) => flow,
            Err(reason) => sink(Item::Malformed(LineError { position, reason })),
        };
        stop_or(flow)
    })
}

pub(super) fn canonical_time(s: &str, what: &str) -> Result<DateTimeMs, String> {
    parse_datetime_ms(s)
        .map(DateTimeMs)
        .ok_or_else(|| format!("{what} '{s}' is not an RFC 3339 timestamp"))
}

/// `bytes` as text, checked with SIMD where the CPU has it; the error (where
/// and how the text stops being UTF-8) is the standard library's.
pub(super) fn utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(_) => std::str::from_utf8(bytes),
    }
}

/// A line as text: UTF-8 is checked once for the whole line, so the JSON
/// parser need not check each string again.
pub(super) fn line_text(line: &[u8]) -> Result<&str, String> {
    utf8(line).map_err(|e| format!("not UTF-8 (invalid byte at column {})", e.valid_up_to() + 1))
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
pub fn skip_reason(service: DataType, key: &str) -> Option<&'static str> {
    match service {
        DataType::CloudTrail if key.contains("/CloudTrail-Digest/") => {
            Some("CloudTrail digest file")
        }
        _ if key.rsplit('/').next() == Some("aws-logs-write-test") => {
            Some("CloudWatch Logs permission probe")
        }
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    pub(crate) fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    pub(crate) fn rows(service: DataType, data: &[u8]) -> (Vec<TableRow>, Vec<LineError>) {
        let (r, bad, res) = parse_bytes(service, None, data);
        res.unwrap();
        (r.into_iter().map(|(_, r)| r).collect(), bad)
    }
}

#[cfg(test)]
mod tests {
    use super::cloudtrail::tests::TRAIL;
    use super::guardduty::tests::FINDING;
    use super::testutil::gz;
    use super::vpc::tests::VPC;
    use super::*;

    #[test]
    fn compression_detection() {
        let plain = FINDING.as_bytes();
        // Multi-member gzip (Firehose concatenation) and double gzip.
        let mut multi = gz(plain);
        multi.extend(gz(b"\n"));
        multi.extend(gz(plain));
        let (r, bad, s) = parse_bytes(DataType::GuardDuty, Some("x.jsonl.gz"), &multi);
        assert_eq!((r.len(), bad.len(), s.unwrap().gzip_layers), (2, 0, 1));
        let double = gz(&gz(plain));
        let (r, _, s) = parse_bytes(DataType::GuardDuty, Some("x.gz"), &double);
        assert_eq!((r.len(), s.unwrap().gzip_layers), (1, 2));
        // Plain text: fine without .gz, NotGzip with it.
        let (r, _, s) = parse_bytes(DataType::GuardDuty, Some("x.jsonl"), plain);
        assert_eq!((r.len(), s.unwrap().gzip_layers), (1, 0));
        let (r, _, s) = parse_bytes(DataType::GuardDuty, Some("x.jsonl.gz"), plain);
        assert!(r.is_empty() && matches!(s, Err(ObjectError::NotGzip)));
        // Truncated gzip.
        let big: String = (0..200).map(|_| format!("{FINDING}\n")).collect();
        let full = gz(big.as_bytes());
        let (_, _, s) = parse_bytes(
            DataType::GuardDuty,
            Some("x.gz"),
            &full[..full.len() * 2 / 3],
        );
        assert!(matches!(s, Err(ObjectError::Decompress(_))), "{s:?}");
        assert!(!s.unwrap_err().is_retryable());
        // Empty objects yield nothing, for every service.
        for &service in DataType::ALL {
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
        let r = parse_reader(DataType::CloudWatch, None, Failing(10), &mut |_| {
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
        let r = parse_reader(DataType::GuardDuty, None, text.as_bytes(), &mut |_| {
            seen += 1;
            ControlFlow::Break(())
        });
        assert!(matches!(r, Err(ObjectError::Stopped)));
        assert_eq!(seen, 1);
        let mut seen = 0;
        let r = parse_reader(DataType::CloudTrail, None, TRAIL.as_bytes(), &mut |_| {
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
            .replace(r#"{"b":1,"a":[1,2]}"#, r#"{"b":"ü😀","a":[1, 2]}"#)
            .replace(
                r#""managementEvent":true"#,
                r#""managementEvent":"maybe😀""#,
            );
        // Records without `start` get the arrival time.
        let vpc = VPC
            .replacen(" start end ", " end ", 1)
            .replace(" 1418530010 ", " ")
            .replace(" 1431280876 ", " ");
        let gd = format!("{FINDING}\n{FINDING}\r\n\n{FINDING}");
        let cw = "1772323200000,plain é\n1772323200001,\"a, \"\"q\"\"\r\nsecond 😀\"\r\nbad,x\n\
                  2026-03-01T00:00:00.002Z,iso, \"é\" 😀\\n kept\r\n\n2026-03-01T00:00:00.003Z,\"open";
        // Escaped and multi-byte text in borrowed strings and in raw JSON.
        let q = super::route53::tests::QUERY;
        let odd = q
            .replace("15.3.4.32.in-addr.arpa.", "é😀\\\"q\\\".example.")
            .replace("i-0d15cd0d3example", "i-ü😀");
        let r53 = format!("{q}\n{odd}\r\n\n{q}");
        let s3access = s3access::tests::sample().replace("S3Console/0.4", "S3 Console é😀");
        for (service, text) in [
            (DataType::CloudTrail, text_trail.as_str()),
            (DataType::Vpc, vpc.as_str()),
            (DataType::GuardDuty, gd.as_str()),
            (DataType::CloudWatch, cw),
            (DataType::Route53, r53.as_str()),
            (DataType::S3Access, s3access.as_str()),
        ] {
            let arrival = DateTimeMs(1_772_323_205_120);
            let whole = parse_object(service, None, arrival, text.as_bytes());
            whole.result.unwrap();
            assert!(!whole.rows.is_empty(), "{service}");
            for n in [1, 2, 3, 5, 7, 64] {
                let mut rows = Vec::new();
                let mut malformed = Vec::new();
                let mut bad_values = Vec::new();
                let input = Dribble {
                    data: text.as_bytes(),
                    n,
                    calls: 0,
                };
                parse_reader_at(service, None, arrival, input, &mut |item| {
                    match item {
                        Item::Row(p, r) => rows.push((p, r.to_table_row())),
                        Item::Malformed(e) => malformed.push(e),
                        Item::BadValue(e) => bad_values.push(e),
                    }
                    ControlFlow::Continue(())
                })
                .unwrap_or_else(|e| panic!("{service}, reads of {n}: {e}"));
                assert_eq!(rows, whole.rows, "{service}, reads of {n}");
                assert_eq!(malformed, whole.malformed, "{service}, reads of {n}");
                assert_eq!(bad_values, whole.bad_values, "{service}, reads of {n}");
            }
            if service == DataType::Vpc {
                let tg: Vec<&str> = whole.rows.iter().map(|r| r.1.time_generated()).collect();
                assert_eq!(tg, ["2026-03-01T00:00:05.120Z"; 4], "{service}");
            }
            if service == DataType::CloudTrail {
                assert_eq!(whole.bad_values.len(), 1, "{:?}", whole.bad_values);
                assert!(whole.bad_values[0].reason.contains("maybe😀"));
            }
        }
        let (rows, _, _) = parse_bytes(DataType::CloudTrail, None, text_trail.as_bytes());
        let Some(e) = rows[0].1.decode::<catalogue::tables::AwsCloudTrail>() else {
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
            let r = parse_reader(DataType::CloudTrail, None, input, &mut |_| {
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
            DataType::CloudTrail,
            "AWSLogs/1/CloudTrail-Digest/us-east-1/2026/03/01/x.json.gz"
        )
        .is_some());
        assert!(skip_reason(
            DataType::CloudTrail,
            "AWSLogs/1/CloudTrail/us-east-1/2026/03/01/x.json.gz"
        )
        .is_none());
        assert!(skip_reason(DataType::CloudWatch, "exports/t1/aws-logs-write-test").is_some());
    }
}
