//! Shared helpers for the integration tests: one real LocalStack per test binary (started by
//! the tests themselves, stopped when the binary exits), SDK clients, and waits with deadlines.

use aws_config::SdkConfig;
use deployer::Target;
use generator::stacks::{params, StackKind, StackParams, StackSpec};
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
    fn name<T: std::str::FromStr>(n: String) -> T
    where
        T::Err: std::fmt::Debug,
    {
        n.parse().expect("a valid name")
    }
    let workspace = WORKSPACE_ID.parse().expect("a valid workspace ID");
    let p = StackParams::new(spec);
    let p = match spec.kind {
        StackKind::OidcProvider => p,
        StackKind::LegacyCloudTrail => p
            .workspace_id(&workspace)
            .legacy_role_name(&name(format!("legacy-{short}"))),
        StackKind::Eks => p
            .workspace_id(&workspace)
            .role_name(&name(format!("OIDC_{short}")))
            .bucket_name(&name(format!("it-{short}")))
            .eks_cluster(&name(format!("it-{short}"))),
        // The archive and a VPC (LocalStack deploys the flow log as a mock, so any ID serves).
        StackKind::LogArchiveMember => p
            .set(
                generator::stacks::member::ARCHIVE_BUCKET,
                format!("it-archive-{short}"),
            )
            .set(generator::stacks::params::VPC_ID, "vpc-0123456789abcdef0"),
        // The archive bucket is the organization's: the stack only names it.
        StackKind::LogArchive => {
            let mut p = p
                .workspace_id(&workspace)
                .role_name(&name(format!("OIDC_{short}")))
                .bucket_name(&name(format!("it-{short}")))
                .set(
                    generator::stacks::log_archive::ORGANIZATION_ID,
                    "o-it0000000001",
                );
            for s in spec.services() {
                p = p.service_queue_name(s, &name(format!("it-{short}-{}", s.slug())));
            }
            p
        }
        StackKind::Connector(_) | StackKind::AllServices => {
            // A bucket name the delivering service accepts (AWS WAF: `aws-waf-logs-...`).
            let prefix = spec.services().first().map_or("", |d| d.bucket_prefix());
            let mut p = p
                .workspace_id(&workspace)
                .role_name(&name(format!("OIDC_{short}")))
                .bucket_name(&name(format!("{prefix}it-{short}")));
            let services = spec.services();
            if services.len() == 1 {
                p = p.queue_name(&name(format!("it-{short}")));
            } else {
                for s in services {
                    p = p.service_queue_name(s, &name(format!("it-{short}-{}", s.slug())));
                }
            }
            let t = spec.build();
            if t.parameters.contains_key(params::TRAIL_NAME) {
                p = p.set(params::TRAIL_NAME, format!("it-{short}"));
            }
            if t.parameters.contains_key(params::KMS_KEY_ALIAS) {
                p = p.set(params::KMS_KEY_ALIAS, format!("it-{short}"));
            }
            // A fresh LocalStack account has no GuardDuty detector (and no GuardDuty API).
            if t.parameters.contains_key(params::CREATE_DETECTOR) {
                p = p.create_detector(true);
            }
            p
        }
    };
    p.into_pairs()
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
