//! A collector that keeps the best-scoring section of each runbook.
//!
//! Sections are indexed separately so a result can land on the one that answers; people want one
//! hit per runbook. Grouping in the collector (rather than cutting a top-k of sections first)
//! means a runbook is never lost because its sections crowded each other out, and `total` is the
//! number of runbooks that matched.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// Runbook ids are already hashes (xxh3 of the path): hashing them again, as the default
/// SipHash does for every matching section, is wasted work on the hot path of every search.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed here; fold anything else in rather than panic.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, id: u64) {
        self.0 = id;
    }
}

/// A map keyed by runbook id.
pub type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

/// The best section of one runbook.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BestSection {
    pub runbook_id: u64,
    pub score: Score,
    pub doc: DocAddress,
}

/// Collects [`BestSection`]s, keyed by the fast field `runbook_id`.
pub struct BestSectionPerRunbook {
    pub field: &'static str,
}

pub struct SegmentBest {
    ids: Column<u64>,
    segment: SegmentOrdinal,
    best: IdMap<(Score, DocId)>,
}

impl Collector for BestSectionPerRunbook {
    type Fruit = Vec<BestSection>;
    type Child = SegmentBest;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentBest> {
        Ok(SegmentBest {
            ids: reader.fast_fields().u64(self.field)?,
            segment,
            best: IdMap::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<BestSection>>) -> tantivy::Result<Vec<BestSection>> {
        let mut best: IdMap<BestSection> = IdMap::default();
        for hit in fruits.into_iter().flatten() {
            best.entry(hit.runbook_id)
                .and_modify(|b| {
                    if better(hit.score, hit.doc, b.score, b.doc) {
                        *b = hit;
                    }
                })
                .or_insert(hit);
        }
        let mut hits: Vec<BestSection> = best.into_values().collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
        Ok(hits)
    }
}

/// Higher score wins; on a tie the earlier section (lower address) wins, so results are stable.
fn better(score: Score, doc: DocAddress, best_score: Score, best_doc: DocAddress) -> bool {
    score > best_score || (score == best_score && doc < best_doc)
}

impl SegmentCollector for SegmentBest {
    type Fruit = Vec<BestSection>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let Some(id) = self.ids.first(doc) else {
            return;
        };
        self.best
            .entry(id)
            .and_modify(|(s, d)| {
                if score > *s {
                    *s = score;
                    *d = doc;
                }
            })
            .or_insert((score, doc));
    }

    fn harvest(self) -> Vec<BestSection> {
        let segment = self.segment;
        self.best
            .into_iter()
            .map(|(runbook_id, (score, doc))| BestSection {
                runbook_id,
                score,
                doc: DocAddress::new(segment, doc),
            })
            .collect()
    }
}
