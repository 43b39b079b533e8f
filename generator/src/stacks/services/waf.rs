//! AWS WAF: the logging configuration of the given web ACL, whose traffic logs the
//! log-delivery service writes to the bucket (AWS WAF Developer Guide, "Sending web ACL
//! traffic logs to an Amazon S3 bucket").
//!
//! AWS WAF logs only to a bucket whose name starts with `aws-waf-logs-` (the stack's
//! `BucketName` pattern says so), always at the bucket's root
//! (`AWSLogs/<account>/WAFLogs/<region>/<web-acl>/...`), so the stack refuses a key prefix
//! together with a web ACL it is to log. A CloudFront (global) web ACL's logging is
//! configured in us-east-1, so its stack is deployed there.

use super::super::bucket::{Ctx, BUCKET_POLICY_ID};
use super::super::layout::Layout;
use super::super::params;
use super::{acl_check_and_write, and_create_bucket, Grants};
use crate::cfn::{Cond, Expr, Parameter, Template};
use crate::facts::principals;
use crate::grants::bucket_arn;
use crate::resources::wafv2;

/// A WAFv2 web ACL ARN (regional or CloudFront-global), or empty.
pub const WEB_ACL_ARN_PATTERN: &str =
    "^$|^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:[0-9]{12}:(regional|global)/webacl/[A-Za-z0-9_-]{1,128}/[0-9a-f-]{36}$";

pub(super) fn deliver(t: &mut Template, ctx: &Ctx, layout: &Layout) -> Grants {
    let web_acl = t.param(
        params::WEB_ACL_ARN,
        Parameter::string(
            "ARN of the WAFv2 web ACL whose traffic to log into the bucket. A CloudFront (global) web ACL is logged from us-east-1: deploy the stack there. Leave empty to create no logging configuration (deliver from an existing one).",
        )
        .default("")
        .pattern(
            WEB_ACL_ARN_PATTERN,
            "must be a WAFv2 web ACL ARN, arn:<partition>:wafv2:<region>:<account>:regional/webacl/<name>/<id> (or global/webacl/... for CloudFront), or empty",
        ),
    );
    let given = !(Cond::equals(web_acl.clone(), ""));
    let has_web_acl = t.condition("HasWebAclArn", given.clone());
    // A rule cannot name a template condition: it repeats the test on the parameter.
    t.rule(
        "WafLogsAtTheBucketRoot",
        Some(given),
        Cond::equals(Expr::reference(&layout.key_prefix_param), ""),
        format!(
            "Leave {} empty with a WebAclArn: AWS WAF writes its logs under AWSLogs/ at the root of the bucket and takes no key prefix.",
            layout.key_prefix_param
        ),
    );
    let create = and_create_bucket(t, "CreateWafLogging", Cond::named(&has_web_acl));
    t.add(
        "WafLoggingConfiguration",
        &wafv2::LoggingConfiguration {
            resource_arn: web_acl,
            log_destination_configs: vec![bucket_arn(&ctx.created_bucket, "")],
        },
    )
    .condition(create.clone())
    .depends_on(BUCKET_POLICY_ID);
    t.output(
        "WafLoggingResourceArn",
        "The web ACL whose logging configuration this stack created.",
        Expr::reference(params::WEB_ACL_ARN),
    )
    .condition = Some(create);

    // What the WAF guide documents for S3 delivery: the log-delivery service checks the
    // bucket ACL and writes under AWSLogs/<account>/ with bucket-owner-full-control, on behalf
    // of this account's log deliveries.
    let source = Expr::sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*");
    (
        acl_check_and_write(ctx, layout, principals::LOG_DELIVERY, "WafLogs", source),
        Vec::new(),
    )
}
