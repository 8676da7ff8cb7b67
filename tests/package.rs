//! The Debian package, built, installed and removed for real: `deploy/debian/build-deb.sh
//! release` (cargo-deb), `dpkg -i`, then the installed `runbook --version`, `man -w runbook` and
//! `systemd-analyze verify` of the installed unit, then `dpkg --purge`. The unit's hardening is
//! checked as text wherever the tests run.
//!
//! Needs root, cargo-deb, dpkg, man-db and systemd's `systemd-analyze` (`.ci/run` installs them);
//! the package test says it is skipped where one is missing (and fails under `CI`). It builds
//! the release profile (the `dist` profile the README's command ships takes much longer), about
//! 12 minutes from a clean target folder on 2 cores: too long for `cargo test`, so it is ignored
//! there and CI runs it with the other heavy tests (`cargo test --test integration -- --ignored`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use crate::harness::repo;
use crate::harness::tools::{Tool, available, skip};

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// Purges the package when the test ends, however it ends.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = run("dpkg", &["--purge", "runbook"]);
    }
}

#[test]
#[ignore = "heavy: a release build, minutes; CI runs it (README: Development)"]
fn the_debian_package_installs_runbook_its_man_page_and_a_unit_that_verifies() {
    let test = "debian_package";
    if !available(
        test,
        &[
            Tool::new(
                "cargo",
                &["deb", "--version"],
                "cargo install cargo-deb --locked",
            ),
            Tool::new("dpkg", &["--version"], "a Debian system"),
            Tool::new("man", &["--version"], "apt-get install man-db"),
            Tool::new("systemd-analyze", &["--version"], "apt-get install systemd"),
        ],
    ) {
        return;
    }
    if text(&run("id", &["-u"])).trim() != "0" {
        skip(test, "dpkg -i needs root");
        return;
    }
    if run("dpkg", &["-s", "runbook"]).status.success() {
        skip(
            test,
            "a runbook package is already installed here; not replacing or removing it",
        );
        return;
    }

    let started = Instant::now();
    let built = Command::new("bash")
        .arg(repo().join("deploy/debian/build-deb.sh"))
        .arg("release")
        .output()
        .expect("run build-deb.sh");
    assert!(built.status.success(), "build-deb.sh:\n{}", text(&built));
    let deb = PathBuf::from(
        String::from_utf8_lossy(&built.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .trim(),
    );
    assert!(
        deb.extension().is_some_and(|e| e == "deb") && deb.is_file(),
        "build-deb.sh names the package last: {}",
        text(&built)
    );
    let size = std::fs::metadata(&deb).expect("package").len();
    println!(
        "built {} ({:.1} MB) in {:.0?}",
        deb.display(),
        size as f64 / 1e6,
        started.elapsed()
    );

    let deb = deb.to_string_lossy().into_owned();
    let contents = text(&run("dpkg-deb", &["--contents", &deb]));
    for path in [
        "./usr/bin/runbook",
        "./usr/share/man/man1/runbook.1.gz",
        "./usr/share/man/man1/runbook-import-csv.1.gz",
        "./usr/share/bash-completion/completions/runbook",
        "./usr/share/zsh/vendor-completions/_runbook",
        "./usr/share/fish/vendor_completions.d/runbook.fish",
        "./etc/default/runbook",
        "/systemd/system/runbook.service",
    ] {
        assert!(
            contents.contains(path),
            "{path} not in the package:\n{contents}"
        );
    }

    // Minimal Debian images tell dpkg not to install man pages; this package's must be.
    let installed = run(
        "dpkg",
        &[
            "--path-include=/usr/share/man/man1/runbook.1.gz",
            "-i",
            &deb,
        ],
    );
    let _purge = Installed;
    assert!(installed.status.success(), "dpkg -i:\n{}", text(&installed));

    let version = run("/usr/bin/runbook", &["--version"]);
    assert!(version.status.success());
    assert_eq!(
        text(&version).trim(),
        format!("runbook {}", env!("CARGO_PKG_VERSION"))
    );
    let man = run("man", &["-w", "runbook"]);
    assert!(man.status.success(), "man -w runbook: {}", text(&man));
    assert!(
        text(&man).contains("/usr/share/man/man1/runbook.1"),
        "{}",
        text(&man)
    );
    let page = run("man", &["-P", "cat", "runbook-import-backstage"]);
    assert!(
        text(&page).contains("--dry-run"),
        "every command has its page: {}",
        text(&page)
    );

    let unit = [
        "/lib/systemd/system/runbook.service",
        "/usr/lib/systemd/system/runbook.service",
    ]
    .into_iter()
    .find(|p| Path::new(p).exists())
    .expect("runbook.service installed");
    let verify = run("systemd-analyze", &["verify", unit]);
    assert!(
        verify.status.success(),
        "systemd-analyze verify:\n{}",
        text(&verify)
    );
    assert!(
        !text(&verify).contains("runbook.service"),
        "no warnings about the unit:\n{}",
        text(&verify)
    );

    let removed = run("dpkg", &["--purge", "runbook"]);
    assert!(
        removed.status.success(),
        "dpkg --purge:\n{}",
        text(&removed)
    );
    assert!(!Path::new("/usr/bin/runbook").exists());
    assert!(!Path::new("/etc/default/runbook").exists());
}

#[test]
fn the_service_runs_unprivileged_read_only_except_its_state_and_on_loopback() {
    let unit = std::fs::read_to_string(repo().join("deploy/debian/runbook.service")).expect("unit");
    let settings: Vec<&str> = unit
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .collect();
    for wanted in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "StateDirectory=runbook",
        "Environment=RUNBOOK_INDEX_DIR=/var/lib/runbook/index",
        "Environment=RUNBOOK_BIND=127.0.0.1:7878",
        "EnvironmentFile=-/etc/default/runbook",
        "ExecStart=/usr/bin/runbook serve",
        "NoNewPrivileges=yes",
        "CapabilityBoundingSet=",
    ] {
        assert!(
            settings.contains(&wanted),
            "{wanted} missing from runbook.service"
        );
    }
    assert!(
        !settings.iter().any(|l| l.starts_with("ReadWritePaths=")),
        "nothing writable but the state folder"
    );

    let defaults = std::fs::read_to_string(repo().join("deploy/debian/default")).expect("default");
    let set: Vec<&str> = defaults
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    assert_eq!(
        set,
        vec!["RUNBOOK_ROOT=/srv/runbooks", "RUNBOOK_BIND=127.0.0.1:7878"],
        "the settings file sets a root and a loopback address, and nothing else"
    );
}
