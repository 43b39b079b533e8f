//! CloudFront standard logs as standard logging (v2) delivers them to S3 in the W3C format:
//! gzip objects `<prefix>/AWSLogs/<acct>/CloudFront/<dist-id>/YYYY/MM/DD/HH/<dist-id>.YYYY-MM-DD-HH.<8 hex>.gz`
//! (the stack's suffix path, then CloudFront's file name: distribution ID, the hour of the
//! requests, a unique ID), each starting with a `#Version: 1.0` and a `#Fields:` line, then one
//! record per line with its 33 values separated by tabs, `-` for an empty value.
//!
//! Edge cases: IPv6 viewers, `-` fields (query, cookie, referer, range, field-level
//! encryption), `x-forwarded-for` lists of proxies, URL-encoded user agents and URI stems (`%20`),
//! range requests (`206` with `sc-range-start`/`sc-range-end`), plain HTTP without TLS fields.

use std::collections::HashSet;
use std::io::{self, Write};

use rand::Rng;

use super::keys::Utc;
use super::manifest::ExpectedRecord;
use super::rng::{alnum, chance, hex, pick, upper_alnum, weighted, Clock};
use super::{GenOptions, LogGen, Rngs};
use crate::tables::{format_datetime_ms, AwsCloudFrontAccessLog, TableRow};

/// The `#Fields:` names, in the order every record follows.
pub const FIELD_NAMES: [&str; 33] = [
    "date",
    "time",
    "x-edge-location",
    "sc-bytes",
    "c-ip",
    "cs-method",
    "cs(Host)",
    "cs-uri-stem",
    "sc-status",
    "cs(Referer)",
    "cs(User-Agent)",
    "cs-uri-query",
    "cs(Cookie)",
    "x-edge-result-type",
    "x-edge-request-id",
    "x-host-header",
    "cs-protocol",
    "cs-bytes",
    "time-taken",
    "x-forwarded-for",
    "ssl-protocol",
    "ssl-cipher",
    "x-edge-response-result-type",
    "cs-protocol-version",
    "fle-status",
    "fle-encrypted-fields",
    "c-port",
    "time-to-first-byte",
    "x-edge-detailed-result-type",
    "sc-content-type",
    "sc-content-len",
    "sc-range-start",
    "sc-range-end",
];

/// One simulated request: its 33 values as written (`None` is written `-`), in
/// [`FIELD_NAMES`] order, and its time.
#[derive(Debug, Clone)]
pub struct Request {
    /// Epoch ms, whole seconds (the log's `date` and `time` have no fraction).
    ms: i64,
    values: Vec<Option<String>>,
}

/// CloudFront standard log generator.
pub struct CloudFrontGen {
    account: String,
    distribution: String,
    domain: String,
    rngs: Rngs,
    clock: Clock,
    pending: Option<Request>,
    used_keys: HashSet<String>,
}

const EDGES: &[&str] = &[
    "IAD89-P1", "IAD12-C1", "FRA56-P7", "LHR61-P4", "NRT57-P3", "SIN2-P2", "GRU3-C2", "SFO53-P5",
];
const AGENTS: &[&str] = &[
    "Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/126.0.0.0%20Safari/537.36",
    "Mozilla/5.0%20(iPhone;%20CPU%20iPhone%20OS%2017_5%20like%20Mac%20OS%20X)%20AppleWebKit/605.1.15%20(KHTML,%20like%20Gecko)%20Version/17.5%20Mobile/15E148%20Safari/604.1",
    "curl/8.5.0",
    "Amazon%20CloudFront",
    "python-requests/2.32.3",
];
const PATHS: &[(&str, &str)] = &[
    ("/index.html", "text/html"),
    ("/static/app.js", "application/javascript"),
    ("/static/style.css", "text/css"),
    ("/images/hero%20banner.png", "image/png"),
    ("/api/v1/orders", "application/json"),
    ("/videos/intro.mp4", "video/mp4"),
    ("/favicon.ico", "image/x-icon"),
];

impl CloudFrontGen {
    pub fn new(opts: &GenOptions) -> Self {
        let mut rngs = Rngs::new(opts);
        let r = &mut rngs.names;
        let distribution = format!("E{}", upper_alnum(r, 13));
        let domain = format!("d{}.cloudfront.net", hex(r, 13));
        CloudFrontGen {
            account: opts.account_id.clone(),
            distribution,
            domain,
            clock: Clock::new(opts.start_ms, opts.rate()),
            rngs,
            pending: None,
            used_keys: HashSet::new(),
        }
    }

