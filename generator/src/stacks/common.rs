//! Pieces every connector stack shares: the workspace and role parameters, the OIDC trust,
//! the queue pair, and parameters whose empty default means "derive a name".

use super::params;
use crate::cfn::{Cond, Expr, Parameter, Pseudo, Template};
use crate::config::patterns;
use crate::facts::{Cloud, SESSION_PREFIX_DEFENDER, SESSION_PREFIX_SENTINEL};
use crate::iam::{actions, keys, Operator, PolicyDocument, PolicyKind, Principal, Statement};
use crate::resources::{sqs, standard_tags};

pub const WORKSPACE_PARAM: &str = params::WORKSPACE_ID;
pub const ROLE_PARAM: &str = params::AWS_ROLE_NAME;
pub const DEFENDER_PARAM: &str = params::ALLOW_DEFENDER_SESSION;
pub const DEFENDER_COND: &str = "AllowDefenderSession";
pub const ROLE_ID: &str = "SentinelRole";
pub const ROLE_POLICY_ID: &str = "SentinelRolePolicy";

/// 14 days, the SQS maximum: a Sentinel-side outage of up to two weeks loses nothing.
pub const RETENTION_SECONDS: u32 = 1_209_600;

pub fn workspace_param(t: &mut Template) -> Expr {
    t.param(
        WORKSPACE_PARAM,
        Parameter::string(
            "Log Analytics workspace ID of the Microsoft Sentinel workspace (a GUID).",
        )
        .pattern(patterns::WORKSPACE_ID, patterns::WORKSPACE_ID_RULE),
    )
}

/// The first 8 hex digits of the stack's UUID: unique per stack, valid in every resource name,
/// and of fixed length, so names built from it never grow with the stack name.
pub fn stack_suffix() -> Expr {
    Expr::Select(
        0,
        Box::new(Expr::Split(
            "-".into(),
            Box::new(Expr::Select(
                2,
                Box::new(Expr::Split("/".into(), Box::new(Pseudo::StackId.into()))),
            )),
        )),
    )
}

/// `<stem>-<8 hex of the stack id>`: a default name unique per stack (and so per Region and
/// per cluster), `stem.len() + 9` characters whatever the stack is called.
pub fn per_stack_name(stem: &str) -> Expr {
    Expr::sub_with(format!("{stem}-${{Suffix}}"), [("Suffix", stack_suffix())])
}

/// The role name parameter (empty default: `<default_stem>-<region>-<8 hex of the stack id>`,
/// so a second Region, cluster or stack never collides on IAM's account-wide role names) and
/// the Defender session-name switch. Returns the name to use.
pub fn role_params(t: &mut Template, default_stem: &str) -> Expr {
    let derived = Expr::sub_with(
        format!("{default_stem}-${{AWS::Region}}-${{Suffix}}"),
        [("Suffix", stack_suffix())],
    );
    let name = name_param(
        t,
        ROLE_PARAM,
        &format!("Name of the role Sentinel assumes; must start with OIDC_. Default: {default_stem}-<region>-<8 hex of the stack id>, unique per stack."),
        derived,
        (patterns::OIDC_ROLE_NAME, patterns::OIDC_ROLE_NAME_RULE),
    );
    t.param(
        DEFENDER_PARAM,
        Parameter::boolean(
            "Also accept the session name prefix MicrosoftDefenderForClouds_ (sent by some connectors since 2025).",
            false,
        ),
    );
    t.condition(
        DEFENDER_COND,
        Cond::equals(Expr::reference(DEFENDER_PARAM), "true"),
    );
    name
}

/// The OIDC provider ARN for the cloud's issuer in this account.
pub fn oidc_provider_arn(cloud: Cloud) -> Expr {
    Expr::sub(format!(
        "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:oidc-provider/{}",
        cloud.issuer_host_path()
    ))
}

/// Trust only the Sentinel OIDC audience, and only the session names Sentinel uses.
pub fn oidc_trust(cloud: Cloud) -> PolicyDocument {
    let sentinel = Expr::sub(format!("{SESSION_PREFIX_SENTINEL}${{{WORKSPACE_PARAM}}}"));
    let defender = Expr::sub(format!("{SESSION_PREFIX_DEFENDER}${{{WORKSPACE_PARAM}}}"));
    let session_names = Expr::if_(
        DEFENDER_COND,
        Expr::list([sentinel.clone(), defender]),
        Expr::list([sentinel]),
    );
    let st = Statement::allow(&[actions::sts::ASSUME_ROLE_WITH_WEB_IDENTITY])
        .sid("SentinelWebIdentity")
        .principal(Principal::Federated(oidc_provider_arn(cloud)))
        .when(
            Operator::StringEquals,
            format!("{}:aud", cloud.issuer_host_path()),
            cloud.audience(),
        )
        .when(
            Operator::StringEquals,
            keys::ROLE_SESSION_NAME,
            session_names,
        );
    PolicyDocument::new(PolicyKind::Trust, vec![st])
}

