//! CloudFront standard logs: standard logging (v2) of the given distribution, delivered to the
//! bucket by CloudWatch Logs vended log delivery (a delivery source for the distribution's
//! `ACCESS_LOGS`, an S3 delivery destination in the W3C format, and the delivery pairing them).
//!
//! A distribution is global, and its delivery source must be created in US East (N. Virginia)
//! (CloudFront developer guide, "Configure standard logging (v2)"), so a stack given a
//! distribution ID refuses any other Region. Without one the stack creates no delivery (deliver
//! from a delivery set up elsewhere) and deploys in any Region.

use super::super::bucket::{Ctx, BUCKET_POLICY_ID};
use super::super::common;
use super::super::layout::Layout;
use super::{acl_check_and_write, and_create_bucket, Grants};
use crate::cfn::{Cond, Expr, Parameter, Template};
use crate::facts::principals;
use crate::resources::{logs_delivery, standard_tags};

/// The distribution-ID parameter (Microsoft's template's name for it).
pub const DISTRIBUTION_ID: &str = "CloudFrontDistributionId";

/// The Region where CloudFront's delivery sources live.
pub const DELIVERY_SOURCE_REGION: &str = "us-east-1";

/// The 33 fields of the standard log file format, in the order CloudFront documents them:
/// the positions `Field1`..`Field33` Microsoft's DCR maps to `Date` .. `ScRangeEnd`.
pub const RECORD_FIELDS: [&str; 33] = [
    "date",
    "time",
    "x-edge-location",
    "sc-bytes",
    "c-ip",
    "cs-method",
    "cs(Host)",
    "cs-uri-stem",
    "sc-status",
    "cs(Referer)",
    "cs(User-Agent)",
    "cs-uri-query",
    "cs(Cookie)",
    "x-edge-result-type",
    "x-edge-request-id",
    "x-host-header",
    "cs-protocol",
    "cs-bytes",
    "time-taken",
    "x-forwarded-for",
    "ssl-protocol",
    "ssl-cipher",
    "x-edge-response-result-type",
    "cs-protocol-version",
    "fle-status",
    "fle-encrypted-fields",
    "c-port",
    "time-to-first-byte",
    "x-edge-detailed-result-type",
    "sc-content-type",
    "sc-content-len",
    "sc-range-start",
    "sc-range-end",
];

/// The key path CloudFront writes under after the destination (bucket and key prefix): the
/// connector family's `AWSLogs/<account>/CloudFront/` layout, then the partitions the
/// developer guide offers (`{DistributionId}/{yyyy}/{MM}/{dd}/{HH}`), which the delivery fills
/// in (they are no `Fn::Sub` variables: those start with `$`).
pub const SUFFIX_PATH: &str =
    "AWSLogs/${AWS::AccountId}/CloudFront/{DistributionId}/{yyyy}/{MM}/{dd}/{HH}";

pub(super) fn deliver(t: &mut Template, ctx: &Ctx, layout: &Layout) -> Grants {
    let distribution = t.param(
        DISTRIBUTION_ID,
        Parameter::string(format!(
            "CloudFront distribution whose standard logs (v2) to deliver. The stack then must run in {DELIVERY_SOURCE_REGION}, where CloudFront's delivery sources live. Leave empty to create no delivery (deliver from an existing one) in any Region."
        ))
        .default("")
        .pattern(
            "^$|^[A-Z0-9]{10,20}$",
            "must be a distribution ID like EDFDVBD6EXAMPLE (upper-case letters and digits), or empty",
        ),
    );
    let has_distribution = t.condition(
        "HasCloudFrontDistributionId",
        !(Cond::equals(distribution.clone(), "")),
    );
    t.rule(
        "CloudFrontDeliveryInUsEast1",
        // Rules cannot refer to the template's conditions: the test is spelled out.
        Some(!(Cond::equals(distribution.clone(), ""))),
        Cond::equals(Expr::reference("AWS::Region"), DELIVERY_SOURCE_REGION),
        format!("A CloudFront distribution's standard logging (v2) delivery source exists only in {DELIVERY_SOURCE_REGION}: deploy this stack there, or leave CloudFrontDistributionId empty and create the delivery yourself."),
    );
    let create = and_create_bucket(t, "CreateCloudFrontDelivery", Cond::named(has_distribution));
    let name = common::per_stack_name("sentinel-cloudfront");
    t.add(
        "CloudFrontDeliverySource",
        &logs_delivery::DeliverySource {
            name: name.clone(),
            log_type: "ACCESS_LOGS",
            resource_arn: Expr::sub(format!(
                "arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{DISTRIBUTION_ID}}}"
            )),
            tags: standard_tags("cloudfront-delivery-source"),
        },
    )
    .condition(create.clone());
    t.add(
        "CloudFrontDeliveryDestination",
        &logs_delivery::DeliveryDestination {
            name: name.clone(),
            destination_resource_arn: layout.destination(&ctx.created_bucket),
            output_format: "w3c",
            tags: standard_tags("cloudfront-delivery-destination"),
        },
    )
    .condition(create.clone());
    t.add(
        "CloudFrontDelivery",
        &logs_delivery::Delivery {
            delivery_source_name: Expr::reference("CloudFrontDeliverySource"),
            delivery_destination_arn: Expr::get_att("CloudFrontDeliveryDestination", "Arn"),
            record_fields: RECORD_FIELDS.to_vec(),
            field_delimiter: "\t",
            s3_suffix_path: Expr::sub(SUFFIX_PATH),
            s3_enable_hive_compatible_path: false,
            tags: standard_tags("cloudfront-delivery"),
        },
    )
    .condition(create.clone())
    .depends_on(BUCKET_POLICY_ID);
    t.output(
        "CloudFrontDeliveryId",
        "The standard logging (v2) delivery this stack created.",
        Expr::get_att("CloudFrontDelivery", "DeliveryId"),
    )
    .condition = Some(create);

    // CloudWatch Logs "Logs sent to Amazon S3" (V2 permissions): the log-delivery service
    // checks the bucket ACL and writes with bucket-owner-full-control, bound to this account and
    // to the delivery sources of the Region CloudFront's live in.
    let source = Expr::sub(format!(
        "arn:${{AWS::Partition}}:logs:{DELIVERY_SOURCE_REGION}:${{AWS::AccountId}}:delivery-source:*"
    ));
    (
        acl_check_and_write(
            ctx,
            layout,
            principals::LOG_DELIVERY,
            "CloudFrontLogs",
            source,
        ),
        Vec::new(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suffix_path_keeps_the_connector_layout_and_the_delivery_partitions() {
        assert!(SUFFIX_PATH.starts_with("AWSLogs/${AWS::AccountId}/CloudFront/"));
        assert!(SUFFIX_PATH.ends_with("{DistributionId}/{yyyy}/{MM}/{dd}/{HH}"));
        assert_eq!(RECORD_FIELDS[0..2], ["date", "time"]);
    }
}
