//! Answering a query from the index: building the tantivy query, grouping sections into one hit
//! per runbook, and cutting snippets.
//!
//! The plain search box builds its query from its own tokens rather than tantivy's `QueryParser`,
//! which reads `:` as a field separator and so breaks URLs, IPv6 addresses and `host:port`.
//!
//! Ranking, strongest first: an exact app id, alias, host, IP or URL; more query words matched;
//! title and aliases, then headings, then facts, then body text.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use tantivy::query::{
    Bm25StatisticsProvider, BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery,
    EnableScoring, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use super::SearchIndex;
use super::analyzer;
use super::bonus::BonusQuery;
use super::collector::Grouping;
use super::collector::{BestSection, BestSectionPerRunbook};
use super::documents;
use super::schema::{Fields, KIND_RUNBOOK, KIND_SECTION};
use super::statistics::RunbookStatistics;
use super::synonyms::Synonyms;
use crate::error::Result;
use crate::query::{FilterField, ParsedQuery};
use crate::results::{Explanation, Hit, RunbookSummary, SearchResults, WordMatch};
use crate::runbook::Hosting;

/// Score added for each query word a section matches: enough that matching every word beats
/// matching some, whatever the fields.
const WORD_MATCHED: f32 = 25.0;
/// Score of a query word that is a runbook's app id, alias, host, IP or URL (twice that when the
/// whole query is a name, title included).
const EXACT_NAME: f32 = 40.0;
/// Field weights. Names, path words and facts are indexed on the runbook document alone.
const NAMES_BOOST: f32 = 3.0;
/// Folder and file names: chosen by the authors like a title, but shared by a whole folder.
const PATH_BOOST: f32 = 3.0;
const HEADING_BOOST: f32 = 2.5;
const FACTS_BOOST: f32 = 2.0;
/// Weight of an exact name, found on the runbook document alone, against the section-level
/// evidence it used to be counted with as well.
const RUNBOOK_LEVEL: f32 = 1.0 + SECTION_WEIGHT;
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
/// A synonym is good evidence, but the caller's own word is better.
const SYNONYM_WEIGHT: f32 = 0.8;
/// A run-together or hyphen-less form of the caller's words.
const JOINED_WEIGHT: f32 = 0.9;
/// Share of the best section's score added to the whole runbook's: a section that answers beats
/// a runbook that merely mentions the words here and there.
pub(super) const SECTION_WEIGHT: f32 = 0.5;
/// Snippet length in characters.
const SNIPPET_CHARS: usize = 180;
/// Longest stretch of a section a snippet is cut from. The snippet generator tokenizes all the
/// text it is given: a whole 5 MB section on every search that matches it would make one odd
/// runbook slow down every such query.
const SNIPPET_SOURCE_BYTES: usize = 32 * 1024;

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

impl SearchIndex {
    /// Runs a query and returns at most `limit` hits, one per runbook, best first.
    pub fn search(&self, query: &str, limit: usize) -> Result<SearchResults> {
        self.search_with(query, limit, false)
    }

    /// [`SearchIndex::search`], with each hit's [`Explanation`] when `explain` is set.
    pub fn search_with(&self, query: &str, limit: usize, explain: bool) -> Result<SearchResults> {
        let started = Instant::now();
        let parsed = crate::query::parse(query);
        let searcher = self.reader().searcher();
        let lexical = self.rank_lexically(&searcher, &parsed, limit)?;
        let mut snippets = self.snippets(&searcher, &lexical.built)?;
        let mut hits = Vec::with_capacity(limit.min(lexical.grouped.total));
        for group in lexical.grouped.hits.iter().take(limit) {
            let doc: TantivyDocument = searcher.doc(group.doc)?;
            let mut hit = self.hit(&doc, group.score, snippets.as_mut());
            if explain {
                hit.explain = Some(explanation(
                    &searcher,
                    &lexical.statistics,
                    &lexical.built,
                    group,
                )?);
            }
            hits.push(hit);
        }
        let total = lexical.grouped.total;
        let suggestions = self.suggestions_if_empty(&searcher, &parsed, query, total)?;
        Ok(SearchResults {
            query: query.to_string(),
            total,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
            hits,
            answer: None,
            facets: lexical.grouped.facets.into_results(),
            suggestions,
        })
    }

