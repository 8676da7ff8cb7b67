//! What the server runs beside the requests: one task applying refreshes, one computing
//! sentence vectors after them, one saving the log of missed searches, and on request the folder
//! watcher ([`watch`]), the pulls from upstream ([`pull`]) and the live checks ([`verify`]).
//!
//! Every task that changes the index goes through the one refresh task, so refreshes never
//! overlap: a burst of changes while one runs collapses into a single follow-up.

mod live_check;
mod pull;
mod watch;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::AppState;
pub use pull::Follow;

/// How often the log of missed searches is written to the state folder (when it changed).
const SAVE_MISSES_EVERY: Duration = Duration::from_secs(5);

/// Starts the background tasks of a server: the first refresh at once, and (unless `watch` is
/// false) the folder watcher, (with `follow`) the pulls and (with `verify_every`) the live checks.
pub(super) fn start(
    state: &mut AppState,
    watch: bool,
    follow: Option<Follow>,
    verify_every: Option<Duration>,
) {
    let kb = state.kb.clone();
    let (changes, mut changed) = mpsc::channel::<()>(1);
    if let Some(follow) = follow {
        let status = Arc::new(std::sync::Mutex::new(follow.checkout.status(follow.every)));
        state.pull = Some(status.clone());
        tokio::spawn(pull::follow_upstream(
            follow,
            status,
            kb.clone(),
            changes.clone(),
        ));
    }

    // Sentence vectors are computed after each refresh, apart from it: a long first fill must
    // not hold up the next refresh, and searches use the vectors that exist meanwhile.
    let (embed_requests, mut embed_wanted) = mpsc::channel::<()>(1);
    let embedder = state.clone();
    tokio::spawn(async move {
        while embed_wanted.recv().await.is_some() {
            embedder.embed().await;
        }
    });

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
        tokio::spawn(watch::supervise_watcher(
            kb.book().src.clone(),
            state.clone(),
            changes.clone(),
        ));
    }

    if let Some(every) = verify_every {
        tokio::spawn(live_check::check_periodically(kb, every));
    }

    let saver = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SAVE_MISSES_EVERY);
        loop {
            tick.tick().await;
            saver.save_misses().await;
        }
    });
}
