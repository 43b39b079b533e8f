//! Condition operator names: `[ForAnyValue:|ForAllValues:]<Operator>[IfExists]`.

/// How a comparison orders two values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    pub(crate) fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Cmp::Eq => ord == Equal,
            Cmp::Lt => ord == Less,
            Cmp::Le => ord != Greater,
            Cmp::Gt => ord == Greater,
            Cmp::Ge => ord != Less,
        }
    }
}

/// What an operator compares and how (its positive sense; see [`Operator::negated`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// StringEquals: exact, case-sensitive, no wildcards.
    StringEquals,
    /// StringEqualsIgnoreCase.
    StringEqualsIgnoreCase,
    /// StringLike: `*` and `?`, case-sensitive.
    StringLike,
    /// ArnEquals and ArnLike alike: field by field, with wildcards.
    Arn,
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    BinaryEquals,
    IpAddress,
    Null,
}

/// The set operator in front of an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    ForAnyValue,
    ForAllValues,
}

/// A parsed condition operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// The name as written, e.g. `ForAnyValue:StringNotLikeIfExists`.
    pub name: String,
    pub set: Option<SetOp>,
    pub kind: Kind,
    /// A `Not` operator (StringNotEquals, ArnNotLike, NumericNotEquals, NotIpAddress, ...):
    /// true when no policy value matches (NOR over the values).
    pub negated: bool,
    pub if_exists: bool,
}

impl Operator {
    /// Parses an operator name; `None` when it is not one AWS documents. Names are
    /// case-sensitive, as AWS writes them.
    pub fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(SetOp::ForAnyValue), r)
        } else if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(SetOp::ForAllValues), r)
        } else {
            (None, name)
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(b) => (b, true),
            None => (rest, false),
        };
        use Cmp::*;
        use Kind::*;
        let (kind, negated) = match base {
            "StringEquals" => (StringEquals, false),
            "StringNotEquals" => (StringEquals, true),
            "StringEqualsIgnoreCase" => (StringEqualsIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (StringEqualsIgnoreCase, true),
            "StringLike" => (StringLike, false),
            "StringNotLike" => (StringLike, true),
            "ArnEquals" | "ArnLike" => (Arn, false),
            "ArnNotEquals" | "ArnNotLike" => (Arn, true),
            "NumericEquals" => (Numeric(Eq), false),
            "NumericNotEquals" => (Numeric(Eq), true),
            "NumericLessThan" => (Numeric(Lt), false),
            "NumericLessThanEquals" => (Numeric(Le), false),
            "NumericGreaterThan" => (Numeric(Gt), false),
            "NumericGreaterThanEquals" => (Numeric(Ge), false),
            "DateEquals" => (Date(Eq), false),
            "DateNotEquals" => (Date(Eq), true),
            "DateLessThan" => (Date(Lt), false),
            "DateLessThanEquals" => (Date(Le), false),
            "DateGreaterThan" => (Date(Gt), false),
            "DateGreaterThanEquals" => (Date(Ge), false),
            "Bool" => (Bool, false),
            "BinaryEquals" => (BinaryEquals, false),
            "IpAddress" => (IpAddress, false),
            "NotIpAddress" => (IpAddress, true),
            // Null tests presence itself: it has no IfExists form.
            "Null" if !if_exists => (Null, false),
            _ => return None,
        };
        Some(Operator {
            name: name.to_string(),
            set,
            kind,
            negated,
            if_exists,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_prefixes_suffixes_and_negation() {
        let op = Operator::parse("ForAllValues:StringNotLikeIfExists").unwrap();
        assert_eq!(op.set, Some(SetOp::ForAllValues));
        assert_eq!(op.kind, Kind::StringLike);
        assert!(op.negated && op.if_exists);
        let op = Operator::parse("NumericLessThanEquals").unwrap();
        assert_eq!(op.kind, Kind::Numeric(Cmp::Le));
        assert!(!op.negated && !op.if_exists && op.set.is_none());
        assert!(Operator::parse("NotIpAddress").unwrap().negated);
    }

    #[test]
    fn unknown_names_are_refused() {
        for bad in [
            "StringEqual",
            "stringequals",
            "NullIfExists",
            "ForSomeValues:StringLike",
            "IfExists",
            "",
        ] {
            assert!(Operator::parse(bad).is_none(), "{bad}");
        }
    }
}
