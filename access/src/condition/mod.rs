//! The `Condition` element: operators, keys and values, and their evaluation against the
//! request context.
//!
//! Evaluation follows the IAM User Guide:
//! - several operators in a block, and several keys under one operator, must all hold (AND);
//! - several values for one key: any may match (OR); for a negated operator (`StringNotEquals`,
//!   `ArnNotLike`, `NotIpAddress`, ...) none may match (NOR)
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html>);
//! - a key the request does not carry: the condition is false, except that a negated operator
//!   is then true, an `...IfExists` operator is true, and `Null` tests presence itself
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>);
//! - a key with several values in the request (without a set operator): a positive operator
//!   holds when any request value matches any policy value, a negated one when no pair matches;
//! - `ForAnyValue:`: some request value satisfies the operator; false for an absent or empty key.
//!   `ForAllValues:`: every request value satisfies it; true for an absent or empty key
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html>).
//!
//! Condition keys compare case-insensitively; values follow their operator's rules.

pub mod operator;
pub(crate) mod values;

use crate::request::Context;
use crate::PolicyError;
pub use operator::{Cmp, Kind, Operator, SetOp};
use serde_json::Value as Json;
use values::Value;

/// One key under one operator, with its policy values.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub operator: Operator,
    /// The condition key as written in the policy.
    pub key: String,
    /// The values as written (JSON numbers and booleans in their text form).
    pub values: Vec<String>,
    typed: Vec<Value>,
}

/// A statement's `Condition` block (empty when the statement has none).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Conditions {
    pub clauses: Vec<Clause>,
}

impl Conditions {
    /// Reads a `Condition` element. `statement` names the statement in errors; `variables`
    /// says whether policy variables are read (Version 2012-10-17).
    pub(crate) fn parse(
        doc: &Json,
        statement: &str,
        variables: bool,
    ) -> Result<Conditions, PolicyError> {
        let bad = |element: String, problem: String| PolicyError::Malformed {
            statement: statement.to_string(),
            element,
            problem,
        };
        let ops = doc.as_object().ok_or_else(|| {
            bad(
                "Condition".into(),
                format!("must be an object of condition operators, got {doc}"),
            )
        })?;
        let mut clauses = Vec::new();
        for (name, keys) in ops {
            let operator = Operator::parse(name).ok_or_else(|| PolicyError::UnknownOperator {
                statement: statement.to_string(),
                operator: name.clone(),
            })?;
            if operator.kind == Kind::Null && operator.set.is_some() {
                return Err(bad(
                    format!("Condition.{name}"),
                    "Null tests whether a key is present; it takes no ForAnyValue:/ForAllValues:"
                        .into(),
                ));
            }
            let keys = keys.as_object().ok_or_else(|| {
                bad(
                    format!("Condition.{name}"),
                    format!("must be an object of condition keys and values, got {keys}"),
                )
            })?;
            for (key, vals) in keys {
                let element = format!("Condition.{name}.{key}");
                let list: Vec<&Json> = match vals {
                    Json::Array(items) => items.iter().collect(),
                    one => vec![one],
                };
                let mut texts = Vec::new();
                let mut typed = Vec::new();
                for v in list {
                    let text = match v {
                        Json::String(s) => s.clone(),
                        Json::Number(n) => n.to_string(),
                        Json::Bool(b) => b.to_string(),
                        other => {
                            return Err(bad(
                                element,
                                format!("a value must be a string, number or boolean, got {other}"),
                            ))
                        }
                    };
                    typed.push(
                        values::parse_value(operator.kind, &text, variables)
                            .map_err(|p| bad(element.clone(), p))?,
                    );
                    texts.push(text);
                }
                clauses.push(Clause {
                    operator: operator.clone(),
                    key: key.clone(),
                    values: texts,
                    typed,
                });
            }
        }
        Ok(Conditions { clauses })
    }

    /// Whether every clause holds for `context`.
    pub fn holds(&self, context: &Context) -> bool {
        self.clauses.iter().all(|c| c.holds(context))
    }
}

