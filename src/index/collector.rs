//! Turning matching documents into one hit per runbook.
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
//! Each word's documents are visited in id order, so a runbook's matches arrive together:
//! grouping is a comparison with the previous document rather than a hash-map lookup, and its
//! runbook document is the first runbook document at or after any of its matches (one forward
//! seek in that posting list).

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{Bm25Weight, EnableScoring, Query, Scorer, Weight};
use tantivy::schema::Field;
use tantivy::schema::IndexRecordOption;
use tantivy::{
    DocAddress, DocId, DocSet, Executor, Score, Searcher, SegmentOrdinal, SegmentReader,
    TERMINATED, Term,
};

use super::facets::{FacetCounts, SegmentFacets};
use super::lexical::{EXACT_NAME, Plan, RUNBOOK_LEVEL, SECTION_WEIGHT, TIE_BREAKER, WORD_MATCHED};
use super::schema::{Fields, KIND_RUNBOOK};
use super::statistics::RunbookStatistics;

/// The best section of one runbook.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BestSection {
    pub runbook_id: u64,
    /// The runbook's final score.
    pub score: Score,
    /// The document to show: the best section, else the whole-runbook document.
    pub doc: DocAddress,
    /// The parts of `score`.
    pub parts: ScoreParts,
}

/// Where a runbook's score came from: the runbook as a whole (its own fields and the words its
/// sections cover) and the best section, each with its score and document, when they matched.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ScoreParts {
    pub runbook: Option<(Score, DocAddress)>,
    pub section: Option<(Score, DocAddress)>,
}

/// What a ranking gathers: the best hits, best first, how many runbooks matched in all, and
/// facet counts when asked for.
#[derive(Debug, Default)]
pub struct Grouped {
    pub hits: Vec<BestSection>,
    pub total: usize,
    pub facets: FacetCounts,
}

