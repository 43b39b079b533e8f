//! `simulator access check`: one request evaluated against the policies a template creates,
//! and why it is allowed or denied.
//!
//! The template (a file, or a stack name: a file stem of `templates/`) is resolved for the
//! given parameters, account and Region ([`access::template::Stack`]); its policies are read
//! ([`access::stack::policy_set`]); the request is evaluated ([`access::PolicySet::evaluate`]).
//! The first line of the output is `Allow` or `Deny`; the lines after it name the statements
//! that decided, or for an implicit deny the policies that would have to allow. Exit status:
//! 0 Allow, 1 Deny, 2 bad input (the message names the field, the value and the fix).

use access::stack::policy_set;
use access::template::{text, Stack};
use access::{Caller, Context, Decision, Effect, Reason, Request};
use clap::{Args, Subcommand};
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The shape of `--request`, shown in `--help` and the README.
pub const REQUEST_HELP: &str = "\
The request (a file, or - for standard input) is JSON:
  {\"principal\": P, \"action\": \"service:Action\", \"resource\": \"ARN\", \"context\": {\"key\": \"value\" | [\"v1\", \"v2\"]}}
P is one of
  \"role:<LogicalId>\"             a session of a role the template creates
  \"service:<name>\"               an AWS service, e.g. \"service:cloudtrail.amazonaws.com\"
  {\"role_session\": {\"role_arn\": \"...\", \"session_name\": \"...\"}}
  {\"service\": {\"name\": \"...\"}}
  {\"web_identity\": {\"provider_arn\": \"arn:aws:iam::<account>:oidc-provider/<issuer>\"}}
  {\"external\": {\"arn\": \"arn:aws:iam::<account>:root\"}}  (an account the template does not hold)
Strings in principal, resource and context are CloudFormation Fn::Sub templates of the stack:
${LogBucket}, ${SentinelRole.Arn}, ${AWS::AccountId}, ${AWS::Partition}, a parameter's ${Name}
(${!x} for a literal ${x}). Context keys compare case-insensitively; give the keys AWS would
send (aws:SourceArn, aws:SourceAccount, aws:SecureTransport, s3:x-amz-acl, kms:ViaService, ...).
Example: {\"principal\": \"role:SentinelRole\", \"action\": \"s3:GetObject\",
  \"resource\": \"arn:${AWS::Partition}:s3:::${LogBucket}/AWSLogs/111122223333/CloudTrail/x.json.gz\",
  \"context\": {\"aws:SecureTransport\": \"true\"}}";

#[derive(Subcommand)]
pub enum AccessCommand {
    /// Evaluate one request against a template's policies: Allow (exit 0) or Deny (exit 1),
    /// and the statements that decided it; bad input exits 2.
    #[command(after_help = REQUEST_HELP)]
    Check(CheckArgs),
}

#[derive(Args)]
pub struct CheckArgs {
    /// A template file (JSON), or a stack name: the file stem of a template in templates/,
    /// e.g. sentinel-vpc-connector-commercial.
    #[arg(long)]
    pub template: String,
    /// A parameter value, checked as CloudFormation checks it; repeat for each.
    #[arg(long = "param", value_name = "K=V")]
    pub params: Vec<String>,
    /// The account the stack is created in.
    #[arg(long, default_value = "111122223333")]
    pub account: String,
    /// The Region the stack is created in (its partition follows: us-gov-* is aws-us-gov).
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    /// The request (see below); - reads standard input.
    #[arg(long)]
    pub request: PathBuf,
}

/// Bad input, with what to do about it.
#[derive(Debug)]
pub struct BadInput(pub String);

/// Runs the subcommand; the exit status is 0 Allow, 1 Deny, 2 bad input.
pub fn run(command: &AccessCommand) -> ExitCode {
    let AccessCommand::Check(args) = command;
    match check(args) {
        Ok((decision, lines)) => {
            println!("{}", lines.join("\n"));
            if decision.allowed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(BadInput(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Evaluates the request of `args`: the decision and the lines that explain it.
pub fn check(args: &CheckArgs) -> Result<(Decision, Vec<String>), BadInput> {
    let path = template_path(&args.template)?;
    let template = read_template(&path)?;
    let params = parse_params(&args.params)?;
    if !(args.account.len() == 12 && args.account.bytes().all(|b| b.is_ascii_digit())) {
        return Err(BadInput(format!(
            "--account {:?}: must be a 12-digit AWS account ID",
            args.account
        )));
    }
    if args.region.is_empty()
        || !args
            .region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(BadInput(format!(
            "--region {:?}: must be a Region name such as us-east-1",
            args.region
        )));
    }
    let stack = Stack::checked(&template, &params)
        .map_err(|e| BadInput(format!("--param: {e}")))?
        .in_region(&args.region)
        .in_account(&args.account);
    let failed = stack
        .failed_rules()
        .map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
    if !failed.is_empty() {
        return Err(BadInput(format!(
            "--param: CloudFormation would refuse these parameters: {}",
            failed.join("; ")
        )));
    }
    let set = policy_set(&stack).map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
    let raw = read_request(&args.request)?;
    let request = request(&stack, &raw)?;
    let decision = set
        .evaluate(&request)
        .map_err(|e| BadInput(format!("--request: the evaluator cannot decide it: {e}")))?;
    let lines = explain(&request, &decision);
    Ok((decision, lines))
}

/// The file of `--template`: a path, or `templates/<name>.json` (in the current directory,
/// then in this workspace's).
pub fn template_path(name: &str) -> Result<PathBuf, BadInput> {
    let given = Path::new(name);
    if given.is_file() {
        return Ok(given.to_path_buf());
    }
    let dirs = [
        PathBuf::from("templates"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates"),
    ];
    for d in &dirs {
        let p = d.join(format!("{name}.json"));
        if p.is_file() {
            return Ok(p);
        }
    }
    let mut stacks: Vec<String> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "json").then(|| {
                p.file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
        })
        .collect();
    stacks.sort();
    stacks.dedup();
    Err(BadInput(format!(
        "--template {name:?}: no such file, and no stack of that name in templates/; give a template file or one of: {}",
        stacks.join(", ")
    )))
}

fn read_template(path: &Path) -> Result<Value, BadInput> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| BadInput(format!("--template {}: {e}", path.display())))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| {
        BadInput(format!(
            "--template {}: not JSON ({e}); give the .json rendering of the template",
            path.display()
        ))
    })?;
    if !v["Resources"].is_object() {
        return Err(BadInput(format!(
            "--template {}: has no Resources, so it is no CloudFormation template",
            path.display()
        )));
    }
    Ok(v)
}

fn parse_params(given: &[String]) -> Result<Vec<(String, String)>, BadInput> {
    given
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| {
                    BadInput(format!(
                        "--param {p:?}: must be NAME=VALUE, e.g. --param SentinelWorkspaceId=<workspace id>"
                    ))
                })
        })
        .collect()
}

fn read_request(path: &Path) -> Result<Value, BadInput> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| BadInput(format!("--request -: reading standard input: {e}")))?;
        s
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| BadInput(format!("--request {}: {e}", path.display())))?
    };
    serde_json::from_str(&text).map_err(|e| {
        BadInput(format!(
            "--request {}: not JSON ({e}); see `simulator access check --help` for the shape",
            path.display()
        ))
    })
}

