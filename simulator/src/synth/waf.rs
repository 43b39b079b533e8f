//! AWS WAF web ACL traffic logs, as the log-delivery service writes them to an S3 bucket
//! (AWS WAF Developer Guide, "Sending web ACL traffic logs to an Amazon S3 bucket" and
//! "Log fields"): gzip objects of one JSON log record per line, published every five
//! minutes under
//! `AWSLogs/<account>/WAFLogs/<region>/<web-acl>/YYYY/MM/dd/HH/mm/<account>_waflogs_<region>_<web-acl>_<YYYYMMddTHHmmZ>_<hash>.log.gz`.
//!
//! Two web ACLs log into the bucket: a regional one (an Application Load Balancer and an API
//! Gateway stage behind it) and, where the run's Region is us-east-1 (the Region a CloudFront
//! web ACL's logging is configured in), a CloudFront one, whose files the log-delivery service
//! puts under the Region segment `cloudfront`. Each file holds one web ACL's records.
//!
//! Each record is one request the web ACL inspected: allowed by the default action,
//! counted by non-terminating rules, blocked by a managed rule group (SQL injection, with
//! match details and an excluded rule), blocked by a rate-based rule (with a custom 429
//! response), blocked by an IP-set rule, sent a CAPTCHA or a challenge (no token), allowed
//! after a solved CAPTCHA, or allowed with inserted request headers. Clients are IPv4 and
//! IPv6, some countries unknown (`-`), and some header values odd (quotes, backslashes,
//! non-ASCII, control characters, empty).

use std::io::{self, Write};

use rand::Rng;
use serde_json::{json, Map, Value};

use super::keys::{five_minute_floor, Utc};
use super::manifest::ExpectedRecord;
use super::rng::{alnum, chance, hex, pick, uuid, weighted, Clock};
use super::{GenOptions, LogGen, Rngs};
use crate::tables::{format_datetime_ms, AwsWaf, TableRow};

/// The simulated regional web ACL's name (its logs go under this key segment).
pub const WEB_ACL_NAME: &str = "sentinel-sim-web-acl";
/// The simulated CloudFront web ACL's name.
pub const CLOUDFRONT_WEB_ACL_NAME: &str = "sentinel-sim-cdn-acl";
/// The Region segment of a CloudFront web ACL's log keys and file names.
pub const CLOUDFRONT_SEGMENT: &str = "cloudfront";
/// The CloudFront distribution the CloudFront web ACL protects.
const DISTRIBUTION_ID: &str = "E1SIMDISTRIB0X";

/// `AWSLogs/<acct>/WAFLogs/<region>/<web-acl>/YYYY/MM/dd/HH/mm/<acct>_waflogs_<region>_<web-acl>_<YYYYMMddTHHmmZ>_<hash8>.log.gz`;
/// `window_start_ms` is the start of the 5-minute publishing window.
pub fn waf_key(
    account: &str,
    region: &str,
    web_acl: &str,
    window_start_ms: i64,
    hash8: &str,
) -> String {
    let t = Utc::from_ms(window_start_ms);
    format!(
        "AWSLogs/{account}/WAFLogs/{region}/{web_acl}/{}/{:02}/{:02}/{account}_waflogs_{region}_{web_acl}_{}_{hash8}.log.gz",
        t.date_path(),
        t.hour,
        t.minute,
        t.compact_minute()
    )
}

/// How the web ACL dealt with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No rule matched: the default action (allow).
    Allowed,
    /// Allowed, with rules in count mode matching (non-terminating).
    Counted,
    /// Blocked by the SQL injection rule of a managed rule group.
    ManagedBlock,
    /// Blocked by a rate-based rule, answered with a custom 429 response.
    RateBlock,
    /// Blocked by an IP-set rule.
    IpBlock,
    /// The CAPTCHA rule terminated: the request had no token.
    Captcha,
    /// The CAPTCHA rule let a request with a solved token through (non-terminating).
    CaptchaSolved,
    /// The challenge rule terminated: the request had no token.
    Challenge,
    /// Allowed by a rule with custom request handling (headers inserted).
    HeadersInserted,
}

