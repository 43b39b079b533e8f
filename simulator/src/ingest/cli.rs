//! `simulator serve-ingestion`.

use std::path::PathBuf;

use anyhow::Result;

use super::entra::{Client, Cloud, EntraConfig, DEFAULT_TENANT};
use super::faults::{Faults, Latency};
use super::handler::MAX_BODY_BYTES;
use super::schema::STREAM_NAMES;
use super::server::{serve, validate_dcr_id, Auth, Config};

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
        Err("must not be empty (use --accept-any-token to accept any bearer token)".into())
    } else {
        Ok(s.to_string())
    }
}

fn granted(s: &str) -> Result<Client, String> {
    Client::parse(s, true)
}

fn not_granted(s: &str) -> Result<Client, String> {
    Client::parse(s, false)
}

fn lifetime(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("must be a whole number of seconds above 0 (e.g. 3600)".into()),
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
    /// Serve plain HTTP instead of HTTPS (Microsoft's SDK refuses bearer tokens over HTTP).
    #[arg(long)]
    pub http: bool,
    /// Where to write the PEM of the CA that signs the HTTPS certificate (clients trust it:
    /// `curl --cacert FILE`, `connection_verify=FILE`).
    #[arg(
        long = "ca-out",
        value_name = "FILE",
        default_value = "mock-ingestion-ca.pem"
    )]
    pub ca_out: PathBuf,
    /// An app registration of the mock Entra ID that may ingest, `CLIENT_ID:SECRET`
    /// (repeatable; default: one made up and printed).
    #[arg(long = "client", value_name = "ID:SECRET", value_parser = granted)]
    pub clients: Vec<Client>,
    /// An app registration whose tokens are valid but may not ingest into the DCR (403).
    #[arg(long = "client-without-access", value_name = "ID:SECRET", value_parser = not_granted)]
    pub clients_without_access: Vec<Client>,
    /// Tenant ID of the mock Entra ID (the token URL is `{base}/{tenant}/oauth2/v2.0/token`).
    #[arg(long, default_value = DEFAULT_TENANT)]
    pub tenant: String,
    /// The cloud whose Azure Monitor audience tokens carry (the scope clients ask for:
    /// `https://monitor.azure.com//.default` or `https://monitor.azure.us//.default`).
    #[arg(long, value_enum, default_value_t = Cloud::Commercial)]
    pub cloud: Cloud,
    /// Lifetime of the issued tokens, seconds.
    #[arg(long = "token-lifetime", value_name = "SECONDS", default_value_t = 3600, value_parser = lifetime)]
    pub token_lifetime: u64,
    /// Require exactly this bearer token instead of the mock Entra ID's.
    #[arg(long, value_parser = token, conflicts_with_all = ["clients", "clients_without_access", "accept_any_token"])]
    pub token: Option<String>,
    /// Accept any non-empty bearer token (no Entra ID).
    #[arg(long = "accept-any-token", conflicts_with_all = ["clients", "clients_without_access"])]
    pub accept_any_token: bool,
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
        let auth = if let Some(t) = &self.token {
            Auth::Static(t.clone())
        } else if self.accept_any_token {
            Auth::AnyToken
        } else {
            let mut clients = self.clients.clone();
            if clients.is_empty() {
                clients.push(Client {
                    id: "sentinel-connector".into(),
                    secret: format!("{:032x}", rand::random::<u128>()),
                    may_ingest: true,
                });
            }
            clients.extend(self.clients_without_access.iter().cloned());
            Auth::Entra(EntraConfig {
                tenant: self.tenant.clone(),
                cloud: self.cloud,
                clients,
                token_lifetime: std::time::Duration::from_secs(self.token_lifetime),
            })
        };
        Ok(Config {
            port: self.port,
            db: Some(self.db.clone()),
            auth,
            https: !self.http,
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
    let auth = config.auth.clone();
    let server = serve(config).await?;
    let stats = server.stats();
    if let Some(pem) = server.ca_pem() {
        write_ca(&args.ca_out, pem)?;
    }
    println!("mock Logs Ingestion API listening on {}", server.base_url());
    if server.ca_pem().is_some() {
        println!("TLS: trust the CA in {}", args.ca_out.display());
    } else {
        println!("TLS: none (--http)");
    }
    match &auth {
        Auth::Entra(e) => {
            println!(
                "Entra ID (mock): authority {}, tenant {}, scope {}",
                server.base_url(),
                e.tenant,
                e.cloud.scope()
            );
            println!(
                "  token URL: {}/{}/oauth2/v2.0/token (tokens live {} s)",
                server.base_url(),
                e.tenant,
                e.token_lifetime.as_secs()
            );
            for c in &e.clients {
                println!(
                    "  client {} secret {}{}",
                    c.id,
                    c.secret,
                    if c.may_ingest {
                        ""
                    } else {
                        " (may not ingest: 403)"
                    }
                );
            }
        }
        Auth::Static(_) => println!("auth: the --token bearer token only"),
        Auth::AnyToken => println!("auth: any non-empty bearer token (--accept-any-token)"),
    }
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

/// Writes the CA PEM to `path` whole or not at all (a temporary file renamed into place).
fn write_ca(path: &std::path::Path, pem: &str) -> Result<()> {
    use anyhow::Context;
    let tmp = path.with_extension("pem.tmp");
    std::fs::write(&tmp, pem)
        .with_context(|| format!("--ca-out {}: writing the CA certificate", path.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("--ca-out {}: writing the CA certificate", path.display()))?;
    Ok(())
}