/// The request of `raw` with its shorthands and `${...}` resolved against `stack`.
pub fn request(stack: &Stack, raw: &Value) -> Result<Request, BadInput> {
    let Some(obj) = raw.as_object() else {
        return Err(BadInput(
            "--request: must be a JSON object with principal, action, resource and context".into(),
        ));
    };
    for k in obj.keys() {
        if !["principal", "action", "resource", "context"].contains(&k.as_str()) {
            return Err(BadInput(format!(
                "--request: unknown field {k:?}; the fields are principal, action, resource, context"
            )));
        }
    }
    let sub = |field: &str, s: &str| -> Result<String, BadInput> {
        let v = stack
            .resolve(&serde_json::json!({ "Fn::Sub": s }))
            .map_err(|e| BadInput(format!("--request {field} {s:?}: {e}")))?;
        Ok(text(&v))
    };
    let string = |field: &str| -> Result<String, BadInput> {
        match raw.get(field) {
            Some(Value::String(s)) => sub(field, s),
            other => Err(BadInput(format!(
                "--request {field}: {} is not a string; e.g. \"action\": \"s3:GetObject\", \"resource\": \"arn:aws:s3:::bucket/key\"",
                other.map_or("missing".to_string(), Value::to_string)
            ))),
        }
    };
    let principal = principal(stack, raw.get("principal"), &sub)?;
    let action = string("action")?;
    let resource = string("resource")?;
    let mut context = Context::new();
    match raw.get("context") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                let values = match v {
                    Value::String(s) => vec![s.clone()],
                    Value::Bool(_) | Value::Number(_) => vec![v.to_string()],
                    Value::Array(a) => a.iter().map(text).collect(),
                    _ => {
                        return Err(BadInput(format!(
                            "--request context {k:?}: {v} is not a string or a list of strings"
                        )))
                    }
                };
                let values = values
                    .iter()
                    .map(|x| sub(&format!("context {k:?}"), x))
                    .collect::<Result<Vec<_>, _>>()?;
                context.set_all(k, values);
            }
        }
        Some(other) => {
            return Err(BadInput(format!(
                "--request context: {other} is not an object of condition keys"
            )))
        }
    }
    Ok(Request {
        principal,
        action,
        resource,
        context,
    })
}

