//! The Network Firewall generator: layout, format, edge cases and its oracle rows.

use super::super::keys::patterns;
use super::super::manifest::Content;
use super::super::testutil::*;
use super::super::{BadDataKind, GenOptions};
use super::*;
use regex::Regex;
use std::collections::HashSet;

const TYPES: [DataType; 3] = [
    DataType::NetworkFirewallFlow,
    DataType::NetworkFirewallAlert,
    DataType::NetworkFirewallTls,
];

/// A third reading of a line (besides the generator's oracle and the connector): the facts a
/// test checks on the expected row, straight from the JSON.
fn check_line(d: DataType, v: &Value, row: &TableRow) {
    let e = &v["event"];
    let secs = match &v["event_timestamp"] {
        Value::String(s) => s.parse::<i64>().unwrap(),
        Value::Number(n) => n.as_i64().unwrap(),
        other => panic!("event_timestamp {other}"),
    };
    assert_eq!(row.time_generated(), format_datetime_ms(secs * 1000));
    let port = |k: &str| match &e[k] {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        n => Some(n.to_string()),
    };
    match d {
        DataType::NetworkFirewallFlow => {
            let r = row.decode::<AwsNetworkFirewallFlow>().unwrap();
            assert_eq!(
                v["event_timestamp"].as_str(),
                Some(r.EventTimestamp.as_str())
            );
            assert_eq!(e["event_type"], "netflow");
            assert_eq!(
                (r.SrcPort, r.DestPort),
                (port("src_port"), port("dest_port"))
            );
            assert_eq!(r.NetFlowPkts, Some(e["netflow"]["pkts"].to_string()));
            assert_eq!(r.TCPFlags.as_deref(), e["tcp"]["tcp_flags"].as_str());
            assert_eq!(r.Syn, e["tcp"]["syn"].as_bool());
            assert_eq!(r.Ack, e["tcp"]["ack"].as_bool());
            assert_eq!(r.FlowId, Some(e["flow_id"].to_string()));
            let ts = e["timestamp"].as_str().unwrap();
            assert!(ts.ends_with("+0000") && ts.len() == 31, "{ts}");
            assert_eq!(r.Timestamp.as_deref().map(|t| &t[..23]), Some(&ts[..23]));
        }
        DataType::NetworkFirewallAlert => {
            let r = row.decode::<AwsNetworkFirewallAlert>().unwrap();
            assert_eq!(e["event_type"], "alert");
            assert!(v["event_timestamp"].is_string());
            assert_eq!(r.Sni.as_deref(), e["tls"]["sni"].as_str());
            assert_eq!(r.VerdictAction.as_deref(), e["verdict"]["action"].as_str());
            assert_eq!(r.Signature.as_deref(), e["alert"]["signature"].as_str());
            assert_eq!(r.Severity, Some(e["alert"]["severity"].to_string()));
            assert_eq!(
                (r.SrcPort, r.DestPort),
                (port("src_port"), port("dest_port"))
            );
        }
        _ => {
            let r = row.decode::<AwsNetworkFirewallTls>().unwrap();
            assert!(v["event_timestamp"].is_number());
            assert!(e.get("event_type").is_none());
            assert!(e["src_port"].is_string() && e["dest_port"].is_string());
            assert_eq!(r.SrcPort, port("src_port"));
            assert_eq!(r.Sni.as_deref(), e["sni"].as_str());
            assert_eq!(
                r.ErrorMessage.as_deref(),
                e["tls_error"]["error_message"].as_str()
            );
            assert_eq!(
                r.Status.as_deref(),
                e["revocation_check"]["status"].as_str()
            );
            let ts = e["timestamp"].as_str().unwrap();
            assert!(ts.ends_with('Z') && ts.len() == 27, "{ts}");
        }
    }
}

