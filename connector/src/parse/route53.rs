//! Route 53 Resolver query logs written to S3 by the log-delivery service: gzip JSON Lines,
//! one query per line (`version`, `account_id`, `region`, `vpc_id`, `query_timestamp`,
//! `query_name`, `query_type`, `query_class`, `rcode`, `answers`, `srcaddr`, `srcport`,
//! `transport`, `srcids`, and the `firewall_*` values when a DNS Firewall rule matched).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{canonical_time, line_text};
use crate::rows::{Route53ResolverRef, Text};
use catalogue::tables::{AwsRoute53Resolver, ROUTE53_LOG_TYPE};

#[derive(Deserialize)]
struct QueryIn<'a> {
    #[serde(borrow)]
    version: Text<'a>,
    #[serde(borrow)]
    account_id: Text<'a>,
    #[serde(borrow)]
    region: Text<'a>,
    #[serde(borrow)]
    vpc_id: Text<'a>,
    #[serde(borrow)]
    query_timestamp: Text<'a>,
    #[serde(borrow)]
    query_name: Text<'a>,
    #[serde(borrow)]
    query_type: Text<'a>,
    #[serde(borrow)]
    query_class: Text<'a>,
    #[serde(borrow)]
    rcode: Text<'a>,
    #[serde(borrow)]
    answers: &'a RawValue,
    #[serde(borrow, default)]
    srcaddr: Option<Text<'a>>,
    #[serde(borrow, default)]
    srcport: Option<Port<'a>>,
    #[serde(borrow, default)]
    transport: Option<Text<'a>>,
    #[serde(borrow, default)]
    srcids: Option<&'a RawValue>,
    #[serde(borrow, default)]
    firewall_rule_action: Option<Text<'a>>,
    #[serde(borrow, default)]
    firewall_rule_group_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    firewall_domain_list_id: Option<Text<'a>>,
}

/// `srcport`: a string in the log (`"56067"`); a JSON integer is read as its digits, so the
/// string column gets the same text either way.
struct Port<'a>(Text<'a>);

struct PortVisitor;

impl<'de> Visitor<'de> for PortVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a port, as a string or an integer")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Port<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PortVisitor).map(|p| Port(Text(p)))
    }
}

/// The first non-blank byte of a raw JSON value.
fn starts_with(raw: &RawValue, b: u8) -> bool {
    raw.get().trim_start().as_bytes().first() == Some(&b)
}

