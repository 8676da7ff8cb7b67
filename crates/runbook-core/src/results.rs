//! What a search or lookup answers, as plain data: the stable JSON contract shared by
//! `runbook search --json`, `GET /api/search` and the terminal and HTML views.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::history::LastChange;
use crate::runbook::Hosting;

/// The answer to a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// The query as asked.
    pub query: String,
    /// Number of runbooks that matched (hits holds at most `limit` of them).
    pub total: usize,
    /// How long the search took, in milliseconds.
    pub took_ms: f64,
    /// The best matches, best first, at most `limit`.
    pub hits: Vec<Hit>,
    /// When the query names exactly one runbook (app id, alias, host, IP or URL): its fact card
    /// and login steps, so nobody has to click.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<RunbookDetails>,
    /// How many of the matching runbooks (all `total`, not only `hits`) have each hosting,
    /// owner and tag value.
    #[serde(default)]
    pub facets: Facets,
    /// When nothing matched: corrected queries that do find something, best first.
    #[serde(default)]
    pub suggestions: Vec<String>,
}

/// Counts of matching runbooks per value of a fact, e.g. `"owner": {"team-payments": 3}`. Values
/// are lower-cased as the filters match them; each fact keeps its [`Facets::MAX_VALUES`] most
/// common values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facets {
    /// Runbooks per hosting value.
    #[serde(default)]
    pub hosting: BTreeMap<String, usize>,
    /// Runbooks per owning team.
    #[serde(default)]
    pub owner: BTreeMap<String, usize>,
    /// Runbooks per tag.
    #[serde(default)]
    pub tag: BTreeMap<String, usize>,
}

impl Facets {
    /// Values kept per fact: enough to refine by, while a broad query over many thousands of
    /// runbooks (and thousands of tags) still answers in a few kilobytes.
    pub const MAX_VALUES: usize = 50;

    /// The values of one fact, most common first (ties by name), at most `at_most`.
    pub fn top(values: &BTreeMap<String, usize>, at_most: usize) -> Vec<(&str, usize)> {
        let mut sorted: Vec<(&str, usize)> = values.iter().map(|(v, c)| (v.as_str(), *c)).collect();
        sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        sorted.truncate(at_most);
        sorted
    }

    /// Whether no fact has a value among the matches.
    pub fn is_empty(&self) -> bool {
        self.hosting.is_empty() && self.owner.is_empty() && self.tag.is_empty()
    }
}

/// One runbook that matched, at its best section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// The application's id.
    pub app: String,
    /// The runbook's title.
    pub title: String,
    /// Path relative to the knowledge base root.
    pub path: String,
    /// Who runs the servers.
    pub hosting: Option<Hosting>,
    /// The owning team.
    pub owner: Option<String>,
    /// Its place in the ranking: higher is better (the fused score of a hybrid search).
    pub score: f32,
    /// Heading of the best-matching section.
    pub section: String,
    /// Anchor of that section.
    pub anchor: String,
    /// HTML: escaped text with matches in `<mark>`.
    pub snippet: String,
    /// When the runbook's next review is due (`reviewed` plus the review period).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_due: Option<chrono::NaiveDate>,
    /// Why the runbook may no longer be true (its review is overdue, or the last
    /// `check --live` found drift), so the desk double-checks before acting on it; empty when
    /// there is no reason to doubt it.
    #[serde(default)]
    pub stale: Vec<String>,
    /// The names of the alerts firing for this runbook now; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub firing: Vec<String>,
    /// Why the hit scored as it did; only when asked for (`--explain`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<Explanation>,
}

/// The parts of a hit's score: `score = runbook + section_weight × section`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// Score of the runbook as a whole (all its text).
    pub runbook: Option<f32>,
    /// Score of the best-matching section.
    pub section: Option<f32>,
    /// Share of the section's score added to the runbook's.
    pub section_weight: f32,
    /// Each query word (stop words left out) and where it matched.
    pub words: Vec<WordMatch>,
    /// How the lexical and the semantic rankings were combined, when both took part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fusion: Option<Fusion>,
}

