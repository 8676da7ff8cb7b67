//! The errors a handler answers with, and the response each becomes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{MAX_QUERY_CHARS, pages};

/// Errors a handler answers with. Never a 500 for bad input: that is a 4xx.
#[derive(Debug)]
pub enum WebError {
    NotFound(String),
    /// Not found, answered as JSON (for the API): `{"error": message, "kind": "runbook"|"section"}`.
    NotFoundJson {
        kind: &'static str,
        message: String,
    },
    QueryTooLong,
    /// A parameter the request got wrong, said in words (400).
    BadRequest(String),
    Internal(String),
}

impl From<runbook_core::Error> for WebError {
    fn from(e: runbook_core::Error) -> Self {
        match e {
            runbook_core::Error::NotFound(name) => WebError::NotFound(name),
            e @ runbook_core::Error::NoSuchSection { .. } => WebError::NotFoundJson {
                kind: "section",
                message: e.to_string(),
            },
            e @ runbook_core::Error::Clock { .. } => WebError::BadRequest(e.to_string()),
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::NotFound(what) => pages::not_found_page(&what).into_response(),
            WebError::NotFoundJson { kind, message } => (
                StatusCode::NOT_FOUND,
                axum::Json(serde_json::json!({ "error": message, "kind": kind })),
            )
                .into_response(),
            WebError::QueryTooLong => (
                StatusCode::URI_TOO_LONG,
                format!("query longer than {MAX_QUERY_CHARS} characters"),
            )
                .into_response(),
            WebError::BadRequest(message) => (StatusCode::BAD_REQUEST, message).into_response(),
            WebError::Internal(message) => {
                tracing::error!("request failed: {message}");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the knowledge base could not answer; try again",
                )
                    .into_response()
            }
        }
    }
}
