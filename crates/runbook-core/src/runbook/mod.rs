//! A runbook: one Markdown file with YAML front matter, parsed into facts and sections.
//!
//! This module knows nothing of files on disk or of the index: it turns text into a [`Runbook`]
//! or a [`FileProblem`] that says what is wrong and where.

pub mod alerts;
pub mod facts;
pub mod front_matter;
pub mod hours;
pub mod names;
pub mod sections;

use serde::Serialize;

pub use facts::{Contact, FactIssue, Facts, Hosting, Server, Vendor};
pub use sections::Section;

use crate::error::FileProblem;

/// A parsed runbook.
#[derive(Debug, Clone, Serialize)]
pub struct Runbook {
    /// Path relative to the knowledge base root, `/`-separated.
    pub path: String,
    /// Path inside the runbook folder, `/`-separated: links between runbooks are relative to it.
    pub id_path: String,
    /// What the front matter says.
    pub facts: Facts,
    /// Whether the file had a front matter block at all.
    pub has_front_matter: bool,
    /// The keys the front matter sets. `title` and `app` get defaults in [`Facts`], so
    /// this is the only way to tell a missing key from a defaulted one.
    #[serde(skip)]
    pub front_matter_keys: Vec<String>,
    /// The Markdown after the front matter.
    #[serde(skip)]
    pub body: String,
    /// The body's sections, in order.
    pub sections: Vec<Section>,
}

/// Headings that hold login steps, in order of preference.
const LOGIN_HEADINGS: [&str; 5] = ["login", "log in", "logging in", "access", "how to log in"];

impl Runbook {
    /// Parses a runbook's text.
    ///
    /// `path` is shown to people (relative to the root); `id_path` is the path inside the runbook
    /// folder, from which the default app id (`finance/ledger.md` → `finance/ledger`) and title come.
    pub fn parse(path: &str, id_path: &str, text: &str) -> Result<Runbook, FileProblem> {
        let problem = |e: front_matter::FrontMatterError| FileProblem {
            path: path.to_string(),
            line: e.line,
            column: e.column,
            message: e.message,
        };
        let split = front_matter::split(text).map_err(problem)?;
        let mapping = match split.yaml {
            Some(yaml) => front_matter::parse_yaml(yaml, split.yaml_line).map_err(problem)?,
            None => serde_json::Map::new(),
        };
        let mut sections = sections::split_sections(split.body, split.body_line, "");
        let title = mapping
            .get("title")
            .and_then(|t| t.as_str())
            .map(str::to_string)
            .or_else(|| {
                sections
                    .iter()
                    .find(|s| s.level == 1 && !s.heading.is_empty())
                    .map(|s| s.heading.clone())
            })
            .unwrap_or_else(|| title_from_path(id_path));
        for section in sections.iter_mut().filter(|s| s.level == 0) {
            section.heading = title.clone();
        }
        let front_matter_keys = mapping.keys().cloned().collect();
        let facts = Facts::from_mapping(mapping, &title, &app_from_path(id_path));
        Ok(Runbook {
            path: path.to_string(),
            id_path: id_path.to_string(),
            facts,
            has_front_matter: split.yaml.is_some(),
            front_matter_keys,
            body: split.body.to_string(),
            sections,
        })
    }

    /// The section with the login steps, if there is one.
    pub fn login_section(&self) -> Option<&Section> {
        LOGIN_HEADINGS.iter().find_map(|wanted| {
            self.sections
                .iter()
                .find(|s| s.heading.trim().eq_ignore_ascii_case(wanted))
        })
    }

    /// Finds a section by name: its heading or anchor, case-insensitively; an exact match first,
    /// else the first heading that starts with `name`.
    pub fn section(&self, name: &str) -> Option<&Section> {
        let wanted = name.trim().to_lowercase();
        let matches_exactly =
            |s: &&Section| s.heading.to_lowercase() == wanted || s.anchor == wanted;
        self.sections
            .iter()
            .find(matches_exactly)
            .or_else(|| {
                self.sections
                    .iter()
                    .find(|s| s.heading.to_lowercase().starts_with(&wanted))
            })
            .or_else(|| self.sections.iter().find(|s| s.anchor.starts_with(&wanted)))
    }

    /// The Markdown of a section including its sub-sections.
    pub fn section_markdown(&self, section: &Section) -> &str {
        self.body
            .get(section.range_with_children.clone())
            .unwrap_or_default()
    }
}

/// The default app id: the path inside the runbook folder without `.md`.
pub fn app_from_path(id_path: &str) -> String {
    id_path
        .strip_suffix(".md")
        .or_else(|| id_path.strip_suffix(".markdown"))
        .unwrap_or(id_path)
        .to_string()
}

