//! Tests of the ELB parsers on tricky lines: quoted values with spaces and quotes, IPv6
//! clients, `-` values, fields added over time, NLB's TLS fields, flow log headers.

use super::super::parse_bytes;
use super::super::testutil::{gz, rows};
use catalogue::tables::{AwsAlbAccessLogs, AwsElbFlowLogs, AwsNlbAccessLogs, TableRow};
use catalogue::DataType;

/// An HTTPS request with every field up to `conn_trace_id`, then a field added later.
const ALB_FULL: &str = r#"https 2026-03-01T00:00:07.186641Z app/web-lb/50dc6c495c0c9188 192.0.2.10:46532 10.0.1.20:8080 0.001 0.048 0.000 200 200 254 560 "GET https://www.example.com:443/search?q=a%20b HTTP/1.1" "Mozilla/5.0 (X11; Linux x86_64) \"quoted\" agent" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067 "Root=1-65e1a2b3-0123456789abcdef01234567" "www.example.com" "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2026-03-01T00:00:07.137000Z "forward" "-" "-" "10.0.1.20:8080" "200" "-" "-" TID_1a2b3c4d5e6f "www.example.com" "/search""#;

/// A request that reached no target (`-` target, `-1` times, `-` target status), from an
/// IPv6 client, classified as an HTTP desync risk, written before `conn_trace_id` existed.
const ALB_NO_TARGET: &str = r#"http 2026-03-01T00:00:09.000001Z app/web-lb/50dc6c495c0c9188 2001:db8:85a3::8a2e:370:7334:51000 - -1 -1 -1 400 - 0 264 "GET http://www.example.com:80/ HTTP/1.1" "-" - - - "-" "-" "-" 0 2026-03-01T00:00:09.000000Z "-" "-" "-" "-" "-" "Ambiguous" "UndefinedContentLengthSemantics""#;

/// An NLB TLS connection with every field, the ALPN list as NLB writes it.
const NLB_FULL: &str = r#"tls 2.0 2026-03-01T00:00:40 net/tls-lb/c6e77e28c25b2234 g3d4b5e8bb8464cd 198.51.100.7:51341 10.0.2.15:443 5 2 98 246 - arn:aws:acm:us-east-1:123456789012:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99 - ECDHE-RSA-AES128-SHA tlsv12 - tls-lb-c6e77e28c25b2234.elb.us-east-1.amazonaws.com h2 h2 "h2","http/1.1" 2026-03-01T00:00:35"#;

const FLOW_HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

fn one<T: catalogue::tables::Row + serde::de::DeserializeOwned>(d: DataType, text: &str) -> T {
    let (r, bad) = rows(d, text.as_bytes());
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(r.len(), 1, "{r:?}");
    r[0].decode().unwrap()
}

