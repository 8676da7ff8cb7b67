//! The search index: a tantivy index of runbook sections, kept in step with the runbook folder.
//!
//! The index is a cache. It lives in `.runbook/` under the root and can always be rebuilt from
//! the Markdown: a missing, corrupt or old-format index is rebuilt without bothering the user,
//! and where the folder cannot be written the index is kept in memory instead. Only one process
//! may write it (tantivy's lock); another process (a CLI next to a running server) reads the last
//! commit instead of refreshing.

mod alternatives;
pub(crate) mod analyzer;
mod collector;
mod documents;
mod explain;
mod facets;
mod fusion;
mod hybrid;
mod lexical;
mod manifest;
mod pacing;
mod plan;
mod rank;
mod refresh;
mod schema;
mod search;
mod sections;
mod statistics;
mod suggest;
mod synonyms;

use pacing::PacedDocument;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use tantivy::directory::error::LockError;
use tantivy::schema::Schema;
use tantivy::{
    Executor, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, TantivyError,
};

use crate::config::Book;
use crate::error::{FileProblem, Result};
pub(crate) use fusion::Spread;
pub use fusion::{NEAR_NONE, STANDING_NONE};
pub(crate) use hybrid::{NEAREST_SECTIONS, Nearest, Neighbourhood};
use manifest::Manifest;
pub use refresh::{Progress, RefreshReport};
use schema::Fields;
pub(crate) use sections::SectionSource;
use synonyms::Synonyms;

/// Memory each indexing thread may use before it flushes a segment.
const WRITER_MEMORY_PER_THREAD: usize = 48 * 1024 * 1024;
/// Indexing threads at most (tantivy writes one segment per thread).
const MAX_WRITER_THREADS: usize = 4;

/// The manifest's file name in the state folder.
const MANIFEST: &str = "manifest.bin";

/// The tantivy index and the manifest describing it.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// `None` for an in-memory index.
    dir: Option<PathBuf>,
    state: Mutex<WriteState>,
    warnings: Vec<String>,
    /// Bumped after every commit: answers computed before a change are stale after it.
    generation: AtomicU64,
    /// Query-time synonyms: built-in plus the book's `[preprocessor.runbook.synonyms]`.
    synonyms: Synonyms,
    /// The book's review period, for runbooks that set none: hits say when a review is due.
    review_every_days: u32,
}

struct WriteState {
    writer: Option<IndexWriter<PacedDocument>>,
    manifest: Manifest,
    /// The index holds documents the manifest does not describe: clear it on the next refresh.
    must_clear: bool,
}

impl SearchIndex {
    /// Opens the index of `book`, creating or rebuilding it as needed. Never fails because of
    /// what is on disk: a broken index is replaced, an unwritable folder means an in-memory index.
    pub fn open(book: &Book) -> Result<SearchIndex> {
        let dir = book.state_dir.clone();
        let mut index = match SearchIndex::open_on_disk(&dir) {
            Ok(index) => index,
            Err(reason) => {
                let mut index = SearchIndex::in_memory()?;
                index.warnings.push(format!(
                    "cannot use the index in {} ({reason}); using an in-memory index for this run",
                    dir.display()
                ));
                index
            }
        };
        index.synonyms = Synonyms::new(&book.settings.synonyms);
        index.review_every_days = book.settings.review_every_days;
        Ok(index)
    }

    /// An in-memory index for `book`, for when its on-disk index cannot be written.
    pub fn in_memory_for(book: &Book) -> Result<SearchIndex> {
        let mut index = SearchIndex::in_memory()?;
        index.synonyms = Synonyms::new(&book.settings.synonyms);
        index.review_every_days = book.settings.review_every_days;
        Ok(index)
    }

    /// An index held in memory only.
    pub fn in_memory() -> Result<SearchIndex> {
        let (schema, fields) = schema::build();
        let index = Index::create_in_ram(schema);
        SearchIndex::assemble(index, None, fields, None, Manifest::new(), false)
    }

