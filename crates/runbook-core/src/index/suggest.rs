//! "Did you mean": corrected queries for a search that found nothing.
//!
//! Corrections come from the index's own vocabulary. Words are corrected against the `spelling`
//! field, which holds each runbook's words as written, once per runbook: a suggestion is a word
//! people write (`billing`, not its stem `bill`), and a word's document frequency is the number
//! of runbooks using it. Filter values are corrected against the values of their own field
//! (`owner:team-paymnets` → `owner:team-payments`), and a query that is almost a runbook's
//! name (title, app id, alias, host) against those names. The term dictionaries are searched
//! with a Levenshtein automaton, so the cost does not grow with the number of runbooks.
//!
//! Every suggestion is run before it is offered: none of them finds nothing.

use std::collections::HashMap;
use std::ops::Range;

use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use super::analyzer;
use super::lexical::{finds_anything, ranked_fields};
use super::schema::Fields;
use super::synonyms::Synonyms;
use crate::error::Result;
use crate::query::{self, FilterField};
use crate::runbook::names;

/// Suggestions offered at most.
const MAX_SUGGESTIONS: usize = 3;
/// Corrections considered per word.
const CANDIDATES_PER_WORD: usize = 3;
/// Corrected queries run at most to check that they find something.
const MAX_TRIED: usize = 8;

/// Edits allowed when correcting a word of `chars` characters: more than the search's own typo
/// tolerance (this runs only when that found nothing), none for words too short to tell apart.
fn max_distance(chars: usize) -> u8 {
    match chars {
        0..=2 => 0,
        3..=4 => 1,
        _ => 2,
    }
}

/// What a correction replaces.
#[derive(Debug, Clone)]
enum Target {
    /// A run of letters and digits inside a word or phrase token, by byte range.
    Run(Range<usize>),
    /// The value of a filter token.
    FilterValue(FilterField),
}

/// One place in the query that can be corrected, and its candidates, best first.
#[derive(Debug)]
struct Fix {
    token: usize,
    target: Target,
    candidates: Vec<String>,
}

/// Up to [`MAX_SUGGESTIONS`] corrected forms of `query` that each find at least one runbook.
pub(super) fn suggestions(
    searcher: &Searcher,
    fields: &Fields,
    synonyms: &Synonyms,
    query: &str,
) -> Result<Vec<String>> {
    let tokens = query::tokens(query);
    let fixes = fixes(searcher, fields, &tokens)?;
    let mut found: Vec<String> = Vec::new();
    let offer = |candidate: String, found: &mut Vec<String>| -> Result<()> {
        let new = !candidate.eq_ignore_ascii_case(query.trim())
            && !found.iter().any(|f| f.eq_ignore_ascii_case(&candidate));
        if new && finds_anything(searcher, fields, synonyms, &candidate)? {
            found.push(candidate);
        }
        Ok(())
    };
    for choice in choices(&fixes).into_iter().take(MAX_TRIED) {
        if found.len() >= MAX_SUGGESTIONS {
            break;
        }
        offer(apply(&tokens, &fixes, &choice), &mut found)?;
    }
    if found.len() < MAX_SUGGESTIONS
        && let Some(name) = near_name(searcher, fields, query)?
    {
        offer(name, &mut found)?;
    }
    Ok(found)
}

