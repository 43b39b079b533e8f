//! Each AWS service that delivers into the stack, with the request context it sends: allowed;
//! the same request from another account, for another source, or without what the policies
//! require: denied.
//!
//! The context each service sends, from its documentation:
//! - CloudTrail: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
//!   (s3:GetBucketAcl and s3:PutObject with x-amz-acl bucket-owner-full-control, aws:SourceArn
//!   the trail's ARN, aws:SourceAccount; an organization trail also writes under
//!   AWSLogs/<organization id>/).
//! - VPC flow logs to S3: https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html
//!   (delivery.logs.amazonaws.com, aws:SourceArn arn:<p>:logs:<region>:<account>:*).
//! - GuardDuty exports: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_exportfindings.html
//!   (s3:GetBucketLocation, s3:PutObject with SSE-KMS, kms:GenerateDataKey; the Regional
//!   principal guardduty.<region>.amazonaws.com in opt-in Regions; aws:SourceArn the detector).
//! - S3 event notifications to SQS: https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html
//! - Firehose's role: https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-s3
//!   (firehose.amazonaws.com assumes it with sts:ExternalId = the account ID).
//! - S3 server access logging: https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
//!   (logging.s3.amazonaws.com, s3:PutObject under the target prefix, aws:SourceArn the source
//!   bucket, aws:SourceAccount; no ACL).
//! - CloudWatch Logs subscriptions to Firehose: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html#FirehoseExample
//!   (the logs service principal assumes the role, aws:SourceArn arn:<p>:logs:<region>:<account>:*).

use super::fixture::Service::*;
use super::fixture::*;
use super::table::*;
use access::Caller;

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, x)| (k.as_str(), x.as_str())).collect()
}

/// The context of a service writing on behalf of `account` from `source`.
fn source(account: &str, arn: &str) -> Vec<(String, String)> {
    vec![
        ("aws:SourceAccount".into(), account.into()),
        ("aws:SourceArn".into(), arn.into()),
        ("aws:SecureTransport".into(), "true".into()),
    ]
}

fn with(mut ctx: Vec<(String, String)>, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    for (k, v) in extra {
        ctx.push((k.to_string(), v.to_string()));
    }
    ctx
}

/// S3 notifying the service's queue of a new object in the bucket.
pub fn notification(fx: &Fixture, s: Service) -> Vec<Case> {
    let queue = fx.queue_arn(s);
    let s3 = || service("s3.amazonaws.com");
    let send = |ctx: Vec<(String, String)>| request(s3(), "sqs:SendMessage", &queue, &pairs(&ctx));
    let other_bucket = format!("arn:{}:s3:::someone-elses-bucket", fx.p());
    vec![
        allow(
            format!("{s:?}: S3 may announce the bucket's objects to the queue"),
            send(source(ACCOUNT, &fx.bucket_arn())),
        ),
        deny(
            format!("{s:?}: S3 may not announce another bucket's objects"),
            send(source(ACCOUNT, &other_bucket)),
        ),
        deny(
            format!("{s:?}: S3 may not announce a bucket of the same name in another account"),
            send(source(OTHER_ACCOUNT, &fx.bucket_arn())),
        ),
        deny(
            format!("{s:?}: S3 may not receive from the queue"),
            request(
                s3(),
                "sqs:ReceiveMessage",
                &queue,
                &pairs(&source(ACCOUNT, &fx.bucket_arn())),
            ),
        ),
    ]
}

/// The service's writes into the bucket: the delivering services the stack sets up when it
/// creates the bucket and its policy; Firehose (with its own role) into either bucket.
pub fn writes(fx: &Fixture, s: Service) -> Vec<Case> {
    if !fx.creates("LogBucketPolicy") && !matches!(s, CloudWatch | Eks | SecurityHub) {
        return Vec::new();
    }
    match s {
        VpcFlow | Waf | NfwFlow | NfwAlert | NfwTls | CloudFront => log_delivery(fx, s),
        ElbNlb | ElbNlbFlow | ElbGwlbFlow => log_delivery(fx, s),
        ElbAlb => alb_access_logs(fx),
        CloudTrail => cloudtrail(fx),
        GuardDuty => guardduty(fx),
        CloudWatch | Eks => firehose(fx, s),
        Route53Resolver => super::resolver::query_logs(fx),
        S3Access => server_access_logs(fx),
        SecurityHub => super::securityhub::securityhub(fx),
    }
}

