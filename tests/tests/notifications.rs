//! For each service stack, real S3 -> SQS notifications on LocalStack: an object under the
//! service's prefix with the right suffix gives exactly one notification; a CloudTrail digest,
//! another service's path and a wrong suffix give none; the s3:TestEvent is seen first.

use aws_sdk_sqs::types::Message;
use deployer::{StackRequest, Staging};
use generator::facts::{Cloud, DataType};
use generator::render::{self, Format};
use generator::stacks::outputs::ConnectorOutputs;
use generator::stacks::{ConnectorStack, StackKind, StackSpec};
use integration_tests::{s3, sdk, start_localstack, unique_parameters, wait_for};
use serde_json::Value;
use std::time::{Duration, Instant};

const ACCOUNT: &str = "000000000000";

fn key_for(service: DataType, name: &str) -> String {
    // The folders after the data type's segment: the Region and the date, the VPC and the date
    // (Resolver query logs), the distribution, the date and the hour (CloudFront standard
    // logging v2), or the Region, the firewall, the date and the hour (Network Firewall).
    let folder = match service {
        DataType::Route53 => "vpc-0123456789abcdef0/2026/03/01",
        DataType::CloudFront => "EDFDVBD6EXAMPLE/2026/03/01/00",
        DataType::NetworkFirewallFlow
        | DataType::NetworkFirewallAlert
        | DataType::NetworkFirewallTls => "us-east-1/egress-fw/2026/03/01/00",
        _ => "us-east-1/2026/03/01",
    };
    // Collectors that share a key segment (ELB) write under their key prefix.
    let prefix = match service.default_key_prefix() {
        "" => String::new(),
        p => format!("{p}/"),
    };
    format!(
        "{prefix}AWSLogs/{ACCOUNT}/{}/{folder}/{name}",
        service.key_segment()
    )
}

fn good_key(service: DataType) -> String {
    let name = match service {
        // The log-delivery service's layout for a web ACL's logs.
        DataType::Waf => {
            return format!(
                "AWSLogs/{ACCOUNT}/WAFLogs/us-east-1/my-acl/2026/03/01/00/05/{ACCOUNT}_waflogs_us-east-1_my-acl_20260301T0005Z_0a1b2c3d.log.gz"
            )
        }
        DataType::NetworkFirewallFlow
        | DataType::NetworkFirewallAlert
        | DataType::NetworkFirewallTls => {
            let log_type = &service.key_segment()["network-firewall/".len()..];
            format!(
                "{ACCOUNT}_network-firewall_{log_type}_us-east-1_egress-fw_20260301T0000Z_0a1b2c3d{}",
                service.suffix()
            )
        }
        // The partitioned key format: target prefix, account, Region, source bucket, day; no
        // suffix.
        DataType::S3Access => {
            return format!(
                "{}/{ACCOUNT}/us-east-1/app-data/2026/03/01/2026-03-01-00-00-00-E568B2907131C0C0",
                service.key_segment()
            )
        }
        // Firehose's layout under the stack's prefix.
        DataType::SecurityHub => {
            return format!(
                "AWSLogs/{ACCOUNT}/SecurityHubFindings/2026/03/01/00/sentinel-securityhub-1-2026-03-01-00-00-05-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.gz"
            )
        }
        DataType::CloudFront => "EDFDVBD6EXAMPLE.2026-03-01-00.abcdef01.gz".to_string(),
        // ELB's file names: the load balancer, the end of the interval, the node, a random part.
        DataType::ElbAlb | DataType::ElbNlb => format!(
            "{ACCOUNT}_elasticloadbalancing_us-east-1_{}.my-lb.50dc6c495c0c9188_20260301T0005Z_10.0.1.5_0a1b2c3d.log.gz",
            if service == DataType::ElbAlb { "app" } else { "net" }
        ),
        DataType::ElbNlbFlow | DataType::ElbGwlbFlow => format!(
            "{ACCOUNT}_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20260301T0005Z_0a1b2c3d.log.gz"
        ),
        _ => format!(
            "{ACCOUNT}_{}_sample{}",
            service.key_segment(),
            service.suffix()
        ),
    };
    key_for(service, &name)
}

/// Keys that must never reach this service's queue.
fn bad_keys(service: DataType) -> Vec<String> {
    let other = generator::stacks::connector_types()
        .into_iter()
        .find(|s| *s != service)
        .unwrap();
    let mut keys = vec![
        good_key(other),
        key_for(service, "sample.txt"),
        format!("elsewhere/{}", good_key(service)),
    ];
    if service == DataType::CloudTrail {
        keys.push(format!(
            "AWSLogs/{ACCOUNT}/CloudTrail-Digest/us-east-1/2026/03/01/{ACCOUNT}_CloudTrail-Digest_us-east-1_trail_us-east-1_20260301T000000Z.json.gz"
        ));
        keys.push(format!(
            "AWSLogs/{ACCOUNT}/CloudTrail-Insight/us-east-1/2026/03/01/{ACCOUNT}_CloudTrail-Insight_us-east-1_20260301T0000Z_x.json.gz"
        ));
    }
    if service != DataType::Vpc {
        keys.push(key_for(service, "sample.log"));
    }
    // The objects of the group's members already tried, which share this bucket (a later
    // member's queue is still to be drained, so its objects are not put here).
    if let Some(g) = service.group() {
        let members = DataType::members(g);
        for sibling in members.iter().take_while(|m| **m != service) {
            keys.push(good_key(*sibling).replace("0a1b2c3d", "sibling0"));
        }
    }
    if service == DataType::S3Access {
        let seg = service.key_segment();
        // Another account's or Region's logs, and a folder that only starts like ours.
        keys.push(good_key(service).replace(ACCOUNT, "111122223333"));
        keys.push(good_key(service).replace("/us-east-1/", "/eu-west-1/"));
        keys.push(good_key(service).replacen(seg, &format!("{seg}-old"), 1));
    }
    keys
}

