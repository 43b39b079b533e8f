//! The checks on what CloudWatch says about each queue: `queue-age` (its oldest message) and
//! `alarms` (an alarm on that age and on the dead-letter queue's depth).

use super::StackCtx;
use crate::doctor::cloudwatch::{self, alarms_for, QueueAlarm};
use crate::doctor::{Finding, Severity};
use generator::stacks::outputs::DataTypeOutputs;

impl StackCtx {
    /// The age of the queue's oldest message, CloudWatch's `ApproximateAgeOfOldestMessage`
    /// (SQS publishes it once a minute while the queue is active): old means nobody consumes.
    pub(super) async fn queue_age(
        &self,
        config: &aws_config::SdkConfig,
        d: &DataTypeOutputs,
        waiting: u64,
    ) -> Finding {
        let subject = self.subject(Some(d.data_type));
        let name = d.queue.arn.rsplit(':').next().unwrap_or(&d.queue.arn);
        match cloudwatch::oldest_message_age(config, name).await {
            Ok(Some(age)) if age >= cloudwatch::STALLED => Finding::new(
                Severity::Warning,
                "queue-age",
                &subject,
                format!(
                    "the oldest message is {} old (CloudWatch, last {} minutes): nobody consumes {name}, so Sentinel is not reading it (a connector that cannot assume the role, or stopped)",
                    cloudwatch::human(age),
                    cloudwatch::WINDOW_MINUTES
                ),
            )
            .fix(format!(
                "look at the connector's health in Sentinel (Data connectors, Amazon Web Services S3); {} drains the queue here and shows what fails",
                if self.managed {
                    format!("simulator consume --stack {} --until-drained", self.stack)
                } else {
                    "simulator consume".to_string()
                }
            )),
            Ok(Some(age)) => Finding::new(
                Severity::Ok,
                "queue-age",
                &subject,
                format!("the oldest message is {} old", cloudwatch::human(age)),
            ),
            Ok(None) => Finding::new(
                Severity::Info,
                "queue-age",
                &subject,
                format!(
                    "CloudWatch has no ApproximateAgeOfOldestMessage of {name} in the last {} minutes ({}; LocalStack does not publish it)",
                    cloudwatch::WINDOW_MINUTES,
                    if waiting == 0 {
                        "SQS stops publishing for an idle queue"
                    } else {
                        "with messages waiting, SQS publishes it within minutes"
                    }
                ),
            ),
            Err(e) => Finding::new(
                Severity::Info,
                "queue-age",
                &subject,
                format!("could not read the oldest message's age from CloudWatch: {e:#}"),
            )
            .fix("the caller needs cloudwatch:GetMetricStatistics to see it"),
        }
    }

    /// An alarm on the queue's oldest-message age and one on its dead-letter queue's depth,
    /// each notifying someone.
    pub(super) async fn alarms(
        &self,
        config: &aws_config::SdkConfig,
        d: &DataTypeOutputs,
    ) -> Vec<Finding> {
        let subject = self.subject(Some(d.data_type));
        let name_of = |arn_or_url: &str| {
            arn_or_url
                .rsplit([':', '/'])
                .next()
                .unwrap_or(arn_or_url)
                .to_string()
        };
        let queue = name_of(&d.queue.arn);
        let mut wanted = vec![(
            queue.clone(),
            "ApproximateAgeOfOldestMessage",
            "the oldest message's age",
            format!(
                "aws cloudwatch put-metric-alarm --alarm-name {queue}-oldest-message --namespace AWS/SQS --metric-name ApproximateAgeOfOldestMessage --dimensions Name=QueueName,Value={queue} --statistic Maximum --period 60 --evaluation-periods 3 --threshold 900 --comparison-operator GreaterThanOrEqualToThreshold --treat-missing-data notBreaching --alarm-actions <an SNS topic ARN>"
            ),
        )];
        if !d.queue.dlq_url.is_empty() {
            let dlq = name_of(&d.queue.dlq_url);
            wanted.push((
                dlq.clone(),
                "ApproximateNumberOfMessagesVisible",
                "messages in the dead-letter queue",
                format!(
                    "aws cloudwatch put-metric-alarm --alarm-name {dlq}-not-empty --namespace AWS/SQS --metric-name ApproximateNumberOfMessagesVisible --dimensions Name=QueueName,Value={dlq} --statistic Maximum --period 60 --evaluation-periods 1 --threshold 0 --comparison-operator GreaterThanThreshold --treat-missing-data notBreaching --alarm-actions <an SNS topic ARN>"
                ),
            ));
        }
        let mut out = Vec::new();
        for (name, metric, what, command) in wanted {
            let fix = self.fix_for(
                "redeploy the stack with CreateAlarms=true and AlarmEmail=<who is paged>",
                command,
            );
            out.push(match alarms_for(config, &name, metric).await {
                Err(e) => Finding::new(
                    Severity::Info,
                    "alarms",
                    &subject,
                    format!("could not list the alarms on {name}: {e:#}"),
                )
                .fix("the caller needs cloudwatch:DescribeAlarmsForMetric to see them"),
                Ok(found) => alarm_finding(&subject, &name, what, &found, fix),
            });
        }
        out
    }
}

/// The finding on the alarms `found` on `what` of queue `name`.
fn alarm_finding(
    subject: &str,
    name: &str,
    what: &str,
    found: &[QueueAlarm],
    fix: String,
) -> Finding {
    let notifying: Vec<&QueueAlarm> = found
        .iter()
        .filter(|a| a.enabled && !a.actions.is_empty())
        .collect();
    match (found.is_empty(), notifying.first()) {
        (true, _) => Finding::new(
            Severity::Warning,
            "alarms",
            subject,
            format!(
                "no CloudWatch alarm on {what} of {name}: a stalled connector or a lost object goes unnoticed until someone misses the data"
            ),
        )
        .fix(fix),
        (false, Some(a)) => Finding::new(
            Severity::Ok,
            "alarms",
            subject,
            format!(
                "alarm {} on {what} of {name} (threshold {}) notifies {}",
                a.name,
                a.threshold,
                a.actions.join(", ")
            ),
        ),
        (false, None) => Finding::new(
            Severity::Info,
            "alarms",
            subject,
            format!(
                "alarm {} on {what} of {name} notifies nobody (no alarm action, or actions disabled): it shows in CloudWatch only",
                found[0].name
            ),
        )
        .fix(fix.replace("redeploy the stack with CreateAlarms=true and", "redeploy the stack with")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alarm(actions: &[&str], enabled: bool) -> QueueAlarm {
        QueueAlarm {
            name: "a".into(),
            threshold: 900.0,
            actions: actions.iter().map(|s| s.to_string()).collect(),
            enabled,
        }
    }

    #[test]
    fn an_alarm_that_notifies_is_ok_one_that_does_not_is_info_none_is_a_warning() {
        let f = |found: &[QueueAlarm]| alarm_finding("s", "q", "the age", found, "fix".into());
        assert_eq!(f(&[]).severity, Severity::Warning);
        assert_eq!(f(&[]).fix.as_deref(), Some("fix"));
        let ok = f(&[alarm(&["arn:aws:sns:us-east-1:1:t"], true)]);
        assert_eq!(ok.severity, Severity::Ok);
        assert!(ok.what.contains("arn:aws:sns:us-east-1:1:t"), "{}", ok.what);
        assert_eq!(f(&[alarm(&[], true)]).severity, Severity::Info);
        assert_eq!(
            f(&[alarm(&["arn:aws:sns:us-east-1:1:t"], false)]).severity,
            Severity::Info
        );
    }
}
