//! Hybrid search: the lexical ranking fused with the sections nearest in meaning to the query.
//!
//! The words of a query find what a caller *names*; a sentence-embedding model finds what a
//! caller *describes* in words the runbook does not use. The two rankings are combined by
//! reciprocal rank fusion, which needs no common scale between BM25 scores and cosines, each
//! place weighed by how strong its evidence is (how many words matched; how near the section
//! is), so that weak evidence in both rankings does not outrank strong evidence in one. The
//! model only adds: an exact name (app id, alias, host, IP, URL, title) still answers first,
//! and filters, quoted phrases and `-excluded` words hold for every hit, whichever ranking
//! found it. The index never sees the model: it is handed the nearest sections by content key
//! (see [`super::sections`]).

use std::time::Instant;

use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::collector::DocSetCollector;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use super::SearchIndex;
use super::analyzer::{self, phrase_terms};
use super::explain::{explanation, round};
use super::lexical::{STOP_WORDS, excluded_query, filters_query, phrase_query, ranked_fields};
use super::plan::{SECTION_WEIGHT, term_query};
use super::rank::BestSection;
use super::schema::KIND_RUNBOOK;
use crate::error::Result;
use crate::query::ParsedQuery;
use crate::results::{Explanation, Fusion, SearchResults};
use crate::runbook::names;

/// The reciprocal rank fusion constant: how little a first place counts more than a tenth.
/// 60 is the value of the method's paper, and the one the issue measured.
pub const RRF_K: f32 = 60.0;
/// Weights of the two rankings in the fused score.
pub const LEXICAL_WEIGHT: f32 = 1.0;
pub const SEMANTIC_WEIGHT: f32 = 1.0;
/// How many runbooks of each ranking take part in the fusion.
pub const LEXICAL_DEPTH: usize = 50;
pub const SEMANTIC_DEPTH: usize = 50;
/// Nearest sections asked of the vector cache: several may belong to one runbook.
pub const NEAREST_SECTIONS: usize = 200;
/// The least cosine similarity at which a section counts as near the query. Below it the model
/// is guessing: a query about nothing in the runbooks must still find nothing.
pub const MIN_COSINE: f32 = 0.30;
/// The cosine from which a section's nearness counts in full. Between the two, its share of the
/// fused score grows in proportion: a runbook the words rank first is not pushed down by many
/// runbooks that are only vaguely about the same thing (on the dev sets, plain rank fusion put
/// such lexical first places below tenth).
pub const FULL_COSINE: f32 = 0.50;
/// Lexical score per query word at which a runbook's place in the words' ranking counts in full:
/// about every word matched (each earns 25). A runbook that the words rank first because one
/// word of six matched, or a near spelling of it, is weak evidence, and should not tie with a
/// section that means what the caller said.
pub const FULL_LEXICAL_PER_WORD: f32 = 20.0;
/// Plain words (not stop words, not identifiers) a query needs before the model is asked: one
/// word is a name or a keyword, which the words answer better, and costs no model load.
pub const MIN_DESCRIBING_WORDS: usize = 2;

/// A section near the query in meaning: its content key and the cosine similarity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nearest {
    pub key: u64,
    pub cosine: f32,
}

/// The best section of one runbook among the nearest.
#[derive(Debug, Clone, Copy)]
struct SemanticHit {
    runbook_id: u64,
    doc: DocAddress,
    cosine: f32,
}

/// One runbook in the fused ranking.
#[derive(Debug, Clone, Copy)]
struct Candidate<'a> {
    lexical: Option<(usize, &'a BestSection)>,
    semantic: Option<(usize, SemanticHit)>,
    named: bool,
    score: f32,
}

impl Candidate<'_> {
    /// The section to show: that of the ranking that placed the runbook higher; a real section
    /// rather than the whole runbook when the words matched none on its own.
    fn shown(&self) -> Option<DocAddress> {
        match (self.lexical, self.semantic) {
            (Some((l, group)), Some((s, hit))) => {
                let whole_runbook = group.parts.section.is_none();
                Some(if s < l || whole_runbook {
                    hit.doc
                } else {
                    group.doc
                })
            }
            (Some((_, group)), None) => Some(group.doc),
            (None, Some((_, hit))) => Some(hit.doc),
            (None, None) => None,
        }
    }
}

