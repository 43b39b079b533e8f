//! The HTTP server: axum routes on a hand-written hyper accept loop (so an
//! injected "dropped connection" can really close the socket without a
//! response, and shutdown is graceful).

use std::collections::BTreeMap;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use axum::body::Body;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

use super::faults::{Decider, Faults, Outcome};
use super::schema::{self, check_row, check_row_text, streams, StreamDecl, STREAM_NAMES};
use super::store::{NewRow, Store, StoredRow};
use crate::tables::format_datetime_ms;

/// The only `api-version` accepted.
pub const API_VERSION: &str = "2023-01-01";

/// Largest request body, before and after gzip decoding: 1 MiB
/// (1,048,576 bytes; the service documents "1 MB").
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Bodies larger than the limit are still read (and discarded) up to this
/// size, so the client sees the 413 instead of a reset while it is writing.
const DRAIN_LIMIT: usize = 64 << 20;

/// Default of [`Config::shutdown_grace`].
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// At most this many problems are listed in a 400's `details`.
const MAX_DETAILS: usize = 20;

/// How to run the mock.
#[derive(Debug, Clone)]
pub struct Config {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// SQLite file (created if missing); `None` keeps rows in memory only.
    pub db: Option<PathBuf>,
    /// The bearer token required; `None` accepts any non-empty token.
    pub token: Option<String>,
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
            token: None,
            dcr_id: None,
            faults: Faults::default(),
            max_body_bytes: MAX_BODY_BYTES,
            shutdown_grace: SHUTDOWN_GRACE,
        }
    }
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
}

struct AppState {
    dcr_id: String,
    token: Option<String>,
    max_body: usize,
    store: Arc<Mutex<Store>>,
    decider: Mutex<Decider>,
    stats: Mutex<Stats>,
}

impl AppState {
    fn stats(&self) -> std::sync::MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Closes the connection a request came on (set per connection).
#[derive(Clone)]
struct ConnAbort(Arc<Notify>);

/// A running mock; stop it with [`Server::shutdown`] (dropping it also
/// stops it, without waiting).
pub struct Server {
    addr: SocketAddr,
    base_url: String,
    dcr_id: String,
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
    /// `http://127.0.0.1:<port>` (no trailing slash): the "endpoint" of the
    /// Logs Ingestion API.
    pub fn base_url(&self) -> &str {
        &self.base_url
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
        self.state.stats().clone()
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
        let stats = self.state.stats().clone();
        Ok(stats)
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
    let (state, dcr_id) = app_state(config)?;
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{port}"))?;
    let addr = listener.local_addr()?;
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, router(state.clone()), rx, grace));
    Ok(Server {
        addr,
        base_url: format!("http://{addr}"),
        dcr_id,
        state,
        shutdown: tx,
        task,
    })
}

/// The endpoint as a service without a socket (`tower::ServiceExt::oneshot` on it): what
/// [`serve`] runs on each connection, for in-process callers such as the fuzz targets. The
/// `port` and `shutdown_grace` of `config` are not used. Needs a tokio runtime to be called.
pub fn app(config: Config) -> Result<Router> {
    let (state, _) = app_state(config)?;
    Ok(router(state))
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
    if let Some(t) = &config.token {
        if t.is_empty() {
            bail!("the bearer token must not be empty");
        }
    }
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
        token: config.token,
        max_body: config.max_body_bytes,
        store: Arc::new(Mutex::new(store)),
        stats: Mutex::new(Stats {
            seed: decider.seed(),
            ..Stats::default()
        }),
        decider: Mutex::new(decider),
    });
    Ok((state, dcr_id))
}

fn router(state: Arc<AppState>) -> Router {
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
}

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
    grace: Duration,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            res = listener.accept() => match res {
                Ok((tcp, _)) => {
                    conns.spawn(serve_conn(tcp, router.clone(), shutdown.clone()));
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

async fn serve_conn(tcp: TcpStream, router: Router, mut shutdown: watch::Receiver<bool>) {
    let _ = tcp.set_nodelay(true);
    let abort = ConnAbort(Arc::new(Notify::new()));
    let for_requests = abort.clone();
    let svc = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(for_requests.clone());
        router.clone().oneshot(req)
    });
    let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tcp), svc);
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

/// An Azure Core error response with the `x-ms-error-code` header.
fn az_error(
    status: StatusCode,
    code: &str,
    message: impl Into<String>,
    details: Vec<Value>,
) -> Response {
    let mut error = json!({ "code": code, "message": message.into() });
    if !details.is_empty() {
        error["details"] = Value::Array(details);
    }
    let mut resp = (status, Json(json!({ "error": error }))).into_response();
    if let Ok(v) = HeaderValue::from_str(code) {
        resp.headers_mut().insert("x-ms-error-code", v);
    }
    resp
}

