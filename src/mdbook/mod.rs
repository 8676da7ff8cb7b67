//! `runbook mdbook`: the knowledge base as an mdBook preprocessor, so that `mdbook build` makes a
//! static, offline copy of it (with mdBook's own search) for the day the server is down.
//!
//! This module owns mdBook's preprocessor protocol: mdBook runs `runbook mdbook supports
//! RENDERER` (exit 0: yes), then `runbook mdbook` with `[context, book]` as JSON on standard
//! input, and reads the book back as JSON from standard output. It gives every runbook page its
//! fact card (see [`page`]) and adds every runbook that `SUMMARY.md` does not list, one chapter
//! per owner, so that nobody has to keep `SUMMARY.md` up to date by hand.
//!
//! The book is handled as `serde_json::Value`, not as mdBook's own types: fields this program does
//! not know (a later mdBook's, or 0.4's `__non_exhaustive`) pass through untouched, and both 0.4's
//! `sections` and 0.5's `items` are understood.

pub mod page;

use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Write};
use std::path::PathBuf;

use chrono::NaiveDate;
use serde_json::{Value, json};

pub use page::CardFormat;
use runbook_core::config::{Book, percent_encode_path};
use runbook_core::error::FileProblem;
use runbook_core::history::History;
use runbook_core::runbook::{Hosting, Runbook, app_from_path, front_matter};
use runbook_core::source::{self, SourceFile};

