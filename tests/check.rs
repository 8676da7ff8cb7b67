//! `runbook check` as an author meets it: every rule at its exact place, no false alarm on the
//! example runbooks, the JSON and GitHub formats, exit codes, and `new` then `check`.

use chrono::NaiveDate;
use predicates::prelude::*;
use runbook::check::{self, Code, Report, Severity};
use runbook_core::Book;

use crate::harness::Kb;

/// The day the rules are judged on, so review and contract dates do not age out of the tests.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid date")
}

fn lint_on(kb: &Kb, today: NaiveDate) -> Report {
    let book = Book::load(kb.root()).expect("knowledge base");
    check::check(&book, today)
}

/// Each finding as (path inside runbooks/, line, code), in report order.
fn found(kb: &Kb) -> Vec<(String, u64, Code)> {
    lint_on(kb, today())
        .findings
        .into_iter()
        .map(|f| {
            let path = f
                .path
                .strip_prefix("runbooks/")
                .unwrap_or(&f.path)
                .to_string();
            (path, f.line, f.code)
        })
        .collect()
}

fn at(path: &str, line: u64, code: Code) -> (String, u64, Code) {
    (path.to_string(), line, code)
}

/// A runbook that passes every rule. `front` goes into its front matter from line 7; `body`
/// follows its Login section, from line 12 when `front` is empty.
fn runbook(front: &str, body: &str) -> String {
    format!(
        "---\ntitle: T\nhosting: self\nowner: team-a\ncontacts:\n  - {{name: Desk, phone: \"+44 20 7946 0000\"}}\n{front}---\n# T\n\n## Login\nssh ops@host\n{body}"
    )
}

#[test]
fn a_complete_runbook_has_no_findings() {
    let kb = Kb::with(&[("a.md", &runbook("", "## Restart\nsystemctl restart a\n"))]);
    assert_eq!(found(&kb), []);
}

#[test]
fn the_example_runbooks_have_no_errors_and_only_their_deliberately_overdue_reviews() {
    let kb = Kb::examples();
    let report = lint_on(&kb, today());
    assert_eq!(report.errors(), 0, "{:#?}", report.findings);
    // The wiki has not been reviewed since 2025 and the mail relay since February: both on
    // purpose, so the examples show what an overdue review looks like.
    assert_eq!(
        found(&kb),
        [
            at("mail-relay.md", 37, Code::ReviewOverdue),
            at("wiki.md", 26, Code::ReviewOverdue),
        ]
    );
    assert_eq!(report.files, 14);
}

#[test]
fn the_example_wiki_contract_is_flagged_once_it_has_expired() {
    let kb = Kb::examples();
    let day_after = NaiveDate::from_ymd_opt(2026, 12, 1).expect("valid date");
    let expired: Vec<_> = lint_on(&kb, day_after)
        .findings
        .into_iter()
        .filter(|f| f.code == Code::ContractExpired)
        .map(|f| (f.path, f.line))
        .collect();
    assert_eq!(expired, [("runbooks/wiki.md".to_string(), 25)]);
}

#[test]
fn front_matter_errors_point_at_file_line_and_column() {
    let kb = Kb::with(&[
        (
            "colon.md",
            "---\ntitle: X\nowner: team: a\nhosting: self\n---\n# X\n",
        ),
        ("unclosed.md", "---\ntitle: X\n# X\n"),
    ]);
    let report = lint_on(&kb, today());
    let places: Vec<_> = report
        .findings
        .iter()
        .map(|f| (f.path.as_str(), f.line, f.column, f.code))
        .collect();
    assert_eq!(
        places,
        [
            ("runbooks/colon.md", 3, Some(12), Code::InvalidFrontMatter),
            ("runbooks/unclosed.md", 1, None, Code::InvalidFrontMatter),
        ]
    );
    assert!(report.findings[0].message.contains("invalid YAML"));
}

#[test]
fn files_that_cannot_be_read_as_text_are_errors_with_their_line() {
    let kb = Kb::with(&[("empty.md", "  \n")]);
    std::fs::write(kb.runbook_path("latin1.md"), b"# T\n\ncaf\xe9\n").expect("write");
    assert_eq!(
        found(&kb),
        [
            at("empty.md", 1, Code::UnreadableFile),
            at("latin1.md", 3, Code::UnreadableFile),
        ]
    );
}

