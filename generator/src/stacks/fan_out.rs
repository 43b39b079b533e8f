//! `FanOut=sns`: a shared bucket, several consumers. Instead of notifying each data type's queue
//! itself, the bucket notifies one SNS topic per data type (same prefix and suffix), and the
//! queue subscribes to it with raw message delivery, so it receives the S3 notification itself,
//! as with `FanOut=queue`. Another consumer of the same objects (Defender for Cloud's queue, a
//! SIEM's) subscribes its own queue to the topic (output `<Queue>NotificationTopicArn`) without
//! touching Sentinel's. The queue policy then lets only its topic send; the topic policy lets
//! only the bucket, in this account, publish.
//!
//! The topics are not KMS-encrypted: S3 cannot publish event notifications to a topic under
//! the AWS-managed SNS key, and a notification carries object keys, no log data.

use super::params;
use crate::cfn::{Cond, Expr, Parameter, Template};
use crate::iam::{actions, keys, Operator, PolicyDocument, PolicyKind, Principal, Statement};
use crate::resources::{sns, standard_tags};
use crate::text;

/// The stack notifies SNS topics, the queues subscribe.
pub const TOPICS_COND: &str = "NotifyThroughTopics";
/// The stack notifies the queues itself (the default).
pub const QUEUES_COND: &str = "NotifyQueuesDirectly";
pub const TOPIC_POLICY_ID: &str = "NotificationTopicPolicy";
/// Created whatever `FanOut` is, it depends on the topic policy when there is one (a `Ref`
/// behind `Fn::If` in its Metadata): the bucket depends on it, so S3 finds the policy in place
/// when it checks the topics, and a `DependsOn` never names a resource that may not exist.
pub const TARGETS_READY_ID: &str = "NotificationTargetsReady";

/// The topic of the queue `queue_id`.
pub fn topic_id(queue_id: &str) -> String {
    format!("{queue_id}NotificationTopic")
}

/// The `FanOut` parameter and its conditions.
pub fn declare(t: &mut Template) {
    let mut p = Parameter::string(
        "queue: the bucket notifies each queue. sns: the bucket notifies an SNS topic per data type and each queue subscribes with raw delivery, so other consumers (e.g. Defender for Cloud) can subscribe their own queues to the same objects (output <Queue>NotificationTopicArn).",
    )
    .default("queue");
    p.allowed_values = vec!["queue".into(), "sns".into()];
    t.param(params::FAN_OUT, p);
    t.condition(
        TOPICS_COND,
        Cond::equals(Expr::reference(params::FAN_OUT), "sns"),
    );
    t.condition(QUEUES_COND, !Cond::named(TOPICS_COND));
}

/// One data type's queue, as the fan-out sees it.
pub struct Fed<'a> {
    pub queue_id: &'a str,
    pub queue_arn: Expr,
    pub label: &'static str,
}

/// The topics, the queues' subscriptions, and the policy letting the bucket publish.
pub fn add_topics(t: &mut Template, fed: &[Fed<'_>], bucket_name: &Expr) {
    let mut publish = Vec::new();
    for f in fed {
        let topic = topic_id(f.queue_id);
        t.add(
            &topic,
            &sns::Topic {
                display_name: Some(format!("S3 notifications of {}", f.label)),
                tags: standard_tags("notification-topic"),
            },
        )
        .condition(TOPICS_COND);
        t.add(
            &format!("{}Subscription", f.queue_id),
            &sns::SqsSubscription {
                topic_arn: Expr::reference(&topic),
                protocol: "sqs".into(),
                endpoint: f.queue_arn.clone(),
                raw_message_delivery: true,
            },
        )
        .condition(TOPICS_COND);
        publish.push(Expr::reference(&topic));
    }
    let mut st =
        crate::grants::s3_notifies(actions::sns::PUBLISH, bucket_name).sid("S3BucketNotifications");
    for p in &publish {
        st = st.resource(p.clone());
    }
    t.add(
        TOPIC_POLICY_ID,
        &sns::TopicPolicy {
            topics: publish,
            policy_document: PolicyDocument::new(PolicyKind::Topic, vec![st]),
        },
    )
    .condition(TOPICS_COND);
}

/// The handle a stack's bucket depends on ([`TARGETS_READY_ID`]), when the stack creates the
/// bucket whose notifications go to the topics.
pub fn add_targets_ready(t: &mut Template) {
    t.add(
        TARGETS_READY_ID,
        &crate::resources::cloudformation::WaitConditionHandle {},
    )
    .metadata(serde_json::json!({
        "TopicPolicy": {"Fn::If": [TOPICS_COND, {"Ref": TOPIC_POLICY_ID}, {"Ref": "AWS::NoValue"}]}
    }));
}

/// The queue policy's statements for fan-out: each queue may be sent to by its own topic only.
pub fn queue_statements(fed: &[Fed<'_>]) -> Vec<Statement> {
    fed.iter()
        .map(|f| {
            Statement::allow(&[actions::sqs::SEND_MESSAGE])
                .sid(&format!("{}FromItsTopic", f.queue_id))
                .principal(Principal::service("sns.amazonaws.com"))
                .resource(f.queue_arn.clone())
                .when(
                    Operator::ArnEquals,
                    keys::SOURCE_ARN,
                    Expr::reference(topic_id(f.queue_id)),
                )
                .only_if(TOPICS_COND)
        })
        .collect()
}

/// The `aws s3api put-bucket-notification-configuration` command a stack outputs: to the
/// queues, or with `FanOut=sns` to their topics. `queues`: one entry per queue (`id`,
/// `queue_id`, `topic_id`, `prefix_var`, `suffix`); `vars`: the `Fn::Sub` variables (the bucket
/// and each `prefix_var`).
pub fn notification_command(queues: &[serde_json::Value], vars: Vec<(String, Expr)>) -> Expr {
    let queues = serde_json::json!({ "queues": queues });
    Expr::if_(
        TOPICS_COND,
        Expr::sub_with(
            text::render("topic_notification_command", &queues),
            vars.clone(),
        ),
        Expr::sub_with(text::render("notification_command", &queues), vars),
    )
}
