//! `FanOut=sns` against real LocalStack: a CloudTrail connector stack whose bucket notifies an
//! SNS topic, Sentinel's queue subscribed with raw delivery, and a second consumer's queue
//! subscribed to the same topic (as Defender for Cloud's would be) without touching the stack.
//! Trail files put in the bucket reach both queues as raw S3 notifications, one per object,
//! with the same keys; the doctor finds no error on the stack and names the topic path.

use std::collections::BTreeSet;
use std::process::Command;

use simulator::doctor::{diagnose, Severity};

const STACK: &str = "fan-out-trail";
const WORKSPACE: &str = "00000000-0000-4000-8000-00000000fa70";

fn ok(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_simulator"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "simulator {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every message of `url` (received until it is empty), as the object keys of their S3
/// notifications; panics on a body that is not a raw S3 notification.
async fn keys_in(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut empty = 0;
    while empty < 3 {
        let got = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        if got.messages().is_empty() {
            empty += 1;
            continue;
        }
        empty = 0;
        for m in got.messages() {
            let body: serde_json::Value = serde_json::from_str(m.body().unwrap()).unwrap();
            assert!(
                body.get("Type").is_none(),
                "an SNS envelope, not raw: {body}"
            );
            if body["Event"] == "s3:TestEvent" {
                continue;
            }
            for r in body["Records"].as_array().expect("S3 Records") {
                keys.push(r["s3"]["object"]["key"].as_str().unwrap().to_string());
            }
            sqs.delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    keys.sort();
    keys
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_consumer_subscribes_to_the_topic_and_gets_the_same_objects() {
    let ls = harness::LocalStack::start(harness::LocalStackConfig::default())
        .unwrap_or_else(|e| panic!("LocalStack did not start: {e}"));
    let endpoint = ls.endpoint().to_string();
    ok(&[
        "deploy",
        "--template",
        "cloudtrail",
        "--stack-name",
        STACK,
        "--workspace-id",
        WORKSPACE,
        "--param",
        "FanOut=sns",
        "--endpoint",
        &endpoint,
    ]);
    let config = deployer::sdk_config(&deployer::Target::localstack(&endpoint)).await;
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let outputs = deployer::outputs(&cfn, STACK).await.unwrap();
    let topic = outputs
        .iter()
        .find(|(k, _)| k.ends_with("NotificationTopicArn"))
        .map(|(_, v)| v.clone())
        .expect("the stack gives its topic");
    let sentinel = outputs["SentinelSQSQueueURL"].clone();

    // The second consumer: its own queue, its own policy (that topic only), raw delivery.
    let sqs = aws_sdk_sqs::Client::new(&config);
    let sns = aws_sdk_sns::Client::new(&config);
    let second = sqs
        .create_queue()
        .queue_name("second-consumer")
        .send()
        .await
        .unwrap()
        .queue_url()
        .unwrap()
        .to_string();
    let second_arn = "arn:aws:sqs:us-east-1:000000000000:second-consumer";
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": second_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic}}
        }]
    });
    sqs.set_queue_attributes()
        .queue_url(&second)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::Policy,
            policy.to_string(),
        )
        .send()
        .await
        .unwrap();
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(second_arn)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    ok(&[
        "simulate",
        "--service",
        "cloudtrail",
        "--records",
        "300",
        "--stack",
        STACK,
        "--endpoint",
        &endpoint,
        "--out",
        logs.to_str().unwrap(),
    ]);
    let written: BTreeSet<String> = std::fs::read_to_string(logs.join("manifest-cloudtrail.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["key"].as_str().map(str::to_string))
        .filter(|k| k.ends_with(".json.gz") && k.contains("/CloudTrail/"))
        .collect();
    assert!(!written.is_empty(), "no trail file written");

    // The doctor, before the queues are drained: the stack's path through the topic is sound
    // (Sentinel's OIDC provider created with IAM: LocalStack mocks the provider stack's).
    let cloud = generator::facts::Cloud::Commercial;
    aws_sdk_iam::Client::new(&config)
        .create_open_id_connect_provider()
        .url(cloud.issuer_url())
        .client_id_list(cloud.audience())
        .thumbprint_list(generator::facts::OIDC_THUMBPRINT)
        .send()
        .await
        .unwrap();
    let d = diagnose(&config, &[STACK.to_string()], None, 1)
        .await
        .unwrap();
    let errors: Vec<_> = d
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(d
        .of("queue-policy", Severity::Ok)
        .iter()
        .any(|f| f.what.contains("lets the topic")));
    assert!(d
        .of("notification", Severity::Ok)
        .iter()
        .any(|f| f.what.contains("raw")));

    let at_sentinel = keys_in(&sqs, &sentinel).await;
    let at_second = keys_in(&sqs, &second).await;
    let want: Vec<String> = written.into_iter().collect();
    assert_eq!(at_sentinel, want, "Sentinel's queue");
    assert_eq!(at_second, want, "the second consumer's queue");
    ls.stop().unwrap();
}
