//! Route 53 Resolver query logs delivered to S3 by the log-delivery service, with the context
//! it sends: the Route 53 Developer Guide's bucket policy for a query logging configuration
//! with an S3 destination
//! (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs-choosing-target-resource.html:
//! delivery.logs.amazonaws.com, s3:GetBucketAcl on the bucket and s3:PutObject under
//! AWSLogs/<account>/), with the confused-deputy conditions of logs delivered to S3
//! (aws:SourceAccount, aws:SourceArn arn:<p>:logs:<region>:<account>:*, and
//! bucket-owner-full-control).

use super::fixture::Service::*;
use super::fixture::*;
use super::table::*;

fn context(account: &str, arn: &str, acl: bool) -> Vec<(String, String)> {
    let mut c = vec![
        ("aws:SourceAccount".to_string(), account.to_string()),
        ("aws:SourceArn".to_string(), arn.to_string()),
        ("aws:SecureTransport".to_string(), "true".to_string()),
    ];
    if acl {
        c.push((
            "s3:x-amz-acl".to_string(),
            "bucket-owner-full-control".to_string(),
        ));
    }
    c
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, x)| (k.as_str(), x.as_str())).collect()
}

/// The log-delivery service writing the query logs of this account's VPCs.
pub fn query_logs(fx: &Fixture) -> Vec<Case> {
    let who = || service("delivery.logs.amazonaws.com");
    let from = format!("arn:{}:logs:{}:{ACCOUNT}:*", fx.p(), fx.region());
    let elsewhere = format!("arn:{}:logs:{}:{OTHER_ACCOUNT}:*", fx.p(), fx.region());
    let object = fx.object(&fx.log_key(Route53Resolver));
    let put = |ctx: Vec<(String, String)>| request(who(), "s3:PutObject", &object, &pairs(&ctx));
    vec![
        allow(
            "Route53Resolver: log delivery may check the bucket's ACL",
            request(
                who(),
                "s3:GetBucketAcl",
                &fx.bucket_arn(),
                &pairs(&context(ACCOUNT, &from, false)),
            ),
        ),
        allow(
            "Route53Resolver: log delivery may write a query log object, owner full control",
            put(context(ACCOUNT, &from, true)),
        ),
        deny(
            "Route53Resolver: not without bucket-owner-full-control",
            put(context(ACCOUNT, &from, false)),
        ),
        deny(
            "Route53Resolver: not for another account's query logs",
            put(context(OTHER_ACCOUNT, &elsewhere, true)),
        ),
        deny(
            "Route53Resolver: not for another account's query logs (ACL check)",
            request(
                who(),
                "s3:GetBucketAcl",
                &fx.bucket_arn(),
                &pairs(&context(OTHER_ACCOUNT, &elsewhere, false)),
            ),
        ),
        deny(
            "Route53Resolver: not outside AWSLogs/<account>/",
            request(
                who(),
                "s3:PutObject",
                &fx.object(&format!(
                    "{}elsewhere/x.log.gz",
                    fx.key_path(Route53Resolver)
                )),
                &pairs(&context(ACCOUNT, &from, true)),
            ),
        ),
    ]
}
