//! The search index: a tantivy index of runbook sections, kept in step with the runbook folder.
//!
//! The index is a cache. It lives in `.runbook/` under the root and can always be rebuilt from
//! the Markdown: a missing, corrupt or old-format index is rebuilt without bothering the user,
//! and where the folder cannot be written the index is kept in memory instead. Only one process
//! may write it (tantivy's lock); another process (a CLI next to a running server) reads the last
//! commit instead of refreshing.

pub mod analyzer;
mod collector;
pub mod documents;
pub mod manifest;
pub mod query;
pub mod schema;
pub mod search;
pub mod synonyms;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use tantivy::directory::error::LockError;
use tantivy::schema::Schema;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, TantivyError, Term};

use crate::config::Book;
use crate::error::{Error, FileProblem, Result};
use crate::source::{self, FileText};
use manifest::{Entry, Manifest};
use schema::Fields;
use synonyms::Synonyms;

/// Memory the index writer may use before it flushes a segment.
const WRITER_MEMORY_BYTES: usize = 64 * 1024 * 1024;

/// What a refresh did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RefreshReport {
    /// Runbooks in the index afterwards.
    pub indexed: usize,
    /// Runbooks added or re-indexed.
    pub updated: usize,
    /// Runbooks removed because their file is gone (or now broken).
    pub removed: usize,
    /// Files left out, with why.
    pub problems: Vec<FileProblem>,
    /// True when another process holds the index and this refresh could not write it.
    pub read_only: bool,
    #[serde(serialize_with = "serialize_ms")]
    pub took: Duration,
}

fn serialize_ms<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1000.0)
}

/// Progress of a refresh: files read so far, of how many.
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize);

/// The tantivy index and the manifest describing it.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// `None` for an in-memory index.
    dir: Option<PathBuf>,
    state: Mutex<WriteState>,
    warnings: Vec<String>,
    /// Query-time synonyms: built-in plus the book's `[preprocessor.runbook.synonyms]`.
    synonyms: Synonyms,
}

