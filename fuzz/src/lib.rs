//! What each fuzz target does with one input, and the properties it checks.
//!
//! `cargo xtask fuzz` builds the binaries in `fuzz_targets/` (feature `libfuzzer`) with
//! coverage instrumentation and runs each under libFuzzer. Their bodies are here, in a library
//! the workspace builds and tests like any other, so that every seed in `seeds/<target>/` and
//! every input that once crashed (`regressions/<target>/`) is run again by `cargo test`.
//!
//! A target fails (panics) when the code under test panics, or when one of its properties does
//! not hold:
//! * parsers (`parse_<service>`): every row the parser emits serialises to a JSON object, and
//!   the summary counts exactly the rows and malformed records handed out;
//! * `notification`: the SQS body decoder and the key decoder never panic, and an accepted
//!   notification names only non-empty buckets;
//! * `ingest_request`: whatever the request (headers, stream, body, gzip or not), the mock
//!   Logs Ingestion endpoint answers with a status below 500: bad input is the client's error.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use simulator::connector::parse::{parse_reader, write_row_json, Item};
pub use simulator::DataType;

/// One fuzz target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The connector's parser of one data type (`parse_<slug>`, a `-` in the slug as `_`).
    Parse(DataType),
    Notification,
    IngestRequest,
}

impl Target {
    /// A parser target per data type, in catalogue order, then the two others.
    pub const ALL: [Target; DataType::ALL.len() + 2] = {
        let mut all = [Target::Notification; DataType::ALL.len() + 2];
        let mut i = 0;
        while i < DataType::ALL.len() {
            all[i] = Target::Parse(DataType::ALL[i]);
            i += 1;
        }
        all[i + 1] = Target::IngestRequest;
        all
    };

    /// The binary's name, also the folder name under `seeds/` and `regressions/`.
    pub fn name(self) -> String {
        match self {
            Target::Parse(d) => format!("parse_{}", d.slug().replace('-', "_")),
            Target::Notification => "notification".into(),
            Target::IngestRequest => "ingest_request".into(),
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Runs one input; panics when the code under test panics or a property fails.
    pub fn run(self, data: &[u8]) {
        match self {
            Target::Parse(d) => parse(d, data),
            Target::Notification => notification(data),
            Target::IngestRequest => ingest::request(data),
        }
    }
}

/// `fuzz/` in the source tree.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The files of `fuzz/<kind>/<target>/` (`kind`: `seeds` or `regressions`), sorted.
pub fn inputs(kind: &str, target: Target) -> Vec<PathBuf> {
    let dir = crate_dir().join(kind).join(target.name());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && !is_hidden(p))
        .collect();
    files.sort();
    files
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

/// A parser target: the object is given as plain text or gzip (the parser detects it), with no
/// name, so that the `.gz` suffix rule does not cut inputs short.
fn parse(service: DataType, data: &[u8]) {
    let mut rows = 0u64;
    let mut malformed = 0u64;
    let mut bad_values = 0u64;
    let mut json = Vec::new();
    let outcome = parse_reader(service, None, data, &mut |item| {
        match item {
            Item::Row(_, row) => {
                rows += 1;
                json.clear();
                write_row_json(&row.to_table_row(), &mut json).expect("a row serialises");
                let text = std::str::from_utf8(&json).expect("a row serialises to UTF-8");
                let value =
                    simulator::tables::parse_plain(text).expect("a row serialises to valid JSON");
                assert!(value.is_object(), "a row is a JSON object: {value}");
            }
            Item::Malformed(_) => malformed += 1,
            Item::BadValue(_) => {
                assert!(rows > 0, "a bad value follows the row it was left out of");
                bad_values += 1;
            }
        }
        ControlFlow::Continue(())
    });
    if let Ok(summary) = outcome {
        assert_eq!(summary.rows, rows, "rows counted as handed out");
        assert_eq!(summary.malformed, malformed, "malformed records counted");
        assert_eq!(summary.bad_values, bad_values, "bad values counted");
    }
}

/// The SQS body decoder (S3, SNS envelope, EventBridge, test event) and the key decoder.
fn notification(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return; // SQS bodies are text
    };
    let _ = simulator::connector::notify::decode_key(text);
    if let Ok(simulator::connector::Notification::Objects { objects, .. }) =
        simulator::connector::notify::parse_body(text)
    {
        for object in objects {
            assert!(!object.bucket.is_empty(), "an object names its bucket");
        }
    }
}

/// Gzip of `data`, for request bodies the fuzzer wants compressed.
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

pub mod ingest {
    //! The `ingest_request` target: one HTTP request to the mock endpoint, in process.

