//! ARNs (`arn:partition:service:region:account:resource`) and the matching of ARN patterns.
//!
//! An ARN pattern is matched component by component: the five fields before the fifth colon
//! and the resource part after it (which may itself hold `:` and `/`), each with `*` and `?`
//! wildcards, case-sensitively. A `*` never spans a field boundary, except inside the resource
//! part. The pattern `*` alone matches every ARN; a pattern that starts with `arn:` but has
//! fewer than six fields matches nothing; any other pattern is matched against the whole text.

use crate::wildcard::Pattern;

/// A parsed ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn {
    pub partition: String,
    pub service: String,
    pub region: String,
    pub account: String,
    /// Everything after the fifth colon (`bucket/key`, `role/path/name`, `key/<id>`, `queue`).
    pub resource: String,
}

impl Arn {
    /// Parses `text`; `None` when it is not `arn:` and six colon-separated fields.
    pub fn parse(text: &str) -> Option<Arn> {
        let mut it = text.splitn(6, ':');
        let (arn, partition, service, region, account, resource) = (
            it.next()?,
            it.next()?,
            it.next()?,
            it.next()?,
            it.next()?,
            it.next()?,
        );
        if arn != "arn" || partition.is_empty() || service.is_empty() {
            return None;
        }
        Some(Arn {
            partition: partition.into(),
            service: service.into(),
            region: region.into(),
            account: account.into(),
            resource: resource.into(),
        })
    }

    fn fields(&self) -> [&str; 6] {
        [
            "arn",
            &self.partition,
            &self.service,
            &self.region,
            &self.account,
            &self.resource,
        ]
    }
}

impl std::fmt::Display for Arn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.fields().join(":"))
    }
}

/// Whether `pattern` (an ARN pattern with wildcards, or `*`) matches `text`, which is
/// usually an ARN.
pub(crate) fn arn_matches(pattern: &Pattern, text: &str) -> bool {
    if pattern.is_any() {
        return true;
    }
    let parts = pattern.splitn(6, ':');
    let starts_with_arn = parts.len() > 1 && parts[0] == Pattern::literal("arn");
    if !starts_with_arn {
        return pattern.matches(text, false);
    }
    if parts.len() < 6 {
        // An ARN pattern short of fields matches no ARN: a `*` does not stand for fields.
        return false;
    }
    match Arn::parse(text) {
        Some(arn) => parts
            .iter()
            .zip(arn.fields())
            .all(|(p, field)| p.matches(field, false)),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        arn_matches(&Pattern::glob(p), t)
    }

    #[test]
    fn parses_six_fields_with_colons_in_the_resource() {
        let a = Arn::parse("arn:aws:logs:us-east-1:111122223333:log-group:g:*").unwrap();
        assert_eq!(a.service, "logs");
        assert_eq!(a.account, "111122223333");
        assert_eq!(a.resource, "log-group:g:*");
        assert_eq!(
            a.to_string(),
            "arn:aws:logs:us-east-1:111122223333:log-group:g:*"
        );
        assert!(Arn::parse("arn:aws:s3").is_none());
        assert!(Arn::parse("nope:aws:s3:::b").is_none());
    }

    #[test]
    fn star_alone_matches_everything() {
        assert!(m("*", "arn:aws:s3:::b"));
        assert!(m("*", "not an arn"));
    }

    #[test]
    fn a_star_in_a_field_does_not_span_fields() {
        // `*` in the region field cannot swallow the account field.
        assert!(m(
            "arn:aws:sqs:*:111122223333:q",
            "arn:aws:sqs:us-east-1:111122223333:q"
        ));
        assert!(!m(
            "arn:aws:sqs:*:q",
            "arn:aws:sqs:us-east-1:111122223333:q"
        ));
        assert!(m(
            "arn:aws:sqs:us-east-?:*:q",
            "arn:aws:sqs:us-east-1:111122223333:q"
        ));
    }

    #[test]
    fn a_star_in_the_resource_part_spans_slashes_and_colons() {
        assert!(m(
            "arn:aws:s3:::b/AWSLogs/*/CloudTrail/*",
            "arn:aws:s3:::b/AWSLogs/1/CloudTrail/us-east-1/x.json.gz"
        ));
        assert!(m(
            "arn:aws:logs:*:*:log-group:*",
            "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s"
        ));
        assert!(!m(
            "arn:aws:s3:::b/AWSLogs/*/CloudTrail/*",
            "arn:aws:s3:::b/AWSLogs/1/Other/x"
        ));
    }

    #[test]
    fn fields_are_case_sensitive() {
        assert!(!m("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/k"));
        assert!(!m("arn:AWS:s3:::bucket/*", "arn:aws:s3:::bucket/k"));
    }

    #[test]
    fn a_bucket_pattern_does_not_match_its_objects() {
        assert!(!m("arn:aws:s3:::b", "arn:aws:s3:::b/k"));
        assert!(m("arn:aws:s3:::b*", "arn:aws:s3:::b/k"));
    }
}
