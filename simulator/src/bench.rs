//! `simulator bench` (behind `cargo xtask bench`): measures, it does not assert.
//!
//! 1. One core, in memory, over the same generated objects per service: gzip decompression
//!    alone, and decompress + parse + map to table rows (the connector's `parse_reader`),
//!    with and without writing each row's JSON; for the JSON services also decompress + a
//!    bare serde_json check (the floor under any serde_json parser). The measurements
//!    alternate object by object, so a shared machine's drifting speed hits them alike, and
//!    each object's best of the rounds counts.
//! 2. On LocalStack, over two corpora (small GuardDuty objects, large VPC ones): a raw
//!    receive / get / delete loop with 4 workers (the ceiling the emulator sets; one
//!    `DeleteMessageBatch` per receive, as the connector batches its deletes) and the
//!    connector end to end into the mock ingestion endpoint with 4 messages in flight,
//!    back to back on the same queue in every round (the order swapped each round), so both
//!    see the same LocalStack and the same machine.
//! 3. Peak RSS of the parse path over a large object (default 500 MiB stored) against a small
//!    one, in a child process (`simulator parse`), read with wait4(2).

use crate::connector::rows::RowOut;
use crate::connector::{self, parse_reader, ConnectorConfig, IngestTarget, Item, Route};
use crate::ingest;
use crate::synth::{self, BadDataKind, GenOptions, MemOutput};
use anyhow::{bail, Context, Result};
use catalogue::DataType;
use std::io::Read;
use std::ops::ControlFlow;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Multiplies the record counts (1.0: 200k VPC/CloudWatch, 50k GuardDuty/CloudTrail/EKS).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Stored size of the large object for the RSS measurement, MiB (0 skips it).
    #[arg(long, default_value_t = 500)]
    pub large_mib: u64,
    /// Skip the LocalStack measurements.
    #[arg(long)]
    pub skip_localstack: bool,
    /// Services of the one-core measurements (comma-separated; default all). The LocalStack
    /// part always measures small GuardDuty objects and large VPC ones.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub services: Vec<DataType>,
}

struct Corpus {
    name: &'static str,
    service: DataType,
    objects: Vec<(String, Vec<u8>)>,
}

fn corpus(service: DataType, records: u64) -> Result<Corpus> {
    let mut out = MemOutput::default();
    let opts = GenOptions::new(service, records, 42);
    synth::generate(&opts, &mut out)?;
    let objects = out
        .entries()
        .filter(|e| e.ingest)
        .map(|e| (e.key.clone(), out.objects[&e.key].clone()))
        .collect();
    Ok(Corpus {
        name: service.slug(),
        service,
        objects,
    })
}

fn eks_corpus(records: u64) -> Corpus {
    let run = synth::eks::generate(&synth::eks::EksOptions::new(
        "bench",
        records,
        42,
        1_772_323_200_000,
    ));
    let mut objects = Vec::new();
    for chunk in run.expected.chunks(500) {
        let mut text = Vec::new();
        for e in chunk {
            serde_json::to_writer(&mut text, &e.row).expect("rows serialise");
            text.push(b'\n');
        }
        objects.push((
            format!("{}/bench/{}.gz", DataType::Eks.key_segment(), objects.len()),
            synth::gzip(&text),
        ));
    }
    Corpus {
        name: DataType::Eks.slug(),
        service: DataType::Eks,
        objects,
    }
}

/// Rounds of the one-core measurements. Each round runs every measurement
/// of a service once, in turn, so a neighbour's load falls on all of them
/// alike; the best round of each counts.
const ROUNDS: usize = 5;

/// Seconds of one run of `f`, and its output.
fn timed<T>(f: impl FnOnce() -> Result<T>) -> Result<(f64, T)> {
    let t = Instant::now();
    let v = f()?;
    Ok((t.elapsed().as_secs_f64(), v))
}

