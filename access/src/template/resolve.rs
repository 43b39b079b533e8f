//! [`Stack`]: a template, its parameter values and the pseudo parameters of one account,
//! Region and stack, and the resolution of every intrinsic function in it the way
//! CloudFormation does at create time. `Fn::If` to `AWS::NoValue` drops the list item or the
//! property; `Ref` and `Fn::GetAtt` of a resource give what [`physical`](super::physical)
//! says AWS creates; a reference to a resource the parameters do not create is an error, as
//! CloudFormation refuses it.

use super::{physical, ResolveError};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A template resolved for one account, Region, partition and stack.
#[derive(Debug, Clone)]
pub struct Stack<'a> {
    pub template: &'a Value,
    pub params: BTreeMap<String, String>,
    pub region: String,
    pub partition: String,
    pub account: String,
    pub stack_name: String,
    pub stack_uuid: String,
}

/// The partition of a Region: `aws-us-gov` for `us-gov-*`, `aws-cn` for `cn-*`, else `aws`.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("cn-") {
        "aws-cn"
    } else {
        "aws"
    }
}

/// The default account, Region and stack a [`Stack`] starts with.
pub const DEFAULT_ACCOUNT: &str = "111122223333";
pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_STACK_NAME: &str = "sentinel";
pub const DEFAULT_STACK_UUID: &str = "1a2b3c4d-0000-4000-8000-000000000000";

impl<'a> Stack<'a> {
    /// Every parameter's `Default`, overridden by `given` (unchecked: see
    /// [`Stack::checked`] for values from a user), in account 111122223333, us-east-1,
    /// stack `sentinel`.
    pub fn new(template: &'a Value, given: &[(&str, &str)]) -> Self {
        let mut params = super::params::defaults(template);
        for (k, v) in given {
            params.insert(k.to_string(), v.to_string());
        }
        Stack {
            template,
            params,
            region: DEFAULT_REGION.into(),
            partition: "aws".into(),
            account: DEFAULT_ACCOUNT.into(),
            stack_name: DEFAULT_STACK_NAME.into(),
            stack_uuid: DEFAULT_STACK_UUID.into(),
        }
    }

    /// Moves the stack to `region` and its partition.
    pub fn in_region(mut self, region: &str) -> Self {
        self.region = region.into();
        self.partition = partition_of(region).into();
        self
    }

    pub fn in_account(mut self, account: &str) -> Self {
        self.account = account.into();
        self
    }

    /// Names the stack and sets the UUID at the end of its stack ID.
    pub fn named(mut self, name: &str, uuid: &str) -> Self {
        self.stack_name = name.into();
        self.stack_uuid = uuid.into();
        self
    }

    /// The host name suffix of the partition's endpoints.
    pub fn url_suffix(&self) -> &'static str {
        if self.partition == "aws-cn" {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    }

    fn pseudo(&self, name: &str) -> Option<String> {
        Some(match name {
            "AWS::Region" => self.region.clone(),
            "AWS::Partition" => self.partition.clone(),
            "AWS::AccountId" => self.account.clone(),
            "AWS::StackName" => self.stack_name.clone(),
            "AWS::URLSuffix" => self.url_suffix().into(),
            "AWS::StackId" => format!(
                "arn:{}:cloudformation:{}:{}:stack/{}/{}",
                self.partition, self.region, self.account, self.stack_name, self.stack_uuid
            ),
            _ => return None,
        })
    }

