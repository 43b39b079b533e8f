//! Network Firewall flow, alert and TLS logs: ONE logging configuration of the given firewall
//! (`FirewallArn`; empty: none), with a log destination per log type of the stack, each to the
//! bucket under its own key prefix. The log-delivery service writes the objects
//! (`delivery.logs.amazonaws.com`, bound to this account and its `logs` source ARNs, as the
//! Network Firewall Developer Guide's S3 logging section and the flow-log bucket policy give it).
//!
//! Each member's delivery adds its log type to the one resource, so the configuration holds
//! exactly the log types the stack has queues for, in catalogue order.

use super::super::bucket::{Ctx, BUCKET_POLICY_ID};
use super::super::layout::Layout;
use super::super::params;
use super::{acl_check_and_write, and_create_bucket, Grants};
use crate::cfn::{Cond, Expr, Parameter, Template};
use crate::facts::{principals, DataType};
use crate::resources::networkfirewall::{
    LogDestinationConfig, LoggingConfiguration, LoggingConfigurationBody, S3LogDestination,
};

/// The logical ID of the logging configuration.
pub const LOGGING_ID: &str = "FirewallLogging";
/// Its condition: a firewall is given and the stack creates the bucket.
const CREATE_LOGGING: &str = "CreateFirewallLogging";

const FIREWALL_ARN_PATTERN: &str =
    "^$|^arn:aws[a-z-]*:network-firewall:[a-z0-9-]+:[0-9]{12}:firewall/[A-Za-z0-9-]{1,128}$";
const FIREWALL_ARN_RULE: &str =
    "must be a firewall ARN, arn:<partition>:network-firewall:<region>:<account>:firewall/<name>, or empty";

/// The `LogType` of a Network Firewall data type, and the Microsoft output name of its queue.
fn log_type(d: DataType) -> (&'static str, &'static str) {
    match d {
        DataType::NetworkFirewallFlow => ("FLOW", "SentinelSQSQueueFlowURL"),
        DataType::NetworkFirewallAlert => ("ALERT", "SentinelSQSQueueAlertURL"),
        DataType::NetworkFirewallTls => ("TLS", "SentinelSQSQueueTlsURL"),
        other => unreachable!("{other} is no Network Firewall log"),
    }
}

pub(super) fn deliver(t: &mut Template, ctx: &Ctx, layout: &Layout, service: DataType) -> Grants {
    let (log_type, queue_output) = log_type(service);
    let firewall = Expr::reference(params::FIREWALL_ARN);
    let first = !t.parameters.contains_key(params::FIREWALL_ARN);
    if first {
        t.param(
            params::FIREWALL_ARN,
            Parameter::string("ARN of the Network Firewall whose logs to deliver. Leave empty to create no logging configuration (deliver from an existing one; a firewall has only one).")
                .default("")
                .pattern(FIREWALL_ARN_PATTERN, FIREWALL_ARN_RULE),
        );
        let has = t.condition("HasFirewallArn", !(Cond::equals(firewall.clone(), "")));
        and_create_bucket(t, CREATE_LOGGING, Cond::named(has));
        t.add(
            LOGGING_ID,
            &LoggingConfiguration {
                firewall_arn: firewall,
                logging_configuration: LoggingConfigurationBody {
                    log_destination_configs: Vec::new(),
                },
            },
        )
        .condition(CREATE_LOGGING)
        .depends_on(BUCKET_POLICY_ID);
    }
    let config = LogDestinationConfig {
        log_destination: S3LogDestination {
            bucket_name: ctx.created_bucket.clone(),
            prefix: layout.trail_key_prefix(),
        },
        log_destination_type: "S3",
        log_type,
    };
    t.resources
        .get_mut(LOGGING_ID)
        .expect("added above")
        .properties["LoggingConfiguration"]["LogDestinationConfigs"]
        .as_array_mut()
        .expect("LogDestinationConfigs is a list")
        .push(serde_json::to_value(config).expect("resource models always serialise"));
    if !ctx.single {
        // The name Microsoft's template gives the queue URL the portal asks for.
        t.output(
            queue_output,
            format!(
                "{} queue URL (the name of Microsoft's template).",
                service.label()
            ),
            Expr::reference(format!("{}Queue", service.id())),
        );
    }

    // One ACL check for the log-delivery service, a write grant per log type's place.
    let source = Expr::sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*");
    let grant =
        |sid: &str| acl_check_and_write(ctx, layout, principals::LOG_DELIVERY, sid, source.clone());
    let mut bucket = Vec::new();
    if first {
        bucket.push(grant("NetworkFirewall").swap_remove(0));
    }
    bucket.push(grant(service.id()).swap_remove(1));
    (bucket, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Cloud;
    use crate::stacks::{StackKind, StackSpec};

    fn group_template() -> Template {
        let kind: StackKind = "networkfirewall".parse().unwrap();
        StackSpec {
            kind,
            cloud: Cloud::Commercial,
        }
        .build()
    }

    #[test]
    fn one_logging_configuration_with_a_destination_per_log_type() {
        let t = group_template();
        let r = &t.resources[LOGGING_ID];
        assert_eq!(r.type_name, "AWS::NetworkFirewall::LoggingConfiguration");
        assert_eq!(r.condition.as_deref(), Some(CREATE_LOGGING));
        assert!(r.depends_on.iter().any(|d| d == BUCKET_POLICY_ID));
        let configs = r.properties["LoggingConfiguration"]["LogDestinationConfigs"]
            .as_array()
            .unwrap();
        let types: Vec<&str> = configs
            .iter()
            .map(|c| c["LogType"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["FLOW", "ALERT", "TLS"]);
        for (c, id) in configs.iter().zip([
            "NetworkFirewallFlow",
            "NetworkFirewallAlert",
            "NetworkFirewallTls",
        ]) {
            assert_eq!(c["LogDestinationType"], "S3");
            assert_eq!(
                c["LogDestination"]["bucketName"],
                serde_json::json!({"Ref": "LogBucket"})
            );
            // Each log type under its own key prefix, absent when empty.
            assert_eq!(
                c["LogDestination"]["prefix"],
                serde_json::json!({"Fn::If": [format!("Has{id}KeyPrefix"), {"Ref": format!("{id}KeyPrefix")}, {"Ref": "AWS::NoValue"}]})
            );
        }
        // One firewall parameter for the three.
        assert_eq!(
            t.parameters
                .keys()
                .filter(|k| k.ends_with("FirewallArn"))
                .count(),
            1
        );
        for name in [
            "SentinelSQSQueueFlowURL",
            "SentinelSQSQueueAlertURL",
            "SentinelSQSQueueTlsURL",
        ] {
            assert!(t.outputs.contains_key(name), "{name}");
        }
        // The log-delivery service's ACL check once, a write grant per log type.
        let sids: Vec<String> = {
            let kind: StackKind = "networkfirewall".parse().unwrap();
            let spec = StackSpec {
                kind,
                cloud: Cloud::Commercial,
            };
            let doc = &spec.build().resources["LogBucketPolicy"].properties["PolicyDocument"];
            doc["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["Sid"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            sids[1..],
            [
                "NetworkFirewallAclCheck",
                "NetworkFirewallFlowWrite",
                "NetworkFirewallAlertWrite",
                "NetworkFirewallTlsWrite"
            ]
        );
        t.validate().unwrap();
    }
}
