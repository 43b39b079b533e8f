//! The connector stacks the run deploys: the all-services stack for the classic four data
//! types (one bucket, a prefix and queue each), and every other connector stack (one data
//! type's, or a group's with all its members) as a stack of its own, in its own bucket. EKS has
//! its own module ([`super::eks`]).

use super::{E2eArgs, WORKSPACE_ID};
use anyhow::{Context, Result};
use catalogue::DataType;
use deployer::{StackRequest, Staging};
use generator::facts::Cloud;
use generator::stacks::outputs::ConnectorOutputs;
use generator::stacks::{StackKind, StackParams, StackSpec};
use std::collections::BTreeMap;
use std::time::Duration;

/// The all-services stack's name.
pub(crate) const ALL_STACK: &str = "sentinel-e2e-all";

/// One deployed connector stack.
pub struct Deployed {
    /// The CloudFormation stack name.
    pub name: String,
    pub spec: StackSpec,
    pub outputs: BTreeMap<String, String>,
    pub read: ConnectorOutputs,
}

/// The log-archive stack's name (`--accounts`).
pub(crate) const ARCHIVE_STACK: &str = "sentinel-e2e-log-archive";

/// The name of the stack that delivers `d` in a one-account run (the EKS stack for EKS).
pub fn stack_name(d: DataType) -> String {
    match StackKind::of_data_type(d) {
        StackKind::Eks => super::eks::STACK.to_string(),
        _ if d.entry().all_services => ALL_STACK.to_string(),
        kind => format!("sentinel-e2e-{}", kind.name()),
    }
}

/// The log-archive stack, alone: an organization run (`--accounts`) deploys nothing else.
pub fn archive_plan() -> Vec<(String, StackSpec)> {
    vec![(
        ARCHIVE_STACK.to_string(),
        StackSpec {
            kind: StackKind::LogArchive,
            cloud: Cloud::Commercial,
        },
    )]
}

/// The connector stacks `services` need, each once, in catalogue order: the all-services stack
/// first.
pub fn plan(services: &[DataType]) -> Vec<(String, StackSpec)> {
    let mut out: Vec<(String, StackSpec)> = Vec::new();
    for d in services {
        let kind = match StackKind::of_data_type(*d) {
            StackKind::Eks => continue,
            _ if d.entry().all_services => StackKind::AllServices,
            kind => kind,
        };
        let name = stack_name(*d);
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((
                name,
                StackSpec {
                    kind,
                    cloud: Cloud::Commercial,
                },
            ));
        }
    }
    out
}

/// The bucket of stack `spec` in run `seed`: `sentinel-e2e-<seed>` for the all-services stack,
/// `<required prefix>sentinel-e2e-<stack>-<seed>` for the others (WAF writes only into buckets
/// named `aws-waf-logs-...`).
pub fn bucket_name(spec: &StackSpec, seed: u64) -> String {
    match spec.kind {
        StackKind::AllServices => format!("sentinel-e2e-{seed}"),
        kind => {
            let prefix = spec.services().first().map_or("", |d| d.bucket_prefix());
            format!("{prefix}sentinel-e2e-{}-{seed}", kind.name())
        }
    }
}

/// Receives before the dead-letter queue: three, and one more per killed consumer
/// (`--kill-connector`), whose receives of a message count as SQS counts any (a connector
/// that crashes on a good object N times sends it to the DLQ once N reaches this).
pub fn max_receive_count(kills: u32) -> u32 {
    3 + kills
}

/// The parameters the run gives stack `spec`: the workspace, the bucket, short visibility and
/// `receives` receives before the dead-letter queue, and a GuardDuty detector where the stack
/// has GuardDuty (a fresh LocalStack account runs none).
pub fn parameters(
    spec: &StackSpec,
    seed: u64,
    receives: u32,
    fan_out: super::fan_out::FanOut,
) -> Result<Vec<(String, String)>> {
    let mut p = StackParams::new(spec)
        .workspace_id(&WORKSPACE_ID.parse()?)
        .bucket_name(&bucket_name(spec, seed).parse()?)
        .queue_visibility_timeout(30)
        .max_receive_count(receives);
    if fan_out == super::fan_out::FanOut::Sns {
        p = p.set(generator::stacks::params::FAN_OUT, "sns");
    }
    // The log archive's GuardDuty exports are the member accounts' (it has no detector).
    if spec.services().contains(&DataType::GuardDuty) && spec.kind != StackKind::LogArchive {
        p = p.create_detector(true);
    }
    if spec.services().contains(&DataType::S3Access) {
        p = p.set(
            generator::stacks::params::WATCHED_BUCKET_NAMES,
            watched_buckets(seed).join(","),
        );
    }
    Ok(p.into_pairs())
}

