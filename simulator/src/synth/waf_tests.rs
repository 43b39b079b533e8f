//! Tests of the AWS WAF log generator: key layout, record shape and member order, the
//! oracle rows against an independent reading of the text, edge cases and bad data.

use std::collections::HashSet;

use regex::Regex;
use serde_json::Value;

use super::super::manifest::Content;
use super::super::testutil::*;
use super::super::{BadDataKind, GenOptions};
use super::*;
use crate::tables::parse_datetime_ms;
use catalogue::DataType;

const KEY: &str = r"^AWSLogs/(\d{12})/WAFLogs/(cloudfront|[a-z]{2}(-[a-z]+)+-\d)/([A-Za-z0-9_-]+)/(\d{4})/(\d{2})/(\d{2})/(\d{2})/(\d{2})/(\d{12})_waflogs_([a-z0-9-]+)_([A-Za-z0-9_-]+)_(\d{8})T(\d{2})(\d{2})Z_([0-9a-f]{8})\.log\.gz$";

/// Independent mapping of a log line to the table row, from the JSON text alone.
fn to_row(v: &Value) -> AwsWaf {
    let s = |x: &Value| x.as_str().map(str::to_string);
    let d = |x: &Value| (!x.is_null()).then(|| x.clone());
    let h = &v["httpRequest"];
    let group = v["ruleGroupList"]
        .as_array()
        .and_then(|g| g.iter().find(|g| !g["terminatingRule"].is_null()));
    AwsWaf {
        TimeGenerated: format_datetime_ms(v["timestamp"].as_i64().unwrap()),
        Action: s(&v["action"]).unwrap(),
        Args: s(&h["args"]),
        CaptchaResponse: d(&v["captchaResponse"]),
        ChallengeResponse: d(&v["challengeResponse"]),
        ClientIp: s(&h["clientIp"]).unwrap(),
        Country: s(&h["country"]),
        ExcludedRules: group.and_then(|g| d(&g["excludedRules"])),
        FormatVersion: v["formatVersion"].to_string(),
        Headers: d(&h["headers"]),
        HttpMethod: s(&h["httpMethod"]),
        HttpRequest: h.clone(),
        HttpSourceId: s(&v["httpSourceId"]),
        HttpSourceName: s(&v["httpSourceName"]),
        HttpVersion: s(&h["httpVersion"]),
        Ja3Fingerprint: s(&v["ja3Fingerprint"]),
        Labels: d(&v["labels"]),
        NonTerminatingMatchingRules: d(&v["nonTerminatingMatchingRules"]),
        OversizeFields: d(&v["oversizeFields"]),
        RateBasedRuleList: d(&v["rateBasedRuleList"]),
        RequestHeadersInserted: d(&v["requestHeadersInserted"]),
        RequestId: s(&h["requestId"]),
        ResponseCodeSent: v["responseCodeSent"].as_i64().map(|c| c as i32),
        RuleGroupId: group.and_then(|g| s(&g["ruleGroupId"])),
        RuleGroupList: d(&v["ruleGroupList"]),
        TerminatingRule: group.map(|g| g["terminatingRule"].clone()),
        TerminatingRuleId: s(&v["terminatingRuleId"]).unwrap(),
        TerminatingRuleMatchDetails: d(&v["terminatingRuleMatchDetails"]),
        TerminatingRuleType: s(&v["terminatingRuleType"]).unwrap(),
        Uri: s(&h["uri"]),
        WebAclId: s(&v["webaclId"]).unwrap(),
    }
}

#[test]
fn the_key_follows_the_documented_layout() {
    // The WAF Developer Guide's example, rebuilt.
    let t = parse_datetime_ms("2021-10-28T19:50:00Z").unwrap();
    assert_eq!(
        waf_key("11111111111", "us-east-1", "TEST-WEBACL", t, "e0ca43b5"),
        "AWSLogs/11111111111/WAFLogs/us-east-1/TEST-WEBACL/2021/10/28/19/50/11111111111_waflogs_us-east-1_TEST-WEBACL_20211028T1950Z_e0ca43b5.log.gz"
    );
}

