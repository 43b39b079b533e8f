//! A table case: what it proves, the request, the expected effect; and the run that prints
//! each failing case with its request and the decision.

use access::{Caller, Context, Effect, PolicySet, Request};

pub struct Case {
    pub what: String,
    pub request: Request,
    pub expect: Effect,
}

pub fn allow(what: impl Into<String>, request: Request) -> Case {
    Case {
        what: what.into(),
        request,
        expect: Effect::Allow,
    }
}

pub fn deny(what: impl Into<String>, request: Request) -> Case {
    Case {
        what: what.into(),
        request,
        expect: Effect::Deny,
    }
}

/// `expect` decides Allow or Deny.
pub fn case(what: impl Into<String>, expect: bool, request: Request) -> Case {
    if expect {
        allow(what, request)
    } else {
        deny(what, request)
    }
}

pub fn request(
    principal: Caller,
    action: &str,
    resource: &str,
    context: &[(&str, &str)],
) -> Request {
    let mut c = Context::new();
    for (k, v) in context {
        c.set(k, *v);
    }
    Request {
        principal,
        action: action.into(),
        resource: resource.into(),
        context: c,
    }
}

pub fn service(name: &str) -> Caller {
    Caller::Service { name: name.into() }
}

pub fn session(role_arn: &str, session_name: &str) -> Caller {
    Caller::RoleSession {
        role_arn: role_arn.into(),
        session_name: session_name.into(),
    }
}

/// Evaluates every case; the failures, each with its case, request and decision.
pub fn run(label: &str, set: &PolicySet, cases: &[Case]) -> Vec<String> {
    let mut failures = Vec::new();
    for c in cases {
        let request = serde_json::to_string(&c.request).unwrap();
        match set.evaluate(&c.request) {
            Ok(d) if d.effect == c.expect => {}
            Ok(d) => failures.push(format!(
                "{label}: {}\n  expected {:?}, got {:?}\n  request: {request}\n  decision: {}",
                c.what,
                c.expect,
                d.effect,
                serde_json::to_string(&d).unwrap()
            )),
            Err(e) => failures.push(format!(
                "{label}: {}\n  expected {:?}, the evaluator failed: {e}\n  request: {request}",
                c.what, c.expect
            )),
        }
    }
    failures
}
