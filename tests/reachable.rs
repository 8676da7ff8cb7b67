//! Who can I call right now, and is this runbook still true: contacts' hours read as
//! schedules, the moment asked about (`--at`, `?at=`, `RUNBOOK_NOW`), `check --live` on
//! loopback only, and stale marks on results.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use predicates::prelude::*;

use crate::harness::{Kb, free_port};

/// Escalation order: a weekday team lead in London, a weekend on-call, and one whose hours
/// are free text.
const SUPPORT: &str = "---
title: Support portal
app: support
hosting: self
owner: team-support
contacts:
  - name: Team lead
    role: lead
    phone: \"+44 20 7946 0001\"
    hours: Mon-Fri 09:00-17:30 Europe/London
  - name: Weekend on-call
    role: on-call
    phone: \"+44 20 7946 0002\"
    hours: Sat-Sun 00:00-24:00 Europe/London
  - name: Vendor desk
    phone: \"+44 20 7946 0003\"
    hours: when the office is open
---
# Support portal

## Login

ssh ops@support01
";

/// Saturday 28 November 2026, 03:00 in London (GMT).
const SATURDAY_NIGHT: &str = "2026-11-28T03:00:00Z";
/// Monday 30 November 2026, 10:00 in London.
const MONDAY_MORNING: &str = "2026-11-30T10:00:00Z";

fn support() -> Kb {
    Kb::with(&[("support.md", SUPPORT)])
}

#[test]
fn show_json_says_who_is_reachable_at_the_moment_asked_about() {
    let kb = support();
    let night = kb.json(&["show", "support", "--json", "--at", SATURDAY_NIGHT]);
    assert_eq!(night["at"], SATURDAY_NIGHT);
    let contacts = night["contacts"].as_array().expect("contacts");
    assert_eq!(contacts[0]["reachable_now"], false);
    assert_eq!(contacts[0]["next_reachable"], "2026-11-30T09:00:00Z");
    assert_eq!(contacts[1]["reachable_now"], true);
    assert_eq!(contacts[1]["next_reachable"], serde_json::Value::Null);
    assert_eq!(
        contacts[2]["reachable_now"],
        serde_json::Value::Null,
        "free text"
    );
    assert_eq!(contacts[2]["next_reachable"], serde_json::Value::Null);
    assert_eq!(night["call_first"], 1);

    let morning = kb.json(&["show", "support", "--json", "--at", MONDAY_MORNING]);
    assert_eq!(morning["contacts"][0]["reachable_now"], true);
    assert_eq!(
        morning["contacts"][0]["reachable_until"],
        "2026-11-30T17:30:00Z"
    );
    assert_eq!(morning["contacts"][1]["reachable_now"], false);
    assert_eq!(
        morning["contacts"][1]["next_reachable"],
        "2026-12-05T00:00:00Z"
    );
    assert_eq!(morning["call_first"], 0);
}

#[test]
fn nobody_reachable_gives_a_null_call_first() {
    let kb = Kb::with(&[(
        "night.md",
        "---\ntitle: Night\nhosting: self\nowner: t\ncontacts:\n  - name: Day desk\n    hours: Mon-Fri 09:00-17:00 UTC\n---\n# Night\n",
    )]);
    let night = kb.json(&["show", "night", "--json", "--at", SATURDAY_NIGHT]);
    assert_eq!(night["call_first"], serde_json::Value::Null);
    assert_eq!(
        night["contacts"][0]["next_reachable"],
        "2026-11-30T09:00:00Z"
    );
}

#[test]
fn runbook_now_fixes_the_clock_like_at() {
    let kb = support();
    let out = kb
        .cmd(&["show", "support", "--json"])
        .env("RUNBOOK_NOW", SATURDAY_NIGHT)
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["at"], SATURDAY_NIGHT);
    assert_eq!(json["call_first"], 1);
}

#[test]
fn a_time_that_is_not_rfc_3339_is_refused_with_a_clear_error() {
    let kb = support();
    kb.cmd(&["show", "support", "--at", "saturday 3am"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("RFC 3339"));
    kb.cmd(&["show", "support"])
        .env("RUNBOOK_NOW", "tomorrow")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("RUNBOOK_NOW"));
}

