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
    /// The knowledge base could not answer now (503, cause logged).
    Internal(String),
}

/// The status each error of the knowledge base answers with, decided here for every kind (a new
/// kind does not compile until it is given one):
///
/// | error | status | why |
/// | --- | --- | --- |
/// | `NotFound` | 404, the not-found page | nothing goes by that name |
/// | `NoSuchSection` | 404, JSON `{"kind": "section"}` | the runbook exists, the section does not |
/// | `Clock` | 400 | `?at=` is not an RFC 3339 moment |
/// | `Config`, `NoRoot`, `MissingSource` | 503 | the server's configuration, not the request |
/// | `Io`, `Index`, `IndexDirectory`, `IncompleteListing`, `State` | 503 | the disk or the index failed; a retry may succeed |
/// | `Runbook` | 503 | a runbook file could not be read right now |
/// | `Semantic` | 503 | the sentence model failed |
///
/// A 503 says "try again" to the caller and logs the cause; bad input never gets a 5xx.
impl From<runbook_core::Error> for WebError {
    fn from(error: runbook_core::Error) -> Self {
        use runbook_core::Error;
        match error {
            Error::NotFound(name) => WebError::NotFound(name),
            failure @ Error::NoSuchSection { .. } => WebError::NotFoundJson {
                kind: "section",
                message: failure.to_string(),
            },
            failure @ Error::Clock { .. } => WebError::BadRequest(failure.to_string()),
            failure @ (Error::Config { .. }
            | Error::NoRoot { .. }
            | Error::MissingSource(_)
            | Error::IncompleteListing(_)
            | Error::Io { .. }
            | Error::Index(_)
            | Error::IndexDirectory(_)
            | Error::Runbook(_)
            | Error::State { .. }
            | Error::Semantic(_)) => WebError::Internal(failure.to_string()),
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
