//! The job's access proof (see [`crate::access`]): after the deploy, the policies are read
//! back from LocalStack; each connector route's role is assumed as Sentinel assumes it; the
//! connector runs behind the gate; each service's writes are evaluated as that service.

use super::stacks::{self, Deployed};
use super::WORKSPACE_ID;
use crate::access::assume::{self, Assumption};
use crate::access::gate::{AccessGate, RouteIdentity};
use crate::access::readback::{self, ReadBack};
use crate::access::writes::{Writer, Writes};
use crate::access::{Ledger, Where};
use crate::connector::{Route, RouteClients};
use anyhow::{Context, Result};
use catalogue::DataType;
use generator::facts::Cloud;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Everything the job's evaluations share.
pub struct Enforcement {
    pub ledger: Arc<Ledger>,
    pub at: Where,
    pub readback: ReadBack,
}

impl Enforcement {
    /// Reads back the policies of `stacks`, and of what is not the stacks' but takes part:
    /// the queues of `also` (the second consumers of `--fan-out sns`) and `foreign`'s bucket
    /// and key (the organization's log archive of `--accounts`), from the account `config`
    /// reaches.
    pub async fn read_back(
        config: &aws_config::SdkConfig,
        stacks: &[&str],
        also: &[String],
        foreign: Option<&super::accounts::Archive>,
    ) -> Result<Self> {
        let me = deployer::caller_identity(config).await?;
        let at = Where {
            partition: "aws".into(),
            region: deployer::LOCALSTACK_REGION.into(),
            account: me.account,
        };
        let mut readback = readback::read_back(config, stacks, &at)
            .await
            .context("reading the deployed policies back from LocalStack")?;
        let sqs = aws_sdk_sqs::Client::new(config);
        for url in also {
            readback::read_queue(&sqs, url, &at, &mut readback).await?;
        }
        if let Some(archive) = foreign {
            let s3 = crate::replay::s3_client(config);
            readback::read_bucket(&s3, &archive.bucket, &at, &mut readback).await?;
            let kms = aws_sdk_kms::Client::new(config);
            readback::read_key(&kms, &archive.key_arn, &at, &mut readback).await?;
        }
        eprintln!(
            "e2e: read back {} policies of {} roles, {} queues and {} keys from LocalStack",
            readback.policies,
            readback.roles.len(),
            readback.queues.len(),
            readback.keys.len() / 2
        );
        let set = std::mem::take(&mut readback.set);
        Ok(Enforcement {
            ledger: Arc::new(Ledger::new(set)),
            at,
            readback,
        })
    }

    pub fn writes(&self) -> Writes {
        Writes {
            ledger: Arc::clone(&self.ledger),
            at: self.at.clone(),
            notifications: self.readback.notifications.clone(),
            topic_notifications: self.readback.topic_notifications.clone(),
            subscriptions: self.readback.subscriptions.clone(),
        }
    }

    /// Assumes each route's role as Sentinel: the routes that may start, their clients and
    /// identities, and the failure of each route that may not (with Sentinel's health code).
    pub async fn assume_routes(
        &self,
        config: &aws_config::SdkConfig,
        deployed: &[Deployed],
        routes: Vec<(DataType, Route)>,
    ) -> Result<StartedRoutes> {
        let mut out = StartedRoutes::default();
        for (s, route) in routes {
            let stack = match s {
                DataType::Eks => super::eks::STACK.to_string(),
                _ => stacks::of(deployed, s)?.name.clone(),
            };
            let role_arn = self.readback.role(&stack, "SentinelRole")?.to_string();
            match assume::assume_as_sentinel(
                config,
                &self.ledger,
                &self.at,
                Cloud::Commercial,
                &role_arn,
                WORKSPACE_ID,
                &route.name,
            )
            .await?
            {
                Assumption::Assumed {
                    config: session,
                    session_name,
                    via,
                } => {
                    eprintln!(
                        "e2e: route {} runs as {session_name} on {role_arn} (trust policy evaluated, session from LocalStack's {via})",
                        route.name
                    );
                    out.clients.insert(
                        route.name.clone(),
                        RouteClients {
                            s3: crate::replay::s3_client(&session),
                            sqs: aws_sdk_sqs::Client::new(&session),
                        },
                    );
                    out.identities.insert(
                        route.name.clone(),
                        RouteIdentity {
                            role_arn,
                            session_name,
                        },
                    );
                    out.routes.push(route);
                }
                Assumption::Denied(message) => {
                    crate::progress::eprintln(format_args!("e2e: {message}"));
                    out.failed.push(message);
                }
            }
        }
        Ok(out)
    }

