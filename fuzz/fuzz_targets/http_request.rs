//! Any path and query string as a request to the server: routing, query-string parsing (`q`,
//! `limit`, `at`, `from`, `section`...), path segments (app names, sections, assets) and the
//! search behind them must answer with a status, never a panic or a 5xx.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

struct Server {
    runtime: tokio::runtime::Runtime,
    state: runbook::web::AppState,
    _dir: tempfile::TempDir,
}

/// A small knowledge base, indexed once, and the server's state over it.
fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("book.toml"),
            "[book]\nsrc = \"runbooks\"\n[preprocessor.runbook]\nsemantic = false\n",
        )
        .expect("book.toml");
        let runbooks = dir.path().join("runbooks");
        std::fs::create_dir_all(&runbooks).expect("runbooks");
        std::fs::write(
            runbooks.join("billing.md"),
            "---\ntitle: Billing portal\nhosting: self\nowner: team-payments\naliases: [invoicing]\n\
             servers: [{host: billing01.example.com, ip: 10.0.4.21}]\ncontacts:\n  - name: On-call\n    \
             hours: Mon-Fri 09:00-17:30 Europe/London\n---\n# Billing portal\n\n## Login\n\nssh ops@billing01\n",
        )
        .expect("runbook");
        let book = runbook_core::Book::load(dir.path()).expect("book");
        let kb = runbook::model::open_knowledge_base(book).expect("open");
        kb.refresh(&mut |_, _| {}).expect("refresh");
        Server {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
            state: runbook::web::AppState::new(std::sync::Arc::new(kb)),
            _dir: dir,
        }
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
    let server = server();
    let status = server.runtime.block_on(async {
        runbook::web::router(server.state.clone())
            .oneshot(request)
            .await
            .map(|response| response.status())
    });
    let status = status.expect("the router is infallible");
    assert!(!status.is_server_error(), "{text:?} answered {status}");
});
