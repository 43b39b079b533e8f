//! The writes the simulator makes in a service's place (LocalStack runs no flow-log delivery,
//! no CloudTrail or GuardDuty export), evaluated as that service with the request context AWS
//! documents it sends; and the calls LocalStack's own services make on the EKS path, evaluated
//! on the simulator's side (LocalStack performs them regardless, so those are labelled).
//!
//! - VPC flow logs, as `delivery.logs.amazonaws.com`: `s3:GetBucketAcl` on the bucket, then
//!   `s3:PutObject` with `s3:x-amz-acl = bucket-owner-full-control`, `aws:SourceAccount` and
//!   `aws:SourceArn = arn:<p>:logs:<region>:<account>:*` (VPC User Guide, "Amazon S3 bucket
//!   permissions for flow logs",
//!   <https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html>).
//! - CloudTrail, as `cloudtrail.amazonaws.com`: `s3:GetBucketAcl`, then `s3:PutObject` with the
//!   ACL, `aws:SourceAccount` and `aws:SourceArn` = the trail's ARN (CloudTrail User Guide,
//!   "Amazon S3 bucket policy for CloudTrail",
//!   <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html>).
//! - GuardDuty, as `guardduty.amazonaws.com` (`guardduty.<region>.amazonaws.com` in opt-in
//!   Regions): `s3:GetBucketLocation`, `kms:GenerateDataKey` on its key, and `s3:PutObject`
//!   with SSE-KMS under that key (`s3:x-amz-server-side-encryption = aws:kms`,
//!   `s3:x-amz-server-side-encryption-aws-kms-key-id`), `aws:SourceAccount` and
//!   `aws:SourceArn` = the detector's ARN (GuardDuty User Guide, "Exporting findings",
//!   <https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_exportfindings.html>); the
//!   upload itself is made with SSE-KMS under that key.
//! - AWS WAF logs, as `delivery.logs.amazonaws.com`: `s3:GetBucketAcl`, then `s3:PutObject`
//!   under `AWSLogs/<account>/` with `s3:x-amz-acl = bucket-owner-full-control`,
//!   `aws:SourceAccount` and `aws:SourceArn = arn:<p>:logs:<region>:<account>:*` (WAF
//!   Developer Guide, "Sending web ACL traffic logs to an Amazon S3 bucket",
//!   <https://docs.aws.amazon.com/waf/latest/developerguide/logging-s3.html>).
//! - Firehose (the CloudWatch and EKS paths): `firehose.amazonaws.com` `sts:AssumeRole` on the
//!   delivery role (`sts:ExternalId` = the account, `aws:SourceAccount`, `aws:SourceArn` = the
//!   stream), then the role session's `s3:PutObject` of each object.
//! - CloudWatch Logs (EKS): `logs.<region>.amazonaws.com` `sts:AssumeRole` on the subscription
//!   role (`aws:SourceAccount`, `aws:SourceArn` = the log group), then that session's
//!   `firehose:PutRecordBatch` on the stream.
//! - S3 server access logging, as `logging.s3.amazonaws.com`: `s3:PutObject` of each log object
//!   with `aws:SourceAccount` and `aws:SourceArn` = the source bucket the object's key names
//!   (`<prefix><account>/<region>/<bucket>/...`), no call before it and no ACL (S3 User Guide,
//!   "Enabling Amazon S3 server access logging", "Permissions for log delivery",
//!   <https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html>).
//! - Application Load Balancer access logs: `s3:PutObject` only, no call before it and no ACL,
//!   by the Region's Elastic Load Balancing account (`arn:<p>:iam::<elb-account>:root`) in the
//!   Regions available before August 2022, elsewhere by
//!   `logdelivery.elasticloadbalancing.amazonaws.com` (ELB User Guide for ALBs, "Enable access
//!   logs", <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html>).
//! - NLB access logs and load balancer flow logs, as `delivery.logs.amazonaws.com`:
//!   `s3:GetBucketAcl`, then `s3:PutObject` with the ACL, `aws:SourceAccount` and
//!   `aws:SourceArn = arn:<p>:logs:<region>:<account>:*` (ELB User Guide for NLBs, "Enable
//!   access logs"; the flow-log permissions above).
//! - S3's event notification of each object, as `s3.amazonaws.com`: `sqs:SendMessage` on every
//!   queue whose filter matches the key, with `aws:SourceArn` = the bucket's ARN and
//!   `aws:SourceAccount` (S3 User Guide, "Granting permissions to publish event notification
//!   messages to a destination",
//!   <https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html>).

