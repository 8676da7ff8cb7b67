//! Where a link leads: the runbook (and section) a stable key names, as `/r/{key}` and an
//! alert's labels resolve it. A key is an app id, alias, server host, IP, URL, or the name of an
//! alert a runbook declares in `alerts:`.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::knowledge_base::KnowledgeBase;
use crate::runbook::Runbook;
use crate::runbook::names::key;

/// Alert labels tried in order, after `runbook` and `alertname`: the first that names exactly
/// one runbook wins. `instance` last, its port stripped: a host names a server, not always an
/// application.
const NAMING_LABELS: [&str; 3] = ["app", "service", "job"];

/// A runbook a link leads to, and the anchor of the section it leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTarget {
    /// The runbook's app id: its page is `/runbooks/{app}`.
    pub app: String,
    /// The `id` of the section's heading, when the key is an alert that names a section.
    pub anchor: Option<String>,
}

impl KnowledgeBase {
    /// The runbook `key` names exactly (one runbook, no other), with the section of the alert
    /// it names if any; `None` when it names none, or several.
    pub fn link_target(&self, key_text: &str) -> Result<Option<LinkTarget>> {
        let key_text = key_text.trim();
        if key_text.is_empty() {
            return Ok(None);
        }
        let found = self.lookup(key_text)?;
        let [only] = found.as_slice() else {
            return Ok(None);
        };
        // The file may be unreadable this moment: the page itself will say so.
        let anchor = self
            .runbook(&only.app)
            .ok()
            .and_then(|runbook| alert_anchor(&runbook, key_text));
        Ok(Some(LinkTarget {
            app: only.app.clone(),
            anchor,
        }))
    }

    /// The runbook an alert's labels name: `runbook` (an app id), then `alertname` (an alert a
    /// runbook declares), then `app`, `service` and `job`, then `instance` (a host or IP, its
    /// port stripped). The first label that names exactly one runbook wins.
    pub fn link_target_for_labels(
        &self,
        labels: &BTreeMap<String, String>,
    ) -> Result<Option<LinkTarget>> {
        let named = ["runbook", "alertname"]
            .into_iter()
            .chain(NAMING_LABELS)
            .filter_map(|label| labels.get(label).map(String::as_str));
        let instance = labels.get("instance").map(|instance| strip_port(instance));
        for value in named.chain(instance) {
            if let Some(target) = self.link_target(value)? {
                return Ok(Some(target));
            }
        }
        Ok(None)
    }
}

/// What a link into a knowledge base names: `/runbooks/{app}` an app id, `/r/{key}` any key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkPath {
    /// `/runbooks/{app}`: a runbook's page.
    Runbook(String),
    /// `/r/{key}`: a stable link.
    Key(String),
}

impl LinkPath {
    /// The path of `url` (any host, or none), if it is `/runbooks/{app}` or `/r/{key}`: the
    /// name decoded, query and fragment dropped. `None` for a link elsewhere or with no name.
    pub fn of(url: &str) -> Option<LinkPath> {
        let path = url
            .split_once("://")
            .map_or(url, |(_, rest)| rest.find('/').map_or("", |at| &rest[at..]));
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let (runbook, name) = match (path.strip_prefix("/runbooks/"), path.strip_prefix("/r/")) {
            (Some(app), _) => (true, app),
            (None, Some(key)) => (false, key),
            (None, None) => return None,
        };
        let name = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
        let name = name.trim_matches('/');
        if name.is_empty() {
            return None;
        }
        Some(if runbook {
            LinkPath::Runbook(name.to_string())
        } else {
            LinkPath::Key(name.to_string())
        })
    }

    /// The name the link carries.
    pub fn name(&self) -> &str {
        match self {
            LinkPath::Runbook(name) | LinkPath::Key(name) => name,
        }
    }
}

/// The anchor of the section the alert named `alert` leads to in `runbook`, if it names one
/// that a heading matches.
fn alert_anchor(runbook: &Runbook, alert: &str) -> Option<String> {
    let wanted = key(alert);
    let heading = runbook
        .facts
        .alerts
        .iter()
        .find(|declared| key(&declared.name) == wanted)?
        .section
        .as_deref()?;
    section_anchor(runbook, heading)
}

/// The anchor of the section whose heading is `heading` (compared as names are: case and
/// surrounding spaces aside), or whose anchor it is.
pub fn section_anchor(runbook: &Runbook, heading: &str) -> Option<String> {
    let wanted = key(heading);
    runbook
        .sections
        .iter()
        .filter(|section| section.level > 0)
        .find(|section| key(&section.heading) == wanted || section.anchor == heading.trim())
        .map(|section| section.anchor.clone())
}

/// `host` of `host:port` (and `[v6]` of `[v6]:port`); anything else as it is.
fn strip_port(instance: &str) -> &str {
    let instance = instance.trim();
    if let Some(bracketed) = instance.strip_prefix('[') {
        return bracketed.split(']').next().unwrap_or(bracketed);
    }
    match instance.rsplit_once(':') {
        // One colon: host and port. More: a bare IPv6 address, kept whole.
        Some((host, port))
            if !host.contains(':')
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            host
        }
        _ => instance,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_names_an_app_or_a_key_whatever_the_host() {
        assert_eq!(
            LinkPath::of("https://rb.example.com/r/LedgerDown?instance=x:9100"),
            Some(LinkPath::Key("LedgerDown".into()))
        );
        assert_eq!(
            LinkPath::of("https://rb.example.com/runbooks/finance/ledger#login"),
            Some(LinkPath::Runbook("finance/ledger".into()))
        );
        assert_eq!(
            LinkPath::of("/r/mail%20relay"),
            Some(LinkPath::Key("mail relay".into()))
        );
        assert_eq!(LinkPath::of("https://wiki.example.com/pages/ledger"), None);
        assert_eq!(LinkPath::of("https://rb.example.com/r/"), None);
    }

    #[test]
    fn an_instance_is_its_host_without_the_port() {
        assert_eq!(
            strip_port("ledger01.prod.example.com:9100"),
            "ledger01.prod.example.com"
        );
        assert_eq!(strip_port("10.44.7.19:8080"), "10.44.7.19");
        assert_eq!(strip_port("10.44.7.19"), "10.44.7.19");
        assert_eq!(strip_port("[2001:db8::7]:9100"), "2001:db8::7");
        assert_eq!(strip_port("2001:db8::7"), "2001:db8::7");
        assert_eq!(strip_port("host:notaport"), "host:notaport");
    }

    #[test]
    fn an_alert_leads_to_the_section_it_names_by_heading() {
        let text = "---\napp: ledger\nalerts:\n  - LedgerDown\n  - {name: LedgerQueueBacklog, section: Draining the queue}\n---\n# Ledger\n\n## Login\n\nssh.\n\n## Draining the queue\n\nSteps.\n";
        let runbook =
            Runbook::parse("/kb/runbooks/ledger.md", "runbooks/ledger.md", text).expect("parses");
        assert_eq!(
            alert_anchor(&runbook, "ledgerqueuebacklog").as_deref(),
            Some("draining-the-queue")
        );
        assert_eq!(
            alert_anchor(&runbook, "LedgerDown"),
            None,
            "no section named"
        );
        assert_eq!(alert_anchor(&runbook, "Unknown"), None);
        assert_eq!(
            section_anchor(&runbook, " login ").as_deref(),
            Some("login")
        );
        assert_eq!(section_anchor(&runbook, "No such heading"), None);
    }
}
