//! Elastic Load Balancing: Application Load Balancer access logs, Network Load Balancer access
//! logs, and the flow logs of Network and Gateway Load Balancer interfaces, each under its own
//! key prefix with its own queue, as Microsoft's ELB connector takes them (four collectors).
//!
//! The stack creates no delivering resource: access logging is an attribute of a load balancer
//! the stack does not own (CloudFormation sets it only on a load balancer it creates), and the
//! flow logs belong to the load balancer's network interfaces, which only the load balancer
//! knows. So each collector outputs the exact command that points its source at the bucket and
//! prefix, and the bucket policy admits each writer where AWS documents it writes:
//!
//! * ALB access logs: in the Regions available before August 2022, the Regional Elastic Load
//!   Balancing account (`arn:<partition>:iam::<elb-account>:root`, from the template's
//!   `ElbAccountByRegion` mapping); in later Regions, the service principal
//!   `logdelivery.elasticloadbalancing.amazonaws.com`. `s3:PutObject` under the prefix's
//!   `AWSLogs/<account>/` only (ELB User Guide for ALBs, "Enable access logs", step 2).
//! * NLB access logs and the load balancers' flow logs: the log-delivery service
//!   (`delivery.logs.amazonaws.com`), an ACL check on the bucket and `s3:PutObject` with
//!   `bucket-owner-full-control`, bound to this account and its `logs` source ARNs (ELB User
//!   Guide for NLBs, "Enable access logs"; VPC User Guide, flow logs to S3).
//!
//! ALB and NLB access logs both write `AWSLogs/<account>/elasticloadbalancing/`, and both flow
//! logs `AWSLogs/<account>/vpcflowlogs/`: only their key prefixes keep the notifications apart,
//! so the prefixes may not be empty (the parameter pattern) and the two of each pair may not be
//! equal (a rule).

use super::super::bucket::Ctx;
use super::super::layout::Layout;
use super::super::params;
use super::{acl_check_and_write, writes_to, Grants};
use crate::cfn::{Cond, Expr, Pseudo, Template};
use crate::facts::{principals, DataType, ELB_LEGACY_ACCOUNTS};
use crate::iam::{actions, Principal, Statement};

/// The mapping of each Region available before August 2022 to its Elastic Load Balancing
/// account.
pub const ELB_ACCOUNT_MAP: &str = "ElbAccountByRegion";
/// The condition "this Region has an Elastic Load Balancing account" (ALB access logs are then
/// written by it, not by the log-delivery service principal).
pub const ELB_LEGACY_REGION: &str = "ElbLegacyRegion";

