//! The knowledge base as the commands and the web server see it: a configured runbook folder and
//! its search index, behind one small API.
//!
//! Callers ask questions (search, look up, show); they never touch files or tantivy directly.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};

use crate::clock;
use crate::config::Book;
use crate::error::{Error, Result};
use crate::firing::FiringAlerts;
use crate::history::{History, LastChange};
use crate::index::SearchIndex;
pub use crate::index::{Progress, RefreshReport, search_on_all_cores};
use crate::live_check::LiveCheckRecord;
use crate::misses::{self, MissLog};
pub use crate::request::SearchMode;
use crate::request::SearchRequest;
use crate::results::{
    Review, RunbookDetails, RunbookSummary, SearchResults, SectionRef, SectionText,
};
use crate::runbook::Runbook;
use crate::semantic::{self, ModelProvider, Semantic};
pub use crate::semantic::{
    FillReport, Searching, State as SemanticState, Status as SemanticStatus,
};
use crate::source;
pub use crate::source::BackgroundListing;

/// A runbook folder and its index.
pub struct KnowledgeBase {
    book: Book,
    /// Replaced by an in-memory index when the disk under the on-disk one fails.
    index: RwLock<Arc<SearchIndex>>,
    /// Read from git on first use (commands that never show a runbook never run git), and read
    /// again by [`KnowledgeBase::reload_history`] after `serve --pull` moved the checkout.
    history: RwLock<Option<Arc<History>>>,
    /// Sentence vectors and the model, for ranking by meaning as well as by words.
    semantic: Semantic,
    /// What the last `check --live` found, read from the state folder on first use.
    drift: RwLock<Option<Arc<LiveCheckRecord>>>,
    /// Bumped when the drift record is replaced: answers mark different runbooks stale.
    drift_version: AtomicU64,
    /// The alerts firing now, by runbook.
    firing: FiringAlerts,
}

impl KnowledgeBase {
    /// Opens the knowledge base's index (creating or rebuilding it as needed), ranking by
    /// meaning with the models `provider` loads; with `None`, by words only. Does not refresh.
    pub fn open(book: Book, provider: Option<Arc<dyn ModelProvider>>) -> Result<KnowledgeBase> {
        let index = SearchIndex::open(&book)?;
        let semantic = Semantic::new(&book, provider);
        let semantic = if index.is_persistent() {
            semantic
        } else {
            semantic.without_file()
        };
        let firing = FiringAlerts::open(index.is_persistent().then_some(book.state_dir.as_path()));
        Ok(KnowledgeBase {
            book,
            index: RwLock::new(Arc::new(index)),
            history: RwLock::new(None),
            semantic,
            drift: RwLock::new(None),
            drift_version: AtomicU64::new(0),
            firing,
        })
    }

    /// The configuration this knowledge base was opened with.
    pub fn book(&self) -> &Book {
        &self.book
    }

