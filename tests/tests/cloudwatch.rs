//! The CloudWatch stack's transform Lambda and the simulator agree byte for byte: the inline
//! code the template ships, run on the simulator's CloudWatch Logs events (the LocalStack venv's
//! Python 3.13, no LocalStack), writes exactly the objects the simulator writes in its place, so
//! the end-to-end run, which stores the simulator's objects, checks what the stack would deliver.

use generator::facts::Cloud;
use generator::stacks::{StackKind, StackSpec};
use serde_json::{json, Value};
use simulator::synth::{self, cloudwatch, GenOptions, MemOutput};
use simulator::DataType;
use std::io::{Read, Write};
use std::process::{Command, Stdio};

/// One subscription record per list of events; prints the decoded text of each Ok record.
const DRIVER: &str = r#"
import base64, gzip, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("cloudwatch_csv", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
records = []
for i, events in enumerate(json.load(sys.stdin)):
    payload = {"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/app/payments",
               "logStream": "i-0abc", "subscriptionFilters": ["MicrosoftSentinel"],
               "logEvents": [{"id": str(i * 100000 + j), "timestamp": e["timestamp"], "message": e["message"]}
                             for j, e in enumerate(events)]}
    data = base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()
    records.append({"recordId": str(i), "approximateArrivalTimestamp": 0, "data": data})
arn = "arn:aws:firehose:eu-west-1:123456789012:deliverystream/sentinel-cloudwatch"
out = mod.handler({"invocationId": "i", "deliveryStreamArn": arn, "region": "eu-west-1", "records": records}, None)
assert [r["result"] for r in out["records"]] == ["Ok"] * len(records), [r["result"] for r in out["records"]]
json.dump([base64.b64decode(r["data"]).decode() for r in out["records"]], sys.stdout)
"#;

fn gunzip(data: &[u8]) -> String {
    let mut s = String::new();
    flate2::read::MultiGzDecoder::new(data)
        .read_to_string(&mut s)
        .unwrap();
    s
}

#[test]
fn the_transform_lambda_writes_exactly_the_objects_the_simulator_writes() {
    let opts = GenOptions::new(DataType::CloudWatch, 3000, 17);
    let mut out = MemOutput::default();
    synth::generate(&opts, &mut out).unwrap();
    let objects: Vec<_> = out.entries().collect();
    // The events of each object, in order (log_events lists them object after object).
    let mut events = cloudwatch::log_events(&opts).into_iter();
    let input: Vec<Vec<Value>> = objects
        .iter()
        .map(|e| {
            (&mut events)
                .take(e.record_count as usize)
                .map(|ev| json!({"timestamp": ev.timestamp_ms, "message": ev.message}))
                .collect()
        })
        .collect();
    assert!(events.next().is_none());

    let template = StackSpec {
        kind: StackKind::of_data_type(DataType::CloudWatch),
        cloud: Cloud::Commercial,
    }
    .build()
    .to_value();
    let code = template["Resources"]["CloudWatchTransformFunction"]["Properties"]["Code"]
        ["ZipFile"]
        .as_str()
        .unwrap();
    let lambda = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cloudwatch_csv_inline.py");
    std::fs::write(&lambda, code).unwrap();
    let venv = harness::localstack_venv().expect("the LocalStack venv (Python 3.13)");
    let mut child = Command::new(venv.python())
        .arg("-c")
        .arg(DRIVER)
        .arg(&lambda)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdin = serde_json::to_vec(&input).unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || pipe.write_all(&stdin).unwrap());
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(output.status.success(), "the driver failed");
    let texts: Vec<String> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(texts.len(), objects.len());
    let mut lines = 0;
    for (text, e) in texts.iter().zip(&objects) {
        assert_eq!(text, &gunzip(&out.objects[&e.key]), "{}", e.key);
        lines += text.lines().count();
    }
    assert_eq!(lines, 3000);
    eprintln!(
        "CloudWatch Lambda contract: {} events in {} records -> the simulator's {} objects, byte for byte",
        lines,
        texts.len(),
        objects.len()
    );
}
