//! Typed IAM policy documents, shared by trust, identity, bucket, queue and key policies.

use crate::cfn::Expr;
use indexmap::IndexMap;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// An IAM action such as `sqs:ReceiveMessage`. Constants live in [`actions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Action(pub &'static str);

impl Action {
    pub fn is_wildcard(self) -> bool {
        self.0.contains('*')
    }
    pub fn service(self) -> &'static str {
        self.0.split(':').next().unwrap_or(self.0)
    }
}

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

/// The actions the generator grants, by service.
pub mod actions {
    use super::Action;
    pub mod sqs {
        use super::Action;
        pub const SEND_MESSAGE: Action = Action("sqs:SendMessage");
        pub const RECEIVE_MESSAGE: Action = Action("sqs:ReceiveMessage");
        pub const DELETE_MESSAGE: Action = Action("sqs:DeleteMessage");
        pub const CHANGE_MESSAGE_VISIBILITY: Action = Action("sqs:ChangeMessageVisibility");
        pub const GET_QUEUE_URL: Action = Action("sqs:GetQueueUrl");
        pub const GET_QUEUE_ATTRIBUTES: Action = Action("sqs:GetQueueAttributes");
    }
    pub mod s3 {
        use super::Action;
        pub const ALL: Action = Action("s3:*");
        pub const GET_OBJECT: Action = Action("s3:GetObject");
        pub const PUT_OBJECT: Action = Action("s3:PutObject");
        pub const GET_BUCKET_ACL: Action = Action("s3:GetBucketAcl");
        pub const GET_BUCKET_LOCATION: Action = Action("s3:GetBucketLocation");
        pub const LIST_BUCKET: Action = Action("s3:ListBucket");
        pub const ABORT_MULTIPART_UPLOAD: Action = Action("s3:AbortMultipartUpload");
        pub const LIST_BUCKET_MULTIPART_UPLOADS: Action = Action("s3:ListBucketMultipartUploads");
    }
    pub mod kms {
        use super::Action;
        pub const DECRYPT: Action = Action("kms:Decrypt");
        pub const GENERATE_DATA_KEY: Action = Action("kms:GenerateDataKey");
        pub const DESCRIBE_KEY: Action = Action("kms:DescribeKey");
        /// What the account needs to administer a key it owns, without `kms:*`.
        pub const ADMIN: &[Action] = &[
            Action("kms:CancelKeyDeletion"),
            Action("kms:CreateAlias"),
            Action("kms:CreateGrant"),
            Action("kms:DeleteAlias"),
            Action("kms:DescribeKey"),
            Action("kms:DisableKey"),
            Action("kms:DisableKeyRotation"),
            Action("kms:EnableKey"),
            Action("kms:EnableKeyRotation"),
            Action("kms:GetKeyPolicy"),
            Action("kms:GetKeyRotationStatus"),
            Action("kms:ListAliases"),
            Action("kms:ListGrants"),
            Action("kms:ListKeyPolicies"),
            Action("kms:ListResourceTags"),
            Action("kms:PutKeyPolicy"),
            Action("kms:RetireGrant"),
            Action("kms:RevokeGrant"),
            Action("kms:ScheduleKeyDeletion"),
            Action("kms:TagResource"),
            Action("kms:UntagResource"),
            Action("kms:UpdateAlias"),
            Action("kms:UpdateKeyDescription"),
        ];
    }
    pub mod sts {
        use super::Action;
        pub const ASSUME_ROLE: Action = Action("sts:AssumeRole");
        pub const ASSUME_ROLE_WITH_WEB_IDENTITY: Action = Action("sts:AssumeRoleWithWebIdentity");
    }
    pub mod logs {
        use super::Action;
        pub const CREATE_LOG_STREAM: Action = Action("logs:CreateLogStream");
        pub const PUT_LOG_EVENTS: Action = Action("logs:PutLogEvents");
    }
    pub mod firehose {
        use super::Action;
        pub const PUT_RECORD: Action = Action("firehose:PutRecord");
        pub const PUT_RECORD_BATCH: Action = Action("firehose:PutRecordBatch");
    }
    pub mod sns {
        use super::Action;
        pub const PUBLISH: Action = Action("sns:Publish");
    }
    pub mod lambda {
        use super::Action;
        pub const INVOKE_FUNCTION: Action = Action("lambda:InvokeFunction");
        pub const GET_FUNCTION_CONFIGURATION: Action = Action("lambda:GetFunctionConfiguration");
    }
}

