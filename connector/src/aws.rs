//! [`Queue`] and [`Objects`] over the AWS SDK's SQS and S3 clients.

use std::io;

use aws_sdk_sqs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::DeleteMessageBatchRequestEntry;
use bytes::Bytes;

use super::ports::{
    BoxFuture, CallError, DeleteBatchOutput, DeleteEntry, DeleteFailure, GotObject, ObjectBody,
    Objects, Queue, QueueMessage, ReceiveRequest,
};

/// An SDK error as a [`CallError`].
fn sdk_error<E, R>(e: SdkError<E, R>) -> CallError
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    CallError {
        service: e.as_service_error().is_some(),
        access_denied: e
            .as_service_error()
            .and_then(|s| s.code())
            .is_some_and(|c| matches!(c, "AccessDenied" | "AccessDeniedException")),
        message: DisplayErrorContext(&e).to_string(),
    }
}

/// SQS through one client (one set of credentials).
#[derive(Debug, Clone)]
pub struct SqsQueue(pub aws_sdk_sqs::Client);

impl Queue for SqsQueue {
    fn receive(
        &self,
        queue_url: &str,
        r: ReceiveRequest,
    ) -> BoxFuture<'_, Result<Vec<QueueMessage>, CallError>> {
        let sent = self
            .0
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(r.max_messages)
            .wait_time_seconds(r.wait_seconds)
            .visibility_timeout(r.visibility_seconds)
            .send();
        Box::pin(async move {
            let out = sent.await.map_err(sdk_error)?;
            Ok(out
                .messages
                .unwrap_or_default()
                .into_iter()
                .map(|m| QueueMessage {
                    message_id: m.message_id,
                    receipt_handle: m.receipt_handle,
                    body: m.body,
                })
                .collect())
        })
    }

    fn delete_batch(
        &self,
        queue_url: &str,
        entries: Vec<DeleteEntry>,
    ) -> BoxFuture<'_, Result<DeleteBatchOutput, CallError>> {
        let entries = entries
            .into_iter()
            .map(|e| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(e.id)
                    .receipt_handle(e.receipt_handle)
                    .build()
                    .expect("id and receipt handle are set")
            })
            .collect();
        let sent = self
            .0
            .delete_message_batch()
            .queue_url(queue_url)
            .set_entries(Some(entries))
            .send();
        Box::pin(async move {
            let out = sent.await.map_err(sdk_error)?;
            Ok(DeleteBatchOutput {
                successful: out
                    .successful()
                    .iter()
                    .map(|e| e.id().to_string())
                    .collect(),
                failed: out
                    .failed()
                    .iter()
                    .map(|f| DeleteFailure {
                        id: f.id().to_string(),
                        sender_fault: f.sender_fault(),
                        code: f.code().to_string(),
                        message: f.message().map(str::to_string),
                    })
                    .collect(),
            })
        })
    }

    fn change_visibility(
        &self,
        queue_url: &str,
        receipt_handle: &str,
        seconds: i32,
    ) -> BoxFuture<'_, Result<(), CallError>> {
        let sent = self
            .0
            .change_message_visibility()
            .queue_url(queue_url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(seconds)
            .send();
        Box::pin(async move { sent.await.map(|_| ()).map_err(sdk_error) })
    }
}

/// S3 through one client (one set of credentials).
#[derive(Debug, Clone)]
pub struct S3Objects(pub aws_sdk_s3::Client);

struct S3Body(aws_sdk_s3::primitives::ByteStream);

impl ObjectBody for S3Body {
    fn next_chunk(&mut self) -> BoxFuture<'_, io::Result<Option<Bytes>>> {
        Box::pin(async move { self.0.try_next().await.map_err(io::Error::other) })
    }
}

impl Objects for S3Objects {
    fn get_object(&self, bucket: &str, key: &str) -> BoxFuture<'_, Result<GotObject, CallError>> {
        let sent = self.0.get_object().bucket(bucket).key(key).send();
        Box::pin(async move {
            let resp = sent.await.map_err(sdk_error)?;
            let kms_key_id = (resp.server_side_encryption()
                == Some(&aws_sdk_s3::types::ServerSideEncryption::AwsKms))
            .then(|| resp.ssekms_key_id().unwrap_or_default().to_string());
            Ok(GotObject {
                kms_key_id,
                body: Box::new(S3Body(resp.body)),
            })
        })
    }
}
