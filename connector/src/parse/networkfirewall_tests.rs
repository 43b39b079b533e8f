//! Tricky lines of the three Network Firewall logs.

use super::super::testutil::{gz, rows};
use super::event_time;
use crate::parse::{parse_bytes, parse_object};
use catalogue::tables::{
    AwsNetworkFirewallAlert, AwsNetworkFirewallFlow, AwsNetworkFirewallTls, DateTimeMs,
};
use catalogue::DataType;

/// A flow log line in the shape of the Developer Guide's example: `event_timestamp` a string,
/// Suricata times with `+0000`, the TCP flags as hex text and booleans.
pub(crate) const FLOW: &str = r#"{"firewall_name":"test-firewall","availability_zone":"us-east-1b","event_timestamp":"1602627001","event":{"timestamp":"2020-10-13T22:10:01.006481+0000","flow_id":1582438383425873,"event_type":"netflow","src_ip":"203.0.113.4","src_port":55501,"dest_ip":"192.0.2.3","dest_port":111,"proto":"TCP","app_proto":"unknown","netflow":{"pkts":1,"bytes":60,"start":"2020-10-13T22:09:05.006481+0000","end":"2020-10-13T22:09:05.006481+0000","age":0,"min_ttl":54,"max_ttl":54},"tcp":{"tcp_flags":"02","syn":true}}}"#;

/// An alert on TLS traffic: the SNI and version under `event.tls`, a verdict.
pub(crate) const ALERT_TLS: &str = r#"{"firewall_name":"egress-fw","availability_zone":"us-east-1a","event_timestamp":"1772323260","event":{"timestamp":"2026-03-01T00:01:00.250999+0000","flow_id":704128931237891,"event_type":"alert","src_ip":"10.0.1.15","src_port":49152,"dest_ip":"198.51.100.20","dest_port":443,"proto":"TCP","app_proto":"tls","tx_id":0,"direction":"to_server","pkt_src":"wire/pcap","alert":{"action":"blocked","signature_id":1000002,"rev":3,"signature":"deny sni \"bad.example.com\"","category":"Potentially Bad Traffic","severity":2},"verdict":{"action":"drop"},"tls":{"subject":"CN=bad.example.com","sni":"bad.example.com","version":"TLS 1.2"}}}"#;

/// An ICMPv6 alert: IPv6 addresses, no ports.
const ALERT_ICMP6: &str = r#"{"firewall_name":"egress-fw","availability_zone":"us-east-1a","event_timestamp":"1772323261","event":{"timestamp":"2026-03-01T00:01:01.000000+0000","flow_id":1,"event_type":"alert","src_ip":"2001:db8::1","dest_ip":"2001:db8:0:1::53","proto":"IPv6-ICMP","icmp_type":128,"icmp_code":0,"alert":{"action":"allowed","signature_id":5,"rev":0,"signature":"","category":"","severity":3}}}"#;

/// The Developer Guide's TLS error entry: `event_timestamp` a number, ports strings, SNI `-`.
pub(crate) const TLS_ERROR: &str = r#"{"firewall_name":"firewall-tls-test","availability_zone":"us-east-1d","event_timestamp":1719943304,"event":{"timestamp":"2024-07-02T18:01:44.412778Z","src_ip":"10.0.2.53","src_port":"59844","dest_ip":"10.0.1.27","dest_port":"443","sni":"-","tls_error":{"error_message":"Server name mismatch"}}}"#;

/// A certificate revocation check failure.
const TLS_REVOKED: &str = r#"{"firewall_name":"firewall-tls-test","availability_zone":"us-east-1a","event_timestamp":1712243776,"event":{"src_ip":"10.0.2.53","src_port":"55272","revocation_check":{"leaf_cert_fpr":"77fd1f8a0b3e2b6e1d","action":"DROP","status":"REVOKED"},"dest_ip":"192.0.2.10","dest_port":"443","timestamp":"2024-04-04T15:16:16.069981Z","sni":"revoked-rsa-dv.ssl.com"}}"#;

fn one<T: serde::de::DeserializeOwned + catalogue::tables::Row>(d: DataType, line: &str) -> T {
    let (r, bad) = rows(d, line.as_bytes());
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(r.len(), 1);
    r[0].decode::<T>().expect("a row of the table")
}

#[test]
fn suricata_and_rfc3339_times_read_to_the_millisecond() {
    assert_eq!(
        event_time("2020-10-13T22:10:01.006481+0000"),
        Some(DateTimeMs(1_602_627_001_006))
    );
    assert_eq!(
        event_time("2020-10-14T00:10:01.006481+0200"),
        Some(DateTimeMs(1_602_627_001_006))
    );
    assert_eq!(
        event_time("2024-07-02T18:01:44.412778Z"),
        Some(DateTimeMs(1_719_943_304_412))
    );
    for bad in [
        "",
        "2020-10-13",
        "+0000",
        "2020-10-13T22:10:01.0+00000",
        "never",
    ] {
        assert_eq!(event_time(bad), None, "{bad}");
    }
}

