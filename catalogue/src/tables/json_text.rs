//! [`JsonText`]: a JSON value of a source record kept as its text.

use std::fmt;

use serde::{Serialize, Serializer};

/// A JSON value of the source kept as its text, for the `string` columns
/// that hold JSON (CloudTrail's `RequestParameters` ...): serialises as a
/// JSON string of the value's text, minified (whitespace outside strings
/// removed; escapes, numbers and key order as in the source).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonText<'a>(pub &'a str);

impl JsonText<'_> {
    fn is_minified(self) -> bool {
        !self
            .0
            .bytes()
            .any(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
    }
}

impl fmt::Display for JsonText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_minified() {
            return f.write_str(self.0);
        }
        let (mut in_str, mut esc) = (false, false);
        let mut run = 0;
        let bytes = self.0.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            let skip = if in_str {
                if esc {
                    esc = false;
                } else if b == b'\\' {
                    esc = true;
                } else if b == b'"' {
                    in_str = false;
                }
                false
            } else {
                in_str = b == b'"';
                matches!(b, b' ' | b'\n' | b'\r' | b'\t')
            };
            if skip {
                f.write_str(&self.0[run..i])?;
                run = i + 1;
            }
        }
        f.write_str(&self.0[run..])
    }
}

impl Serialize for JsonText<'_> {
    fn serialize<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        if self.is_minified() {
            s.serialize_str(self.0)
        } else {
            s.collect_str(self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_text_is_minified_outside_strings_only() {
        let t = JsonText("{ \"a b\" : [1, 2],\n\t\"c\":\"x\\\" y\" }");
        assert_eq!(t.to_string(), r#"{"a b":[1,2],"c":"x\" y"}"#);
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#""{\"a b\":[1,2],\"c\":\"x\\\" y\"}""#
        );
        let compact = JsonText(r#"{"a":"b"}"#);
        assert_eq!(compact.to_string(), r#"{"a":"b"}"#);
    }
}
