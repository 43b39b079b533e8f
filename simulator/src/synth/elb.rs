//! Elastic Load Balancing logs as the load balancers deliver them to S3, one gzip object per
//! load balancer node and 5-minute interval, under the key prefix the load balancer (or flow
//! log) was given:
//!
//! * ALB access logs: `<prefix>/AWSLogs/<acct>/elasticloadbalancing/<region>/YYYY/MM/DD/<acct>_elasticloadbalancing_<region>_app.<name>.<id>_<end YYYYMMDDTHHmmZ>_<node ip>_<random>.log.gz`,
//!   one entry per line, no header, space-separated with quoted values (`"request"`,
//!   `"user_agent"`, ...). Edge cases: every request type (`http`, `https`, `h2`, `grpcs`,
//!   `ws`, `wss`), requests that reached no target (`-` target, `-1` times, 460/502/503),
//!   IPv6 clients, user agents with spaces and quotes, redirects with their URL, Lambda
//!   targets with an error reason, desync classification (`Ambiguous`, `Severe`), entries
//!   written before `conn_trace_id` existed, and entries with the fields AWS added after it
//!   (written `-`, which the table has no column for).
//! * NLB access logs: the same layout with `net.<name>.<id>`, TLS listeners only (`tls 2.0`),
//!   `time` without a fraction; edge cases: failed handshakes (`incoming_tls_alert`, no
//!   cipher), IPv6 clients (`[ip]:port`), ALPN lists (`"h2","http/1.1"`).
//! * Flow logs of the load balancers' interfaces (NLB and GWLB): the VPC flow log layout
//!   `<prefix>/AWSLogs/<acct>/vpcflowlogs/<region>/YYYY/MM/DD/<acct>_vpcflowlogs_<region>_<fl-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz`
//!   in the default format (version 2, its header line first); NODATA and SKIPDATA records,
//!   IPv6 flows, REJECTs; GWLB flows are GENEVE (UDP 6081) between the appliance and the
//!   load balancer.
//!
//! The node IP, the load balancer's IDs and the flow log's ID are drawn once per run; the
//! random part of a name again on the (rare) collision with an earlier key.

use std::collections::HashSet;
use std::io::{self, Write};

use rand::Rng;

use super::keys::{five_minute_floor, vpc_key, Utc};
use super::manifest::ExpectedRecord;
use super::rng::{alnum, chance, hex, pick, weighted, Clock};
use super::{GenOptions, LogGen, Rngs};
use crate::tables::{
    format_datetime_ms, AwsAlbAccessLogs, AwsElbFlowLogs, AwsNlbAccessLogs, TableRow,
};
use catalogue::DataType;

/// The default flow log format's header (version 2).
pub const FLOW_HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

/// Which ELB log this generator writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Alb,
    Nlb,
    Flow { gwlb: bool },
}

/// One simulated record: its line as written, the row it must become, its time.
#[derive(Debug, Clone)]
pub struct Record {
    ms: i64,
    line: String,
    row: TableRow,
}

/// ELB log generator (one of the four collectors).
pub struct ElbGen {
    kind: Kind,
    account: String,
    region: String,
    prefix: String,
    /// `app/<name>/<id>` or `net/<name>/<id>`.
    lb: String,
    node_ip: String,
    flow_log_id: String,
    interfaces: Vec<String>,
    target_group: String,
    rngs: Rngs,
    clock: Clock,
    pending: Option<Record>,
    used_keys: HashSet<String>,
}

const AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "ELB-HealthChecker/2.0",
    // Quotes inside the quoted value, escaped.
    r#"Scanner \"probe\" v1"#,
];
const PATHS: &[&str] = &[
    "/",
    "/index.html",
    "/api/v1/orders?id=42",
    "/api/v1/search?q=load%20balancer",
    "/static/app.js",
    "/login",
    "/grpc.health.v1.Health/Check",
];

fn ipv4(r: &mut super::rng::SimRng) -> String {
    format!(
        "{}.{}.{}.{}",
        pick(r, &[198u8, 203, 192, 81, 45]),
        r.random_range(0..=255),
        r.random_range(0..=255),
        r.random_range(1..255)
    )
}

