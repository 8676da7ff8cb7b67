//! `serve --pull SECS`: a server following its checkout's upstream. A push reaches its search
//! within seconds; a pull git refuses (a local change in the way) is shown on /healthz while the
//! last good state keeps being served and the local change stays; two servers following the same
//! upstream answer alike; and a root that cannot be followed is refused at start-up.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::harness::server::Server;
use crate::harness::{Kb, copy_dir, git_as};

const AUTHOR: (&str, &str) = ("Ada Author", "ada@example.com");

/// An upstream (bare) repository holding the example knowledge base, and clones of it.
struct Upstream {
    dir: tempfile::TempDir,
}

impl Upstream {
    fn with_examples() -> Upstream {
        let dir = tempfile::tempdir().expect("temp dir");
        let bare = dir.path().join("upstream.git");
        git_as(
            dir.path(),
            AUTHOR,
            &[
                "init",
                "--quiet",
                "--bare",
                "--initial-branch=main",
                "upstream.git",
            ],
        );
        let upstream = Upstream { dir };
        let author = upstream.clone_as("author");
        let examples = Kb::examples();
        std::fs::copy(examples.root().join("book.toml"), author.join("book.toml"))
            .expect("copy book.toml");
        copy_dir(&examples.root().join("runbooks"), &author.join("runbooks"));
        git_as(&author, AUTHOR, &["add", "-A"]);
        git_as(
            &author,
            AUTHOR,
            &["commit", "--quiet", "-m", "Example runbooks"],
        );
        git_as(&author, AUTHOR, &["push", "--quiet", "origin", "HEAD:main"]);
        assert!(bare.is_dir());
        upstream
    }

    fn clone_as(&self, name: &str) -> PathBuf {
        git_as(
            self.dir.path(),
            AUTHOR,
            &["clone", "--quiet", "upstream.git", name],
        );
        self.dir.path().join(name)
    }

    /// Writes a file in the clone `author`, commits and pushes it.
    fn push(&self, author: &Path, path: &str, text: &str, message: &str) {
        std::fs::write(author.join(path), text).expect("write");
        git_as(author, AUTHOR, &["add", "-A"]);
        git_as(author, AUTHOR, &["commit", "--quiet", "-m", message]);
        git_as(author, AUTHOR, &["push", "--quiet", "origin", "HEAD:main"]);
    }
}

fn head(clone: &Path) -> String {
    git_as(clone, AUTHOR, &["rev-parse", "HEAD"])
        .trim()
        .to_string()
}

const NEW_RUNBOOK: &str = "---\ntitle: Zanzibar gateway\nhosting: self\nowner: team-infra\n---\n\
    # Zanzibar gateway\n\n## Login\n\nssh ops@zanzibar01.prod.example.com\n";

