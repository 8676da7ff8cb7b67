//! Recent search answers, kept until the index changes.
//!
//! The support desk asks the same few questions all day ("billing down", a server name), and
//! search-as-you-type sends every prefix of them. An answer is valid until the next commit, so
//! it is kept under the index generation it was computed for and dropped when that changes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::results::SearchResults;

/// Answers kept at most; the cache starts over when full (cheaper than LRU bookkeeping, and a
/// full cache means the traffic is not repetitive anyway).
const MAX_ENTRIES: usize = 2048;

#[derive(Default)]
pub struct SearchCache {
    inner: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    generation: u64,
    answers: HashMap<(String, usize), Arc<SearchResults>>,
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
        let mut entries = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if entries.generation != generation || entries.answers.len() >= MAX_ENTRIES {
            entries.answers.clear();
            entries.generation = generation;
        }
        entries.answers.insert((query.to_string(), limit), results);
    }
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