/// A title for a runbook with neither a `title` key nor a level-1 heading: its file name, or its
/// folder's name for `README.md` and `index.md`, which say nothing on their own.
fn title_from_path(id_path: &str) -> String {
    let app = app_from_path(id_path);
    let mut parts = app.rsplit('/');
    let stem = parts.next().unwrap_or(&app);
    let generic = ["readme", "index", "_index"].contains(&stem.to_lowercase().as_str());
    match parts.next() {
        Some(folder) if generic => folder.to_string(),
        _ => stem.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"---
title: Billing portal
app: billing
aliases: [invoicing, acme billing]
summary: Customer invoicing web application used by Finance.
hosting: self
owner: team-payments
system: finance
lifecycle: production
tier: 1
tags: [php, mysql]
servers:
  - host: billing01.prod.example.com
    ip: 10.0.4.21
    role: app
urls: [https://billing.example.com]
contacts:
  - role: on-call
    name: Payments on-call
    phone: "+44 20 7946 0000"
    hours: 24x7
vendor:
  name: Acme Billing Ltd
  phone: "+44 20 7946 0999"
  contract: ACME-2291
  call_when: Application bugs only, after we checked our own server.
reviewed: 2026-10-01
review_every_days: 180
runbook_color: green
---
# Billing portal

## Login
1. `ssh ops@billing01.prod.example.com`

## Common problems
### Invoices stuck in "pending"
Restart the queue.
"#;

    #[test]
    fn every_documented_key_is_read() {
        let rb = Runbook::parse("runbooks/billing.md", "billing.md", FULL).unwrap();
        let f = &rb.facts;
        assert_eq!(f.title, "Billing portal");
        assert_eq!(f.app, "billing");
        assert_eq!(f.aliases, ["invoicing", "acme billing"]);
        assert_eq!(
            f.summary.as_deref(),
            Some("Customer invoicing web application used by Finance.")
        );
        assert_eq!(f.hosting, Some(Hosting::SelfHosted));
        assert_eq!(f.owner.as_deref(), Some("team-payments"));
        assert_eq!(f.system.as_deref(), Some("finance"));
        assert_eq!(f.lifecycle.as_deref(), Some("production"));
        assert_eq!(f.tier.as_deref(), Some("1"));
        assert_eq!(f.tags, ["php", "mysql"]);
        assert_eq!(
            f.servers[0].host.as_deref(),
            Some("billing01.prod.example.com")
        );
        assert_eq!(f.servers[0].ip.as_deref(), Some("10.0.4.21"));
        assert_eq!(f.servers[0].role.as_deref(), Some("app"));
        assert_eq!(f.urls, ["https://billing.example.com"]);
        assert_eq!(f.contacts[0].phone.as_deref(), Some("+44 20 7946 0000"));
        assert_eq!(f.contacts[0].hours.as_deref(), Some("24x7"));
        let vendor = f.vendor.as_ref().unwrap();
        assert_eq!(vendor.name.as_deref(), Some("Acme Billing Ltd"));
        assert_eq!(vendor.contract.as_deref(), Some("ACME-2291"));
        assert!(
            vendor
                .call_when
                .as_deref()
                .unwrap()
                .starts_with("Application bugs")
        );
        assert_eq!(f.reviewed.unwrap().to_string(), "2026-10-01");
        assert_eq!(f.review_every_days, Some(180));
        assert_eq!(f.extra["runbook_color"], serde_json::json!("green"));
        assert!(f.issues.is_empty(), "{:?}", f.issues);
    }

    #[test]
    fn missing_optional_keys_are_empty_not_errors() {
        let rb = Runbook::parse("a.md", "a.md", "---\ntitle: A\n---\nbody\n").unwrap();
        assert_eq!(rb.facts.hosting, None);
        assert_eq!(rb.facts.owner, None);
        assert!(rb.facts.servers.is_empty());
        assert_eq!(rb.facts.app, "a");
    }

    #[test]
    fn bad_yaml_is_a_problem_naming_file_and_line() {
        let text = "---\ntitle: X\nhosting: self\nowner: [team\n---\n# X\n";
        let problem = Runbook::parse("runbooks/x.md", "x.md", text).unwrap_err();
        assert_eq!(problem.path, "runbooks/x.md");
        let line = problem.line.unwrap();
        assert!((4..=5).contains(&line), "line {line}");
    }

    #[test]
    fn without_front_matter_the_title_comes_from_the_first_heading() {
        let rb = Runbook::parse(
            "docs/sidekiq/README.md",
            "docs/sidekiq/README.md",
            "# Sidekiq survival guide\n\nText.\n",
        )
        .unwrap();
        assert_eq!(rb.facts.title, "Sidekiq survival guide");
        assert_eq!(rb.facts.app, "docs/sidekiq/README");
        assert!(!rb.has_front_matter);
    }

    #[test]
    fn without_a_heading_the_title_comes_from_the_file_name() {
        let rb = Runbook::parse("x/notes.md", "x/notes.md", "just text\n").unwrap();
        assert_eq!(rb.facts.title, "notes");
        let readme = Runbook::parse("x/vpn/README.md", "vpn/README.md", "text\n").unwrap();
        assert_eq!(readme.facts.title, "vpn");
    }

    #[test]
    fn login_and_named_sections_are_found() {
        let rb = Runbook::parse("runbooks/billing.md", "billing.md", FULL).unwrap();
        assert_eq!(rb.login_section().unwrap().anchor, "login");
        assert_eq!(rb.section("COMMON").unwrap().heading, "Common problems");
        assert_eq!(
            rb.section("invoices").unwrap().anchor,
            "invoices-stuck-in-pending"
        );
        assert!(rb.section("backups").is_none());
        let md = rb.section_markdown(rb.section("common problems").unwrap());
        assert!(md.contains("Restart the queue."));
    }

    #[test]
    fn a_front_matter_block_later_in_the_body_stays_in_the_body() {
        let text = "---\ntitle: T\n---\nintro\n\n---\nnot: metadata\n---\n";
        let rb = Runbook::parse("t.md", "t.md", text).unwrap();
        // pulldown-cmark's metadata option would swallow it; here it is a (setext) heading.
        assert!(rb.sections.iter().any(|s| s.heading == "not: metadata"));
        assert_eq!(rb.facts.title, "T");
    }
}
