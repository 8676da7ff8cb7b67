//! A search's answer as a chat message: the runbook's title, the hosting verdict in the card's
//! words, the owner, whom to call first now, what is firing, and links to the page and its login
//! section; the next hits as links; or that nothing was found, with a link to the search page.
//! Slack gets it as blocks, Mattermost as Markdown: the words are the same.

use crate::views::card::HostingView;
use crate::views::firing::firing_lines;
use crate::views::markdown::runbook_url;
use crate::views::reach;
use runbook_core::results::{RunbookDetails, SearchResults};

/// Other hits linked below the answer.
const MORE_HITS: usize = 2;

/// What a chat answer says, before it is written for one chat.
pub struct ChatAnswer {
    /// The runbook's title and app id, shown in bold first; `None` when nothing was found.
    pub title: Option<(String, String)>,
    /// The lines after the title, with Markdown links.
    pub lines: Vec<String>,
}

impl ChatAnswer {
    /// The answer to `query`: `details` of the best hit (when there is one) and the other hits of
    /// `results`, with links under `base` (the server's public address, no trailing slash).
    pub fn new(
        query: &str,
        results: &SearchResults,
        details: Option<&RunbookDetails>,
        base: &str,
    ) -> ChatAnswer {
        let Some(details) = details else {
            let search = format!(
                "{base}/?q={}",
                runbook_core::config::percent_encode_path(query)
            );
            return ChatAnswer {
                title: None,
                lines: vec![format!(
                    "Nothing found for “{query}”. [Search the runbooks]({search})"
                )],
            };
        };
        let facts = &details.facts;
        let page = format!("{base}{}", runbook_url(&facts.app));
        let mut lines = vec![HostingView::of(facts.hosting).advice.to_string()];
        lines.push(format!(
            "Owner: {}",
            facts.owner.as_deref().unwrap_or("unknown")
        ));
        if let Some(call) = reach::call_first_line(details) {
            lines.push(call);
        }
        lines.extend(firing_lines(details));
        let mut links = format!("[Open the runbook]({page})");
        if let Some(login) = details.section.as_ref().filter(|s| !s.anchor.is_empty()) {
            links.push_str(&format!(" · [Login steps]({page}#{})", login.anchor));
        }
        lines.push(links);
        let more: Vec<String> = results
            .hits
            .iter()
            .filter(|hit| hit.app != facts.app)
            .take(MORE_HITS)
            .map(|hit| format!("[{}]({base}{})", hit.title, runbook_url(&hit.app)))
            .collect();
        if !more.is_empty() {
            lines.push(format!("Also: {}", more.join(" · ")));
        }
        ChatAnswer {
            title: Some((facts.title.clone(), facts.app.clone())),
            lines,
        }
    }

    /// Mattermost's Markdown: bold is `**`, links are `[text](url)`.
    pub fn markdown(&self) -> String {
        let title = self
            .title
            .iter()
            .map(|(title, app)| format!("**{title}** ({app})"));
        title
            .chain(self.lines.iter().cloned())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Slack's mrkdwn: bold is `*`, links are `<url|text>`.
    pub fn slack_text(&self) -> String {
        let title = self
            .title
            .iter()
            .map(|(title, app)| format!("*{title}* ({app})"));
        title
            .chain(self.lines.iter().map(|line| slack_links(line)))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// `[text](url)` links as Slack writes them, `<url|text>`.
fn slack_links(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|at| open + at) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|at| close + at) else {
            break;
        };
        out.push_str(&rest[..open]);
        let text = &rest[open + 1..close];
        let url = &rest[close + 2..end];
        out.push_str(&format!("<{url}|{text}>"));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_links_become_slacks() {
        assert_eq!(
            slack_links(
                "[Open](https://rb/runbooks/ledger) · [Login](https://rb/runbooks/ledger#login)"
            ),
            "<https://rb/runbooks/ledger|Open> · <https://rb/runbooks/ledger#login|Login>"
        );
        assert_eq!(slack_links("no links [here"), "no links [here");
    }
}
