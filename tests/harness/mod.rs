//! What the tests share: a throw-away knowledge base built from the example runbooks, the CLI
//! run as a child process, and helpers for time limits, file snapshots, git and ports. The web
//! application in process is [`app`], `runbook serve` as a process [`server`], and programs from
//! outside Rust [`tools`].

pub mod app;
pub mod server;
pub mod tools;

use std::path::{Path, PathBuf};

/// The repository's top folder (where `Cargo.toml`, `runbooks/` and `deploy/` are).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `runbook --root ROOT` as a child process, with colour off and none of the `RUNBOOK_*`
/// settings of the environment the tests run in; the caller adds the command and its arguments.
pub fn cli(root: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_runbook"));
    cmd.arg("--root")
        .arg(root)
        .env("NO_COLOR", "1")
        .env_remove("RUNBOOK_ROOT")
        .env_remove("RUNBOOK_INDEX_DIR")
        .env_remove("RUNBOOK_NOW");
    cmd
}

/// A temporary copy of the repository's `book.toml`, `runbooks/` and `templates/`.
pub struct Kb {
    pub dir: tempfile::TempDir,
}

impl Kb {
    /// A copy of the example knowledge base.
    pub fn examples() -> Kb {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::copy(repo().join("book.toml"), dir.path().join("book.toml"))
            .expect("copy book.toml");
        copy_dir(&repo().join("runbooks"), &dir.path().join("runbooks"));
        copy_dir(&repo().join("templates"), &dir.path().join("templates"));
        Kb { dir }
    }

    /// An empty knowledge base with the given runbooks (path inside `runbooks/`, text).
    pub fn with(files: &[(&str, &str)]) -> Kb {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("book.toml"),
            "[book]\ntitle = \"Test\"\nsrc = \"runbooks\"\n",
        )
        .expect("write book.toml");
        std::fs::create_dir_all(dir.path().join("runbooks")).expect("mkdir");
        let kb = Kb { dir };
        for (path, text) in files {
            kb.write(path, text);
        }
        kb
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn runbook_path(&self, path: &str) -> PathBuf {
        self.root().join("runbooks").join(path)
    }

    /// Writes a runbook, making sure its modification time differs from the previous version's.
    pub fn write(&self, path: &str, text: &str) {
        let path = self.runbook_path(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write runbook");
        bump_mtime(&path);
    }

    /// `runbook --root <kb> ARGS...`, with colour off.
    pub fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = cli(self.root());
        cmd.args(args);
        assert_cmd::Command::from_std(cmd)
    }

    /// Runs a command expected to print JSON and parses it.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.cmd(args).output().expect("run");
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    /// This knowledge base opened in process and refreshed (indexed).
    pub fn knowledge_base(&self) -> runbook_core::KnowledgeBase {
        let book = runbook_core::Book::load(self.root()).expect("book");
        let knowledge_base = runbook::model::open_knowledge_base(book).expect("open");
        knowledge_base.refresh(&mut |_, _| {}).expect("refresh");
        knowledge_base
    }

    /// Answers one GET request with the web application in process, on a fresh refresh of this
    /// knowledge base: status and body.
    pub fn page(&self, uri: &str) -> (u16, String) {
        let app = app::App::serving(self.knowledge_base());
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let (status, _, body) = runtime.block_on(app.get(uri));
        (status.as_u16(), body)
    }

    /// Turns search by meaning off (`semantic = false`), for tests of the words' ranking alone.
    pub fn words_only(&self) {
        std::fs::write(
            self.root().join("book.toml"),
            "[book]\ntitle = \"Test\"\nsrc = \"runbooks\"\n\n[preprocessor.runbook]\nsemantic = false\n",
        )
        .expect("write book.toml");
    }

    /// App ids of a search's hits, in order.
    pub fn search_apps(&self, query: &str) -> Vec<String> {
        let results = self.json(&["search", query, "--json"]);
        results["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .map(|h| h["app"].as_str().expect("app").to_string())
            .collect()
    }
}

/// Moves a file's modification time forward so a refresh cannot mistake it for unchanged, even
/// on file systems with coarse timestamps.
pub fn bump_mtime(path: &Path) {
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open");
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(2);
    let _ = file.set_modified(later);
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Runs `work` on its own thread and panics if it has not finished within `limit`: a hang fails
/// the test with a message instead of stalling the suite. (The hung thread is left behind, to
/// end with the test process.)
pub fn within<T: Send + 'static>(
    limit: std::time::Duration,
    what: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, finished) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = done.send(work());
    });
    match finished.recv_timeout(limit) {
        Ok(value) => value,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: still running after {limit:?} (hung)")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => panic!("{what}: finished without a result"),
        },
    }
}

/// What every entry under `dir` is, without following symbolic links: a content hash for files,
/// the target for links. Taken before and after a scenario, it shows that nothing was written,
/// moved or deleted.
pub fn fingerprint(dir: &Path) -> std::collections::BTreeMap<PathBuf, String> {
    let mut seen = std::collections::BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(false) {
        let entry = entry.expect("walk");
        let kind = entry.file_type();
        let what = if kind.is_symlink() {
            format!(
                "link to {}",
                std::fs::read_link(entry.path())
                    .expect("readlink")
                    .display()
            )
        } else if kind.is_dir() {
            "folder".to_string()
        } else {
            let bytes = std::fs::read(entry.path()).expect("read");
            format!(
                "{} bytes, xxh3 {:032x}",
                bytes.len(),
                xxhash_rust::xxh3::xxh3_128(&bytes)
            )
        };
        seen.insert(entry.path().to_path_buf(), what);
    }
    seen
}

/// Fails the test, showing the program's error output, unless `output` is of a run that
/// succeeded; `what` names the run.
pub fn assert_succeeded(output: &std::process::Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs git in `dir` as `author`, whatever the machine's own git configuration says.
pub fn git_as(dir: &Path, author: (&str, &str), args: &[&str]) -> String {
    let (name, email) = author;
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", &format!("user.name={name}")])
        .args(["-c", &format!("user.email={email}")])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .env("GIT_AUTHOR_NAME", name)
        .env("GIT_AUTHOR_EMAIL", email)
        .env("GIT_COMMITTER_NAME", name)
        .env("GIT_COMMITTER_EMAIL", email)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("git runs");
    assert_succeeded(&output, &format!("git {args:?}"));
    String::from_utf8(output.stdout).expect("UTF-8")
}
