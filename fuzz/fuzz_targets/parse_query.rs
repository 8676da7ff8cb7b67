//! Any text as a search query: the query language parser and both analyzers (prose and
//! identifiers) must accept it without panicking.

#![no_main]

use libfuzzer_sys::fuzz_target;
use runbook_core::query;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = query::parse(text);
    assert!(parsed.words.len() <= query::MAX_PARTS);
    for word in parsed.words.iter().chain(&parsed.phrases) {
        let _ = runbook_core::index_terms(word);
    }
    let _ = runbook_core::index_terms(text);
});
