//! Load with churn: concurrent searches against a real server on loopback while hundreds of
//! runbooks are edited, added and deleted under it. No request may fail, and once the churn
//! stops the index must hold exactly the runbooks on disk, each with its latest content.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::harness::server::Server;
use crate::harness::{Kb, bump_mtime, within};

const INITIAL: usize = 300;
/// File operations (edit, add, delete), spread over about [`CHURN_FOR`].
const OPERATIONS: usize = 600;
const CHURN_FOR: Duration = Duration::from_secs(8);
const SEARCHERS: usize = 4;

fn title(id: usize, version: usize) -> String {
    format!("Churn app {id} version {version}")
}

fn text(id: usize, version: usize) -> String {
    format!(
        "---\ntitle: {}\nhosting: self\nowner: team-churn\n---\n# Churn app {id}\n\n## Login\nssh ops@churn{id}.example.com\n\n## Restart\nRestart the worker; revision {version}.\n",
        title(id, version)
    )
}

/// A small deterministic generator: the same churn on every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

#[test]
fn searches_never_fail_while_hundreds_of_runbooks_churn_and_the_index_ends_exact() {
    within(Duration::from_secs(180), "churn scenario", churn_scenario);
}

fn churn_scenario() {
    let kb = Kb::with(&[]);
    // id → latest version; absent once deleted
    let mut on_disk: BTreeMap<usize, usize> = BTreeMap::new();
    for id in 0..INITIAL {
        kb.write(&format!("churn/{id:04}.md"), &text(id, 0));
        on_disk.insert(id, 0);
    }
    let server = Server::start(&kb, &[]);
    assert_eq!(server.json("/healthz")["runbooks"], INITIAL);

    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let searchers: Vec<_> = (0..SEARCHERS)
        .map(|n| {
            let (base, stop, sent, failed) = (
                server.base.clone(),
                stop.clone(),
                sent.clone(),
                failed.clone(),
            );
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(10)))
                    .build()
                    .into();
                let mut rng = Lcg(n as u64 + 7);
                while !stop.load(Ordering::Relaxed) {
                    let query = match rng.below(4) {
                        0 => "restart worker".to_string(),
                        1 => format!("churn{}.example.com", rng.below(INITIAL * 2)),
                        2 => format!("Churn app {}", rng.below(INITIAL * 2)),
                        _ => "owner:team-churn revision".to_string(),
                    };
                    let url = format!("{base}/api/search?q={}", query.replace(' ', "+"));
                    sent.fetch_add(1, Ordering::Relaxed);
                    let ok = agent.get(&url).call().is_ok_and(|mut r| {
                        r.status() == 200
                            && r.body_mut()
                                .read_to_string()
                                .is_ok_and(|body| body.contains("\"hits\""))
                    });
                    if !ok {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();

    let mut rng = Lcg(42);
    let mut next_id = INITIAL;
    let (mut edits, mut adds, mut deletes) = (0, 0, 0);
    let pause = CHURN_FOR / OPERATIONS as u32;
    for _ in 0..OPERATIONS {
        let ids: Vec<usize> = on_disk.keys().copied().collect();
        match rng.below(10) {
            0..=5 if !ids.is_empty() => {
                let id = ids[rng.below(ids.len())];
                let version = on_disk[&id] + 1;
                let path = kb.runbook_path(&format!("churn/{id:04}.md"));
                if version.is_multiple_of(2) {
                    kb.write(&format!("churn/{id:04}.md"), &text(id, version));
                } else {
                    // as editors save: a temporary file renamed over the runbook
                    let temp = kb.runbook_path(&format!("churn/.{id:04}.md.swp"));
                    std::fs::write(&temp, text(id, version)).expect("write temp");
                    bump_mtime(&temp);
                    std::fs::rename(&temp, &path).expect("rename over");
                }
                on_disk.insert(id, version);
                edits += 1;
            }
            6 | 7 => {
                kb.write(&format!("churn/{next_id:04}.md"), &text(next_id, 0));
                on_disk.insert(next_id, 0);
                next_id += 1;
                adds += 1;
            }
            _ if !ids.is_empty() => {
                let id = ids[rng.below(ids.len())];
                std::fs::remove_file(kb.runbook_path(&format!("churn/{id:04}.md")))
                    .expect("delete");
                on_disk.remove(&id);
                deletes += 1;
            }
            _ => {}
        }
        std::thread::sleep(pause);
    }

    // The index catches up: exactly the runbooks on disk, each with its latest title.
    let expected: BTreeMap<String, String> = on_disk
        .iter()
        .map(|(id, version)| (format!("runbooks/churn/{id:04}.md"), title(*id, *version)))
        .collect();
    let indexed = || -> BTreeMap<String, String> {
        server
            .json("/api/runbooks")
            .as_array()
            .expect("list")
            .iter()
            .map(|r| {
                (
                    r["path"].as_str().unwrap_or_default().to_string(),
                    r["title"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    let settle = Instant::now();
    while indexed() != expected && settle.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let settled_in = settle.elapsed();
    stop.store(true, Ordering::Relaxed);
    for searcher in searchers {
        searcher.join().expect("searcher");
    }
    let index = indexed();
    let lost = expected
        .iter()
        .filter(|(path, title)| index.get(*path) != Some(title))
        .count();
    let extra = index.keys().filter(|p| !expected.contains_key(*p)).count();
    let (sent, failed) = (sent.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    println!(
        "churn: {edits} edits, {adds} adds, {deletes} deletes; {sent} search requests sent, {failed} failures (expected 0); {} runbooks on disk, {lost} lost or stale (expected 0), {extra} deleted but still indexed (expected 0); index settled {settled_in:?} after the churn",
        expected.len()
    );
    assert!(sent > 100, "the searchers kept searching");
    assert_eq!(failed, 0);
    assert_eq!(lost, 0);
    assert_eq!(extra, 0);
    assert_eq!(server.json("/healthz")["runbooks"], expected.len());
}
