//! The EKS stack end to end on real LocalStack: synthetic audit events and control-plane noise
//! are written to `/aws/eks/<cluster>/cluster` with PutLogEvents; the stack's subscription
//! filter, Firehose stream and transform Lambda turn them into objects under the notified prefix;
//! S3 announces them on the queue; every audit event must come out exactly once as the expected
//! `AWSEKSLogs_CL` row, and nothing else. A record the Lambda cannot decode lands under the
//! error prefix and is never announced. A record whose rows exceed Lambda's 6 MB response is
//! re-ingested by the Lambda into its own stream and arrives in objects of under 6 MB each,
//! every event once, none under the error prefix.

use deployer::{StackRequest, Staging};
use generator::facts::Cloud;
use generator::render::{self, Format};
use generator::stacks::outputs::EksOutputs;
use generator::stacks::{StackKind, StackParams, StackSpec};
use integration_tests::{s3, sdk, start_localstack, wait_for, WORKSPACE_ID};
use serde_json::Value;
use simulator::replay::{self, LogsSink};
use simulator::synth::eks::{self, EksOptions};
use simulator::tables::AwsEksLogs;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const CLUSTER: &str = "it-eks-Prod_1";
const AUDIT_EVENTS: u64 = 600;
const COLUMNS: [&str; 13] = [
    "TimeGenerated",
    "AwsAccountId",
    "Region",
    "ClusterName",
    "Verb",
    "User",
    "SourceIPs",
    "UserAgent",
    "ObjectRef",
    "ResponseCode",
    "Stage",
    "AuthDecision",
    "RawEvent",
];

/// `%XX` and `+` decoding of the keys in S3 event notifications.
fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// Object keys announced by one SQS message (none for the s3:TestEvent).
fn announced_keys(body: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(body).unwrap();
    if v["Event"] == "s3:TestEvent" {
        return Vec::new();
    }
    v["Records"]
        .as_array()
        .unwrap_or_else(|| panic!("unexpected notification {v}"))
        .iter()
        .map(|r| {
            assert!(
                r["eventName"]
                    .as_str()
                    .unwrap()
                    .starts_with("ObjectCreated:"),
                "{r}"
            );
            url_decode(r["s3"]["object"]["key"].as_str().unwrap())
        })
        .collect()
}

/// What one delivered object holds.
struct Object {
    gzip: bool,
    rows: Vec<AwsEksLogs>,
}

/// Reads NDJSON whose lines are exactly the AWSEKSLogs_CL columns, gunzipping it when it is
/// gzip (objects Firehose wrote) and reading it as is otherwise (the Lambda's own output).
fn parse_object(key: &str, bytes: &[u8]) -> Object {
    let gzip = bytes.starts_with(&[0x1f, 0x8b]);
    let text = if gzip {
        let mut s = String::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_string(&mut s)
            .unwrap_or_else(|e| panic!("{key}: bad gzip: {e}"));
        s
    } else {
        String::from_utf8(bytes.to_vec()).unwrap_or_else(|e| panic!("{key}: not UTF-8: {e}"))
    };
    assert!(
        text.ends_with('\n'),
        "{key}: NDJSON must be newline-terminated"
    );
    let rows = text
        .lines()
        .map(|line| {
            let v: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{key}: {e}: {line}"));
            let keys: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys, BTreeSet::from(COLUMNS), "{key}: columns");
            serde_json::from_value(v).unwrap_or_else(|e| panic!("{key}: {e}: {line}"))
        })
        .collect();
    Object { gzip, rows }
}

async fn list(s3: &aws_sdk_s3::Client, bucket: &str, prefix: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut token = None;
    loop {
        let out = s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_continuation_token(token)
            .send()
            .await
            .unwrap();
        keys.extend(
            out.contents()
                .iter()
                .filter_map(|o| o.key().map(String::from)),
        );
        match out.next_continuation_token() {
            Some(t) => token = Some(t.to_string()),
            None => return keys,
        }
    }
}

