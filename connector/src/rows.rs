//! Rows as the parser hands them out: the table structs of [`catalogue::tables`]
//! filled with text borrowed from the parser's read buffer ([`Text`]),
//! [`DateTimeMs`] datetimes and raw JSON, so mapping a record allocates next
//! to nothing. The parser hands each row to its sink as a [`RowOut`] trait object, which
//! lives for one sink call; it serialises to exactly the JSON of the owned [`TableRow`]
//! with the same values, and [`RowOut::to_table_row`] makes that owned row.
//!
//! Also the lenient readers the CloudTrail mapping uses ([`AnyStr`],
//! [`AnyBool`], [`AnyObj`]): a member of an unexpected JSON type reads as
//! absent instead of spoiling the record; [`AnyBool`] also says what the
//! value was, so the parser can report it.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

use catalogue::tables::{
    AwsCloudTrail, AwsCloudWatch, AwsEksLogs, AwsGuardDuty, AwsRoute53Resolver, AwsVpcFlow,
    DateTimeMs, JsonText, Row, Table, TableRow,
};

/// A JSON string borrowed from the input when it has no escapes, owned
/// (unescaped) otherwise. Serialises as a string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text<'a>(pub Cow<'a, str>);

impl Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor).map(Text)
    }
}

/// Consumes whatever a map or sequence holds.
fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Implements the visitor methods of a lenient reader for numbers, null and
/// arrays, which no lenient reader takes: they read as `None`.
macro_rules! absent_otherwise {
    () => {
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            drain_seq(seq).map(|()| None)
        }
    };
}

/// A member read leniently as a string: a JSON string is kept, any other
/// value (null, number, boolean, object, array) reads as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnyStr<'a>(pub Option<Text<'a>>);

impl<'a> AnyStr<'a> {
    pub fn take(self) -> Option<Text<'a>> {
        self.0
    }
}

struct AnyStrVisitor;

impl<'de> Visitor<'de> for AnyStrVisitor {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map).map(|()| None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    absent_otherwise!();
}

impl<'de: 'a, 'a> Deserialize<'de> for AnyStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AnyStrVisitor)
            .map(|c| AnyStr(c.map(Text)))
    }
}

/// A member read leniently as a boolean: `true`, `false`, and the strings
/// `"true"` and `"false"` in any case (CloudTrail writes `mfaAuthenticated`
/// as a string; `"False"`, `"TRUE"` occur); `null` is absent. Any other
/// value is [`AnyBool::NotBool`], with a short description of it (a string
/// quoted, a number as written, `an object`, `an array`), for the caller to
/// report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AnyBool {
    #[default]
    Absent,
    Bool(bool),
    NotBool(String),
}

impl AnyBool {
    /// The boolean, if the value was one.
    pub fn value(&self) -> Option<bool> {
        match self {
            AnyBool::Bool(b) => Some(*b),
            AnyBool::Absent | AnyBool::NotBool(_) => None,
        }
    }
}

struct AnyBoolVisitor;

/// Longest part of a string value quoted in a description.
const DESCRIBED_CHARS: usize = 40;

