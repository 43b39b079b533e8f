//! EKS for the e2e run: audit events and control-plane noise go into CloudWatch Logs, and
//! the stack's subscription filter, Firehose stream and transform Lambda (run by the
//! LocalStack plugin) deliver them to S3 for real.
//!
//! Events are generated and put in chunks of [`CHUNK`] audit events (each chunk its own seed
//! and log streams), and each chunk's expected rows go to the check database as its
//! PutLogEvents calls return, so memory holds one chunk whatever the record count.

use super::check::Expected;
use super::checkdb::CheckDb;
use super::{E2eArgs, WORKSPACE_ID};
use crate::replay::LogsSink;
use crate::synth::eks::{self as synth_eks, audit_key, EksOptions};
use crate::tables::TableRow;
use anyhow::{bail, Context, Result};
use catalogue::DataType;
use deployer::{StackRequest, Staging};
use generator::facts::Cloud;
use generator::stacks::outputs::EksOutputs;
use generator::stacks::{StackKind, StackParams, StackSpec};
use std::collections::{BTreeMap, HashMap};

use std::time::{Duration, Instant};

const CLUSTER: &str = "e2e-cluster";
pub(crate) const STACK: &str = "sentinel-e2e-eks";
/// Audit events generated and delivered at a time.
pub const CHUNK: u64 = 10_000;

