//! Ranking a plain search: one hit per runbook, from every document the query's parts match.
//!
//! Sections are indexed separately so a result can land on the one that answers; people want one
//! hit per runbook. Grouping every matching document (rather than cutting a top-k of sections
//! first) means a runbook is never lost because its sections crowded each other out, and `total`
//! is the number of runbooks that matched.
//!
//! A plain search ([`rank`]) scores each runbook from two kinds of document, each word indexed in
//! one of them only: its runbook document (names, path, facts, exact names) and its sections
//! (headings, text). For each query word, the runbook earns [`WORD_MATCHED`] when the word is
//! found anywhere in it (its own fields or any section), plus the word's best score there (the
//! better of the runbook fields and its text, with a share of the other, as a disjunction-max
//! over fields would score it), plus [`WORD_MATCHED`] once more when the word
//! describes the runbook as a whole (its names, path or facts). To that sum it adds a share
//! ([`SECTION_WEIGHT`]) of its best section's own score: a section that says it all in one place
//! beats a runbook that merely mentions the words here and there. Filters are checked on the
//! runbook document; an excluded word anywhere in the runbook, or a quoted phrase nowhere in it,
//! drops it.
//!
//! A word's score in the runbook's text is the better of two, with a share of the other: its best
//! section's score weighed at the runbook's length, and BM25 of its exact terms with their
//! frequencies summed over all the runbook's sections (read from the postings of the sections
//! the word matched). Together they score what a whole-runbook document holding every section's
//! text scored before each word was indexed once, without that second copy.
//!
//! Asked to, it also counts facets (see [`super::facets`]) over every runbook it keeps, not only
//! the page of hits shown: a read of the runbook document's column, not a second match of text.
//!
//! The indexer writes each runbook's documents as one batch, sections first and the runbook
//! document last, so they sit next to each other in a single segment (merges keep them so).
//! Each word's documents are visited in id order, so a runbook's matches arrive together, and
//! a document's runbook document is the first runbook document at or after it (a forward seek
//! in that posting list). That document names the group: grouping reads no column per matching
//! document and needs no hash map, only the runbook's id once it is scored.

mod group;
mod segment;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::query::Bm25Weight;
use tantivy::query::{EnableScoring, Query, Weight};
use tantivy::schema::Field;
use tantivy::{DocAddress, Executor, Score, Searcher, SegmentOrdinal, SegmentReader, Term};

use super::facets::FacetCounts;
use super::plan::{Plan, term_query};
use super::schema::{Fields, KIND_RUNBOOK};
use super::statistics::RunbookStatistics;
use segment::{SegmentFruit, rank_segment};

/// The best section of one runbook.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct BestSection {
    pub runbook_id: u64,
    /// The runbook's final score.
    pub score: Score,
    /// The document to show: the best section, else the whole-runbook document.
    pub doc: DocAddress,
    /// Which query words the runbook has somewhere (bit `i` for word `i`), as text or as a name.
    pub covered: u32,
    /// The parts of `score`.
    pub parts: ScoreParts,
}

/// Where a runbook's score came from: the runbook as a whole (its own fields and the words its
/// sections cover) and the best section, each with its score and document, when they matched.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct ScoreParts {
    pub runbook: Option<(Score, DocAddress)>,
    pub section: Option<(Score, DocAddress)>,
}

/// What a ranking gathers: the best hits, best first, how many runbooks matched in all, and
/// facet counts when asked for.
#[derive(Debug, Default)]
pub(super) struct Grouped {
    pub hits: Vec<BestSection>,
    pub total: usize,
    pub facets: FacetCounts,
}

/// Ranks the runbooks that `plan` finds: every one counted (with facets when `facets`), the best
/// `keep` kept, best first. The segments are ranked on `executor`.
pub(super) fn rank(
    searcher: &Searcher,
    statistics: &RunbookStatistics,
    fields: &Fields,
    plan: &Plan,
    keep: usize,
    facets: bool,
    executor: &Executor,
) -> tantivy::Result<Grouped> {
    let weights = Weights::new(searcher, statistics, fields, plan)?;
    if weights.words.is_empty() && weights.phrases.is_empty() && weights.first.is_none() {
        return Ok(Grouped::default());
    }
    let fruits = executor.map(
        |(ord, reader): (usize, &SegmentReader)| {
            rank_segment(&weights, ord as SegmentOrdinal, reader, facets)
        },
        searcher.segment_readers().iter().enumerate(),
    )?;
    Ok(merge(fruits, keep))
}

