//! `runbook check --live`: the ordinary check, then whether the servers and URLs each runbook
//! names are still the real ones. The network work is [`probe`]'s; this module picks the
//! targets, places each finding on the line that names its target, and records what drifted
//! (see [`runbook_core::live_check`]) so that searches can mark those runbooks stale.

use chrono::{DateTime, NaiveDate, Utc};

pub mod probe;

use super::{Code, Finding, Parsed, Report, check_parsed, sort};
use probe::{Outcome, Resolve, Target};
use runbook_core::config::Book;
use runbook_core::live_check::{Drift, LiveCheckRecord};

/// One address to check, and where the runbook names it.
struct Place {
    /// Index into the parsed runbooks.
    runbook: usize,
    /// The entry's line: its `host:`, or the URL.
    line: u64,
    /// A server's `ip:` line, where a wrong IP is fixed.
    ip_line: Option<u64>,
}

/// [`check_live`] as `runbook check --live` and `serve --verify-every` run it: at `now`, with
/// the default limits and the system's name resolution.
pub fn check_live_now(
    book: &Book,
    now: DateTime<Utc>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> (Report, LiveCheckRecord) {
    check_live(
        book,
        runbook_core::clock::local_date(now),
        now,
        &probe::Settings::default(),
        &probe::SystemResolver,
        progress,
    )
}

/// Lints every runbook, then checks every server host (does it resolve, and to the `ip` the
/// runbook gives?) and every URL (does it answer?), at most `settings.concurrency` at a time.
/// `progress(done, total)` counts addresses. Returns the report, with the live findings as
/// warnings, and the drift record of this run (checked at `now`).
pub fn check_live(
    book: &Book,
    today: NaiveDate,
    now: DateTime<Utc>,
    settings: &probe::Settings,
    resolver: &(dyn Resolve + Sync),
    progress: &(dyn Fn(usize, usize) + Sync),
) -> (Report, LiveCheckRecord) {
    let (mut report, parsed) = check_parsed(book, today);
    let (targets, places) = targets(&parsed);
    let outcomes = probe::check_all(&targets, settings, resolver, progress);

    let mut record = LiveCheckRecord {
        checked_at: Some(now),
        runbooks: Default::default(),
    };
    for ((target, place), outcome) in targets.iter().zip(&places).zip(&outcomes) {
        let Some(code) = code(outcome) else {
            continue;
        };
        let Some(source) = parsed.get(place.runbook) else {
            continue;
        };
        let message = outcome.message(target);
        let line = match code {
            Code::IpMismatch => place.ip_line.unwrap_or(place.line),
            _ => place.line,
        };
        report.findings.push(Finding::new(
            source.path(),
            line,
            None,
            code,
            message.clone(),
        ));
        record
            .runbooks
            .entry(source.path().to_string())
            .or_insert_with(|| Drift {
                hash: source.hash,
                reasons: Vec::new(),
            })
            .reasons
            .push(message);
    }
    sort(&mut report.findings);
    (report, record)
}

/// Every server host and URL of every runbook, with the line that names it.
fn targets(parsed: &[Parsed]) -> (Vec<Target>, Vec<Place>) {
    let mut targets = Vec::new();
    let mut places = Vec::new();
    for (i, source) in parsed.iter().enumerate() {
        let facts = &source.runbook.facts;
        for (n, server) in facts.servers.iter().enumerate() {
            let Some(host) = server.host.as_deref().filter(|h| !h.trim().is_empty()) else {
                continue;
            };
            targets.push(Target::Host {
                host: host.to_string(),
                ip: server.ip.clone(),
            });
            places.push(Place {
                runbook: i,
                line: source
                    .front_matter
                    .entry_line("servers", n, Some("host"), host),
                ip_line: server
                    .ip
                    .as_ref()
                    .map(|ip| source.front_matter.entry_line("servers", n, Some("ip"), ip)),
            });
        }
        for (n, url) in facts.urls.iter().enumerate() {
            targets.push(Target::Url(url.clone()));
            places.push(Place {
                runbook: i,
                line: source.front_matter.entry_line("urls", n, None, url),
                ip_line: None,
            });
        }
    }
    (targets, places)
}

/// The finding's code for an outcome worth a warning.
fn code(outcome: &Outcome) -> Option<Code> {
    match outcome {
        Outcome::Fine | Outcome::Skipped(_) => None,
        Outcome::IpMismatch { .. } => Some(Code::IpMismatch),
        Outcome::Unresolved(_) => Some(Code::HostUnresolved),
        Outcome::BadStatus(_) | Outcome::Unreachable(_) => Some(Code::UrlUnreachable),
    }
}
