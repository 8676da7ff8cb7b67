//! The tantivy query for a parsed query: which fields each word is looked for in, its other
//! spellings (synonyms, joined forms, typos, the prefix being typed), phrases, filters and
//! exclusions, and the weights all of it ranks by. Also what a hit's explanation re-runs.
//!
//! The plain search box builds its query from its own tokens rather than tantivy's `QueryParser`,
//! which reads `:` as a field separator and so breaks URLs, IPv6 addresses and `host:port`.
//!
//! Ranking, strongest first: an exact app id, alias, host, IP or URL; more query words matched;
//! title and aliases, then headings, then facts, then body text.

use std::collections::HashSet;

use tantivy::query::{
    Bm25StatisticsProvider, BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery,
    FuzzyTermQuery, Occur, PhraseQuery, Query,
};
use tantivy::schema::Field;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};

use super::alternatives::{Alternative, alternatives};
use super::analyzer::{self, phrase_terms};
use super::plan::{Plan, TIE_BREAKER, term_query};
use super::schema::Fields;
use super::statistics::RunbookStatistics;
use super::synonyms::Synonyms;
use crate::error::Result;
use crate::query::{FilterField, ParsedQuery};
use crate::runbook::{Hosting, names};

/// Field weights. Names, path words and facts are indexed on the runbook document alone.
const NAMES_BOOST: f32 = 3.0;
/// Folder and file names: chosen by the authors like a title, but shared by a whole folder.
const PATH_BOOST: f32 = 3.0;
const HEADING_BOOST: f32 = 2.5;
const FACTS_BOOST: f32 = 2.0;
const BODY_BOOST: f32 = 1.0;
/// Typo and prefix matches rank below exact ones.
const FUZZY_WEIGHT: f32 = 0.4;
/// A query word found in this many documents (sections and whole runbooks) is an established
/// word of the runbooks, taken as meant rather than as a typo. Not 1: a word one runbook uses
/// (or misspells) once should not hide the word the caller meant.
const KNOWN_WORD_MIN_DOCS: u64 = 5;
/// Shortest word matched as a prefix while typing: one or two letters match half the index.
const MIN_PREFIX_CHARS: usize = 3;
const PREFIX_WEIGHT: f32 = 0.6;
/// English function words: too common to rank by, dropped unless the query has nothing else.
/// Words that carry meaning in operations ("not", "no", "down", "up", "off") are kept.
pub(super) const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "but", "by", "can", "could", "did", "do", "does", "for", "from", "has", "have",
    "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "our",
    "should", "so", "some", "than", "that", "the", "their", "them", "then", "there", "these",
    "they", "this", "those", "to", "us", "was", "we", "were", "what", "when", "where", "which",
    "while", "who", "why", "will", "with", "would", "you", "your",
];

/// Whether `query` finds at least one runbook, without ranking more than it must.
pub(super) fn finds_anything(
    searcher: &Searcher,
    fields: &Fields,
    synonyms: &Synonyms,
    query: &str,
) -> Result<bool> {
    let parsed = crate::query::parse(query);
    if parsed.is_empty() {
        return Ok(false);
    }
    let built = build_query(searcher, &parsed, fields, synonyms)?;
    let statistics = RunbookStatistics::new(searcher, fields);
    let found = super::rank::rank(
        searcher,
        &statistics,
        fields,
        &built.plan,
        0,
        false,
        &tantivy::Executor::SingleThread,
    )?;
    Ok(found.total > 0)
}

impl BuiltQuery {
    /// How many query words (stop words left out) it looks for.
    pub(super) fn word_count(&self) -> usize {
        self.words.len()
    }
}

/// A query ready to run, the exact terms to highlight, and its parts for explanations.
pub(super) struct BuiltQuery {
    pub(super) plan: Plan,
    /// The exact terms to mark in snippets; `None` when there are none.
    pub(super) highlight: Option<Box<dyn Query>>,
    pub(super) words: Vec<WordParts>,
}

