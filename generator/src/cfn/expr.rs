//! Values that may appear anywhere CloudFormation takes a value: literals and intrinsic functions.
//!
//! [`Expr`] serialises to exactly what CloudFormation reads, so a resource property typed `Expr`
//! accepts `"literal"`, `{"Ref": ...}`, `{"Fn::Sub": ...}` and so on.

use indexmap::IndexMap;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// A CloudFormation value: a literal or an intrinsic function.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Str(String),
    Bool(bool),
    Int(i64),
    List(Vec<Expr>),
    /// A literal JSON object (e.g. a tag map); rarely needed, never for resources.
    Map(IndexMap<String, Expr>),
    Ref(String),
    GetAtt(String, String),
    /// `Fn::Sub` with only template parameters, resources and pseudo parameters.
    Sub(String),
    /// `Fn::Sub` with an explicit variable map.
    SubWith(String, IndexMap<String, Expr>),
    Join(String, Vec<Expr>),
    /// `Fn::Join` of a value that is itself a list (`Fn::Split`, a list parameter).
    JoinList(String, Box<Expr>),
    /// `Fn::If` on a named condition.
    If(String, Box<Expr>, Box<Expr>),
    Select(u32, Box<Expr>),
    Split(String, Box<Expr>),
    /// `Fn::FindInMap` of a template mapping: `[map, top-level key, second-level key]`.
    FindInMap(String, Box<Expr>, String),
}

/// The pseudo parameters CloudFormation defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pseudo {
    AccountId,
    Region,
    Partition,
    StackName,
    StackId,
    UrlSuffix,
    NoValue,
}

impl Pseudo {
    pub fn name(self) -> &'static str {
        match self {
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::Region => "AWS::Region",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
            Pseudo::NoValue => "AWS::NoValue",
        }
    }
}

impl From<Pseudo> for Expr {
    fn from(p: Pseudo) -> Self {
        Expr::Ref(p.name().to_string())
    }
}

impl Expr {
    pub fn str(s: impl Into<String>) -> Self {
        Expr::Str(s.into())
    }
    pub fn reference(logical_id: impl Into<String>) -> Self {
        Expr::Ref(logical_id.into())
    }
    pub fn get_att(logical_id: impl Into<String>, attribute: impl Into<String>) -> Self {
        Expr::GetAtt(logical_id.into(), attribute.into())
    }
    /// `Fn::Sub`; a string without `${` is kept as a plain literal (cfn-lint W1020).
    pub fn sub(template: impl Into<String>) -> Self {
        let t = template.into();
        if t.contains("${") {
            Expr::Sub(t)
        } else {
            Expr::Str(t)
        }
    }
    pub fn sub_with<K: Into<String>>(
        template: impl Into<String>,
        vars: impl IntoIterator<Item = (K, Expr)>,
    ) -> Self {
        Expr::SubWith(
            template.into(),
            vars.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        )
    }
    pub fn join(delimiter: impl Into<String>, parts: Vec<Expr>) -> Self {
        Expr::Join(delimiter.into(), parts)
    }
    pub fn if_(
        condition: impl Into<String>,
        then: impl Into<Expr>,
        otherwise: impl Into<Expr>,
    ) -> Self {
        Expr::If(
            condition.into(),
            Box::new(then.into()),
            Box::new(otherwise.into()),
        )
    }
    /// `Fn::FindInMap [map, key, second]`: the value of a template mapping.
    pub fn find_in_map(
        map: impl Into<String>,
        key: impl Into<Expr>,
        second: impl Into<String>,
    ) -> Self {
        Expr::FindInMap(map.into(), Box::new(key.into()), second.into())
    }
    pub fn no_value() -> Self {
        Pseudo::NoValue.into()
    }
    pub fn list(items: impl IntoIterator<Item = Expr>) -> Self {
        Expr::List(items.into_iter().collect())
    }

    /// The literal string, if this value is one.
    pub fn as_literal(&self) -> Option<&str> {
        match self {
            Expr::Str(s) => Some(s),
            _ => None,
        }
    }

    /// True if this value is the literal `"*"`.
    pub fn is_wildcard(&self) -> bool {
        self.as_literal() == Some("*")
    }

    /// Logical IDs and parameters this value refers to (Ref, GetAtt, and `${Name}` in Sub).
    pub fn references(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_refs(&mut out);
        out
    }

    fn collect_refs(&self, out: &mut Vec<String>) {
        match self {
            Expr::Str(_) | Expr::Bool(_) | Expr::Int(_) => {}
            Expr::List(items) | Expr::Join(_, items) => {
                items.iter().for_each(|i| i.collect_refs(out))
            }
            Expr::Map(m) => m.values().for_each(|i| i.collect_refs(out)),
            Expr::Ref(name) => out.push(name.clone()),
            Expr::GetAtt(name, _) => out.push(name.clone()),
            Expr::Sub(t) => sub_vars(t, out),
            Expr::SubWith(t, vars) => {
                let mut names = Vec::new();
                sub_vars(t, &mut names);
                out.extend(names.into_iter().filter(|n| !vars.contains_key(n)));
                vars.values().for_each(|v| v.collect_refs(out));
            }
            Expr::If(_, a, b) => {
                a.collect_refs(out);
                b.collect_refs(out);
            }
            Expr::Select(_, e) | Expr::Split(_, e) | Expr::JoinList(_, e) => e.collect_refs(out),
            Expr::FindInMap(_, key, _) => key.collect_refs(out),
        }
    }
}

