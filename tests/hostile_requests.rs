//! Hostile requests: arbitrary queries to the search layer and arbitrary paths and query strings
//! to the HTTP router, in process. Nothing may panic, error or answer 5xx; over-long queries and
//! URIs get 414, path traversal 404, oversized bodies 405/413; every answer carries the security
//! headers and `Cache-Control: no-store` (answers hold login steps).

use runbook_core::SearchRequest;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use runbook::web::MAX_URI_BYTES;

use crate::harness::app::App;
use crate::harness::{Kb, within};

/// Generous: a few hundred cases of in-process requests take seconds in a debug build.
const TIME_LIMIT: Duration = Duration::from_secs(300);
const CASES: u32 = 300;

/// Query-language pieces, so generated queries exercise the parser's corners (unbalanced quotes,
/// dangling filters, URLs, IPv6) as well as plain noise.
fn query_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z0-9]{1,12}",
        Just("\"".to_string()),
        Just("-".to_string()),
        Just("*".to_string()),
        Just(":".to_string()),
        "(owner|hosting|tag|tags|host|ip|system|nope):[a-z0-9.:-]{0,10}",
        "https?://[a-z.]{1,20}(:[0-9]{1,5})?/[a-z/]{0,10}",
        "[0-9a-f:]{2,39}",
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
        "[A-Z]{3}-[0-9]{5}",
        "\\PC{1,8}",
        Just("\u{0}".to_string()),
        Just("\u{feff}".to_string()),
        Just("\u{202e}".to_string()),
    ]
}

fn query() -> impl Strategy<Value = String> {
    prop::collection::vec(query_piece(), 0..12).prop_map(|pieces| pieces.join(" "))
}

#[test]
fn the_search_layer_answers_any_query_without_error_or_panic() {
    within(TIME_LIMIT, "search property", || {
        let kb = Kb::examples();
        let knowledge_base = kb.knowledge_base();
        let mut runner = TestRunner::new(Config {
            cases: CASES,
            ..Config::default()
        });
        let tried = std::cell::Cell::new(0);
        let outcome = runner.run(&(query(), 0usize..300), |(query, limit)| {
            tried.set(tried.get() + 1);
            let results = knowledge_base
                .search(&SearchRequest::new(&query).limit(limit))
                .map_err(|e| TestCaseError::fail(format!("{query:?}: {e}")))?;
            prop_assert!(results.hits.len() <= limit);
            prop_assert!(results.total >= results.hits.len());
            Ok(())
        });
        println!(
            "search layer: {} queries tried, failures: {outcome:?} (expected Ok)",
            tried.get()
        );
        if let Err(e) = outcome {
            panic!("{e}");
        }
    });
}

#[test]
fn the_query_parser_accepts_any_text() {
    let mut runner = TestRunner::new(Config {
        cases: CASES * 4,
        ..Config::default()
    });
    runner
        .run(&query(), |text| {
            let parsed = runbook_core::query::parse(&text);
            // whatever was parsed came from the text
            for word in parsed.words.iter().chain(&parsed.excluded) {
                prop_assert!(text.to_lowercase().contains(&word.to_lowercase()));
            }
            Ok(())
        })
        .expect("parse never panics");
}

#[test]
fn a_pasted_wall_of_text_is_searched_quickly_not_refused() {
    within(Duration::from_secs(20), "a 5,000-word query", || {
        let kb = Kb::examples();
        let knowledge_base = kb.knowledge_base();
        let wall = "ORA-00942 billing01 invoices stuck pending restart ".repeat(700);
        let results = knowledge_base
            .search(&SearchRequest::new(&wall).limit(10))
            .expect("search");
        println!("a 5,000-word query took {:.0} ms", results.took_ms);
        assert!(!results.hits.is_empty(), "it still finds what matches");
    });
}

