//! Validated user input: every value a user can pass is checked here with the same rule the
//! template's `AllowedPattern` enforces, so bad input fails before anything is rendered.

use regex::Regex;
use std::fmt;

/// Bad input: names the field, the value and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field} `{value}`: {rule}")]
pub struct InputError {
    pub field: String,
    pub value: String,
    pub rule: String,
}

impl InputError {
    pub fn new(field: &str, value: &str, rule: &str) -> Self {
        InputError {
            field: field.to_string(),
            value: value.to_string(),
            rule: rule.to_string(),
        }
    }
}

/// Patterns shared by the templates' `AllowedPattern`s and by [`validate`]. They use only
/// syntax that Java (CloudFormation) and Rust's `regex` read alike.
pub mod patterns {
    /// Lower case only: Sentinel sends the session name `MicrosoftSentinel_<workspace ID>` in
    /// lower case and the trust policy compares it case-sensitively (`StringEquals`), so a GUID
    /// pasted in upper case would make every AssumeRoleWithWebIdentity fail.
    pub const WORKSPACE_ID: &str = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
    pub const WORKSPACE_ID_RULE: &str =
        "must be the Log Analytics workspace ID in lower case, a GUID like 01234567-89ab-cdef-0123-456789abcdef (Sentinel sends it in lower case in the role session name, and the role's trust compares it case-sensitively)";
    pub const OIDC_ROLE_NAME: &str = "^OIDC_[A-Za-z0-9_+=,.@-]{1,59}$";
    pub const OIDC_ROLE_NAME_RULE: &str = "must start with OIDC_ (Sentinel cannot fetch its token otherwise), be at most 64 characters, and use only letters, digits and _+=,.@-";
    pub const ROLE_NAME: &str = "^[A-Za-z0-9_+=,.@-]{1,64}$";
    pub const ROLE_NAME_RULE: &str = "must be 1 to 64 characters of letters, digits and _+=,.@-";
    pub const BUCKET_NAME_OR_EMPTY: &str = "^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$";
    pub const BUCKET_NAME_RULE: &str = "must be 3 to 63 characters of lower-case letters, digits, dots and hyphens, start and end with a letter or digit, have no `..`, and not look like an IP address; leave empty for the default name";
    pub const QUEUE_NAME: &str = "^[A-Za-z0-9_-]{1,80}$";
    pub const QUEUE_NAME_RULE: &str = "must be 1 to 80 characters of letters, digits, _ and -";
    /// EKS cluster names: 1 to 100 characters, a letter or digit first, then letters, digits,
    /// - and _.
    pub const EKS_CLUSTER_NAME: &str = "^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$";
    pub const EKS_CLUSTER_NAME_RULE: &str = "must be an EKS cluster name: 1 to 100 letters, digits, - or _, starting with a letter or digit";
    /// A GuardDuty detector ID.
    pub const DETECTOR_ID: &str = "^[0-9a-f]{32}$";
    pub const DETECTOR_ID_RULE: &str = "must be a 32-character GuardDuty detector ID";
}

fn matches(pattern: &str, value: &str) -> bool {
    Regex::new(pattern)
        .expect("patterns are valid")
        .is_match(value)
}

