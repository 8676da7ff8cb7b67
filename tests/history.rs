//! Git history as `runbook show` presents it: each runbook's last change (date, author, subject)
//! from one `git log`, the "edit this runbook" link, and no history (but no error) outside git.

use runbook_core::Book;
use runbook_core::history::History;

use crate::harness::{Kb, cli, git_as};

const ALICE: (&str, &str) = ("Alice Author", "alice@example.com");
const BOB: (&str, &str) = ("Bob Builder", "bob@example.com");

fn runbook(title: &str) -> String {
    format!(
        "---\ntitle: {title}\nhosting: vendor\nowner: team-a\n---\n# {title}\n\n## Login\nPortal.\n"
    )
}

/// A repository whose top holds `docs/` (the knowledge base); Alice adds two runbooks, then Bob
/// changes one of them.
fn repository_with_two_authors() -> tempfile::TempDir {
    let repo = tempfile::tempdir().expect("temp dir");
    let kb = repo.path().join("docs");
    std::fs::create_dir_all(kb.join("runbooks/finance")).expect("mkdir");
    std::fs::write(
        kb.join("book.toml"),
        "[book]\nsrc = \"runbooks\"\n[preprocessor.runbook]\nedit-url-template = \"https://git.example.com/ops/edit/main/{path}\"\n",
    )
    .expect("write book.toml");
    std::fs::write(kb.join("runbooks/alpha.md"), runbook("Alpha")).expect("write");
    std::fs::write(kb.join("runbooks/finance/beta.md"), runbook("Beta")).expect("write");
    git_as(repo.path(), ALICE, &["init", "-q"]);
    git_as(repo.path(), ALICE, &["add", "."]);
    git_as(
        repo.path(),
        ALICE,
        &["commit", "-q", "-m", "Add alpha and beta runbooks"],
    );
    std::fs::write(kb.join("runbooks/finance/beta.md"), runbook("Beta v2")).expect("write");
    git_as(
        repo.path(),
        BOB,
        &["commit", "-q", "-a", "-m", "Beta: new login steps"],
    );
    repo
}

#[test]
fn each_runbook_gets_the_author_and_subject_of_the_last_commit_that_changed_it() {
    let repo = repository_with_two_authors();
    let book = Book::load(&repo.path().join("docs")).expect("knowledge base");
    let history = History::load(&book.root, &book.src);
    assert_eq!(history.len(), 2);

    let alpha = history
        .last_change("runbooks/alpha.md")
        .expect("alpha has history");
    assert_eq!(alpha.author, "Alice Author");
    assert_eq!(alpha.subject, "Add alpha and beta runbooks");

    let beta = history
        .last_change("runbooks/finance/beta.md")
        .expect("beta has history");
    assert_eq!(beta.author, "Bob Builder");
    assert_eq!(beta.subject, "Beta: new login steps");
    let head = git_as(repo.path(), BOB, &["rev-parse", "HEAD"]);
    assert_eq!(beta.commit, head.trim());
    assert!(beta.date >= alpha.date);

    assert_eq!(
        history.repository_path("runbooks/alpha.md"),
        "docs/runbooks/alpha.md",
        "the knowledge base sits in docs/ of the repository"
    );
}

#[test]
fn show_json_carries_the_last_change_and_the_edit_url() {
    let repo = repository_with_two_authors();
    let out = cli(&repo.path().join("docs"))
        .args(["show", "finance/beta", "--json"])
        .output()
        .expect("run");
    crate::harness::assert_succeeded(&out, "runbook");
    let details: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(details["last_change"]["author"], "Bob Builder");
    assert_eq!(details["last_change"]["subject"], "Beta: new login steps");
    assert!(
        details["last_change"]["date"]
            .as_str()
            .is_some_and(|d| d.starts_with("20")),
        "{details}"
    );
    assert_eq!(
        details["edit_url"],
        "https://git.example.com/ops/edit/main/docs/runbooks/finance/beta.md"
    );
}

#[test]
fn show_prints_a_last_change_row_and_the_edit_link() {
    let repo = repository_with_two_authors();
    let out = cli(&repo.path().join("docs"))
        .args(["show", "alpha"])
        .output()
        .expect("run");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let row = text
        .lines()
        .find(|l| l.starts_with("Last change"))
        .unwrap_or_else(|| panic!("no Last change row in:\n{text}"));
    assert!(
        row.contains("Alice Author · Add alpha and beta runbooks"),
        "{row}"
    );
    assert!(
        text.contains("Edit        https://git.example.com/ops/edit/main/docs/runbooks/alpha.md"),
        "{text}"
    );
}

#[test]
fn outside_a_git_checkout_there_is_no_history_and_no_error() {
    let kb = Kb::with(&[("a.md", &runbook("Alpha"))]);
    let book = Book::load(kb.root()).expect("knowledge base");
    let history = History::load(&book.root, &book.src);
    assert!(history.is_empty());
    assert_eq!(history.last_change("runbooks/a.md"), None);

    // Stop git from finding a repository above the temporary folder, wherever that is.
    let ceiling = kb.root().parent().expect("parent").to_path_buf();
    let out = kb
        .cmd(&["show", "a", "--json"])
        .env("GIT_CEILING_DIRECTORIES", ceiling)
        .output()
        .expect("run");
    assert!(out.status.success());
    let details: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(details["last_change"].is_null(), "{details}");
    assert!(details["edit_url"].is_null(), "no template, no link");
}

#[test]
fn without_git_installed_show_still_answers_with_no_history() {
    let kb = Kb::with(&[("a.md", &runbook("Alpha"))]);
    std::fs::write(
        kb.root().join("book.toml"),
        "[book]\nsrc = \"runbooks\"\n[preprocessor.runbook]\nedit-url-template = \"https://git.example.com/edit/{path}\"\n",
    )
    .expect("write book.toml");
    let empty = tempfile::tempdir().expect("temp dir");
    let out = kb
        .cmd(&["show", "a", "--json"])
        .env("PATH", empty.path())
        .output()
        .expect("run");
    crate::harness::assert_succeeded(&out, "runbook");
    let details: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(details["last_change"].is_null(), "{details}");
    assert_eq!(
        details["edit_url"], "https://git.example.com/edit/runbooks/a.md",
        "without git the root is taken as the repository's top"
    );
}
