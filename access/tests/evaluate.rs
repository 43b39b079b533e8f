//! PolicySet::evaluate end to end: routing, same- and cross-account rules, key and trust
//! policies, services, external callers, and the messages of a denial.

use access::{
    Caller, Context, Decision, Effect, NamedPolicy, Policy, PolicyError, PolicySet, Reason,
    Request, Role,
};
use serde_json::{json, Value};

const ACCT: &str = "111122223333";
const OTHER: &str = "444455556666";
const ROLE: &str = "arn:aws:iam::111122223333:role/reader";
const QUEUE: &str = "arn:aws:sqs:us-east-1:111122223333:q";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn named(name: &str, doc: Value) -> NamedPolicy {
    NamedPolicy {
        name: name.into(),
        policy: Policy::parse(&doc).unwrap(),
    }
}

fn allow(action: &str, resource: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})
}

fn role(arn: &str, policies: Vec<NamedPolicy>) -> Role {
    Role {
        arn: arn.into(),
        trust: named(
            &format!("trust policy of {arn}"),
            json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": ACCT}, "Action": "sts:AssumeRole"}}),
        ),
        policies,
    }
}

fn session(role_arn: &str) -> Caller {
    Caller::RoleSession {
        role_arn: role_arn.into(),
        session_name: "s".into(),
    }
}

fn ask(principal: Caller, action: &str, resource: &str) -> Request {
    Request {
        principal,
        action: action.into(),
        resource: resource.into(),
        context: Context::new(),
    }
}

fn eval(set: &PolicySet, r: &Request) -> Decision {
    set.evaluate(r).unwrap()
}

#[test]
fn an_identity_allow_suffices_in_the_same_account_and_names_the_statement() {
    let mut set = PolicySet::new();
    set.add_role(role(
        ROLE,
        vec![named(
            "role reader inline policy Q",
            allow("sqs:ReceiveMessage", QUEUE),
        )],
    ));
    let d = eval(&set, &ask(session(ROLE), "sqs:ReceiveMessage", QUEUE));
    assert_eq!(d.effect, Effect::Allow);
    assert_eq!(d.statements.len(), 1);
    assert_eq!(d.statements[0].policy, "role reader inline policy Q");
    let d = eval(&set, &ask(session(ROLE), "sqs:DeleteMessage", QUEUE));
    assert_eq!(
        d.reason,
        Reason::ImplicitDeny {
            needed: vec![format!(
                "an identity policy of role {ROLE} must allow sqs:DeleteMessage on {QUEUE}"
            )]
        }
    );
    assert!(d.to_string().starts_with("Deny (implicit deny)\n"), "{d}");
}

#[test]
fn not_action_with_deny_denies_everything_else_even_when_allowed() {
    let mut set = PolicySet::new();
    let doc = json!({"Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "OnlySqs", "Effect": "Deny", "NotAction": "sqs:*", "Resource": "*"}
    ]});
    set.add_role(role(ROLE, vec![named("p", doc)]));
    let d = eval(
        &set,
        &ask(session(ROLE), "s3:GetObject", "arn:aws:s3:::b/k"),
    );
    assert_eq!(d.reason, Reason::ExplicitDeny);
    assert_eq!(d.statements[0].sid.as_deref(), Some("OnlySqs"));
    assert!(eval(&set, &ask(session(ROLE), "sqs:SendMessage", QUEUE)).allowed());
}

#[test]
fn a_wildcard_in_the_middle_of_an_arn() {
    let mut set = PolicySet::new();
    set.add_role(role(
        ROLE,
        vec![named(
            "p",
            allow("s3:GetObject", "arn:aws:s3:::logs/AWSLogs/*/CloudTrail/*"),
        )],
    ));
    assert!(eval(
        &set,
        &ask(
            session(ROLE),
            "s3:GetObject",
            "arn:aws:s3:::logs/AWSLogs/111122223333/CloudTrail/us-east-1/2024/x.json.gz"
        )
    )
    .allowed());
    assert!(!eval(
        &set,
        &ask(
            session(ROLE),
            "s3:GetObject",
            "arn:aws:s3:::logs/AWSLogs/111122223333/GuardDuty/x"
        )
    )
    .allowed());
    assert!(!eval(
        &set,
        &ask(
            session(ROLE),
            "s3:GetObject",
            "arn:aws:s3:::other/AWSLogs/1/CloudTrail/x"
        )
    )
    .allowed());
}