    /// The lexical ranking: every matching runbook counted (with facets), the best `keep` of
    /// them kept, best first.
    pub(super) fn rank_lexically<'s>(
        &self,
        searcher: &'s Searcher,
        parsed: &ParsedQuery,
        keep: usize,
    ) -> Result<LexicalRanking<'s>> {
        let built = build_query(searcher, parsed, self.fields(), self.synonyms())?;
        let statistics = RunbookStatistics::new(searcher, self.fields());
        let grouped = searcher.search_with_executor(
            &built.query,
            &BestSectionPerRunbook {
                grouping: Grouping::Combined {
                    section_weight: SECTION_WEIGHT,
                },
                facets: true,
                keep,
            },
            super::search_executor(),
            EnableScoring::enabled_from_statistics_provider(&statistics, searcher),
        )?;
        Ok(LexicalRanking {
            built,
            statistics,
            grouped,
        })
    }

    /// What cuts the snippets of a search: the generator and the terms it marks.
    pub(super) fn snippets(
        &self,
        searcher: &Searcher,
        built: &BuiltQuery,
    ) -> Result<Option<Snippets>> {
        let Some(highlight) = &built.highlight else {
            return Ok(None);
        };
        let mut generator =
            SnippetGenerator::create(searcher, highlight.as_ref(), self.fields().body)?;
        generator.set_max_num_chars(SNIPPET_CHARS);
        let mut terms = Vec::new();
        highlight.query_terms(&mut |term, _| {
            if let Some(text) = term.value().as_str() {
                terms.push(text.to_string());
            }
        });
        Ok(Some((generator, terms)))
    }

    /// "Did you mean" queries, when nothing was found.
    pub(super) fn suggestions_if_empty(
        &self,
        searcher: &Searcher,
        parsed: &ParsedQuery,
        query: &str,
        total: usize,
    ) -> Result<Vec<String>> {
        if total == 0 && !parsed.is_empty() {
            super::suggest::suggestions(searcher, self.fields(), self.synonyms(), query)
        } else {
            Ok(Vec::new())
        }
    }

    /// Paths of runbooks that answer exactly to `name`: an app id, alias, title, host name, IP or
    /// URL. Sorted by path, so the answer is stable when two claim the same name.
    pub fn lookup(&self, name: &str) -> Result<Vec<RunbookSummary>> {
        let searcher = self.reader().searcher();
        let fields = self.fields();
        let mut found = Vec::new();
        for candidate in lookup_keys(name) {
            let query = term_query(Term::from_field_text(fields.keys, &candidate));
            let groups = searcher.search(
                &query,
                &BestSectionPerRunbook::hits_only(Grouping::BestSection),
            )?;
            for group in groups.hits {
                let doc: TantivyDocument = searcher.doc(group.doc)?;
                found.push(self.summary(&doc));
            }
            if !found.is_empty() {
                break;
            }
        }
        found.sort_by(|a, b| a.path.cmp(&b.path));
        found.dedup_by(|a, b| a.path == b.path);
        Ok(found)
    }

    /// Every runbook in the index, sorted by title.
    pub fn list(&self) -> Result<Vec<RunbookSummary>> {
        let searcher = self.reader().searcher();
        let query = term_query(Term::from_field_text(self.fields().first, "1"));
        let groups = searcher
            .search(
                &query,
                &BestSectionPerRunbook::hits_only(Grouping::BestSection),
            )?
            .hits;
        let mut all = Vec::with_capacity(groups.len());
        for group in groups {
            let doc: TantivyDocument = searcher.doc(group.doc)?;
            all.push(self.summary(&doc));
        }
        all.sort_by(|a, b| {
            a.title
                .to_lowercase()
                .cmp(&b.title.to_lowercase())
                .then_with(|| a.path.cmp(&b.path))
        });
        Ok(all)
    }

    fn summary(&self, doc: &TantivyDocument) -> RunbookSummary {
        let f = self.fields();
        RunbookSummary {
            app: text(doc, f.app),
            title: text(doc, f.title),
            path: text(doc, f.path),
            hosting: Hosting::parse(&text(doc, f.hosting)),
            owner: Some(text(doc, f.owner)).filter(|o| !o.is_empty()),
        }
    }

    /// When the hit's runbook is next due for review, from its stored review facts.
    fn review_due(&self, doc: &TantivyDocument) -> Option<chrono::NaiveDate> {
        let f = self.fields();
        let reviewed =
            chrono::NaiveDate::parse_from_str(&text(doc, f.reviewed), "%Y-%m-%d").ok()?;
        let every_days = doc
            .get_first(f.review_every_days)
            .and_then(|v| v.as_u64())
            .unwrap_or(u64::from(self.review_every_days));
        reviewed.checked_add_days(chrono::Days::new(every_days))
    }

    pub(super) fn hit(
        &self,
        doc: &TantivyDocument,
        score: f32,
        snippets: Option<&mut Snippets>,
    ) -> Hit {
        let f = self.fields();
        // The whole-runbook document holds its text as one value per section.
        let body = all_text(doc, f.body);
        let snippet = snippets
            .map(|(g, terms)| {
                let mut s = g.snippet(snippet_source(&body, terms));
                s.set_snippet_prefix_postfix("<mark>", "</mark>");
                s.to_html()
            })
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| leading_text(&body));
        let summary = self.summary(doc);
        let is_whole_runbook = doc.get_first(f.kind).and_then(|v| v.as_u64()) == Some(KIND_RUNBOOK);
        let section = if is_whole_runbook {
            // No single section matched (the words are spread out): land on the runbook's top.
            summary.title.clone()
        } else {
            let heading = text(doc, f.heading);
            heading.rsplit(" › ").next().unwrap_or(&heading).to_string()
        };
        Hit {
            app: summary.app,
            title: summary.title,
            path: summary.path,
            hosting: summary.hosting,
            owner: summary.owner,
            score: (score * 1000.0).round() / 1000.0,
            section,
            anchor: text(doc, f.anchor),
            snippet,
            review_due: self.review_due(doc),
            stale: Vec::new(),
            explain: None,
        }
    }
}

