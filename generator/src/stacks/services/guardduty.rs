//! GuardDuty: the Region's detector (or one the stack creates) exporting findings to the bucket, SSE-KMS with a key of the stack.

use super::super::bucket::{Ctx, BUCKET_POLICY_ID, CREATE_BUCKET};
use super::super::common;
use super::super::layout::Layout;
use super::super::{outputs, params};
use super::{and_create_bucket, writes_to, Grants};
use crate::cfn::{Cond, Expr, Parameter, Pseudo, Template};
use crate::facts::{principals, OPT_IN_REGIONS};
use crate::grants::{self, bucket_arn};
use crate::iam::{actions, keys, Operator, PolicyDocument, PolicyKind, Principal, Statement};
use crate::resources::{guardduty, kms, standard_tags};

/// The condition "this stack is in an opt-in Region", for GuardDuty's Regional principal.
pub const GUARDDUTY_OPT_IN: &str = "GuardDutyOptInRegion";

/// GuardDuty's service principal in this Region (Regional in opt-in Regions).
fn guardduty_principal(t: &mut Template) -> Principal {
    let region = |r: &&str| Cond::equals(Pseudo::Region, *r);
    // Fn::Or takes 2 to 10 conditions.
    let groups: Vec<Cond> = OPT_IN_REGIONS
        .chunks(9)
        .map(|c| Cond::Or(c.iter().map(region).collect()))
        .collect();
    if !t.conditions.contains_key(GUARDDUTY_OPT_IN) {
        t.condition(GUARDDUTY_OPT_IN, Cond::Or(groups));
    }
    Principal::service(Expr::if_(
        GUARDDUTY_OPT_IN,
        Expr::sub(principals::GUARDDUTY_REGIONAL),
        Expr::str(principals::GUARDDUTY),
    ))
}

