//! Alertmanager's webhook: firing alerts land on their runbook's card, in `/api/alerts`, in the
//! JSON and in `show --server`, leave when resolved or past their end, survive a restart, and
//! the receiver refuses what is not Alertmanager's with the right status.

use axum::body::Body;
use axum::http::Request;

use crate::harness::Kb;
use crate::harness::app::App;
use crate::harness::server::Server;

const TOKEN: &str = "am-s3cret";

const LEDGER: &str = "---
title: Ledger
app: ledger
hosting: self
owner: team-finance
servers:
  - host: ledger01.prod.example.com
alerts:
  - LedgerQueueBacklog
---
# Ledger

## Login

ssh ops@ledger01.prod.example.com
";

const MAIL: &str = "---\ntitle: Mail relay\napp: mail-relay\nhosting: self\nowner: team-platform\n---\n# Mail relay\n\n## Login\n\nssh ops@mail01\n";

fn kb() -> Kb {
    Kb::with(&[("ledger.md", LEDGER), ("mail.md", MAIL)])
}

fn app(kb: Kb) -> App {
    App::configured(kb, |_, state| state.with_alerts_token(Some(TOKEN.into())))
}

/// An Alertmanager (version 4) payload of `alerts`, each (status, labels, endsAt).
fn webhook(alerts: &[(&str, &str, &str)]) -> String {
    let alerts: Vec<serde_json::Value> = alerts
        .iter()
        .enumerate()
        .map(|(n, (status, labels, ends_at))| {
            serde_json::json!({
                "status": status,
                "labels": serde_json::from_str::<serde_json::Value>(labels).expect("labels"),
                "annotations": {"summary": "queue not draining"},
                "startsAt": "2026-12-08T09:12:00Z",
                "endsAt": ends_at,
                "fingerprint": format!("fp{n}"),
            })
        })
        .collect();
    serde_json::json!({"version": "4", "status": "firing", "receiver": "runbook", "alerts": alerts})
        .to_string()
}

fn post(body: String, token: Option<&str>) -> Request<Body> {
    let mut request =
        Request::post("/api/alerts/alertmanager").header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    request.body(Body::from(body)).expect("request")
}

const NEVER: &str = "0001-01-01T00:00:00Z";

#[tokio::test]
async fn a_firing_alert_shows_on_its_card_and_in_the_lists_until_resolved() {
    let app = app(kb());
    let body = webhook(&[
        (
            "firing",
            r#"{"alertname":"LedgerQueueBacklog","severity":"critical","instance":"x:9100"}"#,
            NEVER,
        ),
        (
            "firing",
            r#"{"alertname":"DiskFull","instance":"mail-relay"}"#,
            NEVER,
        ),
        (
            "firing",
            r#"{"alertname":"SomethingElse","job":"unknown"}"#,
            NEVER,
        ),
    ]);
    let (status, _, answer) = app.send(post(body, Some(TOKEN))).await;
    assert_eq!(status, 200, "{answer}");
    let answer: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
    assert_eq!(answer["accepted"], 3);
    assert_eq!(answer["matched"], 2);
    assert_eq!(answer["unmatched"], serde_json::json!(["SomethingElse"]));

    let listed = app.json("/api/alerts").await;
    let apps: Vec<&str> = listed
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["app"].as_str())
        .collect();
    assert_eq!(apps, ["ledger", "mail-relay"]);
    let details = app.json("/api/runbooks/ledger").await;
    assert_eq!(details["firing"][0]["alertname"], "LedgerQueueBacklog");
    assert_eq!(details["firing"][0]["severity"], "critical");
    let search = app.json("/api/search?q=ledger").await;
    assert_eq!(
        search["answer"]["firing"][0]["alertname"], "LedgerQueueBacklog",
        "the answer card too"
    );
    let hits = app.json("/api/search?q=queue+ledger").await;
    assert_eq!(
        hits["hits"][0]["firing"],
        serde_json::json!(["LedgerQueueBacklog"]),
        "the hit is marked"
    );
    let (_, _, results) = app.get("/?q=ledger").await;
    assert!(
        results.contains("Firing now: LedgerQueueBacklog"),
        "{results}"
    );
    let (_, _, page) = app.get("/runbooks/ledger").await;
    assert!(
        page.contains("Firing now: LedgerQueueBacklog since 2026-12-08 09:12 UTC (critical)"),
        "{page}"
    );

    let resolved = webhook(&[(
        "resolved",
        r#"{"alertname":"LedgerQueueBacklog"}"#,
        "2026-12-08T09:40:00Z",
    )]);
    let (status, _, _) = app.send(post(resolved, Some(TOKEN))).await;
    assert_eq!(status, 200);
    assert_eq!(
        app.json("/api/runbooks/ledger").await["firing"],
        serde_json::json!([])
    );
    let (_, _, page) = app.get("/runbooks/ledger").await;
    assert!(!page.contains("Firing now"));
    let metrics = app.get("/metrics").await.2;
    assert!(metrics.contains("runbook_alerts_firing 1"), "{metrics}");
}

#[tokio::test]
async fn an_alert_past_its_end_leaves_without_a_message() {
    let app = app(kb());
    let body = webhook(&[(
        "firing",
        r#"{"alertname":"LedgerQueueBacklog"}"#,
        "2000-01-01T00:00:00Z",
    )]);
    let (status, _, _) = app.send(post(body, Some(TOKEN))).await;
    assert_eq!(status, 200);
    assert_eq!(app.json("/api/alerts").await, serde_json::json!([]));
}

