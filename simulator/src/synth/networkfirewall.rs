//! AWS Network Firewall flow, alert and TLS logs as the log-delivery service writes them to S3
//! (AWS Network Firewall Developer Guide, "Sending logs to Amazon S3", "Contents of a firewall
//! log", "Logging for TLS inspection"): gzip, one JSON object per line,
//! `{"firewall_name","availability_zone","event_timestamp","event":{...}}`, one file per
//! 5-minute window under
//! `AWSLogs/<acct>/network-firewall/<log type>/<region>/<firewall>/YYYY/MM/dd/HH/`.
//!
//! * Flow: Suricata `netflow` events over TCP (with `tcp.tcp_flags` and the flag booleans),
//!   UDP (DNS), ICMP and ICMPv6 (no ports) and IPv6; some with `tls_inspected`.
//! * Alert: `alert` events, some on TLS traffic with the SNI and version under `tls` and a
//!   `verdict`, some on ICMP without ports, over IPv4 and IPv6; signatures with quotes.
//! * TLS: TLS errors (`tls_error.error_message`, an SNI of `-` when the client sent none) and
//!   certificate revocation check failures (`revocation_check`), `event_timestamp` a JSON
//!   number and the ports strings, as the TLS log writes them.
//!
//! The expected row of each record is mapped here from the record's own values, apart from
//! the connector's reading of the text.

use std::io::{self, Write};

use rand::Rng;
use serde_json::{json, Map, Value};

use super::keys::{five_minute_floor, networkfirewall_key, Utc};
use super::manifest::ExpectedRecord;
use super::rng::{chance, hex, pick, Clock, SimRng};
use super::{GenOptions, LogGen, Rngs};
use crate::tables::{
    format_datetime_ms, AwsNetworkFirewallAlert, AwsNetworkFirewallFlow, AwsNetworkFirewallTls,
    TableRow,
};
use catalogue::DataType;

/// The log type of a Network Firewall data type: its name in keys (`flow`, `alert`, `tls`).
pub fn log_type(d: DataType) -> Option<&'static str> {
    match d {
        DataType::NetworkFirewallFlow => Some("flow"),
        DataType::NetworkFirewallAlert => Some("alert"),
        DataType::NetworkFirewallTls => Some("tls"),
        _ => None,
    }
}

/// The firewalls the records come from: `(name, availability zone suffix)`.
const FIREWALLS: &[(&str, &str)] = &[
    ("egress-fw", "a"),
    ("egress-fw", "b"),
    ("inspection-fw", "c"),
];

/// The fields every event has.
#[derive(Debug, Clone)]
struct Head {
    /// `event.timestamp`, epoch microseconds.
    at_us: i64,
    firewall: usize,
    flow_id: u64,
    src_ip: String,
    src_port: Option<u16>,
    dest_ip: String,
    dest_port: Option<u16>,
    proto: &'static str,
    app_proto: Option<&'static str>,
}

