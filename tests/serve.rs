//! `runbook serve` as a real process: live reindexing of saved, renamed, deleted and bulk-changed
//! runbooks, searches answered while a reindex runs, a clear error for a taken port, shutdown on
//! SIGTERM, and the CLI asking a server.

use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::server::Server;
use crate::harness::{Kb, cli};

const LIMIT: Duration = Duration::from_secs(10);

fn runbook_text(title: &str, word: &str) -> String {
    format!(
        "---\ntitle: {title}\nhosting: self\nowner: team-test\n---\n# {title}\n\n## Login\n{word}\n"
    )
}

#[test]
fn a_saved_file_is_searchable_without_a_restart() {
    let kb = Kb::examples();
    let server = Server::start(&kb, &[]);
    kb.write(
        "axolotl.md",
        &runbook_text("Axolotl tracker", "gillsprocket"),
    );
    let took = server.wait_until(LIMIT, "new file searchable", |s| {
        s.apps("gillsprocket") == ["axolotl"]
    });
    println!("new file searchable after {took:?}");

    let text = std::fs::read_to_string(kb.runbook_path("billing.md")).unwrap();
    kb.write(
        "billing.md",
        &text.replace("## Restart", "## Restart\nquuxinator restarts.\n"),
    );
    let took = server.wait_until(LIMIT, "edit searchable", |s| {
        s.apps("quuxinator") == ["billing"]
    });
    println!("edit searchable after {took:?}");
}

#[test]
fn a_save_by_rename_as_editors_do_is_picked_up() {
    let kb = Kb::examples();
    let server = Server::start(&kb, &[]);
    // vim and VS Code write a temporary file and rename it over the original
    let target = kb.runbook_path("vpn.md");
    let temp = kb.runbook_path(".vpn.md.swp");
    let text = std::fs::read_to_string(&target).unwrap();
    std::fs::write(
        &temp,
        text.replace("## Login", "## Login\nflibbertigibbet\n"),
    )
    .unwrap();
    std::fs::rename(&temp, &target).unwrap();
    server.wait_until(LIMIT, "renamed-over file searchable", |s| {
        s.apps("flibbertigibbet") == ["vpn"]
    });

    // and a runbook renamed to another name moves with it
    std::fs::rename(
        kb.runbook_path("wiki.md"),
        kb.runbook_path("knowledge-wiki.md"),
    )
    .unwrap();
    server.wait_until(LIMIT, "rename seen", |s| {
        let list = s.json("/api/runbooks");
        list.as_array()
            .unwrap()
            .iter()
            .any(|r| r["path"] == "runbooks/knowledge-wiki.md")
            && !list
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["path"] == "runbooks/wiki.md")
    });
}

#[test]
fn a_deleted_file_leaves_the_results() {
    let kb = Kb::examples();
    let server = Server::start(&kb, &[]);
    assert!(server.apps("peoplewise").contains(&"hr".to_string()));
    std::fs::remove_file(kb.runbook_path("people/hr.md")).unwrap();
    server.wait_until(LIMIT, "deleted file gone", |s| {
        !s.apps("peoplewise").contains(&"hr".to_string())
    });
    assert_eq!(server.json("/healthz")["runbooks"], 13);
}

#[test]
fn a_bulk_change_is_indexed_and_searches_keep_answering_meanwhile() {
    let kb = Kb::examples();
    let server = Server::start(&kb, &[]);
    let base = server.base.clone();
    let searching = std::thread::spawn(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let (mut ok, mut failed) = (0, 0);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(3) {
            match agent.get(&format!("{base}/api/search?q=billing")).call() {
                Ok(mut r) if r.status() == 200 => {
                    let body = r.body_mut().read_to_string().unwrap_or_default();
                    if body.contains("\"app\":\"billing\"") {
                        ok += 1
                    } else {
                        failed += 1
                    }
                }
                _ => failed += 1,
            }
        }
        (ok, failed)
    });
    // like a `git pull` touching hundreds of files at once
    for i in 0..300 {
        kb.write(
            &format!("bulk/app-{i:03}.md"),
            &runbook_text(&format!("Bulk app {i}"), "bulkmarker"),
        );
    }
    server.wait_until(Duration::from_secs(30), "bulk change indexed", |s| {
        s.json("/api/search?q=bulkmarker&limit=1")["total"] == 300
    });
    let (ok, failed) = searching.join().expect("search thread");
    println!("searches during reindex: {ok} answered, {failed} failed");
    assert!(ok > 0);
    assert_eq!(
        failed, 0,
        "every search during the reindex answered from the last good index"
    );
    let reindexes = server.json("/healthz")["reindexes"].as_u64().unwrap();
    assert!(
        reindexes < 150,
        "300 files were debounced into few reindexes, not one each: {reindexes}"
    );
}

