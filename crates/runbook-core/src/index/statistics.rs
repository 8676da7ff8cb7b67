//! BM25 statistics that treat the runbook-level fields as what they are: one value per runbook.
//!
//! Names, path words, facts and exact names are indexed on the runbook document only, not on
//! every section (see [`super::documents`]). tantivy computes a field's average length and a
//! term's rarity over every document of the index, sections included; for a field only one
//! document in ten carries, that makes every runbook look ten times longer than average (so its
//! title scores as if it were padded) and every name look ten times rarer. This provider reports
//! those fields' statistics scaled up as if every document carried them, which is what the
//! scores were tuned on.
//!
//! Headings and text are indexed once, in their sections. The scores were tuned when the
//! runbook document repeated them, which doubled their token counts and document frequencies;
//! they are reported doubled ([`SECTION_TEXT_SCALE`]) so that a section scores as it did.

use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use super::schema::{Fields, KIND_RUNBOOK};

/// How much the headings' and text's statistics are scaled: see the module's documentation.
const SECTION_TEXT_SCALE: f64 = 2.0;

/// Statistics for scoring: the searcher's, with runbook-level and section fields scaled.
pub(super) struct RunbookStatistics<'a> {
    searcher: &'a Searcher,
    runbook_fields: [Field; 5],
    section_fields: [Field; 2],
    /// All documents per runbook document (≥ 1).
    scale: f64,
}

impl<'a> RunbookStatistics<'a> {
    pub(super) fn new(searcher: &'a Searcher, fields: &Fields) -> RunbookStatistics<'a> {
        let all = searcher.num_docs();
        let runbooks = searcher
            .doc_freq(&Term::from_field_u64(fields.kind, KIND_RUNBOOK))
            .unwrap_or(0);
        let scale = if runbooks == 0 {
            1.0
        } else {
            (all as f64 / runbooks as f64).max(1.0)
        };
        RunbookStatistics {
            searcher,
            runbook_fields: [
                fields.names,
                fields.path_words,
                fields.facts,
                fields.host,
                fields.ids,
            ],
            section_fields: [fields.heading, fields.body],
            scale,
        }
    }

    /// Live documents in the index.
    pub(super) fn num_docs(&self) -> u64 {
        self.searcher.num_docs()
    }

    fn scaled(&self, field: Field, value: u64) -> u64 {
        if self.runbook_fields.contains(&field) {
            (value as f64 * self.scale).round() as u64
        } else if self.section_fields.contains(&field) {
            (value as f64 * SECTION_TEXT_SCALE).round() as u64
        } else {
            value
        }
    }
}

impl Bm25StatisticsProvider for RunbookStatistics<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        Ok(self.scaled(field, self.searcher.total_num_tokens(field)?))
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Bm25StatisticsProvider::total_num_docs(self.searcher)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let found = self.searcher.doc_freq(term)?;
        // Never more than every document: tantivy asserts it (the idf would turn negative).
        Ok(self
            .scaled(term.field(), found)
            .min(Bm25StatisticsProvider::total_num_docs(self.searcher)?))
    }
}
