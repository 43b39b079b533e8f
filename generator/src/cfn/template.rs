//! The template document: parameters, conditions, resources and outputs.

use super::expr::{Cond, Expr};
use indexmap::IndexMap;
use serde::Serialize;

/// A resource type we emit: one typed struct per CloudFormation type.
pub trait Resource: Serialize {
    /// The CloudFormation type name, e.g. `AWS::SQS::Queue`.
    const TYPE: &'static str;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Policy {
    Delete,
    Retain,
    Snapshot,
}

/// A resource as it stands in the template: its type, properties and attributes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceEntry {
    #[serde(rename = "Type")]
    pub type_name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_policy: Option<Policy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_replace_policy: Option<Policy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    pub properties: serde_json::Value,
}

/// Builder handle returned by [`Template::add`], for setting resource attributes.
pub struct EntryMut<'a>(&'a mut ResourceEntry);

impl EntryMut<'_> {
    pub fn condition(self, name: impl Into<String>) -> Self {
        self.0.condition = Some(name.into());
        self
    }
    pub fn depends_on(self, logical_id: impl Into<String>) -> Self {
        self.0.depends_on.push(logical_id.into());
        self
    }
    /// Sets DeletionPolicy and UpdateReplacePolicy together (cfn-lint W3011).
    pub fn retain(self) -> Self {
        self.0.deletion_policy = Some(Policy::Retain);
        self.0.update_replace_policy = Some(Policy::Retain);
        self
    }
    pub fn delete_policy(self) -> Self {
        self.0.deletion_policy = Some(Policy::Delete);
        self.0.update_replace_policy = Some(Policy::Delete);
        self
    }
    pub fn metadata(self, value: serde_json::Value) -> Self {
        self.0.metadata = Some(value);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ParamType {
    String,
    Number,
    CommaDelimitedList,
}

/// A template parameter.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    #[serde(rename = "Type")]
    pub kind: ParamType,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_values: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraint_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_value: Option<i64>,
}

impl Parameter {
    pub fn string(description: impl Into<String>) -> Self {
        Parameter {
            kind: ParamType::String,
            description: description.into(),
            default: None,
            allowed_pattern: None,
            allowed_values: Vec::new(),
            constraint_description: None,
            min_length: None,
            max_length: None,
            min_value: None,
            max_value: None,
        }
    }
    pub fn number(description: impl Into<String>, default: i64, min: i64, max: i64) -> Self {
        Parameter {
            kind: ParamType::Number,
            default: Some(default.to_string()),
            min_value: Some(min),
            max_value: Some(max),
            ..Parameter::string(description)
        }
    }
    /// A `"true"`/`"false"` switch.
    pub fn boolean(description: impl Into<String>, default: bool) -> Self {
        Parameter {
            default: Some(default.to_string()),
            allowed_values: vec!["true".into(), "false".into()],
            ..Parameter::string(description)
        }
    }
    pub fn default(mut self, value: impl Into<String>) -> Self {
        self.default = Some(value.into());
        self
    }
    pub fn pattern(mut self, pattern: impl Into<String>, constraint: impl Into<String>) -> Self {
        self.allowed_pattern = Some(pattern.into());
        self.constraint_description = Some(constraint.into());
        self
    }
    pub fn length(mut self, min: u32, max: u32) -> Self {
        self.min_length = Some(min);
        self.max_length = Some(max);
        self
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Export {
    #[serde(rename = "Name")]
    pub name: Expr,
}

/// A template output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    pub value: Expr,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export: Option<Export>,
}

/// A parameter group for the console's `AWS::CloudFormation::Interface` metadata.
#[derive(Debug, Clone)]
pub struct ParameterGroup {
    pub label: String,
    pub parameters: Vec<String>,
}

/// One rule of the template's `Rules` section: CloudFormation checks its assertions against the
/// parameter values (and pseudo parameters) before it creates or changes anything, and refuses
/// the stack with the assertion's description when one fails.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    #[serde(rename = "RuleCondition", skip_serializing_if = "Option::is_none")]
    pub condition: Option<Cond>,
    #[serde(rename = "Assertions")]
    pub assertions: Vec<Assertion>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Assertion {
    #[serde(rename = "Assert")]
    pub assert: Cond,
    #[serde(rename = "AssertDescription")]
    pub description: String,
}

/// A whole CloudFormation template.
#[derive(Debug, Clone, Default)]
pub struct Template {
    pub description: String,
    pub parameters: IndexMap<String, Parameter>,
    pub parameter_groups: Vec<ParameterGroup>,
    pub rules: IndexMap<String, Rule>,
    pub conditions: IndexMap<String, Cond>,
    /// `Mappings`: map name -> top-level key -> second-level key -> value.
    pub mappings: IndexMap<String, IndexMap<String, IndexMap<String, String>>>,
    pub resources: IndexMap<String, ResourceEntry>,
    pub outputs: IndexMap<String, Output>,
}

/// Two pieces of the model that clash: a logical ID used twice, or a reference to nothing.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TemplateError {
    #[error("logical ID `{0}` is defined twice in the template")]
    Duplicate(String),
    #[error("`{from}` refers to `{to}`, which is neither a parameter, a resource nor a pseudo parameter")]
    DanglingRef { from: String, to: String },
    #[error("`{from}` uses condition `{to}`, which is not defined")]
    UnknownCondition { from: String, to: String },
}

