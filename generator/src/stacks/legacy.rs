//! The legacy CloudTrail connector role: Sentinel's AWS account assumes it with the workspace
//! ID as external ID and reads management events through LookupEvents.

use super::common::{workspace_param, WORKSPACE_PARAM};
use super::{outputs, params};
use crate::cfn::{Cond, Expr, Parameter, Pseudo, Template};
use crate::config::patterns;
use crate::facts::{LEGACY_MANAGED_POLICY, SENTINEL_LEGACY_ACCOUNT};
use crate::iam::{actions, keys, Operator, PolicyDocument, PolicyKind, Principal, Statement};
use crate::resources::{iam, standard_tags};
use crate::text;
use serde_json::json;

pub fn build() -> Template {
    let mut t = Template::new(text::render(
        "stack_description",
        &json!({"kind": "legacy", "account": SENTINEL_LEGACY_ACCOUNT}),
    ));
    workspace_param(&mut t);
    // Sentinel's account exists only in the aws partition: in GovCloud (aws-us-gov) or China
    // the trust would name an account that does not exist there. Refuse with a reason instead.
    t.rule(
        "CommercialPartitionOnly",
        None,
        Cond::equals(Pseudo::Partition, "aws"),
        format!("The legacy CloudTrail connector is for AWS commercial Regions only (partition aws): Microsoft Sentinel's account {SENTINEL_LEGACY_ACCOUNT} does not exist in AWS GovCloud (US) or China. Use the OIDC CloudTrail connector stack there."),
    );
    let name = t.param(
        params::LEGACY_ROLE_NAME,
        Parameter::string("Name of the role Sentinel's AWS account assumes.")
            .default("MicrosoftSentinelRole")
            .pattern(patterns::ROLE_NAME, patterns::ROLE_NAME_RULE),
    );
    let trust = Statement::allow(&[actions::sts::ASSUME_ROLE])
        .sid("SentinelAccountWithExternalId")
        .principal(Principal::aws(Expr::sub(format!(
            "arn:${{AWS::Partition}}:iam::{SENTINEL_LEGACY_ACCOUNT}:root"
        ))))
        .when(
            Operator::StringEquals,
            keys::EXTERNAL_ID,
            Expr::reference(WORKSPACE_PARAM),
        );
    t.add(
        "SentinelLegacyRole",
        &iam::Role {
            role_name: Some(name),
            description: Expr::sub(
                "Microsoft Sentinel legacy CloudTrail connector, workspace ${SentinelWorkspaceId}.",
            ),
            assume_role_policy_document: PolicyDocument::new(PolicyKind::Trust, vec![trust]),
            managed_policy_arns: vec![Expr::sub(format!(
                "arn:${{AWS::Partition}}:iam::aws:policy/{LEGACY_MANAGED_POLICY}"
            ))],
            max_session_duration: 3600,
            tags: standard_tags("legacy-cloudtrail-role"),
        },
    );
    t.output(
        outputs::ROLE_ARN,
        "Role ARN to enter in the legacy Amazon Web Services (CloudTrail) connector.",
        Expr::get_att("SentinelLegacyRole", "Arn"),
    );
    t.output(
        outputs::DESTINATION_TABLE,
        "Sentinel table.",
        Expr::str("AWSCloudTrail"),
    );
    t
}
