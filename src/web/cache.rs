//! Recent search answers, kept until the index changes.
//!
//! The support desk asks the same few questions all day ("billing down", a server name), and
//! search-as-you-type sends every prefix of them. An answer is valid until the next commit, so
//! it is kept under the index generation it was computed for and dropped when that changes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use runbook_core::results::SearchResults;

/// Answers kept at most; the cache starts over when full (cheaper than LRU bookkeeping, and a
/// full cache means the traffic is not repetitive anyway).
pub const MAX_ENTRIES: usize = 2048;
/// Bytes of answers kept at most (as [`approximate_size`] counts them): an answer card carries
/// a whole Login section, so a count alone would not bound memory.
pub const MAX_BYTES: usize = 32 << 20;

#[derive(Default)]
pub struct SearchCache {
    inner: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    generation: u64,
    answers: HashMap<(String, usize), Arc<SearchResults>>,
    /// [`approximate_size`] of every answer kept.
    bytes: usize,
}

impl SearchCache {
    /// The answer to `query` computed at index `generation`, if there is one.
    pub fn get(&self, generation: u64, query: &str, limit: usize) -> Option<Arc<SearchResults>> {
        let entries = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if entries.generation != generation {
            return None;
        }
        entries.answers.get(&(query.to_string(), limit)).cloned()
    }

    /// Remembers an answer computed at index `generation`.
    pub fn put(&self, generation: u64, query: &str, limit: usize, results: Arc<SearchResults>) {
        let size = approximate_size(query, &results);
        if size > MAX_BYTES {
            return;
        }
        let mut entries = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if entries.generation != generation
            || entries.answers.len() >= MAX_ENTRIES
            || entries.bytes + size > MAX_BYTES
        {
            entries.answers.clear();
            entries.bytes = 0;
            entries.generation = generation;
        }
        if let Some(old) = entries.answers.insert((query.to_string(), limit), results) {
            entries.bytes = entries.bytes.saturating_sub(approximate_size(query, &old));
        }
        entries.bytes += size;
    }

    /// Answers and bytes kept now.
    pub fn usage(&self) -> (usize, usize) {
        let entries = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        (entries.answers.len(), entries.bytes)
    }
}

/// Roughly the heap bytes of a cached answer: its text, plus a fixed share per hit and value
/// for the allocations around it. An estimate, not an exact count; it only has to grow with
/// what the answer holds.
fn approximate_size(query: &str, results: &SearchResults) -> usize {
    const PER_VALUE: usize = 64;
    let hits: usize = results
        .hits
        .iter()
        .map(|hit| {
            hit.app.len()
                + hit.title.len()
                + hit.path.len()
                + hit.section.len()
                + hit.anchor.len()
                + hit.snippet.len()
                + hit.stale.iter().map(String::len).sum::<usize>()
                + hit.firing.iter().map(String::len).sum::<usize>()
                + 8 * PER_VALUE
        })
        .sum();
    let answer = results.answer.as_ref().map_or(0, |answer| {
        let facts = serde_json::to_vec(&answer.facts).map_or(0, |json| json.len());
        let section = answer.section.as_ref().map_or(0, |s| s.markdown.len());
        let firing = answer.firing.len() * 8 * PER_VALUE;
        facts + section + firing + answer.sections.len() * 2 * PER_VALUE + PER_VALUE
    });
    let facets =
        (results.facets.hosting.len() + results.facets.owner.len() + results.facets.tag.len())
            * 2
            * PER_VALUE;
    let suggestions: usize = results
        .suggestions
        .iter()
        .map(|s| s.len() + PER_VALUE)
        .sum();
    2 * query.len() + results.query.len() + hits + answer + facets + suggestions + 4 * PER_VALUE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results(query: &str) -> Arc<SearchResults> {
        Arc::new(SearchResults {
            query: query.into(),
            total: 0,
            took_ms: 0.0,
            hits: Vec::new(),
            answer: None,
            facets: Default::default(),
            suggestions: Vec::new(),
        })
    }

    #[test]
    fn the_cache_stays_within_its_count_and_its_bytes() {
        let cache = SearchCache::default();
        for i in 0..3 * MAX_ENTRIES {
            cache.put(1, &format!("query {i}"), 10, results("q"));
            let (answers, bytes) = cache.usage();
            assert!(answers <= MAX_ENTRIES && bytes <= MAX_BYTES);
        }
        let mut big = (*results("big")).clone();
        big.suggestions = vec!["x".repeat(MAX_BYTES / 8); 4];
        for i in 0..8 {
            cache.put(1, &format!("big {i}"), 10, Arc::new(big.clone()));
            let (answers, bytes) = cache.usage();
            assert!(bytes <= MAX_BYTES, "{bytes} bytes in {answers} answers");
        }
        let (_, bytes) = cache.usage();
        assert!(
            bytes >= MAX_BYTES / 2,
            "big answers are kept while they fit: {bytes}"
        );
    }

    #[test]
    fn an_answer_is_kept_until_the_index_changes() {
        let cache = SearchCache::default();
        cache.put(1, "billing", 10, results("billing"));
        assert!(cache.get(1, "billing", 10).is_some());
        assert!(
            cache.get(1, "billing", 5).is_none(),
            "another limit is another answer"
        );
        assert!(
            cache.get(2, "billing", 10).is_none(),
            "stale after a commit"
        );
        cache.put(2, "vpn", 10, results("vpn"));
        assert!(cache.get(2, "billing", 10).is_none());
        assert!(cache.get(2, "vpn", 10).is_some());
    }
}