#[test]
fn a_bucket_policy_covers_the_bucket_and_its_objects_and_allows_a_named_role_alone() {
    let mut set = PolicySet::new();
    set.add_role(role(ROLE, vec![]));
    set.set_resource_policy(
        "arn:aws:s3:::b",
        ACCT,
        named("bucket policy of b", json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]}})),
    );
    assert!(eval(
        &set,
        &ask(session(ROLE), "s3:GetObject", "arn:aws:s3:::b/a/b.gz")
    )
    .allowed());
    assert!(eval(&set, &ask(session(ROLE), "s3:ListBucket", "arn:aws:s3:::b")).allowed());
    let d = eval(
        &set,
        &ask(session(ROLE), "s3:PutObject", "arn:aws:s3:::b/k"),
    );
    assert_eq!(d.needed().len(), 2, "{d}");
    assert!(
        d.needed()[1]
            .starts_with("or the bucket policy of b (\"bucket policy of b\") must allow role"),
        "{d}"
    );
}

#[test]
fn a_same_account_resource_policy_naming_the_account_needs_the_identity_policy_too() {
    let mut set = PolicySet::new();
    set.add_role(role(ROLE, vec![]));
    set.set_resource_policy(
        QUEUE,
        ACCT,
        named("queue policy of q", json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCT}:root")}, "Action": "sqs:*", "Resource": QUEUE}})),
    );
    assert!(!eval(&set, &ask(session(ROLE), "sqs:ReceiveMessage", QUEUE)).allowed());
    set.attach(ROLE, named("p", allow("sqs:ReceiveMessage", QUEUE)));
    assert!(eval(&set, &ask(session(ROLE), "sqs:ReceiveMessage", QUEUE)).allowed());
}

#[test]
fn cross_account_needs_both_sides() {
    let other_role = "arn:aws:iam::444455556666:role/reader";
    let queue_policy = |principal: &str| {
        named(
            "queue policy of q",
            json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sqs:ReceiveMessage", "Resource": QUEUE}}),
        )
    };
    // Only the identity side allows.
    let mut set = PolicySet::new();
    set.add_role(role(
        other_role,
        vec![named("p", allow("sqs:ReceiveMessage", QUEUE))],
    ));
    let d = eval(&set, &ask(session(other_role), "sqs:ReceiveMessage", QUEUE));
    assert!(!d.allowed());
    assert_eq!(d.needed().len(), 1, "{d}");
    assert!(d.needed()[0].contains("the queue policy of"), "{d}");
    // Only the resource side allows.
    let mut set = PolicySet::new();
    set.add_role(role(other_role, vec![]));
    set.set_resource_policy(QUEUE, ACCT, queue_policy(other_role));
    let d = eval(&set, &ask(session(other_role), "sqs:ReceiveMessage", QUEUE));
    assert!(!d.allowed());
    assert!(d.needed()[0].contains("crosses accounts"), "{d}");
    // Both; naming the other account works as well as naming the role.
    set.attach(other_role, named("p", allow("sqs:*", "*")));
    assert!(eval(&set, &ask(session(other_role), "sqs:ReceiveMessage", QUEUE)).allowed());
    set.set_resource_policy(QUEUE, ACCT, queue_policy(OTHER));
    assert!(eval(&set, &ask(session(other_role), "sqs:ReceiveMessage", QUEUE)).allowed());
}