/// Global and service condition keys used by the generator.
pub mod keys {
    pub const SOURCE_ARN: &str = "aws:SourceArn";
    pub const SOURCE_ACCOUNT: &str = "aws:SourceAccount";
    pub const SECURE_TRANSPORT: &str = "aws:SecureTransport";
    pub const ROLE_SESSION_NAME: &str = "sts:RoleSessionName";
    pub const EXTERNAL_ID: &str = "sts:ExternalId";
    pub const KMS_VIA_SERVICE: &str = "kms:ViaService";
    pub const KMS_CALLER_ACCOUNT: &str = "kms:CallerAccount";
    pub const S3_ACL: &str = "s3:x-amz-acl";
    pub const S3_SSE: &str = "s3:x-amz-server-side-encryption";
    pub const S3_SSE_KMS_KEY: &str = "s3:x-amz-server-side-encryption-aws-kms-key-id";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// Condition operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Operator {
    StringEquals,
    StringNotEquals,
    StringLike,
    ArnLike,
    ArnEquals,
    Bool,
    Null,
}

/// Who a resource policy or trust policy speaks to.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// AWS accounts, users or roles (ARNs or account IDs).
    Aws(Vec<Expr>),
    /// AWS service principals such as `s3.amazonaws.com`.
    Service(Vec<Expr>),
    /// A web identity / OIDC provider ARN.
    Federated(Expr),
    /// `"*"`: only meaningful in Deny statements.
    Everyone,
}

impl Principal {
    pub fn service(name: impl Into<Expr>) -> Self {
        Principal::Service(vec![name.into()])
    }
    pub fn aws(arn: impl Into<Expr>) -> Self {
        Principal::Aws(vec![arn.into()])
    }
    pub fn is_service(&self) -> bool {
        matches!(self, Principal::Service(_))
    }
}

fn one_or_many<S: Serializer, T: Serialize>(s: S, items: &[T]) -> Result<S::Ok, S::Error> {
    if items.len() == 1 {
        items[0].serialize(s)
    } else {
        items.serialize(s)
    }
}

struct OneOrMany<'a, T>(&'a [T]);
impl<T: Serialize> Serialize for OneOrMany<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        one_or_many(s, self.0)
    }
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (key, items): (&str, &[Expr]) = match self {
            Principal::Everyone => return s.serialize_str("*"),
            Principal::Aws(v) => ("AWS", v),
            Principal::Service(v) => ("Service", v),
            Principal::Federated(e) => ("Federated", std::slice::from_ref(e)),
        };
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(key, &OneOrMany(items))?;
        m.end()
    }
}

/// `{"Operator": {"key": value}}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conditions(pub IndexMap<Operator, IndexMap<String, Expr>>);

impl Conditions {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn add(&mut self, op: Operator, key: impl Into<String>, value: impl Into<Expr>) {
        self.0
            .entry(op)
            .or_default()
            .insert(key.into(), value.into());
    }
    /// The value of `key` under any operator.
    pub fn get(&self, key: &str) -> Option<(Operator, &Expr)> {
        self.0
            .iter()
            .find_map(|(op, m)| m.get(key).map(|v| (*op, v)))
    }
    pub fn has_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

impl Serialize for Conditions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<Principal>,
    pub actions: Vec<Action>,
    pub resources: Vec<Expr>,
    pub conditions: Conditions,
    /// A template condition: the statement is in the document only when it holds
    /// (`Fn::If [condition, statement, AWS::NoValue]`).
    pub only_if: Option<String>,
}

