//! Fusing a hybrid search's two rankings: how much a runbook's place among the words' hits and
//! among the runbooks nearest in meaning counts, judged on the query itself.
//!
//! Reciprocal rank fusion adds, for each ranking that placed a runbook, a share that shrinks
//! slowly with its place. Each share is weighed by how strong that ranking's evidence is *for
//! this query*, never by a fixed score or cosine, whose meaning changes from one knowledge base
//! and one query to the next:
//!
//! - **words**: the share of the query's words the runbook has anywhere, raised to
//!   [`COVERAGE_POWER`]. A runbook that has one word of four is weak evidence however rare that
//!   word, and must not outrank a section that means what the caller said.
//! - **meaning**: how far the runbook stands out among this query's cosines to every section of
//!   the knowledge base, in standard deviations above their mean (its *standing*). A caller's
//!   short description and a small company's runbooks meet at cosines of 0.2–0.5, an engineer's
//!   query and a large corpus higher; a section 3 deviations above the rest stands out on both.
//!
//! A query about nothing in the knowledge base has cosines that stand out by chance (the best of
//! a hundred sections lies 2–3 deviations above the mean), so standing alone cannot tell it
//! from a real match: meaning also needs the section to be near in plain terms, from
//! [`NEAR_NONE`] (nothing) to [`NEAR_FULL`] (fully). Those floors sit below the cosines of real
//! descriptions and above those of off-topic questions, so it is the standing that ranks.
//!
//! An exact name (app id, alias, host, IP, URL, title) answers first whatever the rankings say.

use rustc_hash::FxHashMap;
use tantivy::DocAddress;

use super::rank::BestSection;

/// The reciprocal rank fusion constant: how little a first place counts more than a tenth. 60 is
/// the method's own; the weights below, not the places, decide most orders.
pub(super) const RRF_K: f32 = 10.0;
/// Runbooks of each ranking that take part.
pub(super) const LEXICAL_DEPTH: usize = 50;
pub(super) const SEMANTIC_DEPTH: usize = 50;
/// Weight of meaning against words, for evidence of equal strength.
pub(super) const SEMANTIC_WEIGHT: f32 = 0.8;
/// The words' weight is the share of the query's words matched, to this power: all words 1.0,
/// three of four 0.42, one of two 0.125, one of four 0.016.
pub(super) const COVERAGE_POWER: i32 = 2;
/// Standing (standard deviations above the query's mean cosine) at which a runbook's nearest
/// section starts to count, and from which it counts fully.
pub const STANDING_NONE: f32 = 0.5;
pub(super) const STANDING_FULL: f32 = 3.5;
/// Cosine at which a section starts to count as near at all, and from which fully.
pub const NEAR_NONE: f32 = 0.20;
pub(super) const NEAR_FULL: f32 = 0.25;
/// Share of a runbook's second-nearest section added to its nearest when ranking by meaning: a
/// runbook that answers in two places is likelier about the query than one near it once.
pub(super) const SECOND_SECTION_SHARE: f32 = 0.2;
/// Added to a runbook the query names exactly: more than fusion alone can give.
const NAMED: f32 = 2.0 * (1.0 + SEMANTIC_WEIGHT);

/// A runbook by meaning: its nearest section, and where it stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct SemanticHit {
    pub(super) runbook_id: u64,
    /// The nearest section, shown when meaning placed the runbook higher than words.
    pub(super) doc: DocAddress,
    /// Cosine of the nearest section.
    pub(super) cosine: f32,
    /// Cosine of the runbook's second-nearest section among the nearest, if any.
    pub(super) second: Option<f32>,
}

impl SemanticHit {
    /// What runbooks are ranked by, by meaning.
    pub(super) fn nearness(&self) -> f32 {
        self.cosine + SECOND_SECTION_SHARE * self.second.unwrap_or(0.0)
    }
}

/// How near every section of the knowledge base is to a query: the mean and standard deviation
/// of its cosines to all of them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spread {
    pub mean: f32,
    pub deviation: f32,
}

impl Spread {
    /// Standard deviations of `cosine` above the mean.
    pub(super) fn standing(&self, cosine: f32) -> f32 {
        (cosine - self.mean) / self.deviation.max(1e-6)
    }
}

/// The words' evidence for one runbook.
#[derive(Debug, Clone, Copy)]
pub(super) struct ByWords<'a> {
    /// 1-based place among the words' hits.
    pub(super) rank: usize,
    pub(super) group: &'a BestSection,
    /// Query words the runbook has.
    pub(super) covered: u32,
    pub(super) weight: f32,
}