/// The weights of a plan's parts, created once per search and shared by the segments.
struct Weights {
    /// Per query word: where it matches (scored) and its exact-name lookup.
    words: Vec<(Box<dyn Weight>, Box<dyn Weight>)>,
    whole_name: Option<Box<dyn Weight>>,
    phrases: Vec<Box<dyn Weight>>,
    filters: Option<Box<dyn Weight>>,
    excluded: Option<Box<dyn Weight>>,
    /// First sections, when the query has only filters or exclusions: each runbook listed once.
    first: Option<Box<dyn Weight>>,
    /// Every runbook document.
    runbooks: Box<dyn Weight>,
    /// Per word, its exact terms in the text field with their BM25 weights.
    text_terms: Vec<Vec<(Term, Bm25Weight)>>,
    /// Average length of the text field, as the scores see it.
    average_text: Score,
    text: Field,
}

impl Weights {
    fn new(
        searcher: &Searcher,
        statistics: &RunbookStatistics,
        fields: &Fields,
        plan: &Plan,
    ) -> tantivy::Result<Weights> {
        let scored = || EnableScoring::enabled_from_statistics_provider(statistics, searcher);
        let unscored = || EnableScoring::disabled_from_searcher(searcher);
        let scored_weight = |q: &dyn Query| q.weight(scored());
        let unscored_weight = |q: &dyn Query| q.weight(unscored());
        Ok(Weights {
            words: plan
                .words
                .iter()
                .map(|(matched, exact)| {
                    Ok((
                        scored_weight(matched.as_ref())?,
                        unscored_weight(exact.as_ref())?,
                    ))
                })
                .collect::<tantivy::Result<_>>()?,
            whole_name: plan
                .whole_name
                .as_deref()
                .map(unscored_weight)
                .transpose()?,
            phrases: plan
                .phrases
                .iter()
                .map(|q| scored_weight(q.as_ref()))
                .collect::<tantivy::Result<_>>()?,
            filters: plan.filters.as_deref().map(unscored_weight).transpose()?,
            excluded: plan.excluded.as_deref().map(unscored_weight).transpose()?,
            first: if plan.list {
                Some(unscored_weight(
                    term_query(Term::from_field_text(fields.first, "1")).as_ref(),
                )?)
            } else {
                None
            },
            runbooks: unscored_weight(
                term_query(Term::from_field_u64(fields.kind, KIND_RUNBOOK)).as_ref(),
            )?,
            text_terms: plan
                .text_terms
                .iter()
                .map(|terms| {
                    terms
                        .iter()
                        .map(|term| {
                            Ok((
                                term.clone(),
                                Bm25Weight::for_terms(statistics, std::slice::from_ref(term))?,
                            ))
                        })
                        .collect::<tantivy::Result<Vec<_>>>()
                })
                .collect::<tantivy::Result<_>>()?,
            average_text: {
                use tantivy::query::Bm25StatisticsProvider;
                let docs = statistics.total_num_docs()?.max(1);
                (statistics.total_num_tokens(fields.body)? as f64 / docs as f64) as Score
            },
            text: fields.body,
        })
    }
}

/// BM25 of a word's exact terms over a runbook's whole text: each term's weight with its
/// frequency summed over the runbook's sections, at the runbook's length in words.
pub(super) fn whole_text_score<'a>(
    terms: impl Iterator<Item = (&'a Bm25Weight, u32)>,
    length: Score,
) -> Score {
    let norm_id = FieldNormReader::fieldnorm_to_id(length as u32);
    terms
        .filter(|&(_, frequency)| frequency > 0)
        .map(|(weight, frequency)| weight.score(norm_id, frequency))
        .sum()
}

/// The segments' hits together: the best `keep` sorted, all counted.
fn merge(fruits: Vec<SegmentFruit>, keep: usize) -> Grouped {
    let mut facets = FacetCounts::default();
    let mut hits = Vec::with_capacity(fruits.iter().map(|f| f.hits.len()).sum());
    for fruit in fruits {
        hits.extend(fruit.hits);
        facets.add(fruit.facets);
    }
    let total = hits.len();
    let order =
        |a: &BestSection, b: &BestSection| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc));
    // Only the page asked for is sorted: a broad word matches most of a large knowledge base.
    if keep < hits.len() {
        hits.select_nth_unstable_by(keep, order);
        hits.truncate(keep);
    }
    hits.sort_unstable_by(order);
    Grouped {
        hits,
        total,
        facets,
    }
}