/// Whether `query` finds at least one runbook, without ranking or grouping: a plain search keeps
/// a runbook exactly when its whole-runbook document matches, so counting those is enough.
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
    let runbooks = BooleanQuery::new(vec![
        (Occur::Must, built.query),
        (
            Occur::Must,
            term_query(Term::from_field_u64(fields.kind, KIND_RUNBOOK)),
        ),
    ]);
    Ok(searcher.search(&runbooks, &tantivy::collector::Count)? > 0)
}

/// The part of a long section a snippet is cut from: from just before the first place a query
/// term appears (or the start), at most [`SNIPPET_SOURCE_BYTES`] long.
fn snippet_source<'a>(body: &'a str, terms: &[String]) -> &'a str {
    if body.len() <= SNIPPET_SOURCE_BYTES {
        return body;
    }
    // ASCII lower-casing keeps byte offsets, so a position in the copy is one in `body`. Terms
    // are lower-cased stems, which start the words they came from.
    let lower = body.to_ascii_lowercase();
    let first = terms
        .iter()
        .filter(|t| !t.is_empty())
        .filter_map(|t| lower.find(t.as_str()))
        .min()
        .unwrap_or(0);
    let start = body.floor_char_boundary(first.saturating_sub(SNIPPET_CHARS));
    let end = body.floor_char_boundary(start.saturating_add(SNIPPET_SOURCE_BYTES));
    &body[start..end]
}

