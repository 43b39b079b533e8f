//! Security-linter findings the templates answer with a justification instead of a change.
//!
//! checkov and cfn-guard (with the AWS Guard rules registry) flag deliberate choices and false
//! positives: SSE-SQS read as "no KMS", ACLs disabled by `BucketOwnerEnforced` read as "no ACL
//! set", a Firehose transform asked for a dead-letter queue it can never use. Each
//! [`Suppression`] names
//! - the resources it covers, by CloudFormation type and logical-ID patterns (never by template
//!   file, so a new stack or a renamed template is covered alike),
//! - the checkov checks and Guard rules it silences,
//! - the premise its justification rests on, checked on every resource it is applied to,
//! - and a one-line justification.
//!
//! [`apply`] writes them into each matching resource's own `Metadata`, where the linters read
//! them (called by [`crate::stacks::StackSpec::build`], so every rendered template has them):
//!
//! ```yaml
//! Metadata:
//!   checkov: {skip: [{id: CKV_AWS_27, comment: <justification>}]}
//!   guard: {SuppressedRules: [SQS_QUEUE_KMS_MASTER_KEY_ID_RULE],
//!           Justifications: {SQS_QUEUE_KMS_MASTER_KEY_ID_RULE: <justification>}}
//! ```
//!
//! A resource whose properties no longer satisfy the premise gets no suppression, so the linter
//! reports it again and someone has to look. `cargo xtask lint` also fails on a suppression
//! whose finding no longer occurs.

use crate::cfn::{ResourceEntry, Template};
use serde_json::{json, Map, Value};

/// A rule one linter reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A checkov check ID, e.g. `CKV_AWS_27`.
    Checkov(&'static str),
    /// A Guard registry rule, by the name its rule file reads from `SuppressedRules`.
    Guard(&'static str),
    /// A Guard helper rule that reports under its own name (`reported`) but is silenced through
    /// its parent's name (`key`), which is what its rule file reads from `SuppressedRules`.
    GuardHelper {
        key: &'static str,
        reported: &'static str,
    },
}

impl Rule {
    /// The name written into the resource's Metadata.
    pub fn key(self) -> &'static str {
        match self {
            Rule::Checkov(id) | Rule::Guard(id) => id,
            Rule::GuardHelper { key, .. } => key,
        }
    }

    /// The name the linter reports a failure under.
    pub fn reported(self) -> &'static str {
        match self {
            Rule::Checkov(id) | Rule::Guard(id) => id,
            Rule::GuardHelper { reported, .. } => reported,
        }
    }

    pub fn is_guard(self) -> bool {
        !matches!(self, Rule::Checkov(_))
    }
}

/// The resource a premise is checked on, with the template around it.
pub struct Target<'a> {
    pub template: &'a Template,
    pub logical_id: &'a str,
    pub entry: &'a ResourceEntry,
}

impl Target<'_> {
    fn prop(&self, name: &str) -> &Value {
        &self.entry.properties[name]
    }
}

/// What must be true of a resource for a justification to hold.
pub struct Premise {
    /// The condition in words.
    pub states: &'static str,
    pub holds: fn(&Target) -> bool,
}

/// One finding answered with a justification.
pub struct Suppression {
    /// CloudFormation type, e.g. `AWS::SQS::Queue`.
    pub resource_type: &'static str,
    /// Logical-ID patterns; `*` matches any run of characters.
    pub logical_ids: &'static [&'static str],
    pub rules: &'static [Rule],
    pub premise: Premise,
    /// One line: why the finding is not a defect here.
    pub justification: &'static str,
}

impl Suppression {
    /// Whether this suppression is to be written on `target`: type, logical ID and premise.
    pub fn covers(&self, target: &Target) -> bool {
        target.entry.type_name == self.resource_type
            && self
                .logical_ids
                .iter()
                .any(|p| id_matches(p, target.logical_id))
            && (self.premise.holds)(target)
    }
}

