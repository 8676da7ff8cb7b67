//! The knowledge base as the commands and the web server see it: a configured runbook folder and
//! its search index, behind one small API.
//!
//! Callers ask questions (search, look up, show); they never touch files or tantivy directly.

use chrono::{Days, NaiveDate};

use crate::config::Book;
use crate::error::{Error, Result};
use crate::index::{Progress, RefreshReport, SearchIndex};
use crate::results::{
    Review, RunbookDetails, RunbookSummary, SearchResults, SectionRef, SectionText,
};
use crate::runbook::Runbook;
use crate::source;

/// A runbook folder and its index.
pub struct KnowledgeBase {
    book: Book,
    index: SearchIndex,
}

impl KnowledgeBase {
    /// Opens the knowledge base's index (creating or rebuilding it as needed). Does not refresh.
    pub fn open(book: Book) -> Result<KnowledgeBase> {
        let index = SearchIndex::open(&book)?;
        Ok(KnowledgeBase { book, index })
    }

    pub fn book(&self) -> &Book {
        &self.book
    }

    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// Brings the index in step with the runbook folder (cheap when nothing changed).
    pub fn refresh(&self, progress: Progress) -> Result<RefreshReport> {
        self.index.refresh(&self.book, progress)
    }

    /// Re-reads and re-indexes every runbook.
    pub fn rebuild(&self, progress: Progress) -> Result<RefreshReport> {
        self.index.rebuild(&self.book, progress)
    }

    pub fn search(&self, query: &str, limit: usize) -> Result<SearchResults> {
        self.index.search(query, limit)
    }

    /// A search whose hits each say why they scored as they did.
    pub fn search_explained(&self, query: &str, limit: usize) -> Result<SearchResults> {
        self.index.search_with(query, limit, true)
    }

    pub fn list(&self) -> Result<Vec<RunbookSummary>> {
        self.index.list()
    }

    /// Runbooks that answer exactly to `name` (app id, alias, title, host, IP or URL).
    pub fn lookup(&self, name: &str) -> Result<Vec<RunbookSummary>> {
        self.index.lookup(name)
    }

    /// The runbook `name` resolves to, read fresh from its file.
    pub fn runbook(&self, name: &str) -> Result<Runbook> {
        let found = self.lookup(name)?;
        let summary = found
            .first()
            .ok_or_else(|| Error::NotFound(name.to_string()))?;
        let abs = self.book.root.join(&summary.path);
        let file =
            source::stat(&self.book, &abs).ok_or_else(|| Error::NotFound(name.to_string()))?;
        source::load(&file, self.book.settings.max_file_bytes)
            .map(|(runbook, _)| runbook)
            .map_err(Error::Runbook)
    }

    /// What `show` displays: facts, review status, sections, and the named section (the Login
    /// section when `section` is `None`). `Err(NotFound)` when a named section does not exist.
    pub fn details(
        &self,
        runbook: &Runbook,
        section: Option<&str>,
        today: NaiveDate,
    ) -> Result<RunbookDetails> {
        let chosen =
            match section {
                Some(name) => Some(runbook.section(name).ok_or_else(|| {
                    Error::NotFound(format!("section {name:?} in {}", runbook.path))
                })?),
                None => runbook.login_section(),
            };
        let facts = &runbook.facts;
        let every_days = facts
            .review_every_days
            .unwrap_or(self.book.settings.review_every_days);
        let due = facts
            .reviewed
            .and_then(|r| r.checked_add_days(Days::new(u64::from(every_days))));
        Ok(RunbookDetails {
            path: runbook.path.clone(),
            advice: facts.hosting.map(|h| h.advice().to_string()),
            facts: facts.clone(),
            review: Review {
                reviewed: facts.reviewed,
                every_days,
                due,
                overdue: due.is_some_and(|d| d < today),
            },
            sections: runbook
                .sections
                .iter()
                .map(|s| SectionRef {
                    heading: s.heading.clone(),
                    anchor: s.anchor.clone(),
                    level: s.level,
                    line: s.line,
                })
                .collect(),
            section: chosen.map(|s| SectionText {
                heading: s.heading.clone(),
                anchor: s.anchor.clone(),
                line: s.line,
                markdown: runbook.section_markdown(s).trim_end().to_string(),
            }),
        })
    }
}
