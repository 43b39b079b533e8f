//! Tests of the AWS WAF log parser on tricky lines: rate-based blocks, CAPTCHA and
//! challenge actions, labels, IPv6 clients, odd header values, nulls, bad values and
//! malformed lines.

use super::super::testutil::{gz, rows};
use crate::parse::{parse_bytes, parse_object, Position};
use catalogue::tables::{AwsWaf, DateTimeMs};
use catalogue::DataType;
use serde_json::{json, Value};

/// A request allowed by the default action, from an Application Load Balancer.
pub(crate) const ALLOWED: &str = r#"{"timestamp":1772323205120,"formatVersion":1,"webaclId":"arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shop-acl/0f6e2d1c-1a2b-4c3d-8e9f-001122334455","terminatingRuleId":"Default_Action","terminatingRuleType":"REGULAR","action":"ALLOW","terminatingRuleMatchDetails":[],"httpSourceName":"ALB","httpSourceId":"123456789012-app/shop-alb/5f6e7d8c9b0a1b2c","ruleGroupList":[],"rateBasedRuleList":[],"nonTerminatingMatchingRules":[],"requestHeadersInserted":null,"responseCodeSent":null,"httpRequest":{"clientIp":"198.51.100.23","country":"DE","headers":[{"name":"Host","value":"shop.example.com"},{"name":"User-Agent","value":"curl/8.5.0"}],"uri":"/cart","args":"item=42&qty=1","httpVersion":"HTTP/1.1","httpMethod":"GET","requestId":"1-67c2d4e5-0a1b2c3d4e5f6a7b8c9d0e1f"},"ja3Fingerprint":"e7d705a3286e19ea42f587b344ee6865"}"#;

fn one(line: &str) -> AwsWaf {
    let (r, bad) = rows(DataType::Waf, line.as_bytes());
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(r.len(), 1);
    r[0].decode::<AwsWaf>().expect("an AWSWAF row")
}

#[test]
fn an_allowed_request_maps_every_column() {
    let w = one(ALLOWED);
    assert_eq!(w.TimeGenerated, "2026-03-01T00:00:05.120Z");
    assert_eq!(w.Action, "ALLOW");
    assert_eq!(w.FormatVersion, "1");
    assert_eq!(
        w.WebAclId,
        "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shop-acl/0f6e2d1c-1a2b-4c3d-8e9f-001122334455"
    );
    assert_eq!(w.TerminatingRuleId, "Default_Action");
    assert_eq!(w.TerminatingRuleType, "REGULAR");
    assert_eq!(w.TerminatingRuleMatchDetails, Some(json!([])));
    assert_eq!(w.HttpSourceName.as_deref(), Some("ALB"));
    assert_eq!(
        w.HttpSourceId.as_deref(),
        Some("123456789012-app/shop-alb/5f6e7d8c9b0a1b2c")
    );
    assert_eq!(w.RuleGroupList, Some(json!([])));
    assert_eq!(w.RateBasedRuleList, Some(json!([])));
    assert_eq!(w.NonTerminatingMatchingRules, Some(json!([])));
    // JSON null is an absent column.
    assert_eq!(w.RequestHeadersInserted, None);
    assert_eq!(w.ResponseCodeSent, None);
    assert_eq!(w.ClientIp, "198.51.100.23");
    assert_eq!(w.Country.as_deref(), Some("DE"));
    assert_eq!(w.Uri.as_deref(), Some("/cart"));
    assert_eq!(w.Args.as_deref(), Some("item=42&qty=1"));
    assert_eq!(w.HttpVersion.as_deref(), Some("HTTP/1.1"));
    assert_eq!(w.HttpMethod.as_deref(), Some("GET"));
    assert_eq!(
        w.RequestId.as_deref(),
        Some("1-67c2d4e5-0a1b2c3d4e5f6a7b8c9d0e1f")
    );
    assert_eq!(w.Headers.as_ref().unwrap()[1]["value"], "curl/8.5.0");
    assert_eq!(w.HttpRequest["headers"], w.Headers.clone().unwrap());
    assert_eq!(
        w.Ja3Fingerprint.as_deref(),
        Some("e7d705a3286e19ea42f587b344ee6865")
    );
    // Members the record does not have are absent columns.
    assert_eq!(
        (
            &w.Labels,
            &w.CaptchaResponse,
            &w.ChallengeResponse,
            &w.OversizeFields
        ),
        (&None, &None, &None, &None)
    );
    assert_eq!(
        (&w.RuleGroupId, &w.TerminatingRule, &w.ExcludedRules),
        (&None, &None, &None)
    );
}

