//! Splitting a runbook's Markdown body into sections by heading, each with a stable anchor and
//! the plain text that gets indexed.
//!
//! Sections are what a person lands on: a search result links to the section that answers, so
//! every heading starts one, whatever its level. Anchors follow GitHub's and mdBook's rule so links
//! written for either keep working here.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

/// One heading and the content under it, up to the next heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// The heading's text; for the text before the first heading, the runbook's title.
    pub heading: String,
    /// 1–6 for headings, 0 for the text before the first heading.
    pub level: u8,
    /// The `id` of the heading in rendered HTML, unique within the runbook.
    pub anchor: String,
    /// Headings enclosing this one (excluding the level-1 title), outermost first.
    pub parents: Vec<String>,
    /// 1-based line in the file where the section starts.
    pub line: u64,
    /// Byte range in the body: the heading and its own content, not its sub-sections.
    #[serde(skip)]
    pub range: Range<usize>,
    /// Byte range in the body including sub-sections.
    #[serde(skip)]
    pub range_with_children: Range<usize>,
    /// Plain text of the content (no heading), for indexing and snippets.
    #[serde(skip)]
    pub text: String,
}

/// The Markdown extensions runbooks may use. Metadata blocks are deliberately off (see
/// [`super::front_matter`]).
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// The anchor GitHub and mdBook give a heading: lower case, whitespace to `-`, punctuation dropped.
pub fn slug(text: &str) -> String {
    text.trim()
        .chars()
        .filter_map(|ch| {
            if ch.is_alphanumeric() || ch == '_' || ch == '-' {
                Some(ch.to_lowercase().next().unwrap_or(ch))
            } else if ch.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// Splits `body` (which starts on file line `body_line`) into sections. `title` names the text
/// before the first heading.
pub fn split_sections(body: &str, body_line: u64, title: &str) -> Vec<Section> {
    let lines = LineIndex::new(body, body_line);
    let mut splitter = Splitter::new(body, body_line, title);
    for (event, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => splitter.start_heading(
                heading_level(level),
                id.map(|s| s.to_string()),
                lines.line_of(range.start),
                range.start,
            ),
            Event::End(TagEnd::Heading(_)) => splitter.end_heading(),
            content => splitter.add_content(content),
        }
    }
    splitter.into_sections()
}

/// Where each line of a body starts, to tell the file line of an offset.
struct LineIndex {
    starts: Vec<usize>,
    /// The file line the body starts on.
    first_line: u64,
}

impl LineIndex {
    fn new(body: &str, first_line: u64) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(body.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts, first_line }
    }

    /// The 1-based file line that byte `offset` of the body is on.
    fn line_of(&self, offset: usize) -> u64 {
        let index = self.starts.partition_point(|&start| start <= offset);
        self.first_line + index.saturating_sub(1) as u64
    }
}

/// The sections found so far, and the one being read.
struct Splitter<'a> {
    body: &'a str,
    sections: Vec<Section>,
    anchors: Anchors,
    current: Section,
    /// Inside a heading: its level and its explicit `{#id}`, if any.
    in_heading: Option<(u8, Option<String>)>,
    heading_text: String,
    /// The enclosing headings: (level, text).
    stack: Vec<(u8, String)>,
}

impl<'a> Splitter<'a> {
    fn new(body: &'a str, body_line: u64, title: &str) -> Splitter<'a> {
        let mut preamble = empty_section(0, body_line, 0);
        preamble.heading = title.to_string();
        Splitter {
            body,
            sections: Vec::new(),
            anchors: Anchors::default(),
            current: preamble,
            in_heading: None,
            heading_text: String::new(),
            stack: Vec::new(),
        }
    }

    /// Ends the current section where a heading starts, and begins the heading's.
    fn start_heading(&mut self, level: u8, explicit_id: Option<String>, line: u64, start: usize) {
        self.current.range.end = start;
        let previous = std::mem::replace(&mut self.current, empty_section(level, line, start));
        finish(&mut self.sections, previous, self.body);
        self.in_heading = Some((level, explicit_id));
        self.heading_text.clear();
    }

    /// Names the current section by the heading just read: its text, parents and anchor.
    fn end_heading(&mut self) {
        let Some((level, explicit_id)) = self.in_heading.take() else {
            return;
        };
        let heading = collapse_whitespace(&self.heading_text);
        while self.stack.last().is_some_and(|(l, _)| *l >= level) {
            self.stack.pop();
        }
        self.current.parents = self
            .stack
            .iter()
            .filter(|(l, _)| *l > 1)
            .map(|(_, t)| t.clone())
            .collect();
        self.stack.push((level, heading.clone()));
        self.current.anchor = self
            .anchors
            .unique(explicit_id.unwrap_or_else(|| slug(&heading)));
        self.current.heading = heading;
    }

    /// Adds what an event says to the heading being read or to the current section's text.
    fn add_content(&mut self, event: Event) {
        let text = &mut self.current.text;
        match event {
            Event::Text(words) | Event::Code(words) => {
                if self.in_heading.is_some() {
                    self.heading_text.push_str(&words);
                } else {
                    text.push_str(&words);
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) if dest_url.contains("://") => {
                // URLs are what callers paste; make them findable even when the link text hides them.
                text.push_str(&dest_url);
                text.push(' ');
            }
            Event::SoftBreak | Event::HardBreak => push_space(text),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_),
            ) => push_space(text),
            Event::Html(html) | Event::InlineHtml(html) if self.in_heading.is_none() => {
                text.push_str(&html);
                push_space(text);
            }
            _ => {}
        }
    }

