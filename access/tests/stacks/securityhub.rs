//! Security Hub findings: EventBridge (with the rule's role) puts the events into Firehose,
//! which writes them with its own role; with the context each sends, allowed, and the same
//! request from elsewhere denied.
//!
//! - EventBridge target roles: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-iam-roles.html
//!   (`events.amazonaws.com` assumes the role; `aws:SourceArn` is the rule's ARN and
//!   `aws:SourceAccount` its account: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html).
//! - Firehose's role: https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-s3.

use super::fixture::Service::SecurityHub;
use super::fixture::*;
use super::table::*;

fn as_ctx(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, x)| (k.as_str(), x.as_str())).collect()
}

/// The cases of the Security Hub path of `fx`.
pub fn securityhub(fx: &Fixture) -> Vec<Case> {
    let firehose_role = fx.att("SecurityHubFirehoseRole", "Arn");
    let events_role = fx.att("SecurityHubEventsRole", "Arn");
    let stream = fx.att("SecurityHubDeliveryStream", "Arn");
    let rule = fx.att("SecurityHubFindingsRule", "Arn");
    let (p, r) = (fx.p().to_string(), fx.region().to_string());
    let as_firehose = session(&firehose_role, "firehose-delivery");
    let as_events = session(&events_role, "eventbridge-target");
    let tls = [("aws:SecureTransport", "true")];
    let object = fx.object(&fx.log_key(SecurityHub));
    let errors = fx.object("SecurityHubFindings-errors/S3Delivery/2026/12/02/x.gz");
    let assume = |who: &str, role: &str, ctx: &[(&str, &str)]| {
        request(service(who), "sts:AssumeRole", role, ctx)
    };
    let other_rule = format!("arn:{p}:events:{r}:{ACCOUNT}:rule/someone-elses-rule");
    let other_stream = format!("arn:{p}:firehose:{r}:{ACCOUNT}:deliverystream/another-stream");
    let from = |account: &'static str, arn: &str| {
        vec![
            ("aws:SourceAccount".to_string(), account.to_string()),
            ("aws:SourceArn".to_string(), arn.to_string()),
        ]
    };
    let own = from(ACCOUNT, &rule);
    let foreign_rule = from(ACCOUNT, &other_rule);
    let foreign_account = from(OTHER_ACCOUNT, &rule.replace(ACCOUNT, OTHER_ACCOUNT));
    vec![
        allow(
            "SecurityHub: Firehose may assume its delivery role (external ID = the account)",
            assume(
                "firehose.amazonaws.com",
                &firehose_role,
                &[("sts:ExternalId", ACCOUNT)],
            ),
        ),
        deny(
            "SecurityHub: Firehose of another account may not assume it",
            assume(
                "firehose.amazonaws.com",
                &firehose_role,
                &[("sts:ExternalId", OTHER_ACCOUNT)],
            ),
        ),
        allow(
            "SecurityHub: the delivery role may write an object under the prefix",
            request(as_firehose.clone(), "s3:PutObject", &object, &tls),
        ),
        allow(
            "SecurityHub: the delivery role may write failed records under the error prefix",
            request(as_firehose.clone(), "s3:PutObject", &errors, &tls),
        ),
        allow(
            "SecurityHub: the delivery role may find the bucket",
            request(
                as_firehose.clone(),
                "s3:GetBucketLocation",
                &fx.bucket_arn(),
                &tls,
            ),
        ),
        deny(
            "SecurityHub: the delivery role may not write elsewhere in the bucket",
            request(
                as_firehose.clone(),
                "s3:PutObject",
                &fx.object("AWSLogs/elsewhere/x.gz"),
                &tls,
            ),
        ),
        deny(
            "SecurityHub: the delivery role may not read objects",
            request(as_firehose.clone(), "s3:GetObject", &object, &tls),
        ),
        deny(
            "SecurityHub: the delivery role may not put into the stream",
            request(as_firehose, "firehose:PutRecord", &stream, &[]),
        ),
        allow(
            "SecurityHub: EventBridge may assume the target role for the stack's rule",
            assume("events.amazonaws.com", &events_role, &as_ctx(&own)),
        ),
        deny(
            "SecurityHub: not for another rule",
            assume("events.amazonaws.com", &events_role, &as_ctx(&foreign_rule)),
        ),
        deny(
            "SecurityHub: not for a rule of another account",
            assume(
                "events.amazonaws.com",
                &events_role,
                &as_ctx(&foreign_account),
            ),
        ),
        deny(
            "SecurityHub: not without the rule's ARN",
            assume("events.amazonaws.com", &events_role, &[]),
        ),
        deny(
            "SecurityHub: Firehose may not assume the target role",
            assume("firehose.amazonaws.com", &events_role, &as_ctx(&own)),
        ),
        allow(
            "SecurityHub: the target role may PutRecord into the stream",
            request(as_events.clone(), "firehose:PutRecord", &stream, &[]),
        ),
        allow(
            "SecurityHub: the target role may PutRecordBatch into the stream",
            request(as_events.clone(), "firehose:PutRecordBatch", &stream, &[]),
        ),
        deny(
            "SecurityHub: the target role may not put into another stream",
            request(as_events.clone(), "firehose:PutRecord", &other_stream, &[]),
        ),
        deny(
            "SecurityHub: the target role may not write to the bucket",
            request(as_events, "s3:PutObject", &object, &tls),
        ),
    ]
}
