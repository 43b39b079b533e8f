//! The HTTP(S) server: axum routes on a hand-written hyper accept loop (so an
//! injected "dropped connection" can really close the socket without a
//! response, and shutdown is graceful), TLS from [`super::tls`] when
//! [`Config::https`] is set, and the mock Entra ID of [`super::entra`] when
//! [`Config::auth`] is [`Auth::Entra`].
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use axum::http::{Request, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rand::Rng;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

use super::entra::{self, Authority, EntraConfig, EntraState};
use super::faults::{Decider, Faults};
use super::handler::{az_error, ingest, API_VERSION, MAX_BODY_BYTES};
use super::read_api::{mock_declarations, mock_rows, mock_stats, mock_streams};
use super::store::Store;
use super::tls::MockCa;

/// Default of [`Config::shutdown_grace`].
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How to run the mock.
#[derive(Debug, Clone)]
pub struct Config {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// SQLite file (created if missing); `None` keeps rows in memory only.
    pub db: Option<PathBuf>,
    /// Which bearer tokens the ingestion endpoint accepts.
    pub auth: Auth,
    /// Serve HTTPS with a certificate of a CA made up at start ([`Server::ca_pem`]).
    pub https: bool,
    /// DCR immutable id (`dcr-` + 32 lower-case hex); `None` makes one up.
    pub dcr_id: Option<String>,
    pub faults: Faults,
    /// Body limit (compressed and uncompressed); [`MAX_BODY_BYTES`] by default.
    pub max_body_bytes: usize,
    /// How long [`Server::shutdown`] waits for requests in flight before it
    /// closes their connections; [`SHUTDOWN_GRACE`] (10 s) by default.
    pub shutdown_grace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 0,
            db: None,
            auth: Auth::AnyToken,
            https: false,
            dcr_id: None,
            faults: Faults::default(),
            max_body_bytes: MAX_BODY_BYTES,
            shutdown_grace: SHUTDOWN_GRACE,
        }
    }
}

/// Which bearer tokens the ingestion endpoint accepts.
#[derive(Debug, Clone)]
pub enum Auth {
    /// Any non-empty token (`serve-ingestion --accept-any-token`; the library default, for
    /// in-process tests of everything but authentication).
    AnyToken,
    /// Exactly this token (`--token`).
    Static(String),
    /// Tokens of the mock Entra ID the server also runs (the `serve-ingestion` default).
    Entra(EntraConfig),
}

/// The checked [`Auth`], as the handlers use it.
pub(super) enum CheckedAuth {
    AnyToken,
    Static(String),
    Entra(Arc<Authority>),
}

/// Checks the `dcr-` + 32 lower-case hex form.
pub fn validate_dcr_id(id: &str) -> Result<(), String> {
    let ok = id.strip_prefix("dcr-").is_some_and(|h| {
        h.len() == 32 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    });
    if ok {
        Ok(())
    } else {
        Err("a DCR immutable id is 'dcr-' followed by 32 lower-case hex digits".into())
    }
}

/// Injected faults, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Injected {
    pub throttled: u64,
    pub server_error: u64,
    pub unavailable: u64,
    pub dropped: u64,
}

/// Counters of ingestion requests (`POST .../streams/...`) by outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Ingestion requests received (each took one fault decision).
    pub requests: u64,
    /// Responses sent, by HTTP status (injected ones included; dropped
    /// connections have none).
    pub by_status: BTreeMap<u16, u64>,
    pub injected: Injected,
    /// Requests accepted (204) and the rows and uncompressed bytes they held.
    pub accepted_requests: u64,
    pub accepted_rows: u64,
    pub accepted_bytes: u64,
    /// Values of accepted rows over 64 KiB, which the real service would
    /// truncate (stored whole here; see [`super::schema::MAX_FIELD_BYTES`]).
    #[serde(default)]
    pub oversized_values: u64,
    /// Seed of the fault decisions.
    pub seed: u64,
    /// Whether the endpoint served HTTPS (with its own CA) rather than plain HTTP.
    #[serde(default)]
    pub https: bool,
    /// Tokens the mock Entra ID issued by client credentials (0 without [`Auth::Entra`]).
    #[serde(default)]
    pub tokens_issued: u64,
}

pub(super) struct AppState {
    pub(super) dcr_id: String,
    pub(super) auth: CheckedAuth,
    pub(super) max_body: usize,
    pub(super) https: bool,
    pub(super) store: Arc<Mutex<Store>>,
    pub(super) decider: Mutex<Decider>,
    pub(super) stats: Mutex<Stats>,
}