#[test]
fn missing_required_keys_are_errors_where_the_front_matter_is() {
    let kb = Kb::with(&[
        (
            "no-owner.md",
            "---\ntitle: X\nhosting: vendor\ncontacts: [{name: Desk, phone: \"1\"}]\n---\n",
        ),
        (
            "empty-owner.md",
            "---\ntitle: X\nhosting: vendor\nowner: \"\"\ncontacts: [{name: Desk, phone: \"1\"}]\n---\n",
        ),
        (
            "no-title.md",
            "---\nhosting: vendor\nowner: team-a\ncontacts: [{name: Desk, phone: \"1\"}]\n---\n# Heading is not enough\n",
        ),
        ("plain.md", "# Notes\n\nJust notes.\n"),
    ]);
    assert_eq!(
        found(&kb),
        [
            at("empty-owner.md", 4, Code::MissingKey),
            at("no-owner.md", 1, Code::MissingKey),
            at("no-title.md", 1, Code::MissingKey),
            at("plain.md", 1, Code::MissingKey),
            at("plain.md", 1, Code::MissingKey),
            at("plain.md", 1, Code::MissingKey),
            at("plain.md", 1, Code::MissingContacts),
        ]
    );
    let messages: Vec<String> = lint_on(&kb, today())
        .findings
        .into_iter()
        .map(|f| f.message)
        .collect();
    assert!(messages[1].contains("`owner`"), "{}", messages[1]);
    assert!(messages[2].contains("`title`"), "{}", messages[2]);
    assert!(
        messages[3].starts_with("no front matter"),
        "{}",
        messages[3]
    );
}

#[test]
fn an_invalid_hosting_value_is_an_error_on_its_line() {
    let kb = Kb::with(&[(
        "a.md",
        "---\ntitle: A\nowner: team-a\nhosting: onprem\ncontacts: [{name: D, phone: \"1\"}]\n---\n# A\n",
    )]);
    assert_eq!(found(&kb), [at("a.md", 4, Code::InvalidHosting)]);
    let finding = &lint_on(&kb, today()).findings[0];
    assert_eq!(finding.severity, Severity::Error);
    assert!(finding.message.contains("self, vendor, saas, hybrid"));
}

#[test]
fn other_unusable_values_are_warnings_on_their_line() {
    let kb = Kb::with(&[("a.md", &runbook("reviewed: last tuesday\n", ""))]);
    assert_eq!(found(&kb), [at("a.md", 7, Code::InvalidValue)]);
    assert_eq!(
        lint_on(&kb, today()).findings[0].severity,
        Severity::Warning
    );
}

#[test]
fn two_runbooks_with_one_app_id_are_both_flagged() {
    let kb = Kb::with(&[
        ("a.md", &runbook("app: billing\n", "")),
        ("billing.md", &runbook("", "")),
    ]);
    assert_eq!(
        found(&kb),
        [
            at("a.md", 7, Code::DuplicateAppId),
            // no `app:` key: the id comes from the file name, so the finding is on line 1
            at("billing.md", 1, Code::DuplicateAppId),
        ]
    );
}

#[test]
fn an_alias_host_ip_or_url_claimed_by_two_runbooks_is_flagged_in_both() {
    let a = runbook(
        "aliases: [invoicing]\nservers:\n  - {host: db01.example.com, ip: 10.0.0.1}\nurls: [https://x.example.com]\n",
        "",
    );
    let c = runbook(
        "aliases: [Invoicing]\nservers:\n  - host: DB01.example.com\n    ip: 10.0.0.1\nurls: [https://x.example.com/]\n",
        "",
    );
    let kb = Kb::with(&[("a.md", &a), ("c.md", &c)]);
    assert_eq!(
        found(&kb),
        [
            at("a.md", 7, Code::DuplicateName),
            at("a.md", 9, Code::DuplicateName),
            at("a.md", 9, Code::DuplicateName),
            at("a.md", 10, Code::DuplicateName),
            at("c.md", 7, Code::DuplicateName),
            at("c.md", 9, Code::DuplicateName),
            at("c.md", 10, Code::DuplicateName),
            at("c.md", 11, Code::DuplicateName),
        ]
    );
    let report = lint_on(&kb, today());
    assert!(
        report.findings[0]
            .message
            .contains("alias \"invoicing\" is also claimed by runbooks/c.md"),
        "{}",
        report.findings[0].message
    );
}

