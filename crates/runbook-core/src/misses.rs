//! Learning from misses: the searches that found nothing, and those whose results nobody opened,
//! counted so the authors can see which runbooks or aliases are missing.
//!
//! No personal data is kept: only the normalized query text (lower case, trimmed, white space
//! collapsed, at most [`MAX_QUERY_CHARS`] characters), how often, the kind of miss and when it
//! was last seen. No addresses, users or sessions. Memory is bounded: at most [`MAX_QUERIES`]
//! misses (the least counted make room) and [`MAX_PENDING`] searches waiting to be opened.
//!
//! A search whose results were listed on the page is *pending* until one of them is opened (the
//! page's links say which query they came from) or its window passes; a window passed without
//! an open makes it a `not_opened` miss. Pending searches live in memory only: after a restart
//! nothing could be opened from them anyway.
//!
//! The misses persist in the state folder as [`FILE`], written atomically (a temporary file
//! renamed over the old one), so a crash never leaves half a file. A missing, unreadable or
//! corrupt file starts an empty log: the log is a help for authors, not worth refusing to serve.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::state_file;

/// What the file holds, as errors about it say.
const WHAT: &str = "log of missed searches";
/// The log's file name in the state folder.
pub const FILE: &str = "misses.json";
/// Distinct misses kept at most.
pub const MAX_QUERIES: usize = 1000;
/// Searches waiting to be opened, at most.
pub const MAX_PENDING: usize = 1000;
/// Longest query kept, in characters; the rest is cut.
pub const MAX_QUERY_CHARS: usize = 200;
/// How long the results of a search may wait to be opened before the search counts as a miss.
pub const OPEN_WINDOW: Duration = Duration::from_secs(10 * 60);

/// Why a query counts as a miss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissKind {
    /// The search found nothing.
    NoResults,
    /// Results were listed, and nobody opened one within the window.
    NotOpened,
}

/// A query that missed, as `GET /api/misses` and `runbook misses --json` print it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Miss {
    /// The query, as the caller typed it.
    pub query: String,
    /// How many times it was asked.
    pub count: u64,
    /// When it was last asked.
    pub last_seen: DateTime<Utc>,
    /// Whether it found nothing or only weak matches.
    pub kind: MissKind,
}

/// How a search went, as far as misses are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing matched.
    NoResults,
    /// Results were listed where a person can open them (the search page): pending until one
    /// is opened.
    Listed,
    /// Something was found and nothing more is expected: the answer card stood on the page, or
    /// a program (the JSON API, the command line) got the results.
    Answered,
}

/// Lower case, trimmed, white space collapsed, cut to [`MAX_QUERY_CHARS`]; `None` when empty.
pub fn normalize(query: &str) -> Option<String> {
    let collapsed = query.split_whitespace().collect::<Vec<_>>().join(" ");
    let lower = collapsed.to_lowercase();
    let cut: String = lower.chars().take(MAX_QUERY_CHARS).collect();
    let cut = cut.trim_end().to_string();
    (!cut.is_empty()).then_some(cut)
}

/// Where a knowledge base keeps its log.
pub fn file_in(state_dir: &Path) -> PathBuf {
    state_dir.join(FILE)
}

/// The misses in a log file, most counted first. A missing file has none; an unreadable or
/// corrupt one is an error (the caller shows it), so the command line does not pretend.
pub fn read(path: &Path) -> Result<Vec<Miss>> {
    let mut misses: Vec<Miss> = state_file::read_json(path, WHAT)?.unwrap_or_default();
    sort(&mut misses);
    Ok(misses)
}

fn sort(misses: &mut [Miss]) {
    misses.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.last_seen.cmp(&a.last_seen))
            .then(a.query.cmp(&b.query))
    });
}

#[derive(Debug, Clone, Copy)]
struct Count {
    count: u64,
    last_seen: DateTime<Utc>,
}

/// Showings of one query's results that nobody has opened yet.
#[derive(Debug, Clone, Copy)]
struct Pending {
    since: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    count: u64,
}

#[derive(Debug, Default)]
struct State {
    misses: HashMap<(String, MissKind), Count>,
    pending: HashMap<String, Pending>,
    /// Changed since the last save.
    dirty: bool,
}

/// The running log of misses.
pub struct MissLog {
    /// `None`: kept in memory only.
    path: Option<PathBuf>,
    open_window: Duration,
    state: Mutex<State>,
}