use super::readback::QueueNotification;
use super::{Denial, Ledger, Where};
use ::access::{Caller, Context, Request};
use catalogue::DataType;
use std::sync::Arc;

/// Label of decisions on calls LocalStack makes itself.
pub const LOCALSTACK_CALLS: &str = "simulator (LocalStack makes the call itself)";

/// Who writes a data type's objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writer {
    /// The data type's own AWS service (VPC flow-log delivery, CloudTrail, GuardDuty); built
    /// by [`Writer::service`].
    Service(ServiceWriter),
    /// A Firehose delivery stream, writing as its delivery role; `by_localstack` when
    /// LocalStack's Firehose writes the objects (EKS), not the simulator (CloudWatch).
    Firehose {
        stream_arn: String,
        role_arn: String,
        by_localstack: bool,
    },
}

/// An AWS service writing its own objects: who it is, the call it makes on the bucket before
/// its first object, and the source it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceWriter {
    principal: Caller,
    /// The call it makes on the bucket before its first object, and what it is doing then
    /// (`None`: it makes none, S3 server access logging).
    check: Option<(&'static str, &'static str)>,
    write_during: &'static str,
    source: SourceArn,
    /// Whether its writes carry `x-amz-acl: bucket-owner-full-control`.
    acl: bool,
    /// With SSE-KMS: the key and what the data-key request is.
    kms: Option<(String, &'static str)>,
}

/// The `aws:SourceArn` a service's writes name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SourceArn {
    /// One resource for every write (the trail, the detector, the account's log delivery).
    Fixed(String),
    /// S3 server access logging: the source bucket of each object, named in its key after the
    /// account and Region (`<prefix><account>/<region>/<bucket>/...`).
    BucketInKey,
}

