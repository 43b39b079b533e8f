//! Every stack the toolkit renders, and how each is named on disk.
//!
//! The typed interface of a stack for whoever deploys it: [`StackKind`] parses from its name
//! (`kind`), [`params`] names every parameter and sets values through [`StackParams`],
//! [`outputs`] reads a deployed stack's outputs into [`outputs::ConnectorOutputs`] or
//! [`outputs::EksOutputs`]. Inside: `bucket` (what the connector parts share), `firehose` (the
//! CloudWatch Logs -> Firehose -> S3 path of CloudWatch and EKS), `services/` (one delivery
//! module per data type), `connector` and `eks` (the stacks that assemble them).

pub mod alarms;
pub mod bucket;
mod common;
pub mod connector;
mod connector_stack;
pub mod eks;
pub mod fan_out;
mod firehose;
mod kind;
pub mod layout;
mod legacy;
pub mod log_archive;
pub mod member;
mod oidc;
pub mod outputs;
pub mod params;
mod services;

pub use connector_stack::ConnectorStack;
pub use kind::UnknownStack;
pub use params::StackParams;
pub use services::{all_services_types, connector_types, has_connector_stack, ConnectorType};

pub use common::{ROLE_ID, ROLE_POLICY_ID};

use crate::cfn::Template;
use crate::config::{BucketName, InputError, OidcRoleName, QueueName, WorkspaceId};
use crate::facts::{Cloud, DataType};
use std::fmt;

/// The role name of the all-services stack.
const ALL_SERVICES_ROLE: &str = "OIDC_MicrosoftSentinelRole";

/// Which stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StackKind {
    OidcProvider,
    /// One data type's connector stack, or a group's (EKS has its own, [`StackKind::Eks`]).
    Connector(ConnectorStack),
    AllServices,
    LegacyCloudTrail,
    /// EKS audit logs of one cluster: CloudWatch Logs -> Firehose -> Lambda -> S3.
    Eks,
    /// An organization's central log bucket, consumed in its own account ([`log_archive`]).
    LogArchive,
    /// A member account of the log archive: its deliveries into the archive ([`member`]).
    LogArchiveMember,
}

/// A stack for one Azure cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StackSpec {
    pub kind: StackKind,
    pub cloud: Cloud,
}

impl StackSpec {
    /// Every stack `cargo xtask render` writes. The legacy connector exists in Azure commercial
    /// only; the log archive's member stack holds nothing of Sentinel's and is rendered once.
    pub fn all() -> Vec<StackSpec> {
        let mut out = Vec::new();
        for cloud in Cloud::ALL {
            out.push(StackSpec {
                kind: StackKind::OidcProvider,
                cloud,
            });
            for s in ConnectorStack::all() {
                out.push(StackSpec {
                    kind: StackKind::Connector(s),
                    cloud,
                });
            }
            out.push(StackSpec {
                kind: StackKind::AllServices,
                cloud,
            });
            out.push(StackSpec {
                kind: StackKind::Eks,
                cloud,
            });
            out.push(StackSpec {
                kind: StackKind::LogArchive,
                cloud,
            });
        }
        out.push(StackSpec {
            kind: StackKind::LegacyCloudTrail,
            cloud: Cloud::Commercial,
        });
        // Nothing of Sentinel's, so one for both Azure clouds.
        out.push(StackSpec {
            kind: StackKind::LogArchiveMember,
            cloud: Cloud::Commercial,
        });
        out
    }

    /// File stem, e.g. `sentinel-cloudtrail-connector-commercial`.
    pub fn stem(&self) -> String {
        let what = match self.kind {
            StackKind::OidcProvider => "sentinel-oidc-provider".to_string(),
            StackKind::Connector(s) => format!("sentinel-{}-connector", s.slug()),
            StackKind::AllServices => "sentinel-all-services-connector".to_string(),
            StackKind::LegacyCloudTrail => "sentinel-legacy-cloudtrail-role".to_string(),
            StackKind::Eks => "sentinel-eks-connector".to_string(),
            StackKind::LogArchive => "sentinel-log-archive-connector".to_string(),
            // The same stack for both Azure clouds: no cloud in its name.
            StackKind::LogArchiveMember => return "sentinel-log-archive-member".to_string(),
        };
        format!("{what}-{}", self.cloud.slug())
    }

