//! The guide in `docs/` (an mdBook), the README and the changelog hold together: every relative
//! link leads to a file that exists and every `#anchor` to a heading that does, the guide links
//! only to what its book is built from, `SUMMARY.md` lists every chapter and no chapter that is
//! missing, and the README stays a short entrance. `.ci/run` builds the book with `mdbook build
//! docs`; mdBook itself does not check links.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::harness::repo;

/// Most lines the README may have: it is the entrance, and the guide holds the rest.
const README_MAX_LINES: usize = 200;

#[test]
fn every_relative_link_in_the_guide_resolves() {
    let broken = links_where(checked_pages(), |target| !target.file.exists());
    assert_none(broken, "links to files that do not exist");
}

#[test]
fn every_anchor_in_the_guide_names_a_heading() {
    let mut headings: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    let broken = links_where(checked_pages(), |target| {
        let Some(anchor) = &target.anchor else {
            return false;
        };
        if !target.file.is_file() || target.file.extension().is_none_or(|e| e != "md") {
            return false;
        }
        let anchors = headings
            .entry(target.file.clone())
            .or_insert_with(|| Page::read(&target.file).anchors);
        !anchors.contains(anchor)
    });
    assert_none(
        broken,
        "anchors that name no heading in the file they lead to",
    );
}

#[test]
fn the_guide_links_only_to_files_inside_its_book() {
    // mdBook copies only `docs/src/` into the built book: a link or image beyond it works on
    // the forge but not in the book.
    let outside = links_where(guide_pages(), |target| !target.file.starts_with(book_src()));
    assert_none(
        outside,
        "links from the guide to files outside docs/src/ (copy the file in, or name it without a link)",
    );
}

#[test]
fn every_chapter_is_listed_in_the_summary() {
    let listed = summary_entries();
    let unlisted = guide_pages()
        .into_iter()
        .filter(|page| *page != summary() && !listed.contains(page))
        .map(|page| shown(&page))
        .collect();
    assert_none(unlisted, "chapters docs/src/SUMMARY.md does not list");
}

#[test]
fn every_summary_entry_is_a_chapter() {
    let missing = summary_entries()
        .into_iter()
        .filter(|entry| !entry.is_file())
        .map(|entry| shown(&entry))
        .collect();
    assert_none(
        missing,
        "docs/src/SUMMARY.md lists chapters that do not exist",
    );
}

#[test]
fn the_readme_is_a_short_entrance() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md is readable");
    let lines = readme.lines().count();
    assert!(
        lines <= README_MAX_LINES,
        "README.md has {lines} lines, more than {README_MAX_LINES}: move the detail into the guide (docs/src/)"
    );
}

#[test]
fn a_heading_gets_the_id_mdbook_gives_it() {
    assert_eq!(
        anchor_of("Following a repository: `serve --pull`"),
        "following-a-repository-serve---pull"
    );
    assert_eq!(
        anchor_of("Who can I call right now?"),
        "who-can-i-call-right-now"
    );
    assert_eq!(anchor_of("Hosted by us — log in"), "hosted-by-us--log-in");
    let taken = BTreeSet::from(["faq".to_string(), "faq-1".to_string()]);
    assert_eq!(unique("faq".to_string(), &taken), "faq-2");
}

#[test]
fn a_link_leads_to_a_file_beside_its_page_and_a_url_leads_out() {
    let page = Path::new("/kb/docs/src/a.md");
    let target = Target::of(page, "../b.md#x").expect("relative");
    assert_eq!(target.file, Path::new("/kb/docs/b.md"));
    assert_eq!(target.anchor.as_deref(), Some("x"));
    assert_eq!(Target::of(page, "#y").expect("same page").file, page);
    for leaves in [
        "https://example.com/a.md",
        "mailto:ops@example.com",
        "tel:+4420",
        "",
    ] {
        assert!(Target::of(page, leaves).is_none(), "{leaves}");
    }
}

/// What a Markdown file holds that this test checks.
struct Page {
    /// Every link's and image's destination, as written.
    links: Vec<String>,
    /// The ids mdBook gives the file's headings.
    anchors: BTreeSet<String>,
}

