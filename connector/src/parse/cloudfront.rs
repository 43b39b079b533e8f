//! CloudFront standard logs in the W3C form standard logging (v2) writes to S3: a
//! `#Version: 1.0` line and a `#Fields:` line naming the fields (separated by spaces), then one
//! record per line, its values separated by tabs.
//!
//! * Lines starting with `#` are header lines: `#Fields:` sets the field order of the records
//!   after it (a later `#Fields:` line replaces it, as in a concatenated log), any other (such as
//!   `#Version:`) is skipped. Records before any `#Fields:` line are read in the order of the 33
//!   standard log file fields (`date` to `sc-range-end`), the order CloudFront documents.
//! * Fields map to columns by name ([`FIELDS`]); a field name the table has no column for is
//!   skipped, and a column whose field the log does not list stays absent.
//! * A value of `-` is absent. Values are kept as CloudFront writes them: URL-encoded ones
//!   (`cs(User-Agent)` with `%20`, `cs-uri-stem`) stay encoded, an `x-forwarded-for` list stays
//!   one value (`198.51.100.10,203.0.113.7`).
//! * `TimeGenerated` is `date` (`YYYY-MM-DD`) and `time` (`HH:MM:SS`, UTC). A record without a
//!   valid date and time, with another number of tab-separated values than its `#Fields:` line
//!   names, or not UTF-8 is malformed; a `#Fields:` line without `date` and `time` makes the
//!   object no CloudFront log.

use std::io::BufRead;
use std::ops::ControlFlow;

use super::{for_each_line, stop_or, utf8, Item, LineError, ObjectError, Position};
use catalogue::tables::{AwsCloudFrontAccessLog, DateTimeMs};

/// The row the parser hands out: text borrowed from the line.
pub(crate) type CloudFrontRef<'a> = AwsCloudFrontAccessLog<&'a str, DateTimeMs>;

/// The 33 fields of the standard log file format, in the order CloudFront documents (and
/// writes when every field is selected), with the column each one fills.
pub const FIELDS: [(&str, Column); 33] = [
    ("date", Column::Date),
    ("time", Column::Time),
    ("x-edge-location", Column::XEdgeLocation),
    ("sc-bytes", Column::ScBytes),
    ("c-ip", Column::CIp),
    ("cs-method", Column::CsMethod),
    ("cs(Host)", Column::CsHost),
    ("cs-uri-stem", Column::CsUriStem),
    ("sc-status", Column::ScStatus),
    ("cs(Referer)", Column::CsReferer),
    ("cs(User-Agent)", Column::CsUserAgent),
    ("cs-uri-query", Column::CsUriQuery),
    ("cs(Cookie)", Column::CsCookie),
    ("x-edge-result-type", Column::XEdgeResultType),
    ("x-edge-request-id", Column::XEdgeRequestId),
    ("x-host-header", Column::XHostHeader),
    ("cs-protocol", Column::CsProtocol),
    ("cs-bytes", Column::CsBytes),
    ("time-taken", Column::TimeTaken),
    ("x-forwarded-for", Column::XForwardedFor),
    ("ssl-protocol", Column::SslProtocol),
    ("ssl-cipher", Column::SslCipher),
    (
        "x-edge-response-result-type",
        Column::XEdgeResponseResultType,
    ),
    ("cs-protocol-version", Column::CsProtocolVersion),
    ("fle-status", Column::FleStatus),
    ("fle-encrypted-fields", Column::FleEncryptedFields),
    ("c-port", Column::CPort),
    ("time-to-first-byte", Column::TimeToFirstByte),
    (
        "x-edge-detailed-result-type",
        Column::XEdgeDetailedResultType,
    ),
    ("sc-content-type", Column::ScContentType),
    ("sc-content-len", Column::ScContentLen),
    ("sc-range-start", Column::ScRangeStart),
    ("sc-range-end", Column::ScRangeEnd),
];

/// A column of `AWSCloudFront_AccessLog_CL` a log field fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Date,
    Time,
    XEdgeLocation,
    ScBytes,
    CIp,
    CsMethod,
    CsHost,
    CsUriStem,
    ScStatus,
    CsReferer,
    CsUserAgent,
    CsUriQuery,
    CsCookie,
    XEdgeResultType,
    XEdgeRequestId,
    XHostHeader,
    CsProtocol,
    CsBytes,
    TimeTaken,
    XForwardedFor,
    SslProtocol,
    SslCipher,
    XEdgeResponseResultType,
    CsProtocolVersion,
    FleStatus,
    FleEncryptedFields,
    CPort,
    TimeToFirstByte,
    XEdgeDetailedResultType,
    ScContentType,
    ScContentLen,
    ScRangeStart,
    ScRangeEnd,
}

