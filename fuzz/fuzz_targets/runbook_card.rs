//! Any text as a runbook, all the way to what people read: its facts (contact hours read as
//! schedules, review dates), the web page's fact card, and the static book's page with its card
//! in both formats. None of it may panic, and no value may open a script.

#![no_main]

use std::sync::OnceLock;

use askama::Template;
use libfuzzer_sys::fuzz_target;
use runbook::mdbook::page::{self, CardFormat};
use runbook::views::card::CardView;

/// A knowledge base folder for the settings the card needs (made once).
fn book() -> &'static runbook_core::Book {
    static BOOK: OnceLock<(tempfile::TempDir, runbook_core::Book)> = OnceLock::new();
    &BOOK
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            std::fs::write(
                dir.path().join("book.toml"),
                "[book]\nsrc = \"runbooks\"\n[preprocessor.runbook]\nsemantic = false\n",
            )
            .expect("book.toml");
            std::fs::create_dir_all(dir.path().join("runbooks")).expect("runbooks");
            let book = runbook_core::Book::load(dir.path()).expect("book");
            (dir, book)
        })
        .1
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = runbook_core::Runbook::parse("runbooks/fuzz.md", "fuzz.md", text) else {
        return;
    };
    // Saturday night in London, when most schedules are closed and next openings are sought.
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-28T03:00:00Z")
        .expect("a time")
        .to_utc();
    let history = runbook_core::history::History::default();
    let details = runbook_core::knowledge_base::details(book(), &history, &parsed, None, at)
        .expect("no section asked for, so details cannot fail");
    if let Some(first) = details.call_first {
        assert_eq!(details.facts.contacts[first].reachable_now, Some(true));
    }
    let html = CardView::new(&details, "/runbooks/fuzz".into(), None)
        .render()
        .expect("the card renders");
    assert!(!html.contains("<script"), "a value opened a script: {html}");
    for format in [CardFormat::Html, CardFormat::Markdown] {
        let card = page::card(&details, format);
        let _ = page::compose(&parsed.facts.title, &parsed.body, &card);
    }
});
