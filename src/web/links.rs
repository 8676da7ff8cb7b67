//! `GET /r/{key}` and `GET /r/?alertname=…&instance=…`: one stable link per application and
//! alert, for an alerting rule's `runbook_url`. It answers `303 See Other` to the runbook's
//! page, at the section the alert names; a key that names no runbook gets the search page for
//! it (404), so whoever followed the link can still look.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::pages::{PAGE_LIMIT, search_page_for};
use super::{AppState, MAX_QUERY_CHARS, WebError};
use crate::views::markdown::runbook_url;
use runbook_core::links::LinkTarget;

/// Alert labels `/r/?…` reads; any others are ignored.
const LABELS: [&str; 6] = ["runbook", "alertname", "app", "service", "job", "instance"];

/// `GET /r/{key}`: the runbook an app id, alias, host, IP, URL or declared alert name names.
pub async fn follow_key(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Response, WebError> {
    let key = bounded(&key)?;
    let lookup = key.clone();
    let target = state.blocking(move |kb| kb.link_target(&lookup)).await??;
    answer(&state, target, key).await
}

/// `GET /r/?alertname=A&instance=I…`: the runbook an alert's labels name (see
/// [`runbook_core::KnowledgeBase::link_target_for_labels`] for the order they are tried in).
pub async fn follow_labels(
    State(state): State<AppState>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let mut labels = BTreeMap::new();
    for name in LABELS {
        if let Some(value) = params.get(name).filter(|v| !v.trim().is_empty()) {
            labels.insert(name.to_string(), bounded(value)?);
        }
    }
    // What the search page shows when nothing matches: the alert's own name first.
    let shown = ["alertname", "runbook", "app", "service", "job", "instance"]
        .into_iter()
        .find_map(|name| labels.get(name).cloned())
        .unwrap_or_default();
    let target = state
        .blocking(move |kb| kb.link_target_for_labels(&labels))
        .await??;
    answer(&state, target, shown).await
}

/// The redirect to `target`, or the search page for `shown` with 404.
async fn answer(
    state: &AppState,
    target: Option<LinkTarget>,
    shown: String,
) -> Result<Response, WebError> {
    match target {
        Some(target) => Ok(see_other(&target)),
        None => {
            let page = search_page_for(state, shown, PAGE_LIMIT, false, None).await?;
            Ok((StatusCode::NOT_FOUND, page).into_response())
        }
    }
}

fn see_other(target: &LinkTarget) -> Response {
    let mut location = runbook_url(&target.app);
    if let Some(anchor) = &target.anchor {
        location.push('#');
        // A heading's id may hold any letter; a Location header holds ASCII only.
        location.push_str(&runbook_core::config::percent_encode_path(anchor));
    }
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// A key or label within the query length the search page accepts.
fn bounded(value: &str) -> Result<String, WebError> {
    let value = value.trim();
    if value.chars().count() > MAX_QUERY_CHARS {
        return Err(WebError::QueryTooLong);
    }
    Ok(value.to_string())
}
