//! What some tests need from outside Rust: programs (HAProxy, dpkg, kubernetes-validate, mdBook,
//! Chromium, ...), and the public corpora beside the repository. Where one is missing the test
//! says it is skipped and why; in CI (`CI` set) that is a failure instead, because `.ci/run`
//! installs them all and a silent skip there would hide a broken setup.

use std::process::{Command, Stdio};

/// A program a test runs, how to ask whether it works, and how to install it.
pub struct Tool {
    pub program: &'static str,
    pub args: &'static [&'static str],
    pub install: &'static str,
}

impl Tool {
    pub const fn new(
        program: &'static str,
        args: &'static [&'static str],
        install: &'static str,
    ) -> Tool {
        Tool {
            program,
            args,
            install,
        }
    }

    /// Whether the program runs and exits 0.
    pub fn works(&self) -> bool {
        Command::new(self.program)
            .args(self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

/// Whether the test can run: every tool works. Otherwise says which are missing and how to
/// install them, and returns false, or panics when `CI` is set.
pub fn available(test: &str, tools: &[Tool]) -> bool {
    let missing: Vec<String> = tools
        .iter()
        .filter(|t| !t.works())
        .map(|t| format!("`{}` ({})", t.program, t.install))
        .collect();
    if missing.is_empty() {
        return true;
    }
    skip(test, &format!("missing {}", missing.join(", ")));
    false
}

/// Says why `test` does not run; under CI, fails it.
pub fn skip(test: &str, why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {why}; CI is set, so this is a failure, not a skip (.ci/run installs it)");
    }
    println!("skipped {test}: {why}");
}
