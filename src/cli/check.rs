//! `runbook check`: lints every runbook, and with `--live` checks its servers and URLs too,
//! printing the findings as text, JSON or GitHub workflow commands.

use std::io::Write;

use crate::views::{github, terminal};
use runbook_core::config::Book;

use super::exit;
use super::output::{print, print_json};
use super::progress::with_shared_progress;

/// Lint every runbook: front matter, required keys, duplicates, links, login steps,
/// pasted secrets, overdue reviews. Exits 1 when there are errors.
#[derive(Debug, clap::Args)]
pub(super) struct CheckArgs {
    /// Print JSON: {"errors": N, "warnings": N, "findings": [...]}.
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Output format; `github` prints workflow commands that annotate the lines in CI.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    format: CheckFormat,
    /// Also check that the runbooks are still true: every server host resolves (to its
    /// `ip`, when given) and every URL answers (HEAD, then GET; 5 s each). Findings are
    /// warnings (ip-mismatch, host-unresolved, url-unreachable), recorded in the index
    /// folder so searches mark those runbooks stale. Without it, check never touches the
    /// network.
    #[arg(long)]
    live: bool,
    /// Also check Prometheus rule files (or folders of them) against the runbooks: every
    /// alerting rule leads to a runbook (alert-without-runbook, runbook-url-unknown), and
    /// every alert a runbook declares is defined (alert-not-in-rules).
    #[arg(long, value_name = "PATH", num_args = 1.., conflicts_with = "live")]
    rules: Vec<std::path::PathBuf>,
}

/// How `runbook check` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum CheckFormat {
    /// `file:line:col: error[code]: message`, then a summary.
    Text,
    /// The same as --json.
    Json,
    /// GitHub Actions workflow commands (`::error file=...::message`).
    Github,
}

/// Prints the findings; exits 1 when any is an error.
pub(super) fn run(args: &CheckArgs, book: &Book) -> anyhow::Result<u8> {
    let report = if args.live {
        check_live(book)?
    } else if !args.rules.is_empty() {
        crate::check::check_with_rules(book, runbook_core::clock::today()?, &args.rules)
    } else {
        crate::check::check(book, runbook_core::clock::today()?)
    };
    let format = if args.json {
        CheckFormat::Json
    } else {
        args.format
    };
    match format {
        CheckFormat::Text => print(&terminal::check_report(&report)),
        CheckFormat::Json => print_json(&report)?,
        CheckFormat::Github => print(&github::check_report(&report)),
    }
    Ok(if report.has_errors() {
        exit::CHECK_FAILED
    } else {
        exit::OK
    })
}

/// `check --live`: the check plus the network checks, with a progress bar on a terminal, and
/// the drift it found recorded for searches.
fn check_live(book: &Book) -> anyhow::Result<crate::check::Report> {
    let now = runbook_core::clock::now()?;
    let (report, drift) = with_shared_progress("checking", "addresses", 1, |progress| {
        Ok(crate::check::check_live_now(book, now, progress))
    })?;
    let path = runbook_core::live_check::LiveCheckRecord::file_in(&book.state_dir);
    if let Err(e) = drift.save(&path) {
        let _ = writeln!(
            anstream::stderr(),
            "note: cannot record the findings for searches ({e}); the report below is complete"
        );
    }
    Ok(report)
}
