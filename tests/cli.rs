//! The command line as a user meets it: search, show, index, new, exit codes and JSON.

use predicates::prelude::*;

use crate::harness::{Kb, bump_mtime};

#[test]
fn search_ranks_the_runbook_that_names_the_thing_first() {
    let kb = Kb::examples();
    assert_eq!(kb.search_apps("billing")[0], "billing");
    assert_eq!(kb.search_apps("ledgerline")[0], "ledgerline");
    assert_eq!(kb.search_apps("10.44.7.19")[0], "ledgerline");
    assert_eq!(kb.search_apps("billing01.prod.example.com")[0], "billing");
    assert_eq!(kb.search_apps("billing01")[0], "billing");
}

#[test]
fn search_lands_on_the_section_that_answers() {
    let kb = Kb::examples();
    let results = kb.json(&["search", "ORA-00942", "--json"]);
    let top = &results["hits"][0];
    assert_eq!(top["app"], "stockpile");
    assert_eq!(top["anchor"], "ora-00942-table-or-view-does-not-exist");
    assert!(top["snippet"].as_str().unwrap().contains("<mark>"), "{top}");

    let results = kb.json(&["search", "sidekiq", "restart", "--json"]);
    assert_eq!(results["hits"][0]["app"], "conveyor");
    assert_eq!(results["hits"][0]["section"], "Restart");
}

#[test]
fn title_matches_rank_above_body_mentions() {
    let kb = Kb::examples();
    // "Payroll" is the title of one runbook and mentioned in the body of others (Ledgerline).
    let apps = kb.search_apps("payroll");
    assert_eq!(apps[0], "payroll");
    assert!(
        apps.len() > 1,
        "other runbooks mention payroll too: {apps:?}"
    );
}

#[test]
fn each_runbook_appears_once_however_many_sections_match() {
    let kb = Kb::examples();
    let apps = kb.search_apps("restart");
    let mut unique = apps.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(apps.len(), unique.len(), "{apps:?}");
    assert!(
        apps.len() >= 5,
        "most runbooks have a Restart section: {apps:?}"
    );
}

#[test]
fn search_json_follows_the_documented_contract() {
    let kb = Kb::examples();
    let results = kb.json(&["search", "billing", "down", "--json", "--limit", "3"]);
    assert_eq!(results["query"], "billing down");
    assert!(results["total"].as_u64().unwrap() >= results["hits"].as_array().unwrap().len() as u64);
    assert!(results["took_ms"].is_f64());
    let hits = results["hits"].as_array().unwrap();
    assert!(hits.len() <= 3);
    let hit = &hits[0];
    for key in [
        "app", "title", "path", "hosting", "owner", "section", "anchor", "snippet",
    ] {
        assert!(hit[key].is_string(), "{key} in {hit}");
    }
    assert!(hit["score"].is_number());
    assert_eq!(hit["path"], "runbooks/billing.md");
    assert_eq!(hit["hosting"], "self");
    assert_eq!(hit["owner"], "team-payments");
}

