//! AWS Network Firewall logs (flow, alert and TLS) as the log-delivery service writes them to
//! S3: gzip, one JSON object per line, `{"firewall_name", "availability_zone",
//! "event_timestamp", "event": {...}}`. Flow and alert events are Suricata EVE records
//! (`event_type` `netflow` or `alert`); TLS events have no `event_type`.
//!
//! What the connector reads, as the AWS Network Firewall Developer Guide ("Contents of a
//! firewall log", "Logging for TLS inspection") shows it:
//! * `event_timestamp` is epoch seconds, a JSON string in flow and alert logs and a JSON number
//!   in TLS logs: both are read.
//! * Ports, `flow_id`, `tx_id` and the alert's numbers are JSON numbers in flow and alert logs,
//!   and the TLS log writes its ports as strings: the columns are strings, so either is read as
//!   its decimal text. ICMP events have no ports: the port columns are left out.
//! * `event.timestamp`, `event.netflow.start` and `end` are Suricata times
//!   (`2020-10-13T22:10:01.006481+0000`, an offset without a colon) or RFC 3339
//!   (`2024-07-02T18:01:44.412778Z`); microseconds are cut to the milliseconds a table datetime
//!   holds. A time that is neither is a bad value (the row goes out without it).
//! * A flow log line whose `event_type` is not `netflow`, or an alert log line whose
//!   `event_type` is not `alert`, gives no row (Microsoft's transforms keep only those) and is
//!   reported as malformed, as is a line without `firewall_name`, `availability_zone`, a valid
//!   `event_timestamp`, or the event's addresses.
//! * A TCP flag (`event.tcp.syn` ...) that is not a boolean is a bad value.

use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;
use std::ops::ControlFlow;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::{for_each_line, line_text, stop_or, Item, LineError, ObjectError, Position};
use crate::rows::{AnyBool, RowOut, Text};
use catalogue::tables::{
    parse_datetime_ms, AwsNetworkFirewallAlert, AwsNetworkFirewallFlow, AwsNetworkFirewallTls,
    DateTimeMs,
};

/// Which of the three logs an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LogType {
    Flow,
    Alert,
    Tls,
}

/// A JSON string or number, as text: a string is borrowed (or unescaped), a number is its
/// decimal text (as KQL's `tostring` writes it for the integers these logs hold).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Scalar<'a>(Text<'a>);

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor).map(|c| Scalar(Text(c)))
    }
}

fn text(s: Option<Scalar<'_>>) -> Option<Text<'_>> {
    s.map(|s| s.0)
}

#[derive(Deserialize)]
struct LineIn<'a> {
    #[serde(borrow)]
    firewall_name: Text<'a>,
    #[serde(borrow)]
    availability_zone: Text<'a>,
    #[serde(borrow)]
    event_timestamp: Scalar<'a>,
    #[serde(borrow)]
    event: EventIn<'a>,
}

#[derive(Deserialize, Default)]
struct EventIn<'a> {
    #[serde(borrow, default)]
    timestamp: Option<Text<'a>>,
    #[serde(borrow, default)]
    flow_id: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    event_type: Option<Text<'a>>,
    #[serde(borrow, default)]
    src_ip: Option<Text<'a>>,
    #[serde(borrow, default)]
    src_port: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    dest_ip: Option<Text<'a>>,
    #[serde(borrow, default)]
    dest_port: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    proto: Option<Text<'a>>,
    #[serde(borrow, default)]
    app_proto: Option<Text<'a>>,
    #[serde(borrow, default)]
    tx_id: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    pkt_src: Option<Text<'a>>,
    #[serde(borrow, default)]
    direction: Option<Text<'a>>,
    #[serde(borrow, default)]
    netflow: Option<NetflowIn<'a>>,
    #[serde(default)]
    tcp: Option<TcpIn<'a>>,
    #[serde(borrow, default)]
    alert: Option<AlertIn<'a>>,
    #[serde(borrow, default)]
    verdict: Option<VerdictIn<'a>>,
    #[serde(borrow, default)]
    tls: Option<TlsIn<'a>>,
    #[serde(borrow, default)]
    sni: Option<Text<'a>>,
    #[serde(borrow, default)]
    tls_error: Option<TlsErrorIn<'a>>,
    #[serde(borrow, default)]
    revocation_check: Option<RevocationIn<'a>>,
    #[serde(borrow, default)]
    leaf_cert_fpr: Option<Text<'a>>,
    #[serde(borrow, default)]
    status: Option<Text<'a>>,
    #[serde(borrow, default)]
    action: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct NetflowIn<'a> {
    #[serde(borrow, default)]
    pkts: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    bytes: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    start: Option<Text<'a>>,
    #[serde(borrow, default)]
    end: Option<Text<'a>>,
    #[serde(borrow, default)]
    age: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    min_ttl: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    max_ttl: Option<Scalar<'a>>,
}

