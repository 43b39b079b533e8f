//! The outputs of the connector and EKS stacks: their names (defined once, here, and used by the
//! code that declares them) and typed readers of a deployed stack's outputs.

use super::bucket::service_name;
use super::{ConnectorStack, StackKind, StackSpec};
use crate::facts::DataType;
use std::collections::BTreeMap;

pub const ROLE_ARN: &str = "SentinelRoleArn";
pub const QUEUE_URL: &str = "SentinelSQSQueueURL";
pub const QUEUE_ARN: &str = "SentinelSQSQueueArn";
pub const DLQ_URL: &str = "DeadLetterQueueURL";
pub const DESTINATION_TABLE: &str = "DestinationTable";
pub const NOTIFICATION_PREFIX: &str = "NotificationPrefix";
/// With `FanOut=sns`: the topic a data type's objects are announced on.
pub const NOTIFICATION_TOPIC_ARN: &str = "NotificationTopicArn";
pub const CONNECTOR_SETTINGS: &str = "ConnectorSettings";
pub const BUCKET_NAME: &str = "LogBucketName";
/// EKS only: the queue's name.
pub const QUEUE_NAME: &str = "SentinelSQSQueueName";
pub const ERROR_OUTPUT_PREFIX: &str = "ErrorOutputPrefix";
pub const LOG_GROUP: &str = "CloudWatchLogGroup";
pub const DELIVERY_STREAM_NAME: &str = "FirehoseDeliveryStreamName";
pub const DELIVERY_STREAM_ARN: &str = "FirehoseDeliveryStreamArn";
pub const LOGS_ROLE_ARN: &str = "CloudWatchLogsRoleArn";
pub const TRANSFORM_FUNCTION_NAME: &str = "TransformFunctionName";
pub const SUBSCRIPTION_FILTER_NAME: &str = "SubscriptionFilterName";
/// GuardDuty only (when the stack creates the bucket): the key of the findings export.
pub const GUARDDUTY_KMS_KEY_ARN: &str = "GuardDutyKmsKeyArn";
/// GuardDuty only (when it exports): the detector that exports findings.
pub const GUARDDUTY_DETECTOR_ID: &str = "GuardDutyDetectorId";

/// An output a stack should have and has not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stack {stack} has no output {output}: deploy it from a template this toolkit renders for {expected} (cargo xtask render), or read the outputs of the stack that is")]
pub struct MissingOutput {
    /// The stack as named by the caller (the deployed name), or the template stem.
    pub stack: String,
    pub output: String,
    /// The stack the outputs were read as.
    pub expected: String,
}

impl MissingOutput {
    /// The same error naming the deployed stack.
    pub fn in_stack(mut self, name: &str) -> MissingOutput {
        self.stack = name.to_string();
        self
    }
}

struct Reader<'a> {
    spec: &'a StackSpec,
    outputs: &'a BTreeMap<String, String>,
}

impl Reader<'_> {
    fn get(&self, name: &str) -> Result<String, MissingOutput> {
        self.outputs
            .get(name)
            .cloned()
            .ok_or_else(|| MissingOutput {
                stack: self.spec.stem(),
                output: name.to_string(),
                expected: self.spec.stem(),
            })
    }
}

/// A data type's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueOutputs {
    pub url: String,
    pub arn: String,
    /// The dead-letter queue's URL.
    pub dlq_url: String,
}

/// What a connector stack says about one of its data types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataTypeOutputs {
    pub data_type: DataType,
    pub queue: QueueOutputs,
    /// Objects under this prefix (ending in the data type's suffix) are announced.
    pub notification_prefix: String,
    /// The Sentinel table.
    pub table: String,
}

/// The outputs of a connector stack (one data type or all of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorOutputs {
    pub role_arn: String,
    pub bucket: String,
    /// One per data type of the stack, in the stack's order.
    pub data_types: Vec<DataTypeOutputs>,
}

/// A data type's output name in a connector stack (the rule the stack declares them by).
pub fn connector_output(spec: &StackSpec, service: DataType, base: &str) -> String {
    service_name(spec.services().len() == 1, service, base)
}