/// One query word's sub-queries: per field (weighted), and its exact-name lookup.
pub(super) struct WordParts {
    pub(super) word: String,
    pub(super) fields: Vec<(&'static str, Box<dyn Query>)>,
    pub(super) exact: Box<dyn Query>,
}

/// Builds the query for `parsed`: one step per part of the query language (the words, the whole
/// query as a name, phrases, filters, exclusions).
pub(super) fn build_query(
    searcher: &Searcher,
    parsed: &ParsedQuery,
    fields: &Fields,
    synonyms: &Synonyms,
) -> Result<BuiltQuery> {
    let mut builder = QueryBuilder::new(searcher, fields, synonyms);
    let words = words_to_rank_by(parsed);
    for i in 0..words.len() {
        let prefix = i + 1 == words.len() && parsed.last_word_is_prefix;
        builder.add_word(&words, i, prefix)?;
    }
    if !parsed.words.is_empty() {
        builder.add_whole_query_as_name(&parsed.words.join(" "));
    }
    for phrase in &parsed.phrases {
        builder.add_phrase(phrase);
    }
    builder.plan.filters = filters_query(fields, &parsed.filters);
    builder.plan.excluded = excluded_query(&mut builder.text, &builder.ranked, &parsed.excluded);
    if positive_is_absent(parsed) {
        if parsed.filters.is_empty() && parsed.excluded.is_empty() {
            // An empty query asks for nothing.
            return Ok(builder.nothing());
        }
        builder.plan.list = true;
    }
    Ok(builder.finish())
}

/// The query words that rank: stop words left out, unless the query has nothing else.
fn words_to_rank_by(parsed: &ParsedQuery) -> Vec<&str> {
    let content_words: Vec<&str> = parsed
        .words
        .iter()
        .map(String::as_str)
        .filter(|w| !STOP_WORDS.contains(&w.to_lowercase().as_str()))
        .collect();
    if content_words.is_empty() {
        parsed.words.iter().map(String::as_str).collect()
    } else {
        content_words
    }
}

/// The query being built: the clauses so far, the terms to mark in snippets, and each word's
/// parts for explanations.
struct QueryBuilder<'s> {
    fields: &'s Fields,
    synonyms: &'s Synonyms,
    text: TextAnalyzer,
    ranked: [(Field, f32); 5],
    statistics: RunbookStatistics<'s>,
    plan: Plan,
    highlight_terms: Vec<Term>,
    parts: Vec<WordParts>,
}

impl<'s> QueryBuilder<'s> {
    fn new(searcher: &'s Searcher, fields: &'s Fields, synonyms: &'s Synonyms) -> Self {
        QueryBuilder {
            fields,
            synonyms,
            text: analyzer::text_analyzer(),
            ranked: ranked_fields(fields),
            statistics: RunbookStatistics::new(searcher, fields),
            plan: Plan::default(),
            highlight_terms: Vec::new(),
            parts: Vec::new(),
        }
    }

    /// Query word `words[index]`: looked for in every ranked field, with its other spellings,
    /// as a prefix when `prefix` (it is being typed), and as an exact name.
    fn add_word(&mut self, words: &[&str], index: usize, prefix: bool) -> Result<()> {
        let word = words[index];
        let terms = analyzer::terms(&mut self.text, word);
        if terms.is_empty() {
            return Ok(());
        }
        let forms = WordForms {
            // Numbers are matched whole: a typed `10` must not find every 10.x.y.z address.
            prefix: prefix
                && word.chars().count() >= MIN_PREFIX_CHARS
                && word.chars().any(char::is_alphabetic),
            // A word the runbooks use is taken as meant: near spellings of a known word are other
            // words ("replication" is two edits from "application"), not typos.
            fuzzy: !is_known(&self.statistics, &self.ranked, &terms)?,
        };
        let alternatives = alternatives(words, index, self.synonyms, &mut self.text);
        let per_field: Vec<Box<dyn Query>> = self
            .ranked
            .iter()
            .map(|&(field, boost)| {
                let query = word_in_field(field, word, &terms, forms, &alternatives);
                Box::new(BoostQuery::new(query, boost)) as Box<dyn Query>
            })
            .collect();
        let exact = term_query(Term::from_field_text(self.fields.ids, &names::key(word)));
        self.parts.push(WordParts {
            word: word.to_string(),
            fields: FIELD_NAMES
                .iter()
                .copied()
                .zip(per_field.iter().map(|query| query.box_clone()))
                .collect(),
            exact: exact.box_clone(),
        });
        let word_query = DisjunctionMaxQuery::with_tie_breaker(per_field, TIE_BREAKER);
        self.plan.words.push((Box::new(word_query), exact));
        let body = self.fields.body;
        let text_terms: Vec<Term> = terms
            .iter()
            .map(|t| Term::from_field_text(body, t))
            .collect();
        self.highlight_terms.extend(text_terms.iter().cloned());
        self.plan.text_terms.push(text_terms);
        for alternative in &alternatives {
            // "login" also finds "log in", but marking every "in" of the snippet helps nobody.
            self.highlight_terms.extend(
                alternative
                    .terms
                    .iter()
                    .filter(|(_, t)| !STOP_WORDS.contains(&t.as_str()))
                    .map(|(_, t)| Term::from_field_text(body, t)),
            );
        }
        Ok(())
    }

