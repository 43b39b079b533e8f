//! The [`PolicySet`] a resolved template creates: every role with its trust policy and its
//! identity policies (inline `Policies`, attached `AWS::IAM::Policy` resources and the AWS
//! managed policies of [`managed`](crate::managed)), and every resource policy (bucket,
//! queue, key and topic policies), each named the way a user would find it in the console.
//!
//! Every resource type of the stack is either read here, or known to grant nothing (a queue,
//! a bucket, a trail, ...): a type that is neither is an error naming it, so that a template
//! gaining a new way to grant cannot be proved with that grant left out.

use crate::template::{text, ResolveError, Stack};
use crate::{managed, NamedPolicy, Policy, PolicyError, PolicySet, Role};
use serde_json::Value;
use std::collections::BTreeMap;

/// Why the policies of a stack cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StackError {
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error("{policy}: {error}")]
    Policy { policy: String, error: PolicyError },
    #[error("role {role} attaches the managed policy {arn}, whose document the evaluator does not have: add it to access/src/managed.rs (known: {known})")]
    ManagedPolicy {
        role: String,
        arn: String,
        known: String,
    },
    #[error("{logical_id} ({resource_type}): {property} {value}: {problem}")]
    Property {
        logical_id: String,
        resource_type: String,
        property: String,
        value: String,
        problem: String,
    },
    #[error("{logical_id}: resource type {resource_type} is not known to the access proof: read its grants in access/src/stack.rs, or list it among the types that grant nothing")]
    UnknownType {
        logical_id: String,
        resource_type: String,
    },
    #[error("{resource} gets two policies, {first} and {second}: AWS keeps only one, so which one applies depends on the order of creation")]
    TwoPolicies {
        resource: String,
        first: String,
        second: String,
    },
}

/// Resource types that grant nothing by themselves (their access is granted by the policies
/// read here, or they hold no access at all).
const GRANT_NOTHING: &[&str] = &[
    "AWS::SQS::Queue",
    "AWS::S3::Bucket",
    "AWS::KMS::Alias",
    "AWS::EC2::FlowLog",
    "AWS::GuardDuty::Detector",
    "AWS::GuardDuty::PublishingDestination",
    "AWS::CloudTrail::Trail",
    "AWS::Logs::LogGroup",
    "AWS::Logs::LogStream",
    "AWS::Logs::SubscriptionFilter",
    "AWS::Lambda::Function",
    "AWS::KinesisFirehose::DeliveryStream",
    "AWS::IAM::OIDCProvider",
    "AWS::SNS::Topic",
    // A queue's subscription to a topic: what may be delivered is the queue policy's.
    "AWS::SNS::Subscription",
    // The queues' alarms: they read metrics and notify the alarm topic (its policy is read).
    "AWS::CloudWatch::Alarm",
    "AWS::CloudFormation::WaitConditionHandle",
    // The log-delivery grants it needs are the stack's bucket policy statements (AWS WAF adds
    // the same two itself only where the bucket's policy lacks them).
    "AWS::WAFv2::LoggingConfiguration",
    // A rule calls its targets with the role it names (an IAM role read here).
    "AWS::Events::Rule",
];