#[derive(Deserialize)]
struct TcpIn<'a> {
    #[serde(borrow, default)]
    tcp_flags: Option<Text<'a>>,
    #[serde(default)]
    syn: AnyBool,
    #[serde(default)]
    fin: AnyBool,
    #[serde(default)]
    psh: AnyBool,
    #[serde(default)]
    ack: AnyBool,
    #[serde(default)]
    rst: AnyBool,
    #[serde(default)]
    ecn: AnyBool,
}

#[derive(Deserialize)]
struct AlertIn<'a> {
    #[serde(borrow, default)]
    action: Option<Text<'a>>,
    #[serde(borrow, default)]
    signature_id: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    rev: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    signature: Option<Text<'a>>,
    #[serde(borrow, default)]
    category: Option<Text<'a>>,
    #[serde(borrow, default)]
    severity: Option<Scalar<'a>>,
}

#[derive(Deserialize)]
struct VerdictIn<'a> {
    #[serde(borrow, default)]
    action: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct TlsIn<'a> {
    #[serde(borrow, default)]
    sni: Option<Text<'a>>,
    #[serde(borrow, default)]
    version: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct TlsErrorIn<'a> {
    #[serde(borrow, default)]
    error_message: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct RevocationIn<'a> {
    #[serde(borrow, default)]
    leaf_cert_fpr: Option<Text<'a>>,
    #[serde(borrow, default)]
    status: Option<Text<'a>>,
    #[serde(borrow, default)]
    action: Option<Text<'a>>,
}

/// A Suricata or RFC 3339 time as epoch milliseconds (microseconds cut), `None` if it is
/// neither: `2020-10-13T22:10:01.006481+0000`, `2024-07-02T18:01:44.412778Z`.
pub(super) fn event_time(s: &str) -> Option<DateTimeMs> {
    if let Some(ms) = parse_datetime_ms(s) {
        return Some(DateTimeMs(ms));
    }
    // `+HHMM` / `-HHMM` at the end: RFC 3339 wants `+HH:MM`.
    let b = s.as_bytes();
    let n = b.len();
    if n > 5 && matches!(b[n - 5], b'+' | b'-') && b[n - 4..].iter().all(u8::is_ascii_digit) {
        let fixed = format!("{}:{}", &s[..n - 2], &s[n - 2..]);
        return parse_datetime_ms(&fixed).map(DateTimeMs);
    }
    None
}

/// `event_timestamp` (epoch seconds) as a table datetime.
fn epoch_seconds(s: &str) -> Result<DateTimeMs, String> {
    let ok = !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit());
    match ok.then(|| s.parse::<i64>()) {
        Some(Ok(secs)) => Ok(DateTimeMs(secs * 1000)),
        _ => Err(format!("event_timestamp '{s}' is not epoch seconds")),
    }
}

/// The bad values of one line: why each column was left out.
type BadValues = Vec<String>;

