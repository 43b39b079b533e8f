//! CloudWatch Logs delivered by our stack: subscription filter -> Firehose ->
//! transform Lambda -> S3. The Lambda writes the format Microsoft's CloudWatch
//! exporters write: one line `<time>,<message>` per event, the event time in
//! ISO 8601 UTC with milliseconds (`2026-03-01T00:00:00.123Z`), the message
//! unquoted (everything after the first comma), no header, UTF-8, `\n` line
//! ends; a line break inside a message is escaped ([`one_line`]). Gzip, one
//! object per Firehose buffer flush.
//!
//! [`log_events`] gives the CloudWatch Logs events the same records came from,
//! so an end-to-end path can push them through real CloudWatch Logs.

use std::io::{self, Write};

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::keys::{cloudwatch_key, Utc};
use super::manifest::ExpectedRecord;
use super::rng::{self, chance, hex, pick, weighted, Clock, SimRng};
use super::{GenOptions, LogGen, Rngs};
use crate::tables::{format_datetime_ms, AwsCloudWatch, TableRow};

/// Firehose buffering interval: records arriving within it share an object.
pub const BUFFER_INTERVAL_MS: i64 = 60_000;

/// A CloudWatch Logs event (what `PutLogEvents` would receive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEvent {
    /// Event time, epoch milliseconds.
    pub timestamp_ms: i64,
    pub message: String,
    pub log_group: String,
    pub log_stream: String,
}

/// The CloudWatch Logs events of the regular objects of a run with `opts`,
/// in order: the first object's records, then the second's, ...
/// (`opts.records` events; bad data is not included).
pub fn log_events(opts: &GenOptions) -> Vec<LogEvent> {
    let mut g = CloudWatchGen::new(opts);
    (0..opts.records).map(|_| g.take()).collect()
}

/// A message as the transform Lambda writes it, on one line: each CR LF pair
/// and each lone LF becomes the two characters `\n`, each lone CR `\r`;
/// nothing else changes (so a message's own `\n` text stays as it is, and
/// the escape cannot be undone). This is also the `Message` Sentinel stores.
pub fn one_line(message: &str) -> std::borrow::Cow<'_, str> {
    if message.contains(['\r', '\n']) {
        message
            .replace("\r\n", "\\n")
            .replace('\n', "\\n")
            .replace('\r', "\\r")
            .into()
    } else {
        message.into()
    }
}

struct Source {
    group: String,
    stream: String,
    kind: SourceKind,
}

#[derive(Clone, Copy)]
enum SourceKind {
    Lambda,
    Nginx,
    App,
    Worker,
}

/// CloudWatch (Firehose `<time>,<message>` lines) generator.
pub struct CloudWatchGen {
    account: String,
    region: String,
    stream_name: String,
    sources: Vec<Source>,
    rngs: Rngs,
    clock: Clock,
    pending: Option<LogEvent>,
    /// Lambda request in flight on the Lambda source: (request id, phase).
    lambda_request: Option<(String, u8)>,
}

impl CloudWatchGen {
    pub fn new(opts: &GenOptions) -> Self {
        let mut rngs = Rngs::new(opts);
        let r = &mut rngs.names;
        let day = Utc::from_ms(opts.start_ms).date_path();
        let sources = vec![
            Source {
                group: "/aws/lambda/orders-api".into(),
                stream: format!("{day}/[$LATEST]{}", hex(r, 32)),
                kind: SourceKind::Lambda,
            },
            Source {
                group: "/ecs/web-frontend".into(),
                stream: format!("nginx/web/{}", hex(r, 32)),
                kind: SourceKind::Nginx,
            },
            Source {
                group: "/app/payments".into(),
                stream: format!("i-{}", hex(r, 17)),
                kind: SourceKind::App,
            },
            Source {
                group: "/app/report-worker".into(),
                stream: format!("worker-{}", hex(r, 8)),
                kind: SourceKind::Worker,
            },
        ];
        CloudWatchGen {
            account: opts.account_id.clone(),
            region: opts.region.clone(),
            stream_name: opts.delivery_stream.clone(),
            sources,
            clock: Clock::new(opts.start_ms, opts.rate()),
            rngs,
            pending: None,
            lambda_request: None,
        }
    }

