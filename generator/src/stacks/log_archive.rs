//! The log-archive stack: Sentinel's side of an organization's central log bucket, deployed in
//! the account and Region of that bucket (a Control Tower log archive, or any bucket an
//! organization trail and the member accounts deliver into). The bucket stays its owner's: the
//! stack creates no bucket, sets no bucket policy and no notification configuration (a
//! Control Tower SCP forbids changing them), and delivers nothing itself.
//!
//! Per data type one queue (with dead-letter queue and alarms) and one path, covering every
//! account of the organization:
//! - CloudTrail, the organization trail: `[<CloudTrailKeyPrefix>/]AWSLogs/<o-id>/`, ending in
//!   `.json.gz` (Control Tower's trail writes under the prefix `<o-id>`);
//! - VPC flow logs and GuardDuty exports, which each member account delivers itself into a
//!   folder of the bucket (the flow log's destination `arn:aws:s3:::<bucket>/<folder>`, the
//!   export's destination likewise): `<folder>/AWSLogs/`, ending in `.log.gz` and `.jsonl.gz`.
//!
//! The paths never overlap (the folders differ from each other's paths, and the suffixes differ
//! anyway). The role reads exactly the data types' objects (`<folder>/AWSLogs/*/vpcflowlogs/*`,
//! `<folder>/AWSLogs/*/GuardDuty/*`, `[...]AWSLogs/<o-id>/*`) and decrypts with the archive's
//! key through S3 when one is given. What the bucket's owner must add is printed as outputs:
//! the notification configuration (BucketNotificationCommand), the key-policy statement
//! (KmsKeyPolicyStatement) and, where the bucket policy must name the role (another account's
//! bucket, or a policy that denies unnamed principals), BucketPolicyStatement.
//!
//! With `FanOut=sns` (as the connector stacks, [`super::fan_out`]) the archive notifies one
//! topic per data type instead, and each queue subscribes raw: another consumer of the archive
//! (Defender for Cloud's queue, a SIEM's) subscribes its own queue to the topic (output
//! `<Queue>NotificationTopicArn`), and BucketNotificationCommand then names the topics.
//!
//! The output names are those of the all-services stack, so everything that reads a connector
//! stack reads this one.

use super::common::{self, ROLE_ID, ROLE_POLICY_ID};
use super::connector::{KMS_KEY_PARAM, KMS_KEY_PATTERN, KMS_KEY_RULE, QUEUE_POLICY_ID};
use super::layout::{KEY_PREFIX_PATTERN, KEY_PREFIX_RULE};
use super::layout::{NON_EMPTY_KEY_PREFIX_PATTERN, NON_EMPTY_KEY_PREFIX_RULE};
use super::{outputs, params};
use crate::cfn::{Cond, Expr, Parameter, Template};
use crate::config::patterns;
use crate::facts::{Cloud, DataType};
use crate::grants;
use crate::iam::{PolicyDocument, PolicyKind};
use crate::resources::{iam, sqs, standard_tags};
use crate::text;
use serde_json::json;

/// The data types of the log archive, in catalogue order (the all-services stack's order).
pub const DATA_TYPES: [DataType; 3] = [DataType::Vpc, DataType::GuardDuty, DataType::CloudTrail];

/// The organization's ID (every account's trail files are under `AWSLogs/<o-id>/`).
pub const ORGANIZATION_ID: &str = "OrganizationId";
/// An organization ID, required here.
const ORG_ID_PATTERN: &str = "^o-[a-z0-9]{10,32}$";
const ORG_ID_RULE: &str = "must be the organization's ID, like o-a1b2c3d4e5";
/// The role's default name stem.
const ROLE_STEM: &str = "OIDC_MicrosoftSentinelLogArchiveRole";
/// The output with the statement for the bucket policy.
pub const BUCKET_POLICY_OUTPUT: &str = "BucketPolicyStatement";

/// A data type's key prefix parameter (`VpcKeyPrefix`, ...): the folder its objects are under.
pub fn key_prefix_param(d: DataType) -> String {
    params::key_prefix(false, d)
}

