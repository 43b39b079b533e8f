//! Synthetic AWS log generators: VPC Flow Logs, GuardDuty findings,
//! CloudTrail files (with digests), the CloudWatch Logs Firehose delivery, Route 53
//! Resolver query logs and AWS WAF web ACL traffic logs.
//!
//! Everything is deterministic: the same [`GenOptions`] (seed included) give
//! byte-identical objects. Objects are handed to an [`Output`] (a directory,
//! memory, or later an S3 bucket) at their S3 keys, and the ground truth goes
//! to the same output as [`manifest`] lines.
//!
//! Entry point: [`generate`].

pub mod baddata;
pub mod cloudfront;
pub mod cloudtrail;
pub mod cloudwatch;
pub mod eks;
pub mod elb;
pub mod guardduty;
pub mod keys;
pub mod manifest;
pub mod networkfirewall;
mod output;
pub mod rng;
pub mod route53;
pub mod s3access;
pub mod securityhub;
pub mod vpc;
pub mod waf;

use std::cell::Cell;
use std::io::{self, Write};
use std::rc::Rc;

use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};

use crate::tables::format_datetime_ms;
pub use baddata::BadDataKind;
use catalogue::DataType;
use manifest::{Content, ExpectedRecord, ManifestLine, ObjectEntry, ObjectKind, RunInfo, Totals};
pub use output::{DirOutput, MemOutput, Output};
use rng::SimRng;
pub use vpc::{VpcField, VpcFormat};

/// Gzip level used for every object (fixed, so output bytes are stable).
pub const GZIP_LEVEL: u32 = 6;

/// `2026-03-01T00:00:00Z`: the default simulated start time.
pub const DEFAULT_START_MS: i64 = 1_772_323_200_000;

/// Everything that shapes a run. Build with [`GenOptions::new`] and adjust.
#[derive(Debug, Clone, PartialEq)]
pub struct GenOptions {
    pub service: DataType,
    /// Records in the regular (non bad-data) objects.
    pub records: u64,
    pub seed: u64,
    /// Records per simulated second (`None`: the catalogue's `default_rate` of the data type).
    pub rate: Option<f64>,
    /// Simulated start, epoch ms.
    pub start_ms: i64,
    pub account_id: String,
    pub region: String,
    /// `None`: the catalogue's `records_per_object` of the data type.
    pub records_per_object: Option<u64>,
    /// VPC flow log fields, in order (header and records follow it).
    pub vpc_fields: Vec<VpcField>,
    /// VPC: add the `HH/` partition to keys.
    pub hourly_partitions: bool,
    pub bad_data: Vec<BadDataKind>,
    /// Stored (gzip) size the `large` bad-data object grows to, bytes.
    pub large_object_bytes: u64,
    /// Bucket name written into CloudTrail digest files.
    pub bucket: String,
    /// CloudTrail trail name (digest file names).
    pub trail_name: String,
    /// Firehose delivery stream name (CloudWatch and Security Hub object names).
    pub delivery_stream: String,
    /// S3 server access logs: the target prefix the keys start with (ends in `/`).
    pub access_log_prefix: String,
    /// S3 server access logs: the watched buckets whose requests are logged.
    pub watched_buckets: Vec<String>,
    /// ELB logs: the key prefix before `AWSLogs/` the load balancer (or flow log) was given,
    /// ending in `/` (default: the data type's default key prefix, `ALBLogs/` ...); empty for
    /// the data types whose keys start `AWSLogs/`.
    pub key_prefix: String,
}

/// Invalid [`GenOptions`]; the message names the flag, the value and the fix.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid value '{value}' for '{flag}': {problem}; {fix}")]
pub struct OptionError {
    pub flag: &'static str,
    pub value: String,
    pub problem: String,
    pub fix: String,
}