#[test]
fn an_alias_equal_to_another_runbooks_app_id_is_ambiguous() {
    let kb = Kb::with(&[
        ("billing.md", &runbook("", "")),
        ("ledger.md", &runbook("aliases: [billing]\n", "")),
    ]);
    assert_eq!(
        found(&kb),
        [
            at("billing.md", 1, Code::DuplicateName),
            at("ledger.md", 7, Code::DuplicateName),
        ]
    );
}

#[test]
fn broken_links_and_missing_headings_are_errors_at_their_line_and_column() {
    let body = "See [other](other.md), [gone](gone.md) and [deep](sub/deep.md#nope).\n\
                Also [own](#login), [own bad](#logout), [web](https://example.com/x.md), [mail](mailto:a@example.com).\n";
    let deep_links = "[up](../other.md#login) [broken](../a.md#nowhere)";
    let b_links = "[odd](odd.md#whatever) [missing](nothere.md)";
    let kb = Kb::with(&[
        ("a.md", &runbook("", body)),
        ("other.md", &runbook("", "")),
        (
            "sub/deep.md",
            &runbook("", &format!("## Yes\n{deep_links}\n")),
        ),
        // broken front matter: links to it are not broken, its headings are just unknown
        ("odd.md", "---\ntitle: [\n---\n## X\n"),
        ("b.md", &runbook("", b_links)),
    ]);
    let report = lint_on(&kb, today());
    let places: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code != Code::InvalidFrontMatter)
        .map(|f| (f.path.as_str(), f.line, f.column, f.code))
        .collect();
    let column = |line: &str, needle: &str| line.find(needle).map(|i| i as u64 + 1);
    let (line12, line13) = body.split_once('\n').expect("two lines");
    assert_eq!(
        places,
        [
            (
                "runbooks/a.md",
                12,
                column(line12, "[gone]"),
                Code::BrokenLink
            ),
            (
                "runbooks/a.md",
                12,
                column(line12, "[deep]"),
                Code::BrokenAnchor
            ),
            (
                "runbooks/a.md",
                13,
                column(line13, "[own bad]"),
                Code::BrokenAnchor
            ),
            (
                "runbooks/b.md",
                12,
                column(b_links, "[missing]"),
                Code::BrokenLink
            ),
            (
                "runbooks/sub/deep.md",
                13,
                column(deep_links, "[broken]"),
                Code::BrokenAnchor
            ),
        ]
    );
    assert_eq!(
        report.findings[0].message,
        "link to gone.md: runbooks/gone.md does not exist"
    );
    assert_eq!(
        report.findings[2].message,
        "link to #logout: this runbook has no such heading"
    );
}

#[test]
fn anchors_match_whatever_their_case_and_links_outside_the_runbook_folder_are_looked_up_on_disk() {
    let body = "[Login](other.md#Login) [readme](../README.md) [beyond](../../beyond.md)\n";
    let kb = Kb::with(&[("a.md", &runbook("", body)), ("other.md", &runbook("", ""))]);
    std::fs::write(kb.root().join("README.md"), "# KB\n").expect("write README");
    let report = lint_on(&kb, today());
    let places: Vec<_> = report
        .findings
        .iter()
        .map(|f| (f.path.as_str(), f.line, f.column, f.code))
        .collect();
    let column = body.find("[beyond]").map(|i| i as u64 + 1);
    assert_eq!(places, [("runbooks/a.md", 12, column, Code::BrokenLink)]);
    assert_eq!(
        report.findings[0].message,
        "link to ../../beyond.md: it does not exist (it points above the knowledge base's root)"
    );
}