const OUTCOMES: &[(u32, Outcome)] = &[
    (40, Outcome::Allowed),
    (10, Outcome::Counted),
    (10, Outcome::ManagedBlock),
    (10, Outcome::RateBlock),
    (6, Outcome::IpBlock),
    (8, Outcome::Captcha),
    (6, Outcome::CaptchaSolved),
    (5, Outcome::Challenge),
    (5, Outcome::HeadersInserted),
];

/// The resources the web ACL protects: `(httpSourceName, httpSourceId suffix)`.
const SOURCES: &[(&str, &str)] = &[
    ("ALB", "app/shop-alb/5f6e7d8c9b0a1b2c"),
    ("APIGW", "k3x9q1w2e7:prod"),
];

const COUNTRIES: &[&str] = &["US", "DE", "BR", "JP", "IN", "FR", "GB", "NL", "-"];
const METHODS: &[&str] = &[
    "GET", "GET", "GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD",
];
const VERSIONS: &[&str] = &["HTTP/1.1", "HTTP/1.1", "HTTP/2.0", "HTTP/1.0"];
const PATHS: &[&str] = &[
    "/",
    "/cart",
    "/login",
    "/api/v1/items",
    "/search",
    "/static/app.js",
    "/admin/../etc/passwd",
    "/café/menü",
];
const AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "sqlmap/1.8#stable (https://sqlmap.org)",
    "",
];
/// Header values a parser must take as they are.
const ODD_VALUES: &[&str] = &[
    "say \"hi\" and \\ leave",
    "naïve café 日本 😀",
    "tab\there",
    "nul\u{0}and\u{1}bell\u{7}",
    "",
    "   ",
    "{\"json\":\"in a header\"}",
];

/// One inspected request (every field known; the record and its row follow from it).
#[derive(Debug, Clone)]
pub struct WafRecord {
    pub timestamp_ms: i64,
    pub outcome: Outcome,
    source: usize,
    client_ip: String,
    country: &'static str,
    method: &'static str,
    http_version: &'static str,
    uri: String,
    args: String,
    headers: Vec<(String, String)>,
    request_id: String,
    ja3: Option<String>,
    /// The request body was larger than AWS WAF inspects.
    oversize: bool,
    /// Inspected by the CloudFront web ACL (set with the object the record goes into).
    cloudfront: bool,
}

pub struct WafGen {
    rngs: Rngs,
    clock: Clock,
    account: String,
    region: String,
    web_acl_arn: String,
    cloudfront_acl_arn: String,
    pending: Option<WafRecord>,
    /// Whether the object being filled is the CloudFront web ACL's.
    cloudfront_object: bool,
}

impl WafGen {
    pub fn new(opts: &GenOptions) -> Self {
        let mut rngs = Rngs::new(opts);
        let acl_id = uuid(&mut rngs.names);
        let cf_acl_id = uuid(&mut rngs.names);
        WafGen {
            cloudfront_acl_arn: format!(
                "arn:aws:wafv2:us-east-1:{}:global/webacl/{CLOUDFRONT_WEB_ACL_NAME}/{cf_acl_id}",
                opts.account_id
            ),
            cloudfront_object: false,
            clock: Clock::new(opts.start_ms, opts.rate()),
            web_acl_arn: format!(
                "arn:aws:wafv2:{}:{}:regional/webacl/{WEB_ACL_NAME}/{acl_id}",
                opts.region, opts.account_id
            ),
            account: opts.account_id.clone(),
            region: opts.region.clone(),
            rngs,
            pending: None,
        }
    }

    fn take(&mut self) -> WafRecord {
        match self.pending.take() {
            Some(r) => r,
            None => self.new_record(),
        }
    }

