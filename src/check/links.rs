//! Links between runbooks: a relative link must lead to a file that exists, and a `#heading` to
//! a heading the target has.

use std::collections::{HashMap, HashSet};

use percent_encoding::percent_decode_str;
use pulldown_cmark::{Event, Parser, Tag};

use super::Parsed;
use super::report::{Code, Finding};
use runbook_core::config::Book;
use runbook_core::runbook::sections;

/// Relative links to other runbooks, and to headings in them, must lead somewhere.
pub(super) fn check(
    parsed: &[Parsed],
    listed: &HashSet<String>,
    book: &Book,
    out: &mut Vec<Finding>,
) {
    let anchors = known_anchors(parsed);
    for source in parsed {
        let body = &source.runbook.body;
        let events = Parser::new_ext(body, sections::markdown_options()).into_offset_iter();
        for (event, range) in events {
            let Event::Start(Tag::Link { dest_url, .. }) = event else {
                continue;
            };
            let Some(link) = LocalLink::parse(&dest_url) else {
                continue;
            };
            let Some(target) = link_target(source, &link, range.start, listed, book, out) else {
                continue;
            };
            check_anchor(source, &link, &target, &anchors, range.start, out);
        }
    }
}

/// Each runbook's anchors, lower-cased: GitHub's pages find `#Login` as well as `#login`, and
/// authors write both.
fn known_anchors(parsed: &[Parsed]) -> HashMap<&str, HashSet<String>> {
    parsed
        .iter()
        .map(|source| {
            let set = source
                .runbook
                .sections
                .iter()
                .filter(|s| s.level > 0)
                .map(|s| s.anchor.to_lowercase())
                .collect();
            (source.path(), set)
        })
        .collect()
}

/// The runbook a link in `source` leads to, if it exists (a link to a missing file is a finding
/// where the link starts); `None` too for a file above the root, whose headings are unknown.
fn link_target(
    source: &Parsed,
    link: &LocalLink,
    link_start: usize,
    listed: &HashSet<String>,
    book: &Book,
    out: &mut Vec<Finding>,
) -> Option<String> {
    let Some(file) = link.file.as_deref() else {
        return Some(source.path().to_string());
    };
    let target = resolve(source.path(), file);
    let exists = match &target {
        Some(target) => listed.contains(target) || book.root.join(target).is_file(),
        // Above the root (the repository's own README, say): ask the disk.
        None => book
            .root
            .join(source.path())
            .parent()
            .is_some_and(|dir| dir.join(file).is_file()),
    };
    if !exists {
        let message = match &target {
            Some(target) => format!("link to {file}: {target} does not exist"),
            None => format!(
                "link to {file}: it does not exist (it points above the knowledge base's root)"
            ),
        };
        out.push(link_finding(source, link_start, Code::BrokenLink, message));
        return None;
    }
    target
}

/// A link's `#anchor` must be a heading of its target, if the target's headings are known.
fn check_anchor(
    source: &Parsed,
    link: &LocalLink,
    target: &str,
    anchors: &HashMap<&str, HashSet<String>>,
    link_start: usize,
    out: &mut Vec<Finding>,
) {
    let (Some(anchor), Some(known)) = (&link.anchor, anchors.get(target)) else {
        // No anchor, or a file that did not parse: its headings are unknown.
        return;
    };
    if known.contains(&anchor.to_lowercase()) {
        return;
    }
    let place = if link.file.is_none() {
        "this runbook"
    } else {
        target
    };
    let message = format!("link to #{anchor}: {place} has no such heading");
    out.push(link_finding(
        source,
        link_start,
        Code::BrokenAnchor,
        message,
    ));
}

/// A finding about the link that starts at byte `link_start` of `source`'s body, at its line
/// and column in the file.
fn link_finding(source: &Parsed, link_start: usize, code: Code, message: String) -> Finding {
    let (line, column) = source
        .lines
        .position(&source.text, source.body_offset(link_start));
    Finding::new(source.path(), line, Some(column), code, message)
}

/// A link that stays inside the knowledge base: `other.md`, `../x/y.md#anchor` or `#anchor`.
struct LocalLink {
    /// The Markdown file, as written (percent-decoded); `None` for a link within the same page.
    file: Option<String>,
    anchor: Option<String>,
}

impl LocalLink {
    fn parse(dest: &str) -> Option<LocalLink> {
        let dest = dest.trim();
        let has_scheme = dest.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
        // Site-absolute links (`/x.md`) depend on where the book is published; leave them be.
        if dest.is_empty() || has_scheme || dest.starts_with('/') {
            return None;
        }
        let (file, anchor) = match dest.split_once('#') {
            Some((file, anchor)) => (file, Some(decode(anchor))),
            None => (dest, None),
        };
        let file = file.split('?').next().unwrap_or(file);
        if file.is_empty() {
            return Some(LocalLink { file: None, anchor });
        }
        let lower = file.to_ascii_lowercase();
        if !(lower.ends_with(".md") || lower.ends_with(".markdown")) {
            return None;
        }
        Some(LocalLink {
            file: Some(decode(file)),
            anchor,
        })
    }
}

/// A link's target as a root-relative path, `..` and `.` resolved against the linking file;
/// `None` when it climbs above the root.
fn resolve(from: &str, link: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for part in link.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// A link's `%20`s and the like decoded; bytes that do not make UTF-8 become U+FFFD, so an odd
/// link is still looked up (and reported) rather than skipped.
fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_resolved_against_the_linking_file() {
        assert_eq!(resolve("runbooks/a.md", "b.md").unwrap(), "runbooks/b.md");
        assert_eq!(
            resolve("runbooks/finance/p.md", "../ledger.md").unwrap(),
            "runbooks/ledger.md"
        );
        assert_eq!(
            resolve("runbooks/a.md", "./sub/c.md").unwrap(),
            "runbooks/sub/c.md"
        );
        assert_eq!(resolve("runbooks/a.md", "../../README.md"), None);
    }

    #[test]
    fn only_links_into_the_knowledge_base_are_checked() {
        assert!(LocalLink::parse("https://example.com/a.md").is_none());
        assert!(LocalLink::parse("mailto:ops@example.com").is_none());
        assert!(LocalLink::parse("/abs/a.md").is_none());
        assert!(LocalLink::parse("diagram.png").is_none());
        let link = LocalLink::parse("my%20app.md#log-in").unwrap();
        assert_eq!(link.file.as_deref(), Some("my app.md"));
        assert_eq!(link.anchor.as_deref(), Some("log-in"));
        let own = LocalLink::parse("#restart").unwrap();
        assert_eq!(own.file, None);
    }
}