fn ipv6(r: &mut super::rng::SimRng) -> String {
    format!(
        "2001:db8:{:x}:{:x}::{:x}",
        r.random_range(0x100..0xffff),
        r.random_range(0..0xffff),
        r.random_range(1..0xffff)
    )
}

fn quoted(v: &Option<String>) -> String {
    format!("\"{}\"", v.as_deref().unwrap_or("-"))
}

fn plain(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("-")
}

impl ElbGen {
    pub fn new(opts: &GenOptions) -> Self {
        let kind = match opts.service {
            DataType::ElbAlb => Kind::Alb,
            DataType::ElbNlb => Kind::Nlb,
            DataType::ElbNlbFlow => Kind::Flow { gwlb: false },
            DataType::ElbGwlbFlow => Kind::Flow { gwlb: true },
            other => unreachable!("{other} is no ELB log"),
        };
        let mut rngs = Rngs::new(opts);
        let r = &mut rngs.names;
        let lb = match kind {
            Kind::Alb => format!("app/sentinel-web/{}", hex(r, 16)),
            Kind::Nlb => format!("net/sentinel-tls/{}", hex(r, 16)),
            Kind::Flow { gwlb: false } => format!("net/sentinel-nlb/{}", hex(r, 16)),
            Kind::Flow { gwlb: true } => format!("gwy/sentinel-gwlb/{}", hex(r, 16)),
        };
        let node_ip = format!("10.0.{}.{}", r.random_range(0..16), r.random_range(4..250));
        let flow_log_id = format!("fl-{}", hex(r, 17));
        let interfaces = (0..3).map(|_| format!("eni-{}", hex(r, 17))).collect();
        let target_group = format!(
            "arn:aws:elasticloadbalancing:{}:{}:targetgroup/sentinel-web/{}",
            opts.region,
            opts.account_id,
            hex(r, 16)
        );
        ElbGen {
            kind,
            account: opts.account_id.clone(),
            region: opts.region.clone(),
            prefix: opts.key_prefix.clone(),
            lb,
            node_ip,
            flow_log_id,
            interfaces,
            target_group,
            clock: Clock::new(opts.start_ms, opts.rate()),
            rngs,
            pending: None,
            used_keys: HashSet::new(),
        }
    }

    fn generate(&mut self) -> Record {
        let ms = self.clock.tick(&mut self.rngs.records);
        match self.kind {
            Kind::Alb => self.alb(ms),
            Kind::Nlb => self.nlb(ms.div_euclid(1000) * 1000),
            Kind::Flow { gwlb } => self.flow(ms.div_euclid(1000) * 1000, gwlb),
        }
    }

