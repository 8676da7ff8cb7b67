//! `runbook show`: one runbook's fact card and a section of it, from this checkout or a server.

use std::io::Write;

use chrono::{DateTime, Utc};

use crate::remote::RemoteError;
use crate::views::terminal;
use runbook_core::SearchRequest;
use runbook_core::error::Error;

use super::GlobalOptions;
use super::answers::{Answers, parse_at};
use super::exit;
use super::local;
use super::output::{print, print_json};

/// Show a runbook's fact card and its Login section.
#[derive(Debug, clap::Args)]
pub(super) struct ShowArgs {
    /// App id, alias, server host name, IP or URL.
    app: String,
    /// Print this section instead of Login (case-insensitive, a prefix is enough).
    #[arg(long, short = 's')]
    section: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Show who is reachable at this moment (RFC 3339, e.g. 2026-11-28T03:00:00Z) instead
    /// of now. Default: now, or RUNBOOK_NOW.
    #[arg(long, value_name = "TIME", value_parser = parse_at)]
    at: Option<DateTime<Utc>>,
}

/// Prints the runbook; exits 1, with the nearest names, when there is none by that name.
pub(super) fn run(args: &ShowArgs, global: &GlobalOptions) -> anyhow::Result<u8> {
    let answers = match global.remote() {
        Some(remote) => Answers::Remote(remote),
        None => Answers::Local(Box::new(local::open_fresh(global.book()?)?)),
    };
    let details = match answers.details(&args.app, args.section.as_deref(), args.at) {
        Err(RemoteError::KnowledgeBase(Error::NotFound(_))) => {
            return not_found(&answers, &args.app);
        }
        Err(e @ RemoteError::KnowledgeBase(Error::NoSuchSection { .. })) => {
            let _ = writeln!(anstream::stderr(), "{e}");
            return Ok(exit::NOTHING_FOUND);
        }
        other => other?,
    };
    if args.json {
        print_json(&details)?;
    } else {
        print(&terminal::details(&details));
    }
    Ok(exit::OK)
}

/// Says that no runbook is called `name`, suggesting the ones a search for it finds.
fn not_found(answers: &Answers, name: &str) -> anyhow::Result<u8> {
    let mut message = format!("no runbook is called {name:?} (by app id, alias, host, IP or URL)");
    let results = answers.search(&SearchRequest::new(name).limit(3), None)?;
    if !results.hits.is_empty() {
        message.push_str("; did you mean: ");
        let names: Vec<String> = results
            .hits
            .iter()
            .map(|h| format!("{} ({})", h.app, h.title))
            .collect();
        message.push_str(&names.join(", "));
    }
    let _ = writeln!(anstream::stderr(), "{message}");
    Ok(exit::NOTHING_FOUND)
}
