//! The web server: the support desk's search page, runbook pages and the JSON API, on axum.
//!
//! The web layer knows the knowledge base only through [`KnowledgeBase`]'s API; it never reads
//! files or touches the index itself. Index calls are synchronous and CPU-bound, so handlers run
//! them on tokio's blocking pool.

mod access;
mod api;
mod assets;
mod cache;
mod connections;
pub mod metrics;
mod pages;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::knowledge_base::KnowledgeBase;
use crate::misses::{MissLog, Outcome};
use crate::pull::{Checkout, PullStatus, Pulled};
use metrics::Metrics;

/// Longest query accepted; longer ones get 414 rather than tying up the index.
pub const MAX_QUERY_CHARS: usize = 1024;
/// Most results one request may ask for.
pub const MAX_LIMIT: usize = 200;
/// Time a request may take before it is answered with 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest request URI accepted, in bytes; longer ones get 414. Room for a query of
/// [`MAX_QUERY_CHARS`] characters even when every one is percent-encoded UTF-8.
pub const MAX_URI_BYTES: usize = 16 * 1024;
/// Largest request body accepted. Nothing here reads a body; this bounds what a client can make
/// the server buffer.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// How often the log of missed searches is written to the state folder (when it changed).
const SAVE_MISSES_EVERY: Duration = Duration::from_secs(5);

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub kb: Arc<KnowledgeBase>,
    pub metrics: Arc<Metrics>,
    /// Whether the runbook folder is being watched.
    pub watching: Arc<AtomicBool>,
    /// Whether the first refresh after start-up has finished.
    pub ready: Arc<AtomicBool>,
    /// Recent answers, valid until the index changes.
    pub(crate) cache: Arc<cache::SearchCache>,
    /// One permit per core for index work (see [`AppState::blocking`]).
    cpu: Arc<tokio::sync::Semaphore>,
    /// Who may read the runbooks; `None` lets everyone in.
    pub access: Option<Arc<crate::auth::Access>>,
    /// What the last `git pull` did, when the server follows its upstream (`--pull`).
    pub pull: Option<Arc<std::sync::Mutex<PullStatus>>>,
    /// Searches that found nothing, or whose results nobody opened.
    pub misses: Arc<MissLog>,
    /// Whether the last save of `misses` failed (so a lasting failure is logged once).
    misses_unsaved: Arc<AtomicBool>,
}

impl AppState {
    pub fn new(kb: Arc<KnowledgeBase>) -> AppState {
        AppState {
            metrics: Arc::new(Metrics::default()),
            watching: Arc::new(AtomicBool::new(false)),
            ready: Arc::new(AtomicBool::new(false)),
            cache: Arc::new(cache::SearchCache::default()),
            cpu: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            access: None,
            pull: None,
            misses: Arc::new(kb.miss_log()),
            misses_unsaved: Arc::new(AtomicBool::new(false)),
            kb,
        }
    }

    /// The same, counting listed results as not opened after `window` instead of the default
    /// ten minutes.
    pub fn with_open_window(mut self, window: Duration) -> AppState {
        self.misses = Arc::new(self.kb.miss_log().with_open_window(window));
        self
    }

    /// Counts a search for the log of misses.
    pub(crate) fn record_search(&self, query: &str, outcome: Outcome) {
        self.misses.record(query, outcome, chrono::Utc::now());
    }

    /// Notes that something was done with the results of `query` (a runbook opened, a filter
    /// clicked): they were not ignored.
    pub(crate) fn record_opened(&self, query: Option<&str>) {
        if let Some(query) = query {
            self.misses.opened(query, chrono::Utc::now());
        }
    }

    /// Writes the log of misses to the state folder, if it changed.
    pub async fn save_misses(&self) {
        let misses = self.misses.clone();
        let outcome = tokio::task::spawn_blocking(move || misses.save()).await;
        match outcome {
            Ok(Ok(())) => {
                if self.misses_unsaved.swap(false, Ordering::Relaxed) {
                    tracing::info!("the log of missed searches is saved again");
                }
            }
            Ok(Err(e)) => {
                if !self.misses_unsaved.swap(true, Ordering::Relaxed) {
                    tracing::warn!("cannot save the log of missed searches (kept in memory): {e}");
                }
            }
            Err(e) => tracing::error!("saving the log of missed searches failed: {e}"),
        }
    }

