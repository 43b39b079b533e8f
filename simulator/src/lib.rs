//! Simulator for the Microsoft Sentinel "Amazon Web Services S3" connectors.
//!
//! * [`synth`]: deterministic generators of AWS log objects (VPC Flow Logs,
//!   GuardDuty, CloudTrail, CloudWatch via Firehose) and their ground-truth
//!   manifest.
//! * [`tables`]: typed rows of the Sentinel tables (the catalogue's, shared with the connector).
//! * [`connector`]: the `connector` crate (what Sentinel does), re-exported; [`parse_cli`] is
//!   its `parse` command.
//! * [`replay`], [`ingest`], [`e2e`], [`bench`]: delivery into a deployed stack, the mock Logs
//!   Ingestion endpoint, the end-to-end run and the benchmark.
//! * [`simulate`]: the `simulate` command.
//! * [`progress`]: progress bars (terminal only) and phase lines on stderr.
//! * [`access`]: the e2e job's access proof (policies read back, the connector's gate,
//!   service writes evaluated).
//! * [`access_check`]: the `access check` command (one request against a template's policies).

pub mod access;
pub mod access_check;
pub mod bench;
pub mod consume;
pub mod doctor;
pub use connector;
pub mod e2e;
pub mod ingest;
pub mod parse_cli;
pub mod progress;
pub mod replay;
pub mod simulate;
pub mod synth;
pub mod verify;
pub use catalogue::tables;
/// The one list of data types (re-exported so users of the simulator need no other import).
pub use catalogue::DataType;