fn cpu(corpora: &[Corpus]) -> Result<Vec<serde_json::Value>> {
    println!("\n1. One core, in memory: gzip alone vs decompress + parse + map");
    println!(
        "{:<11} {:>8} {:>10} {:>8} {:>12} {:>15} {:>11} {:>6} {:>14} {:>16} {:>15}",
        "service",
        "objects",
        "stored MB",
        "text MB",
        "gunzip MB/s",
        "parse+map MB/s",
        "records/s",
        "ratio",
        "+JSON MB/s",
        "JSON-only ratio",
        "of JSON-only"
    );
    let mut out = Vec::new();
    for c in corpora {
        let stored: usize = c.objects.iter().map(|(_, b)| b.len()).sum();
        let mut sink = Vec::new();
        let mut json_out = Vec::with_capacity(64 * 1024);
        // Per object, best of ROUNDS: [gunzip, parse+map, +JSON, JSON check].
        let mut best = vec![[f64::MAX; 4]; c.objects.len()];
        let (mut text_bytes, mut rows) = (0u64, 0u64);
        for round in 0..ROUNDS {
            for ((key, b), best) in c.objects.iter().zip(&mut best) {
                let (t, n) = timed(|| gunzip_one(b, &mut sink))?;
                best[0] = best[0].min(t);
                let (t, r) = timed(|| parse_one(c.service, key, b, None))?;
                best[1] = best[1].min(t);
                best[2] =
                    best[2].min(timed(|| parse_one(c.service, key, b, Some(&mut json_out)))?.0);
                if let Some(whole) = json_document(c.service) {
                    best[3] =
                        best[3].min(timed(|| gunzip_and_validate(key, b, whole, &mut sink))?.0);
                }
                if round == 0 {
                    (text_bytes, rows) = (text_bytes + n, rows + r);
                }
            }
        }
        let total = |i: usize| best.iter().map(|b| b[i]).sum::<f64>();
        let (t_gz, t_parse, t_json, t_valid) = (total(0), total(1), total(2), total(3));
        // What no parser built on serde_json can beat: decompress, check
        // UTF-8, and check the JSON while keeping nothing.
        let ceiling = json_document(c.service).map(|_| t_gz / t_valid);
        // Parse+map as a fraction of that limit (target >= 0.9).
        let of_limit = json_document(c.service).map(|_| t_valid / t_parse);
        let mb = text_bytes as f64 / 1e6;
        let row = serde_json::json!({
            "service": c.name, "objects": c.objects.len(), "stored_mb": stored as f64 / 1e6, "text_mb": mb,
            "gunzip_mb_s": mb / t_gz, "parse_map_mb_s": mb / t_parse, "records_s": rows as f64 / t_parse,
            "ratio": t_gz / t_parse, "records": rows, "parse_map_json_mb_s": mb / t_json,
            "json_only_ratio": ceiling, "of_json_only": of_limit,
        });
        println!(
            "{:<11} {:>8} {:>10.1} {:>8.1} {:>12.0} {:>15.0} {:>11.0} {:>6.2} {:>14.0} {:>16} {:>15}",
            c.name,
            c.objects.len(),
            stored as f64 / 1e6,
            mb,
            mb / t_gz,
            mb / t_parse,
            rows as f64 / t_parse,
            t_gz / t_parse,
            mb / t_json,
            ceiling.map_or("-".into(), |r| format!("{r:.2}")),
            of_limit.map_or("-".into(), |r| format!("{r:.2}"))
        );
        out.push(row);
    }
    println!("   (target: parse+map at least half the speed of decompression alone, ratio >= 0.5;");
    println!("    per object, the measurements alternate and the best of {ROUNDS} rounds counts;");
    println!("    +JSON: also writing each row as the connector sends it;");
    println!(
        "    JSON-only ratio: the same with the parse replaced by a bare serde_json check of the"
    );
    println!("    text that keeps nothing, the most a serde_json parser can reach;");
    println!("    of JSON-only: parse+map speed over that limit's, target >= 0.9)");
    Ok(out)
}

