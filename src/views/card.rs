//! The fact card as data ready for a template: hosting first, owner, contacts, vendor, servers,
//! URLs and review status, every value as plain text.
//!
//! The web page (`templates/card.html`) and the static book (`templates/book_card.html`, see
//! [`crate::mdbook`]) render the same [`CardView`], so the two cards cannot drift apart. Values
//! come from runbook files: templates escape them, and nothing here marks them safe.

use askama::Template;

use runbook_core::results::RunbookDetails;
use runbook_core::runbook::Hosting;
use runbook_core::runbook::facts::display_value;
use runbook_core::runbook::hours::Schedule;
use crate::views::reach::{self, Reach};

/// How a hosting value looks: a CSS class and the words on the badge.
pub struct HostingView {
    pub class: &'static str,
    pub badge: &'static str,
    pub advice: &'static str,
}

impl HostingView {
    pub fn of(hosting: Option<Hosting>) -> HostingView {
        match hosting {
            Some(h) => HostingView {
                class: h.as_str(),
                badge: h.badge(),
                advice: h.advice(),
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
        let f = &details.facts;
        let tel = |phone: &Option<String>| {
            phone
                .as_deref()
                .map(|p| {
                    p.chars()
                        .filter(|c| c.is_ascii_digit() || *c == '+')
                        .collect::<String>()
                })
                .unwrap_or_default()
        };
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        CardView {
            title: f.title.clone(),
            url,
            hosting: HostingView::of(f.hosting),
            owner: f.owner.clone().unwrap_or_else(|| "unknown".into()),
            summary: text(&f.summary),
            system: text(&f.system),
            aliases: f.aliases.clone(),
            contacts: f
                .contacts
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let reach = Reach::of(c, details.at);
                    ContactView {
                        name: text(&c.name),
                        role: text(&c.role),
                        tel: tel(&c.phone),
                        phone: text(&c.phone),
                        email: text(&c.email),
                        hours: text(&c.hours),
                        reach_class: reach.class(),
                        reach: reach.label(),
                        first: details.call_first == Some(i),
                        who: reach::who(i, c),
                        schedule: c
                            .hours
                            .as_deref()
                            .and_then(|h| Schedule::parse(h).ok())
                            .map(|s| s.compact())
                            .unwrap_or_default(),
                    }
                })
                .collect(),
            vendor: f.vendor.as_ref().map(|v| VendorView {
                name: text(&v.name),
                tel: tel(&v.phone),
                phone: text(&v.phone),
                email: text(&v.email),
                contract: text(&v.contract),
                call_when: text(&v.call_when),
                expires: text(&v.expires),
            }),
            servers: f
                .servers
                .iter()
                .map(|s| ServerView {
                    host: text(&s.host),
                    ip: text(&s.ip),
                    role: text(&s.role),
                })
                .collect(),
            urls: f
                .urls
                .iter()
                .map(|u| UrlView {
                    linkable: u.starts_with("https://") || u.starts_with("http://"),
                    url: u.clone(),
                })
                .collect(),
            review: review_line(details),
            overdue: details.review.overdue,
            stale: details.stale.clone(),
            call_first: reach::call_first_line(details),
            extra: f
                .extra
                .iter()
                .map(|(k, v)| (k.clone(), display_value(v)))
                .collect(),
            login,
        }
    }
}

/// "Reviewed 2026-10-01; next review due 2027-03-30.", or that it is overdue or never was.
fn review_line(details: &RunbookDetails) -> String {
    match (
        details.review.reviewed,
        details.review.due,
        details.review.overdue,
    ) {
        (Some(r), Some(due), true) => format!("Reviewed {r}. Review overdue since {due}."),
        (Some(r), Some(due), false) => format!("Reviewed {r}; next review due {due}."),
        (Some(r), None, _) => format!("Reviewed {r}."),
        _ => "Never reviewed.".to_string(),
    }
}
