//! CloudWatch Logs delivered as header-less CSV `timestamp,message`.

use std::io::BufRead;
use std::ops::ControlFlow;

use super::{classify, stop_or, utf8, Item, LineError, ObjectError, Position};
use crate::connector::rows::{CloudWatchRef, RowRef};
use crate::tables::{AwsCloudWatch, DateTimeMs};

thread_local! {
    /// Building a CSV reader builds its state machine, which costs more than
    /// parsing a small object: one per thread, reset for every object.
    static CSV: std::cell::RefCell<csv_core::Reader> =
        std::cell::RefCell::new(csv_core::Reader::new());
}

/// Firehose's `timestamp,message` CSV (RFC 4180 quoting; a quoted message
/// may span lines), read with `csv_core` straight from the reader's buffer.
pub(super) fn parse_cloudwatch(
    r: &mut dyn BufRead,
    sink: &mut dyn FnMut(Item<'_>) -> ControlFlow<()>,
) -> Result<(), ObjectError> {
    CSV.with_borrow_mut(|csv| {
        use csv_core::ReadRecordResult as R;
        csv.reset();
        let mut out = vec![0u8; 16 * 1024];
        let mut ends = vec![0usize; 4];
        let (mut o, mut e) = (0, 0);
        let mut index = 0u64;
        // As the csv crate reports it: the line after the previous record.
        let mut line = csv.line();
        loop {
            let input = r.fill_buf().map_err(classify)?;
            let (res, nin, nout, nend) = csv.read_record(input, &mut out[o..], &mut ends[e..]);
            r.consume(nin);
            o += nout;
            e += nend;
            match res {
                R::InputEmpty => {}
                R::OutputFull => out.resize(out.len() * 2, 0),
                R::OutputEndsFull => ends.resize(ends.len() * 2, 0),
                R::End => return Ok(()),
                R::Record => {
                    let position = Position {
                        line: Some(line),
                        index,
                    };
                    index += 1;
                    let fields = &ends[..e];
                    let flow = match cloudwatch_record(&out[..o], fields) {
                        Ok(row) => sink(Item::Row(position, &RowRef::AWSCloudWatch(row))),
                        Err(reason) => sink(Item::Malformed(LineError { position, reason })),
                    };
                    stop_or(flow)?;
                    (o, e) = (0, 0);
                    line = csv.line();
                }
            }
        }
    })
}

/// One CSV record: its fields' bytes back to back, and where each ends.
fn cloudwatch_record<'a>(data: &'a [u8], ends: &[usize]) -> Result<CloudWatchRef<'a>, String> {
    let [ts_end, msg_end] = ends else {
        return Err(format!(
            "{} CSV fields, expected 2 (timestamp,message)",
            ends.len()
        ));
    };
    let (ts, msg) = (&data[..*ts_end], &data[*ts_end..*msg_end]);
    let ts = std::str::from_utf8(ts)
        .ok()
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or_else(|| {
            format!(
                "timestamp '{}' is not epoch milliseconds",
                String::from_utf8_lossy(ts)
            )
        })?;
    let message = utf8(msg).map_err(|_| "message is not UTF-8")?;
    let t = DateTimeMs(ts);
    Ok(AwsCloudWatch {
        TimeGenerated: t,
        ExtractedTime: t,
        Message: message,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testutil::rows;
    use crate::connector::parse::Service;
    use crate::tables::TableRow;

    #[test]
    fn cloudwatch_csv_quoting() {
        let text = "1772323200000,plain message\n1772323200001,\"a, \"\"quoted\"\"\nsecond line\"\nnot-a-timestamp,x\n1772323200002,\"  spaced \"\n1772323200003\n";
        let (r, bad) = rows(Service::Cloudwatch, text.as_bytes());
        let msgs: Vec<&str> = r
            .iter()
            .map(|r| match r {
                TableRow::AWSCloudWatch(c) => c.Message.as_str(),
                _ => panic!(),
            })
            .collect();
        assert_eq!(
            msgs,
            ["plain message", "a, \"quoted\"\nsecond line", "  spaced "]
        );
        let TableRow::AWSCloudWatch(c) = &r[1] else {
            panic!()
        };
        assert_eq!(c.ExtractedTime, "2026-03-01T00:00:00.001Z");
        assert_eq!(c.TimeGenerated, c.ExtractedTime);
        let lines: Vec<u64> = bad.iter().map(|b| b.position.line.unwrap()).collect();
        assert_eq!(lines, [4, 6]);
    }
}
