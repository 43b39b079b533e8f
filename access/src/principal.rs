//! The `Principal`/`NotPrincipal` element, the caller it is matched against, and the global
//! condition keys that follow from the caller.
//!
//! Matching (IAM User Guide, "AWS JSON policy elements: Principal",
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>):
//! - `"*"` and `{"AWS": "*"}` match every caller.
//! - An account (`"111122223333"` or `arn:<p>:iam::111122223333:root`) matches every IAM
//!   principal of that account, but only *through the account*: the account's identity
//!   policies must then allow as well (see [`Match::Account`]).
//! - A role ARN matches the sessions of that role; an assumed-role session ARN
//!   (`arn:<p>:sts::<acct>:assumed-role/<name>/<session>`) matches that one session. Other
//!   ARNs match the caller with exactly that ARN. ARNs compare case-sensitively and take no
//!   wildcards (only `*` alone is a wildcard in a Principal).
//! - `Service` matches a service caller by name, ignoring case; `Federated` matches a web
//!   identity by its provider ARN.

use crate::arn::Arn;
use crate::request::{Caller, Context};
use crate::PolicyError;
use serde_json::Value as Json;

/// The principals one `Principal` or `NotPrincipal` element names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principals {
    /// `"*"`: everyone.
    Any,
    /// `{"AWS": [...], "Service": [...], "Federated": [...], "CanonicalUser": [...]}`.
    Named {
        aws: Vec<String>,
        service: Vec<String>,
        federated: Vec<String>,
        canonical_user: Vec<String>,
    },
}

/// How a caller matches a principal element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Match {
    None,
    /// Only through its account (an account id or `:root` ARN): in a resource policy this
    /// delegates to the account, whose identity policies must allow too.
    Account,
    /// The caller itself (its ARN, its role, its service name, its provider, or `*`).
    Direct,
}

impl Principals {
    pub(crate) fn parse(
        doc: &Json,
        statement: &str,
        element: &str,
    ) -> Result<Principals, PolicyError> {
        let bad = |element: String, problem: String| PolicyError::Malformed {
            statement: statement.to_string(),
            element,
            problem,
        };
        match doc {
            Json::String(s) if s == "*" => Ok(Principals::Any),
            Json::Object(map) => {
                let (mut aws, mut service, mut federated, mut canonical_user) =
                    (vec![], vec![], vec![], vec![]);
                for (kind, values) in map {
                    let el = format!("{element}.{kind}");
                    let list = crate::policy::strings(values).map_err(|p| bad(el.clone(), p))?;
                    match kind.as_str() {
                        "AWS" => aws = list,
                        "Service" => service = list,
                        "Federated" => federated = list,
                        "CanonicalUser" => canonical_user = list,
                        _ => {
                            return Err(bad(
                                el,
                                format!("unknown principal type {kind:?}: use AWS, Service, Federated or CanonicalUser"),
                            ))
                        }
                    }
                }
                Ok(Principals::Named { aws, service, federated, canonical_user })
            }
            other => Err(bad(
                element.to_string(),
                format!("must be \"*\" or an object such as {{\"AWS\": \"<account id or ARN>\"}}, got {other}"),
            )),
        }
    }

    /// How `who` matches this element (the best of its entries).
    pub(crate) fn matches(&self, who: &Who) -> Match {
        match self {
            Principals::Any => Match::Direct,
            Principals::Named {
                aws,
                service,
                federated,
                ..
            } => {
                let a = aws.iter().map(|v| who.match_aws(v));
                let s = service.iter().map(|v| match &who.caller {
                    Caller::Service { name } if name.eq_ignore_ascii_case(v) => Match::Direct,
                    _ => Match::None,
                });
                let f = federated.iter().map(|v| match &who.caller {
                    Caller::WebIdentity { provider_arn } if provider_arn == v => Match::Direct,
                    _ => Match::None,
                });
                a.chain(s).chain(f).max().unwrap_or(Match::None)
            }
        }
    }
}

/// The caller, resolved: its account and ARNs.
#[derive(Debug, Clone)]
pub(crate) struct Who {
    pub caller: Caller,
    /// The caller's account (IAM principals only).
    pub account: Option<String>,
    /// `aws:PrincipalArn`: the role ARN for a role session, the ARN of an external caller.
    pub arn: Option<String>,
    /// The assumed-role session ARN of a role session.
    pub session_arn: Option<String>,
    /// The role name of a session (from a role ARN or an assumed-role ARN).
    role_name: Option<String>,
}

