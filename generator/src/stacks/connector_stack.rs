//! [`ConnectorStack`]: which data types one connector stack renders. A data type of a
//! [`Group`](crate::facts::Group) shares its stack with the group's other members (one bucket,
//! one role, a queue and notification each); any other data type has a stack of its own.

use super::services::ConnectorType;
use crate::facts::DataType;

/// A connector stack, told by its first data type in catalogue order. Made only by
/// [`ConnectorStack::of`], so its members are always a whole group or one ungrouped type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectorStack(ConnectorType);

impl ConnectorStack {
    /// The stack that renders connector type `c`.
    pub fn of(c: ConnectorType) -> ConnectorStack {
        let slug = c.data_type().stack_slug();
        let first = ConnectorType::all()
            .into_iter()
            .find(|m| m.data_type().stack_slug() == slug)
            .expect("a connector type is among all connector types");
        ConnectorStack(first)
    }

    /// Every connector stack, in catalogue order.
    pub fn all() -> Vec<ConnectorStack> {
        let mut out: Vec<ConnectorStack> = Vec::new();
        for c in ConnectorType::all() {
            let s = ConnectorStack::of(c);
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }

    /// The data types the stack renders, in catalogue order.
    pub fn members(self) -> Vec<ConnectorType> {
        ConnectorType::all()
            .into_iter()
            .filter(|m| m.data_type().stack_slug() == self.slug())
            .collect()
    }

    /// The stack's name in file names and `--stack` (`vpc`, `networkfirewall`).
    pub fn slug(self) -> &'static str {
        self.0.data_type().stack_slug()
    }

    /// Human name: the group's, or the one data type's.
    pub fn label(self) -> &'static str {
        let d = self.0.data_type();
        d.group().map_or(d.label(), |g| g.label)
    }

    /// The role name Microsoft's template of this stack uses.
    pub fn default_role(self) -> &'static str {
        let d = self.0.data_type();
        d.group().map_or(d.default_role(), |g| g.default_role)
    }

    /// The data type of a one-type stack, `None` for a group's stack.
    pub fn single(self) -> Option<DataType> {
        self.0
            .data_type()
            .group()
            .is_none()
            .then(|| self.0.data_type())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_connector_type_is_in_exactly_one_stack_which_lists_it() {
        for c in ConnectorType::all() {
            let holding: Vec<ConnectorStack> = ConnectorStack::all()
                .into_iter()
                .filter(|s| s.members().contains(&c))
                .collect();
            assert_eq!(holding, vec![ConnectorStack::of(c)], "{c}");
        }
    }

    #[test]
    fn an_ungrouped_type_is_a_stack_of_its_own_named_by_its_slug() {
        let vpc = ConnectorStack::of(ConnectorType::of(DataType::Vpc).unwrap());
        assert_eq!(vpc.slug(), "vpc");
        assert_eq!(vpc.single(), Some(DataType::Vpc));
        assert_eq!(vpc.default_role(), DataType::Vpc.default_role());
        assert_eq!(
            vpc.members(),
            vec![ConnectorType::of(DataType::Vpc).unwrap()]
        );
    }

    #[test]
    fn a_group_stack_holds_every_member_and_only_them() {
        for s in ConnectorStack::all() {
            let types: Vec<DataType> = s.members().iter().map(|m| m.data_type()).collect();
            match s.single() {
                Some(d) => assert_eq!(types, vec![d]),
                None => {
                    let g = types[0].group().unwrap();
                    assert_eq!(types, DataType::members(g));
                    assert_eq!(s.slug(), g.slug);
                    assert_eq!(s.label(), g.label);
                }
            }
        }
    }
}
