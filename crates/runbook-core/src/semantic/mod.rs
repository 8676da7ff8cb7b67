//! Semantic search: a sentence vector for every section, kept in a cache beside the index, and
//! the sections nearest in meaning to a query.
//!
//! Everything here is optional. With `semantic = false` in `[preprocessor.runbook]`, or when
//! the model cannot be loaded, search is lexical only: one log line says why, `/healthz` shows
//! it, and nothing fails. Vectors are a cache like the index: keyed by each section's content
//! hash (`section_key` in the index's documents), so a refresh embeds only the sections whose
//! words changed and a restart embeds nothing. A search uses whatever vectors exist.
//!
//! A server fills in the background, behind its searches ([`FillMode::Background`], see
//! [`yielding`]); `runbook index` fills in the foreground, on every core.

mod fill;
mod model;
pub mod store;
pub mod yielding;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::config::Book;
use crate::error::Result;
use crate::index::Neighbourhood;
use crate::index::SearchIndex;
use crate::index::SectionSource;
pub use model::{DIMS, ModelError, ModelProvider, ModelSource, Precision, SentenceModel};
use store::{StoreError, VectorStore};
use yielding::Searches;
pub use yielding::Searching;

/// Why semantic search is unavailable in a build without the sentence model.
const NO_MODEL: &str = "this runbook was built without the sentence model (the `model` feature)";

/// The vector cache's file name in the state folder.
pub const VECTORS_FILE: &str = "vectors.bin";
/// Sections one thread encodes at once. Small: the model's working memory grows with the batch
/// (on the example runbooks, peak RSS 335 MB with 4, 442 MB with 8, 695 MB with 16) while the
/// speed hardly does (15.4, 16.6 and 12.6 s for 141 sections).
const BATCH: usize = 4;
/// Threads computing vectors at most.
const MAX_THREADS: usize = 8;
/// What the threads of a background fill are called (`top -H`, `/proc/PID/task/*/comm`, which
/// keeps 15 bytes of it: `runbook-bgfill-`), and those of a foreground one.
pub const BACKGROUND_FILL_THREAD: &str = "runbook-bgfill";
const FOREGROUND_FILL_THREAD: &str = "runbook-embed";
/// How often a long fill saves what it has, so a stopped server loses little work.
const SAVE_EVERY: Duration = Duration::from_secs(30);
/// Most bytes of a section's text given to the model: its window is 256 tokens, which even
/// plain English fills within about 1,500 characters.
const MAX_TEXT_BYTES: usize = 2_000;

/// Where the semantic layer stands, for `/healthz` and `runbook index`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// `semantic = false` in `book.toml`.
    Off,
    /// The model could not be loaded (see `reason`): search is lexical.
    Unavailable,
    /// Not used yet in this process (the model loads on first use).
    Idle,
    /// Vectors are being computed; searches use those that exist.
    Embedding,
    /// Every section has its vector.
    Ready,
}

impl State {
    /// Whether semantic search may still take part (not switched off, not failed to load).
    pub fn is_on(&self) -> bool {
        !matches!(self, State::Off | State::Unavailable)
    }
}

/// The semantic layer's state, as `/healthz` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// Where the layer stands.
    pub state: State,
    /// The model's id, once loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Why semantic search is unavailable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Sections in the index, and how many of them have a vector (as of the last fill).
    pub sections: usize,
    /// Sections that have a vector.
    pub embedded: usize,
}

/// How a fill shares the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillMode {
    /// Every core, at the caller's priority: `runbook index`, whose user waits for it.
    Foreground,
    /// Behind the searches of a server: on one core fewer than the machine has (at least one),
    /// at the lowest OS priority, and no batch starts while a search is in flight.
    Background,
}

/// What a fill did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FillReport {
    /// Sections that got a vector now.
    pub embedded: usize,
    /// Sections in the index, and how many of them have a vector afterwards.
    pub sections: usize,
    /// Sections that have a vector afterwards.
    pub with_vector: usize,
    /// Sections left without a vector because there were more than asked to embed.
    pub skipped: usize,
    /// How long the fill took.
    #[serde(serialize_with = "serialize_secs")]
    pub took: Duration,
}

fn serialize_secs<S: serde::Serializer>(
    duration: &Duration,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64())
}

/// Which model `book.toml` asks for.
#[derive(Debug, Clone, PartialEq)]
enum Configured {
    /// `semantic = false`.
    Off,
    /// The model compiled into this binary.
    Bundled,
    /// `semantic-model = "DIR"`: a model folder on disk, checked against its `SHA256SUMS`.
    Folder(PathBuf),
}

