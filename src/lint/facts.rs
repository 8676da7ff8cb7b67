//! The rules about what one runbook says: the required keys, values of the right shape, login
//! steps for servers we run, the review and contract dates, someone to call and when they can be
//! reached.

use chrono::NaiveDate;

use super::Parsed;
use super::report::{Code, Finding};
use super::todos::TODO;
use runbook_core::config::Book;
use runbook_core::runbook::Runbook;
use runbook_core::runbook::hours::Schedule;

/// The rules about one runbook's facts, each adding its findings to `out`.
pub(super) fn check(p: &Parsed, book: &Book, today: NaiveDate, out: &mut Vec<Finding>) {
    let facts = &p.runbook.facts;
    let path = p.path();

    let given = |key: &str| p.runbook.front_matter_keys.iter().any(|k| k == key);
    let invalid_hosting = facts.issues.iter().any(|i| i.key == "hosting");
    let missing: [(&str, bool); 3] = [
        ("title", !given("title") || facts.title.trim().is_empty()),
        ("hosting", facts.hosting.is_none() && !invalid_hosting),
        (
            "owner",
            facts.owner.as_deref().is_none_or(|o| o.trim().is_empty()),
        ),
    ];
    for (key, is_missing) in missing {
        if is_missing {
            let what = match key {
                "hosting" => "who runs the servers: self, vendor, saas or hybrid",
                "owner" => "the owning team",
                _ => "the name callers use",
            };
            let message = if p.runbook.has_front_matter {
                format!("missing required key `{key}` ({what})")
            } else {
                format!("no front matter: add a `---` block at the top with `{key}:` ({what})")
            };
            out.push(Finding::new(
                path,
                p.front_matter.key_line(key),
                None,
                Code::MissingKey,
                message,
            ));
        }
    }

    for issue in &facts.issues {
        let code = if issue.key == "hosting" {
            Code::InvalidHosting
        } else {
            Code::InvalidValue
        };
        out.push(Finding::new(
            path,
            p.front_matter.key_line(&issue.key),
            None,
            code,
            format!("`{}` {}", issue.key, issue.message),
        ));
    }

    if let Some(hosting) = facts.hosting.filter(|h| h.we_run_servers())
        && !has_login_steps(&p.runbook)
    {
        out.push(Finding::new(
            path,
            p.front_matter.key_line("hosting"),
            None,
            Code::MissingLogin,
            format!(
                "hosting is {hosting} but there are no login steps: add a `## Login` section (or a `login:` key) saying how to get onto the servers"
            ),
        ));
    }

    if let Some(due) = facts.review_due(book.settings.review_every_days)
        && due < today
    {
        let every = facts
            .review_every_days
            .unwrap_or(book.settings.review_every_days);
        let reviewed = facts.reviewed.map(|d| d.to_string()).unwrap_or_default();
        out.push(Finding::new(
            path,
            p.front_matter.key_line("reviewed"),
            None,
            Code::ReviewOverdue,
            format!(
                "review overdue since {due} (reviewed {reviewed}, every {every} days): check the runbook, then update `reviewed`"
            ),
        ));
    }

    let reachable = facts
        .contacts
        .iter()
        .any(|c| c.phone.is_some() || c.email.is_some());
    if !reachable {
        let (key, message) = if facts.contacts.is_empty() {
            (
                "contacts",
                "no contacts: add `contacts:` in escalation order (name, phone, hours) so the desk knows whom to call",
            )
        } else {
            (
                "contacts",
                "no contact has a phone or email: add how to reach them",
            )
        };
        let line = p
            .front_matter
            .find_key_line(key)
            .unwrap_or_else(|| p.front_matter.key_line("owner"));
        out.push(Finding::new(
            path,
            line,
            None,
            Code::MissingContacts,
            message.to_string(),
        ));
    }

    if let Some(expires) = facts.vendor.as_ref().and_then(|v| v.expires.as_deref()) {
        let line = p.front_matter.nested_key_line("vendor", "expires");
        match NaiveDate::parse_from_str(expires.trim(), "%Y-%m-%d") {
            Ok(date) if date < today => {
                let contract = facts
                    .vendor
                    .as_ref()
                    .and_then(|v| v.contract.as_deref())
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default();
                out.push(Finding::new(
                    path,
                    line,
                    None,
                    Code::ContractExpired,
                    format!(
                        "vendor contract{contract} expired on {date}: check whether the vendor still supports us, then update `vendor.expires`"
                    ),
                ));
            }
            Ok(_) => {}
            Err(_) => out.push(Finding::new(
                path,
                line,
                None,
                Code::InvalidValue,
                "`vendor.expires` must be a date like 2027-06-30".to_string(),
            )),
        }
    }

    for contact in &facts.contacts {
        // A placeholder from the template is reported once, as a TODO.
        let Some(hours) = contact.hours.as_deref().filter(|h| !TODO.is_match(h)) else {
            continue;
        };
        if let Err(why) = Schedule::parse(hours) {
            out.push(Finding::new(
                path,
                p.front_matter.value_line("contacts", hours),
                None,
                Code::HoursUnreadable,
                format!(
                    "`hours: {hours}` is not a schedule ({why}): write it like `Mon-Fri 09:00-17:30 Europe/London` or `24x7` so the desk can see who is reachable now"
                ),
            ));
        }
    }
}

/// A login section counts only if it says something: a bare `## Login` heading helps nobody.
fn has_login_steps(runbook: &Runbook) -> bool {
    if runbook
        .facts
        .login
        .as_deref()
        .is_some_and(|l| !l.trim().is_empty())
    {
        return true;
    }
    runbook.login_section().is_some_and(|section| {
        let markdown = runbook.section_markdown(section);
        // Skip the heading line itself.
        let content = markdown.split_once('\n').map_or("", |(_, rest)| rest);
        !content.trim().is_empty()
    })
}