#[derive(Debug, Clone)]
enum Body {
    Flow {
        pkts: u64,
        bytes: u64,
        start_us: i64,
        age: u64,
        min_ttl: u8,
        max_ttl: u8,
        /// TCP flags seen (`tcp.tcp_flags`), `None` for other protocols.
        tcp: Option<u8>,
        tls_inspected: bool,
    },
    Alert {
        action: &'static str,
        signature_id: u32,
        rev: u32,
        signature: &'static str,
        category: &'static str,
        severity: u8,
        verdict: Option<&'static str>,
        tx_id: Option<u32>,
        direction: &'static str,
        /// `(sni, version)` of an alert on TLS traffic.
        tls: Option<(String, &'static str)>,
    },
    TlsError {
        sni: String,
        message: &'static str,
    },
    Revoked {
        sni: String,
        fpr: String,
        status: &'static str,
        action: &'static str,
    },
}

/// One Network Firewall event.
#[derive(Debug, Clone)]
pub struct Record {
    head: Head,
    body: Body,
}

impl Record {
    /// `event_timestamp`: the whole seconds of the event time.
    fn epoch_seconds(&self) -> i64 {
        self.head.at_us.div_euclid(1_000_000)
    }
}

pub struct NetworkFirewallGen {
    service: DataType,
    log_type: &'static str,
    account: String,
    region: String,
    rngs: Rngs,
    clock: Clock,
    pending: Option<Record>,
    next_flow_id: u64,
    /// The firewall of the current stretch of records (a firewall writes its own files).
    firewall: usize,
}

const SIGNATURES: &[(&str, &str, u8, u32)] = &[
    (
        "deny sni \"bad.example.com\"",
        "Potentially Bad Traffic",
        2,
        1_000_002,
    ),
    (
        "ET POLICY Suspicious inbound to mySQL port 3306",
        "Potentially Bad Traffic",
        2,
        2_010_937,
    ),
    (
        "ET SCAN Potential SSH Scan",
        "Attempted Information Leak",
        2,
        2_001_219,
    ),
    ("GPL ICMP_INFO PING *NIX", "Misc activity", 3, 2_100_366),
    (
        "block domain \u{e9}xample.test (caf\u{e9})",
        "",
        1,
        1_000_010,
    ),
];

const TLS_ERRORS: &[&str] = &[
    "Server name mismatch",
    "SNI not present in the client hello",
    "Unable to get local issuer certificate",
];

fn ipv4(r: &mut SimRng, private: bool) -> String {
    if private {
        format!("10.0.{}.{}", r.random_range(0..4), r.random_range(2..250))
    } else {
        format!(
            "{}.{}.{}.{}",
            pick(r, &[198u8, 203, 192, 45]),
            r.random_range(0..256),
            r.random_range(0..256),
            r.random_range(1..255)
        )
    }
}

fn ipv6(r: &mut SimRng) -> String {
    format!(
        "2001:db8:{:x}::{:x}",
        r.random_range(0..16u32),
        r.random_range(1..0xffffu32)
    )
}

/// `2020-10-13T22:10:01.006481+0000` (flow and alert events, Suricata's form).
fn suricata_time(us: i64) -> String {
    let t = Utc::from_ms(us.div_euclid(1000));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+0000",
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        us.rem_euclid(1_000_000)
    )
}

/// `2024-07-02T18:01:44.412778Z` (TLS events).
fn rfc3339_us(us: i64) -> String {
    let s = suricata_time(us);
    format!("{}Z", &s[..s.len() - 5])
}

/// A table datetime of epoch microseconds (cut to milliseconds).
fn datetime_us(us: i64) -> String {
    format_datetime_ms(us.div_euclid(1000))
}

impl NetworkFirewallGen {
    pub fn new(opts: &GenOptions) -> Self {
        NetworkFirewallGen {
            service: opts.service,
            log_type: log_type(opts.service).expect("a Network Firewall data type"),
            account: opts.account_id.clone(),
            region: opts.region.clone(),
            rngs: Rngs::new(opts),
            clock: Clock::new(opts.start_ms, opts.rate()),
            pending: None,
            next_flow_id: 1_582_438_383_425_873,
            firewall: 0,
        }
    }

    fn zone(&self, firewall: usize) -> String {
        format!("{}{}", self.region, FIREWALLS[firewall].1)
    }

