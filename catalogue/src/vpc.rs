//! The VPC flow-log field vocabulary: the fields of a flow log format (`${name}`), the named
//! formats, and parsing, printing and checking a format. Shared by the synthetic generator
//! (which writes records in a format) and the connector (which reads a header line).

use std::collections::HashSet;

/// A flow log field (`${name}` in a flow log format).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VpcField {
    Version,
    AccountId,
    InterfaceId,
    SrcAddr,
    DstAddr,
    SrcPort,
    DstPort,
    Protocol,
    Packets,
    Bytes,
    Start,
    End,
    Action,
    LogStatus,
    VpcId,
    SubnetId,
    InstanceId,
    TcpFlags,
    Type,
    PktSrcAddr,
    PktDstAddr,
    Region,
    AzId,
    SublocationType,
    SublocationId,
    PktSrcAwsService,
    PktDstAwsService,
    FlowDirection,
    TrafficPath,
    EcsClusterArn,
    EcsClusterName,
    EcsContainerInstanceArn,
    EcsContainerInstanceId,
    EcsContainerId,
    EcsSecondContainerId,
    EcsServiceName,
    EcsTaskDefinitionArn,
    EcsTaskArn,
    EcsTaskId,
    RejectReason,
}

use VpcField as F;

impl VpcField {
    /// Every field, in the order of the AWS field table.
    pub const ALL: [VpcField; 40] = [
        F::Version,
        F::AccountId,
        F::InterfaceId,
        F::SrcAddr,
        F::DstAddr,
        F::SrcPort,
        F::DstPort,
        F::Protocol,
        F::Packets,
        F::Bytes,
        F::Start,
        F::End,
        F::Action,
        F::LogStatus,
        F::VpcId,
        F::SubnetId,
        F::InstanceId,
        F::TcpFlags,
        F::Type,
        F::PktSrcAddr,
        F::PktDstAddr,
        F::Region,
        F::AzId,
        F::SublocationType,
        F::SublocationId,
        F::PktSrcAwsService,
        F::PktDstAwsService,
        F::FlowDirection,
        F::TrafficPath,
        F::EcsClusterArn,
        F::EcsClusterName,
        F::EcsContainerInstanceArn,
        F::EcsContainerInstanceId,
        F::EcsContainerId,
        F::EcsSecondContainerId,
        F::EcsServiceName,
        F::EcsTaskDefinitionArn,
        F::EcsTaskArn,
        F::EcsTaskId,
        F::RejectReason,
    ];

