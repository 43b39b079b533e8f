//! `simulator deploy --template oidc` in an account that already has a provider for
//! Sentinel's issuer (as Defender for Cloud leaves one), against real LocalStack: the deploy
//! adds Sentinel's audience to that provider instead of failing with EntityAlreadyExists, deploys
//! the stack with `CreateProvider=false` and says so; deployed again, it changes nothing and
//! says that; `--param CreateProvider=true` is refused before anything changes, with the fix.

use std::process::Command;

const DEFENDER_AUDIENCE: &str = "api://00000000-0000-0000-0000-0000000def01";

fn simulator(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_simulator"))
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_adds_sentinels_audience_to_the_provider_the_account_has() {
    let ls = harness::LocalStack::start(harness::LocalStackConfig::default())
        .unwrap_or_else(|e| panic!("LocalStack did not start: {e}"));
    let endpoint = ls.endpoint().to_string();
    let config = deployer::sdk_config(&deployer::Target::localstack(&endpoint)).await;
    let iam = aws_sdk_iam::Client::new(&config);
    let cloud = generator::facts::Cloud::Commercial;

    // No provider yet: the stack is deployed as it is (it creates the provider).
    let first = simulator(&[
        "deploy",
        "--template",
        "oidc",
        "--stack-name",
        "oidc-fresh",
        "--endpoint",
        &endpoint,
    ]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(!String::from_utf8_lossy(&first.stderr).contains("already has"));

    let arn = iam
        .create_open_id_connect_provider()
        .url(cloud.issuer_url())
        .client_id_list(DEFENDER_AUDIENCE)
        .thumbprint_list(generator::facts::OIDC_THUMBPRINT)
        .send()
        .await
        .unwrap()
        .open_id_connect_provider_arn()
        .unwrap()
        .to_string();

    let out = simulator(&[
        "deploy",
        "--template",
        "oidc",
        "--stack-name",
        "oidc-shared",
        "--endpoint",
        &endpoint,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("already has {arn}"))
            && stderr.contains(&format!("added the audience {}", cloud.audience())),
        "{stderr}"
    );
    let mut auds = iam
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .send()
        .await
        .unwrap()
        .client_id_list()
        .to_vec();
    auds.sort();
    let mut want = vec![DEFENDER_AUDIENCE.to_string(), cloud.audience().to_string()];
    want.sort();
    assert_eq!(auds, want);
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let stack = cfn
        .describe_stacks()
        .stack_name("oidc-shared")
        .send()
        .await
        .unwrap();
    let create = stack.stacks()[0]
        .parameters()
        .iter()
        .find(|p| p.parameter_key() == Some("CreateProvider"))
        .and_then(|p| p.parameter_value())
        .map(str::to_string);
    assert_eq!(create.as_deref(), Some("false"));

    // Again: the audience is there, nothing changes.
    let again = simulator(&[
        "deploy",
        "--template",
        "oidc",
        "--stack-name",
        "oidc-again",
        "--endpoint",
        &endpoint,
    ]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert!(stderr.contains("nothing changed"), "{stderr}");

    // Asking to create it anyway is refused before any stack is touched.
    let refused = simulator(&[
        "deploy",
        "--template",
        "oidc",
        "--stack-name",
        "oidc-refused",
        "--param",
        "CreateProvider=true",
        "--endpoint",
        &endpoint,
    ]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("EntityAlreadyExists") && stderr.contains("leave the parameter out"),
        "{stderr}"
    );
    assert!(cfn
        .describe_stacks()
        .stack_name("oidc-refused")
        .send()
        .await
        .is_err());
    ls.stop().unwrap();
}
