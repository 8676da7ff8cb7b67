//! The watcher on the runbook folder, made anew whenever the folder is replaced.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::super::AppState;

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
pub(super) async fn supervise_watcher(
    folder: std::path::PathBuf,
    state: AppState,
    changes: tokio::sync::mpsc::Sender<()>,
) {
    let mut watcher: Option<runbook_core::watch::FolderWatcher> = None;
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
                match runbook_core::watch::watch(&folder, on_change) {
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
