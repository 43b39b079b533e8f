//! The `AWSWAF` table: its row struct and its column declarations (names in order, and
//! the column types of Microsoft's table reference; see [`super`]).

use serde::{Deserialize, Serialize};

use super::{cols, Column, Row, StreamDecl, Table};

/// The columns of `AWSWAF`, in order; the fields of [`AwsWaf`] are these names. The
/// reference lists 36 columns: these 31 and the five the workspace adds itself
/// (`_BilledSize`, `_IsBillable`, `SourceSystem`, `TenantId`, `Type`).
pub const COLUMNS: &[Column] = cols![
    TimeGenerated: Datetime,
    Action: String,
    Args: String,
    CaptchaResponse: Dynamic,
    ChallengeResponse: Dynamic,
    ClientIp: String,
    Country: String,
    ExcludedRules: Dynamic,
    FormatVersion: String,
    Headers: Dynamic,
    HttpMethod: String,
    HttpRequest: Dynamic,
    HttpSourceId: String,
    HttpSourceName: String,
    HttpVersion: String,
    Ja3Fingerprint: String,
    Labels: Dynamic,
    NonTerminatingMatchingRules: Dynamic,
    OversizeFields: Dynamic,
    RateBasedRuleList: Dynamic,
    RequestHeadersInserted: Dynamic,
    RequestId: String,
    ResponseCodeSent: Int,
    RuleGroupId: String,
    RuleGroupList: Dynamic,
    TerminatingRule: Dynamic,
    TerminatingRuleId: String,
    TerminatingRuleMatchDetails: Dynamic,
    TerminatingRuleType: String,
    Uri: String,
    WebAclId: String,
];

/// The DCR stream that feeds `AWSWAF` in the mock endpoint. Microsoft's own connector
/// posts to the internal `SENTINEL_AWSWAF` stream (no public declaration, and the table
/// says "Ingestion API Supported: No"); the mock declares the table's columns instead.
pub const STREAM: StreamDecl = StreamDecl {
    name: "Custom-AWSWAF",
    table: Table::AWSWAF,
    columns: COLUMNS,
};

/// `AWSWAF`: one AWS WAF web ACL traffic log record (one JSON object per line).
///
/// `TimeGenerated` <- `timestamp` (epoch milliseconds: the time AWS WAF received the
/// request). Microsoft's DCR for this table is Microsoft-internal (stream
/// `SENTINEL_AWSWAF`, no transform published) and the table reference only says
/// "Timestamp when the log was processed", so whether Sentinel uses the event time or the
/// ingestion time is not documented; this toolkit keeps the event's own `timestamp`.
///
/// Top-level members map to the column of the same name in PascalCase: `action`,
/// `formatVersion` (a JSON number, kept as its text), `webaclId` -> `WebAclId`,
/// `terminatingRuleId`, `terminatingRuleType`, `terminatingRuleMatchDetails`,
/// `httpSourceName`, `httpSourceId`, `ruleGroupList`, `rateBasedRuleList`,
/// `nonTerminatingMatchingRules`, `requestHeadersInserted`, `responseCodeSent`, `labels`,
/// `captchaResponse`, `challengeResponse`, `ja3Fingerprint`, `oversizeFields`; the
/// `httpRequest` object goes whole to `HttpRequest`, and its `clientIp`, `country`,
/// `headers`, `uri`, `args`, `httpVersion`, `httpMethod` and `requestId` to their own
/// columns. `RuleGroupId`, `TerminatingRule` and `ExcludedRules` come from the entry of
/// `ruleGroupList` whose `terminatingRule` is not null (the rule group that ended the
/// inspection; absent when no rule group did). A member that is missing or JSON `null` is
/// an absent column; dynamic columns hold the member's JSON as it is.
#[allow(non_snake_case)]
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsWaf<S = String, D = String, J = serde_json::Value> {
    pub TimeGenerated: D,
    pub Action: S,
    pub Args: Option<S>,
    pub CaptchaResponse: Option<J>,
    pub ChallengeResponse: Option<J>,
    pub ClientIp: S,
    pub Country: Option<S>,
    pub ExcludedRules: Option<J>,
    pub FormatVersion: S,
    pub Headers: Option<J>,
    pub HttpMethod: Option<S>,
    pub HttpRequest: J,
    pub HttpSourceId: Option<S>,
    pub HttpSourceName: Option<S>,
    pub HttpVersion: Option<S>,
    pub Ja3Fingerprint: Option<S>,
    pub Labels: Option<J>,
    pub NonTerminatingMatchingRules: Option<J>,
    pub OversizeFields: Option<J>,
    pub RateBasedRuleList: Option<J>,
    pub RequestHeadersInserted: Option<J>,
    pub RequestId: Option<S>,
    pub ResponseCodeSent: Option<i32>,
    pub RuleGroupId: Option<S>,
    pub RuleGroupList: Option<J>,
    pub TerminatingRule: Option<J>,
    pub TerminatingRuleId: S,
    pub TerminatingRuleMatchDetails: Option<J>,
    pub TerminatingRuleType: S,
    pub Uri: Option<S>,
    pub WebAclId: S,
}

impl<S: Serialize, D: Serialize, J: Serialize> Row for AwsWaf<S, D, J> {
    const TABLE: Table = Table::AWSWAF;
    type Time = D;
    fn time_generated(&self) -> &D {
        &self.TimeGenerated
    }
}