#[test]
fn a_flow_record_maps_every_column_and_takes_the_event_time() {
    let f: AwsNetworkFirewallFlow = one(DataType::NetworkFirewallFlow, FLOW);
    assert_eq!(f.TimeGenerated, "2020-10-13T22:10:01.000Z");
    assert_eq!(f.EventTimestamp, "1602627001");
    assert_eq!(f.Timestamp.as_deref(), Some("2020-10-13T22:10:01.006Z"));
    assert_eq!(f.NetFlowStart.as_deref(), Some("2020-10-13T22:09:05.006Z"));
    assert_eq!(f.FlowId.as_deref(), Some("1582438383425873"));
    assert_eq!(
        (f.SrcPort.as_deref(), f.DestPort.as_deref()),
        (Some("55501"), Some("111"))
    );
    assert_eq!(
        (f.NetFlowPkts.as_deref(), f.NetFlowBytes.as_deref()),
        (Some("1"), Some("60"))
    );
    assert_eq!(f.NetFlowMinttl.as_deref(), Some("54"));
    assert_eq!(
        (f.TCPFlags.as_deref(), f.Syn, f.Ack),
        (Some("02"), Some(true), None)
    );
    assert_eq!((f.EventType.as_str(), f.Proto.as_str()), ("netflow", "TCP"));
    assert_eq!(f.AppProto.as_deref(), Some("unknown"));
    // The same record gzip-compressed, as the log-delivery service stores it.
    let (r, _, s) = parse_bytes(
        DataType::NetworkFirewallFlow,
        Some("x.log.gz"),
        &gz(FLOW.as_bytes()),
    );
    assert_eq!((r.len(), s.unwrap().gzip_layers), (1, 1));
}