    fn generate(&mut self) -> Request {
        let ms = self.clock.tick(&mut self.rngs.records).div_euclid(1000) * 1000;
        let r = &mut self.rngs.records;
        let t = Utc::from_ms(ms);
        let s = |v: &str| Some(v.to_string());
        let ipv6 = chance(r, 20);
        let c_ip = if ipv6 {
            format!(
                "2001:db8:{:x}:{:x}::{:x}",
                r.random_range(0x100..0xffff),
                r.random_range(0..0xffff),
                r.random_range(1..0xffff)
            )
        } else {
            format!(
                "{}.{}.{}.{}",
                pick(r, &[198u8, 203, 192, 81, 45]),
                r.random_range(0..=255),
                r.random_range(0..=255),
                r.random_range(1..255)
            )
        };
        let (path, content_type) = *pick(r, PATHS);
        let method = *weighted(r, &[(80, "GET"), (8, "HEAD"), (8, "POST"), (4, "OPTIONS")]);
        let range = path.ends_with(".mp4") && chance(r, 60);
        let (status, result) = if range {
            ("206", "Hit")
        } else {
            *weighted(
                r,
                &[
                    (70, ("200", "Hit")),
                    (12, ("200", "Miss")),
                    (5, ("304", "RefreshHit")),
                    (4, ("301", "Redirect")),
                    (5, ("403", "Error")),
                    (3, ("404", "Error")),
                    (1, ("502", "Error")),
                ],
            )
        };
        let https = chance(r, 85);
        let length: u64 = r.random_range(200..2_000_000);
        let (range_start, range_end) = if range {
            let start = r.random_range(0..length / 2);
            (Some(start), Some(start + r.random_range(1..length / 2)))
        } else {
            (None, None)
        };
        let sc_bytes = match range_end {
            Some(end) => end - range_start.unwrap_or(0) + 1 + 380,
            None => length + 380,
        };
        let taken_ms: u32 = r.random_range(1..2500);
        let first_byte_ms: u32 = r.random_range(1..=taken_ms);
        let forwarded = match r.random_range(0..100) {
            0..=9 => Some(format!(
                "198.51.100.{},203.0.113.{}",
                r.random_range(1..255),
                r.random_range(1..255)
            )),
            10..=14 => Some(format!("2001:db8::{:x}", r.random_range(1..0xffff))),
            _ => None,
        };
        let query =
            chance(r, 25).then(|| format!("v={}&utm_source=news%20letter", r.random_range(1..99)));
        let cookie = chance(r, 15).then(|| format!("session={}", hex(r, 16)));
        let referer = chance(r, 40).then(|| "https://www.example.com/".to_string());
        let request_id = format!("{}==", alnum(r, 54));
        let agent = *pick(r, AGENTS);
        let version = *pick(r, &["HTTP/1.1", "HTTP/2.0", "HTTP/3.0"]);
        let (ssl_protocol, ssl_cipher) = if https {
            *pick(
                r,
                &[
                    ("TLSv1.3", "TLS_AES_128_GCM_SHA256"),
                    ("TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256"),
                    ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"),
                ],
            )
        } else {
            ("-", "-")
        };
        let detailed = if result == "Error" && status == "502" {
            "OriginConnectError"
        } else {
            result
        };
        let content_len = (status != "304" && !range).then(|| length.to_string());
        let values = vec![
            Some(format!("{:04}-{:02}-{:02}", t.year, t.month, t.day)),
            Some(format!("{:02}:{:02}:{:02}", t.hour, t.minute, t.second)),
            s(pick::<&str>(r, EDGES)),
            Some(sc_bytes.to_string()),
            Some(c_ip),
            s(method),
            Some(self.domain.clone()),
            s(path),
            s(status),
            referer,
            s(agent),
            query,
            cookie,
            s(result),
            Some(request_id),
            s("www.example.com"),
            s(if https { "https" } else { "http" }),
            Some(r.random_range(120..1800u32).to_string()),
            Some(format!("{}.{:03}", taken_ms / 1000, taken_ms % 1000)),
            forwarded,
            (ssl_protocol != "-").then(|| ssl_protocol.to_string()),
            (ssl_cipher != "-").then(|| ssl_cipher.to_string()),
            s(result),
            s(version),
            None,
            None,
            Some(r.random_range(1024..65535u32).to_string()),
            Some(format!(
                "{}.{:03}",
                first_byte_ms / 1000,
                first_byte_ms % 1000
            )),
            s(detailed),
            s(content_type),
            content_len,
            range_start.map(|v| v.to_string()),
            range_end.map(|v| v.to_string()),
        ];
        debug_assert_eq!(values.len(), FIELD_NAMES.len());
        Request { ms, values }
    }

    fn take(&mut self) -> Request {
        match self.pending.take() {
            Some(r) => r,
            None => self.generate(),
        }
    }