#[test]
fn objects_read_back_equal_manifest_with_every_edge_case() {
    let re = Regex::new(patterns::NETWORK_FIREWALL).unwrap();
    for d in TYPES {
        let out = run(&GenOptions::new(d, 600, 11));
        let mut total = 0;
        let mut seen = HashSet::new();
        for e in out.entries() {
            let caps = re.captures(&e.key).unwrap_or_else(|| panic!("{}", e.key));
            assert_eq!(&caps[2], log_type(d).unwrap());
            assert_eq!(&caps[2], &caps[11]);
            assert_eq!(
                &caps[5], &caps[13],
                "the firewall folder and file name agree"
            );
            let text = String::from_utf8(gunzip(&out.objects[&e.key])).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len() as u64, e.record_count);
            for (line, exp) in lines.iter().zip(&e.records) {
                assert!(line.starts_with("{\"firewall_name\":"), "{line}");
                let v: Value = serde_json::from_str(line).unwrap();
                assert_eq!(v["firewall_name"].as_str(), Some(&caps[5]));
                check_line(d, &v, &exp.expected);
                let ev = &v["event"];
                if ev["src_port"].is_null() {
                    seen.insert("no ports");
                }
                if ev["src_ip"].as_str().unwrap().contains(':') {
                    seen.insert("ipv6");
                }
                if ev["tls"]["sni"].is_string() {
                    seen.insert("alert with sni");
                }
                if ev["sni"] == "-" {
                    seen.insert("tls error without sni");
                }
                if ev["revocation_check"].is_object() {
                    seen.insert("revocation");
                }
                if ev["tcp"]["syn"] == true {
                    seen.insert("syn");
                }
                total += 1;
            }
        }
        assert_eq!(total, 600, "{d}");
        let want: &[&str] = match d {
            DataType::NetworkFirewallFlow => &["no ports", "ipv6", "syn"],
            DataType::NetworkFirewallAlert => &["no ports", "ipv6", "alert with sni"],
            _ => &["ipv6", "tls error without sni", "revocation"],
        };
        for w in want {
            assert!(seen.contains(w), "{d}: no {w} in {seen:?}");
        }
    }
}

#[test]
fn one_object_per_firewall_and_five_minute_window() {
    let mut o = GenOptions::new(DataType::NetworkFirewallFlow, 2000, 3);
    o.rate = Some(2.0);
    let out = run(&o);
    let mut keys = HashSet::new();
    for e in out.entries() {
        assert!(keys.insert(e.key.clone()), "{}", e.key);
        let stamp = e.key.rsplit('_').nth(1).unwrap();
        let window = &e.records[0];
        let tg: Vec<&str> = e
            .records
            .iter()
            .map(|r| r.time_generated.as_str())
            .collect();
        // Every record's minute lies in the file's window.
        for t in &tg {
            let minute: u32 = t[14..16].parse().unwrap();
            let start: u32 = stamp[11..13].parse().unwrap();
            assert!(minute >= start && minute < start + 5, "{t} in {stamp}");
            assert_eq!(
                &t[..13].replace(['-', 'T'], ""),
                &stamp[..11].replace('T', "")
            );
        }
        assert_eq!(window.line, Some(1));
    }
    assert!(keys.len() > 5);
}

#[test]
fn malformed_lines_are_counted() {
    for d in TYPES {
        let mut o = GenOptions::new(d, 30, 4);
        o.bad_data = vec![BadDataKind::MalformedLines];
        let out = run(&o);
        let e = out
            .entries()
            .find(|e| e.content == Content::Malformed)
            .unwrap();
        let text = String::from_utf8(gunzip(&out.objects[&e.key])).unwrap();
        let mut good = 0;
        for (i, l) in text.lines().enumerate() {
            // Independent of the generator: a record has its addresses and epoch seconds (a
            // number in the TLS log, a string of digits in the others) and, outside the TLS
            // log, this log's event type.
            let ok = serde_json::from_str::<Value>(l).is_ok_and(|v| {
                let ev = &v["event"];
                let has_addresses = ev["src_ip"].is_string() && ev["dest_ip"].is_string();
                let when = match d {
                    DataType::NetworkFirewallTls => v["event_timestamp"].is_u64(),
                    _ => v["event_timestamp"]
                        .as_str()
                        .is_some_and(|s| s.parse::<u64>().is_ok()),
                };
                let kind = match d {
                    DataType::NetworkFirewallFlow => ev["event_type"] == "netflow",
                    DataType::NetworkFirewallAlert => ev["event_type"] == "alert",
                    _ => true,
                };
                has_addresses && when && kind
            });
            assert_eq!(ok, !e.malformed_lines.contains(&(i as u64 + 1)), "{d}: {l}");
            good += usize::from(ok);
        }
        assert_eq!(good as u64, e.record_count);
    }
}