#[test]
fn an_alb_entry_maps_every_field_and_ignores_later_ones() {
    let row: AwsAlbAccessLogs = one(DataType::ElbAlb, &format!("{ALB_FULL}\n"));
    assert_eq!(row.TimeGenerated, "2026-03-01T00:00:07.186Z");
    assert_eq!(row.ALBType, "https");
    assert_eq!(row.Alb, "app/web-lb/50dc6c495c0c9188");
    assert_eq!(row.ClientIp.as_deref(), Some("192.0.2.10"));
    assert_eq!(row.ClientPort, Some(46532));
    assert_eq!(row.TargetIp.as_deref(), Some("10.0.1.20"));
    assert_eq!(row.TargetPort, Some(8080));
    assert_eq!(row.ElbStatusCode, Some(200));
    assert_eq!(row.ReceivedBytes, Some(254));
    assert_eq!(row.SentBytes, Some(560));
    assert_eq!(
        row.RequestRaw.as_deref(),
        Some("GET https://www.example.com:443/search?q=a%20b HTTP/1.1")
    );
    // A quote inside a quoted value does not end it; the text is kept as written.
    assert_eq!(
        row.UserAgent.as_deref(),
        Some(r#"Mozilla/5.0 (X11; Linux x86_64) \"quoted\" agent"#)
    );
    assert_eq!(
        row.TraceId.as_deref(),
        Some("Root=1-65e1a2b3-0123456789abcdef01234567")
    );
    assert_eq!(row.MatchedRulePriority.as_deref(), Some("1"));
    assert_eq!(row.ActionsExecuted.as_deref(), Some("forward"));
    assert_eq!(row.RedirectUrl, None);
    assert_eq!(row.LambdaErrorReason, None);
    assert_eq!(row.TargetPortList.as_deref(), Some("10.0.1.20:8080"));
    assert_eq!(row.TargetStatusCodeList.as_deref(), Some("200"));
    assert_eq!(row.Classification, None);
    assert_eq!(row.ConnTraceId.as_deref(), Some("TID_1a2b3c4d5e6f"));
}

#[test]
fn an_alb_entry_without_a_target_from_an_ipv6_client_written_before_conn_trace_id() {
    let row: AwsAlbAccessLogs = one(DataType::ElbAlb, ALB_NO_TARGET);
    assert_eq!(
        row.ClientIp.as_deref(),
        Some("2001:db8:85a3::8a2e:370:7334")
    );
    assert_eq!(row.ClientPort, Some(51000));
    assert_eq!((row.TargetIp, row.TargetPort), (None, None));
    assert_eq!(row.RequestProcessingTime.as_deref(), Some("-1"));
    assert_eq!(row.ElbStatusCode, Some(400));
    assert_eq!(row.TargetStatusCode, None);
    assert_eq!(row.UserAgent, None);
    assert_eq!(row.Classification.as_deref(), Some("Ambiguous"));
    assert_eq!(
        row.ClassificationReason.as_deref(),
        Some("UndefinedContentLengthSemantics")
    );
    assert_eq!(row.ConnTraceId, None);
    // A bracketed IPv6 client loses its brackets.
    let bracketed =
        ALB_NO_TARGET.replace("2001:db8:85a3::8a2e:370:7334:51000", "[2001:db8::1]:443");
    let row: AwsAlbAccessLogs = one(DataType::ElbAlb, &bracketed);
    assert_eq!(
        (row.ClientIp.as_deref(), row.ClientPort),
        (Some("2001:db8::1"), Some(443))
    );
}

#[test]
fn alb_lines_that_are_no_entry_are_malformed_and_bad_numbers_are_bad_values() {
    let unterminated = ALB_FULL.replace("\"forward\"", "\"forward");
    let cut = ALB_FULL.replace(r#"https 2026-03-01T00:00:07.186641Z"#, "https yesterday");
    let short = "http 2026-03-01T00:00:09Z app/x/1 1.2.3.4:5 - 0 0 0 200";
    for line in [&unterminated[..unterminated.len() - 2], &cut, short] {
        let (r, bad, res) = parse_bytes(DataType::ElbAlb, None, line.as_bytes());
        res.unwrap();
        assert!(r.is_empty(), "{line}: {r:?}");
        assert_eq!(bad.len(), 1, "{line}");
    }
    let p = super::super::parse_object(
        DataType::ElbAlb,
        None,
        catalogue::tables::DateTimeMs(0),
        ALB_FULL
            .replace(" 200 200 254 560 ", " OK 200 254 560 ")
            .as_bytes(),
    );
    assert_eq!(p.rows.len(), 1);
    assert_eq!(p.bad_values.len(), 1, "{:?}", p.bad_values);
    assert!(p.bad_values[0].reason.contains("ElbStatusCode 'OK'"));
    let row: AwsAlbAccessLogs = p.rows[0].1.decode().unwrap();
    assert_eq!(row.ElbStatusCode, None);
}

#[test]
fn an_nlb_entry_maps_every_field_with_its_time_without_z() {
    let row: AwsNlbAccessLogs = one(DataType::ElbNlb, NLB_FULL);
    assert_eq!(row.TimeGenerated, "2026-03-01T00:00:40.000Z");
    assert_eq!(row.NLBType, "tls");
    assert_eq!(row.Version, "2.0");
    assert_eq!(row.Nlb, "net/tls-lb/c6e77e28c25b2234");
    assert_eq!(row.Listener.as_deref(), Some("g3d4b5e8bb8464cd"));
    assert_eq!(row.ClientIP_Port.as_deref(), Some("198.51.100.7:51341"));
    assert_eq!(row.TargetIP_Port.as_deref(), Some("10.0.2.15:443"));
    assert_eq!(row.Incoming_TLS_Alert, None);
    assert_eq!(row.TLS_Protocol_Version.as_deref(), Some("tlsv12"));
    assert_eq!(row.TLS_Named_Group, None);
    assert_eq!(
        row.ALPN_Client_Pref_List.as_deref(),
        Some(r#""h2","http/1.1""#)
    );
    assert_eq!(
        row.TLS_Connection_Creation_Time.as_deref(),
        Some("2026-03-01T00:00:35")
    );
    // Gzip as delivered, and a record with a failed handshake written before the last field.
    let failed = "tls 2.0 2026-03-01T00:01:00Z net/tls-lb/c6e77e28c25b2234 g3d4b5e8bb8464cd [2001:db8::7]:40000 10.0.2.15:443 1 - 0 0 UnknownCA - - - - - - - - -";
    let (r, bad, res) = parse_bytes(
        DataType::ElbNlb,
        Some("x.log.gz"),
        &gz(format!("{NLB_FULL}\n{failed}\n").as_bytes()),
    );
    res.unwrap();
    assert!(bad.is_empty(), "{bad:?}");
    let row: AwsNlbAccessLogs = r[1].1.decode().unwrap();
    assert_eq!(row.Incoming_TLS_Alert.as_deref(), Some("UnknownCA"));
    assert_eq!(row.ClientIP_Port.as_deref(), Some("[2001:db8::7]:40000"));
    assert_eq!(row.TLS_Connection_Creation_Time, None);
}

#[test]
fn nlb_lines_that_are_no_entry_are_malformed() {
    for line in [
        "tls 2.0 2026-03-01T00:00:40",
        "tls 2.0 noon net/a/b l 1.2.3.4:1 5.6.7.8:2 1 1 1 1",
    ] {
        let (r, bad, res) = parse_bytes(DataType::ElbNlb, None, line.as_bytes());
        res.unwrap();
        assert!(r.is_empty());
        assert_eq!(bad.len(), 1, "{line}");
    }
}

#[test]
fn flow_logs_map_by_header_and_carry_their_collectors_log_type() {
    let text = format!(
        "{FLOW_HEADER}\n2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 192.0.2.44 443 50123 6 12 3400 1772323200 1772323260 ACCEPT OK\n2 123456789012 eni-0a1b2c3d4e5f60718 - - - - - - - 1772323200 1772323260 - NODATA\n"
    );
    for (d, log_type) in [
        (DataType::ElbNlbFlow, "NLB"),
        (DataType::ElbGwlbFlow, "GWLB"),
    ] {
        let (r, bad) = rows(d, text.as_bytes());
        assert!(bad.is_empty(), "{bad:?}");
        let rows: Vec<AwsElbFlowLogs> = r.iter().map(|r: &TableRow| r.decode().unwrap()).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].LogType, log_type);
        assert_eq!(rows[0].TimeGenerated, "2026-03-01T00:00:00.000Z");
        assert_eq!(
            rows[0].SStartTime.as_deref(),
            Some("2026-03-01T00:00:00.000Z")
        );
        assert_eq!(rows[0].EndTime.as_deref(), Some("2026-03-01T00:01:00.000Z"));
        assert_eq!(rows[0].SourcePort.as_deref(), Some("443"));
        assert_eq!(rows[0].Action.as_deref(), Some("ACCEPT"));
        assert_eq!(rows[1].SourceAddress, None);
        assert_eq!(rows[1].LogStatus.as_deref(), Some("NODATA"));
    }
    // A custom order with a field the table has no column for.
    let custom = "start interface-id tcp-flags end\n1772323200 eni-1 2 1772323201\n";
    let row: AwsElbFlowLogs = one(DataType::ElbNlbFlow, custom);
    assert_eq!(row.InterfaceId.as_deref(), Some("eni-1"));
    assert_eq!(row.Version, None);
}

#[test]
fn flow_records_without_a_start_or_with_another_count_are_malformed() {
    let text = format!("{FLOW_HEADER}\n2 123456789012 eni-1 1.2.3.4\n2 123456789012 eni-1 - - - - - - - soon 1772323260 - NODATA\n");
    let (r, bad, res) = parse_bytes(DataType::ElbNlbFlow, None, text.as_bytes());
    res.unwrap();
    assert!(r.is_empty());
    assert_eq!(bad.len(), 2);
    // No header with a start field: not a flow log.
    let (_, _, res) = parse_bytes(DataType::ElbGwlbFlow, None, b"hello world\n1 2\n");
    assert!(res.is_err());
}