    /// The gate of the started routes.
    pub fn gate(&self, started: &StartedRoutes) -> Arc<AccessGate> {
        Arc::new(AccessGate::new(
            Arc::clone(&self.ledger),
            self.at.clone(),
            started.identities.clone(),
            self.readback.queues.clone(),
            self.readback.keys.clone(),
        ))
    }

    /// Who writes `s`'s objects into `stack`, the deployed stack that delivers it.
    pub fn writer(&self, s: DataType, stack: &Deployed) -> Result<Writer> {
        let (r, a) = (&self.at.region, &self.at.account);
        let output = |k: &str| {
            stack
                .outputs
                .get(k)
                .cloned()
                .with_context(|| format!("stack {} has no output {k}", stack.name))
        };
        let p = &self.at.partition;
        let service = |source_arn: String, kms_key_arn: Option<String>| {
            Writer::service(s, &self.at, source_arn, kms_key_arn)
                .with_context(|| format!("{s} objects are not written by their service"))
        };
        match s {
            DataType::Vpc => service(format!("arn:{p}:logs:{r}:{a}:*"), None),
            DataType::CloudTrail => service(
                format!(
                    "arn:aws:cloudtrail:{r}:{a}:trail/{}",
                    self.trail_name(&stack.name)?
                ),
                None,
            ),
            DataType::GuardDuty => service(
                format!(
                    "arn:aws:guardduty:{r}:{a}:detector/{}",
                    output(generator::stacks::outputs::GUARDDUTY_DETECTOR_ID)?
                ),
                Some(output(generator::stacks::outputs::GUARDDUTY_KMS_KEY_ARN)?),
            ),
            DataType::CloudWatch => Ok(Writer::Firehose {
                stream_arn: format!(
                    "arn:aws:firehose:{r}:{a}:deliverystream/{}",
                    self.readback
                        .physical_id(&stack.name, "CloudWatchDeliveryStream")?
                ),
                role_arn: self
                    .readback
                    .role(&stack.name, "CloudWatchFirehoseRole")?
                    .to_string(),
                by_localstack: false,
            }),
            DataType::Eks => anyhow::bail!("EKS objects are written by LocalStack's Firehose"),
            DataType::Route53 => service(format!("arn:{p}:logs:{r}:{a}:*"), None),
            DataType::NetworkFirewallFlow
            | DataType::NetworkFirewallAlert
            | DataType::NetworkFirewallTls => service(format!("arn:{p}:logs:{r}:{a}:*"), None),
            // The log-delivery service, for this account's log deliveries (as for flow logs).
            DataType::Waf => service(format!("arn:{p}:logs:{r}:{a}:*"), None),
            DataType::S3Access => Ok(Writer::server_access_logging()),
            DataType::SecurityHub => Ok(Writer::Firehose {
                stream_arn: format!(
                    "arn:aws:firehose:{r}:{a}:deliverystream/{}",
                    self.readback
                        .physical_id(&stack.name, "SecurityHubDeliveryStream")?
                ),
                role_arn: self
                    .readback
                    .role(&stack.name, "SecurityHubFirehoseRole")?
                    .to_string(),
                by_localstack: false,
            }),
            // The delivery source of a distribution's standard logging (v2): CloudFront's live
            // in us-east-1 whatever the bucket's Region. The run creates no distribution, so the
            // writer is a delivery source of this account as the stack's grant admits it.
            DataType::CloudFront => service(
                format!("arn:{p}:logs:us-east-1:{a}:delivery-source:sentinel-cloudfront-e2e"),
                None,
            ),
            // The load balancer the run stands for (ALB access logs name no source in their
            // grant; the ARN is what the write would carry).
            DataType::ElbAlb => service(
                format!("arn:{p}:elasticloadbalancing:{r}:{a}:loadbalancer/app/sentinel-e2e/50dc6c495c0c9188"),
                None,
            ),
            DataType::ElbNlb | DataType::ElbNlbFlow | DataType::ElbGwlbFlow => {
                service(format!("arn:{p}:logs:{r}:{a}:*"), None)
            }
        }
    }

