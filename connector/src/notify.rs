//! SQS message bodies: S3 event notifications, directly or inside an SNS
//! envelope, the `s3:TestEvent`, and EventBridge "Object Created" events.

use serde_json::Value;

/// One object named by a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Object {
    pub bucket: String,
    /// Decoded key (form decoding for S3 notifications).
    pub key: String,
    pub size: Option<u64>,
}

/// What an SQS message body says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification {
    /// `s3:TestEvent`, sent when a notification is configured: ack and drop.
    TestEvent,
    /// Object-created records (`objects`) and how many other records
    /// (deletes, restores, ...) were ignored.
    Objects {
        objects: Vec<S3Object>,
        ignored: usize,
    },
}

/// A body that is not a notification this connector understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unrecognised SQS message body: {0}")]
pub struct NotifyError(pub String);

/// Decodes an S3 notification key: `+` is a space, then percent-decoding
/// (form semantics, like Python's `unquote_plus`).
pub fn decode_key(key: &str) -> Result<String, NotifyError> {
    let bytes = key.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (
                    bytes.get(i + 1).copied().and_then(hex),
                    bytes.get(i + 2).copied().and_then(hex),
                ) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                    }
                    _ => return Err(NotifyError(format!("bad percent escape in key '{key}'"))),
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| NotifyError(format!("key '{key}' decodes to non-UTF-8")))
}

/// Parses an SQS body.
pub fn parse_body(body: &str) -> Result<Notification, NotifyError> {
    let v: Value = serde_json::from_str(body).map_err(|e| NotifyError(format!("not JSON: {e}")))?;
    parse_value(v, true)
}

