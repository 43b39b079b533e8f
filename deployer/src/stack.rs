//! Create or update a stack and wait for it, with the failure reasons from the stack events.

use crate::rules::{self, RuleContext, RuleError};
use crate::staging::{StagedTemplate, Staging};
use aws_sdk_cloudformation::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_cloudformation::types::{Capability, Parameter, StackStatus};
use aws_sdk_cloudformation::Client;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

/// CloudFormation's limit for an inline template body.
pub const TEMPLATE_BODY_LIMIT: usize = 51_200;
/// CloudFormation's limit for a template it reads from S3 (TemplateURL): 1 MB.
pub const TEMPLATE_URL_LIMIT: usize = 1_048_576;

/// What to deploy.
#[derive(Debug, Clone)]
pub struct StackRequest {
    pub stack_name: String,
    /// Template text, JSON or YAML.
    pub template: String,
    pub parameters: Vec<(String, String)>,
    /// How long to wait for a terminal status.
    pub timeout: Duration,
    /// Show a progress spinner on stderr.
    pub progress: bool,
    /// Where a template over [`TEMPLATE_BODY_LIMIT`] bytes is staged for TemplateURL; with
    /// `None` such a template is refused ([`DeployError::NoStaging`]). Build it from the same
    /// configuration as the CloudFormation client: `Some(Staging::new(&config))`.
    pub staging: Option<Staging>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DeployOutcome {
    Created,
    Updated,
    Unchanged,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeployReport {
    pub stack_name: String,
    pub stack_id: String,
    pub outcome: DeployOutcome,
    pub status: String,
    pub seconds: f64,
    pub outputs: BTreeMap<String, String>,
    /// Where the template was staged, when it was too large to pass inline.
    pub staged: Option<StagedTemplate>,
}

/// One resource that failed, from the stack events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceFailure {
    pub logical_id: String,
    pub resource_type: String,
    pub status: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("the template is neither JSON nor YAML: {0}")]
    BadTemplate(String),
    #[error("template is {0} bytes even minified; CloudFormation takes at most {TEMPLATE_URL_LIMIT} bytes from S3 ({TEMPLATE_BODY_LIMIT} inline)")]
    TooLarge(usize),
    #[error("template is {0} bytes even minified, over CloudFormation's {TEMPLATE_BODY_LIMIT}-byte inline limit, and this deploy has no staging bucket to pass it through S3: set StackRequest::staging")]
    NoStaging(usize),
    #[error(transparent)]
    Rules(#[from] RuleError),
    #[error("could not stage the template in S3 bucket `{bucket}` (templates over {TEMPLATE_BODY_LIMIT} bytes go to CloudFormation through S3): {message}")]
    Staging { bucket: String, message: String },
    #[error("CloudFormation refused the request for stack `{stack}`: {message}")]
    Rejected { stack: String, message: String },
    #[error("stack `{stack}` ended in {status}:\n{}", format_failures(.failures))]
    Failed {
        stack: String,
        status: String,
        failures: Vec<ResourceFailure>,
    },
    #[error("stack `{stack}` still {status} after {seconds} s; it goes on in CloudFormation: check its events")]
    TimedOut {
        stack: String,
        status: String,
        seconds: u64,
    },
    #[error("could not reach CloudFormation: {0}")]
    Sdk(String),
    /// A stack set request or operation that did not succeed (the message says which and why).
    #[error("{0}")]
    StackSet(String),
}

fn format_failures(failures: &[ResourceFailure]) -> String {
    if failures.is_empty() {
        return "  (no failed resource events were reported)".into();
    }
    failures
        .iter()
        .map(|f| {
            format!(
                "  {} ({}) {}: {}",
                f.logical_id, f.resource_type, f.status, f.reason
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn sdk_err<E>(e: aws_sdk_cloudformation::error::SdkError<E>) -> DeployError
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    DeployError::Sdk(DisplayErrorContext(e).to_string())
}

/// The template as a JSON value, whatever it came as (YAML included).
fn parse_template(template: &str) -> Result<serde_json::Value, DeployError> {
    match serde_json::from_str(template) {
        Ok(v) => Ok(v),
        Err(_) => {
            serde_yaml::from_str(template).map_err(|e| DeployError::BadTemplate(e.to_string()))
        }
    }
}

/// How the body reaches CloudFormation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    Inline,
    Staged,
}

/// Inline up to [`TEMPLATE_BODY_LIMIT`] bytes, through S3 up to [`TEMPLATE_URL_LIMIT`].
fn delivery(body: &str) -> Result<Delivery, DeployError> {
    match body.len() {
        n if n <= TEMPLATE_BODY_LIMIT => Ok(Delivery::Inline),
        n if n <= TEMPLATE_URL_LIMIT => Ok(Delivery::Staged),
        n => Err(DeployError::TooLarge(n)),
    }
}

/// The template as compact JSON, without the linters' Metadata (`checkov`, `guard`:
/// suppressions with their justifications), which CloudFormation ignores and which would take
/// templates needlessly towards the inline limit.
fn compact_body(template: &serde_json::Value) -> String {
    let mut value = template.clone();
    generator::suppressions::strip(&mut value);
    serde_json::to_string(&value).expect("JSON values serialise")
}

/// Checks the template's Rules with the request's parameters, as CloudFormation on AWS does
/// before it changes anything (LocalStack skips them). The Region is the client's; the account
/// is known when the request has staging (it is looked up only if a rule refers to it).
async fn check_rules(
    cfn: &Client,
    req: &StackRequest,
    template: &serde_json::Value,
) -> Result<(), DeployError> {
    let Some(rules) = template.get("Rules") else {
        return Ok(());
    };
    let account = match &req.staging {
        Some(s) if compact_body(rules).contains("\"AWS::AccountId\"") => Some(s.account().await?),
        _ => None,
    };
    let region = cfn.config().region().map(|r| r.to_string());
    let ctx = RuleContext {
        stack_name: &req.stack_name,
        region: region.as_deref(),
        account: account.as_deref(),
    };
    Ok(rules::check(template, &req.parameters, &ctx)?)
}

async fn current_status(
    cfn: &Client,
    name: &str,
) -> Result<Option<(String, StackStatus)>, DeployError> {
    match cfn.describe_stacks().stack_name(name).send().await {
        Ok(out) => Ok(out
            .stacks()
            .first()
            .and_then(|s| Some((s.stack_id()?.to_string(), s.stack_status()?.clone())))),
        Err(e)
            if e.as_service_error()
                .and_then(|s| s.message())
                .is_some_and(|m| m.contains("does not exist")) =>
        {
            Ok(None)
        }
        Err(e) => Err(sdk_err(e)),
    }
}

fn spinner(enabled: bool, name: &str) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {elapsed:>4} {prefix}: {msg}")
            .expect("valid template"),
    );
    pb.set_prefix(name.to_string());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

/// Creates the stack, or updates it; a template and parameters that change nothing succeed
/// as [`DeployOutcome::Unchanged`]. A stack left in ROLLBACK_COMPLETE by a failed create is
/// deleted first (CloudFormation cannot update it).
///
/// Before anything changes, the template's Rules are checked ([`DeployError::Rules`]), on
/// every target. A body over [`TEMPLATE_BODY_LIMIT`] bytes is staged with `req.staging` and
/// passed as TemplateURL ([`DeployReport::staged`] says where).
pub async fn deploy(cfn: &Client, req: &StackRequest) -> Result<DeployReport, DeployError> {
    let started = Instant::now();
    let since = SystemTime::now();
    let template = parse_template(&req.template)?;
    let body = compact_body(&template);
    let delivery = delivery(&body)?;
    if delivery == Delivery::Staged && req.staging.is_none() {
        return Err(DeployError::NoStaging(body.len()));
    }
    check_rules(cfn, req, &template).await?;
    let params: Vec<Parameter> = req
        .parameters
        .iter()
        .map(|(k, v)| {
            Parameter::builder()
                .parameter_key(k)
                .parameter_value(v)
                .build()
        })
        .collect();
    let caps = [Capability::CapabilityIam, Capability::CapabilityNamedIam];
    let pb = spinner(req.progress, &req.stack_name);
    let staged = match (&req.staging, delivery) {
        (Some(staging), Delivery::Staged) => {
            check_staging_region(cfn, staging)?;
            pb.set_message("staging the template in S3");
            Some(staging.stage(&req.stack_name, &body).await?)
        }
        _ => None,
    };
    let (template_body, template_url) = match &staged {
        Some(s) => (None, Some(s.url.clone())),
        None => (Some(body), None),
    };

    let mut existing = current_status(cfn, &req.stack_name).await?;
    if let Some((_, StackStatus::RollbackComplete)) = &existing {
        pb.set_message("deleting the stack a failed create left in ROLLBACK_COMPLETE");
        delete(cfn, &req.stack_name, req.timeout).await?;
        existing = None;
    }
    let outcome = match existing {
        None => {
            cfn.create_stack()
                .stack_name(&req.stack_name)
                .set_template_body(template_body.clone())
                .set_template_url(template_url.clone())
                .set_parameters(Some(params))
                .set_capabilities(Some(caps.to_vec()))
                .send()
                .await
                .map_err(|e| rejected(&req.stack_name, e))?;
            DeployOutcome::Created
        }
        Some(_) => {
            let res = cfn
                .update_stack()
                .stack_name(&req.stack_name)
                .set_template_body(template_body)
                .set_template_url(template_url)
                .set_parameters(Some(params))
                .set_capabilities(Some(caps.to_vec()))
                .send()
                .await;
            match res {
                Ok(_) => DeployOutcome::Updated,
                Err(e)
                    if e.as_service_error()
                        .and_then(|s| s.message())
                        .is_some_and(|m| m.contains("No updates are to be performed")) =>
                {
                    DeployOutcome::Unchanged
                }
                Err(e) => return Err(rejected(&req.stack_name, e)),
            }
        }
    };
    let (stack_id, status) = wait(cfn, &req.stack_name, req.timeout, since, &pb).await?;
    pb.finish_and_clear();
    Ok(DeployReport {
        stack_name: req.stack_name.clone(),
        stack_id,
        outcome,
        status: status.as_str().to_string(),
        seconds: started.elapsed().as_secs_f64(),
        outputs: outputs(cfn, &req.stack_name).await?,
        staged,
    })
}

/// The staging bucket must be in the stack's Region (CloudFormation reads the template there).
fn check_staging_region(cfn: &Client, staging: &Staging) -> Result<(), DeployError> {
    let stack_region = cfn.config().region().map(|r| r.as_ref());
    if staging.region() != stack_region {
        return Err(DeployError::Staging {
            bucket: "(not chosen)".into(),
            message: format!(
                "the staging configuration is for Region {}, the CloudFormation client for {}: build both from one configuration",
                staging.region().unwrap_or("(none)"),
                stack_region.unwrap_or("(none)")
            ),
        });
    }
    Ok(())
}

fn rejected<E: std::error::Error + ProvideErrorMetadata + 'static>(
    stack: &str,
    e: aws_sdk_cloudformation::error::SdkError<E>,
) -> DeployError {
    match e.as_service_error().and_then(|s| s.message()) {
        Some(m) => DeployError::Rejected {
            stack: stack.to_string(),
            message: m.to_string(),
        },
        None => sdk_err(e),
    }
}

fn is_terminal(s: &StackStatus) -> bool {
    let s = s.as_str();
    !s.ends_with("_IN_PROGRESS")
}

fn is_success(s: &StackStatus) -> bool {
    matches!(
        s,
        StackStatus::CreateComplete
            | StackStatus::UpdateComplete
            | StackStatus::DeleteComplete
            | StackStatus::ImportComplete
    )
}

async fn wait(
    cfn: &Client,
    name: &str,
    timeout: Duration,
    since: SystemTime,
    pb: &ProgressBar,
) -> Result<(String, StackStatus), DeployError> {
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(250);
    loop {
        let Some((id, status)) = current_status(cfn, name).await? else {
            return Err(DeployError::Failed {
                stack: name.to_string(),
                status: "DELETED".into(),
                failures: failures(cfn, name, since).await.unwrap_or_default(),
            });
        };
        pb.set_message(status.as_str().to_string());
        if is_terminal(&status) {
            if is_success(&status) {
                return Ok((id, status));
            }
            return Err(DeployError::Failed {
                stack: name.to_string(),
                status: status.as_str().to_string(),
                failures: failures(cfn, &id, since).await?,
            });
        }
        if Instant::now() >= deadline {
            return Err(DeployError::TimedOut {
                stack: name.to_string(),
                status: status.as_str().to_string(),
                seconds: timeout.as_secs(),
            });
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(3));
    }
}

/// The failed resource events of this operation, oldest first.
async fn failures(
    cfn: &Client,
    stack: &str,
    since: SystemTime,
) -> Result<Vec<ResourceFailure>, DeployError> {
    let since_secs = since
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let mut out = Vec::new();
    let mut pages = cfn
        .describe_stack_events()
        .stack_name(stack)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(sdk_err)?;
        for ev in page.stack_events() {
            if ev.timestamp().is_some_and(|t| t.secs() < since_secs - 1) {
                continue;
            }
            let status = ev
                .resource_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default();
            if status.ends_with("_FAILED") && ev.logical_resource_id() != Some(stack) {
                out.push(ResourceFailure {
                    logical_id: ev.logical_resource_id().unwrap_or_default().to_string(),
                    resource_type: ev.resource_type().unwrap_or_default().to_string(),
                    status,
                    reason: ev
                        .resource_status_reason()
                        .unwrap_or("(no reason given)")
                        .to_string(),
                });
            }
        }
    }
    out.reverse();
    Ok(out)
}

