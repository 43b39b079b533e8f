//! The mock as this toolkit's own jobs run it for the connector (`e2e`, `consume` without
//! `--ingest`): HTTPS with its own CA, a mock Entra ID with one app registration whose secret
//! is made up per start, and the connector's target that reaches it as a real Logs Ingestion
//! client would (a token by client credentials, TLS verified against the mock's CA).

use anyhow::{Context, Result};
use connector::{ClientSecret, Credential, IngestTarget};

use super::entra::{Client, Cloud, EntraConfig, DEFAULT_TENANT, DEFAULT_TOKEN_LIFETIME};
use super::server::{serve, Auth, Config, Server};

/// Starts the mock with `config` (its `auth` and `https` replaced) for app registration
/// `client_id`; returns it and the target that reaches it.
pub async fn serve_for_connector(
    config: Config,
    client_id: &str,
) -> Result<(Server, IngestTarget)> {
    let secret = format!("{:032x}", rand::random::<u128>());
    let server = serve(Config {
        auth: Auth::Entra(EntraConfig {
            tenant: DEFAULT_TENANT.into(),
            cloud: Cloud::Commercial,
            clients: vec![Client {
                id: client_id.into(),
                secret: secret.clone(),
                may_ingest: true,
            }],
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
        }),
        https: true,
        ..config
    })
    .await
    .context("starting the mock ingestion endpoint")?;
    let target = IngestTarget {
        endpoint: server.base_url().to_string(),
        dcr_immutable_id: server.dcr_id().to_string(),
        credential: Credential::ClientSecret(ClientSecret {
            authority: server.base_url().to_string(),
            tenant: DEFAULT_TENANT.into(),
            client_id: client_id.into(),
            secret,
            scope: Cloud::Commercial.scope(),
        }),
        ca_pem: server.ca_pem().map(str::to_string),
        gzip: true,
    };
    Ok((server, target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_target_gets_a_token_and_is_accepted_over_https() {
        let (server, mut target) = serve_for_connector(Config::default(), "job").await.unwrap();
        assert!(target.endpoint.starts_with("https://") && target.gzip);
        // `post_once` sends the body as given: this one is plain JSON.
        target.gzip = false;
        let client = connector::IngestClient::new(target).unwrap();
        let row = r#"[{"TimeGenerated":"2026-03-01T00:00:00.000Z","ExtractedTime":"2026-03-01T00:00:00.000Z","Message":"m"}]"#;
        client
            .post_once("Custom-AWSCloudWatch", bytes::Bytes::from(row))
            .await
            .unwrap();
        let stats = server.shutdown().await.unwrap();
        assert_eq!((stats.accepted_rows, stats.tokens_issued), (1, 1));
        assert!(stats.https);
    }
}
