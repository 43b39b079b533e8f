//! What makes each data type of a connector stack deliver into the bucket: one module per data
//! type, each adding its delivering resources and returning the bucket-policy and role grants AWS
//! documents for that service. This module adds the data type's queue and key layout and
//! dispatches to it.

mod cloudfront;
mod cloudtrail;
mod cloudwatch;
mod elb;
mod guardduty;
mod networkfirewall;
mod route53;
mod s3access;
mod securityhub;
pub(crate) mod vpc;
mod waf;

pub use cloudwatch::CLOUDWATCH_ERROR_PREFIX;
pub use securityhub::SECURITYHUB_ERROR_PREFIX;

use super::bucket::{Ctx, FirehoseWriter, ServiceParts, CREATE_BUCKET};
use super::common;
use super::layout::Layout;
use super::params;
use crate::cfn::{Cond, Expr, Template};
use crate::config::patterns;
use crate::facts::DataType;
use crate::grants::{self, bucket_arn};
use crate::iam::{actions, keys, Operator, Principal, Statement};
use std::fmt;

/// What a data type's delivery module adds to a connector stack: the bucket-policy and role
/// grants, and the Firehose writer for a type delivered through Firehose.
type Deliver = fn(&mut Template, &Ctx, &Layout) -> (Grants, Option<FirehoseWriter>);

/// The delivery module of each data type that has a connector stack, `None` for a data type
/// with a stack of its own (EKS: `stacks::eks`). The one place that says which data types have a
/// connector stack: a new data type is a compile error here until it is given one or none.
fn delivery(d: DataType) -> Option<Deliver> {
    fn vpc(t: &mut Template, ctx: &Ctx, l: &Layout) -> (Grants, Option<FirehoseWriter>) {
        (vpc::deliver(t, ctx, l), None)
    }
    fn cloudtrail(t: &mut Template, ctx: &Ctx, l: &Layout) -> (Grants, Option<FirehoseWriter>) {
        (cloudtrail::deliver(t, ctx, l), None)
    }
    fn guardduty(t: &mut Template, ctx: &Ctx, l: &Layout) -> (Grants, Option<FirehoseWriter>) {
        (guardduty::deliver(t, ctx, l), None)
    }
    fn cloudfront(t: &mut Template, ctx: &Ctx, l: &Layout) -> (Grants, Option<FirehoseWriter>) {
        (cloudfront::deliver(t, ctx, l), None)
    }
    fn cloudwatch(t: &mut Template, ctx: &Ctx, l: &Layout) -> (Grants, Option<FirehoseWriter>) {
        let (grants, role_id) = cloudwatch::deliver(t, ctx, l);
        let writer = FirehoseWriter {
            role_id,
            error_prefix: CLOUDWATCH_ERROR_PREFIX,
        };
        (grants, Some(writer))
    }
    fn route53(t: &mut Template, ctx: &Ctx, l: &Layout) -> (Grants, Option<FirehoseWriter>) {
        (route53::deliver(t, ctx, l), None)
    }
    fn nfw_flow(t: &mut Template, ctx: &Ctx, l: &Layout) -> (Grants, Option<FirehoseWriter>) {
        let d = DataType::NetworkFirewallFlow;
        (networkfirewall::deliver(t, ctx, l, d), None)
    }
    fn nfw_alert(t: &mut Template, ctx: &Ctx, l: &Layout) -> (Grants, Option<FirehoseWriter>) {
        let d = DataType::NetworkFirewallAlert;
        (networkfirewall::deliver(t, ctx, l, d), None)
    }
    fn nfw_tls(t: &mut Template, ctx: &Ctx, l: &Layout) -> (Grants, Option<FirehoseWriter>) {
        let d = DataType::NetworkFirewallTls;
        (networkfirewall::deliver(t, ctx, l, d), None)
    }
    fn waf(t: &mut Template, ctx: &Ctx, l: &Layout) -> (Grants, Option<FirehoseWriter>) {
        (waf::deliver(t, ctx, l), None)
    }
    fn s3access(t: &mut Template, ctx: &Ctx, l: &Layout) -> (Grants, Option<FirehoseWriter>) {
        (s3access::deliver(t, ctx, l), None)
    }
    fn securityhub(t: &mut Template, ctx: &Ctx, l: &Layout) -> (Grants, Option<FirehoseWriter>) {
        let (grants, role_id) = securityhub::deliver(t, ctx, l);
        let writer = FirehoseWriter {
            role_id,
            error_prefix: SECURITYHUB_ERROR_PREFIX,
        };
        (grants, Some(writer))
    }
    fn elb_alb(t: &mut Template, ctx: &Ctx, l: &Layout) -> (Grants, Option<FirehoseWriter>) {
        (elb::deliver(t, ctx, l, DataType::ElbAlb), None)
    }
    fn elb_nlb(t: &mut Template, ctx: &Ctx, l: &Layout) -> (Grants, Option<FirehoseWriter>) {
        (elb::deliver(t, ctx, l, DataType::ElbNlb), None)
    }
    fn elb_nlb_flow(t: &mut Template, ctx: &Ctx, l: &Layout) -> (Grants, Option<FirehoseWriter>) {
        (elb::deliver(t, ctx, l, DataType::ElbNlbFlow), None)
    }
    fn elb_gwlb_flow(t: &mut Template, ctx: &Ctx, l: &Layout) -> (Grants, Option<FirehoseWriter>) {
        (elb::deliver(t, ctx, l, DataType::ElbGwlbFlow), None)
    }
    match d {
        DataType::Vpc => Some(vpc),
        DataType::CloudTrail => Some(cloudtrail),
        DataType::GuardDuty => Some(guardduty),
        DataType::CloudWatch => Some(cloudwatch),
        DataType::Eks => None,
        DataType::Route53 => Some(route53),
        DataType::NetworkFirewallFlow => Some(nfw_flow),
        DataType::NetworkFirewallAlert => Some(nfw_alert),
        DataType::NetworkFirewallTls => Some(nfw_tls),
        DataType::Waf => Some(waf),
        DataType::S3Access => Some(s3access),
        DataType::SecurityHub => Some(securityhub),
        DataType::CloudFront => Some(cloudfront),
        DataType::ElbAlb => Some(elb_alb),
        DataType::ElbNlb => Some(elb_nlb),
        DataType::ElbNlbFlow => Some(elb_nlb_flow),
        DataType::ElbGwlbFlow => Some(elb_gwlb_flow),
    }
}

