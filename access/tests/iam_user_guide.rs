//! The worked examples of the IAM User Guide's evaluation-logic and condition pages (and the
//! KMS Developer Guide's default key policy), each citing its page.
//!
//! The guide's examples often use an IAM user (Carlos, `carlossalazar`); the evaluator's
//! callers are role sessions, services, web identities and external principals, so those
//! examples run as a session of a role of the same name, with the resource policies naming
//! that role. The logic the page describes is unchanged by that (a resource policy naming the
//! caller's own ARN grants directly, within one account).

use access::{
    Caller, Context, Decision, Effect, NamedPolicy, Policy, PolicyError, PolicySet, Reason,
    Request, Role,
};
use serde_json::{json, Value};

fn named(name: &str, doc: Value) -> NamedPolicy {
    NamedPolicy {
        name: name.into(),
        policy: Policy::parse(&doc).unwrap(),
    }
}

fn role(arn: &str, policies: Vec<NamedPolicy>) -> Role {
    Role {
        arn: arn.into(),
        trust: named(
            "trust",
            json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "sts:AssumeRole"}}),
        ),
        policies,
    }
}

fn request(role_arn: &str, action: &str, resource: &str, context: Context) -> Request {
    Request {
        principal: Caller::RoleSession {
            role_arn: role_arn.into(),
            session_name: "s".into(),
        },
        action: action.into(),
        resource: resource.into(),
        context,
    }
}

fn decide(
    set: &PolicySet,
    role_arn: &str,
    action: &str,
    resource: &str,
    context: Context,
) -> Decision {
    set.evaluate(&request(role_arn, action, resource, context))
        .unwrap()
}

