//! Who can be called now, in words: the status every view shows beside a contact, and the "call
//! first" line above the escalation list.
//!
//! The facts come computed in [`RunbookDetails`] (`reachable_now`, `next_reachable`,
//! `reachable_until`, `call_first`); this module only says them, with times in the contact's
//! own time zone, as the schedule in the runbook is written.

use chrono::{DateTime, Utc};

use runbook_core::results::RunbookDetails;
use runbook_core::runbook::Contact;
use runbook_core::runbook::hours::{self, Schedule};

/// A contact's status at the moment the details were made for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Reachable now; `until` says when that ends, when it does.
    Open { until: Option<String> },
    /// Not reachable now; `opens` says when that changes, when it does.
    Closed { opens: Option<String> },
    /// No schedule to go by: no `hours`, or hours that are not a schedule.
    Unknown,
}

impl Reach {
    /// The status of `contact` as computed for the moment `at`.
    pub fn of(contact: &Contact, at: Option<DateTime<Utc>>) -> Reach {
        let schedule = contact
            .hours
            .as_deref()
            .and_then(|h| Schedule::parse(h).ok());
        // The moment in the schedule's own zone (the one its `local` says), else in UTC.
        type Local = fn(&Schedule, DateTime<Utc>) -> Option<DateTime<chrono_tz::Tz>>;
        let when = |moment: DateTime<Utc>, local: Local| match (
            schedule.as_ref().zip(at).and_then(|(s, at)| local(s, at)),
            at,
        ) {
            (Some(local), Some(at)) => hours::describe(local, at),
            _ => moment.format("%Y-%m-%d %H:%M UTC").to_string(),
        };
        match contact.reachable_now {
            Some(true) => Reach::Open {
                until: contact
                    .reachable_until
                    .map(|until| when(until, Schedule::open_until)),
            },
            Some(false) => Reach::Closed {
                opens: contact
                    .next_reachable
                    .map(|next| when(next, Schedule::next_open)),
            },
            None => Reach::Unknown,
        }
    }

    /// "open now until 17:30 Europe/London", "closed, opens Mon 09:00 Europe/London", or
    /// nothing when unknown.
    pub fn label(&self) -> String {
        match self {
            Reach::Open { until: Some(until) } => format!("open now until {until}"),
            Reach::Open { until: None } => "open now".to_string(),
            Reach::Closed { opens: Some(opens) } => format!("closed, opens {opens}"),
            Reach::Closed { opens: None } => "closed".to_string(),
            Reach::Unknown => String::new(),
        }
    }

    /// A CSS class: `open`, `closed` or `unknown`.
    pub fn class(&self) -> &'static str {
        match self {
            Reach::Open { .. } => "open",
            Reach::Closed { .. } => "closed",
            Reach::Unknown => "unknown",
        }
    }
}

/// The line above the escalation list: whom to call first, or that nobody on it can be
/// reached now and who opens first. `None` when no contact's hours can be read (there is
/// nothing to say beyond the list itself).
pub fn call_first_line(details: &RunbookDetails) -> Option<String> {
    let contacts = &details.facts.contacts;
    if let Some(index) = details.call_first {
        let contact = contacts.get(index)?;
        return Some(format!("Call first: {}", who(index, contact)));
    }
    let soonest = contacts
        .iter()
        .enumerate()
        .filter(|(_, c)| c.reachable_now == Some(false))
        .filter_map(|(i, c)| Some((c.next_reachable?, i, c)))
        .min_by_key(|(next, i, _)| (*next, *i));
    if let Some((_, index, contact)) = soonest {
        let opens = match Reach::of(contact, details.at) {
            Reach::Closed { opens: Some(opens) } => format!(" (opens {opens})"),
            _ => String::new(),
        };
        return Some(format!(
            "Nobody on the list is reachable now. First to open: {}{opens}",
            who(index, contact)
        ));
    }
    contacts
        .iter()
        .any(|c| c.reachable_now.is_some())
        .then(|| "Nobody on the list is reachable now.".to_string())
}

/// "2. Night on-call (on-call) +44 20 7946 0000": a contact as the call-first line names it.
pub fn who(index: usize, contact: &Contact) -> String {
    let mut parts = vec![format!("{}.", index + 1)];
    parts.extend(contact.name.clone());
    if let Some(role) = &contact.role {
        parts.push(format!("({role})"));
    }
    parts.extend(contact.phone.clone().or_else(|| contact.email.clone()));
    parts.join(" ")
}
