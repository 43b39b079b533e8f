//! The `simulate` command: generate one service's objects and manifest.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::builder::TypedValueParser;
use clap::ArgGroup;

use crate::synth::manifest::{Content, ManifestLine, ObjectEntry, ObjectKind};
use crate::synth::{self, vpc, BadDataKind, DirOutput, GenOptions, Output, VpcField, VpcFormat};
use crate::tables::parse_datetime_ms;
use catalogue::DataType;

/// Flow log fields given with `--vpc-fields`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcFields(pub Vec<VpcField>);

/// One `--bad-data` item (`all` expands to every kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadDataArg(pub Vec<BadDataKind>);

/// `--service`: the slugs of the data types [`synth::generate`] writes (the help lists them).
fn object_type_parser() -> impl TypedValueParser<Value = DataType> {
    clap::builder::PossibleValuesParser::new(synth::s3_object_types().map(DataType::slug)).map(
        |s| {
            s.parse::<DataType>()
                .expect("a listed slug names a data type")
        },
    )
}

/// `<what> (default: vpc 5, guardduty 0.2, ...)`, the defaults read from the catalogue.
fn defaults_help(what: &str, value: fn(&catalogue::Entry) -> String) -> String {
    let defaults: Vec<String> = synth::s3_object_types()
        .map(|d| format!("{} {}", d.slug(), value(d.entry())))
        .collect();
    format!("{what} (default: {})", defaults.join(", "))
}

