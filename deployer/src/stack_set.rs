//! Rolls one template out to many accounts with a CloudFormation StackSet: creates the set (or
//! updates its template and parameters), creates the instances that are missing for the given
//! accounts (self-managed) or organizational units (service-managed) and Regions, waits for
//! each operation, and reads every instance's outputs from its account.
//!
//! Permission models (CloudFormation User Guide, "Grant self-managed permissions" and
//! "Activate trusted access with AWS Organizations"):
//! - **self-managed**: the administrator account has `AWSCloudFormationStackSetAdministrationRole`
//!   (or the role `--admin-role-arn` names), each target account the execution role
//!   (`AWSCloudFormationStackSetExecutionRole` by default) that trusts it. The outputs are read
//!   by assuming that execution role in each account.
//! - **service-managed**: Organizations trusted access is on and the set targets OUs; instances
//!   follow accounts that join (AutoDeployment). Organizations names the execution role itself,
//!   so outputs are read only when `--execution-role-name` names a role the caller may assume.
//!
//! The template is the rendered one with the given parameter values also written as its
//! parameters' defaults, so every instance resolves them even where the set's parameters do not
//! reach it (LocalStack creates each instance from the template alone).

use crate::stack::{DeployError, TEMPLATE_BODY_LIMIT};
use crate::staging::Staging;
use aws_sdk_cloudformation::types::{
    AutoDeployment, Capability, DeploymentTargets, Parameter, PermissionModels,
    StackSetOperationPreferences, StackSetOperationStatus,
};
use aws_sdk_cloudformation::Client;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The default execution role of the self-managed model.
pub const EXECUTION_ROLE: &str = "AWSCloudFormationStackSetExecutionRole";

/// Who may deploy the instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permissions {
    /// Target accounts named one by one; `admin_role_arn` `None`: the default administration
    /// role of the caller's account.
    SelfManaged { admin_role_arn: Option<String> },
    /// Target organizational units; new accounts of them get an instance automatically.
    ServiceManaged { org_units: Vec<String> },
}

/// One stack set to create or update.
#[derive(Debug, Clone)]
pub struct StackSetRequest {
    pub name: String,
    /// Template text, JSON or YAML.
    pub template: String,
    pub parameters: Vec<(String, String)>,
    pub permissions: Permissions,
    /// Target accounts (self-managed).
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    /// The role assumed in each account to read its instance's outputs (`None`: not read).
    pub execution_role_name: Option<String>,
    /// How long to wait for each operation.
    pub timeout: Duration,
    /// Where a template over the inline limit is staged (`None`: such a template is refused).
    pub staging: Option<Staging>,
    /// LocalStack: it does not emulate UpdateStackSet, ListStackInstances nor
    /// DescribeStackInstance; an existing set's instances are then found by their stacks.
    pub localstack: bool,
}

/// One instance: where, its status, its outputs.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InstanceReport {
    pub account: String,
    pub region: String,
    /// `CURRENT`, `OUTDATED`, ... as StackSets reports it; `CREATED` where only the operation
    /// status is known (LocalStack).
    pub status: String,
    pub stack_id: Option<String>,
    pub outputs: BTreeMap<String, String>,
    /// Why the outputs were not read, if they were not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outputs_not_read: Option<String>,
}

/// What one run did.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StackSetReport {
    pub name: String,
    /// `created` or `updated`.
    pub set: String,
    pub operations: Vec<String>,
    pub instances: Vec<InstanceReport>,
    pub notes: Vec<String>,
    pub seconds: f64,
}

fn sdk<E: std::fmt::Debug + std::error::Error + 'static>(
    what: &str,
    e: aws_sdk_cloudformation::error::SdkError<E>,
) -> DeployError {
    DeployError::Sdk(format!(
        "{what}: {}",
        aws_sdk_cloudformation::error::DisplayErrorContext(e)
    ))
}