    /// Ends the last section at the end of the body, and gives every section its range with
    /// children.
    fn into_sections(mut self) -> Vec<Section> {
        self.current.range.end = self.body.len();
        finish(&mut self.sections, self.current, self.body);
        fill_child_ranges(&mut self.sections, self.body.len());
        self.sections
    }
}

/// A section with no heading and no content yet, starting at byte `start` on file line `line`.
fn empty_section(level: u8, line: u64, start: usize) -> Section {
    Section {
        heading: String::new(),
        level,
        anchor: String::new(),
        parents: Vec::new(),
        line,
        range: start..start,
        range_with_children: start..start,
        text: String::new(),
    }
}

/// Keeps a finished section, its text with whitespace collapsed; an empty preamble is dropped.
fn finish(sections: &mut Vec<Section>, mut section: Section, body: &str) {
    let is_empty_preamble = section.level == 0 && body[section.range.clone()].trim().is_empty();
    if is_empty_preamble {
        return;
    }
    section.text = collapse_whitespace(&section.text);
    sections.push(section);
}

/// A section's range with children ends where the next heading of the same or a higher level
/// starts.
fn fill_child_ranges(sections: &mut [Section], body_len: usize) {
    for i in 0..sections.len() {
        let level = sections[i].level;
        let end = sections[i + 1..]
            .iter()
            .find(|s| level == 0 || s.level <= level)
            .map_or(body_len, |s| s.range.start);
        sections[i].range_with_children = sections[i].range.start..end;
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    level as u8
}

fn push_space(text: &mut String) {
    if !text.ends_with(' ') && !text.is_empty() {
        text.push(' ');
    }
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Hands out anchors, suffixing repeats with `-1`, `-2`, … as GitHub does.
#[derive(Default)]
struct Anchors {
    seen: HashMap<String, usize>,
}

impl Anchors {
    fn unique(&mut self, base: String) -> String {
        let base = if base.is_empty() {
            "section".to_string()
        } else {
            base
        };
        let count = self.seen.entry(base.clone()).or_insert(0);
        let anchor = if *count == 0 {
            base.clone()
        } else {
            format!("{base}-{count}")
        };
        *count += 1;
        if anchor != base {
            self.seen.entry(anchor.clone()).or_insert(1);
        }
        anchor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "\
# Billing portal

Intro text.

## Login
1. `ssh ops@billing01`

## Common problems
### Invoices stuck in \"pending\"
Restart the worker.

### Invoices stuck in \"pending\"
Again.
";

    #[test]
    fn every_heading_starts_a_section_with_its_line() {
        let sections = split_sections(BODY, 10, "Billing portal");
        let headings: Vec<_> = sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(
            headings,
            [
                "Billing portal",
                "Login",
                "Common problems",
                "Invoices stuck in \"pending\"",
                "Invoices stuck in \"pending\""
            ]
        );
        assert_eq!(sections[0].line, 10);
        assert_eq!(sections[1].line, 14);
    }

    #[test]
    fn anchors_are_github_style_and_unique() {
        let sections = split_sections(BODY, 1, "Billing portal");
        let anchors: Vec<_> = sections.iter().map(|s| s.anchor.as_str()).collect();
        assert_eq!(
            anchors,
            [
                "billing-portal",
                "login",
                "common-problems",
                "invoices-stuck-in-pending",
                "invoices-stuck-in-pending-1"
            ]
        );
    }

    #[test]
    fn sub_sections_know_their_parents() {
        let sections = split_sections(BODY, 1, "Billing portal");
        assert_eq!(sections[3].parents, ["Common problems"]);
        assert!(sections[1].parents.is_empty());
    }

    #[test]
    fn plain_text_keeps_code_and_drops_markup() {
        let sections = split_sections(BODY, 1, "Billing portal");
        assert_eq!(sections[1].text, "ssh ops@billing01");
        assert_eq!(sections[0].text, "Intro text.");
    }

    #[test]
    fn a_section_with_children_spans_its_sub_sections() {
        let sections = split_sections(BODY, 1, "Billing portal");
        let common = &sections[2];
        let text = &BODY[common.range_with_children.clone()];
        assert!(text.contains("Restart the worker"));
        assert!(text.contains("Again."));
        assert!(!BODY[sections[1].range_with_children.clone()].contains("Common"));
    }

    #[test]
    fn text_before_the_first_heading_is_its_own_section() {
        let sections = split_sections("Some notes.\n\n## Login\nssh\n", 1, "Notes");
        assert_eq!(sections[0].heading, "Notes");
        assert_eq!(sections[0].level, 0);
        assert_eq!(sections[0].text, "Some notes.");
    }

    #[test]
    fn explicit_heading_ids_are_kept() {
        let sections = split_sections("## Log in {#login}\n", 1, "T");
        assert_eq!(sections[0].anchor, "login");
        assert_eq!(sections[0].heading, "Log in");
    }

    #[test]
    fn slug_drops_punctuation_and_keeps_unicode_letters() {
        assert_eq!(slug("ORA-00942: table or view"), "ora-00942-table-or-view");
        assert_eq!(slug("Über  uns"), "über--uns");
    }

    #[test]
    fn urls_in_links_are_indexed() {
        let sections = split_sections("[the portal](https://billing.example.com/x)\n", 1, "T");
        assert!(sections[0].text.contains("https://billing.example.com/x"));
    }
}