    fn take(&mut self) -> Record {
        if let Some(r) = self.pending.take() {
            return r;
        }
        let ms = self.clock.tick(&mut self.rngs.records);
        let r = &mut self.rngs.records;
        let at_us = ms * 1000 + r.random_range(0..1000);
        self.next_flow_id += r.random_range(1..1_000_000_000);
        let v6 = chance(r, 15);
        let outbound = chance(r, 70);
        let (local, remote) = if v6 {
            (ipv6(r), ipv6(r))
        } else {
            (ipv4(r, true), ipv4(r, false))
        };
        let (src_ip, dest_ip) = if outbound {
            (local, remote)
        } else {
            (remote, local)
        };
        // Traffic stays on one firewall endpoint for a while, then moves to another.
        if chance(r, 3) {
            self.firewall = r.random_range(0..FIREWALLS.len());
        }
        let firewall = self.firewall;
        let ephemeral = r.random_range(32768..61000u16);
        let mut head = Head {
            at_us,
            firewall,
            flow_id: self.next_flow_id,
            src_ip,
            src_port: Some(ephemeral),
            dest_ip,
            dest_port: Some(443),
            proto: "TCP",
            app_proto: None,
        };
        let body = match self.service {
            DataType::NetworkFirewallFlow => {
                let kind = r.random_range(0..10);
                let tcp = match kind {
                    0..=5 => {
                        head.dest_port = Some(*pick(r, &[443u16, 80, 22, 3306]));
                        head.app_proto = Some(match head.dest_port {
                            Some(443) => "tls",
                            Some(80) => "http",
                            Some(22) => "ssh",
                            _ => "unknown",
                        });
                        // SYN alone, a whole connection, or a reset.
                        Some(*pick(r, &[0x02u8, 0x1b, 0x1f, 0x14, 0x12, 0x5a]))
                    }
                    6 | 7 => {
                        head.proto = "UDP";
                        head.dest_port = Some(53);
                        head.app_proto = Some("dns");
                        None
                    }
                    _ => {
                        head.proto = if head.src_ip.contains(':') {
                            "IPv6-ICMP"
                        } else {
                            "ICMP"
                        };
                        head.src_port = None;
                        head.dest_port = None;
                        None
                    }
                };
                let pkts = r.random_range(1..2000u64);
                let age = r.random_range(0..120u64);
                let ttl = *pick(r, &[54u8, 63, 64, 128, 255]);
                Body::Flow {
                    pkts,
                    bytes: pkts * r.random_range(40..1500u64),
                    start_us: at_us
                        - i64::try_from(age).expect("small") * 1_000_000
                        - r.random_range(0..1_000_000),
                    age,
                    min_ttl: ttl - r.random_range(0..3),
                    max_ttl: ttl,
                    tcp,
                    tls_inspected: head.app_proto == Some("tls") && chance(r, 30),
                }
            }
            DataType::NetworkFirewallAlert => {
                let (signature, category, severity, signature_id) = *pick(r, SIGNATURES);
                let icmp = signature.contains("ICMP");
                let tls = (!icmp && chance(r, 50)).then(|| {
                    head.app_proto = Some("tls");
                    let sni = format!("{}.example.com", pick(r, &["bad", "login", "cdn", "api"]));
                    (sni, *pick(r, &["TLS 1.2", "TLS 1.3"]))
                });
                if icmp {
                    head.proto = if head.src_ip.contains(':') {
                        "IPv6-ICMP"
                    } else {
                        "ICMP"
                    };
                    head.src_port = None;
                    head.dest_port = None;
                } else if tls.is_none() {
                    head.dest_port = Some(*pick(r, &[22u16, 3306, 80]));
                    head.app_proto = Some(if head.dest_port == Some(80) {
                        "http"
                    } else {
                        "unknown"
                    });
                }
                let blocked = chance(r, 60);
                Body::Alert {
                    action: if blocked { "blocked" } else { "allowed" },
                    signature_id,
                    rev: r.random_range(0..5),
                    signature,
                    category,
                    severity,
                    verdict: blocked.then_some("drop"),
                    tx_id: (!icmp).then(|| r.random_range(0..3)),
                    direction: if outbound { "to_server" } else { "to_client" },
                    tls,
                }
            }
            _ => {
                let sni = format!("{}.example.org", pick(r, &["www", "shop", "mail"]));
                if chance(r, 60) {
                    let message = *pick(r, TLS_ERRORS);
                    Body::TlsError {
                        sni: if message.starts_with("SNI") {
                            "-".into()
                        } else {
                            sni
                        },
                        message,
                    }
                } else {
                    let fpr = hex(r, 64);
                    let (status, action) = *pick(
                        r,
                        &[
                            ("REVOKED", "DROP"),
                            ("UNKNOWN", "PASS"),
                            ("REVOKED", "REJECT"),
                        ],
                    );
                    Body::Revoked {
                        sni,
                        fpr,
                        status,
                        action,
                    }
                }
            }
        };
        Record { head, body }
    }

