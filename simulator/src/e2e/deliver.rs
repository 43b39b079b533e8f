//! Delivery in the services' place: every service's logs generated and written where the
//! service writes them (one account's bucket, or each member's prefix in an organization's
//! archive), as that service's writer, with the expected rows recorded for the check.

use super::checkdb::CheckDb;
use super::{accounts, check, eks, enforce, stacks, DrainBars, E2eArgs};
use crate::synth::manifest::{ManifestLine, ManifestLines};
use crate::synth::{writes_objects, BadDataKind, GenOptions};
use anyhow::{Context, Result};
use catalogue::DataType;
use check::Expected;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How a data type's records reach S3 in this run.
pub(super) fn delivery_text(s: DataType) -> &'static str {
    match s {
        DataType::Vpc => {
            "simulator wrote flow-log objects (LocalStack mocks EC2 flow-log delivery)"
        }
        DataType::GuardDuty => "simulator wrote finding exports (LocalStack mocks GuardDuty)",
        DataType::CloudTrail => {
            "simulator wrote trail files and digests (LocalStack mocks CloudTrail)"
        }
        DataType::CloudWatch => "simulator wrote the Firehose transform's CSV objects",
        DataType::Eks => "CloudWatch Logs -> subscription -> Firehose -> Lambda -> S3, for real",
        DataType::Route53 => {
            "simulator wrote Resolver query log objects (the stack gets no VpcIds, so it creates no query logging configuration)"
        }
        DataType::NetworkFirewallFlow
        | DataType::NetworkFirewallAlert
        | DataType::NetworkFirewallTls => {
            "simulator wrote the firewall's log files (LocalStack has no Network Firewall; the stack's logging configuration needs a FirewallArn)"
        }
        DataType::Waf => {
            "simulator wrote web ACL log files as the log-delivery service does (the stack creates no WAF logging configuration without a WebAclArn)"
        }
        DataType::S3Access => {
            "simulator wrote server access log objects of the watched buckets (LocalStack does not deliver server access logs)"
        }
        DataType::SecurityHub => {
            "simulator wrote the Firehose stream's objects (one EventBridge event per line; the rule and stream are deployed)"
        }
        DataType::CloudFront => {
            "simulator wrote standard-log objects where the v2 delivery writes them (LocalStack has no CloudFront distribution to deliver from)"
        }
        DataType::ElbAlb | DataType::ElbNlb => {
            "simulator wrote access log files as Elastic Load Balancing does (the stack cannot set an existing load balancer's access-log attributes; it outputs the command)"
        }
        DataType::ElbNlbFlow | DataType::ElbGwlbFlow => {
            "simulator wrote the load balancer interfaces' flow log objects (LocalStack mocks flow-log delivery; the stack outputs the create-flow-logs command)"
        }
    }
}