#[test]
fn an_alert_on_tls_keeps_the_sni_and_the_verdict() {
    let a: AwsNetworkFirewallAlert = one(DataType::NetworkFirewallAlert, ALERT_TLS);
    assert_eq!(a.TimeGenerated, "2026-03-01T00:01:00.000Z");
    assert_eq!(a.EventTimestamp, a.TimeGenerated);
    assert_eq!(a.Sni.as_deref(), Some("bad.example.com"));
    assert_eq!(a.Version.as_deref(), Some("TLS 1.2"));
    assert_eq!(a.VerdictAction.as_deref(), Some("drop"));
    assert_eq!(a.AlertAction.as_deref(), Some("blocked"));
    assert_eq!(
        a.Signature.as_deref(),
        Some(r#"deny sni "bad.example.com""#)
    );
    assert_eq!(
        (
            a.SignatureId.as_deref(),
            a.Rev.as_deref(),
            a.Severity.as_deref()
        ),
        (Some("1000002"), Some("3"), Some("2"))
    );
    assert_eq!(
        (
            a.TxId.as_deref(),
            a.Direction.as_deref(),
            a.PktSrc.as_deref()
        ),
        (Some("0"), Some("to_server"), Some("wire/pcap"))
    );
    assert_eq!(a.Timestamp.as_deref(), Some("2026-03-01T00:01:00.250Z"));
}

#[test]
fn icmp_over_ipv6_has_no_ports() {
    let a: AwsNetworkFirewallAlert = one(DataType::NetworkFirewallAlert, ALERT_ICMP6);
    assert_eq!(
        (a.SrcIp.as_str(), a.DestIp.as_str()),
        ("2001:db8::1", "2001:db8:0:1::53")
    );
    assert_eq!((a.SrcPort, a.DestPort), (None, None));
    assert_eq!(a.Proto, "IPv6-ICMP");
    assert_eq!(
        (a.Signature.as_deref(), a.Category.as_deref()),
        (Some(""), Some(""))
    );
    assert_eq!((a.Sni, a.VerdictAction), (None, None));
    let flow = ALERT_ICMP6.replace("\"alert\",", "\"netflow\",");
    let f: AwsNetworkFirewallFlow = one(DataType::NetworkFirewallFlow, &flow);
    assert_eq!(
        (f.SrcPort, f.DestPort, f.Syn, f.NetFlowPkts),
        (None, None, None, None)
    );
}

#[test]
fn tls_errors_and_revocation_checks() {
    let t: AwsNetworkFirewallTls = one(DataType::NetworkFirewallTls, TLS_ERROR);
    assert_eq!(t.TimeGenerated, "2024-07-02T18:01:44.000Z");
    assert_eq!(t.EventTimestamp, t.TimeGenerated);
    assert_eq!(
        (t.SrcPort.as_deref(), t.DestPort.as_deref()),
        (Some("59844"), Some("443"))
    );
    assert_eq!(t.Sni.as_deref(), Some("-"));
    assert_eq!(t.ErrorMessage.as_deref(), Some("Server name mismatch"));
    assert_eq!(
        (t.Status, t.Action, t.LeafCertificateFingerprint),
        (None, None, None)
    );
    let t: AwsNetworkFirewallTls = one(DataType::NetworkFirewallTls, TLS_REVOKED);
    assert_eq!(
        t.LeafCertificateFingerprint.as_deref(),
        Some("77fd1f8a0b3e2b6e1d")
    );
    assert_eq!(
        (t.Status.as_deref(), t.Action.as_deref()),
        (Some("REVOKED"), Some("DROP"))
    );
    assert_eq!(t.ErrorMessage, None);
    // Where Microsoft's DCR looks (the top level of the event), the members are taken too.
    let top = r#"{"firewall_name":"f","availability_zone":"a","event_timestamp":"1","event":{"src_ip":"1.1.1.1","dest_ip":"2.2.2.2","status":"UNKNOWN","action":"PASS","leaf_cert_fpr":"ab"}}"#;
    let t: AwsNetworkFirewallTls = one(DataType::NetworkFirewallTls, top);
    assert_eq!(
        (
            t.Status.as_deref(),
            t.Action.as_deref(),
            t.LeafCertificateFingerprint.as_deref()
        ),
        (Some("UNKNOWN"), Some("PASS"), Some("ab"))
    );
}

#[test]
fn lines_that_give_no_row_are_malformed_and_name_why() {
    let cases = [
        (
            DataType::NetworkFirewallFlow,
            ALERT_TLS.to_string(),
            "event_type 'alert' in a flow log",
        ),
        (
            DataType::NetworkFirewallAlert,
            FLOW.to_string(),
            "event_type 'netflow' in a alert log",
        ),
        (
            DataType::NetworkFirewallFlow,
            FLOW.replace(r#""event_type":"netflow","#, ""),
            "event_type '' in a flow log",
        ),
        (
            DataType::NetworkFirewallFlow,
            "not json".into(),
            "not a Network Firewall log record",
        ),
        (
            DataType::NetworkFirewallTls,
            TLS_ERROR.replace(r#""firewall_name":"firewall-tls-test","#, ""),
            "firewall_name",
        ),
        (
            DataType::NetworkFirewallTls,
            TLS_ERROR.replace("1719943304", "\"soon\""),
            "event_timestamp 'soon' is not epoch seconds",
        ),
        (
            DataType::NetworkFirewallTls,
            TLS_ERROR.replace("1719943304", "-5"),
            "event_timestamp '-5'",
        ),
        (
            DataType::NetworkFirewallTls,
            TLS_ERROR.replace(r#""src_ip":"10.0.2.53","#, ""),
            "no event.src_ip",
        ),
        (
            DataType::NetworkFirewallFlow,
            FLOW.replace(r#""proto":"TCP","#, ""),
            "no event.proto",
        ),
        (
            DataType::NetworkFirewallFlow,
            FLOW.replace("55501", "{}"),
            "not a Network Firewall log record",
        ),
    ];
    for (d, line, why) in cases {
        let text = format!("{line}\n{}\n", good_line(d));
        let (r, bad) = rows(d, text.as_bytes());
        assert_eq!((r.len(), bad.len()), (1, 1), "{line}");
        assert_eq!(bad[0].position.line, Some(1));
        assert!(bad[0].reason.contains(why), "{}: want {why}", bad[0].reason);
    }
}

fn good_line(d: DataType) -> &'static str {
    match d {
        DataType::NetworkFirewallFlow => FLOW,
        DataType::NetworkFirewallAlert => ALERT_TLS,
        _ => TLS_ERROR,
    }
}

#[test]
fn values_a_column_cannot_hold_are_left_out_and_reported() {
    let line = FLOW
        .replace(r#""syn":true"#, r#""syn":"yes","fin":false"#)
        .replace(
            r#""end":"2020-10-13T22:09:05.006481+0000""#,
            r#""end":"later""#,
        );
    let p = parse_object(
        DataType::NetworkFirewallFlow,
        None,
        DateTimeMs(0),
        line.as_bytes(),
    );
    p.result.unwrap();
    assert_eq!(p.rows.len(), 1);
    let f = p.rows[0].1.decode::<AwsNetworkFirewallFlow>().unwrap();
    assert_eq!((f.Syn, f.Fin, f.NetFlowEnd), (None, Some(false), None));
    assert!(f.NetFlowStart.is_some());
    let reasons: Vec<&str> = p.bad_values.iter().map(|b| b.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            r#"Syn left out: event.tcp.syn "yes" is not a boolean"#,
            "NetFlowEnd left out: event.netflow.end 'later' is not a time"
        ]
    );
}
