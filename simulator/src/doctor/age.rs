//! The age of a queue's oldest message, as CloudWatch has it (`AWS/SQS`
//! `ApproximateAgeOfOldestMessage`, by `QueueName`): the one sign that nobody consumes a queue
//! whose depth alone does not tell (a busy queue has depth too). SQS publishes the metric once a
//! minute while the queue is active; LocalStack publishes the depth metrics but not this one.

use anyhow::{Context, Result};
use aws_sdk_cloudwatch::types::{Dimension, Statistic};

/// How far back the doctor looks.
pub const WINDOW_MINUTES: u64 = 15;

/// From this age on, in seconds, the queue counts as not consumed: Sentinel polls
/// continuously and deletes a message within seconds of receiving it, and an object is retried
/// at most a few visibility timeouts (our template's: 5 minutes) before it goes to the DLQ.
pub const STALLED: f64 = 30.0 * 60.0;

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
