//! Hybrid search: the lexical ranking fused with the sections nearest in meaning to the query.
//!
//! The words of a query find what a caller *names*; a sentence-embedding model finds what a
//! caller *describes* in words the runbook does not use. This module asks the index for both
//! rankings and hands them to [`super::fusion`], which weighs each by what its evidence means for
//! this query. The model only adds: an exact name (app id, alias, host, IP, URL, title) still
//! answers first, and filters, quoted phrases and `-excluded` words hold for every hit, whichever
//! ranking found it. The index never sees the model: it is handed the nearest sections by content
//! key (see [`super::sections`]) with how near the rest of the knowledge base is.

use std::time::Instant;

use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::collector::DocSetCollector;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Searcher, TantivyDocument, Term};

use super::SearchIndex;
use super::analyzer::{self, phrase_terms};
use super::explain::{explanation, round};
use super::fusion::{self, Candidate, LEXICAL_DEPTH, SEMANTIC_DEPTH, SemanticHit, Spread};
use super::lexical::{STOP_WORDS, excluded_query, filters_query, phrase_query, ranked_fields};
use super::plan::{SECTION_WEIGHT, term_query};
use super::schema::KIND_RUNBOOK;
use crate::error::Result;
use crate::query::ParsedQuery;
use crate::results::{Explanation, Fusion, SearchResults};
use crate::runbook::names;

/// Nearest sections asked of the vector cache: several may belong to one runbook.
pub(crate) const NEAREST_SECTIONS: usize = 200;
/// Plain words (not stop words, not identifiers) a query needs before the model is asked: one
/// word is a name or a keyword, which the words answer better, and costs no model load.
pub(super) const MIN_DESCRIBING_WORDS: usize = 2;

/// A section near the query in meaning: its content key and the cosine similarity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nearest {
    pub key: u64,
    pub cosine: f32,
}

/// The sections nearest in meaning to a query, and how near every section of the knowledge base
/// is to it on average: what "near" means for this query, whose cosines may all run high or low.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Neighbourhood {
    /// Nearest first.
    pub nearest: Vec<Nearest>,
    /// How the query's cosines to every section spread.
    pub spread: Spread,
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
        nearest: &Neighbourhood,
    ) -> Result<SearchResults> {
        if nearest.nearest.is_empty() {
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
        nearest: &Neighbourhood,
    ) -> Result<SearchResults> {
        self.search_blended(query, limit, explain, nearest, false)
    }

    fn search_blended(
        &self,
        query: &str,
        limit: usize,
        explain: bool,
        nearest: &Neighbourhood,
        with_words: bool,
    ) -> Result<SearchResults> {
        let started = Instant::now();
        let parsed = crate::query::parse(query);
        let searcher = self.reader().searcher();
        // Ranked even without words: its query marks the snippets.
        let lexical = self.rank_lexically(&searcher, &parsed, LEXICAL_DEPTH.max(limit))?;
        let semantic = self.rank_semantically(&searcher, &parsed, &nearest.nearest)?;
        let (by_words, named) = if with_words {
            let named = self.named_runbooks(&searcher, &parsed)?;
            (lexical.grouped.hits.as_slice(), named)
        } else {
            (&[][..], FxHashSet::default())
        };
        let words = lexical.built.word_count();
        let fused = fusion::fuse(by_words, words, &semantic, nearest.spread, &|id| {
            named.contains(&id)
        });

        let by_meaning_only = fused.iter().filter(|c| c.words.is_none()).count();
        let total = if with_words {
            lexical.grouped.total + by_meaning_only
        } else {
            by_meaning_only
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
                let mut explained = match candidate.words {
                    Some(by_words) => explanation(
                        &searcher,
                        &lexical.statistics,
                        &lexical.built,
                        by_words.group,
                    )?,
                    None => Explanation {
                        runbook: None,
                        section: None,
                        section_weight: SECTION_WEIGHT,
                        words: Vec::new(),
                        fusion: None,
                    },
                };
                explained.fusion = Some(fusion_explained(candidate, words));
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

    /// Runbooks by their nearest sections, nearest first (see [`SemanticHit::nearness`]): only
    /// runbooks that pass the query's filters, phrases and exclusions.
    fn rank_semantically(
        &self,
        searcher: &Searcher,
        parsed: &ParsedQuery,
        nearest: &[Nearest],
    ) -> Result<Vec<SemanticHit>> {
        let fields = self.fields();
        let mut cosine_of: FxHashMap<u64, f32> = FxHashMap::default();
        for near in nearest {
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
            best.entry(runbook_id)
                .and_modify(|b| {
                    // Ties go to the earlier section, so the same query always shows the same.
                    if (cosine, std::cmp::Reverse(doc)) > (b.cosine, std::cmp::Reverse(b.doc)) {
                        b.second = Some(b.cosine);
                        b.cosine = cosine;
                        b.doc = doc;
                    } else if b.second.is_none_or(|second| cosine > second) {
                        b.second = Some(cosine);
                    }
                })
                .or_insert(SemanticHit {
                    runbook_id,
                    doc,
                    cosine,
                    second: None,
                });
        }
        if !parsed.filters.is_empty() || !parsed.phrases.is_empty() || !parsed.excluded.is_empty() {
            let allowed = self.runbooks_allowed(searcher, parsed, best.keys().copied())?;
            best.retain(|id, _| allowed.contains(id));
        }
        let mut ranked: Vec<SemanticHit> = best.into_values().collect();
        ranked.sort_by(|a, b| {
            b.nearness()
                .total_cmp(&a.nearness())
                .then(a.doc.cmp(&b.doc))
        });
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

/// What `--explain` shows of a hit's place in the fused ranking.
fn fusion_explained(candidate: &Candidate<'_>, words: usize) -> Fusion {
    Fusion {
        lexical_rank: candidate.words.map(|w| w.rank),
        lexical_score: candidate.words.map(|w| round(w.group.score)),
        words_matched: candidate.words.map(|w| w.covered as usize),
        words,
        lexical_weight: candidate.words.map(|w| round(w.weight)),
        semantic_rank: candidate.meaning.map(|m| m.rank),
        cosine: candidate.meaning.map(|m| round(m.hit.cosine)),
        standing: candidate.meaning.map(|m| round(m.standing)),
        semantic_weight: candidate.meaning.map(|m| round(m.weight)),
        named: candidate.named,
        fused: round(candidate.score),
    }
}