/// The default folder of a data type the member accounts deliver themselves (empty for
/// CloudTrail: the organization trail writes `AWSLogs/<o-id>/` at the top unless given a prefix).
pub fn default_folder(d: DataType) -> &'static str {
    match d {
        DataType::Vpc => "vpcflowlogs",
        DataType::GuardDuty => "guardduty",
        _ => "",
    }
}

/// One data type's path, as CloudFormation expressions.
struct Path {
    service: DataType,
    /// The notification prefix.
    prefix: Expr,
    /// What the role may read, as a prefix for [`grants::objects_under`].
    readable: Expr,
}

fn declare_path(t: &mut Template, d: DataType) -> Path {
    let param = key_prefix_param(d);
    if d == DataType::CloudTrail {
        t.param(
            &param,
            Parameter::string("Key prefix the organization trail was given (its S3KeyPrefix), without / at either end: Control Tower's trail uses the organization ID. Empty: the trail writes AWSLogs/<o-id>/ at the top of the bucket.")
                .default("")
                .pattern(KEY_PREFIX_PATTERN, KEY_PREFIX_RULE),
        );
        let has = t.condition(
            &format!("Has{param}"),
            !(Cond::equals(Expr::reference(&param), "")),
        );
        let key_path = Expr::if_(has, Expr::sub(format!("${{{param}}}/")), Expr::str(""));
        let prefix = Expr::sub_with(
            format!("${{KeyPath}}AWSLogs/${{{ORGANIZATION_ID}}}/"),
            [("KeyPath", key_path)],
        );
        return Path {
            service: d,
            readable: prefix.clone(),
            prefix,
        };
    }
    t.param(
        &param,
        Parameter::string(format!(
            "Folder of the bucket every member account's {} objects go to (the destination arn:<partition>:s3:::<bucket>/<folder> they were given), without / at either end. Not empty: the folder keeps them apart from the trail and the other data types.",
            d.label()
        ))
        .default(default_folder(d))
        .pattern(NON_EMPTY_KEY_PREFIX_PATTERN, NON_EMPTY_KEY_PREFIX_RULE),
    );
    Path {
        service: d,
        prefix: Expr::sub(format!("${{{param}}}/AWSLogs/")),
        readable: Expr::sub(format!("${{{param}}}/AWSLogs/*/{}/", d.key_segment())),
    }
}