impl GenOptions {
    pub fn new(service: DataType, records: u64, seed: u64) -> Self {
        GenOptions {
            service,
            records,
            seed,
            rate: None,
            start_ms: DEFAULT_START_MS,
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
            records_per_object: None,
            vpc_fields: VpcFormat::Default.fields(),
            hourly_partitions: false,
            bad_data: Vec::new(),
            large_object_bytes: 256 * 1024 * 1024,
            bucket: "sentinel-sim-logs".into(),
            trail_name: "sentinel-sim-trail".into(),
            access_log_prefix: "s3-access-logs/".into(),
            watched_buckets: vec![
                "sentinel-sim-app-data".into(),
                "sentinel-sim-uploads".into(),
                "sentinel-sim-static-site".into(),
            ],
            delivery_stream: match service {
                DataType::SecurityHub => "sentinel-securityhub-delivery".into(),
                _ => "sentinel-cloudwatch-delivery".into(),
            },
            key_prefix: match service.default_key_prefix() {
                "" => String::new(),
                p => format!("{p}/"),
            },
        }
    }

    pub fn rate(&self) -> f64 {
        self.rate.unwrap_or(self.service.entry().default_rate)
    }

    pub fn records_per_object(&self) -> u64 {
        self.records_per_object
            .unwrap_or(self.service.entry().records_per_object)
    }

