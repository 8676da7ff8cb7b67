//! One page of the static book: a runbook's Markdown with its front matter taken off, its fact
//! card under the title, and nothing in it that could run script.
//!
//! mdBook renders chapter Markdown itself and, unlike the web server, passes raw HTML and any link
//! scheme through. So the body is cleaned here, at the Markdown level: every piece of raw HTML goes
//! through the web page's sanitizer ([`markdown::sanitize`]), and links whose scheme is not one
//! the web page allows keep their text but lose the link.

use std::ops::Range;

use askama::Template;
use pulldown_cmark::{Event, Parser, Tag};

use crate::views::card::CardView;
use crate::views::markdown::{self, MAX_NESTING, RawTags};
use runbook_core::results::RunbookDetails;
use runbook_core::runbook::sections::markdown_options;

/// How the fact card is written: HTML styled like the web page's card for mdBook's HTML
/// renderer; plain Markdown for every other renderer (EPUB, PDF, the Markdown renderer), which
/// may not understand raw HTML and styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardFormat {
    Html,
    Markdown,
}

impl CardFormat {
    /// The format for mdBook's renderer of this name.
    pub fn for_renderer(renderer: &str) -> CardFormat {
        if renderer == "html" {
            CardFormat::Html
        } else {
            CardFormat::Markdown
        }
    }
}

#[derive(Template)]
#[template(path = "book_card.html")]
struct BookCard<'a> {
    card: &'a CardView,
    /// "Last changed 2026-10-01 by Priya Raman.", when git knows.
    last_change: String,
}

/// The fact card for a runbook's details.
pub fn card(details: &RunbookDetails, format: CardFormat) -> String {
    // The card's title links nowhere: it stands on the runbook's own page.
    let view = CardView::new(details, String::new(), None);
    let last_change = details
        .last_change
        .as_ref()
        .map(|change| {
            format!(
                "Last changed {} by {}.",
                change.date.format("%Y-%m-%d"),
                change.author
            )
        })
        .unwrap_or_default();
    match format {
        CardFormat::Html => {
            let html = BookCard {
                card: &view,
                last_change,
            }
            .render()
            // The template has no fallible parts; should rendering ever fail, the card is left
            // out rather than the page.
            .unwrap_or_default();
            // A blank line would end Markdown's HTML block and turn the rest into paragraphs.
            html.lines()
                .filter(|line| !line.trim().is_empty())
                .collect::<Vec<_>>()
                .join("\n")
        }
        CardFormat::Markdown => markdown_card(&view, &last_change),
    }
}