impl SearchIndex {
    /// The text whose meaning the model should compare with the sections, or `None` when the
    /// query does not describe anything: fewer than `MIN_DESCRIBING_WORDS` plain words that
    /// are neither stop words nor identifiers (names of runbooks, or words with digits, dots,
    /// slashes and the like). Filters and excluded words are not part of the text.
    pub fn semantic_text(&self, query: &str) -> Option<String> {
        let parsed = crate::query::parse(query);
        let searcher = self.reader().searcher();
        let words: Vec<&str> = parsed
            .words
            .iter()
            .chain(&parsed.phrases)
            .flat_map(|w| w.split_whitespace())
            .collect();
        let describing = words
            .iter()
            .filter(|w| !STOP_WORDS.contains(&w.to_lowercase().as_str()))
            .filter(|w| !self.is_identifier(&searcher, w))
            .count();
        (describing >= MIN_DESCRIBING_WORDS).then(|| words.join(" "))
    }

    fn is_identifier(&self, searcher: &Searcher, word: &str) -> bool {
        if word
            .chars()
            .any(|c| !(c.is_alphabetic() || matches!(c, '-' | '\'' | '’')))
        {
            return true;
        }
        let term = Term::from_field_text(self.fields().ids, &names::key(word));
        searcher.doc_freq(&term).is_ok_and(|n| n > 0)
    }

    /// Runs a query, fusing its lexical ranking with the runbooks of the `nearest` sections.
    /// Without nearest sections this is exactly [`SearchIndex::search_with`].
    pub fn search_hybrid(
        &self,
        query: &str,
        limit: usize,
        explain: bool,
        nearest: &[Nearest],
    ) -> Result<SearchResults> {
        if nearest.is_empty() {
            return self.search_with(query, limit, explain);
        }
        self.search_blended(query, limit, explain, nearest, true)
    }

    /// The runbooks of the `nearest` sections alone, as [`SearchIndex::search_hybrid`] would
    /// rank them without the words: for measuring the model on its own.
    pub fn search_semantic_only(
        &self,
        query: &str,
        limit: usize,
        explain: bool,
        nearest: &[Nearest],
    ) -> Result<SearchResults> {
        self.search_blended(query, limit, explain, nearest, false)
    }

    fn search_blended(
        &self,
        query: &str,
        limit: usize,
        explain: bool,
        nearest: &[Nearest],
        with_words: bool,
    ) -> Result<SearchResults> {
        let started = Instant::now();
        let parsed = crate::query::parse(query);
        let searcher = self.reader().searcher();
        // Ranked even without words: its query marks the snippets.
        let lexical = self.rank_lexically(&searcher, &parsed, LEXICAL_DEPTH.max(limit))?;
        let semantic = self.rank_semantically(&searcher, &parsed, nearest)?;
        let (by_words, named) = if with_words {
            let named = self.named_runbooks(&searcher, &parsed)?;
            (lexical.grouped.hits.as_slice(), named)
        } else {
            (&[][..], FxHashSet::default())
        };
        let full_lexical = FULL_LEXICAL_PER_WORD * lexical.built.word_count().max(1) as f32;
        let fused = fuse(by_words, &semantic, &named, full_lexical);

        let semantic_only = fused.iter().filter(|c| c.lexical.is_none()).count();
        let total = if with_words {
            lexical.grouped.total + semantic_only
        } else {
            semantic_only
        };
        let mut snippets = self.snippets(&searcher, &lexical.built)?;
        let mut hits = Vec::with_capacity(limit.min(fused.len()));
        for candidate in fused.iter().take(limit) {
            let Some(shown) = candidate.shown() else {
                continue;
            };
            let doc: TantivyDocument = searcher.doc(shown)?;
            let mut hit = self.hit(&searcher, &doc, candidate.score, snippets.as_mut())?;
            if explain {
                let mut explained = match candidate.lexical {
                    Some((_, group)) => {
                        explanation(&searcher, &lexical.statistics, &lexical.built, group)?
                    }
                    None => Explanation {
                        runbook: None,
                        section: None,
                        section_weight: SECTION_WEIGHT,
                        words: Vec::new(),
                        fusion: None,
                    },
                };
                explained.fusion = Some(Fusion {
                    lexical_rank: candidate.lexical.map(|(rank, _)| rank),
                    lexical_score: candidate.lexical.map(|(_, group)| round(group.score)),
                    semantic_rank: candidate.semantic.map(|(rank, _)| rank),
                    cosine: candidate.semantic.map(|(_, hit)| round(hit.cosine)),
                    named: candidate.named,
                    fused: round(candidate.score),
                });
                hit.explain = Some(explained);
            }
            hits.push(hit);
        }
        let suggestions = self.suggestions_if_empty(&searcher, &parsed, query, total)?;
        Ok(SearchResults {
            query: query.to_string(),
            total,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
            hits,
            answer: None,
            facets: if with_words {
                lexical.grouped.facets.into_results()
            } else {
                Default::default()
            },
            suggestions,
        })
    }

