//! One request to evaluate: who asks ([`Caller`]), for which action on which resource, with
//! which request context ([`Context`]).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Who makes the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Caller {
    /// A session of an IAM role (`arn:<partition>:iam::<account>:role/<path/>name`), as after
    /// AssumeRole / AssumeRoleWithWebIdentity. Its identity policies are those of the role in the
    /// [`PolicySet`](crate::PolicySet); its account is the role ARN's.
    RoleSession {
        role_arn: String,
        session_name: String,
    },
    /// An AWS service principal acting on its own behalf, such as `cloudtrail.amazonaws.com`
    /// or `delivery.logs.amazonaws.com`. It has no identity policies: only resource policies
    /// can allow it.
    Service { name: String },
    /// A web identity federated through an IAM OIDC provider
    /// (`arn:<partition>:iam::<account>:oidc-provider/<issuer host/path>`); only meaningful for
    /// `sts:AssumeRoleWithWebIdentity`. The token's claims go in the context as
    /// `<issuer host/path>:aud`, `:sub`, and so on.
    WebIdentity { provider_arn: String },
    /// An IAM principal (account root, user or role ARN) of an account whose identity policies
    /// the set does not hold, such as Microsoft's account for the legacy role. Such a caller is
    /// taken to be allowed by its own account; only the resource side is evaluated.
    External { arn: String },
}

/// The request context: condition keys and their values. Keys compare case-insensitively (as
/// AWS compares condition keys); a key may carry several values (a multi-valued key).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context(BTreeMap<String, Vec<String>>);

impl Context {
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets `key` to one value (replacing what it had).
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.0.insert(key.to_ascii_lowercase(), vec![value.into()]);
        self
    }
    /// Sets `key` to several values (a multi-valued key such as `aws:TagKeys`).
    pub fn set_all(&mut self, key: &str, values: Vec<String>) -> &mut Self {
        self.0.insert(key.to_ascii_lowercase(), values);
        self
    }
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.set(key, value);
        self
    }
    /// The values of `key`, `None` when the request does not carry it.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.0.get(&key.to_ascii_lowercase()).map(Vec::as_slice)
    }
    pub fn contains(&self, key: &str) -> bool {
        self.0.contains_key(&key.to_ascii_lowercase())
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }
}

/// One request: `principal` asks for `action` (`service:Action`) on `resource` (an ARN).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub principal: Caller,
    pub action: String,
    pub resource: String,
    #[serde(default)]
    pub context: Context,
}