#[test]
fn self_and_hybrid_runbooks_need_login_steps() {
    let front = |hosting: &str, extra: &str| {
        format!(
            "---\ntitle: T\nowner: team-a\nhosting: {hosting}\ncontacts: [{{name: D, phone: \"1\"}}]\n{extra}---\n# T\n"
        )
    };
    let kb = Kb::with(&[
        ("self.md", &front("self", "")),
        ("hybrid.md", &front("hybrid", "")),
        (
            "bare-heading.md",
            &format!(
                "{}\n## Login\n\n## Restart\nsystemctl restart t\n",
                front("self", "")
            ),
        ),
        ("login-key.md", &front("hybrid", "login: ssh ops@host\n")),
        (
            "access-heading.md",
            &format!("{}\n## Access\nssh ops@host\n", front("self", "")),
        ),
        ("vendor.md", &front("vendor", "")),
    ]);
    assert_eq!(
        found(&kb),
        [
            at("bare-heading.md", 4, Code::MissingLogin),
            at("hybrid.md", 4, Code::MissingLogin),
            at("self.md", 4, Code::MissingLogin),
        ]
    );
}

#[test]
fn pasted_secrets_are_errors_and_the_message_never_repeats_them() {
    let secrets = [
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXktdjEAAAAA",
        "-----END OPENSSH PRIVATE KEY-----",
        "Connect with `mysql://app:Sup3rS3cret@db01.example.com/app`.",
        "DB_PASSWORD=hunter2",
        "password: correcthorse",
        "aws_access_key_id = AKIA2OGYBAH6STMMNXNN",
        "export GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "gitlab: glpat-abcdefghij0123456789",
        "slack: xoxb-123456789012-abcdefghijkl",
    ];
    let fine = [
        "The password is in Vault at `secret/ops/app/db`.",
        "password: secret/ops/app/db",
        "PGPASSWORD=$DB_PASSWORD psql",
        "Password: ask the on-call, never write it down.",
        "ssh ops@db01.example.com and https://ops@app.example.com/",
        "A private key lives in Vault; see the PRIVATE KEY rotation page.",
    ];
    let body = format!("{}\n{}\n", secrets.join("\n"), fine.join("\n"));
    let kb = Kb::with(&[("a.md", &runbook("", &body))]);
    let report = lint_on(&kb, today());
    let places: Vec<_> = report
        .findings
        .iter()
        .map(|f| (f.line, f.column, f.code))
        .collect();
    assert_eq!(
        places,
        [
            (12, Some(1), Code::Secret),
            (15, Some(15), Code::Secret),
            (16, Some(4), Code::Secret),
            (17, Some(1), Code::Secret),
            (18, Some(21), Code::Secret),
            (19, Some(21), Code::Secret),
            (20, Some(9), Code::Secret),
            (21, Some(8), Code::Secret),
        ]
    );
    for f in &report.findings {
        assert_eq!(f.severity, Severity::Error);
        assert!(f.message.contains("vault"), "{}", f.message);
        for secret in [
            "b3BlbnNzaC1rZXktdjEAAAAA",
            "Sup3rS3cret",
            "hunter2",
            "correcthorse",
            "AKIA2OGYBAH6STMMNXNN",
            "ghp_",
            "glpat-",
            "xoxb-",
        ] {
            assert!(!f.message.contains(secret), "{}", f.message);
        }
    }
}

#[test]
fn a_secret_in_the_front_matter_is_found_too() {
    let kb = Kb::with(&[("a.md", &runbook("db_password: \"Tr0ub4dor&3\"\n", ""))]);
    assert_eq!(found(&kb), [at("a.md", 7, Code::Secret)]);
}

#[test]
fn an_overdue_review_is_a_warning_using_the_default_period_from_book_toml() {
    let kb = Kb::with(&[
        ("default.md", &runbook("reviewed: 2026-10-01\n", "")),
        (
            "own-period.md",
            &runbook("reviewed: 2026-10-01\nreview_every_days: 365\n", ""),
        ),
        ("never.md", &runbook("", "")),
    ]);
    std::fs::write(
        kb.root().join("book.toml"),
        "[book]\nsrc = \"runbooks\"\n[preprocessor.runbook]\nreview-every-days = 30\n",
    )
    .expect("write book.toml");
    assert_eq!(found(&kb), [at("default.md", 7, Code::ReviewOverdue)]);
    let finding = &lint_on(&kb, today()).findings[0];
    assert_eq!(finding.severity, Severity::Warning);
    assert!(
        finding.message.contains("since 2026-10-31"),
        "{}",
        finding.message
    );
}

