//! Route 53 Resolver query logs as the log-delivery service writes them to S3: gzip JSON Lines,
//! one query per line, one object per VPC and 5-minute window, under
//! `AWSLogs/<account>/vpcdnsquerylogs/<vpc-id>/YYYY/MM/DD/` (see [`route53_key`]). The folder is
//! the one the Athena User Guide's Resolver query log table reads ("Query Amazon Route 53
//! resolver query logs"); AWS documents no file name, so the name follows the log-delivery
//! service's flow-log naming (`<account>_vpcdnsquerylogs_<vpc-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz`),
//! and one object per VPC and 5-minute window is this generator's choice.
//!
//! The values follow the Route 53 Developer Guide ("Values that appear in VPC Resolver query
//! logs" and its example): `version` `1.100000`, `query_timestamp` in ISO 8601 UTC (with and
//! without milliseconds), `srcport` as a string, `srcids` with `instance` or, for a query that
//! came through an inbound Resolver endpoint, `resolver_endpoint`, and the three `firewall_*`
//! values only when a DNS Firewall rule with action ALERT or BLOCK matched. Among the queries:
//! NXDOMAIN and SERVFAIL with empty `answers`, AAAA answers (behind a CNAME), IPv6 sources,
//! queries over TCP, PTR lookups, and blocked queries answered NXDOMAIN or with an override.

use std::collections::HashSet;
use std::io::{self, Write};

use rand::Rng;
use serde::Serialize;
use serde_json::{json, Value};

use super::keys::{five_minute_floor, route53_key, Utc};
use super::manifest::ExpectedRecord;
use super::rng::{chance, hex, pick, weighted, Clock, SimRng};
use super::{GenOptions, LogGen, Rngs};
use crate::tables::{format_datetime_ms, AwsRoute53Resolver, TableRow, ROUTE53_LOG_TYPE};

/// The query log format version the service writes (the guide's example).
const VERSION: &str = "1.100000";

/// Where a query came from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// An instance in the VPC.
    Instance(String),
    /// An on-premises client through an inbound Resolver endpoint.
    ResolverEndpoint(String),
}

/// A DNS Firewall match: action, rule group, domain list.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Firewall {
    action: &'static str,
    rule_group: String,
    domain_list: String,
}

/// One answer: `(Rdata, Type)`; the class is always `IN`.
type Answer = (String, &'static str);

/// One logged query.
#[derive(Debug, Clone)]
pub struct Query {
    ms: i64,
    /// Written with milliseconds (`...:25.177Z`) or without (`...:55Z`).
    millis: bool,
    vpc: usize,
    name: String,
    qtype: &'static str,
    rcode: &'static str,
    answers: Vec<Answer>,
    srcaddr: String,
    srcport: u16,
    transport: &'static str,
    source: Source,
    firewall: Option<Firewall>,
}

/// The JSON of one query, keys in the service's order.
#[derive(Serialize)]
struct QueryJson<'a> {
    version: &'static str,
    account_id: &'a str,
    region: &'a str,
    vpc_id: &'a str,
    query_timestamp: String,
    query_name: &'a str,
    query_type: &'static str,
    query_class: &'static str,
    rcode: &'static str,
    answers: Value,
    srcaddr: &'a str,
    srcport: String,
    transport: &'static str,
    srcids: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    firewall_rule_group_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    firewall_rule_action: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    firewall_domain_list_id: Option<&'a str>,
}

/// Names the instances in the VPCs look up (with the record type asked and the answer kind).
const NAMES: &[&str] = &[
    "ec2messages.{region}.amazonaws.com.",
    "ssm.{region}.amazonaws.com.",
    "s3.{region}.amazonaws.com.",
    "sts.amazonaws.com.",
    "api.github.com.",
    "www.example.com.",
    "db.corp.example.internal.",
    "ip-10-0-1-23.ec2.internal.",
];

/// Names only a compromised or misconfigured host asks for (DNS Firewall matches them).
const BAD_NAMES: &[&str] = &[
    "update.malware-c2.example.",
    "x7f3kq9z.dga.example.net.",
    "pool.coinminer.example.org.",
];

/// The Resolver query log generator.
pub struct Route53Gen {
    account: String,
    region: String,
    vpcs: Vec<String>,
    instances: Vec<(String, String, String)>,
    endpoint: String,
    rule_group: String,
    domain_lists: [String; 2],
    rngs: Rngs,
    clock: Clock,
    pending: Option<Query>,
    /// The VPC whose object comes next (objects rotate over the VPCs).
    next_vpc: usize,
    /// The VPC of the object last started (the large object's further records).
    current_vpc: usize,
    used_keys: HashSet<String>,
}

