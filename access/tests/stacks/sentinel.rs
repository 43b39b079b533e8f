//! What Sentinel may do: assume its role (by web identity, or the legacy role by account and
//! external ID), then consume its queues, read its prefixes and decrypt through S3; and what
//! it may not.
//!
//! Trust policies with web identity: IAM User Guide, "Available keys for OIDC federation"
//! (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif)
//! and "sts:RoleSessionName" (same page); the external ID:
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html.
//! Decryption through S3: kms:ViaService, kms:CallerAccount and the aws:s3:arn encryption
//! context, https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html.

use super::fixture::Service::*;
use super::fixture::*;
use super::table::*;
use access::Caller;

/// The role's web-identity trust, for the cloud of the template.
pub fn web_identity(fx: &Fixture) -> Vec<Case> {
    let role = fx.att("SentinelRole", "Arn");
    let cloud = fx.template.cloud;
    let other = cloud.other();
    let assume = |provider: String, aud: Option<(&str, &str)>, session: Option<String>| {
        let mut ctx: Vec<(String, String)> = Vec::new();
        if let Some((issuer_cloud_key, value)) = aud {
            ctx.push((format!("{issuer_cloud_key}:aud"), value.to_string()));
        }
        if let Some(s) = session {
            ctx.push(("sts:RoleSessionName".into(), s));
        }
        let ctx: Vec<(&str, &str)> = ctx.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        request(
            Caller::WebIdentity {
                provider_arn: provider,
            },
            "sts:AssumeRoleWithWebIdentity",
            &role,
            &ctx,
        )
    };
    let iss = cloud.issuer();
    let other_iss = other.issuer();
    let own = || fx.provider_arn(cloud);
    let sentinel = Some(format!("{SENTINEL_SESSION}{WORKSPACE}"));
    vec![
        allow(
            "Sentinel's token (issuer, audience, session name of the workspace) assumes the role",
            assume(own(), Some((&iss, cloud.audience())), sentinel.clone()),
        ),
        deny(
            "a token for another audience",
            assume(
                own(),
                Some((&iss, "api://00000000-0000-4000-8000-000000000000")),
                sentinel.clone(),
            ),
        ),
        deny(
            "a token with the other Azure cloud's audience",
            assume(own(), Some((&iss, other.audience())), sentinel.clone()),
        ),
        deny(
            "a token of the other Azure cloud's tenant (its provider, issuer and audience)",
            assume(
                fx.provider_arn(other),
                Some((&other_iss, other.audience())),
                sentinel.clone(),
            ),
        ),
        deny(
            "a token without an audience",
            assume(own(), None, sentinel.clone()),
        ),
        deny(
            "another workspace's session name",
            assume(
                own(),
                Some((&iss, cloud.audience())),
                Some(format!("{SENTINEL_SESSION}{OTHER_WORKSPACE}")),
            ),
        ),
        deny(
            "no session name",
            assume(own(), Some((&iss, cloud.audience())), None),
        ),
        deny(
            "the workspace ID in upper case (the trust compares case-sensitively)",
            assume(
                own(),
                Some((&iss, cloud.audience())),
                Some(format!(
                    "{SENTINEL_SESSION}{}",
                    WORKSPACE.to_ascii_uppercase()
                )),
            ),
        ),
        case(
            "Defender for Cloud's session name, only where the stack allows it",
            fx.defender_allowed(),
            assume(
                own(),
                Some((&iss, cloud.audience())),
                Some(format!("{DEFENDER_SESSION}{WORKSPACE}")),
            ),
        ),
        deny(
            "the same issuer's provider in another account",
            assume(
                format!("arn:{}:iam::{OTHER_ACCOUNT}:oidc-provider/{iss}", fx.p()),
                Some((&iss, cloud.audience())),
                sentinel,
            ),
        ),
    ]
}

/// The legacy role: Sentinel's account with the external ID (the workspace ID), nobody else.
pub fn legacy(fx: &Fixture) -> Vec<Case> {
    let role = fx.att("SentinelLegacyRole", "Arn");
    let sentinel_root = format!("arn:{}:iam::{LEGACY_ACCOUNT}:root", fx.p());
    let other_root = format!("arn:{}:iam::{OTHER_ACCOUNT}:root", fx.p());
    let external = |arn: &str| Caller::External { arn: arn.into() };
    let assume =
        |who: &str, ctx: &[(&str, &str)]| request(external(who), "sts:AssumeRole", &role, ctx);
    let session = session(&role, "MicrosoftSentinel");
    let trail = format!(
        "arn:{}:cloudtrail:{}:{ACCOUNT}:trail/management",
        fx.p(),
        fx.region()
    );
    vec![
        allow(
            "Sentinel's account with the external ID",
            assume(&sentinel_root, &[("sts:ExternalId", WORKSPACE)]),
        ),
        allow(
            "a role of Sentinel's account with the external ID",
            assume(
                &format!(
                    "arn:{}:iam::{LEGACY_ACCOUNT}:role/SentinelConnector",
                    fx.p()
                ),
                &[("sts:ExternalId", WORKSPACE)],
            ),
        ),
        deny(
            "Sentinel's account without the external ID",
            assume(&sentinel_root, &[]),
        ),
        deny(
            "Sentinel's account with another workspace's external ID",
            assume(&sentinel_root, &[("sts:ExternalId", OTHER_WORKSPACE)]),
        ),
        deny(
            "another account with the right external ID",
            assume(&other_root, &[("sts:ExternalId", WORKSPACE)]),
        ),
        allow(
            "the session may read the trail's status (AWSCloudTrail_ReadOnlyAccess)",
            request(session.clone(), "cloudtrail:GetTrailStatus", &trail, &[]),
        ),
        allow(
            "the session may describe trails",
            request(session.clone(), "cloudtrail:DescribeTrails", &trail, &[]),
        ),
        deny(
            "the session may not stop logging",
            request(session.clone(), "cloudtrail:StopLogging", &trail, &[]),
        ),
        deny(
            "the session may not read objects",
            request(
                session,
                "s3:GetObject",
                "arn:aws:s3:::any-bucket/AWSLogs/x",
                &[("aws:SecureTransport", "true")],
            ),
        ),
    ]
}

