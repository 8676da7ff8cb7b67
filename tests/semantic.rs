//! Search by meaning: the sentence model finds what a caller describes in words the runbook does
//! not use, never changes what a name finds, and its vectors are a cache like the index.

use runbook_core::SearchRequest;
use runbook_core::semantic::State;
use runbook_core::{Book, KnowledgeBase, SearchMode};

use crate::harness::Kb;
use crate::harness::server::Server;

const PAYROLL: &str = "---
title: Payroll
app: payroll
hosting: self
owner: team-finance
urls: [https://payroll.example.com]
---
# Payroll

## Login

Open https://payroll.example.com and sign on with the company identity provider.

## Account locked after credential rotation

When the directory rotates service credentials, stale sessions are rejected and the lockout
counter trips. Unlock the account from the admin console, then ask the user to authenticate
again.
";

const SHIPPING: &str = "---
title: Shipping integration
app: shipping
hosting: vendor
owner: team-logistics
---
# Shipping integration

## Login

The carrier portal is run by the vendor; open a ticket with their support desk.

## Order sync backlog

If the integration queue stalls, dispatch notes are not created downstream and couriers collect
nothing. Check the backlog gauge and restart the consumer.
";

const MAIL: &str = "---
title: Mail relay
app: mail-relay
hosting: self
owner: team-platform
---
# Mail relay

## Bounced messages

Outbound messages are refused by receiving domains when the SPF record is stale. Publish the
current relay addresses in DNS.

## Disk full

The spool volume fills when a downstream domain defers for hours. Purge deferred items older
than a day.
";

const PRINTING: &str = "---
title: Office printing
app: printing
hosting: saas
owner: team-workplace
---
# Office printing

## Paper jam

Open tray two, remove the crumpled sheet and close the cover firmly.

## Toner

Order cartridges through the facilities catalogue.
";

fn kb() -> Kb {
    Kb::with(&[
        ("payroll.md", PAYROLL),
        ("shipping.md", SHIPPING),
        ("mail.md", MAIL),
        ("printing.md", PRINTING),
    ])
}

/// The knowledge base opened in process, indexed, with every section's vector computed.
fn open(kb: &Kb) -> KnowledgeBase {
    let knowledge_base = kb.knowledge_base();
    knowledge_base.embed(None, &mut |_, _| {}).expect("embed");
    knowledge_base
}

fn paths(kb: &KnowledgeBase, query: &str, mode: SearchMode) -> Vec<String> {
    kb.search(&SearchRequest::new(query).limit(10).mode(mode))
        .expect("search")
        .hits
        .into_iter()
        .map(|h| h.path)
        .collect()
}

/// Symptom phrasings that share no word with the section that answers them.
const DESCRIBED: &[(&str, &str)] = &[
    (
        "staff are shut out since the password change",
        "runbooks/payroll.md",
    ),
    (
        "buyers say their packages never arrived",
        "runbooks/shipping.md",
    ),
    (
        "my document got stuck inside the printer",
        "runbooks/printing.md",
    ),
];

#[test]
fn a_described_symptom_finds_the_runbook_that_answers_it_first() {
    let kb = kb();
    let kb = open(&kb);
    for (query, answer) in DESCRIBED {
        let hybrid = paths(&kb, query, SearchMode::Hybrid);
        assert_eq!(
            hybrid.first().map(String::as_str),
            Some(*answer),
            "{query:?}: {hybrid:?}"
        );
        let lexical = paths(&kb, query, SearchMode::Lexical);
        assert_ne!(
            lexical.first().map(String::as_str),
            Some(*answer),
            "{query:?} is found by its words alone, so it proves nothing about the model"
        );
    }
}

#[test]
fn the_answer_lands_on_the_section_that_answers() {
    let kb = kb();
    let kb = open(&kb);
    let results = kb
        .search(&SearchRequest::new(DESCRIBED[0].0).limit(5))
        .expect("search");
    assert_eq!(
        results.hits[0].section,
        "Account locked after credential rotation"
    );
    assert!(
        results.hits[0].snippet.contains("lockout"),
        "{}",
        results.hits[0].snippet
    );
}

#[test]
fn names_and_identifiers_find_exactly_what_they_found_without_the_model() {
    let kb = kb();
    let kb = open(&kb);
    for query in [
        "payroll",
        "payroll.example.com",
        "https://payroll.example.com",
        "mail-relay",
        "payroll login",
        "owner:team-finance",
    ] {
        let hybrid = kb
            .search(&SearchRequest::new(query).limit(10).mode(SearchMode::Hybrid))
            .expect("hybrid");
        let lexical = kb
            .search(
                &SearchRequest::new(query)
                    .limit(10)
                    .mode(SearchMode::Lexical),
            )
            .expect("lexical");
        assert_eq!(hybrid.hits, lexical.hits, "{query:?}");
        assert_eq!(hybrid.total, lexical.total, "{query:?}");
    }
}

#[test]
fn a_name_in_a_described_query_still_answers_first() {
    let kb = kb();
    let kb = open(&kb);
    let hits = paths(
        &kb,
        &format!("printing {}", DESCRIBED[0].0),
        SearchMode::Hybrid,
    );
    assert_eq!(
        hits.first().map(String::as_str),
        Some("runbooks/printing.md"),
        "{hits:?}"
    );
}

#[test]
fn filters_and_excluded_words_hold_for_hits_found_by_meaning() {
    let kb = kb();
    let kb = open(&kb);
    let filtered = kb
        .search(&SearchRequest::new(format!(
            "owner:team-logistics {}",
            DESCRIBED[0].0
        )))
        .expect("search");
    assert!(
        filtered
            .hits
            .iter()
            .all(|h| h.owner.as_deref() == Some("team-logistics")),
        "{:?}",
        filtered.hits
    );
    let excluded = paths(
        &kb,
        &format!("{} -lockout", DESCRIBED[0].0),
        SearchMode::Hybrid,
    );
    assert!(
        !excluded.contains(&"runbooks/payroll.md".to_string()),
        "{excluded:?}"
    );
}

#[test]
fn explain_shows_both_ranks_the_cosine_and_the_fused_score() {
    let fixture = kb();
    let kb = open(&fixture);
    let results = kb
        .search(&SearchRequest::new(DESCRIBED[1].0).limit(5).explain(true))
        .expect("search");
    let fusion = results.hits[0]
        .explain
        .as_ref()
        .and_then(|e| e.fusion.as_ref())
        .expect("a fused hit explains its fusion");
    assert_eq!(fusion.semantic_rank, Some(1));
    assert!(fusion.cosine.is_some_and(|c| c >= runbook_core::NEAR_NONE));
    assert!(
        fusion
            .standing
            .is_some_and(|s| s >= runbook_core::STANDING_NONE),
        "{fusion:?}"
    );
    assert!(fusion.semantic_weight.is_some_and(|w| w > 0.0 && w <= 1.0));
    assert!(fusion.words > 0, "the words it looked for: {fusion:?}");
    if let (Some(matched), Some(weight)) = (fusion.words_matched, fusion.lexical_weight) {
        let share = matched as f32 / fusion.words as f32;
        assert!((weight - share * share).abs() < 0.01, "{fusion:?}");
    }
    assert_eq!(fusion.fused, results.hits[0].score);

    let out = crate::harness::cli(fixture.root())
        .args(["search", DESCRIBED[1].0, "--explain", "--limit", "1"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("meaning #1") && text.contains("sd above this query's mean"),
        "the terminal shows the evidence terms: {text}"
    );
}

#[test]
fn a_server_searches_the_sections_f32_vectors_with_its_faster_query_vectors() {
    let fixture = kb();
    let kb = open(&fixture);
    kb.prefer_fast_query_vectors();
    for (query, answer) in DESCRIBED {
        let hits = paths(&kb, query, SearchMode::Hybrid);
        assert_eq!(hits.first().map(String::as_str), Some(*answer), "{query:?}");
    }
    let again = kb.embed(None, &mut |_, _| {}).expect("embed");
    assert_eq!(
        (again.embedded, again.with_vector),
        (0, again.sections),
        "the sections' vectors are kept: the query model searches the same ones"
    );
}

#[test]
fn a_weak_one_word_match_does_not_outrank_a_section_that_stands_out_in_meaning() {
    let kb = kb();
    let kb = open(&kb);
    // "spool" is a word of the mail relay's runbook only; the rest describes payroll's lockout.
    let query = "staff are shut out of the spool since the password change";
    let lexical = paths(&kb, query, SearchMode::Lexical);
    assert_eq!(
        lexical.first().map(String::as_str),
        Some("runbooks/mail.md"),
        "the words alone take the one-word match: {lexical:?}"
    );
    let hybrid = paths(&kb, query, SearchMode::Hybrid);
    assert_eq!(
        hybrid.first().map(String::as_str),
        Some(DESCRIBED[0].1),
        "{hybrid:?}"
    );
}

#[test]
fn a_query_about_nothing_in_the_runbooks_finds_nothing_by_meaning() {
    let kb = kb();
    let kb = open(&kb);
    for query in [
        "recipe for a lemon drizzle cake",
        "who won the football match last night",
        "how many moons does jupiter have",
    ] {
        let lexical = paths(&kb, query, SearchMode::Lexical);
        let hybrid = paths(&kb, query, SearchMode::Hybrid);
        assert!(
            hybrid.iter().all(|p| lexical.contains(p)),
            "{query:?}: meaning added {hybrid:?} to the words' {lexical:?}"
        );
        assert!(hybrid.len() <= 1, "{query:?}: {hybrid:?}");
    }
}

#[test]
fn a_changed_section_is_embedded_again_and_the_others_are_not() {
    let kb = kb();
    let knowledge_base = open(&kb);
    let first = knowledge_base.embed(None, &mut |_, _| {}).expect("embed");
    assert_eq!(first.embedded, 0, "nothing changed, nothing to compute");
    assert_eq!(first.with_vector, first.sections);

    kb.write(
        "printing.md",
        &PRINTING.replace("close the cover firmly", "close the cover gently"),
    );
    knowledge_base.refresh(&mut |_, _| {}).expect("refresh");
    let after_edit = knowledge_base.embed(None, &mut |_, _| {}).expect("embed");
    assert_eq!(after_edit.embedded, 1, "only the edited section");
    assert_eq!(after_edit.sections, first.sections);
    assert_eq!(
        after_edit.with_vector, after_edit.sections,
        "the old vector is dropped"
    );
}

#[test]
fn a_restart_computes_nothing_again() {
    let kb = kb();
    let sections = open(&kb).semantic_status().sections;
    assert!(sections >= 8);
    let reopened =
        runbook::model::open_knowledge_base(Book::load(kb.root()).expect("book")).expect("open");
    reopened.refresh(&mut |_, _| {}).expect("refresh");
    let report = reopened.embed(None, &mut |_, _| {}).expect("embed");
    assert_eq!((report.embedded, report.with_vector), (0, sections));
}

#[test]
fn a_damaged_vector_file_is_computed_again_not_trusted() {
    let kb = kb();
    let sections = open(&kb).semantic_status().sections;
    let file = kb
        .root()
        .join(".runbook")
        .join(runbook_core::semantic::VECTORS_FILE);
    let mut bytes = std::fs::read(&file).expect("the vectors were saved");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5a;
    std::fs::write(&file, &bytes).expect("damage it");

    let reopened =
        runbook::model::open_knowledge_base(Book::load(kb.root()).expect("book")).expect("open");
    reopened.refresh(&mut |_, _| {}).expect("refresh");
    let report = reopened.embed(None, &mut |_, _| {}).expect("embed");
    assert_eq!(report.embedded, sections, "every vector computed again");
    let hits = paths(&reopened, DESCRIBED[0].0, SearchMode::Hybrid);
    assert_eq!(hits.first().map(String::as_str), Some(DESCRIBED[0].1));
}

#[test]
fn semantic_off_gives_exactly_the_lexical_results_and_computes_nothing() {
    let kb = kb();
    kb.words_only();
    let knowledge_base = open(&kb);
    assert_eq!(knowledge_base.semantic_status().state, State::Off);
    assert!(
        !kb.root()
            .join(".runbook")
            .join(runbook_core::semantic::VECTORS_FILE)
            .exists()
    );
    for (query, _) in DESCRIBED {
        let default = knowledge_base
            .search(&SearchRequest::new(*query).limit(10))
            .expect("search");
        let lexical = knowledge_base
            .search(
                &SearchRequest::new(*query)
                    .limit(10)
                    .mode(SearchMode::Lexical),
            )
            .expect("lexical");
        assert_eq!(default.hits, lexical.hits, "{query:?}");
        assert_eq!(default.total, lexical.total, "{query:?}");
    }
}

#[test]
fn a_missing_model_means_lexical_search_and_says_why() {
    let kb = kb();
    std::fs::write(
        kb.root().join("book.toml"),
        "[book]\ntitle = \"Test\"\nsrc = \"runbooks\"\n\n[preprocessor.runbook]\nsemantic-model = \"no-such-model\"\n",
    )
    .expect("write book.toml");
    let knowledge_base = open(&kb);
    assert!(!knowledge_base.load_model());
    let status = knowledge_base.semantic_status();
    assert_eq!(status.state, State::Unavailable);
    assert!(
        status
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("no-such-model")),
        "{status:?}"
    );
    let query = DESCRIBED[0].0;
    assert_eq!(
        knowledge_base
            .search(&SearchRequest::new(query).limit(10))
            .expect("search")
            .hits,
        knowledge_base
            .search(
                &SearchRequest::new(query)
                    .limit(10)
                    .mode(SearchMode::Lexical)
            )
            .expect("lexical")
            .hits
    );
}

#[test]
fn runbook_index_computes_the_vectors_and_says_so() {
    let kb = kb();
    let json = kb.json(&["index", "--json"]);
    assert_eq!(json["semantic"]["state"], "ready", "{json}");
    let sections = json["semantic"]["fill"]["sections"]
        .as_u64()
        .expect("sections");
    assert!(sections >= 8, "{json}");
    assert_eq!(
        json["semantic"]["fill"]["embedded"].as_u64(),
        Some(sections)
    );
    // A one-shot search then ranks by meaning without computing anything.
    let out = kb.json(&["search", "--json", DESCRIBED[1].0]);
    assert_eq!(out["hits"][0]["path"], DESCRIBED[1].1, "{out}");
}

#[test]
fn a_server_answers_at_once_fills_the_vectors_in_the_background_and_says_so() {
    let kb = kb();
    let server = Server::start(&kb, &["--no-watch"]);
    let health = server.json("/healthz");
    let state = health["semantic"]["state"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        ["idle", "embedding", "ready"].contains(&state.as_str()),
        "{health}"
    );
    server.wait_until(std::time::Duration::from_secs(120), "vectors", |s| {
        s.json("/healthz")["semantic"]["state"] == "ready"
    });
    let health = server.json("/healthz");
    assert_eq!(
        health["semantic"]["embedded"], health["semantic"]["sections"],
        "{health}"
    );
    assert!(
        health["semantic"]["model"]
            .as_str()
            .is_some_and(|m| m.contains("MiniLM"))
    );
    let query = DESCRIBED[1].0.replace(' ', "+");
    let results = server.json(&format!("/api/search?q={query}&explain=1"));
    assert_eq!(results["hits"][0]["path"], DESCRIBED[1].1, "{results}");
    assert!(results["hits"][0]["explain"]["fusion"]["cosine"].is_number());
}