/// What each collector is: its source, Microsoft's output name for its queue URL, and the
/// name of the output with its command.
struct Collector {
    source: Source,
    queue_output: &'static str,
    command_output: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    AlbAccess,
    NlbAccess,
    Flow { description: &'static str },
}

fn collector(d: DataType) -> Collector {
    match d {
        DataType::ElbAlb => Collector {
            source: Source::AlbAccess,
            queue_output: "ALBSQSQueueURL",
            command_output: "AlbAccessLogsCommand",
        },
        DataType::ElbNlb => Collector {
            source: Source::NlbAccess,
            queue_output: "NLBSQSQueueURL",
            command_output: "NlbAccessLogsCommand",
        },
        DataType::ElbNlbFlow => Collector {
            source: Source::Flow {
                description: "ELB net/<load balancer name>/<id>",
            },
            queue_output: "NLBFlowLogsSQSQueueURL",
            command_output: "NlbFlowLogsCommand",
        },
        DataType::ElbGwlbFlow => Collector {
            source: Source::Flow {
                description: "ELB gwy/<load balancer name>/<id>",
            },
            queue_output: "GLBFlowLogsSQSQueueURL",
            command_output: "GwlbFlowLogsCommand",
        },
        other => unreachable!("{other} is no ELB collector"),
    }
}

/// The member of the group that shares `d`'s key segment (ALB and NLB access logs, the two
/// flow logs).
fn sharing(d: DataType) -> DataType {
    match d {
        DataType::ElbAlb => DataType::ElbNlb,
        DataType::ElbNlb => DataType::ElbAlb,
        DataType::ElbNlbFlow => DataType::ElbGwlbFlow,
        DataType::ElbGwlbFlow => DataType::ElbNlbFlow,
        other => unreachable!("{other} is no ELB collector"),
    }
}

/// The bucket-policy principal of ALB access logs in this Region: the Regional ELB account
/// where there is one, else the service principal; declared once per template.
fn declare_alb_writer(t: &mut Template) {
    if t.mappings.contains_key(ELB_ACCOUNT_MAP) {
        return;
    }
    let map = ELB_LEGACY_ACCOUNTS
        .iter()
        .map(|(region, account)| {
            (
                region.to_string(),
                [("AccountId".to_string(), account.to_string())]
                    .into_iter()
                    .collect(),
            )
        })
        .collect();
    t.mappings.insert(ELB_ACCOUNT_MAP.into(), map);
    let region = |r: &&(&str, &str)| Cond::equals(Pseudo::Region, r.0);
    // Fn::Or takes 2 to 10 conditions.
    let groups: Vec<Cond> = ELB_LEGACY_ACCOUNTS
        .iter()
        .collect::<Vec<_>>()
        .chunks(9)
        .map(|c| Cond::Or(c.iter().map(region).collect()))
        .collect();
    t.condition(ELB_LEGACY_REGION, Cond::Or(groups));
}

pub(super) fn deliver(t: &mut Template, ctx: &Ctx, layout: &Layout, service: DataType) -> Grants {
    let c = collector(service);
    let prefix_param = params::key_prefix(ctx.single, service);
    let other = sharing(service);
    let other_param = params::key_prefix(ctx.single, other);
    if t.parameters.contains_key(&other_param) {
        t.rule(
            &format!("{}And{}KeyPrefixesDiffer", other.id(), service.id()),
            None,
            !(Cond::equals(
                Expr::reference(&other_param),
                Expr::reference(&prefix_param),
            )),
            format!(
                "{other_param} and {prefix_param} must differ: {} and {} write the same AWSLogs/<account>/{}/ tree, so with one prefix their notifications would overlap (S3 refuses overlapping filters).",
                other.label(),
                service.label(),
                service.key_segment()
            ),
        );
    }
    if !t.outputs.contains_key("IAMRoleArn") {
        // The role and bucket under the names of Microsoft's ELB template, beside ours.
        t.output(
            "IAMRoleArn",
            "Role to add in the Sentinel connector page (the name of Microsoft's template).",
            Expr::get_att(super::super::common::ROLE_ID, "Arn"),
        );
        t.output(
            "S3BucketName",
            "The bucket the logs are delivered to (the name of Microsoft's template).",
            ctx.bucket_name.clone(),
        );
    }
    if !ctx.single {
        t.output(
            c.queue_output,
            format!(
                "{} queue URL (the name of Microsoft's template).",
                service.label()
            ),
            Expr::reference(format!("{}Queue", service.id())),
        );
    }
    let bucket = ctx.bucket_name.clone();
    let prefix = Expr::reference(&prefix_param);
    let command = match c.source {
        Source::AlbAccess | Source::NlbAccess => Expr::sub_with(
            format!(
                "aws elbv2 modify-load-balancer-attributes --load-balancer-arn <{} ARN> --attributes Key=access_logs.s3.enabled,Value=true Key=access_logs.s3.bucket,Value=${{Bucket}} Key=access_logs.s3.prefix,Value=${{Prefix}}",
                if c.source == Source::AlbAccess { "your Application Load Balancer's" } else { "your Network Load Balancer's (it logs TLS listeners only)" }
            ),
            [("Bucket", bucket), ("Prefix", prefix)],
        ),
        Source::Flow { description } => Expr::sub_with(
            format!(
                "aws ec2 create-flow-logs --resource-type NetworkInterface --resource-ids $(aws ec2 describe-network-interfaces --filters 'Name=description,Values={description}' --query 'NetworkInterfaces[].NetworkInterfaceId' --output text) --traffic-type ALL --log-destination-type s3 --log-destination ${{Destination}}"
            ),
            [("Destination", layout.destination(&ctx.bucket_name))],
        ),
    };
    t.output(
        c.command_output,
        format!(
            "The command that sends {} to this stack's bucket and prefix (the stack cannot: the load balancer is not its own).",
            service.label()
        ),
        command,
    );

    let log_delivery_source =
        Expr::sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*");
    let bucket_statements = match c.source {
        Source::AlbAccess => {
            declare_alb_writer(t);
            let account_root = Expr::sub_with(
                "arn:${AWS::Partition}:iam::${ElbAccount}:root",
                [(
                    "ElbAccount",
                    Expr::find_in_map(ELB_ACCOUNT_MAP, Pseudo::Region, "AccountId"),
                )],
            );
            let write = |sid: &str, principal: Principal| {
                writes_to(
                    Statement::allow(&[actions::s3::PUT_OBJECT])
                        .sid(sid)
                        .principal(principal),
                    ctx,
                    layout,
                )
            };
            let legacy = write(
                &format!("{}WriteAsElbAccount", service.id()),
                Principal::aws(account_root),
            )
            .only_if(ELB_LEGACY_REGION);
            let new_regions = write(
                &format!("{}Write", service.id()),
                Principal::service(principals::ELB_LOG_DELIVERY),
            )
            .only_if(format!("Not{ELB_LEGACY_REGION}"));
            if !t
                .conditions
                .contains_key(&format!("Not{ELB_LEGACY_REGION}"))
            {
                t.condition(
                    &format!("Not{ELB_LEGACY_REGION}"),
                    !Cond::named(ELB_LEGACY_REGION),
                );
            }
            vec![legacy, new_regions]
        }
        Source::NlbAccess | Source::Flow { .. } => {
            // One ACL check for the log-delivery service (with the first of its collectors),
            // a write grant per collector.
            let first = !t.outputs.keys().any(|k| {
                [
                    DataType::ElbNlb,
                    DataType::ElbNlbFlow,
                    DataType::ElbGwlbFlow,
                ]
                .iter()
                .filter(|d| **d != service)
                .any(|d| k == collector(*d).command_output)
            });
            let mut grants = acl_check_and_write(
                ctx,
                layout,
                principals::LOG_DELIVERY,
                service.id(),
                log_delivery_source,
            );
            let write = grants.swap_remove(1);
            match first {
                true => vec![grants.swap_remove(0).sid("ElbLogDeliveryAclCheck"), write],
                false => vec![write],
            }
        }
    };
    (bucket_statements, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Cloud;
    use crate::stacks::{StackKind, StackSpec};

    fn template(cloud: Cloud) -> serde_json::Value {
        let kind: StackKind = "elb".parse().unwrap();
        StackSpec { kind, cloud }.build().to_value()
    }

    #[test]
    fn four_collectors_with_microsofts_queue_outputs_and_a_command_each() {
        let t = template(Cloud::Commercial);
        let outputs = t["Outputs"].as_object().unwrap();
        for name in [
            "IAMRoleArn",
            "S3BucketName",
            "ALBSQSQueueURL",
            "NLBSQSQueueURL",
            "NLBFlowLogsSQSQueueURL",
            "GLBFlowLogsSQSQueueURL",
            "AlbAccessLogsCommand",
            "NlbAccessLogsCommand",
            "NlbFlowLogsCommand",
            "GwlbFlowLogsCommand",
        ] {
            assert!(outputs.contains_key(name), "no output {name}");
        }
        let params = t["Parameters"].as_object().unwrap();
        for (p, default) in [
            ("AlbAccessKeyPrefix", "ALBLogs"),
            ("NlbAccessKeyPrefix", "NLBAccessLogs"),
            ("NlbFlowKeyPrefix", "NLBFlowLogs"),
            ("GwlbFlowKeyPrefix", "GLBFlowLogs"),
        ] {
            assert_eq!(params[p]["Default"], default, "{p}");
            // Not empty: the pattern has no "^$|" alternative.
            let pattern = params[p]["AllowedPattern"].as_str().unwrap();
            assert!(!pattern.starts_with("^$|"), "{p}: {pattern}");
        }
        let rules = t["Rules"].as_object().unwrap();
        assert!(rules.contains_key("AlbAccessAndNlbAccessKeyPrefixesDiffer"));
        assert!(rules.contains_key("NlbFlowAndGwlbFlowKeyPrefixesDiffer"));
        // No delivering resource: queues and their alarms, the fan-out topics, the role, the
        // bucket and the policies only.
        for (id, r) in t["Resources"].as_object().unwrap() {
            let ty = r["Type"].as_str().unwrap();
            assert!(
                [
                    "AWS::SQS::Queue",
                    "AWS::SQS::QueuePolicy",
                    "AWS::IAM::Role",
                    "AWS::IAM::Policy",
                    "AWS::S3::Bucket",
                    "AWS::S3::BucketPolicy",
                    "AWS::CloudWatch::Alarm",
                    "AWS::SNS::Topic",
                    "AWS::SNS::Subscription",
                    "AWS::SNS::TopicPolicy",
                    "AWS::CloudFormation::WaitConditionHandle"
                ]
                .contains(&ty),
                "{id}: {ty}"
            );
        }
    }

    #[test]
    fn alb_logs_are_written_by_the_regional_elb_account_or_the_service_principal() {
        let t = template(Cloud::Commercial);
        let map = t["Mappings"][ELB_ACCOUNT_MAP].as_object().unwrap();
        assert_eq!(map.len(), ELB_LEGACY_ACCOUNTS.len());
        assert_eq!(map["us-east-1"]["AccountId"], "127311923021");
        assert_eq!(map["us-gov-west-1"]["AccountId"], "048591011584");
        let policy = t["Resources"]["LogBucketPolicy"]["Properties"]["PolicyDocument"].to_string();
        assert!(policy.contains("logdelivery.elasticloadbalancing.amazonaws.com"));
        assert!(policy.contains("AlbAccessWriteAsElbAccount"));
        assert!(policy.contains(ELB_ACCOUNT_MAP));
        // One ACL check for the three log-delivery collectors.
        assert_eq!(policy.matches("ElbLogDeliveryAclCheck").count(), 1);
        for sid in ["NlbAccessWrite", "NlbFlowWrite", "GwlbFlowWrite"] {
            assert_eq!(policy.matches(&format!("\"{sid}\"")).count(), 1, "{sid}");
        }
    }

    #[test]
    fn the_commands_name_the_bucket_and_each_prefix() {
        let t = template(Cloud::Government);
        let text = |o: &str| t["Outputs"][o]["Value"].to_string();
        assert!(text("AlbAccessLogsCommand").contains("access_logs.s3.prefix,Value=${Prefix}"));
        assert!(text("AlbAccessLogsCommand").contains("AlbAccessKeyPrefix"));
        assert!(text("NlbFlowLogsCommand").contains("ELB net/"));
        assert!(text("GwlbFlowLogsCommand").contains("ELB gwy/"));
        assert!(text("GwlbFlowLogsCommand").contains("GwlbFlowKeyPrefix"));
    }
}
