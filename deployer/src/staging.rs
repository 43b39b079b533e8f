//! Templates over CloudFormation's 51,200-byte inline limit go through S3: a staging bucket
//! per account and Region (`sentinel-toolkit-templates-<account>-<region>`, created on first
//! use with public access blocked, SSE-S3 default encryption, bucket-owner-enforced object
//! ownership and a lifecycle rule that expires objects after a day), one object per stack and
//! template (`<stack-name>/<sha256 of the body>.json`), passed to CloudFormation as TemplateURL.

use crate::partition::Partition;
use crate::DeployError;
use aws_config::SdkConfig;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketLocationConstraint, CreateBucketConfiguration,
    ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter, ObjectOwnership,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tokio::sync::OnceCell;

/// Days after which the staging bucket's lifecycle rule expires a staged template.
pub const STAGED_TEMPLATE_DAYS: i32 = 1;

/// The S3 side of a deploy: where templates too large to pass inline are staged.
/// Built from the same configuration as the CloudFormation client; the account is looked up
/// (STS GetCallerIdentity) the first time it is needed.
#[derive(Debug, Clone)]
pub struct Staging {
    s3: aws_sdk_s3::Client,
    sts: aws_sdk_sts::Client,
    region: Option<String>,
    /// A custom endpoint (LocalStack): path-style S3 and TemplateURLs on that endpoint.
    endpoint: Option<String>,
    account: Arc<OnceCell<String>>,
}

/// Where a template was staged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StagedTemplate {
    pub bucket: String,
    pub key: String,
    /// The TemplateURL given to CloudFormation.
    pub url: String,
    /// Size of the staged (compact JSON) body.
    pub bytes: usize,
    /// Whether this deploy created the staging bucket.
    pub bucket_created: bool,
}

impl Staging {
    pub fn new(config: &SdkConfig) -> Self {
        let endpoint = config
            .endpoint_url()
            .map(|e| e.trim_end_matches('/').to_string());
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(endpoint.is_some())
            .build();
        Staging {
            s3: aws_sdk_s3::Client::from_conf(s3),
            sts: aws_sdk_sts::Client::new(config),
            region: config.region().map(|r| r.to_string()),
            endpoint,
            account: Arc::new(OnceCell::new()),
        }
    }

    /// The account the credentials belong to.
    pub async fn account(&self) -> Result<String, DeployError> {
        self.account
            .get_or_try_init(|| async {
                let me = self.sts.get_caller_identity().send().await.map_err(|e| {
                    DeployError::Sdk(format!(
                        "looking up the account for the template staging bucket: {}",
                        aws_sdk_sts::error::DisplayErrorContext(e)
                    ))
                })?;
                me.account().map(String::from).ok_or_else(|| {
                    DeployError::Sdk("STS GetCallerIdentity returned no account".into())
                })
            })
            .await
            .cloned()
    }

    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// Puts `body` in the staging bucket (created if missing) and returns its TemplateURL.
    pub(crate) async fn stage(
        &self,
        stack_name: &str,
        body: &str,
    ) -> Result<StagedTemplate, DeployError> {
        let Some(region) = self.region.as_deref() else {
            return Err(DeployError::Staging {
                bucket: "(unnamed)".into(),
                message: "the S3 configuration has no Region: set one (--region, AWS_REGION or the profile)".into(),
            });
        };
        let account = self.account().await?;
        let bucket = bucket_name(&account, region);
        let key = object_key(stack_name, body);
        let fail = |message: String| DeployError::Staging {
            bucket: bucket.clone(),
            message,
        };
        let bucket_created = self.ensure_bucket(&bucket, &account, region).await?;
        self.s3
            .put_object()
            .bucket(&bucket)
            .key(&key)
            .expected_bucket_owner(&account)
            .content_type("application/json")
            .body(ByteStream::from(body.as_bytes().to_vec()))
            .send()
            .await
            .map_err(|e| fail(format!("putting {key}: {}", s3_message(e))))?;
        Ok(StagedTemplate {
            url: template_url(&bucket, &key, region, self.endpoint.as_deref()),
            bucket,
            key,
            bytes: body.len(),
            bucket_created,
        })
    }