/// The template with `parameters` written as its parameters' defaults (JSON out).
pub fn with_defaults(
    template: &str,
    parameters: &[(String, String)],
) -> Result<String, DeployError> {
    let mut doc: serde_json::Value = serde_json::from_str(template)
        .or_else(|_| serde_yaml::from_str(template))
        .map_err(|e| DeployError::BadTemplate(e.to_string()))?;
    for (k, v) in parameters {
        let Some(p) = doc["Parameters"].get_mut(k) else {
            return Err(DeployError::StackSet(format!(
                "the template has no parameter {k}: drop --param {k}=..."
            )));
        };
        p["Default"] = serde_json::Value::String(v.clone());
    }
    Ok(serde_json::to_string(&doc).expect("a JSON value serialises"))
}

/// Creates or updates the set and its missing instances; reads their outputs.
pub async fn deploy_stack_set(
    cfn: &Client,
    sts: &aws_sdk_sts::Client,
    base: &aws_config::SdkConfig,
    req: &StackSetRequest,
) -> Result<StackSetReport, DeployError> {
    let started = Instant::now();
    let body = with_defaults(&req.template, &req.parameters)?;
    let (template_body, template_url) = if body.len() > TEMPLATE_BODY_LIMIT {
        let staging = req
            .staging
            .as_ref()
            .ok_or(DeployError::NoStaging(body.len()))?;
        (None, Some(staging.stage(&req.name, &body).await?.url))
    } else {
        (Some(body), None)
    };
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
    let mut report = StackSetReport {
        name: req.name.clone(),
        set: "created".into(),
        operations: Vec::new(),
        instances: Vec::new(),
        notes: Vec::new(),
        seconds: 0.0,
    };
    let (model, auto) = match &req.permissions {
        Permissions::SelfManaged { .. } => (PermissionModels::SelfManaged, None),
        Permissions::ServiceManaged { .. } => (
            PermissionModels::ServiceManaged,
            Some(
                AutoDeployment::builder()
                    .enabled(true)
                    .retain_stacks_on_account_removal(false)
                    .build(),
            ),
        ),
    };
    let admin = match &req.permissions {
        Permissions::SelfManaged { admin_role_arn } => admin_role_arn.clone(),
        Permissions::ServiceManaged { .. } => None,
    };
    // LocalStack accepts a second set of the same name (AWS refuses it): there the set exists
    // when its instances do.
    let mut existing: Vec<(String, String)> = Vec::new();
    if req.localstack {
        existing = instances_of(cfn, sts, base, req, &mut report).await?;
        if !existing.is_empty() {
            report.set = "updated".into();
            report.notes.push("LocalStack does not emulate UpdateStackSet: the set's template and parameters stay as first created".into());
        }
    }
    let created = if !existing.is_empty() {
        Ok(None)
    } else {
        cfn.create_stack_set()
            .stack_set_name(&req.name)
            .set_template_body(template_body.clone())
            .set_template_url(template_url.clone())
            .set_parameters(Some(params.clone()))
            .capabilities(Capability::CapabilityNamedIam)
            .permission_model(model)
            .set_auto_deployment(auto)
            .set_administration_role_arn(admin.clone())
            .set_execution_role_name(match &req.permissions {
                Permissions::SelfManaged { .. } => req.execution_role_name.clone(),
                Permissions::ServiceManaged { .. } => None,
            })
            .send()
            .await
            .map(Some)
    };
    match created {
        Ok(_) => {}
        Err(e) if is_code(&e, "NameAlreadyExistsException") => {
            report.set = "updated".into();
            existing = instances_of(cfn, sts, base, req, &mut report).await?;
            let updated = cfn
                .update_stack_set()
                .stack_set_name(&req.name)
                .set_template_body(template_body)
                .set_template_url(template_url)
                .set_parameters(Some(params))
                .capabilities(Capability::CapabilityNamedIam)
                .set_administration_role_arn(admin)
                .send()
                .await;
            match updated {
                Ok(u) => {
                    if let Some(op) = u.operation_id() {
                        wait(cfn, req, op).await?;
                        report.operations.push(op.to_string());
                    }
                }
                Err(e) if req.localstack && is_code(&e, "ResourceNotFoundException") => {
                    report.notes.push("LocalStack does not emulate UpdateStackSet: the set's template and parameters stay as first created".into());
                }
                Err(e) => return Err(sdk(&format!("UpdateStackSet {}", req.name), e)),
            }
        }
        Err(e) => return Err(sdk(&format!("CreateStackSet {}", req.name), e)),
    }

    // The instances still missing.
    let mut create = cfn
        .create_stack_instances()
        .stack_set_name(&req.name)
        .set_regions(Some(req.regions.clone()))
        .operation_preferences(
            StackSetOperationPreferences::builder()
                .failure_tolerance_count(0)
                .max_concurrent_count(10)
                .build(),
        );
    let mut todo = false;
    match &req.permissions {
        Permissions::SelfManaged { .. } => {
            let missing: Vec<String> = req
                .accounts
                .iter()
                .filter(|a| {
                    req.regions
                        .iter()
                        .any(|r| !existing.contains(&((*a).clone(), r.clone())))
                })
                .cloned()
                .collect();
            if !missing.is_empty() {
                todo = true;
                create = create.set_accounts(Some(missing));
            }
        }
        Permissions::ServiceManaged { org_units } => {
            todo = true;
            create = create.deployment_targets(
                DeploymentTargets::builder()
                    .set_organizational_unit_ids(Some(org_units.clone()))
                    .build(),
            );
        }
    }
    if todo {
        let out = create
            .send()
            .await
            .map_err(|e| sdk(&format!("CreateStackInstances {}", req.name), e))?;
        if let Some(op) = out.operation_id() {
            wait(cfn, req, op).await?;
            report.operations.push(op.to_string());
        }
    }

    // Each instance's outputs, read in its account.
    let targets: Vec<(String, String)> = match &req.permissions {
        Permissions::SelfManaged { .. } => req
            .accounts
            .iter()
            .flat_map(|a| req.regions.iter().map(move |r| (a.clone(), r.clone())))
            .collect(),
        Permissions::ServiceManaged { .. } => {
            instances_of(cfn, sts, base, req, &mut report).await?
        }
    };
    for (account, region) in targets {
        report
            .instances
            .push(instance(cfn, sts, base, req, &account, &region).await?);
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn is_code<E: aws_sdk_cloudformation::error::ProvideErrorMetadata, R>(
    e: &aws_sdk_cloudformation::error::SdkError<E, R>,
    code: &str,
) -> bool {
    e.as_service_error().and_then(|s| s.code()) == Some(code)
}

/// The set's instances as `(account, Region)`. LocalStack cannot list them: there each given
/// account is asked for the instance's stack instead.
async fn instances_of(
    cfn: &Client,
    sts: &aws_sdk_sts::Client,
    base: &aws_config::SdkConfig,
    req: &StackSetRequest,
    report: &mut StackSetReport,
) -> Result<Vec<(String, String)>, DeployError> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = match cfn
            .list_stack_instances()
            .stack_set_name(&req.name)
            .set_next_token(token)
            .send()
            .await
        {
            Ok(p) => p,
            Err(_) if req.localstack => {
                report.notes.push(
                    "LocalStack does not list a set's instances: each account's instance was looked up in that account".into(),
                );
                let mut found = Vec::new();
                for a in &req.accounts {
                    for r in &req.regions {
                        if let Ok(there) = client_in(sts, base, req, a, r).await {
                            if instance_stack(&there, &req.name, a, r).await?.is_some() {
                                found.push((a.clone(), r.clone()));
                            }
                        }
                    }
                }
                return Ok(found);
            }
            Err(e) => return Err(sdk(&format!("ListStackInstances {}", req.name), e)),
        };
        for s in page.summaries() {
            if let (Some(a), Some(r)) = (s.account(), s.region()) {
                out.push((a.to_string(), r.to_string()));
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Waits until operation `op` of the set ends; an operation that does not succeed is an error
/// naming its status and reason.
async fn wait(cfn: &Client, req: &StackSetRequest, op: &str) -> Result<(), DeployError> {
    let deadline = Instant::now() + req.timeout;
    loop {
        let d = cfn
            .describe_stack_set_operation()
            .stack_set_name(&req.name)
            .operation_id(op)
            .send()
            .await
            .map_err(|e| sdk(&format!("DescribeStackSetOperation {op}"), e))?;
        let o = d.stack_set_operation();
        match o.and_then(|o| o.status()) {
            Some(StackSetOperationStatus::Succeeded) => return Ok(()),
            Some(s @ (StackSetOperationStatus::Failed | StackSetOperationStatus::Stopped)) => {
                let reason = o
                    .and_then(|o| o.status_reason())
                    .unwrap_or("no reason given");
                return Err(DeployError::StackSet(format!(
                    "stack set {} operation {op} ended {}: {reason} (aws cloudformation list-stack-set-operation-results --stack-set-name {} --operation-id {op} lists each account's result)",
                    req.name,
                    s.as_str(),
                    req.name
                )));
            }
            _ => {}
        }
        if Instant::now() > deadline {
            return Err(DeployError::StackSet(format!(
                "stack set {} operation {op} still running after {} s",
                req.name,
                req.timeout.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// One instance: its status and stack from StackSets, its outputs from its account.
async fn instance(
    cfn: &Client,
    sts: &aws_sdk_sts::Client,
    base: &aws_config::SdkConfig,
    req: &StackSetRequest,
    account: &str,
    region: &str,
) -> Result<InstanceReport, DeployError> {
    let mut r = InstanceReport {
        account: account.to_string(),
        region: region.to_string(),
        status: "CREATED".into(),
        stack_id: None,
        outputs: BTreeMap::new(),
        outputs_not_read: None,
    };
    match cfn
        .describe_stack_instance()
        .stack_set_name(&req.name)
        .stack_instance_account(account)
        .stack_instance_region(region)
        .send()
        .await
    {
        Ok(d) => {
            if let Some(i) = d.stack_instance() {
                r.status = i
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or(r.status);
                r.stack_id = i.stack_id().map(str::to_string);
            }
        }
        Err(_) if req.localstack => {}
        Err(e) => {
            return Err(sdk(
                &format!("DescribeStackInstance {} {account} {region}", req.name),
                e,
            ))
        }
    }
    let there = match client_in(sts, base, req, account, region).await {
        Ok(c) => c,
        Err(why) => {
            r.outputs_not_read = Some(why);
            return Ok(r);
        }
    };
    let stack = match &r.stack_id {
        Some(id) => id.clone(),
        None => match instance_stack(&there, &req.name, account, region).await? {
            Some(id) => id,
            None => {
                r.outputs_not_read =
                    Some(format!("no stack of the set found in {account} {region}"));
                return Ok(r);
            }
        },
    };
    let d = there
        .describe_stacks()
        .stack_name(&stack)
        .send()
        .await
        .map_err(|e| sdk(&format!("DescribeStacks {stack} in {account}"), e))?;
    if let Some(s) = d.stacks().first() {
        r.stack_id = s.stack_id().map(str::to_string);
        for o in s.outputs() {
            if let (Some(k), Some(v)) = (o.output_key(), o.output_value()) {
                r.outputs.insert(k.to_string(), v.to_string());
            }
        }
    }
    Ok(r)
}

/// CloudFormation in `account` and `region`, as the execution role there; why not, if not.
async fn client_in(
    sts: &aws_sdk_sts::Client,
    base: &aws_config::SdkConfig,
    req: &StackSetRequest,
    account: &str,
    region: &str,
) -> Result<Client, String> {
    let Some(role) = &req.execution_role_name else {
        return Err(
            "service-managed: pass --execution-role-name with a role of each account the caller may assume".into(),
        );
    };
    let partition = crate::Partition::of_region(region).as_str();
    let role_arn = format!("arn:{partition}:iam::{account}:role/{role}");
    let creds = sts
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("sentinel-stack-set-outputs")
        .send()
        .await
        .map_err(|e| {
            format!(
                "assuming {role_arn}: {}",
                aws_sdk_sts::error::DisplayErrorContext(e)
            )
        })?;
    let c = creds
        .credentials()
        .ok_or_else(|| format!("AssumeRole {role_arn} returned no credentials"))?;
    let conf = aws_sdk_cloudformation::config::Builder::from(base)
        .region(aws_sdk_cloudformation::config::Region::new(
            region.to_string(),
        ))
        .credentials_provider(aws_sdk_cloudformation::config::Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            None,
            "stack-set-execution-role",
        ))
        .build();
    Ok(Client::from_conf(conf))
}

/// The instance's stack in its account, by name: `StackSet-<set>-<id>` on AWS,
/// `sset-<set>-<account>-<region>` on LocalStack.
async fn instance_stack(
    cfn: &Client,
    set: &str,
    account: &str,
    region: &str,
) -> Result<Option<String>, DeployError> {
    let aws = format!("StackSet-{set}-");
    let localstack = format!("sset-{set}-{account}-{region}");
    let mut token = None;
    loop {
        let page = cfn
            .list_stacks()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk(&format!("ListStacks in {account}"), e))?;
        for s in page.stack_summaries() {
            let name = s.stack_name().unwrap_or_default();
            let live = s
                .stack_status()
                .is_some_and(|st| !st.as_str().starts_with("DELETE"));
            if live && (name.starts_with(&aws) || name == localstack) {
                return Ok(s.stack_id().map(str::to_string));
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(None);
        }
    }
}

/// The report as a table: one line per instance, with its role and queue outputs.
pub fn table(r: &StackSetReport) -> String {
    let mut out = format!(
        "stack set {} {} ({} operations, {:.1} s)\n",
        r.name,
        r.set,
        r.operations.len(),
        r.seconds
    );
    out.push_str(&format!(
        "{:<14} {:<16} {:<10} outputs\n",
        "account", "region", "status"
    ));
    for i in &r.instances {
        let outputs = match &i.outputs_not_read {
            Some(why) => format!("(not read: {why})"),
            None => i
                .outputs
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" "),
        };
        out.push_str(&format!(
            "{:<14} {:<16} {:<10} {outputs}\n",
            i.account, i.region, i.status
        ));
    }
    for n in &r.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_values_become_the_parameters_defaults() {
        let t = r#"{"Parameters":{"A":{"Type":"String"},"B":{"Type":"String","Default":"x"}},"Resources":{}}"#;
        let out = with_defaults(t, &[("A".into(), "1".into()), ("B".into(), "2".into())]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["Parameters"]["A"]["Default"], "1");
        assert_eq!(v["Parameters"]["B"]["Default"], "2");
        let e = with_defaults(t, &[("C".into(), "1".into())])
            .unwrap_err()
            .to_string();
        assert!(e.contains("no parameter C"), "{e}");
        let yaml = "Parameters:\n  A:\n    Type: String\nResources: {}\n";
        assert!(with_defaults(yaml, &[("A".into(), "1".into())]).is_ok());
    }

    #[test]
    fn the_table_names_every_instance_and_why_outputs_are_missing() {
        let r = StackSetReport {
            name: "s".into(),
            set: "created".into(),
            operations: vec!["op".into()],
            instances: vec![
                InstanceReport {
                    account: "111111111111".into(),
                    region: "us-east-1".into(),
                    status: "CURRENT".into(),
                    stack_id: None,
                    outputs: [("SentinelRoleArn".to_string(), "arn:r".to_string())].into(),
                    outputs_not_read: None,
                },
                InstanceReport {
                    account: "222222222222".into(),
                    region: "us-east-1".into(),
                    status: "CURRENT".into(),
                    stack_id: None,
                    outputs: BTreeMap::new(),
                    outputs_not_read: Some("no role".into()),
                },
            ],
            notes: vec!["n".into()],
            seconds: 1.0,
        };
        let t = table(&r);
        assert!(
            t.contains("111111111111") && t.contains("SentinelRoleArn=arn:r"),
            "{t}"
        );
        assert!(
            t.contains("222222222222") && t.contains("(not read: no role)"),
            "{t}"
        );
        assert!(t.contains("note: n"), "{t}");
    }
}