    fn alb(&mut self, ms: i64) -> Record {
        let r = &mut self.rngs.records;
        let s = |v: &str| Some(v.to_string());
        let micros: u32 = r.random_range(0..1000);
        let t = Utc::from_ms(ms);
        let time = format!("{}.{:03}{micros:03}Z", &t.iso_seconds()[..19], t.milli);
        let kind = *weighted(
            r,
            &[
                (30, "http"),
                (45, "https"),
                (15, "h2"),
                (4, "grpcs"),
                (3, "ws"),
                (3, "wss"),
            ],
        );
        let tls = kind != "http" && kind != "ws";
        let v6 = chance(r, 15);
        let client_ip = if v6 { ipv6(r) } else { ipv4(r) };
        let client_port: i32 = r.random_range(1024..65535);
        let lambda = chance(r, 5);
        let (status, reached) = *weighted(
            r,
            &[
                (70, (200, true)),
                (8, (301, false)),
                (5, (404, true)),
                (4, (460, false)),
                (4, (502, lambda)),
                (3, (503, false)),
                (6, (500, true)),
            ],
        );
        let redirect = status == 301;
        let target = (reached && !lambda).then(|| {
            (
                format!("10.0.{}.{}", r.random_range(1..4), r.random_range(4..250)),
                *pick(r, &[80i32, 8080, 8443]),
            )
        });
        let time_of = |r: &mut super::rng::SimRng| format!("0.{:03}", r.random_range(0..900));
        let (req_t, tgt_t, resp_t) = if reached {
            (time_of(r), time_of(r), time_of(r))
        } else {
            ("-1".to_string(), "-1".to_string(), "-1".to_string())
        };
        let target_status = reached.then(|| status.to_string());
        let (scheme, port) = if tls { ("https", 443) } else { ("http", 80) };
        let path = *pick(r, PATHS);
        let method = *weighted(r, &[(75, "GET"), (20, "POST"), (5, "PUT")]);
        let version = if kind == "h2" || kind == "grpcs" {
            "HTTP/2.0"
        } else {
            "HTTP/1.1"
        };
        let request = format!("{method} {scheme}://www.example.com:{port}{path} {version}");
        let agent = chance(r, 95).then(|| pick(r, AGENTS).to_string());
        let (cipher, protocol) = if tls {
            *pick(
                r,
                &[
                    ("ECDHE-RSA-AES128-GCM-SHA256", "TLSv1.2"),
                    ("TLS_AES_128_GCM_SHA256", "TLSv1.3"),
                ],
            )
        } else {
            ("-", "-")
        };
        let trace = format!("Root=1-{:08x}-{}", ms / 1000, hex(r, 24));
        let cert = tls.then(|| {
            format!(
                "arn:aws:acm:{}:{}:certificate/{}",
                self.region,
                self.account,
                super::rng::uuid(r)
            )
        });
        let actions = if redirect {
            "redirect"
        } else if lambda {
            "forward"
        } else if status == 460 {
            "-"
        } else {
            "waf,forward"
        };
        let redirect_url = redirect.then(|| format!("https://www.example.com:443{path}"));
        let error_reason = (lambda && status == 502).then(|| "LambdaInvalidResponse".to_string());
        let (classification, reason) = match r.random_range(0..100) {
            0..=2 => (s("Ambiguous"), s("UndefinedContentLengthSemantics")),
            3 => (s("Severe"), s("BadContentLength")),
            _ => (None, None),
        };
        let conn_trace = chance(r, 90).then(|| format!("TID_{}", hex(r, 32)));
        let later_fields = conn_trace.is_some() && chance(r, 20);
        let target_port = target.as_ref().map(|(ip, p)| format!("{ip}:{p}"));
        let row = AwsAlbAccessLogs {
            TimeGenerated: format_datetime_ms(ms),
            ALBType: kind.to_string(),
            Alb: self.lb.clone(),
            ClientIp: Some(client_ip.clone()),
            ClientPort: Some(client_port),
            TargetIp: target.as_ref().map(|(ip, _)| ip.clone()),
            TargetPort: target.as_ref().map(|(_, p)| *p),
            RequestProcessingTime: Some(req_t.clone()),
            TargetProcessingTime: Some(tgt_t.clone()),
            ResponseProcessingTime: Some(resp_t.clone()),
            ElbStatusCode: Some(status),
            TargetStatusCode: target_status.clone(),
            ReceivedBytes: Some(r.random_range(80..4000)),
            SentBytes: Some(r.random_range(100..90_000)),
            RequestRaw: Some(request),
            UserAgent: agent,
            SslCipher: tls.then(|| cipher.to_string()),
            SslProtocol: tls.then(|| protocol.to_string()),
            TargetGroupArn: (reached || redirect).then(|| self.target_group.clone()),
            TraceId: Some(trace),
            DomainName: tls.then(|| "www.example.com".to_string()),
            ChosenCertArn: cert,
            MatchedRulePriority: Some(if redirect { "1" } else { "0" }.to_string()),
            RequestCreationTime: Some(format!(
                "{}.{:03}000Z",
                &Utc::from_ms(ms - 40).iso_seconds()[..19],
                Utc::from_ms(ms - 40).milli
            )),
            ActionsExecuted: (actions != "-").then(|| actions.to_string()),
            RedirectUrl: redirect_url,
            LambdaErrorReason: error_reason,
            TargetPortList: target_port.clone(),
            TargetStatusCodeList: target_status,
            Classification: classification,
            ClassificationReason: reason,
            ConnTraceId: conn_trace,
        };
        let port = |p: Option<i32>| p.map(|p| p.to_string());
        let mut line = format!(
            "{} {time} {} {client_ip}:{client_port} {} {req_t} {tgt_t} {resp_t} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {}",
            row.ALBType,
            row.Alb,
            match &target {
                Some((ip, p)) => format!("{ip}:{p}"),
                None => "-".into(),
            },
            plain(&port(row.ElbStatusCode)),
            plain(&row.TargetStatusCode),
            plain(&row.ReceivedBytes.map(|b| b.to_string())),
            plain(&row.SentBytes.map(|b| b.to_string())),
            quoted(&row.RequestRaw),
            quoted(&row.UserAgent),
            plain(&row.SslCipher),
            plain(&row.SslProtocol),
            plain(&row.TargetGroupArn),
            quoted(&row.TraceId),
            quoted(&row.DomainName),
            quoted(&row.ChosenCertArn),
            plain(&row.MatchedRulePriority),
            plain(&row.RequestCreationTime),
            quoted(&row.ActionsExecuted),
            quoted(&row.RedirectUrl),
            quoted(&row.LambdaErrorReason),
            quoted(&row.TargetPortList),
            quoted(&row.TargetStatusCodeList),
            quoted(&row.Classification),
            quoted(&row.ClassificationReason),
        );
        if let Some(id) = &row.ConnTraceId {
            line.push(' ');
            line.push_str(id);
        }
        if later_fields {
            line.push_str(" \"-\" \"-\" \"-\"");
        }
        Record {
            ms,
            line,
            row: TableRow::new(row),
        }
    }

