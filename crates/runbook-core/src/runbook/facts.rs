//! The typed facts of a runbook's front matter: who runs the servers, who owns it, whom to call.
//!
//! Reading is lenient so that a runbook with one odd value is still indexed: a value of the wrong
//! shape is kept among the unknown keys and reported as a [`FactIssue`] for `runbook check`.

use super::alerts::AlertRef;
use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Who runs the servers: the fact shown first and loudest everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hosting {
    /// Our own servers: log in, don't call the vendor.
    #[serde(rename = "self")]
    SelfHosted,
    /// The vendor runs it on their servers: call the vendor.
    Vendor,
    /// Software as a service: the vendor runs it; we administer our account.
    Saas,
    /// Partly ours, partly the vendor's.
    Hybrid,
}

impl Hosting {
    /// All values, in the order they are documented.
    pub const ALL: [Hosting; 4] = [
        Hosting::SelfHosted,
        Hosting::Vendor,
        Hosting::Saas,
        Hosting::Hybrid,
    ];

    /// The value as written in front matter.
    pub fn as_str(self) -> &'static str {
        match self {
            Hosting::SelfHosted => "self",
            Hosting::Vendor => "vendor",
            Hosting::Saas => "saas",
            Hosting::Hybrid => "hybrid",
        }
    }

    /// Parses a front-matter value, case-insensitively.
    pub fn parse(value: &str) -> Option<Hosting> {
        Hosting::ALL
            .into_iter()
            .find(|h| h.as_str().eq_ignore_ascii_case(value.trim()))
    }

    /// A short badge for terminals.
    pub fn badge(self) -> &'static str {
        match self {
            Hosting::SelfHosted => "WE HOST THIS",
            Hosting::Vendor => "VENDOR",
            Hosting::Saas => "SAAS",
            Hosting::Hybrid => "HYBRID",
        }
    }

    /// The one sentence a support person must read before picking up the phone.
    pub fn advice(self) -> &'static str {
        match self {
            Hosting::SelfHosted => "Hosted by us — log in, don't call the vendor",
            Hosting::Vendor => "Vendor-hosted — call the vendor",
            Hosting::Saas => "SaaS — the vendor runs it; check their status page, then call them",
            Hosting::Hybrid => "Hybrid — check our servers first, then the vendor's side",
        }
    }

    /// Whether login steps are expected in the runbook.
    pub fn we_run_servers(self) -> bool {
        matches!(self, Hosting::SelfHosted | Hosting::Hybrid)
    }
}

impl std::fmt::Display for Hosting {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One server the application runs on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Server {
    /// The server's host name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Its IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// What it does (e.g. `database`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Keys this program does not know, kept and shown as they are.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// One contact, in escalation order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// What they are for (e.g. `on-call`, `team lead`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Who.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// When they can be called, e.g. `Mon-Fri 08:00-18:00 Europe/Berlin` or `24x7`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
    /// Whether the contact can be called at the moment the runbook is shown for; `null` when
    /// `hours` is missing or not a schedule [`super::hours`] can read. Computed when shown
    /// (see [`Contact::at`]), never taken from front matter.
    #[serde(default)]
    pub reachable_now: Option<bool>,
    /// When not reachable now: when the contact can be called next.
    #[serde(default)]
    pub next_reachable: Option<DateTime<Utc>>,
    /// When reachable now on a schedule: when that ends (`null` for 24x7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reachable_until: Option<DateTime<Utc>>,
    /// Keys this program does not know, kept and shown as they are.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl Contact {
    /// The contact with its reachability at `at`, from its `hours`.
    pub fn at(mut self, at: DateTime<Utc>) -> Contact {
        let availability = super::hours::availability(self.hours.as_deref(), at);
        self.reachable_now = availability.reachable_now;
        self.next_reachable = availability.next_reachable;
        self.reachable_until = availability.reachable_until;
        self
    }
}

/// Who wrote or sells the software, and when (not) to call them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Vendor {
    /// The vendor's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Their support line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Their support email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The support contract's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
    /// When calling them is right (and, by omission, when it is not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_when: Option<String>,
    /// When the contract ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Keys this program does not know, kept and shown as they are.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A front-matter value that could not be used as its key requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactIssue {
    /// The front-matter key.
    pub key: String,
    /// What is wrong with its value.
    pub message: String,
}

