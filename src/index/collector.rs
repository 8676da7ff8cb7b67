//! A collector that turns matching documents into one hit per runbook.
//!
//! Sections are indexed separately so a result can land on the one that answers; people want one
//! hit per runbook. Grouping in the collector (rather than cutting a top-k of sections first)
//! means a runbook is never lost because its sections crowded each other out, and `total` is the
//! number of runbooks that matched.
//!
//! In [`Grouping::Combined`] mode (plain searches) a runbook's score is its whole-runbook
//! document's score plus a share of its best section's: the first rewards covering every query
//! word somewhere in the runbook, the second a section that says it all in one place. A runbook
//! whose whole-runbook document did not match is dropped: that is what makes an excluded word
//! exclude the runbook, not just the sections that mention it.
//!
//! Asked to, it also counts facets (see [`super::facets`]) over every runbook it keeps, not only
//! the page of hits shown.
//!
//! The indexer writes each runbook's documents as one batch, so they sit next to each other in a
//! single segment (merges keep them so). Documents reach a segment collector in id order, so a
//! runbook's matches arrive together: grouping is a comparison with the previous document rather
//! than a hash-map lookup per matching section, and segments never need merging by runbook. That
//! was a third of the time of a broad search.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::facets::{FacetCounts, SegmentFacets};
use super::schema::KIND_RUNBOOK;

/// The best section of one runbook.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BestSection {
    pub runbook_id: u64,
    /// The runbook's final score.
    pub score: Score,
    /// The document to show: the best section, else the whole-runbook document.
    pub doc: DocAddress,
    /// The parts of `score`.
    pub parts: ScoreParts,
}

/// Where a runbook's score came from: the whole-runbook document and the best section, each
/// with its score, when they matched.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ScoreParts {
    pub runbook: Option<(Score, DocAddress)>,
    pub section: Option<(Score, DocAddress)>,
}

/// How documents become runbook hits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Grouping {
    /// The best section per runbook; whole-runbook documents are not expected to match.
    BestSection,
    /// Whole-runbook score plus `section_weight` times the best section's score; only runbooks
    /// whose whole-runbook document matched.
    Combined { section_weight: Score },
}

/// Collects [`BestSection`]s, grouped by the fast field `runbook_id`.
pub struct BestSectionPerRunbook {
    pub grouping: Grouping,
    /// Count facets too. Only meaningful with [`Grouping::Combined`], where the whole-runbook
    /// documents that match are exactly the runbooks kept.
    pub facets: bool,
    /// How many of the best hits to keep (all are counted in [`Grouped::total`]).
    pub keep: usize,
}

impl BestSectionPerRunbook {
    /// Every matching runbook as a hit, without facets: for lookups and listings.
    pub fn hits_only(grouping: Grouping) -> BestSectionPerRunbook {
        BestSectionPerRunbook {
            grouping,
            facets: false,
            keep: usize::MAX,
        }
    }
}

/// What the collector gathers: the best hits, best first, how many runbooks matched in all, and
/// facet counts when asked for.
#[derive(Debug, Default)]
pub struct Grouped {
    pub hits: Vec<BestSection>,
    pub total: usize,
    pub facets: FacetCounts,
}

/// What one runbook has gathered so far.
#[derive(Debug, Clone, Copy, Default)]
pub struct Partial {
    runbook: Option<(Score, DocAddress)>,
    section: Option<(Score, DocAddress)>,
}

impl Partial {
    fn add(&mut self, is_runbook: bool, score: Score, doc: DocAddress) {
        let slot = if is_runbook {
            &mut self.runbook
        } else {
            &mut self.section
        };
        if slot.is_none_or(|(s, d)| better(score, doc, s, d)) {
            *slot = Some((score, doc));
        }
    }

    fn finish(self, runbook_id: u64, grouping: Grouping) -> Option<BestSection> {
        let parts = ScoreParts {
            runbook: self.runbook,
            section: self.section,
        };
        let (score, doc) = match grouping {
            Grouping::BestSection => self.section.or(self.runbook)?,
            Grouping::Combined { section_weight } => {
                let (runbook_score, runbook_doc) = self.runbook?;
                match self.section {
                    Some((s, d)) => (runbook_score + section_weight * s, d),
                    None => (runbook_score, runbook_doc),
                }
            }
        };
        Some(BestSection {
            runbook_id,
            score,
            doc,
            parts,
        })
    }
}

pub struct SegmentBest {
    ids: Column<u64>,
    kinds: Column<u64>,
    segment: SegmentOrdinal,
    grouping: Grouping,
    /// The runbook whose documents are arriving now.
    current: Option<(u64, Partial)>,
    finished: Vec<BestSection>,
    facets: Option<SegmentFacets>,
}

