//! The JSON API under `/api/`, plus `/healthz` and `/metrics`.

use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::metrics::IndexGauges;
use super::{AppState, MAX_LIMIT, MAX_QUERY_CHARS, WebError};
use crate::views::markdown;
use runbook_core::misses::{Miss, Outcome};
use runbook_core::request::SearchRequest;
use runbook_core::results::{RunbookDetails, RunbookSummary, SearchResults};

/// Query string of search requests. `limit` is text so a malformed one means "default", not 400.
#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub limit: Option<String>,
    /// `1` or `true`: each hit says why it scored as it did.
    #[serde(default)]
    pub explain: Option<String>,
    /// Set by search as you type: the query is still being typed, so it is not counted in the
    /// log of misses (the page asks again, without it, once the typing stops).
    #[serde(default)]
    pub typing: Option<String>,
    /// The query whose page this request came from (a facet, filter or suggestion link): the
    /// results of that one were acted on.
    #[serde(default)]
    pub from: Option<String>,
    /// The moment to answer for (RFC 3339): who on an answer card is reachable then.
    #[serde(default)]
    pub at: Option<String>,
}

/// An `at=` parameter: `None` when absent or empty, 400 when not an RFC 3339 time.
pub fn at_param(at: Option<&str>) -> Result<Option<DateTime<Utc>>, WebError> {
    match at.map(str::trim).filter(|a| !a.is_empty()) {
        Some(at) => Ok(Some(runbook_core::clock::parse(at, "at")?)),
        None => Ok(None),
    }
}

impl SearchParams {
    pub fn at(&self) -> Result<Option<DateTime<Utc>>, WebError> {
        at_param(self.at.as_deref())
    }

    pub fn limit(&self, default: usize) -> usize {
        self.limit
            .as_deref()
            .and_then(|l| l.trim().parse::<usize>().ok())
            .map_or(default, |l| l.clamp(1, MAX_LIMIT))
    }

    pub fn explain(&self) -> bool {
        matches!(self.explain.as_deref(), Some("1" | "true" | "yes"))
    }

    /// Whether the search counts for the log of misses: not while typing.
    pub fn counts(&self) -> bool {
        self.typing.is_none()
    }

    /// The query this request came from, if any and not too long to be one.
    pub fn from(&self) -> Option<&str> {
        from_query(self.from.as_deref())
    }

    pub fn query(&self) -> Result<&str, WebError> {
        if self.q.chars().count() > MAX_QUERY_CHARS {
            return Err(WebError::QueryTooLong);
        }
        Ok(self.q.trim())
    }
}

/// A `from=` query, ignored when empty or longer than any query the server answers.
pub fn from_query(from: Option<&str>) -> Option<&str> {
    from.map(str::trim)
        .filter(|f| !f.is_empty() && f.chars().count() <= MAX_QUERY_CHARS)
}

/// `GET /api/search?q=&limit=`: the search contract of README.md ("JSON").
pub async fn search(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Json<std::sync::Arc<SearchResults>>, WebError> {
    let query = params.query()?.to_string();
    let limit = params.limit(10);
    let at = params.at()?;
    if params.explain() {
        let now = runbook_core::clock::at_or_now(at)?;
        let results = state
            .blocking(move |kb| {
                kb.search(
                    &SearchRequest::new(query)
                        .limit(limit)
                        .explain(true)
                        .at(Some(now)),
                )
            })
            .await??;
        return Ok(Json(std::sync::Arc::new(results)));
    }
    let results = state.search(query.clone(), limit, at).await?;
    if params.counts() {
        // A program got the results; nobody is expected to open anything.
        let outcome = if results.total == 0 {
            Outcome::NoResults
        } else {
            Outcome::Answered
        };
        state.record_search(&query, outcome);
    }
    Ok(Json(results))
}

/// `GET /api/misses`: searches that found nothing, or whose results nobody opened, most
/// counted first.
pub async fn misses(State(state): State<AppState>) -> Json<Vec<Miss>> {
    Json(state.misses.list(chrono::Utc::now()))
}

/// `GET /api/runbooks`: every runbook with its headline facts.
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<RunbookSummary>>, WebError> {
    Ok(Json(state.blocking(|kb| kb.list()).await??))
}

#[derive(Debug, Deserialize)]
pub struct RunbookParams {
    pub section: Option<String>,
    /// The moment to answer for (RFC 3339): who is reachable then.
    pub at: Option<String>,
}

/// A runbook: `show`'s details plus the whole body as sanitized HTML.
#[derive(Debug, Serialize)]
pub struct RunbookPayload {
    #[serde(flatten)]
    pub details: RunbookDetails,
    pub html: String,
}

/// `GET /api/runbooks/{app}?section=`: facts, sections, rendered HTML. `app` may be any name the
/// runbook answers to.
pub async fn runbook(
    State(state): State<AppState>,
    Path(app): Path<String>,
    Query(params): Query<RunbookParams>,
) -> Result<Json<RunbookPayload>, WebError> {
    let now = runbook_core::clock::at_or_now(at_param(params.at.as_deref())?)?;
    let payload = state
        .blocking(move |kb| -> runbook_core::Result<RunbookPayload> {
            let runbook = kb.runbook(&app)?;
            let details = kb.details(&runbook, params.section.as_deref(), now)?;
            Ok(RunbookPayload {
                details,
                html: markdown::render(&runbook),
            })
        })
        .await?
        .map_err(|e| match WebError::from(e) {
            WebError::NotFound(what) => WebError::NotFoundJson {
                kind: "runbook",
                message: format!("no runbook found for {what:?}"),
            },
            other => other,
        })?;
    Ok(Json(payload))
}

#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    /// False until the first refresh after start-up has finished.
    ready: bool,
    runbooks: usize,
    watching: bool,
    reindexes: u64,
    /// Files left out of the index, with why.
    problems: Vec<runbook_core::FileProblem>,
    /// Ranking by meaning: on, off or unavailable (and why), the model, sections with vectors.
    semantic: runbook_core::knowledge_base::SemanticStatus,
    /// With `serve --pull`: the upstream, the commit served, the last pull and its error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pull: Option<crate::pull::PullStatus>,
    /// The answer cache's use of its bounds (answers and approximate bytes).
    cache: CacheUsage,
}

#[derive(Debug, Serialize)]
struct CacheUsage {
    answers: usize,
    bytes: usize,
}

/// `GET /healthz`: 200 with the number of runbooks indexed and any files left out.
pub async fn healthz(State(state): State<AppState>) -> Result<impl IntoResponse, WebError> {
    let (runbooks, problems) = state.blocking(|kb| (kb.indexed(), kb.problems())).await?;
    Ok(Json(Health {
        status: "ok",
        ready: state.ready.load(Ordering::Relaxed),
        runbooks,
        watching: state.watching.load(Ordering::Relaxed),
        reindexes: state.metrics.reindex_count(),
        problems,
        semantic: state.kb.semantic_status(),
        pull: state
            .pull
            .as_ref()
            .map(|status| status.lock().unwrap_or_else(|p| p.into_inner()).clone()),
        cache: {
            let (answers, bytes) = state.cache.usage();
            CacheUsage { answers, bytes }
        },
    }))
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, WebError> {
    let gauges = state
        .blocking(|kb| IndexGauges {
            runbooks: kb.indexed(),
            files_with_errors: kb.problems().len(),
            alerts_firing: kb.firing_alerts().firing(chrono::Utc::now()).len(),
            alerts_dropped: kb.firing_alerts().dropped(),
        })
        .await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&gauges),
    ))
}