    /// The whole query is a name (a title, an alias): the strongest evidence there is.
    fn add_whole_query_as_name(&mut self, whole: &str) {
        self.plan.whole_name = Some(term_query(Term::from_field_text(
            self.fields.keys,
            &names::key(whole),
        )));
    }

    /// A `"phrase"`: its words in order, in any ranked field.
    fn add_phrase(&mut self, phrase: &str) {
        let terms = phrase_terms(&mut self.text, phrase);
        if terms.is_empty() {
            return;
        }
        self.plan.phrases.push(phrase_query(&self.ranked, &terms));
        let body = self.fields.body;
        self.highlight_terms
            .extend(terms.iter().map(|(_, t)| Term::from_field_text(body, t)));
    }

    /// A query that matches nothing.
    fn nothing(self) -> BuiltQuery {
        BuiltQuery {
            plan: Plan::default(),
            highlight: None,
            words: self.parts,
        }
    }

    fn finish(self) -> BuiltQuery {
        let mut highlight_terms = self.highlight_terms;
        let highlight: Option<Box<dyn Query>> = if highlight_terms.is_empty() {
            None
        } else {
            let mut seen = HashSet::new();
            highlight_terms.retain(|t| seen.insert(t.clone()));
            Some(Box::new(BooleanQuery::new(
                highlight_terms
                    .into_iter()
                    .map(|t| (Occur::Should, term_query(t)))
                    .collect(),
            )))
        };
        BuiltQuery {
            plan: self.plan,
            highlight,
            words: self.parts,
        }
    }
}

/// Whether the index knows a word: its terms appear in at least [`KNOWN_WORD_MIN_DOCS`]
/// documents, or one in a thousand on a large index (where a common misspelling recurs).
fn is_known(
    statistics: &RunbookStatistics,
    ranked: &[(Field, f32)],
    terms: &[String],
) -> Result<bool> {
    // Counted as the scores count them (see [`RunbookStatistics`]).
    let mut docs = 0;
    for &(field, _) in ranked {
        for term in terms {
            docs += statistics.doc_freq(&Term::from_field_text(field, term))?;
        }
    }
    Ok(docs >= KNOWN_WORD_MIN_DOCS.max(statistics.num_docs() / 1000))
}

/// Names of [`ranked_fields`], in the same order, for explanations.
const FIELD_NAMES: [&str; 5] = ["names", "path", "heading", "facts", "body"];

/// The fields plain words are looked for in, with their weights.
pub(super) fn ranked_fields(fields: &Fields) -> [(Field, f32); 5] {
    [
        (fields.names, NAMES_BOOST),
        (fields.path_words, PATH_BOOST),
        (fields.heading, HEADING_BOOST),
        (fields.facts, FACTS_BOOST),
        (fields.body, BODY_BOOST),
    ]
}

/// A `"phrase"` (its terms with their positions): its words in order, in any ranked field.
pub(super) fn phrase_query(ranked: &[(Field, f32)], terms: &[(usize, String)]) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        ranked
            .iter()
            .map(|&(field, boost)| {
                let query = phrase_in_field(field, terms);
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(query, boost)) as Box<dyn Query>,
                )
            })
            .collect(),
    ))
}

/// `owner:`, `hosting:`, `tag:`, `host:`, `system:` filters, all of which must hold. They
/// describe the runbook: the ranking checks them on its runbook document. `None` without filters.
pub(super) fn filters_query(
    fields: &Fields,
    filters: &[(FilterField, String)],
) -> Option<Box<dyn Query>> {
    if filters.is_empty() {
        return None;
    }
    Some(Box::new(BooleanQuery::new(
        filters
            .iter()
            .map(|(field, value)| (Occur::Must, filter_query(fields, *field, value)))
            .collect(),
    )))
}