    fn new_record(&mut self) -> WafRecord {
        let timestamp_ms = self.clock.tick(&mut self.rngs.records);
        let r = &mut self.rngs.records;
        let outcome = *weighted(r, OUTCOMES);
        let source = r.random_range(0..SOURCES.len());
        let client_ip = if chance(r, 20) {
            format!(
                "2001:db8:{:x}:{:x}::{:x}",
                r.random_range(0..0xffffu32),
                r.random_range(0..0xffffu32),
                r.random_range(1..0xffffu32)
            )
        } else {
            format!(
                "{}.{}.{}.{}",
                pick(r, &[198u8, 203, 192]),
                r.random_range(0..=255u8),
                r.random_range(0..=255u8),
                r.random_range(1..=254u8)
            )
        };
        let uri = match outcome {
            Outcome::Captcha | Outcome::CaptchaSolved => "/login".to_string(),
            _ => pick(r, PATHS).to_string(),
        };
        let args = match outcome {
            Outcome::ManagedBlock => format!("id=1%27%20OR%20%271%27%3D%271&p={}", hex(r, 4)),
            _ if chance(r, 50) => format!("q={}&page={}", alnum(r, 6), r.random_range(1..20)),
            _ => String::new(),
        };
        let host = match SOURCES[source].0 {
            "ALB" => "shop.example.com",
            _ => "k3x9q1w2e7.execute-api.us-east-1.amazonaws.com",
        };
        let mut headers = vec![
            ("host".to_string(), host.to_string()),
            ("user-agent".to_string(), pick(r, AGENTS).to_string()),
        ];
        if chance(r, 40) {
            headers.push(("accept".into(), "*/*".into()));
        }
        if chance(r, 25) {
            headers.push(("x-odd".into(), pick(r, ODD_VALUES).to_string()));
        }
        if chance(r, 15) {
            // A header whose value is long.
            headers.push(("cookie".into(), format!("session={}", alnum(r, 600))));
        }
        let request_id = match SOURCES[source].0 {
            "ALB" => format!("1-{:08x}-{}", timestamp_ms / 1000, hex(r, 24)),
            _ => format!("{}=", alnum(r, 16)),
        };
        WafRecord {
            timestamp_ms,
            outcome,
            source,
            client_ip,
            country: pick::<&str>(r, COUNTRIES),
            method: pick::<&str>(r, METHODS),
            http_version: pick::<&str>(r, VERSIONS),
            uri,
            args,
            headers,
            request_id,
            ja3: chance(r, 70).then(|| hex(r, 32)),
            oversize: chance(r, 5),
            cloudfront: false,
        }
    }

    fn web_acl_arn(&self, rec: &WafRecord) -> &str {
        if rec.cloudfront {
            &self.cloudfront_acl_arn
        } else {
            &self.web_acl_arn
        }
    }

