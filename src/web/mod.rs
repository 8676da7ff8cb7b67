//! The web server: the support desk's search page, runbook pages and the JSON API, on axum.
//!
//! The web layer knows the knowledge base only through [`KnowledgeBase`]'s API and the
//! [`results`](runbook_core::results) it returns; it never reads files or touches the index itself.
//! Index calls are synchronous and CPU-bound, so handlers run them on tokio's blocking pool.
//!
//! - `state`: what every handler shares (the knowledge base, the answer cache, metrics).
//! - [`router`](router()): the routes and the layers around them (limits, security headers, access).
//! - `server`: binding, serving connections, shutting down.
//! - `tasks`: what runs beside the requests: refreshes, the folder watcher, pulls, live checks.
//! - `pages`, `api`, `assets`: the handlers.
//!
//! [`KnowledgeBase`]: runbook_core::knowledge_base::KnowledgeBase

mod access;
mod alerts;
mod api;
mod assets;
mod cache;
mod chat;
mod connections;
mod error;
mod links;
pub mod metrics;
mod pages;
mod router;
mod server;
mod state;
mod tasks;

use std::time::Duration;

pub use error::WebError;
pub use router::router;
pub use server::{ServeOptions, serve};
pub use state::{AppState, ChatSettings};
pub use tasks::Follow;

/// Longest query accepted; longer ones get 414 rather than tying up the index.
pub const MAX_QUERY_CHARS: usize = 1024;
/// Most results one request may ask for.
pub const MAX_LIMIT: usize = 200;
/// Time a request may take before it is answered with 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest request URI accepted, in bytes; longer ones get 414. Room for a query of
/// [`MAX_QUERY_CHARS`] characters even when every one is percent-encoded UTF-8.
pub const MAX_URI_BYTES: usize = 16 * 1024;
/// Largest request body accepted. Nothing here reads a body; this bounds what a client can make
/// the server buffer.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
