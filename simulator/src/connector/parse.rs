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
//! CloudTrail's single `{"Records":[...]}` document is cut into its
//! `Records` elements by a byte-level scanner and each element is parsed on
//! its own, so only one record is in memory at a time.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::ControlFlow;

use flate2::bufread::MultiGzDecoder;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::synth::vpc::VpcField;
use crate::tables::{
    format_datetime_ms, parse_datetime_ms, AwsCloudTrail, AwsCloudWatch, AwsEksLogs, AwsGuardDuty,
    AwsVpcFlow, Table, TableRow,
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

/// What the parser hands to its sink, in object order.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Item {
    Row(Position, TableRow),
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
    sink: &mut dyn FnMut(Item) -> ControlFlow<()>,
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
            (
                Counted {
                    inner: Box::new(BufReader::with_capacity(BUF, decoded)) as Dyn<'_>,
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
    let mut counting = |item: Item| {
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
            Item::Row(p, r) => rows.push((p, r)),
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
/// with its 1-based number.
fn for_each_line(
    r: &mut dyn BufRead,
    mut f: impl FnMut(u64, &[u8]) -> Result<(), ObjectError>,
) -> Result<(), ObjectError> {
    let mut buf = Vec::with_capacity(4096);
    let mut line = 0u64;
    loop {
        buf.clear();
        let n = r.read_until(b'\n', &mut buf).map_err(classify)?;
        if n == 0 {
            return Ok(());
        }
        line += 1;
        let mut l = &buf[..];
        if let Some(x) = l.strip_suffix(b"\n") {
            l = x;
        }
        if let Some(x) = l.strip_suffix(b"\r") {
            l = x;
        }
        if l.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        f(line, l)?;
    }
}

/// JSON Lines: one record per non-blank line, mapped by `map`.
fn parse_lines(
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item) -> ControlFlow<()>,
    map: fn(&[u8]) -> Result<TableRow, String>,
) -> Result<(), ObjectError> {
    let mut index = 0u64;
    for_each_line(r, |line, bytes| {
        let position = Position {
            line: Some(line),
            index,
        };
        index += 1;
        let item = match map(bytes) {
            Ok(row) => Item::Row(position, row),
            Err(reason) => Item::Malformed(LineError { position, reason }),
        };
        stop_or(sink(item))
    })
}

fn canonical_time(s: &str, what: &str) -> Result<String, String> {
    parse_datetime_ms(s)
        .map(format_datetime_ms)
        .ok_or_else(|| format!("{what} '{s}' is not an RFC 3339 timestamp"))
}

// ---------------------------------------------------------------- GuardDuty

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct FindingIn {
    schemaVersion: String,
    accountId: String,
    region: String,
    partition: String,
    id: String,
    arn: String,
    #[serde(rename = "type")]
    ty: String,
    resource: Value,
    service: Value,
    severity: f64,
    createdAt: String,
    updatedAt: String,
    title: String,
    description: String,
}

fn guardduty_line(line: &[u8]) -> Result<TableRow, String> {
    let f: FindingIn = serde_json::from_slice(line).map_err(|e| {
        if line.starts_with(b"{\"findings\":") {
            "a '{\"findings\":[...]}' line, not a finding".to_string()
        } else {
            format!("not a GuardDuty finding: {e}")
        }
    })?;
    Ok(TableRow::AWSGuardDuty(AwsGuardDuty {
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
    }))
}

// ---------------------------------------------------------------- EKS

fn eks_line(line: &[u8]) -> Result<TableRow, String> {
    let mut row: AwsEksLogs =
        serde_json::from_slice(line).map_err(|e| format!("not an AWSEKSLogs_CL row: {e}"))?;
    row.TimeGenerated = canonical_time(&row.TimeGenerated, "TimeGenerated")?;
    Ok(TableRow::AWSEKSLogs_CL(row))
}

// ---------------------------------------------------------------- VPC

fn parse_vpc(
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item) -> ControlFlow<()>,
) -> Result<(), ObjectError> {
    let mut header: Option<Vec<Option<VpcField>>> = None;
    let mut index = 0u64;
    for_each_line(r, |line, bytes| {
        let Some(fields) = &header else {
            let text = std::str::from_utf8(bytes)
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
        let item = match vpc_record(fields, bytes) {
            Ok(row) => Item::Row(position, TableRow::AWSVPCFlow(row)),
            Err(reason) => Item::Malformed(LineError { position, reason }),
        };
        stop_or(sink(item))
    })
}

fn vpc_record(fields: &[Option<VpcField>], bytes: &[u8]) -> Result<AwsVpcFlow, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
    let n = text.split(' ').filter(|t| !t.is_empty()).count();
    if n != fields.len() {
        return Err(format!(
            "{n} space-separated fields, the header has {}",
            fields.len()
        ));
    }
    let mut row = AwsVpcFlow::default();
    let mut start = None;
    for (field, v) in fields.iter().zip(text.split(' ').filter(|t| !t.is_empty())) {
        let Some(field) = *field else { continue };
        if v == "-" {
            continue;
        }
        let name = field.name();
        let int = || {
            v.parse::<i32>()
                .map(Some)
                .map_err(|_| format!("{name} '{v}' is not a 32-bit integer"))
        };
        let long = || {
            v.parse::<i64>()
                .map(Some)
                .map_err(|_| format!("{name} '{v}' is not an integer"))
        };
        let s = || Some(v.to_string());
        use VpcField as F;
        match field {
            F::Version => row.Version = int()?,
            F::AccountId => row.AccountId = s(),
            F::InterfaceId => row.InterfaceId = s(),
            F::SrcAddr => row.SrcAddr = s(),
            F::DstAddr => row.DstAddr = s(),
            F::SrcPort => row.SrcPort = int()?,
            F::DstPort => row.DstPort = int()?,
            F::Protocol => row.Protocol = int()?,
            F::Packets => row.Packets = long()?,
            F::Bytes => row.Bytes = long()?,
            F::Start => start = long()?,
            F::End => row.End = long()?.map(|e| format_datetime_ms(e.saturating_mul(1000))),
            F::Action => row.Action = s(),
            F::LogStatus => row.LogStatus = s(),
            F::VpcId => row.VpcId = s(),
            F::SubnetId => row.SubnetId = s(),
            F::InstanceId => row.InstanceId = s(),
            F::TcpFlags => row.TcpFlags = int()?,
            F::Type => row.TrafficType = s(),
            F::PktSrcAddr => row.PktSrcAddr = s(),
            F::PktDstAddr => row.PktDstAddr = s(),
            F::Region => row.Region = s(),
            F::AzId => row.AzId = s(),
            F::SublocationType => row.SublocationType = s(),
            F::SublocationId => row.SublocationId = s(),
            F::PktSrcAwsService => row.PktSrcAwsService = s(),
            F::PktDstAwsService => row.PktDstAwsService = s(),
            F::FlowDirection => row.FlowDirection = s(),
            F::TrafficPath => row.TrafficPath = int()?,
            F::EcsClusterArn => row.EcsClusterArn = s(),
            F::EcsClusterName => row.EcsClusterName = s(),
            F::EcsContainerInstanceArn => row.EcsContainerInstanceArn = s(),
            F::EcsContainerInstanceId => row.EcsContainerInstanceId = s(),
            F::EcsContainerId => row.EcsContainerId = s(),
            F::EcsSecondContainerId => row.EcsSecondContainerId = s(),
            F::EcsServiceName => row.EcsServiceName = s(),
            F::EcsTaskDefinitionArn => row.EcsTaskDefinitionArn = s(),
            F::EcsTaskArn => row.EcsTaskArn = s(),
            F::EcsTaskId => row.EcsTaskId = s(),
            F::RejectReason => row.RejectReason = s(),
        }
    }
    // Sentinel falls back to ingestion time without `start`; that row could
    // never be checked, so it is reported instead.
    let start = start.ok_or("no start time ('-' or not in the format)")?;
    row.TimeGenerated = format_datetime_ms(start.saturating_mul(1000));
    Ok(row)
}

// ---------------------------------------------------------------- CloudWatch

fn parse_cloudwatch(
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item) -> ControlFlow<()>,
) -> Result<(), ObjectError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(64 * 1024)
        .from_reader(r);
    let mut rec = csv::ByteRecord::new();
    let mut index = 0u64;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                return Err(match e.into_kind() {
                    csv::ErrorKind::Io(io) => classify(io),
                    other => ObjectError::Document(format!("CSV: {other:?}")),
                })
            }
        }
        let position = Position {
            line: rec.position().map(|p| p.line()),
            index,
        };
        index += 1;
        let item = match cloudwatch_record(&rec) {
            Ok(row) => Item::Row(position, TableRow::AWSCloudWatch(row)),
            Err(reason) => Item::Malformed(LineError { position, reason }),
        };
        stop_or(sink(item))?;
    }
}

