//! Typed models of CloudFormation and IAM, and every stack the Sentinel S3 connectors need.
//!
//! - [`cfn`]: templates, parameters, conditions, outputs and intrinsic functions.
//! - [`iam`]: policy documents; [`grants`]: least-privilege statements derived from resources.
//! - [`resources`]: one typed struct per CloudFormation resource type emitted.
//! - [`stacks`]: the OIDC provider, the per-service and all-services connector stacks, and the
//!   legacy CloudTrail role, for Azure commercial and government.
//! - [`render`]: deterministic JSON and YAML, the `templates/` tree and its freshness check.
//! - [`transform_code`]: the inline code of the Firehose transform Lambdas.
//! - [`suppressions`]: justified security-linter suppressions, written into resource Metadata.

pub mod cfn;
pub mod config;
pub mod facts;
pub mod grants;
pub mod iam;
pub mod render;
pub mod resources;
pub mod stacks;
pub mod suppressions;
pub mod text;
pub mod transform_code;