/// S3 delivering the watched buckets' server access logs: each watched bucket's, in this
/// account, under the target prefix; never another bucket's, another account's, the log
/// bucket's own (a feedback loop), or outside the prefix.
fn server_access_logs(fx: &Fixture) -> Vec<Case> {
    let logging = || service("logging.s3.amazonaws.com");
    let key = fx.log_key(S3Access);
    let put = |object: &str, ctx: Vec<(String, String)>| {
        request(logging(), "s3:PutObject", object, &pairs(&ctx))
    };
    let bucket = |name: &str| format!("arn:{}:s3:::{name}", fx.p());
    let mut out = Vec::new();
    for w in WATCHED {
        out.push(allow(
            format!("S3Access: S3 may deliver {w}'s access logs under the target prefix"),
            put(
                &fx.object(&key.replace(WATCHED[0], w)),
                source(ACCOUNT, &bucket(w)),
            ),
        ));
    }
    out.push(deny(
        "S3Access: S3 may not deliver an unwatched bucket's logs",
        put(
            &fx.object(&key),
            source(ACCOUNT, &bucket("someone-elses-bucket")),
        ),
    ));
    out.push(deny(
        "S3Access: S3 may not deliver a watched name's logs for another account",
        put(&fx.object(&key), source(OTHER_ACCOUNT, &bucket(WATCHED[0]))),
    ));
    out.push(deny(
        "S3Access: the log bucket's own access logs are never delivered into it",
        put(&fx.object(&key), source(ACCOUNT, &fx.bucket_arn())),
    ));
    out.push(deny(
        "S3Access: S3 may not deliver outside the target prefix",
        put(
            &fx.object(&format!("AWSLogs/{ACCOUNT}/x")),
            source(ACCOUNT, &bucket(WATCHED[0])),
        ),
    ));
    out.push(deny(
        "S3Access: S3 may not deliver without naming its source",
        put(
            &fx.object(&key),
            vec![("aws:SourceAccount".into(), ACCOUNT.into())],
        ),
    ));
    out
}

fn acl() -> [(&'static str, &'static str); 1] {
    [("s3:x-amz-acl", "bucket-owner-full-control")]
}

