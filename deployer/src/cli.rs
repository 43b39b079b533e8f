//! The `deploy` and `delete` subcommands (clap), shared by the simulator CLI.

use crate::guardduty::{self, GuardDutyDetectors};
use crate::{caller_identity, sdk_config, DeployReport, StackRequest, Staging, Target};
use anyhow::{bail, Context, Result};
use generator::config::{InputError, WorkspaceId};
use generator::facts::Cloud;
use generator::render::{self, Format};
use generator::stacks::{outputs, params, StackKind, StackParams, StackSpec};
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

/// Where to deploy.
#[derive(clap::Args, Debug, Clone)]
pub struct TargetArgs {
    /// Real AWS (the standard credential and region chain) instead of LocalStack.
    #[arg(long)]
    pub aws: bool,
    /// AWS profile (with --aws).
    #[arg(long, requires = "aws")]
    pub profile: Option<String>,
    /// AWS region (with --aws).
    #[arg(long, requires = "aws")]
    pub region: Option<String>,
    /// Skip the confirmation that names the AWS account and region (with --aws).
    #[arg(long, requires = "aws")]
    pub yes: bool,
    /// LocalStack endpoint (default: $LOCALSTACK_ENDPOINT, the one `cargo xtask localstack up`
    /// started, or http://127.0.0.1:4566).
    #[arg(long, conflicts_with = "aws")]
    pub endpoint: Option<String>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct DeployArgs {
    // A template file, or a stack the generator renders (the names are derived).
    #[arg(long, help = format!("A template file (JSON or YAML), or a stack the generator renders: {}", StackKind::choices()))]
    pub template: String,
    /// Azure cloud of the Sentinel workspace, for a generator stack.
    #[arg(long, default_value = "commercial")]
    pub cloud: String,
    /// The stack's name (or, with --stack-set, none: the set names its instances).
    #[arg(
        long,
        required_unless_present = "stack_set",
        conflicts_with = "stack_set"
    )]
    pub stack_name: Option<String>,
    /// Roll the template out as this CloudFormation StackSet instead of one stack: creates the
    /// set (or updates it) and the instances missing in --accounts (or --org-units) x
    /// --regions, then prints each instance's outputs (read by assuming
    /// --execution-role-name in its account) as a table, or JSON with --json.
    #[arg(long, value_name = "NAME")]
    pub stack_set: Option<String>,
    /// With --stack-set (self-managed): the target accounts, comma separated.
    #[arg(long, value_delimiter = ',', requires = "stack_set")]
    pub accounts: Vec<String>,
    /// With --stack-set: the target Regions, comma separated (default: the target's Region).
    #[arg(long, value_delimiter = ',', requires = "stack_set")]
    pub regions: Vec<String>,
    /// With --stack-set: `self-managed` (accounts; an administration role here and an execution
    /// role in each account) or `service-managed` (organizational units through AWS
    /// Organizations trusted access; accounts that join get an instance).
    #[arg(long, default_value = "self-managed", requires = "stack_set")]
    pub permission_model: String,
    /// With --stack-set service-managed: the target organizational units (ou-...), comma separated.
    #[arg(long, value_delimiter = ',', requires = "stack_set")]
    pub org_units: Vec<String>,
    /// With --stack-set self-managed: the administration role (default: this account's
    /// AWSCloudFormationStackSetAdministrationRole).
    #[arg(long, requires = "stack_set")]
    pub admin_role_arn: Option<String>,
    /// With --stack-set: the role assumed in each account to read its instance's outputs
    /// (self-managed default: AWSCloudFormationStackSetExecutionRole; service-managed: none,
    /// the outputs are then not read).
    #[arg(long, requires = "stack_set")]
    pub execution_role_name: Option<String>,
    /// Sets the workspace ID parameter.
    #[arg(long)]
    pub workspace_id: Option<String>,
    /// Template parameter, repeatable: --param Name=Value.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Seconds to wait for the stack.
    #[arg(long, default_value_t = 900)]
    pub timeout: u64,
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(clap::Args, Debug, Clone)]
pub struct DeleteArgs {
    #[arg(long)]
    pub stack_name: String,
    #[arg(long, default_value_t = 900)]
    pub timeout: u64,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// The template text for a file path or a generator stack name.
pub fn load_template(template: &str, cloud: &str) -> Result<String> {
    let path = std::path::Path::new(template);
    if path.exists() {
        return std::fs::read_to_string(path)
            .with_context(|| format!("reading {}", path.display()));
    }
    let cloud: Cloud = cloud.parse()?;
    let kind: StackKind = template.parse().map_err(|_| {
        InputError::new(
            "template",
            template,
            &format!(
                "must be an existing template file or one of {}",
                StackKind::choices()
            ),
        )
    })?;
    Ok(render::render(
        &StackSpec::of(kind, cloud)?.build(),
        Format::Json,
    ))
}

/// Checks each parameter against the template's declaration (name, AllowedPattern,
/// AllowedValues), so bad input fails here with the rule instead of half-way in CloudFormation.
pub fn check_parameters(template: &str, params: &[(String, String)]) -> Result<()> {
    let doc: serde_json::Value = serde_json::from_str(template)
        .or_else(|_| serde_yaml::from_str(template))
        .context("the template is neither JSON nor YAML")?;
    let declared = doc["Parameters"].as_object().cloned().unwrap_or_default();
    for (name, value) in params {
        let Some(p) = declared.get(name) else {
            let known: Vec<_> = declared.keys().cloned().collect();
            return Err(InputError::new(
                "parameter",
                name,
                &format!(
                    "is not declared by this template; it declares: {}",
                    known.join(", ")
                ),
            )
            .into());
        };
        if let Some(pattern) = p["AllowedPattern"].as_str() {
            let re =
                regex::Regex::new(pattern).with_context(|| format!("AllowedPattern of {name}"))?;
            if !re.is_match(value) {
                let rule = p["ConstraintDescription"]
                    .as_str()
                    .map(String::from)
                    .unwrap_or_else(|| format!("must match {pattern}"));
                return Err(InputError::new(name, value, &rule).into());
            }
        }
        if let Some(allowed) = p["AllowedValues"].as_array() {
            if !allowed.iter().any(|a| a.as_str() == Some(value)) {
                let list: Vec<_> = allowed.iter().filter_map(|a| a.as_str()).collect();
                return Err(InputError::new(
                    name,
                    value,
                    &format!("must be one of {}", list.join(", ")),
                )
                .into());
            }
        }
    }
    Ok(())
}

fn parse_params(args: &DeployArgs) -> Result<Vec<(String, String)>> {
    let mut out = StackParams::any();
    if let Some(w) = &args.workspace_id {
        out = out.workspace_id(&w.parse::<WorkspaceId>()?);
    }
    let mut out = out.into_pairs();
    for p in &args.params {
        let Some((k, v)) = p.split_once('=') else {
            return Err(InputError::new("--param", p, "must be NAME=VALUE").into());
        };
        out.push((k.to_string(), v.to_string()));
    }
    Ok(out)
}

pub fn resolve_target(args: &TargetArgs) -> Result<Target> {
    if args.aws {
        return Ok(Target::Aws {
            profile: args.profile.clone(),
            region: args.region.clone(),
        });
    }
    if let Some(e) = &args.endpoint {
        return Ok(Target::localstack(e));
    }
    if let Ok(e) = std::env::var("LOCALSTACK_ENDPOINT") {
        return Ok(Target::localstack(e));
    }
    if let Some(state) = harness::control::State::read(&harness::control::state_file())? {
        if state.is_running() {
            return Ok(Target::localstack(state.endpoint));
        }
    }
    Ok(Target::localstack(crate::target::DEFAULT_LOCALSTACK))
}

/// Real AWS only after the user saw the account and region and said yes.
pub async fn confirm(
    config: &aws_config::SdkConfig,
    target: &Target,
    args: &TargetArgs,
    what: &str,
) -> Result<()> {
    if !target.is_real_aws() {
        return Ok(());
    }
    let me = caller_identity(config).await?;
    eprintln!(
        "About to {what} in AWS account {} ({}) in region {}.",
        me.account, me.arn, me.region
    );
    if args.yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        bail!("refusing to change real AWS without confirmation: pass --yes to confirm account {} region {}", me.account, me.region);
    }
    eprint!("Type the account ID to continue: ");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    if line.trim() != me.account {
        bail!("not confirmed; nothing was changed");
    }
    Ok(())
}