#[test]
fn objects_read_back_equal_manifest() {
    let opts = GenOptions::new(DataType::Waf, 3000, 6);
    let out = run(&opts);
    let re = Regex::new(KEY).unwrap();
    let mut total = 0;
    let mut actions = HashSet::new();
    let mut types = HashSet::new();
    let (mut ipv6, mut odd, mut unknown_country, mut rate, mut captcha, mut challenge) =
        (0, 0, 0, 0, 0, 0);
    let mut cloudfront_objects = 0;
    for e in out.entries() {
        let c = re.captures(&e.key).unwrap_or_else(|| panic!("{}", e.key));
        let cloudfront = &c[2] == CLOUDFRONT_SEGMENT;
        let acl = if cloudfront {
            CLOUDFRONT_WEB_ACL_NAME
        } else {
            WEB_ACL_NAME
        };
        if !cloudfront {
            assert_eq!(&c[2], "us-east-1");
        }
        cloudfront_objects += usize::from(cloudfront);
        assert_eq!((&c[1], &c[4]), ("123456789012", acl));
        // The file name repeats the account, the Region segment and the web ACL.
        assert_eq!((&c[10], &c[11], &c[12]), (&c[1], &c[2], &c[4]));
        // The folder's date and minute are those of the file name.
        assert_eq!(
            format!("{}{}{}", &c[5], &c[6], &c[7]),
            c[13].to_string(),
            "{}",
            e.key
        );
        assert_eq!((&c[8], &c[9]), (&c[14], &c[15]));
        assert_eq!(c[9].parse::<u32>().unwrap() % 5, 0, "5-minute windows");
        let text = String::from_utf8(gunzip(&out.objects[&e.key])).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len() as u64, e.record_count);
        for (i, (line, exp)) in lines.iter().zip(&e.records).enumerate() {
            assert_eq!(exp.line, Some(i as u64 + 1));
            let v: Value = serde_json::from_str(line).unwrap();
            assert_eq!(TableRow::new(to_row(&v)), exp.expected, "{line}");
            // Members in the order AWS WAF writes them.
            let at = |k: &str| line.find(&format!("\"{k}\":")).unwrap();
            assert!(at("timestamp") < at("formatVersion"));
            assert!(at("action") < at("httpRequest"));
            assert!(at("responseCodeSent") < at("httpRequest"));
            let ts = v["timestamp"].as_i64().unwrap();
            assert_eq!(
                format_datetime_ms(five_minute_floor(ts))[..16].replace(['-', ':', 'T'], ""),
                format!("{}{}{}{}{}", &c[5], &c[6], &c[7], &c[8], &c[9])
            );
            // A file holds one web ACL's records.
            let arn = v["webaclId"].as_str().unwrap();
            assert_eq!(arn.contains(":global/webacl/"), cloudfront, "{arn}");
            assert!(arn.contains(&format!("/webacl/{acl}/")), "{arn}");
            assert_eq!(v["httpSourceName"] == "CF", cloudfront);
            actions.insert(v["action"].as_str().unwrap().to_string());
            types.insert(v["terminatingRuleType"].as_str().unwrap().to_string());
            let ip = v["httpRequest"]["clientIp"].as_str().unwrap();
            ipv6 += usize::from(ip.contains(':'));
            unknown_country += usize::from(v["httpRequest"]["country"] == "-");
            odd += usize::from(line.contains("\\u0000") || line.contains("\\\""));
            rate += usize::from(v["responseCodeSent"] == 429);
            captcha += usize::from(v["captchaResponse"]["failureReason"] == "TOKEN_MISSING");
            challenge += usize::from(v.get("challengeResponse").is_some());
            total += 1;
        }
    }
    assert_eq!(total, 3000);
    assert!(cloudfront_objects > 0 && cloudfront_objects < out.entries().count());
    let want: HashSet<String> = ["ALLOW", "BLOCK", "CAPTCHA", "CHALLENGE"]
        .map(String::from)
        .into();
    assert_eq!(actions, want);
    let want: HashSet<String> = ["REGULAR", "RATE_BASED", "MANAGED_RULE_GROUP"]
        .map(String::from)
        .into();
    assert_eq!(types, want);
    for (what, n) in [
        ("IPv6 clients", ipv6),
        ("odd header values", odd),
        ("unknown countries", unknown_country),
        ("rate-based blocks", rate),
        ("CAPTCHAs", captcha),
        ("challenges", challenge),
    ] {
        assert!(n > 20, "{what}: {n}");
    }
}

#[test]
fn malformed_lines_are_counted() {
    let mut o = GenOptions::new(DataType::Waf, 30, 4);
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
            v.get("timestamp").is_some() && v["httpRequest"].get("clientIp").is_some()
        });
        assert_eq!(ok, !e.malformed_lines.contains(&(i as u64 + 1)), "{l}");
        good += usize::from(ok);
    }
    assert_eq!(good as u64, e.record_count);
}

#[test]
fn snapshot_tiny_object() {
    let out = run(&GenOptions::new(DataType::Waf, 3, 42));
    let key = &out.order[0];
    let text = String::from_utf8(gunzip(&out.objects[key])).unwrap();
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    insta::assert_json_snapshot!(serde_json::json!({
        "key": key,
        "sha256": crate::synth::sha256_hex(&out.objects[key]),
        "records": records,
    }));
}