/// The log-delivery service writing a service's log files: VPC flow logs, AWS WAF logs,
/// Network Firewall logs
/// (https://docs.aws.amazon.com/network-firewall/latest/developerguide/logging-s3.html), each
/// naming this account's log deliveries in the Region as its source; and CloudFront standard
/// logs (v2), whose source is a delivery source, which for a distribution lives in us-east-1
/// whatever the bucket's Region.
fn log_delivery(fx: &Fixture, s: Service) -> Vec<Case> {
    let what = match s {
        Waf => "web ACL log file",
        NfwFlow | NfwAlert | NfwTls => "firewall log object",
        CloudFront => "standard log file",
        ElbNlb => "NLB access log file",
        ElbNlbFlow | ElbGwlbFlow => "load balancer flow log object",
        _ => "flow log object",
    };
    let who = || service("delivery.logs.amazonaws.com");
    let source_of = |account: &str| match s {
        CloudFront => format!(
            "arn:{}:logs:us-east-1:{account}:delivery-source:sentinel-cloudfront-1a2b3c4d",
            fx.p()
        ),
        _ => format!("arn:{}:logs:{}:{account}:*", fx.p(), fx.region()),
    };
    let from = source_of(ACCOUNT);
    let elsewhere = source_of(OTHER_ACCOUNT);
    let object = fx.object(&fx.log_key(s));
    let put = |ctx: Vec<(String, String)>| request(who(), "s3:PutObject", &object, &pairs(&ctx));
    let mut cases = Vec::new();
    if s == CloudFront {
        let other_region = format!(
            "arn:{}:logs:eu-west-1:{ACCOUNT}:delivery-source:sentinel-cloudfront-1a2b3c4d",
            fx.p()
        );
        cases.push(deny(
            "CloudFront: not from a delivery source outside us-east-1 (no distribution's)",
            put(with(source(ACCOUNT, &other_region), &acl())),
        ));
    }
    cases.extend([
        allow(
            format!("{s:?}: log delivery may check the bucket's ACL"),
            request(
                who(),
                "s3:GetBucketAcl",
                &fx.bucket_arn(),
                &pairs(&source(ACCOUNT, &from)),
            ),
        ),
        allow(
            format!("{s:?}: log delivery may write a {what}, owner full control"),
            put(with(source(ACCOUNT, &from), &acl())),
        ),
        deny(
            format!("{s:?}: not without bucket-owner-full-control"),
            put(source(ACCOUNT, &from)),
        ),
        deny(
            format!("{s:?}: not for another account's logs"),
            put(with(source(OTHER_ACCOUNT, &elsewhere), &acl())),
        ),
        deny(
            format!("{s:?}: not for another account's logs (ACL check)"),
            request(
                who(),
                "s3:GetBucketAcl",
                &fx.bucket_arn(),
                &pairs(&source(OTHER_ACCOUNT, &elsewhere)),
            ),
        ),
        deny(
            format!("{s:?}: not outside AWSLogs/<account>/"),
            request(
                who(),
                "s3:PutObject",
                &fx.object(&format!("{}elsewhere/x.log.gz", fx.key_path(s))),
                &pairs(&with(source(ACCOUNT, &from), &acl())),
            ),
        ),
    ]);
    cases
}

/// Elastic Load Balancing writing an ALB's access log files: in a Region available before
/// August 2022 the Region's ELB account (its root; an AWS account, so only the bucket policy
/// decides), elsewhere `logdelivery.elasticloadbalancing.amazonaws.com`; under the ALB
/// prefix's `AWSLogs/<account>/` only (ELB User Guide for ALBs, "Enable access logs").
/// The ELB accounts of the Regions the tables use that have one (ELB User Guide for ALBs,
/// "Enable access logs", step 2); a Region not listed uses the service principal.
const ELB_ACCOUNTS: &[(&str, &str)] = &[
    ("us-east-1", "127311923021"),
    ("af-south-1", "098369216593"),
    ("us-gov-west-1", "048591011584"),
];

fn alb_access_logs(fx: &Fixture) -> Vec<Case> {
    let legacy = ELB_ACCOUNTS
        .iter()
        .find(|(r, _)| *r == fx.region())
        .map(|(_, a)| *a);
    let root = |account: &str| Caller::External {
        arn: format!("arn:{}:iam::{account}:root", fx.p()),
    };
    let (writer, other) = match legacy {
        Some(a) => (
            root(a),
            service("logdelivery.elasticloadbalancing.amazonaws.com"),
        ),
        None => (
            service("logdelivery.elasticloadbalancing.amazonaws.com"),
            root("127311923021"),
        ),
    };
    let put = |who: Caller, key: &str| request(who, "s3:PutObject", &fx.object(key), &[]);
    let key = fx.log_key(ElbAlb);
    let kp = fx.key_path(ElbAlb);
    vec![
        allow(
            format!(
                "ElbAlb: the Region's ALB log writer may write an access log file ({})",
                match legacy {
                    Some(_) => "its ELB account",
                    None => "the log-delivery service principal",
                }
            ),
            put(writer.clone(), &key),
        ),
        deny(
            "ElbAlb: the other writer (another Region's kind) may not",
            put(other, &key),
        ),
        deny(
            "ElbAlb: another Region's ELB account may not",
            put(root("999999999999"), &key),
        ),
        deny(
            "ElbAlb: not for another account's logs",
            put(
                writer.clone(),
                &key.replace(&format!("/{ACCOUNT}/"), &format!("/{OTHER_ACCOUNT}/")),
            ),
        ),
        deny(
            "ElbAlb: not outside the ALB prefix (the NLB's folder)",
            put(writer.clone(), &fx.log_key(ElbNlb)),
        ),
        deny(
            "ElbAlb: not outside AWSLogs/<account>/",
            put(writer, &format!("{kp}elsewhere/x.log.gz")),
        ),
    ]
}

