//! S3 server access logs: server access logging of the watched buckets writes into this stack's
//! log bucket, under the target prefix `[<KeyPrefix>/]s3-access-logs/`, in the partitioned key
//! format (`<account>/<region>/<source bucket>/YYYY/MM/DD/...`, one source bucket per object).
//!
//! CloudFormation cannot turn logging on for a bucket it did not create, so the stack creates no
//! delivering resource: it grants the delivery in the bucket policy and gives the
//! `ServerAccessLoggingCommand` output, which runs `aws s3api put-bucket-logging` for each
//! watched bucket. Both exist only when `WatchedBucketNames` is given.
//!
//! The bucket policy, as the S3 User Guide gives it ("Permissions for log delivery"): the
//! logging service principal `logging.s3.amazonaws.com` may `s3:PutObject` under the target
//! prefix of this account and Region, with `aws:SourceAccount` = this account and
//! `aws:SourceArn` = one of the watched buckets. The ARNs are `arn:*:s3:::<name>`: a template
//! cannot put `${AWS::Partition}` in front of each name of a list, and with `aws:SourceAccount`
//! pinned, only this account's buckets (all in its partition) can match. The log bucket never
//! logs into itself (Microsoft's template makes its bucket log into itself, a feedback loop that
//! S3 warns against): a second statement denies the delivery of the log bucket's own logs, and
//! the command skips it.

use super::super::bucket::Ctx;
use super::super::layout::Layout;
use super::super::params;
use super::{writes_to, Grants};
use crate::cfn::{Cond, Expr, Parameter, Template};
use crate::facts::principals;
use crate::grants::{bucket_arn, from_source};
use crate::iam::{actions, keys, Operator, Principal, Statement};
use crate::text;
use serde_json::json;

/// The condition "watched buckets are given".
pub const HAS_WATCHED_BUCKETS: &str = "HasWatchedBucketNames";
/// The output with the `put-bucket-logging` command.
pub const LOGGING_COMMAND_OUTPUT: &str = "ServerAccessLoggingCommand";
/// Bucket names (3-63 lower-case letters, digits, dots and hyphens), comma separated, or empty.
pub const WATCHED_PATTERN: &str =
    "^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](,[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])*$";
pub const WATCHED_RULE: &str = "must be S3 bucket names separated by commas without spaces (my-app-data,my-app-uploads), or empty";

pub(super) fn deliver(t: &mut Template, ctx: &Ctx, layout: &Layout) -> Grants {
    let watched = t.param(
        params::WATCHED_BUCKET_NAMES,
        Parameter::string(
            "Buckets whose server access logs go to the log bucket, comma separated (same account and Region as the log bucket). The bucket policy lets S3 log delivery write for exactly these; run the ServerAccessLoggingCommand output to turn their logging on. Empty: no delivery is granted.",
        )
        .default("")
        .pattern(WATCHED_PATTERN, WATCHED_RULE),
    );
    let has_watched = t.condition(HAS_WATCHED_BUCKETS, !(Cond::equals(watched.clone(), "")));

    // `arn:*:s3:::a,arn:*:s3:::b` split into a list.
    let sources = Expr::Split(
        ",".into(),
        Box::new(Expr::sub_with(
            "arn:*:s3:::${Names}",
            [(
                "Names",
                Expr::JoinList(
                    ",arn:*:s3:::".into(),
                    Box::new(Expr::Split(",".into(), Box::new(watched.clone()))),
                ),
            )],
        )),
    );
    let write = from_source(
        writes_to(
            Statement::allow(&[actions::s3::PUT_OBJECT])
                .sid("S3ServerAccessLogsWrite")
                .principal(Principal::service(principals::S3_LOGGING)),
            ctx,
            layout,
        ),
        sources,
    )
    .only_if(has_watched.clone());
    let no_self_logging = Statement::deny(&[actions::s3::PUT_OBJECT])
        .sid("S3ServerAccessLogsNeverOfItself")
        .principal(Principal::service(principals::S3_LOGGING))
        .resource(bucket_arn(&ctx.created_bucket, "/*"))
        .when(
            Operator::ArnLike,
            keys::SOURCE_ARN,
            bucket_arn(&ctx.created_bucket, ""),
        );

    t.output(
        LOGGING_COMMAND_OUTPUT,
        "Run once to turn on server access logging of each watched bucket into the log bucket (CloudFormation cannot change a bucket it did not create); the log bucket itself is skipped.",
        Expr::sub_with(
            text::render("server_access_logging_command", &json!({})),
            [
                ("Watched", watched),
                ("LogBucket", ctx.bucket_name.clone()),
                ("TargetPrefix", layout.target_prefix()),
            ],
        ),
    )
    .condition = Some(has_watched);
    (vec![write, no_self_logging], Vec::new())
}
