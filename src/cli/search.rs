//! `runbook search`: the runbooks that answer a query, from this checkout or a server.

use chrono::{DateTime, Utc};

use crate::views::terminal;
use runbook_core::SearchRequest;
use runbook_core::knowledge_base::BackgroundListing;

use super::GlobalOptions;
use super::answers::{Answers, parse_at};
use super::exit;
use super::local;
use super::output::{print, print_json};

/// Search the runbooks: plain words, "phrases", -excluded, owner: hosting: tag: host: system:
#[derive(Debug, clap::Args)]
pub(super) struct SearchArgs {
    /// The query. Quote it when it excludes words: runbook search "billing -test".
    #[arg(required = true, num_args = 1..)]
    query: Vec<String>,
    /// Show at most this many runbooks.
    #[arg(long, short = 'n', default_value_t = 10)]
    limit: usize,
    /// Print JSON (a stable schema) instead of text.
    #[arg(long)]
    json: bool,
    /// Show why each hit scored as it did: the whole runbook's and the best section's scores,
    /// and which fields each word matched.
    #[arg(long)]
    explain: bool,
    /// Answer as at this moment (RFC 3339, e.g. 2026-11-28T03:00:00Z): who on an answer card
    /// is reachable then, which reviews are overdue. Default: now, or RUNBOOK_NOW.
    #[arg(long, value_name = "TIME", value_parser = parse_at)]
    at: Option<DateTime<Utc>>,
}

/// Prints the hits; exits 1 when there are none.
pub(super) fn run(args: &SearchArgs, global: &GlobalOptions) -> anyhow::Result<u8> {
    let (answers, listing) = match global.remote() {
        Some(remote) => (Answers::Remote(remote), None),
        None => {
            let book = global.book()?;
            // The folder is listed while the index opens and answers.
            let listing = BackgroundListing::start(&book);
            (Answers::Local(Box::new(local::open(book)?)), Some(listing))
        }
    };
    let query = args.query.join(" ");
    let request = SearchRequest::new(query)
        .limit(args.limit)
        .explain(args.explain)
        .at(args.at);
    let results = answers.search(&request, listing)?;
    if args.json {
        print_json(&results)?;
    } else {
        print(&terminal::search_results(&results));
    }
    Ok(if results.hits.is_empty() {
        exit::NOTHING_FOUND
    } else {
        exit::OK
    })
}
