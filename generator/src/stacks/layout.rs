//! Where a service's objects live in the bucket: `[<KeyPrefix>/]AWSLogs/<account>/<DataType>/`,
//! or for an organization trail `[<KeyPrefix>/]AWSLogs/<o-id>/<account>/CloudTrail/`; S3 server
//! access logs, which S3 writes under the target prefix it is given, in the partitioned key
//! format: `[<KeyPrefix>/]s3-access-logs/<account>/<region>/<source bucket>/YYYY/MM/DD/...`.
//!
//! One [`Layout`] per service gives every place that must agree on it the same expression: the
//! notification filter, the Sentinel role's read grant, the delivering service's write grant, the
//! delivering resource (trail `S3KeyPrefix`, flow-log and GuardDuty destination folder, Firehose
//! prefix) and the `BucketNotificationCommand` output.

use super::bucket::Ctx;
use super::params;
use crate::cfn::{Cond, Expr, Parameter, Template};
use crate::facts::DataType;
use crate::grants::bucket_arn;
use catalogue::Delivery;

/// A key prefix as S3 keys allow it, without a leading or trailing `/`.
pub const KEY_PREFIX_PATTERN: &str = "^$|^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$";
pub const KEY_PREFIX_RULE: &str =
    "must be a key prefix like security/logs (no / at either end), or empty";
/// A key prefix that may not be empty (collectors that share a key segment in one bucket).
pub const NON_EMPTY_KEY_PREFIX_PATTERN: &str = "^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$";
pub const NON_EMPTY_KEY_PREFIX_RULE: &str =
    "must be a key prefix like ALBLogs or security/alb (no / at either end), not empty";
/// An AWS Organizations ID.
pub const ORG_ID_PATTERN: &str = "^$|^o-[a-z0-9]{10,32}$";
pub const ORG_ID_RULE: &str = "must be an organization ID like o-a1b2c3d4e5, or empty";

/// The layout of one service's objects, as CloudFormation expressions.
pub struct Layout {
    /// The `KeyPrefix` parameter's name.
    pub key_prefix_param: String,
    /// The condition "a key prefix is set".
    pub has_key_prefix: String,
    /// The `OrganizationId` parameter and its condition (CloudTrail only).
    pub organization: Option<(String, String)>,
    /// `<KeyPrefix>/` or empty: what goes before `AWSLogs/`.
    key_path: Expr,
    segment: &'static str,
    /// S3 server access logs: `<segment>/` is the target prefix, and the account and Region
    /// follow it (instead of `AWSLogs/<account>/<segment>/`).
    server_access: bool,
}

impl Layout {
    /// Declares the service's `KeyPrefix` parameter (and, for CloudTrail, `OrganizationId`).
    pub fn declare(t: &mut Template, ctx: &Ctx, service: DataType) -> Layout {
        let key_prefix_param = params::key_prefix(ctx.single, service);
        let server_access = service.entry().delivery == Delivery::ServerAccessLogging;
        let description = if server_access {
            format!(
                "Key prefix before {}/ of the {} objects (the target prefix is <KeyPrefix>/{}/), without / at either end. Empty: keys start with {}/.",
                service.key_segment(),
                service.label(),
                service.key_segment(),
                service.key_segment()
            )
        } else {
            format!(
                "Key prefix before AWSLogs/ of the {} objects (a trail's S3KeyPrefix, an export's folder), without / at either end. Empty: keys start with AWSLogs/.",
                service.label()
            )
        };
        let default = service.default_key_prefix();
        let key_prefix = if default.is_empty() {
            t.param(
                &key_prefix_param,
                Parameter::string(description)
                    .default("")
                    .pattern(KEY_PREFIX_PATTERN, KEY_PREFIX_RULE),
            )
        } else {
            let description = format!(
                "Key prefix before AWSLogs/ of the {} objects (the prefix or folder given to the load balancer's access logs or the flow log's destination), without / at either end. It may not be empty or equal another collector's prefix of this stack: their notifications would overlap.",
                service.label()
            );
            t.param(
                &key_prefix_param,
                Parameter::string(description)
                    .default(default)
                    .pattern(NON_EMPTY_KEY_PREFIX_PATTERN, NON_EMPTY_KEY_PREFIX_RULE),
            )
        };
        let has_key_prefix = t.condition(
            &format!("Has{key_prefix_param}"),
            !(Cond::equals(key_prefix.clone(), "")),
        );
        let key_path = Expr::if_(
            has_key_prefix.clone(),
            Expr::sub(format!("${{{key_prefix_param}}}/")),
            Expr::str(""),
        );
        let organization = (service == DataType::CloudTrail).then(|| {
            let param = params::organization_id(ctx.single, service);
            let org = t.param(
                &param,
                Parameter::string(
                    "Organization ID of an organization trail: every account's logs under AWSLogs/<o-id>/ are announced and readable. With CreateTrail, an organization trail is created (management or delegated administrator account only). Empty: this account's trail.",
                )
                .default("")
                .pattern(ORG_ID_PATTERN, ORG_ID_RULE),
            );
            let cond = t.condition(&format!("Has{param}"), !(Cond::equals(org, "")));
            (param, cond)
        });
        Layout {
            key_prefix_param,
            has_key_prefix,
            organization,
            key_path,
            segment: service.key_segment(),
            server_access,
        }
    }