pub(super) fn deliver(t: &mut Template, ctx: &Ctx, layout: &Layout) -> Grants {
    let detector_param = t.param(
        params::DETECTOR_ID,
        Parameter::string("This Region's GuardDuty detector (aws guardduty list-detectors). Empty only with CreateDetector (the deployer looks it up).")
            .default("")
            .pattern("^$|^[0-9a-f]{32}$", "must be a 32-character GuardDuty detector ID, or empty"),
    );
    let create_param = t.param(
        params::CREATE_DETECTOR,
        Parameter::boolean(
            "Create a detector, only where the Region has none: it enables GuardDuty's default (billed) protection plans and is retained on stack deletion.",
            false,
        ),
    );
    let frequency = t.param(
        params::FINDING_PUBLISHING_FREQUENCY,
        Parameter {
            allowed_values: vec![
                "FIFTEEN_MINUTES".into(),
                "ONE_HOUR".into(),
                "SIX_HOURS".into(),
            ],
            ..Parameter::string(
                "How often a created detector exports updated findings (the AWS default is six hours).",
            )
            .default("FIFTEEN_MINUTES")
        },
    );
    let alias = common::name_param(
        t,
        params::KMS_KEY_ALIAS,
        "Alias (without alias/) of the key this stack creates for GuardDuty's exports. Default: sentinel-guardduty-<8 hex of the stack id>.",
        common::per_stack_name("sentinel-guardduty"),
        ("^[A-Za-z0-9/_-]{1,250}$", "must be letters, digits, /, _ or -"),
    );
    let has_detector = Cond::Not(Box::new(Cond::equals(detector_param.clone(), "")));
    let wants_detector = Cond::equals(create_param.clone(), "true");
    let new_bucket = Cond::equals(Expr::reference(params::USE_EXISTING_BUCKET), "false");
    t.rule(
        "GuardDutyDetectorGiven",
        Some(new_bucket.clone()),
        Cond::Or(vec![has_detector.clone(), wants_detector.clone()]),
        "Set DetectorId to this Region's GuardDuty detector (aws guardduty list-detectors), or, only if the Region has none, set CreateDetector to true. A Region has at most one detector, so creating one where GuardDuty runs fails.",
    );
    t.rule(
        "GuardDutyDetectorNotBoth",
        Some(new_bucket),
        !(Cond::And(vec![has_detector, wants_detector])),
        "Set DetectorId or CreateDetector, not both: a Region has at most one GuardDuty detector.",
    );
    let creates_detector = and_create_bucket(
        t,
        "CreatesGuardDutyDetector",
        Cond::equals(create_param, "true"),
    );
    t.add(
        "GuardDutyDetector",
        &guardduty::Detector {
            enable: true,
            finding_publishing_frequency: frequency,
        },
    )
    .condition(creates_detector.clone())
    .retain();
    // The export exists only with a detector to export from (the rules above refuse the
    // stack without one; LocalStack and cfn-lint do not read rules).
    let has_detector_id = t.condition("HasDetectorId", !(Cond::equals(detector_param.clone(), "")));
    let exports = t.condition(
        "ExportsGuardDutyFindings",
        Cond::And(vec![
            Cond::named(CREATE_BUCKET),
            Cond::Or(vec![
                Cond::named(creates_detector.clone()),
                Cond::named(has_detector_id.clone()),
            ]),
        ]),
    );
    let detector_id = Expr::if_(
        has_detector_id,
        detector_param,
        Expr::reference("GuardDutyDetector"),
    );
    let detector_arn = Expr::sub_with(
        "arn:${AWS::Partition}:guardduty:${AWS::Region}:${AWS::AccountId}:detector/${Detector}",
        [("Detector", detector_id.clone())],
    );
    let guardduty = guardduty_principal(t);

    // The key exists only with a new bucket: with an existing one, the export that already
    // writes there has its own key (grant it with KmsKeyArn).
    let root = Expr::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root");
    let key_policy = PolicyDocument::new(
        PolicyKind::Key,
        vec![
            Statement::allow(actions::kms::ADMIN)
                .sid("AccountAdministersKey")
                .principal(Principal::aws(root.clone()))
                .resource("*"),
            grants::from_source(
                Statement::allow(&[actions::kms::GENERATE_DATA_KEY])
                    .sid("GuardDutyEncryptsExports")
                    .principal(guardduty.clone())
                    .resource("*"),
                detector_arn.clone(),
            ),
            // Through the account, not the role: KMS rejects a key policy that names a principal
            // it cannot see yet, and the role is created in this same stack. The role's own
            // policy grants kms:Decrypt on this key.
            Statement::allow(&[actions::kms::DECRYPT])
                .sid("AccountPrincipalsDecryptThroughS3")
                .principal(Principal::aws(root))
                .resource("*")
                .when(
                    Operator::StringEquals,
                    keys::KMS_VIA_SERVICE,
                    Expr::sub("s3.${AWS::Region}.amazonaws.com"),
                )
                .when(
                    Operator::StringEquals,
                    keys::KMS_CALLER_ACCOUNT,
                    Pseudo::AccountId,
                ),
        ],
    );
    t.add(
        "GuardDutyKey",
        &kms::Key {
            description: Expr::sub("Encrypts GuardDuty findings exported for Microsoft Sentinel (stack ${AWS::StackName})."),
            enable_key_rotation: true,
            key_spec: "SYMMETRIC_DEFAULT",
            key_usage: "ENCRYPT_DECRYPT",
            pending_window_in_days: 30,
            key_policy,
            tags: standard_tags("guardduty-export-key"),
        },
    )
    .condition(CREATE_BUCKET)
    .retain();
    t.add(
        "GuardDutyKeyAlias",
        &kms::Alias {
            alias_name: Expr::sub_with("alias/${Alias}", [("Alias", alias)]),
            target_key_id: Expr::reference("GuardDutyKey"),
        },
    )
    .condition(CREATE_BUCKET);
    t.add(
        "GuardDutyPublishingDestination",
        &guardduty::PublishingDestination {
            detector_id: detector_id.clone(),
            destination_type: "S3",
            destination_properties: guardduty::DestinationProperties {
                destination_arn: layout.destination(&ctx.created_bucket),
                kms_key_arn: Expr::get_att("GuardDutyKey", "Arn"),
            },
        },
    )
    .condition(exports.clone())
    .depends_on(BUCKET_POLICY_ID);
    t.output(
        outputs::GUARDDUTY_KMS_KEY_ARN,
        "KMS key for GuardDuty's findings export.",
        Expr::get_att("GuardDutyKey", "Arn"),
    )
    .condition = Some(CREATE_BUCKET.into());
    t.output(
        outputs::GUARDDUTY_DETECTOR_ID,
        "The GuardDuty detector that exports findings.",
        detector_id,
    )
    .condition = Some(exports);

    let location = grants::from_source(
        Statement::allow(&[actions::s3::GET_BUCKET_LOCATION])
            .sid("GuardDutyBucketLocation")
            .principal(guardduty.clone())
            .resource(bucket_arn(&ctx.created_bucket, "")),
        detector_arn.clone(),
    );
    let write = grants::from_source(
        writes_to(
            Statement::allow(&[actions::s3::PUT_OBJECT])
                .sid("GuardDutyWrite")
                .principal(guardduty.clone()),
            ctx,
            layout,
        ),
        detector_arn,
    );
    let deny_unencrypted = Statement::deny(&[actions::s3::PUT_OBJECT])
        .sid("GuardDutyDenyUnencrypted")
        .principal(guardduty.clone())
        .resource(bucket_arn(&ctx.created_bucket, "/*"))
        .when(Operator::StringNotEquals, keys::S3_SSE, "aws:kms");
    let deny_wrong_key = Statement::deny(&[actions::s3::PUT_OBJECT])
        .sid("GuardDutyDenyOtherKeys")
        .principal(guardduty)
        .resource(bucket_arn(&ctx.created_bucket, "/*"))
        .when(
            Operator::StringNotEquals,
            keys::S3_SSE_KMS_KEY,
            Expr::get_att("GuardDutyKey", "Arn"),
        );
    let decrypt = grants::decrypt_through_s3(Expr::get_att("GuardDutyKey", "Arn"))
        .sid("GuardDutyDecryptFindings")
        .only_if(CREATE_BUCKET);
    (
        vec![location, write, deny_unencrypted, deny_wrong_key],
        vec![decrypt],
    )
}