    fn take(&mut self) -> LogEvent {
        match self.pending.take() {
            Some(e) => e,
            None => self.generate(),
        }
    }

    fn generate(&mut self) -> LogEvent {
        let ts = self.clock.tick(&mut self.rngs.records);
        let ix = *weighted(
            &mut self.rngs.records,
            &[(35, 0usize), (30, 1), (20, 2), (15, 3)],
        );
        let kind = self.sources[ix].kind;
        let message = match kind {
            SourceKind::Lambda => self.lambda_message(ts),
            SourceKind::Nginx => nginx_message(&mut self.rngs.records, ts),
            SourceKind::App => app_message(&mut self.rngs.records, ts),
            SourceKind::Worker => {
                worker_message(&mut self.rngs.records, ts, &self.region, &self.account)
            }
        };
        LogEvent {
            timestamp_ms: ts,
            message,
            log_group: self.sources[ix].group.clone(),
            log_stream: self.sources[ix].stream.clone(),
        }
    }

    /// START, app lines, END, REPORT of successive Lambda invocations.
    fn lambda_message(&mut self, ts: i64) -> String {
        let r = &mut self.rngs.records;
        let (id, phase) = match self.lambda_request.take() {
            Some(x) => x,
            None => (rng::uuid(r), 0),
        };
        let iso = Utc::from_ms(ts).iso_millis();
        let (msg, next) = match phase {
            0 => (format!("START RequestId: {id} Version: $LATEST\n"), Some(1)),
            1 | 2 => {
                let order = r.random_range(10_000..99_999);
                let m = match r.random_range(0..4) {
                    0 => format!(
                        "{iso}\t{id}\tINFO\t{{\"level\":\"info\",\"msg\":\"order created\",\"orderId\":\"o-{order}\",\"amount\":{}.{:02},\"currency\":\"EUR\",\"items\":[\"sku-1\",\"sku-{}\"],\"customer\":{{\"name\":\"{}\",\"vip\":{}}}}}\n",
                        r.random_range(1..500),
                        r.random_range(0..100),
                        r.random_range(2..90),
                        pick(r, &["Zoë Ångström", "José Núñez", "山田 太郎", "O'Brien, Pat", "Dvořák"]),
                        chance(r, 20)
                    ),
                    1 => format!("{iso}\t{id}\tWARN\tretrying order o-{order}: upstream said \"503 Service Unavailable\", attempt {}\n", r.random_range(1..4)),
                    2 => format!(
                        "{iso}\t{id}\tERROR\tInvoke Error \t{{\"errorType\":\"TypeError\",\"errorMessage\":\"Cannot read properties of undefined (reading 'id')\",\"stack\":[\"TypeError: Cannot read properties of undefined (reading 'id')\",\"    at handler (/var/task/index.js:{}:17)\"]}}\n",
                        r.random_range(10..200)
                    ),
                    _ => format!("{iso}\t{id}\tINFO\tprocessed batch of {} records\n", r.random_range(1..500)),
                };
                (m, Some((phase + 1 + u8::from(chance(r, 50))).min(3)))
            }
            3 => (format!("END RequestId: {id}\n"), Some(4)),
            _ => {
                let dur = r.random_range(100..900_000) as f64 / 100.0;
                let init = if chance(r, 10) {
                    format!(
                        "\tInit Duration: {}.{:02} ms",
                        r.random_range(100..900),
                        r.random_range(0..100)
                    )
                } else {
                    String::new()
                };
                (
                    format!(
                        "REPORT RequestId: {id}\tDuration: {dur:.2} ms\tBilled Duration: {} ms\tMemory Size: 256 MB\tMax Memory Used: {} MB{init}\t\n",
                        dur.ceil() as u64,
                        r.random_range(60..200)
                    ),
                    None,
                )
            }
        };
        self.lambda_request = next.map(|p| (id, p));
        msg
    }

    fn key(&mut self, first_ts: i64) -> String {
        let arrival = first_ts + self.rngs.names.random_range(200..3_000);
        let uuid = rng::uuid(&mut self.rngs.names);
        cloudwatch_key(&self.account, &self.stream_name, arrival, &uuid)
    }
}

