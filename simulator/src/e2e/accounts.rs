//! `e2e --accounts N`: an organization of N member accounts delivering into one log archive.
//!
//! The account LocalStack answers as is the log-archive account. The run makes what Control
//! Tower (or the organization's own landing zone) would have made before Sentinel: the archive
//! bucket, its bucket policy (the organization trail writes `<o-id>/AWSLogs/<o-id>/`, each member
//! account's flow logs and GuardDuty exports write their folder's `AWSLogs/<member>/`) and the
//! archive key the GuardDuty exports are encrypted with. It then deploys the log-archive stack
//! (`generator::stacks::log_archive`) as a user would, and does what its outputs tell the
//! archive's owner to do: the key-policy statement goes into the key policy, the notification
//! configuration onto the bucket (to the stack's queues, or with `--fan-out sns` to its topics,
//! where a second consumer subscribes as Defender for Cloud would). Each member's records are
//! generated with its account ID and written where AWS writes them for an organization, as that
//! member's delivering service (evaluated against the archive's bucket and key policies, read
//! back like the stack's).

use anyhow::{bail, Context, Result};
use catalogue::DataType;
use generator::stacks::log_archive;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The data types of an organization run (those of the log-archive stack).
pub fn check_services(services: &[DataType]) -> Result<()> {
    for s in services {
        if !log_archive::DATA_TYPES.contains(s) {
            bail!(
                "--accounts runs the log-archive stack, which carries {}; --services {} is not among them",
                log_archive::DATA_TYPES.map(|d| d.slug()).join(", "),
                s.slug()
            );
        }
    }
    Ok(())
}

/// The organization of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub id: String,
    /// The log-archive account (the one LocalStack answers as).
    pub log_archive: String,
    /// The member accounts whose logs are delivered; the first is the management account, which
    /// owns the organization trail.
    pub members: Vec<String>,
    pub region: String,
}

/// The organization trail's name (in the management account).
const TRAIL: &str = "sentinel-e2e-org-trail";

impl Org {
    pub fn new(accounts: u32, seed: u64, log_archive: &str, region: &str) -> Org {
        Org {
            id: format!("o-e2e{:08}", seed % 100_000_000),
            log_archive: log_archive.to_string(),
            members: (1..=accounts).map(|i| format!("21000000{i:04}")).collect(),
            region: region.to_string(),
        }
    }

    /// Control Tower's layout: the trail's key prefix is the organization ID.
    pub fn trail_key_prefix(&self) -> String {
        self.id.clone()
    }

    pub fn trail_arn(&self) -> String {
        format!(
            "arn:aws:cloudtrail:{}:{}:trail/{TRAIL}",
            self.region, self.members[0]
        )
    }

    /// Where AWS writes `key` (as a one-account delivery names it, `AWSLogs/<member>/...`) in
    /// the archive: the trail's files under `<o-id>/AWSLogs/<o-id>/<member>/`, a member's flow
    /// logs and exports under their folder.
    pub fn archive_key(&self, d: DataType, key: &str) -> Result<String> {
        let rest = key
            .strip_prefix("AWSLogs/")
            .with_context(|| format!("{key}: a {d} key starts with AWSLogs/"))?;
        Ok(match d {
            DataType::CloudTrail => {
                format!("{}/AWSLogs/{}/{rest}", self.trail_key_prefix(), self.id)
            }
            _ => format!("{}/{key}", log_archive::default_folder(d)),
        })
    }

    /// The stack's parameters beyond the run's usual ones.
    pub fn parameters(&self, key_arn: &str) -> Vec<(String, String)> {
        vec![
            (log_archive::ORGANIZATION_ID.into(), self.id.clone()),
            (
                log_archive::key_prefix_param(DataType::CloudTrail),
                self.trail_key_prefix(),
            ),
            (
                generator::stacks::connector::KMS_KEY_PARAM.into(),
                key_arn.into(),
            ),
        ]
    }

