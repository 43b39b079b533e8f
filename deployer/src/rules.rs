//! A template's `Rules` section, evaluated by the deployer before any change to a stack, so a
//! LocalStack run (LocalStack ignores Rules) refuses what CloudFormation on AWS refuses.
//!
//! A rule applies when its `RuleCondition` is true (or absent); then each of its `Assertions`
//! must hold. Rule functions evaluated: `Fn::And`, `Fn::Or`, `Fn::Not`, `Fn::Equals`,
//! `Fn::Contains`, `Fn::EachMemberEquals`, `Fn::EachMemberIn`, and `Ref` to a parameter (the
//! value given, else its `Default`) or to `AWS::Region`, `AWS::Partition`, `AWS::URLSuffix`,
//! `AWS::StackName` and `AWS::AccountId` (when the account is known). Any other function, in any
//! rule, is an error that names it: a rule is never passed unchecked.

use crate::partition::Partition;
use serde_json::{Map, Value as Json};

/// What `Ref` to a pseudo parameter resolves to.
#[derive(Debug, Clone, Copy)]
pub struct RuleContext<'a> {
    pub stack_name: &'a str,
    /// The Region of the CloudFormation client; `AWS::Partition` and `AWS::URLSuffix` follow it.
    pub region: Option<&'a str>,
    /// The account, when this deploy knows it.
    pub account: Option<&'a str>,
}

/// One assertion that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedAssertion {
    pub rule: String,
    /// The assertion's `AssertDescription`.
    pub description: Option<String>,
    /// The assertion itself, as compact JSON (shown when there is no description).
    pub assert: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("{}", format_failed(.0))]
    Failed(Vec<FailedAssertion>),
    #[error("rule `{rule}` cannot be checked: {problem}")]
    Unevaluable { rule: String, problem: Problem },
    #[error("the template's Rules section must be an object of named rules, found {0}")]
    NotAnObject(String),
}

/// Why a rule cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("it uses `{0}`, which the deployer does not evaluate (it evaluates {SUPPORTED_LIST}); it refuses to deploy rather than skip the rule")]
    UnsupportedFunction(String),
    #[error("it refers to `{0}`, which is neither a parameter of this template nor a pseudo parameter the deployer knows (AWS::Region, AWS::Partition, AWS::URLSuffix, AWS::StackName, AWS::AccountId)")]
    UnknownRef(String),
    #[error("it refers to {name}, which this deploy does not know: {fix}")]
    UnknownPseudo {
        name: &'static str,
        fix: &'static str,
    },
    #[error("parameter `{0}` has no value and no Default: pass it")]
    NoValue(String),
    #[error("parameter `{0}` is an SSM parameter type, whose value only CloudFormation resolves")]
    SsmParameter(String),
    #[error("{function} takes {expected}, found {found}")]
    BadArguments {
        function: String,
        expected: &'static str,
        found: String,
    },
    #[error("{0}")]
    Malformed(String),
}

const SUPPORTED: [&str; 8] = [
    "Ref",
    "Fn::And",
    "Fn::Or",
    "Fn::Not",
    "Fn::Equals",
    "Fn::Contains",
    "Fn::EachMemberEquals",
    "Fn::EachMemberIn",
];
const SUPPORTED_LIST: &str = "Ref, Fn::And, Fn::Or, Fn::Not, Fn::Equals, Fn::Contains, Fn::EachMemberEquals, Fn::EachMemberIn";

fn format_failed(failed: &[FailedAssertion]) -> String {
    let mut out = String::from(
        "the template's Rules refuse these parameters (CloudFormation on AWS refuses them too; nothing was changed):",
    );
    for f in failed {
        match &f.description {
            Some(d) => out.push_str(&format!("\n  rule `{}`: {d}", f.rule)),
            None => out.push_str(&format!(
                "\n  rule `{}`: assertion {} does not hold",
                f.rule, f.assert
            )),
        }
    }
    out
}