/// Meaning's evidence for one runbook.
#[derive(Debug, Clone, Copy)]
pub(super) struct ByMeaning {
    /// 1-based place among the runbooks by meaning.
    pub(super) rank: usize,
    pub(super) hit: SemanticHit,
    pub(super) standing: f32,
    pub(super) weight: f32,
}

/// One runbook in the fused ranking.
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate<'a> {
    pub(super) words: Option<ByWords<'a>>,
    pub(super) meaning: Option<ByMeaning>,
    pub(super) named: bool,
    pub(super) score: f32,
}

impl Candidate<'_> {
    /// The section to show: that of the ranking that placed the runbook higher; a real section
    /// rather than the whole runbook when the words matched none on its own.
    pub(super) fn shown(&self) -> Option<DocAddress> {
        match (self.words, self.meaning) {
            (Some(words), Some(meaning)) => {
                let whole_runbook = words.group.parts.section.is_none();
                Some(if meaning.rank < words.rank || whole_runbook {
                    meaning.hit.doc
                } else {
                    words.group.doc
                })
            }
            (Some(words), None) => Some(words.group.doc),
            (None, Some(meaning)) => Some(meaning.hit.doc),
            (None, None) => None,
        }
    }
}

/// A ranking's share of the fused score for a 1-based `rank`: 1.0 for a first place.
fn reciprocal(rank: usize) -> f32 {
    (RRF_K + 1.0) / (RRF_K + rank as f32)
}

/// `value`'s place between `none` (0.0) and `full` (1.0), clamped.
fn ramp(value: f32, none: f32, full: f32) -> f32 {
    ((value - none) / (full - none)).clamp(0.0, 1.0)
}

/// How much a runbook's place among the words' hits counts: the share of the query's `words`
/// it has (bit `i` of `covered` for word `i`), to [`COVERAGE_POWER`].
pub(super) fn words_weight(covered: u32, words: usize) -> f32 {
    if words == 0 {
        return 0.0;
    }
    let share = (covered.count_ones() as f32 / words as f32).min(1.0);
    share.powi(COVERAGE_POWER)
}

/// How much a runbook's place by meaning counts: how far its nearest section stands out for
/// this query, as long as it is near at all.
pub(super) fn meaning_weight(standing: f32, cosine: f32) -> f32 {
    ramp(standing, STANDING_NONE, STANDING_FULL) * ramp(cosine, NEAR_NONE, NEAR_FULL)
}

