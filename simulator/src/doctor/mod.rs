//! `simulator doctor`: why Sentinel shows no data, read from a deployed connector stack (in
//! LocalStack, or with `--aws` in a real account), without changing anything. A setup that is
//! no stack of ours (Microsoft's template or script, or built by hand) is named by its role and
//! queues instead (`--role-arn ARN --queue-url URL ...`); what a stack's outputs would give is
//! then read from the account ([`setup`]).
//!
//! It reads the stack's outputs and parameters, reads back the role, bucket, queue and key
//! policies as deployed ([`crate::access::readback`]) and evaluates on them what Sentinel and
//! S3 will ask for ([`::access`]); then it looks at the OIDC provider, the bucket's
//! notifications, each queue's dead-letter queue and depth, and a sample of the newest objects
//! under each notified prefix, parsed as the connector parses them. Every check gives a
//! [`Finding`]: its severity, what is wrong, Sentinel's health code where one applies, and the
//! fix. Calls made: CloudFormation `DescribeStacks`, `ListStackResources`; IAM `GetRole`,
//! `ListRolePolicies`, `GetRolePolicy`, `ListAttachedRolePolicies`, `GetPolicy`,
//! `GetPolicyVersion`, `ListOpenIDConnectProviders`, `GetOpenIDConnectProvider`; S3 `GetBucketPolicy`,
//! `GetBucketNotificationConfiguration`, `ListObjectsV2`, `GetObject`; SQS
//! `GetQueueAttributes`, `GetQueueUrl`; S3 `GetBucketEncryption` (for a setup); KMS
//! `DescribeKey`, `GetKeyPolicy`; CloudWatch `GetMetricStatistics` (the oldest message's age),
//! `DescribeAlarmsForMetric` (the queues' alarms);
//! STS `GetCallerIdentity`. All of them read.
//!
//! Not looked at: service control policies, and the Sentinel side (the connector's
//! configuration in the portal).

mod checks;
mod cloudwatch;
pub mod setup;
pub mod sns;

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::access::Where;
use generator::facts::Cloud;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// What the check found in order.
    Ok,
    /// Worth knowing; nothing is broken by it.
    Info,
    /// Works, but loses or delays data in some case.
    Warning,
    /// Sentinel gets no data (or not all of it) until it is fixed.
    Error,
}

impl Severity {
    fn label(self) -> &'static str {
        match self {
            Severity::Ok => "ok",
            Severity::Info => "info",
            Severity::Warning => "WARNING",
            Severity::Error => "ERROR",
        }
    }
}

/// One result of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// The check's name (`trust`, `oidc-provider`, `role-queue`, `role-read`, `role-decrypt`,
    /// `queue-policy`, `notification`, `dlq`, `queue-depth`, `queue-age`, `alarms`, `objects`).
    pub check: &'static str,
    /// What it is about: the stack, or `<stack>/<data type>`.
    pub subject: String,
    pub what: String,
    /// Sentinel's health code for it, where one applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_code: Option<&'static str>,
    /// The exact fix: a CLI command or a template parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    fn new(severity: Severity, check: &'static str, subject: &str, what: String) -> Finding {
        Finding {
            severity,
            check,
            subject: subject.to_string(),
            what,
            health_code: None,
            fix: None,
        }
    }
    fn code(mut self, code: &'static str) -> Finding {
        self.health_code = Some(code);
        self
    }
    fn fix(mut self, fix: impl Into<String>) -> Finding {
        self.fix = Some(fix.into());
        self
    }
}

/// Everything one run found, stack by stack.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diagnosis {
    pub findings: Vec<Finding>,
}

