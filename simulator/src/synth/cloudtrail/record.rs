//! A record as CloudTrail writes it: the model ([`CtEvent`]) serialised in AWS's key order.

use serde_json::{json, Value};

use super::super::keys::Utc;
use super::{CloudTrailGen, CtEvent, Identity};

/// A record as CloudTrail writes it (borrowing the model; AWS's key order;
/// absent optional keys are left out, `null` request/response kept).
#[allow(non_snake_case)]
#[derive(serde::Serialize)]
pub(super) struct RecordJson<'a> {
    eventVersion: &'static str,
    userIdentity: Value,
    eventTime: String,
    eventSource: &'static str,
    eventName: &'static str,
    awsRegion: &'a str,
    sourceIPAddress: &'a str,
    userAgent: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    errorCode: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errorMessage: Option<&'a str>,
    requestParameters: &'a Value,
    responseElements: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    additionalEventData: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requestID: Option<&'a str>,
    eventID: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    readOnly: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<&'a Value>,
    eventType: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    apiVersion: Option<&'static str>,
    managementEvent: bool,
    recipientAccountId: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sharedEventID: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vpcEndpointId: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vpcEndpointAccountId: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    serviceEventDetails: Option<&'a Value>,
    eventCategory: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tlsDetails: Option<TlsJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sessionCredentialFromConsole: Option<&'static str>,
}

#[allow(non_snake_case)]
#[derive(serde::Serialize)]
pub(super) struct TlsJson<'a> {
    tlsVersion: &'a str,
    cipherSuite: &'a str,
    clientProvidedHostHeader: &'a str,
}

impl CloudTrailGen {
    fn identity_json(&self, id: &Identity) -> Value {
        let account = &self.account;
        match id {
            Identity::IamUser {
                user,
                principal,
                access_key,
            } => json!({
                "type": "IAMUser",
                "principalId": principal,
                "arn": format!("arn:aws:iam::{account}:user/{user}"),
                "accountId": account,
                "accessKeyId": access_key,
                "userName": user,
            }),
            Identity::AssumedRole {
                role,
                session,
                role_id,
                access_key,
                created_ms,
                mfa,
                ec2,
            } => {
                let mut ctx = json!({
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": role_id,
                        "arn": format!("arn:aws:iam::{account}:role/{role}"),
                        "accountId": account,
                        "userName": role,
                    },
                    "webIdFederationData": {},
                    "attributes": {
                        "creationDate": Utc::from_ms(*created_ms).iso_seconds(),
                        "mfaAuthenticated": if *mfa { "true" } else { "false" },
                    },
                });
                if *ec2 {
                    ctx.as_object_mut()
                        .expect("object")
                        .insert("ec2RoleDelivery".into(), "2.0".into());
                }
                json!({
                    "type": "AssumedRole",
                    "principalId": format!("{role_id}:{session}"),
                    "arn": format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
                    "accountId": account,
                    "accessKeyId": access_key,
                    "sessionContext": ctx,
                })
            }
            Identity::AwsService { invoked_by } => {
                json!({"type": "AWSService", "invokedBy": invoked_by})
            }
            Identity::Root {
                access_key,
                created_ms,
            } => json!({
                "type": "Root",
                "principalId": account,
                "arn": format!("arn:aws:iam::{account}:root"),
                "accountId": account,
                "accessKeyId": access_key,
                "sessionContext": {
                    "sessionIssuer": {},
                    "webIdFederationData": {},
                    "attributes": {"creationDate": Utc::from_ms(*created_ms).iso_seconds(), "mfaAuthenticated": "true"},
                },
            }),
        }
    }

    /// The record as CloudTrail writes it (AWS's key order).
    pub(super) fn to_json<'a>(&'a self, e: &'a CtEvent) -> RecordJson<'a> {
        RecordJson {
            eventVersion: "1.11",
            userIdentity: self.identity_json(&e.identity),
            eventTime: Utc::from_ms(e.time_ms).iso_seconds(),
            eventSource: e.source,
            eventName: e.name,
            awsRegion: &self.region,
            sourceIPAddress: &e.source_ip,
            userAgent: &e.user_agent,
            errorCode: e.error_code.as_deref(),
            errorMessage: e.error_message.as_deref(),
            requestParameters: &e.request_parameters,
            responseElements: &e.response_elements,
            additionalEventData: e.additional_event_data.as_ref(),
            requestID: e.request_id.as_deref(),
            eventID: &e.event_id,
            readOnly: e.read_only,
            resources: e.resources.as_ref(),
            eventType: e.event_type,
            apiVersion: e.api_version,
            managementEvent: e.management,
            recipientAccountId: &self.account,
            sharedEventID: e.shared_event_id.as_deref(),
            vpcEndpointId: e.vpc_endpoint.as_deref(),
            vpcEndpointAccountId: e.vpc_endpoint.as_ref().map(|_| self.account.as_str()),
            serviceEventDetails: e.service_event_details.as_ref(),
            eventCategory: e.category,
            tlsDetails: e.tls.as_ref().map(|(v, c, h)| TlsJson {
                tlsVersion: v,
                cipherSuite: c,
                clientProvidedHostHeader: h,
            }),
            sessionCredentialFromConsole: e.console_session.then_some("true"),
        }
    }
}
