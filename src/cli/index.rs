//! `runbook index`: brings the on-disk index up to date (or rebuilds it), then computes the
//! sentence vectors that are missing, and reports both.

use crate::views::terminal;
use runbook_core::config::Book;
use runbook_core::knowledge_base::RefreshReport;

use super::exit;
use super::local;
use super::output::{print, print_json, warn_all};
use super::progress::{with_progress, with_progress_of};

/// Build or refresh the on-disk search index, then compute the sentence vectors of the
/// sections that lack one (for search by meaning).
#[derive(Debug, clap::Args)]
pub(super) struct IndexArgs {
    /// Re-read every runbook instead of only the changed ones.
    #[arg(long)]
    rebuild: bool,
    /// Refresh the index only; sections without a sentence vector get one from the next
    /// `runbook index` or `runbook serve`.
    #[arg(long)]
    no_vectors: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// What `runbook index --json` prints: the refresh, and the sentence vectors after it.
#[derive(serde::Serialize)]
struct IndexReport<'a> {
    #[serde(flatten)]
    refresh: &'a RefreshReport,
    semantic: SemanticReport,
}

#[derive(serde::Serialize)]
struct SemanticReport {
    #[serde(flatten)]
    status: runbook_core::knowledge_base::SemanticStatus,
    fill: runbook_core::knowledge_base::FillReport,
}

/// Refreshes or rebuilds the index, computes the missing vectors unless told not to, and
/// prints what both did.
pub(super) fn run(args: &IndexArgs, book: Book) -> anyhow::Result<u8> {
    let kb = local::open(book)?;
    let report = with_progress(|progress| {
        if args.rebuild {
            kb.rebuild(progress)
        } else {
            kb.refresh(progress)
        }
    })?;
    warn_all(&report.warnings);
    kb.wait_for_merges()?;
    let vectors = if args.no_vectors {
        runbook_core::knowledge_base::FillReport::default()
    } else {
        with_progress_of("embedding", "sections", |progress| kb.embed(None, progress))?
    };
    if args.json {
        print_json(&IndexReport {
            refresh: &report,
            semantic: SemanticReport {
                status: kb.semantic_status(),
                fill: vectors,
            },
        })?;
    } else {
        print(&terminal::refresh_summary(&report));
        print(&terminal::semantic_summary(&kb.semantic_status(), &vectors));
    }
    Ok(exit::OK)
}
