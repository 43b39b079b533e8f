//! `simulator verify`: the end-to-end check on its own. It compares what a mock Logs Ingestion
//! endpoint (`simulator serve-ingestion`) stored with the manifests `simulator simulate` wrote,
//! whatever carried the logs in between (our connector, another client, a pipeline of yours),
//! and prints the per-service table of `e2e`.
//!
//! Each manifest's expected rows and each table's stored rows (read from the endpoint's read API
//! a page at a time) go, as canonical JSON, into a check database in a temporary directory, and
//! one query per service compares them ([`crate::e2e::checkdb`]), so neither set is held in
//! memory. Only the endpoint is looked at: the objects the manifests mark for the dead-letter
//! queue are counted, not checked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use catalogue::DataType;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::e2e::check::{self, canonical, Expected, ServiceCheck};
use crate::e2e::checkdb::CheckDb;
use crate::ingest::validate_dcr_id;
use crate::synth::manifest::{ManifestLine, ManifestLines};
use crate::tables::{parse_datetime_ms, TableRow};

/// Rows asked for per page of the endpoint's read API (its largest page).
pub const PAGE: usize = crate::ingest::MAX_PAGE;

fn dcr_id(s: &str) -> Result<String, String> {
    validate_dcr_id(s).map(|_| s.to_string())
}

/// Flags of `verify`.
#[derive(Debug, Clone, clap::Args)]
pub struct VerifyArgs {
    /// A directory `simulate --out DIR` wrote (its `manifest-<type>.jsonl` files are read), or
    /// one manifest file (repeatable).
    #[arg(long = "manifest", value_name = "DIR|FILE", required = true)]
    pub manifests: Vec<PathBuf>,
    /// The mock endpoint's base URL, as `serve-ingestion` prints it (`https://127.0.0.1:PORT`).
    #[arg(long, value_name = "URL")]
    pub ingest: String,
    /// The DCR immutable id the endpoint serves (`serve-ingestion` prints it).
    #[arg(long = "dcr-id", value_name = "ID", value_parser = dcr_id)]
    pub dcr_id: String,
    /// The CA to trust for an HTTPS endpoint (`serve-ingestion --ca-out FILE`).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Also write the outcome as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// The outcome (the JSON of `--report`).
#[derive(Debug, Serialize)]
pub struct Verdict {
    /// No service has a missing, duplicated or unexpected row, and each expected some.
    pub ok: bool,
    pub dcr_immutable_id: String,
    /// One per data type of the manifests, in catalogue order.
    pub services: Vec<ServiceCheck>,
    /// Objects of the manifests that must end in a dead-letter queue (not checked here).
    pub dead_letter_objects: BTreeMap<String, u64>,
    /// Rows the endpoint holds in streams no manifest covers (not checked).
    pub unchecked_streams: BTreeMap<String, u64>,
}

/// `GET /_mock/streams`.
#[derive(Deserialize)]
struct Streams {
    #[serde(rename = "dcrImmutableId")]
    dcr_immutable_id: String,
    streams: BTreeMap<String, u64>,
}

/// `GET /_mock/streams/{stream}/rows`.
#[derive(Deserialize)]
struct Page {
    rows: Vec<PageRow>,
    next_after: i64,
    more: bool,
}

#[derive(Deserialize)]
struct PageRow {
    id: i64,
    received_at: String,
    row: Box<RawValue>,
}

/// The manifest files `path` names: itself, or a directory's `manifest-*.jsonl`, sorted.
fn manifest_files(path: &Path) -> Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path).with_context(|| {
        format!(
            "--manifest {}: neither a manifest file nor a directory",
            path.display()
        )
    })?;
    let mut files = Vec::new();
    for e in entries {
        let p = e?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("manifest-") && name.ends_with(".jsonl") && p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    if files.is_empty() {
        bail!(
            "--manifest {}: the directory holds no manifest-<type>.jsonl; give the --out directory of `simulator simulate` or a manifest file",
            path.display()
        );
    }
    Ok(files)
}

/// A directory removed when dropped (the check database lives there).
struct WorkDir(PathBuf);

