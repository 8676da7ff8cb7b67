//! Alertmanager's webhook receiver (`POST /api/alerts/alertmanager`) and the list of firing
//! alerts (`GET /api/alerts`).
//!
//! The receiver is off (404) until a token is configured; it then wants `Authorization: Bearer
//! TOKEN` (401 otherwise), a body of at most [`MAX_WEBHOOK_BYTES`] (413) and Alertmanager's
//! JSON (400 with the reason otherwise). Each alert is matched to a runbook: a `runbook` label
//! or annotation, the `/r/{key}` or `/runbooks/{app}` path of a `runbook_url` annotation, a
//! declared alert name, then the `app`, `service`, `job` and `instance` labels.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::AppState;
use super::WebError;
use runbook_core::KnowledgeBase;
use runbook_core::firing::FiringAlert;
use runbook_core::links::LinkPath;

/// Where Alertmanager posts.
pub const ALERTMANAGER_WEBHOOK: &str = "/api/alerts/alertmanager";
/// Largest webhook body accepted: Alertmanager groups alerts, and a storm's group can be large.
pub const MAX_WEBHOOK_BYTES: usize = 1024 * 1024;

/// Alertmanager's webhook payload (version 4); what is not read is ignored.
#[derive(Debug, Deserialize)]
pub struct Webhook {
    /// The alerts of the group, each firing or resolved.
    pub alerts: Vec<WebhookAlert>,
}

/// One alert of a webhook.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookAlert {
    /// `firing` or `resolved`.
    pub status: String,
    /// The alert's labels (`alertname`, `instance`, `severity`, …).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Its annotations (`summary`, `runbook_url`, …).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// When it started firing.
    pub starts_at: Option<DateTime<Utc>>,
    /// When it stops counting as firing unless sent again (Alertmanager's zero time: never).
    pub ends_at: Option<DateTime<Utc>>,
    /// Alertmanager's identity of the alert.
    #[serde(default)]
    pub fingerprint: String,
}

/// What the receiver did with a webhook.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Received {
    /// Alerts in the payload.
    pub accepted: usize,
    /// Alerts matched to a runbook.
    pub matched: usize,
    /// The names of those matched to none.
    pub unmatched: Vec<String>,
}

/// `POST /api/alerts/alertmanager`.
pub async fn alertmanager(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(token) = state.alerts_token.clone() else {
        return (
            StatusCode::NOT_FOUND,
            "the alert receiver is off: set RUNBOOK_ALERTS_TOKEN",
        )
            .into_response();
    };
    if !bearer_matches(&headers, &token) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a token in Authorization: Bearer is required",
        )
            .into_response();
    }
    let webhook: Webhook = match serde_json::from_slice(&body) {
        Ok(webhook) => webhook,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("not an Alertmanager webhook: {e}"),
            )
                .into_response();
        }
    };
    match state
        .blocking(move |kb| receive(kb, webhook, Utc::now()))
        .await
    {
        Ok(received) => Json(received).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /api/alerts`: every alert firing now, with its runbook.
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<FiringAlert>>, WebError> {
    let firing = state
        .blocking(|kb| kb.firing_alerts().firing(Utc::now()))
        .await?;
    Ok(Json(firing))
}

fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default();
    bool::from(given.as_bytes().ct_eq(token.as_bytes()))
}

/// Keeps the firing alerts of `webhook` with their runbooks and forgets the resolved ones.
pub fn receive(kb: &KnowledgeBase, webhook: Webhook, now: DateTime<Utc>) -> Received {
    let mut received = Received {
        accepted: webhook.alerts.len(),
        matched: 0,
        unmatched: Vec::new(),
    };
    let firing = kb.firing_alerts();
    for alert in webhook.alerts {
        let name = alert.labels.get("alertname").cloned().unwrap_or_default();
        let fingerprint = fingerprint_of(&alert);
        if alert.status == "resolved" {
            firing.resolve(&fingerprint);
            continue;
        }
        match runbook_of(kb, &alert) {
            Some(app) => {
                received.matched += 1;
                firing.fire(FiringAlert {
                    app,
                    alertname: name,
                    severity: alert.labels.get("severity").cloned(),
                    summary: alert
                        .annotations
                        .get("summary")
                        .or_else(|| alert.annotations.get("description"))
                        .cloned(),
                    starts_at: alert.starts_at.unwrap_or(now),
                    instance: alert.labels.get("instance").cloned(),
                    // Alertmanager's zero time (year 1) means "no end".
                    ends_at: alert.ends_at.filter(|ends| ends.timestamp() > 0),
                    fingerprint,
                });
            }
            None => received.unmatched.push(name),
        }
    }
    if let Err(e) = firing.save() {
        // Kept in memory; Alertmanager sends firing alerts again within its repeat interval.
        tracing::warn!("cannot save the firing alerts: {e}");
    }
    received
}

/// Alertmanager's fingerprint, or one made from the labels when a sender gives none.
fn fingerprint_of(alert: &WebhookAlert) -> String {
    if !alert.fingerprint.is_empty() {
        return alert.fingerprint.clone();
    }
    let labels: Vec<String> = alert
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!("labels:{}", labels.join(","))
}

/// The app id of the runbook an alert names, first rule that resolves winning.
fn runbook_of(kb: &KnowledgeBase, alert: &WebhookAlert) -> Option<String> {
    let resolve = |key: &str| kb.link_target(key).ok().flatten().map(|target| target.app);
    let from_annotation = alert
        .annotations
        .get("runbook")
        .and_then(|app| resolve(app))
        .or_else(|| {
            let url = alert.annotations.get("runbook_url")?;
            resolve(LinkPath::of(url)?.name())
        });
    if let Some(app) = alert
        .labels
        .get("runbook")
        .and_then(|app| resolve(app))
        .or(from_annotation)
    {
        return Some(app);
    }
    kb.link_target_for_labels(&alert.labels)
        .ok()
        .flatten()
        .map(|target| target.app)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_bearer_token_passes() {
        let mut headers = HeaderMap::new();
        assert!(!bearer_matches(&headers, "s3cret"));
        headers.insert(
            header::AUTHORIZATION,
            "Bearer s3cret".parse().expect("header"),
        );
        assert!(bearer_matches(&headers, "s3cret"));
        headers.insert(
            header::AUTHORIZATION,
            "Bearer s3cre".parse().expect("header"),
        );
        assert!(!bearer_matches(&headers, "s3cret"));
        headers.insert(
            header::AUTHORIZATION,
            "Basic s3cret".parse().expect("header"),
        );
        assert!(!bearer_matches(&headers, "s3cret"));
    }
}