impl<'de> Visitor<'de> for AnyBoolVisitor {
    type Value = AnyBool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(if v.eq_ignore_ascii_case("true") {
            AnyBool::Bool(true)
        } else if v.eq_ignore_ascii_case("false") {
            AnyBool::Bool(false)
        } else {
            let cut: String = v.chars().take(DESCRIBED_CHARS).collect();
            let more = if cut.len() < v.len() { "..." } else { "" };
            AnyBool::NotBool(format!("{cut:?}{more}"))
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map).map(|()| AnyBool::NotBool("an object".into()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|()| AnyBool::NotBool("an array".into()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(AnyBool::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(AnyBool::NotBool(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(AnyBool::NotBool(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(AnyBool::NotBool(v.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(AnyBool::Absent)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(AnyBool::Absent)
    }
}

impl<'de> Deserialize<'de> for AnyBool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AnyBoolVisitor)
    }
}

/// Reads the members of a JSON object into something, such as the row
/// being filled.
pub trait Fill<'de> {
    fn fill<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error>;
}

/// A member read leniently as an object: a JSON object's members go to `F`
/// (its errors are the record's), any other value leaves `F` untouched.
pub struct AnyObj<F>(pub F);

impl<'de, F: Fill<'de>> DeserializeSeed<'de> for AnyObj<F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self).map(drop)
    }
}

impl<'de, F: Fill<'de>> Visitor<'de> for AnyObj<F> {
    type Value = Option<()>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.fill(map).map(Some)
    }
    fn visit_borrowed_str<E: de::Error>(self, _: &'de str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    absent_otherwise!();
}

/// The member names an object reader knows: an enum deriving
/// `#[serde(field_identifier)]`, with `other` for every name it does not.
pub trait Member: Copy + fmt::Debug {
    /// The member's position, `None` for `other`.
    fn index(self) -> Option<usize>;
}

/// Reads each member of `map` with `member`, by name, skipping those `K`
/// does not know. A known name given twice spoils the record, as it does
/// for a derived `Deserialize`.
pub fn members<'de, A, K>(
    mut map: A,
    mut member: impl FnMut(K, &mut A) -> Result<(), A::Error>,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    K: Member + Deserialize<'de>,
{
    let mut seen = 0u64;
    while let Some(key) = map.next_key::<K>()? {
        let Some(i) = key.index() else {
            map.next_value::<IgnoredAny>()?;
            continue;
        };
        if seen & (1 << i) != 0 {
            return Err(de::Error::custom(format_args!("duplicate field `{key:?}`")));
        }
        seen |= 1 << i;
        member(key, &mut map)?;
    }
    Ok(())
}

/// Declares the member names of an object reader (see [`Member`]).
macro_rules! member_names {
    ($(#[$doc:meta])* $name:ident { $($key:ident),* $(,)? }) => {
        $(#[$doc])*
        #[derive(serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
        #[serde(field_identifier)]
        #[allow(non_camel_case_types)]
        enum $name {
            $($key,)*
            #[serde(other)]
            other,
        }
        impl $crate::rows::Member for $name {
            fn index(self) -> Option<usize> {
                (self != Self::other).then_some(self as usize)
            }
        }
    };
}
pub(crate) use member_names;

/// `AWSVPCFlow` as parsed: fields borrowed from the line.
pub type VpcFlowRef<'a> = AwsVpcFlow<&'a str, DateTimeMs>;
/// `AWSGuardDuty` as parsed: `resource` and `service` kept as raw JSON.
pub type GuardDutyRef<'a> = AwsGuardDuty<Text<'a>, DateTimeMs, &'a RawValue>;
/// `AWSCloudTrail` as parsed: the JSON-text columns kept as raw JSON.
pub type CloudTrailRef<'a> = AwsCloudTrail<Text<'a>, DateTimeMs, JsonText<'a>>;
/// `AWSCloudWatch` as parsed: the message borrowed from the CSV record.
pub type CloudWatchRef<'a> = AwsCloudWatch<&'a str, DateTimeMs>;
/// `AWSEKSLogs_CL` as parsed: `RawEvent` kept as raw JSON.
pub type EksLogsRef<'a> = AwsEksLogs<Text<'a>, DateTimeMs, &'a RawValue>;
/// `AWSRoute53Resolver` as parsed: `answers` and `srcids` kept as raw JSON.
pub type Route53ResolverRef<'a> = AwsRoute53Resolver<Text<'a>, DateTimeMs, &'a RawValue>;

/// A row as the parser hands it to its sink: any table's row in its parsed form (datetimes
/// as [`DateTimeMs`]), behind a reference for one sink call.
pub trait RowOut: fmt::Debug {
    fn table(&self) -> Table;

    /// Writes the row as the JSON object the Logs Ingestion API receives (see [`RowJson`]).
    fn write_json(&self, out: &mut Vec<u8>);

    /// The row's `TimeGenerated` column.
    fn time_generated(&self) -> DateTimeMs;

    /// Writes the row tagged with its table, `{"table":"AWSVPCFlow","row":{...}}`: the JSON
    /// of the owned [`TableRow`] with the same values.
    fn write_tagged(&self, out: &mut dyn std::io::Write) -> serde_json::Result<()>;

    /// The owned row with the same values (through its JSON, which both
    /// forms share).
    fn to_table_row(&self) -> TableRow;
}

/// A row with its table, serialised as a [`TableRow`] is.
#[derive(Serialize)]
struct Tagged<'r, R> {
    table: Table,
    row: &'r R,
}

impl<R: Row<Time = DateTimeMs> + fmt::Debug> RowOut for R {
    fn table(&self) -> Table {
        R::TABLE
    }

    fn time_generated(&self) -> DateTimeMs {
        *Row::time_generated(self)
    }

    fn write_json(&self, out: &mut Vec<u8>) {
        serde_json::to_writer(out, self).expect("rows serialise to memory");
    }

    fn write_tagged(&self, out: &mut dyn std::io::Write) -> serde_json::Result<()> {
        let tagged = Tagged {
            table: R::TABLE,
            row: self,
        };
        serde_json::to_writer(out, &tagged)
    }

    fn to_table_row(&self) -> TableRow {
        TableRow::of(self)
    }
}

/// A row that can be written as the JSON object the Logs Ingestion API
/// receives (the table's columns, without the `{"table":..,"row":..}` tag).
pub trait RowJson {
    fn write_json(&self, out: &mut Vec<u8>);
}

impl RowJson for dyn RowOut + '_ {
    fn write_json(&self, out: &mut Vec<u8>) {
        RowOut::write_json(self, out);
    }
}

impl RowJson for TableRow {
    fn write_json(&self, out: &mut Vec<u8>) {
        serde_json::to_writer(out, self.columns()).expect("rows serialise to memory");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    member_names!(ProbeKey { k, r#type });

    /// Reads `k` and `type` of an object into the pair.
    struct Probe<'r, 'a>(&'r mut (Option<Text<'a>>, Option<Text<'a>>));

    impl<'de> Fill<'de> for Probe<'_, 'de> {
        fn fill<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
            members(map, |key, map: &mut A| {
                let v = map.next_value::<AnyStr>()?.take();
                match key {
                    ProbeKey::k => self.0 .0 = v,
                    ProbeKey::r#type => self.0 .1 = v,
                    ProbeKey::other => unreachable!("members skips unknown names"),
                }
                Ok(())
            })
        }
    }

    type Probed<'a> = (Option<Text<'a>>, Option<Text<'a>>);

    fn probe(text: &str) -> Result<Probed<'_>, serde_json::Error> {
        let mut out = (None, None);
        let mut de = serde_json::Deserializer::from_str(text);
        AnyObj(Probe(&mut out)).deserialize(&mut de)?;
        de.end()?;
        Ok(out)
    }

    #[derive(Deserialize)]
    struct Scalars<'a> {
        #[serde(borrow)]
        s: AnyStr<'a>,
        b: AnyBool,
    }

    #[test]
    fn lenient_readers_keep_their_type_and_drop_the_rest() {
        let p: Scalars = serde_json::from_str(r#"{"s":"plain","b":"true"}"#).unwrap();
        assert!(matches!(
            p.s.0.as_ref().map(|t| &t.0),
            Some(Cow::Borrowed("plain"))
        ));
        assert_eq!(p.b, AnyBool::Bool(true));
        let p: Scalars = serde_json::from_str(r#"{"s":"a\"b","b":false}"#).unwrap();
        assert!(matches!(p.s.0.as_ref().map(|t| &t.0), Some(Cow::Owned(s)) if s == "a\"b"));
        assert_eq!(p.b, AnyBool::Bool(false));
        let p: Scalars = serde_json::from_str(r#"{"s":1,"b":"yes"}"#).unwrap();
        assert_eq!((p.s.0, p.b), (None, AnyBool::NotBool(r#""yes""#.into())));

        let (k, ty) = probe(r#"{"x":{"y":[1]},"type":"T","k":"v","k2":1}"#).unwrap();
        assert_eq!((k.as_deref(), ty.as_deref()), (Some("v"), Some("T")));
        let values = [
            "null",
            "1",
            "-2.5",
            "true",
            "\"no\"",
            "[1,[2,{}]]",
            r#"{"x":{"y":[1]}}"#,
        ];
        for other in values {
            if !other.starts_with('{') {
                let p = probe(other).unwrap_or_else(|e| panic!("{other}: {e}"));
                assert_eq!(p, (None, None), "{other}");
            }
            let text = format!(r#"{{"s":{other},"b":{other}}}"#);
            let p: Scalars = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{other}: {e}"));
            let want_s = (other == "\"no\"").then_some("no");
            assert_eq!(p.s.0.as_deref(), want_s, "{other}");
            let want_b = match other {
                "null" => AnyBool::Absent,
                "true" => AnyBool::Bool(true),
                "\"no\"" => AnyBool::NotBool(other.into()),
                "[1,[2,{}]]" => AnyBool::NotBool("an array".into()),
                o if o.starts_with('{') => AnyBool::NotBool("an object".into()),
                number => AnyBool::NotBool(number.into()),
            };
            assert_eq!(p.b, want_b, "{other}");
        }
        // Boolean strings in any case; a long non-boolean is cut.
        for (text, want) in [
            ("False", false),
            ("TRUE", true),
            ("tRuE", true),
            ("false", false),
        ] {
            let json = format!(r#"{{"s":"","b":"{text}"}}"#);
            let p: Scalars = serde_json::from_str(&json).unwrap();
            assert_eq!(p.b.value(), Some(want), "{text}");
        }
        let long = "y".repeat(100);
        let json = format!(r#"{{"s":"","b":"{long}"}}"#);
        let p: Scalars = serde_json::from_str(&json).unwrap();
        assert_eq!(p.b, AnyBool::NotBool(format!("\"{}\"...", "y".repeat(40))));
        // Unknown names may repeat; a known one may not, and is named.
        assert!(probe(r#"{"z":1,"z":2,"k":"v"}"#).is_ok());
        let e = probe(r#"{"type":"a","type":"b"}"#).unwrap_err();
        assert!(
            e.is_data() && e.to_string().contains("duplicate field `type`"),
            "{e}"
        );
    }

    #[test]
    fn borrowed_and_owned_rows_serialise_alike() {
        let raw: Box<RawValue> = RawValue::from_string(r#"{"a": [1, 2]}"#.into()).unwrap();
        let row: GuardDutyRef = AwsGuardDuty {
            TimeGenerated: DateTimeMs(1_772_323_205_120),
            AccountId: Text("1".into()),
            ActivityType: Text("Recon:EC2/Portscan".into()),
            Arn: Text("arn".into()),
            Description: Text("d".into()),
            Id: Text("i".into()),
            Partition: Text("aws".into()),
            Region: Text("us-east-1".into()),
            ResourceDetails: &raw,
            SchemaVersion: Text("2.0".into()),
            ServiceDetails: &raw,
            Severity: 5,
            TimeCreated: DateTimeMs(0),
            Title: Text("t".into()),
        };
        let row: &dyn RowOut = &row;
        let owned = row.to_table_row();
        let g = owned.decode::<AwsGuardDuty>().unwrap();
        assert_eq!(g.TimeGenerated, "2026-03-01T00:00:05.120Z");
        assert_eq!(g.TimeCreated, "1970-01-01T00:00:00.000Z");
        assert_eq!(g.ResourceDetails, serde_json::json!({"a": [1, 2]}));
        let (mut a, mut b) = (Vec::new(), Vec::new());
        row.write_json(&mut a);
        owned.write_json(&mut b);
        let (a, b): (serde_json::Value, serde_json::Value) = (
            serde_json::from_slice(&a).unwrap(),
            serde_json::from_slice(&b).unwrap(),
        );
        assert_eq!(a, b);
        let mut tagged = Vec::new();
        row.write_tagged(&mut tagged).unwrap();
        let tagged: serde_json::Value = serde_json::from_slice(&tagged).unwrap();
        assert_eq!(tagged, serde_json::to_value(&owned).unwrap());

        let ct: CloudTrailRef = AwsCloudTrail {
            TimeGenerated: DateTimeMs(0),
            RequestParameters: Some(JsonText("{ \"k\" : \"a b\\\" c\" ,\n \"n\": [1, 2] }")),
            ..Default::default()
        };
        let mut out = Vec::new();
        ct.write_json(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"TimeGenerated":"1970-01-01T00:00:00.000Z","RequestParameters":"{\"k\":\"a b\\\" c\",\"n\":[1,2]}"}"#
        );
    }
}