/// Checks every rule of `template` with the parameters given (`given`; undeclared names are
/// ignored here, CloudFormation refuses them anyway).
pub fn check(
    template: &Json,
    given: &[(String, String)],
    ctx: &RuleContext<'_>,
) -> Result<(), RuleError> {
    let Some(rules) = template.get("Rules") else {
        return Ok(());
    };
    let rules = rules
        .as_object()
        .ok_or_else(|| RuleError::NotAnObject(compact(rules)))?;
    let no_parameters = Map::new();
    let scope = Scope {
        declared: template
            .get("Parameters")
            .and_then(Json::as_object)
            .unwrap_or(&no_parameters),
        given,
        ctx,
    };
    let mut failed = Vec::new();
    for (name, rule) in rules {
        let unevaluable = |problem| RuleError::Unevaluable {
            rule: name.clone(),
            problem,
        };
        let assertions = parse_rule(rule).map_err(unevaluable)?;
        // Every function of the rule is known before anything is evaluated, so a rule whose
        // condition is false today still cannot hide a function the deployer would skip.
        if let Some(c) = rule.get("RuleCondition") {
            known_functions(c).map_err(unevaluable)?;
        }
        for (assert, _) in &assertions {
            known_functions(assert).map_err(unevaluable)?;
        }
        let applies = match rule.get("RuleCondition") {
            Some(c) => scope.condition(c).map_err(unevaluable)?,
            None => true,
        };
        if !applies {
            continue;
        }
        for (assert, description) in assertions {
            if !scope.condition(assert).map_err(unevaluable)? {
                failed.push(FailedAssertion {
                    rule: name.clone(),
                    description: description.map(String::from),
                    assert: compact(assert),
                });
            }
        }
    }
    match failed.is_empty() {
        true => Ok(()),
        false => Err(RuleError::Failed(failed)),
    }
}

/// The rule's assertions with their descriptions.
fn parse_rule(rule: &Json) -> Result<Vec<(&Json, Option<&str>)>, Problem> {
    let malformed = |m: &str| Problem::Malformed(m.to_string());
    let rule = rule
        .as_object()
        .ok_or_else(|| malformed("a rule must be an object with Assertions"))?;
    if let Some(k) = rule
        .keys()
        .find(|k| *k != "RuleCondition" && *k != "Assertions")
    {
        return Err(Problem::Malformed(format!(
            "a rule has RuleCondition and Assertions, not `{k}`"
        )));
    }
    let assertions = rule
        .get("Assertions")
        .and_then(Json::as_array)
        .ok_or_else(|| malformed("Assertions must be a list"))?;
    assertions
        .iter()
        .map(|a| {
            let a = a
                .as_object()
                .ok_or_else(|| malformed("each assertion is an object with Assert"))?;
            let assert = a
                .get("Assert")
                .ok_or_else(|| malformed("an assertion has no Assert"))?;
            let description = match a.get("AssertDescription") {
                None => None,
                Some(Json::String(d)) => Some(d.as_str()),
                Some(_) => return Err(malformed("AssertDescription must be a string")),
            };
            Ok((assert, description))
        })
        .collect()
}