/// Candidate lookup keys for a name: as given, and for a URL also its host.
fn lookup_keys(name: &str) -> Vec<String> {
    let mut keys = vec![documents::key(name)];
    if let Some(host) = crate::runbook::facts::url_host(name.trim()) {
        keys.push(documents::key(host));
    }
    keys.retain(|k| !k.is_empty());
    keys
}

/// The first words of a section, escaped, when no match can be highlighted.
fn leading_text(body: &str) -> String {
    let mut end = body.len().min(SNIPPET_CHARS);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    if end < body.len() {
        // Cut between words, not inside one.
        end = body[..end].rfind(char::is_whitespace).unwrap_or(end);
    }
    let mut out = html_escape(&body[..end]);
    if end < body.len() {
        out.push_str(" …");
    }
    out
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn text(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}

/// Every value of a text field, one per line.
fn all_text(doc: &TantivyDocument, field: Field) -> String {
    let mut out = String::new();
    for value in doc.get_all(field).filter_map(|v| v.as_str()) {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(value);
    }
    out
}

pub(super) fn term_query(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
}

impl BuiltQuery {
    /// How many query words (stop words left out) it looks for.
    pub(super) fn word_count(&self) -> usize {
        self.words.len()
    }
}

/// A snippet generator and the terms it marks.
pub(super) type Snippets = (SnippetGenerator, Vec<String>);

/// A lexical ranking and what made it, for the hits and their explanations.
pub(super) struct LexicalRanking<'s> {
    pub built: BuiltQuery,
    pub statistics: RunbookStatistics<'s>,
    pub grouped: super::collector::Grouped,
}

/// A query ready to run, the exact terms to highlight, and its parts for explanations.
pub(super) struct BuiltQuery {
    query: Box<dyn Query>,
    highlight: Option<Box<dyn Query>>,
    words: Vec<WordParts>,
}

/// One query word's sub-queries: per field (weighted), and its exact-name lookup.
struct WordParts {
    word: String,
    fields: Vec<(&'static str, Box<dyn Query>)>,
    exact: Box<dyn Query>,
}

/// Why a hit scored as it did: re-runs each word's per-field queries against the whole-runbook
/// document and the best section. Only for `--explain`, so the cost is only paid when asked.
pub(super) fn explanation(
    searcher: &Searcher,
    statistics: &RunbookStatistics,
    built: &BuiltQuery,
    group: &BestSection,
) -> Result<Explanation> {
    let matched = |query: &dyn Query, doc: Option<DocAddress>| -> Result<Option<f32>> {
        let Some(doc) = doc else { return Ok(None) };
        // Scored with the same statistics as the search, so the figures add up.
        let scoring = EnableScoring::enabled_from_statistics_provider(statistics, searcher);
        let explain = || {
            query.weight(scoring).and_then(|weight| {
                let reader = searcher.segment_reader(doc.segment_ord);
                weight.explain(reader, doc.doc_id)
            })
        };
        // tantivy 0.27's explain of some fuzzy queries seeks backwards and trips an assertion
        // (found by the `http_request` fuzz target: `invoices stuch?qk -u` with explain=1). An
        // explanation is a diagnostic: a part that cannot be explained counts as not matched
        // rather than failing the search.
        let explained = {
            super::quiet_panics::install();
            let _quiet = super::quiet_panics::Quiet::enter();
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(explain))
        };
        match explained {
            Ok(Ok(explained)) => Ok(Some(explained.value())),
            // tantivy reports "does not match" as an error of this kind.
            Ok(Err(tantivy::TantivyError::InvalidArgument(_))) | Err(_) => Ok(None),
            Ok(Err(e)) => Err(e.into()),
        }
    };
    let runbook_doc = group.parts.runbook.map(|(_, d)| d);
    let section_doc = group.parts.section.map(|(_, d)| d);
    let mut words = Vec::with_capacity(built.words.len());
    for part in &built.words {
        let mut runbook = BTreeMap::new();
        let mut section = BTreeMap::new();
        for (name, query) in &part.fields {
            if let Some(score) = matched(query.as_ref(), runbook_doc)? {
                runbook.insert(name.to_string(), round(score));
            }
            if let Some(score) = matched(query.as_ref(), section_doc)? {
                section.insert(name.to_string(), round(score));
            }
        }
        let exact_name = matched(part.exact.as_ref(), runbook_doc.or(section_doc))?.is_some();
        words.push(WordMatch {
            word: part.word.clone(),
            runbook,
            section,
            exact_name,
        });
    }
    Ok(Explanation {
        runbook: group.parts.runbook.map(|(s, _)| round(s)),
        section: group.parts.section.map(|(s, _)| round(s)),
        section_weight: SECTION_WEIGHT,
        words,
        fusion: None,
    })
}

