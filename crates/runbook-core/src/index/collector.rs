//! Collecting the best document of each runbook a simple query matches: for lookups and
//! listings, which need no ranking (a plain search is ranked by [`super::rank`]).

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::rank::{BestSection, ScoreParts};

/// Every runbook a simple query (exact names, first sections) matches, at its best matching
/// document: for lookups and listings, which need no ranking.
pub(super) struct BestDocPerRunbook;

pub(super) struct SegmentBestDoc {
    ids: Column<u64>,
    segment: SegmentOrdinal,
    current: Option<(u64, Score, DocId)>,
    finished: Vec<BestSection>,
}

impl SegmentBestDoc {
    fn finish_current(&mut self) {
        if let Some((runbook_id, score, doc)) = self.current.take() {
            let doc = DocAddress::new(self.segment, doc);
            self.finished.push(BestSection {
                runbook_id,
                score,
                doc,
                covered: 0,
                parts: ScoreParts {
                    runbook: None,
                    section: Some((score, doc)),
                },
            });
        }
    }
}

impl Collector for BestDocPerRunbook {
    type Fruit = Vec<BestSection>;
    type Child = SegmentBestDoc;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentBestDoc> {
        Ok(SegmentBestDoc {
            ids: reader.fast_fields().u64("runbook_id")?,
            segment,
            current: None,
            finished: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<BestSection>>) -> tantivy::Result<Vec<BestSection>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentBestDoc {
    type Fruit = Vec<BestSection>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let Some(id) = self.ids.first(doc) else {
            return;
        };
        match &mut self.current {
            Some((current, best, best_doc)) if *current == id => {
                // Documents arrive in id order: on a tie the earlier one stays.
                if score > *best {
                    (*best, *best_doc) = (score, doc);
                }
            }
            _ => {
                self.finish_current();
                self.current = Some((id, score, doc));
            }
        }
    }

    fn harvest(mut self) -> Vec<BestSection> {
        self.finish_current();
        self.finished
    }
}