    /// The line of `rec`, in the member order of the Developer Guide's examples.
    fn to_json(&self, rec: &Record) -> Value {
        let h = &rec.head;
        let mut e = Map::new();
        let port = |p: Option<u16>| p.map(Value::from);
        let tls_log = matches!(rec.body, Body::TlsError { .. } | Body::Revoked { .. });
        if !tls_log {
            e.insert("timestamp".into(), suricata_time(h.at_us).into());
            e.insert("flow_id".into(), h.flow_id.into());
            e.insert(
                "event_type".into(),
                if matches!(rec.body, Body::Flow { .. }) {
                    "netflow"
                } else {
                    "alert"
                }
                .into(),
            );
            e.insert("src_ip".into(), h.src_ip.clone().into());
            if let Some(p) = port(h.src_port) {
                e.insert("src_port".into(), p);
            }
            e.insert("dest_ip".into(), h.dest_ip.clone().into());
            if let Some(p) = port(h.dest_port) {
                e.insert("dest_port".into(), p);
            }
            e.insert("proto".into(), h.proto.into());
            if let Some(a) = h.app_proto {
                e.insert("app_proto".into(), a.into());
            }
            if h.src_port.is_none() {
                e.insert("icmp_type".into(), 8.into());
                e.insert("icmp_code".into(), 0.into());
            }
        }
        match &rec.body {
            Body::Flow {
                pkts,
                bytes,
                start_us,
                age,
                min_ttl,
                max_ttl,
                tcp,
                tls_inspected,
            } => {
                if *tls_inspected {
                    e.insert("tls_inspected".into(), true.into());
                }
                e.insert(
                    "netflow".into(),
                    json!({
                        "pkts": pkts, "bytes": bytes,
                        "start": suricata_time(*start_us), "end": suricata_time(h.at_us),
                        "age": age, "min_ttl": min_ttl, "max_ttl": max_ttl,
                    }),
                );
                if let Some(bits) = tcp {
                    let mut t = Map::new();
                    t.insert("tcp_flags".into(), format!("{bits:02x}").into());
                    for (bit, name) in TCP_FLAGS {
                        if bits & bit != 0 {
                            t.insert((*name).into(), true.into());
                        }
                    }
                    e.insert("tcp".into(), Value::Object(t));
                }
            }
            Body::Alert {
                action,
                signature_id,
                rev,
                signature,
                category,
                severity,
                verdict,
                tx_id,
                direction,
                tls,
            } => {
                if let Some(tx) = tx_id {
                    e.insert("tx_id".into(), (*tx).into());
                }
                e.insert("direction".into(), (*direction).into());
                e.insert("pkt_src".into(), "wire/pcap".into());
                e.insert(
                    "alert".into(),
                    json!({"action": action, "signature_id": signature_id, "rev": rev, "signature": signature, "category": category, "severity": severity}),
                );
                if let Some(v) = verdict {
                    e.insert("verdict".into(), json!({ "action": v }));
                }
                if let Some((sni, version)) = tls {
                    e.insert(
                        "tls".into(),
                        json!({"subject": format!("CN={sni}"), "issuerdn": "CN=Example CA", "sni": sni, "version": version}),
                    );
                }
            }
            Body::TlsError { sni, message } => {
                e.insert("timestamp".into(), rfc3339_us(h.at_us).into());
                e.insert("src_ip".into(), h.src_ip.clone().into());
                e.insert("src_port".into(), ports_text(h.src_port).into());
                e.insert("dest_ip".into(), h.dest_ip.clone().into());
                e.insert("dest_port".into(), ports_text(h.dest_port).into());
                e.insert("sni".into(), sni.clone().into());
                e.insert("tls_error".into(), json!({ "error_message": message }));
            }
            Body::Revoked {
                sni,
                fpr,
                status,
                action,
            } => {
                e.insert("src_ip".into(), h.src_ip.clone().into());
                e.insert("src_port".into(), ports_text(h.src_port).into());
                e.insert(
                    "revocation_check".into(),
                    json!({"leaf_cert_fpr": fpr, "action": action, "status": status}),
                );
                e.insert("dest_ip".into(), h.dest_ip.clone().into());
                e.insert("dest_port".into(), ports_text(h.dest_port).into());
                e.insert("timestamp".into(), rfc3339_us(h.at_us).into());
                e.insert("sni".into(), sni.clone().into());
            }
        }
        let secs = rec.epoch_seconds();
        json!({
            "firewall_name": FIREWALLS[h.firewall].0,
            "availability_zone": self.zone(h.firewall),
            // A string in flow and alert logs, a number in TLS logs.
            "event_timestamp": if tls_log { Value::from(secs) } else { Value::from(secs.to_string()) },
            "event": Value::Object(e),
        })
    }

