//! What every handler shares: the knowledge base, the answer cache, metrics, the log of missed
//! searches, and the one way handlers run index work off the async threads.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::cache;
use super::error::WebError;
use super::metrics::Metrics;
use crate::pull::PullStatus;
use runbook_core::knowledge_base::KnowledgeBase;
use runbook_core::misses::{MissLog, Outcome};
use runbook_core::request::SearchRequest;

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
    /// The token Alertmanager's webhook must present; `None`: the receiver is off.
    pub alerts_token: Option<Arc<str>>,
    /// The slash commands' secrets and the address their links use.
    pub chat: Arc<ChatSettings>,
}

/// What the slash commands need: each is off until its secret is set.
#[derive(Debug, Clone, Default)]
pub struct ChatSettings {
    /// Slack's signing secret (`RUNBOOK_SLACK_SIGNING_SECRET`).
    pub slack_signing_secret: Option<String>,
    /// Mattermost's slash-command token (`RUNBOOK_MATTERMOST_TOKEN`).
    pub mattermost_token: Option<String>,
    /// Where people reach the server (`RUNBOOK_PUBLIC_URL`); else the request's host.
    pub public_url: Option<String>,
}

impl AppState {
    pub fn new(kb: Arc<KnowledgeBase>) -> AppState {
        AppState {
            metrics: Arc::new(Metrics::default()),
            watching: Arc::new(AtomicBool::new(false)),
            ready: Arc::new(AtomicBool::new(false)),
            cache: Arc::new(cache::SearchCache::default()),
            cpu: Arc::new(tokio::sync::Semaphore::new(runbook_core::parallel::cores(
                usize::MAX,
            ))),
            access: None,
            pull: None,
            misses: Arc::new(kb.miss_log()),
            misses_unsaved: Arc::new(AtomicBool::new(false)),
            alerts_token: None,
            chat: Arc::new(ChatSettings::default()),
            kb,
        }
    }

    /// The same, with the slash commands `chat` turns on.
    pub fn with_chat(mut self, chat: ChatSettings) -> AppState {
        self.chat = Arc::new(chat);
        self
    }

    /// The same, with Alertmanager's webhook receiver on, accepting `token`.
    pub fn with_alerts_token(mut self, token: Option<String>) -> AppState {
        self.alerts_token = token.filter(|t| !t.is_empty()).map(Arc::from);
        self
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
    ) -> Result<Arc<runbook_core::SearchResults>, WebError> {
        let started = Instant::now();
        let now = runbook_core::clock::at_or_now(at)?;
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
        // In flight from here, waiting for a core included: a background fill starts no batch
        // while searches wait for the cores it would take.
        let _searching = self.kb.searching();
        let results = self
            .blocking(move |kb| {
                let request = SearchRequest::new(query).limit(limit).at(Some(now));
                kb.search(&request).map(|r| (request.query, r))
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
    /// meanwhile, first: with the vectors that exist, and ahead of the fill for the cores.
    pub async fn embed(&self) {
        let kb = self.kb.clone();
        if !kb.semantic_status().state.is_on() {
            return;
        }
        let outcome =
            tokio::task::spawn_blocking(move || kb.embed_in_background(&mut |_, _| {})).await;
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
