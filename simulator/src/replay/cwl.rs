//! CloudWatch Logs through the AWS SDK, as the sink synthetic control-plane logs are written to.

use crate::synth::cloudwatch::LogEvent;
use crate::synth::eks::LogsSink;
use aws_sdk_cloudwatchlogs::error::DisplayErrorContext;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;

/// CloudWatch Logs (LocalStack or AWS). Existing groups and streams are reused.
pub struct CloudWatchLogs(pub aws_sdk_cloudwatchlogs::Client);

impl CloudWatchLogs {
    /// Deletes a log stream and its events.
    pub async fn delete_log_stream(&self, group: &str, stream: &str) -> Result<(), String> {
        self.0
            .delete_log_stream()
            .log_group_name(group)
            .log_stream_name(stream)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                format!(
                    "DeleteLogStream {group} {stream}: {}",
                    DisplayErrorContext(e)
                )
            })
    }
}

impl LogsSink for CloudWatchLogs {
    type Error = String;

    async fn create_log_group(&self, name: &str) -> Result<(), String> {
        match self.0.create_log_group().log_group_name(name).send().await {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_already_exists_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(format!("CreateLogGroup {name}: {}", DisplayErrorContext(e))),
        }
    }

    async fn create_log_stream(&self, group: &str, stream: &str) -> Result<(), String> {
        match self
            .0
            .create_log_stream()
            .log_group_name(group)
            .log_stream_name(stream)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_already_exists_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(format!(
                "CreateLogStream {group} {stream}: {}",
                DisplayErrorContext(e)
            )),
        }
    }

    async fn put_log_events(
        &self,
        group: &str,
        stream: &str,
        events: &[LogEvent],
    ) -> Result<(), String> {
        let events: Vec<InputLogEvent> = events
            .iter()
            .map(|e| {
                InputLogEvent::builder()
                    .timestamp(e.timestamp_ms)
                    .message(&e.message)
                    .build()
                    .expect("timestamp and message are set")
            })
            .collect();
        let out = self
            .0
            .put_log_events()
            .log_group_name(group)
            .log_stream_name(stream)
            .set_log_events(Some(events))
            .send()
            .await
            .map_err(|e| format!("PutLogEvents {group} {stream}: {}", DisplayErrorContext(e)))?;
        match out.rejected_log_events_info() {
            Some(r) => Err(format!(
                "PutLogEvents {group} {stream} rejected events: {r:?}"
            )),
            None => Ok(()),
        }
    }
}
