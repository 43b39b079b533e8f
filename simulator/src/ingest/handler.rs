//! The ingestion rules of `POST /dataCollectionRules/{dcr}/streams/{stream}`: the headers
//! (api-version, token, content type and encoding), the body (size, gzip, JSON array) and the
//! stream's column checks, answered with Azure's error bodies; and the injected faults.

use std::io::Read;
use std::sync::Arc;

use anyhow::Result;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use http_body_util::BodyExt;
use rand::Rng;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::entra::Refusal;
use super::faults::Outcome;
use super::schema::{self, check_row, check_row_text, StreamDecl, STREAM_NAMES};
use super::server::{AppState, CheckedAuth, ConnAbort};
use super::store::NewRow;
use crate::tables::format_datetime_ms;

/// The only `api-version` accepted.
pub const API_VERSION: &str = "2023-01-01";

/// Largest request: 1 MiB (1,048,576 bytes; the service documents "1 MB" for compressed and
/// uncompressed data). The compressed body is measured whole; the uncompressed data is
/// measured as Microsoft's SDK (azure-monitor-ingestion) measures it when it splits an upload
/// into requests: the JSON text of the rows, summed, without the array's brackets and the
/// separators between rows (so the SDK's full requests, up to 1 MiB of rows plus two bytes
/// per row, are accepted). The decoded body as a whole may be at most twice the limit.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Bodies larger than the limit are still read (and discarded) up to this
/// size, so the client sees the 413 instead of a reset while it is writing.
const DRAIN_LIMIT: usize = 64 << 20;

/// At most this many problems are listed in a 400's `details`.
const MAX_DETAILS: usize = 20;

/// An Azure Core error response with the `x-ms-error-code` header.
pub(super) fn az_error(
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

pub(super) async fn ingest(
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
    // A plain body is the uncompressed data: its framing is measured later.
    let read_cap = if header_str(headers, "content-encoding")
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("gzip"))
    {
        st.max_body
    } else {
        2 * st.max_body
    };
    let raw = match read_body(body, read_cap).await {
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
        return too_large(read_cap, if gzip { "compressed" } else { "uncompressed" });
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
    let missing = || {
        Refusal::Unauthenticated("An 'Authorization: Bearer <token>' header is required.".into())
    };
    let refusal = match (&st.auth, token.filter(|t| !t.is_empty())) {
        (CheckedAuth::Entra(a), t) => a.check(t, &st.dcr_id).err(),
        (_, None) => Some(missing()),
        (CheckedAuth::Static(want), Some(t)) => {
            (t != want).then(|| Refusal::Unauthenticated("The access token is invalid.".into()))
        }
        (CheckedAuth::AnyToken, Some(_)) => None,
    };
    match refusal {
        None => {}
        Some(Refusal::Unauthenticated(message)) => {
            let mut r = az_error(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                message,
                Vec::new(),
            );
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return Err(r);
        }
        Some(Refusal::Forbidden(message)) => {
            return Err(az_error(
                StatusCode::FORBIDDEN,
                "OperationFailed",
                message,
                Vec::new(),
            ))
        }
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
        let cap = 2 * st.max_body;
        let mut dec = flate2::read::MultiGzDecoder::new(&raw[..]).take(cap as u64 + 1);
        if let Err(e) = dec.read_to_end(&mut out) {
            return az_error(
                StatusCode::BAD_REQUEST,
                "InvalidContentEncoding",
                format!("The body is not valid gzip: {e}"),
                Vec::new(),
            );
        }
        if out.len() > cap {
            return too_large(cap, "uncompressed");
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
    let row_bytes: usize = items.iter().map(|i| i.get().len()).sum();
    if row_bytes > st.max_body {
        return az_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "ContentLengthLimitExceeded",
            format!(
                "The rows of the request hold {row_bytes} bytes of JSON, more than the limit of {} bytes.",
                st.max_body
            ),
            Vec::new(),
        );
    }
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
        match catalogue::tables::parse_plain(item.get()) {
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