/// The log-archive stack for `cloud`.
pub fn build(cloud: Cloud) -> Template {
    let labels: Vec<&str> = DATA_TYPES.iter().map(|d| d.label()).collect();
    let mut t = Template::new(format!(
        "Microsoft Sentinel ({}) Amazon Web Services S3 connector for an organization's log archive: {} of every member account, read from the central bucket in the account that holds it. The bucket, its policy and its notification configuration stay its owner's; run the BucketNotificationCommand output once. Generated by the sentinel-aws toolkit.",
        cloud.label(),
        labels.join(", ")
    ));
    common::workspace_param(&mut t);
    let role_name = common::role_params(&mut t, ROLE_STEM);
    let bucket = t.param(
        params::BUCKET_NAME,
        Parameter::string("Name of the log archive bucket, in this account and Region (the queues must be in the bucket's Region). The stack changes neither the bucket nor its policy.")
            .pattern(
                patterns::BUCKET_NAME_OR_EMPTY[3..].to_string(),
                "must be the archive bucket's name: 3 to 63 characters of lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit",
            ),
    );
    t.param(
        ORGANIZATION_ID,
        Parameter::string("ID of the organization whose trail writes into the bucket (AWSLogs/<o-id>/<account>/CloudTrail/).")
            .pattern(ORG_ID_PATTERN, ORG_ID_RULE),
    );
    let kms_key = t.param(
        KMS_KEY_PARAM,
        Parameter::string("KMS key ARN the archive's objects are encrypted with (SSE-KMS, as Control Tower's trail can be): the role may decrypt with it through S3 in this Region; add the KmsKeyPolicyStatement output to its key policy (the key is often the management account's). Empty: SSE-S3 objects.")
            .default("")
            .pattern(KMS_KEY_PATTERN, KMS_KEY_RULE),
    );
    let has_kms_key = t.condition(
        super::bucket::HAS_KMS_KEY,
        !(Cond::equals(kms_key.clone(), "")),
    );
    let paths: Vec<Path> = DATA_TYPES
        .iter()
        .map(|d| declare_path(&mut t, *d))
        .collect();
    t.rule(
        "FoldersDiffer",
        None,
        !(Cond::equals(
            Expr::reference(key_prefix_param(DataType::Vpc)),
            Expr::reference(key_prefix_param(DataType::GuardDuty)),
        )),
        format!(
            "{} and {} must be different folders.",
            key_prefix_param(DataType::Vpc),
            key_prefix_param(DataType::GuardDuty)
        ),
    );
    let tuning = common::queue_tuning_params(&mut t);
    super::fan_out::declare(&mut t);

    let mut queues = Vec::new();
    for p in &paths {
        let d = p.service;
        let name = common::name_param(
            &mut t,
            &params::queue_name(false, d),
            &format!(
                "Name of the SQS queue that announces new {} objects of every account. Default: {}-<8 hex of the stack id>.",
                d.label(),
                d.default_queue()
            ),
            common::per_stack_name(d.default_queue()),
            (patterns::QUEUE_NAME, patterns::QUEUE_NAME_RULE),
        );
        queues.push(common::queue_pair(
            &mut t,
            &format!("{}Queue", d.id()),
            name,
            &tuning,
            d.label(),
        ));
    }

    // Only the archive bucket, in this account, may send; with FanOut=sns, only each queue's
    // own topic, which only the archive bucket may publish to.
    let mut notify =
        grants::s3_notifies_queue(queues[0].arn(), &bucket).sid("S3BucketNotifications");
    for q in &queues[1..] {
        notify = notify.resource(q.arn());
    }
    let fed: Vec<super::fan_out::Fed<'_>> = paths
        .iter()
        .zip(&queues)
        .map(|(p, q)| super::fan_out::Fed {
            queue_id: &q.id,
            queue_arn: q.arn(),
            label: p.service.label(),
        })
        .collect();
    let mut queue_statements = vec![notify.only_if(super::fan_out::QUEUES_COND)];
    queue_statements.extend(super::fan_out::queue_statements(&fed));
    t.add(
        QUEUE_POLICY_ID,
        &sqs::QueuePolicy {
            queues: queues.iter().map(|q| q.url()).collect(),
            policy_document: PolicyDocument::new(PolicyKind::Queue, queue_statements),
        },
    );
    super::fan_out::add_topics(&mut t, &fed, &bucket);

    t.add(
        ROLE_ID,
        &iam::Role {
            role_name: Some(role_name),
            description: Expr::sub(format!(
                "Assumed by Microsoft Sentinel ({}) workspace ${{{}}} to read the log archive's {}.",
                cloud.label(),
                common::WORKSPACE_PARAM,
                labels.join(", ")
            )),
            assume_role_policy_document: common::oidc_trust(cloud),
            managed_policy_arns: Vec::new(),
            max_session_duration: 3600,
            tags: standard_tags("sentinel-role"),
        },
    );
    let mut role_statements = Vec::new();
    for (p, q) in paths.iter().zip(&queues) {
        let id = p.service.id();
        role_statements.push(grants::consume_queue(q.arn()).sid(&format!("{id}ConsumeQueue")));
        role_statements
            .push(grants::read_prefix(&bucket, &p.readable).sid(&format!("{id}ReadLogs")));
    }
    role_statements.push(
        grants::decrypt_through_s3(kms_key)
            .sid("DecryptWithKmsKeyArn")
            .only_if(&has_kms_key),
    );
    t.add(
        ROLE_POLICY_ID,
        &iam::Policy {
            policy_name: Expr::str("SentinelS3ConnectorAccess"),
            policy_document: PolicyDocument::new(PolicyKind::Identity, role_statements),
            roles: vec![Expr::reference(ROLE_ID)],
        },
    );

    declare_outputs(&mut t, &paths, &queues, &bucket, &has_kms_key);
    t
}

