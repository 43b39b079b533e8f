//! One object: fetch it, stream it through its parser, batch the rows and
//! send them, holding the batches back up to a bound (see the module docs of
//! [`super`], "No partial objects").

use std::io::{self, Read};
use std::ops::ControlFlow;

use bytes::{Buf, Bytes};
use tokio::sync::mpsc;

use super::batch::{Batch, Batcher, RowTooLarge};
use super::config::Route;
use super::ctx::{call, Counters, Ctx};
use super::notify::S3Object;
use super::parse::{self, parse_reader, Item, LineError, ObjectError, ParseSummary, Position};
use super::sink::{self, SendError};

/// Why an object was not fully ingested.
#[derive(Debug, thiserror::Error)]
pub(super) enum ObjectFailure {
    #[error("GetObject failed: {0}")]
    Fetch(String),
    #[error("{0}")]
    Malformed(ObjectError),
    #[error("reading the object failed: {0}")]
    Read(ObjectError),
    #[error("ingestion failed: {0}")]
    Ingest(SendError),
    #[error("parser task failed: {0}")]
    Task(String),
}

/// One piece of the S3 body on its way to the parser.
enum Chunk {
    Data(Bytes),
    End,
    Err(io::Error),
}

/// A blocking [`Read`] over chunks sent from an async task.
struct ChannelReader {
    rx: mpsc::Receiver<Chunk>,
    current: Bytes,
    done: bool,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            if self.done {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Chunk::Data(b)) => self.current = b,
                Some(Chunk::End) => self.done = true,
                Some(Chunk::Err(e)) => return Err(parse::source_error(e)),
                None => {
                    return Err(parse::source_error(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the S3 body stream stopped early",
                    )))
                }
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current.advance(n);
        Ok(n)
    }
}

/// Result of the blocking parse task.
struct ParseOutcome {
    result: Result<ParseSummary, ObjectError>,
    malformed: Vec<LineError>,
    bad_values: Vec<LineError>,
    oversized: Vec<(Position, RowTooLarge)>,
}

/// Malformed records, and apart bad values, logged per object (all are counted).
const MAX_LOGGED_MALFORMED: usize = 20;