    fn open_on_disk(state_dir: &Path) -> std::result::Result<SearchIndex, String> {
        let index_dir = state_dir.join("index");
        std::fs::create_dir_all(&index_dir).map_err(|e| e.to_string())?;
        ensure_gitignore(state_dir);
        let manifest_path = state_dir.join(MANIFEST);
        let (schema, fields) = schema::build();
        let manifest = Manifest::load(&manifest_path);
        let existing = manifest
            .as_ref()
            .and_then(|_| open_existing(&index_dir, &schema));
        let (index, reader, manifest) = match (existing, manifest) {
            (Some((index, reader)), Some(manifest)) => (index, Some(reader), manifest),
            _ => {
                if writer_lock_is_held(&index_dir) {
                    return Err("another process is writing it".into());
                }
                wipe(&index_dir).map_err(|e| e.to_string())?;
                let index = Index::create_in_dir(&index_dir, schema).map_err(|e| e.to_string())?;
                (index, None, Manifest::new())
            }
        };
        let committed = index
            .load_metas()
            .map(|m| m.opstamp)
            .map_err(|e| e.to_string())?;
        let must_clear = committed != manifest.opstamp;
        SearchIndex::assemble(
            index,
            reader,
            fields,
            Some(state_dir.to_path_buf()),
            manifest,
            must_clear,
        )
        .map_err(|e| e.to_string())
    }

    /// `reader`: one already opened on `index` (by the check of an existing index), so that a
    /// one-shot `runbook search` opens the segments once.
    fn assemble(
        index: Index,
        reader: Option<IndexReader>,
        fields: Fields,
        dir: Option<PathBuf>,
        manifest: Manifest,
        must_clear: bool,
    ) -> Result<SearchIndex> {
        analyzer::register(&index);
        let reader = match reader {
            Some(reader) => reader,
            None => manual_reader(&index)?,
        };
        Ok(SearchIndex {
            index,
            reader,
            fields,
            dir,
            state: Mutex::new(WriteState {
                writer: None,
                manifest,
                must_clear,
            }),
            warnings: Vec::new(),
            generation: AtomicU64::new(next_generation()),
            synonyms: Synonyms::new(&Default::default()),
            review_every_days: crate::config::Settings::default().review_every_days,
        })
    }

    /// Changes whenever the searchable content changes (after each commit). Unique across every
    /// index in the process, so that swapping in another index never repeats a generation.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Warnings from opening (e.g. the in-memory fallback).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Whether the index lives on disk.
    pub fn is_persistent(&self) -> bool {
        self.dir.is_some()
    }

    pub(crate) fn fields(&self) -> &Fields {
        &self.fields
    }

    pub(crate) fn synonyms(&self) -> &Synonyms {
        &self.synonyms
    }

    pub(crate) fn reader(&self) -> &IndexReader {
        &self.reader
    }

    /// Files left out at the last refresh.
    pub fn problems(&self) -> Vec<FileProblem> {
        self.lock_state().manifest.problems().cloned().collect()
    }

    /// Runbooks in the index.
    pub fn indexed(&self) -> usize {
        self.lock_state().manifest.indexed()
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, WriteState> {
        // A panic while holding the lock leaves the manifest as it was: still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Lets background segment merges finish and releases the writer: a short-lived process
    /// (`runbook index`) calls this so the next one opens a compact index.
    pub fn wait_for_merges(&self) -> Result<()> {
        let writer = self.lock_state().writer.take();
        if let Some(writer) = writer {
            writer.wait_merging_threads()?;
        }
        Ok(())
    }
}

/// A reader that reloads only when told to (after our own commits), so it needs no thread
/// watching `meta.json`.
fn manual_reader(index: &Index) -> tantivy::Result<IndexReader> {
    index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
}

/// Opens an existing index, with a reader on it, if it is readable and has the expected schema.
///
/// tantivy panics on some kinds of damaged files instead of returning an error, so the check
/// runs under `catch_unwind` with the panic message silenced: a damaged cache is rebuilt, not
/// reported as a crash.
fn open_existing(dir: &Path, schema: &Schema) -> Option<(Index, IndexReader)> {
    quiet_panics::install();
    let _quiet = quiet_panics::Quiet::enter();
    std::panic::catch_unwind(|| check_existing(dir, schema))
        .ok()
        .flatten()
}

/// Keeping a damaged index's panic (tantivy panics on some corrupt files) off stderr, since it
/// is expected and handled, without touching other threads' panics.
///
/// Swapping the process-wide hook around `catch_unwind` raced: two indexes opening at once
/// could restore each other's silent hook and hide every later panic. Instead one hook is
/// installed once; it stays quiet only on a thread that is opening an index.
pub(crate) mod quiet_panics {
    use std::cell::Cell;
    use std::sync::Once;

    thread_local! {
        static QUIET: Cell<bool> = const { Cell::new(false) };
    }

    /// Installs the hook (once per process), wrapping whatever hook was there.
    pub(crate) fn install() {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if !QUIET.with(Cell::get) {
                    previous(info);
                }
            }));
        });
    }

    /// Panics on this thread are silent while this lives.
    pub(crate) struct Quiet(bool);

    impl Quiet {
        pub(crate) fn enter() -> Quiet {
            Quiet(QUIET.with(|q| q.replace(true)))
        }
    }

    impl Drop for Quiet {
        fn drop(&mut self) {
            let was = self.0;
            QUIET.with(|q| q.set(was));
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn only_the_thread_opening_an_index_is_quiet_and_only_while_it_does() {
            install();
            assert!(!QUIET.with(Cell::get));
            {
                let _quiet = Quiet::enter();
                assert!(QUIET.with(Cell::get));
                let other = std::thread::spawn(|| QUIET.with(Cell::get)).join();
                assert_eq!(other.ok(), Some(false), "other threads keep their panics");
                {
                    let _nested = Quiet::enter();
                }
                assert!(QUIET.with(Cell::get), "a nested opening keeps it quiet");
            }
            assert!(!QUIET.with(Cell::get));
        }
    }
}