struct WriteState {
    writer: Option<IndexWriter>,
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
        Ok(index)
    }

    /// An index held in memory only.
    pub fn in_memory() -> Result<SearchIndex> {
        let (schema, fields) = schema::build();
        let index = Index::create_in_ram(schema);
        SearchIndex::assemble(index, fields, None, Manifest::new(), false)
    }

    fn open_on_disk(state_dir: &Path) -> std::result::Result<SearchIndex, String> {
        let index_dir = state_dir.join("index");
        std::fs::create_dir_all(&index_dir).map_err(|e| e.to_string())?;
        ensure_gitignore(state_dir);
        let manifest_path = state_dir.join("manifest.json");
        let (schema, fields) = schema::build();
        let manifest = Manifest::load(&manifest_path);
        let existing = manifest
            .as_ref()
            .and_then(|_| open_existing(&index_dir, &schema));
        let (index, manifest) = match (existing, manifest) {
            (Some(index), Some(manifest)) => (index, manifest),
            _ => {
                if writer_lock_is_held(&index_dir) {
                    return Err("another process is writing it".into());
                }
                wipe(&index_dir).map_err(|e| e.to_string())?;
                let index = Index::create_in_dir(&index_dir, schema).map_err(|e| e.to_string())?;
                (index, Manifest::new())
            }
        };
        let committed = index
            .load_metas()
            .map(|m| m.opstamp)
            .map_err(|e| e.to_string())?;
        let must_clear = committed != manifest.opstamp;
        SearchIndex::assemble(
            index,
            fields,
            Some(state_dir.to_path_buf()),
            manifest,
            must_clear,
        )
        .map_err(|e| e.to_string())
    }

    fn assemble(
        index: Index,
        fields: Fields,
        dir: Option<PathBuf>,
        manifest: Manifest,
        must_clear: bool,
    ) -> Result<SearchIndex> {
        analyzer::register(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
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
            synonyms: Synonyms::new(&Default::default()),
        })
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

    /// Brings the index in step with the runbook folder: re-reads files whose size or
    /// modification time changed, re-indexes those whose content changed, removes those that are
    /// gone, and commits once.
    pub fn refresh(&self, book: &Book, progress: Progress) -> Result<RefreshReport> {
        self.refresh_with(book, false, progress)
    }

    /// Re-reads and re-indexes every runbook.
    pub fn rebuild(&self, book: &Book, progress: Progress) -> Result<RefreshReport> {
        self.refresh_with(book, true, progress)
    }

    fn refresh_with(
        &self,
        book: &Book,
        rebuild: bool,
        progress: Progress,
    ) -> Result<RefreshReport> {
        let started = Instant::now();
        let listing = source::list(book);
        let mut state = self.lock_state();
        let clear = rebuild || state.must_clear;
        let max_bytes = book.settings.max_file_bytes;

        let stale: Vec<&source::SourceFile> = listing
            .files
            .iter()
            .filter(|file| {
                clear
                    || state
                        .manifest
                        .files
                        .get(&file.path)
                        .is_none_or(|e| e.mtime_ns != file.mtime_ns || e.size != file.size)
            })
            .collect();

        // Read and parse outside of any index work; collect what changes.
        let mut upserts: Vec<(String, Entry, Vec<TantivyDocument>)> = Vec::new();
        let mut touched: Vec<(String, Entry)> = Vec::new();
        for (done, file) in stale.iter().enumerate() {
            progress(done, stale.len());
            let previous = state.manifest.files.get(&file.path);
            let (entry, docs) = match source::read(file, max_bytes) {
                Err(problem) => (entry_for(file, 0, Some(problem)), Vec::new()),
                Ok(FileText { text, hash }) => {
                    let unchanged = previous.is_some_and(|e| e.hash == hash && e.problem.is_none());
                    if unchanged && !clear {
                        touched.push((file.path.clone(), entry_for(file, hash, None)));
                        continue;
                    }
                    match crate::runbook::Runbook::parse(&file.path, &file.id_path, &text) {
                        Ok(runbook) => (
                            entry_for(file, hash, None),
                            documents::documents(&runbook, &self.fields),
                        ),
                        Err(problem) => (entry_for(file, hash, Some(problem)), Vec::new()),
                    }
                }
            };
            upserts.push((file.path.clone(), entry, docs));
        }
        progress(stale.len(), stale.len());
        let on_disk: HashSet<&str> = listing.files.iter().map(|f| f.path.as_str()).collect();
        let gone: Vec<String> = state
            .manifest
            .files
            .keys()
            .filter(|path| !on_disk.contains(path.as_str()))
            .cloned()
            .collect();

        let mut report = RefreshReport::default();
        for (path, entry) in touched {
            state.manifest.files.insert(path, entry);
        }
        if upserts.is_empty() && gone.is_empty() && !clear {
            self.save_manifest(&state.manifest);
            return Ok(self.finish(report, &state.manifest, listing.problems, started));
        }

        let Some(writer) = self.writer(&mut state)? else {
            report.read_only = true;
            return Ok(self.finish(report, &state.manifest, listing.problems, started));
        };
        if clear {
            writer.delete_all_documents()?;
        }
        for path in &gone {
            writer.delete_term(Term::from_field_text(self.fields.path, path));
        }
        for (path, _, docs) in &upserts {
            writer.delete_term(Term::from_field_text(self.fields.path, path));
            for doc in docs {
                writer.add_document(doc.clone())?;
            }
        }
        let opstamp = match writer.commit() {
            Ok(opstamp) => opstamp,
            Err(e) => {
                // Keep serving the last good commit; the next refresh tries again from scratch.
                let _ = writer.rollback();
                state.must_clear = true;
                return Err(e.into());
            }
        };
        self.reader.reload()?;

        let manifest = &mut state.manifest;
        if clear {
            manifest.files.clear();
        }
        for path in &gone {
            manifest.files.remove(path);
        }
        report.removed = gone.len();
        for (path, entry, docs) in upserts {
            if docs.is_empty() {
                report.removed += usize::from(
                    manifest
                        .files
                        .get(&path)
                        .is_some_and(|e| e.problem.is_none()),
                );
            } else {
                report.updated += 1;
            }
            manifest.files.insert(path, entry);
        }
        manifest.opstamp = opstamp;
        state.must_clear = false;
        self.save_manifest(&state.manifest);
        Ok(self.finish(report, &state.manifest, listing.problems, started))
    }

    fn finish(
        &self,
        mut report: RefreshReport,
        manifest: &Manifest,
        listing_problems: Vec<FileProblem>,
        started: Instant,
    ) -> RefreshReport {
        report.indexed = manifest.indexed();
        report.problems = manifest
            .problems()
            .cloned()
            .chain(listing_problems)
            .collect();
        report.problems.sort_by(|a, b| a.path.cmp(&b.path));
        report.took = started.elapsed();
        report
    }

    fn save_manifest(&self, manifest: &Manifest) {
        if let Some(dir) = &self.dir {
            // The manifest only saves work: if it cannot be written, the next run re-reads files.
            if let Err(e) = manifest.save(&dir.join("manifest.json")) {
                tracing::warn!("cannot write the index manifest in {}: {e}", dir.display());
            }
        }
    }

    /// The writer, created on first use and kept (its merge threads die with it). `None` when
    /// another process holds the index.
    fn writer<'a>(&self, state: &'a mut WriteState) -> Result<Option<&'a mut IndexWriter>> {
        if state.writer.is_none() {
            match self.index.writer_with_num_threads(1, WRITER_MEMORY_BYTES) {
                Ok(writer) => state.writer = Some(writer),
                Err(TantivyError::LockFailure(LockError::LockBusy, _)) => return Ok(None),
                Err(e) => return Err(Error::Index(e)),
            }
        }
        Ok(state.writer.as_mut())
    }
}

fn entry_for(file: &source::SourceFile, hash: u64, problem: Option<FileProblem>) -> Entry {
    Entry {
        mtime_ns: file.mtime_ns,
        size: file.size,
        hash,
        problem,
    }
}

/// Opens an existing index if it is readable and has the expected schema.
///
/// tantivy panics on some kinds of damaged files instead of returning an error, so the check
/// runs under `catch_unwind` with the panic message silenced: a damaged cache is rebuilt, not
/// reported as a crash.
fn open_existing(dir: &Path, schema: &Schema) -> Option<Index> {
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let opened = std::panic::catch_unwind(|| check_existing(dir, schema))
        .ok()
        .flatten();
    std::panic::set_hook(previous_hook);
    opened
}

fn check_existing(dir: &Path, schema: &Schema) -> Option<Index> {
    let index = Index::open_in_dir(dir).ok()?;
    if index.schema() != *schema {
        return None;
    }
    analyzer::register(&index);
    // Touch every segment's store, term dictionaries and fast fields: a damaged one fails here,
    // not in the middle of a search.
    let reader: IndexReader = index.reader_builder().try_into().ok()?;
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
    Some(index)
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
