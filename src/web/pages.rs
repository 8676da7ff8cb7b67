//! Server-rendered HTML pages: search, results, runbook pages, and helpful 404s. They work
//! without JavaScript; `assets/app.js` only enhances them.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::api::{SearchParams, at_param, from_query};
use super::{AppState, WebError};
use crate::views::card::{CardView, HostingView};
use crate::views::markdown;
use runbook_core::misses::Outcome;
use runbook_core::query::{self, FilterField};
use runbook_core::request::SearchRequest;
use runbook_core::results::{Facets, RunbookDetails, RunbookSummary, SearchResults};
use runbook_core::runbook::Runbook;

/// Results shown on the page.
pub(super) const PAGE_LIMIT: usize = 20;
/// Values shown per facet on the page; the JSON has more.
const FACET_VALUES_SHOWN: usize = 8;

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage<'a> {
    site: &'a str,
    q: &'a str,
    results: String,
}

#[derive(Template)]
#[template(path = "results.html")]
struct ResultsView {
    q: String,
    total: usize,
    took: String,
    answer: Option<String>,
    hits: Vec<HitView>,
    /// For an empty query: every runbook, grouped by owner.
    owners: Vec<OwnerGroup>,
    /// The query's filters, each with a link to the query without it.
    filters: Vec<LinkView>,
    /// Values to narrow the results by, with counts.
    facets: Vec<FacetView>,
    /// When nothing matched: corrected queries that find something.
    suggestions: Vec<LinkView>,
}

/// A link that changes the query.
struct LinkView {
    label: String,
    url: String,
}

struct FacetView {
    name: &'static str,
    values: Vec<FacetValueView>,
}

struct FacetValueView {
    value: String,
    count: usize,
    /// Adds the filter, or removes it when it is `active`.
    url: String,
    active: bool,
}

struct HitView {
    title: String,
    url: String,
    section: String,
    snippet: String,
    hosting: HostingView,
    owner: String,
    path: String,
    /// Why the runbook may no longer be true.
    stale: Vec<String>,
    /// The alerts firing for it now.
    firing: Vec<String>,
}

struct OwnerGroup {
    owner: String,
    runbooks: Vec<ListedRunbook>,
}

struct ListedRunbook {
    title: String,
    url: String,
    hosting: HostingView,
}

#[derive(Template)]
#[template(path = "runbook.html")]
struct RunbookPage<'a> {
    site: &'a str,
    title: String,
    card: String,
    toc: Vec<TocEntry>,
    body: String,
    path: String,
    /// "Last changed 2026-10-01 by Priya Raman: Fix the restart steps", when git knows.
    last_change: String,
    edit_url: Option<String>,
}

struct TocEntry {
    anchor: String,
    heading: String,
    level: u8,
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundPage<'a> {
    site: &'a str,
    what: &'a str,
}

