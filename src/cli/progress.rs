//! Progress bars on standard error for long work (indexing, computing vectors, live checks),
//! shown only on a terminal and only when there is much to do.

use std::io::IsTerminal;

use runbook_core::knowledge_base::Progress;

/// Runs `work` with a progress bar on stderr when it is a terminal.
pub(super) fn with_progress<T>(
    work: impl FnOnce(Progress) -> runbook_core::Result<T>,
) -> anyhow::Result<T> {
    with_progress_of("indexing", "runbooks", work)
}

/// [`with_progress`], saying what is being done to what.
pub(super) fn with_progress_of<T>(
    doing: &str,
    things: &str,
    work: impl FnOnce(Progress) -> runbook_core::Result<T>,
) -> anyhow::Result<T> {
    // Only worth showing when there is much to read.
    with_progress_from(doing, things, 200, work)
}

/// [`with_progress_of`], showing the bar once there are at least `at_least` things to do.
fn with_progress_from<T>(
    doing: &str,
    things: &str,
    at_least: usize,
    work: impl FnOnce(Progress) -> runbook_core::Result<T>,
) -> anyhow::Result<T> {
    with_shared_progress(doing, things, at_least, |progress| {
        work(&mut |done, total| progress(done, total))
    })
}

/// [`with_progress_from`] for work that reports progress from several threads.
pub(super) fn with_shared_progress<T>(
    doing: &str,
    things: &str,
    at_least: usize,
    work: impl FnOnce(&(dyn Fn(usize, usize) + Sync)) -> runbook_core::Result<T>,
) -> anyhow::Result<T> {
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::hidden();
        bar.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{doing} {{bar:40}} {{pos}}/{{len}} {things}"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let progress = |done: usize, total: usize| {
        if let Some(bar) = &bar {
            if total >= at_least && bar.is_hidden() {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let result = work(&progress);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(result?)
}