impl Who {
    pub(crate) fn new(caller: &Caller) -> Result<Who, PolicyError> {
        let bad = |field: &str, value: &str, problem: &str| PolicyError::Request {
            field: field.to_string(),
            value: value.to_string(),
            problem: problem.to_string(),
        };
        let mut who = Who {
            caller: caller.clone(),
            account: None,
            arn: None,
            session_arn: None,
            role_name: None,
        };
        match caller {
            Caller::RoleSession {
                role_arn,
                session_name,
            } => {
                let arn = Arn::parse(role_arn)
                    .filter(|a| a.service == "iam" && a.resource.starts_with("role/"))
                    .ok_or_else(|| {
                        bad(
                            "principal.role_arn",
                            role_arn,
                            "is not an IAM role ARN (arn:<partition>:iam::<account>:role/<name>)",
                        )
                    })?;
                let name = arn
                    .resource
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_string();
                who.session_arn = Some(format!(
                    "arn:{}:sts::{}:assumed-role/{}/{}",
                    arn.partition, arn.account, name, session_name
                ));
                who.role_name = Some(name);
                who.account = Some(arn.account);
                who.arn = Some(role_arn.clone());
            }
            Caller::External { arn: text } => {
                let arn = Arn::parse(text)
                    .filter(|a| a.service == "iam" || a.service == "sts")
                    .ok_or_else(|| bad("principal.arn", text, "is not an IAM or STS principal ARN (arn:<partition>:iam::<account>:root, :user/..., :role/...)"))?;
                if let Some(rest) = arn.resource.strip_prefix("assumed-role/") {
                    who.role_name = rest.split('/').next().map(str::to_string);
                    who.session_arn = Some(text.clone());
                }
                if arn.resource.starts_with("role/") {
                    who.role_name = arn.resource.rsplit('/').next().map(str::to_string);
                }
                who.account = Some(arn.account);
                who.arn = Some(text.clone());
            }
            Caller::Service { .. } | Caller::WebIdentity { .. } => {}
        }
        Ok(who)
    }

    fn match_aws(&self, value: &str) -> Match {
        if value == "*" {
            return Match::Direct;
        }
        let Some(account) = &self.account else {
            return Match::None;
        };
        if value == account {
            return Match::Account;
        }
        let Some(arn) = Arn::parse(value) else {
            return Match::None;
        };
        if arn.service == "iam" && arn.resource == "root" {
            return if &arn.account == account {
                Match::Account
            } else {
                Match::None
            };
        }
        if Some(value) == self.arn.as_deref() || Some(value) == self.session_arn.as_deref() {
            return Match::Direct;
        }
        // A role ARN (with any path) matches the sessions of a role of that name in the account
        // when the caller is known only by its session ARN.
        let is_role = arn.service == "iam" && arn.resource.starts_with("role/");
        let same_role = arn.resource.rsplit('/').next() == self.role_name.as_deref();
        if is_role
            && same_role
            && &arn.account == account
            && self.session_arn.as_deref() == self.arn.as_deref()
        {
            return Match::Direct;
        }
        Match::None
    }

    /// A phrase naming the caller in messages.
    pub(crate) fn describe(&self) -> String {
        match &self.caller {
            Caller::RoleSession {
                role_arn,
                session_name,
            } => {
                format!("role {role_arn} (session {session_name})")
            }
            Caller::Service { name } => format!("service principal {name}"),
            Caller::WebIdentity { provider_arn } => format!("web identity of {provider_arn}"),
            Caller::External { arn } => format!("external principal {arn}"),
        }
    }