    /// The index in use now.
    pub fn index(&self) -> Arc<SearchIndex> {
        // A panic elsewhere while swapping leaves either index: both are usable.
        self.index.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Runbooks in the index.
    pub fn indexed(&self) -> usize {
        self.index().indexed()
    }

    /// Files the last refresh left out, with why.
    pub fn problems(&self) -> Vec<crate::FileProblem> {
        self.index().problems()
    }

    /// What went wrong with the index itself when it was opened (e.g. it fell back to memory).
    pub fn warnings(&self) -> Vec<String> {
        self.index().warnings().to_vec()
    }

    /// Lets background segment merges finish: a short-lived process (`runbook index`) calls
    /// this so the next one opens a compact index.
    pub fn wait_for_merges(&self) -> Result<()> {
        self.index().wait_for_merges()
    }

    /// Brings the index in step with the runbook folder (cheap when nothing changed).
    pub fn refresh(&self, progress: Progress) -> Result<RefreshReport> {
        self.refresh_falling_back(false, None, progress)
    }

    /// Re-reads and re-indexes every runbook.
    pub fn rebuild(&self, progress: Progress) -> Result<RefreshReport> {
        self.refresh_falling_back(true, None, progress)
    }

    /// Refreshes; when writing the on-disk index fails (a full disk, an I/O error), builds an
    /// in-memory index instead and uses it from then on, with a warning in the report. Searches
    /// keep answering from the old index until the new one is complete.
    fn refresh_falling_back(
        &self,
        rebuild: bool,
        listing: Option<source::Listing>,
        progress: Progress,
    ) -> Result<RefreshReport> {
        let run = |index: &SearchIndex, listing: Option<source::Listing>, progress: Progress| match (
            rebuild, listing,
        ) {
            (true, _) => index.rebuild(&self.book, progress),
            (false, Some(listing)) => index.refresh_listing(&self.book, listing, progress),
            (false, None) => index.refresh(&self.book, progress),
        };
        let index = self.index();
        match run(&index, listing, &mut *progress) {
            Err(e @ (Error::Index(_) | Error::IndexDirectory(_) | Error::Io { .. }))
                if index.is_persistent() =>
            {
                let warning = format!(
                    "cannot write the index in {} ({e}); using an in-memory index for this run",
                    self.book.state_dir.display()
                );
                tracing::warn!("{warning}");
                let memory = SearchIndex::in_memory_for(&self.book)?;
                let mut report = run(&memory, None, progress)?;
                report.warnings.push(warning);
                *self.index.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(memory);
                Ok(report)
            }
            other => other,
        }
    }

    /// Searches as `request` asks, and when the whole query names exactly one runbook, adds its
    /// fact card and login steps as the answer.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let now = clock::at_or_now(request.at)?;
        let (query, limit, explain) = (request.query.as_str(), request.limit, request.explain);
        // The whole search, its model call and its ranking, goes before a background fill.
        let _searching = self.semantic.searching();
        let index = self.index();
        let mut results = match request.mode {
            SearchMode::Lexical => index.search_with(query, limit, explain)?,
            SearchMode::Hybrid => match self.nearest(&index, query) {
                Some(nearest) => index.search_hybrid(query, limit, explain, &nearest)?,
                None => index.search_with(query, limit, explain)?,
            },
            SearchMode::Semantic => {
                let parsed = crate::query::parse(query);
                let text = parsed
                    .words
                    .iter()
                    .chain(&parsed.phrases)
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(" ");
                let nearest = self
                    .semantic
                    .nearest(&text, crate::index::NEAREST_SECTIONS)
                    .unwrap_or_default();
                index.search_semantic_only(query, limit, explain, &nearest)?
            }
        };
        self.mark_stale(&mut results.hits, clock::local_date(now));
        for hit in &mut results.hits {
            hit.firing = self
                .firing
                .for_app(&hit.app, now)
                .into_iter()
                .map(|alert| alert.alertname)
                .collect();
        }
        results.answer = self.answer_at(query, now)?;
        Ok(results)
    }

    /// Says, on each hit, why its runbook may no longer be true.
    fn mark_stale(&self, hits: &mut [crate::results::Hit], today: NaiveDate) {
        let drift = self.drift();
        for hit in hits {
            hit.stale = overdue_reason(hit.review_due, today).into_iter().collect();
            if !drift.is_empty() && drift.runbooks.contains_key(&hit.path) {
                hit.stale
                    .extend(drift.reasons(&hit.path, self.file_hash(&hit.path)));
            }
        }
    }

    /// The content hash of the runbook file at `path` as it is now (0 when it cannot be read).
    fn file_hash(&self, path: &str) -> u64 {
        source::stat(&self.book, &self.book.root.join(path))
            .and_then(|file| source::read(&file, self.book.settings.max_file_bytes).ok())
            .map_or(0, |text| text.hash)
    }

