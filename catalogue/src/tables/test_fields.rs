//! Test helper: the field names a row struct's derived `Deserialize` asks for, to check
//! them against the table's declared columns.

use std::fmt;

use serde::de::{self, Visitor};
use serde::Deserializer;

use super::Column;

/// Asserts that the fields of `T`, in order, are the names of `columns`.
pub(super) fn assert_fields_are_columns<T: de::DeserializeOwned>(columns: &[Column]) {
    let declared: Vec<&str> = columns.iter().map(|c| c.name).collect();
    assert_eq!(field_names::<T>(), declared);
}

fn field_names<T: de::DeserializeOwned>() -> &'static [&'static str] {
    let mut f = Fields(None);
    let _ = T::deserialize(&mut f);
    f.0.expect("a derived Deserialize of a struct names its fields")
}

struct Fields(Option<&'static [&'static str]>);

#[derive(Debug)]
struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field names captured")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Stop
    }
}

impl<'de> Deserializer<'de> for &mut Fields {
    type Error = Stop;
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        self.0 = Some(fields);
        Err(Stop)
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}