fn parse_value(v: Value, allow_sns: bool) -> Result<Notification, NotifyError> {
    // SNS envelope (non-raw delivery): the S3 JSON is the `Message` string.
    if allow_sns && v.get("Type").and_then(Value::as_str) == Some("Notification") {
        let msg = v
            .get("Message")
            .and_then(Value::as_str)
            .ok_or_else(|| NotifyError("SNS envelope without a Message string".into()))?;
        let inner: Value = serde_json::from_str(msg)
            .map_err(|e| NotifyError(format!("SNS Message is not JSON: {e}")))?;
        return parse_value(inner, false);
    }
    if v.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
        return Ok(Notification::TestEvent);
    }
    if let Some(records) = v.get("Records").and_then(Value::as_array) {
        let mut objects = Vec::new();
        let mut ignored = 0;
        for r in records {
            let version = r.get("eventVersion").and_then(Value::as_str).unwrap_or("");
            if version.split('.').next() != Some("2") {
                return Err(NotifyError(format!(
                    "unsupported S3 event version '{version}' (major 2 expected)"
                )));
            }
            let name = r.get("eventName").and_then(Value::as_str).unwrap_or("");
            if !name.starts_with("ObjectCreated:") {
                ignored += 1;
                continue;
            }
            let s3 = r
                .get("s3")
                .ok_or_else(|| NotifyError("S3 record without s3".into()))?;
            let bucket = s3
                .pointer("/bucket/name")
                .and_then(Value::as_str)
                .filter(|b| !b.is_empty())
                .ok_or_else(|| NotifyError("S3 record without s3.bucket.name".into()))?;
            let key = s3
                .pointer("/object/key")
                .and_then(Value::as_str)
                .ok_or_else(|| NotifyError("S3 record without s3.object.key".into()))?;
            objects.push(S3Object {
                bucket: bucket.to_string(),
                key: decode_key(key)?,
                size: s3.pointer("/object/size").and_then(Value::as_u64),
            });
        }
        return Ok(Notification::Objects { objects, ignored });
    }
    // S3 -> EventBridge -> SQS: keys are not form-encoded.
    if v.get("source").and_then(Value::as_str) == Some("aws.s3") {
        if v.get("detail-type").and_then(Value::as_str) != Some("Object Created") {
            return Ok(Notification::Objects {
                objects: Vec::new(),
                ignored: 1,
            });
        }
        let bucket = v
            .pointer("/detail/bucket/name")
            .and_then(Value::as_str)
            .filter(|b| !b.is_empty());
        let key = v.pointer("/detail/object/key").and_then(Value::as_str);
        let (Some(bucket), Some(key)) = (bucket, key) else {
            return Err(NotifyError(
                "EventBridge event without detail.bucket.name / detail.object.key".into(),
            ));
        };
        return Ok(Notification::Objects {
            objects: vec![S3Object {
                bucket: bucket.into(),
                key: key.into(),
                size: v.pointer("/detail/object/size").and_then(Value::as_u64),
            }],
            ignored: 0,
        });
    }
    Err(NotifyError(
        "neither S3 Records, an s3:TestEvent, an SNS envelope nor an EventBridge event".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUT: &str = r#"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-west-2",
 "eventTime":"1970-01-01T00:00:00.000Z","eventName":"ObjectCreated:Put",
 "userIdentity":{"principalId":"AWS:AROAJ6N5EQDKQTHMBI5GS:regionalDeliverySession"},
 "requestParameters":{"sourceIPAddress":"127.0.0.1"},
 "responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"FMyUVURIY8"},
 "s3":{"s3SchemaVersion":"1.0","configurationId":"testConfigRule",
   "bucket":{"name":"my-logs","ownerIdentity":{"principalId":"A3NL1KOZZKExample"},"arn":"arn:aws:s3:::my-logs"},
   "object":{"key":"AWSLogs/123456789012/my+prefix/a%2Bb%3Dc.log.gz","size":1024,"eTag":"d41d8cd98f00b204e9800998ecf8427e","sequencer":"0055AED6DCD90281E5"}}}]}"#;

    #[test]
    fn key_decoding_is_form_decoding() {
        assert_eq!(decode_key("noog+nork").unwrap(), "noog nork");
        assert_eq!(decode_key("noog%2Bnork").unwrap(), "noog+nork");
        assert_eq!(decode_key("noog%2bnork").unwrap(), "noog+nork");
        assert_eq!(decode_key("a%3Ab%3D%2C").unwrap(), "a:b=,");
        assert_eq!(decode_key("Z%C3%BCrich").unwrap(), "Zürich");
        assert!(decode_key("bad%2").is_err());
        assert!(decode_key("bad%zz").is_err());
    }

    #[test]
    fn object_created_record() {
        let n = parse_body(PUT).unwrap();
        assert_eq!(
            n,
            Notification::Objects {
                objects: vec![S3Object {
                    bucket: "my-logs".into(),
                    key: "AWSLogs/123456789012/my prefix/a+b=c.log.gz".into(),
                    size: Some(1024),
                }],
                ignored: 0
            }
        );
    }

    #[test]
    fn test_event_direct_and_in_sns() {
        let t = r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2014-10-13T15:57:02.089Z","Bucket":"bucketname","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"}"#;
        assert_eq!(parse_body(t).unwrap(), Notification::TestEvent);
        let sns = serde_json::json!({
            "Type": "Notification",
            "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
            "TopicArn": "arn:aws:sns:us-west-2:123456789012:MyTopic",
            "Subject": "Amazon S3 Notification",
            "Message": t,
            "Timestamp": "2012-05-02T00:54:06.655Z",
            "SignatureVersion": "1",
            "Signature": "EXAMPLEw6JRN=",
            "SigningCertURL": "https://sns.us-west-2.amazonaws.com/cert.pem",
            "UnsubscribeURL": "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe"
        });
        assert_eq!(
            parse_body(&sns.to_string()).unwrap(),
            Notification::TestEvent
        );
    }

    #[test]
    fn sns_envelope_is_unwrapped() {
        let sns = serde_json::json!({"Type": "Notification", "Message": PUT});
        let Notification::Objects { objects, .. } = parse_body(&sns.to_string()).unwrap() else {
            panic!()
        };
        assert_eq!(
            objects[0].key,
            "AWSLogs/123456789012/my prefix/a+b=c.log.gz"
        );
        // Only one level of envelope.
        let double = serde_json::json!({"Type": "Notification", "Message": sns.to_string()});
        assert!(parse_body(&double.to_string()).is_err());
    }

    #[test]
    fn non_object_created_records_are_ignored() {
        let del = PUT.replace("ObjectCreated:Put", "ObjectRemoved:Delete");
        assert_eq!(
            parse_body(&del).unwrap(),
            Notification::Objects {
                objects: vec![],
                ignored: 1
            }
        );
        let restore = PUT.replace("ObjectCreated:Put", "ObjectRestore:Completed");
        assert!(matches!(
            parse_body(&restore).unwrap(),
            Notification::Objects { ignored: 1, .. }
        ));
        let copy = PUT.replace("ObjectCreated:Put", "ObjectCreated:CompleteMultipartUpload");
        assert!(matches!(
            parse_body(&copy).unwrap(),
            Notification::Objects { ignored: 0, ref objects } if objects.len() == 1
        ));
    }

    #[test]
    fn versions_and_garbage() {
        assert!(parse_body(&PUT.replace("\"2.1\"", "\"2.3\"")).is_ok());
        assert!(parse_body(&PUT.replace("\"2.1\"", "\"3.0\"")).is_err());
        assert!(parse_body("not json").is_err());
        assert!(parse_body("{\"hello\":1}").is_err());
    }

    #[test]
    fn eventbridge_object_created() {
        let eb = serde_json::json!({"version":"0","id":"x","detail-type":"Object Created","source":"aws.s3",
            "account":"123456789012","time":"2023-03-08T17:50:14Z","region":"us-east-1","resources":["arn:aws:s3:::b"],
            "detail":{"version":"0","bucket":{"name":"b"},"object":{"key":"a+b.gz","size":10,"etag":"e","sequencer":"1"},
            "request-id":"r","requester":"123456789012","source-ip-address":"1.2.3.4","reason":"PutObject"}});
        assert_eq!(
            parse_body(&eb.to_string()).unwrap(),
            Notification::Objects {
                objects: vec![S3Object {
                    bucket: "b".into(),
                    key: "a+b.gz".into(),
                    size: Some(10)
                }],
                ignored: 0
            }
        );
    }

    #[test]
    fn an_empty_bucket_name_is_no_notification() {
        // Found by the fuzzer: an object without a bucket cannot be fetched.
        let eb = r#"{"detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":""},"object":{"key":"0"}}}"#;
        assert!(parse_body(eb).is_err());
        let s3 = r#"{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":""},"object":{"key":"k"}}}]}"#;
        assert!(parse_body(s3).is_err());
    }
}