/// A parameter whose empty default means "use `derived`"; returns the value to use.
pub fn name_param(
    t: &mut Template,
    name: &str,
    description: &str,
    derived: Expr,
    pattern: (&str, &str),
) -> Expr {
    let p = t.param(
        name,
        Parameter::string(format!("{description} Leave empty for the default."))
            .default("")
            .pattern(format!("^$|{}", pattern.0), pattern.1),
    );
    let cond = t.condition(&format!("Has{name}"), !(Cond::equals(p.clone(), "")));
    Expr::if_(cond, p, derived)
}

/// The queue and its dead-letter queue.
pub struct QueuePair {
    pub id: String,
    pub dlq_id: String,
}

impl QueuePair {
    pub fn arn(&self) -> Expr {
        Expr::get_att(&self.id, "Arn")
    }
    pub fn url(&self) -> Expr {
        Expr::reference(&self.id)
    }
    pub fn dlq_url(&self) -> Expr {
        Expr::reference(&self.dlq_id)
    }
    pub fn dlq_arn(&self) -> Expr {
        Expr::get_att(&self.dlq_id, "Arn")
    }
}

/// Queue tuning shared by the queues of one template, and their alarms.
pub struct QueueTuning {
    pub visibility: Expr,
    pub max_receive: Expr,
    pub alarms: super::alarms::Alarms,
}

pub fn queue_tuning_params(t: &mut Template) -> QueueTuning {
    let visibility = t.param(
        params::QUEUE_VISIBILITY_TIMEOUT,
        Parameter::number(
            "Seconds a received notification stays hidden; the connector extends it at half this while an object is in flight.",
            300,
            30,
            43_200,
        ),
    );
    let max_receive = t.param(
        params::MAX_RECEIVE_COUNT,
        Parameter::number(
            "Receives before a notification moves to the dead-letter queue (poison objects surface there).",
            5,
            1,
            1000,
        ),
    );
    QueueTuning {
        visibility,
        max_receive,
        alarms: super::alarms::alarm_params(t),
    }
}

/// The queue `id` and its dead-letter queue, with their alarms; `what` names the logs in the
/// alarms' descriptions.
pub fn queue_pair(
    t: &mut Template,
    id: &str,
    name: Expr,
    tuning: &QueueTuning,
    what: &str,
) -> QueuePair {
    let dlq_id = format!("{id}DeadLetter");
    t.add(
        &dlq_id,
        &sqs::Queue {
            // Named by CloudFormation (`<stack>-<logical id>-<random>`, unique per stack): nobody
            // needs to type it, the DeadLetterQueueURL output gives it.
            queue_name: None,
            message_retention_period: RETENTION_SECONDS,
            visibility_timeout: None,
            receive_message_wait_time_seconds: None,
            redrive_policy: None,
            sqs_managed_sse_enabled: true,
            tags: standard_tags("dead-letter-queue"),
        },
    )
    .delete_policy();
    t.add(
        id,
        &sqs::Queue {
            queue_name: Some(name),
            message_retention_period: RETENTION_SECONDS,
            visibility_timeout: Some(tuning.visibility.clone()),
            receive_message_wait_time_seconds: Some(20),
            redrive_policy: Some(sqs::RedrivePolicy {
                dead_letter_target_arn: Expr::get_att(&dlq_id, "Arn"),
                max_receive_count: tuning.max_receive.clone(),
            }),
            sqs_managed_sse_enabled: true,
            tags: standard_tags("notification-queue"),
        },
    )
    .delete_policy();
    super::alarms::queue_alarms(t, &tuning.alarms, id, &dlq_id, what);
    QueuePair {
        id: id.to_string(),
        dlq_id,
    }
}

/// `sentinel-<what>-<account>-<region>-<8 hex of the stack id>`: unique per stack, valid as a
/// bucket name (at most 56 characters for the longest `what`, `logs`/`cloudtrail`/`guardduty`).
pub fn derived_bucket_name(what: &str) -> Expr {
    Expr::sub_with(
        format!("sentinel-{what}-${{AWS::AccountId}}-${{AWS::Region}}-${{Suffix}}"),
        [("Suffix", stack_suffix())],
    )
}