    fn http_source_name(rec: &WafRecord) -> &'static str {
        if rec.cloudfront {
            "CF"
        } else {
            SOURCES[rec.source].0
        }
    }

    fn http_source_id(&self, rec: &WafRecord) -> String {
        if rec.cloudfront {
            return DISTRIBUTION_ID.to_string();
        }
        match SOURCES[rec.source].0 {
            "ALB" => format!("{}-{}", self.account, SOURCES[rec.source].1),
            _ => format!("{}:{}", self.account, SOURCES[rec.source].1),
        }
    }

    /// `(terminatingRuleId, terminatingRuleType, action)`.
    fn terminating(rec: &WafRecord) -> (&'static str, &'static str, &'static str) {
        match rec.outcome {
            Outcome::Allowed | Outcome::Counted | Outcome::CaptchaSolved => {
                ("Default_Action", "REGULAR", "ALLOW")
            }
            Outcome::ManagedBlock => (
                "AWS-AWSManagedRulesSQLiRuleSet",
                "MANAGED_RULE_GROUP",
                "BLOCK",
            ),
            Outcome::RateBlock => ("per-ip-rate-limit", "RATE_BASED", "BLOCK"),
            Outcome::IpBlock => ("block-listed-ips", "REGULAR", "BLOCK"),
            Outcome::Captcha => ("captcha-login", "REGULAR", "CAPTCHA"),
            Outcome::Challenge => ("challenge-scrapers", "REGULAR", "CHALLENGE"),
            Outcome::HeadersInserted => ("tag-partner-traffic", "REGULAR", "ALLOW"),
        }
    }

    fn terminating_match_details(rec: &WafRecord) -> Value {
        match rec.outcome {
            Outcome::ManagedBlock => json!([{
                "conditionType": "SQL_INJECTION",
                "sensitivityLevel": "LOW",
                "location": "QUERY_STRING",
                "matchedData": ["1", "'", "OR", "'1'", "=", "'1"]
            }]),
            _ => json!([]),
        }
    }

    /// The rule group that terminated the request (in `ruleGroupList`), if one did.
    fn terminating_group(rec: &WafRecord) -> Option<(&'static str, Value, Value)> {
        (rec.outcome == Outcome::ManagedBlock).then(|| {
            (
                "AWS#AWSManagedRulesSQLiRuleSet",
                json!({"ruleId": "SQLi_QUERYARGUMENTS", "action": "BLOCK", "ruleMatchDetails": null}),
                json!([{"exclusionType": "EXCLUDED_AS_COUNT", "ruleId": "SQLi_BODY"}]),
            )
        })
    }

    fn rule_group_list(rec: &WafRecord) -> Value {
        let mut groups = vec![json!({
            "ruleGroupId": "AWS#AWSManagedRulesCommonRuleSet",
            "terminatingRule": null,
            "nonTerminatingMatchingRules": [],
            "excludedRules": null,
            "customerConfig": null
        })];
        if let Some((id, rule, excluded)) = Self::terminating_group(rec) {
            groups.push(json!({
                "ruleGroupId": id,
                "terminatingRule": rule,
                "nonTerminatingMatchingRules": [],
                "excludedRules": excluded,
                "customerConfig": null
            }));
        }
        Value::Array(groups)
    }

    fn rate_based_rule_list(&self, rec: &WafRecord) -> Value {
        match rec.outcome {
            Outcome::RateBlock => json!([{
                "rateBasedRuleId": match rec.cloudfront {
                    true => format!(
                        "arn:aws:wafv2:us-east-1:{}:global/ratebasedstatement/{CLOUDFRONT_WEB_ACL_NAME}/per-ip-rate-limit",
                        self.account
                    ),
                    false => format!(
                        "arn:aws:wafv2:{}:{}:regional/ratebasedstatement/{WEB_ACL_NAME}/per-ip-rate-limit",
                        self.region, self.account
                    ),
                },
                "rateBasedRuleName": "per-ip-rate-limit",
                "limitKey": "IP",
                "maxRateAllowed": 100,
                "evaluationWindowSec": "300",
                "limitValue": rec.client_ip,
            }]),
            _ => json!([]),
        }
    }

    fn non_terminating_rules(rec: &WafRecord) -> Value {
        match rec.outcome {
            Outcome::Counted => json!([
                {"ruleId": "watch-countries", "action": "COUNT", "ruleMatchDetails": []},
                {"ruleId": "watch-large-bodies", "action": "COUNT", "ruleMatchDetails": []}
            ]),
            Outcome::CaptchaSolved => {
                json!([{"ruleId": "captcha-login", "action": "CAPTCHA", "ruleMatchDetails": []}])
            }
            _ => json!([]),
        }
    }

    fn headers_inserted(rec: &WafRecord) -> Option<Value> {
        (rec.outcome == Outcome::HeadersInserted).then(|| {
            json!([
                {"name": "x-amzn-waf-partner", "value": "yes"},
                {"name": "x-amzn-waf-tier", "value": "gold"}
            ])
        })
    }

    fn response_code_sent(rec: &WafRecord) -> Option<i32> {
        (rec.outcome == Outcome::RateBlock).then_some(429)
    }

    fn headers(rec: &WafRecord) -> Value {
        Value::Array(
            rec.headers
                .iter()
                .map(|(n, v)| json!({"name": n, "value": v}))
                .collect(),
        )
    }

    fn http_request(rec: &WafRecord) -> Value {
        json!({
            "clientIp": rec.client_ip,
            "country": rec.country,
            "headers": Self::headers(rec),
            "uri": rec.uri,
            "args": rec.args,
            "httpVersion": rec.http_version,
            "httpMethod": rec.method,
            "requestId": rec.request_id,
        })
    }

    fn labels(&self, rec: &WafRecord) -> Option<Value> {
        let names: Vec<String> = match rec.outcome {
            Outcome::ManagedBlock => {
                vec!["awswaf:managed:aws:sql-database:SQLi_QueryArguments".into()]
            }
            Outcome::Counted => vec![format!(
                "awswaf:{}:webacl:{WEB_ACL_NAME}:watched-country",
                self.account
            )],
            Outcome::Captcha | Outcome::Challenge => vec!["awswaf:managed:token:absent".into()],
            Outcome::CaptchaSolved => vec![
                "awswaf:managed:token:accepted".into(),
                "awswaf:managed:captcha:accepted".into(),
            ],
            _ => Vec::new(),
        };
        (!names.is_empty())
            .then(|| Value::Array(names.into_iter().map(|n| json!({"name": n})).collect()))
    }

    fn captcha_response(rec: &WafRecord) -> Option<Value> {
        match rec.outcome {
            Outcome::Captcha => Some(
                json!({"responseCode": 405, "solveTimestamp": 0, "failureReason": "TOKEN_MISSING"}),
            ),
            Outcome::CaptchaSolved => Some(
                json!({"responseCode": 0, "solveTimestamp": (rec.timestamp_ms - 42_000) / 1000}),
            ),
            _ => None,
        }
    }

    fn challenge_response(rec: &WafRecord) -> Option<Value> {
        (rec.outcome == Outcome::Challenge).then(
            || json!({"responseCode": 202, "solveTimestamp": 0, "failureReason": "TOKEN_MISSING"}),
        )
    }

    fn oversize_fields(rec: &WafRecord) -> Option<Value> {
        rec.oversize.then(|| json!(["REQUEST_BODY"]))
    }

    /// The log record, members in the order AWS WAF writes them.
    fn to_json(&self, rec: &WafRecord) -> Value {
        let (rule, rule_type, action) = Self::terminating(rec);
        let mut m = Map::new();
        m.insert("timestamp".into(), rec.timestamp_ms.into());
        m.insert("formatVersion".into(), 1.into());
        m.insert("webaclId".into(), self.web_acl_arn(rec).into());
        m.insert("terminatingRuleId".into(), rule.into());
        m.insert("terminatingRuleType".into(), rule_type.into());
        m.insert("action".into(), action.into());
        m.insert(
            "terminatingRuleMatchDetails".into(),
            Self::terminating_match_details(rec),
        );
        m.insert("httpSourceName".into(), Self::http_source_name(rec).into());
        m.insert("httpSourceId".into(), self.http_source_id(rec).into());
        m.insert("ruleGroupList".into(), Self::rule_group_list(rec));
        m.insert("rateBasedRuleList".into(), self.rate_based_rule_list(rec));
        m.insert(
            "nonTerminatingMatchingRules".into(),
            Self::non_terminating_rules(rec),
        );
        m.insert(
            "requestHeadersInserted".into(),
            Self::headers_inserted(rec).unwrap_or(Value::Null),
        );
        m.insert(
            "responseCodeSent".into(),
            Self::response_code_sent(rec).map_or(Value::Null, Value::from),
        );
        m.insert("httpRequest".into(), Self::http_request(rec));
        if let Some(l) = self.labels(rec) {
            m.insert("labels".into(), l);
        }
        if let Some(c) = Self::captcha_response(rec) {
            m.insert("captchaResponse".into(), c);
        }
        if let Some(c) = Self::challenge_response(rec) {
            m.insert("challengeResponse".into(), c);
        }
        if let Some(j) = &rec.ja3 {
            m.insert("ja3Fingerprint".into(), j.clone().into());
        }
        if let Some(o) = Self::oversize_fields(rec) {
            m.insert("oversizeFields".into(), o);
        }
        Value::Object(m)
    }

    /// The row the record must become (from the record model, not from its text).
    fn row(&self, rec: &WafRecord) -> AwsWaf {
        let (rule, rule_type, action) = Self::terminating(rec);
        let group = Self::terminating_group(rec);
        AwsWaf {
            TimeGenerated: format_datetime_ms(rec.timestamp_ms),
            Action: action.into(),
            Args: Some(rec.args.clone()),
            CaptchaResponse: Self::captcha_response(rec),
            ChallengeResponse: Self::challenge_response(rec),
            ClientIp: rec.client_ip.clone(),
            Country: Some(rec.country.into()),
            ExcludedRules: group.as_ref().map(|g| g.2.clone()),
            FormatVersion: "1".into(),
            Headers: Some(Self::headers(rec)),
            HttpMethod: Some(rec.method.into()),
            HttpRequest: Self::http_request(rec),
            HttpSourceId: Some(self.http_source_id(rec)),
            HttpSourceName: Some(Self::http_source_name(rec).into()),
            HttpVersion: Some(rec.http_version.into()),
            Ja3Fingerprint: rec.ja3.clone(),
            Labels: self.labels(rec),
            NonTerminatingMatchingRules: Some(Self::non_terminating_rules(rec)),
            OversizeFields: Self::oversize_fields(rec),
            RateBasedRuleList: Some(self.rate_based_rule_list(rec)),
            RequestHeadersInserted: Self::headers_inserted(rec),
            RequestId: Some(rec.request_id.clone()),
            ResponseCodeSent: Self::response_code_sent(rec),
            RuleGroupId: group.as_ref().map(|g| g.0.to_string()),
            RuleGroupList: Some(Self::rule_group_list(rec)),
            TerminatingRule: group.map(|g| g.1),
            TerminatingRuleId: rule.into(),
            TerminatingRuleMatchDetails: Some(Self::terminating_match_details(rec)),
            TerminatingRuleType: rule_type.into(),
            Uri: Some(rec.uri.clone()),
            WebAclId: self.web_acl_arn(rec).to_string(),
        }
    }
}

