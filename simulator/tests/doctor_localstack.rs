//! `simulator doctor` against real LocalStack: a VPC connector stack deployed with `simulator
//! deploy` and Sentinel's OIDC provider created with IAM (LocalStack mocks the provider stack's
//! `AWS::IAM::OIDCProvider` without creating one), VPC logs put in its bucket with `simulate
//! --stack`, then the doctor on the clean stack (no error finding, exit 0), and on the stack
//! broken in one way at a time, each named by its own finding (errors exit 1): no OIDC
//! provider audience, a trust policy with the wrong audience, another workspace's session
//! name, a role policy without the delete grant, a queue policy for another bucket, a
//! notification on another prefix, a notification to another queue that overlaps it, no
//! dead-letter queue, a message in the dead-letter queue (a warning), a queue whose oldest
//! message is two hours old (a warning), the newest object encrypted with a key the role may
//! not use (then allowed by the key's policy), or with another account's key (an error, then
//! with the role's grant a warning naming the owner's statement), a default encryption key
//! alias that no longer exists (a warning: undecided), an object that is not gzip. Each break is undone
//! before the next. Then a GuardDuty stack, whose export key the role may decrypt through S3.
//! And the doctor on a setup named by its role and queue (no stack): the same stack's
//! findings, then a setup made by hand whose missing grants and DLQ are named, each with a
//! command to fix it, and a shared bucket feeding two consumers' queues through an SNS topic,
//! clean, then without raw delivery, then with a topic policy S3 may not publish through.

use std::process::Command;

use simulator::doctor::setup::Setup;
use simulator::doctor::{diagnose, diagnose_setup, Diagnosis, Severity};

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

/// A queue `name` whose policy lets `service` send for `source_arn` only: its URL and ARN.
async fn queue_sent_by(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    service: &str,
    source_arn: &str,
) -> (String, String) {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_string();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(A::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes()
        .unwrap()[&A::QueueArn]
        .clone();
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sqs:SendMessage",
            "Resource": arn,
            "Condition": {"ArnLike": {"aws:SourceArn": source_arn}}
        }]
    });
    sqs.set_queue_attributes()
        .queue_url(&url)
        .attributes(A::Policy, policy.to_string())
        .send()
        .await
        .unwrap();
    (url, arn)
}

/// A key filter on `prefix` and `suffix`.
fn key_filter(prefix: &str, suffix: &str) -> aws_sdk_s3::types::NotificationConfigurationFilter {
    use aws_sdk_s3::types::{
        FilterRule, FilterRuleName, NotificationConfigurationFilter, S3KeyFilter,
    };
    let rule = |name, value: &str| FilterRule::builder().name(name).value(value).build();
    let rules = vec![
        rule(FilterRuleName::Prefix, prefix),
        rule(FilterRuleName::Suffix, suffix),
    ];
    NotificationConfigurationFilter::builder()
        .key(S3KeyFilter::builder().set_filter_rules(Some(rules)).build())
        .build()
}

/// A notification of objects under `prefix` ending in `suffix` to the queue `arn`.
fn notification(
    arn: &str,
    prefix: &str,
    suffix: &str,
) -> aws_sdk_s3::types::NotificationConfiguration {
    use aws_sdk_s3::types::{Event, NotificationConfiguration, QueueConfiguration};
    NotificationConfiguration::builder()
        .queue_configurations(
            QueueConfiguration::builder()
                .queue_arn(arn)
                .events(Event::S3ObjectCreated)
                .filter(key_filter(prefix, suffix))
                .build()
                .unwrap(),
        )
        .build()
}

/// A KMS key with its default policy (the account's IAM decides), by ARN.
async fn new_key(kms: &aws_sdk_kms::Client) -> String {
    kms.create_key()
        .description("doctor test: a key the stack does not know")
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .arn()
        .unwrap()
        .to_string()
}