fn time_column(
    v: Option<Text<'_>>,
    column: &'static str,
    member: &str,
    bad: &mut BadValues,
) -> Option<DateTimeMs> {
    let v = v?;
    let t = event_time(&v);
    if t.is_none() {
        bad.push(format!(
            "{column} left out: {member} '{}' is not a time",
            &*v
        ));
    }
    t
}

fn flag(v: AnyBool, column: &'static str, bad: &mut BadValues) -> Option<bool> {
    if let AnyBool::NotBool(what) = &v {
        bad.push(format!(
            "{column} left out: event.tcp.{} {what} is not a boolean",
            column.to_lowercase()
        ));
    }
    v.value()
}

fn required<'a>(v: Option<Text<'a>>, member: &str) -> Result<Text<'a>, String> {
    v.ok_or_else(|| format!("no {member}"))
}

/// The row of one line of a `log` object, with the values it was handed out without; `Err`
/// says why the line gives no row.
fn map_line<'a>(
    log: LogType,
    line: &'a [u8],
    emit: &mut dyn FnMut(&dyn RowOut) -> ControlFlow<()>,
) -> Result<(ControlFlow<()>, BadValues), String> {
    let l: LineIn = serde_json::from_str(line_text(line)?)
        .map_err(|e| format!("not a Network Firewall log record: {e}"))?;
    let when = epoch_seconds(&l.event_timestamp.0)?;
    let e = l.event;
    let want = match log {
        LogType::Flow => Some("netflow"),
        LogType::Alert => Some("alert"),
        LogType::Tls => None,
    };
    if let Some(want) = want {
        let got = e.event_type.as_deref().unwrap_or("");
        if got != want {
            return Err(format!(
                "event_type '{got}' in a {} log: only '{want}' events are rows of it",
                match log {
                    LogType::Flow => "flow",
                    LogType::Alert => "alert",
                    LogType::Tls => "TLS",
                }
            ));
        }
    }
    let src_ip = required(e.src_ip, "event.src_ip")?;
    let dest_ip = required(e.dest_ip, "event.dest_ip")?;
    let mut bad = BadValues::new();
    let timestamp = time_column(e.timestamp, "Timestamp", "event.timestamp", &mut bad);
    let flow = match log {
        LogType::Flow => {
            let proto = required(e.proto, "event.proto")?;
            let n = e.netflow;
            let (pkts, bytes, start, end, age, min_ttl, max_ttl) = match n {
                Some(n) => (n.pkts, n.bytes, n.start, n.end, n.age, n.min_ttl, n.max_ttl),
                None => (None, None, None, None, None, None, None),
            };
            let tcp = e.tcp.unwrap_or(TcpIn {
                tcp_flags: None,
                syn: AnyBool::Absent,
                fin: AnyBool::Absent,
                psh: AnyBool::Absent,
                ack: AnyBool::Absent,
                rst: AnyBool::Absent,
                ecn: AnyBool::Absent,
            });
            let row: AwsNetworkFirewallFlow<Text<'_>, DateTimeMs> = AwsNetworkFirewallFlow {
                TimeGenerated: when,
                FirewallName: l.firewall_name,
                AvailabilityZone: l.availability_zone,
                EventTimestamp: l.event_timestamp.0,
                TCPFlags: tcp.tcp_flags,
                Syn: flag(tcp.syn, "Syn", &mut bad),
                Fin: flag(tcp.fin, "Fin", &mut bad),
                Psh: flag(tcp.psh, "Psh", &mut bad),
                Ack: flag(tcp.ack, "Ack", &mut bad),
                Rst: flag(tcp.rst, "Rst", &mut bad),
                Ecn: flag(tcp.ecn, "Ecn", &mut bad),
                AppProto: e.app_proto,
                SrcIp: src_ip,
                SrcPort: text(e.src_port),
                NetFlowPkts: text(pkts),
                NetFlowBytes: text(bytes),
                NetFlowStart: time_column(start, "NetFlowStart", "event.netflow.start", &mut bad),
                NetFlowEnd: time_column(end, "NetFlowEnd", "event.netflow.end", &mut bad),
                NetFlowAge: text(age),
                NetFlowMinttl: text(min_ttl),
                NetFlowMaxttl: text(max_ttl),
                EventType: Text(Cow::Borrowed("netflow")),
                FlowId: text(e.flow_id),
                DestIp: dest_ip,
                Proto: proto,
                DestPort: text(e.dest_port),
                Timestamp: timestamp,
            };
            emit(&row)
        }
        LogType::Alert => {
            let proto = required(e.proto, "event.proto")?;
            let a = e.alert;
            let (action, signature_id, rev, signature, category, severity) = match a {
                Some(a) => (
                    a.action,
                    a.signature_id,
                    a.rev,
                    a.signature,
                    a.category,
                    a.severity,
                ),
                None => (None, None, None, None, None, None),
            };
            let (sni, version) = match e.tls {
                Some(t) => (t.sni, t.version),
                None => (None, None),
            };
            let row: AwsNetworkFirewallAlert<Text<'_>, DateTimeMs> = AwsNetworkFirewallAlert {
                TimeGenerated: when,
                FirewallName: l.firewall_name,
                AvailabilityZone: l.availability_zone,
                TxId: text(e.tx_id),
                EventTimestamp: when,
                AppProto: e.app_proto,
                SrcIp: src_ip,
                SrcPort: text(e.src_port),
                EventType: Text(Cow::Borrowed("alert")),
                Severity: text(severity),
                SignatureId: text(signature_id),
                Rev: text(rev),
                Signature: signature,
                AlertAction: action,
                Category: category,
                FlowId: text(e.flow_id),
                DestIp: dest_ip,
                Proto: proto,
                VerdictAction: e.verdict.and_then(|v| v.action),
                Sni: sni,
                Version: version,
                DestPort: text(e.dest_port),
                PktSrc: e.pkt_src,
                Direction: e.direction,
                Timestamp: timestamp,
            };
            emit(&row)
        }
        LogType::Tls => {
            let (fpr, status, action) = match e.revocation_check {
                Some(r) => (r.leaf_cert_fpr, r.status, r.action),
                None => (None, None, None),
            };
            let row: AwsNetworkFirewallTls<Text<'_>, DateTimeMs> = AwsNetworkFirewallTls {
                TimeGenerated: when,
                FirewallName: l.firewall_name,
                AvailabilityZone: l.availability_zone,
                EventTimestamp: when,
                SrcIp: src_ip,
                SrcPort: text(e.src_port),
                DestIp: dest_ip,
                DestPort: text(e.dest_port),
                Sni: e.sni,
                LeafCertificateFingerprint: fpr.or(e.leaf_cert_fpr),
                Status: status.or(e.status),
                Action: action.or(e.action),
                ErrorMessage: e.tls_error.and_then(|t| t.error_message),
            };
            emit(&row)
        }
    };
    Ok((flow, bad))
}

/// Parses one object of `log`: a row per line, malformed lines and bad values reported.
pub(super) fn parse_networkfirewall(
    log: LogType,
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Result<(), ObjectError> {
    let mut index = 0u64;
    for_each_line(r, |line, bytes| {
        let position = Position {
            line: Some(line),
            index,
        };
        index += 1;
        let mapped = map_line(log, bytes, &mut |row| sink(Item::Row(position, row)));
        let flow = match mapped {
            Ok((ControlFlow::Continue(()), bad)) => {
                let mut flow = ControlFlow::Continue(());
                for reason in bad {
                    flow = sink(Item::BadValue(LineError { position, reason }));
                    if flow.is_break() {
                        break;
                    }
                }
                flow
            }
            Ok((stop, _)) => stop,
            Err(reason) => sink(Item::Malformed(LineError { position, reason })),
        };
        stop_or(flow)
    })
}

#[cfg(test)]
#[path = "networkfirewall_tests.rs"]
pub(crate) mod tests;
