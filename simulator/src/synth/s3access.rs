//! S3 server access logs (Amazon S3 User Guide, "Amazon S3 server access log format" and
//! "Logging requests with server access logging"), as S3 delivers them into the log bucket:
//!
//! * plain text (never compressed), one record per line ending in `\n`, no header;
//! * each object holds the records of one source bucket, at the partitioned key
//!   `<TargetPrefix><account>/<region>/<bucket>/YYYY/MM/DD/YYYY-MM-DD-00-00-00-<16 hex>`
//!   ([`s3access_key`]; `PartitionDateSource` `EventTime`: the day the requests were made, the
//!   time of day `00-00-00`), so an object never spans two days;
//! * the fields in the log's order, `-` for what is unknown or does not apply, the Time in
//!   brackets, Request-URI, Referer and User-Agent in quotes.
//!
//! Edge cases: anonymous requests (Requester, Signature Version, Authentication Type `-`, plain
//! HTTP without cipher or TLS), IAM and assumed-role requesters, IPv6 remote addresses, keys
//! URL-encoded (`%20`, `%2B`, UTF-8 bytes), presigned URLs (`QueryString`), custom `x-` query
//! parameters holding spaces inside the quoted Request-URI, user agents with spaces, access-point
//! requests, `aclRequired` `Yes`, errors (`NoSuchKey`, `AccessDenied`), lifecycle expirations
//! (`S3.EXPIRE.OBJECT`, most fields `-`), copies, a 5 GiB object whose Object Size does not fit
//! the table's 32-bit column (the expected row has none), and objects in older layouts that end
//! after Version Id, TLS version, Access Point ARN or aclRequired.
//!
//! The expected rows ([`S3AccessGen::expected`]) are built from the record model, not from the
//! text written.

use std::io::{self, Write};

use rand::Rng;

use super::keys::{s3access_key, Utc};
use super::manifest::ExpectedRecord;
use super::rng::{self, chance, hex, pick, upper_alnum, weighted, Clock};
use super::{GenOptions, LogGen, Rngs};
use crate::tables::{format_datetime_ms, AwsS3ServerAccess, TableRow};

/// Fields of the record layouts S3 has written: the newest (Bucket Owner ... Source Region)
/// and the older ones, each ending earlier.
const LAYOUTS: &[(u32, usize)] = &[(80, 27), (8, 26), (3, 25), (7, 24), (2, 18)];

/// One request as S3 logs it (`None`: the field is `-`).
#[derive(Debug, Clone)]
pub struct AccessRecord {
    bucket: usize,
    /// The request's time, whole seconds (epoch ms).
    time_ms: i64,
    remote_ip: Option<String>,
    requester: Option<String>,
    request_id: String,
    operation: &'static str,
    key: Option<String>,
    request_uri: Option<String>,
    http_status: Option<u16>,
    error_code: Option<&'static str>,
    bytes_sent: Option<u64>,
    object_size: Option<u64>,
    total_time: Option<u32>,
    turn_around_time: Option<u32>,
    referer: Option<&'static str>,
    user_agent: Option<&'static str>,
    version_id: Option<String>,
    host_id: Option<String>,
    signature_version: Option<&'static str>,
    cipher_suite: Option<&'static str>,
    authentication_type: Option<&'static str>,
    host_header: Option<String>,
    tls_version: Option<&'static str>,
    access_point_arn: Option<String>,
    acl_required: bool,
    source_region: Option<String>,
    /// How many fields the record's layout has (see [`LAYOUTS`]).
    fields: usize,
}

const USER_AGENTS: &[&str] = &[
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.167.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off command/s3.cp",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "S3Console/0.4",
    "aws-sdk-java/2.25.16 Linux/5.10.213 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",
    "curl/8.5.0",
    "aws-internal/3 aws-sdk-java/1.12.655 Linux/5.10.213 OpenJDK_64-Bit_Server_VM/25.402-b08 java/1.8.0_402 vendor/Oracle_Corporation cfg/retry-mode/standard",
];

const REFERERS: &[&str] = &[
    "https://www.example.com/gallery/2026/index.html",
    "https://app.example.net/reports?period=2026-Q1&view=summary",
];

