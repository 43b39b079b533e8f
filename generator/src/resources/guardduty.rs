//! `AWS::GuardDuty::Detector` and `AWS::GuardDuty::PublishingDestination`.
use crate::cfn::{Expr, Resource};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Detector {
    pub enable: bool,
    pub finding_publishing_frequency: Expr,
}

impl Resource for Detector {
    const TYPE: &'static str = "AWS::GuardDuty::Detector";
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublishingDestination {
    pub detector_id: Expr,
    pub destination_type: &'static str,
    pub destination_properties: DestinationProperties,
}

impl Resource for PublishingDestination {
    const TYPE: &'static str = "AWS::GuardDuty::PublishingDestination";
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DestinationProperties {
    pub destination_arn: Expr,
    pub kms_key_arn: Expr,
}
