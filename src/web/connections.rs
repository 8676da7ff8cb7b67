//! Accepting connections: the router served over HTTP/1.1 (and HTTP/2) with the limits a
//! shared server needs and `axum::serve` does not set.
//!
//! - A client must send its request headers within [`HEADER_READ_TIMEOUT`]: a client that
//!   trickles them a byte at a time (a slow-loris attack, or a broken proxy) is cut off
//!   instead of holding its connection forever.
//! - At most [`MAX_CONNECTIONS`] are open at once; further clients wait in the kernel's accept
//!   queue until one closes, so a flood of idle connections cannot exhaust file descriptors.
//! - On shutdown, no new connection is accepted and requests in flight get
//!   [`SHUTDOWN_GRACE`] to finish.
//!
//! The request timeout, body limit and headers are the router's (see [`super::router`]).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Time a client gets to send a request's headers once it has started, and between requests
/// on a kept-alive connection. Real clients send headers in one packet.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections open at once. Each costs a file descriptor and a few kilobytes; the process is
/// given far more descriptors than this (see `ulimit -n`), so the server never runs out.
pub const MAX_CONNECTIONS: usize = 4096;

/// How long requests in flight get to finish once the server is told to stop.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(listener: TcpListener, app: Router, shutdown: impl Future<Output = ()>) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        // The semaphore is never closed.
        let Ok(slot) = slot else { break };
        let stream = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let stream = match stream {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors, or a connection reset before it was accepted: the
                // listener itself is fine; wait a moment rather than spin.
                tracing::warn!("accepting a connection failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection ended: {e}");
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("requests still running after {SHUTDOWN_GRACE:?}; stopping anyway");
        }
    }
}
