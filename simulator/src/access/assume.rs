//! Sentinel's role assumption, before the connector starts: a web identity token with
//! Sentinel's claims is evaluated against the role's trust policy as read back, and, allowed,
//! exchanged for real with LocalStack's STS so the connector's calls run with the session's
//! credentials.
//!
//! The claims are those Microsoft Entra ID puts in the token Sentinel presents: issuer
//! `https://sts.windows.net/<tenant>/` (the IAM OIDC provider is named after it without the
//! scheme), audience the Sentinel application (`api://...`, [`Cloud::audience`]), and the
//! session name `MicrosoftSentinel_<workspace id>`. In the request context they are the keys
//! `<issuer host/path>:aud`, `<issuer host/path>:sub` and `sts:RoleSessionName`, as IAM's
//! "Available keys for AWS web identity federation" documents
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif>).
//!
//! A refused assumption fails the route the way Sentinel reports it: health code S3B40029.

use super::{Ledger, Where};
use ::access::{Caller, Context, Request};
use anyhow::{Context as _, Result};
use base64::Engine as _;
use generator::facts::{Cloud, SESSION_PREFIX_SENTINEL};

/// The token's subject. Entra ID sets it to the object id of Sentinel's service principal,
/// which Microsoft does not publish; the stacks' trust policies do not condition on it.
pub const SENTINEL_SUBJECT: &str = "sentinel-e2e-service-principal";

/// Sentinel's health code for a role it cannot assume.
pub const HEALTH_CANNOT_ASSUME: &str = "S3B40029";

/// The session name Sentinel uses for `workspace_id`.
pub fn session_name(workspace_id: &str) -> String {
    format!("{SESSION_PREFIX_SENTINEL}{workspace_id}")
}

/// The IAM OIDC provider Sentinel's tokens are federated through in `at`'s account.
pub fn provider_arn(cloud: Cloud, at: &Where) -> String {
    format!(
        "arn:{}:iam::{}:oidc-provider/{}",
        at.partition,
        at.account,
        cloud.issuer_host_path()
    )
}

/// The `sts:AssumeRoleWithWebIdentity` request Sentinel's token makes on `role_arn`.
pub fn sentinel_request(cloud: Cloud, at: &Where, role_arn: &str, workspace_id: &str) -> Request {
    let issuer = cloud.issuer_host_path();
    let mut context = Context::new();
    context
        .set(&format!("{issuer}:aud"), cloud.audience())
        .set(&format!("{issuer}:sub"), SENTINEL_SUBJECT)
        .set("sts:RoleSessionName", session_name(workspace_id))
        .set("aws:FederatedProvider", provider_arn(cloud, at));
    Request {
        principal: Caller::WebIdentity {
            provider_arn: provider_arn(cloud, at),
        },
        action: "sts:AssumeRoleWithWebIdentity".into(),
        resource: role_arn.into(),
        context,
    }
}

/// An (unsigned) JWT with Sentinel's claims: LocalStack's STS reads it, nothing verifies it
/// (the evaluation above is the check).
pub fn sentinel_token(cloud: Cloud, workspace_id: &str) -> String {
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let header = b64(serde_json::json!({"alg": "RS256", "typ": "JWT"}));
    let claims = b64(serde_json::json!({
        "iss": cloud.issuer_url(),
        "aud": cloud.audience(),
        "sub": SENTINEL_SUBJECT,
        "iat": now,
        "exp": now + 3600,
        "xms_workspace": workspace_id,
    }));
    format!("{header}.{claims}.unsigned")
}

/// The result of the assumption step for one route.
pub enum Assumption {
    /// The session's configuration: the route's clients use its credentials.
    Assumed {
        config: Box<aws_config::SdkConfig>,
        session_name: String,
        /// How the session was obtained from LocalStack.
        via: &'static str,
    },
    /// Refused: the route cannot start; the message carries Sentinel's health code.
    Denied(String),
}

