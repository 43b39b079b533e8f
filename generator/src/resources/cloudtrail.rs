//! `AWS::CloudTrail::Trail`.
use super::Tag;
use crate::cfn::{Expr, Resource};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Trail {
    pub trail_name: Expr,
    pub s3_bucket_name: Expr,
    /// `AWS::NoValue` for none.
    pub s3_key_prefix: Expr,
    pub is_organization_trail: Expr,
    pub is_logging: bool,
    pub is_multi_region_trail: Expr,
    pub include_global_service_events: bool,
    pub enable_log_file_validation: bool,
    pub tags: Vec<Tag>,
}

impl Resource for Trail {
    const TYPE: &'static str = "AWS::CloudTrail::Trail";
}