/// The policies `stack` creates.
pub fn policy_set(stack: &Stack) -> Result<PolicySet, StackError> {
    let mut set = PolicySet::new();
    let created = stack.created()?;
    // Roles first: attached policies name them.
    let mut roles: BTreeMap<String, String> = BTreeMap::new(); // name -> ARN
    for (id, ty) in &created {
        if *ty == "AWS::IAM::Role" {
            let role = role(stack, id)?;
            roles.insert(text(&stack.reference(id)?), role.arn.clone());
            set.add_role(role);
        }
    }
    let mut owners: BTreeMap<String, String> = BTreeMap::new(); // resource ARN -> policy name
    let mut resource_policy =
        |set: &mut PolicySet, arn: String, named: NamedPolicy| -> Result<(), StackError> {
            if let Some(first) = owners.insert(arn.clone(), named.name.clone()) {
                return Err(StackError::TwoPolicies {
                    resource: arn,
                    first,
                    second: named.name,
                });
            }
            set.set_resource_policy(&arn, &stack.account, named);
            Ok(())
        };
    for (id, ty) in &created {
        let prop = |p: &str| stack.property(id, &[p]);
        let bad = |property: &str, value: &Value, problem: &str| StackError::Property {
            logical_id: id.to_string(),
            resource_type: ty.to_string(),
            property: property.into(),
            value: value.to_string(),
            problem: problem.into(),
        };
        match *ty {
            "AWS::IAM::Role" => {}
            "AWS::IAM::Policy" => {
                for p in ["Users", "Groups"] {
                    let v = prop(p)?;
                    if !v.is_null() {
                        return Err(bad(p, &v, "only policies attached to roles are modelled"));
                    }
                }
                let policy_name = text(&prop("PolicyName")?);
                let doc = prop("PolicyDocument")?;
                let targets = prop("Roles")?;
                let targets = targets
                    .as_array()
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| bad("Roles", &targets, "must list the roles it attaches to"))?;
                for r in targets {
                    let name = text(r);
                    let arn = roles.get(&name).ok_or_else(|| {
                        bad("Roles", r, "names a role this stack does not create, whose other policies are unknown")
                    })?;
                    let named = parse(format!("role {name} inline policy {policy_name}"), &doc)?;
                    set.attach(arn, named);
                }
            }
            "AWS::S3::BucketPolicy" => {
                let bucket = text(&prop("Bucket")?);
                let named = parse(
                    format!("bucket policy of {bucket}"),
                    &prop("PolicyDocument")?,
                )?;
                let arn = format!("arn:{}:s3:::{bucket}", stack.partition);
                resource_policy(&mut set, arn, named)?;
            }
            "AWS::SQS::QueuePolicy" => {
                let doc = prop("PolicyDocument")?;
                let queues = prop("Queues")?;
                let list = queues
                    .as_array()
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| bad("Queues", &queues, "must list queue URLs"))?;
                for q in list {
                    let url = text(q);
                    let arn = queue_arn(&stack.partition, &url).ok_or_else(|| {
                        bad(
                            "Queues",
                            q,
                            "is not a queue URL https://sqs.<region>.<domain>/<account>/<name>",
                        )
                    })?;
                    let name = arn.rsplit(':').next().unwrap_or_default().to_string();
                    let named = parse(format!("queue policy {id} on {name}"), &doc)?;
                    resource_policy(&mut set, arn, named)?;
                }
            }
            "AWS::SNS::TopicPolicy" => {
                let doc = prop("PolicyDocument")?;
                let topics = prop("Topics")?;
                let list = topics
                    .as_array()
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| bad("Topics", &topics, "must list topic ARNs"))?;
                for t in list {
                    let arn = text(t);
                    let named = parse(format!("topic policy {id} on {arn}"), &doc)?;
                    resource_policy(&mut set, arn, named)?;
                }
            }
            "AWS::KMS::Key" => {
                let arn = text(&stack.attribute(id, "Arn")?);
                let named = parse(format!("key policy of {arn}"), &prop("KeyPolicy")?)?;
                resource_policy(&mut set, arn, named)?;
            }
            t if GRANT_NOTHING.contains(&t) => {}
            t => {
                return Err(StackError::UnknownType {
                    logical_id: id.to_string(),
                    resource_type: t.into(),
                })
            }
        }
    }
    Ok(set)
}

/// A role with its trust policy, inline `Policies` and managed policies.
fn role(stack: &Stack, id: &str) -> Result<Role, StackError> {
    let name = text(&stack.reference(id)?);
    let arn = text(&stack.attribute(id, "Arn")?);
    let trust = parse(
        format!("trust policy of role {name}"),
        &stack.property(id, &["AssumeRolePolicyDocument"])?,
    )?;
    let mut policies = Vec::new();
    for p in stack
        .property(id, &["Policies"])?
        .as_array()
        .into_iter()
        .flatten()
    {
        let policy_name = text(&p["PolicyName"]);
        policies.push(parse(
            format!("role {name} inline policy {policy_name}"),
            &p["PolicyDocument"],
        )?);
    }
    for m in stack
        .property(id, &["ManagedPolicyArns"])?
        .as_array()
        .into_iter()
        .flatten()
    {
        let arn = text(m);
        let doc = managed::document(&arn).ok_or_else(|| StackError::ManagedPolicy {
            role: name.clone(),
            arn: arn.clone(),
            known: managed::KNOWN.join(", "),
        })?;
        policies.push(parse(format!("role {name} managed policy {arn}"), &doc)?);
    }
    Ok(Role {
        arn,
        trust,
        policies,
    })
}

fn parse(name: String, doc: &Value) -> Result<NamedPolicy, StackError> {
    match Policy::parse(doc) {
        Ok(policy) => Ok(NamedPolicy { name, policy }),
        Err(error) => Err(StackError::Policy {
            policy: name,
            error,
        }),
    }
}

