//! Published facts the stacks are built from (see `shared/docs/sentinel-aws-spec.md`).

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// Thumbprint of the Microsoft Entra ID issuer certificate, as Microsoft's templates give it.
pub const OIDC_THUMBPRINT: &str = "626d44e704d1ceabe3bf0d53397464ac8080142c";

/// Microsoft Sentinel's AWS account for the legacy (pre-OIDC) CloudTrail connector.
pub const SENTINEL_LEGACY_ACCOUNT: &str = "197857026523";

/// The AWS managed policy the legacy CloudTrail connector needs (LookupEvents).
pub const LEGACY_MANAGED_POLICY: &str = "AWSCloudTrail_ReadOnlyAccess";

/// The session-name prefix Sentinel sends, and the one Defender for Cloud began sending in 2025.
pub const SESSION_PREFIX_SENTINEL: &str = "MicrosoftSentinel_";
pub const SESSION_PREFIX_DEFENDER: &str = "MicrosoftDefenderForClouds_";

/// The Azure cloud the Sentinel workspace lives in; decides the OIDC issuer and audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Cloud {
    Commercial,
    Government,
}

impl Cloud {
    pub const ALL: [Cloud; 2] = [Cloud::Commercial, Cloud::Government];

    pub fn tenant(self) -> &'static str {
        match self {
            Cloud::Commercial => "33e01921-4d64-4f8c-a055-5bdaffd5e33d",
            Cloud::Government => "cab8a31a-1906-4287-a0d8-4eef66b95f6e",
        }
    }
    pub fn audience(self) -> &'static str {
        match self {
            Cloud::Commercial => "api://1462b192-27f7-4cb9-8523-0f4ecb54b47e",
            Cloud::Government => "api://d4230588-5f84-4281-a9c7-2c15194b28f7",
        }
    }
    /// The issuer without scheme, as IAM names the provider: `sts.windows.net/<tenant>/`.
    pub fn issuer_host_path(self) -> String {
        format!("sts.windows.net/{}/", self.tenant())
    }
    pub fn issuer_url(self) -> String {
        format!("https://{}", self.issuer_host_path())
    }
    pub fn slug(self) -> &'static str {
        match self {
            Cloud::Commercial => "commercial",
            Cloud::Government => "government",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Cloud::Commercial => "Azure commercial",
            Cloud::Government => "Azure Government",
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

impl FromStr for Cloud {
    type Err = crate::config::InputError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "commercial" | "com" | "public" => Ok(Cloud::Commercial),
            "government" | "gov" | "usgov" => Ok(Cloud::Government),
            _ => Err(crate::config::InputError::new(
                "cloud",
                s,
                "must be `commercial` or `government` (the Azure cloud of the Sentinel workspace)",
            )),
        }
    }
}

/// The data types, from the catalogue (one list shared with the simulator).
pub use catalogue::{parse_selection, DataType, Group};

/// Opt-in Regions (launched after 20 March 2019, disabled by default), where GuardDuty's
/// exports are written by the Regional principal `guardduty.<region>.amazonaws.com`. The first
/// eleven are the ones the GuardDuty user guide's example and our review name; ap-south-2 is in
/// AWS's list of opt-in Regions (S3 Multi-Region Access Points); the last five opened in
/// 2024-2025 as opt-in Regions.
pub const OPT_IN_REGIONS: &[&str] = &[
    "me-south-1",
    "me-central-1",
    "af-south-1",
    "ap-east-1",
    "ap-southeast-3",
    "ap-southeast-4",
    "eu-south-1",
    "eu-south-2",
    "eu-central-2",
    "il-central-1",
    "ca-west-1",
    "ap-south-2",
    "ap-southeast-5",
    "ap-southeast-7",
    "mx-central-1",
    "ap-east-2",
    "ap-southeast-6",
];

/// AWS service principals.
pub mod principals {
    pub const S3: &str = "s3.amazonaws.com";
    pub const LOG_DELIVERY: &str = "delivery.logs.amazonaws.com";
    pub const CLOUDTRAIL: &str = "cloudtrail.amazonaws.com";
    pub const GUARDDUTY: &str = "guardduty.amazonaws.com";
    /// GuardDuty's principal in an opt-in Region (a `Fn::Sub` template): GuardDuty user guide,
    /// "Exporting generated findings", steps 2 and 3.
    pub const GUARDDUTY_REGIONAL: &str = "guardduty.${AWS::Region}.amazonaws.com";
    pub const FIREHOSE: &str = "firehose.amazonaws.com";
    pub const LAMBDA: &str = "lambda.amazonaws.com";
    /// CloudWatch Logs is regional: `logs.<region>.amazonaws.com` (a `Fn::Sub` template).
    pub const LOGS_REGIONAL: &str = "logs.${AWS::Region}.amazonaws.com";
    /// S3 server access log delivery (S3 User Guide, "Permissions for log delivery").
    pub const S3_LOGGING: &str = "logging.s3.amazonaws.com";
    /// EventBridge, assuming a rule's target role.
    pub const EVENTS: &str = "events.amazonaws.com";
    /// Application Load Balancer access-log delivery in the Regions that opened in or after
    /// August 2022 (ELB User Guide for ALBs, "Enable access logs", step 2).
    pub const ELB_LOG_DELIVERY: &str = "logdelivery.elasticloadbalancing.amazonaws.com";
}

/// The Elastic Load Balancing account that writes Application Load Balancer access logs in
/// each Region available before August 2022 (the bucket policy names its root as the
/// principal; ELB User Guide for ALBs, "Enable access logs", step 2); every other Region uses
/// [`principals::ELB_LOG_DELIVERY`]. The two GovCloud Regions are in the list.
pub const ELB_LEGACY_ACCOUNTS: &[(&str, &str)] = &[
    ("us-east-1", "127311923021"),
    ("us-east-2", "033677994240"),
    ("us-west-1", "027434742980"),
    ("us-west-2", "797873946194"),
    ("af-south-1", "098369216593"),
    ("ap-east-1", "754344448648"),
    ("ap-southeast-3", "589379963580"),
    ("ap-south-1", "718504428378"),
    ("ap-northeast-3", "383597477331"),
    ("ap-northeast-2", "600734575887"),
    ("ap-southeast-1", "114774131450"),
    ("ap-southeast-2", "783225319266"),
    ("ap-northeast-1", "582318560864"),
    ("ca-central-1", "985666609251"),
    ("eu-central-1", "054676820928"),
    ("eu-west-1", "156460612806"),
    ("eu-west-2", "652711504416"),
    ("eu-south-1", "635631232127"),
    ("eu-west-3", "009996457667"),
    ("eu-north-1", "897822967062"),
    ("me-south-1", "076674570225"),
    ("sa-east-1", "507241528517"),
    ("us-gov-west-1", "048591011584"),
    ("us-gov-east-1", "190560391635"),
];

/// The account [`ELB_LEGACY_ACCOUNTS`] gives `region`, if any.
pub fn elb_legacy_account(region: &str) -> Option<&'static str> {
    ELB_LEGACY_ACCOUNTS
        .iter()
        .find(|(r, _)| *r == region)
        .map(|(_, a)| *a)
}
