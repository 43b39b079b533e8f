//! [`PolicySet`]: the policies that apply in one or more accounts, and the evaluation of a
//! request against them.
//!
//! CONTRACT (implemented by the evaluator work):
//! - Which policies apply to a request is decided here from the request: the caller's identity
//!   policies (a [`Caller::RoleSession`](crate::Caller)'s role in the set), and the resource's
//!   policy: the trust policy of the role for `sts:AssumeRole*` on a role ARN, the bucket
//!   policy for a bucket or an object ARN (`arn:<p>:s3:::bucket/key` → bucket `bucket`), the
//!   queue policy, the key policy, the topic policy. A resource the set does not know has no
//!   resource policy; a KMS key the set does not know denies (a key always has a key policy).
//! - The evaluation logic is AWS's: explicit Deny in any applicable policy wins; within one
//!   account, an Allow in the identity policies or in the resource policy suffices; across
//!   accounts (the caller's account differs from the resource's owner) both must allow; a
//!   service principal, a web identity and an external caller are allowed by resource policies
//!   only; a KMS key policy must allow, directly or by delegating to the account (a statement
//!   allowing `arn:<p>:iam::<account>:root`, after which the identity policies must allow too);
//!   a role's trust policy must always allow `sts:AssumeRole*`.
//! - The evaluator fills in the global keys that follow from the caller unless the context
//!   gives them: `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:PrincipalType`,
//!   `aws:PrincipalServiceName` (service callers), `aws:userid` is not modelled.

use crate::{Decision, Policy, PolicyError, Request};
use std::collections::BTreeMap;

/// A policy with the name a user would look for it under (shown in decisions), e.g.
/// "role sentinel-vpc-role inline policy SentinelS3Read" or "bucket policy of my-bucket".
#[derive(Debug, Clone, PartialEq)]
pub struct NamedPolicy {
    pub name: String,
    pub policy: Policy,
}

/// An IAM role: its ARN, trust policy and identity policies (inline and attached alike).
#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub arn: String,
    pub trust: NamedPolicy,
    pub policies: Vec<NamedPolicy>,
}

/// The policies of the accounts a request may touch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicySet {
    pub roles: BTreeMap<String, Role>,
    /// Resource policies by resource ARN (a bucket's ARN is `arn:<p>:s3:::<bucket>`, its
    /// objects' policy is the bucket's), with the owning account.
    pub resources: BTreeMap<String, (String, NamedPolicy)>,
}

impl PolicySet {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add_role(&mut self, role: Role) {
        self.roles.insert(role.arn.clone(), role);
    }
    /// Adds an identity policy to a role already in the set (an `AWS::IAM::Policy` attached
    /// to it, say); `false` when the set has no such role.
    pub fn attach(&mut self, role_arn: &str, policy: NamedPolicy) -> bool {
        match self.roles.get_mut(role_arn) {
            Some(r) => {
                r.policies.push(policy);
                true
            }
            None => false,
        }
    }
    /// Sets the resource policy of `arn` (bucket, queue, key or topic ARN), owned by `account`.
    pub fn set_resource_policy(&mut self, arn: &str, account: &str, policy: NamedPolicy) {
        self.resources
            .insert(arn.to_string(), (account.to_string(), policy));
    }

    /// Decides `request`. An error is a request the evaluator cannot decide (an unknown
    /// condition operator met at evaluation, a resource ARN that does not parse), never a
    /// silent Allow or Deny.
    pub fn evaluate(&self, request: &Request) -> Result<Decision, PolicyError> {
        let _ = request;
        unimplemented!("the evaluator work implements PolicySet::evaluate")
    }
}