    /// Searches at the moment `at` (default: now), answering repeated questions from the cache
    /// while the index is unchanged.
    pub(crate) async fn search(
        &self,
        query: String,
        limit: usize,
        at: Option<DateTime<Utc>>,
    ) -> Result<Arc<crate::SearchResults>, WebError> {
        let started = Instant::now();
        let now = crate::clock::at_or_now(at)?;
        // Who is reachable and which reviews are overdue change with the clock, at minute
        // granularity at most: an answer is kept for the minute it was computed in. Questions
        // about another moment are rare and not kept.
        let minute = u64::try_from(now.timestamp() / 60).unwrap_or_default();
        let generation = self.kb.generation() ^ minute.wrapping_mul(0xA24B_AED4_963E_E407);
        let cached = if at.is_none() {
            self.cache.get(generation, &query, limit)
        } else {
            None
        };
        if let Some(cached) = cached {
            let mut answer = (*cached).clone();
            answer.took_ms = started.elapsed().as_secs_f64() * 1000.0;
            return Ok(Arc::new(answer));
        }
        let cache = self.cache.clone();
        let results = self
            .blocking(move |kb| {
                kb.search_at(&query, limit, crate::SearchMode::Hybrid, false, now)
                    .map(|r| (query, r))
            })
            .await??;
        let (query, results) = results;
        let results = Arc::new(results);
        if at.is_none() {
            cache.put(generation, &query, limit, results.clone());
        }
        Ok(results)
    }

    /// The same, with every request but `/healthz`, `/metrics` and assets authenticated.
    pub fn with_access(mut self, access: Option<crate::auth::Access>) -> AppState {
        self.access = access.map(Arc::new);
        self
    }

    /// Refreshes the index from the runbook folder, recording how long it took.
    pub async fn reindex(&self) {
        let kb = self.kb.clone();
        let started = Instant::now();
        let outcome = tokio::task::spawn_blocking(move || kb.refresh(&mut |_, _| {})).await;
        self.metrics.record_reindex(started.elapsed());
        self.ready.store(true, Ordering::Relaxed);
        match outcome {
            Ok(Ok(report)) => {
                if report.updated > 0 || report.removed > 0 {
                    tracing::info!(
                        updated = report.updated,
                        removed = report.removed,
                        indexed = report.indexed,
                        left_out = report.problems.len(),
                        "reindexed in {:.1} ms",
                        report.took.as_secs_f64() * 1000.0
                    );
                }
                for problem in &report.problems {
                    tracing::debug!("left out: {problem}");
                }
            }
            Ok(Err(e)) => tracing::error!("reindex failed, still serving the last good index: {e}"),
            Err(e) => tracing::error!("reindex task failed: {e}"),
        }
    }

    /// Computes the sentence vectors that sections lack, logging what it did. Searches go on
    /// meanwhile, with the vectors that exist.
    pub async fn embed(&self) {
        let kb = self.kb.clone();
        if !kb.semantic_status().state.is_on() {
            return;
        }
        let outcome = tokio::task::spawn_blocking(move || kb.embed(None, &mut |_, _| {})).await;
        match outcome {
            Ok(Ok(report)) if report.embedded > 0 => tracing::info!(
                embedded = report.embedded,
                sections = report.sections,
                "computed sentence vectors in {:.1} s",
                report.took.as_secs_f64()
            ),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!("computing sentence vectors failed: {e}"),
            Err(e) => tracing::error!("sentence vector task failed: {e}"),
        }
    }

    /// Runs index work off the async threads, one piece per core at a time. Index work is
    /// CPU-bound: thirty-two broad searches running at once on two cores finish no sooner than
    /// queued ones, and each holds its own working memory (and allocator arena) meanwhile.
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&KnowledgeBase) -> T + Send + 'static,
    ) -> Result<T, WebError> {
        let _permit = self
            .cpu
            .acquire()
            .await
            .map_err(|e| WebError::Internal(e.to_string()))?;
        let kb = self.kb.clone();
        tokio::task::spawn_blocking(move || work(&kb))
            .await
            .map_err(|e| WebError::Internal(e.to_string()))
    }
}

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

