//! Policy documents, parsed from their JSON form (identity, resource, trust and key policies
//! share the grammar).
//!
//! CONTRACT (implemented by the evaluator work): `Policy::parse` reads a policy document (a JSON
//! object with `Version` and `Statement`, one statement or a list) into the typed form the
//! evaluator matches on. Every element AWS documents for these policy types is read: `Sid`,
//! `Effect`, `Principal`/`NotPrincipal` (`"*"`, `AWS`, `Service`, `Federated`, one value or a
//! list), `Action`/`NotAction`, `Resource`/`NotResource`, `Condition`. An element of the wrong
//! shape, an unknown condition operator or a value that is not a string where one is needed
//! is a [`PolicyError`] naming the statement, the element and the value.

use serde_json::Value;

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    // The evaluator work chooses the representation.
    #[doc(hidden)]
    pub source: Value,
}

/// A policy document that cannot be evaluated, naming where and why.
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
}

impl Policy {
    /// Parses a policy document.
    pub fn parse(doc: &Value) -> Result<Policy, PolicyError> {
        let _ = doc;
        unimplemented!("the evaluator work implements Policy::parse")
    }

    /// Parses a policy document from text (IAM returns them URL-encoded: decode first).
    pub fn from_json_str(text: &str) -> Result<Policy, PolicyError> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| PolicyError::NotJson(e.to_string()))?;
        Policy::parse(&v)
    }
}