impl WorkDir {
    fn create() -> Result<WorkDir> {
        let base = std::env::temp_dir();
        for n in 0..1000u32 {
            let dir = base.join(format!("sentinel-verify-{}-{n}", std::process::id()));
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(WorkDir(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(e).with_context(|| format!("creating {}", dir.display()));
                }
            }
        }
        bail!("no free work directory under {}", base.display())
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Reads every manifest into `db`: the expected rows of each data type.
fn read_manifests(db: &CheckDb, paths: &[PathBuf]) -> Result<BTreeMap<DataType, Expected>> {
    let mut expected: BTreeMap<DataType, Expected> = BTreeMap::new();
    let mut seen_keys: BTreeMap<DataType, std::collections::BTreeSet<String>> = BTreeMap::new();
    for path in paths {
        for file in manifest_files(path)? {
            let mut lines = ManifestLines::open(&file)?;
            let service = match lines.next().transpose()? {
                Some(ManifestLine::Run(run)) => run.service,
                _ => bail!(
                    "{}: the first line is not the run line of a `simulator simulate` manifest",
                    file.display()
                ),
            };
            if !expected.contains_key(&service) {
                db.add_service(service.slug())?;
            }
            let exp = expected.entry(service).or_default();
            let keys = seen_keys.entry(service).or_default();
            db.begin()?;
            for line in lines {
                if let ManifestLine::Object(o) = line? {
                    if !keys.insert(o.key.clone()) {
                        bail!(
                            "{}: object {} is in another manifest too; verify each run's manifests against its own endpoint store",
                            file.display(),
                            o.key
                        );
                    }
                    exp.add_object(db, service.slug(), &o)?;
                }
            }
            db.commit()?;
        }
    }
    Ok(expected)
}

async fn get_json<T: serde::de::DeserializeOwned>(
    http: &connector::http::HttpClient,
    url: &str,
) -> Result<T> {
    let (status, body) = connector::http::get(http, url).await?;
    if status != 200 {
        bail!(
            "GET {url}: HTTP {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    serde_json::from_slice(&body).with_context(|| format!("GET {url}: not the mock's read API"))
}

/// The check, reading the endpoint's rows `page` at a time.
pub async fn verify(args: &VerifyArgs, page: usize) -> Result<Verdict> {
    let ca_pem = match &args.ca {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .with_context(|| format!("--ca {}: reading the CA file", p.display()))?,
        ),
        None => None,
    };
    let http =
        connector::http::client(ca_pem.as_deref()).map_err(|e| anyhow::anyhow!("--ca: {e}"))?;
    let base = args.ingest.trim_end_matches('/');
    let streams: Streams = get_json(&http, &format!("{base}/_mock/streams"))
        .await
        .with_context(|| {
            let hint = if args.ca.is_none() && base.starts_with("https://") {
                " (for serve-ingestion's own certificate, give --ca with the file its --ca-out wrote)"
            } else {
                ""
            };
            format!("--ingest {}: reading the endpoint{hint}", args.ingest)
        })?;
    if streams.dcr_immutable_id != args.dcr_id {
        bail!(
            "--dcr-id {}: the endpoint at {} serves DCR {} (serve-ingestion prints its DCR immutable id)",
            args.dcr_id,
            args.ingest,
            streams.dcr_immutable_id
        );
    }
    let work = WorkDir::create()?;
    let db = CheckDb::create(&work.0.join("check.db"))?;
    let expected = read_manifests(&db, &args.manifests)?;

    let mut services = Vec::new();
    let mut dead_letter_objects = BTreeMap::new();
    let mut unchecked = streams.streams.clone();
    for (s, exp) in &expected {
        let table = s.table();
        let stream = table.stream().name;
        unchecked.remove(stream);
        let mut after = 0i64;
        loop {
            let url = format!("{base}/_mock/streams/{stream}/rows?after={after}&limit={page}");
            let p: Page = get_json(&http, &url).await?;
            db.begin()?;
            for r in &p.rows {
                let row = TableRow::from_json(table, r.row.get())
                    .with_context(|| format!("{stream} row {}: not a {table:?} row", r.id))?;
                if !s.owns(&row) {
                    // Another data type's row of a shared table (ELB flow logs).
                    continue;
                }
                let at = parse_datetime_ms(&r.received_at).with_context(|| {
                    format!("{stream} row {}: received_at {}", r.id, r.received_at)
                })?;
                db.got(s.slug(), at, &canonical(&row))?;
            }
            db.commit()?;
            if !p.more || p.next_after == after {
                break;
            }
            after = p.next_after;
        }
        let mut c = check::compare(&db, s.slug(), s.short_label(), table, exp)?;
        // Only the endpoint is looked at: the DLQ is not checked, its objects are counted.
        dead_letter_objects.insert(s.slug().to_string(), c.dlq_expected.len() as u64);
        c.dlq_expected.clear();
        services.push(c);
    }
    unchecked.retain(|_, n| *n > 0);
    Ok(Verdict {
        ok: services.iter().all(ServiceCheck::ok),
        dcr_immutable_id: streams.dcr_immutable_id,
        services,
        dead_letter_objects,
        unchecked_streams: unchecked,
    })
}

/// `simulator verify`: prints the table; `Ok(false)` on any mismatch.
pub fn run(args: &VerifyArgs) -> Result<bool> {
    let rt = tokio::runtime::Runtime::new()?;
    let v = rt.block_on(verify(args, PAGE))?;
    crate::e2e::print_table(&v.services);
    for (slug, n) in &v.dead_letter_objects {
        if *n > 0 {
            println!("  {slug}: {n} objects must be dead-lettered (not checked: verify reads only the endpoint)");
        }
    }
    for (stream, n) in &v.unchecked_streams {
        println!("  {stream}: {n} rows no manifest covers (not checked)");
    }
    if let Some(p) = &args.report {
        std::fs::write(p, serde_json::to_string_pretty(&v)?)
            .with_context(|| format!("--report {}: writing the report", p.display()))?;
        println!("report: {}", p.display());
    }
    Ok(v.ok)
}
