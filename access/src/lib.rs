//! An offline evaluator of AWS IAM policies: given the policies that apply (identity policies of
//! a role, a role's trust policy, and the resource policies of S3 buckets, SQS queues, KMS keys
//! and SNS topics) and one request (who, which action, which resource, with which request
//! context), it decides Allow or Deny the way AWS's documented policy evaluation logic does, and
//! says which statements decided it.
//!
//! Why hand-written: no maintained Rust crate evaluates IAM policies offline, and LocalStack's
//! free IAM simulation returns a constant answer, so nothing else can make a test fail on a
//! missing permission. The scope is what these stacks use; see the README's "Access proof"
//! section for what is not modelled (SCPs, permission boundaries, session policies, ACLs).
//!
//! - [`policy`]: policy documents parsed from JSON (the element names and their forms).
//! - [`principal`]: the Principal element and how a caller matches it.
//! - [`condition`]: the Condition element, its operators and their evaluation.
//! - [`arn`]: ARNs and ARN patterns; `wildcard` and `variables`: `*`/`?` and `${...}`.
//! - `eval`: the evaluation logic (explicit deny, same and cross account, key and trust
//!   policies).
//! - [`request`]: the request: [`Caller`], action, resource ARN, [`Context`].
//! - [`set`]: [`PolicySet`], the policies of an account (or several), and
//!   [`PolicySet::evaluate`].
//! - [`decision`]: [`Decision`], the answer and the statements that decided it.
//! - [`template`]: a CloudFormation template resolved for an account, a Region and a
//!   partition, to the names and ARNs AWS would create.
//! - [`stack`]: the [`PolicySet`] a resolved template creates ([`stack::policy_set`]).
//! - [`managed`]: the AWS managed policies the templates attach, with their documents.

pub mod arn;
pub mod condition;
pub mod decision;
mod eval;
pub mod managed;
pub mod policy;
pub mod principal;
pub mod request;
pub mod set;
pub mod stack;
pub mod template;
mod variables;
mod wildcard;

pub use decision::{Decision, Effect, Matched, Reason};
pub use policy::{Negatable, Policy, PolicyError, ResourcePattern, Statement};
pub use request::{Caller, Context, Request};
pub use set::{NamedPolicy, PolicySet, Role};