fn new_request_id() -> String {
    let n: u128 = rand::rng().random();
    let h = format!("{n:032x}");
    format!(
        "{}-{}-4{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Reads the whole body, keeping at most `cap + 1` bytes; `Ok(None)` when
/// it is larger than `cap`.
async fn read_body(body: Body, cap: usize) -> Result<Option<Vec<u8>>, axum::Error> {
    let mut body = body;
    let mut buf = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        total += data.len();
        if total <= cap {
            buf.extend_from_slice(&data);
        } else if total > DRAIN_LIMIT {
            break;
        }
    }
    Ok((total <= cap).then_some(buf))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn ingest(
    State(st): State<Arc<AppState>>,
    Path((dcr, stream)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    abort: Option<Extension<ConnAbort>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request_id = header_str(&headers, "x-ms-client-request-id")
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(new_request_id);
    st.stats().requests += 1;
    let (delay, outcome) = st
        .decider
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .decide();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut resp = match outcome {
        Outcome::Serve => {
            handle_ingest(&st, &dcr, &stream, query, &headers, body, &request_id).await
        }
        Outcome::Drop => {
            let _ = read_body(body, 0).await;
            st.stats().injected.dropped += 1;
            if let Some(Extension(abort)) = abort {
                abort.0.notify_one();
                // The connection task drops this future with the connection.
                std::future::pending::<()>().await;
            }
            // Only reachable when the router runs without `serve`'s
            // connection loop: the closest behaviour is a bare 500.
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Outcome::Throttle => {
            let _ = read_body(body, 0).await;
            st.stats().injected.throttled += 1;
            let secs = st
                .decider
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .faults()
                .retry_after_secs;
            let mut r = az_error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                format!("Request rate is too high (injected fault); retry after {secs} s."),
                Vec::new(),
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            r
        }
        Outcome::ServerError => {
            let _ = read_body(body, 0).await;
            st.stats().injected.server_error += 1;
            az_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                "An internal error occurred (injected fault).",
                Vec::new(),
            )
        }
        Outcome::Unavailable => {
            let _ = read_body(body, 0).await;
            st.stats().injected.unavailable += 1;
            az_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "The service is temporarily unavailable (injected fault).",
                Vec::new(),
            )
        }
    };
    *st.stats()
        .by_status
        .entry(resp.status().as_u16())
        .or_default() += 1;
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        h.insert("x-ms-client-request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&new_request_id()) {
        h.insert("x-ms-request-id", v);
    }
    resp
}

/// Everything about an ingestion request but the faults.
async fn handle_ingest(
    st: &Arc<AppState>,
    dcr: &str,
    stream: &str,
    query: Option<String>,
    headers: &HeaderMap,
    body: Body,
    request_id: &str,
) -> Response {
    // Headers first; the body is always read, so the client sees the answer.
    let early = check_headers(st, dcr, stream, query.as_deref(), headers);
    let raw = match read_body(body, st.max_body).await {
        Ok(r) => r,
        Err(e) => {
            return az_error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestBody",
                format!("The request body could not be read: {e}"),
                Vec::new(),
            )
        }
    };
    let gzip = match early {
        Err(resp) => return resp,
        Ok(gzip) => gzip,
    };
    let Some(raw) = raw else {
        return too_large(
            st.max_body,
            if gzip { "compressed" } else { "uncompressed" },
        );
    };
    let decl = schema::stream(stream).expect("checked by check_headers");
    let st2 = st.clone();
    let request_id = request_id.to_string();
    tokio::task::spawn_blocking(move || accept_body(&st2, decl, raw, gzip, &request_id))
        .await
        .unwrap_or_else(|e| {
            az_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                format!("The request handler failed: {e}"),
                Vec::new(),
            )
        })
}

fn too_large(max: usize, what: &str) -> Response {
    az_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "ContentLengthLimitExceeded",
        format!("The {what} request body is larger than the limit of {max} bytes."),
        Vec::new(),
    )
}