impl MissLog {
    /// A log kept in `path`, starting from what it holds. A file that cannot be read or parsed
    /// starts an empty log, with a warning; the next save replaces it.
    pub fn open(path: PathBuf) -> MissLog {
        let loaded = read(&path).unwrap_or_else(|e| {
            tracing::warn!("starting an empty log of missed searches: {e}");
            Vec::new()
        });
        let mut state = State::default();
        // Only the newest MAX_QUERIES, should someone have edited the file to hold more.
        for miss in loaded.into_iter().take(MAX_QUERIES) {
            if let Some(query) = normalize(&miss.query) {
                state.misses.insert(
                    (query, miss.kind),
                    Count {
                        count: miss.count,
                        last_seen: miss.last_seen,
                    },
                );
            }
        }
        MissLog {
            path: Some(path),
            open_window: OPEN_WINDOW,
            state: Mutex::new(state),
        }
    }

    /// A log that is never saved.
    pub fn in_memory() -> MissLog {
        MissLog {
            path: None,
            open_window: OPEN_WINDOW,
            state: Mutex::new(State::default()),
        }
    }

    /// The same log with another window for opening results (tests use a short one).
    pub fn with_open_window(mut self, window: Duration) -> MissLog {
        self.open_window = window;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while counting leaves counts that are still counts.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records how a search went.
    pub fn record(&self, query: &str, outcome: Outcome, now: DateTime<Utc>) {
        let Some(query) = normalize(query) else {
            return;
        };
        // Whole seconds are all the log needs to say when; no finer trace of anyone's typing.
        let now = now.trunc_subsecs(0);
        let mut state = self.lock();
        self.settle(&mut state, now);
        match outcome {
            Outcome::NoResults => count(&mut state, query, MissKind::NoResults, 1, now),
            Outcome::Listed | Outcome::Answered => {
                // It finds something now (a runbook or alias was added): no longer missing.
                if state
                    .misses
                    .remove(&(query.clone(), MissKind::NoResults))
                    .is_some()
                {
                    state.dirty = true;
                }
                if outcome == Outcome::Listed {
                    wait_for_open(&mut state, query, now);
                }
            }
        }
    }

    /// Records that a result of `query` was opened (or the query refined from its page): its
    /// pending showings are not misses.
    pub fn opened(&self, query: &str, now: DateTime<Utc>) {
        let Some(query) = normalize(query) else {
            return;
        };
        let mut state = self.lock();
        state.pending.remove(&query);
        self.settle(&mut state, now);
    }

    /// Every miss, most counted first (then the most recent).
    pub fn list(&self, now: DateTime<Utc>) -> Vec<Miss> {
        let mut state = self.lock();
        self.settle(&mut state, now);
        let mut misses = snapshot(&state);
        sort(&mut misses);
        misses
    }

    /// Writes the log to its file if it changed since the last save.
    pub fn save(&self) -> Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let misses = {
            let mut state = self.lock();
            if !state.dirty {
                return Ok(());
            }
            state.dirty = false;
            let mut misses = snapshot(&state);
            sort(&mut misses);
            misses
        };
        let written = write_atomically(path, &misses);
        if written.is_err() {
            // Try again at the next save.
            self.lock().dirty = true;
        }
        written
    }

    /// Turns pending showings whose window has passed into `not_opened` misses.
    fn settle(&self, state: &mut State, now: DateTime<Utc>) {
        let window = chrono::Duration::from_std(self.open_window).unwrap_or(chrono::Duration::MAX);
        let expired: Vec<String> = state
            .pending
            .iter()
            .filter(|(_, p)| now - p.since >= window)
            .map(|(q, _)| q.clone())
            .collect();
        for query in expired {
            if let Some(p) = state.pending.remove(&query) {
                count(state, query, MissKind::NotOpened, p.count, p.last_seen);
            }
        }
    }
}

fn count(state: &mut State, query: String, kind: MissKind, by: u64, seen: DateTime<Utc>) {
    let key = (query, kind);
    if !state.misses.contains_key(&key) && state.misses.len() >= MAX_QUERIES {
        // The least counted, and of those the longest unseen, makes room.
        let victim = state
            .misses
            .iter()
            .min_by(|a, b| {
                a.1.count
                    .cmp(&b.1.count)
                    .then(a.1.last_seen.cmp(&b.1.last_seen))
            })
            .map(|(k, _)| k.clone());
        if let Some(victim) = victim {
            state.misses.remove(&victim);
        }
    }
    let entry = state.misses.entry(key).or_insert(Count {
        count: 0,
        last_seen: seen,
    });
    entry.count = entry.count.saturating_add(by);
    entry.last_seen = entry.last_seen.max(seen);
    state.dirty = true;
}