/// Fails on the first function (a one-key object) the deployer does not evaluate.
fn known_functions(expr: &Json) -> Result<(), Problem> {
    match expr {
        Json::Array(items) => items.iter().try_for_each(known_functions),
        Json::Object(m) => {
            for (k, v) in m {
                if !SUPPORTED.contains(&k.as_str()) {
                    return Err(Problem::UnsupportedFunction(k.clone()));
                }
                known_functions(v)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn compact(v: &Json) -> String {
    serde_json::to_string(v).expect("JSON values serialise")
}

/// What an expression in a rule evaluates to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Condition(bool),
    Str(String),
    List(Vec<String>),
}

impl Value {
    fn describe(&self) -> String {
        match self {
            Value::Condition(b) => format!("the condition result {b}"),
            Value::Str(s) => format!("the string {s:?}"),
            Value::List(l) => format!("the list {l:?}"),
        }
    }
}

struct Scope<'a> {
    declared: &'a Map<String, Json>,
    given: &'a [(String, String)],
    ctx: &'a RuleContext<'a>,
}

impl Scope<'_> {
    fn condition(&self, expr: &Json) -> Result<bool, Problem> {
        match self.eval(expr)? {
            Value::Condition(b) => Ok(b),
            other => Err(Problem::Malformed(format!(
                "a RuleCondition or Assert must be a condition function, found {}",
                other.describe()
            ))),
        }
    }

    fn eval(&self, expr: &Json) -> Result<Value, Problem> {
        match expr {
            Json::String(s) => Ok(Value::Str(s.clone())),
            Json::Number(n) => Ok(Value::Str(n.to_string())),
            Json::Bool(b) => Ok(Value::Str(b.to_string())),
            Json::Array(items) => items
                .iter()
                .map(|i| match self.eval(i)? {
                    Value::Str(s) => Ok(s),
                    other => Err(Problem::BadArguments {
                        function: "a list".into(),
                        expected: "strings",
                        found: other.describe(),
                    }),
                })
                .collect::<Result<_, _>>()
                .map(Value::List),
            Json::Object(m) if m.len() == 1 => {
                let (name, args) = m.iter().next().expect("one key");
                self.call(name, args)
            }
            other => Err(Problem::Malformed(format!(
                "expected a value or one function, found {}",
                compact(other)
            ))),
        }
    }

    fn call(&self, function: &str, args: &Json) -> Result<Value, Problem> {
        let bool = Value::Condition;
        match function {
            "Ref" => self.reference(args),
            "Fn::Equals" => {
                let [a, b] = fixed(function, args, "[value, value]")?;
                Ok(bool(self.value(function, a)? == self.value(function, b)?))
            }
            "Fn::Not" => {
                let [c] = fixed(function, args, "[condition]")?;
                Ok(bool(!self.condition(c)?))
            }
            "Fn::And" | "Fn::Or" => {
                let items = args
                    .as_array()
                    .filter(|a| (2..=10).contains(&a.len()))
                    .ok_or_else(|| Problem::BadArguments {
                        function: function.into(),
                        expected: "a list of 2 to 10 conditions",
                        found: compact(args),
                    })?;
                // Every operand is evaluated (no short cut), so each one's errors show.
                let values = items
                    .iter()
                    .map(|c| self.condition(c))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(bool(match function {
                    "Fn::And" => values.iter().all(|v| *v),
                    _ => values.iter().any(|v| *v),
                }))
            }
            "Fn::Contains" => {
                let [list, item] = fixed(function, args, "[list of strings, string]")?;
                let (list, item) = (self.list(function, list)?, self.string(function, item)?);
                Ok(bool(list.contains(&item)))
            }
            "Fn::EachMemberEquals" => {
                let [list, item] = fixed(function, args, "[list of strings, string]")?;
                let (list, item) = (self.list(function, list)?, self.string(function, item)?);
                Ok(bool(list.iter().all(|m| *m == item)))
            }
            "Fn::EachMemberIn" => {
                let [members, allowed] =
                    fixed(function, args, "[list of strings, list of strings]")?;
                let members = self.list(function, members)?;
                let allowed = self.list(function, allowed)?;
                Ok(bool(members.iter().all(|m| allowed.contains(m))))
            }
            other => Err(Problem::UnsupportedFunction(other.to_string())),
        }
    }

    /// A string or list operand (not a condition).
    fn value(&self, function: &str, expr: &Json) -> Result<Value, Problem> {
        match self.eval(expr)? {
            Value::Condition(b) => Err(Problem::BadArguments {
                function: function.into(),
                expected: "values, not conditions",
                found: Value::Condition(b).describe(),
            }),
            v => Ok(v),
        }
    }

    fn string(&self, function: &str, expr: &Json) -> Result<String, Problem> {
        match self.eval(expr)? {
            Value::Str(s) => Ok(s),
            other => Err(Problem::BadArguments {
                function: function.into(),
                expected: "a string as its second argument",
                found: other.describe(),
            }),
        }
    }

    fn list(&self, function: &str, expr: &Json) -> Result<Vec<String>, Problem> {
        match self.eval(expr)? {
            Value::List(l) => Ok(l),
            other => Err(Problem::BadArguments {
                function: function.into(),
                expected: "a list of strings",
                found: other.describe(),
            }),
        }
    }

    fn reference(&self, args: &Json) -> Result<Value, Problem> {
        let Some(name) = args.as_str() else {
            return Err(Problem::BadArguments {
                function: "Ref".into(),
                expected: "a parameter name",
                found: compact(args),
            });
        };
        if let Some(declaration) = self.declared.get(name) {
            return self.parameter(name, declaration);
        }
        const NO_REGION: &str = "the CloudFormation client has no Region configured";
        let region = |pseudo: &'static str| {
            self.ctx.region.ok_or(Problem::UnknownPseudo {
                name: pseudo,
                fix: NO_REGION,
            })
        };
        let s = |v: &str| Ok(Value::Str(v.to_string()));
        match name {
            "AWS::Region" => s(region("AWS::Region")?),
            "AWS::Partition" => s(Partition::of_region(region("AWS::Partition")?).as_str()),
            "AWS::URLSuffix" => s(Partition::of_region(region("AWS::URLSuffix")?).url_suffix()),
            "AWS::StackName" => s(self.ctx.stack_name),
            "AWS::AccountId" => s(self.ctx.account.ok_or(Problem::UnknownPseudo {
                name: "AWS::AccountId",
                fix: "give the StackRequest a Staging, which looks the account up",
            })?),
            other => Err(Problem::UnknownRef(other.to_string())),
        }
    }

    fn parameter(&self, name: &str, declaration: &Json) -> Result<Value, Problem> {
        let given = self.given.iter().rev().find(|(k, _)| k == name);
        let raw = match (given, declaration.get("Default")) {
            (Some((_, v)), _) => v.clone(),
            (None, Some(Json::String(d))) => d.clone(),
            (None, Some(d @ (Json::Number(_) | Json::Bool(_)))) => d.to_string(),
            (None, _) => return Err(Problem::NoValue(name.to_string())),
        };
        let ty = declaration
            .get("Type")
            .and_then(Json::as_str)
            .unwrap_or("String");
        if ty.starts_with("AWS::SSM::Parameter::") {
            return Err(Problem::SsmParameter(name.to_string()));
        }
        if ty == "CommaDelimitedList" || ty.starts_with("List<") {
            return Ok(Value::List(
                raw.split(',').map(|m| m.trim().to_string()).collect(),
            ));
        }
        Ok(Value::Str(raw))
    }
}