    use std::cell::RefCell;

    use axum::body::Body;
    use axum::http::{Method, Request};
    use tower::ServiceExt;

    const TOKEN: &str = "fuzz-token";
    const DCR: &str = "dcr-0123456789abcdef0123456789abcdef";
    /// A fresh endpoint (and in-memory store) every this many requests, so memory stays flat
    /// over long runs.
    const REQUESTS_PER_APP: u32 = 4096;

    struct App {
        runtime: tokio::runtime::Runtime,
        router: Option<axum::Router>,
        served: u32,
    }

    thread_local! {
        static APP: RefCell<App> = RefCell::new(App {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime"),
            router: None,
            served: 0,
        });
    }

    /// The request an input describes. Byte 0 chooses: bit 0 a gzip body (bit 1: compressed
    /// here, else sent as is), bit 2 the right token, bit 3 a JSON content type, bit 4 the
    /// api-version, bits 5-7 the stream (five real ones, a wrong one, the mock's own GET
    /// routes, an unknown path). The rest is the body.
    pub fn build(data: &[u8]) -> Request<Body> {
        let (flags, body) = match data.split_first() {
            Some((f, rest)) => (*f, rest),
            None => (0xff, &[][..]),
        };
        let streams = simulator::ingest::STREAM_NAMES;
        let which = usize::from(flags >> 5);
        let (method, path) = match which {
            0..=4 => (
                Method::POST,
                format!("/dataCollectionRules/{DCR}/streams/{}", streams[which]),
            ),
            5 => (
                Method::POST,
                format!("/dataCollectionRules/{DCR}/streams/Custom-Nothing_CL"),
            ),
            6 => (Method::GET, format!("/_mock/streams/{}/rows", streams[0])),
            _ => (Method::POST, "/elsewhere".to_string()),
        };
        let query = if flags & 0x10 != 0 {
            format!("?api-version={}", simulator::ingest::API_VERSION)
        } else {
            String::new()
        };
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{path}{query}"));
        if flags & 0x04 != 0 {
            request = request.header("authorization", format!("Bearer {TOKEN}"));
        }
        if flags & 0x08 != 0 {
            request = request.header("content-type", "application/json");
        }
        let body = if flags & 0x01 != 0 {
            request = request.header("content-encoding", "gzip");
            if flags & 0x02 != 0 {
                super::gzip(body)
            } else {
                body.to_vec()
            }
        } else {
            body.to_vec()
        };
        request.body(Body::from(body)).expect("a valid request")
    }

    /// Sends one request; the endpoint must answer below 500.
    pub fn request(data: &[u8]) {
        let status = respond(data);
        assert!(
            status.as_u16() < 500,
            "the endpoint answered {status} to a client's request"
        );
    }