/// The corrections each token allows. Excluded words and `host:` values are left alone:
/// correcting them cannot make a query find more.
fn fixes(searcher: &Searcher, fields: &Fields, tokens: &[&str]) -> Result<Vec<Fix>> {
    let mut text = analyzer::text_analyzer();
    let mut fixes = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if query::exclusion_of(token).is_some() {
            continue;
        }
        if let Some((filter, value)) = query::filter_of(token) {
            let Some(field) = filter_field(fields, filter) else {
                continue;
            };
            let value = value.trim().to_lowercase();
            if searcher.doc_freq(&Term::from_field_text(field, &value))? > 0 {
                continue;
            }
            let candidates = near_terms(searcher, field, &value)?;
            if !candidates.is_empty() {
                fixes.push(Fix {
                    token: i,
                    target: Target::FilterValue(filter),
                    candidates,
                });
            }
            continue;
        }
        for (range, run) in runs(token) {
            let chars = run.chars().count();
            if max_distance(chars) == 0 || !run.chars().any(char::is_alphabetic) {
                continue;
            }
            let word = run.to_lowercase();
            if is_known(searcher, fields, &mut text, &word)? {
                continue;
            }
            let candidates = near_terms(searcher, fields.spelling, &word)?;
            if !candidates.is_empty() {
                fixes.push(Fix {
                    token: i,
                    target: Target::Run(range),
                    candidates,
                });
            }
        }
    }
    Ok(fixes)
}

/// Which candidate each fix uses, in the order to try: the best everywhere first, then each
/// fix's runners-up in turn.
fn choices(fixes: &[Fix]) -> Vec<Vec<usize>> {
    if fixes.is_empty() {
        return Vec::new();
    }
    let mut out = vec![vec![0; fixes.len()]];
    for (f, fix) in fixes.iter().enumerate() {
        for k in 1..fix.candidates.len() {
            let mut choice = vec![0; fixes.len()];
            choice[f] = k;
            out.push(choice);
        }
    }
    out
}

/// The query with the chosen corrections, its tokens one space apart.
fn apply(tokens: &[&str], fixes: &[Fix], choice: &[usize]) -> String {
    let mut out: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
    // Runs are replaced from the last to the first, so earlier byte ranges stay valid.
    for (fix, &chosen) in fixes.iter().zip(choice).rev() {
        let Some(candidate) = fix.candidates.get(chosen) else {
            continue;
        };
        let Some(token) = out.get_mut(fix.token) else {
            continue;
        };
        match &fix.target {
            Target::Run(range) => {
                if token.get(range.clone()).is_some() {
                    token.replace_range(range.clone(), candidate);
                }
            }
            Target::FilterValue(field) => *token = query::filter_text(*field, candidate),
        }
    }
    out.join(" ")
}

