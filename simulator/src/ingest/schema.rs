//! Row validation of the mock DCR: each request's rows are checked against the stream
//! declarations of the catalogue (one `Custom-<Table>` stream per Sentinel table of
//! [`crate::tables`], with the column names and types of Microsoft's table references; see
//! the module docs there).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::tables::{parse_datetime_ms, Table};

pub use crate::tables::{stream, streams, Column, ColumnType, StreamDecl, STREAM_NAMES};

/// The stream that feeds `table`.
pub fn stream_for_table(table: Table) -> &'static StreamDecl {
    table.stream()
}

/// Whether a non-null JSON value is acceptable for a column of type `ty`. `null` is
/// accepted for every column (an absent value) and is not checked here.
pub fn accepts(ty: ColumnType, v: &Value) -> bool {
    match ty {
        ColumnType::String => v.is_string(),
        ColumnType::Int => v.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        ColumnType::Long => v.is_i64(),
        ColumnType::Real => v.is_number(),
        ColumnType::Boolean => v.is_boolean(),
        ColumnType::Datetime => v.as_str().and_then(parse_datetime_ms).is_some(),
        ColumnType::Dynamic => true,
    }
}

/// Values longer than this (bytes of the string, or of the JSON text of a
/// `dynamic` value) are truncated by the real service ("field values over
/// 64 KB are truncated"); the mock stores them whole and counts them
/// ([`super::Stats::oversized_values`]).
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// What the fast check learnt about a valid row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowInfo {
    pub time_generated: String,
    /// Values over [`MAX_FIELD_BYTES`].
    pub oversized_values: u32,
}

/// Fast path of the validation: checks a row's JSON text without building a
/// [`Value`] (no allocation for unescaped keys and strings). `Some` when
/// the row is valid; `None` when anything is wrong, and then [`check_row`]
/// says what.
pub fn check_row_text(decl: &StreamDecl, text: &str) -> Option<RowInfo> {
    let mut de = serde_json::Deserializer::from_str(text);
    let info = de.deserialize_any(RowCheck { decl }).ok()?;
    de.end().ok()?;
    info
}

/// A JSON value, reduced to what the type checks need.
enum Scalar<'a> {
    Null,
    Bool,
    I64(i64),
    U64(u64),
    F64,
    Str(Cow<'a, str>),
    Compound,
}

impl Scalar<'_> {
    fn fits(&self, ty: ColumnType) -> bool {
        match (ty, self) {
            (_, Scalar::Null) | (ColumnType::Dynamic, _) => true,
            (ColumnType::String, Scalar::Str(_)) => true,
            (ColumnType::Int, Scalar::I64(n)) => i32::try_from(*n).is_ok(),
            (ColumnType::Int, Scalar::U64(n)) => i32::try_from(*n).is_ok(),
            (ColumnType::Long, Scalar::I64(_)) => true,
            (ColumnType::Long, Scalar::U64(n)) => i64::try_from(*n).is_ok(),
            (ColumnType::Real, Scalar::I64(_) | Scalar::U64(_) | Scalar::F64) => true,
            (ColumnType::Boolean, Scalar::Bool) => true,
            (ColumnType::Datetime, Scalar::Str(s)) => parse_datetime_ms(s).is_some(),
            _ => false,
        }
    }
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool)
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Scalar::I64(n))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Scalar::U64(n))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Scalar::F64)
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(s.to_string())))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(s)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Compound)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Compound)
    }
}

struct RowCheck<'d> {
    decl: &'d StreamDecl,
}

