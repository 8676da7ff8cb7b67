//! The words-only build (`--no-default-features`): no sentence model is compiled in, search by
//! meaning says why it is unavailable, and every search is the words' search.

use runbook_core::semantic::State;
use runbook_core::{SearchMode, SearchRequest};

use crate::harness::Kb;

#[test]
fn a_build_without_the_model_says_so_and_answers_by_words() {
    let kb = Kb::examples();
    let knowledge_base = kb.knowledge_base();
    assert!(!knowledge_base.load_model());
    let status = knowledge_base.semantic_status();
    assert_eq!(status.state, State::Unavailable);
    assert!(
        status
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("without the sentence model")),
        "{status:?}"
    );
    for query in ["cannot log in to the ledger", "vpn", "who owns billing"] {
        let hybrid = knowledge_base
            .search(&SearchRequest::new(query))
            .expect("search");
        let words = knowledge_base
            .search(&SearchRequest::new(query).mode(SearchMode::Lexical))
            .expect("search");
        assert_eq!(hybrid.hits, words.hits, "{query:?}");
    }
}