/// Bytes as `%XX` escapes: any byte string becomes a valid URI component.
fn escaped(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

fn uri() -> impl Strategy<Value = String> {
    let route = prop_oneof![
        Just("/"),
        Just("/?q="),
        Just("/fragments/results?q="),
        Just("/api/search?q="),
        Just("/api/search?limit=-1&q="),
        Just("/runbooks/"),
        Just("/api/runbooks/"),
        Just("/api/runbooks/billing?section="),
        Just("/static/"),
        Just("/healthz?"),
        Just("/"),
    ];
    let tail = prop_oneof![
        "[a-zA-Z0-9._~!$&'()*+,;=:@/?-]{0,80}",
        prop::collection::vec(any::<u8>(), 0..60).prop_map(|b| escaped(&b)),
        query().prop_map(|q| escaped(q.as_bytes())),
        Just("%".to_string()),
        Just("%zz%".to_string()),
        Just("..%2F..%2F..%2Fetc%2Fpasswd".to_string()),
    ];
    (route, tail).prop_map(|(route, tail)| format!("{route}{tail}"))
}

#[test]
fn the_router_never_answers_5xx_or_panics_and_always_sends_its_headers() {
    within(TIME_LIMIT, "router property", || {
        let app = App::examples();
        // proptest's cases are plain closures: each request is answered to the end in turn.
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let mut runner = TestRunner::new(Config {
            cases: CASES,
            ..Config::default()
        });
        let sent = std::cell::Cell::new(0);
        let outcome = runner.run(&uri(), |uri| {
            let Ok(request) = Request::get(uri.as_str()).body(Body::empty()) else {
                // not a URI a client could send; hyper would refuse it before the router
                return Ok(());
            };
            sent.set(sent.get() + 1);
            let (status, headers, _) = runtime.block_on(app.send(request));
            prop_assert!(!status.is_server_error(), "{uri} → {status}");
            prop_assert!(headers.contains_key("content-security-policy"), "{uri}");
            prop_assert_eq!(&headers["x-content-type-options"], "nosniff");
            Ok(())
        });
        println!(
            "router: {} requests sent, failures: {outcome:?} (expected Ok)",
            sent.get()
        );
        if let Err(e) = outcome {
            panic!("{e}");
        }
    });
}

#[tokio::test]
async fn path_traversal_gets_404_and_never_a_file() {
    let app = App::examples();
    for uri in [
        "/runbooks/../book.toml",
        "/runbooks/..%2F..%2Fbook.toml",
        "/runbooks/%2e%2e/%2e%2e/etc/passwd",
        "/runbooks/....//....//etc/passwd",
        "/runbooks/%252e%252e%252fbook.toml",
        "/runbooks//etc/passwd",
        "/api/runbooks/..%2Fbook.toml",
        "/api/runbooks/%2e%2e%5c%2e%2e%5cbook.toml",
        "/static/..%2F..%2FCargo.toml",
        "/static/%2e%2e",
        "/../../../../etc/passwd",
    ] {
        let (status, _, body) = app.get(uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(
            !body.contains("[book]") && !body.contains("root:") && !body.contains("[package]"),
            "{uri} leaked a file"
        );
    }
}

#[tokio::test]
async fn over_long_uris_and_queries_get_414() {
    let app = App::examples();
    let long_path = format!("/runbooks/{}", "a".repeat(MAX_URI_BYTES));
    let long_query = format!("/api/search?q={}", "b".repeat(2000));
    let long_escaped = format!("/?q={}", escaped(&[0xE2, 0x82, 0xAC].repeat(2000)));
    for uri in [&long_path, &long_query, &long_escaped] {
        let (status, headers, _) = app.get(uri).await;
        assert_eq!(status, StatusCode::URI_TOO_LONG, "{}…", &uri[..40]);
        assert!(headers.contains_key("content-security-policy"));
    }
    let (status, _, _) = app
        .get(&format!("/api/search?q={}", "c".repeat(1000)))
        .await;
    assert_eq!(status, StatusCode::OK, "a long but allowed query answers");
}

#[tokio::test]
async fn an_oversized_body_is_refused_never_a_5xx() {
    let app = App::examples();
    let big = vec![b'x'; 1024 * 1024];
    for (method, uri) in [
        (Method::POST, "/"),
        (Method::POST, "/api/search?q=billing"),
        (Method::PUT, "/api/runbooks/billing"),
        (Method::GET, "/api/search?q=billing"),
    ] {
        let request = Request::builder()
            .method(method.clone())
            .uri(uri)
            .header("content-length", big.len())
            .body(Body::from(big.clone()))
            .expect("request");
        let (status, _, _) = app.send(request).await;
        assert!(!status.is_server_error(), "{method} {uri} → {status}");
        if method != Method::GET {
            assert!(
                [
                    StatusCode::PAYLOAD_TOO_LARGE,
                    StatusCode::METHOD_NOT_ALLOWED
                ]
                .contains(&status),
                "{method} {uri} → {status}"
            );
        }
    }
}

#[tokio::test]
async fn answers_that_can_hold_login_steps_are_not_cached_but_assets_are() {
    let app = App::examples();
    for uri in [
        "/",
        "/?q=billing",
        "/fragments/results?q=10.44.7.19",
        "/runbooks/billing",
        "/api/search?q=billing",
        "/api/runbooks/billing",
        "/nope",
    ] {
        let (_, headers, _) = app.get(uri).await;
        assert_eq!(headers["cache-control"], "no-store", "{uri}");
    }
    let (_, headers, _) = app.get("/static/style.css").await;
    assert!(
        headers["cache-control"]
            .to_str()
            .is_ok_and(|v| v.contains("max-age")),
        "assets stay cacheable"
    );
}
