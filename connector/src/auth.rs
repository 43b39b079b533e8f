//! How the connector gets the bearer token of its Logs Ingestion requests, as a real Logs
//! Ingestion client does: Microsoft Entra ID's client-credentials flow
//! (`POST {authority}/{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials`, the
//! client ID and secret, and the Azure Monitor scope), the token kept and fetched again before
//! it expires; or a token file another process keeps fresh (a workload-identity token, say), read
//! again when it changes; or one fixed token (tests).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use tokio::sync::Mutex;

use super::http::HttpClient;
use super::sink::SendError;

/// How long before its expiry a token is fetched again: 5 minutes, or half its lifetime when
/// that is shorter.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// How long a token request may take.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

/// A client-credentials registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSecret {
    /// `https://login.microsoftonline.com` (`https://login.microsoftonline.us` for Azure
    /// Government), or a mock's base URL.
    pub authority: String,
    pub tenant: String,
    pub client_id: String,
    pub secret: String,
    /// `https://monitor.azure.com//.default` (`https://monitor.azure.us//.default`).
    pub scope: String,
}

/// Where the bearer token comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// Entra ID's client-credentials flow.
    ClientSecret(ClientSecret),
    /// A file holding the token (whitespace around it ignored), read again when it changes.
    TokenFile(PathBuf),
    /// One token for every request.
    Static(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::ClientSecret(c) => f
                .debug_struct("ClientSecret")
                .field("authority", &c.authority)
                .field("tenant", &c.tenant)
                .field("client_id", &c.client_id)
                .finish_non_exhaustive(),
            Credential::TokenFile(p) => f.debug_tuple("TokenFile").field(p).finish(),
            Credential::Static(_) => f.write_str("Static(..)"),
        }
    }
}

struct Cached {
    token: String,
    refresh_at: Instant,
}

/// Gives the token of the next request; shared by every request of one client.
#[derive(Clone)]
pub(super) struct TokenSource {
    credential: Credential,
    cached: Arc<Mutex<Option<Cached>>>,
    fetches: Arc<std::sync::atomic::AtomicU64>,
}

impl TokenSource {
    pub(super) fn new(credential: Credential) -> Self {
        TokenSource {
            credential,
            cached: Arc::new(Mutex::new(None)),
            fetches: Arc::default(),
        }
    }

    /// Tokens fetched from Entra ID so far.
    pub(super) fn fetches(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether tokens come from Entra ID (and so a refused one can be replaced).
    pub(super) fn fetches_tokens(&self) -> bool {
        matches!(self.credential, Credential::ClientSecret(_))
    }

    /// The token to send now, and whether it was fetched just now.
    pub(super) async fn token(&self, http: &HttpClient) -> Result<(String, bool), SendError> {
        match &self.credential {
            Credential::Static(t) => Ok((t.clone(), false)),
            Credential::TokenFile(path) => match std::fs::read_to_string(path) {
                Ok(t) if !t.trim().is_empty() => Ok((t.trim().to_string(), false)),
                Ok(_) => Err(SendError::Auth(format!(
                    "the token file {} is empty; write the access token into it",
                    path.display()
                ))),
                Err(e) => Err(SendError::Auth(format!(
                    "reading the token file {}: {e}",
                    path.display()
                ))),
            },
            Credential::ClientSecret(c) => {
                let mut cached = self.cached.lock().await;
                if let Some(k) = cached.as_ref().filter(|k| Instant::now() < k.refresh_at) {
                    return Ok((k.token.clone(), false));
                }
                let (token, lifetime) = fetch(http, c).await?;
                self.fetches
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let margin = REFRESH_MARGIN.min(lifetime / 2);
                *cached = Some(Cached {
                    token: token.clone(),
                    refresh_at: Instant::now() + lifetime - margin,
                });
                Ok((token, true))
            }
        }
    }

    /// Forgets the kept token (after a 401: the next request fetches a new one).
    pub(super) async fn forget(&self) {
        *self.cached.lock().await = None;
    }
}

/// The token URL of `c`.
pub fn token_url(c: &ClientSecret) -> String {
    format!(
        "{}/{}/oauth2/v2.0/token",
        c.authority.trim_end_matches('/'),
        c.tenant
    )
}

/// One client-credentials request: the token and its lifetime.
async fn fetch(http: &HttpClient, c: &ClientSecret) -> Result<(String, Duration), SendError> {
    let form: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("client_id", &c.client_id)
        .append_pair("client_secret", &c.secret)
        .append_pair("scope", &c.scope)
        .finish();
    let url = token_url(c);
    let req = Request::builder()
        .method(Method::POST)
        .uri(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(form)))
        .map_err(|e| SendError::Invalid(format!("token URL {url}: {e}")))?;
    // No answer, 429 and 5xx are worth another attempt (the ingestion request's own retry
    // policy); a refusal is not.
    let resp = tokio::time::timeout(TOKEN_TIMEOUT, http.request(req))
        .await
        .map_err(|_| SendError::Timeout(TOKEN_TIMEOUT))?
        .map_err(|e| {
            SendError::Connection(format!(
                "requesting a token from {url}: {}",
                super::sink::error_chain(&e)
            ))
        })?;
    let status = resp.status().as_u16();
    let retry_after = super::sink::retry_after(resp.headers());
    let body = resp
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if status == 429 || status >= 500 {
        return Err(SendError::Status {
            status,
            retry_after,
            body: format!(
                "the token endpoint {url}: {}",
                String::from_utf8_lossy(&body)
            ),
        });
    }
    if status != 200 {
        let why = v["error_description"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
        return Err(SendError::Auth(format!(
            "Entra ID refused client '{}' (HTTP {status}): {why}",
            c.client_id
        )));
    }
    let token = v["access_token"].as_str().filter(|t| !t.is_empty());
    let lifetime = v["expires_in"]
        .as_u64()
        .or_else(|| v["expires_in"].as_str().and_then(|s| s.parse().ok()));
    match (token, lifetime) {
        (Some(t), Some(secs)) if secs > 0 => Ok((t.to_string(), Duration::from_secs(secs))),
        _ => Err(SendError::Auth(format!(
            "the token answer of {url} has no access_token and positive expires_in"
        ))),
    }
}
