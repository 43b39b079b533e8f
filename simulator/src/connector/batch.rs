//! Groups serialized rows into Logs Ingestion request bodies (JSON arrays)
//! that stay under the API's per-call size limit.

use super::rows::RowJson;

/// The Logs Ingestion API accepts at most 1 MB per call; 1,000,000 bytes of
/// uncompressed JSON is under that limit whichever way "MB" is read.
pub const MAX_REQUEST_BYTES: usize = 1_000_000;

/// One request body: a complete JSON array of `rows` row objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub body: Vec<u8>,
    pub rows: u64,
}

/// A row whose JSON alone exceeds the request limit: it can never be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a row serializes to {bytes} bytes, over the {limit}-byte request limit")]
pub struct RowTooLarge {
    pub bytes: usize,
    pub limit: usize,
}

/// Accumulates rows; [`Batcher::push`] returns a full batch when the next row
/// would not fit.
#[derive(Debug)]
pub struct Batcher {
    limit: usize,
    body: Vec<u8>,
    rows: u64,
    scratch: Vec<u8>,
}

impl Batcher {
    /// `limit`: the maximum body size in bytes (brackets and commas included).
    pub fn new(limit: usize) -> Self {
        Batcher {
            limit,
            body: Vec::new(),
            rows: 0,
            scratch: Vec::new(),
        }
    }

    /// Adds a row; `Ok(Some(batch))` hands out the previous batch when this
    /// row did not fit in it.
    pub fn push(&mut self, row: &(impl RowJson + ?Sized)) -> Result<Option<Batch>, RowTooLarge> {
        let mut json = std::mem::take(&mut self.scratch);
        json.clear();
        row.write_json(&mut json);
        let result = self.push_json(&json);
        self.scratch = json;
        result
    }

    /// Adds one already serialized JSON object.
    pub fn push_json(&mut self, json: &[u8]) -> Result<Option<Batch>, RowTooLarge> {
        if json.len() + 2 > self.limit {
            return Err(RowTooLarge {
                bytes: json.len(),
                limit: self.limit,
            });
        }
        let mut full = None;
        // Current body + ',' + row + ']'.
        if self.rows > 0 && self.body.len() + 1 + json.len() + 1 > self.limit {
            full = self.take();
        }
        if self.rows == 0 {
            self.body.clear();
            self.body.push(b'[');
        } else {
            self.body.push(b',');
        }
        self.body.extend_from_slice(json);
        self.rows += 1;
        Ok(full)
    }

    /// The pending batch, if any rows are waiting.
    pub fn take(&mut self) -> Option<Batch> {
        if self.rows == 0 {
            return None;
        }
        let mut body = std::mem::take(&mut self.body);
        body.push(b']');
        let rows = std::mem::replace(&mut self.rows, 0);
        Some(Batch { body, rows })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::{AwsCloudWatch, TableRow};

    fn row(msg: String) -> TableRow {
        TableRow::new::<AwsCloudWatch>(AwsCloudWatch {
            TimeGenerated: "2026-03-01T00:00:00.000Z".into(),
            ExtractedTime: "2026-03-01T00:00:00.000Z".into(),
            Message: msg,
        })
    }

    #[test]
    fn batches_stay_under_the_limit_and_keep_every_row() {
        let mut b = Batcher::new(MAX_REQUEST_BYTES);
        let mut batches = Vec::new();
        let n = 5000;
        for i in 0..n {
            // Sizes vary from ~90 B to ~3 KB.
            let r = row(format!("{i} {}", "x".repeat((i * 37) % 3000)));
            if let Some(full) = b.push(&r).unwrap() {
                batches.push(full);
            }
        }
        batches.extend(b.take());
        assert!(batches.len() > 3, "{}", batches.len());
        let mut seen = 0;
        for batch in &batches {
            assert!(batch.body.len() <= MAX_REQUEST_BYTES);
            let v: Vec<AwsCloudWatch> = serde_json::from_slice(&batch.body).unwrap();
            assert_eq!(v.len() as u64, batch.rows);
            for r in v {
                assert!(r.Message.starts_with(&format!("{seen} ")));
                seen += 1;
            }
        }
        assert_eq!(seen, n);
        // All but the last batch are nearly full.
        for batch in &batches[..batches.len() - 1] {
            assert!(batch.body.len() > MAX_REQUEST_BYTES - 3100);
        }
        assert!(b.take().is_none());
    }

    #[test]
    fn an_oversized_row_is_refused_and_does_not_disturb_the_batch() {
        let mut b = Batcher::new(1000);
        assert!(b.push(&row("small".into())).unwrap().is_none());
        let err = b.push(&row("y".repeat(2000))).unwrap_err();
        assert!(err.bytes > 2000 && err.limit == 1000);
        assert!(b.push(&row("small too".into())).unwrap().is_none());
        let last = b.take().unwrap();
        assert_eq!(last.rows, 2);
        let v: Vec<AwsCloudWatch> = serde_json::from_slice(&last.body).unwrap();
        assert_eq!(v[1].Message, "small too");
    }

    #[test]
    fn a_row_exactly_at_the_limit_fits_alone() {
        let one = {
            let mut s = Vec::new();
            row("z".into()).write_json(&mut s);
            s.len()
        };
        let mut b = Batcher::new(one + 2);
        assert!(b.push(&row("z".into())).unwrap().is_none());
        let first = b.push(&row("z".into())).unwrap().unwrap();
        assert_eq!(first.body.len(), one + 2);
        assert_eq!(first.rows, 1);
    }
}
