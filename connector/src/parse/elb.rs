//! Elastic Load Balancing logs: Application Load Balancer access logs, Network Load Balancer
//! access logs, and the VPC flow logs of Network and Gateway Load Balancer interfaces. All
//! three are gzip text, one record per line, values separated by single spaces.
//!
//! * ALB access logs ([`parse_alb`]): no header. Values that can hold spaces are in double
//!   quotes (`"GET https://example.com:443/a b HTTP/1.1"`, the user agent, the trace ID, ...);
//!   a quoted value ends at a `"` that is not escaped (`\"`) and is followed by a space or the
//!   end of the line, so an escaped or lone `"` inside it stays part of it, and its text is
//!   kept as written (no unescaping).
//!   `-` or `"-"` is absent. Fields map by position to the table's columns (see
//!   `catalogue::tables::AwsAlbAccessLogs`); fields AWS adds after `conn_trace_id` are ignored,
//!   fields a record does not have yet (an older load balancer) are absent. `client:port` and
//!   `target:port` split at the last `:` (IPv6 addresses keep theirs; brackets are removed).
//!   A record with fewer than [`ALB_MIN_FIELDS`] values, an unterminated quote, or a `time`
//!   that is no ISO 8601 UTC time is malformed; a port, status code or byte count that is no
//!   number is a bad value (the row goes out without it).
//! * NLB access logs ([`nlb_line`], one line at a time): no header, no value with spaces (the ALPN preference
//!   list is written `"h2","http/1.1"` and kept so). Fields map by position; `time` may lack
//!   the `Z` (`2018-12-20T02:59:40`, UTC). Fewer than [`NLB_MIN_FIELDS`] values or a bad
//!   `time` is malformed.
//! * ELB flow logs ([`parse_elb_flow`]): a header line naming the fields (the default format:
//!   `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes
//!   start end action log-status`), then records with as many values. Fields map by name; a
//!   field the table has no column for is skipped. `TimeGenerated` and `SStartTime` are
//!   `start`, `EndTime` is `end` (epoch seconds); a record without a numeric `start`, or with
//!   another number of values than the header names, is malformed. `LogType` is the
//!   collector's (`NLB` or `GWLB`).

use std::io::BufRead;
use std::ops::ControlFlow;

use super::{for_each_line, stop_or, utf8, Item, LineError, ObjectError, Position};
use catalogue::tables::{
    parse_datetime_ms, AwsAlbAccessLogs, AwsElbFlowLogs, AwsNlbAccessLogs, DateTimeMs,
};

pub(crate) type AlbRef<'a> = AwsAlbAccessLogs<&'a str, DateTimeMs>;
pub(crate) type NlbRef<'a> = AwsNlbAccessLogs<&'a str, DateTimeMs>;
pub(crate) type ElbFlowRef<'a> = AwsElbFlowLogs<&'a str, DateTimeMs>;

/// An ALB record has at least `type` to `"request"`.
pub const ALB_MIN_FIELDS: usize = 13;
/// An NLB record has at least `type` to `sent_bytes`.
pub const NLB_MIN_FIELDS: usize = 11;

/// Which load balancers' flow logs a collector carries: the `LogType` of its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowKind {
    Nlb,
    Gwlb,
}

impl FlowKind {
    pub fn log_type(self) -> &'static str {
        match self {
            FlowKind::Nlb => "NLB",
            FlowKind::Gwlb => "GWLB",
        }
    }
}

/// The values of one ALB line: quoted values without their quotes.
fn alb_values(text: &str) -> Result<Vec<&str>, String> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(32);
    let mut i = 0;
    while i < b.len() {
        if b[i] == b' ' {
            i += 1;
            continue;
        }
        if b[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            loop {
                match memchr::memchr(b'"', &b[j..]) {
                    None => return Err(format!("value {} has no closing quote", out.len() + 1)),
                    Some(k) => {
                        let at = j + k;
                        let escaped = at > start && b[at - 1] == b'\\';
                        if !escaped && (at + 1 == b.len() || b[at + 1] == b' ') {
                            out.push(&text[start..at]);
                            i = at + 1;
                            break;
                        }
                        j = at + 1;
                    }
                }
            }
        } else {
            let end = memchr::memchr(b' ', &b[i..]).map_or(b.len(), |k| i + k);
            out.push(&text[i..end]);
            i = end;
        }
    }
    Ok(out)
}

fn present(v: &str) -> Option<&str> {
    (v != "-").then_some(v)
}

/// `ip:port` split at the last `:`, `[ip]:port` without the brackets; `None` for `-`.
fn host_port(v: &str) -> Option<(&str, &str)> {
    let v = present(v)?;
    let (ip, port) = v.rsplit_once(':')?;
    let ip = ip
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(ip);
    Some((ip, port))
}

