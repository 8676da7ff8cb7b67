//! What a search asks of the ranking: the parts of a parsed query as tantivy queries (built by
//! [`super::lexical`]), and the weights both sides agree on. The query builder fills a [`Plan`];
//! [`super::rank`] runs it. Neither needs the other's internals.

use tantivy::Term;
use tantivy::query::{Query, TermQuery};
use tantivy::schema::IndexRecordOption;

/// Score added for each query word a section matches: enough that matching every word beats
/// matching some, whatever the fields.
pub(super) const WORD_MATCHED: f32 = 25.0;
/// Score of a query word that is a runbook's app id, alias, host, IP or URL (twice that when the
/// whole query is a name, title included).
pub(super) const EXACT_NAME: f32 = 40.0;
/// Share of the best section's score added to the whole runbook's: a section that answers beats
/// a runbook that merely mentions the words here and there.
pub(super) const SECTION_WEIGHT: f32 = 0.5;
/// Weight of an exact name, found on the runbook document alone, against the section-level
/// evidence it used to be counted with as well.
pub(super) const RUNBOOK_LEVEL: f32 = 1.0 + SECTION_WEIGHT;
/// Share of a word's score in its other fields added to its best field's.
pub(super) const TIE_BREAKER: f32 = 0.2;

/// What the ranking ([`super::rank::rank`]) runs: each part matched on its own, combined
/// per runbook there.
#[derive(Default)]
pub(super) struct Plan {
    /// Per query word: the word in any ranked field (the better field plus a share of the
    /// others), and the word as an exact name (app id, alias, host, IP, URL).
    pub(super) words: Vec<(Box<dyn Query>, Box<dyn Query>)>,
    /// Per query word: its exact terms in the text field, whose frequencies the ranking adds up
    /// over the runbook's sections.
    pub(super) text_terms: Vec<Vec<Term>>,
    /// The whole query as a name, title included.
    pub(super) whole_name: Option<Box<dyn Query>>,
    /// Quoted phrases, in any ranked field: each must be somewhere in the runbook.
    pub(super) phrases: Vec<Box<dyn Query>>,
    /// The filters, all of which the runbook document must hold.
    pub(super) filters: Option<Box<dyn Query>>,
    /// Excluded words: a runbook with one anywhere is left out.
    pub(super) excluded: Option<Box<dyn Query>>,
    /// Only filters or exclusions: each runbook that passes is listed, at its top.
    pub(super) list: bool,
}

/// A term matched with its frequencies (for BM25).
pub(super) fn term_query(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
}
