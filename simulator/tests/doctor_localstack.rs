//! `simulator doctor` against real LocalStack: a VPC connector stack deployed with `simulator
//! deploy` and Sentinel's OIDC provider created with IAM (LocalStack mocks the provider stack's
//! `AWS::IAM::OIDCProvider` without creating one), VPC logs put in its bucket with `simulate --stack`, then
//! the doctor on the clean stack (no error finding, exit 0), and on the stack broken in one way
//! at a time, each named by its own error finding (and exit 1): no OIDC provider audience, a
//! trust policy with the wrong audience, another workspace's session name, a role policy
//! without the delete grant, a queue policy for another bucket, a notification on
//! another prefix, no dead-letter queue, a message in the dead-letter queue, an object that is
//! not gzip. Each break is undone before the next. Then a GuardDuty stack, whose export key the
//! role may decrypt through S3.

use std::process::Command;

use simulator::doctor::{diagnose, Diagnosis, Severity};

const STACK: &str = "doctor-test-vpc";
const WORKSPACE: &str = "00000000-0000-4000-8000-0000000d0c70";

fn simulator(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_simulator"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) {
    let out = simulator(args);
    assert!(
        out.status.success(),
        "simulator {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn doctor(config: &aws_config::SdkConfig) -> Diagnosis {
    diagnose(config, &[STACK.to_string()], None, 2)
        .await
        .unwrap()
}

/// The error findings, as `check: what` lines (for assertion messages).
fn errors(d: &Diagnosis) -> Vec<String> {
    d.findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{}: {}", f.check, f.what))
        .collect()
}

/// The one error finding of `check` (and no other error).
fn only_error(d: &Diagnosis, check: &str) -> String {
    let e = errors(d);
    assert_eq!(e.len(), 1, "expected one {check} error: {e:#?}");
    let f = d.of(check, Severity::Error);
    assert_eq!(f.len(), 1, "{e:#?}");
    assert!(f[0].fix.is_some(), "{check}: no fix");
    f[0].what.clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_doctor_finds_each_break_and_nothing_on_a_clean_stack() {
    let ls = harness::LocalStack::start(harness::LocalStackConfig::default())
        .unwrap_or_else(|e| panic!("LocalStack did not start: {e}"));
    let endpoint = ls.endpoint().to_string();
    ok(&[
        "deploy",
        "--template",
        "vpc",
        "--stack-name",
        STACK,
        "--workspace-id",
        WORKSPACE,
        "--endpoint",
        &endpoint,
    ]);
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    ok(&[
        "simulate",
        "--service",
        "vpc",
        "--records",
        "200",
        "--records-per-object",
        "50",
        "--stack",
        STACK,
        "--endpoint",
        &endpoint,
        "--out",
        logs.to_str().unwrap(),
    ]);
    let config = deployer::sdk_config(&deployer::Target::localstack(&endpoint)).await;
    let iam = aws_sdk_iam::Client::new(&config);
    let cloud = generator::facts::Cloud::Commercial;
    let provider = iam
        .create_open_id_connect_provider()
        .url(cloud.issuer_url())
        .client_id_list(cloud.audience())
        .thumbprint_list(generator::facts::OIDC_THUMBPRINT)
        .send()
        .await
        .unwrap()
        .open_id_connect_provider_arn()
        .unwrap()
        .to_string();
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let outputs = deployer::outputs(&cfn, STACK).await.unwrap();
    let o = generator::stacks::outputs::ConnectorOutputs::from_any(&outputs).unwrap();
    let d = &o.data_types[0];

    // Clean: no error, every check looked at, the sampled objects parsed; exit 0 from the CLI.
    let clean = doctor(&config).await;
    assert!(errors(&clean).is_empty(), "{:#?}", errors(&clean));
    for check in [
        "oidc-provider",
        "trust",
        "role-queue",
        "role-read",
        "queue-policy",
        "notification",
        "dlq",
        "objects",
    ] {
        assert!(
            !clean.of(check, Severity::Ok).is_empty(),
            "{check}: no ok finding: {:#?}",
            clean.findings
        );
    }
    assert_eq!(clean.of("objects", Severity::Ok).len(), 2);
    let cli = simulator(&[
        "doctor",
        "--stack",
        STACK,
        "--endpoint",
        &endpoint,
        "--json",
    ]);
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert!(json["findings"].as_array().unwrap().len() >= 9);

    // The provider without Sentinel's audience.
    iam.remove_client_id_from_open_id_connect_provider()
        .open_id_connect_provider_arn(&provider)
        .client_id(cloud.audience())
        .send()
        .await
        .unwrap();
    let what = only_error(&doctor(&config).await, "oidc-provider");
    assert!(what.contains("lacks Sentinel's audience"), "{what}");
    let f = doctor(&config).await;
    assert_eq!(
        f.of("oidc-provider", Severity::Error)[0].health_code,
        Some("S3B40029")
    );
    iam.add_client_id_to_open_id_connect_provider()
        .open_id_connect_provider_arn(&provider)
        .client_id(cloud.audience())
        .send()
        .await
        .unwrap();
    let cli = simulator(&["doctor", "--stack", STACK, "--endpoint", &endpoint]);
    assert!(cli.status.success());

    // A trust policy that names another audience.
    let role = o.role_arn.rsplit('/').next().unwrap().to_string();
    let trust = iam.get_role().role_name(&role).send().await.unwrap();
    let original = percent_encoding::percent_decode_str(
        trust.role().unwrap().assume_role_policy_document().unwrap(),
    )
    .decode_utf8()
    .unwrap()
    .into_owned();
    let wrong = original.replace(
        cloud.audience(),
        "api://00000000-0000-0000-0000-000000000bad",
    );
    assert_ne!(wrong, original);
    iam.update_assume_role_policy()
        .role_name(&role)
        .policy_document(&wrong)
        .send()
        .await
        .unwrap();
    let d2 = doctor(&config).await;
    let what = only_error(&d2, "trust");
    assert!(what.contains("Sentinel cannot assume"), "{what}");
    assert_eq!(
        d2.of("trust", Severity::Error)[0].health_code,
        Some("S3B40029")
    );
    let cli = simulator(&["doctor", "--stack", STACK, "--endpoint", &endpoint]);
    assert_eq!(cli.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&cli.stdout).contains("ERROR   trust"));
    iam.update_assume_role_policy()
        .role_name(&role)
        .policy_document(&original)
        .send()
        .await
        .unwrap();

    // Another workspace's session name: the trust refuses it.
    let other = diagnose(
        &config,
        &[STACK.to_string()],
        Some("00000000-0000-4000-8000-00000000beef"),
        0,
    )
    .await
    .unwrap();
    let what = only_error(&other, "trust");
    assert!(what.contains("Sentinel cannot assume"), "{what}");

    // A role policy without the delete grant.
    let names = iam
        .list_role_policies()
        .role_name(&role)
        .send()
        .await
        .unwrap();
    let pname = names.policy_names()[0].clone();
    let doc = iam
        .get_role_policy()
        .role_name(&role)
        .policy_name(&pname)
        .send()
        .await
        .unwrap();
    let text = percent_encoding::percent_decode_str(doc.policy_document())
        .decode_utf8()
        .unwrap()
        .into_owned();
    let without = text.replace("\"sqs:DeleteMessage\",", "");
    assert_ne!(without, text, "{text}");
    iam.put_role_policy()
        .role_name(&role)
        .policy_name(&pname)
        .policy_document(&without)
        .send()
        .await
        .unwrap();
    let what = only_error(&doctor(&config).await, "role-queue");
    assert!(what.contains("sqs:DeleteMessage"), "{what}");
    iam.put_role_policy()
        .role_name(&role)
        .policy_name(&pname)
        .policy_document(&text)
        .send()
        .await
        .unwrap();

    // A queue policy for another bucket.
    let sqs = aws_sdk_sqs::Client::new(&config);
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&d.queue.url)
        .attribute_names(A::Policy)
        .attribute_names(A::RedrivePolicy)
        .send()
        .await
        .unwrap();
    let policy = attrs.attributes().unwrap()[&A::Policy].clone();
    let redrive = attrs.attributes().unwrap()[&A::RedrivePolicy].clone();
    let set = |k: A, v: String| {
        let sqs = sqs.clone();
        let url = d.queue.url.clone();
        async move {
            sqs.set_queue_attributes()
                .queue_url(url)
                .attributes(k, v)
                .send()
                .await
                .unwrap();
        }
    };
    set(A::Policy, policy.replace(&o.bucket, "someone-elses-bucket")).await;
    let what = only_error(&doctor(&config).await, "queue-policy");
    assert!(what.contains("S3 may not notify the queue"), "{what}");
    set(A::Policy, policy.clone()).await;

    // No dead-letter queue.
    set(A::RedrivePolicy, String::new()).await;
    let what = only_error(&doctor(&config).await, "dlq");
    assert!(what.contains("has no dead-letter queue"), "{what}");
    set(A::RedrivePolicy, redrive).await;

    // A message stuck in the dead-letter queue: a warning, with the command that shows it.
    sqs.send_message()
        .queue_url(&d.queue.dlq_url)
        .message_body("{}")
        .send()
        .await
        .unwrap();
    let stuck = doctor(&config).await;
    assert!(errors(&stuck).is_empty(), "{:#?}", errors(&stuck));
    let w = stuck.of("dlq", Severity::Warning);
    assert_eq!(w.len(), 1, "{:#?}", stuck.findings);
    assert!(w[0].fix.as_deref().unwrap().contains(&d.queue.dlq_url));
    sqs.purge_queue()
        .queue_url(&d.queue.dlq_url)
        .send()
        .await
        .unwrap();

    // The notification on another prefix.
    let s3 = simulator::replay::s3_client(&config);
    let n = s3
        .get_bucket_notification_configuration()
        .bucket(&o.bucket)
        .send()
        .await
        .unwrap();
    let rebuild = |prefix: &str| {
        let q = &n.queue_configurations()[0];
        let rules = vec![
            aws_sdk_s3::types::FilterRule::builder()
                .name(aws_sdk_s3::types::FilterRuleName::Prefix)
                .value(prefix)
                .build(),
            aws_sdk_s3::types::FilterRule::builder()
                .name(aws_sdk_s3::types::FilterRuleName::Suffix)
                .value(".log.gz")
                .build(),
        ];
        aws_sdk_s3::types::NotificationConfiguration::builder()
            .queue_configurations(
                aws_sdk_s3::types::QueueConfiguration::builder()
                    .queue_arn(q.queue_arn())
                    .events(aws_sdk_s3::types::Event::S3ObjectCreated)
                    .filter(
                        aws_sdk_s3::types::NotificationConfigurationFilter::builder()
                            .key(
                                aws_sdk_s3::types::S3KeyFilter::builder()
                                    .set_filter_rules(Some(rules))
                                    .build(),
                            )
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .build()
    };
    s3.put_bucket_notification_configuration()
        .bucket(&o.bucket)
        .notification_configuration(rebuild("logs/AWSLogs/"))
        .send()
        .await
        .unwrap();
    let what = only_error(&doctor(&config).await, "notification");
    assert!(what.contains("filters prefix 'logs/AWSLogs/'"), "{what}");
    s3.put_bucket_notification_configuration()
        .bucket(&o.bucket)
        .notification_configuration(rebuild(&d.notification_prefix))
        .send()
        .await
        .unwrap();

    // An object that is not gzip, the newest under the prefix.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let key = format!("{}zz-not-gzip.log.gz", d.notification_prefix);
    s3.put_object()
        .bucket(&o.bucket)
        .key(&key)
        .body(b"version account-id\n".to_vec().into())
        .send()
        .await
        .unwrap();
    let what = only_error(&doctor(&config).await, "objects");
    assert!(what.contains(&key) && what.contains("gzip"), "{what}");

    // A GuardDuty stack: its export key, which the role may decrypt through S3; no export yet.
    ok(&[
        "deploy",
        "--template",
        "guardduty",
        "--stack-name",
        "doctor-test-guardduty",
        "--workspace-id",
        WORKSPACE,
        "--param",
        "DetectorId=0123456789abcdef0123456789abcdef",
        "--endpoint",
        &endpoint,
    ]);
    let gd = diagnose(&config, &["doctor-test-guardduty".to_string()], None, 2)
        .await
        .unwrap();
    assert!(errors(&gd).is_empty(), "{:#?}", errors(&gd));
    assert_eq!(
        gd.of("role-decrypt", Severity::Ok).len(),
        1,
        "{:#?}",
        gd.findings
    );
    assert_eq!(gd.of("objects", Severity::Warning).len(), 1);
    drop(ls);
}