enum Body {
    TestEvent,
    Created(Vec<String>),
}

fn parse(m: &Message) -> Body {
    let v: Value = serde_json::from_str(m.body().unwrap()).unwrap();
    if v["Event"] == "s3:TestEvent" {
        return Body::TestEvent;
    }
    let keys = v["Records"]
        .as_array()
        .unwrap_or_else(|| panic!("unexpected body {v}"))
        .iter()
        .map(|r| {
            assert!(
                r["eventName"]
                    .as_str()
                    .unwrap()
                    .starts_with("ObjectCreated:"),
                "{r}"
            );
            r["s3"]["object"]["key"].as_str().unwrap().to_string()
        })
        .collect();
    Body::Created(keys)
}

async fn receive(sqs: &aws_sdk_sqs::Client, url: &str, wait: i32) -> Vec<Message> {
    let out = sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .wait_time_seconds(wait)
        .send()
        .await
        .unwrap();
    let msgs = out.messages().to_vec();
    for m in &msgs {
        sqs.delete_message()
            .queue_url(url)
            .receipt_handle(m.receipt_handle().unwrap())
            .send()
            .await
            .unwrap();
    }
    msgs
}

#[tokio::test(flavor = "multi_thread")]
async fn each_service_queue_sees_only_its_own_objects() {
    let ls = start_localstack();
    let config = sdk(&ls).await;
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let s3 = s3(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let mut deployed: Vec<(ConnectorStack, ConnectorOutputs)> = Vec::new();
    for (kind, service) in ConnectorStack::all()
        .into_iter()
        .flat_map(|k| k.members().into_iter().map(move |m| (k, m.data_type())))
    {
        let spec = StackSpec {
            kind: StackKind::Connector(kind),
            cloud: Cloud::Commercial,
        };
        // A group's stack is deployed once; each member's queue is tried in turn.
        let read = match deployed.iter().find(|(k, _)| *k == kind) {
            Some((_, read)) => read.clone(),
            None => {
                let report = deployer::deploy(
                    &cfn,
                    &StackRequest {
                        stack_name: format!("notify-{}", kind.slug()),
                        template: render::render(&spec.build(), Format::Json),
                        parameters: unique_parameters(&spec),
                        timeout: Duration::from_secs(300),
                        progress: false,
                        staging: Some(Staging::new(&config)),
                    },
                )
                .await
                .unwrap_or_else(|e| panic!("{service}: {e}"));
                let read = ConnectorOutputs::from_map(&spec, &report.outputs)
                    .unwrap_or_else(|e| panic!("{e}"));
                deployed.push((kind, read.clone()));
                read
            }
        };
        let url = read
            .get(service)
            .unwrap_or_else(|| panic!("stack {spec} has no outputs of {service}"))
            .queue
            .url
            .clone();
        let bucket = read.bucket.clone();

        // S3 announces the new configuration with a test event.
        let (sqs_ref, url_ref) = (&sqs, &url);
        let first = wait_for(
            &format!("{service}: the s3:TestEvent"),
            Duration::from_secs(30),
            || async move {
                let msgs = receive(sqs_ref, url_ref, 1).await;
                (!msgs.is_empty()).then_some(msgs)
            },
        )
        .await;
        assert!(
            matches!(parse(&first[0]), Body::TestEvent),
            "{service}: first message is not the test event"
        );

        for key in bad_keys(service) {
            s3.put_object()
                .bucket(&bucket)
                .key(&key)
                .body(b"x".to_vec().into())
                .send()
                .await
                .unwrap();
        }
        let good = good_key(service);
        s3.put_object()
            .bucket(&bucket)
            .key(&good)
            .body(b"x".to_vec().into())
            .send()
            .await
            .unwrap();

        let mut created = Vec::new();
        for m in &first[1..] {
            if let Body::Created(k) = parse(m) {
                created.extend(k);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while !created.contains(&good) {
            assert!(
                Instant::now() < deadline,
                "{service}: no notification for {good} within 30 s (got {created:?})"
            );
            for m in receive(&sqs, &url, 1).await {
                if let Body::Created(k) = parse(&m) {
                    created.extend(k);
                }
            }
        }
        // Anything else still in flight would arrive within a last long poll.
        for m in receive(&sqs, &url, 2).await {
            if let Body::Created(k) = parse(&m) {
                created.extend(k);
            }
        }
        assert_eq!(
            created,
            vec![good.clone()],
            "{service}: exactly one notification, for {good}"
        );
        eprintln!(
            "{service}: 1 notification for {} objects put",
            bad_keys(service).len() + 1
        );
    }
    ls.stop().unwrap();
}
