//! Authentication at the server's door: request headers become [`Credentials`], which
//! [`Access`] checks; a request that does not pass gets 401. `/healthz`, `/metrics` and the
//! static assets stay open, for monitoring and so the page can style its own login prompt.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;

use super::AppState;
use crate::auth::{Access, Credentials};

/// Paths anyone may fetch: nothing on them comes from a runbook's body.
fn is_open(path: &str) -> bool {
    use super::alerts::ALERTMANAGER_WEBHOOK;
    // Alertmanager's webhook and the slash commands present secrets of their own.
    matches!(
        path,
        "/healthz"
            | "/metrics"
            | ALERTMANAGER_WEBHOOK
            | super::chat::SLACK
            | super::chat::MATTERMOST
    ) || path.starts_with("/static/")
}

/// The middleware: lets a request through when no authentication is configured, when its path
/// is open, or when its credentials pass.
pub async fn require(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(access) = state.access.clone() else {
        return next.run(request).await;
    };
    if is_open(request.uri().path()) {
        return next.run(request).await;
    }
    let credentials = credentials(&access, request.headers());
    let checker = access.clone();
    // A malformed RUNBOOK_NOW fails every search with its own error; expiry still needs a date.
    let today = runbook_core::clock::today()
        .unwrap_or_else(|_| runbook_core::clock::local_date(chrono::Utc::now()));
    // argon2 takes tens of milliseconds of CPU: not on the async threads.
    let outcome = tokio::task::spawn_blocking(move || checker.check(&credentials, today)).await;
    match outcome {
        Ok(Ok(_who)) => next.run(request).await,
        Ok(Err(denied)) => {
            tracing::info!("401 for {}: {denied}", request.uri().path());
            unauthorized(&access)
        }
        Err(e) => {
            tracing::error!("credential check failed: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response()
        }
    }
}

/// What the request presents. The trusted proxy header, when configured and present, wins.
fn credentials(access: &Access, headers: &HeaderMap) -> Credentials {
    if let Some(name) = access.trusted_header()
        && let Some(value) = headers.get(name)
    {
        return match value.to_str().map(str::trim) {
            Ok(user) if !user.is_empty() => Credentials::ProxyUser(user.to_string()),
            _ => Credentials::Malformed,
        };
    }
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Credentials::Missing;
    };
    let Ok(value) = value.to_str() else {
        return Credentials::Malformed;
    };
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        Credentials::Bearer(rest.to_string())
    } else if scheme.eq_ignore_ascii_case("basic") {
        base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|pair| {
                let (user, password) = pair.split_once(':')?;
                Some(Credentials::Basic {
                    user: user.to_string(),
                    password: password.to_string(),
                })
            })
            .unwrap_or(Credentials::Malformed)
    } else {
        Credentials::Malformed
    }
}

/// 401, saying which schemes would work, so a browser shows its login prompt.
fn unauthorized(access: &Arc<Access>) -> Response {
    let mut response = (
        StatusCode::UNAUTHORIZED,
        "authentication required: these runbooks hold login steps",
    )
        .into_response();
    let headers = response.headers_mut();
    if access.accepts_passwords() {
        headers.append(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"runbook\", charset=\"UTF-8\""),
        );
    }
    if access.accepts_tokens() {
        headers.append(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"runbook\""),
        );
    }
    response
}