    /// What the last `check --live` found, read from the state folder on first use. A damaged
    /// record is logged and treated as empty.
    pub fn drift(&self) -> Arc<LiveCheckRecord> {
        loaded_once(&self.drift, || {
            let path = LiveCheckRecord::file_in(&self.book.state_dir);
            LiveCheckRecord::load(&path).unwrap_or_else(|e| {
                tracing::warn!("{e}; the next `check --live` replaces it");
                LiveCheckRecord::default()
            })
        })
    }

    /// Keeps a new live check's findings: saved in the state folder (when it can be written)
    /// and used by every answer from now on.
    pub fn set_drift(&self, record: LiveCheckRecord) -> Result<()> {
        let saved = record.save(&LiveCheckRecord::file_in(&self.book.state_dir));
        *self.drift.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(record));
        self.drift_version.fetch_add(1, Ordering::Relaxed);
        saved
    }

    /// The sections nearest in meaning to a query that describes something; `None` when the
    /// query only names things, or semantic search is off or has no vectors yet.
    fn nearest(&self, index: &SearchIndex, query: &str) -> Option<crate::index::Neighbourhood> {
        if !self.semantic.is_on() {
            return None;
        }
        let text = index.semantic_text(query)?;
        self.semantic.nearest(&text, crate::index::NEAREST_SECTIONS)
    }

    /// Whether `query` would be ranked by meaning too (it describes something, and semantic
    /// search is on): a one-shot search only loads the model then.
    pub fn wants_model(&self, query: &str) -> bool {
        self.semantic.is_on() && self.index().semantic_text(query).is_some()
    }

    /// Computes the sentence vectors the index's sections lack, on every core. With `at_most`,
    /// does nothing when more than that many are missing. `progress(done, total)` in sections.
    pub fn embed(&self, at_most: Option<usize>, progress: Progress) -> Result<FillReport> {
        let mode = crate::semantic::FillMode::Foreground;
        self.semantic.fill(&self.index(), at_most, mode, progress)
    }

    /// The same behind searches, as a server computes them: on one core fewer than the machine
    /// has, at the lowest priority, and no batch started while a search is in flight.
    pub fn embed_in_background(&self, progress: Progress) -> Result<FillReport> {
        let mode = crate::semantic::FillMode::Background;
        self.semantic.fill(&self.index(), None, mode, progress)
    }

    /// Counts a search as in flight until the returned value is dropped (every search does so
    /// itself): a background fill starts no batch meanwhile.
    pub fn searching(&self) -> Searching<'_> {
        self.semantic.searching()
    }

    /// Turns queries into vectors with the faster int8 model where this processor has it: for a
    /// server, whose cores are shared by many searches (see `Semantic::prefer_fast_queries`).
    pub fn prefer_fast_query_vectors(&self) {
        self.semantic.prefer_fast_queries();
    }

    /// Stops computing sentence vectors (after the current batch, which is saved): the process
    /// is stopping.
    pub fn stop_embedding(&self) {
        self.semantic.stop();
    }

    /// Where semantic search stands: on or off, the model, sections with vectors.
    pub fn semantic_status(&self) -> semantic::Status {
        self.semantic.status()
    }

    /// Loads the sentence model now rather than on the first search that needs it; `false`
    /// when it is off or cannot be loaded.
    pub fn load_model(&self) -> bool {
        self.semantic.encoder().is_some()
    }

    /// Changes whenever an answer may change: after every index commit, and as sentence
    /// vectors are added.
    pub fn generation(&self) -> u64 {
        let index = self.index().generation();
        // Index generations are unique process-wide counters; mixing in the vector count
        // keeps them unique while vectors are added between commits.
        index
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(self.semantic.version())
            .wrapping_add(self.drift_version.load(Ordering::Relaxed) << 48)
            .wrapping_add(self.firing.version() << 40)
    }

    /// Searches and makes sure the answer reflects the runbook folder as it is now. The folder
    /// is checked while the index answers, so an index that is up to date costs nothing extra;
    /// when something changed, the index is refreshed and the search runs again.
    pub fn search_fresh(
        &self,
        request: &SearchRequest,
        listing: Option<source::BackgroundListing>,
        progress: Progress,
    ) -> Result<(SearchResults, RefreshReport)> {
        let listing = listing.unwrap_or_else(|| source::BackgroundListing::start(&self.book));
        // One moment for both searches, so a refresh in between changes only what it should.
        let request = SearchRequest {
            at: Some(clock::at_or_now(request.at)?),
            ..request.clone()
        };
        let first = self.search(&request);
        let report = self.refresh_falling_back(false, Some(listing.finish()), progress)?;
        if report.updated > 0 || report.removed > 0 {
            return Ok((self.search(&request)?, report));
        }
        Ok((first?, report))
    }

    /// The runbook a query names exactly, with its login steps; `None` when it names none or
    /// several.
    pub fn answer(&self, query: &str) -> Result<Option<RunbookDetails>> {
        self.answer_at(query, clock::now()?)
    }

    /// [`KnowledgeBase::answer`], with reachability and review status at `now`.
    pub fn answer_at(&self, query: &str, now: DateTime<Utc>) -> Result<Option<RunbookDetails>> {
        let query = query.trim();
        if query.is_empty() || query.len() > 512 {
            return Ok(None);
        }
        let found = self.lookup(query)?;
        let [only] = found.as_slice() else {
            return Ok(None);
        };
        // A runbook that cannot be read right now simply gets no answer card.
        match self.runbook(&only.app) {
            Ok(runbook) => Ok(Some(self.details(&runbook, None, now)?)),
            Err(_) => Ok(None),
        }
    }

    /// Every runbook in the index, by app id.
    pub fn list(&self) -> Result<Vec<RunbookSummary>> {
        self.index().list()
    }

    /// Runbooks that answer exactly to `name` (app id, alias, title, host, IP or URL).
    pub fn lookup(&self, name: &str) -> Result<Vec<RunbookSummary>> {
        self.index().lookup(name)
    }

    /// The alerts firing now, each with its runbook: what Alertmanager's webhook fills.
    pub fn firing_alerts(&self) -> &FiringAlerts {
        &self.firing
    }

    /// The log of missed searches kept in the state folder, as saved there last.
    pub fn miss_log(&self) -> MissLog {
        MissLog::open(misses::file_in(&self.book.state_dir))
    }

    /// The git history of the runbook folder, read on first use.
    pub fn history(&self) -> Arc<History> {
        loaded_once(&self.history, || {
            History::load(&self.book.root, &self.book.src)
        })
    }

    /// Reads the git history again, for when the checkout moved (a pull). Pages being rendered
    /// meanwhile keep the history they started with.
    pub fn reload_history(&self) {
        let history = Arc::new(History::load(&self.book.root, &self.book.src));
        *self.history.write().unwrap_or_else(|p| p.into_inner()) = Some(history);
    }

    /// The last commit that changed the runbook at `path` (relative to the root), if git knows.
    pub fn last_change(&self, path: &str) -> Option<LastChange> {
        self.history().last_change(path).cloned()
    }

    /// Where to edit the runbook at `path`, when `book.toml` sets `edit-url-template`.
    pub fn edit_url(&self, path: &str) -> Option<String> {
        // Checked first so that without a template git is not even asked.
        self.book.settings.edit_url_template.as_ref()?;
        let repository_path = self.history().repository_path(path);
        self.book.settings.edit_url(&repository_path)
    }

    /// The runbook `name` resolves to, read fresh from its file.
    pub fn runbook(&self, name: &str) -> Result<Runbook> {
        let found = self.lookup(name)?;
        let summary = found
            .first()
            .ok_or_else(|| Error::NotFound(name.to_string()))?;
        let abs = self.book.root.join(&summary.path);
        let file =
            source::stat(&self.book, &abs).ok_or_else(|| Error::NotFound(name.to_string()))?;
        source::load(&file, self.book.settings.max_file_bytes)
            .map(|(runbook, _)| runbook)
            .map_err(Error::Runbook)
    }

    /// What `show` displays: facts, who is reachable at `now`, review status, sections, and
    /// the named section (the Login section when `section` is `None`). `Err(NotFound)` when a
    /// named section does not exist.
    pub fn details(
        &self,
        runbook: &Runbook,
        section: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<RunbookDetails> {
        let mut details = details(&self.book, &self.history(), runbook, section, now)?;
        details.edit_url = self.edit_url(&runbook.path);
        details.firing = self.firing.for_app(&details.facts.app, now);
        let drift = self.drift();
        if drift.runbooks.contains_key(&runbook.path) {
            details
                .stale
                .extend(drift.reasons(&runbook.path, self.file_hash(&runbook.path)));
        }
        Ok(details)
    }
}

