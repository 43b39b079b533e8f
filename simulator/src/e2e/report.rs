//! The JSON report of a run (documented field by field in the README's "End to end" section)
//! and the table printed at the end.

use super::check::ServiceCheck;
use serde::Serialize;
use std::collections::BTreeMap;

/// The JSON report.
#[derive(Debug, Serialize)]
pub struct Report {
    pub ok: bool,
    pub records_per_service: u64,
    pub seed: u64,
    pub faults: bool,
    pub bad_data: bool,
    /// `--delete-on-receive`: the connector deleted each message on receive.
    pub delete_on_receive: bool,
    /// `--kill-connector N`: consumers killed before the connector drained.
    pub kill_connector: u32,
    /// Each kill: rows accepted at it, and the messages in flight per queue URL.
    pub kills: Vec<super::kills::Kill>,
    /// `--fan-out`: `queue` or `sns`.
    pub fan_out: super::fan_out::FanOut,
    /// `--accounts`: the organization's member accounts (each counted in `services[].accounts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts: Option<u32>,
    /// `--accounts`: the member account that joined through a StackSet of the member stack.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack_set_member: Option<super::accounts::StackSetMember>,
    pub localstack_mode: String,
    pub seconds_total: f64,
    /// From the connector's start until every queue was empty (all services at once).
    pub connector_seconds: f64,
    pub services: Vec<ServiceCheck>,
    pub delivery: BTreeMap<String, String>,
    pub connector: serde_json::Value,
    pub ingestion: serde_json::Value,
    /// Every call evaluated against the deployed policies, and the refusals.
    pub access: crate::access::AccessReport,
    /// `simulator doctor` on every deployed stack after the check.
    pub doctor: crate::doctor::Diagnosis,
}

/// With `--fan-out sns`: what each service's second consumer received.
pub fn print_second_consumers(checks: &[ServiceCheck]) {
    for c in checks {
        if let Some(s) = &c.second_consumer {
            println!(
                "second consumer {}: {} of {} objects' notifications from {} ({} missing, {} unexpected)  {}",
                c.service,
                s.received,
                s.expected,
                s.topic_arn,
                s.missing,
                s.unexpected,
                if s.ok() { "ok" } else { "MISMATCH" }
            );
        }
    }
}

/// With `--accounts`: each member account's records of each service, generated and stored
/// with its account ID.
pub fn print_accounts(checks: &[ServiceCheck]) {
    for c in checks {
        for a in c.accounts.iter().flatten() {
            println!(
                "account {} {:<10} {:>8} generated {:>8} stored with its ID  {}",
                a.account,
                c.service,
                a.generated,
                a.ingested,
                if a.ok() { "ok" } else { "MISMATCH" }
            );
        }
    }
}

/// The kills of `--kill-connector`, and the duplicates each service was allowed and had.
pub fn print_kills(kills: &[super::kills::Kill], checks: &[ServiceCheck]) {
    if kills.is_empty() {
        return;
    }
    for (i, k) in kills.iter().enumerate() {
        println!(
            "  kill {}: SIGKILL with {} rows accepted, {} messages in flight",
            i + 1,
            k.rows_accepted,
            k.held.values().sum::<u64>()
        );
    }
    let with: Vec<String> = checks
        .iter()
        .filter(|c| c.duplicates_allowed > 0 || c.duplicated > 0)
        .map(|c| {
            format!(
                "{} {} of {} allowed",
                c.service, c.duplicated, c.duplicates_allowed
            )
        })
        .collect();
    println!(
        "kills: {} consumers killed; duplicates: {}; missing: {}",
        kills.len(),
        if with.is_empty() {
            "none".to_string()
        } else {
            with.join(", ")
        },
        checks.iter().map(|c| c.missing).sum::<u64>()
    );
}

/// The doctor's verdict on the deployed stacks, with every error and warning finding.
pub fn print_doctor(d: &crate::doctor::Diagnosis) {
    use crate::doctor::Severity;
    for f in d
        .findings
        .iter()
        .filter(|f| matches!(f.severity, Severity::Error | Severity::Warning))
    {
        println!(
            "  doctor {:?} {} {}: {}",
            f.severity, f.check, f.subject, f.what
        );
    }
    println!(
        "doctor: {} findings on the deployed stacks, {} errors, {} warnings  {}",
        d.findings.len(),
        d.errors(),
        d.count(Severity::Warning),
        if d.errors() == 0 { "ok" } else { "FAILED" }
    );
}

/// How the connector reached the mock Logs Ingestion endpoint.
pub fn print_ingestion(s: &crate::ingest::Stats) {
    println!("{}", ingestion_line(s));
}

fn ingestion_line(s: &crate::ingest::Stats) -> String {
    let transport = if s.https {
        "HTTPS (certificate from the mock's own CA, verified by the connector)"
    } else {
        "plain HTTP"
    };
    format!(
        "ingestion: {transport}, {} token(s) from the mock Entra ID by client credentials, {} of {} requests accepted",
        s.tokens_issued, s.accepted_requests, s.requests
    )
}