/// Everything the front matter says about an application.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Facts {
    /// The runbook's title (`title:`, or the first heading).
    pub title: String,
    /// The application's id (`app:`, or the file's name).
    pub app: String,
    /// Other names the application goes by.
    pub aliases: Vec<String>,
    /// One line on what the application is.
    pub summary: Option<String>,
    /// Who runs the servers: us, a vendor, or a cloud service.
    pub hosting: Option<Hosting>,
    /// The owning team.
    pub owner: Option<String>,
    /// The larger system it belongs to.
    pub system: Option<String>,
    /// Where it is in its life (e.g. `production`, `retiring`).
    pub lifecycle: Option<String>,
    /// How critical it is (e.g. `1`).
    pub tier: Option<String>,
    /// Free tags to filter by.
    pub tags: Vec<String>,
    /// The servers it runs on.
    pub servers: Vec<Server>,
    /// Where it is reached.
    pub urls: Vec<String>,
    /// Whom to call, in escalation order.
    pub contacts: Vec<Contact>,
    /// The vendor, when there is one.
    pub vendor: Option<Vendor>,
    /// When the runbook was last checked against reality.
    pub reviewed: Option<NaiveDate>,
    /// Days a review stays current, overriding `review-every-days`.
    pub review_every_days: Option<u32>,
    /// Login steps given in the front matter instead of a `## Login` section.
    pub login: Option<String>,
    /// The alerts this runbook answers (`alerts:`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<AlertRef>,
    /// Keys this program does not know, kept and shown as they are.
    pub extra: BTreeMap<String, Value>,
    /// Values that were present but unusable (kept in `extra`).
    #[serde(skip)]
    pub issues: Vec<FactIssue>,
}

impl Facts {
    /// Reads facts from a parsed front-matter mapping. `title` and `app` fall back to the given
    /// defaults when the mapping lacks them.
    pub fn from_mapping(mut map: Map<String, Value>, default_title: &str, app: &str) -> Facts {
        let mut facts = Facts::default();
        let mut take = |key: &str| map.remove(key);

        facts.title = take("title")
            .and_then(|v| scalar_string(&v))
            .unwrap_or_else(|| default_title.to_string());
        facts.app = take("app")
            .and_then(|v| scalar_string(&v))
            .unwrap_or_else(|| app.to_string());
        let aliases = take("aliases");
        let summary = take("summary");
        let hosting = take("hosting");
        let owner = take("owner");
        let system = take("system");
        let lifecycle = take("lifecycle");
        let tier = take("tier");
        let tags = take("tags");
        let servers = take("servers");
        let urls = take("urls");
        let contacts = take("contacts");
        let vendor = take("vendor");
        let reviewed = take("reviewed");
        let review_every_days = take("review_every_days");
        let login = take("login");
        let alerts = take("alerts");
        facts.extra = map.into_iter().collect();

        facts.aliases = facts.string_list("aliases", aliases);
        facts.summary = facts.string("summary", summary);
        facts.owner = facts.string("owner", owner);
        facts.system = facts.string("system", system);
        facts.lifecycle = facts.string("lifecycle", lifecycle);
        facts.tier = facts.string("tier", tier);
        facts.tags = facts.string_list("tags", tags);
        facts.urls = facts.string_list("urls", urls);
        facts.login = facts.string("login", login);
        facts.set_hosting(hosting);
        facts.servers = facts.records("servers", servers);
        facts.contacts = facts.read_contacts("contacts", contacts);
        facts.set_vendor(vendor);
        facts.set_review(reviewed, review_every_days);
        facts.set_alerts(alerts);
        facts
    }

