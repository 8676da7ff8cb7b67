//! Other ways of writing a query word that count as the word: its synonyms, the word without
//! its hyphens, and the word run together with a neighbour.

use super::analyzer::phrase_terms;
use super::synonyms::Synonyms;

/// A synonym is good evidence, but the caller's own word is better.
const SYNONYM_WEIGHT: f32 = 0.8;
/// A run-together or hyphen-less form of the caller's words.
const JOINED_WEIGHT: f32 = 0.9;

/// Another way of writing a query word: its terms (on consecutive positions when more than one)
/// and how much a match counts next to the word itself.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Alternative {
    pub(super) terms: Vec<(usize, String)>,
    pub(super) weight: f32,
}

/// Other ways to write query word `words[index]`: its synonyms; the word without its hyphens or
/// underscores (`on-call` → `oncall`); the word run together with its neighbour (`crypto mining`
/// → `cryptomining`, `data base` → `database`), and the synonyms of the two-word phrase it forms
/// with a neighbour (`load balancer` → `lb`). A match of a two-word form counts for both words.
pub(super) fn alternatives(
    words: &[&str],
    index: usize,
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
    let word = words[index];
    for synonym in synonyms.of(word) {
        push(synonym, SYNONYM_WEIGHT, analyzer);
    }
    let joined: String = word.chars().filter(|c| !matches!(c, '-' | '_')).collect();
    if joined != word && joined.chars().all(char::is_alphanumeric) {
        push(&joined, JOINED_WEIGHT, analyzer);
    }
    let neighbours = [
        index.checked_sub(1).map(|p| (p, index)),
        Some((index, index + 1)),
    ];
    for (left, right) in neighbours.into_iter().flatten() {
        let (Some(first), Some(second)) = (words.get(left), words.get(right)) else {
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
