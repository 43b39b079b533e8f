//! Shared helpers for the integration tests: one real LocalStack per test binary (started by
//! the tests themselves, stopped when the binary exits), SDK clients, and waits with deadlines.

use aws_config::SdkConfig;
use deployer::Target;
use generator::stacks::{StackKind, StackSpec};
use std::future::Future;
use std::time::{Duration, Instant};

pub const WORKSPACE_ID: &str = "0123abcd-4567-89ef-0123-456789abcdef";

/// A LocalStack for one test: the test owns it and stops it (it is also stopped on drop,
/// so a failing test leaves nothing running).
pub fn start_localstack() -> harness::LocalStack {
    let ls = harness::LocalStack::start(harness::LocalStackConfig::default())
        .unwrap_or_else(|e| panic!("LocalStack did not start: {e}"));
    let t = ls.timings();
    eprintln!(
        "LocalStack ({:?}) at {}: venv build {:?}, start-up {:.1} s",
        ls.mode(),
        ls.endpoint(),
        t.venv_install.map(|d| d.as_secs_f64()),
        t.startup.as_secs_f64()
    );
    ls
}

pub async fn sdk(ls: &harness::LocalStack) -> SdkConfig {
    deployer::sdk_config(&Target::localstack(ls.endpoint())).await
}

pub fn s3(config: &SdkConfig) -> aws_sdk_s3::Client {
    let c = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(c)
}

/// Parameters that make every stack's names unique, so all of them deploy side by side.
pub fn unique_parameters(spec: &StackSpec) -> Vec<(String, String)> {
    let stem = spec.stem();
    let short = stem
        .replace("sentinel-", "")
        .replace("-connector", "")
        .replace("commercial", "com")
        .replace("government", "gov");
    let mut p = Vec::new();
    match spec.kind {
        StackKind::OidcProvider => {}
        StackKind::LegacyCloudTrail => {
            p.push(("SentinelWorkspaceId".into(), WORKSPACE_ID.into()));
            p.push(("RoleName".into(), format!("legacy-{short}")));
        }
        StackKind::Eks => {
            p.push(("SentinelWorkspaceId".into(), WORKSPACE_ID.into()));
            p.push(("AwsRoleName".into(), format!("OIDC_{short}")));
            p.push(("BucketName".into(), format!("it-{short}")));
            p.push(("EKSClusterName".into(), format!("it-{short}")));
        }
        StackKind::Connector(_) | StackKind::AllServices => {
            p.push(("SentinelWorkspaceId".into(), WORKSPACE_ID.into()));
            p.push(("AwsRoleName".into(), format!("OIDC_{short}")));
            p.push(("BucketName".into(), format!("it-{short}")));
            let services = spec.services();
            if services.len() == 1 {
                p.push(("SentinelSQSQueueName".into(), format!("it-{short}")));
            } else {
                for s in services {
                    p.push((
                        format!("{}SQSQueueName", s.id()),
                        format!("it-{short}-{}", s.slug()),
                    ));
                }
            }
            let t = spec.build();
            if t.parameters.contains_key("TrailName") {
                p.push(("TrailName".into(), format!("it-{short}")));
            }
            if t.parameters.contains_key("KmsKeyAlias") {
                p.push(("KmsKeyAlias".into(), format!("it-{short}")));
            }
            // A fresh LocalStack account has no GuardDuty detector (and no GuardDuty API).
            if t.parameters.contains_key("CreateDetector") {
                p.push(("CreateDetector".into(), "true".into()));
            }
        }
    }
    p
}

/// Polls `probe` until it yields `Some`, or panics naming `what` after `deadline`.
pub async fn wait_for<T, F, Fut>(what: &str, deadline: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let end = Instant::now() + deadline;
    let mut delay = Duration::from_millis(100);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(
            Instant::now() < end,
            "timed out after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(1));
    }
}