    /// Creates and configures the bucket unless this account already has it; true if created.
    async fn ensure_bucket(
        &self,
        bucket: &str,
        account: &str,
        region: &str,
    ) -> Result<bool, DeployError> {
        let fail = |message: String| DeployError::Staging {
            bucket: bucket.to_string(),
            message,
        };
        match self
            .s3
            .head_bucket()
            .bucket(bucket)
            .expected_bucket_owner(account)
            .send()
            .await
        {
            Ok(_) => return Ok(false),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {}
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 403) => {
                return Err(fail(format!(
                    "it exists but belongs to another account, or these credentials may not read it ({})",
                    s3_message(e)
                )))
            }
            Err(e) => return Err(fail(format!("checking it: {}", s3_message(e)))),
        }
        let mut create = self
            .s3
            .create_bucket()
            .bucket(bucket)
            .object_ownership(ObjectOwnership::BucketOwnerEnforced);
        if region != "us-east-1" {
            create = create.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region))
                    .build(),
            );
        }
        match create.send().await {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_bucket_already_owned_by_you()) =>
            {
                return Ok(false)
            }
            Err(e) => return Err(fail(format!("creating it: {}", s3_message(e)))),
        }
        if let Err(message) = self.configure(bucket, account).await {
            // Leave no half-configured bucket behind: the next deploy would take it as ready.
            let _ = self.s3.delete_bucket().bucket(bucket).send().await;
            return Err(fail(format!(
                "configuring it (so it was deleted again): {message}"
            )));
        }
        Ok(true)
    }

    async fn configure(&self, bucket: &str, account: &str) -> Result<(), String> {
        let s3 = &self.s3;
        s3.put_public_access_block()
            .bucket(bucket)
            .expected_bucket_owner(account)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| format!("blocking public access: {}", s3_message(e)))?;
        let sse = ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::Aes256)
            .build()
            .expect("the algorithm is set");
        s3.put_bucket_encryption()
            .bucket(bucket)
            .expected_bucket_owner(account)
            .server_side_encryption_configuration(
                ServerSideEncryptionConfiguration::builder()
                    .rules(
                        ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(sse)
                            .build(),
                    )
                    .build()
                    .expect("the rules are set"),
            )
            .send()
            .await
            .map_err(|e| format!("setting SSE-S3 default encryption: {}", s3_message(e)))?;
        let expire = LifecycleRule::builder()
            .id("expire-staged-templates")
            .status(ExpirationStatus::Enabled)
            .filter(LifecycleRuleFilter::builder().prefix("").build())
            .expiration(
                LifecycleExpiration::builder()
                    .days(STAGED_TEMPLATE_DAYS)
                    .build(),
            )
            .build()
            .expect("status is set");
        s3.put_bucket_lifecycle_configuration()
            .bucket(bucket)
            .expected_bucket_owner(account)
            .lifecycle_configuration(
                BucketLifecycleConfiguration::builder()
                    .rules(expire)
                    .build()
                    .expect("the rules are set"),
            )
            .send()
            .await
            .map_err(|e| format!("setting the expiry lifecycle rule: {}", s3_message(e)))?;
        Ok(())
    }
}

fn s3_message<E: std::error::Error + ProvideErrorMetadata + 'static>(e: SdkError<E>) -> String {
    match e.as_service_error().and_then(|s| s.message()) {
        Some(m) => format!(
            "{} ({})",
            m,
            e.as_service_error().and_then(|s| s.code()).unwrap_or("")
        ),
        None => DisplayErrorContext(e).to_string(),
    }
}

/// `sentinel-toolkit-templates-<account>-<region>`.
pub fn bucket_name(account: &str, region: &str) -> String {
    format!("sentinel-toolkit-templates-{account}-{region}")
}

/// `<stack-name>/<sha256 of the body, hex>.json`: the same template is the same object.
pub fn object_key(stack_name: &str, body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{stack_name}/{hex}.json")
}

/// The TemplateURL: virtual-hosted style in the Region's partition domain on AWS,
/// `<endpoint>/<bucket>/<key>` on a custom endpoint (LocalStack).
pub fn template_url(bucket: &str, key: &str, region: &str, endpoint: Option<&str>) -> String {
    match endpoint {
        Some(e) => format!("{}/{bucket}/{key}", e.trim_end_matches('/')),
        None => format!(
            "https://{bucket}.s3.{region}.{}/{key}",
            Partition::of_region(region).url_suffix()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_is_per_account_and_region_and_a_valid_s3_name() {
        let b = bucket_name("123456789012", "ap-southeast-3");
        assert_eq!(b, "sentinel-toolkit-templates-123456789012-ap-southeast-3");
        assert!(b.len() <= 63, "{} characters", b.len());
        assert!(b
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
    }

    #[test]
    fn the_key_is_the_stack_and_the_body_hash() {
        // sha256("abc"), the FIPS 180-2 test vector.
        assert_eq!(
            object_key("my-stack", "abc"),
            "my-stack/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.json"
        );
        assert_ne!(object_key("s", "a"), object_key("s", "b"));
    }

    #[test]
    fn template_urls_follow_the_partition_or_the_endpoint() {
        assert_eq!(
            template_url("b", "s/h.json", "eu-west-1", None),
            "https://b.s3.eu-west-1.amazonaws.com/s/h.json"
        );
        assert_eq!(
            template_url("b", "s/h.json", "us-gov-west-1", None),
            "https://b.s3.us-gov-west-1.amazonaws.com/s/h.json"
        );
        assert_eq!(
            template_url("b", "s/h.json", "cn-north-1", None),
            "https://b.s3.cn-north-1.amazonaws.com.cn/s/h.json"
        );
        assert_eq!(
            template_url("b", "s/h.json", "us-east-1", Some("http://127.0.0.1:4566/")),
            "http://127.0.0.1:4566/b/s/h.json"
        );
    }
}
