//! Tests of the CloudTrail parser (`super`).

use super::super::testutil::rows;
use crate::connector::parse::{parse_bytes, parse_object, Document, ObjectError};
use crate::tables::{AwsCloudTrail, DateTimeMs};
use catalogue::DataType;
use serde_json::Value;

pub(crate) const TRAIL: &str = r#"{"Records":[{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:alice","arn":"arn:aws:sts::111122223333:assumed-role/Admin/alice","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/Admin","accountId":"111122223333","userName":"Admin"},"attributes":{"creationDate":"2026-03-01T00:00:00Z","mfaAuthenticated":"false"},"ec2RoleDelivery":"2.0"}},"eventTime":"2026-03-01T00:05:07Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-2","sourceIPAddress":"ec2.amazonaws.com","userAgent":"aws-cli/2","requestParameters":{"b":1,"a":[1,2]},"responseElements":null,"requestID":"R1","eventID":"E1","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"s3.us-east-2.amazonaws.com"},"sessionCredentialFromConsole":"true"},
"corrupted-record", {"eventName":"NoTime"}, {"eventTime":"2026-03-01T00:06:00.250Z","eventID":"E2","userIdentity":{"type":"AWSService","invokedBy":"cloudtrail.amazonaws.com"}}], "other": {"x": [1]}}"#;