impl ConnectorOutputs {
    /// Reads the outputs of a deployed `spec` (a connector or the all-services stack).
    pub fn from_map(
        spec: &StackSpec,
        outputs: &BTreeMap<String, String>,
    ) -> Result<ConnectorOutputs, MissingOutput> {
        let r = Reader { spec, outputs };
        let name = |d: DataType, base: &str| connector_output(spec, d, base);
        let mut data_types = Vec::new();
        for d in spec.services() {
            data_types.push(DataTypeOutputs {
                data_type: d,
                queue: QueueOutputs {
                    url: r.get(&name(d, QUEUE_URL))?,
                    arn: r.get(&name(d, QUEUE_ARN))?,
                    dlq_url: r.get(&name(d, DLQ_URL))?,
                },
                notification_prefix: r.get(&name(d, NOTIFICATION_PREFIX))?,
                table: r.get(&name(d, DESTINATION_TABLE))?,
            });
        }
        Ok(ConnectorOutputs {
            role_arn: r.get(ROLE_ARN)?,
            bucket: r.get(BUCKET_NAME)?,
            data_types,
        })
    }

    /// Reads the outputs of a connector stack of any shape: a one-service stack (told by its
    /// `DestinationTable` output), a group's stack or the all-services stack (told by which
    /// data types' outputs are there).
    pub fn from_any(outputs: &BTreeMap<String, String>) -> Result<ConnectorOutputs, MissingOutput> {
        // The outputs do not depend on the Azure cloud.
        let spec = |kind| StackSpec {
            kind,
            cloud: crate::facts::Cloud::Commercial,
        };
        let single = outputs.get(DESTINATION_TABLE).and_then(|table| {
            ConnectorStack::all().into_iter().find(|s| {
                s.single()
                    .is_some_and(|d| d.table().name() == table.as_str())
            })
        });
        if let Some(s) = single {
            return ConnectorOutputs::from_map(&spec(StackKind::Connector(s)), outputs);
        }
        let groups = ConnectorStack::all()
            .into_iter()
            .filter(|s| s.single().is_none())
            .map(StackKind::Connector);
        for kind in groups {
            if let Ok(o) = ConnectorOutputs::from_map(&spec(kind), outputs) {
                return Ok(o);
            }
        }
        // The log-archive stack has three of the all-services stack's four data types.
        ConnectorOutputs::from_map(&spec(StackKind::AllServices), outputs).or_else(|e| {
            ConnectorOutputs::from_map(&spec(StackKind::LogArchive), outputs).map_err(|_| e)
        })
    }

    /// The outputs of data type `d`, if the stack delivers it.
    pub fn get(&self, d: DataType) -> Option<&DataTypeOutputs> {
        self.data_types.iter().find(|o| o.data_type == d)
    }
}

/// The outputs of the EKS stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EksOutputs {
    pub role_arn: String,
    pub bucket: String,
    pub queue: QueueOutputs,
    pub queue_name: String,
    pub notification_prefix: String,
    /// Where Firehose writes what it could not deliver (never announced).
    pub error_prefix: String,
    pub table: String,
    /// The cluster's control-plane log group.
    pub log_group: String,
    pub delivery_stream_name: String,
    pub delivery_stream_arn: String,
    pub logs_role_arn: String,
    pub transform_function_name: String,
    pub subscription_filter_name: String,
}

