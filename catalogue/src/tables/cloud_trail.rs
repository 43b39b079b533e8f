//! The `AWSCloudTrail` table: its row struct and its column declarations (names in order, and
//! the DCR column types of Microsoft's table reference; see [`super`]).

use serde::{Deserialize, Serialize};

use super::{cols, Column, Row, StreamDecl, Table};

/// The columns of `AWSCloudTrail`, in order; the fields of [`AwsCloudTrail`] are these names.
pub const COLUMNS: &[Column] = cols![
    TimeGenerated: Datetime,
    AWSRegion: String,
    AdditionalEventData: String,
    APIVersion: String,
    AwsEventId: String,
    AwsRequestId_: String,
    Category: String,
    CipherSuite: String,
    ClientProvidedHostHeader: String,
    EC2RoleDelivery: String,
    ErrorCode: String,
    ErrorMessage: String,
    EventName: String,
    EventSource: String,
    EventTypeName: String,
    EventVersion: String,
    ManagementEvent: Boolean,
    ReadOnly: Boolean,
    RecipientAccountId: String,
    RequestParameters: String,
    Resources: String,
    ResponseElements: String,
    ServiceEventDetails: String,
    SessionCreationDate: Datetime,
    SessionIssuerAccountId: String,
    SessionIssuerArn: String,
    SessionIssuerPrincipalId: String,
    SessionIssuerType: String,
    SessionIssuerUserName: String,
    SessionMfaAuthenticated: Boolean,
    SharedEventId: String,
    SourceIpAddress: String,
    TlsVersion: String,
    UserAgent: String,
    UserIdentityAccessKeyId: String,
    UserIdentityAccountId: String,
    UserIdentityArn: String,
    UserIdentityInvokedBy: String,
    UserIdentityPrincipalid: String,
    UserIdentityType: String,
    UserIdentityUserName: String,
    VpcEndpointId: String,
];

/// The DCR stream that feeds `AWSCloudTrail`.
pub const STREAM: StreamDecl = StreamDecl {
    name: "Custom-AWSCloudTrail",
    table: Table::AWSCloudTrail,
    columns: COLUMNS,
};

/// `AWSCloudTrail`: one element of a CloudTrail file's `Records`.
///
/// Mapping: `AWSRegion` <- `awsRegion`; `AwsEventId` <- `eventID`;
/// `AwsRequestId_` <- `requestID`; `APIVersion` <- `apiVersion`; `Category` <-
/// `eventCategory`; `EventTypeName` <- `eventType`; `SharedEventId` <-
/// `sharedEventID`; `SourceIpAddress` <- `sourceIPAddress`;
/// `TlsVersion`/`CipherSuite`/`ClientProvidedHostHeader` <- `tlsDetails.*`;
/// `UserIdentity*` <- `userIdentity.*` (`UserIdentityPrincipalid` <-
/// `principalId`); `SessionIssuer*` <- `userIdentity.sessionContext.sessionIssuer.*`;
/// `SessionCreationDate` <- `...sessionContext.attributes.creationDate`
/// (canonical datetime); `SessionMfaAuthenticated` <-
/// `...attributes.mfaAuthenticated`; `EC2RoleDelivery` <-
/// `...sessionContext.ec2RoleDelivery`. The boolean columns take JSON
/// booleans and the strings `"true"`/`"false"` in any case; another value
/// leaves the column empty and is reported by the parser as a bad value.
/// `RequestParameters`, `ResponseElements`, `Resources`,
/// `AdditionalEventData`, `ServiceEventDetails` hold the compact JSON text
/// (`serde_json::to_string`, key order as in the file) of the value, `None`
/// when the key is missing or `null`. `TimeGenerated` <- `eventTime`.
#[serde_with::skip_serializing_none]
#[allow(non_snake_case)]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsCloudTrail<S = String, D = String, J = String> {
    pub TimeGenerated: D,
    pub AWSRegion: Option<S>,
    pub AdditionalEventData: Option<J>,
    pub APIVersion: Option<S>,
    pub AwsEventId: Option<S>,
    pub AwsRequestId_: Option<S>,
    pub Category: Option<S>,
    pub CipherSuite: Option<S>,
    pub ClientProvidedHostHeader: Option<S>,
    pub EC2RoleDelivery: Option<S>,
    pub ErrorCode: Option<S>,
    pub ErrorMessage: Option<S>,
    pub EventName: Option<S>,
    pub EventSource: Option<S>,
    pub EventTypeName: Option<S>,
    pub EventVersion: Option<S>,
    pub ManagementEvent: Option<bool>,
    pub ReadOnly: Option<bool>,
    pub RecipientAccountId: Option<S>,
    pub RequestParameters: Option<J>,
    pub Resources: Option<J>,
    pub ResponseElements: Option<J>,
    pub ServiceEventDetails: Option<J>,
    pub SessionCreationDate: Option<D>,
    pub SessionIssuerAccountId: Option<S>,
    pub SessionIssuerArn: Option<S>,
    pub SessionIssuerPrincipalId: Option<S>,
    pub SessionIssuerType: Option<S>,
    pub SessionIssuerUserName: Option<S>,
    pub SessionMfaAuthenticated: Option<bool>,
    pub SharedEventId: Option<S>,
    pub SourceIpAddress: Option<S>,
    pub TlsVersion: Option<S>,
    pub UserAgent: Option<S>,
    pub UserIdentityAccessKeyId: Option<S>,
    pub UserIdentityAccountId: Option<S>,
    pub UserIdentityArn: Option<S>,
    pub UserIdentityInvokedBy: Option<S>,
    pub UserIdentityPrincipalid: Option<S>,
    pub UserIdentityType: Option<S>,
    pub UserIdentityUserName: Option<S>,
    pub VpcEndpointId: Option<S>,
}

impl<S: Serialize, D: Serialize, J: Serialize> Row for AwsCloudTrail<S, D, J> {
    const TABLE: Table = Table::AWSCloudTrail;
    type Time = D;
    fn time_generated(&self) -> &D {
        &self.TimeGenerated
    }
}