    /// A resource's definition.
    pub fn resource(&self, logical_id: &str) -> Result<&'a Value, ResolveError> {
        let r = &self.template["Resources"][logical_id];
        if r.is_object() {
            Ok(r)
        } else {
            Err(ResolveError::UnknownResource {
                logical_id: logical_id.into(),
            })
        }
    }

    /// The logical IDs and types of the resources these parameters create, in template order.
    pub fn created(&self) -> Result<Vec<(&'a str, &'a str)>, ResolveError> {
        let mut out = Vec::new();
        if let Some(rs) = self.template["Resources"].as_object() {
            for (id, r) in rs {
                if self.creates(id)? {
                    out.push((id.as_str(), r["Type"].as_str().unwrap_or("")));
                }
            }
        }
        Ok(out)
    }

    /// What `Ref` gives for a pseudo parameter, a parameter or a resource.
    pub fn reference(&self, name: &str) -> Result<Value, ResolveError> {
        if let Some(p) = self.pseudo(name) {
            return Ok(Value::String(p));
        }
        if self.template["Parameters"].get(name).is_some() {
            return match self.params.get(name) {
                Some(v) => Ok(Value::String(v.clone())),
                None => Err(ResolveError::Parameter {
                    name: name.into(),
                    value: String::new(),
                    problem: "has no Default and no value was given: give it one".into(),
                }),
            };
        }
        if self.template["Resources"].get(name).is_none() {
            return Err(ResolveError::UnknownName { name: name.into() });
        }
        self.require_created(name)?;
        physical::reference(self, name)
    }

    /// What `Fn::GetAtt` gives for a resource's attribute.
    pub fn attribute(&self, logical_id: &str, attribute: &str) -> Result<Value, ResolveError> {
        self.require_created(logical_id)?;
        physical::attribute(self, logical_id, attribute)
    }

    fn require_created(&self, logical_id: &str) -> Result<(), ResolveError> {
        let r = self.resource(logical_id)?;
        match r.get("Condition").and_then(Value::as_str) {
            Some(c) if !self.condition(c)? => Err(ResolveError::NotCreated {
                logical_id: logical_id.into(),
                condition: c.into(),
            }),
            _ => Ok(()),
        }
    }

    /// Whether a named condition holds.
    pub fn condition(&self, name: &str) -> Result<bool, ResolveError> {
        let c = &self.template["Conditions"][name];
        if c.is_null() {
            return Err(ResolveError::UnknownCondition { name: name.into() });
        }
        self.truth(c)
    }

    /// Evaluates a condition or rule function.
    pub fn truth(&self, c: &Value) -> Result<bool, ResolveError> {
        let Some((f, args)) = single(c) else {
            return Err(malformed("condition", c, "not a condition function"));
        };
        let list = |n: Option<usize>| -> Result<&Vec<Value>, ResolveError> {
            match args.as_array() {
                Some(a) if n.is_none_or(|n| a.len() == n) => Ok(a),
                _ => Err(malformed(f, args, "wrong arguments")),
            }
        };
        Ok(match f {
            "Fn::Equals" => {
                let a = list(Some(2))?;
                text(&self.resolve(&a[0])?) == text(&self.resolve(&a[1])?)
            }
            "Fn::Not" => !self.truth(&list(Some(1))?[0])?,
            "Fn::And" => {
                let mut all = true;
                for a in list(None)? {
                    all &= self.truth(a)?;
                }
                all
            }
            "Fn::Or" => {
                let mut any = false;
                for a in list(None)? {
                    any |= self.truth(a)?;
                }
                any
            }
            "Condition" => {
                let name = args
                    .as_str()
                    .ok_or_else(|| malformed(f, args, "a condition name is a string"))?;
                self.condition(name)?
            }
            other => {
                return Err(ResolveError::UnknownIntrinsic {
                    function: other.into(),
                    args: args.to_string(),
                })
            }
        })
    }

    /// Every rule's assertion descriptions that fail for these parameters.
    pub fn failed_rules(&self) -> Result<Vec<String>, ResolveError> {
        let mut out = Vec::new();
        if let Some(rules) = self.template["Rules"].as_object() {
            for (name, rule) in rules {
                if let Some(c) = rule.get("RuleCondition") {
                    if !self.truth(c)? {
                        continue;
                    }
                }
                for a in rule["Assertions"].as_array().into_iter().flatten() {
                    if !self.truth(&a["Assert"])? {
                        out.push(format!("{name}: {}", text(&a["AssertDescription"])));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Whether a resource exists for these parameters.
    pub fn creates(&self, logical_id: &str) -> Result<bool, ResolveError> {
        let r = self.resource(logical_id)?;
        match r.get("Condition").and_then(Value::as_str) {
            Some(c) => self.condition(c),
            None => Ok(true),
        }
    }

    /// A resource's property, resolved (`Null` when it is absent).
    pub fn property(&self, logical_id: &str, path: &[&str]) -> Result<Value, ResolveError> {
        let mut v = &self.resource(logical_id)?["Properties"];
        for p in path {
            v = &v[*p];
        }
        self.resolve(v)
    }

    /// An output's value, resolved (`None` when its condition does not hold).
    pub fn output(&self, name: &str) -> Result<Option<String>, ResolveError> {
        let o = &self.template["Outputs"][name];
        if !o.is_object() {
            return Err(ResolveError::UnknownOutput { name: name.into() });
        }
        if let Some(c) = o.get("Condition").and_then(Value::as_str) {
            if !self.condition(c)? {
                return Ok(None);
            }
        }
        Ok(Some(text(&self.resolve(&o["Value"])?)))
    }

    /// Resolves every intrinsic in `v`; `Fn::If` to `AWS::NoValue` drops the entry.
    pub fn resolve(&self, v: &Value) -> Result<Value, ResolveError> {
        Ok(match v {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    let r = self.resolve(i)?;
                    if !is_no_value(&r) {
                        out.push(r);
                    }
                }
                Value::Array(out)
            }
            Value::Object(m) => {
                if let Some((f, args)) = single(v) {
                    if let Some(r) = self.intrinsic(f, args)? {
                        return Ok(r);
                    }
                }
                let mut out = Map::new();
                for (k, x) in m {
                    let r = self.resolve(x)?;
                    if !is_no_value(&r) {
                        out.insert(k.clone(), r);
                    }
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }

    fn intrinsic(&self, f: &str, args: &Value) -> Result<Option<Value>, ResolveError> {
        let list = |n: usize| -> Result<&Vec<Value>, ResolveError> {
            match args.as_array() {
                Some(a) if a.len() == n => Ok(a),
                _ => Err(malformed(f, args, &format!("takes a list of {n}"))),
            }
        };
        let string = |v: &Value, what: &str| -> Result<String, ResolveError> {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| malformed(f, args, &format!("{what} must be a string")))
        };
        Ok(Some(match f {
            "Ref" => {
                let name = args
                    .as_str()
                    .ok_or_else(|| malformed(f, args, "takes a name"))?;
                if name == "AWS::NoValue" {
                    return Ok(Some(no_value()));
                }
                self.reference(name)?
            }
            "Fn::GetAtt" => {
                let (id, attr) = match args {
                    Value::String(s) => s
                        .split_once('.')
                        .map(|(a, b)| (a.to_string(), b.to_string()))
                        .ok_or_else(|| malformed(f, args, "takes LogicalId.Attribute"))?,
                    Value::Array(a) if a.len() == 2 => {
                        (text(&self.resolve(&a[0])?), text(&self.resolve(&a[1])?))
                    }
                    _ => return Err(malformed(f, args, "takes [LogicalId, Attribute]")),
                };
                self.attribute(&id, &attr)?
            }
            "Fn::If" => {
                let a = list(3)?;
                let name = a[0]
                    .as_str()
                    .ok_or_else(|| malformed(f, args, "the condition name must be a string"))?;
                let branch = if self.condition(name)? { &a[1] } else { &a[2] };
                self.resolve(branch)?
            }
            "Fn::Sub" => {
                let (template, vars) = match args {
                    Value::String(s) => (s.as_str(), Map::new()),
                    Value::Array(a) if a.len() == 2 => (
                        a[0].as_str()
                            .ok_or_else(|| malformed(f, args, "the template must be a string"))?,
                        a[1].as_object()
                            .cloned()
                            .ok_or_else(|| malformed(f, args, "the variables must be a map"))?,
                    ),
                    _ => return Err(malformed(f, args, "takes a string or [string, map]")),
                };
                Value::String(self.sub(template, &vars)?)
            }
            "Fn::Join" => {
                let a = list(2)?;
                let sep = string(&a[0], "the delimiter")?;
                let parts = self.resolve(&a[1])?;
                let parts = parts
                    .as_array()
                    .ok_or_else(|| malformed(f, args, "the values must be a list"))?;
                Value::String(parts.iter().map(text).collect::<Vec<_>>().join(&sep))
            }
            "Fn::Select" => {
                let a = list(2)?;
                let i: usize = match self.resolve(&a[0])? {
                    Value::Number(n) => n.as_u64().map(|n| n as usize),
                    Value::String(s) => s.parse().ok(),
                    _ => None,
                }
                .ok_or_else(|| malformed(f, args, "the index must be a number"))?;
                let items = self.resolve(&a[1])?;
                items
                    .as_array()
                    .and_then(|l| l.get(i))
                    .cloned()
                    .ok_or_else(|| malformed(f, args, &format!("no item {i} in {items}")))?
            }
            "Fn::Split" => {
                let a = list(2)?;
                let sep = string(&a[0], "the delimiter")?;
                let s = text(&self.resolve(&a[1])?);
                Value::Array(
                    s.split(sep.as_str())
                        .map(|p| Value::String(p.into()))
                        .collect(),
                )
            }
            "Fn::FindInMap" => {
                let a = list(3)?;
                let map = string(&a[0], "the map name")?;
                let key = text(&self.resolve(&a[1])?);
                let second = text(&self.resolve(&a[2])?);
                // CloudFormation fails the stack on a key the mapping does not have.
                self.template["Mappings"][&map][&key][&second]
                    .as_str()
                    .map(|v| Value::String(v.into()))
                    .ok_or_else(|| {
                        malformed(f, args, &format!("mapping {map} has no {key}.{second}"))
                    })?
            }
            f if f.starts_with("Fn::") => {
                return Err(ResolveError::UnknownIntrinsic {
                    function: f.into(),
                    args: args.to_string(),
                })
            }
            _ => return Ok(None),
        }))
    }

    fn sub(&self, template: &str, vars: &Map<String, Value>) -> Result<String, ResolveError> {
        let mut out = String::new();
        let mut rest = template;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let end = rest[i..].find('}').map(|e| e + i).ok_or_else(|| {
                malformed(
                    "Fn::Sub",
                    &Value::String(template.into()),
                    "a ${ is not closed",
                )
            })?;
            let name = &rest[i + 2..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(v) = vars.get(name) {
                out.push_str(&text(&self.resolve(v)?));
            } else if let Some((id, attr)) = name.split_once('.') {
                out.push_str(&text(&self.attribute(id, attr)?));
            } else {
                out.push_str(&text(&self.reference(name)?));
            }
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

fn malformed(function: &str, args: &Value, problem: &str) -> ResolveError {
    ResolveError::Malformed {
        function: function.into(),
        args: args.to_string(),
        problem: problem.into(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template() -> Value {
        json!({
            "Parameters": {"Name": {"Type": "String", "Default": "n"}, "Required": {"Type": "String"}},
            "Conditions": {"Off": {"Fn::Equals": [{"Ref": "Name"}, "other"]}},
            "Resources": {
                "Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "Name"}}},
                "Gone": {"Type": "AWS::SQS::Queue", "Condition": "Off", "Properties": {}}
            }
        })
    }

    #[test]
    fn find_in_map_reads_the_templates_mapping_and_a_missing_key_fails() {
        let t = json!({
            "Mappings": {"Accounts": {"us-east-1": {"Id": "127311923021"}}},
            "Resources": {}
        });
        let at = |region: &str| {
            Stack::new(&t, &[])
                .in_region(region)
                .resolve(&json!({"Fn::FindInMap": ["Accounts", {"Ref": "AWS::Region"}, "Id"]}))
        };
        assert_eq!(at("us-east-1").unwrap(), json!("127311923021"));
        let err = at("eu-west-9").unwrap_err().to_string();
        assert!(
            err.contains("mapping Accounts has no eu-west-9.Id"),
            "{err}"
        );
    }

    #[test]
    fn intrinsics_resolve_as_cloudformation_resolves_them() {
        let t = template();
        let st = Stack::new(&t, &[]).in_region("us-gov-west-1");
        let v = st
            .resolve(&json!({
                "a": {"Fn::Sub": "${Q.Arn}|${!Literal}|${AWS::Partition}|${Name}"},
                "b": {"Fn::GetAtt": "Q.QueueName"},
                "c": {"Fn::Select": ["1", {"Fn::Split": ["/", "x/y/z"]}]},
                "d": {"Fn::Join": ["-", ["p", {"Fn::If": ["Off", "no", {"Ref": "AWS::NoValue"}]}, "q"]]},
                "e": {"Fn::If": ["Off", "x", {"Ref": "AWS::NoValue"}]}
            }))
            .unwrap();
        assert_eq!(
            v,
            json!({
                "a": "arn:aws-us-gov:sqs:us-gov-west-1:111122223333:n|${Literal}|aws-us-gov|n",
                "b": "n",
                "c": "y",
                "d": "p-q"
            })
        );
    }

    #[test]
    fn what_cannot_be_resolved_is_an_error_naming_it() {
        let t = template();
        let st = Stack::new(&t, &[]);
        let cases = [
            (json!({"Fn::Base64": "x"}), "Fn::Base64"),
            (json!({"Ref": "Nope"}), "Nope"),
            (json!({"Ref": "Gone"}), "Condition Off is false"),
            (json!({"Fn::GetAtt": ["Gone", "Arn"]}), "Gone"),
            (json!({"Ref": "Required"}), "Required"),
            (json!({"Fn::If": ["Missing", "a", "b"]}), "Missing"),
            (json!({"Fn::Select": [5, ["a"]]}), "no item 5"),
            (json!({"Fn::Sub": "${Unclosed"}), "not closed"),
        ];
        for (v, words) in cases {
            let e = st.resolve(&v).unwrap_err().to_string();
            assert!(e.contains(words), "{v}: {e}");
        }
    }
}
