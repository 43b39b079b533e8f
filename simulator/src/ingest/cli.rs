//! `simulator serve-ingestion`.

use std::path::PathBuf;

use anyhow::Result;

use super::faults::{Faults, Latency};
use super::handler::MAX_BODY_BYTES;
use super::schema::STREAM_NAMES;
use super::server::{serve, validate_dcr_id, Config};

fn fraction(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| "must be a fraction between 0 and 1 (e.g. 0.05)".to_string())?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err("must be a fraction between 0 and 1 (e.g. 0.05)".into())
    }
}

fn dcr_id(s: &str) -> Result<String, String> {
    validate_dcr_id(s).map(|_| s.to_string())
}

fn token(s: &str) -> Result<String, String> {
    if s.is_empty() {
        Err("must not be empty (leave the flag out to accept any bearer token)".into())
    } else {
        Ok(s.to_string())
    }
}

/// Flags of `serve-ingestion`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeIngestionArgs {
    /// Port on 127.0.0.1 (0: a free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// SQLite file holding the accepted rows (created if missing; rows
    /// already there are kept).
    #[arg(long, default_value = "mock-ingestion.sqlite3")]
    pub db: PathBuf,
    /// Bearer token to require (default: any non-empty token).
    #[arg(long, value_parser = token)]
    pub token: Option<String>,
    /// DCR immutable id, `dcr-` + 32 hex digits (default: a random one).
    #[arg(long = "dcr-id", value_parser = dcr_id)]
    pub dcr_id: Option<String>,
    /// Fraction of ingestion requests answered 429 with Retry-After.
    #[arg(long = "fault-429", value_name = "FRACTION", default_value_t = 0.0, value_parser = fraction)]
    pub fault_429: f64,
    /// Retry-After seconds of the injected 429s.
    #[arg(long = "retry-after", value_name = "SECONDS", default_value_t = 1)]
    pub retry_after: u64,
    /// Fraction answered 500.
    #[arg(long = "fault-500", value_name = "FRACTION", default_value_t = 0.0, value_parser = fraction)]
    pub fault_500: f64,
    /// Fraction answered 503.
    #[arg(long = "fault-503", value_name = "FRACTION", default_value_t = 0.0, value_parser = fraction)]
    pub fault_503: f64,
    /// Added latency per ingestion request: `50` or a range `20..200` (ms).
    #[arg(long = "latency-ms", value_name = "MS|LOW..HIGH", value_parser = Latency::parse)]
    pub latency_ms: Option<Latency>,
    /// Fraction of requests whose connection is closed without a response.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.0, value_parser = fraction)]
    pub drop: f64,
    /// Seed of the fault decisions (default: random, printed).
    #[arg(long)]
    pub seed: Option<u64>,
}

impl ServeIngestionArgs {
    /// The server configuration these flags describe (validated).
    pub fn config(&self) -> Result<Config> {
        let faults = Faults {
            throttle: self.fault_429,
            retry_after_secs: self.retry_after,
            server_error: self.fault_500,
            unavailable: self.fault_503,
            drop: self.drop,
            latency: self.latency_ms.unwrap_or_default(),
            seed: self.seed,
        };
        faults.validate()?;
        Ok(Config {
            port: self.port,
            db: Some(self.db.clone()),
            token: self.token.clone(),
            dcr_id: self.dcr_id.clone(),
            faults,
            max_body_bytes: MAX_BODY_BYTES,
            ..Config::default()
        })
    }
}

/// Runs the mock until Ctrl-C.
pub async fn run(args: ServeIngestionArgs) -> Result<()> {
    let config = args.config()?;
    let faults = config.faults.clone();
    let server = serve(config).await?;
    let stats = server.stats();
    println!("mock Logs Ingestion API listening on {}", server.base_url());
    println!("DCR immutable id: {}", server.dcr_id());
    println!("store: {}", args.db.display());
    println!("streams:");
    for s in STREAM_NAMES {
        println!("  {}", server.ingest_url(s));
    }
    if faults.any() {
        println!(
            "faults: 429 {} (Retry-After {} s), 500 {}, 503 {}, drop {}, latency {}, seed {}",
            faults.throttle,
            faults.retry_after_secs,
            faults.server_error,
            faults.unavailable,
            faults.drop,
            faults.latency,
            stats.seed
        );
    }
    println!(
        "read API: {0}/_mock/streams  {0}/_mock/stats",
        server.base_url()
    );
    println!("Ctrl-C to stop");
    tokio::signal::ctrl_c().await?;
    let stats = server.shutdown().await?;
    let by_status: Vec<String> = stats
        .by_status
        .iter()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect();
    let i = &stats.injected;
    println!(
        "stopped: {} requests, {} accepted ({} rows); responses by status: {}; injected: 429 {}, 500 {}, 503 {}, dropped {}",
        stats.requests,
        stats.accepted_requests,
        stats.accepted_rows,
        if by_status.is_empty() { "none".to_string() } else { by_status.join(", ") },
        i.throttled,
        i.server_error,
        i.unavailable,
        i.dropped
    );
    Ok(())
}