#[test]
fn a_rate_based_block_keeps_the_rule_list_and_the_custom_response_code() {
    let line = ALLOWED
        .replace(
            r#""terminatingRuleId":"Default_Action","terminatingRuleType":"REGULAR","action":"ALLOW""#,
            r#""terminatingRuleId":"per-ip-limit","terminatingRuleType":"RATE_BASED","action":"BLOCK""#,
        )
        .replace(
            r#""rateBasedRuleList":[]"#,
            r#""rateBasedRuleList":[{"rateBasedRuleId":"arn:aws:wafv2:us-east-1:123456789012:regional/ipset/x/1","rateBasedRuleName":"per-ip-limit","limitKey":"IP","maxRateAllowed":100,"evaluationWindowSec":"300","limitValue":"198.51.100.23"}]"#,
        )
        .replace(r#""responseCodeSent":null"#, r#""responseCodeSent":429"#);
    let w = one(&line);
    assert_eq!(
        (w.Action.as_str(), w.TerminatingRuleType.as_str()),
        ("BLOCK", "RATE_BASED")
    );
    let list = w.RateBasedRuleList.unwrap();
    assert_eq!(list[0]["maxRateAllowed"], 100);
    assert_eq!(list[0]["limitValue"], "198.51.100.23");
    assert_eq!(w.ResponseCodeSent, Some(429));
}

#[test]
fn captcha_and_challenge_responses_and_labels_are_dynamic_columns() {
    let captcha = ALLOWED
        .replace(r#""action":"ALLOW""#, r#""action":"CAPTCHA""#)
        .replace(
            r#""ja3Fingerprint""#,
            r#""labels":[{"name":"awswaf:123456789012:webacl:shop-acl:captcha"},{"name":"awswaf:managed:token:absent"}],"captchaResponse":{"responseCode":405,"solveTimestamp":0,"failureReason":"TOKEN_MISSING"},"ja3Fingerprint""#,
        );
    let w = one(&captcha);
    assert_eq!(w.Action, "CAPTCHA");
    let c = w.CaptchaResponse.unwrap();
    assert_eq!(
        (c["responseCode"].clone(), c["failureReason"].clone()),
        (json!(405), json!("TOKEN_MISSING"))
    );
    assert_eq!(w.Labels.unwrap()[1]["name"], "awswaf:managed:token:absent");
    let challenge = ALLOWED.replace(r#""action":"ALLOW""#, r#""action":"CHALLENGE""#).replace(
        r#""ja3Fingerprint""#,
        r#""challengeResponse":{"responseCode":202,"solveTimestamp":1772323100000},"ja3Fingerprint""#,
    );
    let w = one(&challenge);
    assert_eq!(w.Action, "CHALLENGE");
    assert_eq!(
        w.ChallengeResponse.unwrap()["solveTimestamp"],
        1772323100000_i64
    );
    assert_eq!(w.CaptchaResponse, None);
}

#[test]
fn the_terminating_rule_group_gives_its_id_rule_and_exclusions() {
    let line = ALLOWED
        .replace(
            r#""terminatingRuleId":"Default_Action","terminatingRuleType":"REGULAR","action":"ALLOW""#,
            r#""terminatingRuleId":"AWS-AWSManagedRulesSQLiRuleSet","terminatingRuleType":"MANAGED_RULE_GROUP","action":"BLOCK""#,
        )
        .replace(
            r#""ruleGroupList":[]"#,
            r#""ruleGroupList":[{"ruleGroupId":"AWS#AWSManagedRulesCommonRuleSet","terminatingRule":null,"nonTerminatingMatchingRules":[],"excludedRules":null},{"ruleGroupId":"AWS#AWSManagedRulesSQLiRuleSet","terminatingRule":{"ruleId":"SQLi_QUERYARGUMENTS","action":"BLOCK","ruleMatchDetails":null},"nonTerminatingMatchingRules":[],"excludedRules":[{"exclusionType":"EXCLUDED_AS_COUNT","ruleId":"SQLi_BODY"}]}]"#,
        )
        .replace(
            r#""terminatingRuleMatchDetails":[]"#,
            r#""terminatingRuleMatchDetails":[{"conditionType":"SQL_INJECTION","location":"QUERY_STRING","matchedData":["1","OR","1=1"]}]"#,
        );
    let w = one(&line);
    assert_eq!(
        w.RuleGroupId.as_deref(),
        Some("AWS#AWSManagedRulesSQLiRuleSet")
    );
    assert_eq!(w.TerminatingRule.unwrap()["ruleId"], "SQLi_QUERYARGUMENTS");
    assert_eq!(w.ExcludedRules.unwrap()[0]["ruleId"], "SQLi_BODY");
    assert_eq!(w.RuleGroupList.unwrap().as_array().unwrap().len(), 2);
    assert_eq!(
        w.TerminatingRuleMatchDetails.unwrap()[0]["matchedData"][2],
        "1=1"
    );
}

#[test]
fn ipv6_clients_odd_headers_and_unknown_members() {
    let line = ALLOWED
        .replace("198.51.100.23", "2001:db8:85a3::8a2e:370:7334")
        .replace(r#""country":"DE""#, r#""country":"-""#)
        .replace(
            r#"{"name":"User-Agent","value":"curl/8.5.0"}"#,
            r#"{"name":"User-Agent","value":"Mozilla/5.0 \"quoted\" \\ é 😀"},{"name":"x-empty","value":""},{"name":"x-ctl","value":"a\tb\u0000c"}"#,
        )
        .replace(
            r#""ja3Fingerprint""#,
            r#""ja4Fingerprint":"t13d1516h2_8daaf6152771_b0da82dd1658","requestBodySize":9000,"oversizeFields":["REQUEST_BODY"],"ja3Fingerprint""#,
        );
    let w = one(&line);
    assert_eq!(w.ClientIp, "2001:db8:85a3::8a2e:370:7334");
    assert_eq!(w.Country.as_deref(), Some("-"));
    let h = w.Headers.unwrap();
    assert_eq!(h[1]["value"], "Mozilla/5.0 \"quoted\" \\ é 😀");
    assert_eq!(h[2]["value"], "");
    assert_eq!(h[3]["value"], "a\tb\u{0}c");
    assert_eq!(w.OversizeFields, Some(json!(["REQUEST_BODY"])));
    // The whole request keeps the escaped values too.
    assert_eq!(w.HttpRequest["clientIp"], "2001:db8:85a3::8a2e:370:7334");
}

#[test]
fn a_string_format_version_and_a_bad_response_code() {
    let line = ALLOWED
        .replace(r#""formatVersion":1"#, r#""formatVersion":"1""#)
        .replace(r#""responseCodeSent":null"#, r#""responseCodeSent":"429""#);
    let p = parse_object(
        DataType::Waf,
        None,
        DateTimeMs(0),
        format!("{line}\n").as_bytes(),
    );
    p.result.unwrap();
    assert!(p.malformed.is_empty());
    assert_eq!(p.rows.len(), 1);
    let w = p.rows[0].1.decode::<AwsWaf>().unwrap();
    assert_eq!(w.FormatVersion, "1");
    assert_eq!(w.ResponseCodeSent, None);
    assert_eq!(p.bad_values.len(), 1);
    assert!(p.bad_values[0]
        .reason
        .contains("responseCodeSent '\"429\"'"));
    assert_eq!(p.bad_values[0].position.line, Some(1));
}

#[test]
fn malformed_lines_give_no_row_and_the_rest_is_read() {
    let no_time = ALLOWED.replace(r#""timestamp":1772323205120,"#, "");
    let text_time = ALLOWED.replace("1772323205120", "\"1772323205120\"");
    let no_client = ALLOWED.replace(r#""clientIp":"198.51.100.23","#, "");
    let bad_version = ALLOWED.replace(r#""formatVersion":1"#, r#""formatVersion":{}"#);
    let bad_groups = ALLOWED.replace(r#""ruleGroupList":[]"#, r#""ruleGroupList":"none""#);
    let text = [
        ALLOWED,
        "not json",
        &no_time,
        &text_time,
        "",
        &no_client,
        &bad_version,
        &bad_groups,
        &ALLOWED[..40],
        "[1,2]",
        ALLOWED,
    ]
    .join("\n");
    let (r, bad, res) = parse_bytes(DataType::Waf, Some("x.log.gz"), &gz(text.as_bytes()));
    let summary = res.unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(
        r[1].0,
        Position {
            line: Some(11),
            index: 9
        }
    );
    let lines: Vec<u64> = bad.iter().map(|e| e.position.line.unwrap()).collect();
    assert_eq!(lines, [2, 3, 4, 6, 7, 8, 9, 10]);
    assert!(
        bad[1].reason.contains("missing field `timestamp`"),
        "{}",
        bad[1]
    );
    assert!(bad[3].reason.contains("clientIp"), "{}", bad[3]);
    assert!(bad[4].reason.contains("formatVersion '{}'"), "{}", bad[4]);
    assert!(bad[5].reason.contains("ruleGroupList"), "{}", bad[5]);
    assert_eq!(
        (summary.rows, summary.malformed, summary.gzip_layers),
        (2, 8, 1)
    );
    let row: Value = r[0].1.columns().clone();
    assert!(row.get("Labels").is_none(), "absent columns are left out");
}