    /// The endpoint's answer to the request `data` describes.
    pub fn respond(data: &[u8]) -> axum::http::StatusCode {
        let request = build(data);
        APP.with(|app| {
            let mut app = app.borrow_mut();
            if app.router.is_none() || app.served >= REQUESTS_PER_APP {
                let config = simulator::ingest::Config {
                    auth: simulator::ingest::Auth::Static(TOKEN.into()),
                    dcr_id: Some(DCR.into()),
                    ..Default::default()
                };
                app.router = Some(simulator::ingest::app(config).expect("the mock's config"));
                app.served = 0;
            }
            app.served += 1;
            let router = app.router.clone().expect("set above");
            let response = app
                .runtime
                .block_on(router.oneshot(request))
                .expect("the router is infallible");
            response.status()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names_are_the_folder_names() {
        let names: Vec<String> = Target::ALL.iter().map(|t| t.name()).collect();
        assert_eq!(
            names,
            [
                "parse_vpc",
                "parse_guardduty",
                "parse_cloudtrail",
                "parse_cloudwatch",
                "parse_eks",
                "parse_route53",
                "parse_networkfirewall_flow",
                "parse_networkfirewall_alert",
                "parse_networkfirewall_tls",
                "parse_waf",
                "parse_s3access",
                "parse_securityhub",
                "parse_cloudfront",
                "parse_elb_alb",
                "parse_elb_nlb",
                "parse_elb_nlb_flow",
                "parse_elb_gwlb_flow",
                "notification",
                "ingest_request"
            ]
        );
    }

    #[test]
    fn every_target_has_a_binary_and_seeds() {
        for target in Target::ALL {
            assert_eq!(Target::from_name(&target.name()), Some(target));
            let bin = crate_dir()
                .join("fuzz_targets")
                .join(format!("{}.rs", target.name()));
            assert!(bin.is_file(), "{} has no binary", target.name());
            assert!(
                !inputs("seeds", target).is_empty(),
                "{} has no seeds",
                target.name()
            );
        }
    }

    #[test]
    fn seeds_and_regression_inputs_pass() {
        let mut ran = 0;
        for target in Target::ALL {
            for path in inputs("seeds", target)
                .into_iter()
                .chain(inputs("regressions", target))
            {
                let data = std::fs::read(&path).unwrap();
                let outcome = std::panic::catch_unwind(|| target.run(&data));
                assert!(
                    outcome.is_ok(),
                    "{} fails on {}",
                    target.name(),
                    path.display()
                );
                ran += 1;
            }
        }
        assert!(ran >= Target::ALL.len());
    }

    #[test]
    fn a_seed_parses_into_rows() {
        // The seeds are real objects: each parser seed gives rows, so fuzzing starts deep.
        for &service in DataType::ALL {
            let target = Target::Parse(service);
            let seed = std::fs::read(&inputs("seeds", target)[0]).unwrap();
            let (rows, _, outcome) = simulator::connector::parse::parse_bytes(service, None, &seed);
            assert!(outcome.is_ok(), "{}: {outcome:?}", target.name());
            assert!(!rows.is_empty(), "{}: no rows", target.name());
        }
    }

    #[test]
    fn the_ingest_target_gets_valid_batches_accepted_and_bad_ones_refused() {
        // 0b000_1_1_1_0_0: stream 0, api-version, JSON, token, no gzip.
        let flags = 0b0001_1100u8;
        let good = {
            let mut d = vec![flags];
            d.extend_from_slice(
                &std::fs::read(&inputs("seeds", Target::IngestRequest)[0]).unwrap()[1..],
            );
            d
        };
        assert_eq!(
            ingest::respond(&good).as_u16(),
            204,
            "a valid batch is accepted"
        );
        let mut gzipped = good.clone();
        gzipped[0] |= 0b11;
        assert_eq!(
            ingest::respond(&gzipped).as_u16(),
            204,
            "gzip, compressed here"
        );
        let request = ingest::build(&good);
        assert_eq!(request.method(), axum::http::Method::POST);
        assert!(request.uri().to_string().contains("api-version="));
        assert!(request.headers().contains_key("authorization"));
        // No token, garbage body, gzip claimed but not compressed: refused, below 500.
        assert_eq!(ingest::respond(&[0b0001_1001, 0xde, 0xad]).as_u16(), 401);
        let mut not_gzip = good.clone();
        not_gzip[0] = (not_gzip[0] | 0b01) & !0b10;
        assert_eq!(ingest::respond(&not_gzip).as_u16(), 400);
        ingest::request(&[]);
    }
}