    /// The archive's bucket policy, as the organization's landing zone grants the delivering
    /// services: each only its own path, each bound to the organization's accounts.
    pub fn bucket_policy(&self, bucket: &str) -> Value {
        let b = format!("arn:aws:s3:::{bucket}");
        let folder = |d: DataType| -> Vec<String> {
            self.members
                .iter()
                .map(|m| format!("{b}/{}/AWSLogs/{m}/*", log_archive::default_folder(d)))
                .collect()
        };
        let members = json!(self.members);
        let acl = json!({"s3:x-amz-acl": "bucket-owner-full-control"});
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "OrganizationTrailAclCheck", "Effect": "Allow",
                 "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "s3:GetBucketAcl", "Resource": b,
                 "Condition": {"StringEquals": {"aws:SourceArn": self.trail_arn()}}},
                {"Sid": "OrganizationTrailWrite", "Effect": "Allow",
                 "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "s3:PutObject",
                 "Resource": format!("{b}/{}/AWSLogs/{}/*", self.trail_key_prefix(), self.id),
                 "Condition": {"StringEquals": {"aws:SourceArn": self.trail_arn(), "s3:x-amz-acl": "bucket-owner-full-control"}}},
                {"Sid": "MemberFlowLogsAclCheck", "Effect": "Allow",
                 "Principal": {"Service": "delivery.logs.amazonaws.com"},
                 "Action": "s3:GetBucketAcl", "Resource": b,
                 "Condition": {"StringEquals": {"aws:SourceAccount": members}}},
                {"Sid": "MemberFlowLogsWrite", "Effect": "Allow",
                 "Principal": {"Service": "delivery.logs.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": folder(DataType::Vpc),
                 "Condition": {"StringEquals": {"aws:SourceAccount": members, "s3:x-amz-acl": acl["s3:x-amz-acl"]}}},
                {"Sid": "MemberGuardDutyLocation", "Effect": "Allow",
                 "Principal": {"Service": "guardduty.amazonaws.com"},
                 "Action": "s3:GetBucketLocation", "Resource": b,
                 "Condition": {"StringEquals": {"aws:SourceAccount": members}}},
                {"Sid": "MemberGuardDutyWrite", "Effect": "Allow",
                 "Principal": {"Service": "guardduty.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": folder(DataType::GuardDuty),
                 "Condition": {"StringEquals": {"aws:SourceAccount": members}}}
            ]
        })
    }

    /// The archive key's policy: its account administers it, the members' GuardDuty encrypts
    /// exports with it, and `extra` (the stack's KmsKeyPolicyStatement) is added.
    pub fn key_policy(&self, extra: Option<Value>) -> Value {
        let mut statements = vec![
            json!({"Sid": "LogArchiveAdministers", "Effect": "Allow",
                   "Principal": {"AWS": format!("arn:aws:iam::{}:root", self.log_archive)},
                   "Action": "kms:*", "Resource": "*"}),
            json!({"Sid": "MemberGuardDutyEncrypts", "Effect": "Allow",
                   "Principal": {"Service": "guardduty.amazonaws.com"},
                   "Action": "kms:GenerateDataKey", "Resource": "*",
                   "Condition": {"StringEquals": {"aws:SourceAccount": self.members}}}),
        ];
        statements.extend(extra);
        json!({"Version": "2012-10-17", "Statement": statements})
    }

    /// The source ARN a member's delivering service writes with.
    pub fn source_arn(&self, d: DataType, member: &str) -> String {
        match d {
            DataType::CloudTrail => self.trail_arn(),
            DataType::GuardDuty => format!(
                "arn:aws:guardduty:{}:{member}:detector/{}",
                self.region,
                &format!("{member}{member}{member}")[..32]
            ),
            _ => format!("arn:aws:logs:{}:{member}:*", self.region),
        }
    }
}

/// The archive bucket and key of a run, made as the organization's landing zone makes them.
pub struct Archive {
    pub bucket: String,
    pub key_arn: String,
}