/// Ranks the runbooks that `plan` finds: every one counted (with facets when `facets`), the best
/// `keep` kept, best first. The segments are ranked on `executor`.
pub fn rank(
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
                    super::lexical::term_query(Term::from_field_text(fields.first, "1")).as_ref(),
                )?)
            } else {
                None
            },
            runbooks: unscored_weight(
                super::lexical::term_query(Term::from_field_u64(fields.kind, KIND_RUNBOOK))
                    .as_ref(),
            )?,
            text_terms: plan
                .text_terms
                .iter()
                .map(|terms| {
                    terms
                        .iter()
                        .map(|t| {
                            Ok((
                                t.clone(),
                                Bm25Weight::for_terms(statistics, std::slice::from_ref(t))?,
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

/// What a posting list visited in a segment stands for.
#[derive(Debug, Clone, Copy)]
enum Role {
    Word(usize),
    Exact(usize),
    WholeName,
    Phrase(usize),
    Excluded,
    First,
}

/// What one document matched.
struct Matched {
    words: Vec<Option<Score>>,
    exact: Vec<bool>,
    whole_name: bool,
    phrases: Vec<Option<Score>>,
    excluded: bool,
    first: bool,
    /// Per word and text term, its frequency in this document.
    text_tf: Vec<Vec<u32>>,
}

impl Matched {
    fn new(words: usize, phrases: usize, text_terms: &[Vec<(Term, Bm25Weight)>]) -> Matched {
        Matched {
            text_tf: text_terms.iter().map(|t| vec![0; t.len()]).collect(),
            words: vec![None; words],
            exact: vec![false; words],
            whole_name: false,
            phrases: vec![None; phrases],
            excluded: false,
            first: false,
        }
    }

    fn clear(&mut self) {
        self.words.fill(None);
        self.exact.fill(false);
        self.whole_name = false;
        self.phrases.fill(None);
        self.excluded = false;
        self.first = false;
        for tf in &mut self.text_tf {
            tf.fill(0);
        }
    }
}

/// What one runbook has gathered so far.
struct Group {
    id: u64,
    /// Its last document seen: its runbook document is the first at or after it.
    last: DocId,
    /// Per word, the score on the runbook document, and the best over its sections with that
    /// section.
    runbook_words: Vec<Option<Score>>,
    section_words: Vec<Option<(Score, DocId)>>,
    exact: Vec<bool>,
    whole_name: bool,
    runbook_phrases: Vec<Option<Score>>,
    section_phrases: Vec<Option<Score>>,
    excluded: bool,
    /// The best section's own score and document.
    best: Option<(Score, DocId)>,
    /// Per word and text term, its frequency summed over the runbook's sections.
    text_tf: Vec<Vec<u32>>,
}

impl Group {
    fn new(words: usize, phrases: usize, text_terms: &[Vec<(Term, Bm25Weight)>]) -> Group {
        Group {
            text_tf: text_terms.iter().map(|t| vec![0; t.len()]).collect(),
            id: 0,
            last: 0,
            runbook_words: vec![None; words],
            section_words: vec![None; words],
            exact: vec![false; words],
            whole_name: false,
            runbook_phrases: vec![None; phrases],
            section_phrases: vec![None; phrases],
            excluded: false,
            best: None,
        }
    }

    fn reset(&mut self, id: u64) {
        self.id = id;
        self.runbook_words.fill(None);
        self.section_words.fill(None);
        self.exact.fill(false);
        self.whole_name = false;
        self.runbook_phrases.fill(None);
        self.section_phrases.fill(None);
        self.excluded = false;
        self.best = None;
        for tf in &mut self.text_tf {
            tf.fill(0);
        }
    }

    fn add(&mut self, doc: DocId, is_runbook: bool, matched: &Matched, list: bool) {
        self.last = doc;
        self.excluded |= matched.excluded;
        if is_runbook {
            keep_best(&mut self.runbook_words, &matched.words);
            keep_best(&mut self.runbook_phrases, &matched.phrases);
            for (seen, &now) in self.exact.iter_mut().zip(&matched.exact) {
                *seen |= now;
            }
            self.whole_name |= matched.whole_name;
            return;
        }
        for (sum, now) in self.text_tf.iter_mut().zip(&matched.text_tf) {
            for (sum, &now) in sum.iter_mut().zip(now) {
                *sum += now;
            }
        }
        for (best, &now) in self.section_words.iter_mut().zip(&matched.words) {
            if let Some(now) = now
                && best.is_none_or(|(b, _)| now > b)
            {
                *best = Some((now, doc));
            }
        }
        keep_best(&mut self.section_phrases, &matched.phrases);
        // A section answers when it has every phrase and a word (or, listing, is the first).
        let has_phrases = matched.phrases.iter().all(Option::is_some);
        let has_word = if matched.words.is_empty() {
            !list || matched.first
        } else {
            matched.words.iter().any(Option::is_some)
        };
        if !(has_phrases && has_word) {
            return;
        }
        let score: Score = matched
            .words
            .iter()
            .flatten()
            .map(|s| WORD_MATCHED + s)
            .chain(matched.phrases.iter().flatten().copied())
            .sum();
        // Documents arrive in id order: on a tie the earlier section stays.
        if self.best.is_none_or(|(best, _)| score > best) {
            self.best = Some((score, doc));
        }
    }

    /// The runbook's score as a whole: every word it covers, its names, its phrases. `None`
    /// when a phrase is nowhere in it.
    /// `length(section)`: how much of a word's score in `section` counts for the runbook.
    fn runbook_score(&self, length: impl Fn(DocId) -> Score, text: &[Score]) -> Option<Score> {
        let mut score = 0.0;
        for (i, (own, sections)) in self
            .runbook_words
            .iter()
            .zip(&self.section_words)
            .enumerate()
        {
            if own.is_none() && sections.is_none() {
                continue;
            }
            // The word's best section, weighed at the runbook's length, and its exact terms over
            // the runbook's whole text, as one disjunction-max: what the whole-runbook document
            // that held all the text used to score.
            let whole_text = text.get(i).copied().filter(|&t| t > 0.0);
            let sections = sections.map(|(s, doc)| combine(Some(s * length(doc)), whole_text));
            score += WORD_MATCHED + combine(*own, sections);
            if own.is_some() {
                // A word found in the runbook's names, path or facts describes every section of
                // it: it counts as a matched word once more, as if the best section had it too.
                score += WORD_MATCHED;
            }
        }
        for &exact in &self.exact {
            if exact {
                score += EXACT_NAME * RUNBOOK_LEVEL;
            }
        }
        if self.whole_name {
            score += EXACT_NAME * 2.0 * RUNBOOK_LEVEL;
        }
        for (own, sections) in self.runbook_phrases.iter().zip(&self.section_phrases) {
            if own.is_none() && sections.is_none() {
                return None;
            }
            score += combine(*own, *sections);
        }
        Some(score)
    }

    /// Whether a word or a name of the query matched anywhere in the runbook.
    fn has_positive(&self) -> bool {
        self.runbook_words.iter().any(Option::is_some)
            || self.section_words.iter().any(Option::is_some)
            || self.exact.iter().any(|&e| e)
            || self.whole_name
    }
}

/// tantivy's BM25 parameters.
const BM25_K1: Score = 1.2;
const BM25_B: Score = 0.75;

/// Keeps the better of each pair of scores.
fn keep_best(best: &mut [Option<Score>], now: &[Option<Score>]) {
    for (best, &now) in best.iter_mut().zip(now) {
        if let Some(now) = now
            && best.is_none_or(|b| now > b)
        {
            *best = Some(now);
        }
    }
}

/// Two scores of the same word in different fields, as a disjunction-max over the fields scores
/// them: the better one, plus a share of the other.
fn combine(a: Option<Score>, b: Option<Score>) -> Score {
    match (a, b) {
        (Some(a), Some(b)) => a.max(b) + TIE_BREAKER * a.min(b),
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => 0.0,
    }
}

/// Ranks one segment: visits every document any part of the plan matches, in id order, grouped
/// by runbook.
fn rank_segment(
    weights: &Weights,
    segment: SegmentOrdinal,
    reader: &SegmentReader,
    want_facets: bool,
) -> tantivy::Result<SegmentFruit> {
    let mut postings: Vec<(Role, Box<dyn Scorer>)> = Vec::new();
    for (i, (matched, exact)) in weights.words.iter().enumerate() {
        postings.push((Role::Word(i), matched.scorer(reader, 1.0)?));
        postings.push((Role::Exact(i), exact.scorer(reader, 1.0)?));
    }
    if let Some(w) = &weights.whole_name {
        postings.push((Role::WholeName, w.scorer(reader, 1.0)?));
    }
    for (j, w) in weights.phrases.iter().enumerate() {
        postings.push((Role::Phrase(j), w.scorer(reader, 1.0)?));
    }
    if let Some(w) = &weights.excluded {
        postings.push((Role::Excluded, w.scorer(reader, 1.0)?));
    }
    if let Some(w) = &weights.first {
        postings.push((Role::First, w.scorer(reader, 1.0)?));
    }
    postings.retain(|(_, p)| p.doc() != TERMINATED);
    // Each word's text terms, read for their frequencies in the documents the word matched.
    let text_index = reader.inverted_index(weights.text)?;
    let mut text_postings: Vec<Vec<Option<SegmentPostings>>> = Vec::new();
    for terms in &weights.text_terms {
        let mut of_word = Vec::with_capacity(terms.len());
        for (term, _) in terms {
            of_word.push(text_index.read_postings(term, IndexRecordOption::WithFreqs)?);
        }
        text_postings.push(of_word);
    }

    let mut ranking = SegmentRanking {
        ids: reader.fast_fields().u64("runbook_id")?,
        kinds: reader.fast_fields().u64("kind")?,
        runbooks: weights.runbooks.scorer(reader, 1.0)?,
        filters: weights
            .filters
            .as_ref()
            .map(|w| w.scorer(reader, 1.0))
            .transpose()?,
        segment,
        whole_name_asked: weights.whole_name.is_some(),
        list: weights.first.is_some(),
        text_words: reader.fast_fields().u64("text_words")?,
        text_weights: weights
            .text_terms
            .iter()
            .map(|terms| terms.iter().map(|(_, w)| w.clone()).collect())
            .collect(),
        text_norms: reader.get_fieldnorms_reader(weights.text)?,
        average_text: weights.average_text.max(1.0),
        finished: Vec::new(),
        facets: if want_facets {
            Some(SegmentFacets::open(reader)?)
        } else {
            None
        },
    };
    let alive = reader.alive_bitset();
    let words = weights.words.len();
    let phrases = weights.phrases.len();
    let mut matched = Matched::new(words, phrases, &weights.text_terms);
    let mut group = Group::new(words, phrases, &weights.text_terms);
    let mut current: Option<u64> = None;
    loop {
        let doc = postings
            .iter()
            .map(|(_, p)| p.doc())
            .min()
            .unwrap_or(TERMINATED);
        if doc == TERMINATED {
            break;
        }
        matched.clear();
        for (role, p) in &mut postings {
            if p.doc() != doc {
                continue;
            }
            match *role {
                Role::Word(i) => matched.words[i] = Some(p.score()),
                Role::Exact(i) => matched.exact[i] = true,
                Role::WholeName => matched.whole_name = true,
                Role::Phrase(j) => matched.phrases[j] = Some(p.score()),
                Role::Excluded => matched.excluded = true,
                Role::First => matched.first = true,
            }
            p.advance();
        }
        for (i, of_word) in text_postings.iter_mut().enumerate() {
            if matched.words[i].is_none() {
                continue;
            }
            for (j, postings) in of_word.iter_mut().enumerate() {
                if let Some(postings) = postings
                    && seek_postings(postings, doc) == doc
                {
                    matched.text_tf[i][j] = postings.term_freq();
                }
            }
        }
        if alive.is_some_and(|a| !a.is_alive(doc)) {
            continue;
        }
        let Some(id) = ranking.ids.first(doc) else {
            continue;
        };
        if current != Some(id) {
            if current.is_some() {
                ranking.finish(&group);
            }
            current = Some(id);
            group.reset(id);
        }
        let is_runbook = ranking.kinds.first(doc) == Some(KIND_RUNBOOK);
        group.add(doc, is_runbook, &matched, ranking.list);
    }
    if current.is_some() {
        ranking.finish(&group);
    }
    Ok(SegmentFruit {
        hits: ranking.finished,
        facets: ranking
            .facets
            .map(SegmentFacets::harvest)
            .unwrap_or_default(),
    })
}

/// A segment's columns and the runbooks it has ranked.
struct SegmentRanking {
    ids: Column<u64>,
    kinds: Column<u64>,
    /// Every runbook document, visited forward only.
    runbooks: Box<dyn Scorer>,
    /// Runbook documents that pass the filters, visited forward only.
    filters: Option<Box<dyn Scorer>>,
    segment: SegmentOrdinal,
    whole_name_asked: bool,
    list: bool,
    text_words: Column<u64>,
    /// Per word and text term, its BM25 weight.
    text_weights: Vec<Vec<Bm25Weight>>,
    text_norms: FieldNormReader,
    average_text: Score,
    finished: Vec<BestSection>,
    facets: Option<SegmentFacets>,
}

impl SegmentRanking {
    /// Scores a runbook whose documents have all been seen, if it is a hit.
    fn finish(&mut self, group: &Group) {
        if group.excluded {
            return;
        }
        // Its runbook document comes last of its batch: the first at or after its last match.
        let runbook_doc = seek(self.runbooks.as_mut(), group.last);
        if runbook_doc == TERMINATED || self.ids.first(runbook_doc) != Some(group.id) {
            return;
        }
        if let Some(filters) = &mut self.filters
            && seek(filters.as_mut(), runbook_doc) != runbook_doc
        {
            return;
        }
        // Something of what the words and names look for must match.
        let words_asked = !group.runbook_words.is_empty() || self.whole_name_asked;
        if words_asked && !group.has_positive() {
            return;
        }
        let words = self.text_words.first(runbook_doc).unwrap_or(0) as Score;
        let norm = |length: Score| 1.0 - BM25_B + BM25_B * length / self.average_text;
        // A word's best section scores as if that section were the whole runbook's text: BM25
        // of the same frequency over the runbook's length rather than the section's. (The scores
        // were tuned on a runbook document that held all its sections' text.)
        let length = |section: DocId| {
            let own = self.text_norms.fieldnorm(section) as Score;
            (1.0 + BM25_K1 * norm(own)) / (1.0 + BM25_K1 * norm(words.max(own)))
        };
        // Each word's exact terms, scored over the runbook's whole text: their frequencies
        // summed over its sections, at its length.
        let norm_id = FieldNormReader::fieldnorm_to_id(words as u32);
        let text: Vec<Score> = self
            .text_weights
            .iter()
            .zip(&group.text_tf)
            .map(|(weights, tfs)| {
                weights
                    .iter()
                    .zip(tfs)
                    .filter(|(_, tf)| **tf > 0)
                    .map(|(w, &tf)| w.score(norm_id, tf))
                    .sum()
            })
            .collect();
        let Some(runbook_score) = group.runbook_score(length, &text) else {
            return;
        };
        if self.list && group.best.is_none() {
            return;
        }
        if let Some(facets) = &mut self.facets {
            facets.count(runbook_doc);
        }
        let at = |doc| DocAddress::new(self.segment, doc);
        let section = group.best.map(|(score, doc)| (score, at(doc)));
        let (score, doc) = match section {
            Some((s, d)) => (runbook_score + SECTION_WEIGHT * s, d),
            None => (runbook_score, at(runbook_doc)),
        };
        self.finished.push(BestSection {
            runbook_id: group.id,
            score,
            doc,
            parts: ScoreParts {
                runbook: Some((runbook_score, at(runbook_doc))),
                section,
            },
        });
    }
}

/// Moves `postings` to the first document at or after `target` (never backwards).
fn seek_postings(postings: &mut SegmentPostings, target: DocId) -> DocId {
    if postings.doc() >= target {
        postings.doc()
    } else {
        postings.seek(target)
    }
}

/// Moves `postings` to the first document at or after `target` (never backwards).
fn seek(postings: &mut dyn Scorer, target: DocId) -> DocId {
    if postings.doc() >= target {
        postings.doc()
    } else {
        postings.seek(target)
    }
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

/// What one segment gathered.
pub struct SegmentFruit {
    hits: Vec<BestSection>,
    facets: Vec<(String, u32)>,
}

/// Every runbook a simple query (exact names, first sections) matches, at its best matching
/// document: for lookups and listings, which need no ranking.
pub struct BestDocPerRunbook;

pub struct SegmentBestDoc {
    ids: Column<u64>,
    segment: SegmentOrdinal,
    current: Option<(u64, Score, DocId)>,
    finished: Vec<BestSection>,
}

impl SegmentBestDoc {
    fn finish_current(&mut self) {
        if let Some((runbook_id, score, doc)) = self.current.take() {
            let doc = DocAddress::new(self.segment, doc);
            self.finished.push(BestSection {
                runbook_id,
                score,
                doc,
                parts: ScoreParts {
                    runbook: None,
                    section: Some((score, doc)),
                },
            });
        }
    }
}

impl Collector for BestDocPerRunbook {
    type Fruit = Vec<BestSection>;
    type Child = SegmentBestDoc;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentBestDoc> {
        Ok(SegmentBestDoc {
            ids: reader.fast_fields().u64("runbook_id")?,
            segment,
            current: None,
            finished: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<BestSection>>) -> tantivy::Result<Vec<BestSection>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentBestDoc {
    type Fruit = Vec<BestSection>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let Some(id) = self.ids.first(doc) else {
            return;
        };
        match &mut self.current {
            Some((current, best, best_doc)) if *current == id => {
                // Documents arrive in id order: on a tie the earlier one stays.
                if score > *best {
                    (*best, *best_doc) = (score, doc);
                }
            }
            _ => {
                self.finish_current();
                self.current = Some((id, score, doc));
            }
        }
    }

    fn harvest(mut self) -> Vec<BestSection> {
        self.finish_current();
        self.finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_in_two_fields_scores_like_a_disjunction_max() {
        assert_eq!(combine(Some(10.0), Some(5.0)), 10.0 + TIE_BREAKER * 5.0);
        assert_eq!(combine(None, Some(5.0)), 5.0);
        assert_eq!(combine(None, None), 0.0);
    }

    fn group_of(words: usize, phrases: usize) -> Group {
        let mut g = Group::new(words, phrases, &[]);
        g.reset(7);
        g
    }

    fn section(words: &[Option<Score>]) -> Matched {
        let mut m = Matched::new(words.len(), 0, &[]);
        m.words.copy_from_slice(words);
        m
    }

    #[test]
    fn a_word_counts_once_wherever_the_runbook_has_it_and_the_best_section_adds_a_share() {
        let mut g = group_of(2, 0);
        g.add(1, false, &section(&[Some(2.0), None]), false);
        g.add(2, false, &section(&[None, Some(3.0)]), false);
        g.add(3, false, &section(&[Some(4.0), None]), false);
        g.add(4, true, &section(&[None, None]), false);
        // Both words are covered, each at its best section.
        assert_eq!(
            g.runbook_score(|_| 1.0, &[]),
            Some(2.0 * WORD_MATCHED + 4.0 + 3.0)
        );
        // The best section is the one with the best score of its own.
        assert_eq!(g.best, Some((WORD_MATCHED + 4.0, 3)));
    }

    #[test]
    fn a_words_text_frequencies_add_up_over_the_runbooks_sections() {
        let weights = [vec![(
            Term::from_field_text(Field::from_field_id(0), "lag"),
            Bm25Weight::for_one_term(1, 10, 5.0),
        )]];
        let mut g = Group::new(1, 0, &weights);
        g.reset(7);
        let mut m = Matched::new(1, 0, &weights);
        m.words[0] = Some(1.0);
        for (doc, tf) in [(1, 2), (2, 3)] {
            m.text_tf[0][0] = tf;
            g.add(doc, false, &m, false);
        }
        m.text_tf[0][0] = 9;
        g.add(3, true, &m, false);
        assert_eq!(g.text_tf, vec![vec![5]], "sections count, the runbook document does not");
    }

    #[test]
    fn a_words_whole_text_score_joins_its_best_section_like_a_disjunction_max() {
        let mut g = group_of(1, 0);
        g.add(1, false, &section(&[Some(4.0)]), false);
        assert_eq!(
            g.runbook_score(|_| 1.0, &[3.0]),
            Some(WORD_MATCHED + 4.0 + TIE_BREAKER * 3.0)
        );
        assert_eq!(
            g.runbook_score(|_| 1.0, &[6.0]),
            Some(WORD_MATCHED + 6.0 + TIE_BREAKER * 4.0)
        );
    }

    #[test]
    fn a_word_in_the_runbook_fields_counts_once_more() {
        let mut g = group_of(1, 0);
        g.add(4, true, &section(&[Some(6.0)]), false);
        assert_eq!(
            g.runbook_score(|_| 1.0, &[]),
            Some(2.0 * WORD_MATCHED + 6.0)
        );
        assert_eq!(g.best, None);
    }

    #[test]
    fn a_phrase_missing_from_the_whole_runbook_drops_it() {
        let mut g = group_of(1, 1);
        let mut m = Matched::new(1, 1, &[]);
        m.words[0] = Some(1.0);
        g.add(1, false, &m, false);
        assert_eq!(g.runbook_score(|_| 1.0, &[]), None);
        assert_eq!(g.best, None, "a section without the phrase does not answer");
    }
}
