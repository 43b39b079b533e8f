//! Opt-in bad data: objects a robust connector must survive. They are written
//! after the regular objects, from their own PRNG stream, so turning bad data
//! on never changes the regular objects.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::manifest::{Content, ObjectEntry, ObjectKind};
use super::{encode, gzip, rng, stored_body, GenOptions, LogGen, Recorder};
use rand::Rng;

/// Kinds of bad data (`--bad-data` values).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum BadDataKind {
    /// Valid gzip, but some lines (CloudTrail: `Records` items) are not records.
    MalformedLines,
    /// A gzip stream cut short: decoding fails at the end.
    TruncatedGzip,
    /// Plain text under a `.gz` key.
    NotGzip,
    /// A zero-byte object.
    Empty,
    /// A very large valid object (`--large-object-mib` of gzip), streamed.
    Large,
}

impl BadDataKind {
    pub const ALL: [BadDataKind; 5] = [
        BadDataKind::MalformedLines,
        BadDataKind::TruncatedGzip,
        BadDataKind::NotGzip,
        BadDataKind::Empty,
        BadDataKind::Large,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BadDataKind::MalformedLines => "malformed-lines",
            BadDataKind::TruncatedGzip => "truncated-gzip",
            BadDataKind::NotGzip => "not-gzip",
            BadDataKind::Empty => "empty",
            BadDataKind::Large => "large",
        }
    }
}

/// Records in each small bad-data object.
const SMALL_RECORDS: u64 = 20;

/// Writes the bad-data objects requested in `opts` (each kind once, in the
/// fixed order of [`BadDataKind::ALL`]).
pub(crate) fn write_bad_objects<G: LogGen>(
    g: &mut G,
    opts: &GenOptions,
    rec: &mut Recorder<'_>,
) -> io::Result<()> {
    let mut rng = rng::derive(opts.seed, &format!("{}/bad-data", opts.service.slug()));
    for kind in BadDataKind::ALL {
        if !opts.bad_data.contains(&kind) {
            continue;
        }
        match kind {
            BadDataKind::MalformedLines => {
                let (key, records) = g.next_object(SMALL_RECORDS);
                let n = records.len();
                let count = rng.random_range(3..=5u64);
                let mut at: Vec<(usize, u64)> = (0..count)
                    .map(|variant| (rng.random_range(0..=n), variant))
                    .collect();
                at.sort_by_key(|&(i, _)| i);
                let enc = encode(g, &key, &records, &at)?;
                let stored = stored_body(g, &enc.body);
                let len = enc.body.len() as u64;
                rec.store(
                    &key,
                    &stored,
                    len,
                    ObjectKind::Log,
                    Content::Malformed,
                    true,
                    Some(enc),
                )?;
            }
            BadDataKind::TruncatedGzip => {
                let (key, records) = g.next_object(SMALL_RECORDS);
                let enc = encode(g, &key, &records, &[])?;
                let mut gz = gzip(&enc.body);
                // Drop the last third: the trailer (CRC, size) and the end of
                // the deflate stream are missing.
                let keep = (gz.len() * 2 / 3).min(gz.len().saturating_sub(9));
                gz.truncate(keep);
                let len = enc.body.len() as u64;
                rec.store(
                    &key,
                    &gz,
                    len,
                    ObjectKind::Log,
                    Content::TruncatedGzip,
                    false,
                    None,
                )?;
            }
            BadDataKind::NotGzip => {
                let (key, records) = g.next_object(SMALL_RECORDS);
                // A format stored plain has no `.gz` keys: the object is a foreign one, named
                // `.gz` under its prefix.
                let key = if g.compressed() {
                    key
                } else {
                    format!("{key}.gz")
                };
                let enc = encode(g, &key, &records, &[])?;
                let len = enc.body.len() as u64;
                rec.store(
                    &key,
                    &enc.body,
                    len,
                    ObjectKind::Log,
                    Content::NotGzip,
                    false,
                    None,
                )?;
            }
            BadDataKind::Empty => {
                let (key, _) = g.next_object(1);
                rec.store(&key, &[], 0, ObjectKind::Log, Content::Empty, true, None)?;
            }
            BadDataKind::Large => write_large(g, opts, rec)?,
        }
    }
    Ok(())
}