/// Makes the archive bucket (with its policy) and key.
pub async fn prepare(config: &aws_config::SdkConfig, org: &Org, bucket: &str) -> Result<Archive> {
    let s3 = crate::replay::s3_client(config);
    s3.create_bucket()
        .bucket(bucket)
        .send()
        .await
        .with_context(|| format!("S3 CreateBucket {bucket} (the log archive)"))?;
    s3.put_bucket_policy()
        .bucket(bucket)
        .policy(org.bucket_policy(bucket).to_string())
        .send()
        .await
        .with_context(|| format!("S3 PutBucketPolicy {bucket}"))?;
    let kms = aws_sdk_kms::Client::new(config);
    let key = kms
        .create_key()
        .description("sentinel e2e log archive key")
        .policy(org.key_policy(None).to_string())
        .send()
        .await
        .context("KMS CreateKey (the archive key)")?;
    let key_arn = key
        .key_metadata()
        .map(|m| m.arn().unwrap_or_default().to_string())
        .filter(|a| !a.is_empty())
        .context("KMS CreateKey returned no key ARN")?;
    eprintln!(
        "e2e: organization {} of {} accounts ({}), log archive {} in account {}, key {key_arn}",
        org.id,
        org.members.len(),
        org.members.join(", "),
        bucket,
        org.log_archive
    );
    Ok(Archive {
        bucket: bucket.to_string(),
        key_arn,
    })
}

/// Does what the stack's outputs tell the archive's owner: the key-policy statement into the
/// key policy, the notification configuration onto the bucket.
pub async fn apply_outputs(
    config: &aws_config::SdkConfig,
    org: &Org,
    archive: &Archive,
    outputs: &BTreeMap<String, String>,
) -> Result<()> {
    let output = |k: &str| {
        outputs
            .get(k)
            .with_context(|| format!("the log-archive stack has no output {k}"))
    };
    let statement: Value = serde_json::from_str(output("KmsKeyPolicyStatement")?)
        .context("the KmsKeyPolicyStatement output is no JSON statement")?;
    aws_sdk_kms::Client::new(config)
        .put_key_policy()
        .key_id(&archive.key_arn)
        .policy_name("default")
        .policy(org.key_policy(Some(statement)).to_string())
        .send()
        .await
        .context("KMS PutKeyPolicy (the archive key, with the stack's statement)")?;
    let config_json = notification_json(output("BucketNotificationCommand")?)?;
    let s3 = crate::replay::s3_client(config);
    s3.put_bucket_notification_configuration()
        .bucket(&archive.bucket)
        .notification_configuration(notification_configuration(&config_json)?)
        .send()
        .await
        .with_context(|| format!("S3 PutBucketNotificationConfiguration {}", archive.bucket))?;
    Ok(())
}

/// The JSON of a `BucketNotificationCommand` output (`... --notification-configuration '<json>'`).
pub fn notification_json(command: &str) -> Result<Value> {
    let (_, tail) = command
        .split_once("--notification-configuration '")
        .context(
            "the BucketNotificationCommand output has no --notification-configuration '...'",
        )?;
    let text = tail
        .strip_suffix('\'')
        .context("the BucketNotificationCommand output does not end in '")?;
    serde_json::from_str(text).context("the BucketNotificationCommand configuration is no JSON")
}