impl EksOutputs {
    pub fn from_map(
        spec: &StackSpec,
        outputs: &BTreeMap<String, String>,
    ) -> Result<EksOutputs, MissingOutput> {
        let r = Reader { spec, outputs };
        Ok(EksOutputs {
            role_arn: r.get(ROLE_ARN)?,
            bucket: r.get(BUCKET_NAME)?,
            queue: QueueOutputs {
                url: r.get(QUEUE_URL)?,
                arn: r.get(QUEUE_ARN)?,
                dlq_url: r.get(DLQ_URL)?,
            },
            queue_name: r.get(QUEUE_NAME)?,
            notification_prefix: r.get(NOTIFICATION_PREFIX)?,
            error_prefix: r.get(ERROR_OUTPUT_PREFIX)?,
            table: r.get(DESTINATION_TABLE)?,
            log_group: r.get(LOG_GROUP)?,
            delivery_stream_name: r.get(DELIVERY_STREAM_NAME)?,
            delivery_stream_arn: r.get(DELIVERY_STREAM_ARN)?,
            logs_role_arn: r.get(LOGS_ROLE_ARN)?,
            transform_function_name: r.get(TRANSFORM_FUNCTION_NAME)?,
            subscription_filter_name: r.get(SUBSCRIPTION_FILTER_NAME)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::to_json;

    /// The output names of the rendered template, each with a fake value derived from its name.
    fn rendered_outputs(spec: &StackSpec) -> BTreeMap<String, String> {
        let doc: serde_json::Value = serde_json::from_str(&to_json(&spec.build())).unwrap();
        doc["Outputs"]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| (k.clone(), format!("value-of-{k}")))
            .collect()
    }

    #[test]
    fn every_connector_and_eks_template_declares_the_outputs_the_readers_read() {
        for spec in StackSpec::all() {
            let outputs = rendered_outputs(&spec);
            match spec.kind {
                StackKind::Connector(_) | StackKind::AllServices | StackKind::LogArchive => {
                    let o = ConnectorOutputs::from_map(&spec, &outputs).unwrap();
                    assert_eq!(o.bucket, format!("value-of-{BUCKET_NAME}"));
                    assert_eq!(o.data_types.len(), spec.services().len());
                    for d in spec.services() {
                        let t = o.get(d).unwrap();
                        assert_eq!(
                            t.queue.url,
                            format!("value-of-{}", connector_output(&spec, d, QUEUE_URL))
                        );
                    }
                    // The shape is told from the outputs alone.
                    let any = ConnectorOutputs::from_any(&outputs);
                    if spec.services().len() > 1 {
                        assert_eq!(any.unwrap(), o, "{spec}");
                    }
                }
                StackKind::Eks => {
                    let o = EksOutputs::from_map(&spec, &outputs).unwrap();
                    assert_eq!(o.queue.dlq_url, format!("value-of-{DLQ_URL}"));
                    assert_eq!(o.log_group, format!("value-of-{LOG_GROUP}"));
                }
                StackKind::OidcProvider
                | StackKind::LegacyCloudTrail
                | StackKind::LogArchiveMember => {}
            }
        }
    }

    #[test]
    fn a_one_service_stack_is_told_by_its_table() {
        for c in ConnectorStack::all() {
            let Some(d) = c.single() else { continue };
            let spec = StackSpec {
                kind: StackKind::Connector(c),
                cloud: crate::facts::Cloud::Commercial,
            };
            let mut outputs = rendered_outputs(&spec);
            outputs.insert(DESTINATION_TABLE.into(), d.table().name().into());
            let o = ConnectorOutputs::from_any(&outputs).unwrap();
            assert_eq!(o.data_types[0].data_type, d);
        }
    }

    #[test]
    fn a_missing_output_names_the_stack_the_output_and_the_fix() {
        let spec = StackSpec::all()
            .into_iter()
            .find(|s| s.kind == StackKind::AllServices)
            .unwrap();
        let mut outputs = rendered_outputs(&spec);
        let gone = connector_output(&spec, DataType::CloudTrail, NOTIFICATION_PREFIX);
        outputs.remove(&gone);
        let err = ConnectorOutputs::from_map(&spec, &outputs)
            .unwrap_err()
            .in_stack("my-stack");
        assert_eq!(err.output, gone);
        let text = err.to_string();
        assert!(
            text.contains("my-stack")
                && text.contains(&gone)
                && text.contains("cargo xtask render"),
            "{text}"
        );
        let eks = StackSpec::all()
            .into_iter()
            .find(|s| s.kind == StackKind::Eks)
            .unwrap();
        let mut outputs = rendered_outputs(&eks);
        outputs.remove(QUEUE_URL);
        let err = EksOutputs::from_map(&eks, &outputs).unwrap_err();
        assert_eq!(err.output, QUEUE_URL);
    }
}