#[test]
fn kms_key_policy_without_and_with_delegation() {
    let mut set = PolicySet::new();
    set.add_role(role(ROLE, vec![named("p", allow("kms:Decrypt", KEY))]));
    // No key policy in the set: a key always has one, so this denies.
    let d = eval(&set, &ask(session(ROLE), "kms:Decrypt", KEY));
    assert!(d.needed()[0].contains("the key policy of"), "{d}");
    // A key policy that names someone else: the identity allow is not enough.
    set.set_resource_policy(KEY, ACCT, named("key policy", json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/admin"}, "Action": "kms:*", "Resource": "*"}})));
    assert!(!eval(&set, &ask(session(ROLE), "kms:Decrypt", KEY)).allowed());
    // Delegating to the account: now the identity policy decides.
    set.set_resource_policy(KEY, ACCT, named("key policy", json!({"Statement": {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}})));
    let d = eval(&set, &ask(session(ROLE), "kms:Decrypt", KEY));
    assert!(d.allowed(), "{d}");
    assert_eq!(d.statements.len(), 2);
    let mut no_identity = set.clone();
    no_identity.roles.get_mut(ROLE).unwrap().policies.clear();
    let d = eval(&no_identity, &ask(session(ROLE), "kms:Decrypt", KEY));
    assert!(
        d.needed()[0].contains("allows it only through the account"),
        "{d}"
    );
}

#[test]
fn kms_caller_account_and_via_service_conditions() {
    let mut set = PolicySet::new();
    set.add_role(role(ROLE, vec![]));
    set.set_resource_policy(KEY, ACCT, named("key policy", json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
        "Condition": {"StringEquals": {"kms:CallerAccount": ACCT, "kms:ViaService": "s3.us-east-1.amazonaws.com"}}}})));
    let mut r = ask(session(ROLE), "kms:Decrypt", KEY);
    assert!(!eval(&set, &r).allowed());
    r.context
        .set("kms:ViaService", "s3.us-east-1.amazonaws.com");
    assert!(eval(&set, &r).allowed());
}

