//! Watching the runbook folder for changes.
//!
//! The folder is watched, not files, because editors save by writing a new file and renaming it
//! over the old one. Events are debounced into batches, and a batch is not interpreted: it only
//! says "something changed, reconcile" — the index's refresh compares the folder with what it
//! indexed, which is right for saves, renames, deletions and a `git pull` touching hundreds of
//! files alike. Where the native watcher cannot start (inotify limits, some network file
//! systems), a polling watcher takes over.

use std::path::Path;
use std::time::Duration;

use notify::{EventKind, PollWatcher, RecursiveMode};
use notify_debouncer_full::{
    DebounceEventResult, Debouncer, FileIdMap, RecommendedCache, new_debouncer, new_debouncer_opt,
};

use crate::source::is_runbook_path;

/// How long a burst of file events may last before it is handled as one batch.
pub const DEBOUNCE: Duration = Duration::from_millis(75);
/// How often the polling fallback looks at the folder.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// A running watcher; dropping it stops watching. The debouncer is only held, never read: it
/// watches for as long as it lives.
pub enum FolderWatcher {
    /// Told of changes by the operating system.
    Native(#[allow(dead_code)] Debouncer<notify::RecommendedWatcher, RecommendedCache>),
    /// Looking every [`POLL_INTERVAL`], where the OS cannot tell (network file systems).
    Polling(#[allow(dead_code)] Debouncer<PollWatcher, FileIdMap>),
}

impl FolderWatcher {
    /// Whether the polling fallback is in use.
    pub fn is_polling(&self) -> bool {
        matches!(self, FolderWatcher::Polling(_))
    }
}

/// Watches `folder` recursively and calls `on_change` once per debounced batch that may concern
/// a runbook (a Markdown file, a folder, or a watcher error that calls for a full rescan).
pub fn watch(
    folder: &Path,
    on_change: impl Fn() + Send + Clone + 'static,
) -> Result<FolderWatcher, notify::Error> {
    let handler = {
        let on_change = on_change.clone();
        move |result: DebounceEventResult| {
            if batch_matters(&result) {
                on_change();
            }
        }
    };
    match new_debouncer(DEBOUNCE, None, handler) {
        Ok(mut debouncer) => match debouncer.watch(folder, RecursiveMode::Recursive) {
            Ok(()) => return Ok(FolderWatcher::Native(debouncer)),
            Err(error) => tracing::warn!("native file watching failed ({error}); polling instead"),
        },
        Err(error) => tracing::warn!("native file watching unavailable ({error}); polling instead"),
    }
    let handler = move |result: DebounceEventResult| {
        if batch_matters(&result) {
            on_change();
        }
    };
    let config = notify::Config::default().with_poll_interval(POLL_INTERVAL);
    let mut debouncer =
        new_debouncer_opt::<_, PollWatcher, _>(DEBOUNCE, None, handler, FileIdMap::new(), config)?;
    debouncer.watch(folder, RecursiveMode::Recursive)?;
    Ok(FolderWatcher::Polling(debouncer))
}

/// Whether a batch could change what is indexed. Errors and rescans always do: the watcher may
/// have missed events. Reads never do (and the refresh itself reads files: counting those would
/// loop).
fn batch_matters(result: &DebounceEventResult) -> bool {
    match result {
        Err(_) => true,
        Ok(events) => events.iter().any(|event| {
            event.need_rescan()
                || (!matches!(event.kind, EventKind::Access(_))
                    && event
                        .paths
                        .iter()
                        .any(|p| is_runbook_path(p) || p.extension().is_none() || p.is_dir()))
        }),
    }
}
