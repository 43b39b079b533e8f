//! The Azure Monitor Logs Ingestion API client ([`IngestClient`], a [`Sink`]): one POST
//! per attempt; and [`send`], which sends a batch to any [`Sink`] with retries for the
//! failures that are worth retrying.
//!
//! `POST {endpoint}/dataCollectionRules/{dcr}/streams/{stream}?api-version=2023-01-01`
//! with `Authorization: Bearer <token>` (the token from the target's [`Credential`]: Entra
//! ID's client-credentials flow, see [`super::auth`]), over TLS verified against the system's
//! roots plus the target's `ca_pem`, `Content-Type: application/json`,
//! optionally `Content-Encoding: gzip`, and an `x-ms-client-request-id`.
//! 204 is success. 429 and 5xx (and 408), connection errors and timeouts
//! are retried, honouring `Retry-After` (`retry-after-ms` / `x-ms-retry-after-ms`
//! too), otherwise after capped exponential backoff with jitter; 400, 401,
//! 403, 404, 413 and other 4xx are not.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use rand::Rng;

use super::auth::{Credential, TokenSource};
use super::ports::{BoxFuture, Sink};

use super::http::HttpClient;

/// The API version of the Logs Ingestion API.
pub const API_VERSION: &str = "2023-01-01";

/// Where rows go.
#[derive(Debug, Clone)]
pub struct IngestTarget {
    /// DCE or DCR logs-ingestion endpoint, e.g.
    /// `https://my-dce-5kyl.eastus-1.ingest.monitor.azure.com` or a mock's
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// DCR immutable id (`dcr-` + 32 hex).
    pub dcr_immutable_id: String,
    /// Where the bearer token comes from.
    pub credential: Credential,
    /// PEM certificates of CAs trusted besides the system's (a mock's CA, a TLS-inspecting
    /// proxy's).
    pub ca_pem: Option<String>,
    /// Send bodies with `Content-Encoding: gzip`.
    pub gzip: bool,
}

/// Retry and timeout settings of one request.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per batch, the first included; then the batch (and its
    /// object) fails and the SQS message is left for redelivery.
    pub max_attempts: u32,
    /// First backoff delay; doubles per attempt.
    pub base_delay: Duration,
    /// Backoff cap (also caps an honoured `Retry-After`, times 10).
    pub max_delay: Duration,
    /// Timeout of one request, response body included.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
        }
    }
}

/// Why a request failed; [`SendError::is_retryable`] classifies it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SendError {
    /// A non-204 answer.
    #[error("HTTP {status}: {body}")]
    Status {
        status: u16,
        retry_after: Option<Duration>,
        body: String,
    },
    /// No answer: connect, TLS or I/O failure.
    #[error("connection error: {0}")]
    Connection(String),
    /// No answer within the request timeout.
    #[error("request timed out after {0:?}")]
    Timeout(Duration),
    /// The request could not even be built (bad endpoint URL).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// No token: Entra ID refused the client, or the token file cannot be read.
    #[error("no access token: {0}")]
    Auth(String),
    /// Retryable failures until the attempts ran out.
    #[error("gave up after {attempts} attempts, last: {last}")]
    Exhausted { attempts: u32, last: Box<SendError> },
}

impl SendError {
    /// True for failures a later attempt may fix: 408, 429, 5xx, no answer.
    pub fn is_retryable(&self) -> bool {
        match self {
            SendError::Status { status, .. } => *status == 408 || *status == 429 || *status >= 500,
            SendError::Connection(_) | SendError::Timeout(_) => true,
            SendError::Invalid(_) | SendError::Auth(_) | SendError::Exhausted { .. } => false,
        }
    }
}

/// Sends batches to one DCR.
#[derive(Clone)]
pub struct IngestClient {
    client: HttpClient,
    target: IngestTarget,
    tokens: TokenSource,
}

impl std::fmt::Debug for IngestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestClient")
            .field("endpoint", &self.target.endpoint)
            .field("dcr", &self.target.dcr_immutable_id)
            .finish()
    }
}

