//! The OIDC web identity provider Sentinel authenticates through (one per account and issuer).

use super::params;
use crate::cfn::{Cond, Expr, Parameter, Template};
use crate::facts::{Cloud, OIDC_THUMBPRINT};
use crate::resources::{cloudformation, iam, standard_tags};
use crate::text;
use serde_json::json;

pub const PROVIDER_ID: &str = "SentinelOIDCProvider";

pub fn build(cloud: Cloud) -> Template {
    let mut t = Template::new(text::render(
        "stack_description",
        &json!({"kind": "oidc", "cloud_label": cloud.label(), "issuer": cloud.issuer_url()}),
    ));
    let create = t.param(
        params::CREATE_PROVIDER,
        Parameter::boolean(
            "Create the provider. Set false when the account already has one for this issuer (e.g. from Defender for Cloud): the stack then creates nothing and the AddAudienceCommand output adds Sentinel's audience to it.",
            true,
        ),
    );
    let create_cond = t.condition("CreateOIDCProvider", Cond::equals(create, "true"));
    t.condition("ProviderExists", !(Cond::named(&create_cond)));
    t.add(
        PROVIDER_ID,
        &iam::OidcProvider {
            url: cloud.issuer_url(),
            client_id_list: vec![cloud.audience().to_string()],
            thumbprint_list: vec![OIDC_THUMBPRINT.to_string()],
            tags: standard_tags("oidc-provider"),
        },
    )
    .condition(create_cond.clone())
    .retain();
    // CloudFormation needs one resource even when the provider already exists.
    t.add(
        "ExistingProviderMarker",
        &cloudformation::WaitConditionHandle::default(),
    )
    .condition("ProviderExists");
    t.output(
        "OIDCProviderArn",
        "The provider Sentinel's roles trust.",
        Expr::sub(format!(
            "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:oidc-provider/{}",
            cloud.issuer_host_path()
        )),
    );
    t.output(
        "Audience",
        "The audience (client ID) Sentinel presents.",
        Expr::str(cloud.audience()),
    );
    t.output(
        "AddAudienceCommand",
        "Provider already exists: run this once to add Sentinel's audience to it.",
        Expr::sub(text::render(
            "add_audience_command",
            &json!({"issuer": cloud.issuer_host_path(), "audience": cloud.audience()}),
        )),
    )
    .condition = Some("ProviderExists".into());
    t
}
