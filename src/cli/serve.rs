//! `runbook serve`: checks that the server may start as asked (address, authentication, the
//! checkout to follow), then runs the web server until it is stopped.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use anyhow::{Context, bail};

use crate::auth::Access;
use runbook_core::config::Book;

use super::exit;
use super::local;

/// Serve the search page and JSON API.
#[derive(Debug, clap::Args)]
pub(super) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "RUNBOOK_BIND", default_value = "127.0.0.1:7878")]
    bind: String,
    /// Do not watch the runbook folder for changes.
    #[arg(long)]
    no_watch: bool,
    /// Serve on an address beyond this machine without authentication (anyone who can reach
    /// it reads every login step).
    #[arg(long)]
    allow_anonymous: bool,
    /// Follow the checkout's upstream: `git pull --ff-only` every SECS seconds (60 gets a
    /// pushed fix to the desk within a minute), then reindex. A failed pull is logged and
    /// shown on /healthz while the last good state is served; local changes are never
    /// overwritten (git refuses such a pull). The root must be a git checkout whose branch
    /// has an upstream.
    #[arg(long, env = "RUNBOOK_PULL", value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pull: Option<u64>,
    /// Run `check --live` every HOURS hours (off by default): runbooks whose servers no
    /// longer resolve to their IPs, or whose URLs stop answering, are marked stale in the
    /// results until fixed. The first run is one period after the last recorded one.
    #[arg(long, value_name = "HOURS", value_parser = clap::value_parser!(u64).range(1..=8_760))]
    verify_every: Option<u64>,
}

/// Serves until stopped; refuses to start rather than serve what it was not asked to.
pub(super) fn run(args: &ServeArgs, book: Book) -> anyhow::Result<u8> {
    let addr = listen_address(&args.bind)?;
    // A malformed RUNBOOK_NOW would fail every request: refuse to start instead.
    runbook_core::clock::now()?;
    let access = Access::load(&book)?;
    if access.is_none() && !addr.ip().is_loopback() && !args.allow_anonymous {
        bail!(
            "refusing to serve on {addr} without authentication: anyone who can reach it would \
             read every login step. Configure [preprocessor.runbook.auth] in book.toml \
             (tokens-file, users-file or trusted-header), bind to 127.0.0.1, or pass \
             --allow-anonymous"
        );
    }
    // Checked before anything starts: a server told to follow a repository that it cannot
    // follow would otherwise serve stale runbooks without anyone noticing.
    let follow = match args.pull {
        Some(secs) => Some(crate::web::Follow {
            checkout: crate::pull::Checkout::open(&book.root)?,
            every: Duration::from_secs(secs),
        }),
        None => None,
    };
    log_to_stderr();
    runbook_core::knowledge_base::search_on_all_cores();
    let kb = local::open(book)?;
    kb.prefer_fast_query_vectors();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let alerts_token = alerts_token(&kb)?;
    let options = crate::web::ServeOptions {
        addr,
        access,
        alerts_token,
        chat: chat_settings(),
        watch: !args.no_watch,
        follow,
        verify_every: args
            .verify_every
            .map(|hours| Duration::from_secs(hours * 3600)),
    };
    runtime.block_on(crate::web::serve(std::sync::Arc::new(kb), options))?;
    Ok(exit::OK)
}

/// The token Alertmanager's webhook must present: `RUNBOOK_ALERTS_TOKEN`, else the file
/// `alerts-token-file` in `book.toml` names; `None` keeps the receiver off.
fn alerts_token(kb: &runbook_core::KnowledgeBase) -> anyhow::Result<Option<String>> {
    if let Some(token) = std::env::var(ALERTS_TOKEN_ENV)
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        return Ok(Some(token.trim().to_string()));
    }
    let Some(file) = &kb.book().settings.alerts_token_file else {
        return Ok(None);
    };
    let path = kb.book().root.join(file);
    let token = std::fs::read_to_string(&path)
        .with_context(|| format!("alerts-token-file {}: cannot read it", path.display()))?;
    let token = token.trim();
    anyhow::ensure!(
        !token.is_empty(),
        "alerts-token-file {}: it is empty",
        path.display()
    );
    Ok(Some(token.to_string()))
}

/// The slash commands' secrets, from the environment (each command is off without its own).
fn chat_settings() -> crate::web::ChatSettings {
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty())
    };
    crate::web::ChatSettings {
        slack_signing_secret: var("RUNBOOK_SLACK_SIGNING_SECRET"),
        mattermost_token: var("RUNBOOK_MATTERMOST_TOKEN"),
        public_url: var("RUNBOOK_PUBLIC_URL"),
    }
}

/// The environment variable that turns Alertmanager's webhook receiver on.
const ALERTS_TOKEN_ENV: &str = "RUNBOOK_ALERTS_TOKEN";

/// `--bind`'s address (the first, when a host name resolves to several).
fn listen_address(bind: &str) -> anyhow::Result<SocketAddr> {
    bind.to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .with_context(|| format!("--bind {bind:?} is not an address like 127.0.0.1:7878"))
}

/// The server's log on standard error, at the level RUNBOOK_LOG sets (info by default).
fn log_to_stderr() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RUNBOOK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
}
