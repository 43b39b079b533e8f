//! The oracle: the `AWSCloudTrail` row the connector must produce for an event, built from the
//! model ([`CtEvent`]), not from the JSON it writes.

use serde_json::Value;

use super::{CloudTrailGen, CtEvent, Identity};
use crate::tables::{format_datetime_ms, AwsCloudTrail};

fn opt_json(v: &Value) -> Option<String> {
    (!v.is_null()).then(|| v.to_string())
}

impl CloudTrailGen {
    /// The AWSCloudTrail row, built from the model (not from the JSON).
    pub(super) fn row(&self, e: &CtEvent) -> AwsCloudTrail {
        let account = &self.account;
        let mut row = AwsCloudTrail {
            TimeGenerated: format_datetime_ms(e.time_ms),
            AWSRegion: Some(self.region.clone()),
            AdditionalEventData: e.additional_event_data.as_ref().and_then(opt_json),
            APIVersion: e.api_version.map(String::from),
            AwsEventId: Some(e.event_id.clone()),
            AwsRequestId_: e.request_id.clone(),
            Category: Some(e.category.into()),
            CipherSuite: e.tls.as_ref().map(|t| t.1.into()),
            ClientProvidedHostHeader: e.tls.as_ref().map(|t| t.2.clone()),
            ErrorCode: e.error_code.clone(),
            ErrorMessage: e.error_message.clone(),
            EventName: Some(e.name.into()),
            EventSource: Some(e.source.into()),
            EventTypeName: Some(e.event_type.into()),
            EventVersion: Some("1.11".into()),
            ManagementEvent: Some(e.management),
            ReadOnly: e.read_only,
            RecipientAccountId: Some(account.clone()),
            RequestParameters: opt_json(&e.request_parameters),
            Resources: e.resources.as_ref().and_then(opt_json),
            ResponseElements: opt_json(&e.response_elements),
            ServiceEventDetails: e.service_event_details.as_ref().and_then(opt_json),
            SharedEventId: e.shared_event_id.clone(),
            SourceIpAddress: Some(e.source_ip.clone()),
            TlsVersion: e.tls.as_ref().map(|t| t.0.into()),
            UserAgent: Some(e.user_agent.clone()),
            VpcEndpointId: e.vpc_endpoint.clone(),
            ..AwsCloudTrail::default()
        };
        match &e.identity {
            Identity::IamUser {
                user,
                principal,
                access_key,
            } => {
                row.UserIdentityType = Some("IAMUser".into());
                row.UserIdentityPrincipalid = Some(principal.clone());
                row.UserIdentityArn = Some(format!("arn:aws:iam::{account}:user/{user}"));
                row.UserIdentityAccountId = Some(account.clone());
                row.UserIdentityAccessKeyId = Some(access_key.clone());
                row.UserIdentityUserName = Some(user.clone());
            }
            Identity::AssumedRole {
                role,
                session,
                role_id,
                access_key,
                created_ms,
                mfa,
                ec2,
            } => {
                row.UserIdentityType = Some("AssumedRole".into());
                row.UserIdentityPrincipalid = Some(format!("{role_id}:{session}"));
                row.UserIdentityArn = Some(format!(
                    "arn:aws:sts::{account}:assumed-role/{role}/{session}"
                ));
                row.UserIdentityAccountId = Some(account.clone());
                row.UserIdentityAccessKeyId = Some(access_key.clone());
                row.SessionIssuerType = Some("Role".into());
                row.SessionIssuerPrincipalId = Some(role_id.clone());
                row.SessionIssuerArn = Some(format!("arn:aws:iam::{account}:role/{role}"));
                row.SessionIssuerAccountId = Some(account.clone());
                row.SessionIssuerUserName = Some(role.clone());
                row.SessionCreationDate = Some(format_datetime_ms(*created_ms));
                row.SessionMfaAuthenticated = Some(*mfa);
                row.EC2RoleDelivery = ec2.then(|| "2.0".into());
            }
            Identity::AwsService { invoked_by } => {
                row.UserIdentityType = Some("AWSService".into());
                row.UserIdentityInvokedBy = Some(invoked_by.clone());
            }
            Identity::Root {
                access_key,
                created_ms,
            } => {
                row.UserIdentityType = Some("Root".into());
                row.UserIdentityPrincipalid = Some(account.clone());
                row.UserIdentityArn = Some(format!("arn:aws:iam::{account}:root"));
                row.UserIdentityAccountId = Some(account.clone());
                row.UserIdentityAccessKeyId = Some(access_key.clone());
                row.SessionCreationDate = Some(format_datetime_ms(*created_ms));
                row.SessionMfaAuthenticated = Some(true);
            }
        }
        row
    }
}