impl Writer {
    /// The writer of `d`'s objects when its service writes them itself, as AWS documents
    /// (see the module comment), with `aws:SourceArn = source_arn`; `kms_key_arn` is the key
    /// it encrypts under, for a service that does (GuardDuty). `None` for the data types
    /// Firehose writes (CloudWatch, EKS), which are a [`Writer::Firehose`].
    pub fn service(
        d: DataType,
        at: &Where,
        source_arn: String,
        kms_key_arn: Option<String>,
    ) -> Option<Writer> {
        let (principal, check_action, check_during, write_during, encrypt) = match d {
            DataType::Vpc => (
                "delivery.logs.amazonaws.com".to_string(),
                "s3:GetBucketAcl",
                "VPC flow log delivery checking the bucket ACL",
                "VPC flow log delivery writing an object",
                None,
            ),
            DataType::CloudTrail => (
                "cloudtrail.amazonaws.com".to_string(),
                "s3:GetBucketAcl",
                "CloudTrail checking the bucket ACL",
                "CloudTrail writing a log file",
                None,
            ),
            DataType::GuardDuty => (
                guardduty_principal(&at.region),
                "s3:GetBucketLocation",
                "GuardDuty locating the export bucket",
                "GuardDuty writing a findings export",
                Some("GuardDuty encrypting a findings export"),
            ),
            DataType::Route53 => (
                "delivery.logs.amazonaws.com".to_string(),
                "s3:GetBucketAcl",
                "Resolver query log delivery checking the bucket ACL",
                "Resolver query log delivery writing an object",
                None,
            ),
            DataType::NetworkFirewallFlow
            | DataType::NetworkFirewallAlert
            | DataType::NetworkFirewallTls => (
                "delivery.logs.amazonaws.com".to_string(),
                "s3:GetBucketAcl",
                "Network Firewall log delivery checking the bucket ACL",
                "Network Firewall log delivery writing an object",
                None,
            ),
            DataType::Waf => (
                "delivery.logs.amazonaws.com".to_string(),
                "s3:GetBucketAcl",
                "AWS WAF log delivery checking the bucket ACL",
                "AWS WAF log delivery writing a log file",
                None,
            ),
            // Firehose writes them; S3 server access logs: [`Writer::server_access_logging`].
            DataType::CloudWatch | DataType::Eks | DataType::SecurityHub | DataType::S3Access => {
                return None
            }
            DataType::CloudFront => (
                "delivery.logs.amazonaws.com".to_string(),
                "s3:GetBucketAcl",
                "CloudFront standard logging (v2) delivery checking the bucket ACL",
                "CloudFront standard logging (v2) delivery writing a log file",
                None,
            ),
            DataType::ElbAlb => return Some(Writer::alb_access_logs(at, source_arn)),
            DataType::ElbNlb => (
                "delivery.logs.amazonaws.com".to_string(),
                "s3:GetBucketAcl",
                "NLB access log delivery checking the bucket ACL",
                "NLB access log delivery writing a log file",
                None,
            ),
            DataType::ElbNlbFlow | DataType::ElbGwlbFlow => (
                "delivery.logs.amazonaws.com".to_string(),
                "s3:GetBucketAcl",
                "load balancer flow log delivery checking the bucket ACL",
                "load balancer flow log delivery writing an object",
                None,
            ),
        };
        Some(Writer::Service(ServiceWriter {
            principal: Caller::Service { name: principal },
            check: Some((check_action, check_during)),
            write_during,
            source: SourceArn::Fixed(source_arn),
            acl: true,
            kms: kms_key_arn.zip(encrypt),
        }))
    }

    /// The writer of Application Load Balancer access logs: in a Region available before
    /// August 2022 the Region's Elastic Load Balancing account (an account of AWS's, taken to
    /// be allowed by itself: only the bucket policy is evaluated), elsewhere the
    /// `logdelivery.elasticloadbalancing.amazonaws.com` service; `s3:PutObject` only, with no
    /// ACL and no call before it (see the module comment).
    fn alb_access_logs(at: &Where, source_arn: String) -> Writer {
        let principal = match generator::facts::elb_legacy_account(&at.region) {
            Some(account) => Caller::External {
                arn: format!("arn:{}:iam::{account}:root", at.partition),
            },
            None => Caller::Service {
                name: generator::facts::principals::ELB_LOG_DELIVERY.into(),
            },
        };
        Writer::Service(ServiceWriter {
            principal,
            check: None,
            write_during: "Elastic Load Balancing writing an ALB access log file",
            source: SourceArn::Fixed(source_arn),
            acl: false,
            kms: None,
        })
    }

    /// The writer of S3 server access logs: S3's logging service, naming each object's source
    /// bucket (see the module comment).
    pub fn server_access_logging() -> Writer {
        Writer::Service(ServiceWriter {
            principal: Caller::Service {
                name: generator::facts::principals::S3_LOGGING.into(),
            },
            check: None,
            write_during: "S3 server access logging delivering a log object",
            source: SourceArn::BucketInKey,
            acl: false,
            kms: None,
        })
    }

    /// The SSE-KMS key the writer encrypts its objects under, if it does.
    pub fn kms_key_arn(&self) -> Option<&str> {
        match self {
            Writer::Service(s) => s.kms.as_ref().map(|(k, _)| k.as_str()),
            Writer::Firehose { .. } => None,
        }
    }
}

/// GuardDuty's principal: regional in opt-in Regions.
fn guardduty_principal(region: &str) -> String {
    if generator::facts::OPT_IN_REGIONS.contains(&region) {
        format!("guardduty.{region}.amazonaws.com")
    } else {
        "guardduty.amazonaws.com".into()
    }
}

