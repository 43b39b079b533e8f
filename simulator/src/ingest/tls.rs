//! HTTPS for the mock: a certificate authority made up at start (rcgen), and a server
//! certificate it signs for `localhost`, `127.0.0.1` and `::1`. Clients trust the mock by the
//! CA's PEM file ([`MockCa::ca_pem`], written by `serve-ingestion --ca-out`), the way they
//! would trust a corporate CA: Microsoft's SDK and `curl --cacert` both verify the chain and the
//! host name, so nothing needs verification switched off.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use anyhow::{Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The CA and the server configuration of one mock run.
pub struct MockCa {
    ca_pem: String,
    server: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for MockCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockCa").finish_non_exhaustive()
    }
}

impl MockCa {
    /// A new CA (ECDSA P-256, valid from now for the default rcgen span) and a server
    /// certificate for the loopback names, served with the CA in its chain.
    pub fn generate() -> Result<MockCa> {
        let mut ca = CertificateParams::new(Vec::<String>::new())?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca.distinguished_name
            .push(DnType::CommonName, "sentinel-aws-toolkit mock ingestion CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate()?)
            .context("creating the mock's CA certificate")?;

        let mut leaf = CertificateParams::new(vec!["localhost".to_string()])?;
        leaf.distinguished_name
            .push(DnType::CommonName, "sentinel-aws-toolkit mock ingestion");
        leaf.subject_alt_names.extend([
            SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        ]);
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        // Python 3.13's default verification (VERIFY_X509_STRICT) refuses a certificate
        // without it ("Missing Authority Key Identifier").
        leaf.use_authority_key_identifier_extension = true;
        let leaf_key = KeyPair::generate()?;
        let leaf = leaf
            .signed_by(&leaf_key, &ca)
            .context("signing the mock's server certificate")?;

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let chain: Vec<CertificateDer<'static>> = vec![leaf.der().clone(), ca.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let mut server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS versions")?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .context("the mock's server certificate")?;
        // The connection handler speaks HTTP/1.1.
        server.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(MockCa {
            ca_pem: ca.pem(),
            server: Arc::new(server),
        })
    }

    /// The CA certificate, PEM: what clients trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    pub(super) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(Arc::clone(&self.server))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_is_one_pem_certificate_and_each_run_makes_its_own() {
        let a = MockCa::generate().unwrap();
        let b = MockCa::generate().unwrap();
        assert!(a.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(a.ca_pem().matches("BEGIN CERTIFICATE").count(), 1);
        assert_ne!(a.ca_pem(), b.ca_pem());
    }
}