impl AppState {
    pub(super) fn stats(&self) -> std::sync::MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of the counters, with the transport and the tokens issued filled in.
    pub(super) fn counters(&self) -> Stats {
        let mut stats = self.stats().clone();
        stats.https = self.https;
        if let CheckedAuth::Entra(a) = &self.auth {
            stats.tokens_issued = a.tokens_issued();
        }
        stats
    }
}

/// Closes the connection a request came on (set per connection).
#[derive(Clone)]
pub(super) struct ConnAbort(pub(super) Arc<Notify>);

/// A running mock; stop it with [`Server::shutdown`] (dropping it also
/// stops it, without waiting).
pub struct Server {
    addr: SocketAddr,
    base_url: String,
    dcr_id: String,
    ca_pem: Option<String>,
    state: Arc<AppState>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("base_url", &self.base_url)
            .field("dcr_id", &self.dcr_id)
            .finish()
    }
}

impl Server {
    /// `https://127.0.0.1:<port>` (`http://` without [`Config::https`]; no trailing slash):
    /// the "endpoint" of the Logs Ingestion API, and the authority host of the mock Entra ID.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The PEM of the CA that signed the server's certificate (with [`Config::https`]).
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The mock Entra ID's tenant (with [`Auth::Entra`]); its token URL is
    /// `{base_url}/{tenant}/oauth2/v2.0/token`.
    pub fn tenant(&self) -> Option<&str> {
        match &self.state.auth {
            CheckedAuth::Entra(a) => Some(a.tenant()),
            _ => None,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The DCR immutable id the mock answers to.
    pub fn dcr_id(&self) -> &str {
        &self.dcr_id
    }

    /// Full ingestion URL of `stream`, `api-version` included.
    pub fn ingest_url(&self, stream: &str) -> String {
        ingest_url(&self.base_url, &self.dcr_id, stream)
    }

    /// Current counters.
    pub fn stats(&self) -> Stats {
        self.state.counters()
    }

    /// A handle on the counters that needs no borrow of the server (for progress bars).
    pub fn stats_handle(&self) -> StatsHandle {
        StatsHandle(Arc::clone(&self.state))
    }

    /// Rows stored per stream so far.
    pub fn counts(&self) -> Result<BTreeMap<String, u64>> {
        self.state
            .store
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .counts()
    }

    /// Stops accepting connections, lets requests in flight finish (for at
    /// most [`Config::shutdown_grace`]), closes idle keep-alive connections and the
    /// store, and returns the final counters.
    pub async fn shutdown(self) -> Result<Stats> {
        let _ = self.shutdown.send(true);
        self.task.await.context("mock ingestion server task")?;
        Ok(self.state.counters())
    }
}

/// The endpoint's counters, readable from another task while the server runs.
#[derive(Clone)]
pub struct StatsHandle(Arc<AppState>);

impl StatsHandle {
    /// Rows accepted so far.
    pub fn accepted_rows(&self) -> u64 {
        self.0.stats().accepted_rows
    }
}

impl std::fmt::Debug for StatsHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatsHandle")
            .field("accepted_rows", &self.accepted_rows())
            .finish()
    }
}

/// `{base}/dataCollectionRules/{dcr}/streams/{stream}?api-version=2023-01-01`.
pub fn ingest_url(base_url: &str, dcr_id: &str, stream: &str) -> String {
    format!(
        "{}/dataCollectionRules/{dcr_id}/streams/{stream}?api-version={API_VERSION}",
        base_url.trim_end_matches('/')
    )
}

/// Starts the mock on 127.0.0.1 on the caller's tokio runtime.
pub async fn serve(config: Config) -> Result<Server> {
    let port = config.port;
    let grace = config.shutdown_grace;
    let ca = if config.https {
        Some(MockCa::generate()?)
    } else {
        None
    };
    let (state, dcr_id) = app_state(config)?;
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{port}"))?;
    let addr = listener.local_addr()?;
    let (tx, rx) = watch::channel(false);
    let tls = ca.as_ref().map(MockCa::acceptor);
    let scheme = if tls.is_some() { "https" } else { "http" };
    let app = router(state.clone(), tls.is_some());
    let task = tokio::spawn(accept_loop(listener, app, tls, rx, grace));
    Ok(Server {
        addr,
        base_url: format!("{scheme}://{addr}"),
        dcr_id,
        ca_pem: ca.map(|c| c.ca_pem().to_string()),
        state,
        shutdown: tx,
        task,
    })
}

