//! A typed model of CloudFormation templates.

mod expr;
mod template;

pub use expr::{Cond, Expr, Pseudo};
pub use template::{
    refs_in_json, EntryMut, Export, Output, ParamType, Parameter, ParameterGroup, Policy, Resource,
    ResourceEntry, Template, TemplateError,
};