impl<'de> Visitor<'de> for RowCheck<'_> {
    type Value = Option<RowInfo>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a row object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut ok = true;
        let mut tg = None;
        let mut oversized = 0;
        while let Some(key) = map.next_key::<Scalar<'de>>()? {
            let col = match &key {
                Scalar::Str(k) => self.decl.column(k),
                _ => None,
            };
            let Some(col) = col else {
                ok = false;
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if col.ty == ColumnType::Dynamic {
                let raw: &'de serde_json::value::RawValue = map.next_value()?;
                oversized += u32::from(raw.get().len() > MAX_FIELD_BYTES);
                continue;
            }
            let value: Scalar<'de> = map.next_value()?;
            if !value.fits(col.ty) {
                ok = false;
                continue;
            }
            if let Scalar::Str(s) = &value {
                oversized += u32::from(s.len() > MAX_FIELD_BYTES);
            }
            if col.name == "TimeGenerated" {
                tg = match value {
                    Scalar::Str(s) => Some(s.into_owned()),
                    _ => None,
                };
            }
        }
        Ok(match tg {
            Some(time_generated) if ok => Some(RowInfo {
                time_generated,
                oversized_values: oversized,
            }),
            _ => None,
        })
    }
}

/// One reason a row was rejected (an entry of the error `details`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub code: &'static str,
    pub message: String,
    /// `[<row index>].<column>` or `[<row index>]`.
    pub target: String,
}

/// Checks one row (a JSON value of the request array) against `decl`;
/// appends what is wrong to `out`. Returns the row's `TimeGenerated` when the
/// row is valid.
pub fn check_row(
    decl: &StreamDecl,
    index: usize,
    row: &Value,
    out: &mut Vec<RowProblem>,
) -> Option<String> {
    let Some(obj) = row.as_object() else {
        out.push(RowProblem {
            code: "InvalidRow",
            message: format!(
                "Item {index} of the array is {}, expected an object.",
                json_kind(row)
            ),
            target: format!("[{index}]"),
        });
        return None;
    };
    check_object(decl, index, obj, out)
}

