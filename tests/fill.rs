//! Searches first: a server's background fill of sentence vectors never holds up a search. Its
//! threads run at the lowest priority, it starts no batch while a search is in flight, and a
//! search during a fill is answered long before the fill ends. `runbook index`'s fill (the
//! foreground one) waits for nothing.
//!
//! Every assertion is an ordering or a count, not a duration: what the fill may have done while
//! a search was in flight is bounded by its design, whatever the machine's speed.

use runbook_core::SearchRequest;
use std::sync::Arc;
use std::time::{Duration, Instant};

use runbook_core::semantic::{BACKGROUND_FILL_THREAD, State};
use runbook_core::{KnowledgeBase, SearchMode};

use crate::harness::{Kb, within};

/// A described problem: ranked by meaning as well as by words (the model is asked for its
/// vector), and some of its words are in the runbooks.
const DESCRIBED: &str = "the certificate on the host has to be renewed";

/// `runbooks` runbooks of four short sections each, every section's text its own (vectors are
/// keyed by content, so equal sections would share one).
fn sections_kb(runbooks: usize) -> Kb {
    const WORDS: &[&str] = &[
        "queue",
        "backlog",
        "certificate",
        "rotation",
        "replica",
        "lag",
        "spool",
        "relay",
        "bucket",
        "quota",
        "token",
        "expiry",
        "vacuum",
        "bloat",
        "eviction",
        "offset",
    ];
    let texts: Vec<(String, String)> = (0..runbooks)
        .map(|i| {
            let word = |k: usize| WORDS[(i * 7 + k * 3) % WORDS.len()];
            let text = format!(
                "---\ntitle: Service {i}\nowner: team-{i}\n---\n# Service {i}\n\n\
                 ## Login\n\nSign on to console {i} with the {} account.\n\n\
                 ## {} alarm\n\nWhen the {} of service {i} grows, drain node {i} first.\n\n\
                 ## {} failure\n\nA {} problem on host {i} means the {} must be renewed.\n\n\
                 ## Escalation\n\nCall the {} desk for service {i} after an hour.\n",
                word(0),
                word(1),
                word(2),
                word(3),
                word(4),
                word(5),
                word(6),
            );
            (format!("service-{i:03}.md"), text)
        })
        .collect();
    let files: Vec<(&str, &str)> = texts
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    Kb::with(&files)
}

/// The nice value of every thread of this process whose name starts with `prefix`.
fn nice_of_threads(prefix: &str) -> Vec<i32> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .filter_map(|task| {
            let dir = task.ok()?.path();
            let name = std::fs::read_to_string(dir.join("comm")).ok()?;
            if !name.trim_end().starts_with(prefix) {
                return None;
            }
            nice_in_stat(&std::fs::read_to_string(dir.join("stat")).ok()?)
        })
        .collect()
}

/// The nice value in a `/proc/*/stat` line: field 19, counting from the process id; the
/// thread's name (field 2) may hold spaces, so fields are counted after its closing parenthesis.
fn nice_in_stat(stat: &str) -> Option<i32> {
    let (_, after_name) = stat.rsplit_once(')')?;
    after_name.split_whitespace().nth(16)?.parse().ok()
}

/// This thread's nice value.
fn my_nice() -> i32 {
    std::fs::read_to_string("/proc/thread-self/stat")
        .ok()
        .as_deref()
        .and_then(nice_in_stat)
        .expect("read /proc/thread-self/stat")
}

/// Waits until `ready()` holds, panicking with `what` after two minutes.
fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !ready() {
        assert!(Instant::now() < deadline, "{what}: not within two minutes");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_background_fill_runs_at_the_lowest_priority_and_starts_nothing_while_a_search_runs() {
    let kb = sections_kb(8);
    let knowledge_base = kb.knowledge_base();
    let callers_nice = my_nice();
    std::thread::scope(|scope| {
        let search = knowledge_base.searching();
        let fill = scope.spawn(|| knowledge_base.embed_in_background(&mut |_, _| {}));
        // Its threads start, lower their priority, then wait for the search to end (for up to
        // two seconds, which the count below is read well within). Other tests' fills have
        // threads of the same name, at the same priority.
        wait_for("the fill's threads at the lowest priority", || {
            let nice = nice_of_threads(BACKGROUND_FILL_THREAD);
            knowledge_base.semantic_status().state == State::Embedding
                && !nice.is_empty()
                && nice.iter().all(|&n| n == 19)
        });
        let status = knowledge_base.semantic_status();
        assert_eq!(status.state, State::Embedding, "{status:?}");
        assert!(status.sections >= 8 * 4, "{status:?}");
        assert_eq!(
            status.embedded, 0,
            "a batch was computed while a search was in flight"
        );
        drop(search);
        let report = fill.join().expect("fill thread").expect("fill");
        assert_eq!(report.embedded, report.sections, "{report:?}");
    });
    assert_eq!(
        my_nice(),
        callers_nice,
        "the thread that asked for the fill keeps its priority (a server's thread pool reuses it)"
    );
}

#[test]
fn a_search_during_a_background_fill_is_answered_before_the_fill_ends() {
    let kb = sections_kb(40);
    let knowledge_base = kb.knowledge_base();
    std::thread::scope(|scope| {
        let fill = scope.spawn(|| knowledge_base.embed_in_background(&mut |_, _| {}));
        // Once some vectors exist, a described query is ranked by meaning too: the model is
        // asked for the query's vector while the fill is using it.
        wait_for("the first vectors", || {
            knowledge_base.semantic_status().embedded > 0
        });
        let results = knowledge_base
            .search(
                &SearchRequest::new(DESCRIBED)
                    .limit(10)
                    .mode(SearchMode::Hybrid),
            )
            .expect("search");
        let status = knowledge_base.semantic_status();
        assert!(
            status.embedded < status.sections && status.state == State::Embedding,
            "the search was answered only once the fill had ended: {status:?}"
        );
        assert!(knowledge_base.wants_model(DESCRIBED));
        assert!(!results.hits.is_empty(), "{results:?}");
        let report = fill.join().expect("fill thread").expect("fill");
        assert_eq!(report.with_vector, report.sections, "{report:?}");
    });
}

#[test]
fn runbook_index_fills_without_waiting_for_searches() {
    let kb = sections_kb(3);
    let knowledge_base = Arc::new(kb.knowledge_base());
    let report = within(Duration::from_secs(300), "a foreground fill", move || {
        let _search = knowledge_base.searching();
        knowledge_base.embed(None, &mut |_, _| {})
    })
    .expect("fill");
    assert!(report.sections >= 3 * 4, "{report:?}");
    assert_eq!(report.embedded, report.sections, "{report:?}");
}

#[test]
fn a_stopped_background_fill_ends_even_while_searches_run() {
    let kb = sections_kb(8);
    let knowledge_base: Arc<KnowledgeBase> = Arc::new(kb.knowledge_base());
    let filling = knowledge_base.clone();
    let report = within(Duration::from_secs(300), "a stopped fill", move || {
        std::thread::scope(|scope| {
            let _search = filling.searching();
            let fill = scope.spawn(|| filling.embed_in_background(&mut |_, _| {}));
            wait_for("the fill's threads", || {
                !nice_of_threads(BACKGROUND_FILL_THREAD).is_empty()
            });
            filling.stop_embedding();
            fill.join().expect("fill thread")
        })
    })
    .expect("fill");
    assert_eq!(report.embedded, 0, "{report:?}");
    assert!(report.sections >= 8 * 4, "{report:?}");
}
