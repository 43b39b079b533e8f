//! The connector's ingestion client against the mock over the real wire, as it runs against
//! Azure: HTTPS verified against the mock's CA, a token from the mock Entra ID by client
//! credentials, kept and fetched again before it expires, and Azure's refusals (401, 403)
//! when the secret, the token or the client's access are wrong. (Microsoft's own SDK is
//! tested against the same mock in `tests/sdk/`.)

use std::time::Duration;

use bytes::Bytes;
use connector::{ClientSecret, Credential, IngestClient, IngestTarget, SendError};
use serde_json::json;
use simulator::ingest::entra::{Client, Cloud, EntraConfig, DEFAULT_TENANT};
use simulator::ingest::{serve, Auth, Config, Server};

const CW: &str = "Custom-AWSCloudWatch";
const ID: &str = "sentinel-connector";
const SECRET: &str = "correct-horse";

fn entra(lifetime: Duration, clients: Vec<Client>) -> Auth {
    Auth::Entra(EntraConfig {
        tenant: DEFAULT_TENANT.into(),
        cloud: Cloud::Commercial,
        clients,
        token_lifetime: lifetime,
    })
}

fn client(id: &str, secret: &str, may_ingest: bool) -> Client {
    Client {
        id: id.into(),
        secret: secret.into(),
        may_ingest,
    }
}

/// The DCR of every mock here (a restarted mock answers to the same one).
const DCR: &str = "dcr-0123456789abcdef0123456789abcdef";

async fn mock(https: bool, lifetime: Duration, port: u16) -> Server {
    serve(Config {
        port,
        dcr_id: Some(DCR.into()),
        https,
        auth: entra(
            lifetime,
            vec![client(ID, SECRET, true), client("reader", "r", false)],
        ),
        ..Default::default()
    })
    .await
    .expect("the mock starts")
}

fn target(server: &Server, id: &str, secret: &str) -> IngestTarget {
    IngestTarget {
        endpoint: server.base_url().to_string(),
        dcr_immutable_id: server.dcr_id().to_string(),
        credential: Credential::ClientSecret(ClientSecret {
            authority: server.base_url().to_string(),
            tenant: server.tenant().expect("an Entra mock").to_string(),
            client_id: id.into(),
            secret: secret.into(),
            scope: Cloud::Commercial.scope(),
        }),
        ca_pem: server.ca_pem().map(str::to_string),
        gzip: false,
    }
}

fn rows(n: usize) -> Bytes {
    let rows: Vec<_> = (0..n)
        .map(|i| {
            json!({
                "TimeGenerated": "2026-03-01T00:00:05.120Z",
                "ExtractedTime": "2026-03-01T00:00:05.120Z",
                "Message": format!("message {i}"),
            })
        })
        .collect();
    Bytes::from(serde_json::to_vec(&rows).unwrap())
}

/// Rows stored in the CloudWatch stream.
fn stored(server: &Server) -> u64 {
    server.counts().unwrap().get(CW).copied().unwrap_or(0)
}

fn status_of(e: &SendError) -> Option<u16> {
    match e {
        SendError::Status { status, .. } => Some(*status),
        _ => None,
    }
}

#[tokio::test]
async fn one_token_serves_many_requests_and_is_fetched_again_before_it_expires() {
    // A 2 s token is fetched again after half its lifetime.
    let server = mock(true, Duration::from_secs(2), 0).await;
    assert!(server.base_url().starts_with("https://"));
    let c = IngestClient::new(target(&server, ID, SECRET)).unwrap();
    for _ in 0..3 {
        c.post_once(CW, rows(5)).await.expect("accepted");
    }
    assert_eq!(c.token_fetches(), 1, "the token is kept between requests");
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    c.post_once(CW, rows(5)).await.expect("accepted");
    assert_eq!(c.token_fetches(), 2, "fetched again before it expired");
    assert_eq!(stored(&server), 20);
    let stats = server.shutdown().await.unwrap();
    assert_eq!(stats.by_status.get(&204), Some(&4));
    assert_eq!(
        stats.by_status.get(&401),
        None,
        "no request went out unauthorised"
    );
    assert!(stats.https);
    assert_eq!(
        stats.tokens_issued, 2,
        "the endpoint's side of the two fetches"
    );
}

#[tokio::test]
async fn a_wrong_secret_is_an_auth_error_that_is_not_retried() {
    let server = mock(true, Duration::from_secs(3600), 0).await;
    let c = IngestClient::new(target(&server, ID, "wrong")).unwrap();
    let e = c.post_once(CW, rows(1)).await.unwrap_err();
    assert!(matches!(e, SendError::Auth(_)), "{e:?}");
    assert!(!e.is_retryable());
    assert!(e.to_string().contains("AADSTS7000215"), "{e}");
    let c = IngestClient::new(target(&server, "nobody", SECRET)).unwrap();
    let e = c.post_once(CW, rows(1)).await.unwrap_err();
    assert!(e.to_string().contains("AADSTS700016"), "{e}");
    assert_eq!(
        server.stats().requests,
        0,
        "no ingestion request without a token"
    );
    assert_eq!(server.stats().tokens_issued, 0);
}