    /// Runbooks by their nearest section, nearest first: only sections at least
    /// [`MIN_COSINE`] near, only runbooks that pass the query's filters, phrases and exclusions.
    fn rank_semantically(
        &self,
        searcher: &Searcher,
        parsed: &ParsedQuery,
        nearest: &[Nearest],
    ) -> Result<Vec<SemanticHit>> {
        let fields = self.fields();
        let mut cosine_of: FxHashMap<u64, f32> = FxHashMap::default();
        for near in nearest.iter().filter(|n| n.cosine >= MIN_COSINE) {
            let best = cosine_of.entry(near.key).or_insert(near.cosine);
            *best = best.max(near.cosine);
        }
        if cosine_of.is_empty() {
            return Ok(Vec::new());
        }
        let sections = BooleanQuery::new(
            cosine_of
                .keys()
                .map(|&key| {
                    let term = Term::from_field_u64(fields.section_key, key);
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                    )
                })
                .collect(),
        );
        let mut best: FxHashMap<u64, SemanticHit> = FxHashMap::default();
        for doc in searcher.search(&sections, &DocSetCollector)? {
            let segment = searcher.segment_reader(doc.segment_ord);
            let columns = segment.fast_fields();
            let key = columns.u64("section_key")?.first(doc.doc_id);
            let runbook_id = columns.u64("runbook_id")?.first(doc.doc_id);
            let (Some(key), Some(runbook_id)) = (key, runbook_id) else {
                continue;
            };
            let Some(&cosine) = cosine_of.get(&key) else {
                continue;
            };
            let hit = SemanticHit {
                runbook_id,
                doc,
                cosine,
            };
            best.entry(runbook_id)
                .and_modify(|b| {
                    // Ties go to the earlier section, so the same query always shows the same.
                    if (cosine, std::cmp::Reverse(doc)) > (b.cosine, std::cmp::Reverse(b.doc)) {
                        *b = hit;
                    }
                })
                .or_insert(hit);
        }
        if !parsed.filters.is_empty() || !parsed.phrases.is_empty() || !parsed.excluded.is_empty() {
            let allowed = self.runbooks_allowed(searcher, parsed, best.keys().copied())?;
            best.retain(|id, _| allowed.contains(id));
        }
        let mut ranked: Vec<SemanticHit> = best.into_values().collect();
        ranked.sort_by(|a, b| b.cosine.total_cmp(&a.cosine).then(a.doc.cmp(&b.doc)));
        ranked.truncate(SEMANTIC_DEPTH);
        Ok(ranked)
    }

    /// Which of `runbooks` hold the query's filters and phrases and none of its excluded words,
    /// judged as the lexical search judges them: filters on the runbook document, phrases and
    /// excluded words in any of the runbook's documents.
    fn runbooks_allowed(
        &self,
        searcher: &Searcher,
        parsed: &ParsedQuery,
        runbooks: impl Iterator<Item = u64>,
    ) -> Result<FxHashSet<u64>> {
        let fields = self.fields();
        let ranked = ranked_fields(fields);
        let mut text = analyzer::text_analyzer();
        let candidates: Vec<u64> = runbooks.collect();
        let among = |query: Box<dyn Query>| -> Result<FxHashSet<u64>> {
            let any_of: Vec<(Occur, Box<dyn Query>)> = candidates
                .iter()
                .map(|&id| {
                    (
                        Occur::Should,
                        term_query(Term::from_field_u64(fields.runbook_id, id)),
                    )
                })
                .collect();
            let within = BooleanQuery::new(vec![
                (
                    Occur::Must,
                    Box::new(BooleanQuery::new(any_of)) as Box<dyn Query>,
                ),
                (Occur::Must, query),
            ]);
            runbook_ids(searcher, &within)
        };
        let mut allowed: FxHashSet<u64> = candidates.iter().copied().collect();
        if let Some(filters) = filters_query(fields, &parsed.filters) {
            let on_runbook = BooleanQuery::new(vec![
                (
                    Occur::Must,
                    term_query(Term::from_field_u64(fields.kind, KIND_RUNBOOK)),
                ),
                (Occur::Must, filters),
            ]);
            let passing = among(Box::new(on_runbook))?;
            allowed.retain(|id| passing.contains(id));
        }
        for phrase in &parsed.phrases {
            let terms = phrase_terms(&mut text, phrase);
            if terms.is_empty() {
                continue;
            }
            let having = among(phrase_query(&ranked, &terms))?;
            allowed.retain(|id| having.contains(id));
        }
        if let Some(excluded) = excluded_query(&mut text, &ranked, &parsed.excluded) {
            let having = among(excluded)?;
            allowed.retain(|id| !having.contains(id));
        }
        Ok(allowed)
    }

    /// Runbooks that a query word, or the whole query, names exactly.
    fn named_runbooks(&self, searcher: &Searcher, parsed: &ParsedQuery) -> Result<FxHashSet<u64>> {
        let fields = self.fields();
        if parsed.words.is_empty() {
            return Ok(FxHashSet::default());
        }
        let mut named: Vec<(Occur, Box<dyn Query>)> = parsed
            .words
            .iter()
            .map(|w| {
                (
                    Occur::Should,
                    term_query(Term::from_field_text(fields.ids, &names::key(w))),
                )
            })
            .collect();
        let whole = parsed.words.join(" ");
        named.push((
            Occur::Should,
            term_query(Term::from_field_text(fields.keys, &names::key(&whole))),
        ));
        let query = BooleanQuery::new(vec![
            (
                Occur::Must,
                term_query(Term::from_field_u64(fields.kind, KIND_RUNBOOK)),
            ),
            (Occur::Must, Box::new(BooleanQuery::new(named))),
        ]);
        runbook_ids(searcher, &query)
    }
}