pub async fn deploy(args: DeployArgs) -> Result<DeployReport> {
    let template = load_template(&args.template, &args.cloud)?;
    let mut params = parse_params(&args)?;
    check_parameters(&template, &params)?;
    let stack_name = args
        .stack_name
        .clone()
        .context("--stack-name is required without --stack-set")?;
    let (target, config) = connect(&args.target, &format!("deploy stack {stack_name}")).await?;
    let doc: serde_json::Value = serde_json::from_str(&template)
        .or_else(|_| serde_yaml::from_str(&template))
        .context("the template is neither JSON nor YAML")?;
    if let Some(id) =
        guardduty::detector_parameter(&GuardDutyDetectors::new(&config), &doc, &params).await?
    {
        eprintln!(
            "GuardDuty: using this Region's detector, {d}={id} (pass --param {d}=<id> or --param {c}=true to choose otherwise)",
            d = params::DETECTOR_ID,
            c = params::CREATE_DETECTOR
        );
        params.push((params::DETECTOR_ID.into(), id));
    }
    if let Some(reused) =
        crate::oidc::reuse_existing(&aws_sdk_iam::Client::new(&config), &doc, &params).await?
    {
        eprintln!("{}", reused.describe());
        params.push((params::CREATE_PROVIDER.into(), "false".into()));
    }
    let req = StackRequest {
        stack_name,
        template,
        parameters: params,
        timeout: Duration::from_secs(args.timeout),
        progress: !args.json && std::io::stderr().is_terminal(),
        staging: Some(Staging::new(&config)),
    };
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let report = crate::deploy(&cfn, &req).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report, &target);
    }
    Ok(report)
}