/// `pattern` with at most one `*`, which matches any run of characters (also none).
pub fn id_matches(pattern: &str, id: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == id,
        Some((head, tail)) => {
            id.len() >= head.len() + tail.len() && id.starts_with(head) && id.ends_with(tail)
        }
    }
}

/// The Guard rule names (as reported) that a `SuppressedRules` entry silences.
pub fn guard_reported_names(key: &str) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = ALL
        .iter()
        .flat_map(|s| s.rules.iter())
        .filter(|r| r.is_guard() && r.key() == key)
        .map(|r| r.reported())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Writes every covering suppression into the Metadata of each resource of `t`.
pub fn apply(t: &mut Template) {
    let mut found: Vec<(String, Vec<&'static Suppression>)> = Vec::new();
    for (id, entry) in &t.resources {
        let target = Target {
            template: t,
            logical_id: id,
            entry,
        };
        let covering: Vec<_> = ALL.iter().filter(|s| s.covers(&target)).collect();
        if !covering.is_empty() {
            found.push((id.clone(), covering));
        }
    }
    for (id, covering) in found {
        let entry = t
            .resources
            .get_mut(&id)
            .expect("collected from this template");
        write_metadata(entry, &covering);
    }
}

fn write_metadata(entry: &mut ResourceEntry, covering: &[&Suppression]) {
    let mut skips = Vec::new();
    let mut guard_rules = Vec::new();
    let mut guard_reasons = Map::new();
    for s in covering {
        for rule in s.rules {
            if rule.is_guard() {
                if !guard_reasons.contains_key(rule.key()) {
                    guard_rules.push(Value::from(rule.key()));
                    guard_reasons.insert(rule.key().into(), s.justification.into());
                }
            } else {
                skips.push(json!({"id": rule.key(), "comment": s.justification}));
            }
        }
    }
    let metadata = entry
        .metadata
        .get_or_insert_with(|| Value::Object(Map::new()));
    let metadata = metadata
        .as_object_mut()
        .expect("resource Metadata is always an object");
    if !skips.is_empty() {
        let checkov = metadata.entry("checkov").or_insert_with(|| json!({}));
        let list = checkov
            .as_object_mut()
            .expect("Metadata.checkov is an object")
            .entry("skip")
            .or_insert_with(|| json!([]));
        list.as_array_mut()
            .expect("Metadata.checkov.skip is a list")
            .extend(skips);
    }
    if !guard_rules.is_empty() {
        metadata.insert(
            "guard".into(),
            json!({"SuppressedRules": guard_rules, "Justifications": guard_reasons}),
        );
    }
}

/// Removes the linters' Metadata (`checkov`, `guard`) from every resource of a rendered
/// template, and a Metadata left empty. CloudFormation ignores both: the deployer sends
/// templates without them (the all-services stack would not fit CloudFormation's inline limit
/// otherwise), and `cargo xtask lint` lints such copies to find stale suppressions.
pub fn strip(template: &mut Value) {
    let Some(resources) = template["Resources"].as_object_mut() else {
        return;
    };
    for resource in resources.values_mut() {
        let Some(object) = resource.as_object_mut() else {
            continue;
        };
        if let Some(metadata) = object.get_mut("Metadata").and_then(Value::as_object_mut) {
            metadata.remove("checkov");
            metadata.remove("guard");
            if metadata.is_empty() {
                object.remove("Metadata");
            }
        }
    }
}

// Premises.

fn always(_: &Target) -> bool {
    true
}

fn sse_sqs(t: &Target) -> bool {
    t.prop("SqsManagedSseEnabled") == &Value::Bool(true) && t.prop("KmsMasterKeyId").is_null()
}

fn bounded_retention(t: &Target) -> bool {
    t.prop("RetentionInDays").is_number() || t.prop("RetentionInDays").is_object()
}

/// An enabled lifecycle rule expires current objects.
fn expires_objects(t: &Target) -> bool {
    t.prop("LifecycleConfiguration")["Rules"]
        .as_array()
        .is_some_and(|rules| {
            rules
                .iter()
                .any(|r| r["Status"] == "Enabled" && !r["ExpirationInDays"].is_null())
        })
}

fn expires_objects_unversioned(t: &Target) -> bool {
    expires_objects(t) && t.prop("VersioningConfiguration").is_null()
}

fn acls_disabled_and_public_access_blocked(t: &Target) -> bool {
    let block = t.prop("PublicAccessBlockConfiguration");
    let blocked = [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ]
    .iter()
    .all(|k| block[k] == Value::Bool(true));
    let enforced = t.prop("OwnershipControls")["Rules"]
        .as_array()
        .is_some_and(|rules| {
            rules
                .iter()
                .any(|r| r["ObjectOwnership"] == "BucketOwnerEnforced")
        });
    blocked && enforced && t.prop("AccessControl").is_null()
}

/// A delivery stream of the same template runs this function as its Lambda processor.
fn firehose_processor(t: &Target) -> bool {
    let arn = json!({"Fn::GetAtt": [t.logical_id, "Arn"]});
    t.template.resources.values().any(|r| {
        r.type_name == "AWS::KinesisFirehose::DeliveryStream"
            && r.properties["ExtendedS3DestinationConfiguration"]["ProcessingConfiguration"]
                ["Processors"]
                .as_array()
                .is_some_and(|ps| {
                    ps.iter().any(|p| {
                        p["Type"] == "Lambda"
                            && p["Parameters"].as_array().is_some_and(|params| {
                                params.iter().any(|q| {
                                    q["ParameterName"] == "LambdaArn" && q["ParameterValue"] == arn
                                })
                            })
                    })
                })
    })
}

fn firehose_processor_without_vpc(t: &Target) -> bool {
    firehose_processor(t) && t.prop("VpcConfig").is_null()
}

/// Every environment variable is a literal string written in the template.
fn literal_environment(t: &Target) -> bool {
    t.prop("Environment")["Variables"]
        .as_object()
        .is_none_or(|vars| vars.values().all(Value::is_string))
        && t.prop("KmsKeyArn").is_null()
}

fn no_redshift_destination(t: &Target) -> bool {
    t.prop("RedshiftDestinationConfiguration").is_null()
}

fn no_splunk_destination(t: &Target) -> bool {
    t.prop("SplunkDestinationConfiguration").is_null()
}

fn trail_without_kms(t: &Target) -> bool {
    t.prop("KMSKeyId").is_null()
}

/// A name that is a parameter: `Ref` to it, or `Fn::If [Has<Param>, Ref <Param>, <derived default>]`.
fn is_parameter_name(v: &serde_json::Value) -> bool {
    v["Ref"].is_string() || v["Fn::If"][1]["Ref"].is_string()
}

fn named_by_parameter(t: &Target) -> bool {
    is_parameter_name(t.prop("RoleName"))
}

/// This role has no name, and another role of the template is named by a parameter.
fn unnamed_beside_a_named_role(t: &Target) -> bool {
    t.prop("RoleName").is_null()
        && t.template.resources.iter().any(|(id, r)| {
            id != t.logical_id
                && r.type_name == "AWS::IAM::Role"
                && is_parameter_name(&r.properties["RoleName"])
        })
}

/// This alarm has no name, and a role of the template is named by a parameter.
fn unnamed_alarm_beside_a_named_role(t: &Target) -> bool {
    t.prop("AlarmName").is_null()
        && t.template.resources.values().any(|r| {
            r.type_name == "AWS::IAM::Role" && is_parameter_name(&r.properties["RoleName"])
        })
}

/// This topic has no key, and the template's only policy on it lets `service` alone publish.
fn published_only_by(t: &Target, service: &str) -> bool {
    let policies: Vec<&ResourceEntry> = t
        .template
        .resources
        .values()
        .filter(|r| {
            r.type_name == "AWS::SNS::TopicPolicy"
                && r.properties["Topics"]
                    .as_array()
                    .is_some_and(|ts| ts.iter().any(|x| x == &json!({"Ref": t.logical_id})))
        })
        .collect();
    t.prop("KmsMasterKeyId").is_null()
        && policies.len() == 1
        && policies[0].properties["PolicyDocument"]["Statement"]
            .as_array()
            .is_some_and(|sts| {
                !sts.is_empty()
                    && sts.iter().all(|st| {
                        st["Principal"] == json!({"Service": service})
                            && st["Action"] == "sns:Publish"
                    })
            })
}

/// The alarm topic: only CloudWatch publishes to it.
fn alarm_topic(t: &Target) -> bool {
    published_only_by(t, "cloudwatch.amazonaws.com")
}

/// A fan-out topic: only S3 publishes to it.
fn notification_topic(t: &Target) -> bool {
    published_only_by(t, crate::facts::principals::S3)
}

const TRANSFORM_FUNCTIONS: &[&str] = &["*TransformFunction"];
const FIREHOSE_PROCESSOR: Premise = Premise {
    states:
        "a Firehose delivery stream of the same template runs the function as its Lambda processor",
    holds: firehose_processor,
};

/// Every suppression the templates carry. Prefer a fix where one is cheap and right; add an
/// entry here only for a finding that is a false positive or a deliberate choice, and say why
/// in one line.
pub const ALL: &[Suppression] = &[
    Suppression {
        resource_type: "AWS::SQS::Queue",
        logical_ids: &["*"],
        rules: &[
            Rule::Checkov("CKV_AWS_27"),
            Rule::Guard("SQS_QUEUE_KMS_MASTER_KEY_ID_RULE"),
        ],
        premise: Premise {
            states: "SqsManagedSseEnabled is true and no KmsMasterKeyId is set",
            holds: sse_sqs,
        },
        justification: "SSE-SQS (SqsManagedSseEnabled) encrypts at rest; the messages are S3 event notifications, and a CMK would need a key policy for s3.amazonaws.com",
    },
    Suppression {
        resource_type: "AWS::Logs::LogGroup",
        logical_ids: &["*TransformLogGroup", "*FirehoseLogGroup"],
        rules: &[
            Rule::Checkov("CKV_AWS_158"),
            Rule::Guard("CLOUDWATCH_LOG_GROUP_ENCRYPTED"),
        ],
        premise: Premise {
            states: "RetentionInDays is set",
            holds: bounded_retention,
        },
        justification: "CloudWatch Logs encrypts all log groups at rest; this one keeps only the stack's own Lambda or Firehose run and error lines for RetentionInDays",
    },
    Suppression {
        resource_type: "AWS::S3::Bucket",
        logical_ids: &["LogBucket"],
        rules: &[
            Rule::Checkov("CKV_AWS_18"),
            Rule::Guard("S3_BUCKET_LOGGING_ENABLED"),
        ],
        premise: Premise {
            states: "always (a staging bucket for AWS service log deliveries)",
            holds: always,
        },
        justification: "Staging bucket for AWS log deliveries read by one Sentinel role; access logs would need a second bucket, and CloudTrail data events can record object access",
    },
    Suppression {
        resource_type: "AWS::S3::Bucket",
        logical_ids: &["LogBucket"],
        rules: &[
            Rule::Checkov("CKV_AWS_21"),
            Rule::Guard("S3_BUCKET_VERSIONING_ENABLED"),
        ],
        premise: Premise {
            states: "an enabled lifecycle rule expires objects and the bucket is not versioned",
            holds: expires_objects_unversioned,
        },
        justification: "Write-once AWS log deliveries that a lifecycle rule expires; Sentinel reads each object once, so older versions would only add storage cost",
    },
    Suppression {
        resource_type: "AWS::S3::Bucket",
        logical_ids: &["LogBucket"],
        rules: &[Rule::Guard("S3_BUCKET_REPLICATION_ENABLED")],
        premise: Premise {
            states: "an enabled lifecycle rule expires objects",
            holds: expires_objects,
        },
        justification: "A staging copy that the lifecycle expires after ingestion; the Sentinel workspace holds the durable copy, so a replica bucket and role would add cost only",
    },
    Suppression {
        resource_type: "AWS::S3::Bucket",
        logical_ids: &["LogBucket"],
        rules: &[Rule::Guard("S3_BUCKET_DEFAULT_LOCK_ENABLED")],
        premise: Premise {
            states: "an enabled lifecycle rule expires objects",
            holds: expires_objects,
        },
        justification: "Object Lock needs versioning and a retention that would override the lifecycle expiry bounding this staging bucket; Sentinel keeps the durable copy",
    },
    Suppression {
        resource_type: "AWS::S3::Bucket",
        logical_ids: &["LogBucket"],
        rules: &[Rule::Guard("S3_BUCKET_NO_PUBLIC_RW_ACL")],
        premise: Premise {
            states: "ObjectOwnership is BucketOwnerEnforced, all four public access blocks are on and no AccessControl is set",
            holds: acls_disabled_and_public_access_blocked,
        },
        justification: "ACLs are disabled (BucketOwnerEnforced) and all public access is blocked; the rule fails only because no AccessControl property is set",
    },
    Suppression {
        resource_type: "AWS::Lambda::Function",
        logical_ids: TRANSFORM_FUNCTIONS,
        rules: &[
            Rule::Checkov("CKV_AWS_115"),
            Rule::Guard("LAMBDA_CONCURRENCY_CHECK"),
        ],
        premise: FIREHOSE_PROCESSOR,
        justification: "Reserved concurrency fails stack creation where the unreserved pool would drop below its minimum (new accounts have 10), and a cap would throttle Firehose",
    },
    Suppression {
        resource_type: "AWS::Lambda::Function",
        logical_ids: TRANSFORM_FUNCTIONS,
        rules: &[Rule::Checkov("CKV_AWS_116"), Rule::Guard("LAMBDA_DLQ_CHECK")],
        premise: FIREHOSE_PROCESSOR,
        justification: "Firehose invokes this transform synchronously; a Lambda DLQ serves only asynchronous invocations, and failed records go to the stream's error prefix",
    },
    Suppression {
        resource_type: "AWS::Lambda::Function",
        logical_ids: TRANSFORM_FUNCTIONS,
        rules: &[Rule::Checkov("CKV_AWS_117"), Rule::Guard("LAMBDA_INSIDE_VPC")],
        premise: Premise {
            states: "a Firehose delivery stream of the same template runs the function as its Lambda processor, and it has no VpcConfig",
            holds: firehose_processor_without_vpc,
        },
        justification: "A pure record transform that Firehose invokes and that calls no endpoint; a VPC would add ENIs and NAT or endpoints and protect nothing",
    },
    Suppression {
        resource_type: "AWS::Lambda::Function",
        logical_ids: TRANSFORM_FUNCTIONS,
        rules: &[Rule::Checkov("CKV_AWS_173")],
        premise: Premise {
            states: "every environment variable is a literal string and no KmsKeyArn is set",
            holds: literal_environment,
        },
        justification: "The environment holds only literal constants written in this template (the Sentinel table name); Lambda encrypts it at rest with an AWS managed key",
    },
    Suppression {
        resource_type: "AWS::CloudTrail::Trail",
        logical_ids: &["CloudTrailTrail"],
        rules: &[
            Rule::Checkov("CKV_AWS_35"),
            Rule::Guard("CLOUD_TRAIL_ENCRYPTION_ENABLED"),
        ],
        premise: Premise {
            states: "no KMSKeyId is set",
            holds: trail_without_kms,
        },
        justification: "Log files get the bucket's default encryption (SSE-S3 here); SSE-KMS would need a key policy for cloudtrail.amazonaws.com and kms:Decrypt for Sentinel",
    },
    Suppression {
        resource_type: "AWS::CloudTrail::Trail",
        logical_ids: &["CloudTrailTrail"],
        rules: &[Rule::Guard("CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED")],
        premise: Premise {
            states: "always (the trail exists to feed Sentinel through S3)",
            holds: always,
        },
        justification: "Sentinel reads this trail from S3; a CloudWatch Logs copy would bill every event a second time with no consumer",
    },
    Suppression {
        resource_type: "AWS::CloudTrail::Trail",
        logical_ids: &["CloudTrailTrail"],
        rules: &[Rule::Guard("CLOUDTRAIL_S3_DATAEVENTS_ENABLED")],
        premise: Premise {
            states: "always (a management-events trail)",
            holds: always,
        },
        justification: "A management-events trail by design: S3 data events are billed per event and can be added to this or another trail where wanted",
    },
    Suppression {
        resource_type: "AWS::KinesisFirehose::DeliveryStream",
        logical_ids: &["*"],
        rules: &[Rule::GuardHelper {
            key: "KINESIS_FIREHOSE_REDSHIFT_DESTINATION_CONFIGURATION_NO_PLAINTEXT_PASSWORD",
            reported: "KINESIS_FIREHOSE_REDSHIFT_DESTINATION_CONFIGURATION_USES_SECURE_PARAMETER",
        }],
        premise: Premise {
            states: "no RedshiftDestinationConfiguration is set",
            holds: no_redshift_destination,
        },
        justification: "The stream has no Redshift destination and so no password; the helper rule fails only because it finds no password parameter to check",
    },
    Suppression {
        resource_type: "AWS::KinesisFirehose::DeliveryStream",
        logical_ids: &["*"],
        rules: &[Rule::GuardHelper {
            key: "KINESIS_FIREHOSE_SPLUNK_DESTINATION_CONFIGURATION_NO_PLAINTEXT_PASSWORD",
            reported: "KINESIS_FIREHOSE_SPLUNK_DESTINATION_CONFIGURATION_USES_SECURE_PARAMETER",
        }],
        premise: Premise {
            states: "no SplunkDestinationConfiguration is set",
            holds: no_splunk_destination,
        },
        justification: "The stream has no Splunk destination and so no HEC token; the helper rule fails only because it finds no token parameter to check",
    },
    Suppression {
        resource_type: "AWS::IAM::Role",
        logical_ids: &["SentinelRole", "SentinelLegacyRole"],
        rules: &[Rule::Guard("CFN_NO_EXPLICIT_RESOURCE_NAMES")],
        premise: Premise {
            states: "RoleName is a parameter (or its per-stack default when empty)",
            holds: named_by_parameter,
        },
        justification: "Sentinel's connector page takes this role's ARN, so its name is a parameter the user sets (OIDC_ prefix for web identity; by default unique per stack), not a generated one",
    },
    Suppression {
        resource_type: "AWS::IAM::Role",
        logical_ids: &["*"],
        rules: &[Rule::Guard("CFN_NO_EXPLICIT_RESOURCE_NAMES")],
        premise: Premise {
            states: "the role has no RoleName and another role of the template is named by a parameter",
            holds: unnamed_beside_a_named_role,
        },
        justification: "This role has no name; the rule's type block checks every role, the named Sentinel role too, unless all of them carry the suppression",
    },
    Suppression {
        resource_type: "AWS::CloudWatch::Alarm",
        logical_ids: &["*Alarm"],
        rules: &[Rule::Guard("CFN_NO_EXPLICIT_RESOURCE_NAMES")],
        premise: Premise {
            states: "the alarm has no AlarmName and a role of the template is named by a parameter",
            holds: unnamed_alarm_beside_a_named_role,
        },
        justification: "No AlarmName (CloudFormation names it); the rule's type blocks also check the parameter-named Sentinel role unless every covered resource carries this suppression",
    },
    Suppression {
        resource_type: "AWS::SNS::Topic",
        logical_ids: &["AlarmTopic"],
        rules: &[Rule::Checkov("CKV_AWS_26"), Rule::Guard("SNS_ENCRYPTED_KMS")],
        premise: Premise {
            states: "the topic has no KMS key and its only topic policy lets CloudWatch alone publish",
            holds: alarm_topic,
        },
        justification: "CloudWatch cannot publish to a topic under the AWS-managed SNS key; this topic carries alarm states only (only CloudWatch may publish), no log data",
    },
    Suppression {
        resource_type: "AWS::SNS::Topic",
        logical_ids: &["*NotificationTopic"],
        rules: &[Rule::Guard("SNS_ENCRYPTED_KMS")],
        premise: Premise {
            states: "the topic has no KMS key and its only topic policy lets S3 alone publish",
            holds: notification_topic,
        },
        justification: "S3 cannot publish event notifications to a topic under the AWS-managed SNS key; they carry object keys (only S3 may publish), no log data",
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stacks::StackSpec;

    #[test]
    fn patterns_match_whole_ids_with_one_wildcard() {
        assert!(id_matches("LogBucket", "LogBucket"));
        assert!(!id_matches("LogBucket", "LogBucketPolicy"));
        assert!(id_matches("*", "Anything"));
        assert!(id_matches("*TransformFunction", "EksTransformFunction"));
        assert!(!id_matches(
            "*TransformFunction",
            "EksTransformFunctionRole"
        ));
        assert!(id_matches("Eks*Group", "EksTransformLogGroup"));
        // Head and tail may not overlap.
        assert!(!id_matches("ab*ba", "aba"));
    }

    /// Every entry still matches a resource (type, ID and premise) in some rendered template,
    /// so a suppression whose resource was renamed, removed or fixed is noticed.
    #[test]
    fn every_suppression_covers_a_resource_of_some_template() {
        let templates: Vec<_> = StackSpec::all().iter().map(StackSpec::build).collect();
        for s in ALL {
            let used = templates.iter().any(|t| {
                t.resources.iter().any(|(id, entry)| {
                    s.covers(&Target {
                        template: t,
                        logical_id: id,
                        entry,
                    })
                })
            });
            assert!(
                used,
                "the suppression of {:?} on {} {:?} covers no resource of any template \
                 (premise: {}): remove it from suppressions::ALL",
                s.rules, s.resource_type, s.logical_ids, s.premise.states
            );
        }
    }

    #[test]
    fn justifications_are_one_specific_line_and_rules_are_well_formed() {
        let checkov = regex::Regex::new(r"^CKV2?_AWS_\d+$").unwrap();
        let guard = regex::Regex::new(r"^[A-Z0-9]+(_[A-Z0-9]+)*$").unwrap();
        for s in ALL {
            let j = s.justification;
            assert!(
                !j.contains('\n') && j.trim() == j && (40..=180).contains(&j.len()),
                "justification must be one line of 40 to 180 characters: {j:?}"
            );
            assert!(!s.rules.is_empty() && !s.logical_ids.is_empty());
            for rule in s.rules {
                match rule {
                    Rule::Checkov(id) => assert!(checkov.is_match(id), "{id}"),
                    Rule::Guard(_) | Rule::GuardHelper { .. } => {
                        assert!(guard.is_match(rule.key()), "{}", rule.key());
                        assert!(guard.is_match(rule.reported()), "{}", rule.reported());
                    }
                }
            }
        }
    }

    #[test]
    fn each_rule_is_suppressed_at_most_once_per_resource() {
        for t in StackSpec::all().iter().map(StackSpec::build) {
            for (id, entry) in &t.resources {
                let Some(m) = &entry.metadata else { continue };
                let mut keys: Vec<&str> = m["checkov"]["skip"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| s["id"].as_str().unwrap())
                    .collect();
                keys.extend(
                    m["guard"]["SuppressedRules"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|r| r.as_str().unwrap()),
                );
                let n = keys.len();
                keys.sort_unstable();
                keys.dedup();
                assert_eq!(n, keys.len(), "{id}: a rule suppressed twice");
            }
        }
    }

    fn entry(type_name: &'static str, properties: Value) -> ResourceEntry {
        ResourceEntry {
            type_name,
            condition: None,
            depends_on: Vec::new(),
            deletion_policy: None,
            update_replace_policy: None,
            metadata: None,
            properties,
        }
    }

    fn with_queue(id: &str, sse: bool) -> Template {
        let mut t = Template::new("test");
        let mut props = json!({"QueueName": "q"});
        if sse {
            props["SqsManagedSseEnabled"] = true.into();
        }
        t.resources
            .insert(id.into(), entry("AWS::SQS::Queue", props));
        t
    }

    #[test]
    fn apply_writes_checkov_skips_and_guard_rules_with_their_justification() {
        let mut t = with_queue("SomeQueue", true);
        apply(&mut t);
        let m = t.resources["SomeQueue"].metadata.clone().expect("metadata");
        let why = ALL[0].justification;
        assert_eq!(
            m["checkov"]["skip"],
            json!([{"id": "CKV_AWS_27", "comment": why}])
        );
        assert_eq!(
            m["guard"]["SuppressedRules"],
            json!(["SQS_QUEUE_KMS_MASTER_KEY_ID_RULE"])
        );
        assert_eq!(
            m["guard"]["Justifications"]["SQS_QUEUE_KMS_MASTER_KEY_ID_RULE"],
            why
        );
    }

    #[test]
    fn a_resource_whose_premise_fails_gets_no_suppression() {
        let mut t = with_queue("PlainQueue", false);
        apply(&mut t);
        assert!(t.resources["PlainQueue"].metadata.is_none());
    }

    #[test]
    fn apply_keeps_metadata_already_there() {
        let mut t = with_queue("SomeQueue", true);
        t.resources["SomeQueue"].metadata =
            Some(json!({"checkov": {"skip": [{"id": "CKV_AWS_1", "comment": "x"}]}, "Other": 1}));
        apply(&mut t);
        let m = t.resources["SomeQueue"].metadata.clone().unwrap();
        assert_eq!(m["Other"], 1);
        assert_eq!(m["checkov"]["skip"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn strip_removes_only_the_linters_metadata() {
        let mut t = json!({"Resources": {
            "Q": {"Type": "AWS::SQS::Queue", "Metadata": {"checkov": {"skip": []}, "guard": {}}},
            "B": {"Type": "AWS::S3::Bucket", "Metadata": {"checkov": {"skip": []}, "Keep": 1}},
            "R": {"Type": "AWS::IAM::Role", "Properties": {}}
        }});
        strip(&mut t);
        assert!(t["Resources"]["Q"].get("Metadata").is_none());
        assert_eq!(t["Resources"]["B"]["Metadata"], json!({"Keep": 1}));
        assert_eq!(
            t["Resources"]["R"],
            json!({"Type": "AWS::IAM::Role", "Properties": {}})
        );
        let mut rendered = StackSpec::all()[1].build().to_value();
        assert!(rendered.to_string().contains("\"checkov\""));
        strip(&mut rendered);
        assert!(!rendered.to_string().contains("\"checkov\""));
        assert!(!rendered.to_string().contains("SuppressedRules"));
    }

    #[test]
    fn rendered_stacks_carry_the_suppressions() {
        let t = StackSpec::all()
            .into_iter()
            .find(|s| s.stem() == "sentinel-eks-connector-commercial")
            .unwrap()
            .build();
        let f = t.resources["EksTransformFunction"]
            .metadata
            .clone()
            .unwrap();
        let ids: Vec<_> = f["checkov"]["skip"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            ["CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173"]
        );
        // The EKS bucket is versioned: no versioning suppression there.
        let b = t.resources["LogBucket"].metadata.clone().unwrap();
        assert!(!b["checkov"]["skip"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == "CKV_AWS_21"));
        assert_eq!(
            guard_reported_names(
                "KINESIS_FIREHOSE_SPLUNK_DESTINATION_CONFIGURATION_NO_PLAINTEXT_PASSWORD"
            ),
            ["KINESIS_FIREHOSE_SPLUNK_DESTINATION_CONFIGURATION_USES_SECURE_PARAMETER"]
        );
        assert_eq!(
            guard_reported_names("LAMBDA_DLQ_CHECK"),
            ["LAMBDA_DLQ_CHECK"]
        );
    }
}