    fn nlb(&mut self, ms: i64) -> Record {
        let r = &mut self.rngs.records;
        let t = Utc::from_ms(ms);
        let time = t.iso_seconds()[..19].to_string();
        let client = if chance(r, 15) {
            format!("[{}]:{}", ipv6(r), r.random_range(1024..65535))
        } else {
            format!("{}:{}", ipv4(r), r.random_range(1024..65535))
        };
        let target = format!(
            "10.0.{}.{}:443",
            r.random_range(1..4),
            r.random_range(4..250)
        );
        let failed = chance(r, 6);
        let s = |v: &str| Some(v.to_string());
        let created =
            Utc::from_ms(ms - r.random_range(1000..30_000)).iso_seconds()[..19].to_string();
        let listener = hex(r, 16);
        let (alert, cipher, protocol, group, fe, be, prefs) = if failed {
            (
                s(pick::<&str>(
                    r,
                    &["UnknownCA", "HandshakeFailure", "ProtocolVersion"],
                )),
                None,
                None,
                None,
                None,
                None,
                None,
            )
        } else {
            let (c, p) = *pick(
                r,
                &[
                    ("ECDHE-RSA-AES128-GCM-SHA256", "tlsv12"),
                    ("TLS_AES_128_GCM_SHA256", "tlsv13"),
                ],
            );
            let alpn = chance(r, 50);
            (
                None,
                s(c),
                s(p),
                (p == "tlsv13").then(|| "x25519".to_string()),
                alpn.then(|| "h2".to_string()),
                alpn.then(|| "h2".to_string()),
                alpn.then(|| "\"h2\",\"http/1.1\"".to_string()),
            )
        };
        let (received, sent) = if failed {
            ("0".to_string(), "0".to_string())
        } else {
            (
                r.random_range(90..9000).to_string(),
                r.random_range(200..90_000).to_string(),
            )
        };
        let row = AwsNlbAccessLogs {
            TimeGenerated: format_datetime_ms(ms),
            NLBType: "tls".into(),
            Version: "2.0".into(),
            Nlb: self.lb.clone(),
            Listener: Some(listener),
            ClientIP_Port: Some(client),
            TargetIP_Port: Some(target),
            Connection_Time: Some(r.random_range(1..60_000).to_string()),
            Tls_Handshake_Time: (!failed).then(|| r.random_range(1..40).to_string()),
            Received_Bytes: Some(received),
            Sent_Bytes: Some(sent),
            Incoming_TLS_Alert: alert,
            Chosen_Cert_Arn: Some(format!(
                "arn:aws:acm:{}:{}:certificate/{}",
                self.region,
                self.account,
                super::rng::uuid(r)
            )),
            Chosen_Cert_Serial: None,
            TLS_Cipher: cipher,
            TLS_Protocol_Version: protocol,
            TLS_Named_Group: group,
            Domain_Name: Some("api.example.com".into()),
            ALPN_FE_Protocol: fe,
            ALPN_BE_Protocol: be,
            ALPN_Client_Pref_List: prefs,
            TLS_Connection_Creation_Time: Some(created),
        };
        let line = [
            Some(row.NLBType.clone()),
            Some(row.Version.clone()),
            Some(time),
            Some(row.Nlb.clone()),
            row.Listener.clone(),
            row.ClientIP_Port.clone(),
            row.TargetIP_Port.clone(),
            row.Connection_Time.clone(),
            row.Tls_Handshake_Time.clone(),
            row.Received_Bytes.clone(),
            row.Sent_Bytes.clone(),
            row.Incoming_TLS_Alert.clone(),
            row.Chosen_Cert_Arn.clone(),
            row.Chosen_Cert_Serial.clone(),
            row.TLS_Cipher.clone(),
            row.TLS_Protocol_Version.clone(),
            row.TLS_Named_Group.clone(),
            row.Domain_Name.clone(),
            row.ALPN_FE_Protocol.clone(),
            row.ALPN_BE_Protocol.clone(),
            row.ALPN_Client_Pref_List.clone(),
            row.TLS_Connection_Creation_Time.clone(),
        ]
        .iter()
        .map(|v| plain(v).to_string())
        .collect::<Vec<_>>()
        .join(" ");
        Record {
            ms,
            line,
            row: TableRow::new(row),
        }
    }

