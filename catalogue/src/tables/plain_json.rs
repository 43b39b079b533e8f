//! JSON text read into a [`serde_json::Value`] in which every key is only a key.
//!
//! With serde_json's `raw_value` feature (which the parsers need for `RawValue` columns),
//! `Value`'s own `Deserialize` reads an object whose first key is
//! `$serde_json::private::RawValue` as embedded JSON text: `{"$serde_json::private::RawValue":
//! "allow"}` is an error and `{"$serde_json::private::RawValue": "[1]"}` becomes `[1]`.
//! `serde_json::to_value` of a row with a `RawValue` column goes through the same reading.
//! Log records are text others write (an EKS audit event's annotations, CloudTrail's request
//! parameters), so a row or an ingested record must not give that key a meaning: the fuzzer
//! found an EKS record the check could not represent. No maintained crate offers a `Value`
//! reader without that rule, so this is a small visitor that builds the same `Value` (numbers,
//! key order and duplicate keys as serde_json's: the last value of a key wins).

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// `text` as a `Value`, every object key taken literally.
pub fn parse_plain(text: &str) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_str(text);
    let v = Plain.deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// serde_json's raw-value key.
const RAW_VALUE_KEY: &str = "$serde_json::private::RawValue";

/// What a hidden key starts with: a NUL and a name no log writes.
const HIDDEN: &str = "\u{0}plain-json-hidden:";

/// Whether `text` may hold [`RAW_VALUE_KEY`] as a key: it names `RawValue`, or it has a
/// `\u` escape (the only way to escape a character of that key). False means it cannot.
pub fn may_hold_raw_value_key(text: &str) -> bool {
    text.contains("RawValue") || text.contains("\\u")
}

/// A value whose raw-value keys are renamed (and keys that start like a renamed one, so that
/// the renaming is undone exactly), for deserialising it into types whose `Value` columns use
/// serde_json's own reading; [`Hidden::reveal`] restores the keys in what came out.
pub struct Hidden(Value);

impl Hidden {
    pub fn parse(text: &str) -> serde_json::Result<Hidden> {
        let mut v = parse_plain(text)?;
        rename_keys(&mut v, &|k| {
            (k == RAW_VALUE_KEY || k.starts_with(HIDDEN)).then(|| format!("{HIDDEN}{k}"))
        });
        Ok(Hidden(v))
    }

    pub fn value(self) -> Value {
        self.0
    }

    /// Undoes the renaming in `v`.
    pub fn reveal(v: &mut Value) {
        rename_keys(v, &|k| k.strip_prefix(HIDDEN).map(str::to_string));
    }
}

/// Renames every key of `v`, at any depth, for which `new` gives a name (order kept).
fn rename_keys(v: &mut Value, new: &dyn Fn(&str) -> Option<String>) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| rename_keys(i, new)),
        Value::Object(map) => {
            if map.keys().any(|k| new(k).is_some()) {
                let old = std::mem::take(map);
                for (k, v) in old {
                    map.insert(new(&k).unwrap_or(k), v);
                }
            }
            map.values_mut().for_each(|v| rename_keys(v, new));
        }
        _ => {}
    }
}

/// A JSON value of any kind, read with [`PlainVisitor`].
struct Plain;

impl<'de> DeserializeSeed<'de> for Plain {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(PlainVisitor)
    }
}

struct PlainVisitor;

impl<'de> Visitor<'de> for PlainVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(PlainVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element_seed(Plain)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let v = map.next_value_seed(Plain)?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAGIC: &str = "$serde_json::private::RawValue";

    #[test]
    fn the_raw_value_key_is_only_a_key() {
        let text = format!(r#"{{"a": {{"{MAGIC}": "allow"}}, "b": {{"{MAGIC}": "[1]"}}}}"#);
        // What serde_json's own Value makes of it: an error, or another value.
        assert!(serde_json::from_str::<Value>(&text).is_err());
        let v = parse_plain(&text).unwrap();
        assert_eq!(v["a"][MAGIC], "allow");
        assert_eq!(v["b"][MAGIC], "[1]");
    }

    #[test]
    fn hidden_keys_come_back_exactly() {
        let text = format!(
            r#"{{"a": {{"{MAGIC}": "allow", "{h}x": 1}}, "b": [{{"{MAGIC}": {{"{MAGIC}": 2}}}}]}}"#,
            h = "\\u0000plain-json-hidden:"
        );
        let plain = parse_plain(&text).unwrap();
        let hidden = Hidden::parse(&text).unwrap().value();
        // serde_json's own reading sees no raw-value key in the hidden form.
        let round: Value = serde_json::from_value(hidden.clone()).unwrap();
        assert_eq!(round, hidden);
        let mut back = hidden;
        Hidden::reveal(&mut back);
        assert_eq!(back, plain);
        assert!(may_hold_raw_value_key(&text));
        assert!(may_hold_raw_value_key(
            r#"{"\u0024serde_json::private::Raw\u0056alue": 1}"#
        ));
        assert!(!may_hold_raw_value_key(r#"{"a": "b"}"#));
    }

    #[test]
    fn other_json_reads_as_serde_json_reads_it() {
        for text in [
            r#"{"z": 1, "a": [true, null, -5, 18446744073709551615, 1.5e300, "x\u00e9"], "z": {"k": {}}}"#,
            "[]",
            "\"s\"",
            "-0.0",
            " 12 ",
        ] {
            assert_eq!(
                parse_plain(text).unwrap(),
                serde_json::from_str::<Value>(text).unwrap(),
                "{text}"
            );
        }
        assert!(parse_plain("{} x").is_err());
        assert!(parse_plain("{\"a\":}").is_err());
    }
}
