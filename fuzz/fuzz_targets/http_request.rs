//! Any path and query string as a request to the server: routing, query-string parsing (`q`,
//! `limit`, `at`, `from`, `section`...), path segments (app names, sections, assets) and the
//! search behind them must answer with a status, never a panic or a 5xx.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

/// A small knowledge base, indexed once, and the server's state over it.
fn server() -> &'static common::Server {
    static SERVER: OnceLock<common::Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        common::Server::new(
            "billing.md",
            "---\ntitle: Billing portal\nhosting: self\nowner: team-payments\naliases: [invoicing]\n\
             servers: [{host: billing01.example.com, ip: 10.0.4.21}]\ncontacts:\n  - name: On-call\n    \
             hours: Mon-Fri 09:00-17:30 Europe/London\n---\n# Billing portal\n\n## Login\n\nssh ops@billing01\n",
            |state| state,
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // What an HTTP parser would hand the router: anything that is not a valid request target
    // never reaches it.
    let Ok(uri) = format!("/{text}").parse::<axum::http::Uri>() else {
        return;
    };
    let Ok(request) = axum::http::Request::get(uri).body(axum::body::Body::empty()) else {
        return;
    };
    let status = server().status(request);
    assert!(!status.is_server_error(), "{text:?} answered {status}");
});