const KEYS: &[&str] = &[
    "photos/2026/03/puppy.jpg",
    "reports/q1%202026/summary%20final.pdf",
    "uploads/user%2B1/caf%C3%A9-men%C3%BC.txt",
    "data/part-00000-8c1d.snappy.parquet",
    "static/js/app.3f9c1.js",
    "logs/%E2%9C%93%20done/%E6%97%A5%E6%9C%AC.csv",
    "index.html",
];

const CIPHERS_TLS: &[(&str, &str)] = &[
    ("ECDHE-RSA-AES128-GCM-SHA256", "TLSv1.2"),
    ("TLS_AES_128_GCM_SHA256", "TLSv1.3"),
    ("ECDHE-RSA-AES256-GCM-SHA384", "TLSv1.2"),
];

/// What kind of request a record is.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Get,
    Put,
    HeadMissing,
    Anonymous,
    Presigned,
    CustomQuery,
    AccessPoint,
    AclRequired,
    Lifecycle,
    Copy,
    List,
    HugeObject,
}

const KINDS: &[(u32, Kind)] = &[
    (30, Kind::Get),
    (14, Kind::Put),
    (8, Kind::HeadMissing),
    (6, Kind::Anonymous),
    (8, Kind::Presigned),
    (5, Kind::CustomQuery),
    (6, Kind::AccessPoint),
    (4, Kind::AclRequired),
    (4, Kind::Lifecycle),
    (4, Kind::Copy),
    (9, Kind::List),
    (2, Kind::HugeObject),
];

/// S3 server access log generator.
pub struct S3AccessGen {
    account: String,
    region: String,
    prefix: String,
    buckets: Vec<String>,
    /// The bucket owner's canonical user ID (64 hex).
    owner: String,
    rngs: Rngs,
    clock: Clock,
    /// A record generated past the end of the previous object (another day).
    pending: Option<AccessRecord>,
    /// The layout of the object being written.
    layout: usize,
    /// The source bucket of the object being written.
    bucket: usize,
}

impl S3AccessGen {
    pub fn new(opts: &GenOptions) -> Self {
        let mut rngs = Rngs::new(opts);
        let owner = hex(&mut rngs.names, 64);
        S3AccessGen {
            account: opts.account_id.clone(),
            region: opts.region.clone(),
            prefix: opts.access_log_prefix.clone(),
            buckets: opts.watched_buckets.clone(),
            owner,
            clock: Clock::new(opts.start_ms, opts.rate()),
            rngs,
            pending: None,
            layout: 27,
            bucket: 0,
        }
    }

    fn take(&mut self) -> AccessRecord {
        match self.pending.take() {
            Some(r) => {
                let mut r = r;
                r.bucket = self.bucket;
                r.fields = self.layout;
                r
            }
            None => self.generate(),
        }
    }