impl From<crate::Error> for WebError {
    fn from(e: crate::Error) -> Self {
        match e {
            crate::Error::NotFound(name) => WebError::NotFound(name),
            e @ crate::Error::NoSuchSection { .. } => WebError::NotFoundJson {
                kind: "section",
                message: e.to_string(),
            },
            e @ crate::Error::Clock { .. } => WebError::BadRequest(e.to_string()),
            other => WebError::Internal(other.to_string()),
        }
    }
}

/// Builds the application: routes, security headers, metrics.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::search_page))
        .route("/fragments/results", get(pages::results_fragment))
        .route("/runbooks/{*app}", get(pages::runbook_page))
        .route("/api/search", get(api::search))
        .route("/api/runbooks", get(api::list))
        .route("/api/runbooks/{*app}", get(api::runbook))
        .route("/api/misses", get(api::misses))
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .route("/static/{file}", get(assets::serve))
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            access::require,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_BODY_BYTES,
        ))
        .layer(middleware::from_fn(limit_uri_length))
        // Answers carry login steps: no browser or proxy cache should keep them. Static assets
        // set their own caching.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                 connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .with_state(state)
}

/// Answers 414 to a request whose URI is longer than [`MAX_URI_BYTES`], before any handler
/// parses it.
async fn limit_uri_length(request: Request, next: Next) -> Response {
    let length = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if length > MAX_URI_BYTES {
        return (
            StatusCode::URI_TOO_LONG,
            format!("request URI longer than {MAX_URI_BYTES} bytes"),
        )
            .into_response();
    }
    next.run(request).await
}

/// Counts requests by route (the pattern, not the raw path, so the label set stays small).
async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .record_request(&route, response.status().as_u16(), started.elapsed());
    response
}

/// Following the upstream of the served checkout: `serve --pull SECS`.
#[derive(Debug, Clone)]
pub struct Follow {
    pub checkout: Checkout,
    pub every: Duration,
}

/// Serves until Ctrl-C or SIGTERM. The caller has opened the knowledge base; this binds, starts
/// the first refresh, (unless `watch` is false) the folder watcher and (with `follow`) the pulls.
pub async fn serve(
    kb: Arc<KnowledgeBase>,
    access: Option<crate::auth::Access>,
    addr: SocketAddr,
    watch: bool,
    follow: Option<Follow>,
    verify_every: Option<Duration>,
) -> anyhow::Result<()> {
    use anyhow::Context;

    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr} (is another `runbook serve` running? choose another with --bind)")
    })?;
    let mut state = AppState::new(kb.clone()).with_access(access);
    let (changes, mut changed) = tokio::sync::mpsc::channel::<()>(1);
    if let Some(follow) = follow {
        let status = Arc::new(std::sync::Mutex::new(follow.checkout.status(follow.every)));
        state.pull = Some(status.clone());
        tokio::spawn(follow_upstream(follow, status, kb.clone(), changes.clone()));
    }

    // Sentence vectors are computed after each refresh, apart from it: a long first fill must
    // not hold up the next refresh, and searches use the vectors that exist meanwhile.
    let (embed_requests, mut embed_wanted) = tokio::sync::mpsc::channel::<()>(1);
    let embedder = state.clone();
    tokio::spawn(async move {
        while embed_wanted.recv().await.is_some() {
            embedder.embed().await;
        }
    });

    // One task applies refreshes, one at a time; a burst of changes while one runs collapses into
    // a single follow-up.
    let reindexer = state.clone();
    tokio::spawn(async move {
        reindexer.reindex().await;
        let _ = embed_requests.try_send(());
        while changed.recv().await.is_some() {
            reindexer.reindex().await;
            let _ = embed_requests.try_send(());
        }
    });

    if watch {
        tokio::spawn(supervise_watcher(
            kb.book().src.clone(),
            state.clone(),
            changes.clone(),
        ));
    }

    if let Some(every) = verify_every {
        tokio::spawn(verify_periodically(kb.clone(), every));
    }

    let saver = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SAVE_MISSES_EVERY);
        loop {
            tick.tick().await;
            saver.save_misses().await;
        }
    });

    let local = listener.local_addr().unwrap_or(addr);
    tracing::info!(
        "serving {} ({}) on http://{local}/",
        kb.book().title,
        kb.book().src.display()
    );
    println!(
        "runbook: serving {} on http://{local}/ (Ctrl-C stops)",
        kb.book().title
    );
    connections::serve(listener, router(state.clone()), shutdown_signal()).await;
    // A background fill of sentence vectors would otherwise hold the exit until it is done.
    kb.stop_embedding();
    state.save_misses().await;
    tracing::info!("stopped");
    Ok(())
}

