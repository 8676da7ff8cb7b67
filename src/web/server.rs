//! Serving: binding the address, starting the background tasks, serving connections until
//! Ctrl-C or SIGTERM, and saving what must survive the stop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::tasks::{self, Follow};
use super::{AppState, connections, router};
use runbook_core::knowledge_base::KnowledgeBase;

/// How `runbook serve` serves: where, to whom, and which background work it runs.
pub struct ServeOptions {
    /// The address to listen on.
    pub addr: SocketAddr,
    /// Who may read the runbooks; `None`: everyone who can reach the address.
    pub access: Option<crate::auth::Access>,
    /// Whether to watch the runbook folder and refresh on every change.
    pub watch: bool,
    /// The repository to pull from, and how often.
    pub follow: Option<Follow>,
    /// How often to run the live check (`check --live`) in the background.
    pub verify_every: Option<Duration>,
    /// The token Alertmanager's webhook must present; `None` keeps the receiver off.
    pub alerts_token: Option<String>,
    /// The slash commands' secrets.
    pub chat: super::ChatSettings,
}

/// Serves until Ctrl-C or SIGTERM. The caller has opened the knowledge base; this binds, starts
/// the first refresh, (unless `options.watch` is false) the folder watcher and (with
/// `options.follow`) the pulls.
pub async fn serve(kb: Arc<KnowledgeBase>, options: ServeOptions) -> anyhow::Result<()> {
    use anyhow::Context;

    let ServeOptions {
        addr,
        access,
        watch,
        follow,
        verify_every,
        alerts_token,
        chat,
    } = options;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
        format!("cannot listen on {addr} (is another `runbook serve` running? choose another with --bind)")
    })?;
    let mut state = AppState::new(kb.clone())
        .with_access(access)
        .with_alerts_token(alerts_token)
        .with_chat(chat);
    tasks::start(&mut state, watch, follow, verify_every);

    let local = listener.local_addr().unwrap_or(addr);
    tracing::info!(
        "serving {} ({}) on http://{local}/",
        kb.book().title,
        kb.book().src.display()
    );
    println!(
        "runbook: serving {} on http://{local}/ (Ctrl-C stops)",
        kb.book().title
    );
    connections::serve(listener, router(state.clone()), shutdown_signal()).await;
    // A background fill of sentence vectors would otherwise hold the exit until it is done.
    kb.stop_embedding();
    state.save_misses().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM (what `systemctl stop` and Kubernetes send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
