//! One stable link per application and alert: `/r/{key}` and `/r/?alertname=…` lead to the
//! runbook's page (at the section an alert names), and `runbook check` keeps the declared alerts
//! unambiguous and pointing at real headings.

use crate::harness::Kb;
use crate::harness::app::App;
use crate::harness::server::Server;

const LEDGER: &str = "---
title: Ledger
app: ledger
aliases: [general-ledger]
hosting: self
owner: team-finance
servers:
  - host: ledger01.prod.example.com
    ip: 10.44.7.19
alerts:
  - LedgerDown
  - name: LedgerQueueBacklog
    section: Draining the queue
---
# Ledger

## Login

ssh ops@ledger01.prod.example.com

## Draining the queue

Pause the importers first.
";

const MAIL: &str = "---
title: Mail relay
app: mail-relay
hosting: self
owner: team-platform
alerts: [MailQueueStuck]
---
# Mail relay

## Login

ssh ops@mail01
";

fn kb() -> Kb {
    Kb::with(&[("ledger.md", LEDGER), ("mail.md", MAIL)])
}

fn location(answer: &(axum::http::StatusCode, axum::http::HeaderMap, String)) -> &str {
    answer
        .1
        .get("location")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn an_alerts_link_lands_on_the_section_it_names() {
    let app = App::new(kb());
    let answer = app.get("/r/LedgerQueueBacklog").await;
    assert_eq!(answer.0, 303, "{}", answer.2);
    assert_eq!(location(&answer), "/runbooks/ledger#draining-the-queue");
    let answer = app.get("/r/LedgerDown").await;
    assert_eq!(answer.0, 303);
    assert_eq!(
        location(&answer),
        "/runbooks/ledger",
        "no section named: the page"
    );
}

#[tokio::test]
async fn every_name_of_an_application_is_a_stable_link_to_its_page() {
    let app = App::new(kb());
    for key in [
        "ledger",
        "general-ledger",
        "ledger01.prod.example.com",
        "10.44.7.19",
        "MailQueueStuck",
    ] {
        let answer = app.get(&format!("/r/{key}")).await;
        assert_eq!(answer.0, 303, "{key}: {}", answer.2);
        let expected = if key == "MailQueueStuck" {
            "/runbooks/mail-relay"
        } else {
            "/runbooks/ledger"
        };
        assert_eq!(location(&answer), expected, "{key}");
    }
}

#[tokio::test]
async fn alertmanager_labels_resolve_in_order_and_an_instance_loses_its_port() {
    let app = App::new(kb());
    let by_name = app
        .get("/r/?alertname=LedgerQueueBacklog&instance=mail01:9100")
        .await;
    assert_eq!(by_name.0, 303);
    assert_eq!(location(&by_name), "/runbooks/ledger#draining-the-queue");
    let by_instance = app
        .get("/r/?alertname=DiskFull&instance=10.44.7.19:9100")
        .await;
    assert_eq!(
        by_instance.0, 303,
        "an unknown alert falls through to the instance"
    );
    assert_eq!(location(&by_instance), "/runbooks/ledger");
    let by_runbook = app.get("/r/?runbook=mail-relay&alertname=LedgerDown").await;
    assert_eq!(
        location(&by_runbook),
        "/runbooks/mail-relay",
        "runbook wins"
    );
}

#[tokio::test]
async fn an_unknown_key_gets_the_search_page_for_it_not_an_error() {
    let app = App::new(kb());
    let (status, _, body) = app.get("/r/NoSuchAlertAnywhere").await;
    assert_eq!(status, 404);
    assert!(
        body.contains("NoSuchAlertAnywhere"),
        "the search box holds the key"
    );
    assert!(body.contains("<form"), "it is the search page: {body}");
    let (status, _, body) = app.get("/r/?alertname=Unknown&job=nothing").await;
    assert_eq!(status, 404);
    assert!(body.contains("Unknown"));
}

#[test]
fn a_rule_annotations_link_lands_on_the_runbook_page_over_http() {
    let kb = kb();
    let server = Server::start(&kb, &[]);
    // What Prometheus renders from
    // `runbook_url: https://RUNBOOKS/r/{{ $labels.alertname }}?instance={{ $labels.instance }}`.
    let (status, body) =
        server.get("/r/LedgerQueueBacklog?instance=ledger01.prod.example.com:9100");
    assert_eq!(status, 200, "the redirect is followed to the page");
    assert!(body.contains("Draining the queue"), "{body}");
    assert!(
        body.contains("id=\"draining-the-queue\""),
        "the anchor exists on the page"
    );
}

#[test]
fn check_reports_an_alert_claimed_twice_and_a_section_no_heading_matches() {
    let kb = Kb::with(&[
        ("ledger.md", LEDGER),
        (
            "mail.md",
            &MAIL.replace("[MailQueueStuck]", "[MailQueueStuck, LedgerDown]"),
        ),
        (
            "billing.md",
            "---\ntitle: Billing\napp: billing\nhosting: vendor\nowner: team-finance\nalerts:\n  - {name: BillingDown, section: Restarting}\n---\n# Billing\n",
        ),
    ]);
    let report = kb.json(&["check", "--json"]);
    let findings = report["findings"].as_array().expect("findings");
    let with_code = |code: &str| -> Vec<&serde_json::Value> {
        findings.iter().filter(|f| f["code"] == code).collect()
    };
    let duplicates = with_code("duplicate-name");
    assert_eq!(duplicates.len(), 2, "both claimants: {findings:?}");
    assert!(duplicates.iter().all(|f| {
        f["message"]
            .as_str()
            .unwrap_or_default()
            .contains("LedgerDown")
    }));
    let missing = with_code("alert-section-missing");
    assert_eq!(missing.len(), 1, "{findings:?}");
    assert_eq!(missing[0]["path"], "runbooks/billing.md");
    assert_eq!(missing[0]["line"], 7, "the line that names the section");
    assert_eq!(missing[0]["severity"], "error");
}

#[test]
fn check_rules_finds_each_code_in_rule_files_of_its_own() {
    let kb = kb();
    let rules = kb.root().join("rules");
    std::fs::create_dir_all(&rules).expect("rules folder");
    std::fs::write(
        rules.join("ledger.yml"),
        "groups:
  - name: ledger
    rules:
      - record: ledger:queue_depth:sum
        expr: sum(ledger_queue_depth)
      - alert: LedgerQueueBacklog
        expr: ledger_queue_depth > 1000
        annotations:
          runbook_url: https://runbooks.example.com/r/{{ $labels.alertname }}
      - alert: LedgerDiskFull
        expr: disk_free < 0.1
      - alert: LedgerSlow
        expr: latency > 1
        annotations:
          runbook_url: https://runbooks.example.com/runbooks/no-such-app
      - alert: LedgerCertExpiring
        expr: cert_days < 14
        annotations:
          runbook_url: https://runbooks.example.com/r/ledger01.prod.example.com
",
    )
    .expect("rule file");
    std::fs::write(
        rules.join("broken.yaml"),
        "groups:\n  - name: x\n    rules: [\n",
    )
    .expect("broken");
    let report = kb.json(&["check", "--json", "--rules", rules.to_str().expect("utf-8")]);
    let findings = report["findings"].as_array().expect("findings");
    let find = |code: &str| -> Vec<(String, u64, String)> {
        findings
            .iter()
            .filter(|f| f["code"] == code)
            .map(|f| {
                (
                    f["path"].as_str().unwrap_or_default().to_string(),
                    f["line"].as_u64().unwrap_or_default(),
                    f["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    let without = find("alert-without-runbook");
    assert_eq!(without.len(), 1, "{findings:?}");
    assert!(
        without[0].0.ends_with("ledger.yml") && without[0].1 == 10,
        "{without:?}"
    );
    assert!(without[0].2.contains("LedgerDiskFull"));
    let unknown = find("runbook-url-unknown");
    assert_eq!(unknown.len(), 1, "{findings:?}");
    assert_eq!(unknown[0].1, 15, "the runbook_url's line");
    assert!(unknown[0].2.contains("no-such-app"));
    let not_in_rules = find("alert-not-in-rules");
    let declared: Vec<&str> = not_in_rules
        .iter()
        .map(|(path, _, _)| path.as_str())
        .collect();
    assert_eq!(
        declared,
        ["runbooks/ledger.md", "runbooks/mail.md"],
        "LedgerDown and MailQueueStuck"
    );
    let broken = find("invalid-rule-file");
    assert_eq!(broken.len(), 1);
    assert!(broken[0].0.ends_with("broken.yaml"));
    assert!(
        broken[0].1 >= 3,
        "the line where the YAML breaks: {broken:?}"
    );
    assert_eq!(
        findings
            .iter()
            .find(|f| f["code"] == "alert-not-in-rules")
            .map(|f| &f["severity"]),
        Some(&serde_json::json!("warning"))
    );
}