    /// The name of the trail `stack` created. LocalStack mocks the trail and
    /// answers `unknown` for its physical id; the trail is then named as the template names
    /// it without a `TrailName` parameter (the job passes none):
    /// `sentinel-management-events-<first group of the stack id's UUID>`.
    fn trail_name(&self, stack: &str) -> Result<String> {
        let id = self.readback.physical_id(stack, "CloudTrailTrail")?;
        if id != "unknown" && !id.is_empty() {
            return Ok(id.rsplit('/').next().unwrap_or(id).to_string());
        }
        let stack_id = self
            .readback
            .stack_ids
            .get(stack)
            .with_context(|| format!("no stack id read for {stack}"))?;
        let suffix = stack_id
            .split('/')
            .nth(2)
            .and_then(|u| u.split('-').next())
            .with_context(|| format!("stack id {stack_id} has no UUID after the name"))?;
        Ok(format!("sentinel-management-events-{suffix}"))
    }

    /// The evaluations of the EKS path.
    pub fn eks(&self) -> Result<EksAccess> {
        let stack = super::eks::STACK;
        let (r, a) = (&self.at.region, &self.at.account);
        let stream_arn = format!(
            "arn:aws:firehose:{r}:{a}:deliverystream/{}",
            self.readback.physical_id(stack, "EksDeliveryStream")?
        );
        Ok(EksAccess {
            writes: self.writes(),
            logs_role: self.readback.role(stack, "EksLogsRole")?.to_string(),
            writer: Writer::Firehose {
                stream_arn: stream_arn.clone(),
                role_arn: self.readback.role(stack, "EksFirehoseRole")?.to_string(),
                by_localstack: true,
            },
            stream_arn,
        })
    }
}

/// The routes that passed the assumption step.
#[derive(Debug, Default)]
pub struct StartedRoutes {
    pub routes: Vec<Route>,
    pub clients: BTreeMap<String, RouteClients>,
    pub identities: BTreeMap<String, RouteIdentity>,
    /// One message per route that could not start (Sentinel's health code in it).
    pub failed: Vec<String>,
}

/// The EKS path's evaluations: LocalStack's CloudWatch Logs, Firehose and S3 make these
/// calls themselves, so they are evaluated on the simulator's side and labelled so.
pub struct EksAccess {
    writes: Writes,
    logs_role: String,
    writer: Writer,
    stream_arn: String,
}

impl EksAccess {
    /// Firehose assuming its delivery role (once).
    pub fn before_delivery(&self, bucket: &str) {
        let _ = self.writes.before_delivery(&self.writer, bucket);
    }
    /// One PutLogEvents call's delivery into Firehose by the subscription.
    pub fn delivery(&self, log_group: &str) {
        self.writes
            .logs_to_firehose(log_group, &self.logs_role, &self.stream_arn);
    }
    /// One object Firehose wrote, and its notification.
    pub fn object(&self, bucket: &str, key: &str) {
        let _ = self.writes.put_object(&self.writer, bucket, key);
        self.writes.notify(bucket, key);
    }
}
