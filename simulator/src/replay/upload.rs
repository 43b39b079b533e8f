//! Uploading objects from disk with bounded concurrency, a rate limit and multipart uploads.

use anyhow::{Context, Result};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use indicatif::{HumanBytes, ProgressBar};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

#[derive(Debug, Clone)]
pub struct UploadOptions {
    /// Uploads in flight at once.
    pub concurrency: usize,
    /// Objects started per second at most; `None` for as fast as possible.
    pub objects_per_second: Option<f64>,
    /// Objects at least this large go up in parts.
    pub multipart_threshold: u64,
    pub part_size: u64,
    pub progress: bool,
    /// Store the objects with SSE-KMS under this key (ARN or id), as GuardDuty stores its
    /// exports; `None`: the bucket's default encryption.
    pub sse_kms_key_id: Option<String>,
}

impl Default for UploadOptions {
    fn default() -> Self {
        UploadOptions {
            concurrency: 8,
            objects_per_second: None,
            multipart_threshold: 16 * 1024 * 1024,
            part_size: 8 * 1024 * 1024,
            progress: false,
            sse_kms_key_id: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct UploadStats {
    pub objects: u64,
    pub multipart_objects: u64,
    pub bytes: u64,
    pub seconds: f64,
    /// Each object's key and when its upload completed (epoch ms), in completion order.
    pub written_ms: Vec<(String, i64)>,
}

/// Now, in epoch milliseconds.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Uploads each `(key, file)` to `bucket`, in the given order of starting; with
/// [`UploadOptions::progress`], a bar of objects (and bytes) on stderr if it is a terminal.
pub async fn upload_objects(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    objects: Vec<(String, PathBuf)>,
    opts: &UploadOptions,
) -> Result<UploadStats> {
    let pb = ProgressBar::with_draw_target(
        Some(objects.len() as u64),
        crate::progress::draw_target(opts.progress && crate::progress::stderr_is_terminal()),
    )
    .with_style(crate::progress::style("upload", "objects"));
    let r = upload_objects_with(s3, bucket, objects, opts, &pb).await;
    pb.finish_and_clear();
    r
}

/// [`upload_objects`], counting each uploaded object on `pb` (its length is left alone) and
/// showing the bytes uploaded as its message.
pub async fn upload_objects_with(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    objects: Vec<(String, PathBuf)>,
    opts: &UploadOptions,
    pb: &ProgressBar,
) -> Result<UploadStats> {
    let started = Instant::now();
    let sem = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let interval = opts
        .objects_per_second
        .filter(|r| *r > 0.0)
        .map(|r| Duration::from_secs_f64(1.0 / r));
    let mut tasks = tokio::task::JoinSet::new();
    let mut next_start = Instant::now();
    let uploaded = Arc::new(AtomicU64::new(0));
    for (key, path) in objects {
        if let Some(iv) = interval {
            let now = Instant::now();
            if next_start > now {
                tokio::time::sleep(next_start - now).await;
            }
            next_start = next_start.max(now) + iv;
        }
        let permit = sem.clone().acquire_owned().await.expect("semaphore open");
        let (s3, bucket, opts, pb) = (s3.clone(), bucket.to_string(), opts.clone(), pb.clone());
        let uploaded = Arc::clone(&uploaded);
        tasks.spawn(async move {
            let _permit = permit;
            let r = upload_one(&s3, &bucket, &key, &path, &opts).await;
            if let Ok((bytes, _)) = &r {
                let total = uploaded.fetch_add(*bytes, Ordering::Relaxed) + bytes;
                pb.set_message(HumanBytes(total).to_string());
                pb.inc(1);
            }
            let done = now_ms();
            r.map(|(bytes, multipart)| (key.clone(), done, bytes, multipart))
                .with_context(|| format!("uploading {} to s3://{bucket}/{key}", path.display()))
        });
    }
    let mut stats = UploadStats::default();
    while let Some(joined) = tasks.join_next().await {
        let (key, done, bytes, multipart) = joined.context("upload task panicked")??;
        stats.written_ms.push((key, done));
        stats.objects += 1;
        stats.bytes += bytes;
        stats.multipart_objects += u64::from(multipart);
    }
    stats.seconds = started.elapsed().as_secs_f64();
    Ok(stats)
}

async fn upload_one(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    path: &Path,
    opts: &UploadOptions,
) -> Result<(u64, bool)> {
    let len = tokio_len(path)?;
    if len < opts.multipart_threshold {
        let body = ByteStream::from_path(path).await?;
        let mut put = s3.put_object().bucket(bucket).key(key).body(body);
        if let Some(k) = &opts.sse_kms_key_id {
            put = put
                .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
                .ssekms_key_id(k);
        }
        put.send().await?;
        return Ok((len, false));
    }
    let mut create = s3.create_multipart_upload().bucket(bucket).key(key);
    if let Some(k) = &opts.sse_kms_key_id {
        create = create
            .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
            .ssekms_key_id(k);
    }
    let upload = create.send().await?;
    let id = upload
        .upload_id()
        .context("CreateMultipartUpload returned no upload id")?
        .to_string();
    let result = async {
        let mut parts = Vec::new();
        let mut offset = 0;
        let mut number = 1;
        while offset < len {
            let size = opts.part_size.min(len - offset);
            let body = ByteStream::read_from()
                .path(path)
                .offset(offset)
                .length(aws_sdk_s3::primitives::Length::Exact(size))
                .build()
                .await?;
            let part = s3
                .upload_part()
                .bucket(bucket)
                .key(key)
                .upload_id(&id)
                .part_number(number)
                .body(body)
                .send()
                .await?;
            parts.push(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(part.e_tag().map(String::from))
                    .build(),
            );
            offset += size;
            number += 1;
        }
        s3.complete_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(&id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await?;
        anyhow::Ok(())
    }
    .await;
    if let Err(e) = result {
        // Leave nothing half-written behind.
        let _ = s3
            .abort_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(&id)
            .send()
            .await;
        return Err(e);
    }
    Ok((len, true))
}

fn tokio_len(path: &Path) -> Result<u64> {
    Ok(std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len())
}
