//! Deploys rendered stacks with aws-sdk-cloudformation: create or update, wait with progress,
//! report failing resources from the stack events, print the outputs the portal needs.
//!
//! LocalStack is the default target; real AWS only when asked, through the standard
//! credential and region chain, after the caller confirmed the account and region.

pub mod cli;
mod stack;
mod target;

pub use stack::{
    delete, deploy, outputs, DeployError, DeployOutcome, DeployReport, ResourceFailure,
    StackRequest,
};
pub use target::{
    caller_identity, sdk_config, Identity, Target, DEFAULT_LOCALSTACK, LOCALSTACK_REGION,
};
