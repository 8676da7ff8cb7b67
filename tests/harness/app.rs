//! The web application in process: the axum router answering requests through tower's
//! `oneshot`, with no socket and no process, over a freshly refreshed knowledge base.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use runbook::web::{AppState, router};
use tower::ServiceExt;

use super::Kb;

/// One answer: status, headers and body.
pub type Answer = (StatusCode, HeaderMap, String);

/// The router over one knowledge base. Tasks share it as an `Arc<App>`.
pub struct App {
    state: AppState,
    /// The knowledge base's files, when the app owns them: deleted when it is dropped.
    _kb: Option<Kb>,
}

impl App {
    /// The example knowledge base.
    pub fn examples() -> App {
        App::new(Kb::examples())
    }

    /// `kb`, with the state `runbook serve` starts with.
    pub fn new(kb: Kb) -> App {
        App::configured(kb, |_, state| state)
    }

    /// `kb`, with the state `configure` makes of the default one (access control, a shorter
    /// window for opening results, ...); it is given the knowledge base's loaded `book.toml`.
    pub fn configured(
        kb: Kb,
        configure: impl FnOnce(&runbook_core::Book, AppState) -> AppState,
    ) -> App {
        let book = runbook_core::Book::load(kb.root()).expect("book");
        let state = configure(&book, AppState::new(Arc::new(kb.knowledge_base())));
        App {
            state,
            _kb: Some(kb),
        }
    }

    /// A knowledge base the test opened (and refreshed) itself, and whose files it keeps.
    pub fn serving(knowledge_base: runbook_core::KnowledgeBase) -> App {
        App {
            state: AppState::new(Arc::new(knowledge_base)),
            _kb: None,
        }
    }

    /// Answers any request.
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = router(self.state.clone())
            .oneshot(request)
            .await
            .expect("the router always answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    /// Answers a GET request.
    pub async fn get(&self, uri: &str) -> Answer {
        self.get_with(uri, &[]).await
    }

    /// Answers a GET request carrying these headers (name, raw value).
    pub async fn get_with(&self, uri: &str, headers: &[(&str, &[u8])]) -> Answer {
        let mut request = Request::get(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::empty()).expect("request"))
            .await
    }

    /// The JSON of a GET request that must answer 200.
    pub async fn json(&self, uri: &str) -> serde_json::Value {
        let (status, _, body) = self.get(uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{uri}: not JSON ({e}): {body}"))
    }
}
