//! Least-privilege statements derived from the resources they name.
//!
//! Each helper takes the ARN (or name) of one resource and returns a statement that grants
//! exactly the actions one party needs on it, with the confused-deputy conditions AWS documents.

use crate::cfn::{Expr, Pseudo};
use crate::iam::{actions, keys, Operator, Principal, Statement};

/// `arn:<partition>:s3:::<bucket><path>` for a bucket given by name.
pub fn bucket_arn(bucket_name: &Expr, path: &str) -> Expr {
    Expr::sub_with(
        format!("arn:${{AWS::Partition}}:s3:::${{Bucket}}{path}"),
        [("Bucket", bucket_name.clone())],
    )
}

/// `arn:<partition>:s3:::<bucket>/<prefix>*`: every object under a prefix (kept one `Fn::Sub`
/// where the prefix is a plain `Fn::Sub` template).
pub fn objects_under(bucket_name: &Expr, prefix: &Expr) -> Expr {
    match prefix {
        Expr::Str(p) | Expr::Sub(p) => bucket_arn(bucket_name, &format!("/{p}*")),
        other => Expr::sub_with(
            "arn:${AWS::Partition}:s3:::${Bucket}/${Prefix}*",
            [("Bucket", bucket_name.clone()), ("Prefix", other.clone())],
        ),
    }
}

/// `arn:<partition>:firehose:<region>:<account>:deliverystream/<name>` for a stream of this
/// stack given by name (known before the stream exists, so no dependency on it).
pub fn delivery_stream_arn(stream_name: &Expr) -> Expr {
    Expr::sub_with(
        "arn:${AWS::Partition}:firehose:${AWS::Region}:${AWS::AccountId}:deliverystream/${Stream}",
        [("Stream", stream_name.clone())],
    )
}

/// A transform Lambda puts the records whose output does not fit its response back into its
/// own delivery stream, and into no other.
pub fn reingest_into(stream_name: &Expr) -> Statement {
    Statement::allow(&[actions::firehose::PUT_RECORD_BATCH])
        .sid("ReingestIntoOwnStream")
        .resource(delivery_stream_arn(stream_name))
}

/// The Sentinel connector's rights on its queue: receive, delete, extend visibility, look up.
pub fn consume_queue(queue_arn: Expr) -> Statement {
    use actions::sqs::*;
    Statement::allow(&[
        RECEIVE_MESSAGE,
        DELETE_MESSAGE,
        CHANGE_MESSAGE_VISIBILITY,
        GET_QUEUE_URL,
        GET_QUEUE_ATTRIBUTES,
    ])
    .resource(queue_arn)
}

/// Read objects under one key prefix of a bucket, nothing else.
pub fn read_prefix(bucket_name: &Expr, prefix: &Expr) -> Statement {
    Statement::allow(&[actions::s3::GET_OBJECT]).resource(objects_under(bucket_name, prefix))
}

/// Decrypt with one key, and only through S3 in this region.
pub fn decrypt_through_s3(key_arn: Expr) -> Statement {
    Statement::allow(&[actions::kms::DECRYPT])
        .resource(key_arn)
        .when(
            Operator::StringEquals,
            keys::KMS_VIA_SERVICE,
            Expr::sub("s3.${AWS::Region}.amazonaws.com"),
        )
}

/// The key condition on the ARN S3 passes as encryption context (`aws:s3:arn`).
pub const S3_ARN_CONTEXT: &str = "kms:EncryptionContext:aws:s3:arn";

/// Write SSE-KMS objects with one key, only through S3 in this Region and only for objects
/// under `prefixes` of one bucket, or for that bucket's S3 Bucket Key.
///
/// S3 calls KMS as the uploader: kms:GenerateDataKey for every SSE-KMS upload, and
/// kms:Decrypt as well for a multipart upload, whose parts S3 decrypts to complete it
/// (S3 User Guide, "Using server-side encryption with AWS KMS keys (SSE-KMS)",
/// https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html, and
/// "Multipart upload API and permissions",
/// https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions).
/// Firehose writes to S3 in multipart uploads (its S3 grant includes s3:AbortMultipartUpload
/// and s3:ListBucketMultipartUploads), and its delivery-role policy for a KMS-encrypted
/// bucket grants both actions with these two conditions (Firehose Developer Guide, "Grant
/// Firehose access to an Amazon S3 destination",
/// https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-s3).
/// S3 passes the object's ARN as `aws:s3:arn`, or the bucket's ARN when the bucket uses an
/// S3 Bucket Key (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html), so
/// the context may be either; the role's s3:PutObject grant still bounds where it writes.
pub fn encrypt_through_s3(key_arn: Expr, bucket_name: &Expr, prefixes: &[Expr]) -> Statement {
    let mut contexts = vec![bucket_arn(bucket_name, "")];
    contexts.extend(prefixes.iter().map(|p| objects_under(bucket_name, p)));
    Statement::allow(&[actions::kms::GENERATE_DATA_KEY, actions::kms::DECRYPT])
        .resource(key_arn)
        .when(
            Operator::StringEquals,
            keys::KMS_VIA_SERVICE,
            Expr::sub("s3.${AWS::Region}.amazonaws.com"),
        )
        .when(Operator::StringLike, S3_ARN_CONTEXT, Expr::List(contexts))
}