/// The runbook ids of the documents matching `query`.
fn runbook_ids(searcher: &Searcher, query: &dyn Query) -> Result<FxHashSet<u64>> {
    let mut ids = FxHashSet::default();
    for doc in searcher.search(query, &DocSetCollector)? {
        let column = searcher
            .segment_reader(doc.segment_ord)
            .fast_fields()
            .u64("runbook_id")?;
        ids.extend(column.first(doc.doc_id));
    }
    Ok(ids)
}

/// A ranking's share of the fused score for a 1-based `rank`: 1.0 × weight for a first place.
fn reciprocal(rank: usize, weight: f32) -> f32 {
    weight * (RRF_K + 1.0) / (RRF_K + rank as f32)
}

/// How much a cosine counts as evidence: nothing at [`MIN_COSINE`], fully from
/// [`FULL_COSINE`] on, in proportion between.
fn confidence(cosine: f32) -> f32 {
    ((cosine - MIN_COSINE) / (FULL_COSINE - MIN_COSINE)).clamp(0.0, 1.0)
}

/// Both rankings fused, best first. A runbook named exactly by the query comes before every
/// other: its score is raised above anything fusion alone can reach.
fn fuse<'a>(
    lexical: &'a [BestSection],
    semantic: &[SemanticHit],
    named: &FxHashSet<u64>,
    full_lexical: f32,
) -> Vec<Candidate<'a>> {
    let mut by_runbook: FxHashMap<u64, Candidate<'a>> = FxHashMap::default();
    let empty = Candidate {
        lexical: None,
        semantic: None,
        named: false,
        score: 0.0,
    };
    for (i, group) in lexical.iter().take(LEXICAL_DEPTH).enumerate() {
        let candidate = by_runbook.entry(group.runbook_id).or_insert(empty);
        candidate.lexical = Some((i + 1, group));
        candidate.named = named.contains(&group.runbook_id);
    }
    for (i, hit) in semantic.iter().enumerate() {
        by_runbook.entry(hit.runbook_id).or_insert(empty).semantic = Some((i + 1, *hit));
    }
    let mut fused: Vec<Candidate<'a>> = by_runbook
        .into_values()
        .map(|mut c| {
            c.score = c.lexical.map_or(0.0, |(r, group)| {
                (group.score / full_lexical).min(1.0) * reciprocal(r, LEXICAL_WEIGHT)
            }) + c.semantic.map_or(0.0, |(r, hit)| {
                confidence(hit.cosine) * reciprocal(r, SEMANTIC_WEIGHT)
            });
            if c.named {
                c.score += LEXICAL_WEIGHT + SEMANTIC_WEIGHT;
            }
            c
        })
        .collect();
    let rank = |r: Option<usize>| r.unwrap_or(usize::MAX);
    fused.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| rank(a.lexical.map(|l| l.0)).cmp(&rank(b.lexical.map(|l| l.0))))
            .then_with(|| rank(a.semantic.map(|s| s.0)).cmp(&rank(b.semantic.map(|s| s.0))))
    });
    fused
}
