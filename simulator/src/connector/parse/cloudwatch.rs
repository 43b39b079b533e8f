//! CloudWatch Logs delivered as header-less CSV `timestamp,message`, in
//! either of the two forms exporters write, told apart per record by the
//! first field (everything before the record's first comma):
//!
//! * **ISO form** (Microsoft's exporters, `CloudWatchLambdaFunction.py` and
//!   `_V2.py` in Azure/Azure-Sentinel `DataConnectors/AWS-S3/`): the first
//!   field is an ISO 8601 UTC time, `2022-12-15T06:48:54.783Z` (any RFC 3339
//!   time is read), and the message is everything after the first comma of
//!   the line, exactly as written: commas and quotes are part of it, nothing
//!   is unquoted. One record per line; a CR or LF inside a message is written
//!   as the two characters `\n` / `\r`, which are kept as they are.
//! * **Epoch form** (older exporters, and this project's Lambda before it
//!   wrote the ISO form): the first field is all ASCII digits, epoch
//!   milliseconds, and the message is an RFC 4180 field: a quoted message is
//!   unquoted (`""` is one `"`, and it may span lines), an unquoted one is
//!   taken as is and must hold no comma.
//!
//! A first field of digits only is never an ISO time (which has `-`, `T`,
//! `:`), so the rule is unambiguous. `ExtractedTime` and `TimeGenerated` are
//! the record's time. Empty lines are skipped; a trailing `\r` (CRLF line
//! ends) is not part of a message, except inside a quoted epoch-form message.

use std::io::BufRead;
use std::ops::ControlFlow;

use super::{for_each_raw_line, stop_or, utf8, Item, LineError, ObjectError, Position};
use crate::tables::{parse_datetime_ms, AwsCloudWatch, DateTimeMs};

/// An epoch-form record whose quoted message runs on past its first line.
struct Open {
    position: Position,
    time: DateTimeMs,
}

/// What the start of a record came to.
enum Start<'a> {
    /// A whole record: its time and message.
    Done(DateTimeMs, &'a [u8]),
    /// An epoch-form quoted message, not closed on this line; what it holds
    /// so far is in the scratch buffer.
    Open(DateTimeMs),
}

pub(super) fn parse_cloudwatch(
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Result<(), ObjectError> {
    let mut index = 0u64;
    // The unquoted message of a quoted epoch-form record.
    let mut scratch: Vec<u8> = Vec::new();
    let mut open: Option<Open> = None;
    let mut emit = |position: Position, record: Result<(DateTimeMs, &[u8]), String>| {
        let record = record.and_then(|(time, msg)| {
            let message = utf8(msg).map_err(|_| "the message is not UTF-8".to_string())?;
            Ok(AwsCloudWatch {
                TimeGenerated: time,
                ExtractedTime: time,
                Message: message,
            })
        });
        stop_or(match record {
            Ok(row) => sink(Item::Row(position, &row)),
            Err(reason) => sink(Item::Malformed(LineError { position, reason })),
        })
    };
    for_each_raw_line(r, |line, raw| {
        if let Some(o) = &open {
            // The line ends went into the message, as RFC 4180 keeps them.
            scratch.push(b'\n');
            let Some(after) = unquote(raw, &mut scratch) else {
                return Ok(());
            };
            let (position, time) = (o.position, o.time);
            open = None;
            let rest = after_quote(&raw[after..], &mut scratch).map(|()| (time, &scratch[..]));
            return emit(position, rest);
        }
        let l = raw.strip_suffix(b"\r").unwrap_or(raw);
        if l.is_empty() {
            return Ok(());
        }
        let position = Position {
            line: Some(line),
            index,
        };
        index += 1;
        match start(raw, l, &mut scratch) {
            Ok(Start::Done(time, msg)) => emit(position, Ok((time, msg))),
            Ok(Start::Open(time)) => {
                open = Some(Open { position, time });
                Ok(())
            }
            Err(reason) => emit(position, Err(reason)),
        }
    })?;
    if let Some(o) = open {
        let reason = format!(
            "the quoted message is not closed by the end of the object ({} bytes after its opening quote)",
            scratch.len()
        );
        emit(o.position, Err(reason))?;
    }
    Ok(())
}

/// The start of a record on line `l` (`raw` with a final `\r` if the line had
/// one); a quoted message is unquoted into `scratch`.
fn start<'a>(raw: &'a [u8], l: &'a [u8], scratch: &'a mut Vec<u8>) -> Result<Start<'a>, String> {
    let comma = memchr::memchr(b',', l);
    let ts = &l[..comma.unwrap_or(l.len())];
    let shown = || String::from_utf8_lossy(&ts[..ts.len().min(40)]).into_owned();
    if ts.is_empty() || !ts.iter().all(u8::is_ascii_digit) {
        // ISO form: everything after the first comma, as is.
        let time = std::str::from_utf8(ts)
            .ok()
            .and_then(parse_datetime_ms)
            .ok_or_else(|| {
                format!(
                    "timestamp '{}' is neither epoch milliseconds nor an ISO 8601 UTC time",
                    shown()
                )
            })?;
        let at = comma.ok_or("no comma after the timestamp (expected timestamp,message)")?;
        return Ok(Start::Done(DateTimeMs(time), &l[at + 1..]));
    }
    // Epoch form: RFC 4180.
    let time = std::str::from_utf8(ts)
        .ok()
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or_else(|| {
            format!(
                "timestamp '{}' is too large for epoch milliseconds",
                shown()
            )
        })?;
    let time = DateTimeMs(time);
    let at = comma.ok_or("1 CSV field, expected 2 (timestamp,message)")?;
    let msg = &l[at + 1..];
    if msg.first() != Some(&b'"') {
        if memchr::memchr(b',', msg).is_some() {
            return Err(
                "more than 2 CSV fields (a comma in an unquoted message), expected 2 (timestamp,message)"
                    .into(),
            );
        }
        return Ok(Start::Done(time, msg));
    }
    scratch.clear();
    let quoted = &raw[at + 2..];
    match unquote(quoted, scratch) {
        None => Ok(Start::Open(time)),
        Some(after) => {
            after_quote(&quoted[after..], scratch)?;
            Ok(Start::Done(time, scratch))
        }
    }
}