    /// The row Sentinel must get for `rec` (see the row structs' docs).
    fn row(&self, rec: &Record) -> TableRow {
        let h = &rec.head;
        let secs = rec.epoch_seconds();
        let when = format_datetime_ms(secs * 1000);
        let name = FIREWALLS[h.firewall].0.to_string();
        let zone = self.zone(h.firewall);
        let n = |v: u64| Some(v.to_string());
        let p = |v: Option<u16>| v.map(|p| p.to_string());
        match &rec.body {
            Body::Flow {
                pkts,
                bytes,
                start_us,
                age,
                min_ttl,
                max_ttl,
                tcp,
                ..
            } => {
                let set = |bit: u8| tcp.and_then(|b| (b & bit != 0).then_some(true));
                TableRow::new(AwsNetworkFirewallFlow {
                    TimeGenerated: when,
                    FirewallName: name,
                    AvailabilityZone: zone,
                    EventTimestamp: secs.to_string(),
                    TCPFlags: tcp.map(|b| format!("{b:02x}")),
                    Syn: set(0x02),
                    Fin: set(0x01),
                    Psh: set(0x08),
                    Ack: set(0x10),
                    Rst: set(0x04),
                    Ecn: set(0x40),
                    AppProto: h.app_proto.map(str::to_string),
                    SrcIp: h.src_ip.clone(),
                    SrcPort: p(h.src_port),
                    NetFlowPkts: n(*pkts),
                    NetFlowBytes: n(*bytes),
                    NetFlowStart: Some(datetime_us(*start_us)),
                    NetFlowEnd: Some(datetime_us(h.at_us)),
                    NetFlowAge: n(*age),
                    NetFlowMinttl: n(u64::from(*min_ttl)),
                    NetFlowMaxttl: n(u64::from(*max_ttl)),
                    EventType: "netflow".into(),
                    FlowId: n(h.flow_id),
                    DestIp: h.dest_ip.clone(),
                    Proto: h.proto.into(),
                    DestPort: p(h.dest_port),
                    Timestamp: Some(datetime_us(h.at_us)),
                })
            }
            Body::Alert {
                action,
                signature_id,
                rev,
                signature,
                category,
                severity,
                verdict,
                tx_id,
                direction,
                tls,
            } => TableRow::new(AwsNetworkFirewallAlert {
                TimeGenerated: when.clone(),
                FirewallName: name,
                AvailabilityZone: zone,
                TxId: tx_id.map(|t| t.to_string()),
                EventTimestamp: when,
                AppProto: h.app_proto.map(str::to_string),
                SrcIp: h.src_ip.clone(),
                SrcPort: p(h.src_port),
                EventType: "alert".into(),
                Severity: n(u64::from(*severity)),
                SignatureId: n(u64::from(*signature_id)),
                Rev: n(u64::from(*rev)),
                Signature: Some((*signature).into()),
                AlertAction: Some((*action).into()),
                Category: Some((*category).into()),
                FlowId: n(h.flow_id),
                DestIp: h.dest_ip.clone(),
                Proto: h.proto.into(),
                VerdictAction: verdict.map(str::to_string),
                Sni: tls.as_ref().map(|t| t.0.clone()),
                Version: tls.as_ref().map(|t| t.1.to_string()),
                DestPort: p(h.dest_port),
                PktSrc: Some("wire/pcap".into()),
                Direction: Some((*direction).into()),
                Timestamp: Some(datetime_us(h.at_us)),
            }),
            Body::TlsError { sni, message } => TableRow::new(AwsNetworkFirewallTls {
                TimeGenerated: when.clone(),
                FirewallName: name,
                AvailabilityZone: zone,
                EventTimestamp: when,
                SrcIp: h.src_ip.clone(),
                SrcPort: p(h.src_port),
                DestIp: h.dest_ip.clone(),
                DestPort: p(h.dest_port),
                Sni: Some(sni.clone()),
                LeafCertificateFingerprint: None,
                Status: None,
                Action: None,
                ErrorMessage: Some((*message).into()),
            }),
            Body::Revoked {
                sni,
                fpr,
                status,
                action,
            } => TableRow::new(AwsNetworkFirewallTls {
                TimeGenerated: when.clone(),
                FirewallName: name,
                AvailabilityZone: zone,
                EventTimestamp: when,
                SrcIp: h.src_ip.clone(),
                SrcPort: p(h.src_port),
                DestIp: h.dest_ip.clone(),
                DestPort: p(h.dest_port),
                Sni: Some(sni.clone()),
                LeafCertificateFingerprint: Some(fpr.clone()),
                Status: Some((*status).into()),
                Action: Some((*action).into()),
                ErrorMessage: None,
            }),
        }
    }
}

