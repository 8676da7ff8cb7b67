//! Names claimed twice: an app id, alias, host, IP, URL or alert name must lead to one runbook,
//! or `runbook show NAME` and an alert's `/r/` link have to guess.

use std::collections::{HashMap, HashSet};

use super::Parsed;
use super::report::{Code, Finding};
use runbook_core::runbook::names;

/// One name a runbook answers to, where it is written.
struct Claim {
    runbook: usize,
    kind: &'static str,
    value: String,
    line: u64,
}

/// How many other claimants a duplicate-name message lists by path.
const MAX_NAMED: usize = 3;

/// App ids, aliases, hosts, IPs and URLs must each name one runbook, or `runbook show NAME` has
/// to guess. Names are compared by their [`names::key`], as the index looks them up.
pub(super) fn check(parsed: &[Parsed], out: &mut Vec<Finding>) {
    let mut claims: HashMap<String, Vec<Claim>> = HashMap::new();
    for (i, source) in parsed.iter().enumerate() {
        let mut seen = HashSet::new();
        for claim in claims_of(i, source) {
            let key = names::key(&claim.value);
            // A runbook may repeat its own names (an alias equal to its app id); only clashes
            // between runbooks are ambiguous.
            if !key.is_empty() && seen.insert(key.clone()) {
                claims.entry(key).or_default().push(claim);
            }
        }
    }
    for group in claims.values().filter(|g| g.len() > 1) {
        for claim in group {
            out.push(duplicate(parsed, group, claim));
        }
    }
}

/// The names runbook number `runbook` claims, in the order its front matter gives them: app id,
/// aliases, hosts and IPs, URLs, alerts.
fn claims_of(runbook: usize, source: &Parsed) -> Vec<Claim> {
    let facts = &source.runbook.facts;
    let front_matter = &source.front_matter;
    let mut own: Vec<Claim> = vec![Claim {
        runbook,
        kind: "app id",
        value: facts.app.clone(),
        line: front_matter.find_key_line("app").unwrap_or(1),
    }];
    for alias in &facts.aliases {
        own.push(Claim {
            runbook,
            kind: "alias",
            value: alias.clone(),
            line: front_matter.value_line("aliases", alias),
        });
    }
    for server in &facts.servers {
        for (kind, value) in [("host", &server.host), ("IP", &server.ip)] {
            if let Some(value) = value {
                own.push(Claim {
                    runbook,
                    kind,
                    value: value.clone(),
                    line: front_matter.value_line("servers", value),
                });
            }
        }
    }
    for url in &facts.urls {
        own.push(Claim {
            runbook,
            kind: "URL",
            value: url.clone(),
            line: front_matter.value_line("urls", url),
        });
    }
    for alert in &facts.alerts {
        own.push(Claim {
            runbook,
            kind: "alert",
            value: alert.name.clone(),
            line: front_matter.value_line("alerts", &alert.name),
        });
    }
    own
}

/// The finding for `claim`, a name that the other runbooks in `group` claim too.
fn duplicate(parsed: &[Parsed], group: &[Claim], claim: &Claim) -> Finding {
    let others: Vec<&Claim> = group
        .iter()
        .filter(|other| other.runbook != claim.runbook)
        .collect();
    let all_app_ids = claim.kind == "app id" && others.iter().all(|other| other.kind == "app id");
    let code = if all_app_ids {
        Code::DuplicateAppId
    } else {
        Code::DuplicateName
    };
    // A name shared by hundreds of runbooks (a copied template) must not make the
    // report quadratic: name a few, count the rest.
    let mut named: Vec<String> = others
        .iter()
        .take(MAX_NAMED)
        .map(|other| format!("{} (as its {})", parsed[other.runbook].path(), other.kind))
        .collect();
    if others.len() > MAX_NAMED {
        named.push(format!("{} more", others.len() - MAX_NAMED));
    }
    Finding::new(
        parsed[claim.runbook].path(),
        claim.line,
        None,
        code,
        format!(
            "{} {:?} is also claimed by {}: each name must lead to one runbook",
            claim.kind,
            claim.value,
            named.join(", ")
        ),
    )
}
