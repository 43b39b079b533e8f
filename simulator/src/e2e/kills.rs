//! `e2e --kill-connector N`: crashes on the main job. Before the run's own connector drains
//! the queues, N `simulator consume` processes consume them one after the other, each killed
//! with SIGKILL once the endpoint has accepted more rows since it started (so in the middle of
//! objects and batches: it holds received messages whose rows may be accepted and not yet
//! deleted). A process, not a task, so nothing of it runs on after the kill: its receives,
//! uploads and deletes stop where they were, as a crashed poller's do.
//!
//! After each kill the messages it held come back when their visibility timeout (5 s) ends,
//! and the next consumer gets them; their rows may then be accepted twice. The check allows
//! a service, as duplicates, at most the messages its queue held at the kills times the most
//! rows one of its objects has; missing rows are never allowed.
//!
//! The killed processes consume with the run's credentials, not through the access gate (the
//! gate evaluates the in-process connector's requests); each kill's figures are in the report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use aws_sdk_sqs::types::QueueAttributeName as A;
use serde::Serialize;

use crate::ingest::StatsHandle;
use connector::{Credential, IngestTarget};

/// Rows the endpoint must accept from a consumer before it is killed.
const ROWS_BEFORE_KILL: u64 = 100;
/// The killed consumers' visibility timeout: what they held comes back this soon.
const VISIBILITY_SECONDS: u64 = 5;

/// One kill.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Kill {
    /// Rows the endpoint had accepted (from every consumer so far) when it was killed.
    pub rows_accepted: u64,
    /// Messages in flight per queue URL at the kill: the killed process's.
    pub held: BTreeMap<String, u64>,
}

/// What the killed consumers are pointed at.
pub struct Plan {
    pub times: u32,
    pub stacks: Vec<String>,
    pub localstack: String,
    pub target: IngestTarget,
    pub run_dir: PathBuf,
    /// Consume as Microsoft's EKS poller does, deleting on receive (`consume
    /// --delete-on-receive`): the kills then lose what was deleted and not finished.
    pub delete_on_receive: bool,
}

/// The `simulator` binary: this process when it is one, else the one cargo builds beside the
/// running test binary (`target/debug/simulator`, tests run from `target/debug/deps/`).
fn simulator_exe() -> Result<PathBuf> {
    let me = std::env::current_exe().context("finding the running executable")?;
    if me.file_stem().is_some_and(|s| s == "simulator") {
        return Ok(me);
    }
    let beside = me
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join(format!("simulator{}", std::env::consts::EXE_SUFFIX)));
    match beside {
        Some(p) if p.is_file() => Ok(p),
        _ => bail!(
            "--kill-connector runs `simulator consume` processes, and no simulator binary is beside {}: build it first (cargo build -p simulator)",
            me.display()
        ),
    }
}

/// The `consume` command line of one killed consumer.
fn consume_command(exe: &Path, plan: &Plan, ca: &Path) -> Result<Command> {
    let Credential::ClientSecret(secret) = &plan.target.credential else {
        bail!("--kill-connector needs the endpoint's client-credentials login");
    };
    let mut c = Command::new(exe);
    c.arg("consume");
    for s in &plan.stacks {
        c.args(["--stack", s]);
    }
    if plan.delete_on_receive {
        c.arg("--delete-on-receive");
    }
    c.args(["--endpoint", &plan.localstack])
        .args(["--wait-seconds", "1"])
        .args(["--visibility-seconds", &VISIBILITY_SECONDS.to_string()])
        .args(["--ingest", &plan.target.endpoint])
        .args(["--dcr-id", &plan.target.dcr_immutable_id])
        .args(["--authority", &secret.authority])
        .args(["--tenant", &secret.tenant])
        .args(["--client-id", &secret.client_id])
        .args(["--client-secret", &secret.secret])
        .args(["--scope", &secret.scope])
        .arg("--ca")
        .arg(ca)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Ok(c)
}