fn cloudtrail(fx: &Fixture) -> Vec<Case> {
    if !fx.creates("CloudTrailTrail") {
        return Vec::new();
    }
    let who = || service("cloudtrail.amazonaws.com");
    let trail = fx.att("CloudTrailTrail", "Arn");
    let other_trail = format!(
        "arn:{}:cloudtrail:{}:{ACCOUNT}:trail/another-trail",
        fx.p(),
        fx.region()
    );
    let foreign_trail = trail.replace(ACCOUNT, OTHER_ACCOUNT);
    let kp = fx.key_path(CloudTrail);
    let own_key = format!(
        "{kp}AWSLogs/{ACCOUNT}/CloudTrail/{}/2026/12/02/x.json.gz",
        fx.region()
    );
    let put = |key: &str, ctx: Vec<(String, String)>| {
        request(who(), "s3:PutObject", &fx.object(key), &pairs(&ctx))
    };
    let mut out = vec![
        allow(
            "CloudTrail: the trail may check the bucket's ACL",
            request(
                who(),
                "s3:GetBucketAcl",
                &fx.bucket_arn(),
                &pairs(&source(ACCOUNT, &trail)),
            ),
        ),
        allow(
            "CloudTrail: the trail may write its log files, owner full control",
            put(&own_key, with(source(ACCOUNT, &trail), &acl())),
        ),
        deny(
            "CloudTrail: not without bucket-owner-full-control",
            put(&own_key, source(ACCOUNT, &trail)),
        ),
        deny(
            "CloudTrail: not for another trail of the account",
            put(&own_key, with(source(ACCOUNT, &other_trail), &acl())),
        ),
        deny(
            "CloudTrail: not for another account's trail",
            put(
                &own_key,
                with(source(OTHER_ACCOUNT, &foreign_trail), &acl()),
            ),
        ),
        deny(
            "CloudTrail: not another trail's ACL check",
            request(
                who(),
                "s3:GetBucketAcl",
                &fx.bucket_arn(),
                &pairs(&source(ACCOUNT, &other_trail)),
            ),
        ),
        deny(
            "CloudTrail: not outside AWSLogs/",
            put(
                &format!("{kp}other/x.json.gz"),
                with(source(ACCOUNT, &trail), &acl()),
            ),
        ),
    ];
    match fx.organization() {
        Some(org) => out.push(allow(
            "CloudTrail: the organization trail may write a member account's log files",
            put(
                &format!(
                    "{kp}AWSLogs/{org}/{OTHER_ACCOUNT}/CloudTrail/{}/x.json.gz",
                    fx.region()
                ),
                with(source(ACCOUNT, &trail), &acl()),
            ),
        )),
        None => out.push(deny(
            "CloudTrail: no organization prefix without an organization",
            put(
                &format!("{kp}AWSLogs/{ORG}/{ACCOUNT}/CloudTrail/x.json.gz"),
                with(source(ACCOUNT, &trail), &acl()),
            ),
        )),
    }
    out
}

/// GuardDuty's principal: the Regional one in opt-in Regions.
fn guardduty_principal(fx: &Fixture) -> (String, String) {
    let regional = format!("guardduty.{}.amazonaws.com", fx.region());
    let global = "guardduty.amazonaws.com".to_string();
    if OPT_IN.contains(&fx.region()) {
        (regional, global)
    } else {
        (global, regional)
    }
}

/// Opt-in Regions among those the tables use.
const OPT_IN: &[&str] = &["af-south-1"];