/// Unquotes the text of a quoted field from `s` into `out` (`""` is `"`)
/// up to its closing quote: `Some(index after the closing quote)`, or `None`
/// if the field is still open at the end of `s`.
fn unquote(s: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    let mut i = 0;
    loop {
        let Some(q) = memchr::memchr(b'"', &s[i..]).map(|q| i + q) else {
            out.extend_from_slice(&s[i..]);
            return None;
        };
        out.extend_from_slice(&s[i..q]);
        if s.get(q + 1) == Some(&b'"') {
            out.push(b'"');
            i = q + 2;
        } else {
            return Some(q + 1);
        }
    }
}

/// What follows a closing quote up to the line end (a final `\r` is the line
/// end's): appended to the field as text, as `csv` readers do; a comma would
/// start a third field.
fn after_quote(rest: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    let rest = rest.strip_suffix(b"\r").unwrap_or(rest);
    if memchr::memchr(b',', rest).is_some() {
        return Err("more than 2 CSV fields (a comma after the quoted message), expected 2 (timestamp,message)".into());
    }
    out.extend_from_slice(rest);
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testutil::rows;
    use crate::tables::AwsCloudWatch;
    use catalogue::DataType;

    #[test]
    fn cloudwatch_csv_quoting() {
        let text = "1772323200000,plain message\n1772323200001,\"a, \"\"quoted\"\"\nsecond line\"\nnot-a-timestamp,x\n1772323200002,\"  spaced \"\n1772323200003\n";
        let (r, bad) = rows(DataType::CloudWatch, text.as_bytes());
        let msgs: Vec<String> = r
            .iter()
            .map(|r| r.decode::<AwsCloudWatch>().unwrap().Message)
            .collect();
        assert_eq!(
            msgs,
            ["plain message", "a, \"quoted\"\nsecond line", "  spaced "]
        );
        let Some(c) = r[1].decode::<AwsCloudWatch>() else {
            panic!()
        };
        assert_eq!(c.ExtractedTime, "2026-03-01T00:00:00.001Z");
        assert_eq!(c.TimeGenerated, c.ExtractedTime);
        let lines: Vec<u64> = bad.iter().map(|b| b.position.line.unwrap()).collect();
        assert_eq!(lines, [4, 6]);
    }

    /// (ExtractedTime, Message) of each row.
    type Rows = Vec<(String, String)>;
    /// (line, reason) of each malformed record.
    type Bad = Vec<(u64, String)>;

    fn read(text: &str) -> (Rows, Bad) {
        let (r, bad) = rows(DataType::CloudWatch, text.as_bytes());
        let rows = r
            .into_iter()
            .map(|r| {
                let c = r.decode::<AwsCloudWatch>().unwrap();
                assert_eq!(c.TimeGenerated, c.ExtractedTime);
                (c.ExtractedTime, c.Message)
            })
            .collect();
        let bad = bad
            .into_iter()
            .map(|b| (b.position.line.unwrap(), b.reason))
            .collect();
        (rows, bad)
    }

    #[test]
    fn iso_form_messages_are_everything_after_the_first_comma_as_is() {
        // Microsoft's exporters: no header, ISO time, the message unquoted;
        // CR / LF inside a message arrive as the two characters \r / \n.
        let text = concat!(
            "2022-12-15T06:48:54.783Z,plain message\n",
            "2022-12-15T06:48:54.784Z,a,b,,c\n",
            "2022-12-15T06:48:54.785Z,\"quoted\" and \"\"doubled\"\" stay\n",
            "2022-12-15T06:48:54.786Z,line one\\nline two\\r\\nend\n",
            "2022-12-15T06:48:54.787Z,\n",
            "\n",
            "2022-12-15T06:48:54.788Z,\"an open quote ends with its line\n",
            "2022-12-15T06:48:54.789Z,{\"json\":\"x, y\"}\r\n",
            "2022-12-15T06:48:54Z,no fraction, no problem\n",
            "yesterday,x\n",
            "2022-12-15T06:48:54.790Z\n",
            "2022-12-15T06:48:54.791Z,last line without a newline",
        );
        let (rows, bad) = read(text);
        let want = [
            ("2022-12-15T06:48:54.783Z", "plain message"),
            ("2022-12-15T06:48:54.784Z", "a,b,,c"),
            (
                "2022-12-15T06:48:54.785Z",
                "\"quoted\" and \"\"doubled\"\" stay",
            ),
            ("2022-12-15T06:48:54.786Z", "line one\\nline two\\r\\nend"),
            ("2022-12-15T06:48:54.787Z", ""),
            (
                "2022-12-15T06:48:54.788Z",
                "\"an open quote ends with its line",
            ),
            ("2022-12-15T06:48:54.789Z", "{\"json\":\"x, y\"}"),
            ("2022-12-15T06:48:54.000Z", "no fraction, no problem"),
            ("2022-12-15T06:48:54.791Z", "last line without a newline"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(t, m)| (t.to_string(), m.to_string()))
            .collect();
        assert_eq!(rows, want);
        let lines: Vec<u64> = bad.iter().map(|b| b.0).collect();
        assert_eq!(lines, [10, 11], "{bad:?}");
        assert!(bad[0]
            .1
            .contains("'yesterday' is neither epoch milliseconds nor an ISO 8601"));
        assert!(bad[1].1.contains("no comma"), "{bad:?}");
    }

    #[test]
    fn epoch_and_iso_records_are_told_apart_by_the_first_field() {
        // One object with both forms: digits first = epoch ms + RFC 4180.
        let text = concat!(
            "1671086934783,\"a,\"\"b\"\"\"\n",
            "2022-12-15T06:48:54.783Z,\"a,\"\"b\"\"\"\n",
            "1671086934784,\"two\r\n",
            "lines, \"\"quoted\"\"\"\r\n",
            "2022-12-15T06:48:54.784Z,after, the \"epoch\" one\n",
            "1671086934785,unquoted\n",
            "1671086934786,un,quoted\n",
            "1671086934787,\"closed\" then text\n",
            "1671086934788,\"closed\",third\n",
            "99999999999999999999,x\n",
            "1671086934789,\"never closed\n",
            "2022-12-15T06:48:54.785Z,swallowed by the open quote\n",
        );
        let (rows, bad) = read(text);
        let want = [
            ("2022-12-15T06:48:54.783Z", "a,\"b\""),
            ("2022-12-15T06:48:54.783Z", "\"a,\"\"b\"\"\""),
            ("2022-12-15T06:48:54.784Z", "two\r\nlines, \"quoted\""),
            ("2022-12-15T06:48:54.784Z", "after, the \"epoch\" one"),
            ("2022-12-15T06:48:54.785Z", "unquoted"),
            ("2022-12-15T06:48:54.787Z", "closed then text"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(t, m)| (t.to_string(), m.to_string()))
            .collect();
        assert_eq!(rows, want);
        let lines: Vec<u64> = bad.iter().map(|b| b.0).collect();
        assert_eq!(lines, [7, 9, 10, 11], "{bad:?}");
        assert!(bad[0].1.contains("unquoted message"), "{bad:?}");
        assert!(bad[1].1.contains("after the quoted message"), "{bad:?}");
        assert!(bad[2].1.contains("too large"), "{bad:?}");
        assert!(bad[3].1.contains("not closed"), "{bad:?}");
    }
}
