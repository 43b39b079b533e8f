//! The AWS managed policies the rendered templates attach (`ManagedPolicyArns`), with their
//! documents, so that a role attaching one is evaluated with what it grants. A managed policy
//! not listed here is an error where it is attached, never an empty grant.

use serde_json::{json, Value};

/// The document of the AWS managed policy `arn` (`arn:<partition>:iam::aws:policy/<name>`),
/// or `None` when it is not modelled.
pub fn document(arn: &str) -> Option<Value> {
    let name = arn
        .strip_prefix("arn:")
        .and_then(|r| r.split_once(":iam::aws:policy/"))
        .map(|(_, name)| name)?;
    Some(match name {
        // Version v1 (default), unchanged since 14 June 2022:
        // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCloudTrail_ReadOnlyAccess.html
        "AWSCloudTrail_ReadOnlyAccess" => json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": [
                    "cloudtrail:Get*",
                    "cloudtrail:Describe*",
                    "cloudtrail:List*",
                    "cloudtrail:LookupEvents"
                ],
                "Resource": "*"
            }]
        }),
        _ => return None,
    })
}

/// The names of the managed policies [`document`] knows.
pub const KNOWN: &[&str] = &["AWSCloudTrail_ReadOnlyAccess"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_policies_are_found_in_every_partition_and_others_are_not() {
        for p in ["aws", "aws-us-gov", "aws-cn"] {
            for name in KNOWN {
                assert!(document(&format!("arn:{p}:iam::aws:policy/{name}")).is_some());
            }
        }
        assert!(document("arn:aws:iam::aws:policy/AdministratorAccess").is_none());
        assert!(
            document("arn:aws:iam::111122223333:policy/AWSCloudTrail_ReadOnlyAccess").is_none()
        );
    }
}
