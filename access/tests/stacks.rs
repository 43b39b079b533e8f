//! Every rendered stack proved: each template in `templates/`, resolved for each of its
//! parameter variants in a commercial Region, an opt-in Region and (for Azure Government)
//! GovCloud (US), against a declared table of requests that must be allowed and must be
//! denied, evaluated on the template's own policies. A failure prints the case, the request
//! and the decision.

#[path = "stacks/delivery.rs"]
mod delivery;
#[path = "stacks/fixture.rs"]
mod fixture;
#[path = "stacks/resolver.rs"]
mod resolver;
#[path = "stacks/securityhub.rs"]
mod securityhub;
#[path = "stacks/sentinel.rs"]
mod sentinel;
#[path = "stacks/table.rs"]
mod table;

use fixture::*;
use table::Case;

/// The table of one fixture.
fn cases(fx: &Fixture) -> Vec<Case> {
    let mut out = Vec::new();
    match fx.template.kind {
        Kind::Legacy => out.extend(sentinel::legacy(fx)),
        Kind::OidcProvider | Kind::Member => {}
        Kind::Connector(services) => {
            out.extend(sentinel::web_identity(fx));
            for s in services {
                out.extend(sentinel::role(fx, *s));
                out.extend(delivery::notification(fx, *s));
                out.extend(delivery::writes(fx, *s));
            }
        }
        // The archive's bucket and its writers are the organization's: Sentinel's side only.
        Kind::LogArchive(services) => {
            out.extend(sentinel::web_identity(fx));
            for s in services {
                out.extend(sentinel::role(fx, *s));
                out.extend(sentinel::archive(fx, *s));
                out.extend(delivery::notification(fx, *s));
            }
        }
    }
    out
}

/// Runs a template's tables in every variant and Region; returns the number of cases.
fn prove(stem: &str) -> usize {
    let t = template(stem);
    let json: &'static serde_json::Value = Box::leak(Box::new(load(stem)));
    let mut total = 0;
    let mut failures = Vec::new();
    for region in t.cloud.regions() {
        if t.kind == Kind::Legacy && region.starts_with("us-gov-") {
            continue; // refused by the template's rule (generator/tests/real_aws.rs)
        }
        for variant in Variant::all(t.kind) {
            let fx = Fixture::new(t, json, *variant, region);
            let cases = cases(&fx);
            total += cases.len();
            failures.extend(table::run(&fx.label(), &fx.set, &cases));
        }
    }
    println!("{stem}: {total} cases");
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    total
}

macro_rules! proved {
    ($($test:ident => $stem:literal,)*) => {
        $(
            #[test]
            fn $test() {
                let n = prove($stem);
                assert!(n > 0, "{}: an empty table proves nothing", $stem);
            }
        )*
        const PROVED: &[&str] = &[$($stem),*];
    };
}

proved! {
    all_services_commercial => "sentinel-all-services-connector-commercial",
    all_services_government => "sentinel-all-services-connector-government",
    cloudtrail_commercial => "sentinel-cloudtrail-connector-commercial",
    cloudtrail_government => "sentinel-cloudtrail-connector-government",
    cloudwatch_commercial => "sentinel-cloudwatch-connector-commercial",
    cloudwatch_government => "sentinel-cloudwatch-connector-government",
    eks_commercial => "sentinel-eks-connector-commercial",
    eks_government => "sentinel-eks-connector-government",
    guardduty_commercial => "sentinel-guardduty-connector-commercial",
    guardduty_government => "sentinel-guardduty-connector-government",
    legacy_cloudtrail_role => "sentinel-legacy-cloudtrail-role-commercial",
    s3access_commercial => "sentinel-s3access-connector-commercial",
    s3access_government => "sentinel-s3access-connector-government",
    vpc_commercial => "sentinel-vpc-connector-commercial",
    vpc_government => "sentinel-vpc-connector-government",
    route53_commercial => "sentinel-route53-connector-commercial",
    route53_government => "sentinel-route53-connector-government",
    networkfirewall_commercial => "sentinel-networkfirewall-connector-commercial",
    networkfirewall_government => "sentinel-networkfirewall-connector-government",
    waf_commercial => "sentinel-waf-connector-commercial",
    waf_government => "sentinel-waf-connector-government",
    securityhub_commercial => "sentinel-securityhub-connector-commercial",
    securityhub_government => "sentinel-securityhub-connector-government",
    cloudfront_commercial => "sentinel-cloudfront-connector-commercial",
    cloudfront_government => "sentinel-cloudfront-connector-government",
    elb_commercial => "sentinel-elb-connector-commercial",
    elb_government => "sentinel-elb-connector-government",
    log_archive_commercial => "sentinel-log-archive-connector-commercial",
    log_archive_government => "sentinel-log-archive-connector-government",
}

/// The Regions of the tables all have an Elastic Load Balancing account for ALB access logs;
/// in a Region that opened later (Mexico (Central)) the stack admits the log-delivery service
/// principal instead, and no account.
#[test]
fn elb_in_a_region_without_an_elb_account_admits_the_service_principal() {
    let stem = "sentinel-elb-connector-commercial";
    let t = template(stem);
    let json: &'static serde_json::Value = Box::leak(Box::new(load(stem)));
    let mut failures = Vec::new();
    let mut total = 0;
    for variant in Variant::all(t.kind) {
        let fx = Fixture::new(t, json, *variant, "mx-central-1");
        let cases = cases(&fx);
        total += cases.len();
        failures.extend(table::run(&fx.label(), &fx.set, &cases));
    }
    assert!(total > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_template_in_templates_has_a_table() {
    let mut stems: Vec<String> = std::fs::read_dir(templates_dir())
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "json")
                .then(|| p.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    stems.sort();
    let mut known: Vec<&str> = TEMPLATES.iter().map(|t| t.stem).collect();
    known.sort();
    assert_eq!(stems, known, "templates/ and TEMPLATES differ");
    for t in TEMPLATES {
        assert!(
            PROVED.contains(&t.stem) || matches!(t.kind, Kind::OidcProvider | Kind::Member),
            "{} has no table test",
            t.stem
        );
    }
}

/// The member stack grants nothing: its only resources are the deliveries into the archive,
/// whose grants are the archive's bucket and key policies (the organization's).
#[test]
fn the_member_stack_holds_no_policy() {
    let json = load("sentinel-log-archive-member");
    let types: std::collections::BTreeSet<&str> = json["Resources"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| r["Type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["AWS::EC2::FlowLog", "AWS::GuardDuty::PublishingDestination"].into(),
        "{types:?}"
    );
}

/// The provider stack grants nothing, and the provider it creates is the one every
/// connector role's web-identity case federates through.
#[test]
fn the_oidc_provider_is_the_one_the_roles_trust() {
    for stem in [
        "sentinel-oidc-provider-commercial",
        "sentinel-oidc-provider-government",
    ] {
        let t = template(stem);
        let json: &'static serde_json::Value = Box::leak(Box::new(load(stem)));
        for region in t.cloud.regions() {
            let fx = Fixture::new(t, json, Variant::Defaults, region);
            assert!(
                fx.set.roles.is_empty() && fx.set.resources.is_empty(),
                "{}",
                fx.label()
            );
            assert_eq!(
                fx.reference("SentinelOIDCProvider"),
                fx.provider_arn(t.cloud),
                "{}",
                fx.label()
            );
            let audiences = fx
                .stack
                .property("SentinelOIDCProvider", &["ClientIdList"])
                .unwrap();
            assert_eq!(
                audiences,
                serde_json::json!([t.cloud.audience()]),
                "{}",
                fx.label()
            );
        }
    }
}
