//! `serve --pull SECS`: keeping the served checkout following its upstream with
//! `git pull --ff-only`, and what the last pull did, for `/healthz`.
//!
//! This module owns running git to move the checkout, and nothing else: it never resets, stashes,
//! checks out or merges. A pull that cannot fast-forward, or that would overwrite a local change,
//! is refused by git itself; the refusal is recorded and the server goes on serving the files as
//! they are. What happens after a pull that moved `HEAD` (reindexing, reading the history again)
//! is the server's business ([`crate::web`]).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Why the checkout cannot be followed at all.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("--pull: cannot run git in {root}: {source}")]
    Git {
        root: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "--pull: {root} is not in a git checkout; clone the runbook repository and serve the clone"
    )]
    NotACheckout { root: PathBuf },
    #[error(
        "--pull: the branch checked out in {root} has no upstream to pull from; set one with \
         `git branch --set-upstream-to=origin/BRANCH` (or check out a branch that has one)"
    )]
    NoUpstream { root: PathBuf },
}

/// Longest a pull may take before it is abandoned (a network that hangs).
pub const PULL_TIMEOUT: Duration = Duration::from_secs(120);

/// Most of git's error output kept for `/healthz`.
const MAX_ERROR_CHARS: usize = 2000;

/// What `/healthz` shows under `"pull"`.
#[derive(Debug, Clone, Serialize)]
pub struct PullStatus {
    pub every_secs: u64,
    /// The upstream branch, as git names it (`origin/main`).
    pub upstream: String,
    /// The commit being served (abbreviated).
    pub head: Option<String>,
    pub last_attempt: Option<DateTime<Utc>>,
    /// When a pull last succeeded (whether or not it brought anything).
    pub last_ok: Option<DateTime<Utc>>,
    /// Why the latest pull failed; `null` once one succeeds again.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
}

/// The checkout a server follows.
#[derive(Debug, Clone)]
pub struct Checkout {
    /// The knowledge base's root, somewhere inside the work tree.
    pub root: PathBuf,
    /// The upstream branch.
    pub upstream: String,
}

/// What one pull did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pulled {
    /// `HEAD` did not move.
    Unchanged,
    /// `HEAD` moved from one commit to another.
    Moved { from: String, to: String },
}

impl Checkout {
    /// Checks that `root` is in a git work tree whose branch has an upstream.
    pub fn open(root: &Path) -> Result<Checkout, PullError> {
        let inside = git_blocking(root, &["rev-parse", "--is-inside-work-tree"])?;
        if inside.as_deref().map(str::trim) != Some("true") {
            return Err(PullError::NotACheckout {
                root: root.to_path_buf(),
            });
        }
        let upstream = git_blocking(
            root,
            &[
                "rev-parse",
                "--abbrev-ref",
                "--symbolic-full-name",
                "@{upstream}",
            ],
        )?
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .ok_or_else(|| PullError::NoUpstream {
            root: root.to_path_buf(),
        })?;
        Ok(Checkout {
            root: root.to_path_buf(),
            upstream,
        })
    }

    /// The status before the first pull.
    pub fn status(&self, every: Duration) -> PullStatus {
        PullStatus {
            every_secs: every.as_secs(),
            upstream: self.upstream.clone(),
            head: None,
            last_attempt: None,
            last_ok: None,
            last_error: None,
            last_error_at: None,
        }
    }

    /// The commit checked out now, in full.
    pub async fn head(&self) -> Option<String> {
        let out = self.git(&["rev-parse", "HEAD"]).await.ok()?;
        out.success.then(|| out.stdout.trim().to_string())
    }

    /// `git pull --ff-only` once. `Err` carries git's own words for why not.
    pub async fn pull(&self) -> Result<Pulled, String> {
        let before = self.head().await;
        // --no-rebase and --no-autostash: whatever the machine's git configuration says, a pull
        // here only ever fast-forwards, and never stashes local changes away to do so.
        let out = self
            .git(&[
                "pull",
                "--ff-only",
                "--no-rebase",
                "--no-autostash",
                "--quiet",
            ])
            .await?;
        if !out.success {
            let message = out.stderr.trim();
            let message = if message.is_empty() {
                "git pull failed without saying why".to_string()
            } else {
                without_credentials(message)
                    .chars()
                    .take(MAX_ERROR_CHARS)
                    .collect()
            };
            return Err(message);
        }
        match (before, self.head().await) {
            (Some(from), Some(to)) if from != to => Ok(Pulled::Moved { from, to }),
            _ => Ok(Pulled::Unchanged),
        }
    }

    async fn git(&self, args: &[&str]) -> Result<GitOutput, String> {
        let mut command = tokio::process::Command::new("git");
        command
            .arg("-C")
            .arg(&self.root)
            .args(args)
            // Nobody is there to type a password: fail instead of waiting for one.
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let output = match tokio::time::timeout(PULL_TIMEOUT, command.output()).await {
            Ok(Ok(output)) => output,
            Ok(Err(e)) => return Err(format!("cannot run git: {e}")),
            Err(_) => {
                return Err(format!(
                    "git {} took longer than {} s and was stopped",
                    args.first().copied().unwrap_or_default(),
                    PULL_TIMEOUT.as_secs()
                ));
            }
        };
        Ok(GitOutput {
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }
}

struct GitOutput {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs git in `dir` before the server starts; its output if it succeeded, `None` if git said
/// no, `Err` if git could not be run at all.
fn git_blocking(dir: &Path, args: &[&str]) -> Result<Option<String>, PullError> {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    runbook_core::history::run_git(dir, &args).map_err(|source| PullError::Git {
        root: dir.to_path_buf(),
        source,
    })
}

/// Git's message with any `user:password@` taken out of the URLs in it: `/healthz`, where it is
/// shown, answers without authentication.
fn without_credentials(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        let authority_end = after
            .find(|c: char| c == '/' || c.is_whitespace() || c == '\'')
            .unwrap_or(after.len());
        match after[..authority_end].rfind('@') {
            Some(userinfo_end) => {
                out.push_str("***@");
                rest = &after[userinfo_end + 1..];
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    out
}

/// A commit id as people read it.
pub fn short(commit: &str) -> String {
    commit.chars().take(7).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_outside_git_is_not_a_checkout() {
        let dir = tempfile::tempdir().unwrap();
        // A temporary folder could sit inside some repository; only check where it does not.
        if git_blocking(dir.path(), &["rev-parse", "--is-inside-work-tree"])
            .ok()
            .flatten()
            .is_some()
        {
            return;
        }
        let error = Checkout::open(dir.path()).unwrap_err();
        assert!(matches!(error, PullError::NotACheckout { .. }), "{error}");
        assert!(
            error
                .to_string()
                .contains(&dir.path().display().to_string())
        );
    }

    #[test]
    fn credentials_in_urls_are_not_shown() {
        assert_eq!(
            without_credentials(
                "fatal: unable to access 'https://bot:s3cret@git.example.com/ops/rb.git/': 403"
            ),
            "fatal: unable to access 'https://***@git.example.com/ops/rb.git/': 403"
        );
        let plain = "fatal: 'ssh://git.example.com/x' and git@host:x.git";
        assert_eq!(without_credentials(plain), plain);
    }

    #[test]
    fn short_ids_are_seven_characters() {
        assert_eq!(short("0123456789abcdef"), "0123456");
        assert_eq!(short("abc"), "abc");
    }
}
