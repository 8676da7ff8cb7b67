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
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_lowercase().next().unwrap_or(c))
            } else if c.is_whitespace() {
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
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(body.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| -> u64 {
        let index = line_starts.partition_point(|&start| start <= offset);
        body_line + index.saturating_sub(1) as u64
    };

    let mut sections: Vec<Section> = Vec::new();
    let mut anchors = Anchors::default();
    let mut current = Section {
        heading: title.to_string(),
        level: 0,
        anchor: String::new(),
        parents: Vec::new(),
        line: body_line,
        range: 0..0,
        range_with_children: 0..0,
        text: String::new(),
    };
    let mut in_heading: Option<(u8, Option<String>)> = None;
    let mut heading_text = String::new();
    // enclosing headings: (level, text)
    let mut stack: Vec<(u8, String)> = Vec::new();

    for (event, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                current.range.end = range.start;
                finish(&mut sections, current, body);
                in_heading = Some((heading_level(level), id.map(|s| s.to_string())));
                heading_text.clear();
                current = Section {
                    heading: String::new(),
                    level: heading_level(level),
                    anchor: String::new(),
                    parents: Vec::new(),
                    line: line_of(range.start),
                    range: range.start..range.start,
                    range_with_children: range.start..range.start,
                    text: String::new(),
                };
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, explicit_id)) = in_heading.take() {
                    let heading = collapse_whitespace(&heading_text);
                    while stack.last().is_some_and(|(l, _)| *l >= level) {
                        stack.pop();
                    }
                    current.parents = stack
                        .iter()
                        .filter(|(l, _)| *l > 1)
                        .map(|(_, t)| t.clone())
                        .collect();
                    stack.push((level, heading.clone()));
                    current.anchor = anchors.unique(explicit_id.unwrap_or_else(|| slug(&heading)));
                    current.heading = heading;
                }
            }
            Event::Text(text) | Event::Code(text) => {
                if in_heading.is_some() {
                    heading_text.push_str(&text);
                } else {
                    current.text.push_str(&text);
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) if dest_url.contains("://") => {
                // URLs are what callers paste; make them findable even when the link text hides them.
                current.text.push_str(&dest_url);
                current.text.push(' ');
            }
            Event::SoftBreak | Event::HardBreak => push_space(&mut current.text),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_),
            ) => push_space(&mut current.text),
            Event::Html(html) | Event::InlineHtml(html) if in_heading.is_none() => {
                current.text.push_str(&html);
                push_space(&mut current.text);
            }
            _ => {}
        }
    }
    current.range.end = body.len();
    finish(&mut sections, current, body);
    fill_child_ranges(&mut sections, body.len());
    sections
}

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
