//! Policy variables: `${aws:PrincipalAccount}` and the like in `Resource`/`NotResource` values
//! and in the values of String and ARN conditions, replaced by the request context's value of
//! the key when the statement is evaluated. `${key, 'default'}` gives a value for a key the
//! request lacks; `${*}`, `${?}` and `${$}` stand for the characters `*`, `?` and `$`
//! themselves. Substituted text always matches literally (a `*` in a value is no wildcard).
//!
//! Variables exist only in policies of `"Version": "2012-10-17"`: in a 2008-10-17 policy (or
//! one without Version) `${...}` is ordinary text, as AWS treats it. A variable whose key the
//! request does not carry, without a default, makes the value match nothing (a multi-valued
//! key cannot be substituted either).

use crate::request::Context;
use crate::wildcard::Pattern;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Policy text: `*` and `?` are wildcards.
    Text(String),
    /// `${*}`, `${?}`, `${$}`: the character itself.
    Literal(char),
    Var {
        key: String,
        default: Option<String>,
    },
}

/// A policy string that may hold variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    raw: String,
    pieces: Vec<Piece>,
}

impl Template {
    /// Reads `text`; with `variables` false, `${` is plain text. An unterminated `${` or an
    /// empty variable name is an error (the problem, for the caller to place).
    pub(crate) fn parse(text: &str, variables: bool) -> Result<Template, String> {
        let mut pieces = Vec::new();
        if !variables {
            pieces.push(Piece::Text(text.to_string()));
            return Ok(Template {
                raw: text.into(),
                pieces,
            });
        }
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            if start > 0 {
                pieces.push(Piece::Text(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let end = after.find('}').ok_or_else(|| {
                format!("{text:?} opens a policy variable with ${{ but never closes it with }}")
            })?;
            let body = after[..end].trim();
            pieces.push(match body {
                "*" => Piece::Literal('*'),
                "?" => Piece::Literal('?'),
                "$" => Piece::Literal('$'),
                "" => return Err(format!("{text:?} has an empty policy variable ${{}}")),
                _ => match body.split_once(',') {
                    Some((key, default)) => {
                        let default = default.trim();
                        let d = default
                            .strip_prefix('\'')
                            .and_then(|d| d.strip_suffix('\''))
                            .ok_or_else(|| {
                                format!(
                                    "{text:?}: the default of policy variable {key:?} must be in single quotes, got {default}"
                                )
                            })?;
                        Piece::Var { key: key.trim().to_string(), default: Some(d.to_string()) }
                    }
                    None => Piece::Var { key: body.to_string(), default: None },
                },
            });
            rest = &after[end + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        Ok(Template {
            raw: text.into(),
            pieces,
        })
    }

    /// The text as written in the policy.
    pub(crate) fn raw(&self) -> &str {
        &self.raw
    }

    /// The pattern after substitution; `None` when a variable has no single value.
    pub(crate) fn expand(&self, context: &Context) -> Option<Pattern> {
        let mut p = Pattern::default();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => p.push_glob(t),
                Piece::Literal(c) => p.push_literal(&c.to_string()),
                Piece::Var { key, default } => match (context.get(key), default) {
                    (Some([one]), _) => p.push_literal(one),
                    (None, Some(d)) => p.push_literal(d),
                    _ => return None,
                },
            }
        }
        Some(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_context_values_literally() {
        let t = Template::parse("arn:aws:s3:::b/${aws:PrincipalAccount}/*", true).unwrap();
        let ctx = Context::new().with("aws:principalaccount", "111122223333");
        let p = t.expand(&ctx).unwrap();
        assert!(p.matches("arn:aws:s3:::b/111122223333/x", false));
        assert!(!p.matches("arn:aws:s3:::b/444455556666/x", false));
        // A value holding `*` matches only a `*`.
        let star = Context::new().with("aws:PrincipalAccount", "*");
        assert!(!t
            .expand(&star)
            .unwrap()
            .matches("arn:aws:s3:::b/1/x", false));
    }

    #[test]
    fn absent_keys_use_the_default_or_match_nothing() {
        let t = Template::parse("home/${aws:username, 'nobody'}", true).unwrap();
        assert!(t
            .expand(&Context::new())
            .unwrap()
            .matches("home/nobody", false));
        let t = Template::parse("home/${aws:username}", true).unwrap();
        assert!(t.expand(&Context::new()).is_none());
    }

    #[test]
    fn special_characters_and_old_versions() {
        let t = Template::parse("a${*}b", true).unwrap();
        let p = t.expand(&Context::new()).unwrap();
        assert!(p.matches("a*b", false));
        assert!(!p.matches("axb", false));
        let old = Template::parse("a${x}", false).unwrap();
        assert!(old.expand(&Context::new()).unwrap().matches("a${x}", false));
    }

    #[test]
    fn malformed_variables_are_errors() {
        assert!(Template::parse("a${x", true)
            .unwrap_err()
            .contains("never closes"));
        assert!(Template::parse("a${}", true).unwrap_err().contains("empty"));
        assert!(Template::parse("a${x, y}", true)
            .unwrap_err()
            .contains("single quotes"));
    }
}