impl Statement {
    pub fn allow(actions: &[Action]) -> Self {
        Statement {
            sid: None,
            effect: Effect::Allow,
            principal: None,
            actions: actions.to_vec(),
            resources: Vec::new(),
            conditions: Conditions::default(),
            only_if: None,
        }
    }
    pub fn deny(actions: &[Action]) -> Self {
        Statement {
            effect: Effect::Deny,
            ..Statement::allow(actions)
        }
    }
    pub fn sid(mut self, sid: &str) -> Self {
        self.sid = Some(sid.to_string());
        self
    }
    pub fn principal(mut self, p: Principal) -> Self {
        self.principal = Some(p);
        self
    }
    pub fn resource(mut self, r: impl Into<Expr>) -> Self {
        self.resources.push(r.into());
        self
    }
    pub fn when(mut self, op: Operator, key: impl Into<String>, value: impl Into<Expr>) -> Self {
        self.conditions.add(op, key, value);
        self
    }
    /// Keeps the statement only when the template condition `condition` holds.
    pub fn only_if(mut self, condition: impl Into<String>) -> Self {
        self.only_if = Some(condition.into());
        self
    }
}

/// A statement as it stands in a document: itself, or `Fn::If` around it.
struct InDocument<'a>(&'a Statement);

impl Serialize for InDocument<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0.only_if {
            None => self.0.serialize(s),
            Some(c) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry(
                    "Fn::If",
                    &(c, self.0, serde_json::json!({"Ref": "AWS::NoValue"})),
                )?;
                m.end()
            }
        }
    }
}

impl Serialize for Statement {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(sid) = &self.sid {
            m.serialize_entry("Sid", sid)?;
        }
        m.serialize_entry("Effect", &self.effect)?;
        if let Some(p) = &self.principal {
            m.serialize_entry("Principal", p)?;
        }
        m.serialize_entry("Action", &OneOrMany(&self.actions))?;
        if !self.resources.is_empty() {
            m.serialize_entry("Resource", &OneOrMany(&self.resources))?;
        }
        if !self.conditions.is_empty() {
            m.serialize_entry("Condition", &self.conditions)?;
        }
        m.end()
    }
}

/// What a policy document is attached to; decides which rules apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PolicyKind {
    Trust,
    Identity,
    Bucket,
    Queue,
    Key,
    Topic,
}

/// A policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    pub kind: PolicyKind,
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    pub fn new(kind: PolicyKind, statements: Vec<Statement>) -> Self {
        PolicyDocument { kind, statements }
    }
}

impl Serialize for PolicyDocument {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("Version", "2012-10-17")?;
        let statements: Vec<InDocument<'_>> = self.statements.iter().map(InDocument).collect();
        m.serialize_entry("Statement", &statements)?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statements_serialise_single_values_as_scalars() {
        let st = Statement::allow(&[actions::sqs::SEND_MESSAGE])
            .sid("S3Send")
            .principal(Principal::service("s3.amazonaws.com"))
            .resource(Expr::get_att("Queue", "Arn"))
            .when(
                Operator::StringEquals,
                keys::SOURCE_ACCOUNT,
                Expr::reference("AWS::AccountId"),
            );
        assert_eq!(
            serde_json::to_value(&st).unwrap(),
            json!({
                "Sid": "S3Send", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": ["Queue", "Arn"]},
                "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
            })
        );
        let deny = Statement::deny(&[actions::s3::ALL])
            .principal(Principal::Everyone)
            .resource("a")
            .resource("b");
        assert_eq!(
            serde_json::to_value(&deny).unwrap(),
            json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["a", "b"]})
        );
    }

    #[test]
    fn a_conditional_statement_is_wrapped_in_fn_if() {
        let doc = PolicyDocument::new(
            PolicyKind::Identity,
            vec![
                Statement::allow(&[actions::kms::DECRYPT]).resource("k"),
                Statement::allow(&[actions::kms::DECRYPT])
                    .resource("k2")
                    .only_if("HasKey"),
            ],
        );
        assert_eq!(
            serde_json::to_value(&doc).unwrap()["Statement"],
            json!([
                {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "k"},
                {"Fn::If": ["HasKey", {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "k2"},
                            {"Ref": "AWS::NoValue"}]}
            ])
        );
    }

    #[test]
    fn wildcard_actions_are_recognised() {
        assert!(actions::s3::ALL.is_wildcard());
        assert!(!actions::s3::GET_OBJECT.is_wildcard());
        assert!(actions::kms::ADMIN.iter().all(|a| !a.is_wildcard()));
        assert_eq!(actions::kms::DECRYPT.service(), "kms");
    }
}
