//! The read API of the mock (`/_mock/...`): stored rows per stream, pages of rows, request
//! statistics and the stream declarations.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Result;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::handler::az_error;
use super::schema::{self, streams, StreamDecl};
use super::server::{AppState, Stats};
use super::store::{Store, StoredRow};

/// Body of `GET /_mock/streams`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamCounts {
    #[serde(rename = "dcrImmutableId")]
    pub dcr_immutable_id: String,
    /// Rows stored per stream.
    pub streams: BTreeMap<String, u64>,
}

/// Body of `GET /_mock/streams/{stream}/rows`.
#[derive(Debug, Serialize)]
pub struct RowsPage {
    pub stream: String,
    pub rows: Vec<StoredRow>,
    /// Pass as `after` for the next page (the last id returned, or the
    /// `after` given when the page is empty).
    pub next_after: i64,
    /// Whether the page was full (more rows may follow).
    pub more: bool,
}

#[derive(Debug, Deserialize)]
pub(super) struct RowsQuery {
    after: Option<i64>,
    limit: Option<usize>,
}

/// Default and largest page of `GET /_mock/streams/{stream}/rows`.
pub const DEFAULT_PAGE: usize = 1000;
pub const MAX_PAGE: usize = 10_000;

fn internal(e: impl std::fmt::Display) -> Response {
    az_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerError",
        e.to_string(),
        Vec::new(),
    )
}

async fn with_store<T: Send + 'static>(
    st: &Arc<AppState>,
    f: impl FnOnce(&Store) -> Result<T> + Send + 'static,
) -> Result<T, Response> {
    let store = st.store.clone();
    tokio::task::spawn_blocking(move || f(&store.lock().unwrap_or_else(|e| e.into_inner())))
        .await
        .map_err(internal)?
        .map_err(|e| internal(format!("{e:#}")))
}

pub(super) async fn mock_streams(State(st): State<Arc<AppState>>) -> Response {
    match with_store(&st, |s| s.counts()).await {
        Ok(streams) => Json(StreamCounts {
            dcr_immutable_id: st.dcr_id.clone(),
            streams,
        })
        .into_response(),
        Err(r) => r,
    }
}

pub(super) async fn mock_rows(
    State(st): State<Arc<AppState>>,
    Path(stream): Path<String>,
    q: Result<Query<RowsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = q else {
        return az_error(
            StatusCode::BAD_REQUEST,
            "InvalidQuery",
            "after must be an integer and limit a positive integer.",
            Vec::new(),
        );
    };
    if schema::stream(&stream).is_none() {
        return az_error(
            StatusCode::NOT_FOUND,
            "InvalidStream",
            format!("Unknown stream '{stream}'."),
            Vec::new(),
        );
    }
    let after = q.after.unwrap_or(0);
    let limit = q.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let s2 = stream.clone();
    match with_store(&st, move |s| s.rows_page(&s2, after, limit)).await {
        Ok(rows) => Json(RowsPage {
            next_after: rows.last().map_or(after, |r| r.id),
            more: rows.len() == limit,
            stream,
            rows,
        })
        .into_response(),
        Err(r) => r,
    }
}

pub(super) async fn mock_stats(State(st): State<Arc<AppState>>) -> Json<Stats> {
    Json(st.counters())
}

pub(super) async fn mock_declarations() -> Json<&'static [StreamDecl]> {
    Json(streams())
}