    /// Checks every option; the CLI calls this before writing anything.
    pub fn validate(&self) -> Result<(), OptionError> {
        let err = |flag, value: String, problem: &str, fix: &str| OptionError {
            flag,
            value,
            problem: problem.into(),
            fix: fix.into(),
        };
        if !writes_objects(self.service) {
            return Err(err(
                "--service",
                self.service.slug().into(),
                "EKS audit logs reach S3 through CloudWatch Logs, a subscription and Firehose, not as objects written by this generator",
                &format!("simulate one of {}; EKS runs end to end with `simulator e2e --services eks`", s3_slugs()),
            ));
        }
        if self.records == 0 {
            return Err(err(
                "--records",
                "0".into(),
                "must be at least 1",
                "e.g. --records 2000",
            ));
        }
        validate_account_id(&self.account_id).map_err(|e| {
            err(
                "--account-id",
                self.account_id.clone(),
                &e,
                "give 12 digits, e.g. --account-id 123456789012",
            )
        })?;
        validate_region(&self.region).map_err(|e| {
            err(
                "--region",
                self.region.clone(),
                &e,
                "e.g. --region us-east-1",
            )
        })?;
        if let Some(r) = self.rate {
            if !(r.is_finite() && r > 0.0 && r <= 1_000_000.0) {
                return Err(err(
                    "--rate",
                    r.to_string(),
                    "must be a number of records per simulated second in (0, 1000000]",
                    "e.g. --rate 5",
                ));
            }
        }
        if self.records_per_object == Some(0) {
            return Err(err(
                "--records-per-object",
                "0".into(),
                "must be at least 1",
                "e.g. --records-per-object 1000",
            ));
        }
        vpc::validate_fields(&self.vpc_fields).map_err(|e| {
            err("--vpc-fields", vpc::format_string(&self.vpc_fields), &e, "list flow log fields separated by spaces, each once, e.g. --vpc-fields 'version account-id interface-id start end action log-status'")
        })?;
        if self.bad_data.contains(&BadDataKind::Large) && self.large_object_bytes == 0 {
            return Err(err(
                "--large-object-mib",
                "0".into(),
                "must be at least 1",
                "e.g. --large-object-mib 256",
            ));
        }
        if self.service == DataType::S3Access {
            if !self.access_log_prefix.is_empty() && !self.access_log_prefix.ends_with('/') {
                return Err(err(
                    "--access-log-prefix",
                    self.access_log_prefix.clone(),
                    "must end in / (S3 puts the account, Region and bucket after it)",
                    "e.g. --access-log-prefix s3-access-logs/",
                ));
            }
            let bad = self.watched_buckets.iter().find(|b| {
                !(3..=63).contains(&b.len())
                    || !b.bytes().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-'
                    })
            });
            if self.watched_buckets.is_empty() || bad.is_some() {
                return Err(err(
                    "--watched-buckets",
                    self.watched_buckets.join(","),
                    "must be one or more S3 bucket names (3-63 lower-case letters, digits, '.', '-')",
                    "e.g. --watched-buckets my-app-data,my-app-uploads",
                ));
            }
        }
        if !self.service.default_key_prefix().is_empty()
            && (!self.key_prefix.ends_with('/') || self.key_prefix.starts_with('/'))
        {
            return Err(err(
                "--key-prefix",
                self.key_prefix.clone(),
                "must be the key prefix before AWSLogs/, ending in / and not starting with it (a load balancer's logs are never at the bucket's top)",
                &format!("e.g. --key-prefix {}/", self.service.default_key_prefix()),
            ));
        }
        for (flag, value) in [
            ("--bucket", &self.bucket),
            ("--trail-name", &self.trail_name),
            ("--delivery-stream", &self.delivery_stream),
        ] {
            let ok = !value.is_empty()
                && value.len() <= 64
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
            if !ok {
                return Err(err(
                    flag,
                    value.clone(),
                    "must be 1-64 characters of letters, digits, '-', '.', '_'",
                    "e.g. a name like my-logs-1",
                ));
            }
        }
        Ok(())
    }

    /// The service-specific options recorded in the manifest header.
    fn manifest_options(&self) -> serde_json::Value {
        let bad: Vec<&str> = self.bad_data.iter().map(|b| b.name()).collect();
        let mut o = serde_json::json!({ "bad_data": bad });
        let m = o.as_object_mut().expect("object");
        match self.service {
            DataType::Vpc => {
                m.insert(
                    "vpc_fields".into(),
                    vpc::format_string(&self.vpc_fields).into(),
                );
                m.insert("hourly_partitions".into(), self.hourly_partitions.into());
            }
            DataType::CloudTrail => {
                m.insert("bucket".into(), self.bucket.clone().into());
                m.insert("trail_name".into(), self.trail_name.clone().into());
            }
            DataType::CloudWatch => {
                m.insert(
                    "delivery_stream".into(),
                    self.delivery_stream.clone().into(),
                );
            }
            DataType::GuardDuty | DataType::Eks | DataType::Route53 => {}
            DataType::NetworkFirewallFlow
            | DataType::NetworkFirewallAlert
            | DataType::NetworkFirewallTls => {}
            DataType::Waf => {
                m.insert("web_acl".into(), waf::WEB_ACL_NAME.into());
            }
            DataType::S3Access => {
                m.insert(
                    "access_log_prefix".into(),
                    self.access_log_prefix.clone().into(),
                );
                m.insert(
                    "watched_buckets".into(),
                    self.watched_buckets.clone().into(),
                );
            }
            DataType::SecurityHub => {
                m.insert(
                    "delivery_stream".into(),
                    self.delivery_stream.clone().into(),
                );
            }
            DataType::CloudFront => {}
            DataType::ElbAlb | DataType::ElbNlb | DataType::ElbNlbFlow | DataType::ElbGwlbFlow => {
                m.insert("key_prefix".into(), self.key_prefix.clone().into());
            }
        }
        if self.bad_data.contains(&BadDataKind::Large) {
            m.insert("large_object_bytes".into(), self.large_object_bytes.into());
        }
        o
    }
}

/// True for the data types whose objects [`generate`] writes (EKS audit logs go through
/// CloudWatch Logs and Firehose instead; their generator is [`eks::generate`]).
pub fn writes_objects(d: DataType) -> bool {
    match d {
        DataType::Vpc | DataType::GuardDuty | DataType::CloudTrail | DataType::CloudWatch => true,
        DataType::Eks => false,
        DataType::Route53 => true,
        DataType::NetworkFirewallFlow
        | DataType::NetworkFirewallAlert
        | DataType::NetworkFirewallTls => true,
        DataType::Waf => true,
        DataType::S3Access => true,
        DataType::SecurityHub => true,
        DataType::CloudFront => true,
        DataType::ElbAlb | DataType::ElbNlb | DataType::ElbNlbFlow | DataType::ElbGwlbFlow => true,
    }
}