#[test]
fn no_watch_means_no_reindex_on_change() {
    let kb = Kb::examples();
    let server = Server::start(&kb, &["--no-watch"]);
    assert_eq!(server.json("/healthz")["watching"], false);
    kb.write("late.md", &runbook_text("Late", "zzlatezz"));
    std::thread::sleep(Duration::from_millis(800));
    assert!(server.apps("zzlatezz").is_empty());
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let kb = Kb::examples();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = cli(kb.root())
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{stderr}"
    );
    assert!(stderr.contains("--bind"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_gracefully() {
    let kb = Kb::examples();
    let mut server = Server::start(&kb, &[]);
    let pid = server.child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(started.elapsed() < LIMIT, "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_cli_asks_a_server_and_prints_exactly_what_it_prints_locally() {
    let kb = Kb::examples();
    let server = Server::start(&kb, &[]);
    // Who is reachable depends on the moment: both ask about the same one (the remote CLI
    // passes RUNBOOK_NOW on to the server as ?at=).
    let now = "2026-11-28T03:00:00Z";
    for args in [
        vec!["search", "sidekiq", "restart"],
        vec!["search", "10.44.7.19"],
        vec!["show", "billing"],
        vec!["show", "stockpile", "--section", "ora-12541"],
        vec!["show", "billing", "--json"],
    ] {
        let local = kb.cmd(&args).env("RUNBOOK_NOW", now).output().unwrap();
        let remote = assert_cmd::Command::cargo_bin("runbook")
            .unwrap()
            .env("NO_COLOR", "1")
            .env("RUNBOOK_NOW", now)
            .env("RUNBOOK_SERVER", &server.base)
            .current_dir(std::env::temp_dir())
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(remote.status.code(), local.status.code(), "{args:?}");
        let strip_timing = |out: &[u8]| {
            String::from_utf8_lossy(out)
                .lines()
                .filter(|l| !l.contains(" ms"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(
            strip_timing(&remote.stdout),
            strip_timing(&local.stdout),
            "{args:?}"
        );
    }
    let missing = assert_cmd::Command::cargo_bin("runbook")
        .unwrap()
        .args(["--server", &server.base, "show", "no-such-app"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn clients_that_trickle_their_headers_neither_block_others_nor_stay_connected() {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    let kb = Kb::examples();
    let server = Server::start(&kb, &[]);
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut slow: Vec<TcpStream> = (0..500)
        .map(|_| TcpStream::connect(&addr).expect("connect"))
        .collect();
    let request = b"GET /api/search?q=billing HTTP/1.1\r\nHost: x\r\n\r\n";
    let started = Instant::now();
    // One byte a second from each of the 500, while others search.
    for second in 0..4 {
        for stream in &mut slow {
            let _ = stream.write_all(&request[second..=second]);
        }
        let asked = Instant::now();
        let (status, body) = server.get("/api/search?q=sidekiq+restart");
        assert_eq!(status, 200, "{body}");
        assert!(
            asked.elapsed() < Duration::from_secs(2),
            "a normal search took {:?} beside 500 slow clients",
            asked.elapsed()
        );
        std::thread::sleep(Duration::from_secs(1).saturating_sub(asked.elapsed()));
    }
    // Past the header timeout (10 s), the server has hung up on every one of them.
    std::thread::sleep(Duration::from_secs(12).saturating_sub(started.elapsed()));
    let mut closed = 0;
    for stream in &mut slow {
        // The server hung up a while ago: an EOF is waiting, no need to wait long for it.
        let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
        let _ = stream.write_all(&request[4..5]);
        let mut buf = [0u8; 256];
        // EOF, a reset, or a 408 before the close: all mean the server gave up on it.
        let gave_up = match stream.read(&mut buf) {
            Err(e) => !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            Ok(0) => true,
            Ok(n) => String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"),
        };
        closed += usize::from(gave_up);
    }
    assert_eq!(closed, 500, "slow connections the server closed");
    assert_eq!(server.get("/healthz").0, 200);
}