fn cloudwatch_record(rec: &csv::ByteRecord) -> Result<AwsCloudWatch, String> {
    if rec.len() != 2 {
        return Err(format!(
            "{} CSV fields, expected 2 (timestamp,message)",
            rec.len()
        ));
    }
    let ts = std::str::from_utf8(&rec[0])
        .ok()
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or_else(|| {
            format!(
                "timestamp '{}' is not epoch milliseconds",
                String::from_utf8_lossy(&rec[0])
            )
        })?;
    let message = String::from_utf8(rec[1].to_vec()).map_err(|_| "message is not UTF-8")?;
    let t = format_datetime_ms(ts);
    Ok(AwsCloudWatch {
        TimeGenerated: t.clone(),
        ExtractedTime: t,
        Message: message,
    })
}

// ---------------------------------------------------------------- CloudTrail

/// The CloudTrail document, streamed: a byte-level scanner walks the
/// top-level object, skips every member but `Records`, and cuts the
/// `Records` array into its elements; each element alone is parsed with
/// `serde_json::from_slice` (so memory holds one record at a time, and the
/// fast slice parser is used). Anything that is not a well-formed
/// `{"Records":[...]}` document is [`ObjectError::Document`].
fn parse_cloudtrail(
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item) -> ControlFlow<()>,
) -> Result<(), ObjectError> {
    let mut s = Scanner { r };
    let doc = |m: &str| ObjectError::Document(format!("not a CloudTrail log file: {m}"));
    s.ws()?;
    if s.next()? != Some(b'{') {
        return Err(doc("the document is not a JSON object"));
    }
    let mut found = false;
    let mut buf = Vec::with_capacity(8 * 1024);
    s.ws()?;
    if s.peek()? == Some(b'}') {
        s.next()?;
    } else {
        loop {
            buf.clear();
            if s.peek()? != Some(b'"') {
                return Err(doc("expected a member name"));
            }
            s.value(&mut buf)?;
            let is_records = buf == b"\"Records\"";
            s.ws()?;
            if s.next()? != Some(b':') {
                return Err(doc("expected ':' after a member name"));
            }
            s.ws()?;
            if is_records && !found {
                found = true;
                if s.next()? != Some(b'[') {
                    return Err(doc("\"Records\" is not an array"));
                }
                s.ws()?;
                if s.peek()? == Some(b']') {
                    s.next()?;
                } else {
                    let mut index = 0u64;
                    loop {
                        buf.clear();
                        s.value(&mut buf)?;
                        let v: Value = serde_json::from_slice(&buf).map_err(|e| {
                            doc(&format!("Records[{index}] is not valid JSON: {e}"))
                        })?;
                        let position = Position { line: None, index };
                        index += 1;
                        let item = match cloudtrail_record(v) {
                            Ok(row) => Item::Row(position, TableRow::AWSCloudTrail(row)),
                            Err(reason) => Item::Malformed(LineError { position, reason }),
                        };
                        stop_or(sink(item))?;
                        s.ws()?;
                        match s.next()? {
                            Some(b',') => s.ws()?,
                            Some(b']') => break,
                            _ => return Err(doc("expected ',' or ']' in Records")),
                        }
                    }
                }
            } else {
                buf.clear();
                s.value(&mut buf)?;
                serde_json::from_slice::<IgnoredAny>(&buf)
                    .map_err(|e| doc(&format!("invalid JSON: {e}")))?;
            }
            s.ws()?;
            match s.next()? {
                Some(b',') => s.ws()?,
                Some(b'}') => break,
                _ => return Err(doc("expected ',' or '}' after a member")),
            }
        }
    }
    s.ws()?;
    if s.peek()?.is_some() {
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

/// Byte-level JSON structure scanner over a [`BufRead`].
struct Scanner<'a> {
    r: &'a mut dyn BufRead,
}

impl Scanner<'_> {
    fn peek(&mut self) -> Result<Option<u8>, ObjectError> {
        Ok(self.r.fill_buf().map_err(classify)?.first().copied())
    }

    fn next(&mut self) -> Result<Option<u8>, ObjectError> {
        let b = self.peek()?;
        if b.is_some() {
            self.r.consume(1);
        }
        Ok(b)
    }

    /// Skips JSON whitespace.
    fn ws(&mut self) -> Result<(), ObjectError> {
        loop {
            let buf = self.r.fill_buf().map_err(classify)?;
            if buf.is_empty() {
                return Ok(());
            }
            let n = buf
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(buf.len());
            let done = n < buf.len();
            self.r.consume(n);
            if done {
                return Ok(());
            }
        }
    }

    /// Appends the bytes of one JSON value (its extent only: strings,
    /// nesting and escapes are tracked, the content is validated later).
    fn value(&mut self, out: &mut Vec<u8>) -> Result<(), ObjectError> {
        let truncated = || ObjectError::Document("the CloudTrail document is cut short".into());
        let first = self.peek()?.ok_or_else(truncated)?;
        let (mut depth, mut in_str, mut esc) = (0u32, false, false);
        let scalar = !matches!(first, b'{' | b'[' | b'"');
        loop {
            let buf = self.r.fill_buf().map_err(classify)?;
            if buf.is_empty() {
                if scalar && !out.is_empty() {
                    return Ok(());
                }
                return Err(truncated());
            }
            let mut end = None;
            for (i, &b) in buf.iter().enumerate() {
                if scalar {
                    if matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') {
                        end = Some(i);
                        break;
                    }
                    continue;
                }
                if in_str {
                    if esc {
                        esc = false;
                    } else if b == b'\\' {
                        esc = true;
                    } else if b == b'"' {
                        in_str = false;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    continue;
                }
                match b {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let n = end.unwrap_or(buf.len());
            out.extend_from_slice(&buf[..n]);
            self.r.consume(n);
            if end.is_some() {
                return Ok(());
            }
        }
    }
}

fn take_str(m: &mut Map<String, Value>, k: &str) -> Option<String> {
    match m.remove(k) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// A JSON value as compact text; `None` for missing or `null`.
fn take_json(m: &mut Map<String, Value>, k: &str) -> Option<String> {
    match m.remove(k) {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.to_string()),
    }
}

fn take_bool(m: &mut Map<String, Value>, k: &str) -> Option<bool> {
    match m.remove(k) {
        Some(Value::Bool(b)) => Some(b),
        Some(Value::String(s)) if s == "true" => Some(true),
        Some(Value::String(s)) if s == "false" => Some(false),
        _ => None,
    }
}

fn take_obj(m: &mut Map<String, Value>, k: &str) -> Option<Map<String, Value>> {
    match m.remove(k) {
        Some(Value::Object(o)) => Some(o),
        _ => None,
    }
}

fn cloudtrail_record(v: Value) -> Result<AwsCloudTrail, String> {
    let kind = match &v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "",
    };
    let Value::Object(mut m) = v else {
        return Err(format!("a Records item is {kind}, not an event object"));
    };
    let time = match m.get("eventTime") {
        Some(Value::String(s)) => canonical_time(s, "eventTime")?,
        _ => return Err("the event has no eventTime".into()),
    };
    let mut row = AwsCloudTrail {
        TimeGenerated: time,
        AWSRegion: take_str(&mut m, "awsRegion"),
        AdditionalEventData: take_json(&mut m, "additionalEventData"),
        APIVersion: take_str(&mut m, "apiVersion"),
        AwsEventId: take_str(&mut m, "eventID"),
        AwsRequestId_: take_str(&mut m, "requestID"),
        Category: take_str(&mut m, "eventCategory"),
        ErrorCode: take_str(&mut m, "errorCode"),
        ErrorMessage: take_str(&mut m, "errorMessage"),
        EventName: take_str(&mut m, "eventName"),
        EventSource: take_str(&mut m, "eventSource"),
        EventTypeName: take_str(&mut m, "eventType"),
        EventVersion: take_str(&mut m, "eventVersion"),
        ManagementEvent: take_bool(&mut m, "managementEvent"),
        ReadOnly: take_bool(&mut m, "readOnly"),
        RecipientAccountId: take_str(&mut m, "recipientAccountId"),
        RequestParameters: take_json(&mut m, "requestParameters"),
        Resources: take_json(&mut m, "resources"),
        ResponseElements: take_json(&mut m, "responseElements"),
        ServiceEventDetails: take_json(&mut m, "serviceEventDetails"),
        SharedEventId: take_str(&mut m, "sharedEventID"),
        SourceIpAddress: take_str(&mut m, "sourceIPAddress"),
        UserAgent: take_str(&mut m, "userAgent"),
        VpcEndpointId: take_str(&mut m, "vpcEndpointId"),
        ..AwsCloudTrail::default()
    };
    if let Some(mut tls) = take_obj(&mut m, "tlsDetails") {
        row.TlsVersion = take_str(&mut tls, "tlsVersion");
        row.CipherSuite = take_str(&mut tls, "cipherSuite");
        row.ClientProvidedHostHeader = take_str(&mut tls, "clientProvidedHostHeader");
    }
    if let Some(mut id) = take_obj(&mut m, "userIdentity") {
        row.UserIdentityAccessKeyId = take_str(&mut id, "accessKeyId");
        row.UserIdentityAccountId = take_str(&mut id, "accountId");
        row.UserIdentityArn = take_str(&mut id, "arn");
        row.UserIdentityInvokedBy = take_str(&mut id, "invokedBy");
        row.UserIdentityPrincipalid = take_str(&mut id, "principalId");
        row.UserIdentityType = take_str(&mut id, "type");
        row.UserIdentityUserName = take_str(&mut id, "userName");
        if let Some(mut ctx) = take_obj(&mut id, "sessionContext") {
            row.EC2RoleDelivery = take_str(&mut ctx, "ec2RoleDelivery");
            if let Some(mut issuer) = take_obj(&mut ctx, "sessionIssuer") {
                row.SessionIssuerAccountId = take_str(&mut issuer, "accountId");
                row.SessionIssuerArn = take_str(&mut issuer, "arn");
                row.SessionIssuerPrincipalId = take_str(&mut issuer, "principalId");
                row.SessionIssuerType = take_str(&mut issuer, "type");
                row.SessionIssuerUserName = take_str(&mut issuer, "userName");
            }
            if let Some(mut attrs) = take_obj(&mut ctx, "attributes") {
                row.SessionCreationDate = take_str(&mut attrs, "creationDate")
                    .and_then(|d| parse_datetime_ms(&d))
                    .map(format_datetime_ms);
                row.SessionMfaAuthenticated = take_bool(&mut attrs, "mfaAuthenticated");
            }
        }
    }
    Ok(row)
}

/// Writes `row` as the JSON object the Logs Ingestion API receives (the
/// table's columns, without the `{"table":..,"row":..}` tag).
pub fn write_row_json(row: &TableRow, out: &mut Vec<u8>) -> serde_json::Result<()> {
    match row {
        TableRow::AWSVPCFlow(r) => serde_json::to_writer(out, r),
        TableRow::AWSGuardDuty(r) => serde_json::to_writer(out, r),
        TableRow::AWSCloudTrail(r) => serde_json::to_writer(out, r),
        TableRow::AWSCloudWatch(r) => serde_json::to_writer(out, r),
        TableRow::AWSEKSLogs_CL(r) => serde_json::to_writer(out, r),
    }
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
    use flate2::write::GzEncoder;
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