/// The endpoint as a service without a socket (`tower::ServiceExt::oneshot` on it): what
/// [`serve`] runs on each connection, for in-process callers such as the fuzz targets. The
/// `port` and `shutdown_grace` of `config` are not used. Needs a tokio runtime to be called.
pub fn app(config: Config) -> Result<Router> {
    let https = config.https;
    let (state, _) = app_state(config)?;
    Ok(router(state, https))
}

/// The checked configuration as the handlers' state, and the DCR id they answer to.
fn app_state(config: Config) -> Result<(Arc<AppState>, String)> {
    config.faults.validate()?;
    let dcr_id = match config.dcr_id {
        Some(id) => {
            validate_dcr_id(&id)
                .map_err(|rule| anyhow::anyhow!("invalid DCR id '{id}': {rule}"))?;
            id
        }
        None => format!("dcr-{:032x}", rand::rng().random::<u128>()),
    };
    let auth = match config.auth {
        Auth::AnyToken => CheckedAuth::AnyToken,
        Auth::Static(t) if t.is_empty() => bail!("the bearer token must not be empty"),
        Auth::Static(t) => CheckedAuth::Static(t),
        Auth::Entra(c) => CheckedAuth::Entra(Arc::new(Authority::new(c)?)),
    };
    if config.max_body_bytes == 0 {
        bail!("max_body_bytes must be positive");
    }
    let store = match &config.db {
        Some(p) => Store::open(p)?,
        None => Store::in_memory()?,
    };
    let decider = Decider::new(config.faults);
    let state = Arc::new(AppState {
        dcr_id: dcr_id.clone(),
        auth,
        max_body: config.max_body_bytes,
        https: config.https,
        store: Arc::new(Mutex::new(store)),
        stats: Mutex::new(Stats {
            seed: decider.seed(),
            ..Stats::default()
        }),
        decider: Mutex::new(decider),
    });
    Ok((state, dcr_id))
}

fn router(state: Arc<AppState>, tls: bool) -> Router {
    let entra_routes = match &state.auth {
        CheckedAuth::Entra(a) => Router::new()
            .route("/{tenant}/oauth2/v2.0/token", post(entra::token))
            .route(
                "/{tenant}/v2.0/.well-known/openid-configuration",
                get(entra::openid_configuration),
            )
            .with_state(EntraState {
                authority: Arc::clone(a),
                tls,
            }),
        _ => Router::new(),
    };
    Router::new()
        .route("/dataCollectionRules/{dcr}/streams/{stream}", post(ingest))
        .route("/_mock/streams", get(mock_streams))
        .route("/_mock/streams/{stream}/rows", get(mock_rows))
        .route("/_mock/stats", get(mock_stats))
        .route("/_mock/declarations", get(mock_declarations))
        .fallback(|| async {
            az_error(
                StatusCode::NOT_FOUND,
                "NotFound",
                "No such resource.",
                Vec::new(),
            )
        })
        .with_state(state)
        .merge(entra_routes)
}

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
    grace: Duration,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            res = listener.accept() => match res {
                Ok((tcp, _)) => {
                    let _ = tcp.set_nodelay(true);
                    let (router, shutdown) = (router.clone(), shutdown.clone());
                    match &tls {
                        None => {
                            conns.spawn(serve_conn(tcp, router, shutdown));
                        }
                        Some(acceptor) => {
                            let acceptor = acceptor.clone();
                            conns.spawn(async move {
                                // A client that does not trust the CA, or speaks plain HTTP,
                                // fails the handshake: its connection is closed.
                                let hs = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp));
                                if let Ok(Ok(tls)) = hs.await {
                                    serve_conn(tls, router, shutdown).await;
                                }
                            });
                        }
                    }
                }
                Err(e) => {
                    // e.g. too many open files: back off instead of spinning.
                    eprintln!("mock ingestion: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = shutdown.changed() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    let drain = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(grace, drain).await.is_err() {
        // A client holding a request open (e.g. a stalled upload) does not
        // keep the server alive forever.
        conns.abort_all();
        while conns.join_next().await.is_some() {}
    }
}

/// How long a TLS handshake may take before the connection is closed.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

async fn serve_conn<I>(io: I, router: Router, mut shutdown: watch::Receiver<bool>)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let abort = ConnAbort(Arc::new(Notify::new()));
    let for_requests = abort.clone();
    let svc = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(for_requests.clone());
        router.clone().oneshot(req)
    });
    let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(io), svc);
    tokio::pin!(conn);
    let mut closing = *shutdown.borrow();
    if closing {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            // Dropping the connection future closes the socket: the client
            // gets no response at all.
            _ = abort.0.notified() => break,
            _ = shutdown.changed(), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
        }
    }
}