/// `-word`s: any of them in any ranked field. A runbook with one in any of its documents is
/// left out. `None` when there are none.
pub(super) fn excluded_query(
    text: &mut TextAnalyzer,
    ranked: &[(Field, f32)],
    words: &[String],
) -> Option<Box<dyn Query>> {
    let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for word in words {
        for term in analyzer::terms(text, word) {
            for &(field, _) in ranked {
                any.push((
                    Occur::Should,
                    term_query(Term::from_field_text(field, &term)),
                ));
            }
        }
    }
    (!any.is_empty()).then(|| Box::new(BooleanQuery::new(any)) as Box<dyn Query>)
}

fn positive_is_absent(parsed: &ParsedQuery) -> bool {
    parsed.words.is_empty() && parsed.phrases.is_empty()
}

/// Which looser forms of a word to look for.
#[derive(Debug, Clone, Copy)]
struct WordForms {
    /// The word is being typed: match it as a prefix.
    prefix: bool,
    /// The word may be a typo: match near spellings.
    fuzzy: bool,
}

/// One query word in one field: its exact terms, its other spellings (synonyms, joined forms), a
/// typo-tolerant match for longer words, and a prefix match for the word being typed.
fn word_in_field(
    field: Field,
    word: &str,
    terms: &[String],
    forms: WordForms,
    others: &[Alternative],
) -> Box<dyn Query> {
    let mut alternatives: Vec<(Occur, Box<dyn Query>)> = terms
        .iter()
        .map(|t| (Occur::Should, term_query(Term::from_field_text(field, t))))
        .collect();
    for other in others {
        alternatives.push((
            Occur::Should,
            Box::new(BoostQuery::new(
                phrase_in_field(field, &other.terms),
                other.weight,
            )),
        ));
    }
    let single = terms.len() == 1 && word.chars().all(char::is_alphabetic);
    if single && forms.fuzzy {
        let stem = &terms[0];
        let letters = word.chars().count();
        let distance = match letters {
            0..=4 => 0,
            5..=8 => 1,
            _ => 2,
        };
        if distance > 0 {
            let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, stem), distance, true);
            alternatives.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(Box::new(fuzzy), FUZZY_WEIGHT)),
            ));
        }
    }
    if forms.prefix && terms.len() == 1 {
        let typed = word.to_lowercase();
        let prefix_query =
            FuzzyTermQuery::new_prefix(Term::from_field_text(field, &typed), 0, true);
        alternatives.push((
            Occur::Should,
            Box::new(ConstScoreQuery::new(Box::new(prefix_query), PREFIX_WEIGHT)),
        ));
    }
    if alternatives.len() == 1 {
        alternatives
            .pop()
            .map(|(_, q)| q)
            .unwrap_or_else(|| Box::new(BooleanQuery::new(vec![])))
    } else {
        Box::new(BooleanQuery::new(alternatives))
    }
}

pub(super) fn phrase_in_field(field: Field, terms: &[(usize, String)]) -> Box<dyn Query> {
    if terms.len() == 1 {
        return term_query(Term::from_field_text(field, &terms[0].1));
    }
    let with_offsets = terms
        .iter()
        .map(|(p, t)| (*p, Term::from_field_text(field, t)))
        .collect();
    Box::new(PhraseQuery::new_with_offset(with_offsets))
}

pub(super) fn filter_query(fields: &Fields, field: FilterField, value: &str) -> Box<dyn Query> {
    let value = value.trim().to_lowercase();
    let field = match field {
        FilterField::Owner => fields.owner,
        FilterField::Hosting => fields.hosting,
        FilterField::Tag => fields.tag,
        FilterField::System => fields.system,
        FilterField::Host => {
            let whole = analyzer::terms(&mut analyzer::ident_analyzer(), &value)
                .into_iter()
                .next()
                .unwrap_or(value);
            return term_query(Term::from_field_text(fields.host, &whole));
        }
    };
    let value = match field {
        f if f == fields.hosting => {
            Hosting::parse(&value).map_or(value, |h| h.as_str().to_string())
        }
        _ => value,
    };
    term_query(Term::from_field_text(field, &value))
}