/// Kills its process when dropped (an error on the way out leaves no consumer behind).
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn in_flight(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<u64> {
    let got = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .with_context(|| format!("SQS GetQueueAttributes {url}"))?;
    Ok(got
        .attributes()
        .and_then(|a| a.get(&A::ApproximateNumberOfMessagesNotVisible))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// Runs and kills the consumers, one after the other; each kill's figures.
pub async fn run(
    plan: &Plan,
    stats: &StatsHandle,
    sqs: &aws_sdk_sqs::Client,
    queues: &[String],
) -> Result<Vec<Kill>> {
    let exe = simulator_exe()?;
    let ca = plan.run_dir.join("ingest-ca.pem");
    let pem = plan
        .target
        .ca_pem
        .as_deref()
        .context("--kill-connector needs the endpoint's CA (it serves HTTPS)")?;
    std::fs::write(&ca, pem).with_context(|| format!("writing {}", ca.display()))?;
    let mut kills = Vec::new();
    for i in 1..=plan.times {
        let before = stats.accepted_rows();
        let mut child = Reaped(
            consume_command(&exe, plan, &ca)?
                .spawn()
                .with_context(|| format!("starting {} consume", exe.display()))?,
        );
        let deadline = Instant::now() + Duration::from_secs(600);
        while stats.accepted_rows() < before + ROWS_BEFORE_KILL {
            if let Some(status) = child.0.try_wait()? {
                bail!("killed consumer {i} exited by itself ({status}) before it was killed: run `simulator consume` by hand to see why");
            }
            if Instant::now() > deadline {
                bail!("killed consumer {i}: fewer than {ROWS_BEFORE_KILL} rows accepted in 10 minutes");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        child.0.kill().context("SIGKILL to the consumer")?;
        child.0.wait().context("waiting for the killed consumer")?;
        let rows_accepted = stats.accepted_rows();
        let mut held = BTreeMap::new();
        for q in queues {
            let n = in_flight(sqs, q).await?;
            if n > 0 {
                held.insert(q.clone(), n);
            }
        }
        crate::progress::eprintln(format_args!(
            "e2e: consumer {i} of {} killed (SIGKILL) with {} rows accepted and {} messages in flight",
            plan.times,
            rows_accepted,
            held.values().sum::<u64>()
        ));
        kills.push(Kill {
            rows_accepted,
            held,
        });
        // Its messages back before the next consumer, so each kill's are counted once.
        let back_by = Instant::now() + Duration::from_secs(VISIBILITY_SECONDS * 12);
        for q in queues {
            while in_flight(sqs, q).await? > 0 {
                if Instant::now() > back_by {
                    bail!("the messages killed consumer {i} held in {q} did not come back within {} s", VISIBILITY_SECONDS * 12);
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    }
    Ok(kills)
}

/// The duplicates the kills may cause in the queue `url` whose objects have at most
/// `max_rows` rows each.
pub fn duplicates_allowed(kills: &[Kill], url: &str, max_rows: u64) -> u64 {
    kills
        .iter()
        .map(|k| k.held.get(url).copied().unwrap_or(0))
        .sum::<u64>()
        * max_rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_allowed_are_the_held_messages_of_the_queue_times_its_largest_object() {
        let kills = vec![
            Kill {
                rows_accepted: 100,
                held: BTreeMap::from([("q1".to_string(), 4), ("q2".to_string(), 1)]),
            },
            Kill {
                rows_accepted: 250,
                held: BTreeMap::from([("q1".to_string(), 2)]),
            },
        ];
        assert_eq!(duplicates_allowed(&kills, "q1", 50), 300);
        assert_eq!(duplicates_allowed(&kills, "q2", 50), 50);
        assert_eq!(duplicates_allowed(&kills, "q3", 50), 0);
        assert_eq!(duplicates_allowed(&[], "q1", 50), 0);
    }
}
