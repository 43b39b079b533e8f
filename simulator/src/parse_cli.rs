//! The `parse` subcommand: one log object in, its table rows out, through the
//! connector's own parser ([`connector::parse::parse_reader`]).

use std::io::{self, BufWriter, Read, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;

use anyhow::Context;

use catalogue::DataType;
use connector::parse::{parse_reader, Document, Item};

/// `simulator parse --service <SERVICE> <FILE|->`
#[derive(Debug, Clone, clap::Args)]
pub struct ParseArgs {
    /// Which log format the object is.
    #[arg(long, value_enum)]
    pub service: DataType,
    /// The object (gzip or plain text); `-` reads standard input.
    pub file: PathBuf,
    /// At the end, print this process's peak RSS (VmHWM) to stderr (used
    /// by `bench`).
    #[arg(long, hide = true)]
    pub report_peak_rss: bool,
}

/// How `--report-peak-rss` starts its stderr line (`peak RSS: <n> KiB`).
pub const PEAK_RSS_PREFIX: &str = "peak RSS: ";

/// This process's peak resident set (KiB), from /proc/self/status.
fn peak_rss_kib() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")
        .context("reading /proc/self/status (peak RSS needs Linux)")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM line in /proc/self/status")
}

/// Writes the rows of `args.file` to stdout as JSON lines
/// (`{"table":"...","row":{...}}`), malformed records and bad values (a
/// value left out of its row) to stderr with their line (or `Records`
/// index); fails if the object itself is malformed. A CloudTrail digest file
/// gives no rows, says so on stderr, and succeeds.
pub fn parse(args: &ParseArgs) -> anyhow::Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(256 * 1024, stdout.lock());
    let (reader, name): (Box<dyn Read>, Option<String>) = if args.file.as_os_str() == "-" {
        (Box::new(io::stdin().lock()), None)
    } else {
        let f = std::fs::File::open(&args.file)
            .with_context(|| format!("opening {}", args.file.display()))?;
        (Box::new(f), Some(args.file.display().to_string()))
    };
    let label = name.clone().unwrap_or_else(|| "<stdin>".into());
    let mut write_error = None;
    let result = parse_reader(args.service, name.as_deref(), reader, &mut |item| {
        match item {
            Item::Row(_, row) => {
                let r = row
                    .write_tagged(&mut out)
                    .map_err(io::Error::from)
                    .and_then(|()| out.write_all(b"\n"));
                if let Err(e) = r {
                    write_error = Some(e);
                    return ControlFlow::Break(());
                }
            }
            Item::Malformed(e) => eprintln!("{label}: malformed record, {e}"),
            Item::BadValue(e) => eprintln!("{label}: bad value, {e}"),
        }
        ControlFlow::Continue(())
    });
    if let Some(e) = write_error {
        return Err(e).context("writing rows to stdout");
    }
    out.flush().context("writing rows to stdout")?;
    let summary = result.with_context(|| format!("{label}: malformed object"))?;
    if summary.document == Document::CloudTrailDigest {
        eprintln!("{label}: a CloudTrail digest file, not a log file: no rows");
    }
    eprintln!(
        "{label}: {} rows, {} malformed records, {} bad values, {} bytes read, {} bytes decompressed",
        summary.rows,
        summary.malformed,
        summary.bad_values,
        summary.stored_bytes,
        summary.decompressed_bytes
    );
    if args.report_peak_rss {
        eprintln!("{PEAK_RSS_PREFIX}{} KiB", peak_rss_kib()?);
    }
    Ok(())
}