pub(super) fn round(score: f32) -> f32 {
    (score * 1000.0).round() / 1000.0
}

fn build_query(
    searcher: &Searcher,
    parsed: &ParsedQuery,
    fields: &Fields,
    synonyms: &Synonyms,
) -> Result<BuiltQuery> {
    let mut text = analyzer::text_analyzer();
    let ranked = ranked_fields(fields);
    let statistics = RunbookStatistics::new(searcher, fields);

    let content_words: Vec<&str> = parsed
        .words
        .iter()
        .map(String::as_str)
        .filter(|w| !STOP_WORDS.contains(&w.to_lowercase().as_str()))
        .collect();
    let words: Vec<&str> = if content_words.is_empty() {
        parsed.words.iter().map(String::as_str).collect()
    } else {
        content_words
    };

    let mut positive: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut highlight_terms: Vec<Term> = Vec::new();
    let mut parts: Vec<WordParts> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let terms = analyzer::terms(&mut text, word);
        if terms.is_empty() {
            continue;
        }
        let is_last = i + 1 == words.len();
        let forms = WordForms {
            // Numbers are matched whole: a typed `10` must not find every 10.x.y.z address.
            prefix: is_last
                && parsed.last_word_is_prefix
                && word.chars().count() >= MIN_PREFIX_CHARS
                && word.chars().any(char::is_alphabetic),
            // A word the runbooks use is taken as meant: near spellings of a known word are other
            // words ("replication" is two edits from "application"), not typos.
            fuzzy: !is_known(&statistics, &ranked, &terms)?,
        };
        let alternatives = alternatives(&words, i, synonyms, &mut text);
        let per_field: Vec<Box<dyn Query>> = ranked
            .iter()
            .map(|&(field, boost)| {
                let q = word_in_field(field, word, &terms, forms, &alternatives);
                Box::new(BoostQuery::new(q, boost)) as Box<dyn Query>
            })
            .collect();
        let exact = term_query(Term::from_field_text(fields.ids, &documents::key(word)));
        parts.push(WordParts {
            word: word.to_string(),
            fields: FIELD_NAMES
                .iter()
                .copied()
                .zip(per_field.iter().map(|q| q.box_clone()))
                .collect(),
            exact: exact.box_clone(),
        });
        // A word found in the runbook's names, path or facts describes every section of it: it
        // counts as a matched word once more, as if the best section had it too.
        let in_runbook_level: Vec<(Occur, Box<dyn Query>)> = [0, 1, 3]
            .into_iter()
            .map(|i| (Occur::Should, per_field[i].box_clone()))
            .collect();
        positive.push((
            Occur::Should,
            Box::new(ConstScoreQuery::new(
                Box::new(BooleanQuery::new(in_runbook_level)),
                WORD_MATCHED,
            )),
        ));
        let word_query = DisjunctionMaxQuery::with_tie_breaker(per_field, 0.2);
        positive.push((
            Occur::Should,
            Box::new(BonusQuery::new(Box::new(word_query), WORD_MATCHED)),
        ));
        positive.push((
            Occur::Should,
            Box::new(ConstScoreQuery::new(exact, EXACT_NAME * RUNBOOK_LEVEL)),
        ));
        highlight_terms.extend(terms.iter().map(|t| Term::from_field_text(fields.body, t)));
        for alternative in &alternatives {
            // "login" also finds "log in", but marking every "in" of the snippet helps nobody.
            highlight_terms.extend(
                alternative
                    .terms
                    .iter()
                    .filter(|(_, t)| !STOP_WORDS.contains(&t.as_str()))
                    .map(|(_, t)| Term::from_field_text(fields.body, t)),
            );
        }
    }
    if !parsed.words.is_empty() {
        // The whole query is a name (a title, an alias): the strongest evidence there is.
        let whole = parsed.words.join(" ");
        positive.push((
            Occur::Should,
            Box::new(ConstScoreQuery::new(
                term_query(Term::from_field_text(fields.keys, &documents::key(&whole))),
                EXACT_NAME * 2.0 * RUNBOOK_LEVEL,
            )),
        ));
    }

    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if !positive.is_empty() {
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(positive))));
    }
    for phrase in &parsed.phrases {
        let terms = phrase_terms(&mut text, phrase);
        if terms.is_empty() {
            continue;
        }
        let per_field: Vec<(Occur, Box<dyn Query>)> = ranked
            .iter()
            .map(|&(field, boost)| {
                let q = phrase_in_field(field, &terms);
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(q, boost)) as Box<dyn Query>,
                )
            })
            .collect();
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(per_field))));
        highlight_terms.extend(
            terms
                .iter()
                .map(|(_, t)| Term::from_field_text(fields.body, t)),
        );
    }
    if !parsed.filters.is_empty() {
        // Filters describe the runbook, so they are checked on its runbook document; sections
        // pass, and the collector drops every runbook whose runbook document did not match.
        let mut on_runbook: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Must,
            term_query(Term::from_field_u64(fields.kind, KIND_RUNBOOK)),
        )];
        for (field, value) in &parsed.filters {
            on_runbook.push((Occur::Must, filter_query(fields, *field, value)));
        }
        let filtered = BooleanQuery::new(vec![
            (Occur::Should, Box::new(BooleanQuery::new(on_runbook))),
            (
                Occur::Should,
                term_query(Term::from_field_u64(fields.kind, KIND_SECTION)),
            ),
        ]);
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(Box::new(filtered), 0.0)),
        ));
    }
    for word in &parsed.excluded {
        for term in analyzer::terms(&mut text, word) {
            for &(field, _) in &ranked {
                clauses.push((
                    Occur::MustNot,
                    term_query(Term::from_field_text(field, &term)),
                ));
            }
        }
    }
    if positive_is_absent(parsed) {
        if parsed.filters.is_empty() && parsed.excluded.is_empty() {
            // An empty query asks for nothing.
            return Ok(BuiltQuery {
                query: Box::new(BooleanQuery::new(vec![])),
                highlight: None,
                words: parts,
            });
        }
        // Only filters or exclusions: list the matching runbooks, each at its top. The
        // whole-runbook document must match too, or the runbook is not kept.
        clauses.push((
            Occur::Must,
            Box::new(BooleanQuery::new(vec![
                (
                    Occur::Should,
                    term_query(Term::from_field_text(fields.first, "1")),
                ),
                (
                    Occur::Should,
                    term_query(Term::from_field_u64(fields.kind, KIND_RUNBOOK)),
                ),
            ])),
        ));
    }

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
    Ok(BuiltQuery {
        query: Box::new(BooleanQuery::new(clauses)),
        highlight,
        words: parts,
    })
}