fn declare_outputs(
    t: &mut Template,
    paths: &[Path],
    queues: &[common::QueuePair],
    bucket: &Expr,
    has_kms_key: &str,
) {
    let name = |d: DataType, base: &str| super::bucket::service_name(false, d, base);
    t.output(
        outputs::ROLE_ARN,
        "Role to add in the Sentinel connector page.",
        Expr::get_att(ROLE_ID, "Arn"),
    );
    for (p, q) in paths.iter().zip(queues) {
        let d = p.service;
        t.output(
            &name(d, outputs::QUEUE_URL),
            format!(
                "SQS URL to add in the Sentinel connector page for {} (every account).",
                d.label()
            ),
            q.url(),
        );
        t.output(
            &name(d, outputs::QUEUE_ARN),
            format!("ARN of the {} notification queue.", d.label()),
            q.arn(),
        );
        t.output(
            &name(d, outputs::DLQ_URL),
            format!(
                "Notifications for {} objects the connector could not process end up here.",
                d.label()
            ),
            q.dlq_url(),
        );
        t.output(
            &name(d, outputs::DESTINATION_TABLE),
            format!("Sentinel table for {}.", d.label()),
            Expr::str(d.table().name()),
        );
        t.output(
            &name(d, outputs::NOTIFICATION_PREFIX),
            format!(
                "Only objects under this prefix ending in {} are announced to the queue.",
                d.suffix()
            ),
            p.prefix.clone(),
        );
        t.output(
            &name(d, outputs::NOTIFICATION_TOPIC_ARN),
            format!(
                "FanOut=sns: the topic {} objects of every account are announced on; subscribe another consumer's queue here (raw message delivery).",
                d.label()
            ),
            Expr::reference(super::fan_out::topic_id(&q.id)),
        )
        .condition = Some(super::fan_out::TOPICS_COND.to_string());
        t.output(
            &name(d, outputs::CONNECTOR_SETTINGS),
            "What to enter in the Sentinel portal.",
            Expr::sub(text::render(
                "connector_settings",
                &json!({"queue_id": q.id, "table": d.table()}),
            )),
        );
    }
    t.output(
        outputs::BUCKET_NAME,
        "The log archive bucket.",
        bucket.clone(),
    );
    t.output(
        "KmsKeyPolicyStatement",
        "Add this statement to the key policy of KmsKeyArn (its owner's account): it lets the Sentinel role decrypt the archive's objects, through S3 in this Region only.",
        Expr::sub(text::render("kms_key_policy_statement", &json!({"role_id": ROLE_ID}))),
    )
    .condition = Some(has_kms_key.to_string());
    let readable: Vec<(String, Expr)> = paths
        .iter()
        .map(|p| {
            (
                format!("{}Readable", p.service.id()),
                grants::objects_under(bucket, &p.readable),
            )
        })
        .collect();
    let resources: Vec<String> = paths
        .iter()
        .map(|p| format!("\"${{{}Readable}}\"", p.service.id()))
        .collect();
    t.output(
        BUCKET_POLICY_OUTPUT,
        "Only where the bucket policy must name the role (the bucket is another account's, or its policy denies principals it does not name): add this statement to it. In the bucket's own account the role's policy suffices.",
        Expr::sub_with(
            format!(
                "{{\"Sid\":\"MicrosoftSentinelReadsLogArchive\",\"Effect\":\"Allow\",\"Principal\":{{\"AWS\":\"${{Role}}\"}},\"Action\":\"s3:GetObject\",\"Resource\":[{}]}}",
                resources.join(",")
            ),
            std::iter::once(("Role".to_string(), Expr::get_att(ROLE_ID, "Arn"))).chain(readable),
        ),
    );
    let entries: Vec<_> = paths
        .iter()
        .zip(queues)
        .map(|(p, q)| {
            json!({"id": format!("sentinel-{}", p.service.slug()), "queue_id": q.id,
                   "topic_id": super::fan_out::topic_id(&q.id),
                   "prefix_var": format!("{}Prefix", q.id), "suffix": p.service.suffix()})
        })
        .collect();
    let mut vars = vec![("Bucket".to_string(), bucket.clone())];
    vars.extend(
        paths
            .iter()
            .zip(queues)
            .map(|(p, q)| (format!("{}Prefix", q.id), p.prefix.clone())),
    );
    t.output(
        "BucketNotificationCommand",
        "The bucket's owner runs this once to announce new log objects to the queues (FanOut=sns: to their topics). It replaces the bucket's whole notification configuration, so merge any existing entries first.",
        super::fan_out::notification_command(&entries, vars),
    );
}