/// A runbook's details from its parsed file, the knowledge base's settings and git's history,
/// without an index: what `show` and the static book's fact cards are made from. `edit_url` is
/// left for the caller: only a server or a terminal links to an editor.
pub fn details(
    book: &Book,
    history: &History,
    runbook: &Runbook,
    section: Option<&str>,
    now: DateTime<Utc>,
) -> Result<RunbookDetails> {
    let today = clock::local_date(now);
    let chosen = match section {
        Some(name) => Some(runbook.section(name).ok_or_else(|| Error::NoSuchSection {
            section: name.to_string(),
            path: runbook.path.clone(),
        })?),
        None => runbook.login_section(),
    };
    let facts = &runbook.facts;
    let every_days = facts
        .review_every_days
        .unwrap_or(book.settings.review_every_days);
    let due = facts.review_due(book.settings.review_every_days);
    let mut facts = facts.clone();
    facts.contacts = facts.contacts.into_iter().map(|c| c.at(now)).collect();
    let call_first = facts
        .contacts
        .iter()
        .position(|c| c.reachable_now == Some(true));
    Ok(RunbookDetails {
        path: runbook.path.clone(),
        last_change: history.last_change(&runbook.path).cloned(),
        edit_url: None,
        advice: facts.hosting.map(|h| h.advice().to_string()),
        facts,
        at: Some(now),
        call_first,
        review: Review {
            reviewed: runbook.facts.reviewed,
            every_days,
            due,
            overdue: due.is_some_and(|d| d < today),
        },
        stale: overdue_reason(due, today).into_iter().collect(),
        sections: runbook
            .sections
            .iter()
            .map(|s| SectionRef {
                heading: s.heading.clone(),
                anchor: s.anchor.clone(),
                level: s.level,
                line: s.line,
            })
            .collect(),
        section: chosen.map(|s| SectionText {
            heading: s.heading.clone(),
            anchor: s.anchor.clone(),
            line: s.line,
            markdown: runbook.section_markdown(s).trim_end().to_string(),
        }),
        firing: Vec::new(),
    })
}

/// "review overdue since 2026-05-01" when the review was due before `today`.
fn overdue_reason(due: Option<NaiveDate>, today: NaiveDate) -> Option<String> {
    due.filter(|due| *due < today)
        .map(|due| format!("review overdue since {due}"))
}

/// The value in `slot`, loaded by `load` on first use. A lock poisoned by a panic elsewhere
/// still holds a whole value (it is only ever replaced whole), so it is used as it is.
fn loaded_once<T>(slot: &RwLock<Option<Arc<T>>>, load: impl FnOnce() -> T) -> Arc<T> {
    if let Some(value) = slot.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
        return value.clone();
    }
    let mut slot = slot.write().unwrap_or_else(|p| p.into_inner());
    // Another thread may have loaded it while this one waited for the lock.
    slot.get_or_insert_with(|| Arc::new(load())).clone()
}