/// The card as a Markdown block quote, every value escaped.
fn markdown_card(card: &CardView, last_change: &str) -> String {
    let mut lines = vec![format!(
        "**{}: {}**",
        escape(card.hosting.badge),
        escape(card.hosting.advice)
    )];
    if !card.summary.is_empty() {
        lines.push(escape(&card.summary));
    }
    let mut fact = |name: &str, value: String| {
        if !value.trim().is_empty() {
            lines.push(format!("**{name}:** {value}"));
        }
    };
    fact("Owner", escape(&card.owner));
    fact("System", escape(&card.system));
    fact("Also called", escape(&card.aliases.join(", ")));
    let contacts: Vec<String> = card
        .contacts
        .iter()
        .enumerate()
        .map(|(i, contact)| {
            let parts = [
                &contact.name,
                &contact.role,
                &contact.phone,
                &contact.email,
                &contact.hours,
            ];
            format!("{}. {}", i + 1, joined(&parts))
        })
        .collect();
    fact("Escalate", contacts.join("; "));
    if let Some(vendor) = &card.vendor {
        let mut line = joined(&[
            &vendor.name,
            &vendor.phone,
            &vendor.email,
            &vendor.contract,
            &vendor.expires,
        ]);
        if !vendor.call_when.is_empty() {
            line.push_str(&format!(". Call them: {}", escape(&vendor.call_when)));
        }
        fact("Vendor", line);
    }
    let servers: Vec<String> = card
        .servers
        .iter()
        .map(|s| joined(&[&s.host, &s.ip, &s.role]))
        .collect();
    fact("Servers", servers.join("; "));
    let urls: Vec<String> = card.urls.iter().map(|u| escape(&u.url)).collect();
    fact("URLs", urls.join(", "));
    for (key, value) in &card.extra {
        fact(&escape(key), escape(value));
    }
    let warning = if card.overdue { "⚠ " } else { "" };
    lines.push(format!(
        "{warning}{} {}",
        escape(&card.review),
        escape(last_change)
    ));
    // Two trailing spaces: a line break inside the quote's one paragraph.
    lines
        .iter()
        .map(|line| format!("> {}  ", line.trim_end()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The non-empty values, escaped, joined with " · ".
fn joined(values: &[&String]) -> String {
    values
        .iter()
        .filter(|v| !v.is_empty())
        .map(|v| escape(v))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Characters that start Markdown syntax inside a line: code, emphasis, links and images, raw
/// HTML and entities, table cells, strikethrough, headings.
const MARKDOWN_SPECIAL: &[char] = &[
    '\\', '`', '*', '_', '[', ']', '<', '>', '|', '!', '&', '~', '#', '$',
];

/// Text from a runbook file made safe to stand in Markdown as plain text (never at the start of
/// a line, where list and heading markers would count too): the characters that start syntax are
/// backslash-escaped, so a value cannot open a link, an emphasis, a table cell or raw HTML; line
/// breaks become spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        match ch {
            '\n' | '\r' => out.push(' '),
            ch if MARKDOWN_SPECIAL.contains(&ch) => {
                out.push('\\');
                out.push(ch);
            }
            ch => out.push(ch),
        }
    }
    out
}

/// A runbook page: `body` (front matter already taken off) cleaned, with `card` under its
/// level-1 title; a body without one gets `title` as its heading.
pub fn compose(title: &str, body: &str, card: &str) -> String {
    let body = clean(body);
    let first = body
        .lines()
        .map(str::trim_end)
        .find(|line| !line.is_empty())
        .unwrap_or_default();
    let starts_with_title = first.starts_with("# ") || first == "#";
    if starts_with_title {
        let offset = body.find(first).unwrap_or(0);
        let end = offset + first.len();
        let rest = body[end..].trim_start_matches(['\r', '\n']);
        return format!("{}\n\n{card}\n\n{rest}", &body[..end]);
    }
    format!("# {}\n\n{card}\n\n{body}", escape(title))
}

/// Link schemes a page may use, as on the web page.
const ALLOWED_SCHEMES: [&str; 4] = ["http", "https", "mailto", "tel"];

/// The Markdown with raw HTML sanitized and links with disallowed schemes reduced to their text.
pub fn clean(markdown: &str) -> String {
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    // The end of the last HTML block cleaned.
    let mut covered = 0usize;
    // Links open around the current event: the whole link's source, its text's source, and
    // whether it is to be dropped.
    let mut links: Vec<(Range<usize>, Option<Range<usize>>, bool)> = Vec::new();
    for (event, range) in Parser::new_ext(markdown, markdown_options()).into_offset_iter() {
        match event {
            Event::Start(Tag::HtmlBlock) => {
                edits.push((range.clone(), clean_html(&markdown[range.clone()])));
                covered = range.end;
            }
            // One line of an HTML block, cleaned with the whole block above.
            Event::Html(_) if range.start < covered => {}
            Event::Html(_) | Event::InlineHtml(_) => {
                edits.push((range.clone(), clean_html(&markdown[range.clone()])));
                if let Some((_, text, _)) = links.last_mut() {
                    extend(text, &range);
                }
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                links.push((range.clone(), None, !scheme_allowed(&dest_url)));
            }
            Event::End(pulldown_cmark::TagEnd::Link | pulldown_cmark::TagEnd::Image) => {
                if let Some((whole, text, unsafe_link)) = links.pop() {
                    if unsafe_link {
                        let kept = text.map(|t| markdown[t].to_string()).unwrap_or_default();
                        // Edits made inside the link's text are superseded by dropping it whole.
                        edits.retain(|(r, _)| r.start < whole.start || r.end > whole.end);
                        edits.push((whole.clone(), escape_html_text(&kept)));
                    }
                    if let Some((_, outer, _)) = links.last_mut() {
                        extend(outer, &whole);
                    }
                }
            }
            _ => {
                if let Some((_, text, _)) = links.last_mut() {
                    extend(text, &range);
                }
            }
        }
    }
    if edits.is_empty() {
        return markdown.to_string();
    }
    edits.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(markdown.len());
    let mut at = 0;
    for (range, replacement) in edits {
        if range.start < at {
            continue;
        }
        out.push_str(&markdown[at..range.start]);
        out.push_str(&replacement);
        at = range.end;
    }
    out.push_str(&markdown[at..]);
    out
}

fn extend(text: &mut Option<Range<usize>>, range: &Range<usize>) {
    *text = Some(match text.take() {
        Some(text_range) => text_range.start.min(range.start)..text_range.end.max(range.end),
        None => range.clone(),
    });
}

/// Whether a link destination is relative or uses an allowed scheme. Browsers ignore whitespace
/// and control characters inside a scheme (`java\tscript:`), so those are dropped first.
fn scheme_allowed(dest: &str) -> bool {
    let compact: String = dest
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect();
    let Some((scheme, _)) = compact.split_once(':') else {
        return true;
    };
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    // A colon after a path character (`a/b:c`, `#x:y`) does not start a scheme.
    !is_scheme
        || ALLOWED_SCHEMES
            .iter()
            .any(|allowed| scheme.eq_ignore_ascii_case(allowed))
}

/// Link text kept from a dropped link: Markdown source, but it must not become a link again, so
/// the brackets that could start one are escaped.
fn escape_html_text(text: &str) -> String {
    text.replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "&lt;")
}

