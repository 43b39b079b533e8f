//! What the parts of a connector stack share about its log bucket: the bucket's logical IDs and
//! conditions, the context handed to each data type's delivery module, and what each module
//! hands back. Kept apart from `connector.rs` so the delivery modules (`services/`) and the
//! EKS stack depend on it, not on the stack that assembles them.

use super::common::{QueuePair, QueueTuning};
use super::layout::Layout;
use crate::cfn::Expr;
use crate::facts::{Cloud, DataType};
use crate::iam::Statement;

pub const BUCKET_ID: &str = "LogBucket";
pub const BUCKET_POLICY_ID: &str = "LogBucketPolicy";
pub const CREATE_BUCKET: &str = "CreateBucket";
pub const USE_EXISTING_BUCKET: &str = "UsesExistingBucket";
/// The condition "a KMS key ARN is given" (see [`Ctx::kms_key`]).
pub const HAS_KMS_KEY: &str = "HasKmsKeyArn";

/// What one service module contributes to the shared parts of the stack.
pub struct ServiceParts {
    pub service: DataType,
    pub queue: QueuePair,
    /// Where its objects live: notification prefix, read and write grants.
    pub layout: Layout,
    /// Statements the delivering service needs in the bucket policy.
    pub bucket_statements: Vec<Statement>,
    /// Statements the Sentinel role needs beyond its queue and prefix.
    pub role_statements: Vec<Statement>,
    /// The Firehose stream that writes the service's objects, if one does (CloudWatch).
    pub firehose: Option<FirehoseWriter>,
}

/// A Firehose stream of the stack that writes into the bucket.
pub struct FirehoseWriter {
    /// Logical ID of its delivery role.
    pub role_id: String,
    /// Where it writes records it could not process (a `Fn::Sub` template), besides the
    /// service's prefix.
    pub error_prefix: &'static str,
}

/// Shared context handed to each service module.
pub struct Ctx {
    pub cloud: Cloud,
    pub single: bool,
    /// The bucket's name: `Ref LogBucket` when the stack creates it, else the `BucketName`
    /// parameter (only the bucket itself and the queue policies it waits for spell out the
    /// derived default, which keeps the template small).
    pub bucket_name: Expr,
    /// The name as given or derived, for what exists with either bucket and must resolve to a
    /// valid ARN for linters too (the CloudWatch Firehose stream).
    pub bucket_name_or_default: Expr,
    /// `Ref LogBucket`, for what exists only when the stack creates the bucket (its policy and
    /// the delivering resources).
    pub created_bucket: Expr,
    pub tuning: QueueTuning,
    /// `Ref KmsKeyArn`: the SSE-KMS key of the bucket's objects, given when [`HAS_KMS_KEY`].
    pub kms_key: Expr,
}

impl Ctx {
    /// A parameter or output name: plain in a one-service stack, service-prefixed otherwise.
    pub fn name(&self, service: DataType, base: &str) -> String {
        service_name(self.single, service, base)
    }
}

/// A parameter or output name of a connector stack: `base` in a one-service stack, `<Id><base>`
/// in the all-services stack (the rule [`Ctx::name`] applies while building, and readers of a
/// deployed stack's outputs apply too).
pub fn service_name(single: bool, service: DataType, base: &str) -> String {
    if single {
        base.to_string()
    } else {
        format!("{}{}", service.id(), base)
    }
}