#[test]
fn trust_policies_must_allow_assume_role() {
    let provider = "arn:aws:iam::111122223333:oidc-provider/sts.windows.net/tenant/";
    let mut set = PolicySet::new();
    let mut r = role(ROLE, vec![]);
    r.trust = named(
        "trust policy",
        json!({"Statement": {"Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"sts.windows.net/tenant/:aud": "api://app"}, "StringLike": {"sts:RoleSessionName": "MicrosoftSentinel_*"}}}}),
    );
    set.add_role(r);
    let web = Caller::WebIdentity {
        provider_arn: provider.into(),
    };
    let mut req = ask(web.clone(), "sts:AssumeRoleWithWebIdentity", ROLE);
    req.context
        .set("sts.windows.net/tenant/:aud", "api://app")
        .set("sts:RoleSessionName", "MicrosoftSentinel_w1");
    assert!(eval(&set, &req).allowed());
    req.context
        .set("sts.windows.net/tenant/:aud", "api://other");
    assert!(!eval(&set, &req).allowed());
    // A role the set does not hold cannot be assumed.
    let d = eval(
        &set,
        &ask(
            web,
            "sts:AssumeRoleWithWebIdentity",
            "arn:aws:iam::111122223333:role/none",
        ),
    );
    assert!(
        d.needed()[0].contains("the trust policy of role arn:aws:iam::111122223333:role/none"),
        "{d}"
    );
    assert!(d.needed()[0].contains("holds none"), "{d}");
}

#[test]
fn a_trust_policy_naming_the_account_needs_the_callers_identity_policy() {
    let mut set = PolicySet::new();
    let target = "arn:aws:iam::111122223333:role/target";
    set.add_role(role(target, vec![]));
    set.add_role(role(ROLE, vec![]));
    assert!(!eval(&set, &ask(session(ROLE), "sts:AssumeRole", target)).allowed());
    set.attach(ROLE, named("p", allow("sts:AssumeRole", target)));
    assert!(eval(&set, &ask(session(ROLE), "sts:AssumeRole", target)).allowed());
    // TagSession is decided by the trust policy too: it allows only AssumeRole.
    assert!(!eval(&set, &ask(session(ROLE), "sts:TagSession", target)).allowed());
}

#[test]
fn external_callers_are_decided_by_the_resource_side() {
    let mut set = PolicySet::new();
    let mut r = role(ROLE, vec![]);
    r.trust = named(
        "trust",
        json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::197857026523:root"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "workspace-1"}}}}),
    );
    set.add_role(r);
    let ms = Caller::External {
        arn: "arn:aws:iam::197857026523:root".into(),
    };
    let mut req = ask(ms, "sts:AssumeRole", ROLE);
    assert!(!eval(&set, &req).allowed());
    req.context.set("sts:ExternalId", "workspace-1");
    assert!(eval(&set, &req).allowed());
    let stranger = ask(
        Caller::External {
            arn: "arn:aws:iam::999999999999:root".into(),
        },
        "sts:AssumeRole",
        ROLE,
    );
    assert!(!eval(&set, &stranger).allowed());
}

#[test]
fn services_need_a_resource_policy_naming_them() {
    let mut set = PolicySet::new();
    let trail = Caller::Service {
        name: "cloudtrail.amazonaws.com".into(),
    };
    let obj = "arn:aws:s3:::b/AWSLogs/111122223333/CloudTrail/x";
    assert!(!eval(&set, &ask(trail.clone(), "s3:PutObject", obj)).allowed());
    set.set_resource_policy("arn:aws:s3:::b", ACCT, named("bucket policy of b", json!({"Statement": {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/AWSLogs/111122223333/*",
        "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": "arn:aws:cloudtrail:us-east-1:111122223333:trail/t"}}}})));
    let mut req = ask(trail, "s3:PutObject", obj);
    req.context
        .set("s3:x-amz-acl", "bucket-owner-full-control")
        .set(
            "aws:SourceArn",
            "arn:aws:cloudtrail:us-east-1:111122223333:trail/t",
        );
    assert!(eval(&set, &req).allowed());
    req.context.set(
        "aws:SourceArn",
        "arn:aws:cloudtrail:us-east-1:444455556666:trail/t",
    );
    assert!(!eval(&set, &req).allowed());
    let logs = ask(
        Caller::Service {
            name: "delivery.logs.amazonaws.com".into(),
        },
        "s3:PutObject",
        obj,
    );
    assert!(!eval(&set, &logs).allowed());
}

#[test]
fn an_unknown_role_has_no_identity_policies() {
    let set = PolicySet::new();
    let d = eval(&set, &ask(session(ROLE), "sqs:ReceiveMessage", QUEUE));
    assert!(d.needed()[0].contains("holds no role"), "{d}");
}

#[test]
fn requests_that_cannot_be_evaluated_are_errors() {
    let set = PolicySet::new();
    let e = set
        .evaluate(&ask(session(ROLE), "s3:GetObject", "b/k"))
        .unwrap_err();
    assert!(matches!(e, PolicyError::Request { .. }));
    assert!(
        e.to_string()
            .contains("request resource \"b/k\": is not an ARN"),
        "{e}"
    );
    let e = set
        .evaluate(&ask(
            session("arn:aws:iam::1:user/u"),
            "s3:GetObject",
            "arn:aws:s3:::b",
        ))
        .unwrap_err();
    assert!(e.to_string().contains("principal.role_arn"), "{e}");
    // A resource-policy statement without Principal cannot be decided.
    let mut set = PolicySet::new();
    set.set_resource_policy(QUEUE, ACCT, named("queue policy", allow("sqs:*", "*")));
    let e = set
        .evaluate(&ask(session(ROLE), "sqs:ReceiveMessage", QUEUE))
        .unwrap_err();
    assert!(e.to_string().contains("must name a Principal"), "{e}");
}

#[test]
fn policy_variables_in_resources() {
    let mut set = PolicySet::new();
    set.add_role(role(
        ROLE,
        vec![named(
            "p",
            allow("s3:GetObject", "arn:aws:s3:::b/${aws:PrincipalAccount}/*"),
        )],
    ));
    assert!(eval(
        &set,
        &ask(
            session(ROLE),
            "s3:GetObject",
            "arn:aws:s3:::b/111122223333/k"
        )
    )
    .allowed());
    assert!(!eval(
        &set,
        &ask(
            session(ROLE),
            "s3:GetObject",
            "arn:aws:s3:::b/444455556666/k"
        )
    )
    .allowed());
}

#[test]
fn explain_prints_the_decision() {
    let mut set = PolicySet::new();
    set.add_role(role(ROLE, vec![named("inline Q", allow("sqs:*", QUEUE))]));
    let text = set
        .explain(&ask(session(ROLE), "sqs:DeleteMessage", QUEUE))
        .unwrap();
    assert_eq!(text, "Allow\n  Allow inline Q statement #0");
}