fn notification_configuration(v: &Value) -> Result<aws_sdk_s3::types::NotificationConfiguration> {
    use aws_sdk_s3::types::{
        Event, FilterRule, FilterRuleName, NotificationConfigurationFilter, QueueConfiguration,
        S3KeyFilter, TopicConfiguration,
    };
    let filter = |c: &Value| -> Result<NotificationConfigurationFilter> {
        let mut key = S3KeyFilter::builder();
        for r in c["Filter"]["Key"]["FilterRules"]
            .as_array()
            .context("no FilterRules")?
        {
            key = key.filter_rules(
                FilterRule::builder()
                    .name(FilterRuleName::from(r["Name"].as_str().unwrap_or_default()))
                    .value(r["Value"].as_str().unwrap_or_default())
                    .build(),
            );
        }
        Ok(NotificationConfigurationFilter::builder()
            .key(key.build())
            .build())
    };
    let entries = |name: &str| v[name].as_array().cloned().unwrap_or_default();
    let (queues, topics) = (
        entries("QueueConfigurations"),
        entries("TopicConfigurations"),
    );
    if queues.is_empty() && topics.is_empty() {
        bail!("the notification configuration has neither QueueConfigurations nor TopicConfigurations: {v}");
    }
    let mut out = aws_sdk_s3::types::NotificationConfiguration::builder();
    for q in &queues {
        out = out.queue_configurations(
            QueueConfiguration::builder()
                .id(q["Id"].as_str().unwrap_or_default())
                .queue_arn(q["QueueArn"].as_str().context("no QueueArn")?)
                .events(Event::from("s3:ObjectCreated:*"))
                .filter(filter(q)?)
                .build()?,
        );
    }
    for t in &topics {
        out = out.topic_configurations(
            TopicConfiguration::builder()
                .id(t["Id"].as_str().unwrap_or_default())
                .topic_arn(t["TopicArn"].as_str().context("no TopicArn")?)
                .events(Event::from("s3:ObjectCreated:*"))
                .filter(filter(t)?)
                .build()?,
        );
    }
    Ok(out.build())
}

/// The account column of a data type's rows.
fn account_column(d: DataType) -> &'static str {
    match d {
        DataType::CloudTrail => "RecipientAccountId",
        _ => "AccountId",
    }
}

/// The account a stored row names.
pub fn row_account(d: DataType, row: &catalogue::tables::TableRow) -> Option<String> {
    row.columns()
        .get(account_column(d))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// One member account's records of one data type: generated, and stored with its ID.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct AccountCount {
    pub account: String,
    pub generated: u64,
    pub ingested: u64,
}

impl AccountCount {
    pub fn ok(&self) -> bool {
        self.generated == self.ingested
    }
}

/// The member account that joined through a StackSet.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StackSetMember {
    pub stack_set: String,
    pub account: String,
    pub vpc_id: String,
    pub flow_log_id: String,
    /// Where the instance's flow log delivers (its stack's parameters, read in the account).
    pub log_destination: String,
    pub notes: Vec<String>,
}

