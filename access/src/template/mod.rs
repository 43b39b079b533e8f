//! A CloudFormation template resolved for one account, Region, partition and set of parameter
//! values: the strings AWS would see once the stack is created (names, prefixes, ARNs), not
//! expression trees.
//!
//! - [`resolve`]: [`Stack`], the template with its parameters and pseudo parameters;
//!   Conditions, Rules and the intrinsic functions the rendered templates use.
//! - [`physical`]: what `Ref` and `Fn::GetAtt` of each resource type return: the physical
//!   names CloudFormation gives (a name property, or its generated
//!   `<stack>-<LogicalId>-<suffix>`) and the ARNs AWS builds from them.
//! - [`params`]: checked parameter values (names, `AllowedValues`, `AllowedPattern`, values
//!   required because they have no `Default`), for callers that take them from a user.
//!
//! Anything the resolver does not model (an intrinsic, a resource type, an attribute) is a
//! [`ResolveError`] naming it, never a guess.

pub mod params;
pub mod physical;
pub mod resolve;

pub use resolve::{partition_of, text, Stack};

/// Why a template cannot be resolved for the given values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("intrinsic function {function} is not resolved here (the rendered templates use Ref, Fn::GetAtt, Fn::If, Fn::Sub, Fn::Join, Fn::Select, Fn::Split, Fn::Equals, Fn::Not, Fn::And, Fn::Or and Condition): {args}")]
    UnknownIntrinsic { function: String, args: String },
    #[error("{function}: {problem}: {args}")]
    Malformed {
        function: String,
        args: String,
        problem: String,
    },
    #[error("Ref {name}: the template has no parameter or resource of that name, and it is no pseudo parameter")]
    UnknownName { name: String },
    #[error("condition {name} is not in the template's Conditions")]
    UnknownCondition { name: String },
    #[error("resource {logical_id} is not in the template's Resources")]
    UnknownResource { logical_id: String },
    #[error("output {name} is not in the template's Outputs")]
    UnknownOutput { name: String },
    #[error("{logical_id} is not created with these parameters (its Condition {condition} is false), yet a created part of the stack refers to it")]
    NotCreated {
        logical_id: String,
        condition: String,
    },
    #[error("Ref {logical_id}: resource type {resource_type} is not modelled (add it to access/src/template/physical.rs)")]
    UnknownType {
        logical_id: String,
        resource_type: String,
    },
    #[error("Fn::GetAtt {logical_id}.{attribute}: a {resource_type}'s {attribute} is not modelled (known: {known})")]
    UnknownAttribute {
        logical_id: String,
        resource_type: String,
        attribute: String,
        known: String,
    },
    #[error("parameter {name} = {value:?}: {problem}")]
    Parameter {
        name: String,
        value: String,
        problem: String,
    },
}