#[test]
fn daylight_saving_moves_the_opening_in_utc_not_in_local_time() {
    let kb = support();
    // London springs forward on 29 March 2026: Monday's 09:00 is 08:00 UTC.
    let spring = kb.json(&["show", "support", "--json", "--at", "2026-03-28T12:00:00Z"]);
    assert_eq!(
        spring["contacts"][0]["next_reachable"],
        "2026-03-30T08:00:00Z"
    );
    // And falls back on 25 October 2026: Monday's 09:00 is 09:00 UTC again.
    let autumn = kb.json(&["show", "support", "--json", "--at", "2026-10-24T12:00:00Z"]);
    assert_eq!(
        autumn["contacts"][0]["next_reachable"],
        "2026-10-26T09:00:00Z"
    );
}

#[test]
fn the_terminal_card_says_whom_to_call_first_and_when_the_others_open() {
    let kb = support();
    kb.cmd(&["show", "support", "--at", SATURDAY_NIGHT])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Call first: 2. Weekend on-call (on-call) +44 20 7946 0002",
        ))
        .stdout(predicate::str::contains(
            "[closed, opens Mon 09:00 Europe/London]",
        ))
        .stdout(predicate::str::contains("[open now until"));
}

#[test]
fn a_search_that_names_the_runbook_answers_with_reachability_too() {
    let kb = support();
    let results = kb.json(&["search", "support", "--json", "--at", SATURDAY_NIGHT]);
    assert_eq!(results["answer"]["call_first"], 1);
    assert_eq!(results["answer"]["contacts"][1]["reachable_now"], true);
}

#[test]
fn the_api_and_the_page_answer_for_the_moment_in_at() {
    let kb = support();
    let (status, body) = kb.page(&format!("/api/runbooks/support?at={SATURDAY_NIGHT}"));
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(json["call_first"], 1);
    assert_eq!(
        json["contacts"][0]["next_reachable"],
        "2026-11-30T09:00:00Z"
    );

    let (status, body) = kb.page(&format!("/api/search?q=support&at={SATURDAY_NIGHT}"));
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(json["answer"]["call_first"], 1);

    let (status, page) = kb.page(&format!("/runbooks/support?at={SATURDAY_NIGHT}"));
    assert_eq!(status, 200);
    assert!(
        page.contains("Call first: 2. Weekend on-call (on-call) +44 20 7946 0002"),
        "{page}"
    );
    assert!(
        page.contains("closed, opens Mon 09:00 Europe/London"),
        "{page}"
    );

    let (status, body) = kb.page("/api/runbooks/support?at=3am");
    assert_eq!(status, 400);
    assert!(body.contains("RFC 3339"), "{body}");
}

#[test]
fn check_warns_when_hours_are_set_but_not_a_schedule() {
    let kb = support();
    let report = kb.json(&["check", "--json"]);
    let findings = report["findings"].as_array().expect("findings");
    let unreadable: Vec<_> = findings
        .iter()
        .filter(|f| f["code"] == "hours-unreadable")
        .collect();
    assert_eq!(unreadable.len(), 1, "{report}");
    assert_eq!(unreadable[0]["severity"], "warning");
    assert_eq!(unreadable[0]["path"], "runbooks/support.md");
    // Line 17 of the file: the free-text `hours:`.
    assert_eq!(unreadable[0]["line"], 17, "{report}");
    assert!(
        unreadable[0]["message"]
            .as_str()
            .expect("message")
            .contains("when the office is open")
    );
}

#[test]
fn an_overdue_review_marks_results_stale_with_the_reason() {
    let kb = Kb::with(&[(
        "old.md",
        "---\ntitle: Old portal\nhosting: self\nowner: t\nreviewed: 2026-01-01\nreview_every_days: 30\n---\n# Old portal\n\nThe old portal.\n",
    )]);
    let results = kb.json(&["search", "old", "portal", "--json", "--at", MONDAY_MORNING]);
    assert_eq!(
        results["hits"][0]["stale"][0],
        "review overdue since 2026-01-31"
    );
    let early = kb.json(&[
        "search",
        "old",
        "portal",
        "--json",
        "--at",
        "2026-01-15T10:00:00Z",
    ]);
    assert_eq!(early["hits"][0]["stale"], serde_json::json!([]));
    kb.cmd(&["search", "old", "portal", "--at", MONDAY_MORNING])
        .assert()
        .stdout(predicate::str::contains(
            "⚠ stale: review overdue since 2026-01-31",
        ));
}