/// `simulator simulate ...`
#[derive(Debug, Clone, clap::Args)]
#[command(group(ArgGroup::new("destination").required(true).multiple(true).args(["out", "stack"])))]
pub struct SimulateArgs {
    /// Log source to simulate (the data types whose objects the simulator writes; EKS runs
    /// through `simulator e2e`).
    #[arg(long, value_parser = object_type_parser())]
    pub service: DataType,
    /// Records in the regular objects (bad-data objects come on top).
    #[arg(long, value_name = "N", value_parser = parse_records)]
    pub records: u64,
    /// PRNG seed: the same seed and options give byte-identical objects.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    #[arg(long, value_name = "R", value_parser = parse_rate, help = defaults_help("Records per simulated second", |e| e.default_rate.to_string()))]
    pub rate: Option<f64>,
    /// Write objects under DIR at their S3 keys, plus `DIR/manifest-<service>.jsonl`.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replay to a deployed connector stack: upload to its bucket under the prefix its
    /// notification watches (account and bucket read from its outputs). With --out, the
    /// objects and manifest are kept there; otherwise under target/replay/.
    #[arg(long, value_name = "NAME")]
    pub stack: Option<String>,
    /// With --stack: LocalStack endpoint (default: $LOCALSTACK_ENDPOINT, the one
    /// `cargo xtask localstack up` started, or http://127.0.0.1:4566).
    #[arg(long, requires = "stack", conflicts_with = "aws")]
    pub endpoint: Option<String>,
    /// With --stack: replay into real AWS (standard credential chain; --region is the AWS region).
    #[arg(long, requires = "stack")]
    pub aws: bool,
    /// With --aws: the AWS profile.
    #[arg(long, requires = "aws")]
    pub profile: Option<String>,
    /// With --aws: skip the confirmation naming the account and region.
    #[arg(long, requires = "aws")]
    pub yes: bool,
    /// With --stack: uploads in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub concurrency: u64,
    /// With --stack: objects uploaded per second at most (default: as fast as possible).
    #[arg(long, value_name = "N", value_parser = parse_rate)]
    pub upload_rate: Option<f64>,
    /// Simulated start time (RFC 3339, UTC).
    #[arg(long, value_name = "TIME", default_value = "2026-03-01T00:00:00Z", value_parser = parse_start)]
    pub start: i64,
    /// AWS account id in keys and records.
    #[arg(long, value_name = "ID", default_value = "123456789012", value_parser = parse_account_id)]
    pub account_id: String,
    /// AWS region in keys and records.
    #[arg(long, value_name = "REGION", default_value = "us-east-1", value_parser = parse_region)]
    pub region: String,
    #[arg(long, value_name = "N", value_parser = parse_records_per_object, help = defaults_help("Maximum records per object", |e| e.records_per_object.to_string()))]
    pub records_per_object: Option<u64>,
    /// VPC flow log format.
    #[arg(long, value_enum, default_value_t = VpcFormat::Default)]
    pub vpc_format: VpcFormat,
    /// VPC custom format: field names separated by spaces (`${...}` allowed); overrides --vpc-format.
    #[arg(long, value_name = "FIELDS", value_parser = parse_vpc_fields)]
    pub vpc_fields: Option<VpcFields>,
    /// VPC: hourly partitions (`.../DD/HH/` in keys).
    #[arg(long)]
    pub hourly_partitions: bool,
    /// Bad data to add, comma separated: malformed-lines, truncated-gzip, not-gzip, empty, large, or all.
    #[arg(long, value_name = "KINDS", value_delimiter = ',', value_parser = parse_bad_data)]
    pub bad_data: Vec<BadDataArg>,
    /// Stored (gzip) size of the `large` bad-data object, MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=65536))]
    pub large_object_mib: u64,
    /// Bucket name written into CloudTrail digest files.
    #[arg(long, value_name = "BUCKET", default_value = "sentinel-sim-logs")]
    pub bucket: String,
    /// CloudTrail trail name (digest file names).
    #[arg(long, value_name = "NAME", default_value = "sentinel-sim-trail")]
    pub trail_name: String,
    /// S3 server access logs: the target prefix the object keys start with (ends in /).
    #[arg(long, value_name = "PREFIX", default_value = "s3-access-logs/")]
    pub access_log_prefix: String,
    /// S3 server access logs: the watched buckets whose requests are logged, comma separated.
    #[arg(
        long,
        value_name = "BUCKETS",
        value_delimiter = ',',
        default_value = "sentinel-sim-app-data,sentinel-sim-uploads,sentinel-sim-static-site"
    )]
    pub watched_buckets: Vec<String>,
    /// Firehose delivery stream name in CloudWatch and Security Hub object names (default:
    /// sentinel-cloudwatch-delivery, sentinel-securityhub-delivery).
    #[arg(long, value_name = "NAME")]
    pub delivery_stream: Option<String>,
    /// ELB logs: the key prefix before AWSLogs/, ending in / (default: the stack's default,
    /// ALBLogs/, NLBAccessLogs/, NLBFlowLogs/, GLBFlowLogs/; with --stack, the stack's own).
    #[arg(long, value_name = "PREFIX")]
    pub key_prefix: Option<String>,
}

fn parse_records(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(0) => Err("must be at least 1; e.g. --records 2000".into()),
        Ok(n) => Ok(n),
        Err(_) => Err("not a whole number; e.g. --records 2000".into()),
    }
}

fn parse_records_per_object(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(0) | Err(_) => {
            Err("must be a whole number of at least 1; e.g. --records-per-object 1000".into())
        }
        Ok(n) => Ok(n),
    }
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 && r <= 1_000_000.0 => Ok(r),
        _ => Err(
            "must be records per simulated second, above 0 and at most 1000000; e.g. --rate 5"
                .into(),
        ),
    }
}

fn parse_start(s: &str) -> Result<i64, String> {
    parse_datetime_ms(s)
        .ok_or_else(|| "not an RFC 3339 time; e.g. --start 2026-03-01T00:00:00Z".into())
}

fn parse_account_id(s: &str) -> Result<String, String> {
    synth::validate_account_id(s)
        .map(|()| s.to_string())
        .map_err(|e| format!("{e}; e.g. --account-id 123456789012"))
}

fn parse_region(s: &str) -> Result<String, String> {
    synth::validate_region(s)
        .map(|()| s.to_string())
        .map_err(|e| format!("{e}; e.g. --region us-east-1"))
}

fn parse_vpc_fields(s: &str) -> Result<VpcFields, String> {
    vpc::parse_fields(s).map(VpcFields).map_err(|e| {
        format!("{e}; list flow log fields separated by spaces, each once, e.g. --vpc-fields 'version account-id interface-id start end action log-status'")
    })
}