/// An ISO 8601 UTC time with or without its `Z`.
fn iso_time(v: &str, what: &str) -> Result<DateTimeMs, String> {
    let ms = match parse_datetime_ms(v) {
        Some(ms) => Some(ms),
        None if !v.ends_with('Z') && v.len() <= 40 => parse_datetime_ms(&format!("{v}Z")),
        None => None,
    };
    ms.map(DateTimeMs)
        .ok_or_else(|| format!("{what} '{v}' is not an ISO 8601 UTC time"))
}

fn number<T: std::str::FromStr>(v: &str, column: &str, bad: &mut Vec<String>) -> Option<T> {
    let v = present(v)?;
    match v.parse() {
        Ok(n) => Some(n),
        Err(_) => {
            bad.push(format!("{column} '{v}' is not a number"));
            None
        }
    }
}

fn alb_record<'a>(text: &'a str, bad: &mut Vec<String>) -> Result<AlbRef<'a>, String> {
    let v = alb_values(text)?;
    if v.len() < ALB_MIN_FIELDS {
        return Err(format!(
            "{} values, an ALB access log entry has at least {ALB_MIN_FIELDS}",
            v.len()
        ));
    }
    let at = |i: usize| v.get(i).copied().and_then(present);
    let mut row = AlbRef {
        TimeGenerated: iso_time(v[1], "time")?,
        ALBType: v[0],
        Alb: v[2],
        ..AlbRef::default()
    };
    if let Some((ip, port)) = host_port(v[3]) {
        row.ClientIp = Some(ip);
        row.ClientPort = number(port, "ClientPort", bad);
    }
    if let Some((ip, port)) = host_port(v[4]) {
        row.TargetIp = Some(ip);
        row.TargetPort = number(port, "TargetPort", bad);
    }
    row.RequestProcessingTime = at(5);
    row.TargetProcessingTime = at(6);
    row.ResponseProcessingTime = at(7);
    row.ElbStatusCode = number(v[8], "ElbStatusCode", bad);
    row.TargetStatusCode = at(9);
    row.ReceivedBytes = number(v[10], "ReceivedBytes", bad);
    row.SentBytes = number(v[11], "SentBytes", bad);
    row.RequestRaw = at(12);
    row.UserAgent = at(13);
    row.SslCipher = at(14);
    row.SslProtocol = at(15);
    row.TargetGroupArn = at(16);
    row.TraceId = at(17);
    row.DomainName = at(18);
    row.ChosenCertArn = at(19);
    row.MatchedRulePriority = at(20);
    row.RequestCreationTime = at(21);
    row.ActionsExecuted = at(22);
    row.RedirectUrl = at(23);
    row.LambdaErrorReason = at(24);
    row.TargetPortList = at(25);
    row.TargetStatusCodeList = at(26);
    row.Classification = at(27);
    row.ClassificationReason = at(28);
    row.ConnTraceId = at(29);
    Ok(row)
}

fn nlb_record(text: &str) -> Result<NlbRef<'_>, String> {
    let v: Vec<&str> = text.split(' ').filter(|s| !s.is_empty()).collect();
    if v.len() < NLB_MIN_FIELDS {
        return Err(format!(
            "{} values, an NLB access log entry has at least {NLB_MIN_FIELDS}",
            v.len()
        ));
    }
    let at = |i: usize| v.get(i).copied().and_then(present);
    Ok(NlbRef {
        TimeGenerated: iso_time(v[2], "time")?,
        NLBType: v[0],
        Version: v[1],
        Nlb: v[3],
        Listener: at(4),
        ClientIP_Port: at(5),
        TargetIP_Port: at(6),
        Connection_Time: at(7),
        Tls_Handshake_Time: at(8),
        Received_Bytes: at(9),
        Sent_Bytes: at(10),
        Incoming_TLS_Alert: at(11),
        Chosen_Cert_Arn: at(12),
        Chosen_Cert_Serial: at(13),
        TLS_Cipher: at(14),
        TLS_Protocol_Version: at(15),
        TLS_Named_Group: at(16),
        Domain_Name: at(17),
        ALPN_FE_Protocol: at(18),
        ALPN_BE_Protocol: at(19),
        ALPN_Client_Pref_List: at(20),
        TLS_Connection_Creation_Time: at(21),
    })
}

/// Parses ALB access log lines.
pub(super) fn parse_alb(
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Result<(), ObjectError> {
    let mut index = 0u64;
    let mut bad = Vec::new();
    for_each_line(r, |line, bytes| {
        let position = Position {
            line: Some(line),
            index,
        };
        index += 1;
        bad.clear();
        let row = utf8(bytes)
            .map_err(|_| "not UTF-8".to_string())
            .and_then(|t| alb_record(t, &mut bad));
        match row {
            Ok(row) => {
                stop_or(sink(Item::Row(position, &row)))?;
                for reason in bad.drain(..) {
                    stop_or(sink(Item::BadValue(LineError { position, reason })))?;
                }
                Ok(())
            }
            Err(reason) => stop_or(sink(Item::Malformed(LineError { position, reason }))),
        }
    })
}

/// One NLB access log line (the connector's line loop, `parse_lines`, hands them out).
pub(super) fn nlb_line(bytes: &[u8]) -> Result<NlbRef<'_>, String> {
    let text = utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
    nlb_record(text)
}