    /// The request context with the caller's global keys added where the request lacks them:
    /// `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:PrincipalType` (IAM principals:
    /// `AssumedRole`, `Account`, `User`, `FederatedUser`), `aws:PrincipalServiceName` (service
    /// callers), and `kms:CallerAccount` for `kms:` actions.
    pub(crate) fn fill(&self, context: &Context, action: &str) -> Context {
        let mut c = context.clone();
        let mut put = |k: &str, v: &str| {
            if !c.contains(k) {
                c.set(k, v);
            }
        };
        if let Some(a) = &self.account {
            put("aws:PrincipalAccount", a);
            if action.to_ascii_lowercase().starts_with("kms:") {
                put("kms:CallerAccount", a);
            }
        }
        if let Some(arn) = &self.arn {
            put("aws:PrincipalArn", arn);
        }
        let kind = match &self.caller {
            Caller::RoleSession { .. } => Some("AssumedRole"),
            Caller::External { arn } => {
                let res = Arn::parse(arn).map(|a| a.resource).unwrap_or_default();
                if res == "root" {
                    Some("Account")
                } else if res.starts_with("user/") {
                    Some("User")
                } else if res.starts_with("federated-user/") {
                    Some("FederatedUser")
                } else {
                    Some("AssumedRole")
                }
            }
            Caller::Service { name } => {
                put("aws:PrincipalServiceName", name);
                None
            }
            Caller::WebIdentity { .. } => None,
        };
        if let Some(k) = kind {
            put("aws:PrincipalType", k);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn session() -> Who {
        Who::new(&Caller::RoleSession {
            role_arn: "arn:aws:iam::111122223333:role/path/reader".into(),
            session_name: "s1".into(),
        })
        .unwrap()
    }

    fn p(doc: Json) -> Principals {
        Principals::parse(&doc, "0", "Principal").unwrap()
    }

    #[test]
    fn role_sessions_match_their_role_their_session_and_their_account() {
        let w = session();
        assert_eq!(
            p(json!({"AWS": "arn:aws:iam::111122223333:role/path/reader"})).matches(&w),
            Match::Direct
        );
        assert_eq!(
            p(json!({"AWS": "arn:aws:sts::111122223333:assumed-role/reader/s1"})).matches(&w),
            Match::Direct
        );
        assert_eq!(
            p(json!({"AWS": "arn:aws:sts::111122223333:assumed-role/reader/s2"})).matches(&w),
            Match::None
        );
        assert_eq!(
            p(json!({"AWS": "111122223333"})).matches(&w),
            Match::Account
        );
        assert_eq!(
            p(json!({"AWS": "arn:aws:iam::111122223333:root"})).matches(&w),
            Match::Account
        );
        assert_eq!(
            p(json!({"AWS": "arn:aws:iam::444455556666:root"})).matches(&w),
            Match::None
        );
        assert_eq!(
            p(json!({"AWS": "arn:aws:iam::111122223333:role/reader"})).matches(&w),
            Match::None
        );
        assert_eq!(
            p(json!({"AWS": "arn:aws:iam::111122223333:role/path/*"})).matches(&w),
            Match::None
        );
        assert_eq!(p(json!("*")).matches(&w), Match::Direct);
        assert_eq!(p(json!({"AWS": "*"})).matches(&w), Match::Direct);
        assert_eq!(
            p(json!({"Service": "s3.amazonaws.com"})).matches(&w),
            Match::None
        );
        // The best entry wins.
        assert_eq!(
            p(json!({"AWS": ["111122223333", "arn:aws:iam::111122223333:role/path/reader"]}))
                .matches(&w),
            Match::Direct
        );
    }

    #[test]
    fn services_and_web_identities() {
        let svc = Who::new(&Caller::Service {
            name: "cloudtrail.amazonaws.com".into(),
        })
        .unwrap();
        assert_eq!(
            p(json!({"Service": "CloudTrail.amazonaws.com"})).matches(&svc),
            Match::Direct
        );
        assert_eq!(
            p(json!({"Service": ["s3.amazonaws.com"]})).matches(&svc),
            Match::None
        );
        assert_eq!(p(json!({"AWS": "111122223333"})).matches(&svc), Match::None);
        let oidc = "arn:aws:iam::111122223333:oidc-provider/sts.windows.net/t/";
        let web = Who::new(&Caller::WebIdentity {
            provider_arn: oidc.into(),
        })
        .unwrap();
        assert_eq!(p(json!({"Federated": oidc})).matches(&web), Match::Direct);
        assert_eq!(p(json!({"AWS": "111122223333"})).matches(&web), Match::None);
    }

    #[test]
    fn external_callers() {
        let root = Who::new(&Caller::External {
            arn: "arn:aws:iam::197857026523:root".into(),
        })
        .unwrap();
        assert_eq!(
            p(json!({"AWS": "arn:aws:iam::197857026523:root"})).matches(&root),
            Match::Account
        );
        assert_eq!(
            p(json!({"AWS": "197857026523"})).matches(&root),
            Match::Account
        );
        let s = Who::new(&Caller::External {
            arn: "arn:aws:sts::444455556666:assumed-role/r/x".into(),
        })
        .unwrap();
        assert_eq!(
            p(json!({"AWS": "arn:aws:iam::444455556666:role/team/r"})).matches(&s),
            Match::Direct
        );
        assert!(Who::new(&Caller::External { arn: "nope".into() }).is_err());
    }

    #[test]
    fn global_keys_are_filled_unless_given() {
        let w = session();
        let c = w.fill(
            &Context::new().with("aws:PrincipalType", "Given"),
            "kms:Decrypt",
        );
        assert_eq!(c.get("aws:principalaccount").unwrap(), ["111122223333"]);
        assert_eq!(
            c.get("aws:PrincipalArn").unwrap(),
            ["arn:aws:iam::111122223333:role/path/reader"]
        );
        assert_eq!(c.get("aws:PrincipalType").unwrap(), ["Given"]);
        assert_eq!(c.get("kms:CallerAccount").unwrap(), ["111122223333"]);
        assert!(!w
            .fill(&Context::new(), "s3:GetObject")
            .contains("kms:CallerAccount"));
        let svc = Who::new(&Caller::Service {
            name: "logs.amazonaws.com".into(),
        })
        .unwrap();
        let c = svc.fill(&Context::new(), "s3:PutObject");
        assert_eq!(
            c.get("aws:PrincipalServiceName").unwrap(),
            ["logs.amazonaws.com"]
        );
        assert!(!c.contains("aws:PrincipalAccount"));
    }

    #[test]
    fn malformed_principals() {
        let e = Principals::parse(&json!("111122223333"), "S", "Principal").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("statement S: Principal: must be \"*\""),
            "{e}"
        );
        let e = Principals::parse(&json!({"Aws": "1"}), "S", "Principal").unwrap_err();
        assert!(
            e.to_string().contains("unknown principal type \"Aws\""),
            "{e}"
        );
        let e = Principals::parse(&json!({"AWS": 1}), "S", "NotPrincipal").unwrap_err();
        assert!(e.to_string().contains("NotPrincipal.AWS"), "{e}");
    }
}
