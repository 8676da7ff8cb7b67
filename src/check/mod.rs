//! `runbook check`: linting the whole knowledge base and saying, with file and line, what is
//! wrong (errors) or worth a look (warnings).
//!
//! This module reads every runbook once through [`source`], parses it with [`Runbook::parse`],
//! runs the rules over it and returns plain [`Finding`]s; how they are shown (terminal, JSON, CI
//! annotations) is up to the views. Nothing here writes a file, opens the search index or starts
//! a process, so it stays fast enough for a git pre-commit hook.
//!
//! Each rule has a module of its own: `facts` for what one runbook says, `secrets` and `todos`
//! for its text, `names` and `links` for what runbooks say about each other; `locations` finds
//! the line a finding goes on. The codes and the report the rules fill are in `report`, and
//! `live` with [`probe`] are `check --live`.

use std::collections::HashSet;
use std::path::PathBuf;

use chrono::NaiveDate;

use runbook_core::config::Book;
use runbook_core::parallel;
use runbook_core::runbook::Runbook;
use runbook_core::source::{self, SourceFile};

mod alerts;
mod facts;
mod links;
pub mod live;
mod locations;
mod names;
mod report;
mod rules;
mod secrets;
mod todos;

pub use live::{check_live, check_live_now, probe};
pub use report::{Code, Finding, Report, Severity};

use locations::{FrontMatterLines, LineIndex};
use report::sort;

/// Lints every runbook in `book`. `today` decides what is overdue or expired.
pub fn check(book: &Book, today: NaiveDate) -> Report {
    check_parsed(book, today).0
}

/// [`check`], and the Prometheus rule files under `rule_paths` against the runbooks (see
/// [`rules`]).
pub fn check_with_rules(book: &Book, today: NaiveDate, rule_paths: &[PathBuf]) -> Report {
    let (mut report, parsed) = check_parsed(book, today);
    let files = rules::rule_files(rule_paths);
    report.files += files.len();
    rules::check(&parsed, &files, &mut report.findings);
    sort(&mut report.findings);
    report
}

/// [`check`], also giving back the runbooks that parsed (for the live checks).
fn check_parsed(book: &Book, today: NaiveDate) -> (Report, Vec<Parsed>) {
    let listing = source::list(book);
    let mut findings: Vec<Finding> = listing
        .problems
        .into_iter()
        .map(|p| Finding::from_problem(Code::UnreadableFile, p))
        .collect();
    let files = listing.files.len();
    // Every listed file, parsed or not: a link to a runbook with broken front matter is not broken.
    let listed: HashSet<String> = listing.files.iter().map(|f| f.path.clone()).collect();
    // Reading and parsing dominate a check, and each file is independent of the others.
    let checked = parallel::map(&listing.files, parallel::cores(usize::MAX), |file| {
        check_file(file, book, today)
    });
    let mut parsed: Vec<Parsed> = Vec::with_capacity(files);
    for (runbook, mut found) in checked {
        parsed.extend(runbook);
        findings.append(&mut found);
    }
    names::check(&parsed, &mut findings);
    links::check(&parsed, &listed, book, &mut findings);
    sort(&mut findings);
    (Report { files, findings }, parsed)
}

/// Reads, parses and checks one file on its own: the runbook if it parsed, and what was found.
fn check_file(file: &SourceFile, book: &Book, today: NaiveDate) -> (Option<Parsed>, Vec<Finding>) {
    match read_and_parse(file, book.settings.max_file_bytes) {
        Ok(parsed) => {
            let mut found = Vec::new();
            facts::check(&parsed, book, today, &mut found);
            alerts::check(&parsed, &mut found);
            secrets::check(&parsed, &mut found);
            todos::check(&parsed, &mut found);
            (Some(parsed), found)
        }
        // Deleted or renamed since it was listed (a `git pull` while checking): it is no
        // longer a runbook to check, not an unreadable one.
        Err(_) if source::vanished(file) => (None, Vec::new()),
        Err(finding) => (None, vec![finding]),
    }
}

/// A runbook that parsed, with the text it came from (for line numbers and secrets).
struct Parsed {
    runbook: Runbook,
    text: String,
    /// The file's content hash, as the index and the drift record know it.
    hash: u64,
    lines: LineIndex,
    /// For finding the line a front-matter key or value is on.
    front_matter: FrontMatterLines,
}

fn read_and_parse(file: &SourceFile, max_bytes: u64) -> Result<Parsed, Finding> {
    let source::FileText { text, hash } = source::read(file, max_bytes)
        .map_err(|p| Finding::from_problem(Code::UnreadableFile, p))?;
    let runbook = Runbook::parse(&file.path, &file.id_path, &text)
        .map_err(|p| Finding::from_problem(Code::InvalidFrontMatter, p))?;
    Ok(Parsed {
        lines: LineIndex::new(&text),
        front_matter: FrontMatterLines::new(&text),
        runbook,
        text,
        hash,
    })
}

impl Parsed {
    fn path(&self) -> &str {
        &self.runbook.path
    }

    /// File offset of a byte offset in the body (the body is a suffix of the text).
    fn body_offset(&self, offset: usize) -> usize {
        self.text.len() - self.runbook.body.len() + offset
    }
}