/// A loaded model, shared by the fill and the searches; or why it could not be loaded.
type Loaded = std::result::Result<Arc<dyn SentenceModel>, String>;

/// The model, the vector cache and their state, for one knowledge base.
pub struct Semantic {
    source: Configured,
    /// Loads the model; `None` in a build without one (search by words only).
    provider: Option<Arc<dyn ModelProvider>>,
    /// `None` when vectors are kept in memory only (no state folder to write).
    vectors_path: Option<PathBuf>,
    encoder: OnceLock<Loaded>,
    /// The int8 model for queries, when [`Semantic::prefer_fast_queries`] asked for it.
    query_encoder: OnceLock<Loaded>,
    fast_queries: AtomicBool,
    /// Loaded on first use: a search that needs no model reads no vectors.
    store: RwLock<Option<VectorStore>>,
    filling: AtomicBool,
    /// Set when the process is stopping: a fill ends after the batch it is on.
    stopping: AtomicBool,
    sections: AtomicUsize,
    embedded: AtomicUsize,
    /// Bumped whenever vectors are added: cached answers computed before are stale.
    version: AtomicU64,
    /// Searches in flight, which a background fill waits on.
    searches: Searches,
}

impl Semantic {
    /// The semantic layer `book` configures, with models from `provider` (none: words only).
    pub fn new(book: &Book, provider: Option<Arc<dyn ModelProvider>>) -> Semantic {
        let settings = &book.settings;
        let source = match (&settings.semantic, &settings.semantic_model) {
            (false, _) => Configured::Off,
            (true, Some(dir)) => Configured::Folder(book.root.join(dir)),
            (true, None) => Configured::Bundled,
        };
        Semantic {
            source,
            provider,
            vectors_path: Some(book.state_dir.join(VECTORS_FILE)),
            encoder: OnceLock::new(),
            query_encoder: OnceLock::new(),
            fast_queries: AtomicBool::new(false),
            store: RwLock::new(None),
            filling: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            sections: AtomicUsize::new(0),
            embedded: AtomicUsize::new(0),
            version: AtomicU64::new(0),
            searches: Searches::default(),
        }
    }

    /// Keep vectors in memory only, for an index that is itself in memory.
    pub fn without_file(mut self) -> Semantic {
        self.vectors_path = None;
        self
    }

    /// Whether semantic search is configured on (it may still turn out unavailable).
    pub fn is_on(&self) -> bool {
        self.source != Configured::Off
    }

    /// Turns queries into vectors with the int8 model where the processor multiplies int8 fast
    /// ([`ModelProvider::int8_is_fast`]): a query vector in about 40% of the f32 model's time, so a
    /// server under load spends less of its cores per described search. The sections' vectors
    /// stay f32: an int8 query vector lies at cosine ≥ 0.995 of the f32 one, and searching the
    /// f32 sections with it moved no judged set's hybrid figures by more than 0.004, where int8
    /// sections moved them by up to 0.08. A one-shot search keeps the f32 model, which loads in
    /// half the time and may be needed for the sections anyway.
    pub fn prefer_fast_queries(&self) {
        self.fast_queries.store(true, Ordering::Release);
    }

    /// Loads the configured model in `precision`; the reason when it cannot be.
    fn load_model(&self, precision: Precision) -> Loaded {
        let Some(provider) = &self.provider else {
            return Err(NO_MODEL.to_string());
        };
        let loaded = match &self.source {
            Configured::Off => return Err("semantic = false".to_string()),
            Configured::Bundled => provider.load(ModelSource::Bundled, precision),
            Configured::Folder(dir) => provider.load(ModelSource::Folder(dir), precision),
        };
        loaded.map(Arc::from).map_err(|e| e.to_string())
    }

    /// The model that turns a query into a vector: the int8 one when asked for and fast here,
    /// else the sections' own model.
    fn query_encoder(&self) -> Option<Arc<dyn SentenceModel>> {
        let int8_is_fast = self.provider.as_ref().is_some_and(|p| p.int8_is_fast());
        if !self.fast_queries.load(Ordering::Acquire) || !int8_is_fast {
            return self.encoder();
        }
        let loaded = self.query_encoder.get_or_init(|| {
            let loaded = self.load_model(Precision::Int8);
            if let Err(reason) = &loaded {
                tracing::warn!(
                    "query vectors from the f32 model: cannot load it in int8 ({reason})"
                );
            }
            loaded
        });
        match loaded {
            Ok(encoder) => Some(encoder.clone()),
            Err(_) => self.encoder(),
        }
    }

