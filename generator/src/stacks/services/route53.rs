//! Route 53 Resolver query logs: a query logging configuration with the bucket as destination,
//! associated with each VPC of the `VpcIds` list, written to the bucket by the log-delivery
//! service under `AWSLogs/<account>/vpcdnsquerylogs/<vpc-id>/`.
//!
//! CloudFormation has no loops without the `AWS::LanguageExtensions` transform, so the
//! associations are [`MAX_VPCS`] conditional resources, association `k` existing when the list
//! has a `k`-th ID. The list is a `String` parameter whose pattern takes 1 to [`MAX_VPCS`]
//! comma-separated VPC IDs: CloudFormation refuses a longer list before it creates anything
//! (a `CommaDelimitedList` cannot bound its length), instead of logging only the first ones.

use super::super::bucket::{Ctx, BUCKET_POLICY_ID};
use super::super::common;
use super::super::layout::Layout;
use super::super::params;
use super::{acl_check_and_write, and_create_bucket, Grants};
use crate::cfn::{Cond, Expr, Parameter, Template};
use crate::facts::principals;
use crate::resources::{route53resolver, standard_tags};

/// The most VPCs one stack associates with its query logging configuration.
pub const MAX_VPCS: u32 = 10;

/// Logical ID of the query logging configuration.
pub const QUERY_LOG_CONFIG_ID: &str = "ResolverQueryLogConfig";

/// The condition "the stack creates the query logging configuration".
pub const CREATE_QUERY_LOG_CONFIG: &str = "CreateResolverQueryLogConfig";

/// One VPC ID, as the pattern of the `VpcIds` list spells it.
const VPC_ID: &str = "vpc-[0-9a-f]{8,17}";

/// The pattern of `VpcIds`: empty, or 1 to [`MAX_VPCS`] VPC IDs separated by commas.
pub fn vpc_ids_pattern() -> String {
    format!("^$|^{VPC_ID}(,{VPC_ID}){{0,{}}}$", MAX_VPCS - 1)
}

/// Logical ID of the association of the `k`-th VPC (0-based).
pub fn association_id(k: u32) -> String {
    format!("ResolverQueryLogVpcAssociation{}", k + 1)
}

pub(super) fn deliver(t: &mut Template, ctx: &Ctx, layout: &Layout) -> Grants {
    let vpc_ids = t.param(
        params::VPC_IDS,
        Parameter::string(format!(
            "VPCs whose DNS queries to log: up to {MAX_VPCS} VPC IDs separated by commas, no spaces (vpc-0123456789abcdef0,vpc-0fedcba9876543210). Leave empty to create no query logging configuration (deliver from an existing one)."
        ))
        .default("")
        .pattern(
            vpc_ids_pattern(),
            format!(
                "must be 1 to {MAX_VPCS} VPC IDs like vpc-0123456789abcdef0, separated by commas without spaces, or empty"
            ),
        ),
    );
    let config_name = common::name_param(
        t,
        params::QUERY_LOG_CONFIG_NAME,
        "Name of the Resolver query logging configuration. Default: SentinelRoute53QueryLogConfig-<8 hex of the stack id>.",
        common::per_stack_name("SentinelRoute53QueryLogConfig"),
        (
            "^[A-Za-z][A-Za-z0-9_' -]{0,63}$",
            "must be 1-64 letters, digits, spaces, -, _ or ', starting with a letter, or empty",
        ),
    );
    // The list padded with empty items, so item k exists whatever the list's length.
    let padding = ",".repeat(MAX_VPCS as usize);
    let item = |k: u32| {
        Expr::Select(
            k,
            Box::new(Expr::Split(
                ",".into(),
                Box::new(Expr::sub_with(
                    format!("${{List}}{padding}"),
                    [("List", vpc_ids.clone())],
                )),
            )),
        )
    };
    let has_vpcs = t.condition("HasVpcIds", !(Cond::equals(vpc_ids.clone(), "")));
    let create = and_create_bucket(t, CREATE_QUERY_LOG_CONFIG, Cond::named(has_vpcs));
    t.add(
        QUERY_LOG_CONFIG_ID,
        &route53resolver::ResolverQueryLoggingConfig {
            name: config_name,
            destination_arn: layout.destination(&ctx.created_bucket),
            tags: standard_tags("resolver-query-logs"),
        },
    )
    .condition(create.clone())
    .depends_on(BUCKET_POLICY_ID);
    for k in 0..MAX_VPCS {
        let has_item = !(Cond::equals(item(k), ""));
        let cond = t.condition(
            &format!("CreateResolverQueryLogVpcAssociation{}", k + 1),
            Cond::And(vec![Cond::named(create.clone()), has_item]),
        );
        t.add(
            &association_id(k),
            &route53resolver::ResolverQueryLoggingConfigAssociation {
                resolver_query_log_config_id: Expr::reference(QUERY_LOG_CONFIG_ID),
                resource_id: item(k),
            },
        )
        .condition(cond);
    }
    t.output(
        "ResolverQueryLogConfigId",
        "The Resolver query logging configuration this stack created.",
        Expr::reference(QUERY_LOG_CONFIG_ID),
    )
    .condition = Some(create);

    // As for every log type the log-delivery service writes to S3 (the Route 53 Developer
    // Guide's bucket policy, with the confused-deputy conditions of vended logs).
    let source = Expr::sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*");
    (
        acl_check_and_write(
            ctx,
            layout,
            principals::LOG_DELIVERY,
            "Route53ResolverQueryLogs",
            source,
        ),
        Vec::new(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    #[test]
    fn the_vpc_list_pattern_takes_one_to_the_maximum_ids() {
        // CloudFormation's AllowedPattern must match the whole value; anchors make it so here.
        let re = Regex::new(&vpc_ids_pattern()).unwrap();
        let id = |i: u32| format!("vpc-{i:08x}");
        assert!(re.is_match(""));
        for n in 1..=MAX_VPCS {
            let list: Vec<String> = (0..n).map(id).collect();
            assert!(re.is_match(&list.join(",")), "{n} VPCs");
        }
        let eleven: Vec<String> = (0..=MAX_VPCS).map(id).collect();
        assert!(!re.is_match(&eleven.join(",")));
        for bad in [
            "vpc-0123456789abcdef0, vpc-0fedcba9876543210",
            "vpc-0123456789abcdef0,",
            ",vpc-0123456789abcdef0",
            "vpc-XYZ",
            "subnet-0123456789abcdef0",
        ] {
            assert!(!re.is_match(bad), "{bad}");
        }
    }
}