/// `deploy --stack-set`: the set and its instances; the report printed as a table (JSON with
/// `--json`).
pub async fn deploy_stack_set(args: DeployArgs) -> Result<crate::stack_set::StackSetReport> {
    use crate::stack_set::{Permissions, StackSetRequest, EXECUTION_ROLE};
    let name = args.stack_set.clone().context("--stack-set NAME")?;
    let template = load_template(&args.template, &args.cloud)?;
    let params = parse_params(&args)?;
    check_parameters(&template, &params)?;
    let permissions = match args.permission_model.as_str() {
        "self-managed" => {
            if args.accounts.is_empty() {
                return Err(InputError::new(
                    "--accounts",
                    "",
                    "a self-managed stack set needs its target accounts: --accounts 111111111111,222222222222",
                )
                .into());
            }
            Permissions::SelfManaged {
                admin_role_arn: args.admin_role_arn.clone(),
            }
        }
        "service-managed" => {
            if args.org_units.is_empty() {
                return Err(InputError::new(
                    "--org-units",
                    "",
                    "a service-managed stack set targets organizational units: --org-units ou-abcd-12345678",
                )
                .into());
            }
            Permissions::ServiceManaged {
                org_units: args.org_units.clone(),
            }
        }
        other => {
            return Err(InputError::new(
                "--permission-model",
                other,
                "must be self-managed or service-managed",
            )
            .into())
        }
    };
    for a in &args.accounts {
        if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InputError::new("--accounts", a, "an AWS account ID is 12 digits").into());
        }
    }
    let (target, config) = connect(&args.target, &format!("deploy stack set {name}")).await?;
    let regions = match args.regions.is_empty() {
        false => args.regions.clone(),
        true => vec![config
            .region()
            .map(|r| r.to_string())
            .context("no Region: pass --regions")?],
    };
    let execution_role_name = match (&permissions, &args.execution_role_name) {
        (_, Some(r)) => Some(r.clone()),
        (Permissions::SelfManaged { .. }, None) => Some(EXECUTION_ROLE.to_string()),
        (Permissions::ServiceManaged { .. }, None) => None,
    };
    let req = StackSetRequest {
        name,
        template,
        parameters: params,
        permissions,
        accounts: args.accounts.clone(),
        regions,
        execution_role_name,
        timeout: Duration::from_secs(args.timeout),
        staging: Some(Staging::new(&config)),
        localstack: !target.is_real_aws(),
    };
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let sts = aws_sdk_sts::Client::new(&config);
    let report = crate::stack_set::deploy_stack_set(&cfn, &sts, &config, &req).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", crate::stack_set::table(&report));
    }
    Ok(report)
}