    pub fn title(&self) -> String {
        let what = match self.kind {
            StackKind::OidcProvider => "OIDC web identity provider".to_string(),
            StackKind::Connector(s) => format!("{} connector", s.label()),
            StackKind::AllServices => "All four S3 services in one bucket".to_string(),
            StackKind::LegacyCloudTrail => "Legacy CloudTrail connector role".to_string(),
            StackKind::Eks => "EKS audit logs connector".to_string(),
            StackKind::LogArchive => "Organization log archive".to_string(),
            StackKind::LogArchiveMember => {
                return "Member account of the log archive (either Azure cloud)".to_string()
            }
        };
        format!("{what} ({})", self.cloud.label())
    }

    pub fn services(&self) -> Vec<DataType> {
        match self.kind {
            StackKind::Connector(s) => s.members().into_iter().map(DataType::from).collect(),
            StackKind::AllServices => services::all_services_types()
                .into_iter()
                .map(DataType::from)
                .collect(),
            StackKind::LogArchive => log_archive::DATA_TYPES.to_vec(),
            _ => Vec::new(),
        }
    }

    pub fn build(&self) -> Template {
        let mut t = match self.kind {
            StackKind::OidcProvider => oidc::build(self.cloud),
            StackKind::Connector(s) => {
                connector::build(self.cloud, &s.members(), s.slug(), s.default_role())
            }
            StackKind::AllServices => connector::build(
                self.cloud,
                &services::all_services_types(),
                "logs",
                ALL_SERVICES_ROLE,
            ),
            StackKind::LegacyCloudTrail => legacy::build(),
            StackKind::Eks => eks::build(self.cloud),
            StackKind::LogArchive => log_archive::build(self.cloud),
            StackKind::LogArchiveMember => member::build(self.cloud),
        };
        if let Err(e) = t.validate() {
            panic!("stack {} is inconsistent: {e}", self.stem());
        }
        crate::suppressions::apply(&mut t);
        t
    }
}

impl fmt::Display for StackSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.stem())
    }
}

/// Values a user sets at render time; each becomes its parameter's default.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub workspace_id: Option<WorkspaceId>,
    pub role_name: Option<String>,
    pub bucket_name: Option<BucketName>,
    pub queue_name: Option<QueueName>,
}

impl Overrides {
    /// Applies the overrides to a built template, checking each against the stack's own rules.
    pub fn apply(&self, spec: &StackSpec, t: &mut Template) -> Result<(), InputError> {
        let mut values = StackParams::new(spec);
        if let Some(w) = &self.workspace_id {
            values = values.workspace_id(w);
        }
        if let Some(name) = &self.role_name {
            match spec.kind {
                StackKind::LegacyCloudTrail => values = values.legacy_role_name(&name.parse()?),
                StackKind::OidcProvider => {}
                _ => values = values.role_name(&name.parse::<OidcRoleName>()?),
            }
        }
        if let Some(b) = &self.bucket_name {
            values = values.bucket_name(b);
        }
        if let Some(q) = &self.queue_name {
            values = values.queue_name(q);
        }
        // A value for a parameter the stack does not declare is left out, as before. A value
        // the parameter's own pattern refuses (a WAF stack's bucket name without
        // `aws-waf-logs-`) is refused here too.
        for (name, value) in values.into_pairs() {
            if let Some(p) = t.parameters.get_mut(&name) {
                if let Some(pattern) = &p.allowed_pattern {
                    let re = regex::Regex::new(pattern).expect("parameter patterns are valid");
                    if !re.is_match(&value) {
                        let rule = p.constraint_description.as_deref().unwrap_or(pattern);
                        return Err(InputError::new(&name, &value, rule));
                    }
                }
                p.default = Some(value);
            }
        }
        Ok(())
    }
}