/// The data types [`generate`] writes, in catalogue order.
pub fn s3_object_types() -> impl Iterator<Item = DataType> {
    DataType::ALL.iter().copied().filter(|d| writes_objects(*d))
}

/// [`s3_object_types`]'s slugs, comma separated (help and error texts).
pub fn s3_slugs() -> String {
    s3_object_types()
        .map(DataType::slug)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `Ok` if `s` is a 12-digit AWS account id.
pub fn validate_account_id(s: &str) -> Result<(), String> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err("an AWS account id is exactly 12 digits".into())
    }
}

/// `Ok` if `s` looks like an AWS region (`us-east-1`, `eu-central-2`, `us-gov-west-1`).
pub fn validate_region(s: &str) -> Result<(), String> {
    let parts: Vec<&str> = s.split('-').collect();
    let ok = parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok();
    if ok {
        Ok(())
    } else {
        Err("not an AWS region name".into())
    }
}

/// Gzip (fixed level, no name, mtime 0) of `data`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(data.len() / 4 + 64),
        Compression::new(GZIP_LEVEL),
    );
    enc.write_all(data).expect("writing to memory");
    enc.finish().expect("writing to memory")
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex_lower(&Sha256::digest(data))
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A writer that counts and hashes what passes through.
struct HashCount<'a> {
    inner: &'a mut dyn Write,
    hasher: Sha256,
    bytes: u64,
    /// `bytes`, readable while an encoder owns the writer.
    progress: Rc<Cell<u64>>,
}

impl Write for HashCount<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        self.progress.set(self.bytes);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes a streamed object: `(plain-text writer, gzip bytes stored so far)`.
pub(crate) type StreamBody<'a> = dyn FnMut(&mut dyn Write, &dyn Fn() -> u64) -> io::Result<()> + 'a;

