//! The index's sections as the sentence-vector cache sees them: each section's content key, and
//! the text of those that still need a vector.
//!
//! The key ([`super::documents::section_key`]) is a hash of the runbook title, heading path and
//! text, so a section whose words did not change keeps its vector across edits of its runbook,
//! re-indexing and restarts.

use rustc_hash::FxHashSet;
use tantivy::TantivyDocument;
use tantivy::schema::Value;

use super::SearchIndex;
use crate::error::Result;

/// A section that has no vector yet: its key and what the vector is computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionSource {
    pub key: u64,
    pub title: String,
    /// The headings above it and its own, ` › ` apart.
    pub heading: String,
    pub body: String,
}

impl SearchIndex {
    /// The content key of every section in the index.
    pub fn section_keys(&self) -> Result<FxHashSet<u64>> {
        let searcher = self.reader().searcher();
        let mut keys = FxHashSet::default();
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64("section_key")?;
            let alive = segment.alive_bitset();
            for doc in 0..segment.max_doc() {
                if alive.is_some_and(|a| !a.is_alive(doc)) {
                    continue;
                }
                // Whole-runbook documents have no key.
                if let Some(key) = column.first(doc) {
                    keys.insert(key);
                }
            }
        }
        Ok(keys)
    }

    /// Every section whose key `known` does not accept, once per key, with its text.
    pub fn sections_without(&self, known: impl Fn(u64) -> bool) -> Result<Vec<SectionSource>> {
        let searcher = self.reader().searcher();
        let fields = self.fields();
        let mut seen = FxHashSet::default();
        let mut out = Vec::new();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let column = segment.fast_fields().u64("section_key")?;
            let alive = segment.alive_bitset();
            for doc in 0..segment.max_doc() {
                if alive.is_some_and(|a| !a.is_alive(doc)) {
                    continue;
                }
                let Some(key) = column.first(doc) else {
                    continue;
                };
                if known(key) || !seen.insert(key) {
                    continue;
                }
                let stored: TantivyDocument =
                    searcher.doc(tantivy::DocAddress::new(ord as u32, doc))?;
                let text = |field| {
                    stored
                        .get_first(field)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_string()
                };
                out.push(SectionSource {
                    key,
                    title: text(fields.title),
                    heading: text(fields.heading),
                    body: text(fields.body),
                });
            }
        }
        Ok(out)
    }
}
