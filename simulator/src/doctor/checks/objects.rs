//! The `objects` check: the newest objects under each notified prefix, read as the connector
//! reads them. The KMS keys they are encrypted with go to the `role-decrypt` check.

use std::ops::ControlFlow;

use anyhow::{Context, Result};

use super::StackCtx;
use crate::doctor::{Finding, Severity};
use catalogue::tables::DateTimeMs;
use generator::stacks::outputs::DataTypeOutputs;

impl StackCtx {
    /// The newest objects under the notified prefix read as the connector reads them, and the
    /// KMS keys they are encrypted with (SSE-KMS).
    pub(super) async fn objects(
        &self,
        config: &aws_config::SdkConfig,
        d: &DataTypeOutputs,
        samples: u32,
    ) -> Result<(Vec<Finding>, Vec<String>)> {
        if samples == 0 {
            return Ok((Vec::new(), Vec::new()));
        }
        let s3 = crate::replay::s3_client(config);
        let subject = self.subject(Some(d.data_type));
        let bucket = &self.outputs.bucket;
        let suffix = d.data_type.suffix();
        let mut objects = Vec::new();
        let mut token = None;
        // Up to 10 pages (10,000 keys) under the prefix; the newest are kept.
        for _ in 0..10 {
            let page = s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(&d.notification_prefix)
                .set_continuation_token(token)
                .send()
                .await
                .with_context(|| {
                    format!("S3 ListObjectsV2 s3://{bucket}/{}", d.notification_prefix)
                })?;
            for o in page.contents() {
                let (Some(key), Some(at)) = (o.key(), o.last_modified()) else {
                    continue;
                };
                if key.ends_with(suffix)
                    && connector::parse::skip_reason(d.data_type, key).is_none()
                {
                    objects.push((at.secs(), key.to_string()));
                }
            }
            token = page.next_continuation_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        if objects.is_empty() {
            return Ok((vec![Finding::new(
                Severity::Warning,
                "objects",
                &subject,
                format!(
                    "no {suffix} object under s3://{bucket}/{} yet: Sentinel has nothing to read (health can show success with no rows)",
                    d.notification_prefix
                ),
            )
            .fix(self.fix_for(
                format!(
                    "point the delivering service at s3://{bucket} with the stack's key prefix (see the stack's outputs{})",
                    self.raw_outputs
                        .keys()
                        .find(|k| k.ends_with("Command") && k.as_str() != "BucketNotificationCommand")
                        .map(|k| format!(", {k}"))
                        .unwrap_or_default()
                ),
                format!(
                    "point the delivering service at s3://{bucket}/{}",
                    d.notification_prefix
                ),
            ))], Vec::new()));
        }
        objects.sort();
        let (mut out, mut keys) = (Vec::new(), Vec::new());
        let now = DateTimeMs(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|t| t.as_millis() as i64)
                .unwrap_or(0),
        );
        for (_, key) in objects.iter().rev().take(samples as usize) {
            let got = s3
                .get_object()
                .bucket(bucket)
                .key(key)
                .send()
                .await
                .with_context(|| format!("S3 GetObject s3://{bucket}/{key}"))?;
            if got
                .server_side_encryption()
                .is_some_and(|e| e.as_str().starts_with("aws:kms"))
            {
                keys.extend(got.ssekms_key_id().map(str::to_string));
            }
            let body = got
                .body
                .collect()
                .await
                .with_context(|| format!("reading s3://{bucket}/{key}"))?
                .into_bytes();
            let (mut rows, mut malformed, mut first_reason) = (0u64, 0u64, None);
            let result = connector::parse::parse_reader_at(
                d.data_type,
                Some(key),
                now,
                &body[..],
                &mut |item| {
                    match item {
                        connector::parse::Item::Row(..) => rows += 1,
                        connector::parse::Item::Malformed(e) => {
                            malformed += 1;
                            first_reason.get_or_insert(e.reason);
                        }
                        connector::parse::Item::BadValue(_) => {}
                    }
                    ControlFlow::Continue(())
                },
            );
            let table = d.data_type.table().name();
            out.push(match result {
                Err(e) => Finding::new(
                    Severity::Error,
                    "objects",
                    &subject,
                    format!("s3://{bucket}/{key}: {e}: the connector cannot read it (it ends in the dead-letter queue)"),
                )
                .fix(format!(
                    "only {} as AWS delivers it (gzip, the {table} format) may be written under {}; find what else writes there",
                    d.data_type.label(),
                    d.notification_prefix
                )),
                Ok(_) if rows == 0 && malformed > 0 => Finding::new(
                    Severity::Error,
                    "objects",
                    &subject,
                    format!(
                        "s3://{bucket}/{key}: none of its {malformed} record(s) is in the {table} format (first: {})",
                        first_reason.unwrap_or_default()
                    ),
                )
                .fix(format!("check the source's log format against {table}; simulator parse --service {} FILE shows every record", d.data_type.slug())),
                Ok(_) if malformed > 0 => Finding::new(
                    Severity::Warning,
                    "objects",
                    &subject,
                    format!(
                        "s3://{bucket}/{key}: {rows} row(s), {malformed} malformed record(s) left out (first: {})",
                        first_reason.unwrap_or_default()
                    ),
                ),
                Ok(_) => Finding::new(
                    Severity::Ok,
                    "objects",
                    &subject,
                    format!("s3://{bucket}/{key}: {rows} row(s) for {table}"),
                ),
            });
        }
        Ok((out, keys))
    }
}