    fn flow(&mut self, ms: i64, gwlb: bool) -> Record {
        let r = &mut self.rngs.records;
        let eni = pick(r, &self.interfaces).clone();
        let start = ms / 1000;
        let end = start + r.random_range(1..60);
        let status = *weighted(r, &[(90, "OK"), (7, "NODATA"), (3, "SKIPDATA")]);
        let s = |v: String| Some(v);
        let mut row = AwsElbFlowLogs {
            TimeGenerated: format_datetime_ms(start * 1000),
            Version: s("2".into()),
            AccountId: s(self.account.clone()),
            InterfaceId: s(eni),
            SStartTime: Some(format_datetime_ms(start * 1000)),
            EndTime: Some(format_datetime_ms(end * 1000)),
            LogStatus: s(status.into()),
            LogType: if gwlb { "GWLB" } else { "NLB" }.into(),
            ..AwsElbFlowLogs::default()
        };
        if status == "OK" {
            let v6 = chance(r, 10);
            let lb_ip = if v6 {
                format!(
                    "2600:1f18:{:x}::{:x}",
                    r.random_range(1..0xfff),
                    r.random_range(1..0xffff)
                )
            } else {
                format!("10.0.{}.{}", r.random_range(1..4), r.random_range(4..250))
            };
            let peer = if v6 { ipv6(r) } else { ipv4(r) };
            let (protocol, lb_port, peer_port) = if gwlb {
                ("17", 6081u32, 6081u32)
            } else {
                (
                    "6",
                    *pick(r, &[443u32, 8443, 5432]),
                    r.random_range(1024..65535),
                )
            };
            let inbound = chance(r, 50);
            let (src, dst, sp, dp) = if inbound {
                (peer, lb_ip, peer_port, lb_port)
            } else {
                (lb_ip, peer, lb_port, peer_port)
            };
            let packets: u32 = r.random_range(1..400);
            row.SourceAddress = s(src);
            row.DestinationAddress = s(dst);
            row.SourcePort = s(sp.to_string());
            row.DestinationPort = s(dp.to_string());
            row.Protocol = s(protocol.into());
            row.Packets = s(packets.to_string());
            row.Bytes = s((u64::from(packets) * r.random_range(40..1500)).to_string());
            row.Action = s(if chance(r, 8) { "REJECT" } else { "ACCEPT" }.into());
        }
        let line = [
            &row.Version,
            &row.AccountId,
            &row.InterfaceId,
            &row.SourceAddress,
            &row.DestinationAddress,
            &row.SourcePort,
            &row.DestinationPort,
            &row.Protocol,
            &row.Packets,
            &row.Bytes,
            &Some(start.to_string()),
            &Some(end.to_string()),
            &row.Action,
            &row.LogStatus,
        ]
        .iter()
        .map(|v| plain(v).to_string())
        .collect::<Vec<_>>()
        .join(" ");
        Record {
            ms: start * 1000,
            line,
            row: TableRow::new(row),
        }
    }

    fn take(&mut self) -> Record {
        match self.pending.take() {
            Some(r) => r,
            None => self.generate(),
        }
    }

