//! Ranking one segment: every matching document visited once, in id order, grouped by runbook.

use tantivy::columnar::Column;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{Bm25Weight, Scorer};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocId, DocSet, Score, SegmentOrdinal, SegmentReader, TERMINATED, Term};

use super::group::{BM25_B, BM25_K1, Group, Matched};
use super::{BestSection, ScoreParts, Weights, whole_text_score};
use crate::index::facets::SegmentFacets;
use crate::index::plan::SECTION_WEIGHT;

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

/// Ranks one segment: visits every document any part of the plan matches, in id order, grouped
/// by runbook.
pub(super) fn rank_segment(
    weights: &Weights,
    segment: SegmentOrdinal,
    reader: &SegmentReader,
    want_facets: bool,
) -> tantivy::Result<SegmentFruit> {
    let mut postings = open_postings(weights, reader)?;
    let mut text_postings = open_text_postings(weights, reader)?;
    let mut ranking = SegmentRanking::open(weights, segment, reader, want_facets)?;
    let alive = reader.alive_bitset();
    let words = weights.words.len();
    let phrases = weights.phrases.len();
    let mut matched = Matched::new(words, phrases, &weights.text_terms);
    let mut group = Group::new(words, phrases, &weights.text_terms);
    // A runbook's group is named by its runbook document, the first at or after any of its
    // documents (see the module documentation of `rank`): no column is read per document.
    let mut current: Option<DocId> = None;
    loop {
        let doc = next_doc(&postings);
        if doc == TERMINATED {
            break;
        }
        read_matches(&mut postings, doc, &mut matched);
        read_text_frequencies(&mut text_postings, doc, &mut matched);
        if alive.is_some_and(|a| !a.is_alive(doc)) {
            continue;
        }
        let runbook_doc = seek(ranking.runbooks.as_mut(), doc);
        if runbook_doc == TERMINATED {
            continue;
        }
        if current != Some(runbook_doc) {
            if let Some(previous) = current {
                ranking.finish(&group, previous);
            }
            current = Some(runbook_doc);
            group.reset();
        }
        group.add(doc, doc == runbook_doc, &matched, ranking.list);
    }
    if let Some(previous) = current {
        ranking.finish(&group, previous);
    }
    Ok(SegmentFruit {
        hits: ranking.finished,
        facets: ranking
            .facets
            .map(SegmentFacets::harvest)
            .unwrap_or_default(),
    })
}

/// The posting lists of every part of the plan, each with what it stands for; those with no
/// document in this segment are left out.
fn open_postings(
    weights: &Weights,
    reader: &SegmentReader,
) -> tantivy::Result<Vec<(Role, Box<dyn Scorer>)>> {
    let mut postings: Vec<(Role, Box<dyn Scorer>)> = Vec::new();
    for (i, (matched, exact)) in weights.words.iter().enumerate() {
        postings.push((Role::Word(i), matched.scorer(reader, 1.0)?));
        postings.push((Role::Exact(i), exact.scorer(reader, 1.0)?));
    }
    if let Some(weight) = &weights.whole_name {
        postings.push((Role::WholeName, weight.scorer(reader, 1.0)?));
    }
    for (j, weight) in weights.phrases.iter().enumerate() {
        postings.push((Role::Phrase(j), weight.scorer(reader, 1.0)?));
    }
    if let Some(weight) = &weights.excluded {
        postings.push((Role::Excluded, weight.scorer(reader, 1.0)?));
    }
    if let Some(weight) = &weights.first {
        postings.push((Role::First, weight.scorer(reader, 1.0)?));
    }
    postings.retain(|(_, scorer)| scorer.doc() != TERMINATED);
    Ok(postings)
}

/// Each word's text terms, read for their frequencies in the documents the word matched.
fn open_text_postings(
    weights: &Weights,
    reader: &SegmentReader,
) -> tantivy::Result<Vec<Vec<Option<SegmentPostings>>>> {
    let text_index = reader.inverted_index(weights.text)?;
    let mut text_postings: Vec<Vec<Option<SegmentPostings>>> = Vec::new();
    for terms in &weights.text_terms {
        let mut of_word = Vec::with_capacity(terms.len());
        for (term, _) in terms {
            of_word.push(text_index.read_postings(term, IndexRecordOption::WithFreqs)?);
        }
        text_postings.push(of_word);
    }
    Ok(text_postings)
}