fn guardduty(fx: &Fixture) -> Vec<Case> {
    let Some(key) = fx.guardduty_key() else {
        return Vec::new();
    };
    let detector = if fx.creates("GuardDutyDetector") {
        fx.reference("GuardDutyDetector")
    } else {
        DETECTOR.to_string()
    };
    let (p, not_p) = guardduty_principal(fx);
    let who = |name: &str| service(name);
    let from = format!(
        "arn:{}:guardduty:{}:{ACCOUNT}:detector/{detector}",
        fx.p(),
        fx.region()
    );
    let other_detector = format!(
        "arn:{}:guardduty:{}:{ACCOUNT}:detector/{}",
        fx.p(),
        fx.region(),
        "f".repeat(32)
    );
    let foreign = from.replace(ACCOUNT, OTHER_ACCOUNT);
    let object = fx.object(&fx.log_key(GuardDuty));
    let sse = [
        ("s3:x-amz-server-side-encryption", "aws:kms"),
        (
            "s3:x-amz-server-side-encryption-aws-kms-key-id",
            key.as_str(),
        ),
    ];
    let put = |name: &str, ctx: Vec<(String, String)>| {
        request(who(name), "s3:PutObject", &object, &pairs(&ctx))
    };
    let data_key = |name: &str, ctx: Vec<(String, String)>| {
        request(who(name), "kms:GenerateDataKey", &key, &pairs(&ctx))
    };
    let other_key = format!(
        "arn:{}:kms:{}:{ACCOUNT}:key/00000000-0000-4000-8000-000000000000",
        fx.p(),
        fx.region()
    );
    vec![
        allow(
            format!("GuardDuty ({p}): the detector may find the bucket's Region"),
            request(
                who(&p),
                "s3:GetBucketLocation",
                &fx.bucket_arn(),
                &pairs(&source(ACCOUNT, &from)),
            ),
        ),
        allow(
            format!("GuardDuty ({p}): the detector may write findings encrypted with the key"),
            put(&p, with(source(ACCOUNT, &from), &sse)),
        ),
        allow(
            format!("GuardDuty ({p}): the detector may generate a data key"),
            data_key(&p, source(ACCOUNT, &from)),
        ),
        deny(
            "GuardDuty: not unencrypted",
            put(&p, source(ACCOUNT, &from)),
        ),
        deny(
            "GuardDuty: not encrypted with another key",
            put(
                &p,
                with(
                    source(ACCOUNT, &from),
                    &[
                        ("s3:x-amz-server-side-encryption", "aws:kms"),
                        (
                            "s3:x-amz-server-side-encryption-aws-kms-key-id",
                            other_key.as_str(),
                        ),
                    ],
                ),
            ),
        ),
        deny(
            "GuardDuty: not for another detector",
            put(&p, with(source(ACCOUNT, &other_detector), &sse)),
        ),
        deny(
            "GuardDuty: not for another account's detector",
            put(&p, with(source(OTHER_ACCOUNT, &foreign), &sse)),
        ),
        deny(
            "GuardDuty: no data key for another detector",
            data_key(&p, source(ACCOUNT, &other_detector)),
        ),
        deny(
            "GuardDuty: no data key for another account",
            data_key(&p, source(OTHER_ACCOUNT, &foreign)),
        ),
        deny(
            format!(
                "GuardDuty: {not_p} is not the principal GuardDuty writes as in {}",
                fx.region()
            ),
            put(&not_p, with(source(ACCOUNT, &from), &sse)),
        ),
        deny(
            "GuardDuty: the detector may not decrypt",
            request(
                who(&p),
                "kms:Decrypt",
                &key,
                &pairs(&source(ACCOUNT, &from)),
            ),
        ),
    ]
}

