//! Tests of the CloudTrail generator: read back, digests, malformed items, a snapshot.

use super::super::keys::patterns;
use super::super::manifest::{Content, ObjectKind};
use super::super::testutil::*;
use super::super::{BadDataKind, GenOptions};
use super::*;
use crate::tables::{format_datetime_ms, AwsCloudTrail};
use catalogue::DataType;
use regex::Regex;
use std::collections::{HashMap, HashSet};

/// Independent mapping of a CloudTrail record to the table row.
fn to_row(v: &Value) -> AwsCloudTrail {
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).map(String::from);
    let j = |p: &str| v.pointer(p).filter(|x| !x.is_null()).map(Value::to_string);
    let dt =
        |p: &str| s(p).map(|t| format_datetime_ms(crate::tables::parse_datetime_ms(&t).unwrap()));
    AwsCloudTrail {
        TimeGenerated: dt("/eventTime").unwrap(),
        AWSRegion: s("/awsRegion"),
        AdditionalEventData: j("/additionalEventData"),
        APIVersion: s("/apiVersion"),
        AwsEventId: s("/eventID"),
        AwsRequestId_: s("/requestID"),
        Category: s("/eventCategory"),
        CipherSuite: s("/tlsDetails/cipherSuite"),
        ClientProvidedHostHeader: s("/tlsDetails/clientProvidedHostHeader"),
        EC2RoleDelivery: s("/userIdentity/sessionContext/ec2RoleDelivery"),
        ErrorCode: s("/errorCode"),
        ErrorMessage: s("/errorMessage"),
        EventName: s("/eventName"),
        EventSource: s("/eventSource"),
        EventTypeName: s("/eventType"),
        EventVersion: s("/eventVersion"),
        ManagementEvent: v.pointer("/managementEvent").and_then(Value::as_bool),
        ReadOnly: v.pointer("/readOnly").and_then(Value::as_bool),
        RecipientAccountId: s("/recipientAccountId"),
        RequestParameters: j("/requestParameters"),
        Resources: j("/resources"),
        ResponseElements: j("/responseElements"),
        ServiceEventDetails: j("/serviceEventDetails"),
        SessionCreationDate: dt("/userIdentity/sessionContext/attributes/creationDate"),
        SessionIssuerAccountId: s("/userIdentity/sessionContext/sessionIssuer/accountId"),
        SessionIssuerArn: s("/userIdentity/sessionContext/sessionIssuer/arn"),
        SessionIssuerPrincipalId: s("/userIdentity/sessionContext/sessionIssuer/principalId"),
        SessionIssuerType: s("/userIdentity/sessionContext/sessionIssuer/type"),
        SessionIssuerUserName: s("/userIdentity/sessionContext/sessionIssuer/userName"),
        SessionMfaAuthenticated: s("/userIdentity/sessionContext/attributes/mfaAuthenticated")
            .map(|m| m == "true"),
        SharedEventId: s("/sharedEventID"),
        SourceIpAddress: s("/sourceIPAddress"),
        TlsVersion: s("/tlsDetails/tlsVersion"),
        UserAgent: s("/userAgent"),
        UserIdentityAccessKeyId: s("/userIdentity/accessKeyId"),
        UserIdentityAccountId: s("/userIdentity/accountId"),
        UserIdentityArn: s("/userIdentity/arn"),
        UserIdentityInvokedBy: s("/userIdentity/invokedBy"),
        UserIdentityPrincipalid: s("/userIdentity/principalId"),
        UserIdentityType: s("/userIdentity/type"),
        UserIdentityUserName: s("/userIdentity/userName"),
        VpcEndpointId: s("/vpcEndpointId"),
    }
}

#[test]
fn objects_read_back_equal_manifest() {
    let out = run(&GenOptions::new(DataType::CloudTrail, 2000, 8));
    let log_re = Regex::new(patterns::CLOUDTRAIL).unwrap();
    let mut total = 0;
    let mut identity_types = HashSet::new();
    let (mut errors, mut data, mut mgmt, mut null_rp, mut arrays) = (0, 0, 0, 0, 0);
    for e in out.entries().filter(|e| e.kind == ObjectKind::Log) {
        assert!(log_re.is_match(&e.key), "{}", e.key);
        let doc: Value = serde_json::from_slice(&gunzip(&out.objects[&e.key])).unwrap();
        let records = doc["Records"].as_array().unwrap();
        assert_eq!(records.len() as u64, e.record_count);
        for (rec, exp) in records.iter().zip(&e.records) {
            assert_eq!(TableRow::new(to_row(rec)), exp.expected);
            assert_eq!(rec["eventVersion"], "1.11");
            assert_eq!(exp.id, rec["eventID"].as_str().unwrap());
            identity_types.insert(rec["userIdentity"]["type"].as_str().unwrap().to_string());
            errors +=
                usize::from(rec.get("errorCode").is_some() || rec.get("errorMessage").is_some());
            data += usize::from(rec["eventCategory"] == "Data");
            mgmt += usize::from(rec["managementEvent"] == true);
            null_rp += usize::from(rec["requestParameters"].is_null());
            arrays += usize::from(rec["requestParameters"].to_string().contains('['));
            assert!(rec["readOnly"].is_boolean());
            total += 1;
        }
    }
    assert_eq!(total, 2000);
    for t in ["IAMUser", "AssumedRole", "AWSService", "Root"] {
        assert!(identity_types.contains(t), "{t}");
    }
    assert!(errors > 0 && data > 0 && mgmt > 0 && null_rp > 0 && arrays > 0);
}