impl Diagnosis {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }
    /// The findings of `check` with severity `s`.
    pub fn of(&self, check: &str, s: Severity) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|f| f.check == check && f.severity == s)
            .collect()
    }

    /// The findings as a user reads them: one line each, then its health code and fix.
    pub fn print(&self) {
        for f in &self.findings {
            println!(
                "{:<7} {:<13} {}: {}",
                f.severity.label(),
                f.check,
                f.subject,
                f.what
            );
            if let Some(code) = f.health_code {
                println!("        Sentinel health: {code}");
            }
            if let Some(fix) = &f.fix {
                println!("        fix: {fix}");
            }
        }
        println!(
            "doctor: {} errors, {} warnings, {} info, {} ok",
            self.errors(),
            self.count(Severity::Warning),
            self.count(Severity::Info),
            self.count(Severity::Ok)
        );
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct DoctorArgs {
    /// A deployed connector stack to diagnose (repeat for several).
    #[arg(
        long = "stack",
        value_name = "NAME",
        required_unless_present = "role_arn",
        conflicts_with = "role_arn"
    )]
    pub stacks: Vec<String>,
    /// Instead of a stack: the role Sentinel assumes, of a setup deployed otherwise (Microsoft's
    /// template or script, or by hand); with --queue-url and --workspace-id.
    #[arg(long, value_name = "ARN", requires = "queue_urls")]
    pub role_arn: Option<String>,
    /// With --role-arn: a queue Sentinel polls (repeat for several).
    #[arg(long = "queue-url", value_name = "URL", requires = "role_arn")]
    pub queue_urls: Vec<String>,
    /// With --role-arn: the data type of each --queue-url, in the same order (default: inferred
    /// from the bucket's notification to the queue).
    #[arg(long = "data-type", value_name = "SLUG", requires = "queue_urls")]
    pub data_types: Vec<catalogue::DataType>,
    /// With --role-arn: the bucket the logs are in (default: the one the queue policy lets send).
    #[arg(long, value_name = "NAME", requires = "role_arn")]
    pub bucket: Option<String>,
    /// The Sentinel workspace ID the connector uses (default: the stack's SentinelWorkspaceId
    /// parameter).
    #[arg(long, value_name = "GUID")]
    pub workspace_id: Option<String>,
    /// Newest objects to fetch and parse per notified prefix.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=50))]
    pub samples: u32,
    /// Print the findings as JSON (for machines) instead of lines.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub target: deployer::cli::TargetArgs,
}

/// Runs the checks on every stack; `Ok(false)` when there is an error finding.
pub async fn run(args: &DoctorArgs) -> Result<bool> {
    let target = deployer::cli::resolve_target(&args.target)?;
    let config = deployer::sdk_config(&target).await;
    let d = match &args.role_arn {
        Some(role_arn) => {
            let setup = setup_of(args, role_arn)?;
            let Some(workspace) = args.workspace_id.as_deref() else {
                anyhow::bail!(
                    "--role-arn needs --workspace-id <the Sentinel workspace's GUID>: the session name Sentinel uses is MicrosoftSentinel_<it>"
                );
            };
            diagnose_setup(&config, &setup, workspace, args.samples).await?
        }
        None => {
            diagnose(
                &config,
                &args.stacks,
                args.workspace_id.as_deref(),
                args.samples,
            )
            .await?
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&d)?);
    } else {
        d.print();
    }
    Ok(d.errors() == 0)
}

/// The setup `--role-arn`, `--queue-url`, `--data-type` and `--bucket` name.
fn setup_of(args: &DoctorArgs, role_arn: &str) -> Result<setup::Setup> {
    if !args.data_types.is_empty() && args.data_types.len() != args.queue_urls.len() {
        anyhow::bail!(
            "--data-type given {} times for {} --queue-url: give one per queue, in the same order, or none (each is then inferred from the bucket's notification)",
            args.data_types.len(),
            args.queue_urls.len()
        );
    }
    Ok(setup::Setup {
        role_arn: role_arn.to_string(),
        queues: args
            .queue_urls
            .iter()
            .enumerate()
            .map(|(i, u)| (u.clone(), args.data_types.get(i).copied()))
            .collect(),
        bucket: args.bucket.clone(),
    })
}