#[test]
fn runbooks_nobody_can_be_called_for_get_a_warning() {
    let kb = Kb::with(&[
        (
            "none.md",
            "---\ntitle: N\nhosting: vendor\nowner: team-a\n---\n# N\n",
        ),
        (
            "names-only.md",
            "---\ntitle: N\nhosting: vendor\nowner: team-a\ncontacts:\n  - name: Someone\n---\n# N\n",
        ),
        (
            "email.md",
            "---\ntitle: N\nhosting: vendor\nowner: team-a\ncontacts: [{email: a@example.com}]\n---\n# N\n",
        ),
    ]);
    assert_eq!(
        found(&kb),
        [
            at("names-only.md", 5, Code::MissingContacts),
            at("none.md", 4, Code::MissingContacts),
        ]
    );
}

#[test]
fn a_vendor_contract_past_its_expiry_date_is_a_warning() {
    let vendor =
        |expires: &str| runbook(&format!("vendor:\n  name: V\n  expires: {expires}\n"), "");
    let kb = Kb::with(&[
        ("expired.md", &vendor("2026-11-24")),
        ("last-day.md", &vendor("2026-11-25")),
        ("unreadable-date.md", &vendor("soon")),
    ]);
    assert_eq!(
        found(&kb),
        [
            at("expired.md", 9, Code::ContractExpired),
            at("unreadable-date.md", 9, Code::InvalidValue),
        ]
    );
}

#[test]
fn todos_left_from_the_template_are_warnings_one_per_line() {
    let kb = Kb::with(&[(
        "a.md",
        &runbook(
            "summary: \"TODO: one sentence\"\n",
            "## Restart\nTODO: the commands. TODO: when it is safe.\nA todo list is fine.\n",
        ),
    )]);
    let report = lint_on(&kb, today());
    let places: Vec<_> = report
        .findings
        .iter()
        .map(|f| (f.line, f.column, f.code))
        .collect();
    assert_eq!(
        places,
        [(7, Some(11), Code::Todo), (14, Some(1), Code::Todo)]
    );
}

#[test]
fn check_prints_one_line_per_finding_and_a_summary() {
    let kb = Kb::with(&[(
        "a.md",
        "---\ntitle: A\nowner: team-a\nhosting: self\ncontacts: [{name: D, phone: \"1\"}]\n---\n# A\n\nTODO\n",
    )]);
    kb.cmd(&["check"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "runbooks/a.md:4: error[missing-login]: hosting is self but there are no login steps",
        ))
        .stdout(predicate::str::contains(
            "runbooks/a.md:9:1: warning[todo]: TODO left from the template",
        ))
        .stdout(predicate::str::ends_with(
            "1 error and 1 warning in 1 runbook.\n",
        ));
}