/// The stack's outputs by key.
pub async fn outputs(cfn: &Client, name: &str) -> Result<BTreeMap<String, String>, DeployError> {
    let out = cfn
        .describe_stacks()
        .stack_name(name)
        .send()
        .await
        .map_err(sdk_err)?;
    Ok(out
        .stacks()
        .first()
        .map(|s| {
            s.outputs()
                .iter()
                .filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string())))
                .collect()
        })
        .unwrap_or_default())
}

/// Deletes the stack and waits until it is gone. Deleting a stack that does not exist succeeds.
pub async fn delete(cfn: &Client, name: &str, timeout: Duration) -> Result<(), DeployError> {
    let Some((id, _)) = current_status(cfn, name).await? else {
        return Ok(());
    };
    let since = SystemTime::now();
    cfn.delete_stack()
        .stack_name(&id)
        .send()
        .await
        .map_err(|e| rejected(name, e))?;
    let deadline = Instant::now() + timeout;
    loop {
        let out = cfn
            .describe_stacks()
            .stack_name(&id)
            .send()
            .await
            .map_err(sdk_err)?;
        let status = out.stacks().first().and_then(|s| s.stack_status().cloned());
        match status {
            None | Some(StackStatus::DeleteComplete) => return Ok(()),
            Some(StackStatus::DeleteFailed) => {
                return Err(DeployError::Failed {
                    stack: name.to_string(),
                    status: "DELETE_FAILED".into(),
                    failures: failures(cfn, &id, since).await?,
                })
            }
            Some(s) if Instant::now() >= deadline => {
                return Err(DeployError::TimedOut {
                    stack: name.to_string(),
                    status: s.as_str().to_string(),
                    seconds: timeout.as_secs(),
                })
            }
            Some(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_templates_are_sent_as_compact_json() {
        let yaml =
            "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n";
        assert_eq!(
            compact_body(&parse_template(yaml).unwrap()),
            r#"{"AWSTemplateFormatVersion":"2010-09-09","Resources":{"Q":{"Type":"AWS::SQS::Queue"}}}"#
        );
        assert!(matches!(
            parse_template("{: nope"),
            Err(DeployError::BadTemplate(_))
        ));
    }

    #[test]
    fn the_linters_metadata_is_not_sent() {
        let json = r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue",
            "Metadata": {"checkov": {"skip": [{"id": "CKV_AWS_27", "comment": "why"}]},
                         "guard": {"SuppressedRules": ["R"]}, "Other": 1}}}}"#;
        assert_eq!(
            compact_body(&parse_template(json).unwrap()),
            r#"{"Resources":{"Q":{"Type":"AWS::SQS::Queue","Metadata":{"Other":1}}}}"#
        );
    }

    #[test]
    fn bodies_go_inline_then_through_s3_then_are_refused() {
        let sized = |n: usize| "x".repeat(n);
        assert_eq!(
            delivery(&sized(TEMPLATE_BODY_LIMIT)).unwrap(),
            Delivery::Inline
        );
        assert_eq!(
            delivery(&sized(TEMPLATE_BODY_LIMIT + 1)).unwrap(),
            Delivery::Staged
        );
        assert_eq!(
            delivery(&sized(TEMPLATE_URL_LIMIT)).unwrap(),
            Delivery::Staged
        );
        let err = delivery(&sized(TEMPLATE_URL_LIMIT + 1)).unwrap_err();
        assert!(matches!(err, DeployError::TooLarge(n) if n == TEMPLATE_URL_LIMIT + 1));
        assert!(err.to_string().contains("1048576 bytes from S3"), "{err}");
    }

    #[test]
    fn every_committed_template_can_be_delivered_and_its_rules_evaluated() {
        let ctx = RuleContext {
            stack_name: "s",
            region: Some("us-east-1"),
            account: Some("123456789012"),
        };
        for f in generator::render::all_files() {
            if f.path.extension().is_some_and(|e| e == "json") {
                let name = f.path.display();
                let template =
                    parse_template(&f.contents).unwrap_or_else(|e| panic!("{name}: {e}"));
                delivery(&compact_body(&template)).unwrap_or_else(|e| panic!("{name}: {e}"));
                // With the defaults a rule may refuse, but every rule must be evaluable.
                match rules::check(&template, &[], &ctx) {
                    Ok(()) | Err(RuleError::Failed(_)) => {}
                    Err(e) => panic!("{name}: {e}"),
                }
            }
        }
    }

    /// A client whose every call fails to connect: an error from `deploy` other than a
    /// connection failure was decided before any call.
    fn unreachable_cfn() -> Client {
        let conf = aws_sdk_cloudformation::Config::builder()
            .behavior_version(aws_sdk_cloudformation::config::BehaviorVersion::latest())
            .region(aws_sdk_cloudformation::config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:1")
            .credentials_provider(aws_sdk_cloudformation::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .build();
        Client::from_conf(conf)
    }

    fn request(template: String) -> StackRequest {
        StackRequest {
            stack_name: "s".into(),
            template,
            parameters: Vec::new(),
            timeout: Duration::from_secs(1),
            progress: false,
            staging: None,
        }
    }

    #[tokio::test]
    async fn a_failing_rule_stops_the_deploy_before_any_call() {
        let template = serde_json::json!({
            "Parameters": {"Mode": {"Type": "String", "Default": "off"}},
            "Rules": {"ModeOn": {"Assertions": [{
                "Assert": {"Fn::Equals": [{"Ref": "Mode"}, "on"]},
                "AssertDescription": "Mode must be on"
            }]}},
            "Resources": {"Q": {"Type": "AWS::SQS::Queue"}}
        });
        let err = deploy(&unreachable_cfn(), &request(template.to_string()))
            .await
            .unwrap_err();
        assert!(
            matches!(err, DeployError::Rules(RuleError::Failed(_))),
            "{err}"
        );
        assert!(
            err.to_string().contains("rule `ModeOn`: Mode must be on"),
            "{err}"
        );
        // The Region comes from the client: a partition rule holds for us-east-1.
        let partition = serde_json::json!({
            "Rules": {"Commercial": {"Assertions": [{
                "Assert": {"Fn::Equals": [{"Ref": "AWS::Partition"}, "aws-cn"]}
            }]}}
        });
        let err = deploy(&unreachable_cfn(), &request(partition.to_string()))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("rule `Commercial`"), "{err}");
    }

    #[tokio::test]
    async fn a_large_template_without_staging_is_refused_before_any_call() {
        let template = serde_json::json!({
            "Description": "x".repeat(TEMPLATE_BODY_LIMIT),
            "Resources": {"Q": {"Type": "AWS::SQS::Queue"}}
        });
        let err = deploy(&unreachable_cfn(), &request(template.to_string()))
            .await
            .unwrap_err();
        assert!(matches!(err, DeployError::NoStaging(_)), "{err}");
        assert!(err.to_string().contains("StackRequest::staging"), "{err}");
    }

    #[test]
    fn failures_are_listed_with_type_and_reason() {
        let e = DeployError::Failed {
            stack: "s".into(),
            status: "ROLLBACK_COMPLETE".into(),
            failures: vec![ResourceFailure {
                logical_id: "LogBucket".into(),
                resource_type: "AWS::S3::Bucket".into(),
                status: "CREATE_FAILED".into(),
                reason: "bucket exists".into(),
            }],
        };
        let text = e.to_string();
        assert!(
            text.contains("LogBucket (AWS::S3::Bucket) CREATE_FAILED: bucket exists"),
            "{text}"
        );
    }
}