fn wait_for_open(state: &mut State, query: String, now: DateTime<Utc>) {
    if !state.pending.contains_key(&query) && state.pending.len() >= MAX_PENDING {
        // Full: the oldest showing is given up on, not counted (it may yet have been opened).
        let oldest = state
            .pending
            .iter()
            .min_by_key(|(_, p)| p.since)
            .map(|(q, _)| q.clone());
        if let Some(oldest) = oldest {
            state.pending.remove(&oldest);
        }
    }
    let pending = state.pending.entry(query).or_insert(Pending {
        since: now,
        last_seen: now,
        count: 0,
    });
    pending.count += 1;
    pending.last_seen = now;
}

fn snapshot(state: &State) -> Vec<Miss> {
    state
        .misses
        .iter()
        .map(|((query, kind), c)| Miss {
            query: query.clone(),
            count: c.count,
            last_seen: c.last_seen,
            kind: *kind,
        })
        .collect()
}

fn write_atomically(path: &Path, misses: &[Miss]) -> Result<()> {
    state_file::write_json(path, &misses, WHAT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + minutes * 60, 0).expect("a time")
    }

    fn misses(log: &MissLog, now: DateTime<Utc>) -> Vec<(String, u64, MissKind)> {
        log.list(now)
            .into_iter()
            .map(|m| (m.query, m.count, m.kind))
            .collect()
    }

    #[test]
    fn queries_are_normalized_and_cut() {
        assert_eq!(
            normalize("  Billing \t DOWN\n").as_deref(),
            Some("billing down")
        );
        assert_eq!(normalize(" \n "), None);
        let long = normalize(&"é".repeat(500)).expect("cut");
        assert_eq!(long.chars().count(), MAX_QUERY_CHARS);
    }

    #[test]
    fn searches_that_find_nothing_are_counted_until_they_find_something() {
        let log = MissLog::in_memory();
        log.record("Billing  down", Outcome::NoResults, at(0));
        log.record("billing down", Outcome::NoResults, at(1));
        log.record("vpn", Outcome::NoResults, at(2));
        assert_eq!(
            misses(&log, at(3)),
            [
                ("billing down".to_string(), 2, MissKind::NoResults),
                ("vpn".to_string(), 1, MissKind::NoResults)
            ]
        );
        assert_eq!(log.list(at(3))[0].last_seen, at(1));
        log.record("VPN", Outcome::Answered, at(4));
        assert_eq!(misses(&log, at(5)).len(), 1, "vpn finds something now");
    }

    #[test]
    fn listed_results_nobody_opens_become_misses_after_the_window() {
        let log = MissLog::in_memory().with_open_window(Duration::from_secs(600));
        log.record("restart", Outcome::Listed, at(0));
        log.record("restart", Outcome::Listed, at(1));
        log.record("deploy", Outcome::Listed, at(0));
        log.opened("Deploy", at(2));
        log.record("answered", Outcome::Answered, at(0));
        assert!(misses(&log, at(9)).is_empty(), "still within the window");
        assert_eq!(
            misses(&log, at(10)),
            [("restart".to_string(), 2, MissKind::NotOpened)]
        );
        assert_eq!(log.list(at(10))[0].last_seen, at(1));
    }

    #[test]
    fn memory_is_bounded_by_evicting_the_least_counted() {
        let log = MissLog::in_memory();
        log.record("popular", Outcome::NoResults, at(0));
        log.record("popular", Outcome::NoResults, at(0));
        for i in 0..MAX_QUERIES + 10 {
            log.record(&format!("q{i}"), Outcome::NoResults, at(i as i64));
        }
        let all = log.list(at(5000));
        assert_eq!(all.len(), MAX_QUERIES);
        assert_eq!(all[0].query, "popular");
        assert!(
            all.iter()
                .any(|m| m.query == format!("q{}", MAX_QUERIES + 9))
        );
        assert!(
            !all.iter().any(|m| m.query == "q0"),
            "the oldest single one went"
        );
    }

    #[test]
    fn the_log_survives_a_restart_and_a_corrupt_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = file_in(dir.path());
        let log = MissLog::open(path.clone());
        log.record("billing down", Outcome::NoResults, at(0));
        log.save().expect("save");
        let again = MissLog::open(path.clone());
        assert_eq!(
            misses(&again, at(1)),
            [("billing down".to_string(), 1, MissKind::NoResults)]
        );
        assert_eq!(read(&path).expect("read").len(), 1);

        std::fs::write(&path, "{not json").expect("corrupt it");
        assert!(read(&path).is_err(), "the command line says so");
        let fresh = MissLog::open(path.clone());
        assert!(fresh.list(at(1)).is_empty());
        fresh.record("vpn", Outcome::NoResults, at(2));
        fresh.save().expect("save over the corrupt file");
        assert_eq!(read(&path).expect("read")[0].query, "vpn");
    }
}