/// The flag names of `tcp` in Suricata's netflow events, by bit.
const TCP_FLAGS: &[(u8, &str)] = &[
    (0x01, "fin"),
    (0x02, "syn"),
    (0x04, "rst"),
    (0x08, "psh"),
    (0x10, "ack"),
    (0x20, "urg"),
    (0x40, "ecn"),
    (0x80, "cwr"),
];

/// A port as the TLS log writes it: a string.
fn ports_text(p: Option<u16>) -> String {
    p.map(|p| p.to_string()).unwrap_or_default()
}

impl LogGen for NetworkFirewallGen {
    type Record = Record;

    fn next_object(&mut self, max: u64) -> (String, Vec<Record>) {
        let first = self.take();
        let window = five_minute_floor(first.head.at_us.div_euclid(1000));
        let firewall = first.head.firewall;
        let mut records = vec![first];
        while (records.len() as u64) < max {
            let r = self.take();
            // One file per firewall endpoint and 5-minute window.
            if five_minute_floor(r.head.at_us.div_euclid(1000)) != window
                || r.head.firewall != firewall
            {
                self.pending = Some(r);
                break;
            }
            records.push(r);
        }
        let hash = hex(&mut self.rngs.names, 8);
        let key = networkfirewall_key(
            &self.account,
            &self.region,
            self.log_type,
            FIREWALLS[firewall].0,
            window,
            &hash,
        );
        (key, records)
    }

    fn next_record(&mut self) -> Record {
        self.take()
    }

    fn write_record(&self, w: &mut dyn Write, rec: &Record, _position: u64) -> io::Result<u64> {
        serde_json::to_writer(&mut *w, &self.to_json(rec))?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn write_malformed(&self, w: &mut dyn Write, which: u64, _position: u64) -> io::Result<u64> {
        let other = if self.service == DataType::NetworkFirewallAlert {
            "netflow"
        } else {
            "alert"
        };
        let line = match which % 5 {
            // Cut short.
            0 => r#"{"firewall_name":"egress-fw","availability_zone":"us-east-1a","event_ti"#
                .to_string(),
            1 => "not json at all".to_string(),
            // Not epoch seconds.
            2 => r#"{"firewall_name":"egress-fw","availability_zone":"us-east-1a","event_timestamp":"yesterday","event":{"src_ip":"10.0.0.1","dest_ip":"10.0.0.2","proto":"TCP","event_type":"netflow"}}"#.to_string(),
            // An event of another log type (no row in this table); TLS logs have no event type,
            // so there the line lacks its addresses instead.
            3 if self.service == DataType::NetworkFirewallTls => r#"{"firewall_name":"egress-fw","availability_zone":"us-east-1a","event_timestamp":1772323200,"event":{"sni":"-"}}"#.to_string(),
            3 => format!(
                r#"{{"firewall_name":"egress-fw","availability_zone":"us-east-1a","event_timestamp":"1772323200","event":{{"event_type":"{other}","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","proto":"TCP"}}}}"#
            ),
            _ => "[\"an array, not a record\"]".to_string(),
        };
        w.write_all(line.as_bytes())?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn expected(&self, rec: &Record, key: &str, index: u64, line: Option<u64>) -> ExpectedRecord {
        let row = self.row(rec);
        ExpectedRecord {
            id: format!("{key}#{}", line.unwrap_or(index)),
            index,
            line,
            time_generated: row.time_generated().to_string(),
            expected: row,
        }
    }
}

#[cfg(test)]
#[path = "networkfirewall_tests.rs"]
mod tests;