/// Evaluates the writes of one run.
#[derive(Debug, Clone)]
pub struct Writes {
    pub ledger: Arc<Ledger>,
    pub at: Where,
    pub notifications: Vec<QueueNotification>,
    /// The buckets' notifications to topics (FanOut=sns), and the queues on each topic.
    pub topic_notifications: Vec<QueueNotification>,
    pub subscriptions: std::collections::BTreeMap<String, Vec<String>>,
}

impl Writes {
    fn service(&self, name: &str) -> Caller {
        Caller::Service { name: name.into() }
    }

    /// What a service sends on behalf of the resource `arn`: its ARN, and the account that owns
    /// it (the ARN's, else this run's: a member account's flow log writing into a log archive
    /// sends the member's).
    fn source(&self, arn: &str) -> Context {
        let account = arn
            .split(':')
            .nth(4)
            .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
            .unwrap_or(&self.at.account);
        let mut c = self.at.base_context();
        c.set("aws:SourceAccount", account.to_string())
            .set("aws:SourceArn", arn);
        c
    }

    fn decide(&self, during: &str, enforced: &str, r: Request) -> Result<(), Box<Denial>> {
        self.ledger.decide(during, enforced, &r)
    }

    fn bucket_arn(&self, bucket: &str) -> String {
        format!("arn:{}:s3:::{bucket}", self.at.partition)
    }

