//! S3 server access logs (Amazon S3 User Guide, "Amazon S3 server access log format"):
//! uncompressed text, one record per line, fields separated by a space. Three kinds of field:
//!
//! * plain: up to the next space (`-` when unknown or not applicable);
//! * the Time, in brackets with a space inside: `[06/Feb/2019:00:00:38 +0000]`;
//! * quoted (Request-URI, Referer, User-Agent): `"GET /bucket/key?x-id=1 HTTP/1.1"`, which
//!   hold spaces; a quoted field ends at the first `"` followed by a space or the end of the
//!   line, so a quote inside one stays in its text unless a space follows it
//!   (`"x note="a b""` is `x note="a b"`).
//!
//! Fields were added at the end of the line over time (Version Id, then Host Id ... TLS
//! version, Access Point ARN, aclRequired, Source Region), and AWS says more may follow: a
//! record needs the 18 fields up to Version Id, the later ones are read where present, and any
//! beyond Source Region are ignored. `Key` stays URL-encoded, as logged.
//!
//! `TimeGenerated` is the record's Time. A number that is not an integer spoils the record; an
//! integer beyond the 32-bit `int` column (an `ObjectSize` over 2 GiB) is a bad value: the row
//! goes out without it.

use std::io::BufRead;
use std::ops::ControlFlow;

use super::{for_each_line, line_text, stop_or, Item, LineError, ObjectError, Position};
use catalogue::tables::{AwsS3ServerAccess, DateTimeMs};

/// `AWSS3ServerAccess` as parsed: fields borrowed from the line.
pub type S3ServerAccessRef<'a> = AwsS3ServerAccess<&'a str, DateTimeMs>;

/// Fields a record has at least: Bucket Owner ... Version Id.
pub const MIN_FIELDS: usize = 18;