/// Runs `check --live` every `every` for as long as the server runs (`serve --verify-every`),
/// so that searches mark the runbooks whose servers or URLs drifted. The first run comes one
/// period after the last recorded one (at once when there is none), so restarts do not
/// hammer every host in the book.
async fn verify_periodically(kb: Arc<KnowledgeBase>, every: Duration) {
    let last = kb.drift().checked_at;
    let first_in = last
        .and_then(|at| {
            (at + every)
                .signed_duration_since(chrono::Utc::now())
                .to_std()
                .ok()
        })
        .unwrap_or(Duration::ZERO);
    tokio::time::sleep(first_in).await;
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let kb = kb.clone();
        let outcome = tokio::task::spawn_blocking(move || -> crate::Result<(usize, usize)> {
            let now = crate::clock::now()?;
            let (report, drift) = crate::lint::check_live(
                kb.book(),
                crate::clock::local_date(now),
                now,
                &crate::lint::probe::Settings::default(),
                &crate::lint::probe::SystemResolver,
                &|_, _| {},
            );
            let drifted = drift.runbooks.len();
            kb.set_drift(drift)?;
            Ok((report.findings.len(), drifted))
        })
        .await;
        match outcome {
            Ok(Ok((findings, drifted))) => tracing::info!(
                "live check done: {drifted} runbooks drifted ({findings} findings in all, see `runbook check --live`)"
            ),
            Ok(Err(e)) => tracing::warn!("live check: {e}"),
            Err(e) => tracing::error!("live check failed: {e}"),
        }
    }
}

/// Pulls from the upstream every `follow.every`, starting at once, for as long as the server runs.
///
/// A failed pull is logged and kept in `status` for `/healthz`; the files stay as they were, so
/// the server goes on serving the last good state. A pull that moved `HEAD` has the git history
/// read again and the index refreshed right away, without waiting for the watcher (which may be
/// off, or slow on a network file system). Nothing here is kept that the checkout itself does
/// not hold, so servers following the same upstream answer alike.
async fn follow_upstream(
    follow: Follow,
    status: Arc<std::sync::Mutex<PullStatus>>,
    kb: Arc<KnowledgeBase>,
    changes: tokio::sync::mpsc::Sender<()>,
) {
    let checkout = follow.checkout;
    let head = checkout.head().await;
    lock(&status).head = head.as_deref().map(crate::pull::short);
    tracing::info!(
        "following {} every {} s (git pull --ff-only)",
        checkout.upstream,
        follow.every.as_secs()
    );
    let mut tick = tokio::time::interval(follow.every);
    // A pull slower than the period is not followed by a burst of catch-up pulls.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let outcome = checkout.pull().await;
        let now = chrono::Utc::now();
        match &outcome {
            Ok(Pulled::Moved { from, to }) => {
                tracing::info!(
                    "pulled {}: {} → {}",
                    checkout.upstream,
                    crate::pull::short(from),
                    crate::pull::short(to)
                );
                let reader = kb.clone();
                // The history is read before the index changes, so no page shows new text with
                // an old "last changed".
                if let Err(e) = tokio::task::spawn_blocking(move || reader.reload_history()).await {
                    tracing::warn!("reading the git history again failed: {e}");
                }
                let _ = changes.send(()).await;
            }
            Ok(Pulled::Unchanged) => tracing::debug!("pulled {}: up to date", checkout.upstream),
            Err(message) => {
                let (served, repeated) = {
                    let current = lock(&status);
                    (
                        current.head.clone(),
                        current.last_error.as_deref() == Some(message.as_str()),
                    )
                };
                let served = served.as_deref().unwrap_or("the files as they are");
                // The same refusal every few seconds is logged once, until it changes.
                if repeated {
                    tracing::debug!(
                        "git pull from {} failed again: {message}",
                        checkout.upstream
                    );
                } else {
                    tracing::warn!(
                        "git pull from {} failed; still serving {served}: {message}",
                        checkout.upstream
                    );
                }
            }
        }
        let head = match &outcome {
            Ok(Pulled::Moved { to, .. }) => Some(crate::pull::short(to)),
            _ => None,
        };
        let mut current = lock(&status);
        current.last_attempt = Some(now);
        match outcome {
            Ok(_) => {
                current.last_ok = Some(now);
                current.last_error = None;
                current.last_error_at = None;
            }
            Err(message) => {
                current.last_error = Some(message);
                current.last_error_at = Some(now);
            }
        }
        if head.is_some() {
            current.head = head;
        }
    }
}