/// S3 may send this bucket's event notifications to the queue, and nothing else may.
pub fn s3_notifies_queue(queue_arn: Expr, bucket_name: &Expr) -> Statement {
    s3_notifies(actions::sqs::SEND_MESSAGE, bucket_name).resource(queue_arn)
}

/// S3 may do `action` (send to a queue, publish to a topic) with this bucket's event
/// notifications, from this account only; the caller adds the resources.
pub fn s3_notifies(action: crate::iam::Action, bucket_name: &Expr) -> Statement {
    Statement::allow(&[action])
        .principal(Principal::service(crate::facts::principals::S3))
        .when(
            Operator::ArnLike,
            keys::SOURCE_ARN,
            bucket_arn(bucket_name, ""),
        )
        .when(
            Operator::StringEquals,
            keys::SOURCE_ACCOUNT,
            Pseudo::AccountId,
        )
}

/// Refuse any request to the bucket that is not over TLS. The value is the JSON boolean `false`:
/// IAM reads it as `"false"`, and the Guard registry's `S3_BUCKET_SSL_REQUESTS_ONLY` accepts only it.
pub fn deny_insecure_transport(bucket_name: &Expr) -> Statement {
    Statement::deny(&[actions::s3::ALL])
        .sid("DenyInsecureTransport")
        .principal(Principal::Everyone)
        .resource(bucket_arn(bucket_name, ""))
        .resource(bucket_arn(bucket_name, "/*"))
        .when(Operator::Bool, keys::SECURE_TRANSPORT, false)
}

/// Adds the confused-deputy conditions to a service-principal grant.
pub fn from_source(statement: Statement, source_arn: Expr) -> Statement {
    statement
        .when(
            Operator::StringEquals,
            keys::SOURCE_ACCOUNT,
            Pseudo::AccountId,
        )
        .when(Operator::ArnLike, keys::SOURCE_ARN, source_arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consume_queue_names_only_that_queue_and_no_wildcards() {
        let st = consume_queue(Expr::get_att("Q", "Arn"));
        assert_eq!(st.resources, vec![Expr::get_att("Q", "Arn")]);
        assert!(st
            .actions
            .iter()
            .all(|a| a.service() == "sqs" && !a.is_wildcard()));
        assert!(!st.actions.contains(&actions::sqs::SEND_MESSAGE));
    }

    #[test]
    fn encrypt_through_s3_is_bound_to_s3_in_this_region_and_to_the_prefixes() {
        let b = Expr::str("b");
        let st = encrypt_through_s3(Expr::str("k"), &b, &[Expr::str("p/"), Expr::str("e/")]);
        assert_eq!(st.resources, vec![Expr::str("k")]);
        assert_eq!(
            st.actions,
            vec![actions::kms::GENERATE_DATA_KEY, actions::kms::DECRYPT]
        );
        assert_eq!(
            st.conditions.get(keys::KMS_VIA_SERVICE),
            Some((
                Operator::StringEquals,
                &Expr::sub("s3.${AWS::Region}.amazonaws.com")
            ))
        );
        assert_eq!(
            st.conditions.get(S3_ARN_CONTEXT),
            Some((
                Operator::StringLike,
                &Expr::List(vec![
                    bucket_arn(&b, ""),
                    bucket_arn(&b, "/p/*"),
                    bucket_arn(&b, "/e/*"),
                ])
            ))
        );
    }

    #[test]
    fn s3_notification_grant_is_bound_to_bucket_and_account() {
        let st = s3_notifies_queue(Expr::get_att("Q", "Arn"), &Expr::str("b"));
        assert!(st.conditions.has_key(keys::SOURCE_ARN));
        assert!(st.conditions.has_key(keys::SOURCE_ACCOUNT));
    }
}