/// The last member joins as an organization adds an account: `deploy --stack-set` of the
/// member stack (`sentinel-log-archive-member`) into it, with its VPC (made first, by a stack
/// of its own in that account) flow-logging into the archive's folder. LocalStack has no
/// GuardDuty API, so the instance gets no DetectorId and creates no export; the simulator writes
/// that member's exports as for the others.
pub async fn add_member_by_stack_set(
    config: &aws_config::SdkConfig,
    org: &Org,
    archive: &Archive,
) -> Result<StackSetMember> {
    let account = org
        .members
        .last()
        .context("an organization has members")?
        .clone();
    let name = "sentinel-e2e-members".to_string();
    // The member's VPC, in its account (LocalStack tells accounts by access key ID).
    let there = in_account(config, &account).await;
    let vpc_template = r#"{"Resources":{"Vpc":{"Type":"AWS::EC2::VPC","Properties":{"CidrBlock":"10.42.0.0/16"}}},"Outputs":{"VpcId":{"Value":{"Ref":"Vpc"}}}}"#;
    let vpc = deployer::deploy(
        &aws_sdk_cloudformation::Client::new(&there),
        &deployer::StackRequest {
            stack_name: "sentinel-e2e-member-vpc".into(),
            template: vpc_template.into(),
            parameters: Vec::new(),
            timeout: std::time::Duration::from_secs(120),
            progress: false,
            staging: None,
        },
    )
    .await
    .with_context(|| format!("creating the VPC of member account {account}"))?;
    let vpc_id = vpc
        .outputs
        .get("VpcId")
        .context("the VPC stack has no VpcId output")?
        .clone();
    let spec = generator::stacks::StackSpec {
        kind: generator::stacks::StackKind::LogArchiveMember,
        cloud: generator::facts::Cloud::Commercial,
    };
    let template = generator::render::render(&spec.build(), generator::render::Format::Json);
    let req = deployer::stack_set::StackSetRequest {
        name: name.clone(),
        template,
        parameters: vec![
            (
                generator::stacks::member::ARCHIVE_BUCKET.into(),
                archive.bucket.clone(),
            ),
            (generator::stacks::params::VPC_ID.into(), vpc_id.clone()),
        ],
        permissions: deployer::stack_set::Permissions::SelfManaged {
            admin_role_arn: None,
        },
        accounts: vec![account.clone()],
        regions: vec![org.region.clone()],
        execution_role_name: Some(deployer::stack_set::EXECUTION_ROLE.into()),
        timeout: std::time::Duration::from_secs(300),
        staging: None,
        localstack: true,
    };
    let report = deployer::stack_set::deploy_stack_set(
        &aws_sdk_cloudformation::Client::new(config),
        &aws_sdk_sts::Client::new(config),
        config,
        &req,
    )
    .await
    .with_context(|| format!("deploying stack set {name} to {account}"))?;
    let instance = report
        .instances
        .iter()
        .find(|i| i.account == account)
        .with_context(|| format!("stack set {name} reports no instance in {account}"))?;
    if let Some(why) = &instance.outputs_not_read {
        bail!("stack set {name}: the outputs of {account}'s instance were not read: {why}");
    }
    let flow_log_id = instance
        .outputs
        .get("FlowLogId")
        .with_context(|| format!("{account}'s instance created no flow log: {instance:?}"))?
        .clone();
    // The instance's parameters as CloudFormation holds them in the member account.
    let stack_id = instance
        .stack_id
        .clone()
        .with_context(|| format!("{account}'s instance has no stack"))?;
    let described = aws_sdk_cloudformation::Client::new(&there)
        .describe_stacks()
        .stack_name(&stack_id)
        .send()
        .await
        .with_context(|| format!("DescribeStacks {stack_id} in {account}"))?;
    let value = |k: &str| {
        described
            .stacks()
            .first()
            .and_then(|s| {
                s.parameters()
                    .iter()
                    .find(|p| p.parameter_key() == Some(k))
                    .and_then(|p| p.parameter_value())
            })
            .map(str::to_string)
    };
    let (bucket, folder, vpc_given) = (
        value(generator::stacks::member::ARCHIVE_BUCKET),
        value(&log_archive::key_prefix_param(DataType::Vpc)),
        value(generator::stacks::params::VPC_ID),
    );
    if bucket.as_deref() != Some(archive.bucket.as_str())
        || vpc_given.as_deref() != Some(vpc_id.as_str())
    {
        bail!("{account}'s instance has ArchiveBucketName {bucket:?} and VpcId {vpc_given:?}, not {} and {vpc_id}", archive.bucket);
    }
    let log_destination = format!(
        "arn:aws:s3:::{}/{}",
        archive.bucket,
        folder.unwrap_or_default()
    );
    let mut notes = report.notes;
    if flow_log_id == "unknown" {
        notes.push("LocalStack deploys AWS::EC2::FlowLog as a fallback mock (its ID reads unknown) and delivers nothing: the simulator writes this member's flow logs as for the others".into());
    }
    notes.push("LocalStack has no GuardDuty API: the instance gets no DetectorId and creates no export; the simulator writes this member's exports".into());
    eprintln!(
        "e2e: member {account} joined through stack set {name}: flow log {flow_log_id} of {vpc_id} into {log_destination}"
    );
    Ok(StackSetMember {
        stack_set: name,
        account,
        vpc_id,
        flow_log_id,
        log_destination,
        notes,
    })
}

