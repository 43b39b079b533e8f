//! One-core throughput of the connector's parse path, against gzip
//! decompression alone, on the simulator's generated objects (all in
//! memory, no I/O):
//!
//! ```text
//! cargo test -p simulator --release --test connector_bench -- --ignored --nocapture
//! ```
//!
//! Per service: `gunzip` (MultiGzDecoder to a buffer), `parse+map`
//! (`parse_reader`: decompress, parse, map to table rows) and `+batch JSON`
//! (also serialize every row into <= 1 MB request bodies, the connector's
//! whole CPU path). MB/s are of decompressed bytes. `CONNECTOR_BENCH_SCALE`
//! multiplies the record counts (e.g. `0.01` for a smoke run).

use simulator::connector::batch::Batcher;
use simulator::connector::parse::{parse_reader, Item, Service};
use simulator::synth;
use std::io::Read;
use std::ops::ControlFlow;
use std::time::Instant;

fn best<F: FnMut() -> (u64, u64)>(mut f: F) -> (f64, u64, u64) {
    let mut best = f64::MAX;
    let mut out = (0, 0);
    for _ in 0..3 {
        let t = Instant::now();
        out = f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, out.0, out.1)
}

fn bench(name: &str, service: Service, objects: &[(String, Vec<u8>)]) {
    let stored: usize = objects.iter().map(|o| o.1.len()).sum();
    let (t_gz, plain, _) = best(|| {
        let mut n = 0u64;
        let mut buf = vec![0u8; 128 * 1024];
        for (_, o) in objects {
            let mut d = flate2::read::MultiGzDecoder::new(&o[..]);
            loop {
                let k = d.read(&mut buf).unwrap();
                if k == 0 {
                    break;
                }
                n += k as u64;
            }
        }
        (n, 0)
    });
    let (t_parse, _, rows) = best(|| {
        let mut rows = 0u64;
        for (k, o) in objects {
            parse_reader(service, Some(k), &o[..], &mut |i| {
                if let Item::Row(..) = i {
                    rows += 1;
                }
                ControlFlow::Continue(())
            })
            .unwrap();
        }
        (0, rows)
    });
    let (t_batch, bytes, rows2) = best(|| {
        let mut rows = 0u64;
        let mut bytes = 0u64;
        for (k, o) in objects {
            let mut b = Batcher::new(1_000_000);
            parse_reader(service, Some(k), &o[..], &mut |i| {
                if let Item::Row(_, r) = i {
                    rows += 1;
                    if let Some(full) = b.push(&r).unwrap() {
                        bytes += full.body.len() as u64;
                    }
                }
                ControlFlow::Continue(())
            })
            .unwrap();
            if let Some(last) = b.take() {
                bytes += last.body.len() as u64;
            }
        }
        (bytes, rows)
    });
    assert_eq!(rows, rows2);
    let mb = plain as f64 / 1e6;
    println!(
        "{name:<11} objects {:>4}  stored {:>7.1} MB  plain {:>7.1} MB  rows {:>8} | gunzip {:>7.1} MB/s | parse+map {:>6.1} MB/s {:>9.0} rec/s | +batch JSON {:>6.1} MB/s {:>9.0} rec/s ({:.1} MB JSON)",
        objects.len(), stored as f64 / 1e6, mb, rows,
        mb / t_gz, mb / t_parse, rows as f64 / t_parse, mb / t_batch, rows as f64 / t_batch, bytes as f64 / 1e6
    );
}

#[test]
#[ignore = "a benchmark: run with --release -- --ignored --nocapture"]
fn parse_throughput_one_core() {
    let scale: f64 = std::env::var("CONNECTOR_BENCH_SCALE")
        .ok()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1.0);
    for (svc, records, name) in [
        (synth::Service::Vpc, n(300_000, scale), "vpc"),
        (synth::Service::Guardduty, n(20_000, scale), "guardduty"),
        (synth::Service::Cloudtrail, n(50_000, scale), "cloudtrail"),
        (synth::Service::Cloudwatch, n(300_000, scale), "cloudwatch"),
    ] {
        let mut o = synth::GenOptions::new(svc, records, 1);
        if svc == synth::Service::Vpc {
            o.records_per_object = Some(20_000);
        }
        let mut out = synth::MemOutput::default();
        synth::generate(&o, &mut out).unwrap();
        let objects: Vec<(String, Vec<u8>)> = out
            .objects
            .into_iter()
            .filter(|(k, _)| !k.contains("Digest"))
            .collect();
        bench(name, Service::from_name(name).unwrap(), &objects);
    }
    // EKS: the Lambda's NDJSON.
    let run = synth::eks::generate(&synth::eks::EksOptions::new(
        "prod",
        n(60_000, scale),
        1,
        synth::DEFAULT_START_MS,
    ));
    let mut objects = Vec::new();
    for (i, chunk) in run.expected.chunks(5000).enumerate() {
        let mut text = String::new();
        for e in chunk {
            let mut row = serde_json::to_value(&e.row).unwrap();
            row["TimeGenerated"] = e.row.RawEvent["requestReceivedTimestamp"].clone();
            text.push_str(&row.to_string());
            text.push('\n');
        }
        objects.push((format!("eks-{i}.gz"), synth::gzip(text.as_bytes())));
    }
    bench("eks", Service::Eks, &objects);
}

fn n(base: u64, scale: f64) -> u64 {
    ((base as f64 * scale) as u64).max(1)
}
