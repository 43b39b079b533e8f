//! A stack kind's name, the one place it is parsed: `oidc`, a connector stack's slug (a data
//! type's, `vpc`, `guardduty`, ..., or a group's, which renders all its members), `eks`, `all`,
//! `log-archive`, `log-archive-member` or `legacy`.

use super::{ConnectorStack, ConnectorType, StackKind, StackSpec};
use crate::config::InputError;
use crate::facts::{Cloud, DataType};
use std::fmt;
use std::str::FromStr;

const OIDC: &str = "oidc";
const ALL: &str = "all";
const LEGACY: &str = "legacy";
const LOG_ARCHIVE: &str = "log-archive";
const LOG_ARCHIVE_MEMBER: &str = "log-archive-member";

impl StackKind {
    /// The stack a data type is delivered by: its connector stack (its own or its group's),
    /// or a stack of its own.
    pub fn of_data_type(d: DataType) -> StackKind {
        match (ConnectorType::of(d), d) {
            (Some(c), _) => StackKind::Connector(ConnectorStack::of(c)),
            (None, DataType::Eks) => StackKind::Eks,
            (None, other) => panic!("{other} has neither a connector stack nor a stack of its own"),
        }
    }

    /// Every kind: the OIDC provider, one per data type or group (in catalogue order), all
    /// services, and the legacy role.
    pub fn all() -> Vec<StackKind> {
        let mut out = vec![StackKind::OidcProvider];
        for d in DataType::ALL {
            let k = StackKind::of_data_type(*d);
            if !out.contains(&k) {
                out.push(k);
            }
        }
        out.push(StackKind::AllServices);
        out.push(StackKind::LogArchive);
        out.push(StackKind::LogArchiveMember);
        out.push(StackKind::LegacyCloudTrail);
        out
    }

    /// The name a user gives for the kind (`--stack`, `--template`).
    pub fn name(self) -> &'static str {
        match self {
            StackKind::OidcProvider => OIDC,
            StackKind::Connector(c) => c.slug(),
            StackKind::Eks => DataType::Eks.slug(),
            StackKind::AllServices => ALL,
            StackKind::LegacyCloudTrail => LEGACY,
            StackKind::LogArchive => LOG_ARCHIVE,
            StackKind::LogArchiveMember => LOG_ARCHIVE_MEMBER,
        }
    }

    /// Every name, comma separated (for help and error texts).
    pub fn choices() -> String {
        StackKind::all()
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for StackKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is no stack; the message lists the names there are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown stack '{0}': must be one of {list}", list = StackKind::choices())]
pub struct UnknownStack(pub String);

impl FromStr for StackKind {
    type Err = UnknownStack;
    /// Case-insensitive; a data type's aliases (`flowlogs`) name its stack too, and a group
    /// member's slug names its group's stack.
    fn from_str(s: &str) -> Result<StackKind, UnknownStack> {
        match s.to_ascii_lowercase().as_str() {
            OIDC => Ok(StackKind::OidcProvider),
            ALL => Ok(StackKind::AllServices),
            LEGACY => Ok(StackKind::LegacyCloudTrail),
            LOG_ARCHIVE => Ok(StackKind::LogArchive),
            LOG_ARCHIVE_MEMBER => Ok(StackKind::LogArchiveMember),
            other => DataType::select(other)
                .map(|types| StackKind::of_data_type(types[0]))
                .map_err(|_| UnknownStack(s.to_string())),
        }
    }
}

impl StackSpec {
    /// The stack of `kind` for `cloud`, refusing the legacy connector outside Azure commercial.
    pub fn of(kind: StackKind, cloud: Cloud) -> Result<StackSpec, InputError> {
        if kind == StackKind::LegacyCloudTrail && cloud != Cloud::Commercial {
            return Err(InputError::new(
                "cloud",
                cloud.slug(),
                &format!(
                    "the legacy CloudTrail connector exists in Azure commercial only; use the S3 CloudTrail connector ({})",
                    StackKind::of_data_type(DataType::CloudTrail).name()
                ),
            ));
        }
        Ok(StackSpec { kind, cloud })
    }

    /// The stack a user names (see [`StackKind::from_str`]) for `cloud`.
    pub fn parse(name: &str, cloud: Cloud) -> Result<StackSpec, InputError> {
        let kind: StackKind = name.parse().map_err(|_| {
            InputError::new(
                "stack",
                name,
                &format!("must be one of {}", StackKind::choices()),
            )
        })?;
        StackSpec::of(kind, cloud)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rendered_stack_parses_back_from_its_name() {
        for spec in StackSpec::all() {
            assert_eq!(
                spec.kind.name().parse::<StackKind>(),
                Ok(spec.kind),
                "{spec}"
            );
            assert_eq!(
                StackSpec::parse(&spec.kind.name().to_uppercase(), spec.cloud),
                Ok(spec)
            );
        }
        for k in StackKind::all() {
            assert!(
                StackSpec::all().iter().any(|s| s.kind == k),
                "{k} is rendered"
            );
        }
    }

    #[test]
    fn eks_is_the_eks_stack_and_aliases_name_their_connector() {
        assert_eq!("eks".parse::<StackKind>(), Ok(StackKind::Eks));
        assert_eq!(
            "flowlogs".parse::<StackKind>(),
            Ok(StackKind::Connector(ConnectorStack::of(
                ConnectorType::of(DataType::Vpc).unwrap()
            )))
        );
    }

    #[test]
    fn unknown_names_list_every_choice() {
        let err = "nope".parse::<StackKind>().unwrap_err().to_string();
        assert!(err.contains("'nope'"), "{err}");
        for k in StackKind::all() {
            assert!(err.contains(k.name()), "{err} names {k}");
        }
        for d in DataType::ALL {
            assert!(err.contains(d.stack_slug()), "{err} names {d}'s stack");
        }
        let err = StackSpec::parse("nope", Cloud::Commercial).unwrap_err();
        assert_eq!((err.field.as_str(), err.value.as_str()), ("stack", "nope"));
        assert!(err.rule.contains(&StackKind::choices()), "{err}");
    }

    #[test]
    fn the_legacy_connector_is_commercial_only() {
        assert!(StackSpec::parse("legacy", Cloud::Commercial).is_ok());
        let err = StackSpec::parse("legacy", Cloud::Government).unwrap_err();
        assert_eq!(err.field, "cloud");
        assert!(err.rule.contains("cloudtrail"), "{err}");
    }
}
