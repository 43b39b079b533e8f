//! Test: every declared column type is the one of Microsoft's table reference.

use super::{ColumnType, Table};

/// Every column's type as Microsoft's table reference gives it (see the module docs of
/// [`super`] for the pages), so a declaration cannot drift from it again.
#[test]
fn column_types_are_the_table_references() {
    use ColumnType::*;
    let reference: [(Table, &[(&str, ColumnType)]); 5] = [
        (
            Table::AWSVPCFlow,
            &[
                ("TimeGenerated", Datetime),
                ("AccountId", String),
                ("Action", String),
                ("AzId", String),
                ("Bytes", Long),
                ("DstAddr", String),
                ("DstPort", Int),
                ("End", Datetime),
                ("FlowDirection", String),
                ("InstanceId", String),
                ("InterfaceId", String),
                ("LogStatus", String),
                ("Packets", Int),
                ("PktDstAddr", String),
                ("PktDstAwsService", String),
                ("PktSrcAddr", String),
                ("PktSrcAwsService", String),
                ("Protocol", Int),
                ("Region", String),
                ("SrcAddr", String),
                ("SrcPort", Int),
                ("SublocationId", String),
                ("SublocationType", String),
                ("SubnetId", String),
                ("TcpFlags", Int),
                ("TrafficPath", String),
                ("TrafficType", String),
                ("Version", Int),
                ("VpcId", String),
                ("EcsClusterArn", String),
                ("EcsClusterName", String),
                ("EcsContainerInstanceArn", String),
                ("EcsContainerInstanceId", String),
                ("EcsContainerId", String),
                ("EcsSecondContainerId", String),
                ("EcsServiceName", String),
                ("EcsTaskDefinitionArn", String),
                ("EcsTaskArn", String),
                ("EcsTaskId", String),
                // Not on the reference pages: string, as the flow log field.
                ("RejectReason", String),
            ],
        ),
        (
            Table::AWSGuardDuty,
            &[
                ("TimeGenerated", Datetime),
                ("AccountId", String),
                ("ActivityType", String),
                ("Arn", String),
                ("Description", String),
                ("Id", String),
                ("Partition", String),
                ("Region", String),
                ("ResourceDetails", Dynamic),
                ("SchemaVersion", String),
                ("ServiceDetails", Dynamic),
                ("Severity", Int),
                ("TimeCreated", Datetime),
                ("Title", String),
            ],
        ),
        (
            Table::AWSCloudTrail,
            &[
                ("TimeGenerated", Datetime),
                ("AdditionalEventData", String),
                ("APIVersion", String),
                ("AwsEventId", String),
                ("AWSRegion", String),
                ("AwsRequestId_", String),
                ("Category", String),
                ("CipherSuite", String),
                ("ClientProvidedHostHeader", String),
                ("EC2RoleDelivery", String),
                ("ErrorCode", String),
                ("ErrorMessage", String),
                ("EventName", String),
                ("EventSource", String),
                ("EventTypeName", String),
                ("EventVersion", String),
                ("ManagementEvent", Boolean),
                ("ReadOnly", Boolean),
                ("RecipientAccountId", String),
                ("RequestParameters", String),
                ("Resources", String),
                ("ResponseElements", String),
                ("ServiceEventDetails", String),
                ("SessionCreationDate", Datetime),
                ("SessionIssuerAccountId", String),
                ("SessionIssuerArn", String),
                ("SessionIssuerPrincipalId", String),
                ("SessionIssuerType", String),
                ("SessionIssuerUserName", String),
                ("SessionMfaAuthenticated", Boolean),
                ("SharedEventId", String),
                ("SourceIpAddress", String),
                ("TlsVersion", String),
                ("UserAgent", String),
                ("UserIdentityAccessKeyId", String),
                ("UserIdentityAccountId", String),
                ("UserIdentityArn", String),
                ("UserIdentityInvokedBy", String),
                ("UserIdentityPrincipalid", String),
                ("UserIdentityType", String),
                ("UserIdentityUserName", String),
                ("VpcEndpointId", String),
            ],
        ),
        (
            Table::AWSCloudWatch,
            &[
                ("TimeGenerated", Datetime),
                ("ExtractedTime", Datetime),
                ("Message", String),
            ],
        ),
        (
            Table::AWSEKSLogs_CL,
            &[
                ("TimeGenerated", Datetime),
                ("AwsAccountId", String),
                ("Region", String),
                ("ClusterName", String),
                ("Verb", String),
                ("User", String),
                ("SourceIPs", Dynamic),
                ("UserAgent", String),
                ("ObjectRef", String),
                ("ResponseCode", Int),
                ("Stage", String),
                ("AuthDecision", String),
                ("RawEvent", Dynamic),
            ],
        ),
    ];
    for (table, columns) in reference {
        let decl = table.stream();
        assert_eq!(decl.columns.len(), columns.len(), "{}", decl.name);
        for (name, ty) in columns {
            let col = decl
                .column(name)
                .unwrap_or_else(|| panic!("{}: no column {name}", decl.name));
            assert_eq!(col.ty, *ty, "{}.{name}", decl.name);
        }
    }
}