/// A flow log field the table has a column for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FlowColumn {
    Version,
    AccountId,
    InterfaceId,
    SourceAddress,
    DestinationAddress,
    SourcePort,
    DestinationPort,
    Protocol,
    Packets,
    Bytes,
    Start,
    End,
    Action,
    LogStatus,
}

fn flow_column(name: &str) -> Option<FlowColumn> {
    use FlowColumn as C;
    Some(match name {
        "version" => C::Version,
        "account-id" => C::AccountId,
        "interface-id" => C::InterfaceId,
        "srcaddr" => C::SourceAddress,
        "dstaddr" => C::DestinationAddress,
        "srcport" => C::SourcePort,
        "dstport" => C::DestinationPort,
        "protocol" => C::Protocol,
        "packets" => C::Packets,
        "bytes" => C::Bytes,
        "start" => C::Start,
        "end" => C::End,
        "action" => C::Action,
        "log-status" => C::LogStatus,
        _ => return None,
    })
}

fn epoch_seconds(v: &str, what: &str) -> Result<DateTimeMs, String> {
    v.parse::<i64>()
        .ok()
        .filter(|s| (0..=253_402_300_799).contains(s))
        .map(|s| DateTimeMs(s * 1000))
        .ok_or_else(|| format!("{what} '{v}' is not a time in epoch seconds"))
}

fn flow_record<'a>(
    header: &[Option<FlowColumn>],
    text: &'a str,
    kind: FlowKind,
) -> Result<ElbFlowRef<'a>, String> {
    use FlowColumn as C;
    let mut row = ElbFlowRef {
        LogType: kind.log_type(),
        ..ElbFlowRef::default()
    };
    let mut start = None;
    let mut n = 0usize;
    for v in text.split(' ').filter(|s| !s.is_empty()) {
        let column = header.get(n).copied().flatten();
        n += 1;
        let (Some(c), Some(v)) = (column, present(v)) else {
            continue;
        };
        match c {
            C::Version => row.Version = Some(v),
            C::AccountId => row.AccountId = Some(v),
            C::InterfaceId => row.InterfaceId = Some(v),
            C::SourceAddress => row.SourceAddress = Some(v),
            C::DestinationAddress => row.DestinationAddress = Some(v),
            C::SourcePort => row.SourcePort = Some(v),
            C::DestinationPort => row.DestinationPort = Some(v),
            C::Protocol => row.Protocol = Some(v),
            C::Packets => row.Packets = Some(v),
            C::Bytes => row.Bytes = Some(v),
            C::Start => start = Some(epoch_seconds(v, "start")?),
            C::End => row.EndTime = Some(epoch_seconds(v, "end")?),
            C::Action => row.Action = Some(v),
            C::LogStatus => row.LogStatus = Some(v),
        }
    }
    if n != header.len() {
        return Err(format!(
            "{n} space-separated fields, the header has {}",
            header.len()
        ));
    }
    let start = start.ok_or("no start time".to_string())?;
    row.TimeGenerated = start;
    row.SStartTime = Some(start);
    Ok(row)
}

/// Parses ELB flow log lines (a header line, then records) as `kind`'s.
pub(super) fn parse_elb_flow(
    kind: FlowKind,
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Result<(), ObjectError> {
    let mut header: Option<Vec<Option<FlowColumn>>> = None;
    let mut index = 0u64;
    for_each_line(r, |line, bytes| {
        let Some(columns) = &header else {
            let text = utf8(bytes).map_err(|_| {
                ObjectError::Document("the flow log header line is not UTF-8".into())
            })?;
            let columns: Vec<Option<FlowColumn>> = text
                .split(' ')
                .filter(|t| !t.is_empty())
                .map(|t| flow_column(&t.replace('_', "-")))
                .collect();
            if !columns.contains(&Some(FlowColumn::Start)) {
                return Err(ObjectError::Document(format!(
                    "line {line} is not a flow log header with a start field: '{}'",
                    text.chars().take(120).collect::<String>()
                )));
            }
            header = Some(columns);
            return Ok(());
        };
        let position = Position {
            line: Some(line),
            index,
        };
        index += 1;
        let row = utf8(bytes)
            .map_err(|_| "not UTF-8".to_string())
            .and_then(|t| flow_record(columns, t, kind));
        match row {
            Ok(row) => stop_or(sink(Item::Row(position, &row))),
            Err(reason) => stop_or(sink(Item::Malformed(LineError { position, reason }))),
        }
    })
}

#[cfg(test)]
#[path = "elb_tests.rs"]
mod tests;