fn principal(
    stack: &Stack,
    raw: Option<&Value>,
    sub: &dyn Fn(&str, &str) -> Result<String, BadInput>,
) -> Result<Caller, BadInput> {
    let bad = |v: &dyn std::fmt::Display, why: &str| {
        BadInput(format!(
            "--request principal {v}: {why}; use \"role:<LogicalId>\", \"service:<name>\" or an object (see --help)"
        ))
    };
    match raw {
        Some(Value::String(s)) => {
            if let Some(id) = s.strip_prefix("role:") {
                let arn = stack
                    .attribute(id, "Arn")
                    .map_err(|e| bad(s, &e.to_string()))?;
                Ok(Caller::RoleSession {
                    role_arn: text(&arn),
                    session_name: "access-check".into(),
                })
            } else if let Some(name) = s.strip_prefix("service:") {
                Ok(Caller::Service {
                    name: sub("principal", name)?,
                })
            } else {
                Err(bad(s, "is no principal shorthand"))
            }
        }
        Some(v @ Value::Object(_)) => {
            let resolved = resolve_strings(v, &|s| sub("principal", s))?;
            serde_json::from_value(resolved).map_err(|e| bad(v, &e.to_string()))
        }
        Some(v) => Err(bad(v, "is neither a shorthand string nor an object")),
        None => Err(bad(&"(missing)", "is required")),
    }
}

fn resolve_strings(
    v: &Value,
    sub: &dyn Fn(&str) -> Result<String, BadInput>,
) -> Result<Value, BadInput> {
    Ok(match v {
        Value::String(s) => Value::String(sub(s)?),
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, x) in m {
                out.insert(k.clone(), resolve_strings(x, sub)?);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| resolve_strings(x, sub))
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

/// `Allow` or `Deny`, then the request as evaluated and the statements that decided.
pub fn explain(request: &Request, decision: &Decision) -> Vec<String> {
    let mut out = vec![match decision.effect {
        Effect::Allow => "Allow".to_string(),
        Effect::Deny => "Deny".to_string(),
    }];
    out.push(format!(
        "  request: {} {} on {}",
        caller(&request.principal),
        request.action,
        request.resource
    ));
    let statement = |m: &access::Matched| {
        format!(
            "{}, statement {}{}",
            m.policy,
            m.index,
            m.sid
                .as_deref()
                .map(|s| format!(" (Sid {s})"))
                .unwrap_or_default()
        )
    };
    match &decision.reason {
        Reason::Allowed => {
            for m in &decision.statements {
                out.push(format!("  allowed by: {}", statement(m)));
            }
        }
        Reason::ExplicitDeny => {
            for m in &decision.statements {
                out.push(format!("  denied by: {}", statement(m)));
            }
        }
        Reason::ImplicitDeny { needed } => {
            out.push("  no statement denies it, but no statement allows it where it must".into());
            for m in &decision.statements {
                out.push(format!("  allowed by: {} (not enough alone)", statement(m)));
            }
            for n in needed {
                out.push(format!("  would have to allow: {n}"));
            }
        }
    }
    out
}

fn caller(c: &Caller) -> String {
    match c {
        Caller::RoleSession {
            role_arn,
            session_name,
        } => format!("session {session_name} of {role_arn}"),
        Caller::Service { name } => format!("service {name}"),
        Caller::WebIdentity { provider_arn } => format!("web identity of {provider_arn}"),
        Caller::External { arn } => format!("external principal {arn}"),
    }
}