#[test]
fn filters_narrow_results() {
    let kb = Kb::examples();
    let results = kb.json(&["search", "hosting:vendor", "--json"]);
    let hits = results["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["hosting"] == "vendor"), "{results}");
    let apps = kb.search_apps("owner:team-platform");
    assert!(apps.contains(&"conveyor".to_string()) && apps.contains(&"monitoring".to_string()));
    assert!(
        apps.iter().all(|a| a == "conveyor" || a == "monitoring"),
        "{apps:?}"
    );
}

#[test]
fn human_output_leads_with_the_hosting_fact() {
    let kb = Kb::examples();
    kb.cmd(&["search", "ledger", "journals"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(" WE HOST THIS  Ledgerline"))
        .stdout(predicate::str::contains("\u{1b}[").not());
    kb.cmd(&["search", "payslip", "missing"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(" VENDOR  Payroll"));
}

#[test]
fn a_query_naming_one_runbook_prints_its_fact_card_and_login_first() {
    let kb = Kb::examples();
    let out = kb.cmd(&["search", "10.44.7.19"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("Ledgerline (ledgerline)\n WE HOST THIS  Hosted by us"),
        "{text}"
    );
    let login = text.find("## Login").expect("login steps");
    let hits = text
        .find(" WE HOST THIS  Ledgerline ·")
        .expect("the hit list follows");
    assert!(login < hits);
    let json = kb.json(&["search", "invoicing", "--json"]);
    assert_eq!(
        json["answer"]["app"], "billing",
        "an alias names one runbook"
    );
    let json = kb.json(&["search", "restart", "--json"]);
    assert!(json.get("answer").is_none());
}

#[test]
fn show_resolves_app_alias_host_ip_and_url() {
    let kb = Kb::examples();
    for name in [
        "billing",
        "invoicing",
        "Acme Billing",
        "billing01.prod.example.com",
        "10.0.4.21",
        "https://billing.example.com",
        "https://billing.example.com/",
    ] {
        let details = kb.json(&["show", name, "--json"]);
        assert_eq!(details["app"], "billing", "show {name}");
    }
}

#[test]
fn show_prints_the_fact_card_then_the_login_steps() {
    let kb = Kb::examples();
    let out = kb
        .cmd(&["show", "10.44.7.19"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("Ledgerline"), "{text}");
    assert!(
        lines[1].contains("Hosted by us — log in, don't call the vendor"),
        "{text}"
    );
    assert!(text.contains("team-finance-apps"));
    assert!(
        text.contains("Call them:"),
        "vendor call_when shown: {text}"
    );
    assert!(text.contains("10.44.7.19"));
    assert!(text.contains("## Login"));
    assert!(text.find("Owner").unwrap() < text.find("## Login").unwrap());
}

#[test]
fn show_section_picks_any_section_case_and_prefix_insensitively() {
    let kb = Kb::examples();
    let details = kb.json(&["show", "stockpile", "--section", "ora-00942", "--json"]);
    assert_eq!(
        details["section"]["anchor"],
        "ora-00942-table-or-view-does-not-exist"
    );
    let details = kb.json(&["show", "stockpile", "--section", "COMMON PROB", "--json"]);
    assert_eq!(details["section"]["heading"], "Common problems");
    assert!(
        details["section"]["markdown"]
            .as_str()
            .unwrap()
            .contains("### ORA-12541")
    );
    kb.cmd(&["show", "stockpile", "--section", "no such section"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "runbooks/stockpile.md has no section \"no such section\"",
        ));
}

#[test]
fn show_json_carries_facts_review_and_sections() {
    let kb = Kb::examples();
    let d = kb.json(&["show", "billing", "--json"]);
    assert_eq!(d["hosting"], "self");
    assert_eq!(d["servers"][0]["ip"], "10.0.4.21");
    assert_eq!(d["vendor"]["name"], "Acme Billing Ltd");
    assert!(d["advice"].as_str().unwrap().starts_with("Hosted by us"));
    assert_eq!(d["section"]["heading"], "Login");
    assert!(d["sections"].as_array().unwrap().len() > 4);
    assert!(d["review"]["overdue"].is_boolean());
    let wiki = kb.json(&["show", "wiki", "--json"]);
    assert_eq!(
        wiki["review"]["overdue"], true,
        "the wiki's review is overdue"
    );
}

#[test]
fn exit_codes_say_found_nothing_found_and_usage_error() {
    let kb = Kb::examples();
    kb.cmd(&["search", "billing"]).assert().code(0);
    kb.cmd(&["search", "zzzqqqxxyy"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("No runbook matches"));
    kb.cmd(&["show", "no-such-app"]).assert().code(1);
    kb.cmd(&["search"]).assert().code(2);
    kb.cmd(&["frobnicate"]).assert().code(2);
    std::fs::write(kb.root().join("book.toml"), "[book\n").unwrap();
    kb.cmd(&["search", "billing"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("book.toml"));
}

#[test]
fn no_book_toml_anywhere_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = assert_cmd::Command::cargo_bin("runbook").unwrap();
    cmd.current_dir(dir.path())
        .env_remove("RUNBOOK_ROOT")
        .args(["search", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no book.toml found"));
}

#[test]
fn refresh_is_incremental_for_edits_additions_and_deletions() {
    let kb = Kb::examples();
    let first = kb.json(&["index", "--json", "--no-vectors"]);
    assert_eq!(first["indexed"], 14);
    let again = kb.json(&["index", "--json", "--no-vectors"]);
    assert_eq!(again["updated"], 0, "nothing changed, nothing re-indexed");

    // edit
    let billing = std::fs::read_to_string(kb.runbook_path("billing.md")).unwrap();
    kb.write(
        "billing.md",
        &billing.replace("## Restart", "## Restart\nFlux capacitor zorblax.\n"),
    );
    // add
    kb.write(
        "new-app.md",
        "---\ntitle: Quokka tracker\nhosting: saas\nowner: team-zoo\n---\n# Quokka tracker\n",
    );
    // delete
    std::fs::remove_file(kb.runbook_path("wiki.md")).unwrap();

    assert_eq!(kb.search_apps("zorblax"), ["billing"]);
    assert_eq!(kb.search_apps("quokka"), ["new-app"]);
    assert!(kb.search_apps("pagewise").iter().all(|a| a != "wiki"));
    let after = kb.json(&["index", "--json", "--no-vectors"]);
    assert_eq!(after["indexed"], 14);
    assert_eq!(after["updated"], 0, "search already refreshed the index");
}

#[test]
fn a_touched_but_unchanged_file_is_not_reindexed() {
    let kb = Kb::examples();
    kb.json(&["index", "--json", "--no-vectors"]);
    bump_mtime(&kb.runbook_path("vpn.md"));
    let report = kb.json(&["index", "--json", "--no-vectors"]);
    assert_eq!(report["updated"], 0);
}

#[test]
fn a_corrupt_or_missing_index_is_rebuilt_silently() {
    let kb = Kb::examples();
    kb.json(&["index", "--json", "--no-vectors"]);
    let index_dir = kb.root().join(".runbook/index");
    std::fs::write(index_dir.join("meta.json"), b"{ this is not an index").unwrap();
    assert_eq!(kb.search_apps("ledgerline")[0], "ledgerline");

    // segment files damaged
    for entry in std::fs::read_dir(&index_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "store" || e == "idx") {
            std::fs::write(&path, b"garbage").unwrap();
        }
    }
    assert_eq!(kb.search_apps("ledgerline")[0], "ledgerline");

    std::fs::remove_dir_all(kb.root().join(".runbook")).unwrap();
    assert_eq!(kb.search_apps("ledgerline")[0], "ledgerline");
}

#[test]
fn a_runbook_with_broken_front_matter_is_left_out_and_the_rest_indexed() {
    let kb = Kb::with(&[
        (
            "good.md",
            "---\ntitle: Good app\nhosting: self\nowner: team-a\n---\n# Good app\n\n## Login\nssh good01\n",
        ),
        (
            "broken.md",
            "---\ntitle: Broken\nhosting: self\nowner: [team-b\n---\n# Broken\n",
        ),
        (
            "bare.md",
            "# Bare notes about zebras\n\nNo front matter at all.\n",
        ),
    ]);
    let report = kb.json(&["index", "--json", "--no-vectors"]);
    assert_eq!(report["indexed"], 2);
    let problem = &report["problems"][0];
    assert_eq!(problem["path"], "runbooks/broken.md");
    let line = problem["line"].as_u64().unwrap();
    assert!((4..=5).contains(&line), "line {line}");
    assert_eq!(kb.search_apps("good")[0], "good");
    assert_eq!(kb.search_apps("zebras"), ["bare"]);

    kb.cmd(&["index", "--no-vectors"])
        .assert()
        .success()
        .stdout(predicate::str::contains("1 files left out"))
        .stdout(predicate::str::contains("runbooks/broken.md:"));
    kb.cmd(&["search", "good"])
        .assert()
        .success()
        .stderr(predicate::str::contains("1 files left out"));

    // fixed: it comes back
    kb.write(
        "broken.md",
        "---\ntitle: Broken\nhosting: self\nowner: team-b\n---\n# Broken\n",
    );
    assert_eq!(kb.search_apps("broken"), ["broken"]);
}

#[test]
fn new_creates_a_runbook_from_the_template_and_never_overwrites() {
    let kb = Kb::examples();
    kb.cmd(&[
        "new",
        "label-printer",
        "--hosting",
        "vendor",
        "--owner",
        "team-logistics",
    ])
    .assert()
    .success();
    let text = std::fs::read_to_string(kb.runbook_path("label-printer.md")).unwrap();
    assert!(text.contains("Label Printer"));
    assert!(
        text.contains("hosting: vendor") || text.contains("hosting: \"vendor\""),
        "{text}"
    );
    assert!(!text.contains("{{"), "{text}");
    assert_eq!(
        kb.json(&["show", "label-printer", "--json"])["owner"],
        "team-logistics"
    );

    let before = std::fs::read(kb.runbook_path("billing.md")).unwrap();
    kb.cmd(&["new", "billing"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    assert_eq!(
        std::fs::read(kb.runbook_path("billing.md")).unwrap(),
        before
    );
}

#[test]
fn completions_are_printed_for_a_shell() {
    let kb = Kb::examples();
    kb.cmd(&["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("runbook"));
}

#[test]
fn a_second_process_reads_while_the_index_is_locked() {
    // Holding the writer lock the way a running server does.
    let kb = Kb::examples();
    kb.json(&["index", "--json", "--no-vectors"]);
    let book = runbook_core::Book::load(kb.root()).unwrap();
    let server = runbook::model::open_knowledge_base(book).unwrap();
    kb.write(
        "zz.md",
        "---\ntitle: Wombat\nhosting: self\nowner: t\n---\n# Wombat\n",
    );
    server.refresh(&mut |_, _| {}).unwrap(); // the "server" now holds the writer
    assert_eq!(kb.search_apps("wombat"), ["zz"]);
    kb.write(
        "yy.md",
        "---\ntitle: Numbat\nhosting: self\nowner: t\n---\n# Numbat\n",
    );
    let results = kb.json(&["search", "billing", "--json"]);
    assert_eq!(
        results["hits"][0]["app"], "billing",
        "still answers from the last commit"
    );
}