/// A configuration acting in `account` (LocalStack tells accounts by access key ID).
async fn in_account(config: &aws_config::SdkConfig, account: &str) -> aws_config::SdkConfig {
    config
        .to_builder()
        .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(
            aws_sdk_cloudformation::config::Credentials::new(account, "test", None, None, "member"),
        ))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Org {
        Org::new(3, 7, "000000000000", "us-east-1")
    }

    #[test]
    fn members_are_distinct_accounts_and_the_org_id_is_valid() {
        let o = org();
        assert_eq!(o.members.len(), 3);
        for m in &o.members {
            assert!(
                m.len() == 12 && m.bytes().all(|b| b.is_ascii_digit()),
                "{m}"
            );
        }
        assert!(regex::Regex::new("^o-[a-z0-9]{10,32}$")
            .unwrap()
            .is_match(&o.id));
    }

    #[test]
    fn keys_move_to_the_organization_layout() {
        let o = org();
        let m = &o.members[1];
        assert_eq!(
            o.archive_key(
                DataType::CloudTrail,
                &format!("AWSLogs/{m}/CloudTrail/us-east-1/x.json.gz")
            )
            .unwrap(),
            format!("{0}/AWSLogs/{0}/{m}/CloudTrail/us-east-1/x.json.gz", o.id)
        );
        assert_eq!(
            o.archive_key(
                DataType::Vpc,
                &format!("AWSLogs/{m}/vpcflowlogs/us-east-1/x.log.gz")
            )
            .unwrap(),
            format!("vpcflowlogs/AWSLogs/{m}/vpcflowlogs/us-east-1/x.log.gz")
        );
        assert!(o.archive_key(DataType::Vpc, "elsewhere/x").is_err());
    }

    #[test]
    fn the_notification_command_of_the_rendered_stack_parses() {
        let cmd = "aws s3api put-bucket-notification-configuration --bucket b --notification-configuration '{\"QueueConfigurations\":[{\"Id\":\"sentinel-vpc\",\"QueueArn\":\"arn:aws:sqs:us-east-1:000000000000:q\",\"Events\":[\"s3:ObjectCreated:*\"],\"Filter\":{\"Key\":{\"FilterRules\":[{\"Name\":\"prefix\",\"Value\":\"vpcflowlogs/AWSLogs/\"},{\"Name\":\"suffix\",\"Value\":\".log.gz\"}]}}}]}'";
        let v = notification_json(cmd).unwrap();
        let c = notification_configuration(&v).unwrap();
        let q = &c.queue_configurations()[0];
        assert_eq!(q.queue_arn(), "arn:aws:sqs:us-east-1:000000000000:q");
        let rules = q.filter().unwrap().key().unwrap().filter_rules();
        assert_eq!(rules[0].value(), Some("vpcflowlogs/AWSLogs/"));
        assert!(notification_json("aws s3api something else").is_err());
    }

    #[test]
    fn the_fan_out_notification_command_names_the_topics() {
        let cmd = "aws s3api put-bucket-notification-configuration --bucket b --notification-configuration '{\"TopicConfigurations\":[{\"Id\":\"sentinel-cloudtrail\",\"TopicArn\":\"arn:aws:sns:us-east-1:000000000000:t\",\"Events\":[\"s3:ObjectCreated:*\"],\"Filter\":{\"Key\":{\"FilterRules\":[{\"Name\":\"prefix\",\"Value\":\"o-1/AWSLogs/o-1/\"},{\"Name\":\"suffix\",\"Value\":\".json.gz\"}]}}}]}'";
        let c = notification_configuration(&notification_json(cmd).unwrap()).unwrap();
        assert!(c.queue_configurations().is_empty());
        let t = &c.topic_configurations()[0];
        assert_eq!(t.topic_arn(), "arn:aws:sns:us-east-1:000000000000:t");
        let rules = t.filter().unwrap().key().unwrap().filter_rules();
        assert_eq!(rules[1].value(), Some(".json.gz"));
        assert!(notification_configuration(&json!({})).is_err());
    }

    #[test]
    fn services_outside_the_archive_are_refused_by_name() {
        assert!(check_services(&[DataType::Vpc, DataType::CloudTrail]).is_ok());
        let e = check_services(&[DataType::Waf]).unwrap_err().to_string();
        assert!(
            e.contains("waf") && e.contains("vpc, guardduty, cloudtrail"),
            "{e}"
        );
    }
}