    fn vars(&self) -> [(&'static str, Expr); 1] {
        [("KeyPath", self.key_path.clone())]
    }

    /// The notification prefix: `[<KeyPrefix>/]AWSLogs/<account>/<DataType>/`, or for an
    /// organization `[<KeyPrefix>/]AWSLogs/<o-id>/` (every member account).
    pub fn prefix(&self) -> Expr {
        if self.server_access {
            return Expr::sub_with(
                format!(
                    "${{KeyPath}}{}/${{AWS::AccountId}}/${{AWS::Region}}/",
                    self.segment
                ),
                self.vars(),
            );
        }
        let own = format!("${{AWS::AccountId}}/{}/", self.segment);
        let (after, var) = match &self.organization {
            None => (own, None),
            Some((param, cond)) => (
                "${Owner}".to_string(),
                Some((
                    "Owner",
                    Expr::if_(
                        cond.clone(),
                        Expr::sub(format!("${{{param}}}/")),
                        Expr::sub(own),
                    ),
                )),
            ),
        };
        let mut vars: Vec<(&str, Expr)> = self.vars().into();
        vars.extend(var);
        Expr::sub_with(format!("${{KeyPath}}AWSLogs/{after}"), vars)
    }

    /// Objects under [`Layout::prefix`]: what the Sentinel role may read.
    pub fn readable(&self, bucket_name: &Expr) -> Expr {
        crate::grants::objects_under(bucket_name, &self.prefix())
    }

    /// Where the delivering service writes: `[<KeyPrefix>/]AWSLogs/<account>/*`, and for an
    /// organization trail also `[<KeyPrefix>/]AWSLogs/<o-id>/*`.
    pub fn writable(&self, bucket_name: &Expr) -> Vec<Expr> {
        let at = |path: String| {
            Expr::sub_with(
                format!("arn:${{AWS::Partition}}:s3:::${{Bucket}}/${{KeyPath}}{path}"),
                [
                    ("Bucket", bucket_name.clone()),
                    ("KeyPath", self.key_path.clone()),
                ],
            )
        };
        if self.server_access {
            return vec![at(format!(
                "{}/${{AWS::AccountId}}/${{AWS::Region}}/*",
                self.segment
            ))];
        }
        let mut out = vec![at("AWSLogs/${AWS::AccountId}/*".into())];
        if let Some((param, cond)) = &self.organization {
            out.push(Expr::if_(
                cond.clone(),
                at(format!("AWSLogs/${{{param}}}/*")),
                Expr::no_value(),
            ));
        }
        out
    }

    /// The bucket ARN with the key prefix as folder (`arn:…:s3:::<bucket>[/<KeyPrefix>]`), as a
    /// flow log's `LogDestination` and a GuardDuty publishing destination take it.
    pub fn destination(&self, bucket_name: &Expr) -> Expr {
        Expr::sub_with(
            "${Bucket}${Folder}",
            [
                ("Bucket", bucket_arn(bucket_name, "")),
                (
                    "Folder",
                    Expr::if_(
                        self.has_key_prefix.clone(),
                        Expr::sub(format!("/${{{}}}", self.key_prefix_param)),
                        Expr::str(""),
                    ),
                ),
            ],
        )
    }

    /// The target prefix S3 server access logging is given: `[<KeyPrefix>/]<segment>/` (S3
    /// puts the account, Region and source bucket after it).
    pub fn target_prefix(&self) -> Expr {
        Expr::sub_with(format!("${{KeyPath}}{}/", self.segment), self.vars())
    }

    /// The key prefix as a trail's `S3KeyPrefix` (absent when empty).
    pub fn trail_key_prefix(&self) -> Expr {
        Expr::if_(
            self.has_key_prefix.clone(),
            Expr::reference(&self.key_prefix_param),
            Expr::no_value(),
        )
    }

    /// `Fn::Sub` variables that spell this layout's prefix in a text output, under `name`.
    pub fn prefix_var(&self, name: &str) -> (String, Expr) {
        (name.to_string(), self.prefix())
    }
}