impl Page {
    fn read(path: &Path) -> Page {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{} is readable: {e}", shown(path)));
        let options = Options::ENABLE_TABLES
            | Options::ENABLE_FOOTNOTES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_HEADING_ATTRIBUTES;
        let mut links = Vec::new();
        let mut anchors = BTreeSet::new();
        // The heading being read: an id given as `{#id}`, and its text so far.
        let mut heading: Option<(Option<String>, String)> = None;
        for event in Parser::new_ext(&text, options) {
            match event {
                Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                    links.push(dest_url.to_string());
                }
                Event::Start(Tag::Heading { id, .. }) => {
                    heading = Some((id.map(|id| id.to_string()), String::new()));
                }
                Event::Text(words) | Event::Code(words) => {
                    if let Some((_, text)) = heading.as_mut() {
                        text.push_str(&words);
                    }
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some((id, text)) = heading.take() {
                        let id = id.unwrap_or_else(|| anchor_of(&text));
                        anchors.insert(unique(id, &anchors));
                    }
                }
                _ => {}
            }
        }
        Page { links, anchors }
    }
}

/// Where a relative link leads: a file (the page itself for `#anchor`) and the anchor it names.
struct Target {
    file: PathBuf,
    anchor: Option<String>,
}

impl Target {
    /// None for a link that leaves the repository (`https:`, `mailto:`, any other scheme) or
    /// leads nowhere (an empty draft chapter in `SUMMARY.md`).
    fn of(page: &Path, link: &str) -> Option<Target> {
        if link.is_empty() || has_scheme(link) {
            return None;
        }
        let (file, anchor) = match link.split_once('#') {
            Some((file, anchor)) => (file, Some(anchor.to_string())),
            None => (link, None),
        };
        let file = if file.is_empty() {
            page.to_path_buf()
        } else {
            let folder = page.parent().expect("a page is in a folder");
            lexically_normal(&folder.join(file))
        };
        Some(Target { file, anchor })
    }
}

/// Every relative link of `pages` whose target is `wrong`, as `page: link`.
fn links_where(pages: Vec<PathBuf>, mut wrong: impl FnMut(&Target) -> bool) -> Vec<String> {
    let mut found = Vec::new();
    for page in pages {
        for link in Page::read(&page).links {
            if Target::of(&page, &link).is_some_and(|target| wrong(&target)) {
                found.push(format!("{}: {link}", shown(&page)));
            }
        }
    }
    found
}

/// Fails naming every problem found, under a line saying what they are.
#[track_caller]
fn assert_none(problems: Vec<String>, what: &str) {
    assert!(problems.is_empty(), "{what}:\n{}", problems.join("\n"));
}

/// Whether a link starts with a URL scheme (`https:`, `mailto:`, `tel:`).
fn has_scheme(link: &str) -> bool {
    link.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    })
}

/// The id mdBook gives a heading: its text with white space as `-`, lower-cased, keeping only
/// letters, digits, `-` and `_`.
fn anchor_of(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_ascii_lowercase())
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// A second heading with the same id gets `-1` added, a third `-2`, as mdBook numbers them.
fn unique(id: String, taken: &BTreeSet<String>) -> String {
    if !taken.contains(&id) {
        return id;
    }
    (1..)
        .map(|n| format!("{id}-{n}"))
        .find(|candidate| !taken.contains(candidate))
        .expect("some number is free")
}

/// `a/b/../c` as `a/c`, without asking the disk (the file may not exist).
fn lexically_normal(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal
}

/// The folder the guide is built from: the only one mdBook copies into the book.
fn book_src() -> PathBuf {
    repo().join("docs").join("src")
}

fn summary() -> PathBuf {
    book_src().join("SUMMARY.md")
}

/// The files `SUMMARY.md` lists, as paths.
fn summary_entries() -> BTreeSet<PathBuf> {
    let summary = summary();
    Page::read(&summary)
        .links
        .iter()
        .filter_map(|link| Target::of(&summary, link))
        .map(|target| target.file)
        .collect()
}

/// Every Markdown file of the guide, `SUMMARY.md` included.
fn guide_pages() -> Vec<PathBuf> {
    let mut pages = Vec::new();
    let mut folders = vec![book_src()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("{} is readable: {e}", shown(&folder)));
        for entry in entries {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                pages.push(path);
            }
        }
    }
    pages.sort();
    pages
}

/// The guide's pages, the README and the changelog.
fn checked_pages() -> Vec<PathBuf> {
    let mut pages = guide_pages();
    pages.push(repo().join("README.md"));
    pages.push(repo().join("CHANGELOG.md"));
    pages
}

/// A path as the repository names it.
fn shown(path: &Path) -> String {
    path.strip_prefix(repo())
        .unwrap_or(path)
        .display()
        .to_string()
}
