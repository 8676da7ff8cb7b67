//! Each runbook's last change according to git: when, by whom, and the commit's subject.
//!
//! This module owns talking to git. It runs one `git log` over the runbook folder (never one
//! process per file, so thousands of runbooks cost one pass over the log) and maps every path in
//! it to the newest commit that touched it. History is a nicety: outside a git checkout, without
//! git installed, or when git fails for any reason, there is simply none, and no error.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// The newest commit that changed a runbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastChange {
    /// Author date, with the author's UTC offset.
    pub date: DateTime<FixedOffset>,
    /// Who made the commit.
    pub author: String,
    /// The first line of the commit message.
    pub subject: String,
    /// The full commit id.
    pub commit: String,
}

/// The last change of every runbook git knows about.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Where the knowledge base root sits inside the repository: `""` at its top, `"docs/"`
    /// below it.
    prefix: String,
    /// By path relative to the knowledge base root, `/`-separated (as `Runbook::path`).
    changes: HashMap<String, LastChange>,
}

// Separators git cannot put in author names or subjects it prints with `%an` and `%s`.
const RECORD: char = '\u{1e}';
const FIELD: char = '\u{1f}';

impl History {
    /// Reads the history of the runbook folder `src` of the knowledge base at `root`.
    pub fn load(root: &Path, src: &Path) -> History {
        let Some(prefix) = git(root, &["rev-parse".as_ref(), "--show-prefix".as_ref()]) else {
            return History::default();
        };
        let prefix = prefix.trim().to_string();
        let format = format!("--format={RECORD}%H{FIELD}%aI{FIELD}%an{FIELD}%s");
        // -z: file names verbatim, whatever characters they hold. A signed-commit setting would
        // mix signature checks into the output, so it is switched off for this run.
        let args: [&OsStr; 9] = [
            "-c".as_ref(),
            "log.showSignature=false".as_ref(),
            "log".as_ref(),
            "-z".as_ref(),
            "--no-color".as_ref(),
            format.as_ref(),
            "--name-only".as_ref(),
            "--".as_ref(),
            src.as_os_str(),
        ];
        let Some(log) = git(root, &args) else {
            return History {
                prefix,
                changes: HashMap::new(),
            };
        };
        History {
            changes: parse_log(&log, &prefix),
            prefix,
        }
    }

    /// The last change of the runbook at `path` (relative to the knowledge base root).
    pub fn last_change(&self, path: &str) -> Option<&LastChange> {
        self.changes.get(path)
    }

    /// A root-relative path as a path inside the repository, for links into a git host.
    pub fn repository_path(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }

    /// How many files have a known last change.
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// Whether git knew nothing (outside git, or no commits).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Runs git in `dir`; its standard output if it succeeded.
fn git(dir: &Path, args: &[&OsStr]) -> Option<String> {
    run_git(dir, args).ok().flatten()
}

/// Runs git in `dir` without input and with its errors discarded: `Ok(Some(stdout))` if it
/// succeeded, `Ok(None)` if git said no, `Err` if git could not be run at all.
pub fn run_git(dir: &Path, args: &[&OsStr]) -> std::io::Result<Option<String>> {
    let output = Command::new("git")
        // The runbook folder's path is a path, not a pattern, even if it holds `*` or `[`.
        .arg("--literal-pathspecs")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()?;
    // Author names and subjects in legacy encodings should not cost the whole history.
    Ok(output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned()))
}

/// Parses `git log -z --name-only` output in the format [`History::load`] asks for. Each record
/// is `RECORD commit FIELD date FIELD author FIELD subject NUL`, a newline, then the changed
/// paths (relative to the repository's top), each ending in NUL. Newest commits come first, so
/// the first record naming a path is its last change.
fn parse_log(log: &str, prefix: &str) -> HashMap<String, LastChange> {
    let mut changes = HashMap::new();
    for record in log.split(RECORD).filter(|r| !r.is_empty()) {
        let Some((header, names)) = record.split_once('\0') else {
            continue;
        };
        let mut fields = header.splitn(4, FIELD);
        let (Some(commit), Some(date), Some(author), Some(subject)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let Ok(date) = DateTime::parse_from_rfc3339(date) else {
            continue;
        };
        let change = LastChange {
            date,
            author: author.to_string(),
            subject: subject.to_string(),
            commit: commit.to_string(),
        };
        for name in names.trim_start_matches('\n').split('\0') {
            let Some(path) = name.strip_prefix(prefix).filter(|p| !p.is_empty()) else {
                continue;
            };
            changes
                .entry(path.to_string())
                .or_insert_with(|| change.clone());
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(commit: &str, date: &str, author: &str, subject: &str, names: &[&str]) -> String {
        let mut text = format!("{RECORD}{commit}{FIELD}{date}{FIELD}{author}{FIELD}{subject}\0\n");
        for name in names {
            text.push_str(name);
            text.push('\0');
        }
        text
    }

    #[test]
    fn the_newest_commit_naming_a_path_is_its_last_change() {
        let log = [
            record(
                "c2",
                "2026-11-02T10:00:00+01:00",
                "Bo",
                "Fix: login",
                &["kb/runbooks/a.md"],
            ),
            record(
                "c1",
                "2026-11-01T09:00:00+00:00",
                "Al",
                "Add a and b",
                &["kb/runbooks/a.md", "kb/runbooks/b c.md", "other/x.md"],
            ),
        ]
        .concat();
        let changes = parse_log(&log, "kb/");
        assert_eq!(changes["runbooks/a.md"].author, "Bo");
        assert_eq!(changes["runbooks/a.md"].subject, "Fix: login");
        assert_eq!(changes["runbooks/b c.md"].commit, "c1");
        assert_eq!(
            changes["runbooks/b c.md"].date.to_rfc3339(),
            "2026-11-01T09:00:00+00:00"
        );
        assert!(!changes.contains_key("other/x.md"), "outside the root");
        assert_eq!(changes.len(), 2);
    }

    #[test]
    fn a_record_without_files_or_with_a_bad_date_is_skipped() {
        let log = [
            record("m1", "2026-11-03T00:00:00Z", "Merger", "Merge", &[]),
            record("c0", "yesterday", "Al", "Broken", &["a.md"]),
        ]
        .concat();
        assert!(parse_log(&log, "").is_empty());
    }
}
