//! Slash commands: `/runbook QUERY` in Slack and Mattermost answers with the card's words (who
//! hosts it, the owner, whom to call, what is firing, links), and a request that is not signed
//! with the secret, is stale, or was changed on the way is refused.

use axum::body::Body;
use axum::http::Request;
use hmac::{KeyInit, Mac};

use crate::harness::Kb;
use crate::harness::app::App;

const SECRET: &str = "slack-signing-secret";
const MM_TOKEN: &str = "mattermost-token";

fn app() -> App {
    App::configured(Kb::examples(), |_, state| {
        state.with_chat(runbook::web::ChatSettings {
            slack_signing_secret: Some(SECRET.into()),
            mattermost_token: Some(MM_TOKEN.into()),
            public_url: Some("https://runbooks.example.com".into()),
        })
    })
}

fn slack_request(body: &str, signed_body: &str, secret: &str, timestamp: i64) -> Request<Body> {
    let mut mac =
        <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("v0:{timestamp}:{signed_body}").as_bytes());
    let signature = format!("v0={}", hex::encode(mac.finalize().into_bytes()));
    Request::post("/api/chat/slack")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", timestamp.to_string())
        .header("x-slack-signature", signature)
        .body(Body::from(body.to_string()))
        .expect("request")
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn a_signed_slack_command_gets_the_cards_words_and_links() {
    let app = app();
    let body = "command=%2Frunbook&text=10.44.7.19&user_id=U1";
    let (status, _, answer) = app.send(slack_request(body, body, SECRET, now())).await;
    assert_eq!(status, 200, "{answer}");
    let answer: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
    assert_eq!(answer["response_type"], "ephemeral");
    let text = answer["text"].as_str().expect("text");
    assert!(text.contains("Ledgerline"), "{text}");
    assert!(
        text.contains("Hosted by us — log in, don't call the vendor"),
        "{text}"
    );
    assert!(text.contains("Owner: team-finance-apps"), "{text}");
    assert!(
        text.contains("<https://runbooks.example.com/runbooks/ledgerline|Open the runbook>"),
        "{text}"
    );
    assert!(text.contains("#login|Login steps>"), "{text}");
    assert_eq!(answer["blocks"][0]["text"]["text"], text);
}

#[tokio::test]
async fn a_wrong_signature_a_stale_timestamp_or_a_changed_body_is_refused() {
    let app = app();
    let body = "command=%2Frunbook&text=ledgerline";
    let wrong = app
        .send(slack_request(body, body, "another-secret", now()))
        .await;
    assert_eq!(wrong.0, 401);
    let stale = app
        .send(slack_request(body, body, SECRET, now() - 301))
        .await;
    assert_eq!(stale.0, 401);
    let changed = app
        .send(slack_request(
            "command=%2Frunbook&text=payroll",
            body,
            SECRET,
            now(),
        ))
        .await;
    assert_eq!(changed.0, 401);
    let unsigned = Request::post("/api/chat/slack")
        .body(Body::from(body))
        .expect("request");
    assert_eq!(app.send(unsigned).await.0, 401);
}

#[tokio::test]
async fn nothing_found_links_to_the_search_page_and_chat_is_off_without_secrets() {
    let app = app();
    let body = "command=%2Frunbook&text=zzqxvbn";
    let (status, _, answer) = app.send(slack_request(body, body, SECRET, now())).await;
    assert_eq!(status, 200);
    assert!(answer.contains("Nothing found"), "{answer}");
    assert!(
        answer.contains("https://runbooks.example.com/?q="),
        "{answer}"
    );

    let off = App::examples();
    let request = slack_request(body, body, SECRET, now());
    assert_eq!(off.send(request).await.0, 404);
}

#[tokio::test]
async fn mattermost_answers_with_its_token_in_the_header_or_the_form_in_markdown() {
    let app = app();
    let form = |token: &str| format!("token={token}&command=%2Frunbook&text=ledgerline");
    let by_form = Request::post("/api/chat/mattermost")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form(MM_TOKEN)))
        .expect("request");
    let (status, _, answer) = app.send(by_form).await;
    assert_eq!(status, 200, "{answer}");
    let answer: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
    let text = answer["text"].as_str().expect("text");
    assert!(text.starts_with("**Ledgerline** (ledgerline)"), "{text}");
    assert!(
        text.contains("[Open the runbook](https://runbooks.example.com/runbooks/ledgerline)"),
        "{text}"
    );
    let by_header = Request::post("/api/chat/mattermost")
        .header("authorization", format!("Token {MM_TOKEN}"))
        .body(Body::from(form("")))
        .expect("request");
    assert_eq!(app.send(by_header).await.0, 200);
    let wrong = Request::post("/api/chat/mattermost")
        .body(Body::from(form("guess")))
        .expect("request");
    assert_eq!(app.send(wrong).await.0, 401);
}

#[test]
fn hostile_slash_command_forms_get_an_answer_or_a_4xx_never_a_5xx() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let app = app();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let form = prop_oneof![
        "[a-z_=&%0-9A-F+]{0,120}",
        "\\PC{0,60}".prop_map(|text| format!("token={MM_TOKEN}&text={text}")),
        prop::collection::vec(any::<u8>(), 0..120)
            .prop_map(|bytes| format!("token={MM_TOKEN}&text={}", hex::encode(bytes))),
        Just(format!("token={MM_TOKEN}&text=%ZZ%")),
    ];
    let mut runner = TestRunner::new(Config {
        cases: 200,
        ..Config::default()
    });
    runner
        .run(&form, |form| {
            let mattermost = Request::post("/api/chat/mattermost")
                .body(Body::from(form.clone()))
                .expect("request");
            let (status, _, body) = runtime.block_on(app.send(mattermost));
            prop_assert!(
                matches!(status.as_u16(), 200 | 400 | 401),
                "{status}: {body}"
            );
            let slack = slack_request(&form, &form, SECRET, now());
            let (status, _, body) = runtime.block_on(app.send(slack));
            prop_assert!(matches!(status.as_u16(), 200 | 400), "{status}: {body}");
            Ok(())
        })
        .expect("every form gets an answer or a 4xx");
}

#[tokio::test]
async fn a_firing_alert_leads_the_chat_answer() {
    let app = App::configured(Kb::examples(), |_, state| {
        state
            .with_alerts_token(Some("am-token".into()))
            .with_chat(runbook::web::ChatSettings {
                slack_signing_secret: Some(SECRET.into()),
                mattermost_token: None,
                public_url: Some("https://runbooks.example.com".into()),
            })
    });
    let webhook = serde_json::json!({"alerts": [{
        "status": "firing",
        "labels": {"alertname": "LedgerlineDown", "runbook": "ledgerline", "severity": "critical"},
        "startsAt": "2026-12-08T09:12:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": "f1"
    }]});
    let fired = Request::post("/api/alerts/alertmanager")
        .header("authorization", "Bearer am-token")
        .body(Body::from(webhook.to_string()))
        .expect("request");
    assert_eq!(app.send(fired).await.0, 200);
    let body = "command=%2Frunbook&text=ledgerline";
    let (status, _, answer) = app.send(slack_request(body, body, SECRET, now())).await;
    assert_eq!(status, 200);
    assert!(
        answer.contains("Firing now: LedgerlineDown since 2026-12-08 09:12 UTC (critical)"),
        "{answer}"
    );
}