macro_rules! checked_string {
    ($(#[$doc:meta])* $name:ident, $field:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = InputError;
            fn from_str(s: &str) -> Result<Self, InputError> {
                let check: fn(&str) -> Result<(), &'static str> = $check;
                check(s).map_err(|rule| InputError::new($field, s, rule))?;
                Ok($name(s.to_string()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

checked_string!(
    /// A Log Analytics workspace ID (GUID, lower case: see [`patterns::WORKSPACE_ID`]).
    WorkspaceId,
    "workspace ID",
    |s| {
        if matches(patterns::WORKSPACE_ID, s) {
            Ok(())
        } else if matches(patterns::WORKSPACE_ID, &s.to_ascii_lowercase()) {
            Err("is in upper case: enter it in lower case (Sentinel sends the workspace ID in lower case in the role session name, and the role's trust compares it case-sensitively)")
        } else {
            Err(patterns::WORKSPACE_ID_RULE)
        }
    }
);

checked_string!(
    /// A role name Sentinel can assume through OIDC: must start with `OIDC_`.
    OidcRoleName,
    "role name",
    |s| if matches(patterns::OIDC_ROLE_NAME, s) { Ok(()) } else { Err(patterns::OIDC_ROLE_NAME_RULE) }
);

checked_string!(
    /// A plain IAM role name (legacy connector).
    RoleName,
    "role name",
    |s| if matches(patterns::ROLE_NAME, s) { Ok(()) } else { Err(patterns::ROLE_NAME_RULE) }
);

checked_string!(
    /// An S3 bucket name.
    BucketName,
    "bucket name",
    |s| {
        let ip_like = s.split('.').count() == 4 && s.split('.').all(|p| p.parse::<u8>().is_ok());
        let ok = !s.is_empty()
            && matches(patterns::BUCKET_NAME_OR_EMPTY, s)
            && !s.contains("..")
            && !s.contains(".-")
            && !s.contains("-.")
            && !ip_like
            && !s.starts_with("xn--")
            && !s.starts_with("sthree-")
            && !s.ends_with("-s3alias")
            && !s.ends_with("--ol-s3");
        if ok { Ok(()) } else { Err(patterns::BUCKET_NAME_RULE) }
    }
);

checked_string!(
    /// An SQS queue name (standard queue).
    QueueName,
    "queue name",
    |s| if matches(patterns::QUEUE_NAME, s) { Ok(()) } else { Err(patterns::QUEUE_NAME_RULE) }
);

checked_string!(
    /// An EKS cluster name.
    EksClusterName,
    "EKS cluster name",
    |s| if matches(patterns::EKS_CLUSTER_NAME, s) { Ok(()) } else { Err(patterns::EKS_CLUSTER_NAME_RULE) }
);

checked_string!(
    /// A GuardDuty detector ID (32 hex digits).
    DetectorId,
    "GuardDuty detector ID",
    |s| if matches(patterns::DETECTOR_ID, s) { Ok(()) } else { Err(patterns::DETECTOR_ID_RULE) }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_id_must_be_a_guid() {
        assert!("01234567-89ab-cdef-0123-456789abcdef"
            .parse::<WorkspaceId>()
            .is_ok());
        let err = "not-a-guid".parse::<WorkspaceId>().unwrap_err();
        assert_eq!(err.field, "workspace ID");
        assert!(err.to_string().contains("`not-a-guid`"), "{err}");
        assert!(err.to_string().contains("GUID"), "{err}");
    }

    #[test]
    fn upper_case_workspace_ids_are_refused_with_the_reason() {
        let err = "6F1A9B2C-1234-4ABC-9DEF-0123456789AB"
            .parse::<WorkspaceId>()
            .unwrap_err();
        assert!(err.rule.contains("lower case"), "{err}");
        assert!(err.rule.contains("case-sensitively"), "{err}");
        assert!(!matches(
            patterns::WORKSPACE_ID,
            "6f1a9b2c-1234-4abc-9DEF-0123456789ab"
        ));
    }

    #[test]
    fn role_names_need_the_oidc_prefix_and_iam_rules() {
        assert!("OIDC_MicrosoftSentinelRole".parse::<OidcRoleName>().is_ok());
        for bad in [
            "MicrosoftSentinelRole",
            "OIDC_",
            "OIDC_has space",
            &format!("OIDC_{}", "a".repeat(60)),
        ] {
            let err = bad.parse::<OidcRoleName>().unwrap_err();
            assert!(err.rule.contains("OIDC_"), "{bad}: {err}");
        }
        assert!(format!("OIDC_{}", "a".repeat(59))
            .parse::<OidcRoleName>()
            .is_ok());
    }

    #[test]
    fn bucket_names_follow_s3_rules() {
        for good in ["my-logs", "a.b-c.d1", "abc"] {
            assert!(good.parse::<BucketName>().is_ok(), "{good}");
        }
        for bad in [
            "",
            "ab",
            "My-Logs",
            "-logs",
            "logs-",
            "a..b",
            "192.168.1.1",
            "xn--abc",
            "x-s3alias",
            "a_b",
        ] {
            let err = bad.parse::<BucketName>().unwrap_err();
            assert_eq!(err.field, "bucket name", "{bad}");
        }
    }

    #[test]
    fn queue_names_follow_sqs_rules() {
        assert!("MicrosoftSentinelCloudTrail".parse::<QueueName>().is_ok());
        assert!("a".repeat(80).parse::<QueueName>().is_ok());
        assert!("a".repeat(81).parse::<QueueName>().is_err());
        assert!("has.dot".parse::<QueueName>().is_err());
    }
}
