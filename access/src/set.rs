//! [`PolicySet`]: the policies that apply in one or more accounts, and the evaluation of a
//! request against them ([`PolicySet::evaluate`]; the logic itself is in `eval`).
//!
//! Which policies apply is decided from the request:
//! - the identity policies of a [`Caller::RoleSession`](crate::Caller)'s role, when the set holds
//!   the role (a role it does not hold has none; that is no error);
//! - the resource's policy: for `sts:AssumeRole`, `sts:AssumeRoleWithWebIdentity`,
//!   `sts:AssumeRoleWithSAML`, `sts:TagSession` and `sts:SetSourceIdentity` on a role ARN, the
//!   role's trust policy (which must allow; a role the set does not hold denies); for an S3
//!   bucket ARN `arn:<p>:s3:::b` or object ARN `arn:<p>:s3:::b/key`, bucket `b`'s policy; for a
//!   KMS key, its key policy (which must allow; a key the set does not hold denies); for any
//!   other ARN (queues, topics), the policy set for exactly that ARN, if any.
//! - the resource's owner: the account recorded with its policy, else the ARN's account field;
//!   an S3 bucket the set does not hold (its ARN has no account) is taken to be the caller's.
//!
//! Before matching, the request context gains the global keys that follow from the caller
//! (`aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:PrincipalType`,
//! `aws:PrincipalServiceName`, and `kms:CallerAccount` for `kms:` actions) unless it gives
//! them; `aws:userid` is not modelled.

use crate::arn::Arn;
use crate::eval::{identity_of, Ask, Resource};
use crate::principal::Who;
use crate::{Decision, Policy, PolicyError, Request};
use std::collections::BTreeMap;

/// The STS actions a role's trust policy decides (lower case).
const TRUST_ACTIONS: [&str; 5] = [
    "sts:assumerole",
    "sts:assumerolewithwebidentity",
    "sts:assumerolewithsaml",
    "sts:tagsession",
    "sts:setsourceidentity",
];

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
        let who = Who::new(&request.principal)?;
        let arn = Arn::parse(&request.resource).ok_or_else(|| PolicyError::Request {
            field: "resource".into(),
            value: request.resource.clone(),
            problem: "is not an ARN (arn:<partition>:<service>:<region>:<account>:<resource>)"
                .into(),
        })?;
        let context = who.fill(&request.context, &request.action);
        let ask = Ask {
            who: &who,
            action: &request.action,
            resource: &request.resource,
            context: &context,
        };
        let resource = self.resource_side(&request.action, &request.resource, &arn);
        let identity = identity_of(&request.principal, &self.roles);
        ask.decide(&identity, &resource)
    }

    /// [`evaluate`](Self::evaluate), printed: `Allow` or `Deny` on the first line, then the
    /// statements that decided and, for an implicit deny, what would have to allow.
    pub fn explain(&self, request: &Request) -> Result<String, PolicyError> {
        self.evaluate(request).map(|d| d.to_string())
    }

    fn resource_side<'a>(&'a self, action: &str, resource: &str, arn: &Arn) -> Resource<'a> {
        let account = (!arn.account.is_empty()).then(|| arn.account.clone());
        let action = action.to_ascii_lowercase();
        let sts_on_role = arn.service == "iam"
            && arn.resource.starts_with("role/")
            && TRUST_ACTIONS.contains(&action.as_str());
        if sts_on_role {
            let role = self.roles.get(resource);
            return Resource {
                what: format!("the trust policy of role {resource}"),
                policy: role.map(|r| &r.trust),
                required: true,
                owner: account,
            };
        }
        let (key, what) = match arn.service.as_str() {
            "s3" => {
                let bucket = arn.resource.split('/').next().unwrap_or_default();
                (
                    format!("arn:{}:s3:::{bucket}", arn.partition),
                    format!("the bucket policy of {bucket}"),
                )
            }
            "kms" => (
                resource.to_string(),
                format!("the key policy of {resource}"),
            ),
            "sqs" => (
                resource.to_string(),
                format!("the queue policy of {resource}"),
            ),
            "sns" => (
                resource.to_string(),
                format!("the topic policy of {resource}"),
            ),
            _ => (
                resource.to_string(),
                format!("the resource policy of {resource}"),
            ),
        };
        let found = self.resources.get(&key);
        Resource {
            what,
            policy: found.map(|(_, p)| p),
            required: arn.service == "kms",
            owner: found.map(|(owner, _)| owner.clone()).or(account),
        }
    }
}
