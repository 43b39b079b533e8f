//! Resolves a rendered template's intrinsic functions for given parameter values, the way
//! CloudFormation would at create time, so tests can assert on the strings AWS would see
//! (names, prefixes, ARNs) instead of on expression trees.
//!
//! Resources resolve to stand-ins: `Ref` to `ref-<LogicalId>` (a bucket's `Ref` to its resolved
//! `BucketName`), `GetAtt` to `<LogicalId>.<Attribute>`. Conditions are evaluated from the
//! template's `Conditions`. An intrinsic the templates do not use panics, so a new one cannot
//! slip past a test unresolved.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub struct Stack<'a> {
    pub template: &'a Value,
    pub params: BTreeMap<String, String>,
    pub region: String,
    pub partition: String,
    pub account: String,
    pub stack_name: String,
    pub stack_uuid: String,
}

impl<'a> Stack<'a> {
    /// Defaults for every parameter, overridden by `given`.
    pub fn new(template: &'a Value, given: &[(&str, &str)]) -> Self {
        let mut params = BTreeMap::new();
        if let Some(ps) = template["Parameters"].as_object() {
            for (k, p) in ps {
                if let Some(d) = p.get("Default") {
                    let d = match d {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    params.insert(k.clone(), d);
                }
            }
        }
        for (k, v) in given {
            params.insert(k.to_string(), v.to_string());
        }
        Stack {
            template,
            params,
            region: "us-east-1".into(),
            partition: "aws".into(),
            account: "111122223333".into(),
            stack_name: "sentinel".into(),
            stack_uuid: "1a2b3c4d-0000-4000-8000-000000000000".into(),
        }
    }

    pub fn in_region(mut self, region: &str) -> Self {
        self.region = region.into();
        self.partition = if region.starts_with("us-gov-") {
            "aws-us-gov".into()
        } else if region.starts_with("cn-") {
            "aws-cn".into()
        } else {
            "aws".into()
        };
        self
    }

    pub fn named(mut self, name: &str, uuid: &str) -> Self {
        self.stack_name = name.into();
        self.stack_uuid = uuid.into();
        self
    }

    fn pseudo(&self, name: &str) -> Option<String> {
        Some(match name {
            "AWS::Region" => self.region.clone(),
            "AWS::Partition" => self.partition.clone(),
            "AWS::AccountId" => self.account.clone(),
            "AWS::StackName" => self.stack_name.clone(),
            "AWS::URLSuffix" => "amazonaws.com".into(),
            "AWS::StackId" => format!(
                "arn:{}:cloudformation:{}:{}:stack/{}/{}",
                self.partition, self.region, self.account, self.stack_name, self.stack_uuid
            ),
            _ => return None,
        })
    }

    fn reference(&self, name: &str) -> Value {
        if let Some(p) = self.pseudo(name) {
            return Value::String(p);
        }
        if let Some(v) = self.params.get(name) {
            return Value::String(v.clone());
        }
        let r = &self.template["Resources"][name];
        assert!(r.is_object(), "Ref to unknown {name}");
        if r["Type"] == "AWS::S3::Bucket" {
            if let Some(n) = r["Properties"].get("BucketName") {
                return self.resolve(n);
            }
        }
        Value::String(format!("ref-{name}"))
    }

    /// Whether a named condition holds.
    pub fn condition(&self, name: &str) -> bool {
        let c = &self.template["Conditions"][name];
        assert!(!c.is_null(), "unknown condition {name}");
        self.truth(c)
    }

    /// Evaluates a condition or rule function.
    pub fn truth(&self, c: &Value) -> bool {
        let (f, args) = single(c).unwrap_or_else(|| panic!("not a condition: {c}"));
        match f {
            "Fn::Equals" => self.resolve(&args[0]) == self.resolve(&args[1]),
            "Fn::Not" => !self.truth(&args[0]),
            "Fn::And" => args.as_array().unwrap().iter().all(|a| self.truth(a)),
            "Fn::Or" => args.as_array().unwrap().iter().any(|a| self.truth(a)),
            "Condition" => self.condition(args.as_str().unwrap()),
            other => panic!("condition function {other} is not evaluated here"),
        }
    }

    /// Every rule's assertion descriptions that fail for these parameters.
    pub fn failed_rules(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(rules) = self.template["Rules"].as_object() {
            for (name, rule) in rules {
                if let Some(c) = rule.get("RuleCondition") {
                    if !self.truth(c) {
                        continue;
                    }
                }
                for a in rule["Assertions"].as_array().unwrap() {
                    if !self.truth(&a["Assert"]) {
                        out.push(format!("{name}: {}", a["AssertDescription"]));
                    }
                }
            }
        }
        out
    }

    /// Whether a resource exists for these parameters.
    pub fn creates(&self, logical_id: &str) -> bool {
        let r = &self.template["Resources"][logical_id];
        assert!(r.is_object(), "no resource {logical_id}");
        r.get("Condition")
            .and_then(Value::as_str)
            .is_none_or(|c| self.condition(c))
    }

    /// A resource's property, resolved.
    pub fn property(&self, logical_id: &str, path: &[&str]) -> Value {
        let mut v = &self.template["Resources"][logical_id]["Properties"];
        for p in path {
            v = &v[*p];
        }
        self.resolve(v)
    }

    /// An output's value, resolved (`None` when its condition does not hold).
    pub fn output(&self, name: &str) -> Option<String> {
        let o = &self.template["Outputs"][name];
        assert!(o.is_object(), "no output {name}");
        if let Some(c) = o.get("Condition").and_then(Value::as_str) {
            if !self.condition(c) {
                return None;
            }
        }
        Some(text(&self.resolve(&o["Value"])))
    }

    /// Resolves every intrinsic in `v`; `Fn::If` to `AWS::NoValue` drops the entry.
    pub fn resolve(&self, v: &Value) -> Value {
        match v {
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.resolve(i))
                    .filter(|i| !is_no_value(i))
                    .collect(),
            ),
            Value::Object(m) => {
                if let Some((f, args)) = single(v) {
                    if let Some(r) = self.intrinsic(f, args) {
                        return r;
                    }
                }
                let mut out = Map::new();
                for (k, x) in m {
                    let r = self.resolve(x);
                    if !is_no_value(&r) {
                        out.insert(k.clone(), r);
                    }
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }

    fn intrinsic(&self, f: &str, args: &Value) -> Option<Value> {
        Some(match f {
            "Ref" => {
                let name = args.as_str().unwrap();
                if name == "AWS::NoValue" {
                    return Some(no_value());
                }
                self.reference(name)
            }
            "Fn::GetAtt" => {
                let a = args.as_array().unwrap();
                Value::String(format!("{}.{}", text(&a[0]), text(&a[1])))
            }
            "Fn::If" => {
                let a = args.as_array().unwrap();
                let branch = if self.condition(a[0].as_str().unwrap()) {
                    &a[1]
                } else {
                    &a[2]
                };
                self.resolve(branch)
            }
            "Fn::Sub" => {
                let (template, vars) = match args {
                    Value::String(s) => (s.as_str(), Map::new()),
                    Value::Array(a) => (
                        a[0].as_str().unwrap(),
                        a[1].as_object().cloned().unwrap_or_default(),
                    ),
                    other => panic!("bad Fn::Sub {other}"),
                };
                Value::String(self.sub(template, &vars))
            }
            "Fn::Join" => {
                let a = args.as_array().unwrap();
                let parts = self.resolve(&a[1]);
                let parts: Vec<String> = parts.as_array().unwrap().iter().map(text).collect();
                Value::String(parts.join(a[0].as_str().unwrap()))
            }
            "Fn::Select" => {
                let a = args.as_array().unwrap();
                let i = a[0].as_u64().unwrap() as usize;
                self.resolve(&a[1]).as_array().unwrap()[i].clone()
            }
            "Fn::Split" => {
                let a = args.as_array().unwrap();
                let s = text(&self.resolve(&a[1]));
                Value::Array(
                    s.split(a[0].as_str().unwrap())
                        .map(|p| Value::String(p.into()))
                        .collect(),
                )
            }
            f if f.starts_with("Fn::") => panic!("intrinsic {f} is not evaluated here"),
            _ => return None,
        })
    }

    fn sub(&self, template: &str, vars: &Map<String, Value>) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let end = rest[i..].find('}').expect("closed ${") + i;
            let name = &rest[i + 2..end];
            let value = if let Some(v) = vars.get(name) {
                text(&self.resolve(v))
            } else if let Some((id, attr)) = name.split_once('.') {
                format!("{id}.{attr}")
            } else {
                text(&self.reference(name))
            };
            out.push_str(&value);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

fn single(v: &Value) -> Option<(&str, &Value)> {
    let m = v.as_object()?;
    if m.len() != 1 {
        return None;
    }
    let (k, a) = m.iter().next()?;
    (k.starts_with("Fn::") || k == "Ref" || k == "Condition").then_some((k.as_str(), a))
}

fn no_value() -> Value {
    Value::String("\u{0}NoValue".into())
}

fn is_no_value(v: &Value) -> bool {
    v.as_str() == Some("\u{0}NoValue")
}

/// A resolved scalar as text.
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