/// Auth, api-version, DCR and stream, content type and encoding; `Ok(gzip)`.
// The error is the response to send; it is built once per failed request.
#[allow(clippy::result_large_err)]
fn check_headers(
    st: &AppState,
    dcr: &str,
    stream: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<bool, Response> {
    let token = header_str(headers, "authorization").and_then(|v| {
        let (scheme, rest) = v.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    });
    let auth_ok = match (token, &st.token) {
        (None, _) | (Some(""), _) => false,
        (Some(t), Some(want)) => t == want,
        (Some(_), None) => true,
    };
    if !auth_ok {
        let mut r = az_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            if token.is_none_or(str::is_empty) {
                "An 'Authorization: Bearer <token>' header is required."
            } else {
                "The access token is invalid."
            },
            Vec::new(),
        );
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return Err(r);
    }
    let version = query.unwrap_or("").split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == "api-version").then_some(v)
    });
    match version {
        None => {
            return Err(az_error(
                StatusCode::BAD_REQUEST,
                "MissingApiVersionParameter",
                format!("The api-version query parameter is required (supported: {API_VERSION})."),
                Vec::new(),
            ))
        }
        Some(v) if v != API_VERSION => {
            return Err(az_error(
                StatusCode::BAD_REQUEST,
                "UnsupportedApiVersion",
                format!("The api-version '{v}' is not supported (supported: {API_VERSION})."),
                Vec::new(),
            ))
        }
        Some(_) => {}
    }
    if dcr != st.dcr_id {
        return Err(az_error(
            StatusCode::NOT_FOUND,
            "DataCollectionRuleNotFound",
            format!("Data collection rule with immutable Id '{dcr}' not found."),
            Vec::new(),
        ));
    }
    if schema::stream(stream).is_none() {
        return Err(az_error(
            StatusCode::NOT_FOUND,
            "InvalidStream",
            format!(
                "Stream '{stream}' is not declared in data collection rule '{dcr}' (streams: {}).",
                STREAM_NAMES.join(", ")
            ),
            Vec::new(),
        ));
    }
    let ctype = header_str(headers, "content-type").unwrap_or("");
    let media = ctype.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/json") {
        return Err(az_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            format!("Content-Type must be application/json, got '{ctype}'."),
            Vec::new(),
        ));
    }
    match header_str(headers, "content-encoding").map(str::trim) {
        None | Some("") => Ok(false),
        Some(e) if e.eq_ignore_ascii_case("identity") => Ok(false),
        Some(e) if e.eq_ignore_ascii_case("gzip") => Ok(true),
        Some(e) => Err(az_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedContentEncoding",
            format!("Content-Encoding '{e}' is not supported (use gzip or none)."),
            Vec::new(),
        )),
    }
}

/// Decodes, parses, validates and stores a body (on a blocking thread).
fn accept_body(
    st: &AppState,
    decl: &'static StreamDecl,
    raw: Vec<u8>,
    gzip: bool,
    request_id: &str,
) -> Response {
    let text = if gzip {
        let mut out = Vec::new();
        let mut dec = flate2::read::MultiGzDecoder::new(&raw[..]).take(st.max_body as u64 + 1);
        if let Err(e) = dec.read_to_end(&mut out) {
            return az_error(
                StatusCode::BAD_REQUEST,
                "InvalidContentEncoding",
                format!("The body is not valid gzip: {e}"),
                Vec::new(),
            );
        }
        if out.len() > st.max_body {
            return too_large(st.max_body, "uncompressed");
        }
        out
    } else {
        raw
    };
    let items: Vec<&RawValue> = match serde_json::from_slice(&text) {
        Ok(v) => v,
        Err(e) => {
            let valid_json = serde_json::from_slice::<serde::de::IgnoredAny>(&text).is_ok();
            let message = if valid_json {
                "The request body must be a JSON array of objects.".to_string()
            } else {
                format!("The request body is not valid JSON: {e}")
            };
            return az_error(
                StatusCode::BAD_REQUEST,
                "InvalidPayload",
                message,
                Vec::new(),
            );
        }
    };
    let mut problems = Vec::new();
    let mut rejected = 0usize;
    let mut oversized = 0u64;
    let mut rows = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if let Some(info) = check_row_text(decl, item.get()) {
            oversized += u64::from(info.oversized_values);
            rows.push((item.get(), info.time_generated));
            continue;
        }
        // Invalid: the slower check says why.
        rejected += 1;
        let before = problems.len();
        // Valid JSON text can still be no `Value`: a number out of range (`3E31400`).
        match serde_json::from_str::<Value>(item.get()) {
            Ok(value) => {
                check_row(decl, i, &value, &mut problems);
            }
            Err(e) => problems.push(schema::RowProblem {
                code: "InvalidRow",
                message: format!("Item {i} is not a usable JSON value: {e}."),
                target: format!("[{i}]"),
            }),
        }
        if problems.len() == before {
            problems.push(schema::RowProblem {
                code: "InvalidRow",
                message: format!("Item {i} does not match the stream declaration."),
                target: format!("[{i}]"),
            });
        }
    }
    if rejected > 0 {
        let details = problems
            .iter()
            .take(MAX_DETAILS)
            .map(|p| serde_json::to_value(p).expect("serialisable"))
            .collect();
        return az_error(
            StatusCode::BAD_REQUEST,
            "InvalidPayload",
            format!(
                "{rejected} of {} rows do not match the declaration of stream '{}' ({} problems; the first {} are listed); nothing was stored.",
                items.len(),
                decl.name,
                problems.len(),
                problems.len().min(MAX_DETAILS)
            ),
            details,
        );
    }
    let received_at = format_datetime_ms(
        (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64,
    );
    let new_rows: Vec<NewRow> = rows
        .iter()
        .map(|(json, tg)| NewRow {
            json,
            time_generated: tg,
        })
        .collect();
    let stored = st.store.lock().unwrap_or_else(|e| e.into_inner()).insert(
        decl.name,
        request_id,
        &received_at,
        &new_rows,
    );
    if let Err(e) = stored {
        return az_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            format!("Storing the rows failed: {e:#}"),
            Vec::new(),
        );
    }
    {
        let mut s = st.stats();
        s.accepted_requests += 1;
        s.accepted_rows += new_rows.len() as u64;
        s.accepted_bytes += text.len() as u64;
        s.oversized_values += oversized;
    }
    StatusCode::NO_CONTENT.into_response()
}