    /// `alerts`, if every entry is a name or `{name, section}`.
    fn set_alerts(&mut self, value: Option<Value>) {
        let Some(value) = value else { return };
        match super::alerts::read(&value) {
            Ok(alerts) => self.alerts = alerts,
            Err(message) => self.reject("alerts", value, &message),
        }
    }

    /// `hosting`, if it is one of the known values.
    fn set_hosting(&mut self, value: Option<Value>) {
        let Some(value) = value else { return };
        match scalar_string(&value).as_deref().and_then(Hosting::parse) {
            Some(hosting) => self.hosting = Some(hosting),
            None => self.reject(
                "hosting",
                value,
                "must be one of self, vendor, saas, hybrid",
            ),
        }
    }

    /// The contacts as written: reachability is computed when a runbook is shown; a front
    /// matter cannot claim it.
    fn read_contacts(&mut self, key: &str, value: Option<Value>) -> Vec<Contact> {
        self.records::<Contact>(key, value)
            .into_iter()
            .map(|contact| Contact {
                reachable_now: None,
                next_reachable: None,
                reachable_until: None,
                ..contact
            })
            .collect()
    }

    /// `vendor`, if it is a mapping.
    fn set_vendor(&mut self, value: Option<Value>) {
        let Some(value) = value else { return };
        match serde_json::from_value::<Vendor>(value.clone()) {
            Ok(vendor) => self.vendor = Some(vendor),
            Err(error) => self.reject("vendor", value, &format!("must be a mapping ({error})")),
        }
    }

    /// `reviewed` (a date) and `review_every_days` (a whole number), each if well formed.
    fn set_review(&mut self, reviewed: Option<Value>, review_every_days: Option<Value>) {
        if let Some(value) = reviewed {
            match scalar_string(&value)
                .and_then(|text| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok())
            {
                Some(date) => self.reviewed = Some(date),
                None => self.reject("reviewed", value, "must be a date like 2026-10-01"),
            }
        }
        if let Some(value) = review_every_days {
            match value.as_u64().and_then(|n| u32::try_from(n).ok()) {
                Some(days) => self.review_every_days = Some(days),
                None => self.reject("review_every_days", value, "must be a whole number of days"),
            }
        }
    }

    /// When the next review is due: `reviewed` plus `review_every_days`, or plus
    /// `default_every_days` (from `book.toml`) when the runbook does not set its own period.
    pub fn review_due(&self, default_every_days: u32) -> Option<NaiveDate> {
        let every_days = self.review_every_days.unwrap_or(default_every_days);
        self.reviewed?
            .checked_add_days(Days::new(u64::from(every_days)))
    }

    /// Every host name, IP and URL of the application, for lookup.
    pub fn addresses(&self) -> impl Iterator<Item = &str> {
        self.servers
            .iter()
            .flat_map(|s| s.host.iter().chain(s.ip.iter()))
            .chain(self.urls.iter())
            .map(String::as_str)
    }

