//! Where to deploy: LocalStack (default) or real AWS.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudformation::config::Credentials;

/// The default LocalStack endpoint when nothing else says otherwise.
pub const DEFAULT_LOCALSTACK: &str = "http://127.0.0.1:4566";
pub const LOCALSTACK_REGION: &str = "us-east-1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An emulator endpoint, with LocalStack's fixed test credentials.
    LocalStack { endpoint: String },
    /// Real AWS, through the standard credential and region chain.
    Aws {
        profile: Option<String>,
        region: Option<String>,
    },
}

impl Target {
    pub fn localstack(endpoint: impl Into<String>) -> Self {
        Target::LocalStack {
            endpoint: endpoint.into(),
        }
    }
    pub fn is_real_aws(&self) -> bool {
        matches!(self, Target::Aws { .. })
    }
    pub fn describe(&self) -> String {
        match self {
            Target::LocalStack { endpoint } => format!("LocalStack at {endpoint}"),
            Target::Aws { profile, region } => format!(
                "AWS (profile {}, region {})",
                profile.as_deref().unwrap_or("default chain"),
                region.as_deref().unwrap_or("from the default chain")
            ),
        }
    }
}

/// SDK configuration for a target.
pub async fn sdk_config(target: &Target) -> SdkConfig {
    match target {
        Target::LocalStack { endpoint } => {
            aws_config::defaults(BehaviorVersion::latest())
                .endpoint_url(endpoint)
                .region(Region::new(LOCALSTACK_REGION))
                .credentials_provider(Credentials::new("test", "test", None, None, "localstack"))
                .load()
                .await
        }
        Target::Aws { profile, region } => {
            let mut loader = aws_config::defaults(BehaviorVersion::latest());
            if let Some(p) = profile {
                loader = loader.profile_name(p);
            }
            if let Some(r) = region {
                loader = loader.region(Region::new(r.clone()));
            }
            loader.load().await
        }
    }
}

/// Who the credentials belong to, for the confirmation step before touching real AWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub account: String,
    pub arn: String,
    pub region: String,
}

pub async fn caller_identity(config: &SdkConfig) -> anyhow::Result<Identity> {
    let sts = aws_sdk_sts::Client::new(config);
    let me = sts.get_caller_identity().send().await.map_err(|e| {
        anyhow::anyhow!(
            "could not identify the AWS credentials ({}): configure them (aws configure, AWS_PROFILE, or environment variables) and retry",
            aws_sdk_sts::error::DisplayErrorContext(e)
        )
    })?;
    Ok(Identity {
        account: me.account().unwrap_or_default().to_string(),
        arn: me.arn().unwrap_or_default().to_string(),
        region: config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "(none)".into()),
    })
}