/// One piece of raw HTML (a whole HTML block, or one inline tag) through the web page's
/// sanitizer. A piece may open an element that a later piece closes (`<details>` … `</details>`
/// around Markdown); the sanitizer would close it at once and drop the lone end tag, so the end
/// tags it added are taken off again and the lone ones put back, for elements it allows.
fn clean_html(raw: &str) -> String {
    if RawTags::scan(raw).deepest > MAX_NESTING {
        // Deep nesting makes the sanitizer's parser slow; such HTML is shown as text.
        return raw.replace('&', "&amp;").replace('<', "&lt;");
    }
    let mut cleaned = markdown::sanitize(raw).trim_end().to_string();
    let balance = TagBalance::of(raw);
    for name in balance.left_open.iter().rev() {
        let closer = format!("</{name}>");
        if let Some(stripped) = cleaned.strip_suffix(&closer) {
            cleaned = stripped.to_string();
        }
    }
    for name in &balance.closed_unopened {
        if allowed_element(name) {
            cleaned.push_str(&format!("</{name}>"));
        }
    }
    // A block ended with its line; keep it so, or the next Markdown line would join it.
    if raw.ends_with('\n') && !cleaned.ends_with('\n') {
        cleaned.push('\n');
    }
    cleaned
}

fn allowed_element(name: &str) -> bool {
    !markdown::sanitize(&format!("<{name}></{name}>")).is_empty()
}

/// Elements a piece of raw HTML opens without closing, and end tags it has for elements it did
/// not open, by counting tags (as [`RawTags`] does: no parsing).
#[derive(Debug, Default, PartialEq, Eq)]
struct TagBalance {
    left_open: Vec<String>,
    closed_unopened: Vec<String>,
}

