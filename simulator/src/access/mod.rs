//! Access as AWS would decide it, in the path of the end-to-end job.
//!
//! LocalStack authorizes nothing, so the e2e job asks the offline evaluator ([`access`]) about
//! every call instead, against the policies as deployed:
//!
//! - [`readback`]: the policies read back from LocalStack after the deploy (role trust and
//!   identity policies, bucket, queue and key policies), as an [`access::PolicySet`].
//! - [`assume`]: Sentinel's AssumeRoleWithWebIdentity for each connector route, evaluated
//!   against the role's trust policy, then made for real so the connector runs with the
//!   session's credentials.
//! - [`gate`]: the connector's calls (receive, delete, change visibility, get object, decrypt
//!   through S3), evaluated as the route's role session before each call.
//! - [`writes`]: the objects the simulator writes in a service's place, evaluated as that
//!   service with the request context AWS sends, and S3's notification of each to its queue.
//!
//! Every decision goes through one [`Ledger`], which counts them and keeps the denials for the
//! report ([`AccessReport`]).

pub mod assume;
pub mod gate;
pub mod readback;
pub mod writes;

use ::access::{Caller, Decision, PolicySet, Reason, Request};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Denials kept in the report (the count covers them all).
pub const MAX_DENIALS: usize = 50;

/// One request the evaluator refused (or could not decide).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Denial {
    /// What made the request: "connector route vpc", "simulator writing as
    /// cloudtrail.amazonaws.com", ...
    pub during: String,
    pub caller: String,
    pub action: String,
    pub resource: String,
    /// `explicit_deny`, `implicit_deny` or `undecidable`.
    pub reason: String,
    /// For an implicit deny: the policies that would have to allow the request.
    pub needed: Vec<String>,
    /// For an explicit deny: the Deny statements that matched (`<policy> statement <sid>`).
    pub statements: Vec<String>,
    /// For a role session refused for want of an Allow: the role's identity policies by name,
    /// where the grant would go.
    pub role_policies: Vec<String>,
    /// The request context the request carried (condition keys, lower-cased).
    pub context: BTreeMap<String, Vec<String>>,
    /// Who made the call that was evaluated: `simulator` when the call was the simulator's
    /// own (or the connector's), `simulator (LocalStack makes the call itself)` for the calls
    /// LocalStack's services make on their own (Firehose, CloudWatch Logs, S3 notifications),
    /// which the evaluation cannot stop.
    pub enforced: String,
}

impl Denial {
    /// The sentence AWS would answer with, naming what would have to allow the request.
    pub fn message(&self) -> String {
        let why = match self.reason.as_str() {
            "explicit_deny" => format!("with an explicit deny in {}", self.statements.join(", ")),
            "implicit_deny" if self.role_policies.is_empty() => {
                format!("because no statement allows it: {}", self.needed.join("; "))
            }
            "implicit_deny" => format!(
                "because no statement allows it: {} (the role's identity policies: {})",
                self.needed.join("; "),
                self.role_policies.join(", ")
            ),
            _ => format!(
                "because the evaluator could not decide: {}",
                self.needed.join("; ")
            ),
        };
        format!(
            "{} is not authorized to perform: {} on resource: {} {why}",
            self.caller, self.action, self.resource
        )
    }
}

/// The `access` section of `report.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccessReport {
    pub evaluated: u64,
    pub denied: u64,
    /// Requests evaluated per action (`sqs:ReceiveMessage`, `kms:Decrypt`, ...).
    pub by_action: BTreeMap<String, u64>,
    /// The first [`MAX_DENIALS`] denials.
    pub denials: Vec<Denial>,
    /// Connector routes that could not start because their role could not be assumed
    /// (Sentinel's health code S3B40029 in each message).
    pub failed_routes: Vec<String>,
}

impl AccessReport {
    /// A clean proof: something was evaluated, nothing was refused.
    pub fn ok(&self) -> bool {
        self.denied == 0 && self.evaluated > 0 && self.failed_routes.is_empty()
    }
}

/// The policy set and the record of every decision made against it.
#[derive(Debug)]
pub struct Ledger {
    pub set: PolicySet,
    report: Mutex<AccessReport>,
}

/// How a caller reads in a message: a role session as its assumed-role ARN.
pub fn caller_label(c: &Caller) -> String {
    match c {
        Caller::RoleSession {
            role_arn,
            session_name,
        } => match role_arn.split_once(":role/") {
            Some((head, name)) => {
                let name = name.rsplit('/').next().unwrap_or(name);
                format!(
                    "{}:assumed-role/{name}/{session_name}",
                    head.replacen(":iam:", ":sts:", 1)
                )
            }
            None => role_arn.clone(),
        },
        Caller::Service { name } => name.clone(),
        Caller::WebIdentity { provider_arn } => provider_arn.clone(),
        Caller::External { arn } => arn.clone(),
    }
}

impl Ledger {
    pub fn new(set: PolicySet) -> Self {
        Ledger {
            set,
            report: Mutex::new(AccessReport::default()),
        }
    }

