//! Keeping the index in step with the runbook folder: comparing a listing with the manifest,
//! reading and parsing what changed on every core, writing each runbook's documents as one
//! batch, committing once, and recording what each file came to.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::sync::{Arc, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use tantivy::directory::error::LockError;
use tantivy::indexer::UserOperation;
use tantivy::{IndexWriter, TantivyDocument, TantivyError, Term};

use super::manifest::{Entry, Manifest};
use super::pacing::{Pace, PacedDocument, RUNBOOKS_IN_FLIGHT};
use super::{
    MANIFEST, MAX_WRITER_THREADS, SearchIndex, WRITER_MEMORY_PER_THREAD, WriteState, documents,
    next_generation,
};
use crate::config::Book;
use crate::error::{Error, FileProblem, Result};
use crate::source::{self, FileText, SourceFile};

/// Threads reading and parsing files at most.
const MAX_READER_THREADS: usize = 8;

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
    /// What went wrong with the index itself (e.g. it fell back to memory).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// How long the refresh took.
    #[serde(serialize_with = "serialize_ms")]
    pub took: Duration,
}

fn serialize_ms<S: serde::Serializer>(
    duration: &Duration,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64() * 1000.0)
}

/// Progress of a refresh: files read so far, of how many.
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize);

/// What reading one file came to.
enum Parsed {
    /// Same content as indexed: nothing to do but remember its new modification time.
    Unchanged,
    /// Parsed: these documents replace the file's old ones.
    Documents(Vec<TantivyDocument>),
    /// Not usable (the entry says why): its old documents, if any, leave the index.
    LeftOut,
}

/// What the listing says changed since the manifest was written.
struct Changes<'l> {
    /// New files, and files whose size or modification time changed (all of them on a rebuild).
    stale: Vec<&'l SourceFile>,
    /// Files in the manifest that are no longer listed.
    gone: Vec<String>,
}

impl<'l> Changes<'l> {
    /// The listing and the manifest are both sorted by path: one merge pass finds what is new,
    /// changed or gone, without hashing ten thousand paths on every search.
    fn between(files: &'l [SourceFile], manifest: &Manifest, clear: bool) -> Changes<'l> {
        let mut stale: Vec<&SourceFile> = Vec::new();
        let mut gone: Vec<String> = Vec::new();
        let mut known = manifest.files.iter().peekable();
        for file in files {
            while let Some((path, _)) =
                known.next_if(|(path, _)| path.as_str() < file.path.as_str())
            {
                gone.push(path.clone());
            }
            let entry = known
                .next_if(|(path, _)| path.as_str() == file.path)
                .map(|(_, entry)| entry);
            if clear || entry.is_none_or(|e| e.mtime_ns != file.mtime_ns || e.size != file.size) {
                stale.push(file);
            }
        }
        gone.extend(known.map(|(path, _)| path.clone()));
        Changes { stale, gone }
    }
}

/// One refresh under way: the write state it holds locked, and what it has done so far.
struct Update<'i> {
    index: &'i SearchIndex,
    state: MutexGuard<'i, WriteState>,
    /// Everything is re-indexed: the old documents all go.
    clear: bool,
    /// The writer is open and the old documents of `gone` (or all) are deleted.
    writing: bool,
    /// Another process holds the index: nothing can be written.
    read_only: bool,
    failure: Option<Error>,
    /// The manifest entries of the files read.
    entries: Vec<(String, Entry)>,
    report: RefreshReport,
    /// How many runbooks may wait for the indexing threads.
    pace: Arc<Pace>,
}

impl SearchIndex {
    /// Brings the index in step with the runbook folder: re-reads files whose size or
    /// modification time changed, re-indexes those whose content changed, removes those that are
    /// gone, and commits once.
    pub fn refresh(&self, book: &Book, progress: Progress) -> Result<RefreshReport> {
        self.refresh_with(book, source::list(book), false, progress)
    }

    /// [`SearchIndex::refresh`] with a listing of the folder made beforehand.
    pub fn refresh_listing(
        &self,
        book: &Book,
        listing: source::Listing,
        progress: Progress,
    ) -> Result<RefreshReport> {
        self.refresh_with(book, listing, false, progress)
    }

    /// Re-reads and re-indexes every runbook.
    pub fn rebuild(&self, book: &Book, progress: Progress) -> Result<RefreshReport> {
        self.refresh_with(book, source::list(book), true, progress)
    }

