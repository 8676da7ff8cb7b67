//! What the HTTP fuzz targets share: a knowledge base of one runbook, indexed once (words only),
//! the server's state over it, and a way to answer one request through the router.

use tower::ServiceExt;

/// A small knowledge base and the server's state over it; the folder lives as long as it does.
pub struct Server {
    runtime: tokio::runtime::Runtime,
    pub state: runbook::web::AppState,
    _dir: tempfile::TempDir,
}

impl Server {
    /// A knowledge base whose only runbook is `runbooks/{file}` with `text`, and the state
    /// `configure` makes of the default one.
    pub fn new(
        file: &str,
        text: &str,
        configure: impl FnOnce(runbook::web::AppState) -> runbook::web::AppState,
    ) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("book.toml"),
            "[book]\nsrc = \"runbooks\"\n[preprocessor.runbook]\nsemantic = false\n",
        )
        .expect("book.toml");
        let runbooks = dir.path().join("runbooks");
        std::fs::create_dir_all(&runbooks).expect("runbooks");
        std::fs::write(runbooks.join(file), text).expect("runbook");
        let book = runbook_core::Book::load(dir.path()).expect("book");
        let kb = runbook::model::open_knowledge_base(book).expect("open");
        kb.refresh(&mut |_, _| {}).expect("refresh");
        Server {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
            state: configure(runbook::web::AppState::new(std::sync::Arc::new(kb))),
            _dir: dir,
        }
    }

    /// The status the router answers `request` with.
    pub fn status(&self, request: axum::http::Request<axum::body::Body>) -> axum::http::StatusCode {
        self.runtime
            .block_on(async {
                runbook::web::router(self.state.clone())
                    .oneshot(request)
                    .await
                    .map(|response| response.status())
            })
            .expect("the router is infallible")
    }
}