/// What the assumed role may and may not do for one service.
pub fn role(fx: &Fixture, s: Service) -> Vec<Case> {
    let role = fx.att("SentinelRole", "Arn");
    let me = session(&role, &format!("{SENTINEL_SESSION}{WORKSPACE}"));
    let tls = [("aws:SecureTransport", "true")];
    let queue = fx.queue_arn(s);
    let mut out = Vec::new();
    for action in [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueUrl",
        "sqs:GetQueueAttributes",
    ] {
        out.push(allow(
            format!("{s:?}: the role may {action} on its queue"),
            request(me.clone(), action, &queue, &tls),
        ));
    }
    out.push(deny(
        format!("{s:?}: the role may not send to its queue"),
        request(me.clone(), "sqs:SendMessage", &queue, &tls),
    ));
    out.push(deny(
        format!("{s:?}: the role may not purge its queue"),
        request(me.clone(), "sqs:PurgeQueue", &queue, &tls),
    ));
    out.push(deny(
        format!("{s:?}: the role does not consume the dead-letter queue"),
        request(
            me.clone(),
            "sqs:ReceiveMessage",
            &fx.dead_letter_arn(s),
            &tls,
        ),
    ));
    out.push(deny(
        format!("{s:?}: the role may not consume another stack's queue"),
        request(
            me.clone(),
            "sqs:ReceiveMessage",
            &format!(
                "arn:{}:sqs:{}:{ACCOUNT}:another-team-queue",
                fx.p(),
                fx.region()
            ),
            &tls,
        ),
    ));
    let foreign_role = format!(
        "arn:{}:iam::{OTHER_ACCOUNT}:role/OIDC_MicrosoftSentinelRole",
        fx.p()
    );
    for action in ["sqs:ReceiveMessage", "sqs:DeleteMessage"] {
        out.push(deny(
            format!("{s:?}: a role of another account may not {action} on the queue"),
            request(
                session(&foreign_role, "MicrosoftSentinel_x"),
                action,
                &queue,
                &tls,
            ),
        ));
    }
    // Objects.
    let key = fx.log_key(s);
    let object = fx.object(&key);
    out.push(allow(
        format!("{s:?}: the role may read an object under its prefix"),
        request(me.clone(), "s3:GetObject", &object, &tls),
    ));
    if fx.creates("LogBucketPolicy") {
        out.push(deny(
            format!("{s:?}: not over plain HTTP (the bucket denies insecure transport)"),
            request(
                me.clone(),
                "s3:GetObject",
                &object,
                &[("aws:SecureTransport", "false")],
            ),
        ));
    }
    for action in ["s3:PutObject", "s3:DeleteObject"] {
        out.push(deny(
            format!("{s:?}: the role may not {action} under its prefix"),
            request(me.clone(), action, &object, &tls),
        ));
    }
    let other_prefix = match s {
        Eks => "eks-audit-logs/other-cluster/2026/12/02/x.gz".to_string(),
        // The load balancers' own tree: another service's under their prefix instead.
        ElbAlb | ElbNlb | ElbNlbFlow | ElbGwlbFlow => {
            format!("{}AWSLogs/{ACCOUNT}/CloudTrail/x.json.gz", fx.key_path(s))
        }
        _ => format!(
            "{}AWSLogs/{ACCOUNT}/elasticloadbalancing/x.log.gz",
            fx.key_path(s)
        ),
    };
    out.push(deny(
        format!("{s:?}: the role may not read another prefix"),
        request(me.clone(), "s3:GetObject", &fx.object(&other_prefix), &tls),
    ));
    if !fx.key_path(s).is_empty() {
        out.push(deny(
            format!("{s:?}: the role may not read the same path without the key prefix"),
            request(
                me.clone(),
                "s3:GetObject",
                &fx.object(key.trim_start_matches(fx.key_path(s))),
                &tls,
            ),
        ));
    }
    if s == CloudTrail {
        if let Some(org) = fx.organization() {
            out.push(allow(
                "CloudTrail: the role may read a member account's trail under the organization",
                request(
                    me.clone(),
                    "s3:GetObject",
                    &fx.object(&format!(
                        "{}AWSLogs/{org}/{OTHER_ACCOUNT}/CloudTrail/x.json.gz",
                        fx.key_path(s)
                    )),
                    &tls,
                ),
            ));
        }
    }
    out.push(deny(
        format!("{s:?}: the role may not read the same key in another bucket"),
        request(
            me.clone(),
            "s3:GetObject",
            &format!("arn:{}:s3:::someone-elses-bucket/{key}", fx.p()),
            &tls,
        ),
    ));
    out.push(deny(
        format!("{s:?}: the role may not list the bucket"),
        request(me.clone(), "s3:ListBucket", &fx.bucket_arn(), &tls),
    ));
    out.extend(decrypt(fx, s, &me, &object));
    out
}

