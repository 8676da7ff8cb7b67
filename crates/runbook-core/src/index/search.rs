//! Answering a query from the index: running the query [`lexical`](super::lexical) builds,
//! grouping sections into one hit per runbook, cutting snippets, and looking runbooks up by name.

use std::time::Instant;

use tantivy::query::{BooleanQuery, Occur, Query};
use tantivy::schema::{Field, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Searcher, TantivyDocument, Term};

use super::SearchIndex;
use super::collector::BestDocPerRunbook;
use super::explain::explanation;
use super::lexical::{BuiltQuery, build_query};
use super::plan::term_query;
use super::schema::KIND_RUNBOOK;
use super::statistics::RunbookStatistics;
use crate::error::Result;
use crate::query::ParsedQuery;
use crate::results::{Hit, RunbookSummary, SearchResults};
use crate::runbook::{Hosting, names};

/// Snippet length in characters.
const SNIPPET_CHARS: usize = 180;
/// Longest stretch of a section a snippet is cut from. The snippet generator tokenizes all the
/// text it is given: a whole 5 MB section on every search that matches it would make one odd
/// runbook slow down every such query.
const SNIPPET_SOURCE_BYTES: usize = 32 * 1024;

impl SearchIndex {
    /// Runs a query and returns at most `limit` hits, one per runbook, best first.
    pub fn search(&self, query: &str, limit: usize) -> Result<SearchResults> {
        self.search_with(query, limit, false)
    }

    /// [`SearchIndex::search`], with each hit's [`Explanation`](crate::results::Explanation) when `explain` is set.
    pub fn search_with(&self, query: &str, limit: usize, explain: bool) -> Result<SearchResults> {
        let started = Instant::now();
        let parsed = crate::query::parse(query);
        let searcher = self.reader().searcher();
        let lexical = self.rank_lexically(&searcher, &parsed, limit)?;
        let mut snippets = self.snippets(&searcher, &lexical.built)?;
        let mut hits = Vec::with_capacity(limit.min(lexical.grouped.total));
        for group in lexical.grouped.hits.iter().take(limit) {
            let doc: TantivyDocument = searcher.doc(group.doc)?;
            let mut hit = self.hit(&searcher, &doc, group.score, snippets.as_mut())?;
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
        let grouped = super::rank::rank(
            searcher,
            &statistics,
            self.fields(),
            &built.plan,
            keep,
            true,
            super::search_executor(),
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
            let groups = searcher.search(&query, &BestDocPerRunbook)?;
            for group in groups {
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
        let groups = searcher.search(&query, &BestDocPerRunbook)?;
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
        searcher: &Searcher,
        doc: &TantivyDocument,
        score: f32,
        snippets: Option<&mut Snippets>,
    ) -> Result<Hit> {
        let f = self.fields();
        let is_whole_runbook = doc.get_first(f.kind).and_then(|v| v.as_u64()) == Some(KIND_RUNBOOK);
        // The runbook document has no text of its own: its snippet comes from its top section.
        let body = if is_whole_runbook {
            self.first_section(searcher, &text(doc, f.path))?
                .map(|first| text(&first, f.body))
                .unwrap_or_default()
        } else {
            text(doc, f.body)
        };
        let snippet = snippets
            .map(|(g, terms)| {
                let mut s = g.snippet(snippet_source(&body, terms));
                s.set_snippet_prefix_postfix("<mark>", "</mark>");
                s.to_html()
            })
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| leading_text(&body));
        let summary = self.summary(doc);
        let section = if is_whole_runbook {
            // No single section matched (the words are spread out): land on the runbook's top.
            summary.title.clone()
        } else {
            let heading = text(doc, f.heading);
            heading.rsplit(" › ").next().unwrap_or(&heading).to_string()
        };
        Ok(Hit {
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
            firing: Vec::new(),
            explain: None,
        })
    }

    /// The first section of the runbook at `path`.
    fn first_section(&self, searcher: &Searcher, path: &str) -> Result<Option<TantivyDocument>> {
        let f = self.fields();
        let query = BooleanQuery::new(vec![
            (Occur::Must, term_query(Term::from_field_text(f.path, path))),
            (Occur::Must, term_query(Term::from_field_text(f.first, "1"))),
        ]);
        let found = searcher.search(&query, &BestDocPerRunbook)?;
        match found.first() {
            Some(group) => Ok(Some(searcher.doc(group.doc)?)),
            None => Ok(None),
        }
    }
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
    let mut keys = vec![names::key(name)];
    if let Some(host) = crate::runbook::facts::url_host(name.trim()) {
        keys.push(names::key(host));
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

/// A snippet generator and the terms it marks.
pub(super) type Snippets = (SnippetGenerator, Vec<String>);

/// A lexical ranking and what made it, for the hits and their explanations.
pub(super) struct LexicalRanking<'s> {
    pub built: BuiltQuery,
    pub statistics: RunbookStatistics<'s>,
    pub grouped: super::rank::Grouped,
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
