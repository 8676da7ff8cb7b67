//! Computing the missing sentence vectors: batch by batch, on threads of their own, each
//! batch's vectors added to the store as soon as it is done.

use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::{
    BACKGROUND_FILL_THREAD, BATCH, FOREGROUND_FILL_THREAD, FillMode, FillReport, MAX_THREADS,
    SAVE_EVERY, Semantic, SentenceModel, section_text, yielding,
};
use crate::error::{Error, Result};
use crate::index::SectionSource;

impl Semantic {
    /// Encodes `missing` batch by batch on the threads `mode` allows, adding each batch's
    /// vectors to the store as it is done, so searches use them at once.
    pub(super) fn embed_all(
        &self,
        encoder: &dyn SentenceModel,
        missing: &[SectionSource],
        mode: FillMode,
        report: &mut FillReport,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<()> {
        let background = mode == FillMode::Background;
        let spawn = fill_spawn(mode);
        if background {
            // Whatever the model's libraries start lazily on first use (rayon's pool, which the
            // tokenizer hands batches to) is started here, at this thread's priority: a thread
            // inherits its creator's, and searches must never wait on one started by a fill
            // thread at the lowest.
            let _ = encoder.encode(&["warm up"]);
        }
        let batches: Vec<&[SectionSource]> = missing.chunks(BATCH).collect();
        let mut failure = None;
        let mut last_save = Instant::now();
        progress(0, missing.len());
        crate::parallel::stream_on(
            spawn,
            &batches,
            |&batch| (batch, self.encode_batch(encoder, batch, background)),
            |(batch, vectors)| {
                let vectors = match vectors {
                    Ok(vectors) => vectors,
                    Err(error) => {
                        failure = Some(error);
                        return ControlFlow::Break(());
                    }
                };
                self.add_vectors(batch, &vectors);
                report.embedded += vectors.len();
                progress(report.embedded, missing.len());
                if last_save.elapsed() >= SAVE_EVERY {
                    self.save();
                    last_save = Instant::now();
                }
                if self.is_stopping() {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        );
        failure.map_or(Ok(()), |e| Err(Error::Semantic(e.into())))
    }

    /// Whether the process is stopping: a fill ends after the batch it is on.
    fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }

    /// Encodes one batch, on a fill thread: in the background only once searches are quiet (or
    /// have waited long enough), and not at all when the process is stopping. An encoder that
    /// panics is an error.
    fn encode_batch(
        &self,
        encoder: &dyn SentenceModel,
        batch: &[SectionSource],
        background: bool,
    ) -> std::result::Result<Vec<Vec<f32>>, String> {
        if background {
            self.searches
                .wait_for_quiet(yielding::MAX_WAIT, || self.is_stopping());
        }
        if self.is_stopping() {
            return Ok(Vec::new());
        }
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            encode_sections(encoder, batch)
        }))
        .unwrap_or_else(|_| Err("the encoder panicked".into()))
    }

    /// Adds a batch's vectors to the store, so searches use them at once.
    fn add_vectors(&self, batch: &[SectionSource], vectors: &[Vec<f32>]) {
        // Inserted here, on the caller's thread at its priority: a fill thread the OS
        // keeps waiting must never hold the lock that searches read the vectors under.
        self.with_store(|store| {
            for (section, vector) in batch.iter().zip(vectors) {
                store.insert(section.key, vector);
            }
        });
        self.embedded.fetch_add(vectors.len(), Ordering::AcqRel);
        self.version.fetch_add(1, Ordering::AcqRel);
    }
}

/// The threads a fill runs on: in the foreground as many as the cores allow; in the background
/// fewer, each at the lowest priority.
fn fill_spawn(mode: FillMode) -> crate::parallel::Spawn<'static> {
    // candle runs one forward pass on one core (see the `runbook` binary's `main.rs`): a batch
    // per thread.
    match mode {
        FillMode::Foreground => crate::parallel::Spawn {
            threads: crate::parallel::cores(MAX_THREADS),
            name: FOREGROUND_FILL_THREAD,
            start: &|| {},
        },
        FillMode::Background => crate::parallel::Spawn {
            threads: yielding::background_threads(MAX_THREADS),
            name: BACKGROUND_FILL_THREAD,
            start: &yielding::lower_this_thread,
        },
    }
}

fn encode_sections(
    encoder: &dyn SentenceModel,
    batch: &[SectionSource],
) -> std::result::Result<Vec<Vec<f32>>, String> {
    let texts: Vec<String> = batch.iter().map(section_text).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    encoder.encode(&refs).map_err(|e| e.to_string())
}