fn parse_bad_data(s: &str) -> Result<BadDataArg, String> {
    if s == "all" {
        return Ok(BadDataArg(BadDataKind::ALL.to_vec()));
    }
    BadDataKind::ALL
        .into_iter()
        .find(|k| k.name() == s)
        .map(|k| BadDataArg(vec![k]))
        .ok_or_else(|| "unknown kind; use a comma-separated list of malformed-lines, truncated-gzip, not-gzip, empty, large, or all".into())
}

impl SimulateArgs {
    /// The generator options these arguments stand for.
    pub fn gen_options(&self) -> GenOptions {
        let mut o = GenOptions::new(self.service, self.records, self.seed);
        o.rate = self.rate;
        o.start_ms = self.start;
        o.account_id = self.account_id.clone();
        o.region = self.region.clone();
        o.records_per_object = self.records_per_object;
        o.vpc_fields = match &self.vpc_fields {
            Some(f) => f.0.clone(),
            None => self.vpc_format.fields(),
        };
        o.hourly_partitions = self.hourly_partitions;
        let mut bad: Vec<BadDataKind> = self
            .bad_data
            .iter()
            .flat_map(|b| b.0.iter().copied())
            .collect();
        bad.sort();
        bad.dedup();
        o.bad_data = bad;
        o.large_object_bytes = self.large_object_mib * 1024 * 1024;
        o.bucket = self.bucket.clone();
        o.trail_name = self.trail_name.clone();
        o.access_log_prefix = self.access_log_prefix.clone();
        o.watched_buckets = self.watched_buckets.clone();
        if let Some(stream) = &self.delivery_stream {
            o.delivery_stream = stream.clone();
        }
        if let Some(prefix) = &self.key_prefix {
            o.key_prefix = prefix.clone();
        }
        o
    }
}

/// Runs `simulate`: validates everything first (nothing is written on a bad
/// option), generates into `--out DIR`, prints a one-line summary.
pub fn run(args: &SimulateArgs) -> anyhow::Result<()> {
    if args.stack.is_some() {
        return tokio::runtime::Runtime::new()?.block_on(run_replay(args));
    }
    let opts = args.gen_options();
    opts.validate()?;
    let dir = args
        .out
        .as_ref()
        .context("one of --out DIR or --stack NAME is required")?;
    generate_into(&opts, dir)?;
    Ok(())
}

/// Generates `opts` under `dir` and prints the one-line summary; returns the manifest path.
pub fn generate_into(opts: &GenOptions, dir: &std::path::Path) -> anyhow::Result<PathBuf> {
    let started = Instant::now();
    let (manifest_path, summary) = generate_watched(opts, dir, &mut |_| {})?;
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    let t = &summary.totals;
    println!(
        "simulate {}: {} objects ({} to ingest), {} records, {} bytes gzip ({} uncompressed), {:.2} s, {:.0} records/s, {:.1} MB/s gzip -> {} (manifest {})",
        opts.service.slug(),
        t.objects,
        t.objects_to_ingest,
        t.records,
        t.bytes,
        t.uncompressed_bytes,
        secs,
        t.records as f64 / secs,
        t.bytes as f64 / 1e6 / secs,
        dir.display(),
        manifest_path.display()
    );
    Ok(manifest_path)
}

/// Generates `opts` under `dir`, calling `on_object` with each object's manifest entry as it
/// is written (progress displays); returns the manifest path and the summary. Prints nothing.
pub fn generate_watched(
    opts: &GenOptions,
    dir: &std::path::Path,
    on_object: &mut dyn FnMut(&ObjectEntry),
) -> anyhow::Result<(PathBuf, synth::Summary)> {
    let out = DirOutput::create(dir, opts.service).with_context(|| {
        format!(
            "--out {}: cannot create the output directory",
            dir.display()
        )
    })?;
    let manifest_path = out.manifest_path().to_path_buf();
    let mut watched = Watched { out, on_object };
    let summary = synth::generate(opts, &mut watched)
        .with_context(|| format!("writing under {}", dir.display()))?;
    watched
        .out
        .finish()
        .with_context(|| format!("writing {}", manifest_path.display()))?;
    Ok((manifest_path, summary))
}