/// Generates every service's logs and delivers them where the service delivers them; the
/// expected rows go to `check_db`. In an organization run (`org`), each member account's logs
/// of each service, written into the archive as that member's service writes them; the
/// records each account was given are returned per service.
#[allow(clippy::too_many_arguments)]
pub(super) async fn deliver(
    args: &E2eArgs,
    services: &[DataType],
    deployed: &[stacks::Deployed],
    eks_stack: Option<&eks::EksStack>,
    config: &aws_config::SdkConfig,
    s3: &aws_sdk_s3::Client,
    run_dir: &Path,
    check_db: &CheckDb,
    progress: &crate::progress::Progress,
    bars: &DrainBars,
    enforcement: &enforce::Enforcement,
    org: Option<&(accounts::Org, accounts::Archive)>,
) -> Result<Delivered> {
    let mut expected = BTreeMap::new();
    let mut per_account: BTreeMap<DataType, Vec<accounts::AccountCount>> = BTreeMap::new();
    let writes = enforcement.writes();
    for s in services {
        if !writes_objects(*s) {
            continue;
        }
        let svc = *s;
        let stack = stacks::of(deployed, svc)?;
        let members: Vec<Option<usize>> = match org {
            Some((o, _)) => (0..o.members.len()).map(Some).collect(),
            None => vec![None],
        };
        let mut exp = Expected::default();
        for member in members {
            let mut opts = GenOptions::new(svc, args.records, args.seed);
            opts.region = deployer::LOCALSTACK_REGION.to_string();
            let (bucket, writer, dir, what) = match (org, member) {
                (Some((o, archive)), Some(i)) => {
                    // Each member its own records (its own seed) under its own account ID.
                    let account = o.members[i].clone();
                    opts.account_id = account.clone();
                    opts.bucket = archive.bucket.clone();
                    opts.seed = args.seed.wrapping_add(1000 * (i as u64 + 1));
                    let kms = (svc == DataType::GuardDuty).then(|| archive.key_arn.clone());
                    let writer = crate::access::writes::Writer::service(
                        svc,
                        &enforcement.at,
                        o.source_arn(svc, &account),
                        kms,
                    )
                    .with_context(|| format!("{svc} objects are not written by their service"))?;
                    let dir = run_dir.join(svc.slug()).join(&account);
                    (
                        archive.bucket.clone(),
                        writer,
                        dir,
                        format!("{} of {account}", svc.slug()),
                    )
                }
                _ => {
                    let target =
                        crate::replay::target_from_outputs(&stack.name, &stack.outputs, svc)?;
                    opts.account_id = target.account.clone();
                    opts.bucket = target.bucket.clone();
                    one_account_options(&mut opts, args, &stack.name, &target)?;
                    let writer = enforcement.writer(*s, stack)?;
                    (
                        target.bucket.clone(),
                        writer,
                        run_dir.join(svc.slug()),
                        svc.slug().to_string(),
                    )
                }
            };
            if args.bad_data {
                opts.bad_data = vec![
                    BadDataKind::MalformedLines,
                    BadDataKind::TruncatedGzip,
                    BadDataKind::NotGzip,
                    BadDataKind::Empty,
                ];
            }
            opts.validate()?;
            let mut phase = progress.phase(
                format!("generate {what}"),
                format!("{} records", args.records),
            );
            let bar = phase.bar(&format!("generate {what}"), args.records, "records");
            let (manifest_path, summary) =
                crate::simulate::generate_watched(&opts, &dir, &mut |o| {
                    bar.inc(crate::simulate::requested_records(o))
                })?;
            let t = &summary.totals;
            phase.finish(format_args!(
                "{} objects ({} to ingest), {} records, {} bytes gzip",
                t.objects, t.objects_to_ingest, t.records, t.bytes
            ));
            // Objects the connector must finish: those its queues hear of (digests are filtered
            // out by the notification), except the ones that end in the dead-letter queue.
            let mut to_finish = 0u64;
            let records_before = exp.records;
            let mut objects: Vec<(String, PathBuf)> = Vec::new();
            check_db.begin()?;
            for line in ManifestLines::open(&manifest_path)? {
                if let ManifestLine::Object(mut o) = line? {
                    let local = dir.join(&o.key);
                    if let Some((org, _)) = org {
                        o.key = org.archive_key(svc, &o.key)?;
                    }
                    exp.add_object(check_db, s.slug(), &o)?;
                    if o.ingest && !check::must_dead_letter(o.content) {
                        to_finish += 1;
                    }
                    objects.push((o.key.clone(), local));
                }
            }
            check_db.commit()?;
            bars.expect(to_finish, exp.records - records_before);
            if org.is_some() {
                per_account
                    .entry(svc)
                    .or_default()
                    .push(accounts::AccountCount {
                        account: opts.account_id.clone(),
                        generated: exp.records - records_before,
                        ingested: 0,
                    });
            }
            // Written as the service writes them: what AWS would refuse is not written.
            let mut refused = writes.before_delivery(&writer, &bucket);
            if refused.is_empty() {
                objects.retain(|(key, _)| match writes.put_object(&writer, &bucket, key) {
                    Ok(()) => {
                        writes.notify(&bucket, key);
                        true
                    }
                    Err(d) => {
                        refused.push(*d);
                        false
                    }
                });
            } else {
                objects.clear();
            }
            if let Some(d) = refused.first() {
                crate::progress::eprintln(format_args!(
                    "e2e: {}: {} writes refused, not written; the first: {}",
                    s.short_label(),
                    refused.len(),
                    d.message()
                ));
            }
            // GuardDuty encrypts its exports with its key (the bucket policy denies other writes).
            let upload = crate::replay::UploadOptions {
                sse_kms_key_id: writer.kms_key_arn().map(str::to_string),
                ..Default::default()
            };
            let mut phase = progress.phase(
                format!("upload {what}"),
                format!("{} objects", objects.len()),
            );
            let bar = phase.bar(&format!("upload {what}"), objects.len() as u64, "objects");
            let up =
                crate::replay::upload_objects_with(s3, &bucket, objects, &upload, &bar).await?;
            check_db.begin()?;
            for (key, at) in &up.written_ms {
                check_db.written(s.slug(), key, *at)?;
            }
            check_db.commit()?;
            phase.finish(format_args!("{} objects, {} bytes", up.objects, up.bytes));
        }
        expected.insert(*s, exp);
    }
    if let Some(stack) = eks_stack {
        let e = eks::deliver(config, stack, args, check_db, progress, &enforcement.eks()?).await?;
        bars.expect(e.objects, e.records);
        expected.insert(DataType::Eks, e);
    }
    Ok(Delivered {
        expected,
        per_account,
    })
}

/// What [`deliver`] delivered: each service's expected rows, and in an organization run the
/// records each member account was given.
pub(super) struct Delivered {
    pub(super) expected: BTreeMap<DataType, Expected>,
    pub(super) per_account: BTreeMap<DataType, Vec<accounts::AccountCount>>,
}

/// A one-account run's options that follow from the stack's outputs (`target`).
fn one_account_options(
    opts: &mut GenOptions,
    args: &E2eArgs,
    stack_name: &str,
    target: &crate::replay::ReplayTarget,
) -> Result<()> {
    let svc = opts.service;
    if svc == DataType::S3Access {
        // S3 writes under the target prefix, then the account and Region (the notified
        // prefix), for the buckets the stack was given.
        let tail = format!("{}/{}/", target.account, opts.region);
        opts.access_log_prefix = target
            .prefix
            .strip_suffix(&tail)
            .with_context(|| {
                format!(
                    "stack {}: notification prefix {} does not end in {tail}",
                    stack_name, target.prefix
                )
            })?
            .to_string();
        opts.watched_buckets = stacks::watched_buckets(args.seed);
    }
    if !svc.default_key_prefix().is_empty() {
        // The load balancer (or flow log) writes under the stack's key prefix.
        opts.key_prefix = target.key_prefix().to_string();
    }
    Ok(())
}