/// Exactly `N` arguments.
fn fixed<'j, const N: usize>(
    function: &str,
    args: &'j Json,
    expected: &'static str,
) -> Result<[&'j Json; N], Problem> {
    let bad = || Problem::BadArguments {
        function: function.into(),
        expected,
        found: compact(args),
    };
    let items: Vec<&Json> = args.as_array().ok_or_else(bad)?.iter().collect();
    items.try_into().map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CTX: RuleContext<'static> = RuleContext {
        stack_name: "s",
        region: Some("us-east-1"),
        account: Some("123456789012"),
    };

    fn params(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A template with parameters A (default "a"), B (default "b"), L (a list, "x,y"),
    /// NoDefault, and one rule asserting `assert`.
    fn with_assert(assert: Json) -> Json {
        json!({
            "Parameters": {
                "A": {"Type": "String", "Default": "a"},
                "B": {"Type": "String", "Default": "b"},
                "L": {"Type": "CommaDelimitedList", "Default": "x, y"},
                "N": {"Type": "Number", "Default": 30},
                "NoDefault": {"Type": "String"}
            },
            "Rules": {"R": {"Assertions": [{"Assert": assert, "AssertDescription": "R says no"}]}}
        })
    }

    /// Whether the rule holds with these parameters; panics on an evaluation error.
    fn holds(assert: Json, given: &[(&str, &str)]) -> bool {
        holds_in(assert, given, &CTX)
    }

    fn holds_in(assert: Json, given: &[(&str, &str)], ctx: &RuleContext<'_>) -> bool {
        match check(&with_assert(assert), &params(given), ctx) {
            Ok(()) => true,
            Err(RuleError::Failed(_)) => false,
            Err(e) => panic!("{e}"),
        }
    }

    fn problem(assert: Json, given: &[(&str, &str)]) -> String {
        match check(&with_assert(assert), &params(given), &CTX) {
            Err(e @ RuleError::Unevaluable { .. }) => e.to_string(),
            other => panic!("expected an evaluation error, got {other:?}"),
        }
    }

    #[test]
    fn equals_compares_given_values_else_defaults() {
        let a_is_x = json!({"Fn::Equals": [{"Ref": "A"}, "x"]});
        assert!(!holds(a_is_x.clone(), &[]));
        assert!(holds(a_is_x.clone(), &[("A", "x")]));
        assert!(holds(json!({"Fn::Equals": [{"Ref": "A"}, "a"]}), &[]));
        assert!(holds(
            json!({"Fn::Equals": [{"Ref": "A"}, {"Ref": "B"}]}),
            &[("B", "a")]
        ));
        assert!(holds(json!({"Fn::Equals": [{"Ref": "N"}, "30"]}), &[]));
        assert!(holds(json!({"Fn::Equals": [true, "true"]}), &[]));
    }

    #[test]
    fn not_and_or_combine_conditions() {
        let t = json!({"Fn::Equals": ["1", "1"]});
        let f = json!({"Fn::Equals": ["1", "2"]});
        assert!(holds(json!({"Fn::Not": [f.clone()]}), &[]));
        assert!(!holds(json!({"Fn::Not": [t.clone()]}), &[]));
        assert!(holds(
            json!({"Fn::And": [t.clone(), t.clone(), t.clone()]}),
            &[]
        ));
        assert!(!holds(json!({"Fn::And": [t.clone(), f.clone()]}), &[]));
        assert!(holds(json!({"Fn::Or": [f.clone(), t.clone()]}), &[]));
        assert!(!holds(json!({"Fn::Or": [f.clone(), f.clone()]}), &[]));
        let err = problem(json!({"Fn::And": [t.clone()]}), &[]);
        assert!(
            err.contains("Fn::And takes a list of 2 to 10 conditions"),
            "{err}"
        );
        let err = problem(json!({"Fn::Not": [t.clone(), t]}), &[]);
        assert!(err.contains("Fn::Not takes [condition]"), "{err}");
        let err = problem(json!({"Fn::Not": ["true"]}), &[]);
        assert!(err.contains("must be a condition function"), "{err}");
    }

    #[test]
    fn contains_and_each_member_work_on_list_parameters() {
        // L is the CommaDelimitedList "x, y": members are trimmed.
        assert!(holds(json!({"Fn::Contains": [{"Ref": "L"}, "y"]}), &[]));
        assert!(!holds(json!({"Fn::Contains": [{"Ref": "L"}, "z"]}), &[]));
        assert!(holds(
            json!({"Fn::Contains": [["a", "b"], {"Ref": "A"}]}),
            &[]
        ));
        assert!(holds(
            json!({"Fn::EachMemberEquals": [{"Ref": "L"}, "x"]}),
            &[("L", "x,x")]
        ));
        assert!(!holds(
            json!({"Fn::EachMemberEquals": [{"Ref": "L"}, "x"]}),
            &[]
        ));
        let allowed = json!(["x", "y", "z"]);
        assert!(holds(
            json!({"Fn::EachMemberIn": [{"Ref": "L"}, allowed.clone()]}),
            &[]
        ));
        assert!(!holds(
            json!({"Fn::EachMemberIn": [{"Ref": "L"}, allowed]}),
            &[("L", "x,w")]
        ));
        let err = problem(json!({"Fn::Contains": [{"Ref": "A"}, "a"]}), &[]);
        assert!(
            err.contains("Fn::Contains takes a list of strings, found the string \"a\""),
            "{err}"
        );
    }

    #[test]
    fn pseudo_parameters_follow_the_region_and_account() {
        let partition_is = |p: &str| json!({"Fn::Equals": [{"Ref": "AWS::Partition"}, p]});
        assert!(holds(partition_is("aws"), &[]));
        let gov = RuleContext {
            region: Some("us-gov-west-1"),
            ..CTX
        };
        assert!(holds_in(partition_is("aws-us-gov"), &[], &gov));
        let cn = RuleContext {
            region: Some("cn-north-1"),
            ..CTX
        };
        assert!(holds_in(partition_is("aws-cn"), &[], &cn));
        assert!(!holds_in(partition_is("aws"), &[], &cn));
        assert!(holds_in(
            json!({"Fn::Equals": [{"Ref": "AWS::URLSuffix"}, "amazonaws.com.cn"]}),
            &[],
            &cn
        ));
        assert!(holds(
            json!({"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}),
            &[]
        ));
        assert!(holds(
            json!({"Fn::Equals": [{"Ref": "AWS::AccountId"}, "123456789012"]}),
            &[]
        ));
        assert!(holds(
            json!({"Fn::Equals": [{"Ref": "AWS::StackName"}, "s"]}),
            &[]
        ));

        let unknown = RuleContext {
            region: None,
            account: None,
            ..CTX
        };
        let t = with_assert(json!({"Fn::Equals": [{"Ref": "AWS::AccountId"}, "1"]}));
        let err = check(&t, &[], &unknown).unwrap_err().to_string();
        assert!(
            err.contains("AWS::AccountId") && err.contains("Staging"),
            "{err}"
        );
        let t = with_assert(partition_is("aws"));
        let err = check(&t, &[], &unknown).unwrap_err().to_string();
        assert!(
            err.contains("AWS::Partition") && err.contains("no Region"),
            "{err}"
        );
    }

    #[test]
    fn unknown_references_and_missing_values_are_errors_that_name_them() {
        let err = problem(json!({"Fn::Equals": [{"Ref": "Nope"}, ""]}), &[]);
        assert!(err.contains("rule `R`") && err.contains("`Nope`"), "{err}");
        let err = problem(json!({"Fn::Equals": [{"Ref": "AWS::StackId"}, ""]}), &[]);
        assert!(err.contains("`AWS::StackId`"), "{err}");
        let err = problem(json!({"Fn::Equals": [{"Ref": "NoDefault"}, ""]}), &[]);
        assert!(
            err.contains("`NoDefault` has no value and no Default"),
            "{err}"
        );
        assert!(holds(
            json!({"Fn::Equals": [{"Ref": "NoDefault"}, "v"]}),
            &[("NoDefault", "v")]
        ));
    }

    #[test]
    fn an_unsupported_function_is_named_even_where_the_rule_does_not_apply() {
        let err = problem(
            json!({"Fn::Equals": [{"Fn::ValueOf": ["A", "VpcId"]}, "x"]}),
            &[],
        );
        assert!(
            err.contains("rule `R`") && err.contains("`Fn::ValueOf`"),
            "{err}"
        );
        // The same function behind a condition that is false today is still refused.
        let t = json!({
            "Parameters": {"A": {"Type": "String", "Default": "a"}},
            "Rules": {"Off": {
                "RuleCondition": {"Fn::Equals": [{"Ref": "A"}, "never"]},
                "Assertions": [{"Assert": {"Fn::Equals": [{"Fn::RefAll": "AWS::EC2::VPC::Id"}, "x"]}}]
            }}
        });
        let err = check(&t, &[], &CTX).unwrap_err().to_string();
        assert!(
            err.contains("rule `Off`") && err.contains("`Fn::RefAll`"),
            "{err}"
        );
        // In a condition too.
        let t = json!({"Rules": {"C": {
            "RuleCondition": {"Fn::If": ["X", "a", "b"]},
            "Assertions": [{"Assert": {"Fn::Equals": ["a", "a"]}}]
        }}});
        let err = check(&t, &[], &CTX).unwrap_err().to_string();
        assert!(err.contains("`Fn::If`"), "{err}");
    }

    #[test]
    fn rule_condition_decides_whether_assertions_apply() {
        let t = json!({
            "Parameters": {
                "UseExistingBucket": {"Type": "String", "Default": "false"},
                "DetectorId": {"Type": "String", "Default": ""},
                "CreateDetector": {"Type": "String", "Default": "false"}
            },
            "Rules": {"GuardDutyDetectorGiven": {
                "RuleCondition": {"Fn::Equals": [{"Ref": "UseExistingBucket"}, "false"]},
                "Assertions": [{
                    "Assert": {"Fn::Or": [
                        {"Fn::Not": [{"Fn::Equals": [{"Ref": "DetectorId"}, ""]}]},
                        {"Fn::Equals": [{"Ref": "CreateDetector"}, "true"]}
                    ]},
                    "AssertDescription": "Set DetectorId to this Region's detector, or CreateDetector to true"
                }]
            }, "Commercial": {
                "Assertions": [{"Assert": {"Fn::Equals": [{"Ref": "AWS::Partition"}, "aws"]}}]
            }}
        });
        let run = |given: &[(&str, &str)], ctx: &RuleContext<'_>| check(&t, &params(given), ctx);
        assert!(run(&[("DetectorId", "0123456789abcdef0123456789abcdef")], &CTX).is_ok());
        assert!(run(&[("CreateDetector", "true")], &CTX).is_ok());
        assert!(run(&[("UseExistingBucket", "true")], &CTX).is_ok());

        let err = run(&[], &CTX).unwrap_err();
        assert_eq!(
            err,
            RuleError::Failed(vec![FailedAssertion {
                rule: "GuardDutyDetectorGiven".into(),
                description: Some(
                    "Set DetectorId to this Region's detector, or CreateDetector to true".into()
                ),
                assert: compact(&t["Rules"]["GuardDutyDetectorGiven"]["Assertions"][0]["Assert"]),
            }])
        );
        assert_eq!(
            err.to_string(),
            "the template's Rules refuse these parameters (CloudFormation on AWS refuses them too; nothing was changed):\n  rule `GuardDutyDetectorGiven`: Set DetectorId to this Region's detector, or CreateDetector to true"
        );

        // Every failing rule is listed; one without a description shows its assertion.
        let gov = RuleContext {
            region: Some("us-gov-east-1"),
            ..CTX
        };
        let err = run(&[], &gov).unwrap_err().to_string();
        assert!(
            err.contains("rule `GuardDutyDetectorGiven`: Set DetectorId"),
            "{err}"
        );
        assert!(
            err.contains(r#"rule `Commercial`: assertion {"Fn::Equals":[{"Ref":"AWS::Partition"},"aws"]} does not hold"#),
            "{err}"
        );
    }

    #[test]
    fn templates_without_rules_pass_and_malformed_rules_are_errors() {
        assert!(check(&json!({"Resources": {}}), &[], &CTX).is_ok());
        let err = check(&json!({"Rules": []}), &[], &CTX)
            .unwrap_err()
            .to_string();
        assert!(err.contains("must be an object of named rules"), "{err}");
        let err = check(&json!({"Rules": {"R": {"Assertions": {}}}}), &[], &CTX)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("rule `R`") && err.contains("Assertions must be a list"),
            "{err}"
        );
        let err = check(
            &json!({"Rules": {"R": {"Assertions": [], "Assert": {}}}}),
            &[],
            &CTX,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("not `Assert`"), "{err}");
    }
}