/// Both rankings fused, best first; runbooks that meaning alone would add with no weight are left
/// out. `words` is how many words the words' ranking looked for.
pub(super) fn fuse<'a>(
    by_words: &'a [BestSection],
    words: usize,
    by_meaning: &[SemanticHit],
    spread: Spread,
    named: &impl Fn(u64) -> bool,
) -> Vec<Candidate<'a>> {
    let mut by_runbook: FxHashMap<u64, Candidate<'a>> = FxHashMap::default();
    let empty = Candidate {
        words: None,
        meaning: None,
        named: false,
        score: 0.0,
    };
    for (i, group) in by_words.iter().take(LEXICAL_DEPTH).enumerate() {
        let covered = group.covered.count_ones();
        let candidate = by_runbook.entry(group.runbook_id).or_insert(empty);
        candidate.words = Some(ByWords {
            rank: i + 1,
            group,
            covered,
            weight: words_weight(group.covered, words),
        });
        candidate.named = named(group.runbook_id);
    }
    for (i, hit) in by_meaning.iter().take(SEMANTIC_DEPTH).enumerate() {
        let standing = spread.standing(hit.cosine);
        let weight = meaning_weight(standing, hit.cosine);
        if weight <= 0.0 {
            continue;
        }
        by_runbook.entry(hit.runbook_id).or_insert(empty).meaning = Some(ByMeaning {
            rank: i + 1,
            hit: *hit,
            standing,
            weight,
        });
    }
    let mut fused: Vec<Candidate<'a>> = by_runbook
        .into_values()
        .map(|mut c| {
            c.score = c.words.map_or(0.0, |w| w.weight * reciprocal(w.rank))
                + c.meaning
                    .map_or(0.0, |m| SEMANTIC_WEIGHT * m.weight * reciprocal(m.rank));
            if c.named {
                c.score += NAMED;
            }
            c
        })
        .collect();
    let rank = |r: Option<usize>| r.unwrap_or(usize::MAX);
    fused.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| rank(a.words.map(|w| w.rank)).cmp(&rank(b.words.map(|w| w.rank))))
            .then_with(|| rank(a.meaning.map(|m| m.rank)).cmp(&rank(b.meaning.map(|m| m.rank))))
    });
    fused
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::rank::ScoreParts;

    fn doc(n: u32) -> DocAddress {
        DocAddress::new(0, n)
    }

    fn by_words(runbook_id: u64, covered: u32) -> BestSection {
        BestSection {
            runbook_id,
            score: 100.0,
            doc: doc(runbook_id as u32),
            covered,
            parts: ScoreParts {
                runbook: None,
                section: Some((50.0, doc(runbook_id as u32))),
            },
        }
    }

    fn by_meaning(runbook_id: u64, cosine: f32) -> SemanticHit {
        SemanticHit {
            runbook_id,
            doc: doc(100 + runbook_id as u32),
            cosine,
            second: None,
        }
    }

    /// A small knowledge base's cosines to a caller's description: most sections far, a few near.
    const DESK: Spread = Spread {
        mean: 0.10,
        deviation: 0.09,
    };

    fn order(fused: &[Candidate<'_>]) -> Vec<u64> {
        fused
            .iter()
            .map(|c| {
                c.words
                    .map(|w| w.group.runbook_id)
                    .or(c.meaning.map(|m| m.hit.runbook_id))
                    .unwrap_or(0)
            })
            .collect()
    }

    #[test]
    fn the_words_weigh_by_the_share_of_the_query_they_cover() {
        assert_eq!(words_weight(0b1111, 4), 1.0);
        assert_eq!(words_weight(0b0011, 4), 0.25);
        assert_eq!(words_weight(0b0001, 4), 0.0625);
        assert_eq!(words_weight(0, 0), 0.0);
    }

    #[test]
    fn meaning_weighs_by_how_far_a_section_stands_out_not_by_a_fixed_cosine() {
        // The same cosine of 0.33 stands out for a query whose cosines run low, not for one whose
        // cosines all run high.
        let low = Spread {
            mean: 0.05,
            deviation: 0.08,
        };
        let high = Spread {
            mean: 0.30,
            deviation: 0.08,
        };
        let standing_low = low.standing(0.33);
        let standing_high = high.standing(0.33);
        assert!(meaning_weight(standing_low, 0.33) > 0.9, "{standing_low}");
        assert!(meaning_weight(standing_high, 0.33) < 0.1, "{standing_high}");
    }

    #[test]
    fn a_section_near_in_no_plain_sense_counts_for_nothing_however_it_stands_out() {
        // A query about nothing: every cosine is small, the best stands out only by chance.
        let nothing = Spread {
            mean: 0.0,
            deviation: 0.05,
        };
        assert_eq!(meaning_weight(nothing.standing(0.18), 0.18), 0.0);
        let fused = fuse(&[], 4, &[by_meaning(1, 0.18)], nothing, &|_| false);
        assert!(fused.is_empty(), "meaning alone adds nothing");
    }

    #[test]
    fn a_weak_one_word_match_does_not_outrank_a_section_that_stands_out_in_meaning() {
        // The words rank runbook 1 first on one word of four; meaning ranks runbook 2 first, its
        // section 2.6 deviations above the rest.
        let words = [by_words(1, 0b0001)];
        let meaning = [by_meaning(2, 0.33), by_meaning(1, 0.15)];
        let fused = fuse(&words, 4, &meaning, DESK, &|_| false);
        assert_eq!(order(&fused), [2, 1]);
    }

    #[test]
    fn a_runbook_that_has_every_word_keeps_its_place_against_a_near_section() {
        let words = [by_words(1, 0b1111)];
        let meaning = [by_meaning(2, 0.33)];
        let fused = fuse(&words, 4, &meaning, DESK, &|_| false);
        assert_eq!(order(&fused), [1, 2]);
    }

    #[test]
    fn a_runbook_named_exactly_comes_first_whatever_the_rankings_say() {
        let words = [by_words(1, 0b1111), by_words(3, 0b0001)];
        let meaning = [by_meaning(2, 0.50)];
        let fused = fuse(&words, 4, &meaning, DESK, &|id| id == 3);
        assert_eq!(order(&fused)[0], 3);
        assert!(fused[0].named);
    }

    #[test]
    fn a_second_near_section_ranks_a_runbook_above_one_near_once() {
        let mut twice = by_meaning(1, 0.30);
        twice.second = Some(0.29);
        let once = by_meaning(2, 0.31);
        assert!(twice.nearness() > once.nearness());
    }

    #[test]
    fn the_section_shown_is_that_of_the_ranking_that_placed_the_runbook_higher() {
        let words = [by_words(9, 0b1), by_words(1, 0b1)];
        let meaning = [by_meaning(1, 0.45)];
        let fused = fuse(&words, 1, &meaning, DESK, &|_| false);
        let one = fused
            .iter()
            .find(|c| c.words.is_some_and(|w| w.group.runbook_id == 1))
            .expect("runbook 1 is fused");
        assert_eq!(one.shown(), Some(doc(101)), "meaning placed it first");
    }
}