/// The lowest document any posting list is on ([`TERMINATED`] once all are done).
fn next_doc(postings: &[(Role, Box<dyn Scorer>)]) -> DocId {
    postings
        .iter()
        .map(|(_, scorer)| scorer.doc())
        .min()
        .unwrap_or(TERMINATED)
}

/// Records in `matched` what the posting lists on `doc` say of it, and moves them past it.
fn read_matches(postings: &mut [(Role, Box<dyn Scorer>)], doc: DocId, matched: &mut Matched) {
    matched.clear();
    for (role, scorer) in postings {
        if scorer.doc() != doc {
            continue;
        }
        match *role {
            Role::Word(i) => matched.words[i] = Some(scorer.score()),
            Role::Exact(i) => matched.exact[i] = true,
            Role::WholeName => matched.whole_name = true,
            Role::Phrase(j) => matched.phrases[j] = Some(scorer.score()),
            Role::Excluded => matched.excluded = true,
            Role::First => matched.first = true,
        }
        scorer.advance();
    }
}

/// Records in `matched` how often each matched word's text terms occur in `doc`.
fn read_text_frequencies(
    text_postings: &mut [Vec<Option<SegmentPostings>>],
    doc: DocId,
    matched: &mut Matched,
) {
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
}

/// A segment's columns and the runbooks it has ranked.
struct SegmentRanking<'w> {
    ids: Column<u64>,
    /// Every runbook document, visited forward only.
    runbooks: Box<dyn Scorer>,
    /// Runbook documents that pass the filters, visited forward only.
    filters: Option<Box<dyn Scorer>>,
    segment: SegmentOrdinal,
    whole_name_asked: bool,
    list: bool,
    text_words: Column<u64>,
    /// Per word, its score over the runbook's whole text (a buffer reused from runbook to
    /// runbook).
    text_scores: Vec<Score>,
    /// Per word, its text terms and their BM25 weights.
    text_terms: &'w [Vec<(Term, Bm25Weight)>],
    text_norms: FieldNormReader,
    average_text: Score,
    finished: Vec<BestSection>,
    facets: Option<SegmentFacets>,
}

impl<'w> SegmentRanking<'w> {
    /// Opens the segment's columns for ranking by `weights`.
    fn open(
        weights: &'w Weights,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
        want_facets: bool,
    ) -> tantivy::Result<Self> {
        Ok(SegmentRanking {
            ids: reader.fast_fields().u64("runbook_id")?,
            runbooks: weights.runbooks.scorer(reader, 1.0)?,
            filters: weights
                .filters
                .as_ref()
                .map(|weight| weight.scorer(reader, 1.0))
                .transpose()?,
            segment,
            whole_name_asked: weights.whole_name.is_some(),
            list: weights.first.is_some(),
            text_words: reader.fast_fields().u64("text_words")?,
            text_scores: Vec::with_capacity(weights.text_terms.len()),
            text_terms: &weights.text_terms,
            text_norms: reader.get_fieldnorms_reader(weights.text)?,
            average_text: weights.average_text.max(1.0),
            finished: Vec::new(),
            facets: if want_facets {
                Some(SegmentFacets::open(reader)?)
            } else {
                None
            },
        })
    }

    /// Scores a runbook whose documents have all been seen, if it is a hit.
    fn finish(&mut self, group: &Group, runbook_doc: DocId) {
        if group.excluded {
            return;
        }
        let Some(runbook_id) = self.ids.first(runbook_doc) else {
            return;
        };
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
        self.text_scores.clear();
        self.text_scores.extend(
            self.text_terms
                .iter()
                .zip(&group.text_tf)
                .map(|(terms, tfs)| {
                    whole_text_score(terms.iter().map(|(_, w)| w).zip(tfs.iter().copied()), words)
                }),
        );
        let Some(runbook_score) = group.runbook_score(length, &self.text_scores) else {
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
            Some((section_score, section_doc)) => {
                (runbook_score + SECTION_WEIGHT * section_score, section_doc)
            }
            None => (runbook_score, at(runbook_doc)),
        };
        self.finished.push(BestSection {
            runbook_id,
            score,
            doc,
            covered: group.covered_words(),
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

/// What one segment gathered.
pub(super) struct SegmentFruit {
    pub(super) hits: Vec<BestSection>,
    pub(super) facets: Vec<(String, u32)>,
}