/// The pull status, also after a panic elsewhere while it was held (it is plain data).
fn lock(status: &std::sync::Mutex<PullStatus>) -> std::sync::MutexGuard<'_, PullStatus> {
    status.lock().unwrap_or_else(|p| p.into_inner())
}

/// How often the runbook folder's identity is checked.
const FOLDER_CHECK: Duration = Duration::from_secs(1);
/// A full reconcile this often, for anything a watcher misses (network file systems).
const RECONCILE_EVERY: Duration = Duration::from_secs(60);

/// Keeps a watcher on the runbook folder for as long as the server runs.
///
/// The folder may vanish and come back as a new folder (a checkout switching branches, a share
/// remounting); a watcher on the old folder never hears of the new one. So the folder's identity
/// is checked every second, and whenever it changes the watcher is made anew and a full
/// reconcile asked for. While the folder is gone, refreshes fail and the last index is served.
async fn supervise_watcher(
    folder: std::path::PathBuf,
    state: AppState,
    changes: tokio::sync::mpsc::Sender<()>,
) {
    let mut watcher: Option<crate::watch::FolderWatcher> = None;
    let mut identity = None;
    let mut tick = tokio::time::interval(FOLDER_CHECK);
    let mut reconciled = Instant::now();
    let mut was_gone = false;
    loop {
        tick.tick().await;
        let now = folder_identity(&folder);
        if now != identity {
            // Dropping the old watcher first: it watches a folder that is no longer this one.
            watcher.take();
            state.watching.store(false, Ordering::Relaxed);
            if now.is_some() {
                let notify = changes.clone();
                let on_change = move || {
                    let _ = notify.try_send(());
                };
                match crate::watch::watch(&folder, on_change) {
                    Ok(made) => {
                        if made.is_polling() {
                            tracing::warn!("watching the runbook folder by polling every second");
                        }
                        state.watching.store(true, Ordering::Relaxed);
                        watcher = Some(made);
                    }
                    Err(e) => tracing::warn!(
                        "cannot watch {}: {e}; changes are picked up every minute",
                        folder.display()
                    ),
                }
                if was_gone {
                    tracing::info!("runbook folder {} is back; reindexing", folder.display());
                    was_gone = false;
                }
            } else {
                was_gone = true;
                tracing::warn!(
                    "runbook folder {} is gone; serving the last index until it is back",
                    folder.display()
                );
            }
            identity = now;
            let _ = changes.try_send(());
        }
        if reconciled.elapsed() >= RECONCILE_EVERY {
            reconciled = Instant::now();
            let _ = changes.try_send(());
        }
    }
}

/// What tells one folder from another at the same path: device and inode where there are such.
fn folder_identity(folder: &std::path::Path) -> Option<(u64, u64)> {
    let metadata = std::fs::metadata(folder).ok().filter(|m| m.is_dir())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        Some((0, 0))
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
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
