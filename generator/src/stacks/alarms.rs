//! CloudWatch alarms on every queue a stack creates, so a stalled connector is noticed within
//! minutes instead of when someone misses the data:
//!
//! - `<queue>AgeAlarm`: the queue's `ApproximateAgeOfOldestMessage` (Maximum over a minute) at
//!   or above `OldestMessageAlarmSeconds` (default 900) for 3 minutes in a row. Sentinel
//!   deletes a message within seconds of receiving it, so an old message means nobody consumes
//!   the queue (a role Sentinel cannot assume, a connector removed or failing).
//! - `<queue>DeadLetterAlarm`: the dead-letter queue's `ApproximateNumberOfMessagesVisible`
//!   above 0: an object the connector could not read, whose records are not in Sentinel.
//!
//! Missing data is not breaching (SQS stops publishing for an idle queue). `CreateAlarms=false`
//! leaves them out. With `AlarmEmail` set, the stack also creates an SNS topic with an email
//! subscription (confirmed from the message AWS sends) that both alarms notify when they fire,
//! and whose policy lets only CloudWatch, for this account's alarms, publish. The
//! topic is not encrypted: CloudWatch cannot publish to a topic under the AWS-managed SNS key,
//! and the messages carry alarm states, no log data.

use super::params;
use crate::cfn::{Cond, Expr, Parameter, Pseudo, Template};
use crate::iam::{keys, Operator, PolicyDocument, PolicyKind, Principal, Statement};
use crate::resources::cloudwatch::{Alarm, Dimension, Threshold};
use crate::resources::{sns, standard_tags};

pub const CREATE_COND: &str = "CreateQueueAlarms";
pub const TOPIC_COND: &str = "NotifyAlarmEmail";
pub const TOPIC_ID: &str = "AlarmTopic";
/// Minutes the age must stay over the threshold before the alarm fires.
pub const AGE_EVALUATION_MINUTES: u32 = 3;

/// The alarm parameters of one template, shared by its queues.
#[derive(Debug, Clone)]
pub struct Alarms {
    age_seconds: Expr,
}

/// The parameters, conditions, topic and output the alarms of a template share.
pub fn alarm_params(t: &mut Template) -> Alarms {
    t.param(
        params::CREATE_ALARMS,
        Parameter::boolean(
            "Create CloudWatch alarms on each queue: its oldest message older than OldestMessageAlarmSeconds (nobody consumes it), and any message in its dead-letter queue.",
            true,
        ),
    );
    let age_seconds = t.param(
        params::OLDEST_MESSAGE_ALARM_SECONDS,
        Parameter::number(
            "Age in seconds of a queue's oldest message from which its alarm fires (after 3 minutes at or above it).",
            900,
            60,
            1_209_600,
        ),
    );
    t.param(
        params::ALARM_EMAIL,
        Parameter::string(
            "Email address the alarms notify through an SNS topic the stack creates (the address confirms the subscription). Empty: no topic; the alarms show in CloudWatch only.",
        )
        .default("")
        .pattern(
            r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$",
            "must be empty or an email address",
        ),
    );
    t.condition(
        CREATE_COND,
        Cond::equals(Expr::reference(params::CREATE_ALARMS), "true"),
    );
    t.condition(
        TOPIC_COND,
        Cond::And(vec![
            Cond::named(CREATE_COND),
            !Cond::equals(Expr::reference(params::ALARM_EMAIL), ""),
        ]),
    );
    t.add(
        TOPIC_ID,
        &sns::Topic {
            display_name: Some("Microsoft Sentinel connector alarms".into()),
            tags: standard_tags("alarm-topic"),
        },
    )
    .condition(TOPIC_COND);
    t.add(
        "AlarmEmailSubscription",
        &sns::Subscription {
            topic_arn: Expr::reference(TOPIC_ID),
            protocol: "email".into(),
            endpoint: Expr::reference(params::ALARM_EMAIL),
        },
    )
    .condition(TOPIC_COND);
    let alarm_arns =
        Expr::sub("arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*");
    t.add(
        "AlarmTopicPolicy",
        &sns::TopicPolicy {
            topics: vec![Expr::reference(TOPIC_ID)],
            policy_document: PolicyDocument::new(
                PolicyKind::Topic,
                vec![Statement::allow(&[crate::iam::actions::sns::PUBLISH])
                    .sid("CloudWatchAlarmsPublish")
                    .principal(Principal::service("cloudwatch.amazonaws.com"))
                    .resource(Expr::reference(TOPIC_ID))
                    .when(
                        Operator::StringEquals,
                        keys::SOURCE_ACCOUNT,
                        Pseudo::AccountId,
                    )
                    .when(Operator::ArnLike, keys::SOURCE_ARN, alarm_arns)],
            ),
        },
    )
    .condition(TOPIC_COND);
    t.output(
        "AlarmTopicArn",
        "The SNS topic the queue alarms notify (confirm the email subscription AWS sends).",
        Expr::reference(TOPIC_ID),
    )
    .condition = Some(TOPIC_COND.to_string());
    t.group(
        "Alarms",
        &[
            params::CREATE_ALARMS,
            params::OLDEST_MESSAGE_ALARM_SECONDS,
            params::ALARM_EMAIL,
        ],
    );
    Alarms { age_seconds }
}

/// The topic when there is one, else nothing.
fn actions() -> Option<Expr> {
    Some(Expr::if_(
        TOPIC_COND,
        Expr::list([Expr::reference(TOPIC_ID)]),
        Expr::no_value(),
    ))
}

/// The two alarms of the queue `queue_id` and its dead-letter queue `dlq_id`; `what` names
/// the data in the descriptions (`VPC Flow Logs`).
pub fn queue_alarms(t: &mut Template, alarms: &Alarms, queue_id: &str, dlq_id: &str, what: &str) {
    let queue_name = |id: &str| Dimension {
        name: "QueueName".into(),
        value: Expr::get_att(id, "QueueName"),
    };
    t.add(
        &format!("{queue_id}AgeAlarm"),
        &Alarm {
            alarm_description: format!(
                "Oldest {what} notification older than OldestMessageAlarmSeconds: nobody consumes the queue."
            ),
            namespace: "AWS/SQS".into(),
            metric_name: "ApproximateAgeOfOldestMessage".into(),
            dimensions: vec![queue_name(queue_id)],
            statistic: "Maximum".into(),
            period: 60,
            evaluation_periods: AGE_EVALUATION_MINUTES,
            threshold: Threshold::Parameter(alarms.age_seconds.clone()),
            comparison_operator: "GreaterThanOrEqualToThreshold".into(),
            treat_missing_data: "notBreaching".into(),
            alarm_actions: actions(),
        },
    )
    .condition(CREATE_COND);
    t.add(
        &format!("{queue_id}DeadLetterAlarm"),
        &Alarm {
            alarm_description: format!(
                "A {what} notification is in the dead-letter queue: its records are not in Sentinel."
            ),
            namespace: "AWS/SQS".into(),
            metric_name: "ApproximateNumberOfMessagesVisible".into(),
            dimensions: vec![queue_name(dlq_id)],
            statistic: "Maximum".into(),
            period: 60,
            evaluation_periods: 1,
            threshold: Threshold::Literal(0),
            comparison_operator: "GreaterThanThreshold".into(),
            treat_missing_data: "notBreaching".into(),
            alarm_actions: actions(),
        },
    )
    .condition(CREATE_COND);
}
