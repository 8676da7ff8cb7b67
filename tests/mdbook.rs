//! `mdbook build` of the example knowledge base, with `runbook mdbook` as its preprocessor: the
//! real mdBook binary (`.ci/run` installs it), the pages it writes checked.

use std::process::Command;

use crate::harness::tools::{Tool, available};
use crate::harness::{Kb, repo};

/// The real mdBook; without it the tests that build a book say they are skipped (and fail
/// under `CI`).
const MDBOOK: Tool = Tool::new(
    "mdbook",
    &["--version"],
    "cargo install mdbook --locked; .ci/run does",
);

/// A copy of the example knowledge base whose book.toml runs the binary under test.
fn example_book() -> Kb {
    let kb = Kb::examples();
    let book_toml = kb.root().join("book.toml");
    let text = std::fs::read_to_string(&book_toml).expect("book.toml");
    let command = format!(
        "command = \"{} mdbook\"",
        env!("CARGO_BIN_EXE_runbook").replace('\\', "/")
    );
    assert!(text.contains("command = \"runbook mdbook\""), "{text}");
    std::fs::write(
        &book_toml,
        text.replace("command = \"runbook mdbook\"", &command),
    )
    .expect("write book.toml");
    kb
}

fn build(kb: &Kb) -> std::process::Output {
    let out = Command::new("mdbook")
        .arg("build")
        .current_dir(kb.root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run mdbook");
    crate::harness::assert_succeeded(&out, "mdbook build");
    out
}

fn page(kb: &Kb, path: &str) -> String {
    let file = kb.root().join("book").join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// The example runbooks, as paths of their pages (`finance/payroll.html`).
fn example_pages() -> Vec<String> {
    let src = repo().join("runbooks");
    let mut pages = Vec::new();
    let mut folders = vec![src.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)
            .expect("runbooks folder")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "md")
                && path.file_name().is_some_and(|n| n != "SUMMARY.md")
            {
                let rel = path.strip_prefix(&src).expect("inside").to_string_lossy();
                pages.push(rel.replace('\\', "/").replace(".md", ".html"));
            }
        }
    }
    pages.sort();
    pages
}

#[test]
fn the_example_book_builds_with_fact_cards_every_runbook_and_search() {
    if !available("example_book_builds", &[MDBOOK]) {
        return;
    }
    let kb = example_book();
    let summary = std::fs::read_to_string(kb.runbook_path("SUMMARY.md")).expect("SUMMARY.md");
    assert!(
        !summary.contains(".md)"),
        "SUMMARY.md lists no runbook: {summary}"
    );
    build(&kb);

    // A fact card on a runbook page: hosting first, owner, contacts, servers; no front matter.
    let billing = page(&kb, "billing.html");
    let card_at = billing
        .find("class=\"rb-card self\"")
        .expect("card on billing.html");
    let hosting_at = billing
        .find("Hosted by us — log in, don&#39;t call the vendor")
        .or_else(|| billing.find("Hosted by us — log in, don't call the vendor"))
        .expect("hosting on the card");
    assert!(card_at < hosting_at);
    for fact in [
        "team-payments",
        "Payments on-call",
        "billing01.prod.example.com",
        "10.0.4.21",
        "Acme Billing Ltd",
        "invoicing",
        "Reviewed 2026-10-01",
    ] {
        assert!(billing.contains(fact), "billing.html lacks {fact}");
    }
    assert!(
        !billing.contains("review_every_days:"),
        "front matter shown"
    );
    let vendor = page(&kb, "finance/payroll.html");
    assert!(vendor.contains("Vendor-hosted — call the vendor"));
    assert!(vendor.contains("team-finance-apps"));

    // Every example runbook is in the book, though SUMMARY.md lists none.
    let toc = page(&kb, "toc.html");
    for runbook in example_pages() {
        assert!(
            kb.root().join("book").join(&runbook).is_file(),
            "{runbook} missing"
        );
        assert!(
            toc.contains(&format!("href=\"{runbook}\"")),
            "{runbook} not in the TOC"
        );
    }

    // The table of contents groups runbooks under their owner: each owner's part title comes
    // right before its runbooks, in title order.
    let part = |owner: &str| {
        toc.find(&format!("<li class=\"part-title\">{owner}</li>"))
            .unwrap_or_else(|| panic!("no part {owner} in the TOC"))
    };
    let entry = |href: &str| {
        toc.find(&format!("href=\"{href}\""))
            .unwrap_or_else(|| panic!("no {href} in the TOC"))
    };
    assert!(part("team-finance-apps") < entry("ledgerline.html"));
    assert!(entry("ledgerline.html") < entry("finance/payroll.html"));
    assert!(entry("finance/payroll.html") < part("team-infra"));
    assert!(part("team-platform") < entry("conveyor.html"));
    assert!(entry("conveyor.html") < entry("monitoring.html"));
    assert!(entry("all-runbooks.html") < part("team-finance-apps"));

    // mdBook's own search: an index that knows host names from the cards.
    let search_index = std::fs::read_dir(kb.root().join("book"))
        .expect("book folder")
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("searchindex"))
        .expect("a search index file");
    let index = std::fs::read_to_string(search_index.path()).expect("search index");
    assert!(
        index.contains("billing01.prod.example.com"),
        "hosts are searchable"
    );
    assert!(
        index.contains("ledger01.prod.example.com"),
        "hosts are searchable"
    );
}

