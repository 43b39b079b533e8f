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

/// S3 may send this bucket's event notifications to the queue, and nothing else may.
pub fn s3_notifies_queue(queue_arn: Expr, bucket_name: &Expr) -> Statement {
    Statement::allow(&[actions::sqs::SEND_MESSAGE])
        .principal(Principal::service(crate::facts::principals::S3))
        .resource(queue_arn)
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
    fn s3_notification_grant_is_bound_to_bucket_and_account() {
        let st = s3_notifies_queue(Expr::get_att("Q", "Arn"), &Expr::str("b"));
        assert!(st.conditions.has_key(keys::SOURCE_ARN));
        assert!(st.conditions.has_key(keys::SOURCE_ACCOUNT));
    }
}