pub(super) fn parse_s3access(
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Result<(), ObjectError> {
    let mut index = 0u64;
    let mut bad: Vec<String> = Vec::new();
    for_each_line(r, |line, bytes| {
        let position = Position {
            line: Some(line),
            index,
        };
        index += 1;
        bad.clear();
        match line_text(bytes).and_then(|text| record(text, &mut bad)) {
            Ok(row) => {
                stop_or(sink(Item::Row(position, &row)))?;
                for reason in bad.drain(..) {
                    stop_or(sink(Item::BadValue(LineError { position, reason })))?;
                }
            }
            Err(reason) => stop_or(sink(Item::Malformed(LineError { position, reason })))?,
        }
        Ok(())
    })
}

/// One field of a record: its text (without brackets or quotes) and how it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field<'a> {
    Plain(&'a str),
    Bracketed(&'a str),
    Quoted(&'a str),
}

impl<'a> Field<'a> {
    /// The value, `None` for `-` (quoted or not).
    fn value(self) -> Option<&'a str> {
        let text = match self {
            Field::Plain(t) | Field::Bracketed(t) | Field::Quoted(t) => t,
        };
        (text != "-").then_some(text)
    }
}

/// The fields of a record that have columns or are known (the first [`KNOWN`]), and how many
/// fields the record has in all.
struct Fields<'a> {
    known: [Field<'a>; KNOWN],
    count: usize,
}

/// Fields the log format defines today (Bucket Owner ... Source Region).
const KNOWN: usize = NAMES.len();

/// Splits a record into its fields (a run of spaces separates two); `Err` says where a bracket
/// or quote is not closed. Fields past the known ones are checked and counted, not kept.
fn split(text: &str) -> Result<Fields<'_>, String> {
    let b = text.as_bytes();
    let mut out = Fields {
        known: [Field::Plain("-"); KNOWN],
        count: 0,
    };
    let mut at = 0;
    while at < b.len() {
        if b[at] == b' ' {
            at += 1;
            continue;
        }
        let n = out.count + 1;
        let field;
        match b[at] {
            b'[' => {
                let Some(end) = memchr::memchr(b']', &b[at..]).map(|i| at + i) else {
                    return Err(format!("field {n}: '[' without a closing ']'"));
                };
                field = Field::Bracketed(&text[at + 1..end]);
                at = end + 1;
            }
            b'"' => {
                let start = at + 1;
                let mut from = start;
                let end = loop {
                    match memchr::memchr(b'"', &b[from..]).map(|i| from + i) {
                        Some(q) if q + 1 == b.len() || b[q + 1] == b' ' => break q,
                        Some(q) => from = q + 1,
                        None => return Err(format!("field {n}: a quote that is not closed")),
                    }
                };
                field = Field::Quoted(&text[start..end]);
                at = end + 1;
            }
            _ => {
                let end = memchr::memchr(b' ', &b[at..]).map_or(b.len(), |i| at + i);
                field = Field::Plain(&text[at..end]);
                at = end;
            }
        }
        if let Some(slot) = out.known.get_mut(out.count) {
            *slot = field;
        }
        out.count += 1;
        if at < b.len() && b[at] != b' ' {
            return Err(format!(
                "field {n}: no space after its closing '{}'",
                char::from(b[at - 1])
            ));
        }
    }
    Ok(out)
}

/// The names of the fields, in the log's order (for error texts).
const NAMES: [&str; 27] = [
    "Bucket Owner",
    "Bucket",
    "Time",
    "Remote IP",
    "Requester",
    "Request ID",
    "Operation",
    "Key",
    "Request-URI",
    "HTTP status",
    "Error Code",
    "Bytes Sent",
    "Object Size",
    "Total Time",
    "Turn-Around Time",
    "Referer",
    "User-Agent",
    "Version Id",
    "Host Id",
    "Signature Version",
    "Cipher Suite",
    "Authentication Type",
    "Host Header",
    "TLS version",
    "Access Point ARN",
    "aclRequired",
    "Source Region",
];

/// One record; values their columns cannot hold go to `bad` (the row is kept without them).
fn record<'a>(text: &'a str, bad: &mut Vec<String>) -> Result<S3ServerAccessRef<'a>, String> {
    let fields = split(text)?;
    if fields.count < MIN_FIELDS {
        return Err(format!(
            "{} fields, a server access log record has at least {MIN_FIELDS} (Bucket Owner ... Version Id)",
            fields.count
        ));
    }
    let get = |i: usize| {
        if i < fields.count {
            fields.known[i].value()
        } else {
            None
        }
    };
    let time = match fields.known[2] {
        Field::Bracketed(t) => request_time(t)
            .ok_or_else(|| format!("Time '[{t}]' is not [dd/Mon/yyyy:HH:MM:SS +hhmm]"))?,
        other => {
            return Err(format!(
                "Time {other:?} is not in brackets like [06/Feb/2019:00:00:38 +0000]"
            ))
        }
    };
    let mut int = |i: usize| -> Result<Option<i32>, String> {
        let Some(v) = get(i) else { return Ok(None) };
        let n: i64 = v
            .parse()
            .map_err(|_| format!("{} '{v}' is not an integer", NAMES[i]))?;
        let fits = i32::try_from(n).ok();
        if fits.is_none() {
            bad.push(format!(
                "{} '{v}' does not fit the 32-bit int column: the row is kept without it",
                NAMES[i]
            ));
        }
        Ok(fits)
    };
    Ok(AwsS3ServerAccess {
        TimeGenerated: DateTimeMs(time),
        HttpStatus: int(9)?,
        BytesSent: int(11)?,
        ObjectSize: int(12)?,
        TotalTime: int(13)?,
        TurnAroundTime: int(14)?,
        BucketOwner: get(0),
        Bucket: get(1),
        RemoteIp: get(3),
        Requester: get(4),
        RequestId: get(5),
        Operation: get(6),
        Key: get(7),
        RequestUri: get(8),
        ErrorCode: get(10),
        Referer: get(15),
        UserAgent: get(16),
        VersionId: get(17),
        HostId: get(18),
        SignatureVersion: get(19),
        CipherSuite: get(20),
        AuthenticationType: get(21),
        HostHeader: get(22),
        TLSVersion: get(23),
        AccessPointARN: get(24),
        ACLRequired: get(25),
    })
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// `06/Feb/2019:00:00:38 +0000` (strftime `%d/%b/%Y:%H:%M:%S %z`) as epoch milliseconds (UTC:
/// the offset is taken off); `None` if it is not one.
fn request_time(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    if b.len() != 26 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' || b[20] != b' ' {
        return None;
    }
    if b[14] != b':' || b[17] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b[r].iter().try_fold(0i64, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let day = num(0..2)?;
    let month = MONTHS.iter().position(|m| &b[3..6] == *m)? as i64 + 1;
    let year = num(7..11)?;
    let (hour, minute, second) = (num(12..14)?, num(15..17)?, num(18..20)?);
    let sign = match b[21] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let offset_minutes = sign * (num(22..24)? * 60 + num(24..26)?);
    if !(1..=days_in_month(year, month)).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
        || offset_minutes.abs() > 14 * 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the proleptic Gregorian date (an era of 400 years is 146,097 days).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testutil::rows;
    use super::*;
    use crate::parse::{parse_bytes, ObjectError};
    use catalogue::tables::{format_datetime_ms, parse_datetime_ms, TableRow};
    use catalogue::DataType;

    const OWNER: &str = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be";

    /// Records in the shapes of the S3 User Guide's examples: the newest layout (27 fields),
    /// one without Source Region, an old one ending at TLS version, and a PUT with `-` fields.
    pub(crate) fn sample() -> String {
        [
            format!("{OWNER} amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 {OWNER} 3E57427F3EXAMPLE REST.GET.VERSIONING - \"GET /amzn-s3-demo-bucket1?versioning HTTP/1.1\" 200 - 113 - 7 - \"-\" \"S3Console/0.4\" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes us-east-1"),
            format!("{OWNER} amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 {OWNER} 891CE47D2EXAMPLE REST.GET.LOGGING_STATUS - \"GET /amzn-s3-demo-bucket1?logging HTTP/1.1\" 200 - 242 - 11 - \"-\" \"S3Console/0.4\" - 9vKBE6vMhrNiWHZmb2L0mXOcqPGzQOI5XLnCtZNPxev+Hf+7tpT6sxDwDty4LHBUOZJG96N1234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 - -"),
            format!("{OWNER} awsexamplebucket1 [06/Feb/2019:00:01:00 +0000] 192.0.2.3 {OWNER} 7B4A0FABBEXAMPLE REST.GET.VERSIONING - \"GET /awsexamplebucket1?versioning HTTP/1.1\" 200 - 113 - 33 - \"-\" \"S3Console/0.4\" - Ke1bUcazaN1jWuUlPJaxF64cQVpUEhoZKEG/hmy/gijN/I1DeWqDfFvnpybfEseEME/u7ME1234= SigV2 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.1"),
            format!("{OWNER} awsexamplebucket1 [06/Feb/2019:00:01:57 +0000] 192.0.2.3 {OWNER} DD6CC733AEXAMPLE REST.PUT.OBJECT s3-dg.pdf \"PUT /awsexamplebucket1/s3-dg.pdf HTTP/1.1\" 200 - - 4406583 41754 28 \"-\" \"S3Console/0.4\" - 10S62Zv81kBW7BB6SX4XJ48o6kpcl6LPwEoizZQQxJd5qDSCTLX0TgS37kYUBKQW3+bPdrg1234= SigV4 ECDHE-RSA-AES128-SHA AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.1"),
        ]
        .join("\n")
            + "\n"
    }

    fn decoded(text: &str) -> (Vec<AwsS3ServerAccess>, Vec<String>) {
        let (rows, bad) = rows(DataType::S3Access, text.as_bytes());
        (
            rows.iter()
                .map(|r| r.decode::<AwsS3ServerAccess>().unwrap())
                .collect(),
            bad.into_iter().map(|e| e.to_string()).collect(),
        )
    }

    #[test]
    fn the_user_guide_records_map_field_by_field() {
        let (rows, bad) = decoded(&sample());
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(rows.len(), 4);
        let r = &rows[0];
        assert_eq!(r.TimeGenerated, "2019-02-06T00:00:38.000Z");
        assert_eq!(r.BucketOwner.as_deref(), Some(OWNER));
        assert_eq!(r.Bucket.as_deref(), Some("amzn-s3-demo-bucket1"));
        assert_eq!(r.RemoteIp.as_deref(), Some("192.0.2.3"));
        assert_eq!(r.RequestId.as_deref(), Some("3E57427F3EXAMPLE"));
        assert_eq!(r.Operation.as_deref(), Some("REST.GET.VERSIONING"));
        assert_eq!(r.Key, None);
        assert_eq!(
            r.RequestUri.as_deref(),
            Some("GET /amzn-s3-demo-bucket1?versioning HTTP/1.1")
        );
        assert_eq!(
            (r.HttpStatus, r.BytesSent, r.ObjectSize, r.TotalTime),
            (Some(200), Some(113), None, Some(7))
        );
        assert_eq!((r.TurnAroundTime, r.Referer.as_deref()), (None, None));
        assert_eq!(r.UserAgent.as_deref(), Some("S3Console/0.4"));
        assert_eq!(r.SignatureVersion.as_deref(), Some("SigV4"));
        assert_eq!(r.AuthenticationType.as_deref(), Some("AuthHeader"));
        assert_eq!(r.TLSVersion.as_deref(), Some("TLSV1.2"));
        assert_eq!(
            r.AccessPointARN.as_deref(),
            Some("arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP")
        );
        assert_eq!(r.ACLRequired.as_deref(), Some("Yes"));
        // Without Source Region, and `-` for the access point and aclRequired.
        assert_eq!(
            (
                rows[1].AccessPointARN.as_ref(),
                rows[1].ACLRequired.as_ref()
            ),
            (None, None)
        );
        // The older layout ends at TLS version.
        assert_eq!(rows[2].TLSVersion.as_deref(), Some("TLSV1.1"));
        assert_eq!(rows[2].AccessPointARN, None);
        let put = &rows[3];
        assert_eq!(put.Key.as_deref(), Some("s3-dg.pdf"));
        assert_eq!(
            (
                put.BytesSent,
                put.ObjectSize,
                put.TotalTime,
                put.TurnAroundTime
            ),
            (None, Some(4_406_583), Some(41_754), Some(28))
        );
        assert_eq!(put.TimeGenerated, "2019-02-06T00:01:57.000Z");
    }

    #[test]
    fn quoted_fields_with_spaces_and_quotes_ipv6_and_encoded_keys() {
        let line = format!(
            "{OWNER} b [01/Mar/2026:23:59:59 +0000] 2001:db8::8a2e:370:7334 arn:aws:iam::123456789012:user/alice R1 REST.GET.OBJECT photos/2026/my%20cat%2B%E2%9C%93.jpg \"GET /b/photos/2026/my%20cat%2B%E2%9C%93.jpg?x-user=john doe&x-note=a b HTTP/1.1\" 206 - 512 1048576 12 3 \"https://example.com/a page?q=\"x\"\" \"Mozilla/5.0 (X11; Linux x86_64) note=\"a b\"\" 3HL4kqtJvjVBH40Nrjfkd hid SigV4 TLS_AES_128_GCM_SHA256 QueryString b.s3.us-east-1.amazonaws.com TLSv1.3 - - us-east-1 future-field another\n"
        );
        let (rows, bad) = decoded(&line);
        assert!(bad.is_empty(), "{bad:?}");
        let r = &rows[0];
        assert_eq!(r.RemoteIp.as_deref(), Some("2001:db8::8a2e:370:7334"));
        assert_eq!(
            r.Requester.as_deref(),
            Some("arn:aws:iam::123456789012:user/alice")
        );
        assert_eq!(
            r.Key.as_deref(),
            Some("photos/2026/my%20cat%2B%E2%9C%93.jpg")
        );
        assert_eq!(
            r.RequestUri.as_deref(),
            Some("GET /b/photos/2026/my%20cat%2B%E2%9C%93.jpg?x-user=john doe&x-note=a b HTTP/1.1")
        );
        assert_eq!(
            r.Referer.as_deref(),
            Some("https://example.com/a page?q=\"x\"")
        );
        assert_eq!(
            r.UserAgent.as_deref(),
            Some("Mozilla/5.0 (X11; Linux x86_64) note=\"a b\"")
        );
        assert_eq!(r.VersionId.as_deref(), Some("3HL4kqtJvjVBH40Nrjfkd"));
        assert_eq!(r.AuthenticationType.as_deref(), Some("QueryString"));
        assert_eq!(r.TLSVersion.as_deref(), Some("TLSv1.3"));
        assert_eq!(r.TimeGenerated, "2026-03-01T23:59:59.000Z");
    }

    #[test]
    fn a_record_of_the_oldest_layout_ends_at_version_id() {
        let line = format!(
            "{OWNER} b [04/Aug/2006:22:34:02 +0000] 72.21.206.5 - 3E57427F33A59F07 REST.GET.OBJECT a.txt \"GET /b/a.txt HTTP/1.1\" 304 - - 3462992 70 10 \"-\" \"curl/7.15.1\" -\n"
        );
        let (rows, bad) = decoded(&line);
        assert!(bad.is_empty());
        let r = &rows[0];
        assert_eq!((r.Requester.as_ref(), r.VersionId.as_ref()), (None, None));
        assert_eq!((r.HostId.as_ref(), r.TLSVersion.as_ref()), (None, None));
        assert_eq!(r.HttpStatus, Some(304));
        assert_eq!(r.UserAgent.as_deref(), Some("curl/7.15.1"));
    }

    #[test]
    fn times_with_offsets_and_calendar_edges() {
        for (t, want) in [
            ("06/Feb/2019:00:00:38 +0000", "2019-02-06T00:00:38.000Z"),
            ("29/Feb/2024:12:00:00 +0000", "2024-02-29T12:00:00.000Z"),
            ("01/Jan/2026:01:30:00 +0130", "2026-01-01T00:00:00.000Z"),
            ("31/Dec/2025:23:00:00 -0100", "2026-01-01T00:00:00.000Z"),
            ("01/Jan/1970:00:00:00 +0000", "1970-01-01T00:00:00.000Z"),
            ("28/Feb/1900:00:00:00 +0000", "1900-02-28T00:00:00.000Z"),
        ] {
            let ms = request_time(t).unwrap_or_else(|| panic!("{t}"));
            assert_eq!(format_datetime_ms(ms), want, "{t}");
            assert_eq!(parse_datetime_ms(want), Some(ms));
        }
        for t in [
            "29/Feb/2025:00:00:00 +0000",
            "31/Apr/2026:00:00:00 +0000",
            "06/feb/2019:00:00:38 +0000",
            "06/Feb/2019:24:00:00 +0000",
            "06/Feb/2019:00:60:00 +0000",
            "06/Feb/2019:00:00:38 0000",
            "06/Feb/2019:00:00:38 +1500",
            "6/Feb/2019:00:00:38 +0000",
            "06/Feb/2019 00:00:38 +0000",
            "",
        ] {
            assert_eq!(request_time(t), None, "{t}");
        }
    }

    #[test]
    fn malformed_records_are_reported_and_the_rest_still_parsed() {
        let good = sample().lines().next().unwrap().to_string();
        let text = [
            good.clone(),
            format!("{OWNER} b [06/Feb/2019:00:00:38 +0000] 192.0.2.3"),
            good.replace("[06/Feb/2019:00:00:38 +0000]", "06/Feb/2019:00:00:38"),
            good.replace(
                "[06/Feb/2019:00:00:38 +0000]",
                "[06/Feb/2019:00:00:38 +0000",
            ),
            good.replace("\"S3Console/0.4\"", "\"S3Console/0.4"),
            good.replace(" 200 - 113 ", " OK - 113 "),
            good.replace("[06/Feb/2019:", "[36/Feb/2019:"),
            good.replace("+0000]", "+0000]x"),
            String::new(),
            "\u{00e9}t\u{00e9}".to_string(),
            good.clone(),
        ]
        .join("\n");
        let (rows, bad, outcome) = parse_bytes(DataType::S3Access, None, text.as_bytes());
        outcome.unwrap();
        assert_eq!(rows.len(), 2);
        let reasons: Vec<(u64, String)> = bad
            .iter()
            .map(|e| (e.position.line.unwrap(), e.reason.clone()))
            .collect();
        let lines: Vec<u64> = reasons.iter().map(|r| r.0).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 10], "{reasons:?}");
        assert!(reasons[0].1.contains("4 fields"), "{reasons:?}");
        assert!(reasons[1].1.contains("not in brackets"), "{reasons:?}");
        assert!(reasons[2].1.contains("closing ']'"), "{reasons:?}");
        assert!(reasons[3].1.contains("not closed"), "{reasons:?}");
        assert!(reasons[4].1.contains("HTTP status 'OK'"), "{reasons:?}");
        assert!(reasons[5].1.contains("[36/Feb/2019"), "{reasons:?}");
        assert!(
            reasons[6].1.contains("no space after its closing ']'"),
            "{reasons:?}"
        );
        // Not one of our malformed-line kinds: fewer than 18 fields.
        assert!(reasons[7].1.contains("1 fields"), "{reasons:?}");
        // Positions count every record, malformed ones included.
        assert_eq!(rows[1].0.index, 9);
    }

    #[test]
    fn numbers_beyond_the_int_columns_are_bad_values_and_the_row_is_kept() {
        let good = sample().lines().nth(3).unwrap().to_string();
        let big = good.replace(" 4406583 ", " 5368709120 ");
        let parsed =
            crate::parse::parse_object(DataType::S3Access, None, DateTimeMs(0), big.as_bytes());
        parsed.result.unwrap();
        assert_eq!(parsed.rows.len(), 1);
        assert!(parsed.malformed.is_empty());
        assert_eq!(parsed.bad_values.len(), 1);
        assert!(parsed.bad_values[0]
            .reason
            .contains("Object Size '5368709120'"));
        let r = parsed.rows[0].1.decode::<AwsS3ServerAccess>().unwrap();
        assert_eq!((r.ObjectSize, r.TotalTime), (None, Some(41_754)));
        let row: TableRow = parsed.rows[0].1.clone();
        assert!(!row
            .columns()
            .as_object()
            .unwrap()
            .contains_key("ObjectSize"));
    }

    #[test]
    fn crlf_blank_lines_and_no_final_newline() {
        let text = sample().replace('\n', "\r\n\r\n");
        let (rows, bad) = decoded(text.trim_end());
        assert_eq!((rows.len(), bad.len()), (4, 0));
        // Gzip is recognised by its magic bytes, though the keys have no suffix.
        let gz = super::super::testutil::gz(sample().as_bytes());
        let (r, _, s) = parse_bytes(
            DataType::S3Access,
            Some("2026-03-01-00-00-00-ABCDEF0123456789"),
            &gz,
        );
        assert_eq!((r.len(), s.unwrap().gzip_layers), (4, 1));
        let (r, _, s) = parse_bytes(DataType::S3Access, Some("x.gz"), sample().as_bytes());
        assert!(r.is_empty() && matches!(s, Err(ObjectError::NotGzip)));
    }
}
