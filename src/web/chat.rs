//! Slash commands: `POST /api/chat/slack` and `POST /api/chat/mattermost` answer `/runbook
//! QUERY` with the chat answer of [`crate::views::chat`], visible only to whoever asked.
//!
//! Each is off (404) until its secret is set. Slack's requests are signed: `X-Slack-Signature`
//! is `v0=` and the hex HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{body}` under the signing
//! secret, compared in constant time, and a timestamp more than [`MAX_SKEW_SECS`] from now is
//! refused (a replay). Mattermost sends its token as `Authorization: Token …` or in the form.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hmac::{KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::{AppState, WebError};
use crate::views::chat::ChatAnswer;
use runbook_core::SearchRequest;

/// Paths the slash commands post to.
pub const SLACK: &str = "/api/chat/slack";
pub const MATTERMOST: &str = "/api/chat/mattermost";
/// How far a Slack request's timestamp may be from now, in seconds.
pub const MAX_SKEW_SECS: i64 = 300;
/// Hits a chat answer looks at: the answer and the next two.
const CHAT_HITS: usize = 3;

/// The fields of a slash command's form that are read.
#[derive(Debug, Deserialize)]
struct SlashCommand {
    #[serde(default)]
    text: String,
    #[serde(default)]
    token: String,
}

/// `POST /api/chat/slack`.
pub async fn slack(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = state.chat.slack_signing_secret.clone() else {
        return (
            StatusCode::NOT_FOUND,
            "Slack is off: set RUNBOOK_SLACK_SIGNING_SECRET",
        )
            .into_response();
    };
    if let Err(why) = verify_slack(&headers, &body, &secret, chrono::Utc::now().timestamp()) {
        tracing::info!("401 for a Slack command: {why}");
        return (StatusCode::UNAUTHORIZED, why).into_response();
    }
    let command = match serde_urlencoded::from_bytes::<SlashCommand>(&body) {
        Ok(command) => command,
        Err(e) => {
            return (StatusCode::BAD_REQUEST, format!("not a slash command: {e}")).into_response();
        }
    };
    match answer(&state, &headers, command.text).await {
        Ok(answer) => {
            let text = answer.slack_text();
            Json(serde_json::json!({
                "response_type": "ephemeral",
                "text": text,
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
            }))
            .into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /api/chat/mattermost`.
pub async fn mattermost(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(token) = state.chat.mattermost_token.clone() else {
        return (
            StatusCode::NOT_FOUND,
            "Mattermost is off: set RUNBOOK_MATTERMOST_TOKEN",
        )
            .into_response();
    };
    let command = match serde_urlencoded::from_bytes::<SlashCommand>(&body) {
        Ok(command) => command,
        Err(e) => {
            return (StatusCode::BAD_REQUEST, format!("not a slash command: {e}")).into_response();
        }
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Token "))
        .map_or(command.token.as_str(), str::trim);
    if !bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
        return (StatusCode::UNAUTHORIZED, "wrong or missing token").into_response();
    }
    match answer(&state, &headers, command.text).await {
        Ok(answer) => Json(serde_json::json!({
            "response_type": "ephemeral",
            "text": answer.markdown(),
        }))
        .into_response(),
        Err(e) => e.into_response(),
    }
}

/// Whether a Slack request is signed with `secret` and recent at `now` (seconds); why not.
pub fn verify_slack(
    headers: &HeaderMap,
    body: &[u8],
    secret: &str,
    now: i64,
) -> Result<(), &'static str> {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let timestamp = header("x-slack-request-timestamp")
        .and_then(|value| value.trim().parse::<i64>().ok())
        .ok_or("no X-Slack-Request-Timestamp")?;
    if (now - timestamp).abs() > MAX_SKEW_SECS {
        return Err("the request's timestamp is more than 5 minutes from now");
    }
    let signature = header("x-slack-signature")
        .and_then(|value| value.trim().strip_prefix("v0="))
        .and_then(|hex_digits| hex::decode(hex_digits).ok())
        .ok_or("no X-Slack-Signature")?;
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .map_err(|_| "unusable signing secret")?;
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    mac.verify_slice(&signature)
        .map_err(|_| "the signature does not match")
}

/// The chat answer to `query`.
async fn answer(
    state: &AppState,
    headers: &HeaderMap,
    query: String,
) -> Result<ChatAnswer, WebError> {
    let base = public_base(state, headers);
    let query = query.trim().to_string();
    if query.is_empty() {
        return Ok(ChatAnswer {
            title: None,
            lines: vec!["Usage: /runbook QUERY (an app, a host, an IP, an error, or what the caller describes)".into()],
        });
    }
    state
        .blocking(move |kb| -> runbook_core::Result<ChatAnswer> {
            let results = kb.search(&SearchRequest::new(query.clone()).limit(CHAT_HITS))?;
            let details = match (&results.answer, results.hits.first()) {
                (Some(answer), _) => Some(answer.clone()),
                (None, Some(top)) => {
                    let now = runbook_core::clock::now()?;
                    kb.runbook(&top.app)
                        .and_then(|runbook| kb.details(&runbook, None, now))
                        .ok()
                }
                (None, None) => None,
            };
            Ok(ChatAnswer::new(&query, &results, details.as_ref(), &base))
        })
        .await?
        .map_err(WebError::from)
}

/// The address links in chat start with: `RUNBOOK_PUBLIC_URL` as configured, else the host the
/// request came to.
fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(base) = &state.chat.public_url {
        return base.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(body: &str, secret: &str, timestamp: i64) -> HeaderMap {
        let mut mac =
            <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(format!("v0:{timestamp}:{body}").as_bytes());
        let signature = format!("v0={}", hex::encode(mac.finalize().into_bytes()));
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-slack-request-timestamp",
            timestamp.to_string().parse().expect("header"),
        );
        headers.insert("x-slack-signature", signature.parse().expect("header"));
        headers
    }

    #[test]
    fn slacks_signature_is_checked_over_the_timestamp_and_the_exact_body() {
        let body = "command=%2Frunbook&text=ledger";
        let headers = signed(body, "secret", 1_000_000);
        assert_eq!(
            verify_slack(&headers, body.as_bytes(), "secret", 1_000_010),
            Ok(())
        );
        assert!(
            verify_slack(
                &headers,
                b"command=%2Frunbook&text=ledgeR",
                "secret",
                1_000_010
            )
            .is_err()
        );
        assert!(verify_slack(&headers, body.as_bytes(), "other", 1_000_010).is_err());
        assert!(
            verify_slack(&headers, body.as_bytes(), "secret", 1_000_000 + 301).is_err(),
            "stale"
        );
        assert!(verify_slack(&HeaderMap::new(), body.as_bytes(), "secret", 1_000_000).is_err());
    }
}