    fn generate(&mut self) -> AccessRecord {
        let time_ms = self.clock.tick(&mut self.rngs.records).div_euclid(1000) * 1000;
        let bucket = self.buckets[self.bucket].clone();
        let r = &mut self.rngs.records;
        let kind = *weighted(r, KINDS);
        let (cipher, tls) = *pick(r, CIPHERS_TLS);
        let key = (*pick(r, KEYS)).to_string();
        let ipv6 = chance(r, 15);
        let remote_ip = if ipv6 {
            format!(
                "2001:db8:{:x}::{:x}:{:x}",
                r.random_range(1..0xffffu32),
                r.random_range(1..0xffffu32),
                r.random_range(1..0xffffu32)
            )
        } else {
            format!(
                "{}.{}.{}.{}",
                pick(r, &[192u8, 198, 203, 10]),
                r.random_range(0..256),
                r.random_range(0..256),
                r.random_range(1..255)
            )
        };
        let requester = match r.random_range(0..3) {
            0 => self.owner.clone(),
            1 => format!(
                "arn:aws:iam::{}:user/{}",
                self.account,
                pick(r, &["alice", "build-bot", "data.loader"])
            ),
            _ => format!(
                "arn:aws:sts::{}:assumed-role/{}/{}",
                self.account,
                pick(r, &["app-role", "AWSReservedSSO_Admin_0123456789abcdef"]),
                pick(r, &["i-0abc123def4567890", "jane.doe@example.com"])
            ),
        };
        let size: u64 = r.random_range(200..30_000_000);
        let total: u32 = r.random_range(5..4_000);
        let turn = total.min(r.random_range(1..200));
        let virtual_host = chance(r, 50);
        let path = |key: &str| {
            if virtual_host {
                format!("/{key}")
            } else {
                format!("/{bucket}/{key}")
            }
        };
        let host_header = if virtual_host {
            format!("{bucket}.s3.{}.amazonaws.com", self.region)
        } else {
            format!("s3.{}.amazonaws.com", self.region)
        };
        let version_id = chance(r, 20).then(|| rng::alnum(r, 32));
        let mut rec = AccessRecord {
            bucket: self.bucket,
            time_ms,
            remote_ip: Some(remote_ip),
            requester: Some(requester),
            request_id: upper_alnum(r, 16),
            operation: "REST.GET.OBJECT",
            key: Some(key.clone()),
            request_uri: Some(format!("GET {} HTTP/1.1", path(&key))),
            http_status: Some(200),
            error_code: None,
            bytes_sent: Some(size),
            object_size: Some(size),
            total_time: Some(total),
            turn_around_time: Some(turn),
            referer: chance(r, 15).then(|| *pick(r, REFERERS)),
            user_agent: Some(*pick(r, USER_AGENTS)),
            version_id,
            host_id: Some(format!("{}=", rng::alnum(r, 75))),
            signature_version: Some("SigV4"),
            cipher_suite: Some(cipher),
            authentication_type: Some("AuthHeader"),
            host_header: Some(host_header),
            tls_version: Some(tls),
            access_point_arn: None,
            acl_required: false,
            source_region: chance(r, 70).then(|| self.region.clone()),
            fields: self.layout,
        };
        match kind {
            Kind::Get => {}
            Kind::Put => {
                rec.operation = "REST.PUT.OBJECT";
                rec.request_uri = Some(format!("PUT {} HTTP/1.1", path(&key)));
                rec.bytes_sent = None;
            }
            Kind::HeadMissing => {
                rec.operation = "REST.HEAD.OBJECT";
                rec.request_uri = Some(format!("HEAD {} HTTP/1.1", path(&key)));
                rec.http_status = Some(404);
                rec.error_code = Some("NoSuchKey");
                rec.bytes_sent = None;
                rec.object_size = None;
                rec.version_id = None;
            }
            Kind::Anonymous => {
                rec.requester = None;
                rec.http_status = Some(403);
                rec.error_code = Some("AccessDenied");
                rec.bytes_sent = Some(243);
                rec.object_size = None;
                rec.signature_version = None;
                rec.authentication_type = None;
                rec.cipher_suite = None;
                rec.tls_version = None;
                rec.version_id = None;
                rec.user_agent = Some(*pick(r, &["curl/8.5.0", "python-requests/2.31.0"]));
            }
            Kind::Presigned => {
                rec.authentication_type = Some("QueryString");
                rec.request_uri = Some(format!(
                    "GET {}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIA{}%2F{:04}{:02}{:02}%2F{}%2Fs3%2Faws4_request&X-Amz-Date={}&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature={} HTTP/1.1",
                    path(&key),
                    upper_alnum(r, 16),
                    Utc::from_ms(time_ms).year,
                    Utc::from_ms(time_ms).month,
                    Utc::from_ms(time_ms).day,
                    self.region,
                    Utc::from_ms(time_ms).compact_second(),
                    hex(r, 64)
                ));
                rec.user_agent = Some(USER_AGENTS[2]);
            }
            Kind::CustomQuery => {
                // Custom `x-` parameters are logged as sent: here with spaces.
                rec.request_uri = Some(format!(
                    "GET {}?x-user=john doe&x-note=q1 review HTTP/1.1",
                    path(&key)
                ));
            }
            Kind::AccessPoint => {
                let ap = pick(r, &["analytics-ap", "partner-ap"]);
                rec.access_point_arn = Some(format!(
                    "arn:aws:s3:{}:{}:accesspoint/{ap}",
                    self.region, self.account
                ));
                rec.host_header = Some(format!(
                    "{ap}-{}.s3-accesspoint.{}.amazonaws.com",
                    self.account, self.region
                ));
                rec.request_uri = Some(format!("GET /{key} HTTP/1.1"));
            }
            Kind::AclRequired => {
                rec.acl_required = true;
                rec.operation = "REST.GET.ACL";
                rec.key = Some(key.clone());
                rec.request_uri = Some(format!("GET {}?acl HTTP/1.1", path(&key)));
                rec.bytes_sent = Some(r.random_range(400..600));
                rec.object_size = None;
            }
            Kind::Lifecycle => {
                rec.operation = "S3.EXPIRE.OBJECT";
                rec.remote_ip = None;
                rec.requester = Some("AmazonS3".into());
                rec.request_uri = None;
                rec.http_status = None;
                rec.bytes_sent = None;
                rec.total_time = None;
                rec.turn_around_time = None;
                rec.referer = None;
                rec.user_agent = None;
                rec.signature_version = None;
                rec.cipher_suite = None;
                rec.authentication_type = None;
                rec.host_header = None;
                rec.tls_version = None;
                rec.host_id = None;
                rec.source_region = None;
            }
            Kind::Copy => {
                rec.operation = "REST.COPY.OBJECT_GET";
                rec.request_uri = Some(format!("PUT {}.copy HTTP/1.1", path(&key)));
                rec.bytes_sent = None;
            }
            Kind::List => {
                rec.operation = "REST.GET.BUCKET";
                rec.key = None;
                rec.object_size = None;
                rec.bytes_sent = Some(r.random_range(300..40_000));
                rec.version_id = None;
                rec.request_uri = Some(format!(
                    "GET {}?list-type=2&prefix=reports%2Fq1%202026%2F&encoding-type=url HTTP/1.1",
                    if virtual_host {
                        "/".to_string()
                    } else {
                        format!("/{bucket}")
                    }
                ));
            }
            Kind::HugeObject => {
                // A ranged GET of a 5 GiB object: the size does not fit the int column.
                rec.http_status = Some(206);
                rec.key = Some("backups/db-2026-03-01.tar".into());
                rec.request_uri = Some(format!(
                    "GET {} HTTP/1.1",
                    path("backups/db-2026-03-01.tar")
                ));
                rec.bytes_sent = Some(8_388_608);
                rec.object_size = Some(5_368_709_120);
            }
        }
        rec
    }