#[tokio::test]
async fn a_client_without_access_to_the_rule_gets_403() {
    let server = mock(true, Duration::from_secs(3600), 0).await;
    let c = IngestClient::new(target(&server, "reader", "r")).unwrap();
    let e = c.post_once(CW, rows(1)).await.unwrap_err();
    assert_eq!(status_of(&e), Some(403), "{e:?}");
    assert!(!e.is_retryable());
    assert_eq!(stored(&server), 0);
}

#[tokio::test]
async fn tokens_are_checked_not_just_present() {
    let server = mock(true, Duration::from_secs(3600), 0).await;
    let mut t = target(&server, ID, SECRET);
    t.credential = Credential::Static("not-a-token".into());
    let e = IngestClient::new(t)
        .unwrap()
        .post_once(CW, rows(1))
        .await
        .unwrap_err();
    assert_eq!(status_of(&e), Some(401), "{e:?}");
    assert!(e.to_string().contains("InvalidAuthenticationToken"), "{e}");
}

#[tokio::test]
async fn a_token_file_is_read_again_when_it_changes() {
    let server = mock(true, Duration::from_secs(3600), 0).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "").unwrap();
    let mut t = target(&server, ID, SECRET);
    t.credential = Credential::TokenFile(file.clone());
    let c = IngestClient::new(t).unwrap();
    let e = c.post_once(CW, rows(1)).await.unwrap_err();
    assert!(e.to_string().contains("is empty"), "{e}");

    std::fs::write(&file, "stale-token\n").unwrap();
    let e = c.post_once(CW, rows(1)).await.unwrap_err();
    assert_eq!(status_of(&e), Some(401), "{e:?}");

    // Another process puts a real token in the file (here: this test, by client credentials
    // through a second client).
    let fetcher = IngestClient::new(target(&server, ID, SECRET)).unwrap();
    fetcher.post_once(CW, rows(1)).await.unwrap();
    let token = fetch_token(&server).await;
    std::fs::write(&file, format!("  {token}\n")).unwrap();
    c.post_once(CW, rows(2))
        .await
        .expect("the new token is used");
    assert_eq!(stored(&server), 3);
}

/// A token from the mock's token endpoint, asked for by hand over TLS (curl-like).
async fn fetch_token(server: &Server) -> String {
    use http_body_util::{BodyExt, Full};
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_slice_iter(server.ca_pem().unwrap().as_bytes())
    {
        roots.add(c.unwrap()).unwrap();
    }
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_only()
        .enable_http1()
        .build();
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build::<_, Full<Bytes>>(https);
    let form = format!(
        "grant_type=client_credentials&client_id={ID}&client_secret={SECRET}&scope={}",
        "https%3A%2F%2Fmonitor.azure.com%2F%2F.default"
    );
    let req = hyper::Request::post(format!(
        "{}/{}/oauth2/v2.0/token",
        server.base_url(),
        server.tenant().unwrap()
    ))
    .header("content-type", "application/x-www-form-urlencoded")
    .body(Full::new(Bytes::from(form)))
    .unwrap();
    let resp = http.request(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["token_type"], "Bearer");
    v["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_kept_token_refused_after_a_restart_is_replaced_once() {
    // Plain HTTP (the restarted mock would have a new CA too): the restart gives the
    // authority a new signing key, so the kept token is refused with 401.
    let first = mock(false, Duration::from_secs(3600), 0).await;
    let port = first.addr().port();
    let c = IngestClient::new(target(&first, ID, SECRET)).unwrap();
    c.post_once(CW, rows(1)).await.unwrap();
    first.shutdown().await.unwrap();

    let second = mock(false, Duration::from_secs(3600), port).await;
    c.post_once(CW, rows(1))
        .await
        .expect("a new token after the 401");
    assert_eq!(c.token_fetches(), 2);
    let stats = second.shutdown().await.unwrap();
    assert_eq!(stats.by_status.get(&401), Some(&1));
    assert_eq!(stats.by_status.get(&204), Some(&1));
}

#[tokio::test]
async fn https_needs_the_mocks_ca() {
    let server = mock(true, Duration::from_secs(3600), 0).await;
    let mut t = target(&server, ID, SECRET);
    t.ca_pem = None;
    let e = IngestClient::new(t)
        .unwrap()
        .post_once(CW, rows(1))
        .await
        .unwrap_err();
    // The token request is the first to meet the untrusted certificate.
    let text = e.to_string();
    assert!(
        text.contains("certificate") || text.contains("Certificate"),
        "{text}"
    );

    let mut t = target(&server, ID, SECRET);
    t.ca_pem = Some("not a certificate".into());
    assert!(IngestClient::new(t).is_err());

    // Plain HTTP to the HTTPS port gets no ingestion answer.
    let mut t = target(&server, ID, SECRET);
    t.endpoint = server.base_url().replace("https://", "http://");
    t.credential = Credential::Static("x".into());
    let e = IngestClient::new(t)
        .unwrap()
        .post_once(CW, rows(1))
        .await
        .unwrap_err();
    assert!(status_of(&e).is_none(), "{e:?}");
    assert_eq!(stored(&server), 0);
}
