//! The answer to a request, and the statements that decided it.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// Why the decision is what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// Every policy that had to allow did.
    Allowed,
    /// A statement with `"Effect": "Deny"` matched: it wins over every Allow.
    ExplicitDeny,
    /// No statement denied, but a policy that had to allow did not. `needed` names each such
    /// policy (e.g. "an identity policy of role arn:aws:iam::111122223333:role/r", "the key
    /// policy of arn:aws:kms:...", "the trust policy of ..."), in words a user can act on.
    ImplicitDeny { needed: Vec<String> },
}

/// One statement that took part in the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matched {
    /// Which policy: "role <arn> inline policy <name>", "bucket policy of <bucket>", ...
    pub policy: String,
    /// The statement's `Sid`, when it has one.
    pub sid: Option<String>,
    /// The statement's position in the policy (0-based).
    pub index: usize,
    pub effect: Effect,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub effect: Effect,
    pub reason: Reason,
    /// The matching statements that decided: the Deny statements for an explicit deny, the
    /// Allow statements of each policy that had to allow otherwise (empty for an implicit deny
    /// where nothing matched).
    pub statements: Vec<Matched>,
}

impl Decision {
    pub fn allowed(&self) -> bool {
        self.effect == Effect::Allow
    }
}
