//! `serve --verify-every`: the live check of servers and URLs, repeated while the server runs.

use std::sync::Arc;
use std::time::Duration;

use runbook_core::knowledge_base::KnowledgeBase;

/// Runs `check --live` every `every` for as long as the server runs (`serve --verify-every`),
/// so that searches mark the runbooks whose servers or URLs drifted. The first run comes one
/// period after the last recorded one (at once when there is none), so restarts do not
/// hammer every host in the book.
pub(super) async fn check_periodically(kb: Arc<KnowledgeBase>, every: Duration) {
    let last = kb.drift().checked_at;
    let first_in = last
        .and_then(|at| {
            (at + every)
                .signed_duration_since(chrono::Utc::now())
                .to_std()
                .ok()
        })
        .unwrap_or(Duration::ZERO);
    tokio::time::sleep(first_in).await;
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let kb = kb.clone();
        let outcome =
            tokio::task::spawn_blocking(move || -> runbook_core::Result<(usize, usize)> {
                let (report, drift) = crate::check::check_live_now(
                    kb.book(),
                    runbook_core::clock::now()?,
                    &|_, _| {},
                );
                let drifted = drift.runbooks.len();
                kb.set_drift(drift)?;
                Ok((report.findings.len(), drifted))
            })
            .await;
        match outcome {
            Ok(Ok((findings, drifted))) => tracing::info!(
                "live check done: {drifted} runbooks drifted ({findings} findings in all, see `runbook check --live`)"
            ),
            Ok(Err(e)) => tracing::warn!("live check: {e}"),
            Err(e) => tracing::error!("live check failed: {e}"),
        }
    }
}