impl LogGen for WafGen {
    type Record = WafRecord;

    fn next_object(&mut self, max: u64) -> (String, Vec<WafRecord>) {
        self.cloudfront_object = self.region == "us-east-1" && chance(&mut self.rngs.names, 30);
        let first = self.take();
        let window = five_minute_floor(first.timestamp_ms);
        let mut records = vec![first];
        while (records.len() as u64) < max {
            let r = self.take();
            if five_minute_floor(r.timestamp_ms) != window {
                self.pending = Some(r);
                break;
            }
            records.push(r);
        }
        for r in &mut records {
            r.cloudfront = self.cloudfront_object;
        }
        let hash = hex(&mut self.rngs.names, 8);
        let (segment, acl) = if self.cloudfront_object {
            (CLOUDFRONT_SEGMENT, CLOUDFRONT_WEB_ACL_NAME)
        } else {
            (self.region.as_str(), WEB_ACL_NAME)
        };
        (waf_key(&self.account, segment, acl, window, &hash), records)
    }

    /// One more record for the object last begun (the same web ACL's).
    fn next_record(&mut self) -> WafRecord {
        let mut r = self.take();
        r.cloudfront = self.cloudfront_object;
        r
    }

    fn write_record(&self, w: &mut dyn Write, rec: &WafRecord, _position: u64) -> io::Result<u64> {
        serde_json::to_writer(&mut *w, &self.to_json(rec))?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn write_malformed(&self, w: &mut dyn Write, which: u64, _position: u64) -> io::Result<u64> {
        let line = match which % 5 {
            // Cut short.
            0 => format!(
                "{{\"timestamp\":1772323200000,\"formatVersion\":1,\"webaclId\":\"{}",
                self.web_acl_arn
            ),
            1 => "not json at all".to_string(),
            // A record without its timestamp.
            2 => format!(
                "{{\"formatVersion\":1,\"webaclId\":\"{}\",\"terminatingRuleId\":\"Default_Action\",\"terminatingRuleType\":\"REGULAR\",\"action\":\"ALLOW\",\"httpRequest\":{{\"clientIp\":\"192.0.2.1\"}}}}",
                self.web_acl_arn
            ),
            3 => "[\"a JSON array\",\"not a record\"]".to_string(),
            // An httpRequest without its clientIp.
            _ => format!(
                "{{\"timestamp\":1772323200000,\"formatVersion\":1,\"webaclId\":\"{}\",\"terminatingRuleId\":\"Default_Action\",\"terminatingRuleType\":\"REGULAR\",\"action\":\"ALLOW\",\"httpRequest\":{{\"country\":\"US\"}}}}",
                self.web_acl_arn
            ),
        };
        w.write_all(line.as_bytes())?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn expected(
        &self,
        rec: &WafRecord,
        _key: &str,
        index: u64,
        line: Option<u64>,
    ) -> ExpectedRecord {
        let row = self.row(rec);
        ExpectedRecord {
            id: rec.request_id.clone(),
            index,
            line,
            time_generated: row.TimeGenerated.clone(),
            expected: TableRow::new(row),
        }
    }
}

#[cfg(test)]
#[path = "waf_tests.rs"]
mod tests;
