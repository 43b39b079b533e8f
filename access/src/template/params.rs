//! Parameter values: the template's defaults, and values given by a user checked the way
//! CloudFormation checks them at create time (the parameter exists, is one of its
//! `AllowedValues`, matches its `AllowedPattern`, a `Number` is a number within
//! `MinValue`/`MaxValue`, and a parameter without `Default` is given).

use super::resolve::{text, Stack};
use super::ResolveError;
use serde_json::Value;
use std::collections::BTreeMap;

/// Every parameter's `Default`, as text.
pub fn defaults(template: &Value) -> BTreeMap<String, String> {
    let mut params = BTreeMap::new();
    if let Some(ps) = template["Parameters"].as_object() {
        for (k, p) in ps {
            if let Some(d) = p.get("Default") {
                params.insert(k.clone(), text(d));
            }
        }
    }
    params
}

fn problem(name: &str, value: &str, problem: String) -> ResolveError {
    ResolveError::Parameter {
        name: name.into(),
        value: value.into(),
        problem,
    }
}

/// Checks one value against its parameter's declaration.
pub fn check(template: &Value, name: &str, value: &str) -> Result<(), ResolveError> {
    let Some(decl) = template["Parameters"].get(name) else {
        let known: Vec<&str> = template["Parameters"]
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        return Err(problem(
            name,
            value,
            format!(
                "the template has no such parameter; it has {}",
                known.join(", ")
            ),
        ));
    };
    if let Some(allowed) = decl["AllowedValues"].as_array() {
        let allowed: Vec<String> = allowed.iter().map(text).collect();
        if !allowed.iter().any(|a| a == value) {
            return Err(problem(
                name,
                value,
                format!("must be one of {}", allowed.join(", ")),
            ));
        }
    }
    if let Some(pattern) = decl["AllowedPattern"].as_str() {
        // CloudFormation matches the whole value.
        let re = regex::Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
            problem(
                name,
                value,
                format!("the template's AllowedPattern {pattern:?} does not compile: {e}"),
            )
        })?;
        if !re.is_match(value) {
            let why = decl["ConstraintDescription"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("must match {pattern}"));
            return Err(problem(name, value, why));
        }
    }
    if decl["Type"] == "Number" {
        let n: f64 = value
            .parse()
            .map_err(|_| problem(name, value, "must be a number".into()))?;
        let bound = |k: &str| {
            decl[k]
                .as_str()
                .map(|s| s.parse::<f64>().ok())
                .unwrap_or(decl[k].as_f64())
        };
        if let Some(min) = bound("MinValue") {
            if n < min {
                return Err(problem(name, value, format!("must be at least {min}")));
            }
        }
        if let Some(max) = bound("MaxValue") {
            if n > max {
                return Err(problem(name, value, format!("must be at most {max}")));
            }
        }
    }
    Ok(())
}

impl<'a> Stack<'a> {
    /// Like [`Stack::new`], for values from a user: each given value is checked against its
    /// parameter, and every parameter without a `Default` must be given.
    pub fn checked(template: &'a Value, given: &[(String, String)]) -> Result<Self, ResolveError> {
        for (k, v) in given {
            check(template, k, v)?;
        }
        let pairs: Vec<(&str, &str)> = given
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let stack = Stack::new(template, &pairs);
        if let Some(ps) = template["Parameters"].as_object() {
            for (k, p) in ps {
                if !stack.params.contains_key(k) {
                    let what = p["Description"].as_str().unwrap_or("");
                    return Err(problem(
                        k,
                        "",
                        format!("has no Default, so give it (--param {k}=<value>): {what}"),
                    ));
                }
            }
        }
        Ok(stack)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template() -> Value {
        json!({"Parameters": {
            "Id": {"Type": "String", "AllowedPattern": "^[0-9a-f]{4}$", "ConstraintDescription": "must be 4 hex digits"},
            "Flag": {"Type": "String", "Default": "false", "AllowedValues": ["true", "false"]},
            "Days": {"Type": "Number", "Default": "90", "MinValue": 1, "MaxValue": 3650}
        }})
    }

    fn given(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn values_are_checked_as_cloudformation_checks_them() {
        let t = template();
        let st = Stack::checked(&t, &given(&[("Id", "ab12")])).unwrap();
        assert_eq!(st.params["Flag"], "false");
        for (pairs, field, words) in [
            (vec![("Id", "xyz")], "Id", "4 hex digits"),
            (
                vec![("Id", "ab12"), ("Flag", "yes")],
                "Flag",
                "one of true, false",
            ),
            (vec![("Id", "ab12"), ("Days", "0")], "Days", "at least 1"),
            (vec![("Id", "ab12"), ("Days", "many")], "Days", "a number"),
            (
                vec![("Id", "ab12"), ("Nope", "1")],
                "Nope",
                "no such parameter",
            ),
            (vec![], "Id", "--param Id=<value>"),
        ] {
            let e = Stack::checked(&t, &given(&pairs)).unwrap_err();
            let ResolveError::Parameter { name, .. } = &e else {
                panic!("{e}")
            };
            assert_eq!(name, field);
            assert!(e.to_string().contains(words), "{e}");
        }
    }
}