/// The log archive: every member account's objects of the data type, under its path only.
pub fn archive(fx: &Fixture, s: Service) -> Vec<Case> {
    let role = fx.att("SentinelRole", "Arn");
    let me = session(&role, &format!("{SENTINEL_SESSION}{WORKSPACE}"));
    let tls = [("aws:SecureTransport", "true")];
    let kp = fx.key_path(s);
    let r = fx.region();
    let read = |key: String| request(me.clone(), "s3:GetObject", &fx.object(&key), &tls);
    let (member, other_type) = match s {
        VpcFlow => (
            format!("{kp}AWSLogs/{OTHER_ACCOUNT}/vpcflowlogs/{r}/2026/12/02/x.log.gz"),
            format!("{kp}AWSLogs/{OTHER_ACCOUNT}/elasticloadbalancing/{r}/2026/12/02/x.log.gz"),
        ),
        GuardDuty => (
            format!("{kp}AWSLogs/{OTHER_ACCOUNT}/GuardDuty/{r}/2026/12/02/x.jsonl.gz"),
            format!("{kp}AWSLogs/{OTHER_ACCOUNT}/SecurityHubFindings/2026/12/02/x.gz"),
        ),
        _ => (
            format!("{kp}AWSLogs/{ORG}/{OTHER_ACCOUNT}/CloudTrail/{r}/2026/12/02/x.json.gz"),
            format!("{kp}AWSLogs/o-zz9988776655/{OTHER_ACCOUNT}/CloudTrail/{r}/x.json.gz"),
        ),
    };
    vec![
        allow(
            format!("{s:?}: the role may read another member account's object in the archive"),
            read(member),
        ),
        deny(
            format!("{s:?}: the role may not read another data type of the members"),
            read(other_type),
        ),
        deny(
            format!("{s:?}: the role may not read the archive outside the data types' paths"),
            read(format!(
                "config/AWSLogs/{OTHER_ACCOUNT}/Config/{r}/x.json.gz"
            )),
        ),
    ]
}

/// Decryption through S3 with the stack's key (GuardDuty's export key) or the existing
/// archive's key.
fn decrypt(fx: &Fixture, s: Service, me: &Caller, object: &str) -> Vec<Case> {
    let key = match (fx.external_key(), s) {
        (Some(k), _) => k,
        (None, GuardDuty) => match fx.guardduty_key() {
            Some(k) => k,
            None => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    let via = format!("s3.{}.amazonaws.com", fx.region());
    let ctx = |via: &str| {
        vec![
            ("kms:ViaService".to_string(), via.to_string()),
            ("kms:CallerAccount".to_string(), ACCOUNT.to_string()),
            (
                "kms:EncryptionContext:aws:s3:arn".to_string(),
                object.to_string(),
            ),
        ]
    };
    let req = |caller: &Caller, ctx: Vec<(String, String)>| {
        let ctx: Vec<(&str, &str)> = ctx.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        request(caller.clone(), "kms:Decrypt", &key, &ctx)
    };
    let foreign = session(
        &format!("arn:{}:iam::{OTHER_ACCOUNT}:role/Reader", fx.p()),
        "reader",
    );
    let mut foreign_ctx = ctx(&via);
    foreign_ctx[1].1 = OTHER_ACCOUNT.into();
    vec![
        allow(
            format!("{s:?}: the role may decrypt its objects through S3"),
            req(me, ctx(&via)),
        ),
        deny(
            format!("{s:?}: the role may not decrypt directly (not through S3)"),
            req(me, ctx(&via)[1..].to_vec()),
        ),
        deny(
            format!("{s:?}: the role may not decrypt through S3 in another Region"),
            req(me, ctx("s3.eu-west-1.amazonaws.com")),
        ),
        deny(
            format!("{s:?}: the role may not use the key to encrypt"),
            request(
                me.clone(),
                "kms:Encrypt",
                &key,
                &[("kms:ViaService", via.as_str())],
            ),
        ),
        deny(
            format!("{s:?}: a role of another account may not decrypt through S3"),
            req(&foreign, foreign_ctx),
        ),
    ]
}
