//! The templates under proof, the parameter variants and Regions each is resolved for, and
//! the facts the tables assert independently of the templates (Sentinel's issuers and
//! audiences, the key layout each AWS service writes).

use access::stack::policy_set;
use access::template::{text, Stack};
use access::{NamedPolicy, Policy, PolicySet};
use serde_json::{json, Value};
use std::path::PathBuf;

pub const ACCOUNT: &str = "111122223333";
pub const OTHER_ACCOUNT: &str = "444455556666";
pub const WORKSPACE: &str = "6f1a9b2c-1234-4abc-9def-0123456789ab";
pub const OTHER_WORKSPACE: &str = "0b7e5a3d-5678-4def-8abc-ba9876543210";
pub const DETECTOR: &str = "0123456789abcdef0123456789abcdef";
pub const ORG: &str = "o-a1b2c3d4e5";
pub const CLUSTER: &str = "prod-cluster";
pub const PREFIX: &str = "security/logs";
/// The buckets whose server access logs an s3access stack is given.
pub const WATCHED: [&str; 2] = ["app-data-bucket", "app-uploads-bucket"];
/// Microsoft Sentinel's AWS account for the legacy CloudTrail connector.
pub const LEGACY_ACCOUNT: &str = "197857026523";
pub const SENTINEL_SESSION: &str = "MicrosoftSentinel_";
pub const DEFENDER_SESSION: &str = "MicrosoftDefenderForClouds_";

/// The Azure cloud of the Sentinel workspace: its Entra ID tenant (the OIDC issuer) and the
/// audience of Sentinel's tokens (Microsoft's documentation of the AWS S3 connector).
/// Written out here rather than taken from `generator::facts`, on purpose: the tables are an
/// independent oracle, so a wrong tenant or audience in the generator fails their allow cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    Commercial,
    Government,
}

impl Cloud {
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
    pub fn other(self) -> Cloud {
        match self {
            Cloud::Commercial => Cloud::Government,
            Cloud::Government => Cloud::Commercial,
        }
    }
    /// The issuer as IAM names the provider and prefixes its condition keys.
    pub fn issuer(self) -> String {
        format!("sts.windows.net/{}/", self.tenant())
    }
    /// The Regions each template is proved in: commercial, an opt-in Region (GuardDuty's
    /// Regional principal), and GovCloud (US) for an Azure Government workspace.
    pub fn regions(self) -> &'static [&'static str] {
        match self {
            Cloud::Commercial => &["us-east-1", "af-south-1"],
            Cloud::Government => &["us-gov-west-1", "us-east-1"],
        }
    }
}

/// A log source a connector stack reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    VpcFlow,
    GuardDuty,
    CloudTrail,
    CloudWatch,
    Eks,
    Route53Resolver,
    NfwFlow,
    NfwAlert,
    NfwTls,
    Waf,
    S3Access,
    SecurityHub,
    CloudFront,
    ElbAlb,
    ElbNlb,
    ElbNlbFlow,
    ElbGwlbFlow,
}

