//! A mock of the Azure Monitor **Logs Ingestion API** (DCR-based,
//! `api-version=2023-01-01`), the endpoint the Sentinel connector posts
//! table rows to, with durable storage and fault injection.
//!
//! ```text
//! POST {base}/dataCollectionRules/{dcrImmutableId}/streams/{stream}?api-version=2023-01-01
//! Authorization: Bearer <token>          (401 without; see Config::auth)
//! Content-Type: application/json         (415 otherwise)
//! Content-Encoding: gzip                 (optional; other encodings 415)
//! x-ms-client-request-id: <id>           (optional; stored with the rows, echoed)
//! [ {row}, {row}, ... ]
//! ```
//!
//! Checks, in order: injected fault (429 + `Retry-After` / 500 / 503 /
//! connection closed without a response, see [`Faults`]), bearer token (401),
//! `api-version` (400), DCR id and stream (404), content type and encoding
//! (415), size (413): the compressed body at most [`MAX_BODY_BYTES`], the rows' JSON
//! at most [`MAX_BODY_BYTES`] summed as Microsoft's SDK counts it, the decoded body at most
//! twice that, valid gzip (400), a JSON array (400), then every row against the
//! stream declaration: declared columns only, values of the declared type
//! (`null` allowed), `TimeGenerated` present (400, with up to 20 `details`).
//! A valid request stores all its rows in one SQLite transaction and gets
//! 204; any error stores nothing. Errors have the Azure Core shape
//! `{"error":{"code","message","details"?}}` and an `x-ms-error-code`
//! header; every ingestion response carries `x-ms-client-request-id` and
//! `x-ms-request-id`. Values over 64 KiB, which the real service truncates,
//! are stored whole and counted in [`Stats::oversized_values`].
//!
//! Streams ([`STREAM_NAMES`]): `Custom-AWSVPCFlow`, `Custom-AWSGuardDuty`,
//! `Custom-AWSCloudTrail`, `Custom-AWSCloudWatch`, `Custom-AWSEKSLogs_CL`,
//! `Custom-AWSSecurityHubFindings`;
//! the columns are those of [`crate::tables`] (see [`schema`]).
//!
//! Read API (no auth, for tests and the end-to-end check):
//! * `GET /_mock/streams`: `{"dcrImmutableId":..,"streams":{"Custom-..":rows}}` ([`StreamCounts`])
//! * `GET /_mock/streams/{stream}/rows?after=<id>&limit=<n>`: [`RowsPage`]
//!   (rows with `id > after`, default 1000, at most 10000; each row's
//!   `row` is its JSON exactly as received)
//! * `GET /_mock/stats`: [`Stats`]
//! * `GET /_mock/declarations`: the stream declarations
//!
//! From Rust: [`serve`] a [`Config`] on the current tokio runtime, use
//! [`Server::ingest_url`], then [`Server::shutdown`]; read a store file with
//! [`Store::open`], [`Store::counts`], [`Store::rows`] (also after the server
//! stopped).

mod cli;
pub mod entra;
pub mod faults;
mod for_connector;
mod handler;
mod read_api;
pub mod schema;
mod server;
pub mod store;
pub mod tls;

pub use cli::{run as run_cli, ServeIngestionArgs};
pub use faults::{FaultError, Faults, Latency};
pub use for_connector::serve_for_connector;
pub use handler::{API_VERSION, MAX_BODY_BYTES};
pub use read_api::{RowsPage, StreamCounts, DEFAULT_PAGE, MAX_PAGE};
pub use schema::{
    stream, stream_for_table, streams, Column, ColumnType, StreamDecl, MAX_FIELD_BYTES,
    STREAM_NAMES,
};
pub use server::{
    app, ingest_url, serve, validate_dcr_id, Auth, Config, Injected, Server, Stats, StatsHandle,
    SHUTDOWN_GRACE,
};
pub use store::{Batch, NewRow, Rows, Store, StoredRow};