    /// Ends a fill under way after its current batch (what it computed is saved), and keeps
    /// later ones from starting: the process is stopping.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
    }

    /// Counts a search as in flight until the returned value is dropped: a background fill
    /// starts no batch meanwhile, so the search has the cores.
    pub fn searching(&self) -> Searching<'_> {
        self.searches.begin()
    }

    /// Changes whenever vectors were added.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// Where the semantic layer stands now.
    pub fn status(&self) -> Status {
        let (state, model, reason) = match (&self.source, self.encoder.get()) {
            (Configured::Off, _) => (State::Off, None, None),
            (_, None) => (State::Idle, None, None),
            (_, Some(Err(reason))) => (State::Unavailable, None, Some(reason.clone())),
            (_, Some(Ok(encoder))) => {
                let state = if self.filling.load(Ordering::Acquire) {
                    State::Embedding
                } else if self.embedded.load(Ordering::Acquire)
                    >= self.sections.load(Ordering::Acquire)
                {
                    State::Ready
                } else {
                    State::Idle
                };
                (state, Some(encoder.id().to_string()), None)
            }
        };
        Status {
            state,
            model,
            reason,
            sections: self.sections.load(Ordering::Acquire),
            embedded: self.embedded.load(Ordering::Acquire),
        }
    }

    /// The model, loaded on first use; `None` (logged once) when it cannot be.
    pub fn encoder(&self) -> Option<Arc<dyn SentenceModel>> {
        let loaded = self.encoder.get_or_init(|| {
            let started = Instant::now();
            let loaded = self.load_model(Precision::F32);
            match &loaded {
                Ok(encoder) => tracing::debug!(
                    "loaded the sentence model {} in {:.0} ms",
                    encoder.id(),
                    started.elapsed().as_secs_f64() * 1000.0
                ),
                Err(reason) => tracing::warn!(
                    "semantic search is off, searching by words only: cannot load the sentence model ({reason})"
                ),
            }
            loaded
        });
        loaded.as_ref().ok().cloned()
    }

    /// Runs `work` on the vector store, loading it from its file on first use. A damaged file
    /// is dropped (logged) and its vectors computed again. Reading the store needs no model:
    /// a search or fill that finds nothing to do never loads one.
    fn with_store<T>(&self, work: impl FnOnce(&mut VectorStore) -> T) -> T {
        let mut slot = self.store.write().unwrap_or_else(|p| p.into_inner());
        let store = slot.get_or_insert_with(|| self.load_store());
        work(store)
    }

    /// Reads the vector store (loading it first if needed): searches share it while a fill
    /// adds to it between their reads.
    fn read_store<T>(&self, work: impl FnOnce(&VectorStore) -> T) -> T {
        let loaded = self
            .store
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some();
        if !loaded {
            self.with_store(|_| ());
        }
        let slot = self.store.read().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some(store) => work(store),
            None => work(&VectorStore::new("", DIMS)),
        }
    }

    /// Drops vectors computed by another model than `encoder`'s: they are not comparable.
    fn keep_only_vectors_of(&self, encoder: &dyn SentenceModel) {
        // Every search that uses the model asks: a shared read answers it without making the
        // searches of other threads wait, as the write below would.
        if self.read_store(|store| store.model() == encoder.vectors_id()) {
            return;
        }
        self.with_store(|store| {
            if store.model() != encoder.vectors_id() {
                if !store.is_empty() {
                    tracing::info!(
                        "the sentence vectors are from the model {:?}, not {:?}: computing them again",
                        store.model(),
                        encoder.vectors_id()
                    );
                }
                *store = VectorStore::new(encoder.vectors_id(), DIMS);
            }
        });
    }

    fn load_store(&self) -> VectorStore {
        let empty = || VectorStore::new("", DIMS);
        let Some(path) = &self.vectors_path else {
            return empty();
        };
        match VectorStore::load(path, None, DIMS) {
            Ok(store) => store,
            Err(StoreError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                empty()
            }
            Err(error) => {
                tracing::warn!("{error}");
                empty()
            }
        }
    }

    fn save_store(&self, store: &VectorStore) {
        if let Some(path) = &self.vectors_path
            && let Err(error) = store.save(path)
        {
            // The vectors stay in memory; the next process computes them again.
            tracing::warn!("cannot save the sentence vectors: {error}");
        }
    }

    /// The sections nearest in meaning to `text`, nearest first, and how near the others are;
    /// `None` when semantic search is off or unavailable, or no section has a vector yet.
    pub fn nearest(&self, text: &str, at_most: usize) -> Option<Neighbourhood> {
        if !self.is_on() {
            return None;
        }
        if self.read_store(VectorStore::is_empty) {
            return None;
        }
        let encoder = self.query_encoder()?;
        self.keep_only_vectors_of(&*encoder);
        let vector = match encoder.encode(&[text]) {
            Ok(mut vectors) => vectors.pop()?,
            Err(error) => {
                tracing::warn!("cannot encode the query {text:?}: {error}");
                return None;
            }
        };
        Some(self.read_store(|store| store.neighbours(&vector, at_most)))
    }

    /// Computes the vectors of the sections of `index` that have none, and drops those of
    /// sections that are gone. With `at_most`, embeds nothing when more than that many are
    /// missing (a one-shot search does not wait minutes). `mode` says whether it may take every
    /// core or must stay behind searches. `progress(done, total)`.
    pub fn fill(
        &self,
        index: &SearchIndex,
        at_most: Option<usize>,
        mode: FillMode,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<FillReport> {
        let started = Instant::now();
        let mut report = FillReport::default();
        if !self.is_on() {
            return Ok(report);
        }
        let keys = index.section_keys()?;
        let count_missing =
            || self.read_store(|store| keys.iter().filter(|&&k| !store.contains(k)).count());
        let mut missing_count = count_missing();
        report.sections = keys.len();
        self.sections.store(keys.len(), Ordering::Release);
        if at_most.is_some_and(|n| missing_count > n) {
            // Decided before loading the model: a one-shot search that will not embed pays
            // nothing for it.
            self.embedded
                .store(keys.len() - missing_count, Ordering::Release);
            report.skipped = missing_count;
            report.with_vector = keys.len() - missing_count;
            report.took = started.elapsed();
            return Ok(report);
        }
        let Some(encoder) = self.encoder() else {
            return Ok(report);
        };
        self.keep_only_vectors_of(&*encoder);
        missing_count = missing_count.max(count_missing());
        if at_most.is_some_and(|n| missing_count > n) {
            report.skipped = missing_count;
            report.took = started.elapsed();
            return Ok(report);
        }
        let missing: Vec<SectionSource> =
            self.read_store(|store| index.sections_without(|key| store.contains(key)))?;
        self.embedded
            .store(keys.len().saturating_sub(missing.len()), Ordering::Release);
        self.filling.store(true, Ordering::Release);
        let outcome = self.embed_all(&*encoder, &missing, mode, &mut report, progress);
        self.filling.store(false, Ordering::Release);
        let changed = self.with_store(|store| {
            let before = store.len();
            store.retain(|key| keys.contains(&key));
            report.with_vector = store.len();
            report.embedded > 0 || store.len() != before
        });
        if changed {
            self.save();
        }
        self.embedded
            .store(report.with_vector.min(report.sections), Ordering::Release);
        report.took = started.elapsed();
        outcome.map(|()| report)
    }

    /// Writes the store to its file. Under a shared read, not from a copy: searches go on
    /// reading meanwhile, and a copy of every vector would be memory held only to be written.
    fn save(&self) {
        self.read_store(|store| self.save_store(store));
    }
}