/// CloudWatch Logs (or EKS's audit log group) → Firehose → the bucket, with the stack's
/// transform Lambda function.
fn firehose(fx: &Fixture, s: Service) -> Vec<Case> {
    let id = s.id();
    let firehose_role = fx.att(&format!("{id}FirehoseRole"), "Arn");
    let logs_role = fx.att(&format!("{id}LogsRole"), "Arn");
    let transform_role = fx.att(&format!("{id}TransformRole"), "Arn");
    let stream = fx.att(&format!("{id}DeliveryStream"), "Arn");
    let function = fx.att(&format!("{id}TransformFunction"), "Arn");
    let firehose_logs = fx.att(&format!("{id}FirehoseLogGroup"), "Arn");
    let transform_logs = fx.att(&format!("{id}TransformLogGroup"), "Arn");
    let (p, r) = (fx.p().to_string(), fx.region().to_string());
    let as_firehose = session(&firehose_role, "firehose-delivery");
    let as_logs = session(&logs_role, "cwl-subscription");
    let as_transform = session(&transform_role, "transform");
    let tls = [("aws:SecureTransport", "true")];
    let object = fx.object(&fx.log_key(s));
    let errors = match s {
        Eks => format!("eks-audit-errors/{CLUSTER}/processing-failed/2026/12/02/x.gz"),
        _ => "CloudWatch-errors/processing-failed/2026/12/02/x.gz".to_string(),
    };
    let log_group = match s {
        Eks => format!("/aws/eks/{CLUSTER}/cluster"),
        _ => "/app/production".to_string(),
    };
    let subscription = format!("arn:{p}:logs:{r}:{ACCOUNT}:log-group:{log_group}:*");
    let logs_principal = format!("logs.{r}.amazonaws.com");
    let assume = |who: Caller, role: &str, ctx: Vec<(String, String)>| {
        request(who, "sts:AssumeRole", role, &pairs(&ctx))
    };
    let external = |id: &str| vec![("sts:ExternalId".to_string(), id.to_string())];
    let other_stream = format!("arn:{p}:firehose:{r}:{ACCOUNT}:deliverystream/another-stream");
    let mut out = vec![
        allow(
            format!("{s:?}: Firehose may assume its delivery role (external ID = the account)"),
            assume(
                service("firehose.amazonaws.com"),
                &firehose_role,
                external(ACCOUNT),
            ),
        ),
        deny(
            format!("{s:?}: Firehose of another account may not assume it"),
            assume(
                service("firehose.amazonaws.com"),
                &firehose_role,
                external(OTHER_ACCOUNT),
            ),
        ),
        deny(
            format!("{s:?}: not without the external ID"),
            assume(service("firehose.amazonaws.com"), &firehose_role, vec![]),
        ),
        deny(
            format!("{s:?}: Lambda may not assume the delivery role"),
            assume(
                service("lambda.amazonaws.com"),
                &firehose_role,
                external(ACCOUNT),
            ),
        ),
        allow(
            format!("{s:?}: the delivery role may write an object under the prefix"),
            request(as_firehose.clone(), "s3:PutObject", &object, &tls),
        ),
        allow(
            format!("{s:?}: the delivery role may write failed records under the error prefix"),
            request(
                as_firehose.clone(),
                "s3:PutObject",
                &fx.object(&errors),
                &tls,
            ),
        ),
        allow(
            format!("{s:?}: the delivery role may abort a multipart upload"),
            request(
                as_firehose.clone(),
                "s3:AbortMultipartUpload",
                &object,
                &tls,
            ),
        ),
        allow(
            format!("{s:?}: the delivery role may find and list the bucket"),
            request(
                as_firehose.clone(),
                "s3:GetBucketLocation",
                &fx.bucket_arn(),
                &tls,
            ),
        ),
        allow(
            format!("{s:?}: the delivery role may list the bucket"),
            request(as_firehose.clone(), "s3:ListBucket", &fx.bucket_arn(), &tls),
        ),
        deny(
            format!("{s:?}: the delivery role may not write elsewhere in the bucket"),
            request(
                as_firehose.clone(),
                "s3:PutObject",
                &fx.object("AWSLogs/elsewhere/x.gz"),
                &tls,
            ),
        ),
        deny(
            format!("{s:?}: the delivery role may not read objects"),
            request(as_firehose.clone(), "s3:GetObject", &object, &tls),
        ),
        deny(
            format!("{s:?}: the delivery role may not write to another bucket"),
            request(
                as_firehose.clone(),
                "s3:PutObject",
                &format!("arn:{p}:s3:::someone-elses-bucket/x.gz"),
                &tls,
            ),
        ),
        allow(
            format!("{s:?}: the delivery role may invoke the transform"),
            request(as_firehose.clone(), "lambda:InvokeFunction", &function, &[]),
        ),
        deny(
            format!("{s:?}: the delivery role may not invoke another function"),
            request(
                as_firehose.clone(),
                "lambda:InvokeFunction",
                &format!("arn:{p}:lambda:{r}:{ACCOUNT}:function:other"),
                &[],
            ),
        ),
        allow(
            format!("{s:?}: the delivery role may log delivery errors"),
            request(
                as_firehose.clone(),
                "logs:PutLogEvents",
                &format!(
                    "{}log-stream:S3Delivery",
                    firehose_logs.trim_end_matches('*')
                ),
                &[],
            ),
        ),
        allow(
            format!("{s:?}: CloudWatch Logs ({logs_principal}) may assume the subscription role"),
            assume(
                service(&logs_principal),
                &logs_role,
                source(ACCOUNT, &subscription),
            ),
        ),
        deny(
            format!("{s:?}: not for another account's log group"),
            assume(
                service(&logs_principal),
                &logs_role,
                source(OTHER_ACCOUNT, &subscription.replace(ACCOUNT, OTHER_ACCOUNT)),
            ),
        ),
        deny(
            format!("{s:?}: not for a log group in another Region"),
            assume(
                service(&logs_principal),
                &logs_role,
                source(ACCOUNT, &subscription.replace(&r, "eu-west-1")),
            ),
        ),
        allow(
            format!("{s:?}: the subscription role may PutRecord into the stream"),
            request(as_logs.clone(), "firehose:PutRecord", &stream, &[]),
        ),
        allow(
            format!("{s:?}: the subscription role may PutRecordBatch into the stream"),
            request(as_logs.clone(), "firehose:PutRecordBatch", &stream, &[]),
        ),
        deny(
            format!("{s:?}: the subscription role may not put into another stream"),
            request(as_logs.clone(), "firehose:PutRecord", &other_stream, &[]),
        ),
        deny(
            format!("{s:?}: the subscription role may not delete the stream"),
            request(as_logs, "firehose:DeleteDeliveryStream", &stream, &[]),
        ),
        allow(
            format!("{s:?}: Lambda may assume the transform's role"),
            assume(service("lambda.amazonaws.com"), &transform_role, vec![]),
        ),
        allow(
            format!("{s:?}: the transform may write its own logs"),
            request(
                as_transform.clone(),
                "logs:PutLogEvents",
                &(transform_logs.trim_end_matches('*').to_string()
                    + "log-stream:2026/12/02/[$LATEST]0a1b"),
                &[],
            ),
        ),
        allow(
            format!("{s:?}: the transform may re-ingest into its stream"),
            request(
                as_transform.clone(),
                "firehose:PutRecordBatch",
                &stream,
                &[],
            ),
        ),
        deny(
            format!("{s:?}: the transform may not read the bucket"),
            request(as_transform, "s3:GetObject", &object, &tls),
        ),
    ];
    if fx.creates("LogBucketPolicy") {
        out.push(deny(
            format!(
                "{s:?}: the delivery role may not write over plain HTTP (the bucket denies it)"
            ),
            request(
                as_firehose.clone(),
                "s3:PutObject",
                &object,
                &[("aws:SecureTransport", "false")],
            ),
        ));
    }
    out.extend(firehose_key(
        fx,
        s,
        &as_firehose,
        &object,
        &fx.object(&errors),
    ));
    out
}

