//! A query whose matches score the wrapped query's score plus a fixed bonus.
//!
//! Ranking gives every matched query word a flat [`super::search`] bonus on top of its BM25 score,
//! so that matching every word beats matching some. Written as the sum of the query and a
//! `ConstScoreQuery` of a clone of it, each word's postings (its fuzzy and prefix expansions
//! included) were read twice; this reads them once.

use std::fmt;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{
    COLLECT_BLOCK_BUFFER_LEN, DocId, DocSet, Score, SeekDangerResult, SegmentReader, Term,
};

/// Matches what `query` matches; scores its score plus `bonus`.
pub struct BonusQuery {
    query: Box<dyn Query>,
    bonus: Score,
}

impl BonusQuery {
    pub fn new(query: Box<dyn Query>, bonus: Score) -> BonusQuery {
        BonusQuery { query, bonus }
    }
}

impl Clone for BonusQuery {
    fn clone(&self) -> Self {
        BonusQuery {
            query: self.query.box_clone(),
            bonus: self.bonus,
        }
    }
}

impl fmt::Debug for BonusQuery {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Bonus(bonus={}, query={:?})", self.bonus, self.query)
    }
}

impl Query for BonusQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let scoring = enable_scoring.is_scoring_enabled();
        let inner = self.query.weight(enable_scoring)?;
        Ok(if scoring {
            Box::new(BonusWeight {
                inner,
                bonus: self.bonus,
            })
        } else {
            inner
        })
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor);
    }
}

struct BonusWeight {
    inner: Box<dyn Weight>,
    bonus: Score,
}

impl Weight for BonusWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(BonusScorer {
            inner: self.inner.scorer(reader, boost)?,
            bonus: boost * self.bonus,
        }))
    }

    fn scorer_danger(
        &self,
        reader: &SegmentReader,
        target: DocId,
        boost: Score,
    ) -> tantivy::Result<(SeekDangerResult, Box<dyn Scorer>)> {
        let (found, inner) = self.inner.scorer_danger(reader, target, boost)?;
        let scorer = BonusScorer {
            inner,
            bonus: boost * self.bonus,
        };
        Ok((found, Box::new(scorer)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let inner = self.inner.explain(reader, doc)?;
        let mut explanation = Explanation::new("Bonus", inner.value() + self.bonus);
        explanation.add_const("bonus", self.bonus);
        explanation.add_detail(inner);
        Ok(explanation)
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.inner.count(reader)
    }
}

struct BonusScorer {
    inner: Box<dyn Scorer>,
    bonus: Score,
}

impl DocSet for BonusScorer {
    fn advance(&mut self) -> DocId {
        self.inner.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.inner.seek(target)
    }

    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        self.inner.seek_danger(target)
    }

    fn fill_buffer(&mut self, buffer: &mut [DocId; COLLECT_BLOCK_BUFFER_LEN]) -> usize {
        self.inner.fill_buffer(buffer)
    }

    fn doc(&self) -> DocId {
        self.inner.doc()
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }

    fn cost(&self) -> u64 {
        self.inner.cost()
    }
}

impl Scorer for BonusScorer {
    fn score(&mut self) -> Score {
        self.inner.score() + self.bonus
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::{ConstScoreQuery, TermQuery};
    use tantivy::schema::{Field, IndexRecordOption, Schema, TEXT};
    use tantivy::{Index, IndexWriter, TantivyDocument, doc};

    use super::*;

    fn scores(query: &dyn Query) -> Vec<Score> {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter<TantivyDocument> = index.writer(15_000_000).expect("writer");
        for text in ["disk full", "disk disk disk", "network"] {
            writer.add_document(doc!(body => text)).expect("add");
        }
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        let mut found: Vec<Score> = searcher
            .search(query, &TopDocs::with_limit(10).order_by_score())
            .expect("search")
            .into_iter()
            .map(|(score, _)| score)
            .collect();
        found.sort_by(|a, b| a.total_cmp(b));
        found
    }

    /// `disk` in the one field of the index `scores` builds.
    fn disk() -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(Field::from_field_id(0), "disk"),
            IndexRecordOption::WithFreqs,
        ))
    }

    #[test]
    fn scores_the_query_plus_the_bonus_on_the_same_documents() {
        let plain = scores(disk().as_ref());
        let with_bonus = scores(&BonusQuery::new(disk(), 25.0));
        assert_eq!(plain.len(), 2, "network does not match");
        let expected: Vec<Score> = plain.iter().map(|s| s + 25.0).collect();
        assert_eq!(with_bonus, expected);
    }

    #[test]
    fn equals_the_sum_it_replaces() {
        use tantivy::query::{BooleanQuery, Occur};
        let sum = BooleanQuery::new(vec![
            (Occur::Should, disk()),
            (
                Occur::Should,
                Box::new(ConstScoreQuery::new(disk(), 25.0)) as Box<dyn Query>,
            ),
        ]);
        let bonus = BooleanQuery::new(vec![(
            Occur::Should,
            Box::new(BonusQuery::new(disk(), 25.0)) as Box<dyn Query>,
        )]);
        for (a, b) in scores(&sum).iter().zip(scores(&bonus)) {
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
    }
}