    fn refresh_with(
        &self,
        book: &Book,
        mut listing: source::Listing,
        rebuild: bool,
        progress: Progress,
    ) -> Result<RefreshReport> {
        let started = Instant::now();
        refuse_partial_listing(book, &listing)?;
        if !listing.files.is_sorted_by(|a, b| a.path < b.path) {
            listing.files.sort_by(|a, b| a.path.cmp(&b.path));
            listing.files.dedup_by(|a, b| a.path == b.path);
        }
        let state = self.lock_state();
        let clear = rebuild || state.must_clear;
        let changes = Changes::between(&listing.files, &state.manifest, clear);
        let mut update = Update {
            index: self,
            state,
            clear,
            writing: false,
            read_only: false,
            failure: None,
            entries: Vec::with_capacity(changes.stale.len()),
            report: RefreshReport::default(),
            pace: Pace::new(RUNBOOKS_IN_FLIGHT),
        };
        if changes.stale.is_empty() && changes.gone.is_empty() && !clear {
            return Ok(update.finish(listing.problems, started));
        }
        if clear || !changes.gone.is_empty() {
            update.start_writing(&changes.gone);
        }
        update.read_and_write(&changes, book.settings.max_file_bytes, progress);
        update.commit(&changes.gone, listing.problems, started)
    }

    /// Reads and parses one file. `unchanged(hash)` says whether the index already holds this
    /// exact content.
    fn parse_file(
        &self,
        file: &SourceFile,
        max_bytes: u64,
        unchanged: impl Fn(u64) -> bool,
    ) -> (String, Entry, Parsed) {
        let path = file.path.clone();
        match source::read(file, max_bytes) {
            Err(problem) => (path, entry_for(file, 0, Some(problem)), Parsed::LeftOut),
            Ok(FileText { hash, .. }) if unchanged(hash) => {
                (path, entry_for(file, hash, None), Parsed::Unchanged)
            }
            Ok(FileText { text, hash }) => {
                match crate::runbook::Runbook::parse(&file.path, &file.id_path, &text) {
                    Ok(runbook) => (
                        path,
                        entry_for(file, hash, None),
                        Parsed::Documents(documents::documents(&runbook, &self.fields)),
                    ),
                    Err(problem) => (path, entry_for(file, hash, Some(problem)), Parsed::LeftOut),
                }
            }
        }
    }

    pub(super) fn save_manifest(&self, manifest: &Manifest) {
        if let Some(dir) = &self.dir {
            // The manifest only saves work: if it cannot be written, the next run re-reads files.
            if let Err(error) = manifest.save(&dir.join(MANIFEST)) {
                tracing::warn!(
                    "cannot write the index manifest in {}: {error}",
                    dir.display()
                );
            }
        }
    }

    /// The writer, created on first use and kept (its merge threads die with it). `None` when
    /// another process holds the index.
    fn writer_for<'a>(
        &self,
        state: &'a mut WriteState,
    ) -> Result<Option<&'a mut IndexWriter<PacedDocument>>> {
        if state.writer.is_none() {
            let threads = crate::parallel::cores(MAX_WRITER_THREADS);
            match self
                .index
                .writer_with_num_threads(threads, threads * WRITER_MEMORY_PER_THREAD)
            {
                Ok(writer) => state.writer = Some(writer),
                Err(TantivyError::LockFailure(LockError::LockBusy, _)) => return Ok(None),
                Err(error) => return Err(Error::Index(error)),
            }
        }
        Ok(state.writer.as_mut())
    }
}

/// A vanished folder is not "every runbook deleted": keep the last index until it is back (a
/// checkout switching branches, a share remounting). Nor is a listing that lost a thread's
/// share: keep the last index, and let the next refresh list again.
fn refuse_partial_listing(book: &Book, listing: &source::Listing) -> Result<()> {
    if listing.folder_unreadable || !book.src.is_dir() {
        return Err(Error::MissingSource(book.src.clone()));
    }
    if listing.incomplete {
        return Err(Error::IncompleteListing(book.src.clone()));
    }
    Ok(())
}