#[tokio::test]
async fn the_receiver_is_off_without_a_token_and_refuses_what_is_not_alertmanagers() {
    let off = App::new(kb());
    let body = webhook(&[("firing", r#"{"alertname":"LedgerQueueBacklog"}"#, NEVER)]);
    assert_eq!(off.send(post(body.clone(), Some(TOKEN))).await.0, 404);

    let app = app(kb());
    assert_eq!(app.send(post(body.clone(), None)).await.0, 401);
    assert_eq!(app.send(post(body.clone(), Some("wrong"))).await.0, 401);
    let (status, _, reason) = app.send(post("{\"alerts\": [".into(), Some(TOKEN))).await;
    assert_eq!(status, 400);
    assert!(reason.contains("not an Alertmanager webhook"), "{reason}");
    let huge = format!(
        "{{\"alerts\": [], \"pad\": \"{}\"}}",
        "x".repeat(1024 * 1024 + 10)
    );
    assert_eq!(app.send(post(huge, Some(TOKEN))).await.0, 413);
    // A body a little over the readers' 16 KiB limit is fine for the webhook.
    let big = webhook(&vec![
        (
            "firing",
            r#"{"alertname":"LedgerQueueBacklog"}"#,
            NEVER
        );
        200
    ]);
    assert!(big.len() > 16 * 1024);
    assert_eq!(app.send(post(big, Some(TOKEN))).await.0, 200);
}

#[test]
fn firing_alerts_survive_a_restart_and_show_in_show_server() {
    let kb = kb();
    std::fs::write(kb.root().join("alerts.token"), format!("{TOKEN}\n")).expect("token file");
    let book = std::fs::read_to_string(kb.root().join("book.toml")).expect("book.toml");
    std::fs::write(
        kb.root().join("book.toml"),
        format!("{book}\n[preprocessor.runbook]\nalerts-token-file = \"alerts.token\"\n"),
    )
    .expect("book.toml");
    let body = webhook(&[("firing", r#"{"alertname":"LedgerQueueBacklog"}"#, NEVER)]);
    {
        let server = Server::start(&kb, &[]);
        let url = format!("{}/api/alerts/alertmanager", server.base);
        let answer = ureq::post(&url)
            .header("Authorization", &format!("Bearer {TOKEN}"))
            .content_type("application/json")
            .send(body.as_str())
            .expect("accepted");
        assert_eq!(answer.status().as_u16(), 200);
    }
    let server = Server::start(&kb, &[]);
    let listed = server.json("/api/alerts");
    assert_eq!(listed[0]["alertname"], "LedgerQueueBacklog", "{listed}");
    let shown = kb
        .cmd(&["--server", server.base.as_str(), "show", "ledger"])
        .output()
        .expect("show --server");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("Firing now: LedgerQueueBacklog since 2026-12-08 09:12 UTC"),
        "{text}"
    );
}

/// Webhook bodies: valid payloads with hostile values, payloads cut short, and noise.
fn hostile_webhook() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    let label = "[a-zA-Z0-9_:./\\[\\]-]{0,40}|\\PC{0,20}";
    let alert = (
        prop_oneof![
            Just("firing".to_string()),
            Just("resolved".to_string()),
            "[a-z]{0,8}"
        ],
        prop::collection::btree_map(
            prop_oneof![
                Just("alertname".to_string()),
                Just("instance".to_string()),
                Just("job".to_string()),
                Just("runbook".to_string()),
                "[a-z]{1,8}"
            ],
            label,
            0..5,
        ),
        prop_oneof![Just(NEVER.to_string()), Just("2000-01-01T00:00:00Z".to_string()), "[0-9TZ:-]{0,25}"],
        "\\PC{0,12}",
    )
        .prop_map(|(status, labels, ends_at, fingerprint)| {
            serde_json::json!({
                "status": status,
                "labels": labels,
                "annotations": {"runbook_url": format!("https://x/r/{}", labels.values().next().cloned().unwrap_or_default())},
                "startsAt": "2026-12-08T09:12:00Z",
                "endsAt": ends_at,
                "fingerprint": fingerprint,
            })
        });
    prop_oneof![
        prop::collection::vec(alert, 0..20).prop_map(|alerts| {
            serde_json::json!({"version": "4", "alerts": alerts})
                .to_string()
                .into_bytes()
        }),
        (prop::collection::vec(any::<u8>(), 0..200)),
        "\\{\"alerts\": \\[\\{\"status\": \"firing\", \"labels\": \\{\"alertname\": \"[^\"]{0,20}"
            .prop_map(String::into_bytes),
    ]
}

#[test]
fn hostile_webhooks_get_a_4xx_or_are_taken_in_never_a_5xx_or_a_panic() {
    use proptest::test_runner::{Config, TestRunner};
    let app = app(kb());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut runner = TestRunner::new(Config {
        cases: 300,
        ..Config::default()
    });
    runner
        .run(&hostile_webhook(), |body| {
            let request = Request::post("/api/alerts/alertmanager")
                .header("authorization", format!("Bearer {TOKEN}"))
                .body(Body::from(body))
                .expect("request");
            let (status, _, answer) = runtime.block_on(app.send(request));
            proptest::prop_assert!(matches!(status.as_u16(), 200 | 400), "{status}: {answer}");
            Ok(())
        })
        .expect("every webhook gets 200 or 400");
    let listed = runtime.block_on(app.json("/api/alerts"));
    assert!(
        listed
            .as_array()
            .is_some_and(|a| a.len() <= runbook_core::firing::MAX_FIRING)
    );
}
