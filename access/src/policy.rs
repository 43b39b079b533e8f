//! Policy documents, parsed from their JSON form (identity, resource, trust and key policies
//! share the grammar).
//!
//! [`Policy::parse`] reads a JSON object with an optional `Version` (`2012-10-17` or
//! `2008-10-17`; policy variables are read only in 2012-10-17) and a `Statement` that is one
//! object or a list. Each statement's elements: `Sid`, `Effect` (`Allow` or `Deny`),
//! `Principal`/`NotPrincipal`, `Action`/`NotAction` (one is required), `Resource`/`NotResource`
//! (a trust policy has neither: such a statement applies to every resource), `Condition`.
//! Every list element may also be one string. A document of the wrong shape, an unknown
//! element, an unknown condition operator or a value of the wrong type is a [`PolicyError`]
//! naming the statement (its Sid, or its 0-based position), the element and the value.

use crate::condition::Conditions;
use crate::principal::Principals;
use crate::variables::Template;
use crate::wildcard::Pattern;
use crate::Effect;
use serde_json::Value;

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The `Version` element, when present.
    pub version: Option<String>,
    pub statements: Vec<Statement>,
}

/// One statement of a policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    /// The statement's 0-based position in the policy.
    pub index: usize,
    pub effect: Effect,
    /// `Principal` (positive) or `NotPrincipal`; `None` in identity policies.
    pub principal: Option<Negatable<Principals>>,
    /// `Action` or `NotAction`: `service:name` patterns, matched ignoring case.
    pub action: Negatable<Vec<String>>,
    /// `Resource` or `NotResource`; `None` when the statement has neither.
    pub resource: Option<Negatable<Vec<ResourcePattern>>>,
    pub condition: Conditions,
}

/// An element and its `Not` form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Negatable<T> {
    /// `Principal`, `Action`, `Resource`: the statement applies to what it lists.
    Only(T),
    /// `NotPrincipal`, `NotAction`, `NotResource`: to everything it does not list.
    AllBut(T),
}

impl<T> Negatable<T> {
    fn new(negated: bool, value: T) -> Self {
        if negated {
            Negatable::AllBut(value)
        } else {
            Negatable::Only(value)
        }
    }
}

/// A `Resource` value: an ARN pattern, possibly with policy variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePattern(pub(crate) Template);

impl ResourcePattern {
    /// The value as written in the policy.
    pub fn as_str(&self) -> &str {
        self.0.raw()
    }
}

/// A policy document that cannot be evaluated, or a request that cannot be, naming where
/// and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("statement {statement}: {element}: {problem}")]
    Malformed {
        /// The statement's Sid, or its 0-based position.
        statement: String,
        element: String,
        problem: String,
    },
    #[error("statement {statement}: unknown condition operator {operator:?}: the evaluator knows the String, Arn, Numeric, Date, Bool, IpAddress, Binary and Null operators, their IfExists forms and ForAnyValue:/ForAllValues:")]
    UnknownOperator { statement: String, operator: String },
    #[error("the policy is not JSON: {0}")]
    NotJson(String),
    /// The request itself cannot be evaluated (a resource that is not an ARN, a role session
    /// whose role ARN is not a role ARN).
    #[error("request {field} {value:?}: {problem}")]
    Request {
        field: String,
        value: String,
        problem: String,
    },
}

const ELEMENTS: [&str; 10] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
    "Id",
];

impl Policy {
    /// Parses a policy document.
    pub fn parse(doc: &Value) -> Result<Policy, PolicyError> {
        let top = |element: &str, problem: String| PolicyError::Malformed {
            statement: "(document)".into(),
            element: element.into(),
            problem,
        };
        let obj = doc.as_object().ok_or_else(|| {
            top(
                "(document)",
                format!("a policy must be a JSON object, got {doc}"),
            )
        })?;
        let version = match obj.get("Version") {
            None => None,
            Some(Value::String(v)) if v == "2012-10-17" || v == "2008-10-17" => Some(v.clone()),
            Some(other) => {
                return Err(top(
                    "Version",
                    format!("must be \"2012-10-17\" or \"2008-10-17\", got {other}"),
                ))
            }
        };
        for key in obj.keys() {
            if !matches!(key.as_str(), "Version" | "Statement" | "Id") {
                return Err(top(
                    key,
                    "unknown top-level element: a policy has Version, Id and Statement".into(),
                ));
            }
        }
        let variables = version.as_deref() == Some("2012-10-17");
        let list: Vec<&Value> = match obj.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            Some(other) => {
                return Err(top(
                    "Statement",
                    format!("must be a statement object or a list of them, got {other}"),
                ))
            }
            None => return Err(top("Statement", "is missing".into())),
        };
        let statements = list
            .into_iter()
            .enumerate()
            .map(|(i, s)| Statement::parse(s, i, variables))
            .collect::<Result<_, _>>()?;
        Ok(Policy {
            version,
            statements,
        })
    }

    /// Parses a policy document from text (IAM returns them URL-encoded: decode first).
    pub fn from_json_str(text: &str) -> Result<Policy, PolicyError> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| PolicyError::NotJson(e.to_string()))?;
        Policy::parse(&v)
    }

    /// The statements, in document order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }
}