impl Update<'_> {
    /// Opens the writer and deletes the documents of `gone` (all of them when clearing).
    /// Returns whether writing is possible; when not, says why in `read_only` or `failure`.
    fn start_writing(&mut self, gone: &[String]) -> bool {
        let index = self.index;
        let outcome = (|| -> Result<bool> {
            let Some(writer) = index.writer_for(&mut self.state)? else {
                return Ok(false);
            };
            if self.clear {
                writer.delete_all_documents()?;
            }
            for path in gone {
                writer.delete_term(Term::from_field_text(index.fields.path, path));
            }
            Ok(true)
        })();
        match outcome {
            Ok(true) => self.writing = true,
            Ok(false) => self.read_only = true,
            Err(error) => self.failure = Some(error),
        }
        self.writing
    }

    /// Files are read, parsed and turned into documents on every core; this thread feeds the
    /// index writer, which indexes on threads of its own.
    fn read_and_write(&mut self, changes: &Changes, max_bytes: u64, progress: Progress) {
        let total = changes.stale.len();
        if self.read_only || self.failure.is_some() {
            progress(total, total);
            return;
        }
        // The content hash of each stale file as the index holds it (when it was indexed).
        let indexed_hash: HashMap<&str, u64> = changes
            .stale
            .iter()
            .filter_map(|file| {
                let entry = self.state.manifest.files.get(&file.path)?;
                entry
                    .problem
                    .is_none()
                    .then_some((file.path.as_str(), entry.hash))
            })
            .collect();
        let index = self.index;
        let clear = self.clear;
        let mut done = 0;
        crate::parallel::stream(
            &changes.stale,
            crate::parallel::cores(MAX_READER_THREADS),
            |file| {
                let unchanged =
                    |hash| !clear && indexed_hash.get(file.path.as_str()) == Some(&hash);
                index.parse_file(file, max_bytes, unchanged)
            },
            |(path, entry, parsed)| {
                progress(done, total);
                done += 1;
                let was_indexed = clear || indexed_hash.contains_key(path.as_str());
                self.write(path, entry, parsed, was_indexed)
            },
        );
        progress(total, total);
    }

    /// Writes one file's documents as one batch, replacing its old ones. Breaks when nothing
    /// more can be written.
    fn write(
        &mut self,
        path: String,
        entry: Entry,
        parsed: Parsed,
        was_indexed: bool,
    ) -> ControlFlow<()> {
        let needs_index = match &parsed {
            Parsed::Unchanged => false,
            Parsed::Documents(_) => true,
            Parsed::LeftOut => was_indexed,
        };
        if needs_index && !self.writing && !self.start_writing(&[]) {
            return ControlFlow::Break(());
        }
        if let Some(writer) = self.state.writer.as_mut().filter(|_| self.writing) {
            // One batch per runbook: its documents land together, in order, in one segment,
            // which the ranking relies on (see `rank`), and a search never sees
            // the old version deleted but the new one half added.
            let mut batch = Vec::new();
            if needs_index {
                batch.push(UserOperation::Delete(Term::from_field_text(
                    self.index.fields.path,
                    &path,
                )));
            }
            let added = matches!(parsed, Parsed::Documents(_));
            if let Parsed::Documents(docs) = parsed {
                // The runbook's last document carries its slot: given back once it is indexed.
                let mut slot = Some(self.pace.slot());
                let last = docs.len().saturating_sub(1);
                batch.extend(docs.into_iter().enumerate().map(|(position, doc)| {
                    let slot = if position == last { slot.take() } else { None };
                    UserOperation::Add(PacedDocument::new(doc, slot))
                }));
            }
            if !batch.is_empty()
                && let Err(error) = writer.run(batch)
            {
                self.failure = Some(error.into());
            } else if added {
                self.report.updated += 1;
            } else if needs_index {
                self.report.removed += 1;
            }
        }
        self.entries.push((path, entry));
        if self.failure.is_some() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    /// Commits what was written and records every file read in the manifest. On a failure the
    /// last good commit stays served, and the next refresh starts from scratch.
    fn commit(
        mut self,
        gone: &[String],
        listing_problems: Vec<FileProblem>,
        started: Instant,
    ) -> Result<RefreshReport> {
        if let Some(error) = self.failure.take() {
            if let Some(writer) = self.state.writer.as_mut() {
                let _ = writer.rollback();
            }
            self.state.must_clear = true;
            return Err(error);
        }
        if self.read_only {
            self.report.read_only = true;
            self.report.updated = 0;
            self.report.removed = 0;
            return Ok(self.finish(listing_problems, started));
        }
        let wrote = self.clear || !gone.is_empty() || self.report.updated + self.report.removed > 0;
        let mut opstamp = self.state.manifest.opstamp;
        if wrote {
            let Some(writer) = self.state.writer.as_mut() else {
                return Err(Error::Index(TantivyError::InternalError(
                    "index writer missing after indexing".into(),
                )));
            };
            opstamp = match writer.commit() {
                Ok(opstamp) => opstamp,
                Err(error) => {
                    let _ = writer.rollback();
                    self.state.must_clear = true;
                    return Err(error.into());
                }
            };
            self.index.reader.reload()?;
            self.index
                .generation
                .store(next_generation(), Ordering::Release);
        }

        let manifest = &mut self.state.manifest;
        if self.clear {
            manifest.files.clear();
        }
        for path in gone {
            manifest.files.remove(path);
        }
        self.report.removed += gone.len();
        manifest.files.extend(std::mem::take(&mut self.entries));
        manifest.opstamp = opstamp;
        self.state.must_clear = false;
        self.index.save_manifest(&self.state.manifest);
        Ok(self.finish(listing_problems, started))
    }

    /// The report, with what the index holds now and every file left out.
    fn finish(self, listing_problems: Vec<FileProblem>, started: Instant) -> RefreshReport {
        let mut report = self.report;
        let manifest = &self.state.manifest;
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
}

fn entry_for(file: &SourceFile, hash: u64, problem: Option<FileProblem>) -> Entry {
    Entry {
        mtime_ns: file.mtime_ns,
        size: file.size,
        hash,
        problem,
    }
}