/// Evaluates and makes Sentinel's assumption of `role_arn` for the route `route`.
pub async fn assume_as_sentinel(
    config: &aws_config::SdkConfig,
    ledger: &Ledger,
    at: &Where,
    cloud: Cloud,
    role_arn: &str,
    workspace_id: &str,
    route: &str,
) -> Result<Assumption> {
    let request = sentinel_request(cloud, at, role_arn, workspace_id);
    let during = format!("Sentinel assuming the role of route {route}");
    if let Err(d) = ledger.decide(&during, "simulator", &request) {
        return Ok(Assumption::Denied(format!(
            "{HEALTH_CANNOT_ASSUME}: Sentinel cannot assume {role_arn} for route {route}: {}",
            d.message()
        )));
    }
    let session = session_name(workspace_id);
    let sts = aws_sdk_sts::Client::new(config);
    let web = sts
        .assume_role_with_web_identity()
        .role_arn(role_arn)
        .role_session_name(&session)
        .web_identity_token(sentinel_token(cloud, workspace_id))
        .send()
        .await;
    let (creds, via) = match web {
        Ok(out) => (out.credentials().cloned(), "AssumeRoleWithWebIdentity"),
        Err(e) => {
            crate::progress::eprintln(format_args!(
                "e2e: LocalStack refused AssumeRoleWithWebIdentity ({}); using AssumeRole for the session's credentials",
                aws_sdk_sts::error::DisplayErrorContext(&e)
            ));
            let out = sts
                .assume_role()
                .role_arn(role_arn)
                .role_session_name(&session)
                .send()
                .await
                .with_context(|| format!("STS AssumeRole {role_arn}"))?;
            (out.credentials().cloned(), "AssumeRole")
        }
    };
    let c = creds.with_context(|| format!("STS returned no credentials for {role_arn}"))?;
    let credentials = aws_sdk_sts::config::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "sentinel-web-identity",
    );
    let config = config
        .to_builder()
        .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(
            credentials,
        ))
        .build();
    Ok(Assumption::Assumed {
        config: Box::new(config),
        session_name: session,
        via,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::access;

    #[test]
    fn the_request_carries_the_claims_the_trust_policies_condition_on() {
        let at = Where {
            partition: "aws".into(),
            region: "us-east-1".into(),
            account: "111122223333".into(),
        };
        let r = sentinel_request(
            Cloud::Commercial,
            &at,
            "arn:aws:iam::111122223333:role/r",
            "w-1",
        );
        let issuer = Cloud::Commercial.issuer_host_path();
        assert_eq!(
            r.context.get(&format!("{issuer}:aud")),
            Some(&[Cloud::Commercial.audience().to_string()][..])
        );
        assert_eq!(
            r.context.get("sts:RoleSessionName"),
            Some(&["MicrosoftSentinel_w-1".to_string()][..])
        );
        assert_eq!(
            r.principal,
            Caller::WebIdentity {
                provider_arn: format!("arn:aws:iam::111122223333:oidc-provider/{issuer}")
            }
        );
    }

    fn ledger_trusting(audience: &str) -> Ledger {
        let issuer = Cloud::Commercial.issuer_host_path();
        let trust = access::Policy::parse(&serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": format!("arn:aws:iam::111122223333:oidc-provider/{issuer}")},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {
                    format!("{issuer}:aud"): audience,
                    "sts:RoleSessionName": "MicrosoftSentinel_w-1"
                }}
            }]
        }))
        .unwrap();
        let mut set = access::PolicySet::new();
        set.add_role(access::Role {
            arn: "arn:aws:iam::111122223333:role/r".into(),
            trust: access::NamedPolicy {
                name: "trust policy of role r".into(),
                policy: trust,
            },
            policies: vec![],
        });
        Ledger::new(set)
    }

    #[tokio::test]
    async fn a_trust_policy_for_another_audience_refuses_sentinel_with_its_health_code() {
        let at = Where {
            partition: "aws".into(),
            region: "us-east-1".into(),
            account: "111122223333".into(),
        };
        // No STS call is made for a refused assumption: an empty configuration suffices.
        let config = aws_config::SdkConfig::builder().build();
        let ledger = ledger_trusting(Cloud::Government.audience());
        let out = assume_as_sentinel(
            &config,
            &ledger,
            &at,
            Cloud::Commercial,
            "arn:aws:iam::111122223333:role/r",
            "w-1",
            "vpc",
        )
        .await
        .unwrap();
        let Assumption::Denied(message) = out else {
            panic!("the wrong audience was allowed")
        };
        assert!(message.starts_with(HEALTH_CANNOT_ASSUME), "{message}");
        assert!(
            message.contains("sts:AssumeRoleWithWebIdentity"),
            "{message}"
        );
        assert!(message.contains("route vpc"), "{message}");
        let r = ledger.report();
        assert_eq!((r.evaluated, r.denied), (1, 1));
        // The right audience passes the evaluation.
        let ok = ledger_trusting(Cloud::Commercial.audience());
        let req = sentinel_request(
            Cloud::Commercial,
            &at,
            "arn:aws:iam::111122223333:role/r",
            "w-1",
        );
        assert!(ok.decide("t", "simulator", &req).is_ok());
    }

    #[test]
    fn the_token_is_a_jwt_with_sentinels_issuer_and_audience() {
        let t = sentinel_token(Cloud::Commercial, "w-1");
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&claims).unwrap();
        assert_eq!(v["iss"], Cloud::Commercial.issuer_url());
        assert_eq!(v["aud"], Cloud::Commercial.audience());
    }
}