/// The variable names a `Fn::Sub` template uses (`${Name}` and `${Name.Attr}`; `${!x}` is a literal).
fn sub_vars(template: &str, out: &mut Vec<String>) {
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !name.starts_with('!') {
            let base = name.split('.').next().unwrap_or(name);
            out.push(base.to_string());
        }
        rest = &after[end + 1..];
    }
}

impl From<&str> for Expr {
    fn from(s: &str) -> Self {
        Expr::Str(s.to_string())
    }
}
impl From<String> for Expr {
    fn from(s: String) -> Self {
        Expr::Str(s)
    }
}
impl From<bool> for Expr {
    fn from(b: bool) -> Self {
        Expr::Bool(b)
    }
}
impl From<i64> for Expr {
    fn from(i: i64) -> Self {
        Expr::Int(i)
    }
}
impl From<u32> for Expr {
    fn from(i: u32) -> Self {
        Expr::Int(i64::from(i))
    }
}

fn single<S: Serializer, V: Serialize + ?Sized>(
    s: S,
    key: &str,
    value: &V,
) -> Result<S::Ok, S::Error> {
    let mut m = s.serialize_map(Some(1))?;
    m.serialize_entry(key, value)?;
    m.end()
}

struct Pair<'a, A: ?Sized, B: ?Sized>(&'a A, &'a B);
impl<A: Serialize + ?Sized, B: Serialize + ?Sized> Serialize for Pair<'_, A, B> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(2))?;
        seq.serialize_element(self.0)?;
        seq.serialize_element(self.1)?;
        seq.end()
    }
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Expr::Str(v) => s.serialize_str(v),
            Expr::Bool(b) => s.serialize_bool(*b),
            Expr::Int(i) => s.serialize_i64(*i),
            Expr::List(items) => items.serialize(s),
            Expr::Map(m) => m.serialize(s),
            Expr::Ref(name) => single(s, "Ref", name),
            Expr::GetAtt(name, attr) => single(s, "Fn::GetAtt", &[name, attr]),
            Expr::Sub(t) => single(s, "Fn::Sub", t),
            Expr::SubWith(t, vars) => single(s, "Fn::Sub", &Pair(t, vars)),
            Expr::Join(d, parts) => single(s, "Fn::Join", &Pair(d, parts)),
            Expr::JoinList(d, list) => single(s, "Fn::Join", &Pair(d, list.as_ref())),
            Expr::If(c, a, b) => single(s, "Fn::If", &(c, a, b)),
            Expr::Select(i, e) => single(s, "Fn::Select", &Pair(i, e.as_ref())),
            Expr::Split(d, e) => single(s, "Fn::Split", &Pair(d, e.as_ref())),
            Expr::FindInMap(m, key, second) => {
                single(s, "Fn::FindInMap", &(m, key.as_ref(), second))
            }
        }
    }
}

/// A condition expression, for the template's `Conditions` section.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Equals(Expr, Expr),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    /// Another named condition.
    Condition(String),
}

impl Cond {
    pub fn equals(a: impl Into<Expr>, b: impl Into<Expr>) -> Self {
        Cond::Equals(a.into(), b.into())
    }
    pub fn named(name: impl Into<String>) -> Self {
        Cond::Condition(name.into())
    }
}

impl std::ops::Not for Cond {
    type Output = Cond;
    fn not(self) -> Cond {
        Cond::Not(Box::new(self))
    }
}

impl Serialize for Cond {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cond::Equals(a, b) => single(s, "Fn::Equals", &Pair(a, b)),
            Cond::Not(c) => single(s, "Fn::Not", &[c.as_ref()]),
            Cond::And(cs) => single(s, "Fn::And", cs),
            Cond::Or(cs) => single(s, "Fn::Or", cs),
            Cond::Condition(name) => single(s, "Condition", name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn j(e: &Expr) -> serde_json::Value {
        serde_json::to_value(e).unwrap()
    }

    #[test]
    fn intrinsics_serialise_as_cloudformation_reads_them() {
        assert_eq!(j(&Expr::reference("Queue")), json!({"Ref": "Queue"}));
        assert_eq!(
            j(&Expr::get_att("Queue", "Arn")),
            json!({"Fn::GetAtt": ["Queue", "Arn"]})
        );
        assert_eq!(
            j(&Expr::sub("arn:${AWS::Partition}:s3:::x")),
            json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::x"})
        );
        assert_eq!(j(&Expr::sub("plain")), json!("plain"));
        assert_eq!(
            j(&Expr::sub_with("${A}-x", [("A", Expr::reference("P"))])),
            json!({"Fn::Sub": ["${A}-x", {"A": {"Ref": "P"}}]})
        );
        assert_eq!(
            j(&Expr::join(",", vec!["a".into(), Pseudo::Region.into()])),
            json!({"Fn::Join": [",", ["a", {"Ref": "AWS::Region"}]]})
        );
        assert_eq!(
            j(&Expr::if_("C", "a", Expr::no_value())),
            json!({"Fn::If": ["C", "a", {"Ref": "AWS::NoValue"}]})
        );
        assert_eq!(
            serde_json::to_value(!Cond::equals(Expr::reference("P"), "")).unwrap(),
            json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "P"}, ""]}]})
        );
    }

    #[test]
    fn references_are_found_in_sub_templates() {
        let e = Expr::sub("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Queue.QueueName}-${!Literal}");
        assert_eq!(
            e.references(),
            vec!["AWS::Partition", "AWS::Region", "AWS::AccountId", "Queue"]
        );
        let e = Expr::sub_with("${X}/${Bucket}", [("X", Expr::get_att("Key", "Arn"))]);
        assert_eq!(e.references(), vec!["Bucket", "Key"]);
    }
}