fn check_object(
    decl: &StreamDecl,
    index: usize,
    obj: &Map<String, Value>,
    out: &mut Vec<RowProblem>,
) -> Option<String> {
    let before = out.len();
    for (key, value) in obj {
        match decl.column(key) {
            None => out.push(RowProblem {
                code: "UnknownColumn",
                message: format!("Column '{key}' is not declared in stream '{}'.", decl.name),
                target: format!("[{index}].{key}"),
            }),
            Some(col) if !value.is_null() && !accepts(col.ty, value) => out.push(RowProblem {
                code: "InvalidColumnType",
                message: format!(
                    "Column '{key}' of stream '{}' is of type {}; got {} {}.",
                    decl.name,
                    col.ty.name(),
                    json_kind(value),
                    preview(value)
                ),
                target: format!("[{index}].{key}"),
            }),
            Some(_) => {}
        }
    }
    let tg = match obj.get("TimeGenerated") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => {
            out.push(RowProblem {
                code: "MissingTimeGenerated",
                message: format!("Item {index} has no TimeGenerated value."),
                target: format!("[{index}].TimeGenerated"),
            });
            None
        }
        Some(_) => None, // reported as a type problem above
    };
    (out.len() == before).then_some(tg).flatten()
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a real number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn preview(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        let cut: String = s.chars().take(40).collect();
        format!("{cut}...")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{generate, GenOptions, MemOutput};
    use crate::tables::*;
    use catalogue::DataType;

    /// Rows the generators expect (hence the rows a correct connector posts)
    /// pass validation: the declared types fit the values actually produced.
    #[test]
    fn generated_rows_validate() {
        for service in [
            DataType::Vpc,
            DataType::GuardDuty,
            DataType::CloudTrail,
            DataType::CloudWatch,
            DataType::Route53,
            DataType::Waf,
            DataType::SecurityHub,
            DataType::CloudFront,
            DataType::ElbAlb,
            DataType::ElbNlb,
            DataType::ElbNlbFlow,
            DataType::ElbGwlbFlow,
        ] {
            let mut out = MemOutput::default();
            let mut opts = GenOptions::new(service, 300, 7);
            // Every VPC field, TrafficPath and Packets included.
            opts.vpc_fields = crate::synth::VpcFormat::AllFields.fields();
            generate(&opts, &mut out).unwrap();
            let decl = stream_for_table(service.table());
            let mut n = 0;
            for entry in out.entries() {
                for rec in &entry.records {
                    let row = serde_json::to_value(&rec.expected).unwrap()["row"].clone();
                    let mut problems = Vec::new();
                    let tg = check_row(decl, n, &row, &mut problems);
                    let text = serde_json::to_string(&row).unwrap();
                    assert_eq!(check_row_text(decl, &text).map(|i| i.time_generated), tg);
                    assert!(problems.is_empty(), "{}: {problems:?}", decl.name);
                    assert_eq!(tg.as_deref(), Some(rec.time_generated.as_str()));
                    n += 1;
                }
            }
            assert!(n >= 300, "{service:?}: {n} rows checked");
        }
        // EKS: no generator in this module's reach; a full hand-made row.
        let eks: AwsEksLogs = AwsEksLogs {
            TimeGenerated: "2026-03-01T00:00:05.120Z".into(),
            SourceIPs: vec!["10.0.0.1".into()],
            ResponseCode: Some(200),
            RawEvent: serde_json::json!({"kind": "Event"}),
            ..Default::default()
        };
        let mut problems = Vec::new();
        let row = serde_json::to_value(&eks).unwrap();
        assert!(check_row(
            stream_for_table(Table::AWSEKSLogs_CL),
            0,
            &row,
            &mut problems
        )
        .is_some());
        assert!(problems.is_empty(), "{problems:?}");
    }

    /// The fast path accepts exactly what the Value-based check accepts.
    #[test]
    fn fast_and_slow_checks_agree() {
        let vpc = stream("Custom-AWSVPCFlow").unwrap();
        let cw = stream("Custom-AWSCloudWatch").unwrap();
        let gd = stream("Custom-AWSGuardDuty").unwrap();
        let cases = [
            (
                cw,
                r#"{"TimeGenerated":"2026-03-01T00:00:05.120Z","ExtractedTime":null,"Message":"a\"b\u00e9"}"#,
            ),
            (cw, r#"{"TimeGenerated":"2026-03-01T00:00:05Z"}"#),
            (cw, r#"{"TimeGenerated":null,"Message":"m"}"#),
            (cw, r#"{"Message":"m"}"#),
            (cw, r#"{"TimeGenerated":"2026-03-01T00:00:05Z","Nope":1}"#),
            (cw, r#"{"TimeGenerated":"yesterday"}"#),
            (cw, r#"{"TimeGenerated":5}"#),
            (cw, r#"[1]"#),
            (cw, r#""x""#),
            (
                vpc,
                r#"{"TimeGenerated":"2026-03-01T00:00:05Z","SrcPort":2147483647,"Bytes":9223372036854775807}"#,
            ),
            (
                vpc,
                r#"{"TimeGenerated":"2026-03-01T00:00:05Z","SrcPort":2147483648}"#,
            ),
            (
                vpc,
                r#"{"TimeGenerated":"2026-03-01T00:00:05Z","SrcPort":-1}"#,
            ),
            (
                vpc,
                r#"{"TimeGenerated":"2026-03-01T00:00:05Z","Bytes":9223372036854775808}"#,
            ),
            (
                vpc,
                r#"{"TimeGenerated":"2026-03-01T00:00:05Z","Bytes":1.0}"#,
            ),
            (
                vpc,
                r#"{"TimeGenerated":"2026-03-01T00:00:05Z","Action":true}"#,
            ),
            (
                gd,
                r#"{"TimeGenerated":"2026-03-01T00:00:05Z","ResourceDetails":{"a":[1,{"b":null}]},"ServiceDetails":"s","Severity":8}"#,
            ),
            (
                gd,
                r#"{"TimeGenerated":"2026-03-01T00:00:05Z","Severity":8.5}"#,
            ),
        ];
        for (decl, text) in cases {
            let v: Value = serde_json::from_str(text).unwrap();
            let slow = check_row(decl, 0, &v, &mut Vec::new());
            assert_eq!(
                check_row_text(decl, text).map(|i| i.time_generated),
                slow,
                "{text}"
            );
        }
    }

    #[test]
    fn oversized_values_are_counted() {
        let decl = stream("Custom-AWSEKSLogs_CL").unwrap();
        let big = "x".repeat(MAX_FIELD_BYTES + 1);
        let fits = "x".repeat(MAX_FIELD_BYTES); // a string: its bytes count
        let fits_json = "x".repeat(MAX_FIELD_BYTES - 4); // ["..."]: exactly the limit
        let row = serde_json::json!({
            "TimeGenerated": "2026-03-01T00:00:05.120Z",
            "User": big,
            "Verb": fits,
            "RawEvent": {"a": big},
            "SourceIPs": [fits_json],
        })
        .to_string();
        let info = check_row_text(decl, &row).unwrap();
        assert_eq!(info.oversized_values, 2);
        assert_eq!(info.time_generated, "2026-03-01T00:00:05.120Z");
    }

    #[test]
    fn problems_are_reported() {
        let decl = stream("Custom-AWSCloudWatch").unwrap();
        let mut p = Vec::new();
        let row = serde_json::json!({"ExtractedTime": 5, "Nope": 1, "Message": null});
        assert_eq!(check_row(decl, 3, &row, &mut p), None);
        let codes: Vec<_> = p.iter().map(|p| (p.code, p.target.as_str())).collect();
        assert_eq!(
            codes,
            [
                ("InvalidColumnType", "[3].ExtractedTime"),
                ("UnknownColumn", "[3].Nope"),
                ("MissingTimeGenerated", "[3].TimeGenerated"),
            ]
        );
        let mut p = Vec::new();
        assert_eq!(check_row(decl, 0, &serde_json::json!([1]), &mut p), None);
        assert_eq!(p[0].code, "InvalidRow");
        let vpc = stream("Custom-AWSVPCFlow").unwrap();
        for (v, ok) in [
            (serde_json::json!(2147483647), true),
            (serde_json::json!(2147483648_i64), false),
            (serde_json::json!(1.5), false),
            (serde_json::json!("1"), false),
        ] {
            assert_eq!(accepts(vpc.column("SrcPort").unwrap().ty, &v), ok, "{v}");
        }
        assert!(accepts(ColumnType::Long, &serde_json::json!(i64::MAX)));
        assert!(!accepts(ColumnType::Long, &serde_json::json!(u64::MAX)));
        assert!(accepts(ColumnType::Real, &serde_json::json!(3)));
        assert!(!accepts(
            ColumnType::Datetime,
            &serde_json::json!("yesterday")
        ));
    }

    /// The row structs carry the declared types: TrafficPath is text, a number is refused.
    #[test]
    fn typed_rows_fit_the_declared_types() {
        let vpc = stream_for_table(Table::AWSVPCFlow);
        let row = |v: Value| serde_json::json!({"TimeGenerated": "2026-03-01T00:00:05Z", "TrafficPath": v});
        let typed: crate::tables::AwsVpcFlow = crate::tables::AwsVpcFlow {
            TimeGenerated: "2026-03-01T00:00:05.000Z".into(),
            TrafficPath: Some("8".into()),
            Packets: Some(i32::MAX),
            ..Default::default()
        };
        let mut p = Vec::new();
        assert!(check_row(vpc, 0, &serde_json::to_value(&typed).unwrap(), &mut p).is_some());
        assert!(check_row(vpc, 0, &row(Value::from("8")), &mut p).is_some());
        assert!(p.is_empty(), "{p:?}");
        assert!(check_row(vpc, 0, &row(Value::from(8)), &mut p).is_none());
        assert_eq!(p[0].target, "[0].TrafficPath");
    }
}