    /// Host names of the application's servers and URLs.
    pub fn hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = self.servers.iter().filter_map(|s| s.host.clone()).collect();
        hosts.extend(self.servers.iter().filter_map(|s| s.ip.clone()));
        hosts.extend(
            self.urls
                .iter()
                .filter_map(|u| url_host(u).map(str::to_string)),
        );
        hosts
    }

    fn reject(&mut self, key: &str, value: Value, message: &str) {
        self.issues.push(FactIssue {
            key: key.to_string(),
            message: message.to_string(),
        });
        self.extra.insert(key.to_string(), value);
    }

    fn string(&mut self, key: &str, value: Option<Value>) -> Option<String> {
        let value = value?;
        match scalar_string(&value) {
            Some(text) => Some(text),
            None if value.is_null() => None,
            None => {
                self.reject(key, value, "must be a single value");
                None
            }
        }
    }

    /// A list of strings; a single scalar is accepted as a list of one.
    fn string_list(&mut self, key: &str, value: Option<Value>) -> Vec<String> {
        let Some(value) = value else {
            return Vec::new();
        };
        match &value {
            Value::Array(items) => {
                let strings: Vec<String> = items.iter().filter_map(scalar_string).collect();
                if strings.len() != items.len() {
                    self.reject(key, value, "must be a list of plain values");
                }
                strings
            }
            Value::Null => Vec::new(),
            other => match scalar_string(other) {
                Some(text) => vec![text],
                None => {
                    self.reject(key, value, "must be a list");
                    Vec::new()
                }
            },
        }
    }

    fn records<T: for<'de> Deserialize<'de>>(&mut self, key: &str, value: Option<Value>) -> Vec<T> {
        let Some(value) = value else {
            return Vec::new();
        };
        match serde_json::from_value::<Vec<T>>(value.clone()) {
            Ok(records) => records,
            Err(_) if value.is_null() => Vec::new(),
            Err(error) => {
                self.reject(key, value, &format!("must be a list of mappings ({error})"));
                Vec::new()
            }
        }
    }
}

/// A scalar YAML value as text (numbers and booleans included), or `None` for anything else.
pub fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An unknown key's value as people read it: strings as they are, anything else as JSON.
pub fn display_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The host part of a URL, if it is one.
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map(|(_, rest)| rest)?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts(value: Value) -> Facts {
        let Value::Object(map) = value else {
            panic!("test input must be a mapping")
        };
        Facts::from_mapping(map, "Default title", "default-app")
    }

    #[test]
    fn hosting_accepts_the_four_values_in_any_case() {
        assert_eq!(Hosting::parse("self"), Some(Hosting::SelfHosted));
        assert_eq!(Hosting::parse("Vendor"), Some(Hosting::Vendor));
        assert_eq!(Hosting::parse(" SAAS "), Some(Hosting::Saas));
        assert_eq!(Hosting::parse("hybrid"), Some(Hosting::Hybrid));
        assert_eq!(Hosting::parse("onprem"), None);
    }

    #[test]
    fn an_invalid_hosting_value_is_an_issue_and_is_kept() {
        let f = facts(json!({"title": "X", "hosting": "onprem"}));
        assert_eq!(f.hosting, None);
        assert_eq!(f.issues[0].key, "hosting");
        assert_eq!(f.extra["hosting"], json!("onprem"));
    }

    #[test]
    fn a_single_tag_counts_as_a_list_of_one() {
        let f = facts(json!({"tags": "php"}));
        assert_eq!(f.tags, vec!["php"]);
        assert!(f.issues.is_empty());
    }

    #[test]
    fn numbers_are_read_as_text_where_text_is_expected() {
        let f = facts(json!({"tier": 1, "owner": "team-a"}));
        assert_eq!(f.tier.as_deref(), Some("1"));
    }

    #[test]
    fn defaults_apply_when_title_and_app_are_missing() {
        let f = facts(json!({}));
        assert_eq!(f.title, "Default title");
        assert_eq!(f.app, "default-app");
    }

    #[test]
    fn a_bad_date_is_an_issue() {
        let f = facts(json!({"reviewed": "last tuesday"}));
        assert_eq!(f.reviewed, None);
        assert_eq!(f.issues[0].key, "reviewed");
    }

    #[test]
    fn url_hosts_are_extracted() {
        assert_eq!(
            url_host("https://billing.example.com/login"),
            Some("billing.example.com")
        );
        assert_eq!(
            url_host("http://user@h.example.com:8080/x"),
            Some("h.example.com")
        );
        assert_eq!(url_host("https://[2001:db8::1]:443/"), Some("2001:db8::1"));
        assert_eq!(url_host("billing.example.com"), None);
    }
}
