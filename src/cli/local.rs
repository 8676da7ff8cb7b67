//! Opening this checkout's knowledge base for a command, and saying on standard error what the
//! command should know about its index: why it is not the usual one, which files it left out.

use std::io::Write;

use runbook_core::config::Book;
use runbook_core::knowledge_base::KnowledgeBase;
use runbook_core::knowledge_base::RefreshReport;

use super::output::warn_all;
use super::progress::with_progress;

/// Opens the knowledge base, saying why it could not use its usual index, if so.
pub(super) fn open(book: Book) -> anyhow::Result<KnowledgeBase> {
    let kb = crate::model::open_knowledge_base(book)?;
    warn_all(&kb.warnings());
    Ok(kb)
}

/// Opens the knowledge base and refreshes a stale index first, quietly.
pub(super) fn open_fresh(book: Book) -> anyhow::Result<KnowledgeBase> {
    let kb = open(book)?;
    let report = with_progress(|progress| kb.refresh(progress))?;
    note_problems(&report);
    Ok(kb)
}

/// After a refresh a command did on the way: its warnings, and how many files it left out
/// (only `runbook index` lists them; other commands are not about the files).
pub(super) fn note_problems(report: &RefreshReport) {
    warn_all(&report.warnings);
    if !report.problems.is_empty() {
        let _ = writeln!(
            anstream::stderr(),
            "note: {} files left out of the index (run `runbook index` to see why)",
            report.problems.len()
        );
    }
}
