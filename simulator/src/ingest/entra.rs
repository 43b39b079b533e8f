//! A mock of Microsoft Entra ID's client-credentials flow, for the mock's ingestion endpoint:
//! `POST /{tenant}/oauth2/v2.0/token` issues signed access tokens to the configured clients, and
//! the ingestion endpoint accepts only such tokens ([`Authority::check`]).
//!
//! What a real client does (and so what is served): MSAL (under azure-identity's
//! `ClientSecretCredential`, with instance discovery off for a custom authority) first reads
//! `GET /{tenant}/v2.0/.well-known/openid-configuration` for the token endpoint, then posts
//! `grant_type=client_credentials`, `client_id`, `client_secret` and
//! `scope=https://monitor.azure.com//.default` (`https://monitor.azure.us//.default` in Azure
//! Government) form-encoded, and gets `{"token_type":"Bearer","expires_in":..,"access_token":..}`.
//! Errors have Entra's shape (`error`, `error_description` starting with the AADSTS code,
//! `error_codes`): a wrong secret is 401 `invalid_client` (AADSTS7000215), an unknown client
//! 400 `unauthorized_client` (AADSTS700016), another tenant 400 `invalid_request`
//! (AADSTS90002), a scope of another resource 400 `invalid_scope` (AADSTS1002012), another
//! grant type 400 `unsupported_grant_type` (AADSTS70003).
//!
//! Tokens are JWTs signed ES256 with a key made up at start (jsonwebtoken): `aud` is the
//! cloud's Azure Monitor resource, `iss` `https://sts.windows.net/<tenant>/`, `appid`/`azp`
//! the client, `tid` the tenant, `exp` `iat` + the lifetime. The ingestion endpoint checks the
//! signature, the audience and the expiry with no leeway (401 `InvalidAuthenticationToken`
//! otherwise), then that the client may ingest into the DCR (403, as Azure answers a principal
//! without the Monitoring Metrics Publisher role on the rule).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The Azure cloud whose token audience the mock accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Cloud {
    Commercial,
    Government,
}

impl Cloud {
    /// The Azure Monitor resource: the token's audience.
    pub fn resource(self) -> &'static str {
        match self {
            Cloud::Commercial => "https://monitor.azure.com",
            Cloud::Government => "https://monitor.azure.us",
        }
    }

    /// The scope a Logs Ingestion client asks for.
    pub fn scope(self) -> String {
        format!("{}//.default", self.resource())
    }
}

/// A client registered with the mock authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: String,
    pub secret: String,
    /// Whether it may ingest into the mock's DCR (else its tokens get 403).
    pub may_ingest: bool,
}

impl Client {
    /// Parses `ID:SECRET` (as `--client` takes it).
    pub fn parse(s: &str, may_ingest: bool) -> Result<Client, String> {
        match s.split_once(':') {
            Some((id, secret)) if !id.is_empty() && !secret.is_empty() => Ok(Client {
                id: id.to_string(),
                secret: secret.to_string(),
                may_ingest,
            }),
            _ => Err(format!(
                "'{s}' is not CLIENT_ID:SECRET (both non-empty, e.g. sentinel-connector:s3cret)"
            )),
        }
    }
}

/// How the mock's Entra ID is set up.
#[derive(Debug, Clone)]
pub struct EntraConfig {
    /// The tenant ID (any other in the token URL is refused).
    pub tenant: String,
    pub cloud: Cloud,
    pub clients: Vec<Client>,
    /// Lifetime of an issued token.
    pub token_lifetime: Duration,
}

/// The tenant ID the mock uses unless told otherwise.
pub const DEFAULT_TENANT: &str = "72f988bf-0000-4000-8000-00000000e2e0";

/// Default of [`EntraConfig::token_lifetime`]: an hour, as Entra issues them.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The claims of an issued token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub appid: String,
    pub azp: String,
    pub tid: String,
    pub sub: String,
    pub ver: String,
}

/// The signing key and the registered clients.
pub struct Authority {
    config: EntraConfig,
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Tokens handed out by the token endpoint.
    issued: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("tenant", &self.config.tenant)
            .field("cloud", &self.config.cloud)
            .finish_non_exhaustive()
    }
}