impl Template {
    pub fn new(description: impl Into<String>) -> Self {
        Template {
            description: description.into(),
            ..Default::default()
        }
    }

    /// Adds a parameter and returns a `Ref` to it.
    pub fn param(&mut self, name: &str, p: Parameter) -> Expr {
        assert!(
            self.parameters.insert(name.to_string(), p).is_none(),
            "parameter {name} defined twice"
        );
        Expr::reference(name)
    }

    pub fn group(&mut self, label: &str, parameters: &[&str]) {
        self.parameter_groups.push(ParameterGroup {
            label: label.to_string(),
            parameters: parameters.iter().map(|s| s.to_string()).collect(),
        });
    }

    pub fn condition(&mut self, name: &str, c: Cond) -> String {
        assert!(
            self.conditions.insert(name.to_string(), c).is_none(),
            "condition {name} defined twice"
        );
        name.to_string()
    }

    /// Adds a rule: when `condition` holds (always, for `None`), `assert` must hold, or the stack
    /// is refused with `description`.
    pub fn rule(
        &mut self,
        name: &str,
        condition: Option<Cond>,
        assert: Cond,
        description: impl Into<String>,
    ) {
        let rule = Rule {
            condition,
            assertions: vec![Assertion {
                assert,
                description: description.into(),
            }],
        };
        assert!(
            self.rules.insert(name.to_string(), rule).is_none(),
            "rule {name} defined twice"
        );
    }