impl Statement {
    fn parse(doc: &Value, index: usize, variables: bool) -> Result<Statement, PolicyError> {
        let obj = doc.as_object().ok_or_else(|| PolicyError::Malformed {
            statement: index.to_string(),
            element: "Statement".into(),
            problem: format!("a statement must be an object, got {doc}"),
        })?;
        let sid = match obj.get("Sid") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return Err(PolicyError::Malformed {
                    statement: index.to_string(),
                    element: "Sid".into(),
                    problem: format!("must be a string, got {other}"),
                })
            }
        };
        let label = sid.clone().unwrap_or_else(|| index.to_string());
        let bad = |element: &str, problem: String| PolicyError::Malformed {
            statement: label.clone(),
            element: element.into(),
            problem,
        };
        if let Some(k) = obj.keys().find(|k| !ELEMENTS.contains(&k.as_str())) {
            return Err(bad(
                k,
                format!(
                    "unknown statement element: the elements are {}",
                    ELEMENTS[..9].join(", ")
                ),
            ));
        }
        let effect = match obj.get("Effect") {
            Some(Value::String(e)) if e == "Allow" => Effect::Allow,
            Some(Value::String(e)) if e == "Deny" => Effect::Deny,
            Some(other) => {
                return Err(bad(
                    "Effect",
                    format!("must be \"Allow\" or \"Deny\", got {other}"),
                ))
            }
            None => {
                return Err(bad(
                    "Effect",
                    "is missing: write \"Allow\" or \"Deny\"".into(),
                ))
            }
        };
        let pair = |pos: &str, neg: &str| -> Result<Option<(bool, &Value)>, PolicyError> {
            match (obj.get(pos), obj.get(neg)) {
                (Some(_), Some(_)) => Err(bad(
                    pos,
                    format!("a statement has {pos} or {neg}, not both"),
                )),
                (Some(v), None) => Ok(Some((false, v))),
                (None, Some(v)) => Ok(Some((true, v))),
                (None, None) => Ok(None),
            }
        };

        let principal = match pair("Principal", "NotPrincipal")? {
            Some((neg, v)) => {
                let name = if neg { "NotPrincipal" } else { "Principal" };
                Some(Negatable::new(neg, Principals::parse(v, &label, name)?))
            }
            None => None,
        };
        let action = match pair("Action", "NotAction")? {
            Some((neg, v)) => {
                let name = if neg { "NotAction" } else { "Action" };
                let list = strings(v).map_err(|p| bad(name, p))?;
                if let Some(a) = list.iter().find(|a| *a != "*" && !a.contains(':')) {
                    return Err(bad(
                        name,
                        format!(
                            "{a:?} is not an action: write service:Action, e.g. s3:GetObject, or *"
                        ),
                    ));
                }
                Negatable::new(neg, list)
            }
            None => {
                return Err(bad(
                    "Action",
                    "is missing: a statement needs Action or NotAction".into(),
                ))
            }
        };
        let resource = match pair("Resource", "NotResource")? {
            Some((neg, v)) => {
                let name = if neg { "NotResource" } else { "Resource" };
                let list = strings(v)
                    .map_err(|p| bad(name, p))?
                    .iter()
                    .map(|r| {
                        Template::parse(r, variables)
                            .map(ResourcePattern)
                            .map_err(|p| bad(name, p))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Some(Negatable::new(neg, list))
            }
            None => None,
        };
        let condition = match obj.get("Condition") {
            Some(c) => Conditions::parse(c, &label, variables)?,
            None => Conditions::default(),
        };
        Ok(Statement {
            sid,
            index,
            effect,
            principal,
            action,
            resource,
            condition,
        })
    }

    /// The statement's name in messages: its Sid, or its position.
    pub fn label(&self) -> String {
        self.sid
            .clone()
            .unwrap_or_else(|| format!("#{}", self.index))
    }

    /// Whether the statement's Action/NotAction covers `action` (`service:Name`, any case).
    pub fn covers_action(&self, action: &str) -> bool {
        let hit = |list: &Vec<String>| list.iter().any(|p| Pattern::glob(p).matches(action, true));
        match &self.action {
            Negatable::Only(list) => hit(list),
            Negatable::AllBut(list) => !hit(list),
        }
    }
}