    fn key(&mut self, day_ms: i64) -> String {
        let unique = hex(&mut self.rngs.names, 16).to_uppercase();
        s3access_key(
            &self.prefix,
            &self.account,
            &self.region,
            &self.buckets[self.bucket],
            day_ms,
            &unique,
        )
    }
}

/// The day (UTC midnight, epoch ms) of `ms`.
fn day_of(ms: i64) -> i64 {
    ms.div_euclid(86_400_000) * 86_400_000
}

/// A field as logged: its value, or `-`.
fn field(w: &mut dyn Write, v: Option<&str>) -> io::Result<()> {
    w.write_all(v.unwrap_or("-").as_bytes())
}

fn number<T: std::fmt::Display>(w: &mut dyn Write, v: Option<T>) -> io::Result<()> {
    match v {
        Some(n) => write!(w, "{n}"),
        None => w.write_all(b"-"),
    }
}

fn quoted(w: &mut dyn Write, v: Option<&str>) -> io::Result<()> {
    write!(w, "\"{}\"", v.unwrap_or("-"))
}

/// `[06/Feb/2019:00:00:38 +0000]`
fn bracketed_time(ms: i64) -> String {
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = Utc::from_ms(ms);
    format!(
        "[{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000]",
        t.day,
        MON[usize::from(t.month) - 1],
        t.year,
        t.hour,
        t.minute,
        t.second
    )
}

impl LogGen for S3AccessGen {
    type Record = AccessRecord;

    fn next_object(&mut self, max: u64) -> (String, Vec<AccessRecord>) {
        self.bucket = self.rngs.names.random_range(0..self.buckets.len());
        self.layout = *weighted(&mut self.rngs.names, LAYOUTS);
        let first = self.take();
        let day = day_of(first.time_ms);
        let key = self.key(day);
        let mut records = vec![first];
        while (records.len() as u64) < max {
            let r = self.take();
            if day_of(r.time_ms) != day {
                self.pending = Some(r);
                break;
            }
            records.push(r);
        }
        (key, records)
    }

    fn next_record(&mut self) -> AccessRecord {
        self.take()
    }

    fn compressed(&self) -> bool {
        false
    }