impl Route53Gen {
    pub fn new(opts: &GenOptions) -> Self {
        let mut rngs = Rngs::new(opts);
        let r = &mut rngs.names;
        let vpcs: Vec<String> = (0..3).map(|_| format!("vpc-{}", hex(r, 17))).collect();
        // (instance id, IPv4, IPv6)
        let instances = (0..6)
            .map(|i| {
                (
                    format!("i-{}", hex(r, 17)),
                    format!(
                        "10.{}.{}.{}",
                        i % 3,
                        r.random_range(0..16),
                        r.random_range(4..250)
                    ),
                    format!(
                        "2600:1f18:{:x}:{:x}::{:x}",
                        r.random_range(0x1000..0xffffu32),
                        i + 1,
                        r.random_range(0x10..0xfffu32)
                    ),
                )
            })
            .collect();
        let endpoint = format!("rslvr-in-{}", hex(r, 17));
        let rule_group = format!("rslvr-frg-{}", hex(r, 17));
        let domain_lists = [
            format!("rslvr-fdl-{}", hex(r, 17)),
            format!("rslvr-fdl-{}", hex(r, 17)),
        ];
        Route53Gen {
            account: opts.account_id.clone(),
            region: opts.region.clone(),
            vpcs,
            instances,
            endpoint,
            rule_group,
            domain_lists,
            clock: Clock::new(opts.start_ms, opts.rate()),
            rngs,
            pending: None,
            next_vpc: 0,
            current_vpc: 0,
            used_keys: HashSet::new(),
        }
    }

    fn query(&mut self, vpc: usize) -> Query {
        let ms = self.clock.tick(&mut self.rngs.records);
        let region = self.region.clone();
        let r = &mut self.rngs.records;
        let millis = chance(r, 50);
        let ipv6 = chance(r, 15);
        let (instance, v4, v6) = pick(r, &self.instances).clone();
        let (source, srcaddr) = if chance(r, 10) {
            // From on premises through the inbound endpoint.
            let addr = format!(
                "192.168.{}.{}",
                r.random_range(0..8),
                r.random_range(2..250)
            );
            (Source::ResolverEndpoint(self.endpoint.clone()), addr)
        } else {
            (Source::Instance(instance), if ipv6 { v6 } else { v4 })
        };
        let transport = if chance(r, 8) { "TCP" } else { "UDP" };
        let srcport = r.random_range(1024..=65535u16);
        let ip = |r: &mut SimRng| {
            format!(
                "{}.{}.{}.{}",
                pick(r, &[3u8, 13, 52, 54, 140, 151]),
                r.random_range(0..256),
                r.random_range(0..256),
                r.random_range(1..255)
            )
        };
        #[derive(Clone, Copy)]
        enum Kind {
            A,
            Aaaa,
            Ptr,
            NxDomain,
            ServFail,
            Blocked,
            Alerted,
        }
        let kind = *weighted(
            r,
            &[
                (50, Kind::A),
                (14, Kind::Aaaa),
                (6, Kind::Ptr),
                (12, Kind::NxDomain),
                (5, Kind::ServFail),
                (7, Kind::Blocked),
                (6, Kind::Alerted),
            ],
        );
        let name = |r: &mut SimRng| pick(r, NAMES).replace("{region}", &region);
        let (name, qtype, rcode, answers, firewall) = match kind {
            Kind::A => {
                let n = r.random_range(1..=3);
                let answers = (0..n).map(|_| (ip(r), "A")).collect();
                (name(r), "A", "NOERROR", answers, None)
            }
            Kind::Aaaa => {
                let name = name(r);
                let answers = vec![
                    (format!("edge-{}.example.net.", hex(r, 4)), "CNAME"),
                    (
                        format!(
                            "2600:9000:{:x}:{:x}::{:x}",
                            r.random_range(0x1000..0xffffu32),
                            r.random_range(0x100..0xfffu32),
                            r.random_range(1..0xffu32)
                        ),
                        "AAAA",
                    ),
                ];
                (name, "AAAA", "NOERROR", answers, None)
            }
            Kind::Ptr => {
                let (a, b) = (r.random_range(0..256), r.random_range(1..255));
                let name = format!("{b}.{a}.0.10.in-addr.arpa.");
                let answer = format!("ip-10-0-{a}-{b}.ec2.internal.");
                (name, "PTR", "NOERROR", vec![(answer, "PTR")], None)
            }
            Kind::NxDomain => {
                let name = format!("{}.corp.example.internal.", hex(r, 6));
                (
                    name,
                    *pick(r, &["A", "AAAA", "TXT"]),
                    "NXDOMAIN",
                    Vec::new(),
                    None,
                )
            }
            Kind::ServFail => {
                let name = "db.partner.example.com.".to_string();
                (name, "A", "SERVFAIL", Vec::new(), None)
            }
            Kind::Blocked | Kind::Alerted => {
                let name = pick(r, BAD_NAMES).to_string();
                let list = self.domain_lists[r.random_range(0..2)].clone();
                let blocked = matches!(kind, Kind::Blocked);
                let firewall = Firewall {
                    action: if blocked { "BLOCK" } else { "ALERT" },
                    rule_group: self.rule_group.clone(),
                    domain_list: list,
                };
                let (rcode, answers) = if !blocked {
                    ("NOERROR", vec![(ip(r), "A")])
                } else if chance(r, 50) {
                    ("NXDOMAIN", Vec::new())
                } else {
                    // An OVERRIDE block answers with the rule's own record.
                    (
                        "NOERROR",
                        vec![("blocked.example.com.".to_string(), "CNAME")],
                    )
                };
                (name, "A", rcode, answers, Some(firewall))
            }
        };
        Query {
            ms,
            millis,
            vpc,
            name,
            qtype,
            rcode,
            answers,
            srcaddr,
            srcport,
            transport,
            source,
            firewall,
        }
    }

