//! CloudTrail: a multi-region management-events trail writing to the bucket (or an organization trail).

use super::super::bucket::{Ctx, BUCKET_POLICY_ID};
use super::super::common;
use super::super::layout::Layout;
use super::super::params;
use super::{acl_check_and_write, and_create_bucket, Grants};
use crate::cfn::{Cond, Expr, Parameter, Template};
use crate::facts::principals;
use crate::resources::{cloudtrail, standard_tags};

pub(super) fn deliver(t: &mut Template, ctx: &Ctx, layout: &Layout) -> Grants {
    let trail_name = common::name_param(
        t,
        params::TRAIL_NAME,
        "Name of the trail this stack creates. Default: sentinel-management-events-<8 hex of the stack id>.",
        common::per_stack_name("sentinel-management-events"),
        ("^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$", "must be 3 to 128 letters, digits, periods, underscores or hyphens, starting with a letter or digit"),
    );
    let create_param = t.param(
        params::CREATE_TRAIL,
        Parameter::boolean(
            "Create a multi-region management-events trail delivering to the bucket.",
            true,
        ),
    );
    let create = and_create_bucket(t, "CreateCloudTrail", Cond::equals(create_param, "true"));
    let organization = match &layout.organization {
        Some((_, cond)) => Expr::if_(cond.clone(), Expr::Bool(true), Expr::Bool(false)),
        None => Expr::Bool(false),
    };
    t.add(
        "CloudTrailTrail",
        &cloudtrail::Trail {
            trail_name: trail_name.clone(),
            s3_bucket_name: ctx.created_bucket.clone(),
            s3_key_prefix: layout.trail_key_prefix(),
            is_organization_trail: organization,
            is_logging: true,
            is_multi_region_trail: Expr::Bool(true),
            include_global_service_events: true,
            enable_log_file_validation: true,
            tags: standard_tags("trail"),
        },
    )
    .condition(create.clone())
    .depends_on(BUCKET_POLICY_ID);
    t.output(
        "TrailArn",
        "The trail this stack created.",
        Expr::get_att("CloudTrailTrail", "Arn"),
    )
    .condition = Some(create);

    let source = Expr::sub_with(
        "arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/${Trail}",
        [("Trail", trail_name)],
    );
    (
        acl_check_and_write(ctx, layout, principals::CLOUDTRAIL, "AWSCloudTrail", source),
        Vec::new(),
    )
}
