//! Any form posted as a slash command, to Mattermost with its token and to Slack signed with its
//! secret: whatever the form holds, the answer is 200 or 400, never a panic or a 5xx.

#![no_main]

use std::sync::OnceLock;

use hmac::{KeyInit, Mac};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

const SECRET: &str = "fuzz-secret";
const TOKEN: &str = "fuzz-token";

/// One runbook, and both slash commands on.
fn server() -> &'static common::Server {
    static SERVER: OnceLock<common::Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let chat = runbook::web::ChatSettings {
            slack_signing_secret: Some(SECRET.into()),
            mattermost_token: Some(TOKEN.into()),
            public_url: Some("https://runbooks.example.com".into()),
        };
        common::Server::new(
            "ledger.md",
            "---\ntitle: Ledger\napp: ledger\nhosting: self\nowner: team-finance\n---\n# Ledger\n\n## Login\n\nssh ops@ledger01\n",
            |state| state.with_chat(chat),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let server = server();
    let timestamp = chrono::Utc::now().timestamp();
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes())
        .expect("key");
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(data);
    let signature = format!("v0={}", hex::encode(mac.finalize().into_bytes()));
    let slack = axum::http::Request::post("/api/chat/slack")
        .header("x-slack-request-timestamp", timestamp.to_string())
        .header("x-slack-signature", signature)
        .body(axum::body::Body::from(data.to_vec()))
        .expect("a valid request");
    let mattermost = axum::http::Request::post("/api/chat/mattermost")
        .header("authorization", format!("Token {TOKEN}"))
        .body(axum::body::Body::from(data.to_vec()))
        .expect("a valid request");
    for request in [slack, mattermost] {
        let status = server.status(request);
        assert!(
            matches!(status.as_u16(), 200 | 400),
            "{:?} answered {status}",
            String::from_utf8_lossy(data)
        );
    }
});