/// What a section's vector is computed from: the runbook title and heading path, then its
/// text, cut near the model's window.
pub fn section_text(section: &SectionSource) -> String {
    let mut text = String::with_capacity(MAX_TEXT_BYTES + 128);
    text.push_str(&section.title);
    // The first heading is often the title again.
    let heading = section
        .heading
        .strip_prefix(section.title.as_str())
        .map_or(section.heading.as_str(), |rest| {
            rest.trim_start_matches(" › ")
        });
    if !heading.is_empty() {
        text.push_str(" › ");
        text.push_str(heading);
    }
    text.push('\n');
    let end = section.body.floor_char_boundary(MAX_TEXT_BYTES);
    text.push_str(&section.body[..end]);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(title: &str, heading: &str, body: &str) -> SectionSource {
        SectionSource {
            key: 1,
            title: title.into(),
            heading: heading.into(),
            body: body.into(),
        }
    }

    #[test]
    fn a_section_is_read_with_its_title_and_heading_path_first() {
        assert_eq!(
            section_text(&section("Ledger", "Access › Login", "Use the VPN.")),
            "Ledger › Access › Login\nUse the VPN."
        );
    }

    #[test]
    fn a_first_heading_that_repeats_the_title_is_not_said_twice() {
        assert_eq!(
            section_text(&section("Ledger", "Ledger › Login", "Use the VPN.")),
            "Ledger › Login\nUse the VPN."
        );
        assert_eq!(
            section_text(&section("Ledger", "Ledger", "Intro.")),
            "Ledger\nIntro."
        );
    }

    #[test]
    fn a_long_section_is_cut_on_a_character_boundary() {
        let text = section_text(&section("T", "H", &"é".repeat(5_000)));
        assert!(text.len() <= MAX_TEXT_BYTES + 16);
        assert!(text.ends_with('é'));
    }
}
