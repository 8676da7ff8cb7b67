//! The fact card as data ready for a template: hosting first, owner, contacts, vendor, servers,
//! URLs and review status, every value as plain text.
//!
//! The web page (`templates/card.html`) and the static book (`templates/book_card.html`, see
//! [`crate::mdbook`]) render the same [`CardView`], so the two cards cannot drift apart. Values
//! come from runbook files: templates escape them, and nothing here marks them safe.

use askama::Template;

use crate::views::reach::{self, Reach};
use runbook_core::results::RunbookDetails;
use runbook_core::runbook::facts::display_value;
use runbook_core::runbook::hours::Schedule;
use runbook_core::runbook::{Contact, Hosting, Server, Vendor};

/// How a hosting value looks: a CSS class and the words on the badge.
pub struct HostingView {
    pub class: &'static str,
    pub badge: &'static str,
    pub advice: &'static str,
}

impl HostingView {
    pub fn of(hosting: Option<Hosting>) -> HostingView {
        match hosting {
            Some(hosting) => HostingView {
                class: hosting.as_str(),
                badge: hosting.badge(),
                advice: hosting.advice(),
            },
            None => HostingView {
                class: "unknown",
                badge: "HOSTING UNKNOWN",
                advice: "Hosting unknown — the runbook does not say who runs the servers",
            },
        }
    }
}

/// The web page's card; [`crate::mdbook`] renders the same fields with its own template.
#[derive(Template)]
#[template(path = "card.html")]
pub struct CardView {
    pub title: String,
    pub url: String,
    pub hosting: HostingView,
    pub owner: String,
    pub summary: String,
    pub system: String,
    pub aliases: Vec<String>,
    pub contacts: Vec<ContactView>,
    pub vendor: Option<VendorView>,
    pub servers: Vec<ServerView>,
    pub urls: Vec<UrlView>,
    pub review: String,
    pub overdue: bool,
    /// Why the runbook may no longer be true (see [`RunbookDetails::stale`]).
    pub stale: Vec<String>,
    /// Whom to call first now, or that nobody is reachable (see [`reach::call_first_line`]).
    pub call_first: Option<String>,
    /// The alerts firing for it now (see [`super::firing::firing_lines`]).
    pub firing: Vec<String>,
    pub extra: Vec<(String, String)>,
    /// The login steps, rendered and sanitized, on answer cards.
    pub login: Option<String>,
}

impl CardView {
    /// Whether any contact's hours are a schedule (the static book then says who is open).
    pub fn has_schedules(&self) -> bool {
        self.contacts.iter().any(|c| !c.schedule.is_empty())
    }
}

pub struct ContactView {
    pub name: String,
    pub role: String,
    pub phone: String,
    /// The phone number as a `tel:` URL wants it: digits and `+`.
    pub tel: String,
    pub email: String,
    pub hours: String,
    /// `open`, `closed` or `unknown`, for styling.
    pub reach_class: &'static str,
    /// "open now until 17:30 Europe/London"; empty when unknown.
    pub reach: String,
    /// The contact to call first now.
    pub first: bool,
    /// How the call-first line names the contact.
    pub who: String,
    /// The schedule as the browser needs it to say who is open when the page is read (the
    /// static book): `Schedule`'s own text, or empty when `hours` is not a schedule.
    pub schedule: String,
}

pub struct VendorView {
    pub name: String,
    pub phone: String,
    pub tel: String,
    pub email: String,
    pub contract: String,
    pub call_when: String,
    pub expires: String,
}

pub struct ServerView {
    pub host: String,
    pub ip: String,
    pub role: String,
}

pub struct UrlView {
    pub url: String,
    /// Only http(s) URLs become links; anything else (`javascript:`, `file:`) stays text.
    pub linkable: bool,
}

impl CardView {
    /// The card for `details`, its title linking to `url`, with already sanitized `login` HTML.
    pub fn new(details: &RunbookDetails, url: String, login: Option<String>) -> CardView {
        let facts = &details.facts;
        CardView {
            title: facts.title.clone(),
            url,
            hosting: HostingView::of(facts.hosting),
            owner: facts.owner.clone().unwrap_or_else(|| "unknown".into()),
            summary: text(&facts.summary),
            system: text(&facts.system),
            aliases: facts.aliases.clone(),
            contacts: facts
                .contacts
                .iter()
                .enumerate()
                .map(|(i, contact)| ContactView::new(details, i, contact))
                .collect(),
            vendor: facts.vendor.as_ref().map(VendorView::of),
            servers: facts.servers.iter().map(ServerView::of).collect(),
            urls: facts.urls.iter().map(|url| UrlView::of(url)).collect(),
            review: review_line(details),
            overdue: details.review.overdue,
            stale: details.stale.clone(),
            call_first: reach::call_first_line(details),
            firing: super::firing::firing_lines(details),
            extra: facts
                .extra
                .iter()
                .map(|(key, value)| (key.clone(), display_value(value)))
                .collect(),
            login,
        }
    }
}

impl ContactView {
    /// Contact number `index` in escalation order, with whether they can be reached at the
    /// moment `details` was looked up.
    fn new(details: &RunbookDetails, index: usize, contact: &Contact) -> ContactView {
        let reach = Reach::of(contact, details.at);
        ContactView {
            name: text(&contact.name),
            role: text(&contact.role),
            tel: tel(&contact.phone),
            phone: text(&contact.phone),
            email: text(&contact.email),
            hours: text(&contact.hours),
            reach_class: reach.class(),
            reach: reach.label(),
            first: details.call_first == Some(index),
            who: reach::who(index, contact),
            schedule: contact
                .hours
                .as_deref()
                .and_then(|hours| Schedule::parse(hours).ok())
                .map(|schedule| schedule.compact())
                .unwrap_or_default(),
        }
    }
}

impl VendorView {
    fn of(vendor: &Vendor) -> VendorView {
        VendorView {
            name: text(&vendor.name),
            tel: tel(&vendor.phone),
            phone: text(&vendor.phone),
            email: text(&vendor.email),
            contract: text(&vendor.contract),
            call_when: text(&vendor.call_when),
            expires: text(&vendor.expires),
        }
    }
}

impl ServerView {
    fn of(server: &Server) -> ServerView {
        ServerView {
            host: text(&server.host),
            ip: text(&server.ip),
            role: text(&server.role),
        }
    }
}

impl UrlView {
    fn of(url: &str) -> UrlView {
        UrlView {
            linkable: url.starts_with("https://") || url.starts_with("http://"),
            url: url.to_string(),
        }
    }
}

/// A `tel:` link's number: the phone's digits and `+`.
fn tel(phone: &Option<String>) -> String {
    phone
        .as_deref()
        .map(|phone| {
            phone
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect::<String>()
        })
        .unwrap_or_default()
}

/// An optional value as text, empty when absent.
fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

/// "Reviewed 2026-10-01; next review due 2027-03-30.", or that it is overdue or never was.
fn review_line(details: &RunbookDetails) -> String {
    match (
        details.review.reviewed,
        details.review.due,
        details.review.overdue,
    ) {
        (Some(reviewed), Some(due), true) => {
            format!("Reviewed {reviewed}. Review overdue since {due}.")
        }
        (Some(reviewed), Some(due), false) => {
            format!("Reviewed {reviewed}; next review due {due}.")
        }
        (Some(reviewed), None, _) => format!("Reviewed {reviewed}."),
        _ => "Never reviewed.".to_string(),
    }
}
