//! The HTTP(S) client of the ingestion and token requests: HTTP/1.1 and HTTP/2, TLS verified
//! against the system's root certificates plus any CA given as PEM (a mock's CA, a
//! TLS-inspecting proxy's).

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::sink::SendError;

/// The client type.
pub type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A client that trusts the system's roots and the certificates of `ca_pem`; an error when
/// `ca_pem` holds no certificate or a bad one.
pub fn client(ca_pem: Option<&str>) -> Result<HttpClient, SendError> {
    // The process default provider if one was installed, else aws-lc-rs
    // (the AWS SDK's): never the panic of an ambiguous default.
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    // Without system roots (and no `ca_pem`), HTTPS fails at connect time with a clear
    // certificate error; plain HTTP (a local mock) still works.
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(pem) = ca_pem {
        use rustls::pki_types::pem::PemObject;
        let certs: Vec<_> = rustls::pki_types::CertificateDer::pem_slice_iter(pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(|e| SendError::Invalid(format!("the CA certificates (ca_pem): {e}")))?;
        if certs.is_empty() {
            return Err(SendError::Invalid(
                "ca_pem holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
            ));
        }
        for c in certs {
            roots
                .add(c)
                .map_err(|e| SendError::Invalid(format!("a CA certificate of ca_pem: {e}")))?;
        }
    }
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .build();
    Ok(Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build(https))
}

/// `GET url`: the status and the whole body (for reading a mock's read API).
pub async fn get(client: &HttpClient, url: &str) -> Result<(u16, Bytes), SendError> {
    let req = Request::builder()
        .method(Method::GET)
        .uri(url)
        .body(Full::new(Bytes::new()))
        .map_err(|e| SendError::Invalid(format!("URL {url}: {e}")))?;
    let resp = client.request(req).await.map_err(|e| {
        SendError::Connection(format!("GET {url}: {}", super::sink::error_chain(&e)))
    })?;
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| SendError::Connection(format!("reading the answer of GET {url}: {e}")))?
        .to_bytes();
    Ok((status, body))
}
