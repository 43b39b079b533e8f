//! What CloudWatch says about a queue: the age of its oldest message (`AWS/SQS`
//! `ApproximateAgeOfOldestMessage`, by `QueueName`), the one sign that nobody consumes a queue
//! whose depth alone does not tell (a busy queue has depth too); SQS publishes it once a minute
//! while the queue is active, and LocalStack publishes the depth metrics but not this one. And
//! the alarms set on a queue's metrics (`DescribeAlarmsForMetric`).

use anyhow::{Context, Result};
use aws_sdk_cloudwatch::types::{Dimension, Statistic};

/// How far back the doctor looks.
pub const WINDOW_MINUTES: u64 = 15;

/// From this age on, in seconds, the queue counts as not consumed: Sentinel polls
/// continuously and deletes a message within seconds of receiving it. The stacks' alarm fires
/// from the same age (`OldestMessageAlarmSeconds`' default).
pub const STALLED: f64 = 15.0 * 60.0;

/// The largest `ApproximateAgeOfOldestMessage` of the newest datapoint in the window, seconds;
/// `None` when CloudWatch has none.
pub async fn oldest_message_age(
    config: &aws_config::SdkConfig,
    queue_name: &str,
) -> Result<Option<f64>> {
    let cw = aws_sdk_cloudwatch::Client::new(config);
    let now = std::time::SystemTime::now();
    let start = now - std::time::Duration::from_secs(WINDOW_MINUTES * 60);
    // A minute past now: the newest datapoint's period is not cut off (LocalStack's periods
    // are counted from the start time and end before the end time).
    let end = now + std::time::Duration::from_secs(60);
    let got = cw
        .get_metric_statistics()
        .namespace("AWS/SQS")
        .metric_name("ApproximateAgeOfOldestMessage")
        .dimensions(
            Dimension::builder()
                .name("QueueName")
                .value(queue_name)
                .build(),
        )
        .start_time(start.into())
        .end_time(end.into())
        .period(60)
        .statistics(Statistic::Maximum)
        .send()
        .await
        .with_context(|| {
            format!(
                "CloudWatch GetMetricStatistics AWS/SQS ApproximateAgeOfOldestMessage {queue_name}"
            )
        })?;
    Ok(got
        .datapoints()
        .iter()
        .filter_map(|p| Some((p.timestamp()?.as_secs_f64(), p.maximum()?)))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, max)| max))
}

/// An alarm on one of a queue's metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueAlarm {
    pub name: String,
    pub threshold: f64,
    /// Where it notifies (topic ARNs); empty: nobody.
    pub actions: Vec<String>,
    pub enabled: bool,
}

/// The alarms on `metric` of the queue `queue_name`.
pub async fn alarms_for(
    config: &aws_config::SdkConfig,
    queue_name: &str,
    metric: &str,
) -> Result<Vec<QueueAlarm>> {
    let cw = aws_sdk_cloudwatch::Client::new(config);
    let got = cw
        .describe_alarms_for_metric()
        .namespace("AWS/SQS")
        .metric_name(metric)
        .dimensions(
            Dimension::builder()
                .name("QueueName")
                .value(queue_name)
                .build(),
        )
        .send()
        .await
        .with_context(|| {
            format!("CloudWatch DescribeAlarmsForMetric AWS/SQS {metric} {queue_name}")
        })?;
    Ok(got
        .metric_alarms()
        .iter()
        .map(|a| QueueAlarm {
            name: a.alarm_name().unwrap_or_default().to_string(),
            threshold: a.threshold().unwrap_or(0.0),
            actions: a.alarm_actions().to_vec(),
            enabled: a.actions_enabled().unwrap_or(true),
        })
        .collect())
}

/// An age for people: `45 s`, `12 min`, `3.5 h`, `2.0 days`.
pub fn human(secs: f64) -> String {
    match secs {
        s if s < 120.0 => format!("{s:.0} s"),
        s if s < 7200.0 => format!("{:.0} min", s / 60.0),
        s if s < 172_800.0 => format!("{:.1} h", s / 3600.0),
        s => format!("{:.1} days", s / 86_400.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_in_the_unit_that_fits() {
        assert_eq!(human(45.0), "45 s");
        assert_eq!(human(720.0), "12 min");
        assert_eq!(human(12_600.0), "3.5 h");
        assert_eq!(human(172_800.0), "2.0 days");
    }
}
