//! AWS WAF web ACL traffic logs delivered to S3: gzip, one JSON log record per line
//! (`timestamp`, `formatVersion`, `webaclId`, ..., `httpRequest`, ...), one `AWSWAF` row
//! per record.

use std::io::BufRead;
use std::ops::ControlFlow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{for_each_line, line_text, stop_or, Item, LineError, ObjectError, Position};
use crate::rows::{Text, WafRef};
use catalogue::tables::{AwsWaf, DateTimeMs};

/// The members of a log record the table reads; every other member is skipped.
#[derive(Deserialize)]
#[allow(non_snake_case)]
struct RecordIn<'a> {
    timestamp: i64,
    #[serde(borrow)]
    formatVersion: &'a RawValue,
    #[serde(borrow)]
    webaclId: Text<'a>,
    #[serde(borrow)]
    terminatingRuleId: Text<'a>,
    #[serde(borrow)]
    terminatingRuleType: Text<'a>,
    #[serde(borrow)]
    action: Text<'a>,
    #[serde(borrow, default)]
    terminatingRuleMatchDetails: Option<&'a RawValue>,
    #[serde(borrow, default)]
    httpSourceName: Option<Text<'a>>,
    #[serde(borrow, default)]
    httpSourceId: Option<Text<'a>>,
    #[serde(borrow, default)]
    ruleGroupList: Option<&'a RawValue>,
    #[serde(borrow, default)]
    rateBasedRuleList: Option<&'a RawValue>,
    #[serde(borrow, default)]
    nonTerminatingMatchingRules: Option<&'a RawValue>,
    #[serde(borrow, default)]
    requestHeadersInserted: Option<&'a RawValue>,
    #[serde(borrow, default)]
    responseCodeSent: Option<&'a RawValue>,
    #[serde(borrow)]
    httpRequest: &'a RawValue,
    #[serde(borrow, default)]
    labels: Option<&'a RawValue>,
    #[serde(borrow, default)]
    captchaResponse: Option<&'a RawValue>,
    #[serde(borrow, default)]
    challengeResponse: Option<&'a RawValue>,
    #[serde(borrow, default)]
    ja3Fingerprint: Option<Text<'a>>,
    #[serde(borrow, default)]
    oversizeFields: Option<&'a RawValue>,
}

/// The members of `httpRequest` that have columns of their own.
#[derive(Deserialize)]
#[allow(non_snake_case)]
struct HttpIn<'a> {
    #[serde(borrow)]
    clientIp: Text<'a>,
    #[serde(borrow, default)]
    country: Option<Text<'a>>,
    #[serde(borrow, default)]
    headers: Option<&'a RawValue>,
    #[serde(borrow, default)]
    uri: Option<Text<'a>>,
    #[serde(borrow, default)]
    args: Option<Text<'a>>,
    #[serde(borrow, default)]
    httpVersion: Option<Text<'a>>,
    #[serde(borrow, default)]
    httpMethod: Option<Text<'a>>,
    #[serde(borrow, default)]
    requestId: Option<Text<'a>>,
}

/// One entry of `ruleGroupList`: only what the rule-group columns read.
#[derive(Deserialize)]
#[allow(non_snake_case)]
struct GroupIn<'a> {
    #[serde(borrow, default)]
    ruleGroupId: Option<Text<'a>>,
    #[serde(borrow, default)]
    terminatingRule: Option<&'a RawValue>,
    #[serde(borrow, default)]
    excludedRules: Option<&'a RawValue>,
}

/// Parses every line of a WAF log object, handing out its rows, malformed lines and bad
/// values (a `responseCodeSent` that is no `int`: the row goes out without it).
pub(super) fn parse_waf(
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
        match waf_line(bytes) {
            Ok((row, bad)) => {
                stop_or(sink(Item::Row(position, &row)))?;
                if let Some(reason) = bad {
                    stop_or(sink(Item::BadValue(LineError { position, reason })))?;
                }
                Ok(())
            }
            Err(reason) => stop_or(sink(Item::Malformed(LineError { position, reason }))),
        }
    })
}