#[test]
fn check_json_has_counts_and_findings() {
    let kb = Kb::with(&[
        ("a.md", &runbook("", "TODO\n")),
        ("b.md", "---\ntitle: B\n---\n# B\n"),
    ]);
    let out = kb.cmd(&["check", "--json"]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let mut keys: Vec<&String> = json.as_object().expect("object").keys().collect();
    keys.sort();
    assert_eq!(keys, ["errors", "findings", "warnings"]);
    assert_eq!(json["errors"], 2, "{json}");
    assert_eq!(json["warnings"], 2, "{json}");
    let todo = &json["findings"][0];
    assert_eq!(
        todo,
        &serde_json::json!({
            "path": "runbooks/a.md", "line": 12, "column": 1, "severity": "warning",
            "code": "todo", "message": "TODO left from the template: fill it in or delete it"
        })
    );
    let missing = &json["findings"][1];
    assert_eq!(missing["code"], "missing-key");
    assert_eq!(missing["severity"], "error");
    assert!(missing["column"].is_null());
    // --format json is the same as --json
    let same = kb.json(&["check", "--format", "json"]);
    assert_eq!(same, json);
}

#[test]
fn check_format_github_prints_escaped_workflow_commands() {
    let kb = Kb::with(&[(
        "a,b.md",
        "---\ntitle: A\nowner: team-a\nhosting: self\ncontacts: [{name: D, phone: \"1\"}]\n---\n# A\n\nTODO\n",
    )]);
    let out = kb
        .cmd(&["check", "--format", "github"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "::error file=runbooks/a%2Cb.md,line=4,title=missing-login::hosting is self but there are no login steps: add a `## Login` section (or a `login:` key) saying how to get onto the servers"
    );
    assert_eq!(
        lines[1],
        "::warning file=runbooks/a%2Cb.md,line=9,col=1,title=todo::TODO left from the template: fill it in or delete it"
    );
    assert_eq!(lines[2], "1 error and 1 warning in 1 runbook.");
}

#[test]
fn check_exits_0_with_only_warnings_1_with_errors_and_2_on_usage_errors() {
    let warnings_only = Kb::with(&[("a.md", &runbook("", "TODO\n"))]);
    warnings_only.cmd(&["check"]).assert().code(0);
    let with_error = Kb::with(&[("a.md", "---\ntitle: A\n---\n")]);
    with_error.cmd(&["check"]).assert().code(1);
    with_error
        .cmd(&["check", "--json", "--format", "github"])
        .assert()
        .code(2);
    with_error
        .cmd(&["check", "--format", "xml"])
        .assert()
        .code(2);
    assert_cmd::Command::cargo_bin("runbook")
        .expect("binary")
        .arg("--root")
        .arg(with_error.root().join("nowhere"))
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a folder"));
    std::fs::write(with_error.root().join("book.toml"), "[book\n").expect("write");
    with_error
        .cmd(&["check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("book.toml"));
}

#[test]
fn the_example_runbooks_pass_check_on_the_command_line() {
    let kb = Kb::examples();
    let json = kb.json(&["check", "--json"]);
    assert_eq!(json["errors"], 0, "{json}");
    kb.cmd(&["check"]).assert().code(0);
}

#[test]
fn a_new_runbook_passes_check_apart_from_its_todos() {
    let kb = Kb::examples();
    for (app, hosting) in [("label-printer", "vendor"), ("ops/print-server", "self")] {
        kb.cmd(&[
            "new",
            app,
            "--hosting",
            hosting,
            "--owner",
            "team-logistics",
        ])
        .assert()
        .success();
    }
    kb.cmd(&["new", "bare"]).assert().success();
    let json = kb.json(&["check", "--json"]);
    assert_eq!(json["errors"], 0, "{json}");
    for path in [
        "runbooks/label-printer.md",
        "runbooks/ops/print-server.md",
        "runbooks/bare.md",
    ] {
        let codes: Vec<&str> = json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["path"] == path)
            .map(|f| f["code"].as_str().expect("code"))
            .collect();
        assert!(!codes.is_empty(), "the template's TODOs are reported");
        assert!(codes.iter().all(|c| *c == "todo"), "{path}: {codes:?}");
    }
}

#[test]
fn a_new_runbook_from_the_built_in_template_passes_check_too() {
    let kb = Kb::with(&[]);
    kb.cmd(&["new", "widget"]).assert().success();
    let json = kb.json(&["check", "--json"]);
    assert_eq!(json["errors"], 0, "{json}");
    assert!(json["warnings"].as_u64().expect("count") > 0);
    assert!(
        json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| f["code"] == "todo"),
        "{json}"
    );
}

#[test]
fn a_listed_runbook_deleted_before_it_is_read_counts_as_vanished_not_unreadable() {
    let kb = Kb::with(&[(
        "a.md",
        "---\ntitle: A\nhosting: vendor\nowner: t\n---\n# A\n",
    )]);
    let book = runbook_core::Book::load(kb.root()).expect("book");
    let listing = runbook_core::source::list(&book);
    let file = listing.files.first().expect("listed");
    assert!(!runbook_core::source::vanished(file));
    std::fs::remove_file(kb.runbook_path("a.md")).expect("delete");
    assert!(
        runbook_core::source::vanished(file),
        "a deleted file has vanished"
    );
}