#[test]
fn digests_are_listed_but_never_ingested() {
    let mut o = GenOptions::new(DataType::CloudTrail, 2000, 8);
    o.rate = Some(0.3); // about two hours of events
    let out = run(&o);
    let digest_re = Regex::new(patterns::CLOUDTRAIL_DIGEST).unwrap();
    let logs: HashMap<String, &crate::synth::manifest::ObjectEntry> = out
        .entries()
        .filter(|e| e.kind == ObjectKind::Log)
        .map(|e| (e.key.clone(), e))
        .collect();
    let digests: Vec<_> = out
        .entries()
        .filter(|e| e.kind == ObjectKind::Digest)
        .collect();
    assert!(digests.len() >= 2);
    let mut listed = HashSet::new();
    let mut prev_hash: Option<String> = None;
    for d in &digests {
        assert!(d.key.contains("/CloudTrail-Digest/"));
        assert!(digest_re.is_match(&d.key), "{}", d.key);
        assert!(!d.ingest && d.records.is_empty() && d.record_count == 0);
        let plain = gunzip(&out.objects[&d.key]);
        let body: Value = serde_json::from_slice(&plain).unwrap();
        assert!(body.get("Records").is_none());
        assert_eq!(body["digestS3Object"], d.key.as_str());
        assert_eq!(body["digestSignatureAlgorithm"], "SHA256withRSA");
        assert_eq!(
            body["previousDigestHashValue"].as_str().map(String::from),
            prev_hash
        );
        prev_hash = Some(sha256_hex(&plain));
        for f in body["logFiles"].as_array().unwrap() {
            let key = f["s3Object"].as_str().unwrap();
            let log = logs[key];
            assert_eq!(
                f["hashValue"].as_str().unwrap(),
                sha256_hex(&gunzip(&out.objects[key]))
            );
            assert!(log.ingest);
            listed.insert(key.to_string());
        }
    }
    assert_eq!(listed.len(), logs.len(), "every log file is in one digest");
    // No digest key appears as a record source.
    for e in out.entries() {
        assert_eq!(e.ingest, !e.key.contains("CloudTrail-Digest"));
    }
}

#[test]
fn hours_without_files_get_empty_digests() {
    let mut o = GenOptions::new(DataType::CloudTrail, 40, 3);
    o.rate = Some(0.0004); // about one event per 40 minutes
    o.records_per_object = Some(1);
    let out = run(&o);
    let digests: Vec<Value> = out
        .entries()
        .filter(|e| e.kind == ObjectKind::Digest)
        .map(|d| serde_json::from_slice(&gunzip(&out.objects[&d.key])).unwrap())
        .collect();
    let empty: Vec<&Value> = digests
        .iter()
        .filter(|d| d["logFiles"].as_array().unwrap().is_empty())
        .collect();
    assert!(!empty.is_empty(), "some hour had no delivery");
    for d in empty {
        assert!(d["newestEventTime"].is_null() && d["oldestEventTime"].is_null());
    }
    // One digest per hour, consecutive.
    for pair in digests.windows(2) {
        assert_eq!(pair[0]["digestEndTime"], pair[1]["digestStartTime"]);
    }
    assert!(digests[0]["previousDigestS3Object"].is_null());
}

#[test]
fn malformed_items_are_counted() {
    let mut o = GenOptions::new(DataType::CloudTrail, 30, 4);
    o.bad_data = vec![BadDataKind::MalformedLines];
    let out = run(&o);
    let e = out
        .entries()
        .find(|e| e.content == Content::Malformed)
        .unwrap();
    let doc: Value = serde_json::from_slice(&gunzip(&out.objects[&e.key])).unwrap();
    let items = doc["Records"].as_array().unwrap();
    let mut good = 0;
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item.is_object(), !e.malformed_indexes.contains(&(i as u64)));
        good += usize::from(item.is_object());
    }
    assert_eq!(good as u64, e.record_count);
    assert!(e.malformed_lines.is_empty());
}

#[test]
fn snapshot_tiny_object() {
    let out = run(&GenOptions::new(DataType::CloudTrail, 3, 42));
    let key = &out.order[0];
    let doc: Value = serde_json::from_slice(&gunzip(&out.objects[key])).unwrap();
    // The snapshot stays in `synth/snapshots` with the other generators'.
    insta::with_settings!({snapshot_path => "../snapshots"}, {
        insta::assert_json_snapshot!(json!({
            "key": key,
            "sha256": crate::synth::sha256_hex(&out.objects[key]),
            "body": doc,
        }));
    });
}