#[test]
fn cloudtrail_literal_records() {
    let (r, bad) = rows(DataType::CloudTrail, TRAIL.as_bytes());
    assert_eq!(r.len(), 2);
    let Some(e) = r[0].decode::<AwsCloudTrail>() else {
        panic!()
    };
    assert_eq!(e.TimeGenerated, "2026-03-01T00:05:07.000Z");
    assert_eq!(e.RequestParameters.as_deref(), Some(r#"{"b":1,"a":[1,2]}"#));
    assert_eq!(e.ResponseElements, None);
    assert_eq!(e.SessionMfaAuthenticated, Some(false));
    assert_eq!(
        e.SessionCreationDate.as_deref(),
        Some("2026-03-01T00:00:00.000Z")
    );
    assert_eq!(e.SessionIssuerUserName.as_deref(), Some("Admin"));
    assert_eq!(e.EC2RoleDelivery.as_deref(), Some("2.0"));
    assert_eq!(
        e.UserIdentityPrincipalid.as_deref(),
        Some("AROAEXAMPLE:alice")
    );
    assert_eq!(e.TlsVersion.as_deref(), Some("TLSv1.3"));
    assert_eq!(e.AwsRequestId_.as_deref(), Some("R1"));
    assert_eq!(e.ReadOnly, Some(true));
    let Some(e2) = r[1].decode::<AwsCloudTrail>() else {
        panic!()
    };
    assert_eq!(
        e2.UserIdentityInvokedBy.as_deref(),
        Some("cloudtrail.amazonaws.com")
    );
    assert_eq!(e2.TimeGenerated, "2026-03-01T00:06:00.250Z");
    let idx: Vec<u64> = bad.iter().map(|b| b.position.index).collect();
    assert_eq!(idx, [1, 2]);
    assert!(bad.iter().all(|b| b.position.line.is_none()));
}

#[test]
fn cloudtrail_nested_members_lenient_but_not_duplicated() {
    let doc = br#"{"Records":[
            {"eventTime":"2026-03-01T00:00:01Z","userIdentity":"root","tlsDetails":[1],"readOnly":"x"},
            {"eventTime":"2026-03-01T00:00:02Z","userIdentity":{"type":"IAMUser","sessionContext":
                {"sessionIssuer":7,"attributes":{"mfaAuthenticated":true,"creationDate":"not a date"}}}},
            {"eventTime":"2026-03-01T00:00:03Z","userIdentity":{"type":"A","type":"B"}},
            {"eventTime":"2026-03-01T00:00:04Z","eventName":"A","eventName":"B"}
        ]}"#;
    let (r, bad) = rows(DataType::CloudTrail, doc);
    let cols: Vec<_> = r
        .iter()
        .map(|row| match row.decode::<AwsCloudTrail>() {
            Some(e) => (
                e.UserIdentityType.clone(),
                e.TlsVersion.clone(),
                e.ReadOnly,
                e.SessionIssuerType.clone(),
                e.SessionMfaAuthenticated,
                e.SessionCreationDate.clone(),
            ),
            None => panic!("{row:?}"),
        })
        .collect();
    assert_eq!(
        cols,
        [
            (None, None, None, None, None, None),
            (Some("IAMUser".into()), None, None, None, Some(true), None),
        ]
    );
    let reasons: Vec<_> = bad
        .iter()
        .map(|b| (b.position.index, b.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert_eq!(reasons[0].0, 2);
    assert!(
        reasons[0].1.contains("duplicate field `type`"),
        "{reasons:?}"
    );
    assert_eq!(reasons[1].0, 3);
    assert!(
        reasons[1].1.contains("duplicate field `eventName`"),
        "{reasons:?}"
    );
}

#[test]
fn cloudtrail_bad_documents() {
    for (doc, what) in [
        (&br#"{"awsAccountId":"1","logFiles":[]}"#[..], "Records"),
        (
            &br#"{"Records":[{"eventTime":"2026-03-01T00:00:00Z"}"#[..],
            "CloudTrail",
        ),
        (&br#"{"Records":[]} trailing"#[..], "after"),
        (&br#"[1,2]"#[..], "CloudTrail"),
    ] {
        let (_, _, r) = parse_bytes(DataType::CloudTrail, None, doc);
        match r {
            Err(ObjectError::Document(m)) => assert!(m.contains(what), "{m}"),
            other => panic!("{other:?}"),
        }
    }
    let (rows, _, r) = parse_bytes(DataType::CloudTrail, None, br#"{"Records":[]}"#);
    assert!(rows.is_empty() && r.is_ok());
}

#[test]
fn cloudtrail_scanner_tricky_text() {
    // Pretty-printed, members before Records, strings with quotes,
    // brackets and escapes, nested arrays, scalars as elements.
    let v: Value = serde_json::from_str(TRAIL).unwrap();
    let mut doc = serde_json::json!({
        "x": {"y": ["]}", "\"{[", {"z": "\\"}]},
        "n": -1.5e3,
        "Records": v["Records"].clone(),
    });
    doc["Records"][0]["requestParameters"] =
        serde_json::json!({"q": "a\"]},{[b", "list": [[1, [2]], {"k": "}"}]});
    let pretty = serde_json::to_string_pretty(&doc).unwrap();
    let compact = doc.to_string();
    let (a, bad_a) = rows(DataType::CloudTrail, pretty.as_bytes());
    let (b, bad_b) = rows(DataType::CloudTrail, compact.as_bytes());
    assert_eq!(a, b);
    assert_eq!(a.len(), 2);
    assert_eq!(bad_a, bad_b);
    let Some(e) = a[0].decode::<AwsCloudTrail>() else {
        panic!()
    };
    assert_eq!(
        e.RequestParameters.as_deref(),
        Some(r#"{"q":"a\"]},{[b","list":[[1,[2]],{"k":"}"}]}"#)
    );
    // A record that is not valid JSON spoils the document; a cut-short one too.
    for broken in [
        &br#"{"Records":[{"eventTime":"2026-03-01T00:00:00Z","a":}]}"#[..],
        &br#"{"Records":[{"eventTime":"2026-03-01T00:00:00Z"}"#[..],
        &br#"{"Records":[{"eventTime":"2026-03-01T00:00:00Z"},"#[..],
        &br#"{"Records":["abc"#[..],
        &br#"{"Records":null}"#[..],
        &br#"{"Records":[] "#[..],
    ] {
        let (_, _, r) = parse_bytes(DataType::CloudTrail, None, broken);
        assert!(
            matches!(r, Err(ObjectError::Document(_))),
            "{}: {r:?}",
            String::from_utf8_lossy(broken)
        );
    }
}

#[test]
fn boolean_strings_in_any_case_and_other_values_reported() {
    let doc = br#"{"Records":[
            {"eventTime":"2026-03-01T00:00:01Z","readOnly":"False","managementEvent":"TRUE",
             "userIdentity":{"sessionContext":{"attributes":{"mfaAuthenticated":"True"}}}},
            {"eventTime":"2026-03-01T00:00:02Z","readOnly":"yes","managementEvent":1,
             "userIdentity":{"sessionContext":{"attributes":{"mfaAuthenticated":{"a":1},
             "creationDate":"Wed Oct 23 14:36:48 UTC 2013"}}}},
            {"eventTime":"2026-03-01T00:00:03Z","readOnly":null,"managementEvent":false}
        ]}"#;
    let p = parse_object(DataType::CloudTrail, None, DateTimeMs(0), doc);
    let summary = p.result.unwrap();
    let flags: Vec<_> = p
        .rows
        .iter()
        .map(|(_, r)| match r.decode::<AwsCloudTrail>() {
            Some(e) => (
                e.ReadOnly,
                e.ManagementEvent,
                e.SessionMfaAuthenticated,
                e.SessionCreationDate.clone(),
            ),
            None => panic!("{r:?}"),
        })
        .collect();
    assert_eq!(
        flags,
        [
            (Some(false), Some(true), Some(true), None),
            (None, None, None, None),
            (None, Some(false), None, None),
        ]
    );
    // Every value left out is reported, at its record; none is silent.
    assert!(p.malformed.is_empty());
    let bad: Vec<(u64, &str)> = p
        .bad_values
        .iter()
        .map(|b| (b.position.index, b.reason.as_str()))
        .collect();
    assert_eq!(bad.len(), 4, "{bad:?}");
    assert_eq!(summary.bad_values, 4);
    assert!(bad.iter().all(|b| b.0 == 1), "{bad:?}");
    for (what, column) in [
        (r#"readOnly "yes""#, "ReadOnly"),
        ("managementEvent 1", "ManagementEvent"),
        (
            "userIdentity.sessionContext.attributes.mfaAuthenticated an object",
            "SessionMfaAuthenticated",
        ),
        (
            r#"creationDate "Wed Oct 23 14:36:48 UTC 2013""#,
            "SessionCreationDate",
        ),
    ] {
        assert!(
            bad.iter()
                .any(|b| b.1.contains(what) && b.1.ends_with(&format!("without {column}"))),
            "{what}: {bad:?}"
        );
    }
}

/// A digest file as CloudTrail writes it ("CloudTrail digest file
/// structure", AWS CloudTrail user guide), shortened.
pub(crate) const DIGEST: &str = r#"{
  "awsAccountId": "111122223333",
  "digestStartTime": "2026-03-01T00:00:00Z",
  "digestEndTime": "2026-03-01T01:00:00Z",
  "digestS3Bucket": "amzn-s3-demo-bucket",
  "digestS3Object": "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2026/03/01/111122223333_CloudTrail-Digest_us-east-2_trail_us-east-2_20260301T010000Z.json.gz",
  "digestPublicKeyFingerprint": "809a5e1a5d4d46e0b1e0f0bb1f3b5c2d",
  "digestSignatureAlgorithm": "SHA256withRSA",
  "newestEventTime": "2026-03-01T00:59:58Z",
  "oldestEventTime": "2026-03-01T00:00:01Z",
  "previousDigestS3Bucket": null,
  "previousDigestS3Object": null,
  "previousDigestHashValue": null,
  "previousDigestHashAlgorithm": null,
  "previousDigestSignature": null,
  "logFiles": [
    {"s3Bucket": "amzn-s3-demo-bucket",
     "s3Object": "AWSLogs/111122223333/CloudTrail/us-east-2/2026/03/01/111122223333_CloudTrail_us-east-2_20260301T0005Z_a1b2c3d4e5f6g7h8.json.gz",
     "hashValue": "9bb6196fc6b84d6f075a56548feca262bd99ba3c2de41b618e5b6e22c1fc71f6",
     "hashAlgorithm": "SHA-256",
     "newestEventTime": "2026-03-01T00:04:59Z",
     "oldestEventTime": "2026-03-01T00:00:01Z"}
  ]
}"#;

#[test]
fn a_digest_file_is_recognised_by_its_members_and_gives_no_rows() {
    let p = parse_object(
        DataType::CloudTrail,
        Some("x.json"),
        DateTimeMs(0),
        DIGEST.as_bytes(),
    );
    let summary = p.result.unwrap();
    assert_eq!(summary.document, Document::CloudTrailDigest);
    assert!(p.rows.is_empty() && p.malformed.is_empty());
    // An empty hour's digest: no files, null event times.
    let empty = DIGEST.replace(
        &DIGEST[DIGEST.find("\"logFiles\"").unwrap()..],
        "\"logFiles\": []}",
    );
    let (_, _, r) = parse_bytes(DataType::CloudTrail, None, empty.as_bytes());
    assert_eq!(r.unwrap().document, Document::CloudTrailDigest);
    // A log file is a log file, also with digest-like members.
    let both = DIGEST.replacen('{', r#"{"Records":[],"#, 1);
    let (_, _, r) = parse_bytes(DataType::CloudTrail, None, both.as_bytes());
    assert_eq!(r.unwrap().document, Document::Log);
    // Without one of the five members, or with a logFiles that is no
    // array, it is neither.
    for broken in [
        DIGEST.replace("\"digestS3Object\"", "\"digestS3Objekt\""),
        DIGEST
            .replace("\"logFiles\": [", "\"logFiles\": {\"x\":[")
            .replace("]\n}", "]}\n}"),
    ] {
        let (_, _, r) = parse_bytes(DataType::CloudTrail, None, broken.as_bytes());
        assert!(
            matches!(&r, Err(ObjectError::Document(m)) if m.contains("no CloudTrail digest")),
            "{r:?}"
        );
    }
}