/// The ARN of the queue at `url` (`https://sqs.<region>.<domain>/<account>/<name>`).
pub fn queue_arn(partition: &str, url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://sqs.")?;
    let (host, path) = rest.split_once('/')?;
    let region = host.split('.').next()?;
    let (account, name) = path.split_once('/')?;
    let ok = !region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !name.is_empty()
        && !name.contains('/');
    ok.then(|| format!("arn:{partition}:sqs:{region}:{account}:{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Caller, Context, Request};
    use serde_json::json;

    fn doc(statement: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": [statement]})
    }

    fn role(extra: Value) -> Value {
        let mut props = json!({
            "RoleName": "reader",
            "AssumeRolePolicyDocument": doc(json!({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))
        });
        props
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"Type": "AWS::IAM::Role", "Properties": props})
    }

    fn read(bucket: &str) -> Value {
        doc(
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/*")}),
        )
    }

    fn get(role: &str, bucket: &str) -> Request {
        Request {
            principal: Caller::RoleSession {
                role_arn: format!("arn:aws:iam::111122223333:role/{role}"),
                session_name: "s".into(),
            },
            action: "s3:GetObject".into(),
            resource: format!("arn:aws:s3:::{bucket}/k"),
            context: Context::new(),
        }
    }

    #[test]
    fn inline_attached_and_managed_policies_all_reach_the_role() {
        let t = json!({"Resources": {
            "R": role(json!({
                "Policies": [{"PolicyName": "Inline", "PolicyDocument": read("a")}],
                "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess"]
            })),
            "P": {"Type": "AWS::IAM::Policy", "Properties": {
                "PolicyName": "Attached", "PolicyDocument": read("b"), "Roles": [{"Ref": "R"}]}},
            "Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q"}},
            "QP": {"Type": "AWS::SQS::QueuePolicy", "Properties": {
                "Queues": [{"Ref": "Q"}],
                "PolicyDocument": doc(json!({"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": ["Q", "Arn"]}}))}}
        }});
        let set = policy_set(&Stack::new(&t, &[])).unwrap();
        let r = &set.roles["arn:aws:iam::111122223333:role/reader"];
        let names: Vec<&str> = r.policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "role reader inline policy Inline",
                "role reader managed policy arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess",
                "role reader inline policy Attached"
            ]
        );
        assert_eq!(r.trust.name, "trust policy of role reader");
        assert!(set.evaluate(&get("reader", "a")).unwrap().allowed());
        assert!(set.evaluate(&get("reader", "b")).unwrap().allowed());
        assert!(!set.evaluate(&get("reader", "c")).unwrap().allowed());
        let (owner, qp) = &set.resources["arn:aws:sqs:us-east-1:111122223333:q"];
        assert_eq!(
            (owner.as_str(), qp.name.as_str()),
            ("111122223333", "queue policy QP on q")
        );
    }

    #[test]
    fn a_resource_not_created_brings_no_policy() {
        let t = json!({
            "Conditions": {"No": {"Fn::Equals": ["a", "b"]}},
            "Resources": {
                "R": role(json!({})),
                "P": {"Type": "AWS::IAM::Policy", "Condition": "No", "Properties": {
                    "PolicyName": "Attached", "PolicyDocument": read("b"), "Roles": [{"Ref": "R"}]}}
            }
        });
        let set = policy_set(&Stack::new(&t, &[])).unwrap();
        assert!(set.roles["arn:aws:iam::111122223333:role/reader"]
            .policies
            .is_empty());
        assert!(!set.evaluate(&get("reader", "b")).unwrap().allowed());
    }

    #[test]
    fn what_cannot_be_modelled_is_an_error_naming_it() {
        let managed = json!({"Resources": {"R": role(json!({"ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}))}});
        let e = policy_set(&Stack::new(&managed, &[]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("AdministratorAccess") && e.contains("access/src/managed.rs"),
            "{e}"
        );

        let unknown =
            json!({"Resources": {"F": {"Type": "AWS::Lambda::Permission", "Properties": {}}}});
        let e = policy_set(&Stack::new(&unknown, &[]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("AWS::Lambda::Permission") && e.contains("F"),
            "{e}"
        );

        let foreign = json!({"Resources": {"P": {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": "X", "PolicyDocument": read("b"), "Roles": ["someone-elses-role"]}}}});
        let e = policy_set(&Stack::new(&foreign, &[]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("someone-elses-role") && e.contains("Roles"),
            "{e}"
        );

        let q = json!({"Type": "AWS::SQS::QueuePolicy", "Properties": {"Queues": [{"Ref": "Q"}], "PolicyDocument": read("b")}});
        let twice = json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q"}}, "A": q.clone(), "B": q}});
        let e = policy_set(&Stack::new(&twice, &[]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("queue policy A on q") && e.contains("queue policy B on q"),
            "{e}"
        );
    }

    #[test]
    fn queue_urls_become_arns() {
        assert_eq!(
            queue_arn("aws", "https://sqs.af-south-1.amazonaws.com/111122223333/q").as_deref(),
            Some("arn:aws:sqs:af-south-1:111122223333:q")
        );
        assert_eq!(
            queue_arn("aws", "https://sqs.us-east-1.amazonaws.com/1/q"),
            None
        );
        assert_eq!(
            queue_arn("aws", "arn:aws:sqs:us-east-1:111122223333:q"),
            None
        );
    }
}