/// One string or a list of strings; the error says what was found.
pub(crate) fn strings(v: &Value) -> Result<Vec<String>, String> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                other => Err(format!("every value must be a string, got {other}")),
            })
            .collect(),
        other => Err(format!(
            "must be a string or a list of strings, got {other}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_statement_or_a_list_and_one_string_or_a_list() {
        let one = Policy::parse(
            &json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}),
        )
        .unwrap();
        let list = Policy::parse(&json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]}]})).unwrap();
        assert_eq!(one.statements, list.statements);
        assert_eq!(one.version, None);
        assert_eq!(list.version.as_deref(), Some("2012-10-17"));
    }

    #[test]
    fn actions_match_ignoring_case_with_wildcards() {
        let p = Policy::parse(
            &json!({"Statement": {"Effect": "Allow", "Action": ["sqs:Receive*", "S3:getobject"]}}),
        )
        .unwrap();
        let s = &p.statements()[0];
        assert!(s.covers_action("sqs:ReceiveMessage"));
        assert!(s.covers_action("SQS:receivemessage"));
        assert!(s.covers_action("s3:GetObject"));
        assert!(!s.covers_action("sqs:DeleteMessage"));
        assert!(!s.covers_action("s3:GetObjectAcl"));
        let not =
            Policy::parse(&json!({"Statement": {"Effect": "Deny", "NotAction": "iam:*"}})).unwrap();
        assert!(not.statements()[0].covers_action("s3:GetObject"));
        assert!(!not.statements()[0].covers_action("iam:CreateRole"));
    }

    #[test]
    fn malformed_statements_name_the_statement_element_and_value() {
        let e = Policy::parse(&json!({"Statement": [{"Effect": "Allow", "Action": "*"}, {"Sid": "Bad", "Effect": "allow", "Action": "*"}]})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "statement Bad: Effect: must be \"Allow\" or \"Deny\", got \"allow\""
        );
        let e = Policy::parse(&json!({"Statement": [{"Effect": "Allow", "Action": "*"}, {"Effect": "Allow", "Action": 3}]})).unwrap_err();
        assert_eq!(
            e.to_string(),
            "statement 1: Action: must be a string or a list of strings, got 3"
        );
        let e = Policy::parse(&json!({"Statement": {"Effect": "Allow", "Action": "GetObject"}}))
            .unwrap_err();
        assert!(
            e.to_string().contains("\"GetObject\" is not an action"),
            "{e}"
        );
        let e = Policy::parse(
            &json!({"Statement": {"Effect": "Allow", "Action": "*", "NotAction": "s3:*"}}),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("Action or NotAction, not both"),
            "{e}"
        );
        let e = Policy::parse(&json!({"Statement": {"Effect": "Allow"}})).unwrap_err();
        assert!(e.to_string().contains("needs Action or NotAction"), "{e}");
        let e = Policy::parse(
            &json!({"Statement": {"Effect": "Allow", "Action": "*", "Resources": "*"}}),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("statement 0: Resources: unknown statement element"),
            "{e}"
        );
        let e = Policy::parse(&json!({"Version": "2012-10-18", "Statement": []})).unwrap_err();
        assert!(e.to_string().contains("Version"), "{e}");
        let e = Policy::parse(&json!({"Statement": "x"})).unwrap_err();
        assert!(
            e.to_string()
                .contains("Statement: must be a statement object"),
            "{e}"
        );
        assert!(matches!(
            Policy::from_json_str("{"),
            Err(PolicyError::NotJson(_))
        ));
    }

    #[test]
    fn variables_only_in_2012_policies() {
        let doc = |v: &str| json!({"Version": v, "Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/${x"}});
        assert!(Policy::parse(&doc("2012-10-17")).is_err());
        assert!(Policy::parse(&doc("2008-10-17")).is_ok());
    }
}