    /// The source bucket an S3 server access log key names: the segment after this account
    /// and Region (`<prefix><account>/<region>/<bucket>/YYYY/...`).
    fn source_bucket<'k>(&self, key: &'k str) -> Option<&'k str> {
        let parts: Vec<&str> = key.split('/').collect();
        parts
            .windows(3)
            .find(|w| w[0] == self.at.account && w[1] == self.at.region && !w[2].is_empty())
            .map(|w| w[2])
    }

    /// The writer's checks before its first object (bucket ACL or location, the role
    /// assumption of a delivery stream): the refusals, each also recorded.
    pub fn before_delivery(&self, w: &Writer, bucket: &str) -> Vec<Denial> {
        let a = &self.at.account;
        let mut refused = Vec::new();
        let mut ask = |during: String, enforced: &str, req: Request| {
            if let Err(d) = self.decide(&during, enforced, req) {
                refused.push(*d);
            }
        };
        match w {
            Writer::Service(s) => {
                if let (Some((action, during)), SourceArn::Fixed(arn)) = (s.check, &s.source) {
                    ask(
                        during.into(),
                        "simulator",
                        Request {
                            principal: s.principal.clone(),
                            action: action.into(),
                            resource: self.bucket_arn(bucket),
                            context: self.source(arn),
                        },
                    )
                }
            }
            Writer::Firehose {
                stream_arn,
                role_arn,
                ..
            } => {
                let mut c = self.source(stream_arn);
                c.set("sts:ExternalId", a.clone());
                ask(
                    format!("Firehose {stream_arn} assuming its delivery role"),
                    LOCALSTACK_CALLS,
                    Request {
                        principal: self.service("firehose.amazonaws.com"),
                        action: "sts:AssumeRole".into(),
                        resource: role_arn.clone(),
                        context: c,
                    },
                )
            }
        }
        refused
    }

    /// The write of `bucket/key` by `w`: `Err` when AWS would refuse it (the object must not
    /// be written).
    pub fn put_object(&self, w: &Writer, bucket: &str, key: &str) -> Result<(), Box<Denial>> {
        let p = &self.at.partition;
        let resource = format!("arn:{p}:s3:::{bucket}/{key}");
        let acl = |mut c: Context| {
            c.set("s3:x-amz-acl", "bucket-owner-full-control");
            c
        };
        match w {
            Writer::Service(s) => {
                // A key that names no source bucket is written with no aws:SourceArn, which no
                // grant of the bucket policy admits.
                let source_arn = match &s.source {
                    SourceArn::Fixed(arn) => Some(arn.clone()),
                    SourceArn::BucketInKey => self.source_bucket(key).map(|b| self.bucket_arn(b)),
                };
                let source = |c: &Self| match &source_arn {
                    Some(arn) => c.source(arn),
                    None => {
                        let mut ctx = c.at.base_context();
                        ctx.set("aws:SourceAccount", c.at.account.clone());
                        ctx
                    }
                };
                let context = match &s.kms {
                    None if s.acl => acl(source(self)),
                    None => source(self),
                    Some((key_arn, encrypt_during)) => {
                        self.decide(
                            encrypt_during,
                            "simulator",
                            Request {
                                principal: s.principal.clone(),
                                action: "kms:GenerateDataKey".into(),
                                resource: key_arn.clone(),
                                context: source(self),
                            },
                        )?;
                        let mut c = source(self);
                        c.set("s3:x-amz-server-side-encryption", "aws:kms").set(
                            "s3:x-amz-server-side-encryption-aws-kms-key-id",
                            key_arn.clone(),
                        );
                        c
                    }
                };
                self.decide(
                    s.write_during,
                    "simulator",
                    Request {
                        principal: s.principal.clone(),
                        action: "s3:PutObject".into(),
                        resource,
                        context,
                    },
                )
            }
            Writer::Firehose {
                stream_arn,
                role_arn,
                by_localstack,
            } => self.decide(
                &format!("Firehose {stream_arn} writing an object"),
                if *by_localstack {
                    LOCALSTACK_CALLS
                } else {
                    "simulator"
                },
                Request {
                    principal: Caller::RoleSession {
                        role_arn: role_arn.clone(),
                        session_name: "firehose-delivery".into(),
                    },
                    action: "s3:PutObject".into(),
                    resource,
                    context: self.at.base_context(),
                },
            ),
        }
    }

    /// S3's notification of `bucket/key` to each queue whose filter matches, and to each topic
    /// whose filter matches, then SNS's delivery to each queue subscribed to it (LocalStack
    /// makes these calls itself: a refusal is recorded, the message still arrives).
    pub fn notify(&self, bucket: &str, key: &str) {
        for n in self
            .topic_notifications
            .iter()
            .filter(|n| n.matches(bucket, key))
        {
            let _ = self.decide(
                "S3 publishing a new object's notification to the topic",
                LOCALSTACK_CALLS,
                Request {
                    principal: self.service("s3.amazonaws.com"),
                    action: "sns:Publish".into(),
                    resource: n.queue_arn.clone(),
                    context: self.source(&self.bucket_arn(bucket)),
                },
            );
            for queue in self.subscriptions.get(&n.queue_arn).into_iter().flatten() {
                let mut context = self.at.base_context();
                context.set("aws:SourceArn", n.queue_arn.clone());
                let _ = self.decide(
                    "SNS delivering the notification to a subscribed queue",
                    LOCALSTACK_CALLS,
                    Request {
                        principal: self.service("sns.amazonaws.com"),
                        action: "sqs:SendMessage".into(),
                        resource: queue.clone(),
                        context,
                    },
                );
            }
        }
        for n in self.notifications.iter().filter(|n| n.matches(bucket, key)) {
            let _ = self.decide(
                "S3 notifying the queue of a new object",
                LOCALSTACK_CALLS,
                Request {
                    principal: self.service("s3.amazonaws.com"),
                    action: "sqs:SendMessage".into(),
                    resource: n.queue_arn.clone(),
                    context: self.source(&self.bucket_arn(bucket)),
                },
            );
        }
    }

    /// CloudWatch Logs delivering one batch of subscribed events into Firehose, as the
    /// subscription role (EKS path; LocalStack makes these calls itself).
    pub fn logs_to_firehose(&self, log_group: &str, logs_role_arn: &str, stream_arn: &str) {
        let (p, r, a) = (&self.at.partition, &self.at.region, &self.at.account);
        let group_arn = format!("arn:{p}:logs:{r}:{a}:log-group:{log_group}:*");
        let assumed = self.decide(
            "CloudWatch Logs assuming the subscription role",
            LOCALSTACK_CALLS,
            Request {
                principal: self.service(&format!("logs.{r}.amazonaws.com")),
                action: "sts:AssumeRole".into(),
                resource: logs_role_arn.into(),
                context: self.source(&group_arn),
            },
        );
        if assumed.is_ok() {
            let _ = self.decide(
                "CloudWatch Logs putting subscribed events into Firehose",
                LOCALSTACK_CALLS,
                Request {
                    principal: Caller::RoleSession {
                        role_arn: logs_role_arn.into(),
                        session_name: "cloudwatch-logs-subscription".into(),
                    },
                    action: "firehose:PutRecordBatch".into(),
                    resource: stream_arn.into(),
                    context: self.at.base_context(),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::access::{NamedPolicy, Policy, PolicySet};
    use serde_json::json;

    const TRAIL: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/main";
    const QUEUE: &str = "arn:aws:sqs:us-east-1:111122223333:ct";

    /// The CloudTrail grants of the stacks' bucket policy and the notification grant of their
    /// queue policy, in the shape the CloudTrail and S3 User Guides give them.
    fn writes() -> Writes {
        let p = |v: serde_json::Value| Policy::parse(&v).unwrap();
        let mut set = PolicySet::new();
        let source = json!({
            "StringEquals": {"aws:SourceAccount": "111122223333"},
            "ArnLike": {"aws:SourceArn": TRAIL}
        });
        set.set_resource_policy(
            "arn:aws:s3:::logs",
            "111122223333",
            NamedPolicy {
                name: "bucket policy of logs".into(),
                policy: p(json!({"Version": "2012-10-17", "Statement": [
                    {"Sid": "AclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                     "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::logs", "Condition": source},
                    {"Sid": "Write", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                     "Action": "s3:PutObject", "Resource": "arn:aws:s3:::logs/AWSLogs/111122223333/*",
                     "Condition": {
                        "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": "111122223333"},
                        "ArnLike": {"aws:SourceArn": TRAIL}}}
                ]})),
            },
        );
        set.set_resource_policy(
            QUEUE,
            "111122223333",
            NamedPolicy {
                name: "queue policy of ct".into(),
                policy: p(json!({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                     "Action": "sqs:SendMessage", "Resource": QUEUE,
                     "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::logs"},
                                   "StringEquals": {"aws:SourceAccount": "111122223333"}}}
                ]})),
            },
        );
        Writes {
            ledger: Arc::new(Ledger::new(set)),
            at: Where {
                partition: "aws".into(),
                region: "us-east-1".into(),
                account: "111122223333".into(),
            },
            notifications: vec![
                QueueNotification {
                    bucket: "logs".into(),
                    queue_arn: QUEUE.into(),
                    prefix: "AWSLogs/111122223333/CloudTrail/".into(),
                    suffix: ".json.gz".into(),
                },
                QueueNotification {
                    bucket: "logs".into(),
                    queue_arn: "arn:aws:sqs:us-east-1:111122223333:nobody-allows".into(),
                    prefix: "AWSLogs/111122223333/vpcflowlogs/".into(),
                    suffix: ".log.gz".into(),
                },
            ],
            topic_notifications: Vec::new(),
            subscriptions: Default::default(),
        }
    }

    const KEY: &str = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/01/f.json.gz";

    #[test]
    fn cloudtrail_writes_as_its_trail_with_the_acl_and_another_trail_is_refused() {
        let w = writes();
        let trail = Writer::service(DataType::CloudTrail, &w.at, TRAIL.into(), None).unwrap();
        assert!(w.before_delivery(&trail, "logs").is_empty());
        assert!(w.put_object(&trail, "logs", KEY).is_ok());
        // Outside the granted prefix.
        assert!(w.put_object(&trail, "logs", "elsewhere/f.json.gz").is_err());
        let other = Writer::service(
            DataType::CloudTrail,
            &w.at,
            "arn:aws:cloudtrail:us-east-1:444455556666:trail/main".into(),
            None,
        )
        .unwrap();
        let refused = w.put_object(&other, "logs", KEY).unwrap_err();
        assert_eq!(refused.caller, "cloudtrail.amazonaws.com");
        assert_eq!(refused.action, "s3:PutObject");
        assert_eq!(
            refused.context["aws:sourcearn"],
            vec!["arn:aws:cloudtrail:us-east-1:444455556666:trail/main".to_string()]
        );
        assert_eq!(w.before_delivery(&other, "logs").len(), 1);
        // Log delivery has no grant in this bucket policy.
        let vpc = Writer::service(
            DataType::Vpc,
            &w.at,
            "arn:aws:logs:us-east-1:111122223333:*".into(),
            None,
        )
        .unwrap();
        assert!(w
            .put_object(&vpc, "logs", "AWSLogs/111122223333/x")
            .is_err());
        // Firehose writes the CloudWatch and EKS objects, not their services.
        for d in [DataType::CloudWatch, DataType::Eks, DataType::SecurityHub] {
            assert_eq!(Writer::service(d, &w.at, TRAIL.into(), None), None);
        }
        let gd = Writer::service(DataType::GuardDuty, &w.at, "d".into(), Some("k".into()));
        assert_eq!(gd.unwrap().kms_key_arn(), Some("k"));
    }

    #[test]
    fn each_object_is_notified_to_the_queues_whose_filter_matches_and_refusals_are_recorded() {
        let w = writes();
        w.notify("logs", KEY);
        let r = w.ledger.report();
        assert_eq!((r.evaluated, r.denied), (1, 0));
        assert_eq!(r.by_action["sqs:SendMessage"], 1);
        w.notify("logs", "AWSLogs/111122223333/vpcflowlogs/a.log.gz");
        let r = w.ledger.report();
        assert_eq!((r.evaluated, r.denied), (2, 1));
        assert_eq!(r.denials[0].enforced, LOCALSTACK_CALLS);
        assert_eq!(
            r.denials[0].resource,
            "arn:aws:sqs:us-east-1:111122223333:nobody-allows"
        );
        // An object no filter matches is announced nowhere.
        w.notify("logs", "other/a.txt");
        assert_eq!(w.ledger.report().evaluated, 2);
    }

    #[test]
    fn through_a_topic_s3_publishes_and_sns_delivers_to_each_subscribed_queue() {
        const TOPIC: &str = "arn:aws:sns:us-east-1:111122223333:trail";
        const FED: &str = "arn:aws:sqs:us-east-1:111122223333:fed";
        let p = |v: serde_json::Value| Policy::parse(&v).unwrap();
        let mut set = PolicySet::new();
        set.set_resource_policy(
            TOPIC,
            "111122223333",
            NamedPolicy {
                name: "topic policy of trail".into(),
                policy: p(json!({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                     "Action": "sns:Publish", "Resource": TOPIC,
                     "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::logs"},
                                   "StringEquals": {"aws:SourceAccount": "111122223333"}}}
                ]})),
            },
        );
        set.set_resource_policy(
            FED,
            "111122223333",
            NamedPolicy {
                name: "queue policy of fed".into(),
                policy: p(json!({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                     "Action": "sqs:SendMessage", "Resource": FED,
                     "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC}}}
                ]})),
            },
        );
        let w = Writes {
            ledger: Arc::new(Ledger::new(set)),
            notifications: Vec::new(),
            topic_notifications: vec![QueueNotification {
                bucket: "logs".into(),
                queue_arn: TOPIC.into(),
                prefix: "AWSLogs/111122223333/CloudTrail/".into(),
                suffix: ".json.gz".into(),
            }],
            subscriptions: [(TOPIC.to_string(), vec![FED.to_string(), QUEUE.to_string()])].into(),
            ..writes()
        };
        w.notify("logs", KEY);
        let r = w.ledger.report();
        assert_eq!(r.by_action["sns:Publish"], 1);
        assert_eq!(r.by_action["sqs:SendMessage"], 2);
        // The queue whose policy lets only the bucket send refuses the topic.
        assert_eq!(r.denied, 1, "{:?}", r.denials);
        assert_eq!(r.denials[0].resource, QUEUE);
        assert_eq!(r.denials[0].caller, "sns.amazonaws.com");
    }
}