/// One identity policy, on a role in account 111111111111.
fn identity_only(doc: Value) -> (PolicySet, &'static str) {
    let arn = "arn:aws:iam::111111111111:role/r";
    let mut set = PolicySet::new();
    set.add_role(role(arn, vec![named("identity policy", doc)]));
    (set, arn)
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html
// ("Example identity-based and resource-based policy evaluation"): the identity policy's
// DenyS3Logs denies the log bucket; on his own bucket both policies allow; and either one
// alone allowing suffices within the account.
#[test]
fn single_account_carlos_example() {
    let carlos = "arn:aws:iam::123456789012:role/carlossalazar";
    let identity = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowS3ListRead", "Effect": "Allow",
         "Action": ["s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints", "s3:ListAllMyBuckets"],
         "Resource": "arn:aws:s3:::*"},
        {"Sid": "AllowS3Self", "Effect": "Allow", "Action": "s3:*",
         "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"]},
        {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"}
    ]});
    let bucket = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": carlos}, "Action": "s3:*",
         "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"]}
    ]});
    let mut set = PolicySet::new();
    set.add_role(role(
        carlos,
        vec![named("carlossalazar identity policy", identity)],
    ));
    set.set_resource_policy(
        "arn:aws:s3:::carlossalazar",
        "123456789012",
        named("bucket policy of carlossalazar", bucket.clone()),
    );

    let d = decide(
        &set,
        carlos,
        "s3:PutObject",
        "arn:aws:s3:::carlossalazar-logs/file.txt",
        Context::new(),
    );
    assert_eq!(d.reason, Reason::ExplicitDeny);
    assert_eq!(d.statements[0].sid.as_deref(), Some("DenyS3Logs"));

    let d = decide(
        &set,
        carlos,
        "s3:PutObject",
        "arn:aws:s3:::carlossalazar/file.txt",
        Context::new(),
    );
    assert_eq!(d.effect, Effect::Allow);
    assert_eq!(d.statements.len(), 2, "both policies allow: {d}");

    // "If one of the policy types allows the request and the other doesn't, the request is
    // still allowed": the bucket policy alone, and the identity policy alone.
    let mut bucket_only = PolicySet::new();
    bucket_only.add_role(role(carlos, vec![]));
    bucket_only.set_resource_policy(
        "arn:aws:s3:::carlossalazar",
        "123456789012",
        named("bucket policy", bucket),
    );
    assert!(decide(
        &bucket_only,
        carlos,
        "s3:PutObject",
        "arn:aws:s3:::carlossalazar/file.txt",
        Context::new()
    )
    .allowed());
    set.resources.clear();
    assert!(decide(
        &set,
        carlos,
        "s3:PutObject",
        "arn:aws:s3:::carlossalazar/file.txt",
        Context::new()
    )
    .allowed());
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
// ("Example cross-account policy evaluation"): Carlos in 111111111111 writes to buckets of
// 222222222222. Production-logs: his own DenyS3Logs denies. Production: both accounts allow.
#[test]
fn cross_account_carlos_example() {
    let carlos = "arn:aws:iam::111111111111:role/carlossalazar";
    let identity = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowS3ListRead", "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
        {"Sid": "AllowS3ProductionObjectActions", "Effect": "Allow", "Action": "s3:*Object*", "Resource": "arn:aws:s3:::Production/*"},
        {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": ["arn:aws:s3:::*log*", "arn:aws:s3:::*log*/*"]}
    ]});
    let bucket = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject*", "s3:PutObject*", "s3:ReplicateObject", "s3:RestoreObject"],
         "Principal": {"AWS": carlos}, "Resource": "arn:aws:s3:::Production/*"}
    ]});
    let mut set = PolicySet::new();
    set.add_role(role(
        carlos,
        vec![named("carlossalazar identity policy", identity)],
    ));
    set.set_resource_policy(
        "arn:aws:s3:::Production",
        "222222222222",
        named("bucket policy of Production", bucket),
    );
    set.set_resource_policy(
        "arn:aws:s3:::Production-logs",
        "222222222222",
        named("no grants", json!({"Statement": []})),
    );

    let d = decide(
        &set,
        carlos,
        "s3:PutObject",
        "arn:aws:s3:::Production-logs/file.txt",
        Context::new(),
    );
    assert_eq!(d.reason, Reason::ExplicitDeny);
    let d = decide(
        &set,
        carlos,
        "s3:PutObject",
        "arn:aws:s3:::Production/file.txt",
        Context::new(),
    );
    assert!(d.allowed(), "{d}");
    // "He can create and edit, but not delete the objects": the identity side allows
    // s3:DeleteObject (s3:*Object*) but the other account's bucket policy does not.
    let d = decide(
        &set,
        carlos,
        "s3:DeleteObject",
        "arn:aws:s3:::Production/file.txt",
        Context::new(),
    );
    assert!(!d.allowed());
    assert!(
        d.needed()[0].contains("the bucket policy of Production"),
        "{d}"
    );
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html
// ("The difference between explicit and implicit denies").
#[test]
fn explicit_and_implicit_denies() {
    let (mut set, r) = identity_only(json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowGetList", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
        {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"}
    ]}));
    let user = "arn:aws:iam::111111111111:user/u";
    assert!(decide(&set, r, "iam:GetUser", user, Context::new()).allowed());
    let d = decide(&set, r, "iam:CreatePolicy", user, Context::new());
    assert!(matches!(d.reason, Reason::ImplicitDeny { .. }));
    let d = decide(
        &set,
        r,
        "iam:GetOrganizationsAccessReport",
        user,
        Context::new(),
    );
    assert_eq!(d.reason, Reason::ExplicitDeny);
    // Another policy granting a report action does not lift the explicit deny.
    set.attach(r, named("reports", json!({"Statement": {"Effect": "Allow", "Action": "iam:GenerateCredentialReport", "Resource": "*"}})));
    assert_eq!(
        decide(
            &set,
            r,
            "iam:GenerateCredentialReport",
            user,
            Context::new()
        )
        .reason,
        Reason::ExplicitDeny
    );
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
#[test]
fn not_action_with_allow_and_with_deny() {
    // "Allow all S3 actions on any S3 resource except deleting a bucket"; other services'
    // actions do not apply to S3 resources.
    let (set, r) = identity_only(
        json!({"Statement": {"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"}}),
    );
    assert!(decide(&set, r, "s3:GetObject", "arn:aws:s3:::b/k", Context::new()).allowed());
    assert!(!decide(&set, r, "s3:DeleteBucket", "arn:aws:s3:::b", Context::new()).allowed());
    assert!(!decide(
        &set,
        r,
        "sqs:SendMessage",
        "arn:aws:sqs:us-east-1:111111111111:q",
        Context::new()
    )
    .allowed());
    // "Deny with NotAction": non-IAM actions are denied without MFA; IAM actions are not
    // denied (but not allowed either); with MFA the Deny does not apply.
    let (mut set, r) = identity_only(json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyAllUsersNotUsingMFA", "Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}));
    set.attach(
        r,
        named(
            "allow all",
            json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}),
        ),
    );
    let q = "arn:aws:sqs:us-east-1:111111111111:q";
    assert_eq!(
        decide(&set, r, "sqs:SendMessage", q, Context::new()).reason,
        Reason::ExplicitDeny
    );
    let no_mfa = Context::new().with("aws:MultiFactorAuthPresent", "false");
    assert_eq!(
        decide(&set, r, "sqs:SendMessage", q, no_mfa).reason,
        Reason::ExplicitDeny
    );
    let mfa = Context::new().with("aws:MultiFactorAuthPresent", "true");
    assert!(decide(&set, r, "sqs:SendMessage", q, mfa).allowed());
    assert!(decide(
        &set,
        r,
        "iam:ListRoles",
        "arn:aws:iam::111111111111:role/x",
        Context::new()
    )
    .allowed());
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
// "If the key ... is not present in the request context, the values do not match and the
// condition is false. If the policy condition requires that the key is not matched, such as
// StringNotLike or ArnNotLike, and the right key is not present, the condition is true."
#[test]
fn absent_keys_per_the_condition_operators_page() {
    let (set, r) = identity_only(json!({"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": "arn:aws:iam::111111111111:user/*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}}}));
    let user = "arn:aws:iam::111111111111:user/u";
    assert!(!decide(&set, r, "iam:CreateAccessKey", user, Context::new()).allowed());
    let tagged = Context::new().with("aws:PrincipalTag/job-category", "iamuser-admin");
    assert!(decide(&set, r, "iam:CreateAccessKey", user, tagged).allowed());

    let (set, r) = identity_only(
        json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringNotLike": {"aws:PrincipalTag/team": "contractors-*"}, "ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:*:blocked-*"}}}}),
    );
    assert!(decide(&set, r, "s3:GetObject", "arn:aws:s3:::b/k", Context::new()).allowed());
    let contractor = Context::new().with("aws:PrincipalTag/team", "contractors-eu");
    assert!(!decide(&set, r, "s3:GetObject", "arn:aws:s3:::b/k", contractor).allowed());
}

// Same page: the String, Numeric, Date, Bool, IP and ARN examples.
#[test]
fn operator_examples_of_the_condition_operators_page() {
    // NumericLessThanEquals s3:max-keys 10.
    let (set, r) = identity_only(
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket",
        "Resource": "arn:aws:s3:::example_bucket", "Condition": {"NumericLessThanEquals": {"s3:max-keys": "10"}}}}),
    );
    let b = "arn:aws:s3:::example_bucket";
    assert!(decide(
        &set,
        r,
        "s3:ListBucket",
        b,
        Context::new().with("s3:max-keys", "10")
    )
    .allowed());
    assert!(!decide(
        &set,
        r,
        "s3:ListBucket",
        b,
        Context::new().with("s3:max-keys", "11")
    )
    .allowed());
    assert!(!decide(&set, r, "s3:ListBucket", b, Context::new()).allowed());

    // DateGreaterThan aws:TokenIssueTime 2020-01-01T00:00:01Z; absent for long-term keys.
    let (set, r) = identity_only(
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:*AccessKey*",
        "Resource": "arn:aws:iam::111111111111:user/*", "Condition": {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}}}),
    );
    let u = "arn:aws:iam::111111111111:user/u";
    assert!(decide(
        &set,
        r,
        "iam:ListAccessKeys",
        u,
        Context::new().with("aws:TokenIssueTime", "2020-06-01T00:00:00Z")
    )
    .allowed());
    assert!(!decide(
        &set,
        r,
        "iam:ListAccessKeys",
        u,
        Context::new().with("aws:TokenIssueTime", "2020-01-01T00:00:01Z")
    )
    .allowed());
    assert!(decide(
        &set,
        r,
        "iam:ListAccessKeys",
        u,
        Context::new().with("aws:TokenIssueTime", "1600000000")
    )
    .allowed());
    assert!(!decide(&set, r, "iam:ListAccessKeys", u, Context::new()).allowed());

    // Bool: deny S3 on a bucket and its contents when not over TLS.
    let (mut set, r) = identity_only(
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "BooleanExample", "Action": "s3:*", "Effect": "Deny",
        "Resource": ["arn:aws:s3:::DOC-EXAMPLE-BUCKET", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}),
    );
    set.attach(
        r,
        named(
            "allow",
            json!({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}),
        ),
    );
    let o = "arn:aws:s3:::DOC-EXAMPLE-BUCKET/k";
    assert_eq!(
        decide(
            &set,
            r,
            "s3:GetObject",
            o,
            Context::new().with("aws:SecureTransport", "false")
        )
        .reason,
        Reason::ExplicitDeny
    );
    assert!(decide(
        &set,
        r,
        "s3:GetObject",
        o,
        Context::new().with("aws:SecureTransport", "true")
    )
    .allowed());

    // IpAddress with IPv4 and IPv6 ranges.
    let (set, r) = identity_only(
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "someservice:*", "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}}}),
    );
    let res = "arn:aws:someservice:us-east-1:111111111111:thing/x";
    assert!(decide(
        &set,
        r,
        "someservice:Do",
        res,
        Context::new().with("aws:SourceIp", "203.0.113.255")
    )
    .allowed());
    assert!(decide(
        &set,
        r,
        "someservice:Do",
        res,
        Context::new().with("aws:SourceIp", "2001:db8:1234:5678:abcd::1")
    )
    .allowed());
    assert!(!decide(
        &set,
        r,
        "someservice:Do",
        res,
        Context::new().with("aws:SourceIp", "198.51.100.1")
    )
    .allowed());

    // ArnLike matches field by field where StringLike spans colons.
    let value =
        "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
    let cond = |op: &str| {
        let (set, r) = identity_only(
            json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {op: {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}}}}),
        );
        decide(
            &set,
            r,
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            Context::new().with("aws:SourceArn", value),
        )
        .allowed()
    };
    assert!(cond("StringLike"));
    assert!(!cond("ArnLike"));
}

// Same page, "...IfExists condition operators": StringLike on ec2:InstanceType fails for the
// resources without that key; StringLikeIfExists lets them through and still checks it.
#[test]
fn if_exists_example() {
    let doc = |op: &str| {
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*",
        "Condition": {op: {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}}})
    };
    let image = "arn:aws:ec2:us-east-1::image/ami-1";
    let instance = "arn:aws:ec2:us-east-1:111111111111:instance/*";
    let (plain, r) = identity_only(doc("StringLike"));
    assert!(!decide(&plain, r, "ec2:RunInstances", image, Context::new()).allowed());
    let (if_exists, r) = identity_only(doc("StringLikeIfExists"));
    assert!(decide(&if_exists, r, "ec2:RunInstances", image, Context::new()).allowed());
    assert!(decide(
        &if_exists,
        r,
        "ec2:RunInstances",
        instance,
        Context::new().with("ec2:InstanceType", "t2.micro")
    )
    .allowed());
    assert!(!decide(
        &if_exists,
        r,
        "ec2:RunInstances",
        instance,
        Context::new().with("ec2:InstanceType", "c5.large")
    )
    .allowed());
}

// Same page, "Condition operator to check existence of condition keys": Null true = no
// temporary credentials.
#[test]
fn null_example() {
    let (set, r) = identity_only(
        json!({"Version": "2012-10-17", "Statement": {"Action": "ec2:*", "Effect": "Allow", "Resource": "*",
        "Condition": {"Null": {"aws:TokenIssueTime": "true"}}}}),
    );
    let i = "arn:aws:ec2:us-east-1:111111111111:instance/i-1";
    assert!(decide(&set, r, "ec2:StartInstances", i, Context::new()).allowed());
    assert!(!decide(
        &set,
        r,
        "ec2:StartInstances",
        i,
        Context::new().with("aws:TokenIssueTime", "2024-01-01T00:00:00Z")
    )
    .allowed());
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
// Several operators: AND; several keys under one operator: AND; several values: OR. The
// page's bucket policy (principal account 222222222222, s3:ListBucket, StringEquals on two
// principal tags, ArnLike on aws:PrincipalArn); the tag values and ARNs are ours.
#[test]
fn multiple_keys_and_values() {
    let caller = "arn:aws:iam::222222222222:role/Ana";
    let mut set = PolicySet::new();
    set.add_role(role(
        caller,
        vec![named(
            "identity",
            json!({"Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}}),
        )],
    ));
    set.set_resource_policy("arn:aws:s3:::amzn-s3-demo-bucket", "111111111111", named("bucket policy", json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "ExamplePolicy", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
        "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket",
        "Condition": {
            "StringEquals": {"aws:PrincipalTag/department": ["finance", "hr", "legal"], "aws:PrincipalTag/role": ["audit", "security"]},
            "ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::222222222222:role/Ana", "arn:aws:iam::222222222222:role/Mary"]}
        }}]})));
    let b = "arn:aws:s3:::amzn-s3-demo-bucket";
    let tags = |dept: &str, role: &str| {
        Context::new()
            .with("aws:PrincipalTag/department", dept)
            .with("aws:PrincipalTag/role", role)
    };
    assert!(decide(&set, caller, "s3:ListBucket", b, tags("hr", "audit")).allowed());
    assert!(decide(&set, caller, "s3:ListBucket", b, tags("legal", "security")).allowed());
    assert!(
        !decide(&set, caller, "s3:ListBucket", b, tags("sales", "audit")).allowed(),
        "a department outside the OR list"
    );
    assert!(
        !decide(
            &set,
            caller,
            "s3:ListBucket",
            b,
            Context::new().with("aws:PrincipalTag/department", "hr")
        )
        .allowed(),
        "both keys (AND)"
    );
    // aws:PrincipalArn is the caller's role ARN (filled by the evaluator): another role fails.
    let other = "arn:aws:iam::222222222222:role/Bob";
    set.add_role(role(
        other,
        vec![named(
            "identity",
            json!({"Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}}),
        )],
    ));
    assert!(
        !decide(&set, other, "s3:ListBucket", b, tags("hr", "audit")).allowed(),
        "the other operator (AND)"
    );
}

// Same page, "Evaluation logic for negated matching condition operators": several values
// under a negated operator are a NOR; the key absent makes it true.
#[test]
fn negated_operators_are_nor() {
    let (set, r) = identity_only(
        json!({"Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalTag/department": ["finance", "hr", "legal"]}}}}),
    );
    let b = "arn:aws:s3:::b";
    for dept in ["finance", "hr", "legal"] {
        assert!(
            !decide(
                &set,
                r,
                "s3:ListBucket",
                b,
                Context::new().with("aws:PrincipalTag/department", dept)
            )
            .allowed(),
            "{dept}"
        );
    }
    assert!(decide(
        &set,
        r,
        "s3:ListBucket",
        b,
        Context::new().with("aws:PrincipalTag/department", "sales")
    )
    .allowed());
    assert!(decide(&set, r, "s3:ListBucket", b, Context::new()).allowed());
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
// and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html:
// ForAllValues: every request value matches some policy value, and true when the key is
// absent; ForAnyValue: some pair matches, false when absent. The DynamoDB attribute examples.
#[test]
fn set_operators_dynamodb_examples() {
    let table = "arn:aws:dynamodb:us-east-1:111111111111:table/Thread";
    let attrs = |v: &[&str]| {
        let mut c = Context::new();
        c.set_all(
            "dynamodb:requestedAttributes",
            v.iter().map(|s| s.to_string()).collect(),
        );
        c
    };
    let (set, r) = identity_only(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": table,
        "Condition": {"ForAllValues:StringLike": {"dynamodb:requestedAttributes": ["PostDateTime", "Message", "Tags"]}}}]}),
    );
    assert!(decide(
        &set,
        r,
        "dynamodb:GetItem",
        table,
        attrs(&["PostDateTime", "Message"])
    )
    .allowed());
    assert!(!decide(
        &set,
        r,
        "dynamodb:GetItem",
        table,
        attrs(&["PostDateTime", "UserName"])
    )
    .allowed());
    assert!(!decide(&set, r, "dynamodb:GetItem", table, attrs(&["ID"])).allowed());
    assert!(
        decide(&set, r, "dynamodb:GetItem", table, Context::new()).allowed(),
        "ForAllValues on an absent key is true"
    );

    let (mut set, r) = identity_only(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": table,
        "Condition": {"ForAnyValue:StringLike": {"dynamodb:requestedAttributes": ["ID", "PostDateTime"]}}}]}),
    );
    set.attach(
        r,
        named(
            "allow",
            json!({"Statement": {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}}),
        ),
    );
    assert_eq!(
        decide(
            &set,
            r,
            "dynamodb:PutItem",
            table,
            attrs(&["UserName", "Message", "PostDateTime"])
        )
        .reason,
        Reason::ExplicitDeny
    );
    assert!(decide(&set, r, "dynamodb:PutItem", table, attrs(&["UserName"])).allowed());
    assert!(
        decide(&set, r, "dynamodb:PutItem", table, Context::new()).allowed(),
        "ForAnyValue on an absent key is false"
    );
}

// https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
// The default key policy's "Enable IAM User Permissions" statement gives the account root
// kms:*, which lets IAM policies grant the key: with it an identity policy allows; without
// it (a key policy naming only an administrator) the same identity policy does not.
#[test]
fn kms_default_key_policy_delegates_to_iam() {
    let key = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let reader = "arn:aws:iam::111122223333:role/reader";
    let mut set = PolicySet::new();
    set.add_role(role(
        reader,
        vec![named(
            "identity",
            json!({"Statement": {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key}}),
        )],
    ));
    set.set_resource_policy(key, "111122223333", named("key policy", json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "kms:*", "Resource": "*"}]})));
    assert!(decide(&set, reader, "kms:Decrypt", key, Context::new()).allowed());
    assert!(
        !decide(&set, reader, "kms:Encrypt", key, Context::new()).allowed(),
        "the identity policy grants Decrypt only"
    );
    set.set_resource_policy(key, "111122223333", named("key policy", json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "Allow access for Key Administrators", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/KeyAdmin"},
        "Action": ["kms:Create*", "kms:Describe*"], "Resource": "*"}]})));
    let d = decide(&set, reader, "kms:Decrypt", key, Context::new());
    assert!(!d.allowed());
    assert!(
        d.needed()[0].starts_with(&format!("the key policy of {key}")),
        "{d}"
    );
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
// lists the operators; anything else is refused, naming it.
#[test]
fn an_unknown_operator_is_an_error_naming_it() {
    let e = Policy::parse(
        &json!({"Statement": {"Sid": "S1", "Effect": "Allow", "Action": "*", "Resource": "*",
        "Condition": {"StringEqualsAnyCase": {"aws:SourceAccount": "1"}}}}),
    )
    .unwrap_err();
    assert_eq!(
        e,
        PolicyError::UnknownOperator {
            statement: "S1".into(),
            operator: "StringEqualsAnyCase".into()
        }
    );
    assert!(e.to_string().contains("\"StringEqualsAnyCase\""), "{e}");
}