/// The access line of the table, then each refusal with what would have to allow it.
pub fn print_access(a: &crate::access::AccessReport) {
    println!(
        "access: {} requests evaluated against the deployed policies, {} denied{}",
        a.evaluated,
        a.denied,
        if a.ok() { "  ok" } else { "  DENIED" }
    );
    for m in &a.failed_routes {
        println!("    {m}");
    }
    // The same refusal repeats (a redelivered message is refused again): each once, counted.
    let mut seen: Vec<(String, usize)> = Vec::new();
    for d in &a.denials {
        let line = format!("{}: {}", d.during, d.message());
        match seen.iter_mut().find(|(l, _)| *l == line) {
            Some((_, n)) => *n += 1,
            None => seen.push((line, 1)),
        }
    }
    for (line, n) in seen {
        match n {
            1 => println!("    {line}"),
            n => println!("    {line} ({n} times)"),
        }
    }
    if a.denied as usize > a.denials.len() {
        println!(
            "    ... {} more denials",
            a.denied as usize - a.denials.len()
        );
    }
    if a.evaluated == 0 {
        println!("    nothing was evaluated: the access proof did not run");
    }
}

fn secs(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |s| format!("{s:.1}"))
}

/// The result table, one row per service; the service and table columns are as wide as their
/// longest value, so every row lines up under its header.
pub fn print_table(checks: &[ServiceCheck]) {
    let sw = checks.iter().map(|c| c.service.len()).fold(7, usize::max);
    let tw = checks.iter().map(|c| c.table.len()).fold(5, usize::max);
    println!("{}", header_line(sw, tw));
    for c in checks {
        println!("{}", row_line(c, sw, tw));
        for e in &c.examples {
            println!("    {e}");
        }
        if c.left_in_queue > 0 {
            println!("    {} messages left in the queue", c.left_in_queue);
        }
        if c.dlq_actual != c.dlq_expected {
            println!(
                "    dead-letter queue holds {:?}, expected {:?}",
                c.dlq_actual, c.dlq_expected
            );
        }
    }
}

fn header_line(sw: usize, tw: usize) -> String {
    format!(
        "{:<sw$} {:<tw$} {:>7} {:>9} {:>9} {:>8} {:>6} {:>9} {:>9} {:>8} {:>9} {:>9} {:>6} {:>6} {:>6}  dlq",
        "service",
        "table",
        "objects",
        "generated",
        "ingested",
        "missing",
        "dup",
        "unexpect",
        "malformed",
        "seconds",
        "records/s",
        "objects/s",
        "p50 s",
        "p95 s",
        "max s",
    )
}

fn row_line(c: &ServiceCheck, sw: usize, tw: usize) -> String {
    format!(
        "{:<sw$} {:<tw$} {:>7} {:>9} {:>9} {:>8} {:>6} {:>9} {:>9} {:>8.1} {:>9.0} {:>9.1} {:>6} {:>6} {:>6}  {}/{}{}",
        c.service,
        c.table,
        c.objects,
        c.records_generated,
        c.ingested,
        c.missing,
        c.duplicated,
        c.unexpected,
        c.malformed,
        c.seconds,
        c.records_per_second,
        c.objects_per_second,
        secs(c.latency.p50_seconds),
        secs(c.latency.p95_seconds),
        secs(c.latency.max_seconds),
        c.dlq_actual.len(),
        c.dlq_expected.len(),
        if c.ok() { "  ok" } else { "  MISMATCH" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(service: &str, table: &str) -> ServiceCheck {
        ServiceCheck {
            service: service.into(),
            table: table.into(),
            ..ServiceCheck::default()
        }
    }

    #[test]
    fn every_row_lines_up_under_the_header_whatever_the_table_name() {
        let checks = [
            check("VPC", "AWSVPCFlow"),
            check("CloudFront", "AWSCloudFront_AccessLog_CL"),
        ];
        let sw = checks.iter().map(|c| c.service.len()).fold(7, usize::max);
        let tw = checks.iter().map(|c| c.table.len()).fold(5, usize::max);
        let header = header_line(sw, tw);
        let objects_end = header.find("objects").unwrap() + "objects".len();
        for c in &checks {
            let row = row_line(c, sw, tw);
            // The objects count (0) ends where the header's "objects" ends.
            assert_eq!(&row[objects_end - 1..objects_end], "0", "{row}");
            assert_eq!(&row[objects_end..objects_end + 1], " ", "{row}");
            assert_eq!(row.find(&c.table[..]), header.find("table"), "{row}");
        }
    }

    #[test]
    fn the_ingestion_line_says_how_the_connector_reached_the_endpoint() {
        let mut s = crate::ingest::Stats {
            requests: 12,
            accepted_requests: 10,
            https: true,
            tokens_issued: 1,
            ..Default::default()
        };
        let line = ingestion_line(&s);
        assert!(line.starts_with("ingestion: HTTPS"), "{line}");
        assert!(line.contains("1 token(s) from the mock Entra ID"), "{line}");
        assert!(line.contains("10 of 12 requests accepted"), "{line}");
        s.https = false;
        assert!(ingestion_line(&s).starts_with("ingestion: plain HTTP"));
    }
}
