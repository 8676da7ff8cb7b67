//! Where `search` and `show` get their answers: this checkout, or a server's JSON API. Both
//! print the same.

use std::io::Write;

use chrono::{DateTime, Utc};

use crate::remote::{RemoteError, RemoteKnowledgeBase};
use runbook_core::SearchRequest;
use runbook_core::knowledge_base::BackgroundListing;
use runbook_core::knowledge_base::KnowledgeBase;
use runbook_core::results::{RunbookDetails, SearchResults};

use super::local::note_problems;
use super::progress::with_progress;

/// Most sections a one-shot search computes vectors for before answering (about a second of
/// work): enough for the runbooks just edited, never the minutes a whole knowledge base takes.
const EMBED_IN_ONE_SEARCH: usize = 48;

/// This checkout's knowledge base, or a server: asked the same questions.
pub(super) enum Answers {
    Local(Box<KnowledgeBase>),
    Remote(RemoteKnowledgeBase),
}

impl Answers {
    /// Searches; a local search uses `listing` when one was started early.
    pub(super) fn search(
        &self,
        request: &SearchRequest,
        listing: Option<BackgroundListing>,
    ) -> anyhow::Result<SearchResults> {
        match self {
            Answers::Local(kb) if kb.wants_model(&request.query) => {
                // The query describes something: bring the index up to date first, then give
                // the sections that just changed their vectors, so both rankings see the
                // folder as it is. A search that needs no model skips all of this.
                drop(listing);
                let report = with_progress(|progress| kb.refresh(progress))?;
                note_problems(&report);
                let vectors = kb.embed(Some(EMBED_IN_ONE_SEARCH), &mut |_, _| {})?;
                if vectors.skipped > 0 {
                    let _ = writeln!(
                        anstream::stderr(),
                        "note: {} sections have no sentence vector yet, so they are found by their words only (run `runbook index`, or keep `runbook serve` running)",
                        vectors.skipped
                    );
                }
                Ok(kb.search(request)?)
            }
            Answers::Local(kb) => {
                let (results, report) =
                    with_progress(|progress| kb.search_fresh(request, listing, progress))?;
                note_problems(&report);
                Ok(results)
            }
            Answers::Remote(remote) => Ok(remote.search(request)?),
        }
    }

    /// The runbook `app` names (by id, alias, host, IP or URL), with `section` instead of Login.
    pub(super) fn details(
        &self,
        app: &str,
        section: Option<&str>,
        at: Option<DateTime<Utc>>,
    ) -> Result<RunbookDetails, RemoteError> {
        match self {
            Answers::Local(kb) => Ok(kb.details(
                &kb.runbook(app)?,
                section,
                runbook_core::clock::at_or_now(at)?,
            )?),
            Answers::Remote(remote) => {
                remote.details(app, section, runbook_core::clock::at_or_fixed(at)?)
            }
        }
    }
}

/// Reads `--at`: an RFC 3339 time.
pub(super) fn parse_at(value: &str) -> Result<DateTime<Utc>, String> {
    runbook_core::clock::parse(value, "--at").map_err(|e| match e {
        runbook_core::Error::Clock { message, .. } => {
            format!("not a time like 2026-11-28T03:00:00Z (RFC 3339): {message}")
        }
        other => other.to_string(),
    })
}