/// A copy of `from` at `to` in `bucket`, encrypted (SSE-KMS) with `key`.
async fn copy_encrypted(s3: &aws_sdk_s3::Client, bucket: &str, from: &str, to: &str, key: &str) {
    s3.copy_object()
        .bucket(bucket)
        .copy_source(format!("{bucket}/{from}"))
        .key(to)
        .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
        .ssekms_key_id(key)
        .send()
        .await
        .unwrap();
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
    // No age of the oldest message: LocalStack does not publish it (said, not skipped).
    assert_eq!(clean.of("queue-age", Severity::Info).len(), 1);
    // The stack's two alarms (oldest message, dead-letter queue), deployed without AlarmEmail:
    // they notify nobody, which is said.
    let quiet = clean.of("alarms", Severity::Info);
    assert_eq!(quiet.len(), 2, "{:#?}", clean.findings);
    assert!(
        quiet.iter().all(|f| f.what.contains("notifies nobody")),
        "{quiet:#?}"
    );
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

    // The same stack named by its role and queue, as a setup that is no stack of ours: the
    // bucket (from the queue policy), the data type (from the notification) and the DLQ (from
    // the redrive policy) are read from the account, and the findings are the same.
    let setup = Setup {
        role_arn: o.role_arn.clone(),
        queues: vec![(d.queue.url.clone(), None)],
        bucket: None,
    };
    let by_role = diagnose_setup(&config, &setup, WORKSPACE, 2).await.unwrap();
    assert!(errors(&by_role).is_empty(), "{:#?}", errors(&by_role));
    let checks = |d: &Diagnosis| {
        let mut c: Vec<(&str, Severity)> =
            d.findings.iter().map(|f| (f.check, f.severity)).collect();
        c.sort();
        c
    };
    assert_eq!(checks(&by_role), checks(&clean), "{:#?}", by_role.findings);
    let cli = simulator(&[
        "doctor",
        "--role-arn",
        &o.role_arn,
        "--queue-url",
        &d.queue.url,
        "--workspace-id",
        WORKSPACE,
        "--endpoint",
        &endpoint,
    ]);
    let stdout = String::from_utf8_lossy(&cli.stdout);
    assert!(cli.status.success(), "{stdout}");
    assert!(stdout.contains("role/"), "{stdout}");
    let cli = simulator(&[
        "doctor",
        "--role-arn",
        &o.role_arn,
        "--queue-url",
        &d.queue.url,
        "--endpoint",
        &endpoint,
    ]);
    assert!(!cli.status.success());
    assert!(String::from_utf8_lossy(&cli.stderr).contains("--role-arn needs --workspace-id"));
    let cli = simulator(&[
        "doctor",
        "--role-arn",
        &o.role_arn,
        "--queue-url",
        &d.queue.url,
        "--data-type",
        "vpc",
        "--data-type",
        "cloudtrail",
        "--workspace-id",
        WORKSPACE,
        "--endpoint",
        &endpoint,
    ]);
    assert!(!cli.status.success());
    assert!(String::from_utf8_lossy(&cli.stderr)
        .contains("--data-type given 2 times for 1 --queue-url"));

    // A setup made by hand: its own bucket notifying a queue with a policy but no DLQ, for
    // CloudTrail's prefix, and the VPC role, which has no grant on either. The data type is
    // inferred from the notification; the errors are the missing grants and DLQ, each fixed
    // by a command (no stack to redeploy).
    let s3 = simulator::replay::s3_client(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let hand_bucket = "doctor-test-by-hand";
    s3.create_bucket().bucket(hand_bucket).send().await.unwrap();
    let (hand, hand_arn) = queue_sent_by(
        &sqs,
        "doctor-test-by-hand",
        "s3.amazonaws.com",
        &format!("arn:aws:s3:::{hand_bucket}"),
    )
    .await;
    let trail_prefix = "AWSLogs/000000000000/CloudTrail/";
    s3.put_bucket_notification_configuration()
        .bucket(hand_bucket)
        .notification_configuration(notification(&hand_arn, trail_prefix, ".json.gz"))
        .send()
        .await
        .unwrap();
    let hand_setup = Setup {
        role_arn: o.role_arn.clone(),
        queues: vec![(hand.clone(), None)],
        bucket: None,
    };
    let h = diagnose_setup(&config, &hand_setup, WORKSPACE, 2)
        .await
        .unwrap();
    let mut wrong: Vec<&str> = h
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.check)
        .collect();
    wrong.sort();
    assert_eq!(
        wrong,
        ["dlq", "role-queue", "role-read"],
        "{:#?}",
        h.findings
    );
    // No alarm on the hand-made queue: a warning, with the command that creates one.
    let unwatched = h.of("alarms", Severity::Warning);
    assert_eq!(unwatched.len(), 1, "{:#?}", h.findings);
    assert!(unwatched[0]
        .fix
        .as_deref()
        .unwrap()
        .contains("aws cloudwatch put-metric-alarm"));
    assert!(
        h.findings.iter().all(|f| f.subject.starts_with("role/")
            && f.fix.as_deref().is_none_or(|x| !x.contains("redeploy"))),
        "{:#?}",
        h.findings
    );
    assert!(h.of("role-queue", Severity::Error)[0]
        .fix
        .as_deref()
        .unwrap()
        .contains("aws iam put-role-policy"));
    assert_eq!(
        h.of("notification", Severity::Ok).len(),
        1,
        "{:#?}",
        h.findings
    );
    assert_eq!(h.of("queue-policy", Severity::Ok).len(), 1);
    assert!(h.of("notification", Severity::Ok)[0]
        .subject
        .ends_with("/cloudtrail"));
    // A notification no data type's segment fits: the user is asked for --data-type.
    s3.put_bucket_notification_configuration()
        .bucket(hand_bucket)
        .notification_configuration(notification(&hand_arn, "logs/", ".gz"))
        .send()
        .await
        .unwrap();
    let e = diagnose_setup(&config, &hand_setup, WORKSPACE, 2)
        .await
        .expect_err("no data type fits logs/*.gz");
    assert!(format!("{e:#}").contains("pass --data-type"), "{e:#}");

    // A shared bucket: S3 -> an SNS topic -> one queue per consumer (Sentinel's and a second
    // one), raw delivery, each queue policy allowing that topic only. The doctor finds the
    // bucket through the topic's policy and the path through the topic; then without raw
    // delivery, and with a topic policy S3 may not publish through, each is an error.
    let sns = aws_sdk_sns::Client::new(&config);
    let shared = "doctor-test-shared";
    s3.create_bucket().bucket(shared).send().await.unwrap();
    let topic = sns
        .create_topic()
        .name("doctor-test-trail")
        .send()
        .await
        .unwrap()
        .topic_arn()
        .unwrap()
        .to_string();
    let topic_policy = |bucket: &str| {
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic,
                "Condition": {
                    "ArnLike": {"aws:SourceArn": format!("arn:aws:s3:::{bucket}")},
                    "StringEquals": {"aws:SourceAccount": "000000000000"}
                }
            }]
        })
        .to_string()
    };
    sns.set_topic_attributes()
        .topic_arn(&topic)
        .attribute_name("Policy")
        .attribute_value(topic_policy(shared))
        .send()
        .await
        .unwrap();
    let mut consumers = Vec::new();
    for name in ["doctor-test-sentinel", "doctor-test-second-consumer"] {
        let (url, arn) = queue_sent_by(&sqs, name, "sns.amazonaws.com", &topic).await;
        let sub = sns
            .subscribe()
            .topic_arn(&topic)
            .protocol("sqs")
            .endpoint(&arn)
            .attributes("RawMessageDelivery", "true")
            .return_subscription_arn(true)
            .send()
            .await
            .unwrap()
            .subscription_arn()
            .unwrap()
            .to_string();
        consumers.push((url, sub));
    }
    {
        use aws_sdk_s3::types::{Event, NotificationConfiguration, TopicConfiguration};
        s3.put_bucket_notification_configuration()
            .bucket(shared)
            .notification_configuration(
                NotificationConfiguration::builder()
                    .topic_configurations(
                        TopicConfiguration::builder()
                            .topic_arn(&topic)
                            .events(Event::S3ObjectCreated)
                            .filter(key_filter(trail_prefix, ".json.gz"))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    let fanned = Setup {
        role_arn: o.role_arn.clone(),
        queues: vec![(consumers[0].0.clone(), None)],
        bucket: None,
    };
    let f = diagnose_setup(&config, &fanned, WORKSPACE, 2)
        .await
        .unwrap();
    let ok_policy = f.of("queue-policy", Severity::Ok);
    assert_eq!(ok_policy.len(), 2, "{:#?}", f.findings);
    assert!(ok_policy.iter().any(|x| x.what.contains("lets the topic")));
    assert!(ok_policy.iter().any(|x| x.what.contains("publish to")));
    let ok_notify = f.of("notification", Severity::Ok);
    assert_eq!(ok_notify.len(), 2, "{:#?}", f.findings);
    assert!(ok_notify.iter().any(|x| x.what.contains("raw")));
    assert!(
        ok_notify[0].subject.ends_with("/cloudtrail"),
        "{:#?}",
        ok_notify
    );
    assert!(f.of("queue-policy", Severity::Error).is_empty());
    assert!(f.of("notification", Severity::Error).is_empty());
    // Enveloped delivery: an error, fixed by one command.
    sns.set_subscription_attributes()
        .subscription_arn(&consumers[0].1)
        .attribute_name("RawMessageDelivery")
        .attribute_value("false")
        .send()
        .await
        .unwrap();
    let f = diagnose_setup(&config, &fanned, WORKSPACE, 2)
        .await
        .unwrap();
    let enveloped = f.of("notification", Severity::Error);
    assert_eq!(enveloped.len(), 1, "{:#?}", f.findings);
    assert!(enveloped[0]
        .fix
        .as_deref()
        .unwrap()
        .contains("--attribute-name RawMessageDelivery --attribute-value true"));
    // A topic policy for another bucket: S3 may not publish; the bucket is then named by hand.
    sns.set_topic_attributes()
        .topic_arn(&topic)
        .attribute_name("Policy")
        .attribute_value(topic_policy("someone-elses-bucket"))
        .send()
        .await
        .unwrap();
    let f = diagnose_setup(
        &config,
        &Setup {
            bucket: Some(shared.to_string()),
            ..fanned.clone()
        },
        WORKSPACE,
        2,
    )
    .await
    .unwrap();
    let refused = f.of("queue-policy", Severity::Error);
    assert_eq!(refused.len(), 1, "{:#?}", f.findings);
    assert!(
        refused[0].what.contains("may not publish"),
        "{}",
        refused[0].what
    );

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

    // A queue nobody consumes: CloudWatch's age of its oldest message, two hours (put here:
    // LocalStack publishes the queue depth metrics, not this one). Before it, no datapoint.
    assert_eq!(
        doctor(&config).await.of("queue-age", Severity::Info).len(),
        1
    );
    let queue_name = d.queue.arn.rsplit(':').next().unwrap().to_string();
    aws_sdk_cloudwatch::Client::new(&config)
        .put_metric_data()
        .namespace("AWS/SQS")
        .metric_data(
            aws_sdk_cloudwatch::types::MetricDatum::builder()
                .metric_name("ApproximateAgeOfOldestMessage")
                .dimensions(
                    aws_sdk_cloudwatch::types::Dimension::builder()
                        .name("QueueName")
                        .value(&queue_name)
                        .build(),
                )
                .value(7200.0)
                .unit(aws_sdk_cloudwatch::types::StandardUnit::Seconds)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let stale = doctor(&config).await;
    assert!(errors(&stale).is_empty(), "{:#?}", errors(&stale));
    let w = stale.of("queue-age", Severity::Warning);
    assert_eq!(w.len(), 1, "{:#?}", stale.findings);
    assert!(w[0].what.contains("2.0 h old"), "{}", w[0].what);
    assert!(w[0]
        .fix
        .as_deref()
        .unwrap()
        .contains(&format!("simulator consume --stack {STACK}")));

    // The notification on another prefix.
    let n = s3
        .get_bucket_notification_configuration()
        .bucket(&o.bucket)
        .send()
        .await
        .unwrap();
    let queue_arn = n.queue_configurations()[0].queue_arn().to_string();
    let rebuild = |prefix: &str| notification(&queue_arn, prefix, ".log.gz");
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

    // A second notification of the bucket, to another queue, whose filter overlaps the
    // stack's: an object under both goes to one queue only.
    let mut both = rebuild(&d.notification_prefix);
    both.queue_configurations
        .get_or_insert_with(Vec::new)
        .extend(
            notification(&hand_arn, "AWSLogs/", ".gz")
                .queue_configurations()
                .iter()
                .cloned(),
        );
    s3.put_bucket_notification_configuration()
        .bucket(&o.bucket)
        .notification_configuration(both)
        .send()
        .await
        .unwrap();
    let what = only_error(&doctor(&config).await, "notification");
    assert!(
        what.contains("overlap") && what.contains(&hand_arn),
        "{what}"
    );
    s3.put_bucket_notification_configuration()
        .bucket(&o.bucket)
        .notification_configuration(rebuild(&d.notification_prefix))
        .send()
        .await
        .unwrap();

    // The newest object encrypted with a key the stack does not know (an existing bucket's,
    // say): its default key policy leaves it to IAM, and the role's policies do not grant it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let kms = aws_sdk_kms::Client::new(&config);
    let key_arn = new_key(&kms).await;
    let newest = s3
        .list_objects_v2()
        .bucket(&o.bucket)
        .prefix(&d.notification_prefix)
        .send()
        .await
        .unwrap()
        .contents()
        .iter()
        .filter_map(|o| o.key())
        .find(|k| k.ends_with(".log.gz"))
        .unwrap()
        .to_string();
    let kms_object = format!("{}zy-kms.log.gz", d.notification_prefix);
    copy_encrypted(&s3, &o.bucket, &newest, &kms_object, &key_arn).await;
    let broken = doctor(&config).await;
    let what = only_error(&broken, "role-decrypt");
    assert!(what.contains(&key_arn), "{what}");
    let fix = broken.of("role-decrypt", Severity::Error)[0]
        .fix
        .clone()
        .unwrap();
    assert!(fix.contains(&format!("KmsKeyArn={key_arn}")), "{fix}");
    // The key's owner lets the role decrypt through S3: nothing wrong any more.
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "Sentinel", "Effect": "Allow", "Principal": {"AWS": &o.role_arn},
         "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}}]});
    kms.put_key_policy()
        .key_id(&key_arn)
        .policy_name("default")
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
    let fixed = doctor(&config).await;
    assert!(errors(&fixed).is_empty(), "{:#?}", errors(&fixed));
    assert!(
        fixed
            .of("role-decrypt", Severity::Ok)
            .iter()
            .any(|f| f.what.contains(&key_arn)),
        "{:#?}",
        fixed.findings
    );

    // The newest object encrypted with another account's key (the archive owner's, say):
    // its policy cannot be read here, so the role's side is decided: no grant, an error; with
    // a grant in the role's policy, a warning whose fix is the owner's statement.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let owner = config
        .to_builder()
        .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(
            aws_sdk_iam::config::Credentials::new("210000000009", "test", None, None, "owner"),
        ))
        .build();
    let foreign = new_key(&aws_sdk_kms::Client::new(&owner)).await;
    assert!(foreign.contains(":210000000009:"), "{foreign}");
    let foreign_key = format!("{}zz-foreign-kms.log.gz", d.notification_prefix);
    copy_encrypted(&s3, &o.bucket, &newest, &foreign_key, &foreign).await;
    let broken = doctor(&config).await;
    let what = only_error(&broken, "role-decrypt");
    assert!(
        what.contains(&foreign) && what.contains("cannot be read here"),
        "{what}"
    );
    let fix = broken.of("role-decrypt", Severity::Error)[0]
        .fix
        .clone()
        .unwrap();
    assert!(fix.contains(&format!("KmsKeyArn={foreign}")), "{fix}");
    let role_name = o.role_arn.rsplit('/').next().unwrap();
    let grant = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": &foreign}]});
    iam.put_role_policy()
        .role_name(role_name)
        .policy_name("doctor-test-foreign-key")
        .policy_document(grant.to_string())
        .send()
        .await
        .unwrap();
    let granted = doctor(&config).await;
    assert!(errors(&granted).is_empty(), "{:#?}", errors(&granted));
    let w = granted.of("role-decrypt", Severity::Warning);
    assert_eq!(w.len(), 1, "{:#?}", granted.findings);
    let fix = w[0].fix.as_deref().unwrap();
    assert!(
        fix.contains(&format!("key policy of {foreign}")) && fix.contains(&o.role_arn),
        "{fix}"
    );
    iam.delete_role_policy()
        .role_name(role_name)
        .policy_name("doctor-test-foreign-key")
        .send()
        .await
        .unwrap();
    s3.delete_object()
        .bucket(&o.bucket)
        .key(&foreign_key)
        .send()
        .await
        .unwrap();

    // The bucket's default encryption names a key alias that no longer exists: not readable,
    // and no key ARN to decide the role's side on, so a warning (undecided), not an error.
    let encryption = s3
        .get_bucket_encryption()
        .bucket(&o.bucket)
        .send()
        .await
        .unwrap()
        .server_side_encryption_configuration
        .unwrap();
    let gone = aws_sdk_s3::types::ServerSideEncryptionConfiguration::builder()
        .rules(
            aws_sdk_s3::types::ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(
                    aws_sdk_s3::types::ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
                        .kms_master_key_id("alias/doctor-test-gone")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .build()
        .unwrap();
    s3.put_bucket_encryption()
        .bucket(&o.bucket)
        .server_side_encryption_configuration(gone)
        .send()
        .await
        .unwrap();
    let undecided = doctor(&config).await;
    assert!(errors(&undecided).is_empty(), "{:#?}", errors(&undecided));
    let w = undecided.of("role-decrypt", Severity::Warning);
    assert_eq!(w.len(), 1, "{:#?}", undecided.findings);
    assert!(
        w[0].what.contains("alias/doctor-test-gone") && w[0].what.contains("not decided"),
        "{}",
        w[0].what
    );
    s3.put_bucket_encryption()
        .bucket(&o.bucket)
        .server_side_encryption_configuration(encryption)
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
        "--param",
        "AlarmEmail=soc@example.com",
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
    // With AlarmEmail, both alarms notify the stack's topic.
    let paged = gd.of("alarms", Severity::Ok);
    assert_eq!(paged.len(), 2, "{:#?}", gd.findings);
    assert!(paged.iter().all(|f| f.what.contains(":sns:")), "{paged:#?}");
    drop(ls);
}
