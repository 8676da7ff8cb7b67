//! Runbook Markdown rendered to HTML that is safe to put in a page.
//!
//! pulldown-cmark passes raw HTML and `javascript:` links through, so its output is sanitized
//! with ammonia. Headings get the same anchors as the index's sections, so a search result's
//! `#anchor` lands on the right heading, and links between runbook files become links between
//! runbook pages.

use std::collections::HashSet;

use pulldown_cmark::{CowStr, Event, Parser, Tag};

use crate::runbook::Runbook;
use crate::runbook::sections::markdown_options;

/// The URL of a runbook page.
pub fn runbook_url(app: &str) -> String {
    format!("/runbooks/{}", encode_path(app))
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
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    sanitize(&html)
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

/// Percent-encodes what may not stand in a URL path, keeping `/` between segments.
fn encode_path(path: &str) -> String {
    const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~')
        .remove(b'/');
    percent_encoding::utf8_percent_encode(path, PATH_SEGMENT).to_string()
}

/// Keeps Markdown's HTML and drops anything that could run script or restyle the page.
pub fn sanitize(html: &str) -> String {
    let headings = ["h1", "h2", "h3", "h4", "h5", "h6"];
    let mut builder = ammonia::Builder::default();
    for h in headings {
        builder.add_tag_attributes(h, &["id"]);
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
    fn external_links_open_without_referrer() {
        let html = render(&runbook("[status](https://status.example.com)\n"));
        assert!(html.contains(r#"rel="noopener noreferrer""#), "{html}");
    }
}