impl Service {
    /// The stem of its logical IDs and, in the all-services stack, of its parameters.
    pub fn id(self) -> &'static str {
        match self {
            Service::VpcFlow => "VpcFlow",
            Service::GuardDuty => "GuardDuty",
            Service::CloudTrail => "CloudTrail",
            Service::CloudWatch => "CloudWatch",
            Service::Eks => "Eks",
            Service::Route53Resolver => "Route53Resolver",
            Service::NfwFlow => "NetworkFirewallFlow",
            Service::NfwAlert => "NetworkFirewallAlert",
            Service::NfwTls => "NetworkFirewallTls",
            Service::Waf => "Waf",
            Service::S3Access => "S3ServerAccess",
            Service::SecurityHub => "SecurityHub",
            Service::CloudFront => "CloudFront",
            Service::ElbAlb => "AlbAccess",
            Service::ElbNlb => "NlbAccess",
            Service::ElbNlbFlow => "NlbFlow",
            Service::ElbGwlbFlow => "GwlbFlow",
        }
    }

    /// The default key prefix of a collector that shares its key segment (ELB), else "".
    pub fn default_key_prefix(self) -> &'static str {
        match self {
            Service::ElbAlb => "ALBLogs",
            Service::ElbNlb => "NLBAccessLogs",
            Service::ElbNlbFlow => "NLBFlowLogs",
            Service::ElbGwlbFlow => "GLBFlowLogs",
            _ => "",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Connector(&'static [Service]),
    /// The organization's log archive: these services of every member account.
    LogArchive(&'static [Service]),
    Legacy,
    OidcProvider,
    /// The log archive's member stack: deliveries into the archive, no grant of its own.
    Member,
}

#[derive(Debug)]
pub struct Template {
    pub stem: &'static str,
    pub kind: Kind,
    pub cloud: Cloud,
}

use Service::*;
const ALL: &[Service] = &[VpcFlow, GuardDuty, CloudTrail, CloudWatch];
const NETWORK_FIREWALL: &[Service] = &[NfwFlow, NfwAlert, NfwTls];
pub const ELB: &[Service] = &[ElbAlb, ElbNlb, ElbNlbFlow, ElbGwlbFlow];
const ARCHIVE: &[Service] = &[VpcFlow, GuardDuty, CloudTrail];
/// The log archive's bucket (not the stack's).
pub const ARCHIVE_BUCKET: &str = "org-log-archive";

/// Every template in `templates/`, with what it is.
pub const TEMPLATES: &[Template] = &[
    t(
        "sentinel-log-archive-member",
        Kind::Member,
        Cloud::Commercial,
    ),
    t(
        "sentinel-log-archive-connector-commercial",
        Kind::LogArchive(ARCHIVE),
        Cloud::Commercial,
    ),
    t(
        "sentinel-log-archive-connector-government",
        Kind::LogArchive(ARCHIVE),
        Cloud::Government,
    ),
    t(
        "sentinel-all-services-connector-commercial",
        Kind::Connector(ALL),
        Cloud::Commercial,
    ),
    t(
        "sentinel-all-services-connector-government",
        Kind::Connector(ALL),
        Cloud::Government,
    ),
    t(
        "sentinel-cloudtrail-connector-commercial",
        Kind::Connector(&[CloudTrail]),
        Cloud::Commercial,
    ),
    t(
        "sentinel-cloudtrail-connector-government",
        Kind::Connector(&[CloudTrail]),
        Cloud::Government,
    ),
    t(
        "sentinel-cloudwatch-connector-commercial",
        Kind::Connector(&[CloudWatch]),
        Cloud::Commercial,
    ),
    t(
        "sentinel-cloudwatch-connector-government",
        Kind::Connector(&[CloudWatch]),
        Cloud::Government,
    ),
    t(
        "sentinel-eks-connector-commercial",
        Kind::Connector(&[Eks]),
        Cloud::Commercial,
    ),
    t(
        "sentinel-eks-connector-government",
        Kind::Connector(&[Eks]),
        Cloud::Government,
    ),
    t(
        "sentinel-guardduty-connector-commercial",
        Kind::Connector(&[GuardDuty]),
        Cloud::Commercial,
    ),
    t(
        "sentinel-guardduty-connector-government",
        Kind::Connector(&[GuardDuty]),
        Cloud::Government,
    ),
    t(
        "sentinel-legacy-cloudtrail-role-commercial",
        Kind::Legacy,
        Cloud::Commercial,
    ),
    t(
        "sentinel-oidc-provider-commercial",
        Kind::OidcProvider,
        Cloud::Commercial,
    ),
    t(
        "sentinel-oidc-provider-government",
        Kind::OidcProvider,
        Cloud::Government,
    ),
    t(
        "sentinel-s3access-connector-commercial",
        Kind::Connector(&[S3Access]),
        Cloud::Commercial,
    ),
    t(
        "sentinel-s3access-connector-government",
        Kind::Connector(&[S3Access]),
        Cloud::Government,
    ),
    t(
        "sentinel-vpc-connector-commercial",
        Kind::Connector(&[VpcFlow]),
        Cloud::Commercial,
    ),
    t(
        "sentinel-vpc-connector-government",
        Kind::Connector(&[VpcFlow]),
        Cloud::Government,
    ),
    t(
        "sentinel-route53-connector-commercial",
        Kind::Connector(&[Route53Resolver]),
        Cloud::Commercial,
    ),
    t(
        "sentinel-route53-connector-government",
        Kind::Connector(&[Route53Resolver]),
        Cloud::Government,
    ),
    t(
        "sentinel-networkfirewall-connector-commercial",
        Kind::Connector(NETWORK_FIREWALL),
        Cloud::Commercial,
    ),
    t(
        "sentinel-networkfirewall-connector-government",
        Kind::Connector(NETWORK_FIREWALL),
        Cloud::Government,
    ),
    t(
        "sentinel-waf-connector-commercial",
        Kind::Connector(&[Waf]),
        Cloud::Commercial,
    ),
    t(
        "sentinel-waf-connector-government",
        Kind::Connector(&[Waf]),
        Cloud::Government,
    ),
    t(
        "sentinel-securityhub-connector-commercial",
        Kind::Connector(&[SecurityHub]),
        Cloud::Commercial,
    ),
    t(
        "sentinel-securityhub-connector-government",
        Kind::Connector(&[SecurityHub]),
        Cloud::Government,
    ),
    t(
        "sentinel-cloudfront-connector-commercial",
        Kind::Connector(&[CloudFront]),
        Cloud::Commercial,
    ),
    t(
        "sentinel-cloudfront-connector-government",
        Kind::Connector(&[CloudFront]),
        Cloud::Government,
    ),
    t(
        "sentinel-elb-connector-commercial",
        Kind::Connector(ELB),
        Cloud::Commercial,
    ),
    t(
        "sentinel-elb-connector-government",
        Kind::Connector(ELB),
        Cloud::Government,
    ),
];

const fn t(stem: &'static str, kind: Kind, cloud: Cloud) -> Template {
    Template { stem, kind, cloud }
}

pub fn templates_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../templates")
}

pub fn template(stem: &str) -> &'static Template {
    TEMPLATES
        .iter()
        .find(|t| t.stem == stem)
        .unwrap_or_else(|| panic!("{stem} is not in TEMPLATES"))
}