/// The runs of letters and digits in a token, with their byte ranges.
fn runs(token: &str) -> Vec<(Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, ch) in token
        .char_indices()
        .chain(std::iter::once((token.len(), ' ')))
    {
        match (start, ch.is_alphanumeric()) {
            (None, true) => start = Some(i),
            (Some(word_start), false) => {
                out.push((word_start..i, &token[word_start..i]));
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// Whether the runbooks use a word: as written, or in a form the search treats as the same
/// (its stem).
fn is_known(
    searcher: &Searcher,
    fields: &Fields,
    text: &mut tantivy::tokenizer::TextAnalyzer,
    word: &str,
) -> Result<bool> {
    if searcher.doc_freq(&Term::from_field_text(fields.spelling, word))? > 0 {
        return Ok(true);
    }
    let terms = analyzer::terms(text, word);
    if terms.is_empty() {
        return Ok(true);
    }
    for term in &terms {
        let mut used = false;
        for (field, _) in ranked_fields(fields) {
            if searcher.doc_freq(&Term::from_field_text(field, term))? > 0 {
                used = true;
                break;
            }
        }
        if !used {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The field a filter matches, when its values can be corrected.
fn filter_field(fields: &Fields, filter: FilterField) -> Option<Field> {
    match filter {
        FilterField::Owner => Some(fields.owner),
        FilterField::Hosting => Some(fields.hosting),
        FilterField::Tag => Some(fields.tag),
        FilterField::System => Some(fields.system),
        // Host names are analyzed into parts; the plain words of a query correct those.
        FilterField::Host => None,
    }
}

/// A runbook name (title, app id, alias, host) close to the whole query, when the query is
/// plain words only.
fn near_name(searcher: &Searcher, fields: &Fields, query: &str) -> Result<Option<String>> {
    let parsed = query::parse(query);
    if parsed.words.is_empty()
        || !parsed.phrases.is_empty()
        || !parsed.filters.is_empty()
        || !parsed.excluded.is_empty()
    {
        return Ok(None);
    }
    let whole = names::key(&parsed.words.join(" "));
    // Numbers (an IP, a port) are not misspelt names: the nearest other address is no answer.
    if !whole.chars().any(char::is_alphabetic) {
        return Ok(None);
    }
    Ok(near_terms(searcher, fields.keys, &whole)?
        .into_iter()
        .next())
}

/// Terms of `field` within the edit distance [`max_distance`] allows for `word`, closest
/// first, then the most used; at most [`CANDIDATES_PER_WORD`], never `word` itself.
fn near_terms(searcher: &Searcher, field: Field, word: &str) -> Result<Vec<String>> {
    let distance = max_distance(word.chars().count());
    if distance == 0 {
        return Ok(Vec::new());
    }
    let automaton =
        FuzzyTermQuery::new(Term::from_field_text(field, word), distance, true).automaton()?;
    let mut used: HashMap<String, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted
            .terms()
            .search(&automaton)
            .into_stream()
            .map_err(tantivy::TantivyError::from)?;
        while stream.advance() {
            // Terms are UTF-8 as written; anything else is not a word to suggest.
            if let Ok(term) = std::str::from_utf8(stream.key()) {
                *used.entry(term.to_string()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    used.remove(word);
    let mut ranked: Vec<(usize, u64, String)> = used
        .into_iter()
        .map(|(term, docs)| (edit_distance(word, &term), docs, term))
        .collect();
    ranked.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    Ok(ranked
        .into_iter()
        .take(CANDIDATES_PER_WORD)
        .map(|(_, _, term)| term)
        .collect())
}

/// Edit distance counting a swap of two neighbours as one edit, as the automaton does.
fn edit_distance(from: &str, to: &str) -> usize {
    let from: Vec<char> = from.chars().collect();
    let to: Vec<char> = to.chars().collect();
    // Three rows of the optimal string alignment table: two back, one back, this one.
    let mut before: Vec<usize> = vec![0; to.len() + 1];
    let mut previous: Vec<usize> = (0..=to.len()).collect();
    let mut current: Vec<usize> = vec![0; to.len() + 1];
    for i in 1..=from.len() {
        current[0] = i;
        for j in 1..=to.len() {
            let cost = usize::from(from[i - 1] != to[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && from[i - 1] == to[j - 2] && from[i - 2] == to[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[to.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_a_swap_once() {
        assert_eq!(edit_distance("sidekiq", "sidekiq"), 0);
        assert_eq!(edit_distance("sidkiq", "sidekiq"), 1);
        assert_eq!(edit_distance("sideikq", "sidekiq"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn runs_are_letters_and_digits_with_their_bytes() {
        let found: Vec<(Range<usize>, &str)> = runs("\"pg-bounser é1\"");
        assert_eq!(found, [(1..3, "pg"), (4..11, "bounser"), (12..15, "é1")]);
    }

    fn fix(token: usize, target: Target, candidates: &[&str]) -> Fix {
        Fix {
            token,
            target,
            candidates: candidates.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn corrections_replace_runs_and_filter_values_in_place() {
        let tokens = ["\"pg-bounser restrt\"", "owner:team-paymnets", "-old"];
        let fixes = [
            fix(0, Target::Run(4..11), &["bouncer"]),
            fix(0, Target::Run(12..18), &["restart", "restore"]),
            fix(
                1,
                Target::FilterValue(FilterField::Owner),
                &["team-payments"],
            ),
        ];
        let all = choices(&fixes);
        assert_eq!(all, [vec![0, 0, 0], vec![0, 1, 0]]);
        assert_eq!(
            apply(&tokens, &fixes, &all[0]),
            "\"pg-bouncer restart\" owner:team-payments -old"
        );
        assert_eq!(
            apply(&tokens, &fixes, &all[1]),
            "\"pg-bouncer restore\" owner:team-payments -old"
        );
    }
}
