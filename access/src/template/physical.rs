//! What `Ref` and `Fn::GetAtt` return for each resource type the templates create, as AWS
//! would: the physical name (the name property when the template sets one, else
//! CloudFormation's generated `<stack name>-<LogicalId>-<suffix>`, lower case for buckets,
//! cut to the type's length limit) and the ARNs and URLs AWS builds from it. Identifiers AWS
//! invents (a KMS key ID, a GuardDuty detector ID, a flow log ID) are fixed stand-ins of the
//! right shape, derived from the stack and the logical ID so that two resources differ.
//!
//! Return values: the "Return values" section of each type's page in the CloudFormation User
//! Guide, e.g. <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sqs-queue.html>.

use super::resolve::{text, Stack};
use super::ResolveError;
use serde_json::Value;

/// A stable 64-bit hash (FNV-1a) of the stack's UUID and a logical ID.
fn hash(stack: &Stack, logical_id: &str, salt: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in stack
        .stack_uuid
        .bytes()
        .chain(logical_id.bytes())
        .chain(salt.bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// `n` characters from `alphabet`, derived from the stack and logical ID.
fn token(stack: &Stack, logical_id: &str, salt: &str, alphabet: &[u8], n: usize) -> String {
    let mut out = String::with_capacity(n);
    let mut round = 0u32;
    while out.len() < n {
        let mut h = hash(stack, logical_id, &format!("{salt}{round}"));
        for _ in 0..8 {
            if out.len() == n {
                break;
            }
            out.push(alphabet[(h % alphabet.len() as u64) as usize] as char);
            h /= alphabet.len() as u64;
        }
        round += 1;
    }
    out
}

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX: &[u8] = b"0123456789abcdef";

/// A KMS key ID stand-in: a UUID (version 4 shape) fixed for the stack and logical ID.
pub fn key_id(stack: &Stack, logical_id: &str) -> String {
    let h = token(stack, logical_id, "key", HEX, 32);
    format!(
        "{}-{}-4{}-8{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// CloudFormation's generated name `<stack>-<LogicalId>-<13-character suffix>`, the stack name
/// and logical ID cut so that the whole fits `limit`.
pub fn generated_name(stack: &Stack, logical_id: &str, limit: usize, lower: bool) -> String {
    let suffix = token(stack, logical_id, "name", UPPER_ALNUM, 13);
    let room = limit.saturating_sub(suffix.len() + 2);
    // The logical ID keeps at least half the room; the stack name takes what is left.
    let id_len = logical_id
        .len()
        .min((room / 2).max(room.saturating_sub(stack.stack_name.len())));
    let id: String = logical_id.chars().take(id_len).collect();
    let name: String = stack.stack_name.chars().take(room - id.len()).collect();
    let out = format!("{name}-{id}-{suffix}");
    if lower {
        out.to_ascii_lowercase()
    } else {
        out
    }
}

/// The name of a resource: its name property when set and not empty, else the generated one.
fn name(
    stack: &Stack,
    logical_id: &str,
    property: &str,
    limit: usize,
    lower: bool,
) -> Result<String, ResolveError> {
    let given = stack.property(logical_id, &[property])?;
    Ok(match given {
        Value::Null => generated_name(stack, logical_id, limit, lower),
        v if text(&v).is_empty() => generated_name(stack, logical_id, limit, lower),
        v => text(&v),
    })
}

fn resource_type<'a>(stack: &Stack<'a>, logical_id: &str) -> Result<&'a str, ResolveError> {
    Ok(stack.resource(logical_id)?["Type"].as_str().unwrap_or(""))
}

/// The ARN of an IAM role, given its name and `Path` property (default `/`).
fn role_arn(stack: &Stack, logical_id: &str) -> Result<String, ResolveError> {
    let name = name(stack, logical_id, "RoleName", 64, false)?;
    let path = match stack.property(logical_id, &["Path"])? {
        Value::Null => "/".to_string(),
        p => text(&p),
    };
    Ok(format!(
        "arn:{}:iam::{}:role{path}{name}",
        stack.partition, stack.account
    ))
}

fn regional(stack: &Stack, service: &str, rest: &str) -> String {
    format!(
        "arn:{}:{service}:{}:{}:{rest}",
        stack.partition, stack.region, stack.account
    )
}

/// What `Ref` of a resource returns.
pub fn reference(stack: &Stack, logical_id: &str) -> Result<Value, ResolveError> {
    let ty = resource_type(stack, logical_id)?;
    let id = logical_id;
    let s = match ty {
        "AWS::IAM::Role" => name(stack, id, "RoleName", 64, false)?,
        "AWS::IAM::Policy"
        | "AWS::SQS::QueuePolicy"
        | "AWS::S3::BucketPolicy"
        | "AWS::SNS::TopicPolicy" => generated_name(stack, id, 128, false),
        "AWS::IAM::ManagedPolicy" => format!(
            "arn:{}:iam::{}:policy/{}",
            stack.partition,
            stack.account,
            name(stack, id, "ManagedPolicyName", 128, false)?
        ),
        "AWS::IAM::OIDCProvider" => oidc_provider_arn(stack, id)?,
        "AWS::SQS::Queue" => format!(
            "https://sqs.{}.{}/{}/{}",
            stack.region,
            stack.url_suffix(),
            stack.account,
            name(stack, id, "QueueName", 80, false)?
        ),
        "AWS::S3::Bucket" => name(stack, id, "BucketName", 63, true)?,
        "AWS::KMS::Key" => key_id(stack, id),
        "AWS::KMS::Alias" => text(&stack.property(id, &["AliasName"])?),
        "AWS::SNS::Topic" => regional(stack, "sns", &name(stack, id, "TopicName", 256, false)?),
        "AWS::KinesisFirehose::DeliveryStream" => name(stack, id, "DeliveryStreamName", 64, false)?,
        "AWS::Lambda::Function" => name(stack, id, "FunctionName", 64, false)?,
        "AWS::Logs::LogGroup" => name(stack, id, "LogGroupName", 512, false)?,
        "AWS::Logs::LogStream" => name(stack, id, "LogStreamName", 512, false)?,
        "AWS::Logs::SubscriptionFilter" => name(stack, id, "FilterName", 512, false)?,
        "AWS::CloudTrail::Trail" => name(stack, id, "TrailName", 128, false)?,
        "AWS::GuardDuty::Detector" | "AWS::GuardDuty::PublishingDestination" => {
            token(stack, id, "detector", HEX, 32)
        }
        "AWS::EC2::FlowLog" => format!("fl-{}", token(stack, id, "flowlog", HEX, 17)),
        "AWS::CloudFormation::WaitConditionHandle" => format!(
            "https://cloudformation-waitcondition-{}.s3.{}/{}",
            stack.region,
            stack.url_suffix(),
            token(stack, id, "wait", HEX, 32)
        ),
        // The ID form of the resource reference's example (`rqlc-1111222233334444`).
        "AWS::Route53Resolver::ResolverQueryLoggingConfig" => {
            format!("rqlc-{}", token(stack, id, "rqlc", HEX, 16))
        }
        _ => {
            return Err(ResolveError::UnknownType {
                logical_id: id.into(),
                resource_type: ty.into(),
            })
        }
    };
    Ok(Value::String(s))
}

fn oidc_provider_arn(stack: &Stack, logical_id: &str) -> Result<String, ResolveError> {
    let url = text(&stack.property(logical_id, &["Url"])?);
    let host_path = url.strip_prefix("https://").unwrap_or(&url);
    Ok(format!(
        "arn:{}:iam::{}:oidc-provider/{host_path}",
        stack.partition, stack.account
    ))
}

/// What `Fn::GetAtt` of a resource's attribute returns.
pub fn attribute(stack: &Stack, logical_id: &str, attribute: &str) -> Result<Value, ResolveError> {
    let ty = resource_type(stack, logical_id)?;
    let id = logical_id;
    let known: &[&str] = match ty {
        "AWS::IAM::Role" => &["Arn", "RoleId"],
        "AWS::IAM::OIDCProvider" => &["Arn"],
        "AWS::SQS::Queue" => &["Arn", "QueueName", "QueueUrl"],
        "AWS::S3::Bucket" => &["Arn", "DomainName", "RegionalDomainName"],
        "AWS::KMS::Key" => &["Arn", "KeyId"],
        "AWS::SNS::Topic" => &["TopicArn", "TopicName"],
        "AWS::KinesisFirehose::DeliveryStream" => &["Arn"],
        "AWS::Lambda::Function" => &["Arn"],
        "AWS::Logs::LogGroup" => &["Arn"],
        "AWS::CloudTrail::Trail" => &["Arn"],
        _ => &[],
    };
    if !known.contains(&attribute) {
        return Err(ResolveError::UnknownAttribute {
            logical_id: id.into(),
            resource_type: ty.into(),
            attribute: attribute.into(),
            known: if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            },
        });
    }
    let r = |stack: &Stack| -> Result<String, ResolveError> { Ok(text(&reference(stack, id)?)) };
    let s = match (ty, attribute) {
        ("AWS::IAM::Role", "Arn") => role_arn(stack, id)?,
        ("AWS::IAM::Role", "RoleId") => {
            format!("AROA{}", token(stack, id, "roleid", UPPER_ALNUM, 17))
        }
        ("AWS::IAM::OIDCProvider", _) => oidc_provider_arn(stack, id)?,
        ("AWS::SQS::Queue", "Arn") => {
            regional(stack, "sqs", &name(stack, id, "QueueName", 80, false)?)
        }
        ("AWS::SQS::Queue", "QueueName") => name(stack, id, "QueueName", 80, false)?,
        ("AWS::SQS::Queue", _) => r(stack)?,
        ("AWS::S3::Bucket", "Arn") => format!("arn:{}:s3:::{}", stack.partition, r(stack)?),
        ("AWS::S3::Bucket", "DomainName") => format!("{}.s3.{}", r(stack)?, stack.url_suffix()),
        ("AWS::S3::Bucket", _) => {
            format!("{}.s3.{}.{}", r(stack)?, stack.region, stack.url_suffix())
        }
        ("AWS::KMS::Key", "Arn") => regional(stack, "kms", &format!("key/{}", r(stack)?)),
        ("AWS::KMS::Key", _) => r(stack)?,
        ("AWS::SNS::Topic", "TopicArn") => r(stack)?,
        ("AWS::SNS::Topic", _) => name(stack, id, "TopicName", 256, false)?,
        ("AWS::KinesisFirehose::DeliveryStream", _) => {
            regional(stack, "firehose", &format!("deliverystream/{}", r(stack)?))
        }
        ("AWS::Lambda::Function", _) => {
            regional(stack, "lambda", &format!("function:{}", r(stack)?))
        }
        ("AWS::Logs::LogGroup", _) => {
            regional(stack, "logs", &format!("log-group:{}:*", r(stack)?))
        }
        ("AWS::CloudTrail::Trail", _) => {
            regional(stack, "cloudtrail", &format!("trail/{}", r(stack)?))
        }
        _ => unreachable!("every known attribute has a value above"),
    };
    Ok(Value::String(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template() -> Value {
        json!({"Resources": {
            "Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q1"}},
            "D": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "B": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "K": {"Type": "AWS::KMS::Key", "Properties": {}},
            "R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "r", "Path": "/svc/"}},
            "G": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/aws/lambda/f"}},
            "X": {"Type": "AWS::EC2::VPC", "Properties": {}}
        }})
    }

    #[test]
    fn names_and_arns_are_what_aws_creates() {
        let t = template();
        let st = Stack::new(&t, &[]).in_region("us-gov-west-1");
        assert_eq!(
            text(&st.reference("Q").unwrap()),
            "https://sqs.us-gov-west-1.amazonaws.com/111122223333/q1"
        );
        assert_eq!(
            text(&st.attribute("Q", "Arn").unwrap()),
            "arn:aws-us-gov:sqs:us-gov-west-1:111122223333:q1"
        );
        assert_eq!(
            text(&st.attribute("R", "Arn").unwrap()),
            "arn:aws-us-gov:iam::111122223333:role/svc/r"
        );
        assert_eq!(
            text(&st.attribute("G", "Arn").unwrap()),
            "arn:aws-us-gov:logs:us-gov-west-1:111122223333:log-group:/aws/lambda/f:*"
        );
        let key = text(&st.reference("K").unwrap());
        assert_eq!(key.len(), 36, "{key}");
        assert_eq!(
            text(&st.attribute("K", "Arn").unwrap()),
            format!("arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/{key}")
        );
    }

    #[test]
    fn generated_names_have_cloudformations_shape_and_fit() {
        let t = template();
        let st = Stack::new(&t, &[]);
        let d = text(&st.attribute("D", "QueueName").unwrap());
        assert!(d.starts_with("sentinel-D-"), "{d}");
        assert_eq!(d.len(), "sentinel-D-".len() + 13);
        let b = text(&st.reference("B").unwrap());
        assert_eq!(b, b.to_ascii_lowercase());
        let long = "s".repeat(128);
        let st = Stack::new(&t, &[]).named(&long, "u");
        let b = text(&st.reference("B").unwrap());
        assert!(b.len() <= 63 && b.contains("-b-"), "{b}");
    }

    #[test]
    fn an_unmodelled_type_or_attribute_is_an_error_naming_it() {
        let t = template();
        let st = Stack::new(&t, &[]);
        let e = st.reference("X").unwrap_err().to_string();
        assert!(e.contains("AWS::EC2::VPC") && e.contains("X"), "{e}");
        let e = st.attribute("Q", "Nope").unwrap_err().to_string();
        assert!(e.contains("Nope") && e.contains("QueueUrl"), "{e}");
    }
}