impl Clause {
    /// Whether this key's condition holds for `context`.
    pub fn holds(&self, context: &Context) -> bool {
        let op = &self.operator;
        let present = context.get(&self.key).filter(|v| !v.is_empty());
        if op.kind == Kind::Null {
            // `"Null": {"k": "true"}`: k is absent; `"false"`: k is present.
            let absent = present.is_none();
            return self.typed.contains(&Value::Bool(absent));
        }
        let one = |request: &String| {
            let any = self
                .typed
                .iter()
                .any(|p| values::matches(op.kind, p, request, context));
            any != op.negated
        };
        match (op.set, present) {
            (_, None) if op.if_exists => true,
            (None, None) => op.negated,
            (None, Some(vals)) if op.negated => vals.iter().all(one),
            (None, Some(vals)) => vals.iter().any(one),
            (Some(SetOp::ForAnyValue), None) => false,
            (Some(SetOp::ForAnyValue), Some(vals)) => vals.iter().any(one),
            (Some(SetOp::ForAllValues), None) => true,
            (Some(SetOp::ForAllValues), Some(vals)) => vals.iter().all(one),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cond(doc: Json) -> Conditions {
        Conditions::parse(&doc, "0", true).unwrap()
    }

    #[test]
    fn keys_compare_case_insensitively() {
        let c = cond(json!({"StringEquals": {"AWS:SourceAccount": "111122223333"}}));
        assert!(c.holds(&Context::new().with("aws:sourceaccount", "111122223333")));
        assert!(!c.holds(&Context::new().with("aws:SourceAccount", "444455556666")));
    }

    #[test]
    fn negated_operator_is_nor_over_values_and_true_on_an_absent_key() {
        let c = cond(json!({"StringNotEquals": {"aws:PrincipalTag/role": ["audit", "security"]}}));
        assert!(!c.holds(&Context::new().with("aws:PrincipalTag/role", "audit")));
        assert!(!c.holds(&Context::new().with("aws:PrincipalTag/role", "security")));
        assert!(c.holds(&Context::new().with("aws:PrincipalTag/role", "dev")));
        assert!(c.holds(&Context::new()));
    }

    #[test]
    fn if_exists_is_true_on_an_absent_key_and_checks_a_present_one() {
        let c =
            cond(json!({"StringEqualsIfExists": {"s3:x-amz-acl": "bucket-owner-full-control"}}));
        assert!(c.holds(&Context::new()));
        assert!(c.holds(&Context::new().with("s3:x-amz-acl", "bucket-owner-full-control")));
        assert!(!c.holds(&Context::new().with("s3:x-amz-acl", "public-read")));
    }

    #[test]
    fn null_tests_presence() {
        let absent = cond(json!({"Null": {"aws:TokenIssueTime": "true"}}));
        assert!(absent.holds(&Context::new()));
        assert!(!absent.holds(&Context::new().with("aws:TokenIssueTime", "2020-01-01T00:00:00Z")));
        let present = cond(json!({"Null": {"aws:TokenIssueTime": false}}));
        assert!(!present.holds(&Context::new()));
        assert!(present.holds(&Context::new().with("aws:TokenIssueTime", "x")));
    }

    #[test]
    fn multi_valued_keys_with_and_without_set_operators() {
        let tags = |v: &[&str]| {
            let mut c = Context::new();
            c.set_all("aws:TagKeys", v.iter().map(|s| s.to_string()).collect());
            c
        };
        let all = cond(json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}));
        assert!(all.holds(&tags(&["a"])));
        assert!(all.holds(&tags(&["a", "b"])));
        assert!(!all.holds(&tags(&["a", "c"])));
        assert!(all.holds(&Context::new()));
        assert!(all.holds(&tags(&[])));
        let any = cond(json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}));
        assert!(any.holds(&tags(&["c", "b"])));
        assert!(!any.holds(&tags(&["c"])));
        assert!(!any.holds(&Context::new()));
        let plain_not = cond(json!({"StringNotEquals": {"aws:TagKeys": "a"}}));
        assert!(!plain_not.holds(&tags(&["c", "a"])));
        assert!(plain_not.holds(&tags(&["c", "d"])));
        let all_not = cond(json!({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["a"]}}));
        assert!(all_not.holds(&tags(&["b", "c"])));
        assert!(!all_not.holds(&tags(&["b", "a"])));
    }

    #[test]
    fn json_numbers_and_booleans_are_values() {
        let c = cond(
            json!({"Bool": {"aws:SecureTransport": true}, "NumericLessThan": {"s3:max-keys": 10}}),
        );
        assert_eq!(c.clauses[0].values, ["true"]);
        let ctx = Context::new()
            .with("aws:SecureTransport", "true")
            .with("s3:max-keys", "5");
        assert!(c.holds(&ctx));
        let ctx = Context::new()
            .with("aws:SecureTransport", "false")
            .with("s3:max-keys", "5");
        assert!(!c.holds(&ctx));
    }

    #[test]
    fn unknown_operators_and_bad_values_are_errors() {
        let e = Conditions::parse(&json!({"StringEqualz": {"k": "v"}}), "Sid1", true).unwrap_err();
        assert_eq!(
            e,
            PolicyError::UnknownOperator {
                statement: "Sid1".into(),
                operator: "StringEqualz".into()
            }
        );
        let e =
            Conditions::parse(&json!({"NumericEquals": {"k": "ten"}}), "Sid1", true).unwrap_err();
        assert_eq!(
            e.to_string(),
            "statement Sid1: Condition.NumericEquals.k: \"ten\" is not a number"
        );
        let e =
            Conditions::parse(&json!({"StringEquals": {"k": {"x": 1}}}), "2", true).unwrap_err();
        assert!(e.to_string().contains("Condition.StringEquals.k"), "{e}");
        let e = Conditions::parse(&json!({"StringEquals": "k"}), "2", true).unwrap_err();
        assert!(
            e.to_string()
                .contains("must be an object of condition keys"),
            "{e}"
        );
        let e =
            Conditions::parse(&json!({"ForAnyValue:Null": {"k": "true"}}), "2", true).unwrap_err();
        assert!(e.to_string().contains("takes no ForAnyValue"), "{e}");
    }
}
