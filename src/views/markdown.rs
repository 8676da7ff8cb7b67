//! Runbook Markdown rendered to HTML that is safe to put in a page.
//!
//! pulldown-cmark passes raw HTML and `javascript:` links through, so its output is sanitized
//! with ammonia. Headings get the same anchors as the index's sections, so a search result's
//! `#anchor` lands on the right heading, and links between runbook files become links between
//! runbook pages.

use std::collections::HashSet;

use pulldown_cmark::{CowStr, Event, Parser, Tag};

/// Deepest nesting of elements passed to the sanitizer. html5ever's tree builder takes time
/// quadratic in nesting depth: 10,000 nested block quotes (a few kB of Markdown) took minutes.
/// Past this depth, Markdown containers are flattened (their text stays) and raw HTML is shown
/// as text. Real runbooks nest a few levels.
pub const MAX_NESTING: usize = 64;

use runbook_core::runbook::Runbook;
use runbook_core::runbook::sections::markdown_options;

/// The URL of a runbook page.
pub fn runbook_url(app: &str) -> String {
    format!(
        "/runbooks/{}",
        runbook_core::config::percent_encode_path(app)
    )
}

/// Renders a runbook's body as sanitized HTML.
pub fn render(runbook: &Runbook) -> String {
    render_markdown(&runbook.body, &runbook.id_path, &heading_anchors(runbook))
}

/// Renders one piece of a runbook (a section) as sanitized HTML; headings get no ids, so it can
/// stand on a page beside the full runbook without clashing.
pub fn render_fragment(markdown: &str, id_path: &str) -> String {
    render_markdown(markdown, id_path, &[])
}

fn heading_anchors(runbook: &Runbook) -> Vec<String> {
    runbook
        .sections
        .iter()
        .filter(|s| s.level > 0)
        .map(|s| s.anchor.clone())
        .collect()
}

fn render_markdown(markdown: &str, id_path: &str, anchors: &[String]) -> String {
    let mut anchors = anchors.iter();
    let events = Parser::new_ext(markdown, markdown_options()).map(|event| match event {
        Event::Start(Tag::Heading {
            level,
            classes,
            attrs,
            ..
        }) => Event::Start(Tag::Heading {
            level,
            id: anchors.next().map(|a| CowStr::from(a.clone())),
            classes,
            attrs,
        }),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: CowStr::from(rewrite_link(&dest_url, id_path)),
            title,
            id,
        }),
        other => other,
    });
    let mut nesting = Nesting::default();
    let events = events.filter_map(|event| nesting.bound(event));
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    sanitize(&html)
}

/// Keeps the element nesting of rendered Markdown within [`MAX_NESTING`].
#[derive(Default)]
struct Nesting {
    /// Markdown containers open, including those dropped for being too deep.
    markdown: usize,
    /// Raw HTML elements open, as far as a tag count can tell.
    html: usize,
}

impl Nesting {
    fn bound<'a>(&mut self, event: Event<'a>) -> Option<Event<'a>> {
        let open = self.markdown + self.html;
        match event {
            Event::Start(tag) => {
                self.markdown += 1;
                (open < MAX_NESTING).then_some(Event::Start(tag))
            }
            Event::End(tag) => {
                self.markdown = self.markdown.saturating_sub(1);
                (open <= MAX_NESTING).then_some(Event::End(tag))
            }
            Event::Html(raw) | Event::InlineHtml(raw)
                if open + RawTags::scan(&raw).deepest > MAX_NESTING =>
            {
                Some(Event::Text(raw))
            }
            Event::Html(raw) => {
                self.track(&raw);
                Some(Event::Html(raw))
            }
            Event::InlineHtml(raw) => {
                self.track(&raw);
                Some(Event::InlineHtml(raw))
            }
            other => Some(other),
        }
    }

    fn track(&mut self, raw: &str) {
        let tags = RawTags::scan(raw);
        self.html = (self.html + tags.opened).saturating_sub(tags.closed);
    }
}

/// Elements that have no end tag, or whose end tag may be left out (the parser closes them):
/// they do not deepen the nesting.
const SELF_CLOSING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option",
];

/// What a piece of raw HTML opens and closes, by counting its tags (no parsing: that is what is
/// being guarded).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RawTags {
    opened: usize,
    closed: usize,
    /// How much deeper it goes at its deepest.
    pub(crate) deepest: usize,
}

impl RawTags {
    pub(crate) fn scan(raw: &str) -> RawTags {
        let mut tags = RawTags::default();
        let mut depth = 0usize;
        for tag in raw.split('<').skip(1) {
            if let Some(rest) = tag.strip_prefix('/') {
                if rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    depth = depth.saturating_sub(1);
                    tags.closed += 1;
                }
            } else if opens_element(tag) {
                depth += 1;
                tags.opened += 1;
                tags.deepest = tags.deepest.max(depth);
            }
        }
        tags
    }
}