fn check_existing(dir: &Path, schema: &Schema) -> Option<(Index, IndexReader)> {
    let index = Index::open_in_dir(dir).ok()?;
    if index.schema() != *schema {
        return None;
    }
    analyzer::register(&index);
    // Touch every segment's store, term dictionaries and fast fields: a damaged one fails here,
    // not in the middle of a search.
    let reader = manual_reader(&index).ok()?;
    let searcher = reader.searcher();
    for segment in searcher.segment_readers() {
        segment.get_store_reader(0).ok()?;
        for (field, entry) in schema.fields() {
            if entry.is_indexed() {
                segment.inverted_index(field).ok()?;
            }
        }
        segment.fast_fields().u64("runbook_id").ok()?;
    }
    Some((index, reader))
}

/// The search threads, once [`search_on_all_cores`] started them.
static SEARCH_THREADS: OnceLock<Executor> = OnceLock::new();
static ONE_THREAD: Executor = Executor::SingleThread;

/// From now on, each search visits the index's segments on all cores at once (the indexer
/// writes one segment per thread, so there are several of similar size), on threads shared by
/// every search in the process.
///
/// The server calls this: it answers one search at a time faster. A one-shot `runbook search`
/// does not, because its check of the folder already keeps every core busy while it searches.
pub fn search_on_all_cores() {
    SEARCH_THREADS.get_or_init(|| {
        let threads = crate::parallel::cores(8);
        if threads < 2 {
            return Executor::single_thread();
        }
        Executor::multi_thread(threads, "runbook-search-").unwrap_or_else(|e| {
            tracing::warn!("cannot start search threads ({e}); searching on one thread");
            Executor::single_thread()
        })
    });
}

/// Where searches run: see [`search_on_all_cores`].
fn search_executor() -> &'static Executor {
    SEARCH_THREADS.get().unwrap_or(&ONE_THREAD)
}

/// Whether another process holds the writer lock of the index in `dir`.
fn writer_lock_is_held(dir: &Path) -> bool {
    let Ok(index) = Index::open_in_dir(dir) else {
        return false;
    };
    matches!(
        index.writer_with_num_threads::<TantivyDocument>(1, 15_000_000),
        Err(TantivyError::LockFailure(LockError::LockBusy, _))
    )
}

fn wipe(dir: &Path) -> std::io::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)
}

/// Keeps the cache out of git, whether or not the repository's own `.gitignore` says so.
fn ensure_gitignore(state_dir: &Path) {
    let path = state_dir.join(".gitignore");
    if !path.exists() {
        let _ = std::fs::write(
            path,
            "# The search index is a cache rebuilt from the runbooks.\n*\n",
        );
    }
}

/// A process-wide counter, so that generations of different indexes never coincide.
fn next_generation() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
