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
    /// Which policy: the [`NamedPolicy`](crate::NamedPolicy) name, such as `role <arn> inline policy <name>`
    /// or `bucket policy of <bucket>`.
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

impl Decision {
    /// For an implicit deny, the policies that had to allow and did not; else empty.
    pub fn needed(&self) -> &[String] {
        match &self.reason {
            Reason::ImplicitDeny { needed } => needed,
            _ => &[],
        }
    }
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

impl std::fmt::Display for Matched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.sid {
            Some(sid) => write!(
                f,
                "{} {} statement {sid:?} (#{})",
                self.effect, self.policy, self.index
            ),
            None => write!(
                f,
                "{} {} statement #{}",
                self.effect, self.policy, self.index
            ),
        }
    }
}

/// `Allow` or `Deny` on the first line; then one line per deciding statement, and for an
/// implicit deny one `needed:` line per policy that had to allow.
impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.effect)?;
        match &self.reason {
            Reason::Allowed => {}
            Reason::ExplicitDeny => write!(f, " (explicit deny)")?,
            Reason::ImplicitDeny { .. } => write!(f, " (implicit deny)")?,
        }
        for m in &self.statements {
            write!(f, "\n  {m}")?;
        }
        for n in self.needed() {
            write!(f, "\n  needed: {n}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_puts_the_effect_first_then_one_line_per_statement() {
        let d = Decision {
            effect: Effect::Deny,
            reason: Reason::ImplicitDeny {
                needed: vec![
                    "an identity policy of role r must allow s3:GetObject on arn:aws:s3:::b/k"
                        .into(),
                ],
            },
            statements: vec![Matched {
                policy: "bucket policy of b".into(),
                sid: Some("S".into()),
                index: 1,
                effect: Effect::Allow,
            }],
        };
        let text = d.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Deny (implicit deny)");
        assert_eq!(lines[1], "  Allow bucket policy of b statement \"S\" (#1)");
        assert_eq!(
            lines[2],
            "  needed: an identity policy of role r must allow s3:GetObject on arn:aws:s3:::b/k"
        );
        assert_eq!(lines.len(), 3);
        let ok = Decision {
            effect: Effect::Allow,
            reason: Reason::Allowed,
            statements: vec![],
        };
        assert_eq!(ok.to_string(), "Allow");
    }
}