/// The records of `o` that count toward `--records`: those of the regular log objects (bad-data
/// objects come on top, digests hold none).
pub fn requested_records(o: &ObjectEntry) -> u64 {
    match (o.kind, o.content) {
        (ObjectKind::Log, Content::Ok) => o.record_count,
        _ => 0,
    }
}

/// A [`DirOutput`] that shows each manifest object entry to a callback.
struct Watched<'a> {
    out: DirOutput,
    on_object: &'a mut dyn FnMut(&ObjectEntry),
}

impl Output for Watched<'_> {
    fn put_object(
        &mut self,
        key: &str,
        body: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.out.put_object(key, body)
    }

    fn manifest_line(&mut self, line: &ManifestLine) -> std::io::Result<()> {
        self.out.manifest_line(line)?;
        if let ManifestLine::Object(o) = line {
            (self.on_object)(o);
        }
        Ok(())
    }
}

/// `simulate --stack NAME`: generate with the stack's account and bucket, then upload.
async fn run_replay(args: &SimulateArgs) -> anyhow::Result<()> {
    let stack = args.stack.as_deref().expect("checked by run");
    let mut opts = args.gen_options();
    opts.validate()?;
    let target_args = deployer::cli::TargetArgs {
        aws: args.aws,
        profile: args.profile.clone(),
        region: args.aws.then(|| args.region.clone()),
        yes: args.yes,
        endpoint: args.endpoint.clone(),
    };
    let target = deployer::cli::resolve_target(&target_args)?;
    let config = deployer::sdk_config(&target).await;
    deployer::cli::confirm(
        &config,
        &target,
        &target_args,
        &format!(
            "upload simulated {} logs for stack {stack}",
            opts.service.slug()
        ),
    )
    .await?;
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let dest = crate::replay::target_from_stack(&cfn, stack, opts.service).await?;
    opts.account_id = dest.account.clone();
    opts.bucket = dest.bucket.clone();
    if !opts.service.default_key_prefix().is_empty() {
        // Under the stack's key prefix, where the load balancer (or flow log) writes.
        opts.key_prefix = dest.key_prefix().to_string();
    }
    if let Some(region) = config.region() {
        opts.region = region.to_string();
    }
    let dir = match &args.out {
        Some(d) => d.clone(),
        None => harness::project_target_dir().join("replay").join(format!(
            "{stack}-{}-{}",
            opts.service.slug(),
            opts.seed
        )),
    };
    if args.out.is_none() && dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    let manifest_path = generate_into(&opts, &dir)?;
    let manifest = crate::synth::manifest::Manifest::read(&manifest_path)?;
    let objects: Vec<(String, PathBuf)> = manifest
        .objects
        .iter()
        .map(|o| (o.key.clone(), dir.join(&o.key)))
        .collect();
    let s3 = crate::replay::s3_client(&config);
    let upload = crate::replay::UploadOptions {
        concurrency: args.concurrency as usize,
        objects_per_second: args.upload_rate,
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        ..Default::default()
    };
    let stats = crate::replay::upload_objects(&s3, &dest.bucket, objects, &upload).await?;
    println!(
        "replay {} -> s3://{}/{} ({}): {} objects ({} multipart), {} bytes in {:.1} s, {:.1} objects/s",
        opts.service.slug(),
        dest.bucket,
        dest.prefix,
        target.describe(),
        stats.objects,
        stats.multipart_objects,
        stats.bytes,
        stats.seconds,
        stats.objects as f64 / stats.seconds.max(1e-9)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrap {
        #[command(flatten)]
        args: SimulateArgs,
    }

    fn parse(args: &[&str]) -> Result<SimulateArgs, clap::Error> {
        Wrap::try_parse_from(std::iter::once("simulate").chain(args.iter().copied()))
            .map(|w| w.args)
    }

    #[test]
    fn bad_flags_name_flag_value_and_fix() {
        let e = parse(&["--service", "vpc", "--records", "0", "--out", "x"])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("'0'") && e.contains("--records") && e.contains("--records 2000"),
            "{e}"
        );
        let e = parse(&["--service", "s3", "--records", "5", "--out", "x"])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("s3") && e.contains("--service") && e.contains("cloudtrail"),
            "{e}"
        );
        let e = parse(&[
            "--service",
            "vpc",
            "--records",
            "5",
            "--account-id",
            "42",
            "--out",
            "x",
        ])
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("'42'") && e.contains("--account-id") && e.contains("12 digits"),
            "{e}"
        );
        let e = parse(&[
            "--service",
            "vpc",
            "--records",
            "5",
            "--bad-data",
            "weird",
            "--out",
            "x",
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("weird") && e.contains("truncated-gzip"), "{e}");
        let e = parse(&[
            "--service",
            "vpc",
            "--records",
            "5",
            "--vpc-fields",
            "version end version",
            "--out",
            "x",
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("twice"), "{e}");
        assert!(
            parse(&["--service", "vpc", "--records", "5"]).is_err(),
            "a destination is required"
        );
    }

    #[test]
    fn a_stack_that_cannot_be_read_stops_the_replay_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let a = parse(&[
            "--service",
            "vpc",
            "--records",
            "5",
            "--stack",
            "prod",
            "--endpoint",
            "http://127.0.0.1:9",
            "--out",
            target.to_str().unwrap(),
        ])
        .unwrap();
        let e = format!("{:#}", run(&a).unwrap_err());
        assert!(
            e.contains("stack prod") && e.contains("deploy it first"),
            "{e}"
        );
        assert!(!target.exists());
    }

    #[test]
    fn out_writes_objects_and_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().to_str().unwrap();
        let a = parse(&[
            "--service",
            "vpc",
            "--records",
            "300",
            "--seed",
            "7",
            "--out",
            out,
            "--bad-data",
            "empty,not-gzip",
            "--vpc-format",
            "all-fields",
            "--hourly-partitions",
        ])
        .unwrap();
        assert_eq!(
            a.gen_options().bad_data,
            vec![BadDataKind::NotGzip, BadDataKind::Empty]
        );
        run(&a).unwrap();
        let m = synth::manifest::Manifest::read(&dir.path().join("manifest-vpc.jsonl")).unwrap();
        assert_eq!(m.run.seed, 7);
        assert_eq!(
            m.run.options["vpc_fields"]
                .as_str()
                .unwrap()
                .split(' ')
                .count(),
            40
        );
        for o in &m.objects {
            let data = std::fs::read(dir.path().join(&o.key)).unwrap();
            assert_eq!(synth::sha256_hex(&data), o.sha256);
            assert!(
                o.key.contains("/vpcflowlogs/us-east-1/2026/03/01/00/"),
                "{}",
                o.key
            );
        }
        assert!(m.objects.len() >= 3);
        assert_eq!(m.expected_records().count(), 300);
        assert_eq!(m.totals.unwrap().records, 300);
    }

    #[test]
    fn generate_watched_shows_every_object_once_as_the_manifest_lists_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = GenOptions::new(DataType::CloudTrail, 250, 3);
        opts.bad_data = vec![BadDataKind::MalformedLines, BadDataKind::Empty];
        let mut seen = Vec::new();
        let (path, summary) =
            generate_watched(&opts, dir.path(), &mut |o| seen.push(o.clone())).unwrap();
        let m = synth::manifest::Manifest::read(&path).unwrap();
        assert_eq!(seen, m.objects);
        assert_eq!(seen.len() as u64, summary.totals.objects);
        // The regular log objects hold exactly the records asked for (bad data comes on top).
        let regular: u64 = seen.iter().map(requested_records).sum();
        assert_eq!(regular, 250);
        assert!(seen
            .iter()
            .any(|o| o.record_count > 0 && requested_records(o) == 0));
    }
}