/// Where `config` reaches: its partition, Region and account.
async fn where_of(config: &aws_config::SdkConfig) -> Result<Where> {
    let me = deployer::caller_identity(config).await?;
    let region = config
        .region()
        .map(|r| r.to_string())
        .context("no AWS Region configured (pass --region with --aws)")?;
    Ok(Where {
        partition: ::access::template::partition_of(&region).to_string(),
        region,
        account: me.account,
    })
}

/// The checks on a setup named by its role and queues, in the account `config` reaches.
pub async fn diagnose_setup(
    config: &aws_config::SdkConfig,
    setup: &setup::Setup,
    workspace_id: &str,
    samples: u32,
) -> Result<Diagnosis> {
    let at = where_of(config).await?;
    let mut ctx = checks::StackCtx::read_setup(config, setup, workspace_id, &at).await?;
    Ok(Diagnosis {
        findings: ctx.run(config, samples).await?,
    })
}

/// The checks on `stacks` in the account `config` reaches.
pub async fn diagnose(
    config: &aws_config::SdkConfig,
    stacks: &[String],
    workspace_id: Option<&str>,
    samples: u32,
) -> Result<Diagnosis> {
    let at = where_of(config).await?;
    let cfn = aws_sdk_cloudformation::Client::new(config);
    let mut out = Diagnosis::default();
    for stack in stacks {
        let described = cfn
            .describe_stacks()
            .stack_name(stack)
            .send()
            .await
            .with_context(|| {
                format!("DescribeStacks {stack} (is it deployed in {}?)", at.region)
            })?;
        let s = described
            .stacks()
            .first()
            .with_context(|| format!("no stack {stack}"))?;
        let outputs: BTreeMap<String, String> = s
            .outputs()
            .iter()
            .filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string())))
            .collect();
        let params: BTreeMap<String, String> = s
            .parameters()
            .iter()
            .filter_map(|p| {
                Some((
                    p.parameter_key()?.to_string(),
                    p.parameter_value()?.to_string(),
                ))
            })
            .collect();
        let workspace = match workspace_id.or(params.get("SentinelWorkspaceId").map(String::as_str)) {
            Some(w) => w.to_string(),
            None => anyhow::bail!(
                "stack {stack} has no SentinelWorkspaceId parameter: pass --workspace-id <the workspace's GUID>"
            ),
        };
        let mut ctx = checks::StackCtx::read(config, stack, &outputs, &workspace, &at).await?;
        out.findings.extend(ctx.run(config, samples).await?);
    }
    Ok(out)
}

/// The cloud whose issuer the role's trust policy names (Azure Government's, or commercial).
fn cloud_of_trust(trust_text: &str) -> Cloud {
    if trust_text.contains(&Cloud::Government.issuer_host_path()) {
        Cloud::Government
    } else {
        Cloud::Commercial
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cloud_is_the_trusted_issuers() {
        let gov = format!(
            "{{\"Federated\":\"arn:aws-us-gov:iam::1:oidc-provider/{}\"}}",
            Cloud::Government.issuer_host_path()
        );
        assert_eq!(cloud_of_trust(&gov), Cloud::Government);
        assert_eq!(cloud_of_trust("{}"), Cloud::Commercial);
    }

    #[test]
    fn findings_count_by_severity_and_print_their_code_and_fix() {
        let d = Diagnosis {
            findings: vec![
                Finding::new(Severity::Error, "trust", "s", "refused".into())
                    .code("S3B40029")
                    .fix("redeploy"),
                Finding::new(Severity::Ok, "dlq", "s/vpc", "configured".into()),
            ],
        };
        assert_eq!((d.errors(), d.count(Severity::Ok)), (1, 1));
        assert_eq!(d.of("trust", Severity::Error).len(), 1);
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["findings"][0]["health_code"], "S3B40029");
        assert_eq!(json["findings"][0]["severity"], "error");
        assert!(json["findings"][1].get("fix").is_none());
    }
}