    /// Adds a typed resource under `logical_id`.
    pub fn add<R: Resource>(&mut self, logical_id: &str, resource: &R) -> EntryMut<'_> {
        let properties = serde_json::to_value(resource).expect("resource models always serialise");
        let entry = ResourceEntry {
            type_name: R::TYPE,
            condition: None,
            depends_on: Vec::new(),
            deletion_policy: None,
            update_replace_policy: None,
            metadata: None,
            properties,
        };
        assert!(
            self.resources
                .insert(logical_id.to_string(), entry)
                .is_none(),
            "resource {logical_id} defined twice"
        );
        EntryMut(self.resources.get_mut(logical_id).expect("just inserted"))
    }

    pub fn output(
        &mut self,
        name: &str,
        description: impl Into<String>,
        value: impl Into<Expr>,
    ) -> &mut Output {
        self.outputs.insert(
            name.to_string(),
            Output {
                description: description.into(),
                condition: None,
                value: value.into(),
                export: None,
            },
        );
        self.outputs.get_mut(name).expect("just inserted")
    }

    /// Every `Ref`/`GetAtt`/`Sub` target and condition must exist.
    pub fn validate(&self) -> Result<(), TemplateError> {
        let known = |name: &str| {
            name.starts_with("AWS::")
                || self.parameters.contains_key(name)
                || self.resources.contains_key(name)
        };
        let check_cond = |from: &str, c: &Option<String>| match c {
            Some(c) if !self.conditions.contains_key(c) => Err(TemplateError::UnknownCondition {
                from: from.to_string(),
                to: c.clone(),
            }),
            _ => Ok(()),
        };
        for (id, r) in &self.resources {
            check_cond(id, &r.condition)?;
            for to in refs_in_json(&r.properties) {
                if !known(&to) {
                    return Err(TemplateError::DanglingRef {
                        from: id.clone(),
                        to,
                    });
                }
            }
            for d in &r.depends_on {
                if !self.resources.contains_key(d) {
                    return Err(TemplateError::DanglingRef {
                        from: id.clone(),
                        to: d.clone(),
                    });
                }
            }
        }
        for (id, rule) in &self.rules {
            let json = serde_json::to_value(rule).expect("rules always serialise");
            for to in refs_in_json(&json) {
                if !known(&to) {
                    return Err(TemplateError::DanglingRef {
                        from: format!("rule {id}"),
                        to,
                    });
                }
            }
        }
        for (id, o) in &self.outputs {
            check_cond(id, &o.condition)?;
            for to in o.value.references() {
                if !known(&to) {
                    return Err(TemplateError::DanglingRef {
                        from: id.clone(),
                        to,
                    });
                }
            }
        }
        Ok(())
    }

    /// The template as a JSON value, in CloudFormation's section order.
    pub fn to_value(&self) -> serde_json::Value {
        let mut doc = serde_json::Map::new();
        doc.insert("AWSTemplateFormatVersion".into(), "2010-09-09".into());
        doc.insert("Description".into(), self.description.clone().into());
        if !self.parameter_groups.is_empty() {
            let groups: Vec<_> = self
                .parameter_groups
                .iter()
                .map(|g| serde_json::json!({"Label": {"default": g.label}, "Parameters": g.parameters}))
                .collect();
            doc.insert(
                "Metadata".into(),
                serde_json::json!({"AWS::CloudFormation::Interface": {"ParameterGroups": groups}}),
            );
        }
        let to_json = |v: &dyn erased::Ser| v.to_json();
        if !self.parameters.is_empty() {
            doc.insert("Parameters".into(), to_json(&self.parameters));
        }
        if !self.rules.is_empty() {
            doc.insert("Rules".into(), to_json(&self.rules));
        }
        if !self.mappings.is_empty() {
            doc.insert(
                "Mappings".into(),
                serde_json::to_value(&self.mappings).expect("mappings are plain strings"),
            );
        }
        if !self.conditions.is_empty() {
            doc.insert("Conditions".into(), to_json(&self.conditions));
        }
        doc.insert("Resources".into(), to_json(&self.resources));
        if !self.outputs.is_empty() {
            doc.insert("Outputs".into(), to_json(&self.outputs));
        }
        serde_json::Value::Object(doc)
    }
}

mod erased {
    pub trait Ser {
        fn to_json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn to_json(&self) -> serde_json::Value {
            serde_json::to_value(self).expect("template sections always serialise")
        }
    }
}

/// Targets of `Ref`, `Fn::GetAtt` and `${...}` in `Fn::Sub` inside a JSON value.
pub fn refs_in_json(v: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(v, &mut out);
    out
}

fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    match v {
        Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
        Value::Object(m) if m.len() == 1 => {
            let (k, inner) = m.iter().next().expect("one entry");
            match (k.as_str(), inner) {
                ("Ref", Value::String(name)) => out.push(name.clone()),
                ("Fn::GetAtt", Value::Array(a)) => {
                    if let Some(Value::String(name)) = a.first() {
                        out.push(name.clone());
                    }
                }
                ("Fn::Sub", Value::String(t)) => out.extend(Expr::Sub(t.clone()).references()),
                ("Fn::Sub", Value::Array(a)) => {
                    let vars: IndexMap<String, Expr> = a
                        .get(1)
                        .and_then(Value::as_object)
                        .map(|m| m.keys().map(|k| (k.clone(), Expr::Bool(true))).collect())
                        .unwrap_or_default();
                    if let Some(Value::String(t)) = a.first() {
                        out.extend(Expr::SubWith(t.clone(), vars).references());
                    }
                    if let Some(v) = a.get(1) {
                        walk(v, out);
                    }
                }
                ("Fn::If", Value::Array(a)) => a.iter().skip(1).for_each(|i| walk(i, out)),
                _ => walk(inner, out),
            }
        }
        Value::Object(m) => m.values().for_each(|i| walk(i, out)),
        _ => {}
    }
}