/// Why the ingestion endpoint refuses a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 401: missing, malformed, badly signed, for another audience, or expired.
    Unauthenticated(String),
    /// 403: a valid token of a client that may not ingest into the DCR.
    Forbidden(String),
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Authority {
    pub fn new(config: EntraConfig) -> Result<Authority> {
        if config.tenant.is_empty() {
            bail!("the tenant ID must not be empty");
        }
        if config.clients.is_empty() {
            bail!("the mock authority needs at least one client (--client ID:SECRET)");
        }
        let mut seen = BTreeMap::new();
        for c in &config.clients {
            if seen.insert(c.id.as_str(), ()).is_some() {
                bail!("client '{}' is registered twice", c.id);
            }
        }
        if config.token_lifetime.is_zero() {
            bail!("the token lifetime must be positive");
        }
        let key = rcgen::KeyPair::generate().context("making the token signing key")?;
        let encoding = EncodingKey::from_ec_pem(key.serialize_pem().as_bytes())
            .context("the token signing key")?;
        let decoding = DecodingKey::from_ec_pem(key.public_key_pem().as_bytes())
            .context("the token verification key")?;
        Ok(Authority {
            config,
            encoding,
            decoding,
            issued: Default::default(),
        })
    }

    pub fn tenant(&self) -> &str {
        &self.config.tenant
    }

    pub fn cloud(&self) -> Cloud {
        self.config.cloud
    }

    /// Tokens the token endpoint has handed out so far.
    pub fn tokens_issued(&self) -> u64 {
        self.issued.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A signed token for `client_id`, valid from `issued_at` for the configured lifetime.
    pub fn issue(&self, client_id: &str, issued_at: u64) -> Result<String> {
        let claims = Claims {
            aud: self.config.cloud.resource().to_string(),
            iss: format!("https://sts.windows.net/{}/", self.config.tenant),
            iat: issued_at,
            nbf: issued_at,
            exp: issued_at + self.config.token_lifetime.as_secs().max(1),
            appid: client_id.to_string(),
            azp: client_id.to_string(),
            tid: self.config.tenant.clone(),
            sub: client_id.to_string(),
            ver: "1.0".to_string(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::ES256),
            &claims,
            &self.encoding,
        )?)
    }

    /// The ingestion endpoint's check of a bearer token.
    pub fn check(&self, token: Option<&str>, dcr: &str) -> Result<Claims, Refusal> {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Err(Refusal::Unauthenticated(
                "An 'Authorization: Bearer <token>' header is required.".into(),
            ));
        };
        let mut v = Validation::new(Algorithm::ES256);
        v.leeway = 0;
        v.set_audience(&[self.config.cloud.resource()]);
        v.set_issuer(&[format!("https://sts.windows.net/{}/", self.config.tenant)]);
        v.set_required_spec_claims(&["exp", "aud", "iss"]);
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &v)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                Refusal::Unauthenticated(match e.kind() {
                    ErrorKind::ExpiredSignature => "The access token has expired.".to_string(),
                    ErrorKind::InvalidAudience => format!(
                        "The access token's audience is not {}.",
                        self.config.cloud.resource()
                    ),
                    ErrorKind::InvalidSignature => {
                        "The access token's signature is invalid.".to_string()
                    }
                    _ => format!("The access token is invalid ({e})."),
                })
            })?
            .claims;
        let may = self
            .config
            .clients
            .iter()
            .any(|c| c.id == claims.appid && c.may_ingest);
        if !may {
            return Err(Refusal::Forbidden(format!(
                "The client '{}' does not have authorization to ingest data into the data collection rule '{dcr}' (it needs the Monitoring Metrics Publisher role on the rule).",
                claims.appid
            )));
        }
        Ok(claims)
    }

    fn token_response(&self, form: &BTreeMap<String, String>, tenant: &str) -> Response {
        let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
        if tenant != self.config.tenant {
            return entra_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                90002,
                &format!("Tenant '{tenant}' not found."),
            );
        }
        match field("grant_type") {
            "client_credentials" => {}
            "" => {
                return entra_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    900144,
                    "The request body must contain the following parameter: 'grant_type'.",
                )
            }
            other => {
                return entra_error(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                    70003,
                    &format!("The app requested an unsupported grant type '{other}'."),
                )
            }
        }
        let id = field("client_id");
        let Some(client) = self.config.clients.iter().find(|c| c.id == id) else {
            return entra_error(
                StatusCode::BAD_REQUEST,
                "unauthorized_client",
                700016,
                &format!(
                    "Application with identifier '{id}' was not found in the directory '{}'.",
                    self.config.tenant
                ),
            );
        };
        if field("client_secret") != client.secret {
            return entra_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
            );
        }
        let scope = field("scope");
        let resource = self.config.cloud.resource();
        if scope != format!("{resource}//.default") && scope != format!("{resource}/.default") {
            return entra_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                1002012,
                &format!(
                    "The provided value for scope '{scope}' is not valid: this authority issues tokens for {resource}//.default only."
                ),
            );
        }
        match self.issue(&client.id, now()) {
            Ok(token) => {
                self.issued
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let secs = self.config.token_lifetime.as_secs();
                Json(json!({
                    "token_type": "Bearer",
                    "expires_in": secs,
                    "ext_expires_in": secs,
                    "access_token": token,
                }))
                .into_response()
            }
            Err(e) => entra_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                50000,
                &format!("issuing the token failed: {e}"),
            ),
        }
    }
}

