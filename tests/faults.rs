//! Faults: `kill -9` in the middle of indexing, a state folder that cannot be created, a full
//! disk, and the runbook folder vanishing and coming back under a running server. After each,
//! every runbook is served again, and no runbook was written to, moved or deleted.

use runbook_core::SearchRequest;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::server::Server;
use crate::harness::{Kb, cli, copy_dir, fingerprint, within};

const LIMIT: Duration = Duration::from_secs(20);

fn runbook_text(i: usize) -> String {
    format!(
        "---\ntitle: Generated app {i}\nhosting: self\nowner: team-{}\nservers:\n  - {{host: gen{i}.prod.example.com, ip: 10.9.{}.{}}}\n---\n# Generated app {i}\n\n## Login\nssh ops@gen{i}.prod.example.com, then uniq{i}marker.\n\n## Common problems\n{}\n",
        i % 17,
        i / 250,
        i % 250,
        "Queue backlog grows; restart the worker after checking the disk. ".repeat(20)
    )
}

/// A knowledge base of `n` generated runbooks. Search by meaning is off: these tests are about
/// the index, and vectors for thousands of sections would keep a debug build busy for minutes.
fn generated(n: usize) -> Kb {
    let kb = Kb::with(&[]);
    kb.words_only();
    for i in 0..n {
        let path = kb.runbook_path(&format!("gen/{:02}/app-{i:05}.md", i % 50));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, runbook_text(i)).expect("write");
    }
    kb
}

fn index_json(root: &Path) -> serde_json::Value {
    let out = cli(root)
        .args(["index", "--json"])
        .output()
        .expect("runbook index");
    crate::harness::assert_succeeded(&out, "runbook index");
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn kill_9_while_indexing_then_a_restart_serves_every_runbook() {
    within(Duration::from_secs(400), "kill -9 scenario", || {
        const RUNBOOKS: usize = 1500;
        let kb = generated(RUNBOOKS);
        let runbooks = kb.root().join("runbooks");
        let before = fingerprint(&runbooks);
        let (mut killed, mut finished_first) = (0, 0);
        // Kill at different moments, each on what the previous kill left behind: while
        // listing, while reading, while the writer flushes segments, while committing.
        for delay_ms in [150, 500, 1200, 2500, 4000, 6000] {
            let mut child = cli(kb.root())
                .args(["index", "--rebuild"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start runbook index");
            std::thread::sleep(Duration::from_millis(delay_ms));
            if child.try_wait().expect("status").is_none() {
                // SIGKILL: no destructor, no unlock, no final write
                child.kill().expect("kill -9");
                killed += 1;
            } else {
                finished_first += 1;
            }
            let _ = child.wait();
        }

        let report = index_json(kb.root());
        let server = Server::start(&kb, &["--no-watch"]);
        let health = server.json("/healthz");
        let mut lost = Vec::new();
        for i in (0..RUNBOOKS).step_by(37) {
            if server.apps(&format!("uniq{i}marker")) != [format!("gen/{:02}/app-{i:05}", i % 50)] {
                lost.push(i);
            }
        }
        drop(server);
        let after = fingerprint(&runbooks);
        println!(
            "kill -9: {killed} indexing runs killed, {finished_first} finished first; after restart {} of {RUNBOOKS} indexed, {} served; runbooks lost: {} (expected 0)",
            report["indexed"],
            health["runbooks"],
            lost.len()
        );
        assert!(killed >= 2, "at least two runs were killed mid-way");
        assert_eq!(report["indexed"], RUNBOOKS);
        assert_eq!(report["problems"].as_array().map(Vec::len), Some(0));
        assert_eq!(health["runbooks"], RUNBOOKS);
        assert!(lost.is_empty(), "not found after the restart: {lost:?}");
        assert!(before == after, "a runbook was written, moved or deleted");
    });
}

#[test]
fn a_state_folder_that_cannot_be_created_means_an_in_memory_index_and_a_warning() {
    let kb = Kb::examples();
    // As root, permissions do not stop writes: a file where the folder should be does.
    std::fs::write(kb.root().join(".runbook"), "not a folder").expect("blocker");
    let before = fingerprint(&kb.root().join("runbooks"));

    let out = cli(kb.root())
        .args(["search", "billing", "--json"])
        .output()
        .expect("search");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning:") && stderr.contains("in-memory index"),
        "{stderr}"
    );
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(results["hits"][0]["app"], "billing");

    let server = Server::start(&kb, &["--no-watch"]);
    assert_eq!(server.json("/healthz")["runbooks"], 14);
    assert_eq!(
        server.apps("10.0.4.21").first().map(String::as_str),
        Some("billing")
    );
    drop(server);
    assert_eq!(
        std::fs::read_to_string(kb.root().join(".runbook"))
            .ok()
            .as_deref(),
        Some("not a folder"),
        "the blocking file is left alone"
    );
    assert!(before == fingerprint(&kb.root().join("runbooks")));
}

#[test]
fn a_full_disk_under_the_index_keeps_answering() {
    let kb = generated(400);
    let state = kb.root().join("tiny");
    std::fs::create_dir_all(&state).expect("mkdir");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&state)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        println!("skipped: cannot mount a small tmpfs here (needs root and a mount namespace)");
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(&state);
    let out = cli(kb.root())
        .args(["search", "uniq7marker", "--json"])
        .arg("--index-dir")
        .arg(&state)
        .output()
        .expect("search");
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("full disk: exit {:?}, stderr: {stderr}", out.status.code());
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("in-memory index"), "{stderr}");
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(results["hits"][0]["app"], "gen/07/app-00007");
}

