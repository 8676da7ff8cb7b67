//! Learning from misses: searches that found nothing, or whose results nobody opened, are
//! counted (normalized, nothing personal), listed at `GET /api/misses` and by `runbook misses`,
//! and kept across restarts.

use std::time::Duration;

use crate::harness::Kb;
use crate::harness::app::App;
use crate::harness::server::Server;

/// The window for opening results in these tests: short, so "not opened" shows up quickly.
const WINDOW: Duration = Duration::from_secs(3);

/// The example runbooks in process, with the short window.
fn examples_with_short_window() -> App {
    App::configured(Kb::examples(), |_, state| state.with_open_window(WINDOW))
}

/// The misses `GET /api/misses` lists.
async fn misses(app: &App) -> Vec<serde_json::Value> {
    let misses = app.json("/api/misses").await;
    misses
        .as_array()
        .unwrap_or_else(|| panic!("a list: {misses}"))
        .clone()
}

/// (query, count, kind) of each miss, in the order listed.
fn summary(misses: &[serde_json::Value]) -> Vec<(String, u64, String)> {
    misses
        .iter()
        .map(|m| {
            (
                m["query"].as_str().expect("query").to_string(),
                m["count"].as_u64().expect("count"),
                m["kind"].as_str().expect("kind").to_string(),
            )
        })
        .collect()
}

fn miss(query: &str, count: u64, kind: &str) -> (String, u64, String) {
    (query.to_string(), count, kind.to_string())
}

#[tokio::test]
async fn searches_that_find_nothing_are_counted_whatever_their_case_and_spacing() {
    let app = examples_with_short_window();
    assert_eq!(app.get("/?q=Xyzzy%20%20Frobnicate").await.0, 200);
    app.get("/api/search?q=xyzzy+frobnicate").await;
    app.get("/fragments/results?q=%20XYZZY%09frobnicate%20")
        .await;
    app.get("/api/search?q=plugh").await;
    // Typing is not asking: intermediate queries of search as you type are not counted.
    app.get("/fragments/results?typing=1&q=xyzz").await;
    // Found: not a miss.
    app.get("/api/search?q=payroll").await;
    assert_eq!(
        summary(&misses(&app).await),
        [
            miss("xyzzy frobnicate", 3, "no_results"),
            miss("plugh", 1, "no_results")
        ]
    );
}

#[tokio::test]
async fn the_list_has_exactly_the_documented_fields() {
    let app = examples_with_short_window();
    app.get("/api/search?q=plugh").await;
    let misses = misses(&app).await;
    let object = misses[0].as_object().expect("an object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["count", "kind", "last_seen", "query"]);
    let seen = misses[0]["last_seen"].as_str().expect("a time");
    assert!(
        chrono::DateTime::parse_from_rfc3339(seen).is_ok(),
        "RFC 3339: {seen}"
    );
}

/// The first hit link of a results page, without its `#section`.
fn first_hit_link(page: &str) -> String {
    let start = page.find("class=\"hit-link\" href=\"").expect("a hit link") + 23;
    let end = start + page[start..].find('"').expect("end of link");
    let href = page[start..end].replace("&amp;", "&");
    href.split('#').next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn results_nobody_opens_count_as_not_opened_and_opened_ones_do_not() {
    let app = examples_with_short_window();
    let started = std::time::Instant::now();
    let (_, _, page) = app.get("/?q=restart").await;
    app.get("/?q=deploy").await;
    app.get("/?q=restart").await;
    // The page's own link to a result names the query it came from.
    let link = first_hit_link(&page);
    assert!(link.contains("?from=restart"), "{link}");
    assert_eq!(app.get(&link).await.0, 200);
    // However odd the rest of its query string, the runbook page shows.
    assert_eq!(app.get(&format!("{link}&from=x&%ZZ=1")).await.0, 200);
    // Refining a search from its page (a facet) is doing something with it too.
    app.get("/?q=payroll").await;
    app.get("/?q=hosting%3Avendor%20payroll&from=payroll").await;
    // The answer card is on the page: nothing needs opening.
    app.get("/?q=10.44.7.19").await;
    // A program's search (the JSON API) is not expected to open anything.
    app.get("/api/search?q=vpn").await;
    let early = misses(&app).await;
    // (On a machine so busy that the window passed already, there is nothing to check here.)
    if started.elapsed() < WINDOW {
        assert!(
            early.is_empty(),
            "nothing before the window passes: {early:?}"
        );
    }
    tokio::time::sleep(WINDOW + Duration::from_millis(300)).await;
    let mut found = summary(&misses(&app).await);
    found.sort();
    assert_eq!(
        found,
        [
            miss("deploy", 1, "not_opened"),
            miss("hosting:vendor payroll", 1, "not_opened")
        ]
    );
}

/// Kills the server and waits for its file to have `query`.
fn wait_for_file(kb: &Kb, query: &str) {
    let path = kb.root().join(".runbook").join("misses.json");
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if std::fs::read_to_string(&path).is_ok_and(|t| t.contains(query)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{} never held {query:?}", path.display());
}

#[test]
fn runbook_misses_prints_them_from_the_state_folder_and_from_a_server_across_restarts() {
    let kb = Kb::examples();
    let server = Server::start(&kb, &[]);
    for _ in 0..3 {
        assert_eq!(server.get("/api/search?q=Quux%20Frobozz").0, 200);
    }
    server.get("/?q=plugh");

    let remote = kb.json(&["misses", "--server", &server.base, "--json"]);
    let remote: Vec<serde_json::Value> = remote.as_array().expect("a list").clone();
    assert_eq!(
        summary(&remote),
        [
            miss("quux frobozz", 3, "no_results"),
            miss("plugh", 1, "no_results")
        ]
    );

    wait_for_file(&kb, "plugh");
    let out = kb.cmd(&["misses"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].contains("count") && lines[0].contains("query"),
        "{text}"
    );
    assert!(
        lines[1].trim_start().starts_with("3  no results") && lines[1].ends_with("quux frobozz"),
        "{text}"
    );
    assert!(lines[2].ends_with("plugh"), "{text}");
    assert_eq!(
        kb.json(&["misses", "--json"]),
        serde_json::Value::Array(remote)
    );

    // Killed without warning and started again: the counts go on from the file.
    drop(server);
    let server = Server::start(&kb, &[]);
    server.get("/api/search?q=quux+frobozz");
    let again = server.json("/api/misses");
    assert_eq!(again[0]["query"], "quux frobozz");
    assert_eq!(again[0]["count"], 4);
}

#[test]
fn a_corrupt_log_is_replaced_not_fatal_and_no_log_is_no_misses() {
    let kb = Kb::examples();
    let out = kb.cmd(&["misses"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("No missed searches"));

    let state = kb.root().join(".runbook");
    std::fs::create_dir_all(&state).expect("mkdir");
    std::fs::write(state.join("misses.json"), "[{\"query\": tru").expect("corrupt");
    let out = kb.cmd(&["misses"]).output().expect("run");
    assert_eq!(
        out.status.code(),
        Some(2),
        "the command says the file is bad"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("misses.json"));

    let server = Server::start(&kb, &[]);
    assert_eq!(server.get("/api/search?q=plugh").0, 200);
    assert_eq!(server.json("/api/misses")[0]["query"], "plugh");
    wait_for_file(&kb, "plugh");
    assert_eq!(kb.json(&["misses", "--json"])[0]["query"], "plugh");
}