    /// The key of an object of the hour of `ms`; the unique ID is drawn again on the (rare)
    /// collision with an earlier key.
    fn key(&mut self, ms: i64) -> String {
        let t = Utc::from_ms(ms);
        loop {
            let unique = hex(&mut self.rngs.names, 8);
            let key = format!(
                "AWSLogs/{acct}/CloudFront/{dist}/{y:04}/{m:02}/{d:02}/{h:02}/{dist}.{y:04}-{m:02}-{d:02}-{h:02}.{unique}.gz",
                acct = self.account,
                dist = self.distribution,
                y = t.year,
                m = t.month,
                d = t.day,
                h = t.hour,
            );
            if self.used_keys.insert(key.clone()) {
                return key;
            }
        }
    }

    /// The oracle: the row the table should get, from the request's values (not from the
    /// written line).
    fn row(rec: &Request) -> AwsCloudFrontAccessLog {
        let v = |i: usize| rec.values[i].clone();
        AwsCloudFrontAccessLog {
            TimeGenerated: format_datetime_ms(rec.ms),
            Date: v(0).expect("a request has a date"),
            Time: v(1).expect("a request has a time"),
            XEdgeLocation: v(2),
            ScBytes: v(3),
            CIp: v(4),
            CsMethod: v(5),
            CsHost: v(6),
            CsUriStem: v(7),
            ScStatus: v(8),
            CsReferer: v(9),
            CsUserAgent: v(10),
            CsUriQuery: v(11),
            CsCookie: v(12),
            XEdgeResultType: v(13),
            XEdgeRequestId: v(14),
            XHostHeader: v(15),
            CsProtocol: v(16),
            CsBytes: v(17),
            TimeTaken: v(18),
            XForwardedFor: v(19),
            SslProtocol: v(20),
            SslCipher: v(21),
            XEdgeResponseResultType: v(22),
            CsProtocolVersion: v(23),
            FleStatus: v(24),
            FleEncryptedFields: v(25),
            CPort: v(26),
            TimeToFirstByte: v(27),
            XEdgeDetailedResultType: v(28),
            ScContentType: v(29),
            ScContentLen: v(30),
            ScRangeStart: v(31),
            ScRangeEnd: v(32),
            ..AwsCloudFrontAccessLog::default()
        }
    }
}

fn hour(ms: i64) -> i64 {
    ms.div_euclid(3_600_000)
}

impl LogGen for CloudFrontGen {
    type Record = Request;

    fn next_object(&mut self, max: u64) -> (String, Vec<Request>) {
        let first = self.take();
        let key = self.key(first.ms);
        let h = hour(first.ms);
        let mut records = vec![first];
        while (records.len() as u64) < max {
            let r = self.take();
            if hour(r.ms) != h {
                self.pending = Some(r);
                break;
            }
            records.push(r);
        }
        (key, records)
    }

    fn next_record(&mut self) -> Request {
        self.take()
    }

    fn write_header(&self, w: &mut dyn Write) -> io::Result<u64> {
        writeln!(w, "#Version: 1.0")?;
        writeln!(w, "#Fields: {}", FIELD_NAMES.join(" "))?;
        Ok(2)
    }

    fn write_record(&self, w: &mut dyn Write, rec: &Request, _position: u64) -> io::Result<u64> {
        for (i, v) in rec.values.iter().enumerate() {
            if i > 0 {
                w.write_all(b"\t")?;
            }
            w.write_all(v.as_deref().unwrap_or("-").as_bytes())?;
        }
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn write_malformed(&self, w: &mut dyn Write, which: u64, _position: u64) -> io::Result<u64> {
        let n = FIELD_NAMES.len();
        // Never starting with `#`: that is a header line, not a record.
        let line = match which % 4 {
            // Too few values.
            0 => "2026-03-01\t00:00:00\tIAD89-P1".to_string(),
            // The right count, but no date.
            1 => {
                let mut v = vec!["-"; n];
                v[0] = "yesterday";
                v[1] = "00:00:00";
                v.join("\t")
            }
            // Space-separated, as a legacy log read wrongly would be.
            2 => vec!["-"; n].join(" "),
            // Too many values.
            _ => vec!["0"; n + 2].join("\t"),
        };
        w.write_all(line.as_bytes())?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn expected(&self, rec: &Request, key: &str, index: u64, line: Option<u64>) -> ExpectedRecord {
        let line = line.expect("CloudFront records are lines");
        let row = Self::row(rec);
        ExpectedRecord {
            id: format!("{key}#L{line}"),
            index,
            line: Some(line),
            time_generated: row.TimeGenerated.clone(),
            expected: TableRow::new(row),
        }
    }
}

#[cfg(test)]
#[path = "cloudfront_tests.rs"]
mod tests;