fn nginx_message(r: &mut SimRng, ts: i64) -> String {
    let t = Utc::from_ms(ts);
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (method, path) = *pick(
        r,
        &[
            ("GET", "/"),
            ("GET", "/api/orders?page=2&sort=desc"),
            ("POST", "/api/orders"),
            ("GET", "/static/app.3f9c1.js"),
            ("GET", "/search?q=caf%C3%A9,cr%C3%A8me"),
            ("DELETE", "/api/orders/o-12345"),
            ("GET", "/wp-login.php"),
        ],
    );
    let status = *weighted(
        r,
        &[
            (80, 200u16),
            (5, 201),
            (5, 304),
            (4, 404),
            (3, 401),
            (3, 500),
        ],
    );
    let ua = *pick(
        r,
        &[
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
            "curl/8.5.0",
            "ELB-HealthChecker/2.0",
            "python-requests/2.31.0",
        ],
    );
    format!(
        "{}.{}.{}.{} - - [{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000] \"{method} {path} HTTP/1.1\" {status} {} \"-\" \"{ua}\"",
        pick(r, &[10u8, 172, 81, 203]),
        r.random_range(0..256),
        r.random_range(0..256),
        r.random_range(1..255),
        t.day,
        MON[usize::from(t.month) - 1],
        t.year,
        t.hour,
        t.minute,
        t.second,
        r.random_range(0..40_000)
    )
}

fn app_message(r: &mut SimRng, ts: i64) -> String {
    let t = Utc::from_ms(ts);
    let stamp = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02},{:03}",
        t.year, t.month, t.day, t.hour, t.minute, t.second, t.milli
    );
    match r.random_range(0..6) {
        0 => format!(
            "{stamp} INFO  [payments] charge accepted, amount={}.{:02} EUR, card=****{:04}, merchant=\"Café Zürich\"",
            r.random_range(1..2000),
            r.random_range(0..100),
            r.random_range(0..10_000)
        ),
        1 => format!(
            "{stamp} ERROR [payments] charge failed: com.example.pay.GatewayException: timeout after {}ms\n\tat com.example.pay.Gateway.charge(Gateway.java:{})\n\tat com.example.pay.Service.run(Service.java:88)\n\tat java.base/java.lang.Thread.run(Thread.java:1583)",
            r.random_range(1000..30000),
            r.random_range(40..400)
        ),
        2 => format!("{stamp} INFO  [payments] Benutzer „{}“ angemeldet – Sitzung geöffnet ✓", pick(r, &["Jürgen", "Søren", "Łukasz", "Ιωάννης", "Алексей"])),
        3 => format!("{stamp} WARN  [payments] batch export wrote line 1\r\nline 2 with CRLF"),
        4 => format!("{stamp} DEBUG [payments] config {{\"retries\": {}, \"endpoints\": [\"a\", \"b\"]}}", r.random_range(0..5)),
        _ => format!("  {stamp} INFO  [payments] heartbeat ok  "),
    }
}

fn worker_message(r: &mut SimRng, ts: i64, region: &str, account: &str) -> String {
    let iso = Utc::from_ms(ts).iso_millis();
    match r.random_range(0..3) {
        0 => serde_json::json!({
            "time": iso,
            "level": *pick(r, &["INFO", "WARN", "ERROR"]),
            "logger": "report.worker",
            "message": format!("rendered report r-{} (\"quarterly\", 3 pages)", r.random_range(1000..9999)),
            "context": {"queue": format!("arn:aws:sqs:{region}:{account}:reports"), "attempt": r.random_range(1..4), "tags": ["pdf", "ünïcödé"]},
        })
        .to_string(),
        1 => format!("level=info ts={iso} msg=\"job finished\" duration_ms={} rows={}", r.random_range(5..90_000), r.random_range(0..1_000_000)),
        _ => format!(
            "Traceback (most recent call last):\n  File \"/app/worker.py\", line {}, in run\n    total = sum(rows) / len(rows)\nZeroDivisionError: division by zero",
            r.random_range(10..300)
        ),
    }
}

impl LogGen for CloudWatchGen {
    type Record = LogEvent;