/// A web server on loopback that answers `/ok` with 200, `/head-refused` with 405 to HEAD and
/// 200 to GET, and anything else with 404; it counts the requests it gets.
fn local_web_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counted.fetch_add(1, Ordering::SeqCst);
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            // Read the headers up to the blank line.
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let status = match line.split_whitespace().take(2).collect::<Vec<_>>()[..] {
                [_, "/ok"] => "200 OK",
                ["HEAD", "/head-refused"] => "405 Method Not Allowed",
                ["GET", "/head-refused"] => "200 OK",
                _ => "404 Not Found",
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            );
        }
    });
    (base, requests)
}

fn live_runbook(base: &str, closed: u16) -> String {
    format!(
        "---
title: Live portal
app: live
hosting: self
owner: t
servers:
  - host: localhost
    ip: 127.0.0.1
  - host: localhost
    ip: 10.9.9.9
urls:
  - {base}/ok
  - {base}/head-refused
  - {base}/missing
  - http://127.0.0.1:{closed}/
---
# Live portal

## Login

ssh ops@localhost
"
    )
}

#[test]
fn check_never_touches_the_network_without_live() {
    let (base, requests) = local_web_server();
    let kb = Kb::with(&[("live.md", &live_runbook(&base, free_port()))]);
    let report = kb.json(&["check", "--json"]);
    assert_eq!(requests.load(Ordering::SeqCst), 0);
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(!codes.contains(&"url-unreachable"), "{report}");
    assert!(!codes.contains(&"ip-mismatch"), "{report}");
}

#[test]
fn check_live_finds_a_wrong_ip_and_urls_that_do_not_answer_on_their_lines() {
    let (base, requests) = local_web_server();
    let closed = free_port();
    let kb = Kb::with(&[("live.md", &live_runbook(&base, closed))]);
    let out = kb
        .cmd(&["check", "--live", "--json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "warnings only");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let live: Vec<(String, u64, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            ["ip-mismatch", "host-unresolved", "url-unreachable"]
                .contains(&f["code"].as_str().unwrap_or_default())
        })
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(live.len(), 3, "{live:?}");
    assert_eq!(live[0].0, "ip-mismatch");
    assert_eq!(live[0].1, 10, "the second entry's ip: {live:?}");
    assert!(live[0].2.contains("10.9.9.9"), "{live:?}");
    assert!(live[0].2.contains("127.0.0.1"), "{live:?}");
    assert_eq!(live[1].0, "url-unreachable");
    assert_eq!(live[1].1, 14, "{live:?}");
    assert!(live[1].2.contains("404"), "{live:?}");
    assert_eq!(live[2].0, "url-unreachable");
    assert_eq!(live[2].1, 15, "{live:?}");
    assert!(live[2].2.contains("refused"), "{live:?}");
    // /ok once, /head-refused twice (HEAD, then GET), /missing at least once.
    assert!(requests.load(Ordering::SeqCst) >= 4);

    kb.cmd(&["check", "--live", "--format", "github"])
        .assert()
        .stdout(predicate::str::contains(
            "::warning file=runbooks/live.md,line=10",
        ));
}

#[test]
fn what_check_live_found_marks_the_runbook_stale_until_it_is_edited() {
    let (base, _) = local_web_server();
    let closed = free_port();
    let kb = Kb::with(&[("live.md", &live_runbook(&base, closed))]);
    kb.cmd(&["check", "--live"]).assert().success();
    let results = kb.json(&["search", "live", "portal", "--json"]);
    let stale = results["hits"][0]["stale"].as_array().expect("stale");
    assert_eq!(stale.len(), 3, "{results}");
    assert!(
        stale[0]
            .as_str()
            .expect("reason")
            .starts_with("check --live on "),
        "{stale:?}"
    );
    let (_, page) = kb.page("/?q=live+portal");
    assert!(page.contains("Stale: check --live on"), "{page}");

    // Fixing the runbook clears the marks at once, before the next live check.
    let fixed = live_runbook(&base, closed).replace("    ip: 10.9.9.9\n", "");
    kb.write("live.md", &fixed);
    let results = kb.json(&["search", "live", "portal", "--json"]);
    assert_eq!(
        results["hits"][0]["stale"],
        serde_json::json!([]),
        "{results}"
    );
}