/// The buckets whose server access logs the run delivers (the s3access stack's
/// `WatchedBucketNames`): named, not created, since LocalStack delivers no server access logs.
pub fn watched_buckets(seed: u64) -> Vec<String> {
    ["app-data", "uploads"]
        .iter()
        .map(|b| format!("sentinel-e2e-watched-{b}-{seed}"))
        .collect()
}

/// Deploys every stack of `plan` (with the parameters `extra` beyond the run's usual ones)
/// and reads its outputs.
pub async fn deploy(
    cfn: &aws_sdk_cloudformation::Client,
    config: &aws_config::SdkConfig,
    args: &E2eArgs,
    plan: &[(String, StackSpec)],
    extra: &[(String, String)],
) -> Result<Vec<Deployed>> {
    let mut out = Vec::new();
    for (name, spec) in plan {
        let report = deployer::deploy(
            cfn,
            &StackRequest {
                stack_name: name.clone(),
                template: super::templates::template(args.templates.as_deref(), spec)?,
                parameters: parameters(
                    spec,
                    args.seed,
                    max_receive_count(args.kill_connector),
                    args.fan_out,
                )?
                .into_iter()
                .chain(extra.iter().cloned())
                .collect(),
                timeout: Duration::from_secs(300),
                progress: false,
                staging: Some(Staging::new(config)),
            },
        )
        .await
        .with_context(|| format!("deploying stack {name} ({spec})"))?;
        eprintln!("e2e: deployed {name} in {:.1} s", report.seconds);
        let read =
            ConnectorOutputs::from_map(spec, &report.outputs).map_err(|e| e.in_stack(name))?;
        out.push(Deployed {
            name: name.clone(),
            spec: *spec,
            outputs: report.outputs,
            read,
        });
    }
    Ok(out)
}

/// The deployed stack that delivers `d`.
pub fn of(deployed: &[Deployed], d: DataType) -> Result<&Deployed> {
    deployed
        .iter()
        .find(|s| s.spec.services().contains(&d))
        .with_context(|| format!("no stack that delivers {d} was deployed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_classic_four_share_one_stack_and_every_other_stack_is_its_own() {
        let plan = plan(DataType::ALL);
        assert_eq!(plan[0].0, ALL_STACK);
        assert_eq!(plan[0].1.kind, StackKind::AllServices);
        let names: Vec<&str> = plan.iter().map(|(n, _)| n.as_str()).collect();
        let mut unique = names.clone();
        unique.dedup();
        assert_eq!(names, unique);
        for d in DataType::ALL {
            if *d == DataType::Eks {
                assert!(!names.contains(&stack_name(*d).as_str()));
                continue;
            }
            let (_, spec) = plan.iter().find(|(n, _)| *n == stack_name(*d)).unwrap();
            assert!(spec.services().contains(d), "{d} in {spec}");
        }
    }

    #[test]
    fn bucket_names_are_valid_distinct_and_carry_the_required_prefix() {
        let plan = plan(DataType::ALL);
        let mut buckets = Vec::new();
        for (_, spec) in &plan {
            let b = bucket_name(spec, 7);
            b.parse::<generator::config::BucketName>()
                .unwrap_or_else(|e| panic!("{spec}: {e}"));
            for d in spec.services() {
                assert!(b.starts_with(d.bucket_prefix()), "{b} for {d}");
            }
            assert!(!buckets.contains(&b));
            buckets.push(b);
        }
        assert_eq!(bucket_name(&plan[0].1, 7), "sentinel-e2e-7");
    }
}