/// A data type delivered through a connector stack (one bucket, one queue per data type, the
/// Sentinel role). Made only by [`ConnectorType::of`], so it never holds a data type with a
/// stack of its own (EKS), and a connector stack of EKS cannot be asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectorType(DataType);

impl ConnectorType {
    /// The connector type of a data type, `None` for one with a stack of its own.
    pub fn of(d: DataType) -> Option<ConnectorType> {
        delivery(d).map(|_| ConnectorType(d))
    }

    pub fn data_type(self) -> DataType {
        self.0
    }

    /// Every connector type, in catalogue order.
    pub fn all() -> Vec<ConnectorType> {
        DataType::ALL
            .iter()
            .filter_map(|d| ConnectorType::of(*d))
            .collect()
    }

    fn deliver(self) -> Deliver {
        delivery(self.0).expect("a ConnectorType is only made for a data type with a delivery")
    }
}

impl From<ConnectorType> for DataType {
    fn from(c: ConnectorType) -> DataType {
        c.data_type()
    }
}

impl fmt::Display for ConnectorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.data_type().slug())
    }
}

/// Whether a data type is delivered through a connector stack, or through a stack of its own
/// (EKS: `stacks::eks`).
pub fn has_connector_stack(d: DataType) -> bool {
    ConnectorType::of(d).is_some()
}

/// The connector types the all-services stack holds (one bucket for the classic four), in
/// catalogue order.
pub fn all_services_types() -> Vec<ConnectorType> {
    ConnectorType::all()
        .into_iter()
        .filter(|c| c.data_type().entry().all_services)
        .collect()
}

/// The data types of the connector stacks, in catalogue order.
pub fn connector_types() -> Vec<DataType> {
    ConnectorType::all()
        .into_iter()
        .map(ConnectorType::data_type)
        .collect()
}

pub fn add(t: &mut Template, ctx: &Ctx, kind: ConnectorType) -> ServiceParts {
    let service = kind.data_type();
    let queue_param = params::queue_name(ctx.single, service);
    let queue_name = common::name_param(
        t,
        &queue_param,
        &format!(
            "Name of the SQS queue that announces new {} objects. Default: {}-<8 hex of the stack id>.",
            service.label(),
            service.default_queue()
        ),
        common::per_stack_name(service.default_queue()),
        (patterns::QUEUE_NAME, patterns::QUEUE_NAME_RULE),
    );
    let queue = common::queue_pair(
        t,
        &format!("{}Queue", service.id()),
        queue_name,
        &ctx.tuning,
        service.label(),
    );
    let layout = Layout::declare(t, ctx, service);
    let ((bucket_statements, role_statements), firehose) = (kind.deliver())(t, ctx, &layout);
    ServiceParts {
        service,
        queue,
        layout,
        bucket_statements,
        role_statements,
        firehose,
    }
}

/// Statements for the bucket policy and for the Sentinel role.
pub(super) type Grants = (Vec<Statement>, Vec<Statement>);

/// A write grant on every place the layout lets the service write.
pub(super) fn writes_to(mut st: Statement, ctx: &Ctx, layout: &Layout) -> Statement {
    for r in layout.writable(&ctx.created_bucket) {
        st = st.resource(r);
    }
    st
}

pub(super) fn and_create_bucket(t: &mut Template, name: &str, own: Cond) -> String {
    t.condition(name, Cond::And(vec![Cond::named(CREATE_BUCKET), own]))
}

/// What a log-delivery service needs in the bucket policy, as AWS documents it for flow logs
/// and CloudTrail: `<sid>AclCheck` (GetBucketAcl on the bucket) and `<sid>Write` (PutObject where
/// the layout lets it write, with `bucket-owner-full-control`), both bound to `source`.
pub(super) fn acl_check_and_write(
    ctx: &Ctx,
    layout: &Layout,
    principal: &str,
    sid: &str,
    source: Expr,
) -> Vec<Statement> {
    let acl = grants::from_source(
        Statement::allow(&[actions::s3::GET_BUCKET_ACL])
            .sid(&format!("{sid}AclCheck"))
            .principal(Principal::service(principal))
            .resource(bucket_arn(&ctx.created_bucket, "")),
        source.clone(),
    );
    let write = grants::from_source(
        writes_to(
            Statement::allow(&[actions::s3::PUT_OBJECT])
                .sid(&format!("{sid}Write"))
                .principal(Principal::service(principal)),
            ctx,
            layout,
        )
        .when(
            Operator::StringEquals,
            keys::S3_ACL,
            "bucket-owner-full-control",
        ),
        source,
    );
    vec![acl, write]
}