    fn timestamp(q: &Query) -> String {
        let t = Utc::from_ms(q.ms);
        if q.millis {
            t.iso_millis()
        } else {
            t.iso_seconds()
        }
    }

    /// The query's time as the log has it (whole seconds when written without milliseconds).
    fn logged_ms(q: &Query) -> i64 {
        if q.millis {
            q.ms
        } else {
            q.ms.div_euclid(1000) * 1000
        }
    }

    fn answers_json(q: &Query) -> Value {
        Value::Array(
            q.answers
                .iter()
                .map(|(rdata, ty)| json!({"Rdata": rdata, "Type": ty, "Class": "IN"}))
                .collect(),
        )
    }

    fn srcids_json(q: &Query) -> Value {
        match &q.source {
            Source::Instance(id) => json!({ "instance": id }),
            Source::ResolverEndpoint(id) => json!({ "resolver_endpoint": id }),
        }
    }

    /// The expected row, from the model (not from the written JSON).
    fn row(&self, q: &Query) -> AwsRoute53Resolver {
        let fw = q.firewall.as_ref();
        AwsRoute53Resolver {
            TimeGenerated: format_datetime_ms(Self::logged_ms(q)),
            Version: VERSION.into(),
            AccountId: self.account.clone(),
            LogType: ROUTE53_LOG_TYPE.into(),
            Region: self.region.clone(),
            VpcId: self.vpcs[q.vpc].clone(),
            QueryName: q.name.clone(),
            QueryType: q.qtype.into(),
            QueryClass: "IN".into(),
            Rcode: q.rcode.into(),
            Answers: Self::answers_json(q),
            SrcAddr: Some(q.srcaddr.clone()),
            SrcPort: Some(q.srcport.to_string()),
            Transport: Some(q.transport.into()),
            SrcIds: Some(Self::srcids_json(q)),
            FirewallRuleAction: fw.map(|f| f.action.into()),
            FirewallRuleGroupId: fw.map(|f| f.rule_group.clone()),
            FirewallDomainListId: fw.map(|f| f.domain_list.clone()),
        }
    }

    fn take(&mut self, vpc: usize) -> Query {
        match self.pending.take() {
            Some(mut q) => {
                q.vpc = vpc;
                q
            }
            None => self.query(vpc),
        }
    }
}

impl LogGen for Route53Gen {
    type Record = Query;

    fn next_object(&mut self, max: u64) -> (String, Vec<Query>) {
        let vpc = self.next_vpc;
        self.current_vpc = vpc;
        self.next_vpc = (self.next_vpc + 1) % self.vpcs.len();
        let first = self.take(vpc);
        let window = five_minute_floor(first.ms);
        let mut records = vec![first];
        while (records.len() as u64) < max {
            let q = self.query(vpc);
            if five_minute_floor(q.ms) != window {
                self.pending = Some(q);
                break;
            }
            records.push(q);
        }
        let key = loop {
            let hash = hex(&mut self.rngs.names, 8);
            let key = route53_key(&self.account, &self.vpcs[vpc], window, &hash);
            if self.used_keys.insert(key.clone()) {
                break key;
            }
        };
        (key, records)
    }

    fn next_record(&mut self) -> Query {
        let vpc = self.current_vpc;
        self.query(vpc)
    }

