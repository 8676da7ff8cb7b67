//! `runbook show` output: the fact card, hosting first, then the chosen section.

use std::fmt::Write;

use super::{badge, bold, dim, open_style, warning};
use crate::views::reach::{self, Reach};
use runbook_core::results::RunbookDetails;
use runbook_core::runbook::facts::display_value;
use runbook_core::runbook::{Facts, Vendor};

/// `runbook show` output: the fact card, hosting first, then the chosen section.
pub fn details(details: &RunbookDetails) -> String {
    let facts = &details.facts;
    let mut card = CardRows::default();
    let _ = writeln!(
        card.out,
        "{}{}{:#} ({})",
        bold(),
        facts.title,
        bold(),
        facts.app
    );
    let advice = details
        .advice
        .as_deref()
        .unwrap_or("Hosting unknown: add `hosting:` to this runbook");
    let _ = writeln!(card.out, "{} {advice}", badge(facts.hosting));
    for line in crate::views::firing::firing_lines(details) {
        let _ = writeln!(card.out, "{}{line}{:#}", warning(), warning());
    }
    card.row("Owner", facts.owner.as_deref().unwrap_or("unknown"));
    card.row("Summary", facts.summary.as_deref().unwrap_or_default());
    card.row("System", facts.system.as_deref().unwrap_or_default());
    for reason in &details.stale {
        card.row("STALE", &format!("{}{reason}{:#}", warning(), warning()));
    }
    if let Some(line) = reach::call_first_line(details) {
        card.row("Now", &format!("{}{line}{:#}", bold(), bold()));
    }
    card.contacts(details);
    if let Some(vendor) = &facts.vendor {
        card.vendor(vendor);
    }
    card.servers_and_urls(facts);
    card.review_and_file(details);
    for (key, value) in &facts.extra {
        card.row(key, &display_value(value));
    }
    let mut out = card.out;
    out.push('\n');
    chosen_section(&mut out, details);
    out
}

/// The fact card of `runbook show`, a labelled row at a time.
#[derive(Default)]
struct CardRows {
    out: String,
}

impl CardRows {
    /// One row, unless `value` is empty.
    fn row(&mut self, label: &str, value: &str) {
        if !value.is_empty() {
            // Unknown front-matter keys are labels too; a long one still gets its space.
            let _ = writeln!(self.out, "{}{label:<11}{:#} {value}", dim(), dim());
        }
    }

    /// The contacts in escalation order, each with whether they can be reached now.
    fn contacts(&mut self, details: &RunbookDetails) {
        for (i, contact) in details.facts.contacts.iter().enumerate() {
            let parts: Vec<&str> = [
                &contact.name,
                &contact.role,
                &contact.phone,
                &contact.email,
                &contact.hours,
            ]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .collect();
            let reach = Reach::of(contact, details.at);
            let status = match &reach {
                Reach::Open { .. } => {
                    format!(" {}[{}]{:#}", open_style(), reach.label(), open_style())
                }
                Reach::Closed { .. } => format!(" {}[{}]{:#}", dim(), reach.label(), dim()),
                Reach::Unknown => String::new(),
            };
            self.row(
                if i == 0 { "Escalate" } else { "" },
                &format!("{}. {}{status}", i + 1, parts.join(" · ")),
            );
        }
    }

    /// The vendor: who they are, how to reach them, and when to call them.
    fn vendor(&mut self, vendor: &Vendor) {
        let parts: Vec<String> = [
            vendor.name.clone(),
            vendor.phone.clone(),
            vendor.email.clone(),
            vendor
                .contract
                .as_ref()
                .map(|contract| format!("contract {contract}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        self.row("Vendor", &parts.join(" · "));
        if let Some(when) = &vendor.call_when {
            self.row("", &format!("Call them: {when}"));
        }
    }

    /// The servers, then the URLs, one a row.
    fn servers_and_urls(&mut self, facts: &Facts) {
        for (i, server) in facts.servers.iter().enumerate() {
            let parts: Vec<&str> = [&server.host, &server.ip, &server.role]
                .into_iter()
                .filter_map(|p| p.as_deref())
                .collect();
            self.row(if i == 0 { "Servers" } else { "" }, &parts.join("  "));
        }
        for (i, url) in facts.urls.iter().enumerate() {
            self.row(if i == 0 { "URLs" } else { "" }, url);
        }
    }

    /// When the runbook was reviewed, its file, its last change and where to edit it.
    fn review_and_file(&mut self, details: &RunbookDetails) {
        if let Some(reviewed) = details.review.reviewed {
            let status = match (details.review.due, details.review.overdue) {
                (Some(due), true) => format!("{reviewed} — REVIEW OVERDUE since {due}"),
                (Some(due), false) => format!("{reviewed} (next review due {due})"),
                _ => reviewed.to_string(),
            };
            self.row("Reviewed", &status);
        }
        self.row("File", &details.path);
        if let Some(change) = &details.last_change {
            let short: String = change.commit.chars().take(7).collect();
            self.row(
                "Last change",
                &format!(
                    "{} · {} · {} ({short})",
                    change.date.format("%Y-%m-%d"),
                    change.author,
                    change.subject
                ),
            );
        }
        self.row("Edit", details.edit_url.as_deref().unwrap_or_default());
    }
}

/// The section `runbook show` chose, or the runbook's sections when it has no Login section.
fn chosen_section(out: &mut String, details: &RunbookDetails) {
    match &details.section {
        Some(section) => {
            out.push_str(&section.markdown);
            out.push('\n');
        }
        None => {
            let _ = writeln!(
                out,
                "This runbook has no Login section. Sections: {}",
                details
                    .sections
                    .iter()
                    .filter(|s| s.level > 1)
                    .map(|s| s.heading.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
}