    fn write_record(&self, w: &mut dyn Write, r: &AccessRecord, _position: u64) -> io::Result<u64> {
        let bucket = &self.buckets[r.bucket];
        write!(w, "{} {bucket} {} ", self.owner, bracketed_time(r.time_ms))?;
        field(w, r.remote_ip.as_deref())?;
        w.write_all(b" ")?;
        field(w, r.requester.as_deref())?;
        write!(w, " {} {} ", r.request_id, r.operation)?;
        field(w, r.key.as_deref())?;
        w.write_all(b" ")?;
        match &r.request_uri {
            Some(u) => quoted(w, Some(u))?,
            // Lifecycle actions have no request: the field is a bare `-`.
            None => w.write_all(b"-")?,
        }
        w.write_all(b" ")?;
        number(w, r.http_status)?;
        w.write_all(b" ")?;
        field(w, r.error_code)?;
        for n in [r.bytes_sent, r.object_size] {
            w.write_all(b" ")?;
            number(w, n)?;
        }
        for n in [r.total_time, r.turn_around_time] {
            w.write_all(b" ")?;
            number(w, n)?;
        }
        w.write_all(b" ")?;
        quoted(w, r.referer)?;
        w.write_all(b" ")?;
        quoted(w, r.user_agent)?;
        w.write_all(b" ")?;
        field(w, r.version_id.as_deref())?;
        let later: [Option<&str>; 9] = [
            r.host_id.as_deref(),
            r.signature_version,
            r.cipher_suite,
            r.authentication_type,
            r.host_header.as_deref(),
            r.tls_version,
            r.access_point_arn.as_deref(),
            r.acl_required.then_some("Yes"),
            r.source_region.as_deref(),
        ];
        for v in &later[..r.fields - 18] {
            w.write_all(b" ")?;
            field(w, *v)?;
        }
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn write_malformed(&self, w: &mut dyn Write, which: u64, _position: u64) -> io::Result<u64> {
        let b = &self.buckets[0];
        let o = &self.owner;
        let rest = "\"-\" \"curl/8.5.0\" - hid SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader s3.us-east-1.amazonaws.com TLSv1.2 - - -";
        let line = match which % 5 {
            // Cut short after the remote address.
            0 => format!("{o} {b} [01/Mar/2026:00:00:00 +0000] 192.0.2.10"),
            // The time without its brackets.
            1 => format!("{o} {b} 01/Mar/2026:00:00:00 192.0.2.10 - R1 REST.GET.OBJECT k \"GET /k HTTP/1.1\" 200 - 1 1 1 1 {rest}"),
            // A quote that is never closed.
            2 => format!("{o} {b} [01/Mar/2026:00:00:00 +0000] 192.0.2.10 - R2 REST.GET.OBJECT k \"GET /k HTTP/1.1 200 - 1 1 1 1 - curl - hid"),
            // A status that is not a number.
            3 => format!("{o} {b} [01/Mar/2026:00:00:00 +0000] 192.0.2.10 - R3 REST.GET.OBJECT k \"GET /k HTTP/1.1\" OK - 1 1 1 1 {rest}"),
            // A day the month does not have.
            _ => format!("{o} {b} [31/Feb/2026:00:00:00 +0000] 192.0.2.10 - R4 REST.GET.OBJECT k \"GET /k HTTP/1.1\" 200 - 1 1 1 1 {rest}"),
        };
        w.write_all(line.as_bytes())?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn expected(
        &self,
        r: &AccessRecord,
        key: &str,
        index: u64,
        line: Option<u64>,
    ) -> ExpectedRecord {
        let t = format_datetime_ms(r.time_ms);
        let has = |n: usize| r.fields >= n;
        let int = |v: Option<u64>| v.and_then(|n| i32::try_from(n).ok());
        let row = AwsS3ServerAccess {
            TimeGenerated: t.clone(),
            BucketOwner: Some(self.owner.clone()),
            Bucket: Some(self.buckets[r.bucket].clone()),
            RemoteIp: r.remote_ip.clone(),
            Requester: r.requester.clone(),
            RequestId: Some(r.request_id.clone()),
            Operation: Some(r.operation.to_string()),
            Key: r.key.clone(),
            RequestUri: r.request_uri.clone(),
            HttpStatus: r.http_status.map(i32::from),
            ErrorCode: r.error_code.map(str::to_string),
            BytesSent: int(r.bytes_sent),
            ObjectSize: int(r.object_size),
            TotalTime: r.total_time.and_then(|n| i32::try_from(n).ok()),
            TurnAroundTime: r.turn_around_time.and_then(|n| i32::try_from(n).ok()),
            Referer: r.referer.map(str::to_string),
            UserAgent: r.user_agent.map(str::to_string),
            VersionId: r.version_id.clone(),
            HostId: r.host_id.clone().filter(|_| has(19)),
            SignatureVersion: r.signature_version.filter(|_| has(20)).map(str::to_string),
            CipherSuite: r.cipher_suite.filter(|_| has(21)).map(str::to_string),
            AuthenticationType: r
                .authentication_type
                .filter(|_| has(22))
                .map(str::to_string),
            HostHeader: r.host_header.clone().filter(|_| has(23)),
            TLSVersion: r.tls_version.filter(|_| has(24)).map(str::to_string),
            AccessPointARN: r.access_point_arn.clone().filter(|_| has(25)),
            ACLRequired: (r.acl_required && has(26)).then(|| "Yes".to_string()),
        };
        ExpectedRecord {
            id: format!("{key}#{index}"),
            index,
            line,
            time_generated: t,
            expected: TableRow::new(row),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::keys::patterns;
    use super::super::manifest::Content;
    use super::super::testutil::*;
    use super::super::{BadDataKind, GenOptions};
    use super::*;
    use catalogue::DataType;
    use regex::Regex;

    fn opts(records: u64, seed: u64) -> GenOptions {
        GenOptions::new(DataType::S3Access, records, seed)
    }

    #[test]
    fn objects_are_plain_text_one_bucket_one_day_each_at_partitioned_keys() {
        let mut o = opts(3000, 5);
        // Two days: the records cross midnight.
        o.start_ms = crate::synth::DEFAULT_START_MS - 60_000;
        let out = run(&o);
        let re = Regex::new(patterns::S3ACCESS).unwrap();
        let mut buckets = std::collections::BTreeSet::new();
        let mut days = std::collections::BTreeSet::new();
        for e in out.entries() {
            let data = &out.objects[&e.key];
            assert_ne!(&data[..2], &[0x1f, 0x8b], "never gzip");
            let c = re.captures(&e.key).unwrap_or_else(|| panic!("{}", e.key));
            assert_eq!(
                (&c[1], &c[2], &c[3]),
                ("s3-access-logs/", "123456789012", "us-east-1")
            );
            // The date partition is the day of the file name, and of every record.
            assert_eq!((&c[5], &c[6], &c[7]), (&c[8], &c[9], &c[10]));
            let text = std::str::from_utf8(data).unwrap();
            assert!(text.ends_with('\n') && !text.contains('\r'));
            assert_eq!(text.lines().count() as u64, e.record_count);
            for r in &e.records {
                let row = r.expected.decode::<AwsS3ServerAccess>().unwrap();
                assert_eq!(row.Bucket.as_deref(), Some(&c[4]));
                assert!(r
                    .time_generated
                    .starts_with(&format!("{}-{}-{}T", &c[5], &c[6], &c[7])));
            }
            buckets.insert(c[4].to_string());
            days.insert(c[5].to_string() + &c[6] + &c[7]);
        }
        assert_eq!(buckets.len(), o.watched_buckets.len());
        assert_eq!(days.len(), 2);
    }

    /// The fields of a line, read here on their own (not by the connector's parser): the
    /// bracketed time and quoted fields joined back, `-` kept.
    fn fields(line: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut open: Option<char> = None;
        for word in line.split(' ') {
            match open {
                Some(close) => {
                    let last = out.last_mut().unwrap();
                    last.push(' ');
                    last.push_str(word);
                    if word.ends_with(close) {
                        open = None;
                    }
                }
                None => {
                    out.push(word.to_string());
                    let opener = word.chars().next();
                    let closes = |c: char| word.len() > 1 && word.ends_with(c);
                    open = match opener {
                        Some('[') if !closes(']') => Some(']'),
                        Some('"') if !closes('"') => Some('"'),
                        _ => None,
                    };
                }
            }
        }
        out
    }

    #[test]
    fn lines_carry_every_edge_case_and_match_the_expected_rows() {
        let mut o = opts(4000, 9);
        // Many objects, so every layout occurs.
        o.records_per_object = Some(20);
        let out = run(&o);
        let (mut ipv6, mut anon, mut spaces, mut encoded, mut presigned) = (0, 0, 0, 0, 0);
        let (mut huge, mut lifecycle, mut ap, mut acl) = (0, 0, 0, 0);
        let mut layouts = std::collections::BTreeSet::new();
        for e in out.entries() {
            let text = std::str::from_utf8(&out.objects[&e.key]).unwrap();
            for (line, r) in text.lines().zip(&e.records) {
                let f = fields(line);
                layouts.insert(f.len());
                let row = r.expected.decode::<AwsS3ServerAccess>().unwrap();
                let unquote = |s: &str| s.trim_matches('"').to_string();
                let opt = |s: &str| (s != "-" && s != "\"-\"").then(|| unquote(s));
                assert_eq!(opt(&f[3]), row.RemoteIp, "{line}");
                assert_eq!(opt(&f[4]), row.Requester, "{line}");
                assert_eq!(opt(&f[7]), row.Key, "{line}");
                assert_eq!(opt(&f[8]), row.RequestUri, "{line}");
                assert_eq!(opt(&f[16]), row.UserAgent, "{line}");
                assert_eq!(f.get(24).and_then(|s| opt(s)), row.AccessPointARN, "{line}");
                ipv6 += usize::from(f[3].contains(':'));
                anon += usize::from(f[4] == "-");
                spaces += usize::from(f[8].contains("x-user=john doe"));
                encoded += usize::from(f[7].contains('%'));
                presigned += usize::from(f.get(21).is_some_and(|s| s == "QueryString"));
                huge += usize::from(f[12] == "5368709120" && row.ObjectSize.is_none());
                lifecycle += usize::from(f[6] == "S3.EXPIRE.OBJECT" && f[8] == "-");
                ap += usize::from(row.AccessPointARN.is_some());
                acl += usize::from(row.ACLRequired.is_some());
            }
        }
        for (what, n) in [
            ("ipv6", ipv6),
            ("anonymous", anon),
            ("spaces in the request URI", spaces),
            ("encoded keys", encoded),
            ("presigned", presigned),
            ("huge object", huge),
            ("lifecycle", lifecycle),
            ("access point", ap),
            ("aclRequired", acl),
        ] {
            assert!(n > 0, "no {what}");
        }
        assert_eq!(
            layouts.into_iter().collect::<Vec<_>>(),
            [18, 24, 25, 26, 27]
        );
    }

    #[test]
    fn malformed_lines_are_counted_and_stored_plain() {
        let mut o = opts(40, 4);
        o.bad_data = BadDataKind::ALL.to_vec();
        o.large_object_bytes = 50_000;
        let out = run(&o);
        for e in out.entries() {
            let data = &out.objects[&e.key];
            match e.content {
                Content::Malformed => {
                    let text = std::str::from_utf8(data).unwrap();
                    assert_eq!(
                        text.lines().count() as u64,
                        e.record_count + e.malformed_lines.len() as u64
                    );
                    assert!(e.malformed_lines.len() >= 3);
                }
                // A foreign object named .gz that is not gzip.
                Content::NotGzip => assert!(e.key.ends_with(".gz") && !e.ingest),
                Content::TruncatedGzip => assert_eq!(&data[..2], &[0x1f, 0x8b]),
                Content::Large => {
                    assert_ne!(&data[..2], &[0x1f, 0x8b]);
                    assert_eq!(data.len() as u64, e.bytes);
                    let lines = std::str::from_utf8(data).unwrap().lines().count();
                    assert_eq!(lines as u64, e.record_count);
                    assert!(e.bytes >= 50_000);
                }
                Content::Ok | Content::Empty => {}
            }
        }
    }

    #[test]
    fn snapshot_tiny_object() {
        let out = run(&opts(4, 42));
        let key = &out.order[0];
        let text = String::from_utf8(out.objects[key].clone()).unwrap();
        insta::assert_json_snapshot!(serde_json::json!({
            "key": key,
            "sha256": crate::synth::sha256_hex(&out.objects[key]),
            "text": text,
        }));
    }
}
