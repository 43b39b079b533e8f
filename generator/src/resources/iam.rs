//! `AWS::IAM::Role`, `AWS::IAM::Policy` and `AWS::IAM::OIDCProvider`.
use super::Tag;
use crate::cfn::{Expr, Resource};
use crate::iam::PolicyDocument;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_name: Option<Expr>,
    pub description: Expr,
    pub assume_role_policy_document: PolicyDocument,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub managed_policy_arns: Vec<Expr>,
    pub max_session_duration: u32,
    pub tags: Vec<Tag>,
}

impl Resource for Role {
    const TYPE: &'static str = "AWS::IAM::Role";
}

/// An inline policy attached to roles. Kept apart from the role so that a key policy can name
/// the role while the role's policy names the key, without a dependency cycle.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policy {
    pub policy_name: Expr,
    pub policy_document: PolicyDocument,
    pub roles: Vec<Expr>,
}

impl Resource for Policy {
    const TYPE: &'static str = "AWS::IAM::Policy";
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OidcProvider {
    pub url: String,
    pub client_id_list: Vec<String>,
    pub thumbprint_list: Vec<String>,
    pub tags: Vec<Tag>,
}

impl Resource for OidcProvider {
    const TYPE: &'static str = "AWS::IAM::OIDCProvider";
}
