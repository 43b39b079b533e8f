//! Tests of the CloudFront standard log parser on tricky lines.

use super::super::testutil::{gz, rows};
use super::super::{parse_bytes, ObjectError};
use super::FIELDS;
use catalogue::tables::{AwsCloudFrontAccessLog, TableRow};
use catalogue::DataType;

const VERSION: &str = "#Version: 1.0";

fn fields_line() -> String {
    let names: Vec<&str> = FIELDS.iter().map(|(n, _)| *n).collect();
    format!("#Fields: {}", names.join(" "))
}

/// A record of all 33 fields: an IPv6 viewer behind two proxies, an encoded user agent, an
/// empty query, cookie and range (`-`).
const IPV6: &str = "2026-03-01\t00:00:07\tIAD89-P1\t2389\t2001:db8:85a3::8a2e:370:7334\tGET\td111111abcdef8.cloudfront.net\t/images/a%20b.png\t200\thttps://example.com/\tMozilla/5.0%20(X11;%20Linux%20x86_64)\t-\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\twww.example.com\thttps\t412\t0.002\t198.51.100.10,203.0.113.7\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tHit\tHTTP/2.0\t-\t-\t443\t0.001\tHit\timage/png\t2001\t-\t-";

fn one(text: &str) -> AwsCloudFrontAccessLog {
    let (r, bad) = rows(DataType::CloudFront, text.as_bytes());
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(r.len(), 1, "{r:?}");
    r[0].decode().unwrap()
}

#[test]
fn header_lines_are_skipped_and_every_field_maps_to_its_column() {
    let text = format!("{VERSION}\n{}\n{IPV6}\n", fields_line());
    let row = one(&text);
    assert_eq!(row.TimeGenerated, "2026-03-01T00:00:07.000Z");
    assert_eq!(
        (row.Date.as_str(), row.Time.as_str()),
        ("2026-03-01", "00:00:07")
    );
    assert_eq!(row.CIp.as_deref(), Some("2001:db8:85a3::8a2e:370:7334"));
    assert_eq!(
        row.CsUserAgent.as_deref(),
        Some("Mozilla/5.0%20(X11;%20Linux%20x86_64)")
    );
    assert_eq!(row.CsUriStem.as_deref(), Some("/images/a%20b.png"));
    assert_eq!(
        row.XForwardedFor.as_deref(),
        Some("198.51.100.10,203.0.113.7")
    );
    assert_eq!(row.CsHost.as_deref(), Some("d111111abcdef8.cloudfront.net"));
    assert_eq!(row.ScStatus.as_deref(), Some("200"));
    assert_eq!(row.CPort.as_deref(), Some("443"));
    assert_eq!(row.ScRangeEnd, None);
    // `-` is absent; the columns no standard log field fills are absent too.
    assert_eq!(
        (row.CsUriQuery, row.CsCookie, row.FleStatus),
        (None, None, None)
    );
    assert_eq!(
        (row.Timestamp, row.DistributionId, row.Asn),
        (None, None, None)
    );
}

#[test]
fn without_a_fields_line_records_are_in_the_documented_order() {
    let with = one(&format!("{VERSION}\n{}\n{IPV6}\n", fields_line()));
    let without = one(&format!("{IPV6}\r\n"));
    assert_eq!(with, without);
}

#[test]
fn a_fields_line_with_a_subset_in_another_order_maps_by_name() {
    let text = "#Version: 1.0\n#Fields: time c-ip date sc-status asn x-edge-location\n\
                23:59:59\t192.0.2.44\t2024-02-29\t403\t16509\t-\n";
    let row = one(text);
    assert_eq!(row.TimeGenerated, "2024-02-29T23:59:59.000Z");
    assert_eq!(row.CIp.as_deref(), Some("192.0.2.44"));
    assert_eq!(row.ScStatus.as_deref(), Some("403"));
    // `asn` is no standard log field: skipped; `-` is absent.
    assert_eq!((row.Asn, row.XEdgeLocation), (None, None));
}

#[test]
fn a_later_fields_line_replaces_the_first() {
    let text = format!(
        "{VERSION}\n{}\n{IPV6}\n#Version: 1.0\n#Fields: date time sc-status\n2026-03-01\t01:00:00\t502\n",
        fields_line()
    );
    let (r, bad) = rows(DataType::CloudFront, gz(text.as_bytes()).as_slice());
    assert!(bad.is_empty(), "{bad:?}");
    let second: AwsCloudFrontAccessLog = r[1].decode().unwrap();
    assert_eq!(second.ScStatus.as_deref(), Some("502"));
    assert_eq!(second.TimeGenerated, "2026-03-01T01:00:00.000Z");
}

#[test]
fn malformed_records_are_counted_and_the_rest_is_read() {
    let short = IPV6.rsplit_once('\t').unwrap().0.to_string();
    let bad_date = IPV6.replacen("2026-03-01", "2026-02-30", 1);
    let bad_time = IPV6.replacen("00:00:07", "24:00:00", 1);
    let spaces = IPV6.replace('\t', " ");
    let mut invalid = IPV6.as_bytes().to_vec();
    invalid[30] = 0xff;
    let mut text = format!("{VERSION}\n{}\n", fields_line()).into_bytes();
    for line in [
        short.as_bytes(),
        bad_date.as_bytes(),
        &invalid,
        IPV6.as_bytes(),
    ] {
        text.extend_from_slice(line);
        text.push(b'\n');
    }
    text.extend_from_slice(bad_time.as_bytes());
    text.push(b'\n');
    text.extend_from_slice(spaces.as_bytes());
    text.push(b'\n');
    let (r, bad, res) = parse_bytes(DataType::CloudFront, None, &text);
    res.unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0.line, Some(6));
    assert_eq!(r[0].0.index, 3);
    let lines: Vec<Option<u64>> = bad.iter().map(|e| e.position.line).collect();
    assert_eq!(lines, [Some(3), Some(4), Some(5), Some(7), Some(8)]);
    assert!(
        bad[0].reason.contains("32 tab-separated values"),
        "{}",
        bad[0].reason
    );
    assert!(bad[1].reason.contains("2026-02-30"), "{}", bad[1].reason);
    assert_eq!(bad[2].reason, "not UTF-8");
    assert!(bad[3].reason.contains("24:00:00"), "{}", bad[3].reason);
    assert!(
        bad[4].reason.contains("1 tab-separated values"),
        "{}",
        bad[4].reason
    );
}

#[test]
fn a_fields_line_without_date_or_time_is_no_cloudfront_log() {
    let (r, _, res) = parse_bytes(
        DataType::CloudFront,
        None,
        b"#Version: 1.0\n#Fields: c-ip sc-status\n192.0.2.1\t200\n",
    );
    assert!(r.is_empty());
    match res {
        Err(ObjectError::Document(m)) => assert!(m.contains("no date field"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn rows_serialise_with_the_table_columns() {
    let row = TableRow::new(one(IPV6));
    let json = row.columns().to_string();
    assert!(json.starts_with(r#"{"TimeGenerated":"2026-03-01T00:00:07.000Z","Date":"2026-03-01","Time":"00:00:07","XEdgeLocation":"IAD89-P1""#), "{json}");
    assert!(!json.contains("CsCookie"), "{json}");
}