/// Chunk `i`'s seed: chunk 0 uses the run's seed, so runs of up to [`CHUNK`] records are the
/// ones a single generation makes.
pub fn chunk_seed(seed: u64, i: u64) -> u64 {
    seed.wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// The sizes of the chunks of `records` audit events.
pub fn chunks(records: u64) -> impl Iterator<Item = u64> {
    (0..records.div_ceil(CHUNK)).map(move |i| CHUNK.min(records - i * CHUNK))
}

/// `<auditID>/<stage>` of an audit log event's message (`None` for other lines).
fn event_key(message: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(message).ok()?;
    Some(audit_key(
        v.get("auditID")?.as_str()?,
        v.get("stage")?.as_str()?,
    ))
}

/// The deployed EKS stack: where its events go and where its notifications come.
pub struct EksStack {
    pub queue: String,
    pub dlq: String,
    pub bucket: String,
    pub prefix: String,
    pub log_group: String,
}

/// Creates the log group and deploys the EKS stack (its subscription filter needs the group).
pub async fn deploy(
    cfn: &aws_sdk_cloudformation::Client,
    config: &aws_config::SdkConfig,
    templates: Option<&std::path::Path>,
    receives: u32,
) -> Result<EksStack> {
    let log_group = EksOptions::new(CLUSTER, 1, 0, 0).log_group();
    let sink = crate::replay::CloudWatchLogs(aws_sdk_cloudwatchlogs::Client::new(config));
    sink.create_log_group(&log_group)
        .await
        .map_err(anyhow::Error::msg)?;
    let spec = StackSpec {
        kind: StackKind::Eks,
        cloud: Cloud::Commercial,
    };
    let report = deployer::deploy(
        cfn,
        &StackRequest {
            stack_name: STACK.into(),
            template: super::templates::template(templates, &spec)?,
            parameters: StackParams::new(&spec)
                .eks_cluster(&CLUSTER.parse()?)
                .workspace_id(&WORKSPACE_ID.parse()?)
                .log_group_exists(true)
                .queue_visibility_timeout(30)
                .max_receive_count(receives)
                .into_pairs(),
            timeout: Duration::from_secs(300),
            progress: false,
            staging: Some(Staging::new(config)),
        },
    )
    .await
    .context("deploying the EKS stack")?;
    eprintln!("e2e: deployed {STACK} in {:.1} s", report.seconds);
    let o = EksOutputs::from_map(&spec, &report.outputs).map_err(|e| e.in_stack(STACK))?;
    Ok(EksStack {
        queue: o.queue.url,
        dlq: o.queue.dlq_url,
        bucket: o.bucket,
        prefix: o.notification_prefix,
        log_group,
    })
}

/// Writes the events chunk by chunk (each PutLogEvents call a delivery unit of the check,
/// written when the call returned) and waits until every audit event is in S3 (the Firehose
/// buffer flushes on its interval); returns the expectation.
pub async fn deliver(
    config: &aws_config::SdkConfig,
    stack: &EksStack,
    args: &E2eArgs,
    db: &CheckDb,
    progress: &crate::progress::Progress,
    access: &super::enforce::EksAccess,
) -> Result<Expected> {
    let service = DataType::Eks.slug();
    access.before_delivery(&stack.bucket);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64;
    let start_ms = synth_eks::recent_start_ms(now_ms, 30);
    let opts = |i: u64, n: u64| EksOptions::new(CLUSTER, n, chunk_seed(args.seed, i), start_ms);
    let sink = crate::replay::CloudWatchLogs(aws_sdk_cloudwatchlogs::Client::new(config));
    let t0 = Instant::now();
    let mut expected = Expected::default();
    let mut lines = S3Lines {
        s3: crate::replay::s3_client(config),
        bucket: stack.bucket.clone(),
        prefix: stack.prefix.clone(),
        counted: BTreeMap::new(),
    };
    // Firehose and the Lambda take longer for more events.
    let deadline = Duration::from_secs(300 + CHUNK / 500);
    let (mut events, mut noise, mut calls) = (0u64, 0u64, 0u64);
    let mut phase = progress.phase(
        "eks logs",
        format_args!(
            "{} audit events through CloudWatch Logs, Firehose and the Lambda to S3",
            args.records
        ),
    );
    let put = phase.bar("eks events put", args.records, "events");
    for (i, n) in chunks(args.records).enumerate() {
        let run = synth_eks::generate(&opts(i as u64, n));
        debug_assert_eq!(run.log_group, stack.log_group);
        for s in run.streams() {
            sink.create_log_stream(&run.log_group, &s)
                .await
                .map_err(anyhow::Error::msg)?;
        }
        let rows: Vec<TableRow> = run
            .expected
            .iter()
            .map(|e| TableRow::new(e.row.clone()))
            .collect();
        let by_key: HashMap<String, &TableRow> =
            run.expected.iter().map(|e| e.key()).zip(&rows).collect();
        db.begin()?;
        for b in crate::replay::put_batches(&run) {
            sink.put_log_events(&b.log_group, &b.log_stream, &b.events)
                .await
                .map_err(anyhow::Error::msg)?;
            let written = crate::replay::now_ms();
            access.delivery(&b.log_group);
            calls += 1;
            let unit = db.add_unit(service, &format!("{}#{calls}", b.log_stream), Some(written))?;
            for e in &b.events {
                if let Some(row) = event_key(&e.message).and_then(|k| by_key.get(&k)) {
                    expected.add_row(db, service, unit, row)?;
                }
            }
        }
        db.commit()?;
        put.set_position(expected.records);
        events += run.events.len() as u64;
        noise += run.noise_events;
        // Once the chunk's audit events are in S3, CloudWatch Logs need not keep them:
        // deleting its streams keeps LocalStack's memory flat over the chunks.
        lines
            .wait(expected.records as usize, deadline)
            .await
            .with_context(|| format!("EKS chunk {i}"))?;
        for s in run.streams() {
            sink.delete_log_stream(&run.log_group, &s)
                .await
                .map_err(anyhow::Error::msg)?;
        }
    }
    if expected.records != args.records {
        bail!(
            "{} EKS audit events were generated, {} found in the PutLogEvents calls",
            args.records,
            expected.records
        );
    }
    let objects = lines.counted.len() as u64;
    for key in lines.counted.keys() {
        access.object(&stack.bucket, key);
    }
    phase.finish(format_args!(
        "{events} EKS log events ({} audit, {noise} other control-plane lines) in {calls} PutLogEvents calls, {objects} objects in S3",
        expected.records
    ));
    expected.objects = objects;
    eprintln!(
        "e2e: every EKS audit event reached S3 in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    Ok(expected)
}

/// The audit lines Firehose wrote so far: the `.gz` objects under `prefix`, each read once.
struct S3Lines {
    s3: aws_sdk_s3::Client,
    bucket: String,
    prefix: String,
    /// Lines per object read.
    counted: BTreeMap<String, usize>,
}

impl S3Lines {
    /// Waits (at most `deadline`) until the objects hold `want` lines in all.
    async fn wait(&mut self, want: usize, deadline: Duration) -> Result<()> {
        let started = Instant::now();
        let (s3, bucket, prefix) = (&self.s3, &self.bucket, &self.prefix);
        loop {
            let mut pages = s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                for o in page?.contents() {
                    let key = o.key().unwrap_or_default().to_string();
                    if self.counted.contains_key(&key) || !key.ends_with(".gz") {
                        continue;
                    }
                    let body = s3
                        .get_object()
                        .bucket(bucket)
                        .key(&key)
                        .send()
                        .await?
                        .body
                        .collect()
                        .await?
                        .into_bytes();
                    let mut text = String::new();
                    std::io::Read::read_to_string(
                        &mut flate2::read::MultiGzDecoder::new(&body[..]),
                        &mut text,
                    )
                    .with_context(|| format!("s3://{bucket}/{key} is not gzip text"))?;
                    self.counted
                        .insert(key, text.lines().filter(|l| !l.trim().is_empty()).count());
                }
            }
            let have: usize = self.counted.values().sum();
            if have >= want {
                return Ok(());
            }
            if started.elapsed() > deadline {
                bail!(
                    "after {} s only {have} of {want} EKS audit events reached s3://{bucket}/{prefix}",
                    deadline.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_records_and_the_first_keeps_the_seed() {
        assert_eq!(chunks(300).collect::<Vec<_>>(), vec![300]);
        assert_eq!(chunks(CHUNK).collect::<Vec<_>>(), vec![CHUNK]);
        assert_eq!(
            chunks(2 * CHUNK + 5).collect::<Vec<_>>(),
            vec![CHUNK, CHUNK, 5]
        );
        assert_eq!(chunk_seed(7, 0), 7);
        assert_ne!(chunk_seed(7, 1), chunk_seed(7, 2));
    }

    #[test]
    fn audit_events_have_keys_and_other_lines_none() {
        let run = synth_eks::generate(&EksOptions::new(CLUSTER, 40, 3, 1_772_323_200_000));
        let keys: Vec<String> = run
            .events
            .iter()
            .filter_map(|e| event_key(&e.message))
            .collect();
        let want: Vec<String> = run.expected.iter().map(|e| e.key()).collect();
        assert_eq!(keys, want);
        assert!(run.noise_events > 0);
    }
}