    fn next_object(&mut self, max: u64) -> (String, Vec<LogEvent>) {
        let first = self.take();
        let key = self.key(first.timestamp_ms);
        let end = first.timestamp_ms + BUFFER_INTERVAL_MS;
        let mut records = vec![first];
        while (records.len() as u64) < max {
            let e = self.take();
            if e.timestamp_ms >= end {
                self.pending = Some(e);
                break;
            }
            records.push(e);
        }
        (key, records)
    }

    fn next_record(&mut self) -> LogEvent {
        self.take()
    }

    fn write_record(&self, w: &mut dyn Write, rec: &LogEvent, _position: u64) -> io::Result<u64> {
        write!(w, "{},", format_datetime_ms(rec.timestamp_ms))?;
        w.write_all(one_line(&rec.message).as_bytes())?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn write_malformed(&self, w: &mut dyn Write, which: u64, _position: u64) -> io::Result<u64> {
        // Everything after the first comma is the message, so only the time
        // can be wrong: not a time, no comma at all, empty, quoted, a float.
        let line = match which % 5 {
            0 => "not-a-timestamp,hello world",
            1 => "2026-03-01T00:00:00.000Z",
            2 => "\"2026-03-01T00:00:00.000Z\",quoted time",
            3 => ",message without timestamp",
            _ => "12.5e3,float timestamp",
        };
        w.write_all(line.as_bytes())?;
        w.write_all(b"\n")?;
        Ok(1)
    }

    fn expected(&self, rec: &LogEvent, key: &str, index: u64, line: Option<u64>) -> ExpectedRecord {
        let t = format_datetime_ms(rec.timestamp_ms);
        ExpectedRecord {
            id: format!("{key}#{index}"),
            index,
            line,
            time_generated: t.clone(),
            expected: TableRow::new(AwsCloudWatch {
                TimeGenerated: t.clone(),
                ExtractedTime: t,
                Message: one_line(&rec.message).into_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::keys::patterns;
    use super::super::manifest::Content;
    use super::super::testutil::*;
    use super::super::{BadDataKind, GenOptions};
    use super::*;
    use catalogue::DataType;
    use regex::Regex;

    /// The time of a line as Microsoft's exporters write it, or `None`.
    fn line_time(t: &str) -> Option<i64> {
        let re = Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$").unwrap();
        let ms = crate::tables::parse_datetime_ms(t).filter(|_| re.is_match(t))?;
        assert_eq!(format_datetime_ms(ms), t, "canonical");
        Some(ms)
    }

    /// `(time, message)` of every line: the time before the first comma, the
    /// message after it.
    fn read(data: &[u8]) -> Vec<(i64, String)> {
        let text = String::from_utf8(gunzip(data)).unwrap();
        let body = text.strip_suffix('\n').expect("newline-terminated");
        body.split('\n')
            .map(|line| {
                let (t, m) = line.split_once(',').unwrap_or_else(|| panic!("{line}"));
                (
                    line_time(t).unwrap_or_else(|| panic!("{line}")),
                    m.to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn objects_read_back_equal_manifest_and_log_events() {
        let o = GenOptions::new(DataType::CloudWatch, 2000, 9);
        let out = run(&o);
        let events = log_events(&o);
        let mut all = Vec::new();
        for e in out.entries() {
            let rows = read(&out.objects[&e.key]);
            assert_eq!(rows.len() as u64, e.record_count);
            for ((ts, msg), exp) in rows.iter().zip(&e.records) {
                let t = format_datetime_ms(*ts);
                let row = AwsCloudWatch {
                    TimeGenerated: t.clone(),
                    ExtractedTime: t,
                    Message: msg.clone(),
                };
                assert_eq!(TableRow::new(row), exp.expected);
                all.push((*ts, msg.clone()));
            }
        }
        assert_eq!(all.len(), 2000);
        let from_events: Vec<(i64, String)> = events
            .iter()
            .map(|e| (e.timestamp_ms, one_line(&e.message).into_owned()))
            .collect();
        assert_eq!(all, from_events);
        let groups: std::collections::HashSet<&str> =
            events.iter().map(|e| e.log_group.as_str()).collect();
        assert_eq!(groups.len(), 4);
    }

    #[test]
    fn line_breaks_become_two_character_escapes() {
        assert_eq!(one_line("plain, \"text\""), "plain, \"text\"");
        assert_eq!(one_line("l1\nl2"), "l1\\nl2");
        assert_eq!(one_line("l1\r\nl2"), "l1\\nl2");
        assert_eq!(one_line("l1\rl2"), "l1\\rl2");
        assert_eq!(one_line("a\n\r\n\r\r\nb\n"), "a\\n\\n\\r\\nb\\n");
        assert_eq!(one_line("own \\n text"), "own \\n text");
        assert_eq!(one_line("Zürich ✓"), "Zürich ✓");
    }

    #[test]
    fn lines_are_time_comma_message_unquoted_one_per_event() {
        let o = GenOptions::new(DataType::CloudWatch, 1500, 2);
        let out = run(&o);
        let (mut comma, mut quote, mut non_ascii, mut json) = (0, 0, 0, 0);
        for e in out.entries() {
            let text = String::from_utf8(gunzip(&out.objects[&e.key])).unwrap();
            assert!(!text.contains('\r'));
            let lines: Vec<&str> = text.strip_suffix('\n').unwrap().split('\n').collect();
            assert_eq!(
                lines.len() as u64,
                e.record_count,
                "one line per event, no header"
            );
            for (i, r) in e.records.iter().enumerate() {
                assert_eq!(r.line, Some(i as u64 + 1));
                let Some(row) = r.expected.decode::<AwsCloudWatch>() else {
                    panic!()
                };
                // Exactly what Microsoft's exporters write: no quotes added.
                assert_eq!(lines[i], format!("{},{}", row.ExtractedTime, row.Message));
                let m = &row.Message;
                comma += usize::from(m.contains(','));
                quote += usize::from(m.contains('"'));
                non_ascii += usize::from(!m.is_ascii());
                json += usize::from(
                    serde_json::from_str::<serde_json::Value>(m).is_ok_and(|v| v.is_object()),
                );
            }
        }
        assert!(comma > 0 && quote > 0 && non_ascii > 0 && json > 0);
        // The events had line breaks of every kind; the lines have none.
        let events = log_events(&o);
        assert!(events.iter().any(|e| e.message.contains("\r\n")));
        assert!(events.iter().any(|e| e.message.trim_end().contains('\n')));
        assert!(events.iter().any(|e| e.message.ends_with('\n')));
    }

    #[test]
    fn key_layout() {
        let re = Regex::new(patterns::CLOUDWATCH).unwrap();
        let out = run(&GenOptions::new(DataType::CloudWatch, 1000, 2));
        assert!(out.objects.len() > 1);
        for e in out.entries() {
            let c = re.captures(&e.key).unwrap_or_else(|| panic!("{}", e.key));
            assert_eq!(&c[5], "sentinel-cloudwatch-delivery");
            // The HH/ partition matches the hour in the name.
            assert_eq!(&c[4], &c[9]);
            assert_eq!((&c[1], &c[2], &c[3]), (&c[6], &c[7], &c[8]));
        }
    }

    #[test]
    fn malformed_lines_are_counted() {
        let mut o = GenOptions::new(DataType::CloudWatch, 30, 4);
        o.bad_data = vec![BadDataKind::MalformedLines];
        let out = run(&o);
        let e = out
            .entries()
            .find(|e| e.content == Content::Malformed)
            .unwrap();
        let text = String::from_utf8(gunzip(&out.objects[&e.key])).unwrap();
        let mut good = 0;
        for (i, l) in text.strip_suffix('\n').unwrap().split('\n').enumerate() {
            let line = i as u64 + 1;
            let ok = l
                .split_once(',')
                .is_some_and(|(t, _)| line_time(t).is_some());
            assert_eq!(ok, !e.malformed_lines.contains(&line), "line {line}: {l}");
            good += usize::from(ok);
        }
        assert_eq!(good as u64, e.record_count);
        assert!(e.malformed_lines.len() >= 3);
    }

    #[test]
    fn snapshot_tiny_object() {
        let out = run(&GenOptions::new(DataType::CloudWatch, 5, 42));
        let key = &out.order[0];
        let text = String::from_utf8(gunzip(&out.objects[key])).unwrap();
        insta::assert_json_snapshot!(serde_json::json!({
            "key": key,
            "sha256": crate::synth::sha256_hex(&out.objects[key]),
            "text": text,
        }));
    }
}
