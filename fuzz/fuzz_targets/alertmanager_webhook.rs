//! Any body posted to Alertmanager's webhook receiver, with the right token: whatever it holds,
//! the receiver answers 200, 400 or 413, never a panic or a 5xx, and keeps at most its bound of
//! firing alerts.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

const TOKEN: &str = "fuzz-token";

/// One runbook with a declared alert, and the receiver on.
fn server() -> &'static common::Server {
    static SERVER: OnceLock<common::Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        common::Server::new(
            "ledger.md",
            "---\ntitle: Ledger\napp: ledger\nhosting: self\nowner: team-finance\n\
             servers: [{host: ledger01.example.com, ip: 10.0.4.21}]\nalerts: [LedgerDown]\n---\n\
             # Ledger\n\n## Login\n\nssh ops@ledger01\n",
            |state| state.with_alerts_token(Some(TOKEN.into())),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let request = axum::http::Request::post("/api/alerts/alertmanager")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(data.to_vec()))
        .expect("a valid request");
    let server = server();
    let status = server.status(request);
    assert!(
        matches!(status.as_u16(), 200 | 400 | 413),
        "{:?} answered {status}",
        String::from_utf8_lossy(data)
    );
    let kept = server.state.kb.firing_alerts().firing(chrono::Utc::now()).len();
    assert!(kept <= runbook_core::firing::MAX_FIRING);
});