/// How a JSON service's text is laid out: one document per object
/// (CloudTrail) or one per line (GuardDuty, EKS, Route 53); `None` for the others.
fn json_document(service: DataType) -> Option<bool> {
    match service {
        DataType::CloudTrail => Some(true),
        DataType::Waf => Some(false),
        DataType::GuardDuty | DataType::Eks | DataType::SecurityHub => Some(false),
        DataType::Vpc | DataType::CloudWatch => None,
        DataType::Route53 => Some(false),
        DataType::NetworkFirewallFlow
        | DataType::NetworkFirewallAlert
        | DataType::NetworkFirewallTls => Some(false),
        DataType::S3Access => None,
        DataType::CloudFront => None,
        DataType::ElbAlb | DataType::ElbNlb | DataType::ElbNlbFlow | DataType::ElbGwlbFlow => None,
    }
}

/// One object decompressed into the front of `sink`: its text length.
/// `sink` only grows, so after the first round no read pays for zeroing its
/// buffer (as `read_to_end` would each time).
fn gunzip_one(b: &[u8], sink: &mut Vec<u8>) -> Result<u64> {
    // S3 server access logs are stored plain: "gunzip" is the copy of their text.
    if !b.starts_with(&[0x1f, 0x8b]) {
        if sink.len() < b.len() {
            sink.resize(b.len(), 0);
        }
        sink[..b.len()].copy_from_slice(b);
        return Ok(b.len() as u64);
    }
    let mut decoder = flate2::read::MultiGzDecoder::new(b);
    let mut n = 0;
    loop {
        if n == sink.len() {
            sink.resize((2 * n).max(1 << 20), 0);
        }
        match decoder.read(&mut sink[n..])? {
            0 => return Ok(n as u64),
            k => n += k,
        }
    }
}

/// One object through the connector's parser: its row count. With `json`,
/// each row is also written as the connector sends it.
fn parse_one(
    service: DataType,
    key: &str,
    b: &[u8],
    mut json: Option<&mut Vec<u8>>,
) -> Result<u64> {
    let mut rows = 0u64;
    let mut sink = |item: Item| {
        if let Item::Row(_, row) = item {
            match json.as_deref_mut() {
                Some(out) => {
                    out.clear();
                    row.write_json(out);
                    std::hint::black_box(&out);
                }
                None => {
                    std::hint::black_box::<&dyn RowOut>(row);
                }
            }
            rows += 1;
        }
        ControlFlow::Continue(())
    };
    parse_reader(service, Some(key), b, &mut sink).map_err(|e| anyhow::anyhow!("{key}: {e}"))?;
    Ok(rows)
}

/// One object decompressed and its text checked as UTF-8 and as JSON by
/// serde_json, keeping nothing (`whole`: one document, else one per line):
/// the floor under any serde_json parser.
fn gunzip_and_validate(key: &str, b: &[u8], whole: bool, sink: &mut Vec<u8>) -> Result<()> {
    let n = gunzip_one(b, sink)? as usize;
    let text =
        simdutf8::basic::from_utf8(&sink[..n]).map_err(|_| anyhow::anyhow!("{key}: not UTF-8"))?;
    let check = |doc: &str| {
        serde_json::from_str::<serde::de::IgnoredAny>(doc)
            .with_context(|| format!("{key}: not JSON"))
    };
    if whole {
        check(text)?;
    } else {
        for line in text.split('\n').filter(|l| !l.trim().is_empty()) {
            check(line)?;
        }
    }
    Ok(())
}