impl TagBalance {
    fn of(raw: &str) -> TagBalance {
        let mut balance = TagBalance::default();
        for tag in raw.split('<').skip(1) {
            let (closing, rest) = match tag.strip_prefix('/') {
                Some(rest) => (true, rest),
                None => (false, tag),
            };
            let name: String = rest
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase();
            if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                continue;
            }
            if closing {
                match balance.left_open.iter().rposition(|open| *open == name) {
                    Some(at) => {
                        balance.left_open.remove(at);
                    }
                    None => balance.closed_unopened.push(name),
                }
            } else if markdown::opens_element(tag) {
                balance.left_open.push(name);
            }
        }
        balance
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_open_links_or_html() {
        let escaped = escape("[x](javascript:alert(1)) <script> | *a*");
        assert_eq!(
            escaped,
            "\\[x\\](javascript:alert(1)) \\<script\\> \\| \\*a\\*"
        );
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, Parser::new_ext(&escaped, markdown_options()));
        assert!(!html.contains("<a") && !html.contains("<script"), "{html}");
    }

    #[test]
    fn scripts_handlers_and_javascript_links_do_not_survive() {
        let body = "# T\n\n<script>alert(1)</script>\n\nText <img src=x onerror=alert(1)> more.\n\n\
                    [click](javascript:alert(2)) and [ok](https://example.com) and \
                    [rel](vpn.md#login) and <javascript:alert(3)>\n\n\
                    <a href=\"javascript:alert(4)\">y</a>\n\n[ref][r]\n\n[r]: JaVaScRiPt:alert(5)\n";
        let cleaned = clean(body);
        assert!(!cleaned.contains("<script"), "{cleaned}");
        assert!(!cleaned.contains("onerror"), "{cleaned}");
        assert!(!cleaned.contains("](javascript"), "{cleaned}");
        assert!(!cleaned.contains("<javascript"), "{cleaned}");
        assert!(!cleaned.contains("href=\"javascript"), "{cleaned}");
        assert!(cleaned.contains("[ok](https://example.com)"), "{cleaned}");
        assert!(cleaned.contains("[rel](vpn.md#login)"), "{cleaned}");
        assert!(cleaned.contains("click"), "the text stays: {cleaned}");
        assert!(!cleaned.contains("[ref][r]"), "{cleaned}");
        // What mdBook would render from it: no script, no javascript: URL.
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, Parser::new_ext(&cleaned, markdown_options()));
        let lower = html.to_lowercase();
        assert!(!lower.contains("href=\"javascript"), "{html}");
        assert!(!lower.contains("src=\"javascript"), "{html}");
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn harmless_html_keeps_its_shape_across_markdown() {
        let body = "Press <kbd>Ctrl</kbd>+<kbd>C</kbd>.\n\n<details><summary>More</summary>\n\nhidden\n\n</details>\n";
        let cleaned = clean(body);
        assert!(
            cleaned.contains("<kbd>Ctrl</kbd>+<kbd>C</kbd>"),
            "{cleaned}"
        );
        assert!(
            cleaned.contains("<details><summary>More</summary>\n\nhidden\n\n</details>"),
            "{cleaned}"
        );
    }

    #[test]
    fn plain_markdown_is_untouched() {
        let body =
            "# T\n\n## Login\n\n1. `ssh ops@host`\n\n[vpn](vpn.md) <https://x.example.com>\n";
        assert_eq!(clean(body), body);
    }

    #[test]
    fn the_card_goes_under_the_title_or_the_title_is_added() {
        let page = compose("T", "\n# Billing portal\n\nIntro.\n", "CARD");
        assert_eq!(page, "\n# Billing portal\n\nCARD\n\nIntro.\n");
        let page = compose("Vpn *x*", "Intro.\n", "CARD");
        assert_eq!(page, "# Vpn \\*x\\*\n\nCARD\n\nIntro.\n");
    }

    #[test]
    fn tag_balance_counts_open_and_lone_end_tags() {
        assert_eq!(
            TagBalance::of("<details><summary>More</summary><br>"),
            TagBalance {
                left_open: vec!["details".into()],
                closed_unopened: vec![],
            }
        );
        assert_eq!(
            TagBalance::of("</div></details>"),
            TagBalance {
                left_open: vec![],
                closed_unopened: vec!["div".into(), "details".into()],
            }
        );
    }
}
