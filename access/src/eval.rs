//! The evaluation logic: which statements of the applicable policies match a request, and
//! how their Allows and Denies combine into a [`Decision`].
//!
//! The rules, from the IAM User Guide's "Policy evaluation logic"
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>)
//! and "Cross-account policy evaluation logic"
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html>):
//! 1. A matching `Deny` statement in any applicable policy decides Deny (explicit deny).
//! 2. Same account (the caller's account owns the resource): an Allow in the caller's identity
//!    policies suffices, and so does an Allow in the resource policy that names the caller
//!    itself (its role, its session, or `*`). A resource-policy Allow that names only the
//!    caller's *account* (`111122223333`, `arn:<p>:iam::111122223333:root`) delegates to the
//!    account: the identity policies must then allow.
//! 3. Across accounts both sides must allow: the identity policies, and the resource policy
//!    (naming the caller or its account).
//! 4. A KMS key policy and a role's trust policy must always allow (directly, or by delegating
//!    to the account, after which the identity policies must allow too); a key or role the
//!    policy set does not hold denies.
//! 5. Service principals and web identities have no identity policies: only a resource
//!    policy that names them can allow. An external caller ([`Caller::External`]) is taken
//!    to be allowed by its own account, so its request is decided by the resource policy
//!    alone (naming it or its account).
//! 6. Otherwise the request is implicitly denied, and the decision names each policy that
//!    would have had to allow.

use crate::arn::arn_matches;
use crate::decision::{Decision, Effect, Matched, Reason};
use crate::policy::{Negatable, Statement};
use crate::principal::{Match, Who};
use crate::request::{Caller, Context};
use crate::set::NamedPolicy;
use crate::PolicyError;

/// The caller's identity side.
pub(crate) enum Identity<'a> {
    /// A role session whose role is in the set.
    Role {
        arn: &'a str,
        policies: &'a [NamedPolicy],
    },
    /// A role session whose role the set does not hold: no identity policies.
    UnknownRole { arn: &'a str },
    /// An external caller: its own account is taken to allow.
    Assumed,
    /// Service principals and web identities: no identity side.
    None,
}

/// The resource's policy.
pub(crate) struct Resource<'a> {
    /// Names the policy in messages: "the bucket policy of b", "the trust policy of role r".
    pub what: String,
    pub policy: Option<&'a NamedPolicy>,
    /// Key and trust policies must allow whatever the identity policies say.
    pub required: bool,
    /// The account that owns the resource (`None`: taken to be the caller's).
    pub owner: Option<String>,
}

/// The request as the statements see it.
pub(crate) struct Ask<'a> {
    pub who: &'a Who,
    pub action: &'a str,
    pub resource: &'a str,
    /// The request context with the caller's global keys filled in.
    pub context: &'a Context,
}

#[derive(Default)]
struct Found {
    deny: Vec<Matched>,
    allow: Vec<Matched>,
    /// Resource-policy Allows that name only the caller's account.
    allow_via_account: Vec<Matched>,
}

