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
pub(super) fn check(parsed: &Parsed, book: &Book, today: NaiveDate, out: &mut Vec<Finding>) {
    missing_keys(parsed, out);
    invalid_values(parsed, out);
    missing_login(parsed, out);
    review_overdue(parsed, book, today, out);
    unreachable_contacts(parsed, out);
    contract_expiry(parsed, today, out);
    unreadable_hours(parsed, out);
}

/// The required keys that are absent or empty: the title, the hosting, the owner.
fn missing_keys(parsed: &Parsed, out: &mut Vec<Finding>) {
    let facts = &parsed.runbook.facts;
    let given = |key: &str| parsed.runbook.front_matter_keys.iter().any(|k| k == key);
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
        if !is_missing {
            continue;
        }
        let what = match key {
            "hosting" => "who runs the servers: self, vendor, saas or hybrid",
            "owner" => "the owning team",
            _ => "the name callers use",
        };
        let message = if parsed.runbook.has_front_matter {
            format!("missing required key `{key}` ({what})")
        } else {
            format!("no front matter: add a `---` block at the top with `{key}:` ({what})")
        };
        out.push(fact_finding(
            parsed,
            parsed.front_matter.key_line(key),
            Code::MissingKey,
            message,
        ));
    }
}

/// The values the front matter gives in the wrong shape.
fn invalid_values(parsed: &Parsed, out: &mut Vec<Finding>) {
    for issue in &parsed.runbook.facts.issues {
        let code = if issue.key == "hosting" {
            Code::InvalidHosting
        } else {
            Code::InvalidValue
        };
        out.push(fact_finding(
            parsed,
            parsed.front_matter.key_line(&issue.key),
            code,
            format!("`{}` {}", issue.key, issue.message),
        ));
    }
}

/// Servers we run, with nothing saying how to get onto them.
fn missing_login(parsed: &Parsed, out: &mut Vec<Finding>) {
    if let Some(hosting) = parsed.runbook.facts.hosting.filter(|h| h.we_run_servers())
        && !has_login_steps(&parsed.runbook)
    {
        out.push(fact_finding(parsed, parsed.front_matter.key_line("hosting"), Code::MissingLogin, format!(
                "hosting is {hosting} but there are no login steps: add a `## Login` section (or a `login:` key) saying how to get onto the servers"
            )));
    }
}

/// A review that was due before `today`.
fn review_overdue(parsed: &Parsed, book: &Book, today: NaiveDate, out: &mut Vec<Finding>) {
    let facts = &parsed.runbook.facts;
    let Some(due) = facts
        .review_due(book.settings.review_every_days)
        .filter(|due| *due < today)
    else {
        return;
    };
    let every = facts
        .review_every_days
        .unwrap_or(book.settings.review_every_days);
    let reviewed = facts
        .reviewed
        .map(|date| date.to_string())
        .unwrap_or_default();
    out.push(fact_finding(parsed, parsed.front_matter.key_line("reviewed"), Code::ReviewOverdue, format!(
            "review overdue since {due} (reviewed {reviewed}, every {every} days): check the runbook, then update `reviewed`"
        )));
}

/// No contact with a phone or an email: the desk has nobody to call.
fn unreachable_contacts(parsed: &Parsed, out: &mut Vec<Finding>) {
    let contacts = &parsed.runbook.facts.contacts;
    let reachable = contacts
        .iter()
        .any(|c| c.phone.is_some() || c.email.is_some());
    if reachable {
        return;
    }
    let message = if contacts.is_empty() {
        "no contacts: add `contacts:` in escalation order (name, phone, hours) so the desk knows whom to call"
    } else {
        "no contact has a phone or email: add how to reach them"
    };
    let line = parsed
        .front_matter
        .find_key_line("contacts")
        .unwrap_or_else(|| parsed.front_matter.key_line("owner"));
    out.push(fact_finding(
        parsed,
        line,
        Code::MissingContacts,
        message.to_string(),
    ));
}

/// A vendor contract that has expired before `today`, or whose expiry is not a date.
fn contract_expiry(parsed: &Parsed, today: NaiveDate, out: &mut Vec<Finding>) {
    let Some(vendor) = parsed.runbook.facts.vendor.as_ref() else {
        return;
    };
    let Some(expires) = vendor.expires.as_deref() else {
        return;
    };
    let line = parsed.front_matter.nested_key_line("vendor", "expires");
    match NaiveDate::parse_from_str(expires.trim(), "%Y-%m-%d") {
        Ok(date) if date < today => {
            let contract = vendor
                .contract
                .as_deref()
                .map(|contract| format!(" {contract}"))
                .unwrap_or_default();
            out.push(fact_finding(parsed, line, Code::ContractExpired, format!(
                    "vendor contract{contract} expired on {date}: check whether the vendor still supports us, then update `vendor.expires`"
                )));
        }
        Ok(_) => {}
        Err(_) => out.push(fact_finding(
            parsed,
            line,
            Code::InvalidValue,
            "`vendor.expires` must be a date like 2027-06-30".to_string(),
        )),
    }
}

/// Contact hours that are not a schedule the desk can read.
fn unreadable_hours(parsed: &Parsed, out: &mut Vec<Finding>) {
    for contact in &parsed.runbook.facts.contacts {
        // A placeholder from the template is reported once, as a TODO.
        let Some(hours) = contact.hours.as_deref().filter(|h| !TODO.is_match(h)) else {
            continue;
        };
        if let Err(why) = Schedule::parse(hours) {
            out.push(fact_finding(parsed, parsed.front_matter.value_line("contacts", hours), Code::HoursUnreadable, format!(
                    "`hours: {hours}` is not a schedule ({why}): write it like `Mon-Fri 09:00-17:30 Europe/London` or `24x7` so the desk can see who is reachable now"
                )));
        }
    }
}

/// A finding about `parsed`'s front matter, on `line`.
fn fact_finding(parsed: &Parsed, line: u64, code: Code, message: String) -> Finding {
    Finding::new(parsed.path(), line, None, code, message)
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