/// Counts bytes written.
pub(crate) struct Counting<W: Write> {
    pub inner: W,
    pub bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Run summary returned by [`generate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub totals: Totals,
}

/// A log source's record model and text encoding. Each service implements it;
/// the shared driver ([`drive`]) groups records into objects, applies bad
/// data and writes the manifest.
pub(crate) trait LogGen {
    type Record;

    /// Records of the next regular object (at most `max` and at least one),
    /// and its key. Called again for every object, in time order.
    fn next_object(&mut self, max: u64) -> (String, Vec<Self::Record>);

    /// One more record continuing the stream (used for the large object).
    fn next_record(&mut self) -> Self::Record;

    /// Text written before the first record; returns the lines it used.
    fn write_header(&self, _w: &mut dyn Write) -> io::Result<u64> {
        Ok(0)
    }

    /// Writes a record as item `position` (0-based, malformed items
    /// included) of the object; returns the physical lines it used.
    fn write_record(&self, w: &mut dyn Write, rec: &Self::Record, position: u64)
        -> io::Result<u64>;

    /// Writes one malformed item (variant `which`) at `position`; returns lines used.
    fn write_malformed(&self, w: &mut dyn Write, which: u64, position: u64) -> io::Result<u64>;

    /// Text written after the last record.
    fn write_footer(&self, _w: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    /// The manifest record of `rec`, item `index` of object `key`.
    fn expected(
        &self,
        rec: &Self::Record,
        key: &str,
        index: u64,
        line: Option<u64>,
    ) -> ExpectedRecord;

    /// The manifest records of `rec` when it yields several rows (a Security Hub event
    /// carrying several findings); by default the one of [`LogGen::expected`].
    fn expected_rows(
        &self,
        rec: &Self::Record,
        key: &str,
        index: u64,
        line: Option<u64>,
    ) -> Vec<ExpectedRecord> {
        vec![self.expected(rec, key, index, line)]
    }

    /// The rows `rec` yields: 1, unless [`LogGen::expected_rows`] gives several.
    fn row_count(&self, _rec: &Self::Record) -> u64 {
        1
    }

    /// True if records are lines (VPC, GuardDuty, CloudWatch); false if they
    /// are positions in a JSON array (CloudTrail).
    fn line_oriented(&self) -> bool {
        true
    }

    /// True if objects are stored gzip (every format but S3 server access logs, which S3
    /// writes as plain text).
    fn compressed(&self) -> bool {
        true
    }

    /// Called after each regular log object was stored.
    fn object_stored(&mut self, _key: &str, _uncompressed: &[u8], _records: &[Self::Record]) {}

    /// Extra objects after the regular ones (CloudTrail digests):
    /// `(key, uncompressed body)`, stored gzip and never ingested.
    fn extra_objects(&mut self) -> Vec<(String, Vec<u8>)> {
        Vec::new()
    }
}

/// An encoded object body and the manifest facts about it.
pub(crate) struct Encoded {
    pub body: Vec<u8>,
    pub records: Vec<ExpectedRecord>,
    pub malformed_lines: Vec<u64>,
    pub malformed_indexes: Vec<u64>,
}

/// Encodes `records` (uncompressed), inserting malformed item variant `w`
/// before record `i` for each `(i, w)` in `malformed` (sorted by `i`;
/// `i == records.len()` puts it at the end).
pub(crate) fn encode<G: LogGen>(
    generator: &G,
    key: &str,
    records: &[G::Record],
    malformed: &[(usize, u64)],
) -> io::Result<Encoded> {
    let mut body = Vec::with_capacity(records.len() * 200 + 64);
    let mut line = 1 + generator.write_header(&mut body)?;
    let mut position = 0u64;
    let mut out = Vec::with_capacity(records.len());
    let mut malformed_lines = Vec::new();
    let mut malformed_indexes = Vec::new();
    let mut m = malformed.iter().peekable();
    let lines = generator.line_oriented();
    for i in 0..=records.len() {
        while let Some(&&(at, which)) = m.peek() {
            if at != i {
                break;
            }
            m.next();
            if lines {
                malformed_lines.push(line);
            } else {
                malformed_indexes.push(position);
            }
            line += generator.write_malformed(&mut body, which, position)?;
            position += 1;
        }
        let Some(rec) = records.get(i) else { break };
        out.extend(generator.expected_rows(rec, key, i as u64, lines.then_some(line)));
        line += generator.write_record(&mut body, rec, position)?;
        position += 1;
    }
    generator.write_footer(&mut body)?;
    Ok(Encoded {
        body,
        records: out,
        malformed_lines,
        malformed_indexes,
    })
}

/// Collects totals and writes manifest lines.
pub(crate) struct Recorder<'a> {
    pub out: &'a mut dyn Output,
    pub service: DataType,
    pub totals: Totals,
}

impl Recorder<'_> {
    /// Stores `stored` at `key` and records the manifest entry.
    #[allow(clippy::too_many_arguments)]
    pub fn store(
        &mut self,
        key: &str,
        stored: &[u8],
        uncompressed_len: u64,
        kind: ObjectKind,
        content: Content,
        ingest: bool,
        enc: Option<Encoded>,
    ) -> io::Result<()> {
        self.out.put_object(key, &mut |w| w.write_all(stored))?;
        let (records, malformed_lines, malformed_indexes) = match enc {
            Some(e) => (e.records, e.malformed_lines, e.malformed_indexes),
            None => (Vec::new(), Vec::new(), Vec::new()),
        };
        let entry = ObjectEntry {
            service: self.service,
            key: key.to_string(),
            kind,
            content,
            ingest,
            bytes: stored.len() as u64,
            uncompressed_bytes: uncompressed_len,
            sha256: sha256_hex(stored),
            record_count: records.len() as u64,
            malformed_lines,
            malformed_indexes,
            records_listed: true,
            records,
        };
        self.record(entry)
    }

    pub fn record(&mut self, entry: ObjectEntry) -> io::Result<()> {
        self.totals.objects += 1;
        if entry.ingest {
            self.totals.objects_to_ingest += 1;
            self.totals.records += entry.record_count;
        }
        self.totals.malformed +=
            (entry.malformed_lines.len() + entry.malformed_indexes.len()) as u64;
        self.totals.bytes += entry.bytes;
        self.totals.uncompressed_bytes += entry.uncompressed_bytes;
        self.out.manifest_line(&ManifestLine::Object(entry))
    }

    /// Streams a gzip object through `body` (never held in memory); `body`
    /// gets the plain-text writer and a function telling the gzip bytes
    /// stored so far. Returns `(stored bytes, sha256, uncompressed bytes)`.
    pub fn store_streaming_gz(
        &mut self,
        key: &str,
        body: &mut StreamBody<'_>,
    ) -> io::Result<(u64, String, u64)> {
        let mut result = (0, String::new(), 0);
        self.out.put_object(key, &mut |w| {
            let progress = Rc::new(Cell::new(0));
            let hc = HashCount {
                inner: w,
                hasher: Sha256::new(),
                bytes: 0,
                progress: Rc::clone(&progress),
            };
            let gz = GzEncoder::new(hc, Compression::new(GZIP_LEVEL));
            let mut plain = Counting {
                inner: io::BufWriter::with_capacity(128 * 1024, gz),
                bytes: 0,
            };
            body(&mut plain, &|| progress.get())?;
            let uncompressed = plain.bytes;
            let gz = plain.inner.into_inner().map_err(|e| e.into_error())?;
            let hc = gz.finish()?;
            result = (hc.bytes, hex_lower(&hc.hasher.finalize()), uncompressed);
            Ok(())
        })?;
        Ok(result)
    }
}

impl Recorder<'_> {
    /// [`Recorder::store_streaming_gz`] for a format stored plain: `body` gets the writer and
    /// a function telling the bytes stored so far.
    pub fn store_streaming_plain(
        &mut self,
        key: &str,
        body: &mut StreamBody<'_>,
    ) -> io::Result<(u64, String, u64)> {
        let mut result = (0, String::new(), 0);
        self.out.put_object(key, &mut |w| {
            let progress = Rc::new(Cell::new(0));
            let mut hc = HashCount {
                inner: w,
                hasher: Sha256::new(),
                bytes: 0,
                progress: Rc::clone(&progress),
            };
            body(&mut hc, &|| progress.get())?;
            result = (hc.bytes, hex_lower(&hc.hasher.finalize()), hc.bytes);
            Ok(())
        })?;
        Ok(result)
    }
}

/// Generates one service's objects and manifest into `out`.
///
/// Validates `opts` first; nothing is written if they are invalid.
pub fn generate(opts: &GenOptions, out: &mut dyn Output) -> anyhow::Result<Summary> {
    opts.validate()?;
    out.manifest_line(&ManifestLine::Run(RunInfo {
        service: opts.service,
        table: opts.service.table(),
        seed: opts.seed,
        records_requested: opts.records,
        account_id: opts.account_id.clone(),
        region: opts.region.clone(),
        start: format_datetime_ms(opts.start_ms),
        rate: opts.rate(),
        records_per_object: opts.records_per_object(),
        options: opts.manifest_options(),
    }))?;
    let mut rec = Recorder {
        out,
        service: opts.service,
        totals: Totals::default(),
    };
    match opts.service {
        DataType::Vpc => drive(&mut vpc::VpcGen::new(opts), opts, &mut rec)?,
        DataType::GuardDuty => drive(&mut guardduty::GuardDutyGen::new(opts), opts, &mut rec)?,
        DataType::CloudTrail => drive(&mut cloudtrail::CloudTrailGen::new(opts), opts, &mut rec)?,
        DataType::CloudWatch => drive(&mut cloudwatch::CloudWatchGen::new(opts), opts, &mut rec)?,
        DataType::NetworkFirewallFlow
        | DataType::NetworkFirewallAlert
        | DataType::NetworkFirewallTls => drive(
            &mut networkfirewall::NetworkFirewallGen::new(opts),
            opts,
            &mut rec,
        )?,
        // `validate` refused it above; the EKS generator is `eks::generate`.
        DataType::Eks => unreachable!("GenOptions::validate rejects EKS"),
        DataType::Route53 => drive(&mut route53::Route53Gen::new(opts), opts, &mut rec)?,
        DataType::Waf => drive(&mut waf::WafGen::new(opts), opts, &mut rec)?,
        DataType::S3Access => drive(&mut s3access::S3AccessGen::new(opts), opts, &mut rec)?,
        DataType::SecurityHub => {
            drive(&mut securityhub::SecurityHubGen::new(opts), opts, &mut rec)?
        }
        DataType::CloudFront => drive(&mut cloudfront::CloudFrontGen::new(opts), opts, &mut rec)?,
        DataType::ElbAlb | DataType::ElbNlb | DataType::ElbNlbFlow | DataType::ElbGwlbFlow => {
            drive(&mut elb::ElbGen::new(opts), opts, &mut rec)?
        }
    }
    let totals = rec.totals.clone();
    rec.out
        .manifest_line(&ManifestLine::Totals(totals.clone()))?;
    Ok(Summary { totals })
}

/// The shared driver: regular objects, extra objects, then bad data.
pub(crate) fn drive<G: LogGen>(
    g: &mut G,
    opts: &GenOptions,
    rec: &mut Recorder<'_>,
) -> io::Result<()> {
    let mut remaining = opts.records;
    let per_object = opts.records_per_object();
    while remaining > 0 {
        let (key, records) = g.next_object(remaining.min(per_object));
        remaining -= records.len() as u64;
        let enc = encode(g, &key, &records, &[])?;
        let stored = stored_body(g, &enc.body);
        g.object_stored(&key, &enc.body, &records);
        let len = enc.body.len() as u64;
        rec.store(
            &key,
            &stored,
            len,
            ObjectKind::Log,
            Content::Ok,
            true,
            Some(enc),
        )?;
    }
    for (key, body) in g.extra_objects() {
        let gz = gzip(&body);
        rec.store(
            &key,
            &gz,
            body.len() as u64,
            ObjectKind::Digest,
            Content::Ok,
            false,
            None,
        )?;
    }
    baddata::write_bad_objects(g, opts, rec)
}

/// An object's stored bytes: gzip of `body`, or `body` itself for a format stored plain.
pub(crate) fn stored_body<G: LogGen>(g: &G, body: &[u8]) -> Vec<u8> {
    if g.compressed() {
        gzip(body)
    } else {
        body.to_vec()
    }
}

/// Helper for generators: the RNGs of one run.
pub(crate) struct Rngs {
    /// Record contents.
    pub records: SimRng,
    /// Object names (kept apart so names never shift record contents).
    pub names: SimRng,
}

impl Rngs {
    pub fn new(opts: &GenOptions) -> Self {
        Rngs {
            records: rng::derive(opts.seed, &format!("{}/records", opts.service.slug())),
            names: rng::derive(opts.seed, &format!("{}/names", opts.service.slug())),
        }
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;
    use flate2::read::GzDecoder;
    use std::io::Read;

    pub fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        GzDecoder::new(data)
            .read_to_end(&mut out)
            .expect("valid gzip");
        out
    }

    pub fn run(opts: &GenOptions) -> MemOutput {
        let mut out = MemOutput::default();
        generate(opts, &mut out).expect("generate");
        out
    }

    /// Bytes of the objects in write order.
    pub fn digest_of(out: &MemOutput) -> String {
        let mut all = String::new();
        for k in &out.order {
            all.push_str(k);
            all.push(' ');
            all.push_str(&sha256_hex(&out.objects[k]));
            all.push('\n');
        }
        all
    }
}

#[cfg(test)]
mod tests;