async fn setup_queue(
    s3: &aws_sdk_s3::Client,
    sqs: &aws_sdk_sqs::Client,
    name: &str,
) -> Result<String> {
    use aws_sdk_s3::types::{Event, NotificationConfiguration, QueueConfiguration};
    s3.create_bucket().bucket(name).send().await?;
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await?
        .queue_url()
        .context("no queue url")?
        .to_string();
    let arn = format!("arn:aws:sqs:us-east-1:000000000000:{name}");
    s3.put_bucket_notification_configuration()
        .bucket(name)
        .notification_configuration(
            NotificationConfiguration::builder()
                .queue_configurations(
                    QueueConfiguration::builder()
                        .queue_arn(arn)
                        .events(Event::S3ObjectCreated)
                        .build()?,
                )
                .build(),
        )
        .send()
        .await?;
    // Drop the s3:TestEvent.
    let out = sqs
        .receive_message()
        .queue_url(&url)
        .wait_time_seconds(2)
        .max_number_of_messages(10)
        .send()
        .await?;
    for m in out.messages() {
        sqs.delete_message()
            .queue_url(&url)
            .receipt_handle(m.receipt_handle().unwrap_or_default())
            .send()
            .await?;
    }
    Ok(url)
}

/// Puts every object of `c` into `bucket`, four at a time.
async fn upload(s3: &aws_sdk_s3::Client, bucket: &str, c: &Corpus) -> Result<()> {
    let mut tasks = tokio::task::JoinSet::new();
    for lane in 0..4 {
        let (s3, bucket) = (s3.clone(), bucket.to_string());
        let objects: Vec<_> = c.objects.iter().skip(lane).step_by(4).cloned().collect();
        tasks.spawn(async move {
            for (key, body) in objects {
                s3.put_object()
                    .bucket(&bucket)
                    .key(key)
                    .body(body.into())
                    .send()
                    .await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    Ok(())
}

/// Waits until the queue shows `n` visible messages (S3 notifies asynchronously), so both
/// sides start from a full queue.
async fn await_messages(sqs: &aws_sdk_sqs::Client, url: &str, n: usize) -> Result<()> {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let out = sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(A::ApproximateNumberOfMessages)
            .send()
            .await?;
        let visible: usize = out
            .attributes()
            .and_then(|a| a.get(&A::ApproximateNumberOfMessages))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if visible >= n {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("only {visible} of {n} notifications reached the queue");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Receive / get / delete with `workers` concurrent loops until `objects` objects were read:
/// each loop receives up to 10 messages, reads their objects one after the other, then deletes
/// that receive's messages with one `DeleteMessageBatch` call (a fair ceiling for the
/// connector, which batches its deletes too). Seconds from the start to the last delete (a
/// worker's final empty long poll does not count).
async fn raw_loop(
    s3: &aws_sdk_s3::Client,
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    objects: usize,
    workers: usize,
) -> Result<f64> {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t0 = Instant::now();
    let last_delete = std::sync::Arc::new(std::sync::Mutex::new(t0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (s3, sqs, url, done) = (s3.clone(), sqs.clone(), url.to_string(), done.clone());
        let last_delete = last_delete.clone();
        tasks.spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(600);
            while done.load(std::sync::atomic::Ordering::SeqCst) < objects {
                if Instant::now() > deadline {
                    bail!("raw loop: deadline passed");
                }
                let out = sqs
                    .receive_message()
                    .queue_url(&url)
                    .max_number_of_messages(10)
                    .wait_time_seconds(1)
                    .send()
                    .await?;
                let mut entries = Vec::new();
                let mut read = 0;
                for (i, m) in out.messages().iter().enumerate() {
                    if let Ok(connector::Notification::Objects { objects: objs, .. }) =
                        connector::notify::parse_body(m.body().unwrap_or_default())
                    {
                        for o in objs {
                            let body = s3
                                .get_object()
                                .bucket(&o.bucket)
                                .key(&o.key)
                                .send()
                                .await?
                                .body
                                .collect()
                                .await?;
                            std::hint::black_box(body.into_bytes());
                            read += 1;
                        }
                    }
                    entries.push(
                        aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                            .id(i.to_string())
                            .receipt_handle(m.receipt_handle().unwrap_or_default())
                            .build()?,
                    );
                }
                if !entries.is_empty() {
                    let out = sqs
                        .delete_message_batch()
                        .queue_url(&url)
                        .set_entries(Some(entries))
                        .send()
                        .await?;
                    if let Some(f) = out.failed().first() {
                        bail!("raw loop: DeleteMessageBatch refused an entry: {f:?}");
                    }
                    done.fetch_add(read, std::sync::atomic::Ordering::SeqCst);
                    let mut last = last_delete.lock().expect("not poisoned");
                    *last = (*last).max(Instant::now());
                }
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    let last = *last_delete.lock().expect("not poisoned");
    Ok((last - t0).as_secs_f64())
}

/// CPU seconds (user + system) used so far by this process (`None`) or by the live processes
/// of group `pgid` (with their reaped children), from /proc in USER_HZ ticks (100 per second on
/// Linux).
fn cpu_seconds(pgid: Option<i32>) -> f64 {
    const USER_HZ: f64 = 100.0;
    // Fields after the ")" that ends the command name: state is 0, pgrp 2, utime 11, stime 12,
    // cutime 13, cstime 14.
    let fields = |stat: &str| -> Vec<i64> {
        stat.rsplit_once(')')
            .map(|(_, rest)| {
                rest.split_whitespace()
                    .map(|f| f.parse().unwrap_or(0))
                    .collect()
            })
            .unwrap_or_default()
    };
    let ticks = |f: &[i64], upto: usize| f.get(11..upto).map_or(0, |t| t.iter().sum::<i64>());
    let Some(pgid) = pgid else {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        return ticks(&fields(&stat), 13) as f64 / USER_HZ;
    };
    let mut total = 0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        if !entry
            .file_name()
            .to_string_lossy()
            .bytes()
            .all(|b| b.is_ascii_digit())
        {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let f = fields(&stat);
        if f.get(2) == Some(&i64::from(pgid)) {
            total += ticks(&f, 15);
        }
    }
    total as f64 / USER_HZ
}

/// CPU seconds used by this process and by LocalStack between two points.
struct CpuSplit {
    own: f64,
    localstack: Option<f64>,
}

impl CpuSplit {
    fn since(start: (f64, Option<f64>), pgid: Option<i32>) -> Self {
        CpuSplit {
            own: cpu_seconds(None) - start.0,
            localstack: pgid
                .map(|g| cpu_seconds(Some(g)))
                .zip(start.1)
                .map(|(b, a)| b - a),
        }
    }

    fn now(pgid: Option<i32>) -> (f64, Option<f64>) {
        (cpu_seconds(None), pgid.map(|g| cpu_seconds(Some(g))))
    }

    fn describe(&self) -> String {
        match self.localstack {
            Some(ls) => format!("CPU s: LocalStack {ls:.2}, this process {:.2}", self.own),
            None => format!("CPU s: this process {:.2}", self.own),
        }
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({"localstack_cpu_s": self.localstack, "own_cpu_s": self.own})
    }
}

/// Rounds of the LocalStack measurements: in each, per corpus, the raw loop and the
/// connector run back to back on the same queue (the order swapped every round).
const LS_ROUNDS: usize = 3;

/// Workers of the raw loop and messages in flight in the connector.
const WORKERS: usize = 4;

/// One pass of one side over one corpus.
struct Pass {
    seconds: f64,
    cpu: CpuSplit,
    calls: Option<connector::RouteStats>,
}

/// The connector end to end into a fresh mock ingestion endpoint, until the queue is drained;
/// checks that every record arrived.
async fn connector_pass(
    s3: &aws_sdk_s3::Client,
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    c: &Corpus,
    records: u64,
    localstack_pgid: Option<i32>,
) -> Result<Pass> {
    let server = ingest::serve(ingest::Config::default()).await?;
    let mut cc = ConnectorConfig::new(
        vec![Route::new(c.service, url)],
        IngestTarget {
            endpoint: server.base_url().into(),
            dcr_immutable_id: server.dcr_id().into(),
            credential: connector::Credential::Static("bench".into()),
            ca_pem: None,
            gzip: false,
        },
    );
    cc.max_in_flight = WORKERS;
    cc.wait_time_seconds = 1;
    cc.stop_after_empty_polls = Some(2);
    cc.log = false;
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let cpu0 = CpuSplit::now(localstack_pgid);
    let t0 = Instant::now();
    let cstats = connector::run(&cc, s3, sqs, rx).await?.total();
    let cpu = CpuSplit::since(cpu0, localstack_pgid);
    // The drain detection costs the final empty polls; count until the last row arrived.
    let seconds = t0.elapsed().as_secs_f64() - 2.0 * f64::from(cc.wait_time_seconds);
    let stats = server.shutdown().await?;
    if stats.accepted_rows != records {
        bail!(
            "connector ingested {} rows of {}, expected {records}",
            stats.accepted_rows,
            c.name
        );
    }
    Ok(Pass {
        seconds,
        cpu,
        calls: Some(cstats),
    })
}

/// `localstack_pgid`: LocalStack's process group (host mode), to split the CPU time.
/// `corpora`: (label, corpus) pairs, measured in turn within every round.
async fn localstack_part(
    endpoint: &str,
    localstack_pgid: Option<i32>,
    corpora: &[(&str, Corpus)],
) -> Result<Vec<serde_json::Value>> {
    let config = deployer::sdk_config(&deployer::Target::localstack(endpoint)).await;
    let s3 = crate::replay::s3_client(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let mut setups = Vec::new();
    for (i, (_, c)) in corpora.iter().enumerate() {
        let mut records = 0u64;
        for (key, b) in &c.objects {
            records += parse_one(c.service, key, b, None)?;
        }
        let name = format!("bench-{i}-{}", c.name);
        setups.push((name.clone(), setup_queue(&s3, &sqs, &name).await?, records));
    }
    println!(
        "\n2. LocalStack: a raw receive/get/delete loop with {WORKERS} workers against the connector \
         end to end ({WORKERS} in flight), side by side, {LS_ROUNDS} rounds"
    );
    // Per corpus: (raw passes, connector passes), in round order.
    let mut passes: Vec<(Vec<Pass>, Vec<Pass>)> =
        corpora.iter().map(|_| Default::default()).collect();
    for round in 0..LS_ROUNDS {
        for (((label, c), (bucket, url, records)), (raws, conns)) in
            corpora.iter().zip(&setups).zip(&mut passes)
        {
            for raw_side in [round % 2 == 0, round % 2 == 1] {
                upload(&s3, bucket, c).await?;
                await_messages(&sqs, url, c.objects.len()).await?;
                if raw_side {
                    let cpu0 = CpuSplit::now(localstack_pgid);
                    let seconds = raw_loop(&s3, &sqs, url, c.objects.len(), WORKERS).await?;
                    let cpu = CpuSplit::since(cpu0, localstack_pgid);
                    raws.push(Pass {
                        seconds,
                        cpu,
                        calls: None,
                    });
                } else {
                    conns.push(connector_pass(&s3, &sqs, url, c, *records, localstack_pgid).await?);
                }
            }
            let (r, k) = (
                raws.last().expect("one pass"),
                conns.last().expect("one pass"),
            );
            println!(
                "   round {}, {label:<18}: raw {:>5.2} s, connector {:>5.2} s, {:.2}x",
                round + 1,
                r.seconds,
                k.seconds,
                r.seconds / k.seconds
            );
        }
    }
    println!(
        "   {:<18} {:>7} {:>8} {:>13} {:>13} {:>14} {:>14} {:>6} {:>11}",
        "corpus",
        "objects",
        "records",
        "raw obj/s",
        "conn obj/s",
        "raw rec/s",
        "conn rec/s",
        "ratio",
        "range"
    );
    let mut out = Vec::new();
    for (((label, c), (_, _, records)), (raws, conns)) in corpora.iter().zip(&setups).zip(&passes) {
        let best = |p: &[Pass]| {
            p.iter()
                .min_by(|a, b| a.seconds.total_cmp(&b.seconds))
                .map(|p| p.seconds)
                .expect("passes")
        };
        let (raw, conn) = (best(raws), best(conns));
        let paired: Vec<f64> = raws
            .iter()
            .zip(conns)
            .map(|(r, k)| r.seconds / k.seconds)
            .collect();
        let lo = paired.iter().copied().fold(f64::MAX, f64::min);
        let hi = paired.iter().copied().fold(f64::MIN, f64::max);
        let n = c.objects.len() as f64;
        let recs = *records as f64;
        println!(
            "   {label:<18} {:>7} {:>8} {:>13.1} {:>13.1} {:>14.0} {:>14.0} {:>6.2} {:>11}",
            c.objects.len(),
            records,
            n / raw,
            n / conn,
            recs / raw,
            recs / conn,
            raw / conn,
            format!("{lo:.2}-{hi:.2}")
        );
        let last = conns.last().expect("passes");
        let calls = last.calls.as_ref().expect("connector pass");
        println!(
            "   {:<18} last connector pass: {} receives ({} empty), {} DeleteMessageBatch, {} ingestion requests; \
             raw {}; connector {}",
            "",
            calls.receive_calls,
            calls.empty_receives,
            calls.delete_calls,
            calls.batches,
            raws.last().expect("passes").cpu.describe(),
            last.cpu.describe()
        );
        out.push(serde_json::json!({
            "corpus": label, "service": c.name, "objects": c.objects.len(), "records": records,
            "stored_bytes": c.objects.iter().map(|(_, b)| b.len()).sum::<usize>(),
            "raw_seconds": raws.iter().map(|p| p.seconds).collect::<Vec<_>>(),
            "connector_seconds": conns.iter().map(|p| p.seconds).collect::<Vec<_>>(),
            "raw_objects_s": n / raw, "connector_objects_s": n / conn,
            "raw_records_s": recs / raw, "connector_records_s": recs / conn,
            "ratio": raw / conn, "paired_ratios": paired,
            "raw_cpu": raws.iter().map(|p| p.cpu.json()).collect::<Vec<_>>(),
            "connector_cpu": conns.iter().map(|p| p.cpu.json()).collect::<Vec<_>>(),
            "connector_receives": calls.receive_calls, "connector_empty_receives": calls.empty_receives,
            "connector_delete_calls": calls.delete_calls, "connector_requests": calls.batches,
        }));
    }
    println!("   (ratio: connector objects/s over the raw loop's, best pass of each; range: the");
    println!("    ratios of the back-to-back pairs; target >= 1.0)");
    Ok(out)
}

/// Peak RSS (KiB) of `simulator parse` over one file: the child's own `VmHWM`, which it
/// reports as it ends (`--report-peak-rss`; wait4's ru_maxrss would include the parent's
/// RSS inherited at fork, and polling /proc misses a short run).
fn parse_rss(service: &str, file: &Path) -> Result<(i64, f64)> {
    let exe = std::env::current_exe()?;
    let t0 = Instant::now();
    let out = std::process::Command::new(exe)
        .args(["parse", "--report-peak-rss", "--service", service])
        .arg(file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()?;
    let secs = t0.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!(
            "simulator parse {} failed ({}): {stderr}",
            file.display(),
            out.status
        );
    }
    let kib = stderr
        .lines()
        .find_map(|l| l.strip_prefix(crate::parse_cli::PEAK_RSS_PREFIX))
        .and_then(|v| v.trim().trim_end_matches("KiB").trim().parse::<i64>().ok())
        .with_context(|| format!("simulator parse reported no peak RSS: {stderr}"))?;
    Ok((kib, secs))
}

fn rss_part(dir: &Path, large_mib: u64) -> Result<serde_json::Value> {
    std::fs::create_dir_all(dir)?;
    let small = dir.join("small.log.gz");
    let mut out = MemOutput::default();
    synth::generate(&GenOptions::new(DataType::Vpc, 1000, 1), &mut out)?;
    let first = out.order.first().context("no object")?;
    std::fs::write(&small, &out.objects[first])?;
    let (small_kib, _) = parse_rss("vpc", &small)?;

    let mut opts = GenOptions::new(DataType::Vpc, 10, 3);
    opts.bad_data = vec![BadDataKind::Large];
    opts.large_object_bytes = large_mib * 1024 * 1024;
    let gen_dir = dir.join("large");
    let t0 = Instant::now();
    let manifest = crate::simulate::generate_into(&opts, &gen_dir)?;
    let m = crate::synth::manifest::Manifest::read(&manifest)?;
    let big = m
        .objects
        .iter()
        .max_by_key(|o| o.bytes)
        .context("no objects")?;
    let path = gen_dir.join(&big.key);
    let gen_s = t0.elapsed().as_secs_f64();
    let (large_kib, secs) = parse_rss("vpc", &path)?;
    println!("\n3. Peak RSS of the parse path (simulator parse, VPC):");
    println!(
        "   {:>9} object: {:>7.1} MiB RSS",
        "small",
        small_kib as f64 / 1024.0
    );
    println!(
        "   {:>5} MiB object ({} records, {:.0} MB decompressed): {:>7.1} MiB RSS, parsed in {:.1} s ({:.0} MB/s stored); generated in {:.0} s",
        big.bytes / (1024 * 1024),
        big.record_count,
        big.uncompressed_bytes as f64 / 1e6,
        large_kib as f64 / 1024.0,
        secs,
        big.bytes as f64 / 1e6 / secs,
        gen_s
    );
    std::fs::remove_dir_all(&gen_dir).ok();
    Ok(
        serde_json::json!({"small_rss_kib": small_kib, "large_rss_kib": large_kib, "large_stored_bytes": big.bytes,
        "large_records": big.record_count, "large_parse_seconds": secs}),
    )
}

pub fn run(args: &BenchArgs) -> Result<()> {
    let n = |base: f64| ((base * args.scale).round() as u64).max(100);
    let wanted = |s: DataType| args.services.is_empty() || args.services.contains(&s);
    let mut corpora = Vec::new();
    for &s in DataType::ALL.iter().filter(|s| wanted(**s)) {
        corpora.push(match s {
            DataType::Vpc | DataType::CloudWatch => corpus(s, n(200_000.0))?,
            DataType::GuardDuty | DataType::CloudTrail => corpus(s, n(50_000.0))?,
            DataType::Eks => eks_corpus(n(50_000.0)),
            DataType::Route53 => corpus(s, n(200_000.0))?,
            DataType::NetworkFirewallFlow
            | DataType::NetworkFirewallAlert
            | DataType::NetworkFirewallTls => corpus(s, n(50_000.0))?,
            DataType::Waf => corpus(s, n(50_000.0))?,
            DataType::S3Access => corpus(s, n(200_000.0))?,
            DataType::SecurityHub => corpus(s, n(20_000.0))?,
            DataType::CloudFront => corpus(s, n(200_000.0))?,
            DataType::ElbAlb | DataType::ElbNlb => corpus(s, n(200_000.0))?,
            DataType::ElbNlbFlow | DataType::ElbGwlbFlow => corpus(s, n(200_000.0))?,
        });
    }
    let mut report =
        serde_json::json!({"profile": if cfg!(debug_assertions) { "debug" } else { "release" }});
    report["cpu"] = cpu(&corpora)?.into();
    if !args.skip_localstack {
        let ls = harness::LocalStack::start(harness::LocalStackConfig::default())?;
        let rt = tokio::runtime::Runtime::new()?;
        let ls_corpora = [
            (
                "small (GuardDuty)",
                corpus(DataType::GuardDuty, n(10_000.0))?,
            ),
            ("large (VPC)", corpus(DataType::Vpc, n(200_000.0))?),
        ];
        let r = rt.block_on(localstack_part(ls.endpoint(), ls.pid(), &ls_corpora));
        drop(rt);
        ls.stop()?;
        report["localstack"] = r?.into();
    }
    if args.large_mib > 0 {
        report["rss"] = rss_part(&harness::project_target_dir().join("bench"), args.large_mib)?;
    }
    let path = harness::project_target_dir().join("bench-report.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report)?)?;
    println!("\nreport: {}", path.display());
    Ok(())
}