/// Whether the index knows a word: its terms appear in at least [`KNOWN_WORD_MIN_DOCS`]
/// documents, or one in a thousand on a large index (where a common misspelling recurs).
fn is_known(
    statistics: &RunbookStatistics,
    ranked: &[(Field, f32)],
    terms: &[String],
) -> Result<bool> {
    // Counted as if every section carried its runbook's names, like the scores.
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

/// Another way of writing a query word: its terms (on consecutive positions when more than one)
/// and how much a match counts next to the word itself.
#[derive(Debug, Clone, PartialEq)]
struct Alternative {
    terms: Vec<(usize, String)>,
    weight: f32,
}

/// Other ways to write query word `i`: its synonyms; the word without its hyphens or underscores
/// (`on-call` → `oncall`); the word run together with its neighbour (`crypto mining` →
/// `cryptomining`, `data base` → `database`), and the synonyms of the two-word phrase it forms
/// with a neighbour (`load balancer` → `lb`). A match of a two-word form counts for both words.
fn alternatives(
    words: &[&str],
    i: usize,
    synonyms: &Synonyms,
    analyzer: &mut tantivy::tokenizer::TextAnalyzer,
) -> Vec<Alternative> {
    let mut out: Vec<Alternative> = Vec::new();
    let mut push = |written: &str, weight: f32, analyzer: &mut tantivy::tokenizer::TextAnalyzer| {
        let terms = phrase_terms(analyzer, written);
        if !terms.is_empty() && !out.iter().any(|a| a.terms == terms) {
            out.push(Alternative { terms, weight });
        }
    };
    let word = words[i];
    for synonym in synonyms.of(word) {
        push(synonym, SYNONYM_WEIGHT, analyzer);
    }
    let joined: String = word.chars().filter(|c| !matches!(c, '-' | '_')).collect();
    if joined != word && joined.chars().all(char::is_alphanumeric) {
        push(&joined, JOINED_WEIGHT, analyzer);
    }
    let neighbours = [i.checked_sub(1).map(|p| (p, i)), Some((i, i + 1))];
    for (a, b) in neighbours.into_iter().flatten() {
        let (Some(first), Some(second)) = (words.get(a), words.get(b)) else {
            continue;
        };
        let is_plain = |w: &str| w.chars().all(char::is_alphabetic);
        if is_plain(first) && is_plain(second) {
            push(&format!("{first}{second}"), JOINED_WEIGHT, analyzer);
        }
        for synonym in synonyms.of(&format!("{first} {second}")) {
            push(synonym, SYNONYM_WEIGHT, analyzer);
        }
    }
    // The word itself is not an alternative to itself (`k8s` → `kube` → ... → `k8s`).
    let own = phrase_terms(analyzer, word);
    out.retain(|a| a.terms != own);
    out
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

/// The terms of a phrase with their positions, one term per position (the parts of a compound,
/// not the compound itself, so `"example com"` and `"billing01.prod"` both work).
pub(super) fn phrase_terms(
    analyzer: &mut tantivy::tokenizer::TextAnalyzer,
    phrase: &str,
) -> Vec<(usize, String)> {
    let mut stream = analyzer.token_stream(phrase);
    let mut out: Vec<(usize, String)> = Vec::new();
    while let Some(token) = stream.next() {
        match out.last_mut() {
            Some((position, text)) if *position == token.position => *text = token.text.clone(),
            _ => out.push((token.position, token.text.clone())),
        }
    }
    let first = out.first().map_or(0, |(p, _)| *p);
    out.into_iter().map(|(p, t)| (p - first, t)).collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_section_is_its_own_snippet_source() {
        assert_eq!(
            snippet_source("restart the queue", &["restart".into()]),
            "restart the queue"
        );
    }

    #[test]
    fn a_long_section_is_cut_around_the_first_match() {
        let body = format!(
            "{} Restart here é {}",
            "é".repeat(100_000),
            "x".repeat(100_000)
        );
        let source = snippet_source(&body, &["restart".into()]);
        assert!(source.len() <= SNIPPET_SOURCE_BYTES);
        assert!(
            source.contains("Restart here"),
            "the match is in the window"
        );
    }

    #[test]
    fn a_long_section_without_a_match_starts_at_the_top() {
        let body = "word ".repeat(50_000);
        let source = snippet_source(&body, &["absent".into()]);
        assert!(body.starts_with(source) && source.len() <= SNIPPET_SOURCE_BYTES);
    }
}
