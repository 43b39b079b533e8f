//! Every parameter name the stacks declare, and [`StackParams`]: parameter values set through
//! typed names, for whoever deploys a stack (the deployer, the end-to-end run, the tests).
//!
//! Names that differ between a one-service stack and the all-services stack are functions of
//! the stack ([`key_prefix`], [`organization_id`], [`queue_name`]).

use super::bucket::service_name;
use super::StackSpec;
use crate::config::{
    BucketName, DetectorId, EksClusterName, OidcRoleName, QueueName, RoleName, WorkspaceId,
};
use crate::facts::DataType;
use std::fmt;

/// The Log Analytics workspace ID (every stack but the OIDC provider).
pub const WORKSPACE_ID: &str = "SentinelWorkspaceId";
/// The name of the role Sentinel assumes through OIDC (connector and EKS stacks).
pub const AWS_ROLE_NAME: &str = "AwsRoleName";
/// The name of the legacy connector's role.
pub const LEGACY_ROLE_NAME: &str = "RoleName";
pub const ALLOW_DEFENDER_SESSION: &str = "AllowDefenderSessionName";
/// The OIDC provider stack's switch.
pub const CREATE_PROVIDER: &str = "CreateProvider";

pub const BUCKET_NAME: &str = "BucketName";
pub const USE_EXISTING_BUCKET: &str = "UseExistingBucket";
pub const LOG_EXPIRATION_DAYS: &str = "LogExpirationDays";
pub const KMS_KEY_ARN: &str = "KmsKeyArn";
pub const QUEUE_VISIBILITY_TIMEOUT: &str = "QueueVisibilityTimeout";
pub const MAX_RECEIVE_COUNT: &str = "MaxReceiveCount";
pub const CREATE_ALARMS: &str = "CreateAlarms";
pub const OLDEST_MESSAGE_ALARM_SECONDS: &str = "OldestMessageAlarmSeconds";
pub const ALARM_EMAIL: &str = "AlarmEmail";
pub const FAN_OUT: &str = "FanOut";

/// The queue name of a one-service connector stack and of the EKS stack.
pub const SENTINEL_QUEUE_NAME: &str = "SentinelSQSQueueName";
/// What follows the data type's id in a queue name parameter of the all-services stack.
const QUEUE_NAME_TAIL: &str = "SQSQueueName";
const KEY_PREFIX_BASE: &str = "KeyPrefix";
const ORGANIZATION_ID_BASE: &str = "OrganizationId";

pub const VPC_ID: &str = "VpcId";
pub const TRAFFIC_TYPE: &str = "TrafficType";
pub const MAX_AGGREGATION_INTERVAL: &str = "MaxAggregationInterval";
pub const HOURLY_PARTITIONS: &str = "HourlyPartitions";
pub const FLOW_LOG_FORMAT: &str = "FlowLogFormat";

pub const TRAIL_NAME: &str = "TrailName";
pub const CREATE_TRAIL: &str = "CreateTrail";

pub const DETECTOR_ID: &str = "DetectorId";
pub const CREATE_DETECTOR: &str = "CreateDetector";
pub const FINDING_PUBLISHING_FREQUENCY: &str = "FindingPublishingFrequency";
pub const KMS_KEY_ALIAS: &str = "KmsKeyAlias";

pub const LOG_GROUP_NAME: &str = "LogGroupName";
pub const FILTER_PATTERN: &str = "FilterPattern";
pub const DELIVERY_STREAM_NAME: &str = "DeliveryStreamName";
pub const TRANSFORM_FUNCTION_NAME: &str = "TransformFunctionName";

pub const EKS_CLUSTER: &str = "EKSClusterName";
pub const LOG_GROUP_EXISTS: &str = "LogGroupExists";
pub const NONCURRENT_VERSION_EXPIRATION_DAYS: &str = "NoncurrentVersionExpirationDays";
/// S3 server access logs: the buckets whose logs the stack takes, comma separated.
pub const WATCHED_BUCKET_NAMES: &str = "WatchedBucketNames";

/// Route 53 Resolver query logs: the VPCs to log (comma separated) and the configuration's name.
pub const VPC_IDS: &str = "VpcIds";
pub const QUERY_LOG_CONFIG_NAME: &str = "QueryLogConfigName";
/// The firewall whose flow, alert and TLS logs the Network Firewall stack delivers.
pub const FIREWALL_ARN: &str = "FirewallArn";

/// The web ACL whose traffic the WAF stack logs (empty: no logging configuration).
pub const WEB_ACL_ARN: &str = "WebAclArn";
pub const CREATE_EVENT_RULE: &str = "CreateEventRule";
pub const EVENT_RULE_NAME: &str = "EventRuleName";

/// A data type's queue name parameter: [`SENTINEL_QUEUE_NAME`] in a one-service stack,
/// `<Id>SQSQueueName` in the all-services stack.
pub fn queue_name(single: bool, service: DataType) -> String {
    if single {
        SENTINEL_QUEUE_NAME.to_string()
    } else {
        format!("{}{QUEUE_NAME_TAIL}", service.id())
    }
}

/// A data type's key prefix parameter (`KeyPrefix`, or `<Id>KeyPrefix` with several types).
pub fn key_prefix(single: bool, service: DataType) -> String {
    service_name(single, service, KEY_PREFIX_BASE)
}

/// CloudTrail's organization ID parameter (`OrganizationId`, or `CloudTrailOrganizationId`).
pub fn organization_id(single: bool, service: DataType) -> String {
    service_name(single, service, ORGANIZATION_ID_BASE)
}