#[test]
fn a_broken_runbook_keeps_its_page_and_is_named_on_stderr() {
    if !available("broken_runbook_keeps_its_page", &[MDBOOK]) {
        return;
    }
    let kb = example_book();
    kb.write(
        "broken.md",
        "---\ntitle: Broken\nowner: [team\n---\n# Broken page\n\nStill readable.\n\n\
         <script>alert(1)</script>\n\n[x](javascript:alert(2))\n",
    );
    // Names and owners come from files too, and end up in the table of contents.
    kb.write(
        "hostile.md",
        "---\ntitle: \"<img src=x onerror=alert(3)>\"\nhosting: self\n\
         owner: \"<script>alert(4)</script>\"\n---\nBody.\n",
    );
    let out = build(&kb);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let toc = page(&kb, "toc.html");
    assert!(
        toc.contains("href=\"hostile.html\""),
        "hostile runbook listed"
    );
    assert!(!toc.contains("<img src=x"), "title escaped in the TOC");
    assert!(
        !toc.contains("<script>alert(4)"),
        "owner escaped in the TOC"
    );
    let hostile = page(&kb, "hostile.html");
    assert!(!hostile.contains("<img src=x"), "title escaped on the page");
    assert!(
        !hostile.contains("<script>alert(4)"),
        "owner escaped on the page"
    );
    assert!(
        stderr.contains("runbooks/broken.md:3"),
        "no warning naming the file: {stderr}"
    );
    let broken = page(&kb, "broken.html");
    assert!(broken.contains("Still readable."));
    assert!(!broken.contains("rb-card"), "no card without facts");
    assert!(!broken.contains("alert(1)</script>"), "script survived");
    assert!(
        !broken.contains("href=\"javascript"),
        "javascript link survived"
    );
    // The rest of the book is whole.
    assert!(page(&kb, "billing.html").contains("rb-card"));
}

#[test]
fn supports_answers_yes_for_html_and_other_renderers() {
    for renderer in ["html", "markdown", "epub"] {
        let status = Command::new(env!("CARGO_BIN_EXE_runbook"))
            .args(["mdbook", "supports", renderer])
            .output()
            .expect("run runbook");
        assert_eq!(status.status.code(), Some(0), "{renderer}");
        assert!(status.stdout.is_empty(), "supports prints nothing");
    }
}
