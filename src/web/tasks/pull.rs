//! `serve --pull`: following the upstream of the served checkout.

use std::sync::Arc;
use std::time::Duration;

use crate::pull::{Checkout, PullStatus, Pulled};
use runbook_core::knowledge_base::KnowledgeBase;

/// Following the upstream of the served checkout: `serve --pull SECS`.
#[derive(Debug, Clone)]
pub struct Follow {
    pub checkout: Checkout,
    pub every: Duration,
}

/// Pulls from the upstream every `follow.every`, starting at once, for as long as the server runs.
///
/// A failed pull is logged and kept in `status` for `/healthz`; the files stay as they were, so
/// the server goes on serving the last good state. A pull that moved `HEAD` has the git history
/// read again and the index refreshed right away, without waiting for the watcher (which may be
/// off, or slow on a network file system). Nothing here is kept that the checkout itself does
/// not hold, so servers following the same upstream answer alike.
pub(super) async fn follow_upstream(
    follow: Follow,
    status: Arc<std::sync::Mutex<PullStatus>>,
    kb: Arc<KnowledgeBase>,
    changes: tokio::sync::mpsc::Sender<()>,
) {
    let checkout = follow.checkout;
    let head = checkout.head().await;
    lock(&status).head = head.as_deref().map(crate::pull::short);
    tracing::info!(
        "following {} every {} s (git pull --ff-only)",
        checkout.upstream,
        follow.every.as_secs()
    );
    let mut tick = tokio::time::interval(follow.every);
    // A pull slower than the period is not followed by a burst of catch-up pulls.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let outcome = checkout.pull().await;
        let now = chrono::Utc::now();
        match &outcome {
            Ok(Pulled::Moved { from, to }) => {
                tracing::info!(
                    "pulled {}: {} → {}",
                    checkout.upstream,
                    crate::pull::short(from),
                    crate::pull::short(to)
                );
                take_in_pulled(&kb, &changes).await;
            }
            Ok(Pulled::Unchanged) => tracing::debug!("pulled {}: up to date", checkout.upstream),
            Err(message) => log_failure(&checkout, &status, message),
        }
        record(&status, outcome, now);
    }
}

/// After a pull moved `HEAD`: the git history is read again, then the index refreshed.
async fn take_in_pulled(kb: &Arc<KnowledgeBase>, changes: &tokio::sync::mpsc::Sender<()>) {
    let reader = kb.clone();
    // The history is read before the index changes, so no page shows new text with
    // an old "last changed".
    if let Err(error) = tokio::task::spawn_blocking(move || reader.reload_history()).await {
        tracing::warn!("reading the git history again failed: {error}");
    }
    let _ = changes.send(()).await;
}

/// Logs a failed pull: a warning the first time, quietly while the same failure repeats.
fn log_failure(checkout: &Checkout, status: &std::sync::Mutex<PullStatus>, message: &str) {
    let (served, repeated) = {
        let current = lock(status);
        (
            current.head.clone(),
            current.last_error.as_deref() == Some(message),
        )
    };
    let served = served.as_deref().unwrap_or("the files as they are");
    // The same refusal every few seconds is logged once, until it changes.
    if repeated {
        tracing::debug!(
            "git pull from {} failed again: {message}",
            checkout.upstream
        );
    } else {
        tracing::warn!(
            "git pull from {} failed; still serving {served}: {message}",
            checkout.upstream
        );
    }
}

/// Keeps a pull's outcome in `status` for `/healthz`: when it was tried, when one last
/// succeeded, the last error, and the head it moved to.
fn record(
    status: &std::sync::Mutex<PullStatus>,
    outcome: Result<Pulled, String>,
    now: chrono::DateTime<chrono::Utc>,
) {
    let head = match &outcome {
        Ok(Pulled::Moved { to, .. }) => Some(crate::pull::short(to)),
        _ => None,
    };
    let mut current = lock(status);
    current.last_attempt = Some(now);
    match outcome {
        Ok(_) => {
            current.last_ok = Some(now);
            current.last_error = None;
            current.last_error_at = None;
        }
        Err(message) => {
            current.last_error = Some(message);
            current.last_error_at = Some(now);
        }
    }
    if head.is_some() {
        current.head = head;
    }
}

/// The pull status, also after a panic elsewhere while it was held (it is plain data).
fn lock(status: &std::sync::Mutex<PullStatus>) -> std::sync::MutexGuard<'_, PullStatus> {
    status
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