#[test]
fn the_runbook_folder_vanishing_and_coming_back_is_survived() {
    within(
        Duration::from_secs(120),
        "vanishing folder scenario",
        || {
            let kb = Kb::examples();
            let runbooks = kb.root().join("runbooks");
            let away = kb.root().join("runbooks.away");
            let before = fingerprint(&runbooks);
            let server = Server::start(&kb, &[]);
            assert_eq!(
                server.apps("10.0.4.21").first().map(String::as_str),
                Some("billing")
            );

            // Moved away (a share unmounted): the last index keeps answering.
            std::fs::rename(&runbooks, &away).expect("move away");
            server.wait_until(LIMIT, "the server notices", |s| {
                s.json("/healthz")["watching"] == false
            });
            std::thread::sleep(Duration::from_millis(1500));
            assert_eq!(
                server.json("/healthz")["runbooks"],
                14,
                "the last index is kept"
            );
            assert_eq!(
                server.apps("10.0.4.21").first().map(String::as_str),
                Some("billing")
            );

            // Back, as the same folder: picked up again, with a change made meanwhile.
            std::fs::rename(&away, &runbooks).expect("move back");
            kb.write("returned.md", "# Returned\n\nboomerangmarker\n");
            server.wait_until(LIMIT, "a runbook added after the return", |s| {
                s.apps("boomerangmarker") == ["returned"]
            });

            // Deleted and made anew (a checkout switching branches): a new folder to watch.
            copy_dir(&runbooks, &away);
            std::fs::remove_dir_all(&runbooks).expect("delete");
            std::thread::sleep(Duration::from_millis(1500));
            assert_eq!(
                server.json("/healthz")["runbooks"],
                15,
                "the last index is kept"
            );
            copy_dir(&away, &runbooks);
            std::fs::remove_dir_all(&away).expect("tidy");
            kb.write("recreated.md", "# Recreated\n\nphoenixmarker\n");
            server.wait_until(LIMIT, "a runbook in the re-created folder", |s| {
                s.apps("phoenixmarker") == ["recreated"]
            });
            let later = Instant::now();
            kb.write("later.md", "# Later\n\nlatermarker\n");
            server.wait_until(LIMIT, "the new folder is watched", |s| {
                s.apps("latermarker") == ["later"]
            });
            println!(
                "folder vanished twice, came back twice; a save after that searchable in {:?}",
                later.elapsed()
            );
            assert_eq!(server.json("/healthz")["runbooks"], 17);
            assert_eq!(server.json("/healthz")["watching"], true);
            drop(server);

            let mut after = fingerprint(&runbooks);
            for added in ["returned.md", "recreated.md", "later.md"] {
                assert!(after.remove(&runbooks.join(added)).is_some());
            }
            assert!(before == after, "a runbook was written, moved or deleted");
        },
    );
}

#[test]
fn an_incomplete_listing_keeps_the_last_index_instead_of_dropping_runbooks() {
    let kb = generated(30);
    let book = runbook_core::Book::load(kb.root()).expect("book");
    let knowledge = runbook::model::open_knowledge_base(book.clone()).expect("open");
    knowledge.refresh(&mut |_, _| {}).expect("first refresh");
    assert_eq!(knowledge.index().indexed(), 30);
    // What a listing that lost a thread's share looks like: most files missing, and it says so.
    let mut listing = runbook_core::source::list(&book);
    listing.files.truncate(5);
    listing.incomplete = true;
    let refreshed = knowledge
        .index()
        .refresh_listing(&book, listing, &mut |_, _| {});
    let error = refreshed
        .expect_err("an incomplete listing is refused")
        .to_string();
    assert!(error.contains("failed part-way"), "{error}");
    assert_eq!(knowledge.index().indexed(), 30, "no runbook was dropped");
    let hits = knowledge
        .search(&SearchRequest::new("uniq7marker").limit(5))
        .expect("search");
    assert_eq!(hits.hits[0].app, "gen/07/app-00007");
}
