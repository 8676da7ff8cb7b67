//! The routes, and the layers every request passes through: limits, the request timeout,
//! security headers, access control and the request metrics.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use super::{
    AppState, MAX_BODY_BYTES, MAX_URI_BYTES, REQUEST_TIMEOUT, access, alerts, api, assets, chat,
    links, pages,
};

/// Builds the application: routes, security headers, metrics.
pub fn router(state: AppState) -> Router {
    // Alertmanager groups alerts: its webhook may carry far more than a reader's request.
    let webhook = Router::new()
        .route(alerts::ALERTMANAGER_WEBHOOK, post(alerts::alertmanager))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            alerts::MAX_WEBHOOK_BYTES,
        ));
    let readers = Router::new()
        .route("/", get(pages::search_page))
        .route("/fragments/results", get(pages::results_fragment))
        .route("/runbooks/{*app}", get(pages::runbook_page))
        .route("/r", get(links::follow_labels))
        .route("/r/", get(links::follow_labels))
        .route("/r/{*key}", get(links::follow_key))
        .route("/api/search", get(api::search))
        .route("/api/runbooks", get(api::list))
        .route("/api/runbooks/{*app}", get(api::runbook))
        .route("/api/misses", get(api::misses))
        .route("/api/alerts", get(alerts::list))
        .route(chat::SLACK, post(chat::slack))
        .route(chat::MATTERMOST, post(chat::mattermost))
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .route("/static/{file}", get(assets::serve))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_BODY_BYTES,
        ));
    readers
        .merge(webhook)
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            access::require,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(middleware::from_fn(limit_uri_length))
        // Answers carry login steps: no browser or proxy cache should keep them. Static assets
        // set their own caching.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                 connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .with_state(state)
}

/// Answers 414 to a request whose URI is longer than [`MAX_URI_BYTES`], before any handler
/// parses it.
async fn limit_uri_length(request: Request, next: Next) -> Response {
    let length = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if length > MAX_URI_BYTES {
        return (
            StatusCode::URI_TOO_LONG,
            format!("request URI longer than {MAX_URI_BYTES} bytes"),
        )
            .into_response();
    }
    next.run(request).await
}

/// Counts requests by route (the pattern, not the raw path, so the label set stays small).
async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .record_request(&route, response.status().as_u16(), started.elapsed());
    response
}