/// What can stop the preprocessor. Problems with single runbooks never do: they are warnings.
#[derive(Debug, thiserror::Error)]
pub enum MdbookError {
    #[error("cannot read mdBook's input from standard input: {0}")]
    Input(#[source] serde_json::Error),
    #[error("mdBook's input is not the [context, book] this preprocessor understands: {0}")]
    Shape(String),
    #[error(transparent)]
    Config(#[from] runbook_core::Error),
    #[error("cannot write the book to standard output: {0}")]
    Output(#[source] serde_json::Error),
}

/// Whether the preprocessor supports mdBook's renderer `renderer`: always. Leaving a renderer
/// out would not spare it anything: mdBook would then build it without this preprocessor, with
/// the front matter printed as text and every runbook missing from `SUMMARY.md` missing from the
/// book. Renderers other than `html` get the fact card as plain Markdown instead of styled HTML
/// ([`CardFormat`]).
pub fn supports(_renderer: &str) -> bool {
    true
}

/// The mdBook versions whose book format this was written against.
const KNOWN_VERSIONS: [&str; 2] = ["0.4.", "0.5."];

/// Reads `[context, book]` from `input`, writes the book with cards and every runbook to `output`,
/// and tells `warn` about each runbook left as it was (or out) and why.
pub fn run(
    input: impl Read,
    mut output: impl Write,
    today: NaiveDate,
    warn: &mut dyn FnMut(String),
) -> Result<(), MdbookError> {
    let input: Value = serde_json::from_reader(input).map_err(MdbookError::Input)?;
    let book = preprocess(input, today, warn)?;
    serde_json::to_writer(&mut output, &book).map_err(MdbookError::Output)?;
    // Flushed here, where a failure (mdBook gone away) is still reported.
    output
        .flush()
        .map_err(|e| MdbookError::Output(serde_json::Error::io(e)))
}

/// The transformation itself: `[context, book]` in, the book out.
pub fn preprocess(
    input: Value,
    today: NaiveDate,
    warn: &mut dyn FnMut(String),
) -> Result<Value, MdbookError> {
    let Value::Array(pair) = input else {
        return Err(MdbookError::Shape("expected a JSON array".into()));
    };
    let [context, mut book_json] = <[Value; 2]>::try_from(pair)
        .map_err(|pair| MdbookError::Shape(format!("expected 2 elements, got {}", pair.len())))?;
    let root = context
        .get("root")
        .and_then(Value::as_str)
        .ok_or_else(|| MdbookError::Shape("the context has no \"root\"".into()))?;
    let renderer = context
        .get("renderer")
        .and_then(Value::as_str)
        .unwrap_or("html");
    if let Some(version) = context.get("mdbook_version").and_then(Value::as_str)
        && !KNOWN_VERSIONS
            .iter()
            .any(|known| version.starts_with(known))
    {
        warn(format!(
            "mdBook {version} is newer than the versions this preprocessor knows (0.4, 0.5); \
             building anyway"
        ));
    }
    let book = Book::load(&PathBuf::from(root))?;
    let key = ["items", "sections"]
        .into_iter()
        .find(|key| book_json.get(key).is_some_and(Value::is_array))
        .ok_or_else(|| {
            MdbookError::Shape("the book has neither \"items\" nor \"sections\"".into())
        })?;
    let assembler = Assembler {
        history: History::load(&book.root, &book.src),
        book,
        today,
        format: CardFormat::for_renderer(renderer),
    };
    let Some(items) = book_json.get_mut(key).and_then(Value::as_array_mut) else {
        return Err(MdbookError::Shape(format!("\"{key}\" is not an array")));
    };
    let mut listed = Listed::default();
    assembler.card_existing(items, &mut listed, warn);
    let generated = assembler.generated(&listed, !items.is_empty(), warn);
    items.extend(generated);
    Ok(book_json)
}

/// What the book already holds: runbooks `SUMMARY.md` lists (by path inside the runbook folder)
/// and every page path taken, so generated pages do not overwrite one.
#[derive(Default)]
struct Listed {
    runbooks: HashSet<String>,
    paths: HashSet<String>,
}

/// A runbook page to add, before it is placed under its owner.
struct Entry {
    title: String,
    owner: Option<String>,
    hosting: Option<Hosting>,
    summary: String,
    id_path: String,
    content: String,
}

/// Builds pages for one book.
struct Assembler {
    book: Book,
    history: History,
    today: NaiveDate,
    format: CardFormat,
}

/// The group of runbooks without an owner, named like the owner it lacks.
const NO_OWNER: &str = "No owner";

impl Assembler {
    /// Gives every chapter that is a runbook its card, recording what the book lists.
    fn card_existing(
        &self,
        items: &mut [Value],
        listed: &mut Listed,
        warn: &mut dyn FnMut(String),
    ) {
        for item in items {
            let Some(chapter) = item.get_mut("Chapter").and_then(Value::as_object_mut) else {
                continue;
            };
            for key in ["path", "source_path"] {
                if let Some(path) = chapter.get(key).and_then(Value::as_str) {
                    listed.paths.insert(slashed(path));
                }
            }
            let source_path = chapter
                .get("source_path")
                .and_then(Value::as_str)
                .map(slashed);
            if let Some(id_path) = source_path.filter(|p| source::is_runbook_path(p.as_ref())) {
                let content = chapter
                    .get("content")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let name = chapter
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let page = match self.parse(&id_path, content) {
                    Ok(runbook) => self.page(&runbook),
                    Err(problem) => unreadable_page(name, content, &problem, warn),
                };
                chapter.insert("content".into(), Value::String(page));
                listed.runbooks.insert(id_path);
            }
            if let Some(sub_items) = chapter.get_mut("sub_items").and_then(Value::as_array_mut) {
                self.card_existing(sub_items, listed, warn);
            }
        }
    }

    fn parse(&self, id_path: &str, text: &str) -> Result<Runbook, FileProblem> {
        let path = self.book.display_path(&self.book.src.join(id_path));
        Runbook::parse(&path, id_path, text)
    }

    /// A runbook's page: its body under its title, with the fact card.
    fn page(&self, runbook: &Runbook) -> String {
        // Without a section name this cannot fail; should it, the page goes without a card.
        // A static page is read long after it is built: who is reachable is worked out by the
        // reader's browser (see `page::card`), so the moment given here only dates the review.
        let built = self.today.and_time(chrono::NaiveTime::MIN).and_utc();
        let card =
            runbook_core::knowledge_base::details(&self.book, &self.history, runbook, None, built)
                .map(|details| page::card(&details, self.format))
                .unwrap_or_default();
        page::compose(&runbook.facts.title, &runbook.body, &card)
    }

    /// Every runbook in the folder that the book does not list yet, grouped by owner, after an
    /// overview of them all. `after_own_chapters`: `SUMMARY.md` has chapters of its own, which a
    /// separator then sets apart from these.
    fn generated(
        &self,
        listed: &Listed,
        after_own_chapters: bool,
        warn: &mut dyn FnMut(String),
    ) -> Vec<Value> {
        let listing = source::list(&self.book);
        for problem in &listing.problems {
            warn(problem.to_string());
        }
        let by_owner = self.unlisted_by_owner(&listing.files, listed, warn);
        if by_owner.is_empty() {
            return Vec::new();
        }
        let mut taken: HashSet<String> = listed.paths.clone();
        taken.extend(listing.files.iter().map(|file| file.id_path.clone()));
        let overview_path = unique_path("all-runbooks", &mut taken);
        let mut overview = format!(
            "# All runbooks\n\n{}: every runbook, by the team that owns it. This is the \
             offline copy of the knowledge base, built on {}. The search (press `S`) finds \
             host names, IP addresses and error messages too.\n",
            escape_title(&self.book.title),
            self.today
        );
        let groups = owner_groups(by_owner, &overview_path, &mut overview);
        let mut items = Vec::new();
        if after_own_chapters {
            items.push(Value::String("Separator".into()));
        }
        items.push(chapter(
            "All runbooks",
            overview,
            &overview_path,
            None,
            Vec::new(),
        ));
        items.extend(groups);
        items
    }

    /// The runbook files the book does not list, by owner; runbooks without an owner sort
    /// after every owner. A file with nothing readable to show is left out with a warning.
    fn unlisted_by_owner(
        &self,
        files: &[SourceFile],
        listed: &Listed,
        warn: &mut dyn FnMut(String),
    ) -> BTreeMap<(bool, String), Vec<Entry>> {
        let mut by_owner: BTreeMap<(bool, String), Vec<Entry>> = BTreeMap::new();
        for file in files {
            if listed.runbooks.contains(&file.id_path) {
                continue;
            }
            let text = match source::read(file, self.book.settings.max_file_bytes) {
                Ok(text) => text.text,
                Err(problem) => {
                    // Nothing readable to show: too big, not text, unreadable.
                    warn(format!("{problem}; left out of the book"));
                    continue;
                }
            };
            let entry = self.entry(file, &text, warn);
            let key = match &entry.owner {
                Some(owner) => (false, owner.clone()),
                None => (true, NO_OWNER.to_string()),
            };
            by_owner.entry(key).or_default().push(entry);
        }
        by_owner
    }

    /// The generated chapter of one runbook file, or a page showing why it could not be read.
    fn entry(&self, file: &SourceFile, text: &str, warn: &mut dyn FnMut(String)) -> Entry {
        match self.parse(&file.id_path, text) {
            Ok(runbook) => Entry {
                content: self.page(&runbook),
                title: runbook.facts.title,
                owner: runbook.facts.owner,
                hosting: runbook.facts.hosting,
                summary: runbook.facts.summary.unwrap_or_default(),
                id_path: file.id_path.clone(),
            },
            Err(problem) => {
                let title = fallback_title(text, &file.id_path);
                Entry {
                    content: unreadable_page(&title, text, &problem, warn),
                    title,
                    owner: None,
                    hosting: None,
                    summary: String::new(),
                    id_path: file.id_path.clone(),
                }
            }
        }
    }
}

/// Each owner as a part title with its runbooks as the chapters under it, in title order;
/// each owner's table of runbooks is added to `overview`.
fn owner_groups(
    by_owner: BTreeMap<(bool, String), Vec<Entry>>,
    overview_path: &str,
    overview: &mut String,
) -> Vec<Value> {
    // mdBook nests the table of contents by section numbers only, which runbooks do not
    // have: each owner is a part title, its runbooks the chapters under it.
    let mut groups = Vec::new();
    for ((_, owner), mut entries) in by_owner {
        entries.sort_by(|left, right| {
            (left.title.to_lowercase(), &left.id_path)
                .cmp(&(right.title.to_lowercase(), &right.id_path))
        });
        overview.push_str(&format!(
            "\n## {}\n\n{}",
            page::escape(&owner),
            runbook_table(&entries, overview_path)
        ));
        groups.push(json!({ "PartTitle": owner }));
        groups.extend(entries.into_iter().map(|entry| {
            chapter(
                &entry.title,
                entry.content,
                &entry.id_path,
                Some(&entry.id_path),
                // Breadcrumbs in mdBook's search results: the owner, then the runbook.
                vec![owner.clone()],
            )
        }));
    }
    groups
}

/// A chapter in mdBook's JSON: `path` is where its page goes inside the book, `source_path`
/// the file it came from (none for a generated page, so no "edit this page" link leads nowhere).
fn chapter(
    name: &str,
    content: String,
    path: &str,
    source_path: Option<&str>,
    parent_names: Vec<String>,
) -> Value {
    json!({
        "Chapter": {
            "name": name,
            "content": content,
            "number": null,
            "sub_items": [],
            "path": path,
            "source_path": source_path,
            "parent_names": parent_names,
        }
    })
}

/// A page for a runbook whose front matter could not be read: its text (front matter taken off
/// when the block can at least be found) under a notice instead of a card.
fn unreadable_page(
    title: &str,
    text: &str,
    problem: &FileProblem,
    warn: &mut dyn FnMut(String),
) -> String {
    warn(format!("{problem}; its page has no fact card"));
    let body = front_matter::split(text).map_or(text, |split| split.body);
    let notice = format!(
        "> **⚠ The front matter of this runbook could not be read** ({}). Who runs it, its \
         owner and its contacts are missing from this page; `runbook check` says what to fix.",
        page::escape(&problem.to_string())
    );
    page::compose(title, body, &notice)
}

/// A title for a runbook that could not be parsed: its first `#` heading, else its file name.
fn fallback_title(text: &str, id_path: &str) -> String {
    let body = front_matter::split(text).map_or(text, |split| split.body);
    body.lines()
        .find_map(|line| line.strip_prefix("# "))
        .map(|heading| heading.trim().to_string())
        .filter(|heading| !heading.is_empty())
        .unwrap_or_else(|| {
            let app = app_from_path(id_path);
            app.rsplit('/').next().unwrap_or(&app).to_string()
        })
}

/// A Markdown table of runbooks, linked relative to the page at `from`.
fn runbook_table(entries: &[Entry], from: &str) -> String {
    let mut table = String::from("| Runbook | Who runs it | Summary |\n| --- | --- | --- |\n");
    for entry in entries {
        let hosting = entry.hosting.map_or(
            "Hosting unknown: the runbook does not say".to_string(),
            |h| format!("**{}**", page::escape(h.advice())),
        );
        table.push_str(&format!(
            "| [{}]({}) | {} | {} |\n",
            page::escape(&entry.title),
            relative_link(from, &entry.id_path),
            hosting,
            page::escape(&entry.summary)
        ));
    }
    table
}

/// The book's title for Markdown text.
fn escape_title(title: &str) -> String {
    format!("**{}**", page::escape(title))
}

/// A link from the page at `from` to the page at `to` (both inside the runbook folder), as
/// Markdown wants it: relative, percent-encoded, `.md` (mdBook makes that `.html`, but only for
/// `.md`: a `.markdown` runbook's page is linked as if it were one).
fn relative_link(from: &str, to: &str) -> String {
    let depth = from.matches('/').count();
    let to = match to.strip_suffix(".markdown") {
        Some(stem) => format!("{stem}.md"),
        None => to.to_string(),
    };
    format!("{}{}", "../".repeat(depth), percent_encode_path(&to))
}

/// `base.md`, or `base-2.md` and so on when a page or runbook already has that path.
fn unique_path(base: &str, taken: &mut HashSet<String>) -> String {
    let mut path = format!("{base}.md");
    let mut number = 2;
    while taken.contains(&path) {
        path = format!("{base}-{number}.md");
        number += 1;
    }
    taken.insert(path.clone());
    path
}

/// A path from mdBook's JSON with `/` separators, as runbook paths are kept.
fn slashed(path: &str) -> String {
    path.replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    const BILLING: &str = "---\ntitle: Billing portal\nhosting: self\nowner: team-payments\n\
        servers: [{host: billing01.prod.example.com, ip: 10.0.4.21}]\n---\n# Billing portal\n\n\
        ## Login\n\nssh ops@billing01\n";
    const VPN: &str = "---\ntitle: VPN\nhosting: vendor\nowner: team-network\n\
        vendor: {name: Bastion, call_when: Gateway down}\n---\n# VPN\n\nCall Bastion.\n";
    const ALPHA: &str = "---\ntitle: Alpha tool\nhosting: saas\nowner: team-network\n---\nText.\n";
    const ORPHAN: &str = "# Orphan notes\n\nNo front matter at all.\n";
    const BROKEN: &str = "---\ntitle: Broken\nowner: [x\n---\n# Broken page\n\nStill here.\n";

    /// A knowledge base with five runbooks, one of them in a sub-folder and one broken.
    fn knowledge_base() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("book.toml"),
            "[book]\ntitle = \"Test <KB>\"\nsrc = \"runbooks\"\n",
        )
        .unwrap();
        let src = dir.path().join("runbooks");
        std::fs::create_dir_all(src.join("net")).unwrap();
        for (path, text) in [
            ("billing.md", BILLING),
            ("net/vpn.md", VPN),
            ("alpha.md", ALPHA),
            ("orphan.md", ORPHAN),
            ("broken.md", BROKEN),
            ("SUMMARY.md", "# Summary\n\n- [Billing](billing.md)\n"),
        ] {
            std::fs::write(src.join(path), text).unwrap();
        }
        dir
    }

    /// mdBook 0.5's input for that knowledge base with SUMMARY.md listing billing.md only.
    fn input(dir: &tempfile::TempDir, renderer: &str) -> Value {
        json!([
            {
                "root": dir.path(),
                "config": {"book": {"title": "Test", "src": "runbooks"}},
                "renderer": renderer,
                "mdbook_version": "0.5.4"
            },
            {
                "items": [{"Chapter": {
                    "name": "Billing",
                    "content": BILLING,
                    "number": [1],
                    "sub_items": [],
                    "path": "billing.md",
                    "source_path": "billing.md",
                    "parent_names": [],
                    "from_the_future": true
                }}],
                "also_from_the_future": {"kept": true}
            }
        ])
    }

    fn run_on(input: Value) -> (Value, Vec<String>) {
        let mut warnings = Vec::new();
        let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let book = preprocess(input, today, &mut |w| warnings.push(w)).expect("preprocesses");
        (book, warnings)
    }

    fn chapters(items: &Value) -> Vec<&Map<String, Value>> {
        items
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|item| item.get("Chapter").and_then(Value::as_object))
            .collect()
    }