/// Whether the text after a `<` starts an element that needs an end tag.
pub(crate) fn opens_element(tag: &str) -> bool {
    let name = tag
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    let self_closed = tag
        .split('>')
        .next()
        .is_some_and(|inside| inside.trim_end().ends_with('/'));
    !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && !self_closed
        && !SELF_CLOSING.contains(&name.as_str())
}

/// Links to other runbook files (`vpn.md#login`, `../ledgerline.md`) become page links.
fn rewrite_link(dest: &str, id_path: &str) -> String {
    if dest.contains(':') || dest.starts_with('/') || dest.starts_with('#') {
        return dest.to_string();
    }
    let (file, fragment) = match dest.split_once('#') {
        Some((f, a)) => (f, Some(a)),
        None => (dest, None),
    };
    let Some(stem) = file.strip_suffix(".md") else {
        return dest.to_string();
    };
    let mut parts: Vec<&str> = id_path.split('/').collect();
    parts.pop();
    for piece in stem.split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut url = runbook_url(&parts.join("/"));
    if let Some(fragment) = fragment {
        url.push('#');
        url.push_str(fragment);
    }
    url
}

/// Keeps Markdown's HTML and drops anything that could run script or restyle the page.
pub fn sanitize(html: &str) -> String {
    let headings = ["h1", "h2", "h3", "h4", "h5", "h6"];
    let mut builder = ammonia::Builder::default();
    for heading in headings {
        builder.add_tag_attributes(heading, &["id"]);
    }
    builder
        .add_tag_attributes("code", &["class"])
        .add_tag_attributes("input", &["type", "checked", "disabled"])
        .add_tags(["input"])
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
        .link_rel(Some("noopener noreferrer"))
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runbook(text: &str) -> Runbook {
        Runbook::parse("runbooks/t.md", "finance/t.md", text).expect("parses")
    }

    #[test]
    fn headings_get_the_section_anchors() {
        let html = render(&runbook("# T\n\n## Login\n\n## Login\n"));
        assert!(html.contains(r#"<h2 id="login">"#), "{html}");
        assert!(html.contains(r#"<h2 id="login-1">"#), "{html}");
    }

    #[test]
    fn scripts_event_handlers_and_javascript_links_do_not_survive() {
        let html = render(&runbook(
            "# T\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) <a href=\"javascript:alert(2)\">y</a>\n\n<iframe src=\"https://evil\"></iframe>\n",
        ));
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("<iframe"), "{html}");
    }

    #[test]
    fn code_blocks_keep_their_language_class() {
        let html = render(&runbook("```sh\nssh ops@host\n```\n"));
        assert!(html.contains(r#"<code class="language-sh">"#), "{html}");
    }

    #[test]
    fn links_between_runbook_files_become_page_links() {
        assert_eq!(
            rewrite_link("vpn.md#login", "ledgerline.md"),
            "/runbooks/vpn#login"
        );
        assert_eq!(
            rewrite_link("../ledgerline.md", "finance/payroll.md"),
            "/runbooks/ledgerline"
        );
        assert_eq!(rewrite_link("hr.md", "people/x.md"), "/runbooks/people/hr");
        assert_eq!(
            rewrite_link("https://x.example.com/a.md", "a.md"),
            "https://x.example.com/a.md"
        );
        assert_eq!(rewrite_link("#login", "a.md"), "#login");
    }

    #[test]
    fn deep_nesting_is_flattened_past_the_limit_and_keeps_its_text() {
        for markdown in [
            format!("{}quoted\n", "> ".repeat(10_000)),
            format!("{}item\n", "- ".repeat(10_000)),
            format!("{}raw\n", "<div>".repeat(10_000)),
            format!("a {}inline", "<span>".repeat(10_000)),
        ] {
            let html = render_markdown(&markdown, "t.md", &[]);
            let deepest = RawTags::scan(&html).deepest;
            assert!(
                deepest <= MAX_NESTING + 2,
                "nesting {deepest} in {}",
                &html[..200]
            );
            assert!(
                ["quoted", "item", "raw", "inline"]
                    .iter()
                    .any(|w| html.contains(w)),
                "the text survives"
            );
        }
    }

    #[test]
    fn ordinary_nesting_and_raw_html_are_untouched() {
        let html = render(&runbook(
            "> quote\n> - a\n>   - b\n\n<details><summary>More</summary>\n\nhidden\n\n</details>\n",
        ));
        assert!(html.contains("<blockquote>"), "{html}");
        assert!(html.contains("<details>"), "{html}");
        assert!(!html.contains("&lt;details"), "{html}");
    }

    #[test]
    fn raw_tags_count_opened_closed_and_depth() {
        let tags = RawTags::scan("<div><br><p>x<span>y</span></div><img/>");
        assert_eq!(
            tags,
            RawTags {
                opened: 2,
                closed: 2,
                deepest: 2
            }
        );
    }

    #[test]
    fn external_links_open_without_referrer() {
        let html = render(&runbook("[status](https://status.example.com)\n"));
        assert!(html.contains(r#"rel="noopener noreferrer""#), "{html}");
    }
}