// ---- read API ------------------------------------------------------------

/// Body of `GET /_mock/streams`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamCounts {
    #[serde(rename = "dcrImmutableId")]
    pub dcr_immutable_id: String,
    /// Rows stored per stream.
    pub streams: BTreeMap<String, u64>,
}

/// Body of `GET /_mock/streams/{stream}/rows`.
#[derive(Debug, Serialize)]
pub struct RowsPage {
    pub stream: String,
    pub rows: Vec<StoredRow>,
    /// Pass as `after` for the next page (the last id returned, or the
    /// `after` given when the page is empty).
    pub next_after: i64,
    /// Whether the page was full (more rows may follow).
    pub more: bool,
}

#[derive(Debug, Deserialize)]
struct RowsQuery {
    after: Option<i64>,
    limit: Option<usize>,
}

/// Default and largest page of `GET /_mock/streams/{stream}/rows`.
pub const DEFAULT_PAGE: usize = 1000;
pub const MAX_PAGE: usize = 10_000;

fn internal(e: impl std::fmt::Display) -> Response {
    az_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerError",
        e.to_string(),
        Vec::new(),
    )
}

async fn with_store<T: Send + 'static>(
    st: &Arc<AppState>,
    f: impl FnOnce(&Store) -> Result<T> + Send + 'static,
) -> Result<T, Response> {
    let store = st.store.clone();
    tokio::task::spawn_blocking(move || f(&store.lock().unwrap_or_else(|e| e.into_inner())))
        .await
        .map_err(internal)?
        .map_err(|e| internal(format!("{e:#}")))
}

async fn mock_streams(State(st): State<Arc<AppState>>) -> Response {
    match with_store(&st, |s| s.counts()).await {
        Ok(streams) => Json(StreamCounts {
            dcr_immutable_id: st.dcr_id.clone(),
            streams,
        })
        .into_response(),
        Err(r) => r,
    }
}

async fn mock_rows(
    State(st): State<Arc<AppState>>,
    Path(stream): Path<String>,
    q: Result<Query<RowsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = q else {
        return az_error(
            StatusCode::BAD_REQUEST,
            "InvalidQuery",
            "after must be an integer and limit a positive integer.",
            Vec::new(),
        );
    };
    if schema::stream(&stream).is_none() {
        return az_error(
            StatusCode::NOT_FOUND,
            "InvalidStream",
            format!("Unknown stream '{stream}'."),
            Vec::new(),
        );
    }
    let after = q.after.unwrap_or(0);
    let limit = q.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let s2 = stream.clone();
    match with_store(&st, move |s| s.rows_page(&s2, after, limit)).await {
        Ok(rows) => Json(RowsPage {
            next_after: rows.last().map_or(after, |r| r.id),
            more: rows.len() == limit,
            stream,
            rows,
        })
        .into_response(),
        Err(r) => r,
    }
}

async fn mock_stats(State(st): State<Arc<AppState>>) -> Json<Stats> {
    Json(st.stats().clone())
}

async fn mock_declarations() -> Json<&'static [StreamDecl]> {
    Json(streams())
}
