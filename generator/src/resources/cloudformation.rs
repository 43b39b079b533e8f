//! `AWS::CloudFormation::*`.
use crate::cfn::Resource;
use serde::Serialize;

/// A resource that creates nothing; keeps a template valid when every real resource is conditional.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WaitConditionHandle {}

impl Resource for WaitConditionHandle {
    const TYPE: &'static str = "AWS::CloudFormation::WaitConditionHandle";
}