/// `GET /` and `GET /?q=`.
pub async fn search_page(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Html<String>, WebError> {
    let query_text = params.query()?.to_string();
    state.record_opened(params.from());
    search_page_for(
        &state,
        query_text,
        params.limit(PAGE_LIMIT),
        params.counts(),
        params.at()?,
    )
    .await
}

/// The search page with the results for `query_text`.
pub(super) async fn search_page_for(
    state: &AppState,
    query_text: String,
    limit: usize,
    counts: bool,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Html<String>, WebError> {
    let results = results_html(state, query_text.clone(), limit, counts, at).await?;
    let site = state.kb.book().title.clone();
    render(&SearchPage {
        site: &site,
        q: &query_text,
        results,
    })
}

/// `GET /fragments/results?q=`: the results part of the page, for search as you type.
pub async fn results_fragment(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Html<String>, WebError> {
    let query_text = params.query()?.to_string();
    state.record_opened(params.from());
    Ok(Html(
        results_html(
            &state,
            query_text,
            params.limit(PAGE_LIMIT),
            params.counts(),
            params.at()?,
        )
        .await?,
    ))
}

/// The results part of the page; `counts` says whether the search goes into the log of misses.
async fn results_html(
    state: &AppState,
    query_text: String,
    limit: usize,
    counts: bool,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<String, WebError> {
    if query_text.is_empty() {
        let all = state.blocking(|kb| kb.list()).await??;
        return render_string(&ResultsView {
            q: query_text,
            total: all.len(),
            took: String::new(),
            answer: None,
            hits: Vec::new(),
            owners: group_by_owner(all),
            filters: Vec::new(),
            facets: Vec::new(),
            suggestions: Vec::new(),
        });
    }
    let query = query_text.clone();
    let now = runbook_core::clock::at_or_now(at)?;
    let (results, answer_runbook) = state
        .blocking(
            move |kb| -> runbook_core::Result<(SearchResults, Option<Runbook>)> {
                let request = SearchRequest::new(query).limit(limit).at(Some(now));
                let results = kb.search(&request)?;
                // The answer card shows the login steps rendered, so it needs the runbook itself.
                let runbook = match &results.answer {
                    Some(answer) => kb.runbook(&answer.facts.app).ok(),
                    None => None,
                };
                Ok((results, runbook))
            },
        )
        .await??;
    if counts {
        let outcome = if results.total == 0 {
            Outcome::NoResults
        } else if results.answer.is_some() {
            // The fact card and login steps are on the page: nothing needs opening.
            Outcome::Answered
        } else {
            Outcome::Listed
        };
        state.record_search(&query_text, outcome);
    }
    let answer = match (&results.answer, &answer_runbook) {
        (Some(details), Some(runbook)) => Some(render_string(&card(details, Some(runbook)))?),
        _ => None,
    };
    render_string(&ResultsView {
        total: results.total,
        took: format!("{:.1}", results.took_ms),
        answer,
        hits: results
            .hits
            .iter()
            .map(|hit| hit_view(hit, &query_text))
            .collect(),
        owners: Vec::new(),
        filters: filter_views(&query_text),
        facets: facet_views(&query_text, &results.facets),
        suggestions: results
            .suggestions
            .iter()
            .map(|s| LinkView {
                label: s.clone(),
                url: search_url(s, &query_text),
            })
            .collect(),
        q: query_text,
    })
}

fn encode(text: &str) -> percent_encoding::PercentEncode<'_> {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC)
}

/// The page's address for query `q`, reached from the results of query `from`.
fn search_url(query_text: &str, from: &str) -> String {
    let mut url = format!("/?q={}", encode(query_text));
    if !from.is_empty() {
        url.push_str(&format!("&from={}", encode(from)));
    }
    url
}

fn filter_views(query_text: &str) -> Vec<LinkView> {
    query::parse(query_text)
        .filters
        .iter()
        .map(|(field, value)| LinkView {
            label: query::filter_text(*field, value),
            url: search_url(
                &query::without_filter(query_text, *field, value),
                query_text,
            ),
        })
        .collect()
}

fn facet_views(query_text: &str, facets: &Facets) -> Vec<FacetView> {
    [
        ("Hosting", FilterField::Hosting, &facets.hosting),
        ("Owner", FilterField::Owner, &facets.owner),
        ("Tag", FilterField::Tag, &facets.tag),
    ]
    .into_iter()
    .filter(|(_, _, values)| !values.is_empty())
    .map(|(name, field, values)| FacetView {
        name,
        values: Facets::top(values, FACET_VALUES_SHOWN)
            .into_iter()
            .map(|(value, count)| {
                let active = query::has_filter(query_text, field, value);
                let url = if active {
                    search_url(&query::without_filter(query_text, field, value), query_text)
                } else {
                    search_url(&query::with_filter(query_text, field, value), query_text)
                };
                FacetValueView {
                    value: value.to_string(),
                    count,
                    url,
                    active,
                }
            })
            .collect(),
    })
    .collect()
}

/// A hit as the page shows it. Its link names the query it came from, so that opening it marks
/// the query's results as used (see [`runbook_core::misses`]).
fn hit_view(hit: &runbook_core::results::Hit, query_text: &str) -> HitView {
    let mut url = format!(
        "{}?from={}",
        markdown::runbook_url(&hit.app),
        encode(query_text)
    );
    if !hit.anchor.is_empty() {
        url.push('#');
        url.push_str(&hit.anchor);
    }
    HitView {
        title: hit.title.clone(),
        url,
        section: hit.section.clone(),
        snippet: hit.snippet.clone(),
        hosting: HostingView::of(hit.hosting),
        owner: hit.owner.clone().unwrap_or_else(|| "owner unknown".into()),
        path: hit.path.clone(),
        stale: hit.stale.clone(),
        firing: hit.firing.clone(),
    }
}

fn group_by_owner(all: Vec<RunbookSummary>) -> Vec<OwnerGroup> {
    let mut groups: std::collections::BTreeMap<String, Vec<ListedRunbook>> = Default::default();
    for rb in all {
        groups
            .entry(rb.owner.clone().unwrap_or_else(|| "owner unknown".into()))
            .or_default()
            .push(ListedRunbook {
                url: markdown::runbook_url(&rb.app),
                title: rb.title,
                hosting: HostingView::of(rb.hosting),
            });
    }
    groups
        .into_iter()
        .map(|(owner, runbooks)| OwnerGroup { owner, runbooks })
        .collect()
}

/// `GET /runbooks/{app}?from=`. `from` is the search the runbook was opened from. The query
/// string is read as plain pairs, so that no odd one (a repeated key) keeps the page from showing.
pub async fn runbook_page(
    State(state): State<AppState>,
    Path(app): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let at = params
        .iter()
        .find(|(k, _)| k == "at")
        .map(|(_, v)| v.as_str());
    let now = runbook_core::clock::at_or_now(at_param(at)?)?;
    // Rendering is CPU work too: off the async threads, where the request timeout can still fire.
    let (runbook, details, body) = state
        .blocking(
            move |kb| -> runbook_core::Result<(Runbook, RunbookDetails, String)> {
                let runbook = kb.runbook(&app)?;
                let details = kb.details(&runbook, None, now)?;
                let body = markdown::render(&runbook);
                Ok((runbook, details, body))
            },
        )
        .await??;
    let from = params
        .iter()
        .find(|(k, _)| k == "from")
        .map(|(_, v)| v.as_str());
    state.record_opened(from_query(from));
    let site = state.kb.book().title.clone();
    let card = render_string(&card(&details, None))?;
    let page = RunbookPage {
        site: &site,
        title: runbook.facts.title.clone(),
        card,
        toc: runbook
            .sections
            .iter()
            .filter(|s| (2..=3).contains(&s.level))
            .map(|s| TocEntry {
                anchor: s.anchor.clone(),
                heading: s.heading.clone(),
                level: s.level,
            })
            .collect(),
        body,
        path: runbook.path.clone(),
        last_change: details
            .last_change
            .as_ref()
            .map(|change| {
                format!(
                    "Last changed {} by {}: {}",
                    change.date.format("%Y-%m-%d"),
                    change.author,
                    change.subject
                )
            })
            .unwrap_or_default(),
        edit_url: details.edit_url.clone(),
    };
    Ok(render(&page)?.into_response())
}

/// Any other path.
pub async fn not_found(State(state): State<AppState>) -> Response {
    let site = state.kb.book().title.clone();
    not_found_with(&site, "that page")
}

/// A 404 page for something that is not there.
pub fn not_found_page(what: &str) -> Response {
    not_found_with("Runbooks", what)
}

fn not_found_with(site: &str, what: &str) -> Response {
    let html = NotFoundPage { site, what }
        .render()
        .unwrap_or_else(|_| "not found".to_string());
    (StatusCode::NOT_FOUND, Html(html)).into_response()
}

/// The card for `details`; with `login_from`, the login steps rendered inside it.
fn card(details: &RunbookDetails, login_from: Option<&Runbook>) -> CardView {
    let login = login_from.and_then(|runbook| {
        let section = details.section.as_ref()?;
        Some(markdown::render_fragment(
            &section.markdown,
            &runbook.id_path,
        ))
    });
    CardView::new(details, markdown::runbook_url(&details.facts.app), login)
}

fn render_string(template: &impl Template) -> Result<String, WebError> {
    template
        .render()
        .map_err(|e| WebError::Internal(format!("template: {e}")))
}

fn render(template: &impl Template) -> Result<Html<String>, WebError> {
    render_string(template).map(Html)
}