    /// The key of an object of the 5-minute interval of `ms`.
    fn key(&mut self, ms: i64) -> String {
        let window = five_minute_floor(ms);
        loop {
            let key = match self.kind {
                Kind::Alb | Kind::Nlb => {
                    let end = Utc::from_ms(window + 300_000);
                    let file_lb = self.lb.replace('/', ".");
                    format!(
                        "AWSLogs/{acct}/elasticloadbalancing/{region}/{date}/{acct}_elasticloadbalancing_{region}_{file_lb}_{end}_{ip}_{random}.log.gz",
                        acct = self.account,
                        region = self.region,
                        date = Utc::from_ms(window).date_path(),
                        end = end.compact_minute(),
                        ip = self.node_ip,
                        random = alnum(&mut self.rngs.names, 8).to_lowercase(),
                    )
                }
                Kind::Flow { .. } => vpc_key(
                    &self.account,
                    &self.region,
                    &self.flow_log_id,
                    window,
                    &hex(&mut self.rngs.names, 8),
                    false,
                ),
            };
            let key = format!("{}{key}", self.prefix);
            if self.used_keys.insert(key.clone()) {
                return key;
            }
        }
    }
}

impl LogGen for ElbGen {
    type Record = Record;

    fn next_object(&mut self, max: u64) -> (String, Vec<Record>) {
        let first = self.take();
        let key = self.key(first.ms);
        let window = five_minute_floor(first.ms);
        let mut records = vec![first];
        while (records.len() as u64) < max {
            let r = self.take();
            if five_minute_floor(r.ms) != window {
                self.pending = Some(r);
                break;
            }
            records.push(r);
        }
        (key, records)
    }

    fn next_record(&mut self) -> Record {
        self.take()
    }

    fn write_header(&self, w: &mut dyn Write) -> io::Result<u64> {
        match self.kind {
            Kind::Flow { .. } => {
                writeln!(w, "{FLOW_HEADER}")?;
                Ok(1)
            }
            Kind::Alb | Kind::Nlb => Ok(0),
        }
    }

    fn write_record(&self, w: &mut dyn Write, rec: &Record, _position: u64) -> io::Result<u64> {
        w.write_all(rec.line.as_bytes())?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn write_malformed(&self, w: &mut dyn Write, which: u64, _position: u64) -> io::Result<u64> {
        let line = match (self.kind, which % 3) {
            // Too few values.
            (Kind::Alb, 0) => "https 2026-03-01T00:00:00.000000Z app/x/1 192.0.2.1:1".to_string(),
            // A quoted value that never closes.
            (Kind::Alb, 1) => format!(
                "http 2026-03-01T00:00:00.000000Z {} 192.0.2.1:1 - -1 -1 -1 400 - 0 0 \"GET http://x:80/ HTTP/1.1 - - -",
                self.lb
            ),
            // No time.
            (Kind::Alb, _) => format!(
                "http yesterday {} 192.0.2.1:1 - -1 -1 -1 400 - 0 0 \"-\" \"-\" - -",
                self.lb
            ),
            (Kind::Nlb, 0) => "tls 2.0 2026-03-01T00:00:00".to_string(),
            (Kind::Nlb, 1) => format!("tls 2.0 noon {} l 192.0.2.1:1 10.0.0.1:443 1 1 0 0", self.lb),
            (Kind::Nlb, _) => format!("tls 2.0 2026-13-45T99:00:00 {} l 192.0.2.1:1 10.0.0.1:443 1 1 0 0", self.lb),
            (Kind::Flow { .. }, 0) => "2 123456789012 eni-0 10.0.0.1".to_string(),
            (Kind::Flow { .. }, 1) => format!("2 {} eni-0 - - - - - - - soon later - NODATA", self.account),
            (Kind::Flow { .. }, _) => vec!["x"; 16].join(" "),
        };
        w.write_all(line.as_bytes())?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn expected(&self, rec: &Record, key: &str, index: u64, line: Option<u64>) -> ExpectedRecord {
        let line = line.expect("ELB records are lines");
        ExpectedRecord {
            id: format!("{key}#L{line}"),
            index,
            line: Some(line),
            time_generated: format_datetime_ms(rec.ms),
            expected: rec.row.clone(),
        }
    }
}

#[cfg(test)]
#[path = "elb_tests.rs"]
mod tests;