    /// Evaluates `request`, counts it and, when refused, records it; `Err` is the refusal.
    /// A request the evaluator cannot decide is recorded as refused (never allowed).
    pub fn decide(
        &self,
        during: &str,
        enforced: &str,
        request: &Request,
    ) -> Result<(), Box<Denial>> {
        let decision = self.set.evaluate(request);
        let denial = match decision {
            Ok(d) if d.allowed() => None,
            Ok(d) => {
                let mut denial = denial_of(during, enforced, request, &d);
                if let (Reason::ImplicitDeny { .. }, Caller::RoleSession { role_arn, .. }) =
                    (&d.reason, &request.principal)
                {
                    if let Some(role) = self.set.roles.get(role_arn) {
                        denial.role_policies =
                            role.policies.iter().map(|p| p.name.clone()).collect();
                    }
                }
                Some(denial)
            }
            Err(e) => Some(Denial {
                during: during.into(),
                caller: caller_label(&request.principal),
                action: request.action.clone(),
                resource: request.resource.clone(),
                reason: "undecidable".into(),
                needed: vec![e.to_string()],
                statements: vec![],
                role_policies: vec![],
                context: context_of(request),
                enforced: enforced.into(),
            }),
        };
        let mut r = self.report.lock().expect("access report lock");
        r.evaluated += 1;
        *r.by_action.entry(request.action.clone()).or_default() += 1;
        match denial {
            None => Ok(()),
            Some(d) => {
                r.denied += 1;
                if r.denials.len() < MAX_DENIALS {
                    r.denials.push(d.clone());
                }
                Err(Box::new(d))
            }
        }
    }

    pub fn report(&self) -> AccessReport {
        self.report.lock().expect("access report lock").clone()
    }
}

fn denial_of(during: &str, enforced: &str, request: &Request, d: &Decision) -> Denial {
    let (reason, needed) = match &d.reason {
        Reason::ExplicitDeny => ("explicit_deny", vec![]),
        Reason::ImplicitDeny { needed } => ("implicit_deny", needed.clone()),
        Reason::Allowed => ("allowed", vec![]),
    };
    Denial {
        during: during.into(),
        caller: caller_label(&request.principal),
        action: request.action.clone(),
        resource: request.resource.clone(),
        reason: reason.into(),
        needed,
        statements: d
            .statements
            .iter()
            .filter(|m| m.effect == ::access::Effect::Deny)
            .map(|m| match &m.sid {
                Some(sid) => format!("{} statement {sid}", m.policy),
                None => format!("{} statement #{}", m.policy, m.index),
            })
            .collect(),
        context: context_of(request),
        role_policies: vec![],
        enforced: enforced.into(),
    }
}

fn context_of(r: &Request) -> BTreeMap<String, Vec<String>> {
    r.context
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect()
}

/// The partition, Region and account a run's requests are made in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Where {
    pub partition: String,
    pub region: String,
    pub account: String,
}

impl Where {
    /// The context every request over HTTPS carries (the stacks' buckets deny other
    /// transport).
    pub fn base_context(&self) -> ::access::Context {
        ::access::Context::new().with("aws:SecureTransport", "true")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::access::{NamedPolicy, Policy, Role};

    fn set() -> PolicySet {
        let mut s = PolicySet::new();
        let p = |v: serde_json::Value| Policy::parse(&v).unwrap();
        s.add_role(Role {
            arn: "arn:aws:iam::111122223333:role/reader".into(),
            trust: NamedPolicy {
                name: "trust policy of role reader".into(),
                policy: p(serde_json::json!({"Version":"2012-10-17","Statement":[]})),
            },
            policies: vec![NamedPolicy {
                name: "role reader inline policy Read".into(),
                policy: p(serde_json::json!({"Version":"2012-10-17","Statement":[
                    {"Effect":"Allow","Action":"sqs:ReceiveMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:q"}]})),
            }],
        });
        s
    }

    fn session(action: &str) -> Request {
        Request {
            principal: Caller::RoleSession {
                role_arn: "arn:aws:iam::111122223333:role/reader".into(),
                session_name: "s".into(),
            },
            action: action.into(),
            resource: "arn:aws:sqs:us-east-1:111122223333:q".into(),
            context: Default::default(),
        }
    }

    #[test]
    fn the_ledger_counts_every_decision_and_keeps_denials_with_what_would_allow_them() {
        let l = Ledger::new(set());
        assert!(l
            .decide("t", "simulator", &session("sqs:ReceiveMessage"))
            .is_ok());
        let d = l
            .decide("t", "simulator", &session("sqs:DeleteMessage"))
            .unwrap_err();
        assert_eq!(d.reason, "implicit_deny");
        assert_eq!(d.caller, "arn:aws:sts::111122223333:assumed-role/reader/s");
        let m = d.message();
        assert!(m.contains("sqs:DeleteMessage"), "{m}");
        assert!(m.contains("arn:aws:sqs:us-east-1:111122223333:q"), "{m}");
        assert!(m.contains("reader"), "{m}");
        assert_eq!(
            d.role_policies,
            vec!["role reader inline policy Read".to_string()]
        );
        assert!(m.contains("role reader inline policy Read"), "{m}");
        let r = l.report();
        assert_eq!((r.evaluated, r.denied, r.denials.len()), (2, 1, 1));
        assert!(!r.ok());
    }

    #[test]
    fn the_denials_list_is_capped_and_the_count_is_not() {
        let l = Ledger::new(set());
        for _ in 0..MAX_DENIALS + 5 {
            let _ = l.decide("t", "simulator", &session("sqs:DeleteMessage"));
        }
        let r = l.report();
        assert_eq!(r.denied, (MAX_DENIALS + 5) as u64);
        assert_eq!(r.denials.len(), MAX_DENIALS);
    }
}