pub(super) fn route53_line(line: &[u8]) -> Result<Route53ResolverRef<'_>, String> {
    let q: QueryIn = serde_json::from_str(line_text(line)?)
        .map_err(|e| format!("not a Route 53 Resolver query log entry: {e}"))?;
    if !starts_with(q.answers, b'[') {
        return Err(format!(
            "answers must be an array of {{Rdata, Type, Class}}, not {}",
            q.answers.get()
        ));
    }
    // A JSON null reads as `None` (absent).
    let srcids = q.srcids;
    if let Some(raw) = srcids {
        if !starts_with(raw, b'{') {
            return Err(format!(
                "srcids must be an object (instance, resolver_endpoint), not {}",
                raw.get()
            ));
        }
    }
    let row: Route53ResolverRef = AwsRoute53Resolver {
        TimeGenerated: canonical_time(&q.query_timestamp, "query_timestamp")?,
        Version: q.version,
        AccountId: q.account_id,
        LogType: Text(Cow::Borrowed(ROUTE53_LOG_TYPE)),
        Region: q.region,
        VpcId: q.vpc_id,
        QueryName: q.query_name,
        QueryType: q.query_type,
        QueryClass: q.query_class,
        Rcode: q.rcode,
        Answers: q.answers,
        SrcAddr: q.srcaddr,
        SrcPort: q.srcport.map(|p| p.0),
        Transport: q.transport,
        SrcIds: srcids,
        FirewallRuleAction: q.firewall_rule_action,
        FirewallRuleGroupId: q.firewall_rule_group_id,
        FirewallDomainListId: q.firewall_domain_list_id,
    };
    Ok(row)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testutil::{gz, rows};
    use crate::parse::parse_bytes;
    use catalogue::tables::AwsRoute53Resolver;
    use catalogue::DataType;
    use serde_json::json;

    /// AWS's example entry in the Route 53 Developer Guide ("Route 53 VPC Resolver query log
    /// example"), on one line: a PTR query blocked by a DNS Firewall rule.
    pub(crate) const QUERY: &str = r#"{"srcaddr":"4.5.64.102","vpc_id":"vpc-7example","answers":[{"Rdata":"203.0.113.9","Type":"PTR","Class":"IN"}],"firewall_rule_group_id":"rslvr-frg-01234567890abcdef","firewall_rule_action":"BLOCK","query_name":"15.3.4.32.in-addr.arpa.","firewall_domain_list_id":"rslvr-fdl-01234567890abcdef","query_class":"IN","srcids":{"instance":"i-0d15cd0d3example"},"rcode":"NOERROR","query_type":"PTR","transport":"UDP","version":"1.100000","account_id":"111122223333","srcport":"56067","query_timestamp":"2021-02-04T17:51:55Z","region":"us-east-1"}"#;

    fn one(line: &str) -> AwsRoute53Resolver {
        let (r, bad) = rows(DataType::Route53, line.as_bytes());
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(r.len(), 1);
        r[0].decode().expect("an AWSRoute53Resolver row")
    }

    #[test]
    fn the_aws_example_maps_every_column() {
        let r = one(QUERY);
        assert_eq!(
            r,
            AwsRoute53Resolver {
                TimeGenerated: "2021-02-04T17:51:55.000Z".into(),
                Version: "1.100000".into(),
                AccountId: "111122223333".into(),
                LogType: "ResolverQueryLogs".into(),
                Region: "us-east-1".into(),
                VpcId: "vpc-7example".into(),
                QueryName: "15.3.4.32.in-addr.arpa.".into(),
                QueryType: "PTR".into(),
                QueryClass: "IN".into(),
                Rcode: "NOERROR".into(),
                Answers: json!([{"Rdata": "203.0.113.9", "Type": "PTR", "Class": "IN"}]),
                SrcAddr: Some("4.5.64.102".into()),
                SrcPort: Some("56067".into()),
                Transport: Some("UDP".into()),
                SrcIds: Some(json!({"instance": "i-0d15cd0d3example"})),
                FirewallRuleAction: Some("BLOCK".into()),
                FirewallRuleGroupId: Some("rslvr-frg-01234567890abcdef".into()),
                FirewallDomainListId: Some("rslvr-fdl-01234567890abcdef".into()),
            }
        );
    }

    #[test]
    fn nxdomain_servfail_aaaa_ipv6_and_resolver_endpoint_queries() {
        // NXDOMAIN: no answers; no firewall match, so no firewall columns.
        let nx = r#"{"version":"1.100000","account_id":"123456789012","region":"us-east-1","vpc_id":"vpc-0abc","query_timestamp":"2026-03-01T00:00:01.250Z","query_name":"nope.example.com.","query_type":"A","query_class":"IN","rcode":"NXDOMAIN","answers":[],"srcaddr":"10.0.1.7","srcport":"40001","transport":"UDP","srcids":{"instance":"i-0123456789abcdef0"}}"#;
        let r = one(nx);
        assert_eq!(r.Rcode, "NXDOMAIN");
        assert_eq!(r.Answers, json!([]));
        assert_eq!(r.TimeGenerated, "2026-03-01T00:00:01.250Z");
        assert_eq!(
            (
                r.FirewallRuleAction,
                r.FirewallRuleGroupId,
                r.FirewallDomainListId
            ),
            (None, None, None)
        );
        // SERVFAIL over TCP from a resolver endpoint, IPv6 source, and the port as a number.
        let sf = r#"{"version":"1.100000","account_id":"123456789012","region":"eu-west-1","vpc_id":"vpc-0abc","query_timestamp":"2026-03-01T00:00:02Z","query_name":"corp.example.internal.","query_type":"AAAA","query_class":"IN","rcode":"SERVFAIL","answers":[],"srcaddr":"2001:db8::1f","srcport":5353,"transport":"TCP","srcids":{"resolver_endpoint":"rslvr-in-0123456789abcdef0","resolver_network_interface":"rni-0123456789abcdef0"}}"#;
        let r = one(sf);
        assert_eq!(r.SrcAddr.as_deref(), Some("2001:db8::1f"));
        assert_eq!(r.SrcPort.as_deref(), Some("5353"));
        assert_eq!(r.Transport.as_deref(), Some("TCP"));
        assert_eq!(
            r.SrcIds.unwrap()["resolver_endpoint"],
            "rslvr-in-0123456789abcdef0"
        );
        // AAAA answers through a CNAME, and a DNS Firewall ALERT.
        let aaaa = r#"{"version":"1.100000","account_id":"123456789012","region":"us-east-1","vpc_id":"vpc-0abc","query_timestamp":"2026-03-01T00:00:03Z","query_name":"www.example.com.","query_type":"AAAA","query_class":"IN","rcode":"NOERROR","answers":[{"Rdata":"edge.example.net.","Type":"CNAME","Class":"IN"},{"Rdata":"2001:db8:85a3::8a2e:370:7334","Type":"AAAA","Class":"IN"}],"srcaddr":"fd00:ec2::23","srcport":"33000","transport":"UDP","srcids":{"instance":"i-0123456789abcdef0"},"firewall_rule_action":"ALERT","firewall_rule_group_id":"rslvr-frg-0123456789abcdef0","firewall_domain_list_id":"rslvr-fdl-0123456789abcdef0"}"#;
        let r = one(aaaa);
        assert_eq!(r.Answers[1]["Type"], "AAAA");
        assert_eq!(r.Answers[1]["Rdata"], "2001:db8:85a3::8a2e:370:7334");
        assert_eq!(r.FirewallRuleAction.as_deref(), Some("ALERT"));
        // Key order does not matter, a null srcids is absent, escapes are unescaped.
        let odd = r#"{"answers":[],"srcids":null,"rcode":"REFUSED","region":"us-east-1","query_class":"IN","query_type":"TXT","query_name":"a\"b.example.","query_timestamp":"2026-03-01T00:00:04Z","vpc_id":"vpc-0abc","account_id":"123456789012","version":"1.100000"}"#;
        let r = one(odd);
        assert_eq!(r.QueryName, "a\"b.example.");
        assert_eq!((r.SrcIds, r.SrcAddr, r.SrcPort), (None, None, None));
    }

    #[test]
    fn malformed_lines_are_named_and_the_rest_is_kept() {
        let bad_time = QUERY.replace("2021-02-04T17:51:55Z", "yesterday");
        let no_name = QUERY.replace(r#""query_name":"15.3.4.32.in-addr.arpa.","#, "");
        let answers_text = QUERY.replace(
            r#""answers":[{"Rdata":"203.0.113.9","Type":"PTR","Class":"IN"}]"#,
            r#""answers":"203.0.113.9""#,
        );
        let srcids_text = QUERY.replace(
            r#""srcids":{"instance":"i-0d15cd0d3example"}"#,
            r#""srcids":"i-0d15cd0d3example""#,
        );
        let text = [
            QUERY,
            bad_time.as_str(),
            "not json",
            "",
            no_name.as_str(),
            answers_text.as_str(),
            srcids_text.as_str(),
            r#"{"version":"1.100000","#,
            QUERY,
        ]
        .join("\n");
        let (r, bad) = rows(DataType::Route53, &gz(text.as_bytes()));
        assert_eq!(r.len(), 2);
        let lines: Vec<u64> = bad.iter().map(|e| e.position.line.unwrap()).collect();
        assert_eq!(lines, [2, 3, 5, 6, 7, 8]);
        assert!(
            bad[0].reason.contains("query_timestamp 'yesterday'"),
            "{}",
            bad[0].reason
        );
        assert!(bad[2].reason.contains("query_name"), "{}", bad[2].reason);
        assert!(
            bad[3].reason.contains("answers must be an array"),
            "{}",
            bad[3].reason
        );
        assert!(
            bad[4].reason.contains("srcids must be an object"),
            "{}",
            bad[4].reason
        );
        // The blank line is skipped but counted as a line.
        let (with_pos, _, _) = parse_bytes(DataType::Route53, None, text.as_bytes());
        assert_eq!(with_pos[1].0.line, Some(9));
    }
}
