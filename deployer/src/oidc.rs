//! An OIDC provider the account already has for Sentinel's issuer (Defender for Cloud creates
//! one for the same `sts.windows.net/<tenant>/` issuer): IAM holds one provider per issuer, so
//! a stack that creates it again fails with EntityAlreadyExists. For a template that declares
//! `CreateProvider` and creates the provider under that condition (the OIDC provider stack),
//! `deploy` looks the issuer's provider up first; when there is one it adds the template's
//! audiences that the provider lacks (`AddClientIDToOpenIDConnectProvider`) and deploys with
//! `CreateProvider=false`, and says what it did. No provider: the stack creates it.

use anyhow::{bail, Context, Result};
use generator::stacks::params;
use serde_json::Value as Json;

/// The provider a template creates: its issuer URL and audiences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSpec {
    pub url: String,
    pub audiences: Vec<String>,
}

/// What `deploy` did about an existing provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reused {
    pub arn: String,
    /// The audiences it had before.
    pub had: Vec<String>,
    /// The template's audiences added to it.
    pub added: Vec<String>,
}

impl Reused {
    /// The line `deploy` prints.
    pub fn describe(&self) -> String {
        let what = match self.added.as_slice() {
            [] => "it already has Sentinel's audience; nothing changed".to_string(),
            added => format!("added the audience {} to it", added.join(", ")),
        };
        format!(
            "OIDC provider: the account already has {} (audiences {}); {what}; the stack creates no provider ({}=false)",
            self.arn,
            self.had.join(", "),
            params::CREATE_PROVIDER
        )
    }
}

/// The provider the template creates under `CreateProvider`, when it declares that parameter.
pub fn provider_spec(template: &Json) -> Option<ProviderSpec> {
    template["Parameters"].get(params::CREATE_PROVIDER)?;
    let resources = template["Resources"].as_object()?;
    let props = resources
        .values()
        .find(|r| r["Type"] == "AWS::IAM::OIDCProvider")?
        .get("Properties")?;
    Some(ProviderSpec {
        url: props["Url"].as_str()?.to_string(),
        audiences: props["ClientIdList"]
            .as_array()?
            .iter()
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect(),
    })
}

/// Whether a provider ARN (`arn:<p>:iam::<account>:oidc-provider/<host/path>`) is the one of
/// issuer `url` (IAM keeps the issuer's trailing `/` in the ARN, LocalStack drops it).
pub fn is_provider_of(arn: &str, url: &str) -> bool {
    let issuer = url.trim_start_matches("https://").trim_end_matches('/');
    arn.split_once(":oidc-provider/")
        .is_some_and(|(_, p)| p.trim_end_matches('/') == issuer)
}

/// The value of `CreateProvider` the caller gave, if any.
fn given_create(given: &[(String, String)]) -> Option<&str> {
    given
        .iter()
        .rev()
        .find(|(k, _)| k == params::CREATE_PROVIDER)
        .map(|(_, v)| v.as_str())
}

/// Looks the issuer's provider up and, when the account has it, adds the missing audiences.
/// `Ok(None)`: the template creates no provider, the caller chose `CreateProvider=false`, or
/// the account has none (the stack creates it).
pub async fn reuse_existing(
    iam: &aws_sdk_iam::Client,
    template: &Json,
    given: &[(String, String)],
) -> Result<Option<Reused>> {
    let Some(spec) = provider_spec(template) else {
        return Ok(None);
    };
    if given_create(given) == Some("false") {
        return Ok(None);
    }
    let listed = iam.list_open_id_connect_providers().send().await.context(
        "IAM ListOpenIDConnectProviders (to find an existing provider for Sentinel's issuer)",
    )?;
    let Some(arn) = listed
        .open_id_connect_provider_list()
        .iter()
        .filter_map(|p| p.arn())
        .find(|a| is_provider_of(a, &spec.url))
        .map(str::to_string)
    else {
        return Ok(None);
    };
    if given_create(given) == Some("true") {
        bail!(
            "the account already has the OIDC provider {arn} for {}; --param {}=true would fail with EntityAlreadyExists: leave the parameter out (deploy then adds Sentinel's audience to that provider) or pass {}=false",
            spec.url,
            params::CREATE_PROVIDER,
            params::CREATE_PROVIDER
        );
    }
    let got = iam
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .send()
        .await
        .with_context(|| format!("IAM GetOpenIDConnectProvider {arn}"))?;
    let had: Vec<String> = got.client_id_list().to_vec();
    let mut added = Vec::new();
    for aud in spec.audiences.iter().filter(|a| !had.contains(a)) {
        iam.add_client_id_to_open_id_connect_provider()
            .open_id_connect_provider_arn(&arn)
            .client_id(aud)
            .send()
            .await
            .with_context(|| format!("IAM AddClientIDToOpenIDConnectProvider {arn} {aud}"))?;
        added.push(aud.clone());
    }
    Ok(Some(Reused { arn, had, added }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_providers_issuer_matches_with_or_without_its_trailing_slash() {
        let url = "https://sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/";
        assert!(is_provider_of(
            "arn:aws:iam::1:oidc-provider/sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/",
            url
        ));
        assert!(is_provider_of(
            "arn:aws:iam::1:oidc-provider/sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d",
            url
        ));
        assert!(!is_provider_of(
            "arn:aws:iam::1:oidc-provider/sts.windows.net/00000000-0000-0000-0000-000000000000/",
            url
        ));
        assert!(!is_provider_of("arn:aws:iam::1:role/x", url));
    }

    #[test]
    fn the_oidc_templates_provider_is_read_and_other_templates_have_none() {
        let oidc = crate::cli::load_template("oidc", "commercial").unwrap();
        let t: Json = serde_json::from_str(&oidc).unwrap();
        let spec = provider_spec(&t).expect("the OIDC stack creates a provider");
        assert_eq!(spec.url, generator::facts::Cloud::Commercial.issuer_url());
        assert_eq!(
            spec.audiences,
            vec![generator::facts::Cloud::Commercial.audience().to_string()]
        );
        let other = serde_json::json!({"Parameters": {}, "Resources": {}});
        assert_eq!(provider_spec(&other), None);
    }

    #[test]
    fn the_line_says_what_was_done() {
        let r = Reused {
            arn: "arn:aws:iam::1:oidc-provider/sts.windows.net/t/".into(),
            had: vec!["api://defender".into()],
            added: vec!["api://sentinel".into()],
        };
        let line = r.describe();
        assert!(line.contains("added the audience api://sentinel"), "{line}");
        assert!(line.contains("CreateProvider=false"), "{line}");
        let same = Reused { added: vec![], ..r };
        assert!(same.describe().contains("nothing changed"));
    }
}