fn entra_error(status: StatusCode, error: &str, code: u32, text: &str) -> Response {
    (
        status,
        Json(json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {text}"),
            "error_codes": [code],
        })),
    )
        .into_response()
}

/// The origin (`https://127.0.0.1:PORT`) a request came to, from its `Host` header.
fn origin(headers: &HeaderMap, tls: bool) -> String {
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("{}://{host}", if tls { "https" } else { "http" })
}

/// State of the Entra routes.
#[derive(Clone)]
pub(super) struct EntraState {
    pub(super) authority: std::sync::Arc<Authority>,
    pub(super) tls: bool,
}

/// `POST /{tenant}/oauth2/v2.0/token`.
pub(super) async fn token(
    State(st): State<EntraState>,
    Path(tenant): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let form: BTreeMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    st.authority.token_response(&form, &tenant)
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration` (MSAL's tenant discovery).
pub(super) async fn openid_configuration(
    State(st): State<EntraState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Response {
    if tenant != st.authority.tenant() {
        return entra_error(
            StatusCode::BAD_REQUEST,
            "invalid_tenant",
            90002,
            &format!("Tenant '{tenant}' not found."),
        );
    }
    let base = format!("{}/{tenant}", origin(&headers, st.tls));
    Json(json!({
        "issuer": format!("{base}/v2.0"),
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "grant_types_supported": ["client_credentials"],
        "response_types_supported": ["token"],
        "tenant_region_scope": "NA",
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authority(lifetime: u64) -> Authority {
        Authority::new(EntraConfig {
            tenant: DEFAULT_TENANT.into(),
            cloud: Cloud::Commercial,
            clients: vec![
                Client::parse("connector:secret-1", true).unwrap(),
                Client::parse("reader:secret-2", false).unwrap(),
            ],
            token_lifetime: Duration::from_secs(lifetime),
        })
        .unwrap()
    }

    const DCR: &str = "dcr-00000000000000000000000000000000";

    #[test]
    fn an_issued_token_is_accepted_until_it_expires() {
        let a = authority(600);
        let t = a.issue("connector", now()).unwrap();
        let c = a.check(Some(&t), DCR).unwrap();
        assert_eq!(c.aud, "https://monitor.azure.com");
        assert_eq!(c.appid, "connector");
        let old = a.issue("connector", now() - 601).unwrap();
        assert_eq!(
            a.check(Some(&old), DCR),
            Err(Refusal::Unauthenticated(
                "The access token has expired.".into()
            ))
        );
    }

    #[test]
    fn tokens_of_another_key_audience_or_client_are_refused() {
        let a = authority(600);
        let b = authority(600);
        let foreign = b.issue("connector", now()).unwrap();
        assert!(matches!(
            a.check(Some(&foreign), DCR),
            Err(Refusal::Unauthenticated(m)) if m.contains("signature")
        ));
        let gov = Authority::new(EntraConfig {
            cloud: Cloud::Government,
            ..a.config.clone()
        })
        .unwrap();
        let t = gov.issue("connector", now()).unwrap();
        assert_eq!(
            gov.check(Some(&t), DCR).unwrap().aud,
            "https://monitor.azure.us"
        );
        // The same claims signed by `a` but for the government audience.
        let mut claims = a
            .check(Some(&a.issue("connector", now()).unwrap()), DCR)
            .unwrap();
        claims.aud = "https://monitor.azure.us".into();
        let wrong_aud =
            jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &a.encoding).unwrap();
        assert!(matches!(
            a.check(Some(&wrong_aud), DCR),
            Err(Refusal::Unauthenticated(m)) if m.contains("audience")
        ));
        let reader = a.issue("reader", now()).unwrap();
        assert!(
            matches!(a.check(Some(&reader), DCR), Err(Refusal::Forbidden(m)) if m.contains(DCR))
        );
        assert!(matches!(
            a.check(None, DCR),
            Err(Refusal::Unauthenticated(_))
        ));
        assert!(matches!(
            a.check(Some("x.y.z"), DCR),
            Err(Refusal::Unauthenticated(_))
        ));
    }

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[tokio::test]
    async fn the_token_endpoint_answers_as_entra_does() {
        let a = authority(600);
        let good = [
            ("grant_type", "client_credentials"),
            ("client_id", "connector"),
            ("client_secret", "secret-1"),
            ("scope", "https://monitor.azure.com//.default"),
        ];
        let r = a.token_response(&form(&good), DEFAULT_TENANT);
        assert_eq!(r.status(), StatusCode::OK);
        let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["token_type"], "Bearer");
        assert_eq!(v["expires_in"], 600);
        a.check(v["access_token"].as_str(), DCR).unwrap();
        assert_eq!(a.tokens_issued(), 1);

        /// Form fields overridden, tenant in the URL, expected status and AADSTS code.
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, StatusCode, &'a str);
        let cases: [Case; 5] = [
            (
                &[("client_secret", "wrong")],
                DEFAULT_TENANT,
                StatusCode::UNAUTHORIZED,
                "AADSTS7000215",
            ),
            (
                &[("client_id", "nobody")],
                DEFAULT_TENANT,
                StatusCode::BAD_REQUEST,
                "AADSTS700016",
            ),
            (
                &[],
                "another-tenant",
                StatusCode::BAD_REQUEST,
                "AADSTS90002",
            ),
            (
                &[("scope", "https://graph.microsoft.com/.default")],
                DEFAULT_TENANT,
                StatusCode::BAD_REQUEST,
                "AADSTS1002012",
            ),
            (
                &[("grant_type", "password")],
                DEFAULT_TENANT,
                StatusCode::BAD_REQUEST,
                "AADSTS70003",
            ),
        ];
        for (change, tenant, status, code) in cases {
            let mut f = form(&good);
            f.extend(form(change));
            let r = a.token_response(&f, tenant);
            assert_eq!(r.status(), status, "{change:?}");
            let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert!(
                v["error_description"].as_str().unwrap().starts_with(code),
                "{v}"
            );
        }
        assert_eq!(a.tokens_issued(), 1, "a refused request issues no token");
    }

    #[test]
    fn bad_client_flags_and_setups_are_errors() {
        assert!(Client::parse("id-only", true).is_err());
        assert!(Client::parse(":secret", true).is_err());
        let twice = EntraConfig {
            tenant: DEFAULT_TENANT.into(),
            cloud: Cloud::Commercial,
            clients: vec![
                Client::parse("a:1", true).unwrap(),
                Client::parse("a:2", true).unwrap(),
            ],
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
        };
        assert!(Authority::new(twice.clone()).is_err());
        assert!(Authority::new(EntraConfig {
            clients: vec![],
            ..twice
        })
        .is_err());
    }
}
