//! Any body posted to Alertmanager's webhook receiver, with the right token: whatever it holds,
//! the receiver answers 200, 400 or 413, never a panic or a 5xx, and keeps at most its bound of
//! firing alerts.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

const TOKEN: &str = "fuzz-token";

struct Server {
    runtime: tokio::runtime::Runtime,
    state: runbook::web::AppState,
    _dir: tempfile::TempDir,
}

/// One runbook with a declared alert, indexed once, and the server's state over it.
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
            runbooks.join("ledger.md"),
            "---\ntitle: Ledger\napp: ledger\nhosting: self\nowner: team-finance\n\
             servers: [{host: ledger01.example.com, ip: 10.0.4.21}]\nalerts: [LedgerDown]\n---\n\
             # Ledger\n\n## Login\n\nssh ops@ledger01\n",
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
            state: runbook::web::AppState::new(std::sync::Arc::new(kb))
                .with_alerts_token(Some(TOKEN.into())),
            _dir: dir,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let request = axum::http::Request::post("/api/alerts/alertmanager")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(data.to_vec()))
        .expect("a valid request");
    let server = server();
    let status = server.runtime.block_on(async {
        runbook::web::router(server.state.clone())
            .oneshot(request)
            .await
            .map(|response| response.status())
    });
    let status = status.expect("the router is infallible");
    assert!(
        matches!(status.as_u16(), 200 | 400 | 413),
        "{:?} answered {status}",
        String::from_utf8_lossy(data)
    );
    let kept = server.state.kb.firing_alerts().firing(chrono::Utc::now()).len();
    assert!(kept <= runbook_core::firing::MAX_FIRING);
});