/// The delivery role's use of the bucket's SSE-KMS key. S3 calls kms:GenerateDataKey as the
/// uploader, and kms:Decrypt too for a multipart upload, with kms:ViaService
/// `s3.<region>.amazonaws.com` and the encryption context `aws:s3:arn` = the object's ARN, or
/// the bucket's with an S3 Bucket Key:
/// https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html,
/// https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions,
/// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html.
/// With KmsKeyArn (another account's key, its policy given the stack's statements): allowed
/// for the role's own prefixes through S3 in this Region only. Without it: no grant on any key.
fn firehose_key(
    fx: &Fixture,
    s: Service,
    me: &Caller,
    object: &str,
    error_object: &str,
) -> Vec<Case> {
    let via = format!("s3.{}.amazonaws.com", fx.region());
    let ctx = |via: Option<&str>, arn: &str| {
        let mut c = vec![(
            "kms:EncryptionContext:aws:s3:arn".to_string(),
            arn.to_string(),
        )];
        if let Some(v) = via {
            c.push(("kms:ViaService".to_string(), v.to_string()));
        }
        c
    };
    let kms = |action: &str, key: &str, c: Vec<(String, String)>| {
        request(me.clone(), action, key, &pairs(&c))
    };
    let Some(key) = fx.external_key() else {
        let key = fx.account_key().expect("a key in every variant");
        return vec![
            deny(
                format!("{s:?}: without KmsKeyArn the delivery role may not generate a data key with a key of the account"),
                kms("kms:GenerateDataKey", &key, ctx(Some(&via), object)),
            ),
            deny(
                format!("{s:?}: without KmsKeyArn the delivery role may not decrypt with a key of the account"),
                kms("kms:Decrypt", &key, ctx(Some(&via), object)),
            ),
        ];
    };
    let other_bucket_object = format!(
        "arn:{}:s3:::someone-elses-bucket/{}",
        fx.p(),
        object
            .split_once(":::")
            .unwrap()
            .1
            .split_once('/')
            .unwrap()
            .1
    );
    vec![
        allow(
            format!("{s:?}: the delivery role may generate a data key through S3 for an object under its prefix"),
            kms("kms:GenerateDataKey", &key, ctx(Some(&via), object)),
        ),
        allow(
            format!("{s:?}: the delivery role may generate a data key through S3 for a failed record under its error prefix"),
            kms("kms:GenerateDataKey", &key, ctx(Some(&via), error_object)),
        ),
        allow(
            format!("{s:?}: the delivery role may generate a data key through S3 for the bucket's S3 Bucket Key"),
            kms("kms:GenerateDataKey", &key, ctx(Some(&via), &fx.bucket_arn())),
        ),
        allow(
            format!("{s:?}: the delivery role may decrypt through S3 to complete a multipart upload under its prefix"),
            kms("kms:Decrypt", &key, ctx(Some(&via), object)),
        ),
        deny(
            format!("{s:?}: the delivery role may not generate a data key without kms:ViaService (not through S3)"),
            kms("kms:GenerateDataKey", &key, ctx(None, object)),
        ),
        deny(
            format!("{s:?}: the delivery role may not generate a data key through S3 in another Region"),
            kms("kms:GenerateDataKey", &key, ctx(Some("s3.eu-west-1.amazonaws.com"), object)),
        ),
        deny(
            format!("{s:?}: the delivery role may not generate a data key for another bucket"),
            kms("kms:GenerateDataKey", &key, ctx(Some(&via), &other_bucket_object)),
        ),
        deny(
            format!("{s:?}: the delivery role may not generate a data key for another bucket's S3 Bucket Key"),
            kms("kms:GenerateDataKey", &key, ctx(Some(&via), &format!("arn:{}:s3:::someone-elses-bucket", fx.p()))),
        ),
        deny(
            format!("{s:?}: the delivery role may not generate a data key for another prefix of the bucket"),
            kms("kms:GenerateDataKey", &key, ctx(Some(&via), &fx.object("AWSLogs/elsewhere/x.gz"))),
        ),
        deny(
            format!("{s:?}: the delivery role may not encrypt with the key directly"),
            kms("kms:Encrypt", &key, ctx(Some(&via), object)),
        ),
    ]
}