    /// The hyphenated name used in formats and header lines.
    pub fn name(self) -> &'static str {
        match self {
            F::Version => "version",
            F::AccountId => "account-id",
            F::InterfaceId => "interface-id",
            F::SrcAddr => "srcaddr",
            F::DstAddr => "dstaddr",
            F::SrcPort => "srcport",
            F::DstPort => "dstport",
            F::Protocol => "protocol",
            F::Packets => "packets",
            F::Bytes => "bytes",
            F::Start => "start",
            F::End => "end",
            F::Action => "action",
            F::LogStatus => "log-status",
            F::VpcId => "vpc-id",
            F::SubnetId => "subnet-id",
            F::InstanceId => "instance-id",
            F::TcpFlags => "tcp-flags",
            F::Type => "type",
            F::PktSrcAddr => "pkt-srcaddr",
            F::PktDstAddr => "pkt-dstaddr",
            F::Region => "region",
            F::AzId => "az-id",
            F::SublocationType => "sublocation-type",
            F::SublocationId => "sublocation-id",
            F::PktSrcAwsService => "pkt-src-aws-service",
            F::PktDstAwsService => "pkt-dst-aws-service",
            F::FlowDirection => "flow-direction",
            F::TrafficPath => "traffic-path",
            F::EcsClusterArn => "ecs-cluster-arn",
            F::EcsClusterName => "ecs-cluster-name",
            F::EcsContainerInstanceArn => "ecs-container-instance-arn",
            F::EcsContainerInstanceId => "ecs-container-instance-id",
            F::EcsContainerId => "ecs-container-id",
            F::EcsSecondContainerId => "ecs-second-container-id",
            F::EcsServiceName => "ecs-service-name",
            F::EcsTaskDefinitionArn => "ecs-task-definition-arn",
            F::EcsTaskArn => "ecs-task-arn",
            F::EcsTaskId => "ecs-task-id",
            F::RejectReason => "reject-reason",
        }
    }

    /// The flow log version that introduced the field.
    pub fn version(self) -> u8 {
        match self {
            F::Version
            | F::AccountId
            | F::InterfaceId
            | F::SrcAddr
            | F::DstAddr
            | F::SrcPort
            | F::DstPort
            | F::Protocol
            | F::Packets
            | F::Bytes
            | F::Start
            | F::End
            | F::Action
            | F::LogStatus => 2,
            F::VpcId
            | F::SubnetId
            | F::InstanceId
            | F::TcpFlags
            | F::Type
            | F::PktSrcAddr
            | F::PktDstAddr => 3,
            F::Region | F::AzId | F::SublocationType | F::SublocationId => 4,
            F::PktSrcAwsService | F::PktDstAwsService | F::FlowDirection | F::TrafficPath => 5,
            F::EcsClusterArn
            | F::EcsClusterName
            | F::EcsContainerInstanceArn
            | F::EcsContainerInstanceId
            | F::EcsContainerId
            | F::EcsSecondContainerId
            | F::EcsServiceName
            | F::EcsTaskDefinitionArn
            | F::EcsTaskArn
            | F::EcsTaskId => 7,
            F::RejectReason => 8,
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Named flow log formats (`--vpc-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VpcFormat {
    /// The 14 default v2 fields.
    Default,
    /// A typical custom format with v3-v5 fields, not in table order (version 5).
    Custom,
    /// Every field v2-v8 in table order (version 8).
    AllFields,
}

impl VpcFormat {
    pub fn fields(self) -> Vec<VpcField> {
        match self {
            VpcFormat::Default => VpcField::ALL[..14].to_vec(),
            VpcFormat::Custom => vec![
                F::Version,
                F::VpcId,
                F::SubnetId,
                F::InstanceId,
                F::InterfaceId,
                F::AccountId,
                F::Type,
                F::SrcAddr,
                F::DstAddr,
                F::SrcPort,
                F::DstPort,
                F::PktSrcAddr,
                F::PktDstAddr,
                F::Protocol,
                F::Bytes,
                F::Packets,
                F::Start,
                F::End,
                F::Action,
                F::TcpFlags,
                F::LogStatus,
                F::Region,
                F::AzId,
                F::SublocationType,
                F::SublocationId,
                F::FlowDirection,
                F::TrafficPath,
                F::PktSrcAwsService,
                F::PktDstAwsService,
            ],
            VpcFormat::AllFields => VpcField::ALL.to_vec(),
        }
    }
}

/// Parses a format: field names separated by spaces, each optionally written
/// `${name}` as in the AWS `LogFormat` parameter.
pub fn parse_fields(s: &str) -> Result<Vec<VpcField>, String> {
    let fields: Vec<VpcField> = s
        .split_whitespace()
        .map(|tok| {
            let name = tok
                .strip_prefix("${")
                .and_then(|t| t.strip_suffix('}'))
                .unwrap_or(tok);
            VpcField::from_name(name).ok_or_else(|| format!("unknown flow log field '{name}'"))
        })
        .collect::<Result<_, _>>()?;
    validate_fields(&fields)?;
    Ok(fields)
}

/// The header line (without newline) of a format.
pub fn format_string(fields: &[VpcField]) -> String {
    fields
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `version` of a format: the highest version among its fields.
pub fn format_version(fields: &[VpcField]) -> u8 {
    fields.iter().map(|f| f.version()).max().unwrap_or(2)
}

/// A format must be non-empty and without duplicates. It need not include
/// `start` (the table's TimeGenerated source): without it, as in AWS's own NAT
/// gateway and transit gateway examples, the expected rows' `TimeGenerated`
/// is [`crate::tables::ARRIVAL_TIME`].
pub fn validate_fields(fields: &[VpcField]) -> Result<(), String> {
    if fields.is_empty() {
        return Err("the format has no fields".into());
    }
    let mut seen = HashSet::new();
    for f in fields {
        if !seen.insert(f) {
            return Err(format!("field '{}' appears twice", f.name()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_versions_names_and_errors() {
        assert_eq!(format_version(&VpcFormat::Default.fields()), 2);
        assert_eq!(format_version(&VpcFormat::Custom.fields()), 5);
        assert_eq!(format_version(&VpcFormat::AllFields.fields()), 8);
        assert_eq!(format_version(&parse_fields("start ${vpc-id}").unwrap()), 3);
        assert_eq!(format_version(&parse_fields("start region").unwrap()), 4);
        assert_eq!(
            format_version(&parse_fields("start ecs-task-id").unwrap()),
            7
        );
        assert_eq!(
            format_string(&VpcFormat::Default.fields()),
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
        );
        // AWS's NAT gateway example format: no `start`, no number at all.
        let nat = parse_fields("instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr");
        assert_eq!(nat.unwrap().len(), 6);
        assert!(parse_fields("start bogus").unwrap_err().contains("bogus"));
        assert!(parse_fields("start start").unwrap_err().contains("twice"));
        for f in VpcField::ALL {
            assert_eq!(VpcField::from_name(f.name()), Some(f));
        }
        assert_eq!(
            validate_fields(&[]).unwrap_err(),
            "the format has no fields"
        );
    }
}