#[test]
fn a_pushed_runbook_reaches_the_server_and_a_refused_pull_is_shown_not_applied() {
    let upstream = Upstream::with_examples();
    let served = upstream.clone_as("served");
    let second = upstream.clone_as("second");
    let author = upstream.clone_as("author2");
    let server = Server::start_at(&served, &["--pull", "1", "--no-watch"]);
    let other = Server::start_at(&second, &["--pull", "1"]);

    let health = server.json("/healthz");
    assert_eq!(health["pull"]["every_secs"], 1, "{health}");
    assert_eq!(health["pull"]["upstream"], "origin/main", "{health}");

    // A push is searchable within seconds, on every server following the upstream, even with
    // the folder watcher off: the pull itself triggers the reindex.
    upstream.push(
        &author,
        "runbooks/zanzibar.md",
        NEW_RUNBOOK,
        "Add the Zanzibar gateway",
    );
    let pushed = head(&author);
    for s in [&server, &other] {
        let took = s.wait_until(Duration::from_secs(30), "pushed runbook searchable", |s| {
            s.apps("zanzibar01").contains(&"zanzibar".to_string())
        });
        eprintln!("push → searchable in {took:?}");
    }
    let health = server.json("/healthz");
    assert_eq!(health["pull"]["head"], pushed[..7], "{health}");
    assert!(health["pull"]["last_ok"].is_string(), "{health}");
    assert!(health["pull"]["last_error"].is_null(), "{health}");
    // Same repository, same answers: nothing but the checkout decides them.
    let answer = |s: &Server| {
        let mut results = s.json("/api/search?q=billing%20login");
        results["took_ms"] = serde_json::Value::Null;
        results
    };
    assert_eq!(answer(&server), answer(&other));
    // The git history was read again: the new runbook's last change is the push.
    let details = server.json("/api/runbooks/zanzibar");
    assert_eq!(
        details["last_change"]["commit"],
        pushed.as_str(),
        "{details}"
    );

    // A local change in the way of the next pull: git refuses, the server says so and keeps
    // serving what it has, and the local change is left exactly as it was.
    let local = served.join("runbooks/billing.md");
    let mut edited = std::fs::read_to_string(&local).expect("billing.md");
    edited.push_str("\nLOCAL EDIT on the server, not committed.\n");
    std::fs::write(&local, &edited).expect("edit");
    let mut upstream_billing =
        std::fs::read_to_string(author.join("runbooks/billing.md")).expect("billing.md");
    upstream_billing.push_str("\nUpstream change to the same file.\n");
    upstream.push(
        &author,
        "runbooks/billing.md",
        &upstream_billing,
        "Change billing upstream",
    );
    let before = head(&served);
    server.wait_until(Duration::from_secs(30), "pull error on /healthz", |s| {
        s.json("/healthz")["pull"]["last_error"].is_string()
    });
    let (status, body) = server.get("/healthz");
    assert_eq!(status, 200, "{body}");
    let health: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let error = health["pull"]["last_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("billing.md"),
        "git's reason names the file: {error}"
    );
    assert_eq!(
        health["pull"]["head"],
        pushed[..7],
        "still the last good commit"
    );
    assert!(server.apps("zanzibar01").contains(&"zanzibar".to_string()));
    assert!(server.apps("billing").contains(&"billing".to_string()));
    // A few more refused pulls later, nothing has moved.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(std::fs::read_to_string(&local).expect("billing.md"), edited);
    assert_eq!(head(&served), before);
    // The other server, with no local change, has the upstream change.
    other.wait_until(
        Duration::from_secs(30),
        "upstream change on the other",
        |s| s.json("/healthz")["pull"]["head"] != pushed[..7],
    );
}

#[test]
fn a_root_that_cannot_be_followed_is_refused_at_start_up() {
    let kb = Kb::examples();
    // Exit code and standard error of `serve --pull SECS`, which should not start.
    let serve = |secs: &str| {
        let out = kb
            .cmd(&["serve", "--bind", "127.0.0.1:0", "--pull", secs])
            .output()
            .expect("run");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    // Not a git checkout.
    let (code, stderr) = serve("5");
    assert_eq!(code, Some(2));
    if !stderr.contains("is not in a git checkout") {
        // The temporary folder sits inside some repository of this machine: not this case.
        assert!(stderr.contains("upstream"), "{stderr}");
    } else {
        let root = kb.root().canonicalize().expect("root");
        assert!(stderr.contains(&root.display().to_string()), "{stderr}");
    }

    // A checkout whose branch has no upstream.
    git_as(
        kb.root(),
        AUTHOR,
        &["init", "--quiet", "--initial-branch=main"],
    );
    git_as(kb.root(), AUTHOR, &["add", "-A"]);
    git_as(
        kb.root(),
        AUTHOR,
        &["commit", "--quiet", "-m", "Local only"],
    );
    let (code, stderr) = serve("5");
    assert_eq!(code, Some(2));
    assert!(stderr.contains("no upstream"), "{stderr}");

    // Zero seconds is not a period.
    let (code, stderr) = serve("0");
    assert_eq!(code, Some(2), "{stderr}");
}
