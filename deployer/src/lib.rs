//! Deploys rendered stacks with aws-sdk-cloudformation: create or update, wait with progress,
//! report failing resources from the stack events, print the outputs the portal needs.
//!
//! LocalStack is the default target; real AWS only when asked, through the standard
//! credential and region chain, after the caller confirmed the account and region.
//!
//! On every target the template's Rules are checked before a stack changes (LocalStack ignores
//! them; CloudFormation on AWS does not), and a template over the 51,200-byte inline limit is
//! staged in S3 and deployed by TemplateURL.

pub mod cli;
pub mod guardduty;
pub mod oidc;
mod partition;
pub mod rules;
mod stack;
pub mod stack_set;
mod staging;
mod target;

pub use partition::Partition;
pub use stack::{
    delete, deploy, outputs, DeployError, DeployOutcome, DeployReport, ResourceFailure,
    StackRequest, TEMPLATE_BODY_LIMIT, TEMPLATE_URL_LIMIT,
};
pub use staging::{
    bucket_name, object_key, template_url, StagedTemplate, Staging, STAGED_TEMPLATE_DAYS,
};
pub use target::{
    caller_identity, sdk_config, Identity, Target, DEFAULT_LOCALSTACK, LOCALSTACK_REGION,
};