async fn get(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Vec<u8> {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    out.body.collect().await.unwrap().into_bytes().to_vec()
}

#[tokio::test(flavor = "multi_thread")]
async fn eks_audit_events_flow_from_cloudwatch_logs_to_the_sentinel_queue_exactly_once() {
    let ls = start_localstack();
    let config = sdk(&ls).await;
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let cwl = simulator::replay::CloudWatchLogs(aws_sdk_cloudwatchlogs::Client::new(&config));
    let s3 = s3(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let region = config.region().unwrap().to_string();

    // The cluster's log group exists (audit logging is on): the stack creates the filter.
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let mut opts = EksOptions::new(CLUSTER, AUDIT_EVENTS, 42, eks::recent_start_ms(now_ms, 30));
    opts.region = region.clone();
    opts.max_batch = 50;
    let run = eks::generate(&opts);
    cwl.create_log_group(&run.log_group).await.unwrap();

    let spec = StackSpec {
        kind: StackKind::Eks,
        cloud: Cloud::Commercial,
    };
    let t0 = Instant::now();
    let report = deployer::deploy(
        &cfn,
        &StackRequest {
            stack_name: "it-eks-e2e".into(),
            template: render::render(&spec.build(), Format::Json),
            parameters: StackParams::new(&spec)
                .workspace_id(&WORKSPACE_ID.parse().unwrap())
                .eks_cluster(&CLUSTER.parse().unwrap())
                .log_group_exists(true)
                .into_pairs(),
            timeout: Duration::from_secs(300),
            progress: false,
            staging: Some(Staging::new(&config)),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("EKS stack deployed in {:.1} s", t0.elapsed().as_secs_f64());
    let out = &report.outputs;
    let eks_out = EksOutputs::from_map(&spec, out).unwrap_or_else(|e| panic!("{e}"));
    let bucket = eks_out.bucket.clone();
    let url = eks_out.queue.url.clone();
    let prefix = eks_out.notification_prefix.clone();
    let error_prefix = eks_out.error_prefix.clone();
    assert_eq!(prefix, format!("eks-audit-logs/{CLUSTER}/"));
    assert_eq!(error_prefix, format!("eks-audit-errors/{CLUSTER}/"));
    assert!(
        bucket.starts_with("sentinel-eks-000000000000-us-east-1-") && bucket.len() == 44,
        "derived bucket name {bucket}"
    );
    assert_eq!(
        eks_out.queue_name,
        format!("MicrosoftSentinelEKSSqs-{CLUSTER}")
    );
    assert_eq!(eks_out.table, "AWSEKSLogs_CL");
    assert_eq!(eks_out.log_group, run.log_group);
    let step2 = &out["Step2CreateSubscriptionFilter"];
    assert!(
        step2.contains(&eks_out.delivery_stream_arn) && step2.contains(&eks_out.logs_role_arn),
        "{step2}"
    );

    // The filter the stack made: audit events only, to the stack's stream.
    let filters = cwl
        .0
        .describe_subscription_filters()
        .log_group_name(&run.log_group)
        .send()
        .await
        .unwrap();
    let [filter] = filters.subscription_filters() else {
        panic!("one subscription filter: {filters:?}")
    };
    // LocalStack's AWS::Logs::SubscriptionFilter provider (2026.3) puts the filter under the log
    // group's name and without the RoleArn; AWS uses FilterName and RoleArn as given.
    let name = filter.filter_name().unwrap_or_default();
    assert!(
        name == "MicrosoftSentinelEKSAudit" || name == run.log_group,
        "filter name {name}"
    );
    if name != "MicrosoftSentinelEKSAudit" {
        eprintln!(
            "note: LocalStack named the stack's subscription filter {name:?} (role {:?}) instead of MicrosoftSentinelEKSAudit",
            filter.role_arn()
        );
    }
    assert!(step2.contains(&format!(
        "--filter-name MicrosoftSentinelEKSAudit --filter-pattern '{}'",
        generator::stacks::eks::FILTER_PATTERN
    )));
    assert_eq!(
        filter.filter_pattern(),
        Some(generator::stacks::eks::FILTER_PATTERN)
    );
    assert_eq!(
        filter.destination_arn(),
        Some(eks_out.delivery_stream_arn.as_str())
    );

    // Deliver, then read what the queue announces until every expected row arrived.
    let t1 = Instant::now();
    let delivery = replay::deliver(&cwl, &run).await.unwrap();
    let put_secs = t1.elapsed().as_secs_f64();
    eprintln!("delivered {delivery:?} in {put_secs:.1} s");
    let expected = run.expected_by_key();
    let mut got: BTreeMap<String, AwsEksLogs> = BTreeMap::new();
    let mut duplicates = Vec::new();
    let mut unexpected = Vec::new();
    let mut objects: BTreeSet<String> = BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut quiet_polls = 0;
    loop {
        let done = got.len() == expected.len();
        if done && quiet_polls >= 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "timed out: {} of {} rows after {:.0} s ({} objects)",
            got.len(),
            expected.len(),
            t1.elapsed().as_secs_f64(),
            objects.len()
        );
        let msgs = sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .wait_time_seconds(if done { 3 } else { 1 })
            .send()
            .await
            .unwrap();
        let msgs = msgs.messages().to_vec();
        if done && msgs.is_empty() {
            quiet_polls += 1;
        }
        for m in msgs {
            for key in announced_keys(m.body().unwrap()) {
                assert!(
                    key.starts_with(&prefix) && key.ends_with(".gz"),
                    "announced {key}"
                );
                assert!(objects.insert(key.clone()), "{key} announced twice");
                let obj = parse_object(&key, &get(&s3, &bucket, &key).await);
                assert!(
                    obj.gzip,
                    "{key}: Firehose (CompressionFormat GZIP) wrote no gzip"
                );
                for row in obj.rows {
                    let k = eks::row_key(&row)
                        .unwrap_or_else(|| panic!("{key}: row without auditID/stage"));
                    if !expected.contains_key(&k) {
                        unexpected.push(k);
                    } else if got.insert(k.clone(), row).is_some() {
                        duplicates.push(k);
                    }
                }
            }
            sqs.delete_message()
                .queue_url(&url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    let end_to_end = t1.elapsed().as_secs_f64();
    assert!(duplicates.is_empty(), "rows seen twice: {duplicates:?}");
    assert!(
        unexpected.is_empty(),
        "rows nobody expected: {unexpected:?}"
    );
    for (k, want) in &expected {
        let have = &got[k];
        assert_eq!(have, *want, "row {k}");
        assert_eq!(have.AwsAccountId, "000000000000");
        assert_eq!(have.ClusterName, CLUSTER);
        assert_eq!(have.Region, region);
        assert_eq!(
            have.TimeGenerated,
            simulator::tables::format_datetime_ms(
                simulator::tables::parse_datetime_ms(
                    have.RawEvent["requestReceivedTimestamp"].as_str().unwrap()
                )
                .unwrap()
            )
        );
    }

    // Nothing under the notified prefix that was not announced (so not .gz NDJSON), and
    // nothing under the error prefix.
    let stored: BTreeSet<String> = list(&s3, &bucket, &prefix).await.into_iter().collect();
    assert_eq!(stored, objects, "objects under {prefix} vs announced");
    let errors = list(&s3, &bucket, &error_prefix).await;
    for k in &errors {
        let body = get(&s3, &bucket, k).await;
        eprintln!(
            "error output {k}: {}",
            String::from_utf8_lossy(&body[..body.len().min(600)])
        );
    }
    assert!(
        errors.is_empty(),
        "records under {error_prefix}: {errors:?}"
    );
    let elsewhere: Vec<String> = list(&s3, &bucket, "")
        .await
        .into_iter()
        .filter(|k| !k.starts_with(&prefix))
        .collect();
    assert!(
        elsewhere.is_empty(),
        "objects outside the prefix: {elsewhere:?}"
    );

    // A record that is no CloudWatch Logs payload (not gzip) fails in the Lambda: Firehose
    // writes it under the error prefix, and the queue never hears of it.
    let firehose = aws_sdk_firehose::Client::new(&config);
    firehose
        .put_record()
        .delivery_stream_name(&eks_out.delivery_stream_name)
        .record(
            aws_sdk_firehose::types::Record::builder()
                .data(aws_sdk_firehose::primitives::Blob::new(
                    b"not a CloudWatch Logs payload".to_vec(),
                ))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let (s3_ref, bucket_ref, error_ref) = (&s3, &bucket, &error_prefix);
    let failed = wait_for(
        "the failed record under the error prefix",
        Duration::from_secs(60),
        || async move {
            let keys = list(s3_ref, bucket_ref, error_ref).await;
            (!keys.is_empty()).then_some(keys)
        },
    )
    .await;
    let [failed_key] = failed.as_slice() else {
        panic!("one error object: {failed:?}")
    };
    let body = String::from_utf8(get(&s3, &bucket, failed_key).await).unwrap();
    let doc: Value = serde_json::from_str(body.lines().next().unwrap()).unwrap();
    assert_eq!(doc["errorCode"], "Lambda.ProcessingFailedStatus", "{doc}");
    assert_eq!(
        doc["rawData"], "bm90IGEgQ2xvdWRXYXRjaCBMb2dzIHBheWxvYWQ=",
        "{doc}"
    );
    let late = sqs
        .receive_message()
        .queue_url(&url)
        .wait_time_seconds(3)
        .send()
        .await
        .unwrap();
    assert!(
        late.messages().is_empty(),
        "the failed record was announced: {:?}",
        late.messages()
    );
    assert_eq!(
        list(&s3, &bucket, &prefix).await.len(),
        objects.len(),
        "a failed record left an object under {prefix}"
    );
    eprintln!("a non-gzip record went to {failed_key}, not to the queue");

    // One record whose rows are far over Lambda's 6 MB response: the Lambda re-ingests its
    // events into its own stream in smaller payloads; every one arrives once, none as an error.
    let (payload, ids) = oversized_payload(&run.log_group);
    let t2 = Instant::now();
    firehose
        .put_record()
        .delivery_stream_name(&eks_out.delivery_stream_name)
        .record(
            aws_sdk_firehose::types::Record::builder()
                .data(aws_sdk_firehose::primitives::Blob::new(payload.clone()))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let mut big: BTreeMap<String, AwsEksLogs> = BTreeMap::new();
    let mut big_objects = 0;
    while big.len() < ids.len() {
        assert!(
            t2.elapsed() < Duration::from_secs(180),
            "timed out: {} of {} re-ingested rows",
            big.len(),
            ids.len()
        );
        let msgs = sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        for m in msgs.messages() {
            for key in announced_keys(m.body().unwrap()) {
                assert!(objects.insert(key.clone()), "{key} announced twice");
                big_objects += 1;
                let bytes = get(&s3, &bucket, &key).await;
                // One object per invocation here: its rows were one response's data.
                let mut text = Vec::new();
                flate2::read::MultiGzDecoder::new(&bytes[..])
                    .read_to_end(&mut text)
                    .unwrap();
                let base64 = text.len().div_ceil(3) * 4;
                assert!(base64 < 6_000_000, "{key}: a {base64}-byte response");
                for row in parse_object(&key, &bytes).rows {
                    let id = row.RawEvent["auditID"].as_str().unwrap().to_string();
                    assert!(ids.contains(&id), "{key}: unexpected row {id}");
                    assert!(
                        big.insert(id.clone(), row).is_none(),
                        "{id} delivered twice"
                    );
                }
            }
            sqs.delete_message()
                .queue_url(&url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    assert_eq!(
        list(&s3, &bucket, &error_prefix).await,
        vec![failed_key.clone()],
        "only the non-gzip record is under the error prefix"
    );
    let response: usize = big
        .values()
        .map(|r| serde_json::to_string(r).unwrap().len() + 1)
        .sum::<usize>()
        * 4
        / 3;
    assert!(
        response > 6_000_000,
        "the rows must not fit one response: {response} bytes"
    );
    eprintln!(
        "one {} KB record with {} audit events ({:.1} MB of rows in base64) came out in {big_objects} objects, each event once, in {:.1} s",
        payload.len() / 1000,
        ids.len(),
        response as f64 / 1e6,
        t2.elapsed().as_secs_f64()
    );

    eprintln!(
        "EKS end to end: {} log events ({} audit, {} other control-plane lines) in {} PutLogEvents calls over {} streams -> {} gzip'd NDJSON objects -> {} rows, all equal to the expected ones; {:.1} s from the first PutLogEvents to the last row, {} error objects",
        delivery.log_events,
        delivery.audit_events,
        delivery.noise_events,
        delivery.put_calls,
        delivery.streams,
        objects.len(),
        got.len(),
        end_to_end,
        errors.len()
    );
    ls.stop().unwrap();
}

/// A gzip'd CloudWatch Logs subscription payload of the cluster's group with audit events whose
/// rows come to about 8 MB in base64, and the events' audit IDs.
fn oversized_payload(log_group: &str) -> (Vec<u8>, BTreeSet<String>) {
    use std::io::Write;
    let padding = "labelSelector=app%3Dweb&".repeat(40);
    let (events, ids): (Vec<Value>, BTreeSet<String>) = (0..4_000)
        .map(|i| {
            let id = format!("oversized-{i:05}");
            let event = serde_json::json!({
                "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
                "auditID": id, "stage": "ResponseComplete", "verb": "get",
                "requestURI": format!("/api/v1/namespaces/default/configmaps/cm-{i}?{padding}"),
                "user": {"username": "kubernetes-admin"}, "sourceIPs": ["10.0.1.15"],
                "objectRef": {"resource": "configmaps", "namespace": "default", "name": format!("cm-{i}")},
                "responseStatus": {"metadata": {}, "code": 200},
                "requestReceivedTimestamp": "2026-03-01T10:00:00.123456Z",
                "stageTimestamp": "2026-03-01T10:00:00.130001Z",
            });
            let log_event = serde_json::json!({
                "id": format!("{:056}", i), "timestamp": 1_772_359_200_123_i64 + i64::from(i),
                "message": event.to_string(),
            });
            (log_event, id)
        })
        .unzip();
    let payload = serde_json::json!({
        "messageType": "DATA_MESSAGE", "owner": "000000000000", "logGroup": log_group,
        "logStream": "kube-apiserver-audit-71976ca11bea5d3083393f7d32dab75b",
        "subscriptionFilters": ["MicrosoftSentinelEKSAudit"], "logEvents": events,
    });
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(payload.to_string().as_bytes()).unwrap();
    let data = gz.finish().unwrap();
    assert!(
        data.len() < 1_000 * 1024,
        "a Firehose record holds at most 1,000 KiB"
    );
    (data, ids)
}

/// Builds CloudWatch Logs subscription records from the batches, runs the stack's inline Lambda
/// code on them (the LocalStack venv's Python 3.13) and prints
/// `{"results": [{"recordId", "result", "text"}]}` with the decoded text of Ok records.
const DRIVER: &str = r#"
import base64, gzip, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("eks_audit", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
batches = json.load(sys.stdin)
records = []
for i, b in enumerate(batches):
    payload = {"messageType": "DATA_MESSAGE", "owner": b["owner"], "logGroup": b["group"],
               "logStream": b["stream"], "subscriptionFilters": ["MicrosoftSentinelEKSAudit"],
               "logEvents": [{"id": str(i * 100000 + j), "timestamp": e["timestamp"], "message": e["message"]}
                             for j, e in enumerate(b["events"])]}
    data = base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()
    records.append({"recordId": str(i), "approximateArrivalTimestamp": 0, "data": data})
out = mod.handler({"invocationId": "i", "deliveryStreamArn": "arn", "region": "r", "records": records}, None)
json.dump({"results": [{"recordId": r["recordId"], "result": r["result"],
                        "text": base64.b64decode(r["data"]).decode() if r["result"] == "Ok" else None}
                       for r in out["records"]]}, sys.stdout)
"#;

/// The Lambda and the simulator agree on every row, without LocalStack: a fast check of the
/// row contract over many more events than the end-to-end run.
#[test]
fn the_transform_lambda_writes_exactly_the_rows_the_simulator_expects() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let mut opts = EksOptions::new("contract-7", 3000, 99, 1_772_359_200_000);
    opts.region = "eu-central-1".into();
    opts.account_id = "123456789012".into();
    let run = eks::generate(&opts);
    let batches = replay::put_batches(&run);
    let input: Vec<Value> = batches
        .iter()
        .map(|b| {
            serde_json::json!({"owner": opts.account_id, "group": b.log_group, "stream": b.log_stream,
                "events": b.events.iter().map(|e| serde_json::json!({"timestamp": e.timestamp_ms, "message": e.message})).collect::<Vec<_>>()})
        })
        .collect();
    let venv = harness::localstack_venv().expect("the LocalStack venv (Python 3.13)");
    // The code the template ships: the transform with the shared response code inlined.
    let template = StackSpec {
        kind: StackKind::Eks,
        cloud: Cloud::Commercial,
    }
    .build()
    .to_value();
    let code = template["Resources"]["EksTransformFunction"]["Properties"]["Code"]["ZipFile"]
        .as_str()
        .unwrap();
    let lambda = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("eks_audit_inline.py");
    std::fs::write(&lambda, code).unwrap();
    let mut child = Command::new(venv.python())
        .arg("-c")
        .arg(DRIVER)
        .arg(&lambda)
        .env("AWS_REGION", &opts.region)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdin = serde_json::to_vec(&input).unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || pipe.write_all(&stdin).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "the driver failed");
    let results: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = results["results"].as_array().unwrap();
    assert_eq!(results.len(), batches.len());

    let expected = run.expected_by_key();
    let mut got: BTreeMap<String, AwsEksLogs> = BTreeMap::new();
    for (r, b) in results.iter().zip(&batches) {
        let audit = b.log_stream.starts_with("kube-apiserver-audit-");
        let want = if audit { "Ok" } else { "Dropped" };
        assert_eq!(r["result"], want, "batch of {}", b.log_stream);
        if let Some(text) = r["text"].as_str() {
            let obj = parse_object(&b.log_stream, text.as_bytes());
            assert_eq!(obj.rows.len(), b.events.len(), "one row per audit event");
            for row in obj.rows {
                let k = eks::row_key(&row).unwrap();
                assert!(got.insert(k.clone(), row).is_none(), "{k} twice");
            }
        }
    }
    assert_eq!(got.len(), expected.len());
    for (k, want) in &expected {
        assert_eq!(&got[k], *want, "row {k}");
    }
    eprintln!(
        "Lambda contract: {} audit events + {} other lines in {} records -> {} rows equal to the expected ones",
        run.expected.len(),
        run.noise_events,
        batches.len(),
        got.len()
    );
}