/// A random RFC 4122 version-4 UUID string.
pub fn request_id() -> String {
    let mut b: [u8; 16] = rand::rng().random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

impl IngestClient {
    /// A client for `target` (HTTP, or HTTPS verified against the system's root certificates
    /// and the target's `ca_pem`); an error when `ca_pem` holds no certificate.
    pub fn new(target: IngestTarget) -> Result<Self, SendError> {
        let client = super::http::client(target.ca_pem.as_deref())?;
        let tokens = TokenSource::new(target.credential.clone());
        Ok(IngestClient {
            client,
            target,
            tokens,
        })
    }

    /// Tokens fetched from Entra ID so far (client-credentials only).
    pub fn token_fetches(&self) -> u64 {
        self.tokens.fetches()
    }

    /// The request URL for `stream`.
    pub fn url(&self, stream: &str) -> String {
        format!(
            "{}/dataCollectionRules/{}/streams/{}?api-version={API_VERSION}",
            self.target.endpoint.trim_end_matches('/'),
            self.target.dcr_immutable_id,
            stream
        )
    }

    /// One attempt (no deadline of its own: [`send`] gives each attempt one). A 401 to a kept
    /// Entra ID token (revoked, or expired early) forgets it and posts once more with a new one.
    pub async fn post_once(&self, stream: &str, body: Bytes) -> Result<(), SendError> {
        let (token, fresh) = self.tokens.token(&self.client).await?;
        match self.post_with(stream, body.clone(), &token).await {
            Err(SendError::Status { status: 401, .. })
                if !fresh && self.tokens.fetches_tokens() =>
            {
                self.tokens.forget().await;
                let (token, _) = self.tokens.token(&self.client).await?;
                self.post_with(stream, body, &token).await
            }
            other => other,
        }
    }

    async fn post_with(&self, stream: &str, body: Bytes, token: &str) -> Result<(), SendError> {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(self.url(stream))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .header("x-ms-client-request-id", request_id());
        if self.target.gzip {
            req = req.header("content-encoding", "gzip");
        }
        let req = req
            .body(Full::new(body))
            .map_err(|e| SendError::Invalid(e.to_string()))?;
        let resp = self
            .client
            .request(req)
            .await
            .map_err(|e| SendError::Connection(error_chain(&e)))?;
        let status = resp.status().as_u16();
        if status == 204 || status == 200 {
            // Drain (empty) so the connection goes back to the pool.
            let _ = resp.into_body().collect().await;
            return Ok(());
        }
        let retry_after = retry_after(resp.headers());
        let body = resp
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let mut text = String::from_utf8_lossy(&body).into_owned();
        if text.len() > 500 {
            let mut cut = 500;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        Err(SendError::Status {
            status,
            retry_after,
            body: text,
        })
    }
}

impl Sink for IngestClient {
    fn encode(&self, json: Vec<u8>) -> Bytes {
        if !self.target.gzip {
            return Bytes::from(json);
        }
        let mut enc = flate2::write::GzEncoder::new(
            Vec::with_capacity(json.len() / 4),
            flate2::Compression::fast(),
        );
        enc.write_all(&json).expect("writing to memory");
        Bytes::from(enc.finish().expect("writing to memory"))
    }

    fn post(&self, stream: &str, body: Bytes) -> BoxFuture<'_, Result<(), SendError>> {
        let stream = stream.to_string();
        Box::pin(async move { self.post_once(&stream, body).await })
    }
}

/// Sends one batch body (uncompressed JSON array) to `sink`, each attempt within
/// `retry.request_timeout`, retrying retryable failures up to `retry.max_attempts`
/// attempts (after the answer's `Retry-After`, capped at ten times `retry.max_delay`, or
/// else after [`backoff`]); `retries` counts the retries made.
pub async fn send(
    sink: &dyn Sink,
    retry: &RetryPolicy,
    stream: &str,
    json: Vec<u8>,
    retries: &AtomicU64,
) -> Result<(), SendError> {
    let body = sink.encode(json);
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let posted = tokio::time::timeout(retry.request_timeout, sink.post(stream, body.clone()));
        let err = match posted.await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(e)) => e,
            Err(_) => SendError::Timeout(retry.request_timeout),
        };
        if !err.is_retryable() {
            return Err(err);
        }
        if attempt >= retry.max_attempts {
            return Err(SendError::Exhausted {
                attempts: attempt,
                last: Box::new(err),
            });
        }
        let delay = match &err {
            SendError::Status {
                retry_after: Some(d),
                ..
            } => (*d).min(retry.max_delay * 10),
            _ => backoff(retry, attempt),
        };
        retries.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(delay).await;
    }
}

/// Capped exponential backoff with "equal jitter": a delay in
/// `[d/2, d]` where `d = min(base * 2^(attempt-1), max)`.
pub fn backoff(p: &RetryPolicy, attempt: u32) -> Duration {
    let exp = p
        .base_delay
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
        .min(p.max_delay);
    let half = exp / 2;
    half + half.mul_f64(rand::rng().random::<f64>())
}

pub(super) fn retry_after(h: &hyper::HeaderMap) -> Option<Duration> {
    let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = get(name).and_then(|v| v.parse::<f64>().ok()) {
            if ms.is_finite() && ms >= 0.0 {
                return Some(Duration::from_secs_f64(ms / 1000.0));
            }
        }
    }
    // Seconds; an HTTP-date form falls back to backoff.
    get("retry-after")
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let st = |status| SendError::Status {
            status,
            retry_after: None,
            body: String::new(),
        };
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(st(s).is_retryable(), "{s}");
        }
        for s in [400, 401, 403, 404, 413] {
            assert!(!st(s).is_retryable(), "{s}");
        }
        assert!(SendError::Connection("refused".into()).is_retryable());
        assert!(SendError::Timeout(Duration::from_secs(1)).is_retryable());
        assert!(!SendError::Exhausted {
            attempts: 3,
            last: Box::new(st(503))
        }
        .is_retryable());
    }

    #[test]
    fn backoff_is_capped_and_jittered() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            ..RetryPolicy::default()
        };
        for attempt in 1..40 {
            let d = backoff(&p, attempt);
            let full = (Duration::from_millis(100) * 2u32.pow((attempt - 1).min(20)))
                .min(Duration::from_secs(2));
            assert!(d >= full / 2 && d <= full, "{attempt} {d:?}");
        }
    }

    #[test]
    fn retry_after_headers() {
        let mut h = hyper::HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert("retry-after-ms", "250".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        let mut d = hyper::HeaderMap::new();
        d.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&d), None);
    }

    #[test]
    fn request_ids_are_uuid_v4() {
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!("89ab".contains(&id[19..20]));
        assert_ne!(id, request_id());
    }
}