fn column_of(name: &str) -> Option<Column> {
    FIELDS.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// The field order of the records that follow: a column per position (`None`: a field the
/// table has no column for).
struct Header(Vec<Option<Column>>);

impl Header {
    fn standard() -> Header {
        Header(FIELDS.iter().map(|(_, c)| Some(*c)).collect())
    }

    /// Reads a `#Fields:` line's names (after the directive).
    fn read(line: u64, names: &str) -> Result<Header, ObjectError> {
        let columns: Vec<Option<Column>> = names.split_ascii_whitespace().map(column_of).collect();
        for needed in [Column::Date, Column::Time] {
            if !columns.contains(&Some(needed)) {
                return Err(ObjectError::Document(format!(
                    "line {line}: the #Fields line has no {} field, so its records have no time: '{}'",
                    if needed == Column::Date { "date" } else { "time" },
                    names.chars().take(120).collect::<String>()
                )));
            }
        }
        Ok(Header(columns))
    }
}

pub(super) fn parse_cloudfront(
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Result<(), ObjectError> {
    let mut header = Header::standard();
    let mut index = 0u64;
    for_each_line(r, |line, bytes| {
        if bytes.first() == Some(&b'#') {
            let text = utf8(bytes).map_err(|_| {
                ObjectError::Document(format!("line {line}: a header line that is not UTF-8"))
            })?;
            if let Some(names) = text.strip_prefix("#Fields:") {
                header = Header::read(line, names)?;
            }
            return Ok(());
        }
        let position = Position {
            line: Some(line),
            index,
        };
        index += 1;
        match record(&header, bytes) {
            Ok(row) => stop_or(sink(Item::Row(position, &row))),
            Err(reason) => stop_or(sink(Item::Malformed(LineError { position, reason }))),
        }
    })
}

/// One record in the order of `header`.
fn record<'a>(header: &Header, bytes: &'a [u8]) -> Result<CloudFrontRef<'a>, String> {
    let text = utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
    let mut row = CloudFrontRef::default();
    let mut n = 0usize;
    for v in text.split('\t') {
        let column = header.0.get(n).copied().flatten();
        n += 1;
        if let Some(c) = column {
            set(&mut row, c, v);
        }
    }
    if n != header.0.len() {
        return Err(format!(
            "{n} tab-separated values, the #Fields line names {}",
            header.0.len()
        ));
    }
    let ms = epoch_ms(row.Date, row.Time).ok_or_else(|| {
        format!(
            "date '{}' and time '{}' are not a UTC date (YYYY-MM-DD) and time (HH:MM:SS)",
            row.Date, row.Time
        )
    })?;
    row.TimeGenerated = DateTimeMs(ms);
    Ok(row)
}

fn set<'a>(row: &mut CloudFrontRef<'a>, c: Column, v: &'a str) {
    use Column as C;
    if c == C::Date {
        row.Date = v;
        return;
    }
    if c == C::Time {
        row.Time = v;
        return;
    }
    let s = (v != "-").then_some(v);
    match c {
        C::Date | C::Time => unreachable!("set above"),
        C::XEdgeLocation => row.XEdgeLocation = s,
        C::ScBytes => row.ScBytes = s,
        C::CIp => row.CIp = s,
        C::CsMethod => row.CsMethod = s,
        C::CsHost => row.CsHost = s,
        C::CsUriStem => row.CsUriStem = s,
        C::ScStatus => row.ScStatus = s,
        C::CsReferer => row.CsReferer = s,
        C::CsUserAgent => row.CsUserAgent = s,
        C::CsUriQuery => row.CsUriQuery = s,
        C::CsCookie => row.CsCookie = s,
        C::XEdgeResultType => row.XEdgeResultType = s,
        C::XEdgeRequestId => row.XEdgeRequestId = s,
        C::XHostHeader => row.XHostHeader = s,
        C::CsProtocol => row.CsProtocol = s,
        C::CsBytes => row.CsBytes = s,
        C::TimeTaken => row.TimeTaken = s,
        C::XForwardedFor => row.XForwardedFor = s,
        C::SslProtocol => row.SslProtocol = s,
        C::SslCipher => row.SslCipher = s,
        C::XEdgeResponseResultType => row.XEdgeResponseResultType = s,
        C::CsProtocolVersion => row.CsProtocolVersion = s,
        C::FleStatus => row.FleStatus = s,
        C::FleEncryptedFields => row.FleEncryptedFields = s,
        C::CPort => row.CPort = s,
        C::TimeToFirstByte => row.TimeToFirstByte = s,
        C::XEdgeDetailedResultType => row.XEdgeDetailedResultType = s,
        C::ScContentType => row.ScContentType = s,
        C::ScContentLen => row.ScContentLen = s,
        C::ScRangeStart => row.ScRangeStart = s,
        C::ScRangeEnd => row.ScRangeEnd = s,
    }
}

/// `n` ASCII digits as a number.
fn digits(s: &[u8]) -> Option<i64> {
    s.iter().try_fold(0i64, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0'))
    })
}

/// Epoch milliseconds of `YYYY-MM-DD` and `HH:MM:SS` (UTC); `None` unless both are exactly
/// that and a real date and time.
fn epoch_ms(date: &str, time: &str) -> Option<i64> {
    let (d, t) = (date.as_bytes(), time.as_bytes());
    if d.len() != 10 || d[4] != b'-' || d[7] != b'-' || t.len() != 8 || t[2] != b':' || t[5] != b':'
    {
        return None;
    }
    let (y, m, day) = (digits(&d[..4])?, digits(&d[5..7])?, digits(&d[8..])?);
    let (hh, mm, ss) = (digits(&t[..2])?, digits(&t[3..5])?, digits(&t[6..])?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || day < 1 || day > month_days[(m - 1) as usize] {
        return None;
    }
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    // Days from 1970-01-01 to the civil date (Howard Hinnant's algorithm).
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1000)
}

#[cfg(test)]
#[path = "cloudfront_tests.rs"]
mod tests;