pub(super) async fn process_object(
    ctx: &Ctx,
    route: &Route,
    counters: &Counters,
    o: &S3Object,
) -> Result<(), ObjectFailure> {
    let url = format!("s3://{}/{}", o.bucket, o.key);
    if let Some(why) = parse::skip_reason(route.service, &o.key) {
        counters.add(|s| s.objects_skipped += 1);
        ctx.object_done();
        ctx.log(route, format!("{url}: skipped ({why})"));
        return Ok(());
    }
    let limit = ctx.config.aws_call_timeout;
    // A gate refuses the GetObject here, and the Decrypt of an SSE-KMS object.
    let got = call(
        limit,
        ctx.ports(route).objects.get_object(&o.bucket, &o.key),
    )
    .await
    .map_err(|e| ObjectFailure::Fetch(e.message))?;
    let mut body = got.body;
    let (chunk_tx, chunk_rx) = mpsc::channel::<Chunk>(4);
    let reader = tokio::spawn(async move {
        loop {
            let chunk = match tokio::time::timeout(limit, body.next_chunk()).await {
                Ok(Ok(Some(b))) => Chunk::Data(b),
                Ok(Ok(None)) => Chunk::End,
                Ok(Err(e)) => Chunk::Err(e),
                Err(_) => Chunk::Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no data from the S3 body within {limit:?}"),
                )),
            };
            let last = !matches!(chunk, Chunk::Data(_));
            if chunk_tx.send(chunk).await.is_err() || last {
                return;
            }
        }
    });
    let (batch_tx, mut batch_rx) = mpsc::channel::<Batch>(2);
    let service = route.service;
    let key = o.key.clone();
    let limit = ctx.config.max_request_bytes;
    let parser = tokio::task::spawn_blocking(move || {
        let input = ChannelReader {
            rx: chunk_rx,
            current: Bytes::new(),
            done: false,
        };
        let mut batcher = Batcher::new(limit);
        let mut malformed = Vec::new();
        let mut bad_values = Vec::new();
        let mut oversized = Vec::new();
        let mut result = parse_reader(service, Some(&key), input, &mut |item| match item {
            Item::Row(pos, row) => match batcher.push(row) {
                Ok(Some(full)) => {
                    if batch_tx.blocking_send(full).is_err() {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                }
                Ok(None) => ControlFlow::Continue(()),
                Err(e) => {
                    oversized.push((pos, e));
                    ControlFlow::Continue(())
                }
            },
            Item::Malformed(e) => {
                malformed.push(e);
                ControlFlow::Continue(())
            }
            Item::BadValue(e) => {
                bad_values.push(e);
                ControlFlow::Continue(())
            }
        });
        if let (Ok(_), Some(last)) = (&result, batcher.take()) {
            if batch_tx.blocking_send(last).is_err() {
                result = Err(ObjectError::Stopped);
            }
        }
        ParseOutcome {
            result,
            malformed,
            bad_values,
            oversized,
        }
    });

    // Hold batches back until the object decoded, up to `hold_back_bytes`.
    let mut held: Vec<Batch> = Vec::new();
    let mut held_bytes = 0usize;
    let mut streaming = false;
    let mut send_error = None;
    while let Some(b) = batch_rx.recv().await {
        if !streaming {
            held_bytes += b.body.len();
            held.push(b);
            if held_bytes <= ctx.config.hold_back_bytes {
                continue;
            }
            streaming = true;
        } else {
            held.push(b);
        }
        for b in held.drain(..) {
            if let Err(e) = send_batch(ctx, route, counters, b).await {
                send_error = Some(e);
                break;
            }
        }
        if send_error.is_some() {
            break;
        }
    }
    drop(batch_rx);
    let outcome = parser.await;
    reader.abort();
    let outcome = outcome.map_err(|e| ObjectFailure::Task(e.to_string()))?;
    let n_malformed = outcome.malformed.len() as u64;
    for e in outcome.malformed.iter().take(MAX_LOGGED_MALFORMED) {
        ctx.log(route, format!("{url}: malformed record, {e}"));
    }
    if outcome.malformed.len() > MAX_LOGGED_MALFORMED {
        ctx.log(
            route,
            format!(
                "{url}: {} more malformed records",
                outcome.malformed.len() - MAX_LOGGED_MALFORMED
            ),
        );
    }
    for e in outcome.bad_values.iter().take(MAX_LOGGED_MALFORMED) {
        ctx.log(route, format!("{url}: bad value, {e}"));
    }
    if outcome.bad_values.len() > MAX_LOGGED_MALFORMED {
        ctx.log(
            route,
            format!(
                "{url}: {} more bad values",
                outcome.bad_values.len() - MAX_LOGGED_MALFORMED
            ),
        );
    }
    let n_bad_values = outcome.bad_values.len() as u64;
    for (pos, e) in &outcome.oversized {
        ctx.log(route, format!("{url}: {pos}: {e}; row not sent"));
    }
    let n_oversized = outcome.oversized.len() as u64;
    if let Some(e) = send_error {
        return Err(ObjectFailure::Ingest(e));
    }
    let summary = match outcome.result {
        Ok(s) => s,
        Err(e) => {
            if streaming {
                ctx.log(route, format!("{url}: rows of this object were already sent before the error; redelivery repeats them"));
            }
            return Err(if e.is_retryable() {
                ObjectFailure::Read(e)
            } else {
                ObjectFailure::Malformed(e)
            });
        }
    };
    for b in held {
        send_batch(ctx, route, counters, b)
            .await
            .map_err(ObjectFailure::Ingest)?;
    }
    if summary.document == parse::Document::CloudTrailDigest {
        counters.add(|s| {
            s.objects_skipped += 1;
            s.bytes_read += summary.stored_bytes;
            s.bytes_decompressed += summary.decompressed_bytes;
        });
        ctx.object_done();
        ctx.log(
            route,
            format!("{url}: skipped (CloudTrail digest file, recognised by its content)"),
        );
        return Ok(());
    }
    counters.add(|s| {
        s.objects += 1;
        s.malformed_lines += n_malformed;
        s.bad_values += n_bad_values;
        s.oversized_rows += n_oversized;
        s.bytes_read += summary.stored_bytes;
        s.bytes_decompressed += summary.decompressed_bytes;
    });
    ctx.object_done();
    Ok(())
}

async fn send_batch(
    ctx: &Ctx,
    route: &Route,
    counters: &Counters,
    b: Batch,
) -> Result<(), SendError> {
    let (rows, bytes) = (b.rows, b.body.len() as u64);
    let sent = sink::send(
        ctx.sink.as_ref(),
        &ctx.config.retry,
        &route.stream,
        b.body,
        &counters.retries,
    );
    match sent.await {
        Ok(()) => {
            counters.add(|s| {
                s.batches += 1;
                s.records_ingested += rows;
                s.bytes_sent += bytes;
            });
            Ok(())
        }
        Err(e) => {
            counters.add(|s| s.failed_batches += 1);
            Err(e)
        }
    }
}