/// An output the Sentinel connector page asks for (role, queue URL, table; per data type in the
/// all-services stack).
fn for_portal(name: &str) -> bool {
    [
        outputs::ROLE_ARN,
        outputs::QUEUE_URL,
        outputs::DESTINATION_TABLE,
    ]
    .iter()
    .any(|o| name.ends_with(o))
}

fn print_report(r: &DeployReport, target: &Target) {
    println!(
        "{} {:?} ({}) on {} in {:.1} s",
        r.stack_name,
        r.outcome,
        r.status,
        target.describe(),
        r.seconds
    );
    if let Some(s) = &r.staged {
        println!(
            "Template: {} bytes, over CloudFormation's {}-byte inline limit, so staged in s3://{}/{} ({}; it expires after {} day)",
            s.bytes,
            crate::TEMPLATE_BODY_LIMIT,
            s.bucket,
            s.key,
            match s.bucket_created {
                true => "a bucket this deploy created",
                false => "the existing staging bucket",
            },
            crate::STAGED_TEMPLATE_DAYS,
        );
        println!("  TemplateURL {}", s.url);
    }
    let portal: Vec<_> = r.outputs.iter().filter(|(k, _)| for_portal(k)).collect();
    if !portal.is_empty() {
        println!("For the Sentinel connector page:");
        for (k, v) in portal {
            println!("  {k:<28} {v}");
        }
    }
    let rest: Vec<_> = r.outputs.iter().filter(|(k, _)| !for_portal(k)).collect();
    if !rest.is_empty() {
        println!("Other outputs:");
        for (k, v) in rest {
            println!("  {k:<28} {v}");
        }
    }
}

/// The target, confirmed when it is real AWS, and the SDK configuration for it.
async fn connect(args: &TargetArgs, what: &str) -> Result<(Target, aws_config::SdkConfig)> {
    let target = resolve_target(args)?;
    let config = sdk_config(&target).await;
    confirm(&config, &target, args, what).await?;
    Ok((target, config))
}

pub async fn delete(args: DeleteArgs) -> Result<()> {
    let (target, config) =
        connect(&args.target, &format!("delete stack {}", args.stack_name)).await?;
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    crate::delete(&cfn, &args.stack_name, Duration::from_secs(args.timeout)).await?;
    println!("{} deleted from {}", args.stack_name, target.describe());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tpl() -> String {
        load_template("cloudtrail", "commercial").unwrap()
    }

    #[test]
    fn generator_stacks_load_by_name_and_unknown_names_are_refused() {
        assert!(tpl().contains("AWS::CloudTrail::Trail"));
        let err = load_template("nosuch", "commercial")
            .unwrap_err()
            .to_string();
        assert!(err.contains("template") && err.contains("nosuch"), "{err}");
        let err = load_template("vpc", "mars").unwrap_err().to_string();
        assert!(err.contains("cloud") && err.contains("mars"), "{err}");
    }

    #[test]
    fn parameters_are_checked_against_the_template() {
        let t = tpl();
        assert!(
            check_parameters(&t, &[(params::AWS_ROLE_NAME.into(), "OIDC_Mine".into())]).is_ok()
        );
        let err = check_parameters(&t, &[(params::AWS_ROLE_NAME.into(), "Mine".into())])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(params::AWS_ROLE_NAME) && err.contains("`Mine`") && err.contains("OIDC_"),
            "{err}"
        );
        let err = check_parameters(&t, &[(params::BUCKET_NAME.into(), "Bad_Bucket".into())])
            .unwrap_err()
            .to_string();
        assert!(err.contains(params::BUCKET_NAME), "{err}");
        let err = check_parameters(&t, &[(params::CREATE_TRAIL.into(), "yes".into())])
            .unwrap_err()
            .to_string();
        assert!(err.contains("true, false"), "{err}");
        let err = check_parameters(&t, &[("Nope".into(), "x".into())])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not declared") && err.contains(params::TRAIL_NAME),
            "{err}"
        );
    }
}