/// Parameter values for one stack, set through typed names; [`StackParams::into_pairs`] gives
/// the `(name, value)` list CloudFormation takes.
#[derive(Debug, Clone)]
pub struct StackParams {
    single: bool,
    pairs: Vec<(String, String)>,
}

impl StackParams {
    pub fn new(spec: &StackSpec) -> StackParams {
        StackParams {
            single: spec.services().len() <= 1,
            pairs: Vec::new(),
        }
    }

    /// For a template of unknown shape (a file): names per data type are those of a
    /// one-service stack.
    pub fn any() -> StackParams {
        StackParams {
            single: true,
            pairs: Vec::new(),
        }
    }

    /// Sets `name` (one of this module's constants) to `value`, replacing an earlier value.
    pub fn set(mut self, name: &str, value: impl fmt::Display) -> StackParams {
        let value = value.to_string();
        match self.pairs.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v = value,
            None => self.pairs.push((name.to_string(), value)),
        }
        self
    }

    pub fn workspace_id(self, w: &WorkspaceId) -> StackParams {
        self.set(WORKSPACE_ID, w)
    }
    /// The role Sentinel assumes through OIDC (connector and EKS stacks).
    pub fn role_name(self, n: &OidcRoleName) -> StackParams {
        self.set(AWS_ROLE_NAME, n)
    }
    /// The legacy connector's role.
    pub fn legacy_role_name(self, n: &RoleName) -> StackParams {
        self.set(LEGACY_ROLE_NAME, n)
    }
    pub fn bucket_name(self, b: &BucketName) -> StackParams {
        self.set(BUCKET_NAME, b)
    }
    /// The queue of a one-service stack or of the EKS stack.
    pub fn queue_name(self, q: &QueueName) -> StackParams {
        self.set(SENTINEL_QUEUE_NAME, q)
    }
    /// The queue of `service`, named as this stack names it ([`queue_name`]).
    pub fn service_queue_name(self, service: DataType, q: &QueueName) -> StackParams {
        let name = queue_name(self.single, service);
        self.set(&name, q)
    }
    pub fn queue_visibility_timeout(self, seconds: u32) -> StackParams {
        self.set(QUEUE_VISIBILITY_TIMEOUT, seconds)
    }
    pub fn max_receive_count(self, n: u32) -> StackParams {
        self.set(MAX_RECEIVE_COUNT, n)
    }
    pub fn detector_id(self, d: &DetectorId) -> StackParams {
        self.set(DETECTOR_ID, d)
    }
    pub fn create_detector(self, yes: bool) -> StackParams {
        self.set(CREATE_DETECTOR, yes)
    }
    pub fn eks_cluster(self, c: &EksClusterName) -> StackParams {
        self.set(EKS_CLUSTER, c)
    }
    pub fn log_group_exists(self, yes: bool) -> StackParams {
        self.set(LOG_GROUP_EXISTS, yes)
    }

    /// The values set so far, in the order first set.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stacks::{StackKind, StackSpec};

    /// Every name a [`StackParams`] of a stack can set is one that stack declares.
    #[test]
    fn typed_parameters_name_parameters_the_stacks_declare() {
        for spec in StackSpec::all() {
            let t = spec.build();
            let mut p = StackParams::new(&spec);
            match spec.kind {
                StackKind::OidcProvider => p = p.set(CREATE_PROVIDER, false),
                StackKind::LegacyCloudTrail => {
                    p = p
                        .workspace_id(&"01234567-89ab-cdef-0123-456789abcdef".parse().unwrap())
                        .legacy_role_name(&"Reader".parse().unwrap())
                }
                StackKind::Eks => {
                    p = p
                        .eks_cluster(&"prod".parse().unwrap())
                        .log_group_exists(true)
                        .queue_name(&"q".parse().unwrap())
                }
                StackKind::LogArchiveMember => {
                    p = p
                        .set(super::super::member::ARCHIVE_BUCKET, "archive")
                        .detector_id(&"0123456789abcdef0123456789abcdef".parse().unwrap())
                        .set(VPC_ID, "vpc-0123456789abcdef0")
                }
                StackKind::Connector(_) | StackKind::AllServices | StackKind::LogArchive => {
                    for s in spec.services() {
                        p = p
                            .service_queue_name(s, &"q".parse().unwrap())
                            .set(&key_prefix(spec.services().len() == 1, s), "logs");
                    }
                }
            }
            if !matches!(
                spec.kind,
                StackKind::OidcProvider | StackKind::LegacyCloudTrail | StackKind::LogArchiveMember
            ) {
                p = p
                    .role_name(&"OIDC_R".parse().unwrap())
                    .bucket_name(&"my-bucket".parse().unwrap())
                    .queue_visibility_timeout(30)
                    .max_receive_count(3);
            }
            for (name, _) in p.pairs() {
                assert!(t.parameters.contains_key(name), "{spec} declares no {name}");
            }
        }
    }

    #[test]
    fn a_parameter_set_twice_keeps_the_last_value_once() {
        let spec = StackSpec::all()[1];
        let p = StackParams::new(&spec)
            .max_receive_count(3)
            .max_receive_count(5)
            .into_pairs();
        assert_eq!(p, vec![(MAX_RECEIVE_COUNT.to_string(), "5".to_string())]);
    }

    #[test]
    fn queue_names_follow_the_stack() {
        assert_eq!(queue_name(true, DataType::Vpc), SENTINEL_QUEUE_NAME);
        assert_eq!(
            queue_name(false, DataType::Vpc),
            format!("{}SQSQueueName", DataType::Vpc.id())
        );
    }
}