impl SegmentBest {
    fn finish_current(&mut self) {
        if let Some((id, partial)) = self.current.take()
            && let Some(hit) = partial.finish(id, self.grouping)
        {
            self.finished.push(hit);
        }
    }
}

impl Collector for BestSectionPerRunbook {
    type Fruit = Grouped;
    type Child = SegmentBest;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentBest> {
        Ok(SegmentBest {
            ids: reader.fast_fields().u64("runbook_id")?,
            kinds: reader.fast_fields().u64("kind")?,
            segment,
            grouping: self.grouping,
            current: None,
            finished: Vec::new(),
            facets: if self.facets {
                Some(SegmentFacets::open(reader)?)
            } else {
                None
            },
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Grouped> {
        let mut facets = FacetCounts::default();
        let mut hits = Vec::with_capacity(fruits.iter().map(|f| f.hits.len()).sum());
        for fruit in fruits {
            hits.extend(fruit.hits);
            facets.add(fruit.facets);
        }
        let total = hits.len();
        let order =
            |a: &BestSection, b: &BestSection| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc));
        // Only the page asked for is sorted: a broad word matches most of a large knowledge base.
        if self.keep < hits.len() {
            hits.select_nth_unstable_by(self.keep, order);
            hits.truncate(self.keep);
        }
        hits.sort_unstable_by(order);
        Ok(Grouped {
            hits,
            total,
            facets,
        })
    }
}

/// What one segment gathered.
pub struct SegmentFruit {
    hits: Vec<BestSection>,
    facets: Vec<(String, u32)>,
}

/// Higher score wins; on a tie the earlier document (lower address) wins, so results are stable.
fn better(score: Score, doc: DocAddress, best_score: Score, best_doc: DocAddress) -> bool {
    score > best_score || (score == best_score && doc < best_doc)
}

impl SegmentCollector for SegmentBest {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        let Some(id) = self.ids.first(doc) else {
            return;
        };
        let is_runbook = self.kinds.first(doc) == Some(KIND_RUNBOOK);
        if is_runbook && let Some(facets) = &mut self.facets {
            facets.count(doc);
        }
        if self.current.is_none_or(|(current, _)| current != id) {
            self.finish_current();
            self.current = Some((id, Partial::default()));
        }
        if let Some((_, partial)) = &mut self.current {
            partial.add(is_runbook, score, DocAddress::new(self.segment, doc));
        }
    }

    fn harvest(mut self) -> SegmentFruit {
        self.finish_current();
        SegmentFruit {
            hits: self.finished,
            facets: self.facets.map(SegmentFacets::harvest).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(doc: u32) -> DocAddress {
        DocAddress::new(0, doc)
    }

    #[test]
    fn combined_adds_a_share_of_the_best_section() {
        let mut p = Partial::default();
        p.add(false, 2.0, at(1));
        p.add(false, 5.0, at(2));
        p.add(true, 10.0, at(9));
        let hit = p
            .finish(
                7,
                Grouping::Combined {
                    section_weight: 0.5,
                },
            )
            .expect("hit");
        assert_eq!(hit.score, 12.5);
        assert_eq!(hit.doc, at(2));
        assert_eq!(hit.parts.runbook, Some((10.0, at(9))));
        assert_eq!(hit.parts.section, Some((5.0, at(2))));
    }

    #[test]
    fn combined_needs_the_whole_runbook_to_match() {
        let mut p = Partial::default();
        p.add(false, 5.0, at(2));
        assert_eq!(
            p.finish(
                7,
                Grouping::Combined {
                    section_weight: 0.5
                }
            ),
            None
        );
        assert!(p.finish(7, Grouping::BestSection).is_some());
    }

    #[test]
    fn combined_without_a_section_shows_the_runbook_document() {
        let mut p = Partial::default();
        p.add(true, 3.0, at(9));
        let hit = p
            .finish(
                7,
                Grouping::Combined {
                    section_weight: 0.5,
                },
            )
            .expect("hit");
        assert_eq!((hit.score, hit.doc), (3.0, at(9)));
    }

    #[test]
    fn ties_keep_the_earlier_section_whatever_the_order_they_arrive_in() {
        let mut a = Partial::default();
        a.add(false, 1.0, at(5));
        a.add(false, 1.0, at(3));
        let hit = a.finish(1, Grouping::BestSection).expect("hit");
        assert_eq!(hit.doc, at(3));
    }
}