    fn write_record(&self, w: &mut dyn Write, q: &Query, _position: u64) -> io::Result<u64> {
        let fw = q.firewall.as_ref();
        let json = QueryJson {
            version: VERSION,
            account_id: &self.account,
            region: &self.region,
            vpc_id: &self.vpcs[q.vpc],
            query_timestamp: Self::timestamp(q),
            query_name: &q.name,
            query_type: q.qtype,
            query_class: "IN",
            rcode: q.rcode,
            answers: Self::answers_json(q),
            srcaddr: &q.srcaddr,
            srcport: q.srcport.to_string(),
            transport: q.transport,
            srcids: Self::srcids_json(q),
            firewall_rule_group_id: fw.map(|f| f.rule_group.as_str()),
            firewall_rule_action: fw.map(|f| f.action),
            firewall_domain_list_id: fw.map(|f| f.domain_list.as_str()),
        };
        serde_json::to_writer(&mut *w, &json)?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn write_malformed(&self, w: &mut dyn Write, which: u64, _position: u64) -> io::Result<u64> {
        let line = match which % 5 {
            // Cut short.
            0 => format!(
                "{{\"version\":\"{VERSION}\",\"account_id\":\"{}\",\"region\":",
                self.account
            ),
            1 => "not json at all".to_string(),
            // A valid entry but for the time it cannot do without.
            2 => format!(
                "{{\"version\":\"{VERSION}\",\"account_id\":\"{}\",\"region\":\"{}\",\"vpc_id\":\"{}\",\"query_timestamp\":\"not a time\",\"query_name\":\"x.example.\",\"query_type\":\"A\",\"query_class\":\"IN\",\"rcode\":\"NOERROR\",\"answers\":[]}}",
                self.account, self.region, self.vpcs[0]
            ),
            3 => "[\"a JSON array, not a query\"]".to_string(),
            // `answers` that is no array.
            _ => format!(
                "{{\"version\":\"{VERSION}\",\"account_id\":\"{}\",\"region\":\"{}\",\"vpc_id\":\"{}\",\"query_timestamp\":\"2026-03-01T00:00:00Z\",\"query_name\":\"x.example.\",\"query_type\":\"A\",\"query_class\":\"IN\",\"rcode\":\"NOERROR\",\"answers\":\"203.0.113.9\"}}",
                self.account, self.region, self.vpcs[0]
            ),
        };
        w.write_all(line.as_bytes())?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn expected(&self, q: &Query, key: &str, index: u64, line: Option<u64>) -> ExpectedRecord {
        let row = self.row(q);
        ExpectedRecord {
            id: format!("{key}#{}", line.unwrap_or(index)),
            index,
            line,
            time_generated: row.TimeGenerated.clone(),
            expected: TableRow::new(row),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::keys::patterns;
    use super::super::manifest::Content;
    use super::super::testutil::*;
    use super::super::{BadDataKind, GenOptions};
    use super::*;
    use catalogue::DataType;
    use regex::Regex;

    /// Independent mapping of a written entry to the table row (the DCR transform's projection).
    fn to_row(v: &Value) -> AwsRoute53Resolver {
        let s = |k: &str| v[k].as_str().unwrap().to_string();
        let o = |k: &str| v.get(k).map(|x| x.as_str().unwrap().to_string());
        AwsRoute53Resolver {
            TimeGenerated: format_datetime_ms(
                crate::tables::parse_datetime_ms(v["query_timestamp"].as_str().unwrap()).unwrap(),
            ),
            Version: s("version"),
            AccountId: s("account_id"),
            LogType: "ResolverQueryLogs".into(),
            Region: s("region"),
            VpcId: s("vpc_id"),
            QueryName: s("query_name"),
            QueryType: s("query_type"),
            QueryClass: s("query_class"),
            Rcode: s("rcode"),
            Answers: v["answers"].clone(),
            SrcAddr: o("srcaddr"),
            SrcPort: o("srcport"),
            Transport: o("transport"),
            SrcIds: v.get("srcids").cloned(),
            FirewallRuleAction: o("firewall_rule_action"),
            FirewallRuleGroupId: o("firewall_rule_group_id"),
            FirewallDomainListId: o("firewall_domain_list_id"),
        }
    }

    #[test]
    fn objects_read_back_equal_manifest_with_every_edge_case() {
        let out = run(&GenOptions::new(DataType::Route53, 3000, 5));
        let re = Regex::new(patterns::ROUTE53).unwrap();
        let mut total = 0;
        let mut seen = HashSet::new();
        let mut vpcs = HashSet::new();
        for e in out.entries() {
            let caps = re.captures(&e.key).unwrap_or_else(|| panic!("{}", e.key));
            let text = String::from_utf8(gunzip(&out.objects[&e.key])).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len() as u64, e.record_count);
            let mut window = None;
            for (line, exp) in lines.iter().zip(&e.records) {
                let v: Value = serde_json::from_str(line).unwrap();
                assert_eq!(TableRow::new(to_row(&v)), exp.expected, "{line}");
                // One VPC per object, the one in its key (twice: folder and file name).
                assert_eq!(v["vpc_id"], caps["vpc"]);
                assert_eq!(caps["vpc"], caps["vpc2"]);
                assert_eq!(&caps["account"], "123456789012");
                vpcs.insert(caps["vpc"].to_string());
                let t = crate::tables::parse_datetime_ms(v["query_timestamp"].as_str().unwrap())
                    .unwrap();
                let w = five_minute_floor(t);
                assert_eq!(
                    *window.get_or_insert(w),
                    w,
                    "one 5-minute window per object"
                );
                assert_eq!(Utc::from_ms(w).compact_minute(), caps["time"]);
                assert_eq!(Utc::from_ms(w).date_path(), caps["date"]);
                assert!(v["srcport"].is_string());
                let answers = v["answers"].as_array().unwrap();
                let fw = v.get("firewall_rule_action").and_then(Value::as_str);
                let ty = v["query_type"].as_str().unwrap();
                let rcode = v["rcode"].as_str().unwrap();
                if rcode != "NOERROR" {
                    assert!(answers.is_empty(), "{line}");
                }
                for (flag, hit) in [
                    ("nxdomain", rcode == "NXDOMAIN" && fw.is_none()),
                    ("servfail", rcode == "SERVFAIL"),
                    (
                        "aaaa answer",
                        answers.iter().any(|a| a["Type"] == "AAAA") && ty == "AAAA",
                    ),
                    ("ipv6 source", v["srcaddr"].as_str().unwrap().contains(':')),
                    (
                        "resolver endpoint",
                        v["srcids"].get("resolver_endpoint").is_some(),
                    ),
                    ("instance", v["srcids"].get("instance").is_some()),
                    ("block", fw == Some("BLOCK")),
                    ("block nxdomain", fw == Some("BLOCK") && rcode == "NXDOMAIN"),
                    ("alert", fw == Some("ALERT")),
                    ("tcp", v["transport"] == "TCP"),
                    ("ptr", ty == "PTR"),
                    ("millis", v["query_timestamp"].as_str().unwrap().len() == 24),
                    (
                        "seconds",
                        v["query_timestamp"].as_str().unwrap().len() == 20,
                    ),
                ] {
                    if hit {
                        seen.insert(flag);
                    }
                }
                // The firewall values come together or not at all.
                let present = [
                    "firewall_rule_action",
                    "firewall_rule_group_id",
                    "firewall_domain_list_id",
                ]
                .map(|k| v.get(k).is_some());
                assert!(present == [true; 3] || present == [false; 3], "{line}");
                total += 1;
            }
        }
        assert_eq!(total, 3000);
        assert_eq!(vpcs.len(), 3);
        assert_eq!(seen.len(), 13, "{seen:?}");
    }

    #[test]
    fn malformed_lines_are_counted() {
        let mut o = GenOptions::new(DataType::Route53, 30, 4);
        o.bad_data = vec![BadDataKind::MalformedLines];
        let out = run(&o);
        let e = out
            .entries()
            .find(|e| e.content == Content::Malformed)
            .unwrap();
        let text = String::from_utf8(gunzip(&out.objects[&e.key])).unwrap();
        let mut good = 0;
        for (i, l) in text.lines().enumerate() {
            let ok = serde_json::from_str::<Value>(l).is_ok_and(|v| {
                v["answers"].is_array()
                    && v["query_timestamp"]
                        .as_str()
                        .is_some_and(|t| crate::tables::parse_datetime_ms(t).is_some())
            });
            assert_eq!(ok, !e.malformed_lines.contains(&(i as u64 + 1)), "{l}");
            good += usize::from(ok);
        }
        assert_eq!(good as u64, e.record_count);
    }

    #[test]
    fn snapshot_tiny_object() {
        let out = run(&GenOptions::new(DataType::Route53, 3, 42));
        let key = &out.order[0];
        let text = String::from_utf8(gunzip(&out.objects[key])).unwrap();
        let queries: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        insta::assert_json_snapshot!(json!({
            "key": key,
            "sha256": crate::synth::sha256_hex(&out.objects[key]),
            "queries": queries,
        }));
    }
}