    fn content<'a>(items: &'a Value, name: &str) -> &'a str {
        chapters(items)
            .into_iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no chapter {name}"))["content"]
            .as_str()
            .unwrap()
    }

    #[test]
    fn the_book_card_leaves_who_is_reachable_to_the_readers_clock() {
        let dir = knowledge_base();
        let book = Book::load(dir.path()).unwrap();
        let text = "---\ntitle: Desk\nhosting: self\nowner: t\ncontacts:\n  - name: Day desk\n    \
            hours: Mon-Fri 09:00-17:00 Europe/London\n  - name: Someone\n    hours: ask around\n---\n# Desk\n";
        let runbook = Runbook::parse("runbooks/desk.md", "desk.md", text).unwrap();
        let built = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let details = runbook_core::knowledge_base::details(
            &book,
            &History::default(),
            &runbook,
            None,
            built.and_time(chrono::NaiveTime::MIN).and_utc(),
        )
        .unwrap();
        let card = page::card(&details, page::CardFormat::Html);
        // Monday to Friday (bits 0-4), 09:00 to 17:00 in minutes, in the contact's own zone.
        assert!(
            card.contains(r#"data-schedule="31,540,1020,Europe/London" data-who="1. Day desk""#),
            "{card}"
        );
        assert_eq!(
            card.matches("data-schedule=\"").count(),
            1,
            "free text has none"
        );
        assert!(
            card.contains("<script>") && card.contains("rb-call-first"),
            "{card}"
        );
        assert!(!card.contains("\n\n"), "one HTML block: {card}");
    }

    #[test]
    fn a_listed_runbook_gets_its_card_and_loses_its_front_matter() {
        let dir = knowledge_base();
        let (book, _) = run_on(input(&dir, "html"));
        let billing = content(&book["items"], "Billing");
        assert!(!billing.contains("hosting: self"), "{billing}");
        assert!(
            billing.starts_with("# Billing portal\n\n<style>"),
            "{billing}"
        );
        assert!(
            billing.contains("Hosted by us — log in, don&#39;t call the vendor"),
            "{billing}"
        );
        assert!(billing.contains("team-payments"), "{billing}");
        assert!(billing.contains("billing01.prod.example.com"), "{billing}");
        assert!(billing.contains("## Login"), "{billing}");
        // The card is one HTML block: no blank line inside it.
        let card = &billing[billing.find("<div").unwrap()..billing.find("</div>").unwrap()];
        assert!(!card.contains("\n\n"), "{card}");
        // What mdBook sent and this program does not know stays as it was.
        assert_eq!(book["also_from_the_future"], json!({"kept": true}));
        assert_eq!(book["items"][0]["Chapter"]["from_the_future"], json!(true));
        assert_eq!(book["items"][0]["Chapter"]["number"], json!([1]));
    }

    #[test]
    fn every_other_runbook_is_added_once_grouped_by_owner_and_sorted_by_title() {
        let dir = knowledge_base();
        let (book, _) = run_on(input(&dir, "html"));
        let items = book["items"].as_array().unwrap();
        let outline: Vec<String> = items
            .iter()
            .map(|item| match item {
                Value::String(s) => s.clone(),
                item if item.get("PartTitle").is_some() => format!("part {}", item["PartTitle"]),
                item => format!(
                    "{} ({})",
                    item["Chapter"]["name"].as_str().unwrap(),
                    item["Chapter"]["path"].as_str().unwrap()
                ),
            })
            .collect();
        assert_eq!(
            outline,
            [
                "Billing (billing.md)",
                "Separator",
                "All runbooks (all-runbooks.md)",
                "part \"team-network\"",
                "Alpha tool (alpha.md)",
                "VPN (net/vpn.md)",
                "part \"No owner\"",
                "Broken page (broken.md)",
                "Orphan notes (orphan.md)",
            ]
        );
        let vpn = chapters(&book["items"])
            .into_iter()
            .find(|c| c["name"] == "VPN")
            .unwrap();
        assert_eq!(vpn["source_path"], "net/vpn.md");
        assert_eq!(vpn["parent_names"], json!(["team-network"]));
        assert_eq!(vpn["sub_items"], json!([]));
        let overview = content(&book["items"], "All runbooks");
        assert!(overview.contains("[VPN](net/vpn.md)"), "{overview}");
        assert!(
            overview.contains("Test \\<KB\\>"),
            "the title is escaped: {overview}"
        );
        assert!(
            !overview.contains("Billing portal"),
            "listed elsewhere: {overview}"
        );
    }

    #[test]
    fn a_broken_runbook_keeps_its_page_without_a_card_and_is_named_in_a_warning() {
        let dir = knowledge_base();
        let (book, warnings) = run_on(input(&dir, "html"));
        let broken = content(&book["items"], "Broken page");
        assert!(broken.contains("Still here."), "{broken}");
        assert!(!broken.contains("rb-card"), "{broken}");
        assert!(!broken.contains("title: Broken"), "{broken}");
        assert!(broken.contains("could not be read"), "{broken}");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("runbooks/broken.md:3"),
            "{warnings:?}"
        );
    }

    #[test]
    fn other_renderers_get_the_card_as_markdown() {
        let dir = knowledge_base();
        let (book, _) = run_on(input(&dir, "markdown"));
        let vpn = content(&book["items"], "VPN");
        assert!(!vpn.contains("<div"), "{vpn}");
        assert!(
            vpn.contains("> **VENDOR: Vendor-hosted — call the vendor**"),
            "{vpn}"
        );
        assert!(
            vpn.contains("**Vendor:** Bastion. Call them: Gateway down"),
            "{vpn}"
        );
    }

    #[test]
    fn mdbook_0_4_books_are_understood_too() {
        let dir = knowledge_base();
        let mut old = input(&dir, "html");
        old[0]["mdbook_version"] = json!("0.4.52");
        let items = old[1]["items"].take();
        old[1] = json!({"sections": items, "__non_exhaustive": null});
        let (book, warnings) = run_on(old);
        assert!(book.get("items").is_none());
        assert!(book.get("__non_exhaustive").is_some());
        assert_eq!(chapters(&book["sections"]).len(), 6);
        assert_eq!(warnings.len(), 1, "only the broken runbook: {warnings:?}");
    }

    #[test]
    fn input_that_is_not_context_and_book_is_an_error() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        for bad in [
            json!({}),
            json!([1]),
            json!([{"root": "/"}, {"chapters": []}]),
        ] {
            let result = preprocess(bad.clone(), today, &mut |_| {});
            assert!(result.is_err(), "{bad}");
        }
        let error = run(&b"not json"[..], Vec::new(), today, &mut |_| {}).unwrap_err();
        assert!(error.to_string().contains("mdBook's input"), "{error}");
    }

    #[test]
    fn every_renderer_is_supported() {
        for renderer in ["html", "markdown", "epub", "linkcheck"] {
            assert!(supports(renderer), "{renderer}");
        }
    }

    #[test]
    fn generated_pages_take_a_free_path() {
        let mut taken = HashSet::from(["all-runbooks.md".to_string()]);
        assert_eq!(unique_path("all-runbooks", &mut taken), "all-runbooks-2.md");
        assert_eq!(unique_path("all-runbooks", &mut taken), "all-runbooks-3.md");
    }

    #[test]
    fn links_are_relative_and_encoded() {
        assert_eq!(
            relative_link("owners/team.md", "finance/pay run.md"),
            "../finance/pay%20run.md"
        );
        assert_eq!(relative_link("all-runbooks.md", "vpn.md"), "vpn.md");
        assert_eq!(relative_link("all-runbooks.md", "a.markdown"), "a.md");
    }

    #[test]
    fn a_fallback_title_is_the_first_heading_or_the_file_name() {
        assert_eq!(
            fallback_title("---\nbad: [\n---\n# Real title\n", "x.md"),
            "Real title"
        );
        assert_eq!(fallback_title("no heading", "finance/pay.md"), "pay");
    }
}