/// One hit's place in each ranking and the score they fuse to (reciprocal rank fusion).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fusion {
    /// 1-based rank among the lexical hits; `None` when the words did not find it.
    pub lexical_rank: Option<usize>,
    /// Its lexical score (`runbook + section_weight × section`).
    pub lexical_score: Option<f32>,
    /// How many of the query's words the runbook has, of `words`.
    pub words_matched: Option<usize>,
    /// How many describing words the query has.
    pub words: usize,
    /// How much its place among the words' hits counts: the share of words matched, squared.
    pub lexical_weight: Option<f32>,
    /// 1-based rank among the runbooks whose sections are nearest in meaning to the query;
    /// `None` when none of its sections was near enough.
    pub semantic_rank: Option<usize>,
    /// Cosine similarity between the query and its nearest section.
    pub cosine: Option<f32>,
    /// How far that cosine stands above the query's cosines to every section, in standard
    /// deviations.
    pub standing: Option<f32>,
    /// How much its place by meaning counts, from its standing and its cosine.
    pub semantic_weight: Option<f32>,
    /// Whether an exact name (app id, alias, host, IP, URL, title) put it first, whatever the
    /// rankings say.
    pub named: bool,
    /// The fused score: the hit's `score`.
    pub fused: f32,
}

/// Where one query word matched, per field, with the field-weighted score it earned there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordMatch {
    /// The query word.
    pub word: String,
    /// Fields of the whole runbook the word (or its synonym, typo or prefix form) matched.
    pub runbook: BTreeMap<String, f32>,
    /// Fields of the best section it matched.
    pub section: BTreeMap<String, f32>,
    /// Whether the word is the runbook's app id, alias, title, host, IP or URL.
    pub exact_name: bool,
}

/// A runbook in a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunbookSummary {
    /// The application's id.
    pub app: String,
    /// The runbook's title.
    pub title: String,
    /// The file, relative to the root.
    pub path: String,
    /// Who runs the servers.
    pub hosting: Option<Hosting>,
    /// The owning team.
    pub owner: Option<String>,
}

/// Everything `show` prints about one runbook: its facts, its review status, its sections and
/// the one section asked for (the Login section by default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunbookDetails {
    /// The file, relative to the root.
    pub path: String,
    /// The newest commit that changed the file; `null` outside git or before its first commit.
    pub last_change: Option<LastChange>,
    /// Where to edit the file (`edit-url-template` in `book.toml`); `null` without a template.
    pub edit_url: Option<String>,
    /// The sentence to read before picking up the phone, from `hosting`.
    pub advice: Option<String>,
    /// What the front matter says (flattened into this object in JSON).
    #[serde(flatten)]
    pub facts: crate::runbook::Facts,
    /// The moment reachability and review status are given for (RFC 3339, UTC).
    #[serde(default)]
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    /// Index in `contacts` of the first contact, in escalation order, who is reachable at the
    /// moment asked about; `null` when none is (or nobody's hours can be read).
    pub call_first: Option<usize>,
    /// When it was reviewed and whether that is overdue.
    pub review: Review,
    /// Why the runbook may no longer be true; see [`Hit::stale`].
    #[serde(default)]
    pub stale: Vec<String>,
    /// Its table of contents.
    pub sections: Vec<SectionRef>,
    /// The section asked for, or the Login section.
    pub section: Option<SectionText>,
    /// The alerts firing for this runbook now, oldest first (`[]` when none).
    #[serde(default)]
    pub firing: Vec<crate::firing::FiringAlert>,
}

/// When a runbook was reviewed and whether that is overdue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// The date of the last review, from `reviewed:`.
    pub reviewed: Option<chrono::NaiveDate>,
    /// Days a review stays current (`review-every-days`).
    pub every_days: u32,
    /// When the next review is due.
    pub due: Option<chrono::NaiveDate>,
    /// Whether that date has passed.
    pub overdue: bool,
}

/// A section in a table of contents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionRef {
    /// The heading's text.
    pub heading: String,
    /// The anchor the page gives the heading.
    pub anchor: String,
    /// Heading level, 1 to 6.
    pub level: u8,
    /// 1-based line of the heading in the file.
    pub line: u64,
}

/// A section's Markdown, sub-sections included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionText {
    /// The heading's text.
    pub heading: String,
    /// The anchor the page gives the heading.
    pub anchor: String,
    /// 1-based line of the heading in the file.
    pub line: u64,
    /// The section's Markdown.
    pub markdown: String,
}