pub fn load(stem: &str) -> Value {
    let path = templates_dir().join(format!("{stem}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The parameter sets each stack is proved with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Only what the stack needs: the workspace, an existing detector, a cluster.
    Defaults,
    /// Every name given, a key prefix per service, an organization trail, a detector the
    /// stack creates, and the Defender session name allowed.
    Named,
    /// An existing bucket whose objects are SSE-KMS with another account's key.
    ExistingBucketWithKey,
}

impl Variant {
    pub fn all(kind: Kind) -> &'static [Variant] {
        match kind {
            Kind::Connector([Eks]) | Kind::Legacy => &[Variant::Defaults, Variant::Named],
            Kind::Connector(_) | Kind::LogArchive(_) => &[
                Variant::Defaults,
                Variant::Named,
                Variant::ExistingBucketWithKey,
            ],
            Kind::OidcProvider | Kind::Member => &[Variant::Defaults],
        }
    }
}

/// One template resolved for one variant and Region, with the policies it creates.
pub struct Fixture {
    pub template: &'static Template,
    json: &'static Value,
    pub variant: Variant,
    pub stack: Stack<'static>,
    pub set: PolicySet,
}

impl Fixture {
    pub fn new(
        template: &'static Template,
        json: &'static Value,
        variant: Variant,
        region: &str,
    ) -> Fixture {
        let mut params = Vec::new();
        if template.kind != Kind::OidcProvider {
            params.push(("SentinelWorkspaceId".to_string(), WORKSPACE.to_string()));
        }
        let mut put = |k: &str, v: &str| params.push((k.to_string(), v.to_string()));
        let services: &[Service] = match template.kind {
            Kind::Connector(s) => s,
            Kind::LogArchive(_) => &[],
            _ => &[],
        };
        if let Kind::LogArchive(archived) = template.kind {
            put("BucketName", ARCHIVE_BUCKET);
            put("OrganizationId", ORG);
            match variant {
                Variant::Defaults => {}
                // Control Tower's trail (the organization ID as its prefix), own folders.
                Variant::Named => {
                    put("AwsRoleName", "OIDC_SentinelReader");
                    put("AllowDefenderSessionName", "true");
                    put("CloudTrailKeyPrefix", ORG);
                    put("VpcFlowKeyPrefix", "security/vpc");
                    put("GuardDutyKeyPrefix", "security/guardduty");
                    for s in archived {
                        put(
                            &format!("{}SQSQueueName", s.id()),
                            &format!("sentinel-{}-queue", s.id().to_ascii_lowercase()),
                        );
                    }
                }
                Variant::ExistingBucketWithKey => {
                    put(
                        "KmsKeyArn",
                        &external_key(access::template::partition_of(region), region),
                    );
                }
            }
        }
        let one = services.len() == 1;
        let name = |s: Service, base: &str| {
            if one {
                base.to_string()
            } else {
                format!("{}{base}", s.id())
            }
        };
        let partition = access::template::partition_of(region);
        // AWS WAF logs only into buckets named aws-waf-logs-... (the stack's BucketName rule).
        let bucket_prefix = if services.contains(&Waf) {
            "aws-waf-logs-"
        } else {
            ""
        };
        let one_account = !matches!(template.kind, Kind::LogArchive(_));
        match variant {
            _ if !one_account => {}
            Variant::Defaults => {
                for s in services {
                    match s {
                        GuardDuty => put("DetectorId", DETECTOR),
                        Eks => put("EKSClusterName", CLUSTER),
                        S3Access => put("WatchedBucketNames", &WATCHED.join(",")),
                        _ => {}
                    }
                }
            }
            Variant::Named => {
                if template.kind == Kind::Legacy {
                    put("RoleName", "SentinelLegacyReader");
                } else {
                    put("AwsRoleName", "OIDC_SentinelReader");
                    put("BucketName", &format!("{bucket_prefix}my-sentinel-logs"));
                    put("AllowDefenderSessionName", "true");
                }
                for s in services {
                    let queue = if one {
                        "SentinelSQSQueueName".into()
                    } else {
                        name(*s, "SQSQueueName")
                    };
                    put(
                        &queue,
                        &format!("sentinel-{}-queue", s.id().to_ascii_lowercase()),
                    );
                    match s {
                        Eks => put("EKSClusterName", CLUSTER),
                        GuardDuty => {
                            put("CreateDetector", "true");
                            put(&name(*s, "KeyPrefix"), PREFIX);
                        }
                        CloudTrail => {
                            put(&name(*s, "OrganizationId"), ORG);
                            put(&name(*s, "KeyPrefix"), PREFIX);
                        }
                        // A web ACL to log, so no key prefix (AWS WAF writes at the root).
                        Waf => put(
                            "WebAclArn",
                            &format!("arn:{partition}:wafv2:{region}:{ACCOUNT}:regional/webacl/my-acl/0f6e2d1c-1a2b-4c3d-8e9f-001122334455"),
                        ),
                        S3Access => {
                            put("WatchedBucketNames", &WATCHED.join(","));
                            put(&name(*s, "KeyPrefix"), PREFIX);
                        }
                        // Each collector of a shared key segment under its own folder.
                        ElbAlb | ElbNlb | ElbNlbFlow | ElbGwlbFlow => put(
                            &name(*s, "KeyPrefix"),
                            &format!("{PREFIX}/{}", s.default_key_prefix()),
                        ),
                        _ => put(&name(*s, "KeyPrefix"), PREFIX),
                    }
                }
            }
            Variant::ExistingBucketWithKey => {
                put("UseExistingBucket", "true");
                put(
                    "BucketName",
                    &format!("{bucket_prefix}existing-log-archive"),
                );
                put("KmsKeyArn", &external_key(partition, region));
            }
        }
        let stack = Stack::checked(json, &params)
            .unwrap_or_else(|e| panic!("{} {variant:?}: {e}", template.stem))
            .in_region(region);
        let failed = stack.failed_rules().unwrap();
        assert!(
            failed.is_empty(),
            "{} {variant:?} {region}: {failed:?}",
            template.stem
        );
        let mut set = policy_set(&stack)
            .unwrap_or_else(|e| panic!("{} {variant:?} {region}: {e}", template.stem));
        if variant == Variant::ExistingBucketWithKey {
            // The key's owner adds the statements the stack's outputs give (one per principal:
            // `KmsKeyPolicyStatement`, and `FirehoseKmsKeyPolicyStatement` where Firehose
            // writes into the bucket), as their descriptions tell them to.
            let names = key_policy_outputs(json);
            assert!(
                names.contains(&"KmsKeyPolicyStatement".to_string()),
                "{}: no KmsKeyPolicyStatement output",
                template.stem
            );
            let statements: Vec<Value> = names
                .iter()
                .filter_map(|n| stack.output(n).unwrap())
                .map(|s| serde_json::from_str(&s).unwrap())
                .collect();
            let doc = json!({"Version": "2012-10-17", "Statement": statements});
            let key = external_key(partition, region);
            set.set_resource_policy(
                &key,
                OTHER_ACCOUNT,
                NamedPolicy {
                    name: format!(
                        "key policy of {key} (with the {} outputs added)",
                        names.join(", ")
                    ),
                    policy: Policy::parse(&doc).unwrap(),
                },
            );
        } else if matches!(template.kind, Kind::Connector(_)) {
            // A key of this account whose policy delegates to IAM (the default key policy):
            // only the stack's identity policies decide who may use it.
            let key = account_key(partition, region);
            let doc = json!({"Version": "2012-10-17", "Statement": [{
                "Sid": "Enable IAM User Permissions", "Effect": "Allow",
                "Principal": {"AWS": format!("arn:{partition}:iam::{ACCOUNT}:root")},
                "Action": "kms:*", "Resource": "*"}]});
            set.set_resource_policy(
                &key,
                ACCOUNT,
                NamedPolicy {
                    name: format!("default key policy of {key}"),
                    policy: Policy::parse(&doc).unwrap(),
                },
            );
        }
        Fixture {
            template,
            json,
            variant,
            stack,
            set,
        }
    }

    pub fn label(&self) -> String {
        format!(
            "{} {:?} {}",
            self.template.stem, self.variant, self.stack.region
        )
    }
    pub fn p(&self) -> &str {
        &self.stack.partition
    }
    pub fn region(&self) -> &str {
        &self.stack.region
    }
    /// Whether the stack creates `id` (false for a resource the template does not have).
    pub fn creates(&self, id: &str) -> bool {
        self.json["Resources"].get(id).is_some() && self.stack.creates(id).unwrap()
    }
    pub fn att(&self, id: &str, attribute: &str) -> String {
        text(
            &self
                .stack
                .attribute(id, attribute)
                .unwrap_or_else(|e| panic!("{}: {e}", self.label())),
        )
    }
    pub fn reference(&self, id: &str) -> String {
        text(
            &self
                .stack
                .reference(id)
                .unwrap_or_else(|e| panic!("{}: {e}", self.label())),
        )
    }
    /// The bucket the logs land in: the stack's, or the existing one it was given.
    pub fn bucket(&self) -> String {
        if self.creates("LogBucket") {
            self.reference("LogBucket")
        } else {
            self.stack.params["BucketName"].clone()
        }
    }
    pub fn bucket_arn(&self) -> String {
        format!("arn:{}:s3:::{}", self.p(), self.bucket())
    }
    pub fn object(&self, key: &str) -> String {
        format!("{}/{key}", self.bucket_arn())
    }
    /// The key prefix (ending in `/`, or empty) before `AWSLogs/` of a service's objects.
    pub fn key_path(&self, s: Service) -> &'static str {
        let named = self.variant == Variant::Named;
        if let Kind::LogArchive(_) = self.template.kind {
            return match (s, named) {
                (VpcFlow, false) => "vpcflowlogs/",
                (GuardDuty, false) => "guardduty/",
                (VpcFlow, true) => "security/vpc/",
                (GuardDuty, true) => "security/guardduty/",
                (_, true) => "o-a1b2c3d4e5/",
                _ => "",
            };
        }
        match (s, named) {
            (ElbAlb, false) => return "ALBLogs/",
            (ElbNlb, false) => return "NLBAccessLogs/",
            (ElbNlbFlow, false) => return "NLBFlowLogs/",
            (ElbGwlbFlow, false) => return "GLBFlowLogs/",
            (ElbAlb, true) => return "security/logs/ALBLogs/",
            (ElbNlb, true) => return "security/logs/NLBAccessLogs/",
            (ElbNlbFlow, true) => return "security/logs/NLBFlowLogs/",
            (ElbGwlbFlow, true) => return "security/logs/GLBFlowLogs/",
            _ => {}
        }
        if named && !matches!(s, Eks | Waf) {
            "security/logs/"
        } else {
            ""
        }
    }
    pub fn organization(&self) -> Option<&'static str> {
        (self.variant == Variant::Named || matches!(self.template.kind, Kind::LogArchive(_)))
            .then_some(ORG)
    }
    pub fn defender_allowed(&self) -> bool {
        self.variant == Variant::Named
    }
    /// Where a service writes one object, as AWS names it.
    pub fn log_key(&self, s: Service) -> String {
        let kp = self.key_path(s);
        let (a, r) = (ACCOUNT, self.region());
        match s {
            VpcFlow => format!("{kp}AWSLogs/{a}/vpcflowlogs/{r}/2026/12/02/{a}_vpcflowlogs_{r}_fl-0a1b2c3d4e5f67890_20261202T1200Z_1a2b3c4d.log.gz"),
            GuardDuty => format!("{kp}AWSLogs/{a}/GuardDuty/{r}/2026/12/02/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d.jsonl.gz"),
            CloudTrail => match self.organization() {
                Some(o) => format!("{kp}AWSLogs/{o}/{a}/CloudTrail/{r}/2026/12/02/{a}_CloudTrail_{r}_20261202T1200Z_AbCdEf.json.gz"),
                None => format!("{kp}AWSLogs/{a}/CloudTrail/{r}/2026/12/02/{a}_CloudTrail_{r}_20261202T1200Z_AbCdEf.json.gz"),
            },
            CloudWatch => format!("{kp}AWSLogs/{a}/CloudWatch/2026/12/02/12/sentinel-cloudwatch-1-2026-12-02-12-00-00-1a2b3c4d.gz"),
            Eks => format!("eks-audit-logs/{CLUSTER}/2026/12/02/12/sentinel-eks-audit-1-2026-12-02-12-00-00-1a2b3c4d.gz"),
            Route53Resolver => format!("{kp}AWSLogs/{a}/vpcdnsquerylogs/vpc-0a1b2c3d4e5f67890/2026/12/02/{a}_vpcdnsquerylogs_vpc-0a1b2c3d4e5f67890_20261202T1200Z_1a2b3c4d.log.gz"),
            NfwFlow | NfwAlert | NfwTls => {
                let t = match s {
                    NfwFlow => "flow",
                    NfwAlert => "alert",
                    _ => "tls",
                };
                format!("{kp}AWSLogs/{a}/network-firewall/{t}/{r}/egress-fw/2026/12/02/12/{a}_network-firewall_{t}_{r}_egress-fw_20261202T1200Z_1a2b3c4d.log.gz")
            }
            Waf => format!("{kp}AWSLogs/{a}/WAFLogs/{r}/my-acl/2026/12/02/12/00/{a}_waflogs_{r}_my-acl_20261202T1200Z_1a2b3c4d.log.gz"),
            // The partitioned key format of server access logging (EventTime dates).
            S3Access => format!("{kp}s3-access-logs/{a}/{r}/{}/2026/12/02/2026-12-02-00-00-00-E568B2907131C0C0", WATCHED[0]),
            SecurityHub => format!("{kp}AWSLogs/{a}/SecurityHubFindings/2026/12/02/12/sentinel-securityhub-1-2026-12-02-12-00-00-1a2b3c4d.gz"),
            // Standard logging (v2) under the stack's suffix path, the W3C file name.
            CloudFront => format!("{kp}AWSLogs/{a}/CloudFront/EDFDVBD6EXAMPLE/2026/12/02/12/EDFDVBD6EXAMPLE.2026-12-02-12.1a2b3c4d.gz"),
            // Elastic Load Balancing's file names: the load balancer, the end of the interval,
            // the node's address, a random part.
            ElbAlb => format!("{kp}AWSLogs/{a}/elasticloadbalancing/{r}/2026/12/02/{a}_elasticloadbalancing_{r}_app.my-lb.50dc6c495c0c9188_20261202T1205Z_10.0.1.5_1a2b3c4d.log.gz"),
            ElbNlb => format!("{kp}AWSLogs/{a}/elasticloadbalancing/{r}/2026/12/02/{a}_elasticloadbalancing_{r}_net.my-lb.c6e77e28c25b2234_20261202T1205Z_10.0.1.6_1a2b3c4d.log.gz"),
            ElbNlbFlow | ElbGwlbFlow => format!("{kp}AWSLogs/{a}/vpcflowlogs/{r}/2026/12/02/{a}_vpcflowlogs_{r}_fl-0a1b2c3d4e5f67890_20261202T1205Z_1a2b3c4d.log.gz"),
        }
    }
    pub fn queue_arn(&self, s: Service) -> String {
        self.att(&format!("{}Queue", s.id()), "Arn")
    }
    pub fn dead_letter_arn(&self, s: Service) -> String {
        self.att(&format!("{}QueueDeadLetter", s.id()), "Arn")
    }
    /// The OIDC provider of a cloud's issuer in this account.
    pub fn provider_arn(&self, cloud: Cloud) -> String {
        format!(
            "arn:{}:iam::{ACCOUNT}:oidc-provider/{}",
            self.p(),
            cloud.issuer()
        )
    }
    /// The key GuardDuty encrypts its exports with, when the stack creates it.
    pub fn guardduty_key(&self) -> Option<String> {
        self.creates("GuardDutyKey")
            .then(|| self.att("GuardDutyKey", "Arn"))
    }
    /// The account's own key with the default key policy, in the variants without KmsKeyArn.
    pub fn account_key(&self) -> Option<String> {
        (self.variant != Variant::ExistingBucketWithKey)
            .then(|| account_key(self.p(), self.region()))
    }
    pub fn external_key(&self) -> Option<String> {
        (self.variant == Variant::ExistingBucketWithKey)
            .then(|| external_key(self.p(), self.region()))
    }
}

/// The outputs that are statements for the key policy of `KmsKeyArn`, in template order.
pub fn key_policy_outputs(json: &Value) -> Vec<String> {
    json["Outputs"]
        .as_object()
        .map(|o| {
            o.keys()
                .filter(|k| k.ends_with("KmsKeyPolicyStatement"))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// A key of the stack's own account with the default key policy (variants without KmsKeyArn):
/// https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html.
pub fn account_key(partition: &str, region: &str) -> String {
    format!("arn:{partition}:kms:{region}:{ACCOUNT}:key/0000aaaa-00aa-00aa-00aa-000000aaaaaa")
}

/// The SSE-KMS key of an existing log archive, in another account.
pub fn external_key(partition: &str, region: &str) -> String {
    format!("arn:{partition}:kms:{region}:{OTHER_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab")
}
