//! What one runbook gathers while its documents are visited, and the score it adds up to.

use tantivy::query::Bm25Weight;
use tantivy::{DocId, Score, Term};

use crate::index::plan::{EXACT_NAME, RUNBOOK_LEVEL, TIE_BREAKER, WORD_MATCHED};

/// What one document matched.
pub(super) struct Matched {
    pub(super) words: Vec<Option<Score>>,
    pub(super) exact: Vec<bool>,
    pub(super) whole_name: bool,
    pub(super) phrases: Vec<Option<Score>>,
    pub(super) excluded: bool,
    pub(super) first: bool,
    /// Per word and text term, its frequency in this document.
    pub(super) text_tf: Vec<Vec<u32>>,
}

impl Matched {
    pub(super) fn new(
        words: usize,
        phrases: usize,
        text_terms: &[Vec<(Term, Bm25Weight)>],
    ) -> Matched {
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

    pub(super) fn clear(&mut self) {
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
pub(super) struct Group {
    /// Per word, the score on the runbook document, and the best over its sections with that
    /// section.
    pub(super) runbook_words: Vec<Option<Score>>,
    pub(super) section_words: Vec<Option<(Score, DocId)>>,
    pub(super) exact: Vec<bool>,
    pub(super) whole_name: bool,
    pub(super) runbook_phrases: Vec<Option<Score>>,
    pub(super) section_phrases: Vec<Option<Score>>,
    pub(super) excluded: bool,
    /// The best section's own score and document.
    pub(super) best: Option<(Score, DocId)>,
    /// Per word and text term, its frequency summed over the runbook's sections.
    pub(super) text_tf: Vec<Vec<u32>>,
}

impl Group {
    pub(super) fn new(
        words: usize,
        phrases: usize,
        text_terms: &[Vec<(Term, Bm25Weight)>],
    ) -> Group {
        Group {
            text_tf: text_terms.iter().map(|t| vec![0; t.len()]).collect(),
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

    pub(super) fn reset(&mut self) {
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

    pub(super) fn add(&mut self, doc: DocId, is_runbook: bool, matched: &Matched, list: bool) {
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
    pub(super) fn runbook_score(
        &self,
        length: impl Fn(DocId) -> Score,
        text: &[Score],
    ) -> Option<Score> {
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

    /// Which query words (bit `i` for word `i`) the runbook has anywhere: in its own fields, a
    /// section, or as one of its exact names. A query keeps at most 32 words.
    pub(super) fn covered_words(&self) -> u32 {
        self.runbook_words
            .iter()
            .zip(&self.section_words)
            .zip(&self.exact)
            .enumerate()
            .filter(|(_, ((own, sections), exact))| own.is_some() || sections.is_some() || **exact)
            .fold(0, |mask, (word, _)| {
                mask | u32::try_from(word)
                    .ok()
                    .and_then(|shift| 1u32.checked_shl(shift))
                    .unwrap_or(0)
            })
    }

    /// Whether a word or a name of the query matched anywhere in the runbook.
    pub(super) fn has_positive(&self) -> bool {
        self.runbook_words.iter().any(Option::is_some)
            || self.section_words.iter().any(Option::is_some)
            || self.exact.iter().any(|&e| e)
            || self.whole_name
    }
}

/// tantivy's BM25 parameters.
pub(super) const BM25_K1: Score = 1.2;
pub(super) const BM25_B: Score = 0.75;

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
pub(super) fn combine(one: Option<Score>, other: Option<Score>) -> Score {
    match (one, other) {
        (Some(one), Some(other)) => one.max(other) + TIE_BREAKER * one.min(other),
        (Some(score), None) | (None, Some(score)) => score,
        (None, None) => 0.0,
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
        g.reset();
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
    fn the_words_a_runbook_covers_are_counted_wherever_they_matched() {
        let mut g = group_of(3, 0);
        g.add(1, false, &section(&[None, Some(1.0), None]), false);
        assert_eq!(g.covered_words(), 0b010);
        g.add(2, true, &section(&[Some(2.0), None, None]), false);
        assert_eq!(
            g.covered_words(),
            0b011,
            "the runbook's own fields count too"
        );
        g.exact[2] = true;
        assert_eq!(g.covered_words(), 0b111, "and its exact names");
    }

    #[test]
    fn a_words_text_frequencies_add_up_over_the_runbooks_sections() {
        let weights = [vec![(
            Term::from_field_text(tantivy::schema::Field::from_field_id(0), "lag"),
            Bm25Weight::for_one_term(1, 10, 5.0),
        )]];
        let mut g = Group::new(1, 0, &weights);
        g.reset();
        let mut m = Matched::new(1, 0, &weights);
        m.words[0] = Some(1.0);
        for (doc, tf) in [(1, 2), (2, 3)] {
            m.text_tf[0][0] = tf;
            g.add(doc, false, &m, false);
        }
        m.text_tf[0][0] = 9;
        g.add(3, true, &m, false);
        assert_eq!(
            g.text_tf,
            vec![vec![5]],
            "sections count, the runbook document does not"
        );
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