/// Maps one line to its row, and says why a value was left out of it (if one was).
pub(super) fn waf_line(line: &[u8]) -> Result<(WafRef<'_>, Option<String>), String> {
    let text = line_text(line)?;
    let r: RecordIn =
        serde_json::from_str(text).map_err(|e| format!("not an AWS WAF log record: {e}"))?;
    let http: HttpIn = serde_json::from_str(r.httpRequest.get())
        .map_err(|e| format!("not an AWS WAF log record: httpRequest: {e}"))?;
    let format_version = scalar_text(r.formatVersion).ok_or_else(|| {
        format!(
            "formatVersion '{}' is neither a number nor a string",
            r.formatVersion.get()
        )
    })?;
    let group = match r.ruleGroupList {
        Some(list) => terminating_group(list)?,
        None => None,
    };
    let (response_code, bad) = match r.responseCodeSent {
        None => (None, None),
        Some(raw) => match serde_json::from_str::<Option<i32>>(raw.get()) {
            Ok(code) => (code, None),
            Err(_) => (
                None,
                Some(format!(
                    "responseCodeSent '{}' is not an int: the row is ingested without it",
                    raw.get()
                )),
            ),
        },
    };
    let (rule_group_id, terminating_rule, excluded_rules) = match group {
        Some(g) => (g.ruleGroupId, g.terminatingRule, g.excludedRules),
        None => (None, None, None),
    };
    let row: WafRef = AwsWaf {
        TimeGenerated: DateTimeMs(r.timestamp),
        Action: r.action,
        Args: http.args,
        CaptchaResponse: r.captchaResponse,
        ChallengeResponse: r.challengeResponse,
        ClientIp: http.clientIp,
        Country: http.country,
        ExcludedRules: excluded_rules,
        FormatVersion: format_version,
        Headers: http.headers,
        HttpMethod: http.httpMethod,
        HttpRequest: r.httpRequest,
        HttpSourceId: r.httpSourceId,
        HttpSourceName: r.httpSourceName,
        HttpVersion: http.httpVersion,
        Ja3Fingerprint: r.ja3Fingerprint,
        Labels: r.labels,
        NonTerminatingMatchingRules: r.nonTerminatingMatchingRules,
        OversizeFields: r.oversizeFields,
        RateBasedRuleList: r.rateBasedRuleList,
        RequestHeadersInserted: r.requestHeadersInserted,
        RequestId: http.requestId,
        ResponseCodeSent: response_code,
        RuleGroupId: rule_group_id,
        RuleGroupList: r.ruleGroupList,
        TerminatingRule: terminating_rule,
        TerminatingRuleId: r.terminatingRuleId,
        TerminatingRuleMatchDetails: r.terminatingRuleMatchDetails,
        TerminatingRuleType: r.terminatingRuleType,
        Uri: http.uri,
        WebAclId: r.webaclId,
    };
    Ok((row, bad))
}

/// A JSON number as its text, or a JSON string's value; `None` for anything else.
fn scalar_text(raw: &RawValue) -> Option<Text<'_>> {
    let text = raw.get();
    if text.starts_with('"') {
        serde_json::from_str::<Text>(text).ok()
    } else if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        Some(Text(text.into()))
    } else {
        None
    }
}

/// The entry of `ruleGroupList` whose `terminatingRule` is not null (the first, if several
/// claim it), or `None`.
fn terminating_group(list: &RawValue) -> Result<Option<GroupIn<'_>>, String> {
    let groups: Option<Vec<GroupIn>> = serde_json::from_str(list.get())
        .map_err(|e| format!("not an AWS WAF log record: ruleGroupList: {e}"))?;
    Ok(groups
        .unwrap_or_default()
        .into_iter()
        .find(|g| g.terminatingRule.is_some()))
}

#[cfg(test)]
#[path = "waf_tests.rs"]
pub(crate) mod tests;