impl Ask<'_> {
    /// How `st` applies to this request (`Match::None`: it does not). On the identity side
    /// the Principal element is not consulted.
    fn applies(
        &self,
        st: &Statement,
        resource_side: bool,
        policy: &str,
    ) -> Result<Match, PolicyError> {
        if !st.covers_action(self.action) {
            return Ok(Match::None);
        }
        let resource_hit = |list: &Vec<crate::policy::ResourcePattern>| {
            list.iter().any(|r| {
                r.0.expand(self.context)
                    .is_some_and(|p| arn_matches(&p, self.resource))
            })
        };
        let covered = match &st.resource {
            None => true,
            Some(Negatable::Only(list)) => resource_hit(list),
            Some(Negatable::AllBut(list)) => !resource_hit(list),
        };
        if !covered {
            return Ok(Match::None);
        }
        let m = if resource_side {
            match &st.principal {
                Some(Negatable::Only(p)) => p.matches(self.who),
                Some(Negatable::AllBut(p)) => match p.matches(self.who) {
                    Match::None => Match::Direct,
                    _ => Match::None,
                },
                None => {
                    return Err(PolicyError::Malformed {
                        statement: st.sid.clone().unwrap_or_else(|| st.index.to_string()),
                        element: "Principal".into(),
                        problem: format!("{policy} is a resource policy: each statement must name a Principal or NotPrincipal"),
                    })
                }
            }
        } else {
            Match::Direct
        };
        if m == Match::None || !st.condition.holds(self.context) {
            return Ok(Match::None);
        }
        Ok(m)
    }

    fn scan(
        &self,
        policy: &NamedPolicy,
        resource_side: bool,
        found: &mut Found,
    ) -> Result<(), PolicyError> {
        for st in &policy.policy.statements {
            let m = self.applies(st, resource_side, &policy.name)?;
            if m == Match::None {
                continue;
            }
            let hit = Matched {
                policy: policy.name.clone(),
                sid: st.sid.clone(),
                index: st.index,
                effect: st.effect,
            };
            match (st.effect, m) {
                (Effect::Deny, _) => found.deny.push(hit),
                (Effect::Allow, Match::Account) => found.allow_via_account.push(hit),
                (Effect::Allow, _) => found.allow.push(hit),
            }
        }
        Ok(())
    }

    /// Decides the request from its identity side and its resource side.
    pub(crate) fn decide(
        &self,
        identity: &Identity,
        resource: &Resource,
    ) -> Result<Decision, PolicyError> {
        let mut id = Found::default();
        if let Identity::Role { policies, .. } = identity {
            for p in *policies {
                self.scan(p, false, &mut id)?;
            }
        }
        let mut res = Found::default();
        if let Some(p) = resource.policy {
            self.scan(p, true, &mut res)?;
        }
        if !id.deny.is_empty() || !res.deny.is_empty() {
            let mut statements = id.deny;
            statements.extend(res.deny);
            return Ok(Decision {
                effect: Effect::Deny,
                reason: Reason::ExplicitDeny,
                statements,
            });
        }
        let identity_allows = match identity {
            Identity::Role { .. } => !id.allow.is_empty(),
            Identity::Assumed => true,
            Identity::UnknownRole { .. } | Identity::None => false,
        };
        let direct = !res.allow.is_empty();
        let via = !res.allow_via_account.is_empty();
        let same_account = match (&self.who.account, &resource.owner) {
            (Some(caller), Some(owner)) => caller == owner,
            (Some(_), None) => true,
            (None, _) => false,
        };
        let allowed = match identity {
            Identity::None => direct,
            Identity::Assumed => direct || via,
            _ if resource.required => {
                (direct && (same_account || identity_allows)) || (via && identity_allows)
            }
            _ if same_account => identity_allows || direct,
            _ => identity_allows && (direct || via),
        };
        if allowed {
            let mut statements = id.allow;
            statements.extend(res.allow);
            statements.extend(res.allow_via_account);
            return Ok(Decision {
                effect: Effect::Allow,
                reason: Reason::Allowed,
                statements,
            });
        }
        let needed = self.needed(
            identity,
            resource,
            identity_allows,
            direct,
            via,
            same_account,
        );
        let mut statements = id.allow;
        statements.extend(res.allow);
        statements.extend(res.allow_via_account);
        Ok(Decision {
            effect: Effect::Deny,
            reason: Reason::ImplicitDeny { needed },
            statements,
        })
    }

    /// The policies that had to allow and did not, in words a user can act on.
    fn needed(
        &self,
        identity: &Identity,
        resource: &Resource,
        identity_allows: bool,
        direct: bool,
        via: bool,
        same_account: bool,
    ) -> Vec<String> {
        let (action, arn, who) = (self.action, self.resource, self.who.describe());
        let id_msg = |why: &str| {
            match identity {
            Identity::Role { arn: role, .. } => {
                format!("an identity policy of role {role} must allow {action} on {arn}{why}")
            }
            Identity::UnknownRole { arn: role } => format!(
                "an identity policy of role {role} must allow {action} on {arn}{why} (the policy set holds no role {role}, so it has no identity policies)"
            ),
            _ => String::new(),
        }
        };
        let res_msg = |how: &str| match resource.policy {
            Some(p) => format!(
                "{} (\"{}\") must allow {who}{how} {action} on {arn}",
                resource.what, p.name
            ),
            None => format!(
                "{} must allow {who}{how} {action} on {arn}, and the policy set holds none",
                resource.what
            ),
        };
        let mut needed = Vec::new();
        match identity {
            Identity::None | Identity::Assumed => needed.push(res_msg(" to call")),
            _ if resource.required => {
                if !direct && !via {
                    needed.push(res_msg(" to call"));
                }
                if (via || direct) && !identity_allows {
                    let why = if direct && !same_account {
                        " (the request crosses accounts)".to_string()
                    } else {
                        format!(" ({} allows it only through the account)", resource.what)
                    };
                    needed.push(id_msg(&why));
                }
            }
            _ if same_account => {
                needed.push(id_msg(""));
                if resource.policy.is_some() {
                    needed.push(format!("or {}", res_msg(" by name to call")));
                }
            }
            _ => {
                if !identity_allows {
                    needed.push(id_msg(" (the request crosses accounts)"));
                }
                if !direct && !via {
                    needed.push(res_msg(" (of another account) to call"));
                }
            }
        }
        needed
    }
}

/// The identity side of a caller.
pub(crate) fn identity_of<'a>(
    caller: &'a Caller,
    roles: &'a std::collections::BTreeMap<String, crate::Role>,
) -> Identity<'a> {
    match caller {
        Caller::RoleSession { role_arn, .. } => match roles.get(role_arn) {
            Some(r) => Identity::Role {
                arn: role_arn,
                policies: &r.policies,
            },
            None => Identity::UnknownRole { arn: role_arn },
        },
        Caller::External { .. } => Identity::Assumed,
        Caller::Service { .. } | Caller::WebIdentity { .. } => Identity::None,
    }
}