/// Streams records through gzip into the output until the stored (gzip)
/// object reaches `large_object_bytes`; only counts are kept in memory.
fn write_large<G: LogGen>(g: &mut G, opts: &GenOptions, rec: &mut Recorder<'_>) -> io::Result<()> {
    let target = opts.large_object_bytes;
    let (key, first) = g.next_object(1);
    let mut count = 0u64;
    let mut rows = 0u64;
    let store = if g.compressed() {
        Recorder::store_streaming_gz
    } else {
        Recorder::store_streaming_plain
    };
    let (bytes, sha256, uncompressed) = store(
        rec,
        &key,
        &mut |w: &mut dyn Write, stored: &dyn Fn() -> u64| {
            g.write_header(w)?;
            for r in &first {
                g.write_record(w, r, count)?;
                count += 1;
                rows += g.row_count(r);
            }
            while stored() < target {
                let r = g.next_record();
                g.write_record(w, &r, count)?;
                count += 1;
                rows += g.row_count(&r);
            }
            g.write_footer(w)
        },
    )?;
    rec.record(ObjectEntry {
        service: opts.service,
        key,
        kind: ObjectKind::Log,
        content: Content::Large,
        ingest: true,
        bytes,
        uncompressed_bytes: uncompressed,
        sha256,
        record_count: rows,
        malformed_lines: Vec::new(),
        malformed_indexes: Vec::new(),
        records_listed: false,
        records: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::{sha256_hex, GenOptions};
    use super::*;
    use catalogue::DataType;
    use flate2::read::GzDecoder;
    use std::io::Read;

    /// The text of a stored object: S3 server access logs are stored plain, the rest gzip.
    fn plain_text(service: DataType, data: &[u8]) -> Vec<u8> {
        match service {
            DataType::S3Access => data.to_vec(),
            _ => gunzip(data),
        }
    }

    fn bad(service: DataType, kinds: &[BadDataKind]) -> super::super::MemOutput {
        let mut o = GenOptions::new(service, 50, 11);
        o.bad_data = kinds.to_vec();
        o.large_object_bytes = 100_000;
        run(&o)
    }

    #[test]
    fn bad_data_does_not_change_regular_objects() {
        for service in [
            DataType::Vpc,
            DataType::GuardDuty,
            DataType::CloudTrail,
            DataType::CloudWatch,
            DataType::Route53,
            DataType::NetworkFirewallFlow,
            DataType::NetworkFirewallAlert,
            DataType::NetworkFirewallTls,
            DataType::Waf,
            DataType::S3Access,
            DataType::SecurityHub,
        ] {
            let clean = run(&GenOptions::new(service, 50, 11));
            let dirty = bad(service, &BadDataKind::ALL);
            for (k, v) in &clean.objects {
                assert_eq!(dirty.objects.get(k), Some(v), "{service:?} {k}");
            }
            assert_eq!(dirty.objects.len(), clean.objects.len() + 5);
        }
    }

    #[test]
    fn each_kind_is_what_it_claims() {
        for service in [
            DataType::Vpc,
            DataType::GuardDuty,
            DataType::CloudTrail,
            DataType::CloudWatch,
            DataType::Route53,
            DataType::NetworkFirewallFlow,
            DataType::NetworkFirewallAlert,
            DataType::NetworkFirewallTls,
            DataType::Waf,
            DataType::S3Access,
            DataType::SecurityHub,
        ] {
            let out = bad(service, &BadDataKind::ALL);
            let mut seen = Vec::new();
            for e in out.entries() {
                let data = &out.objects[&e.key];
                assert_eq!(e.sha256, sha256_hex(data));
                assert_eq!(e.bytes, data.len() as u64);
                match e.content {
                    Content::Ok => continue,
                    Content::TruncatedGzip => {
                        assert!(!e.ingest);
                        assert_eq!(&data[..2], &[0x1f, 0x8b]);
                        let mut sink = Vec::new();
                        let err = GzDecoder::new(&data[..])
                            .read_to_end(&mut sink)
                            .unwrap_err();
                        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{service:?}");
                        // What did decode is a prefix of the real body.
                        assert!(!sink.is_empty() && (sink.len() as u64) < e.uncompressed_bytes);
                    }
                    Content::NotGzip => {
                        assert!(!e.ingest);
                        assert_ne!(&data[..2], &[0x1f, 0x8b]);
                        assert!(std::str::from_utf8(data).is_ok());
                    }
                    Content::Empty => {
                        assert!(data.is_empty());
                        assert_eq!(e.record_count, 0);
                    }
                    Content::Malformed => {
                        assert!(e.ingest);
                        let n = e.malformed_lines.len() + e.malformed_indexes.len();
                        assert!((3..=5).contains(&n), "{service:?} {n}");
                        assert_eq!(e.record_count, e.records.len() as u64);
                        assert!(e.record_count > 0);
                        let text = String::from_utf8(plain_text(service, data)).unwrap();
                        let lines: Vec<&str> = text.split('\n').collect();
                        for &l in &e.malformed_lines {
                            // A malformed line never equals a record's line.
                            assert!(e.records.iter().all(|r| r.line != Some(l)));
                            assert!(l as usize <= lines.len());
                        }
                    }
                    Content::Large => {
                        assert!(e.ingest && !e.records_listed);
                        assert!(e.bytes >= 100_000 && e.bytes < 400_000, "{}", e.bytes);
                        let plain = plain_text(service, data);
                        assert_eq!(plain.len() as u64, e.uncompressed_bytes);
                        assert!(e.record_count > 100);
                        // Independent count of the records in the body.
                        let records = match service {
                            DataType::Vpc => {
                                plain
                                    .split(|b| *b == b'\n')
                                    .filter(|l| !l.is_empty())
                                    .count()
                                    - 1
                            }
                            DataType::GuardDuty => plain
                                .split(|b| *b == b'\n')
                                .filter(|l| !l.is_empty())
                                .map(|l| serde_json::from_slice::<serde_json::Value>(l).map(|_| 1))
                                .sum::<Result<usize, _>>()
                                .unwrap(),
                            DataType::CloudTrail => {
                                serde_json::from_slice::<serde_json::Value>(&plain).unwrap()
                                    ["Records"]
                                    .as_array()
                                    .unwrap()
                                    .len()
                            }
                            // One line per event: line breaks inside messages are escaped.
                            DataType::CloudWatch => plain
                                .split(|b| *b == b'\n')
                                .filter(|l| !l.is_empty())
                                .count(),
                            DataType::Eks => unreachable!("the synth writes no EKS objects"),
                            DataType::Route53
                            | DataType::NetworkFirewallFlow
                            | DataType::NetworkFirewallAlert
                            | DataType::NetworkFirewallTls => plain
                                .split(|b| *b == b'\n')
                                .filter(|l| !l.is_empty())
                                .map(|l| serde_json::from_slice::<serde_json::Value>(l).map(|_| 1))
                                .sum::<Result<usize, _>>()
                                .unwrap(),
                            DataType::Waf => plain
                                .split(|b| *b == b'\n')
                                .filter(|l| !l.is_empty())
                                .map(|l| serde_json::from_slice::<serde_json::Value>(l).map(|_| 1))
                                .sum::<Result<usize, _>>()
                                .unwrap(),
                            // One request per line, no header.
                            DataType::S3Access => plain
                                .split(|b| *b == b'\n')
                                .filter(|l| !l.is_empty())
                                .count(),
                            // One event per line; each finding of an event is a row.
                            DataType::SecurityHub => plain
                                .split(|b| *b == b'\n')
                                .filter(|l| !l.is_empty())
                                .map(|l| {
                                    let v: serde_json::Value = serde_json::from_slice(l).unwrap();
                                    v["detail"]["findings"].as_array().unwrap().len()
                                })
                                .sum(),
                            // Records are the lines that are not `#` header lines.
                            DataType::CloudFront => plain
                                .split(|b| *b == b'\n')
                                .filter(|l| !l.is_empty() && l[0] != b'#')
                                .count(),
                            // One entry per line, no header.
                            DataType::ElbAlb | DataType::ElbNlb => plain
                                .split(|b| *b == b'\n')
                                .filter(|l| !l.is_empty())
                                .count(),
                            // A header line, then a record per line.
                            DataType::ElbNlbFlow | DataType::ElbGwlbFlow => {
                                plain
                                    .split(|b| *b == b'\n')
                                    .filter(|l| !l.is_empty())
                                    .count()
                                    - 1
                            }
                        };
                        assert_eq!(records as u64, e.record_count, "{service:?}");
                    }
                }
                seen.push(e.content);
            }
            assert_eq!(seen.len(), 5, "{service:?}");
        }
    }
}
