//! The web application in process: every route's status and content, the page without
//! JavaScript, escaping, sanitizing and security headers.

use axum::http::StatusCode;

use crate::harness::app::App;
use crate::harness::{Kb, git_as};

#[tokio::test]
async fn the_search_page_has_one_focused_box_and_lists_runbooks_by_owner() {
    let app = App::examples();
    let (status, headers, body) = app.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(body.matches("<input id=\"q\"").count(), 1);
    assert!(body.contains("autofocus"));
    assert!(
        body.contains("team-payments"),
        "empty state lists runbooks by owner"
    );
    assert!(body.contains("href=\"/runbooks/billing\""));
}

#[tokio::test]
async fn results_render_without_javascript_leading_with_hosting() {
    let app = App::examples();
    let (status, _, body) = app.get("/?q=sidekiq+restart").await;
    assert_eq!(status, StatusCode::OK);
    let first_hit = body.find("class=\"hit\"").expect("a hit");
    let hit = &body[first_hit..];
    let badge = hit
        .find("Hosted by us — log in, don&#39;t call the vendor")
        .expect("badge");
    let title = hit.find("Conveyor job queue").expect("title");
    assert!(badge < title, "the hosting fact comes first");
    assert!(
        hit.contains("href=\"/runbooks/conveyor?from=sidekiq%20restart#restart\""),
        "links to the section, naming the search it came from"
    );
    assert!(hit.contains("<mark>"), "highlighted snippet");
}

#[tokio::test]
async fn the_fragment_route_serves_just_the_results() {
    let app = App::examples();
    let (status, _, body) = app.get("/fragments/results?q=payroll").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("<html"));
    assert!(body.contains("Vendor-hosted — call the vendor"));
}

#[tokio::test]
async fn an_exact_name_puts_the_answer_card_with_login_steps_on_top() {
    let app = App::examples();
    let (_, _, body) = app.get("/?q=10.44.7.19").await;
    let answer = body.find("class=\"answer\"").expect("answer card");
    let hits = body.find("class=\"hits\"").unwrap_or(body.len());
    assert!(answer < hits);
    let card = &body[answer..hits];
    assert!(card.contains("Ledgerline"));
    assert!(card.contains("Hosted by us"));
    assert!(card.contains("team-finance-apps"));
    assert!(card.contains("<h2>Login</h2>"));
    assert!(card.contains("ssh ops@ledger01.prod.example.com"));

    let json = app.json("/api/search?q=10.44.7.19").await;
    assert_eq!(json["answer"]["app"], "ledgerline");
    assert_eq!(json["answer"]["section"]["heading"], "Login");
    let json = app.json("/api/search?q=restart").await;
    assert!(json.get("answer").is_none(), "no answer for a plain word");
}

#[tokio::test]
async fn the_query_is_escaped_in_the_page() {
    let app = App::examples();
    let (status, _, body) = app
        .get("/?q=%3Cscript%3Ealert(1)%3C/script%3E%22onmouseover%3D")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("<script>alert"), "{body}");
    assert!(
        body.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the query is shown, escaped: {body}"
    );
    assert!(!body.contains("\"onmouseover="));
}

#[tokio::test]
async fn hostile_markdown_is_sanitized_on_the_runbook_page() {
    let app = App::new(Kb::with(&[(
        "evil.md",
        "---\ntitle: Evil\nhosting: self\nowner: team-x\nurls: [\"javascript:alert(1)\"]\n---\n# Evil\n\n## Login\n<script>alert('x')</script>\n\n<img src=x onerror=\"alert(1)\">\n\n[click](javascript:alert(1))\n\n<a href=\"#\" onclick=\"steal()\">y</a>\n",
    )]));
    let (status, _, body) = app.get("/runbooks/evil").await;
    assert_eq!(status, StatusCode::OK);
    let lower = body.to_lowercase();
    assert!(!lower.contains("<script>alert"), "{body}");
    assert!(!lower.contains("onerror"), "{body}");
    assert!(!lower.contains("onclick"), "{body}");
    assert!(!lower.contains("href=\"javascript:"), "{body}");
    let json = app.json("/api/runbooks/evil").await;
    assert!(!json["html"].as_str().unwrap().contains("<script"));
}

#[tokio::test]
async fn the_runbook_page_has_fact_card_contents_and_rendered_markdown() {
    let app = App::examples();
    let (status, _, body) = app.get("/runbooks/billing").await;
    assert_eq!(status, StatusCode::OK);
    let card = body.find("class=\"card self\"").expect("fact card");
    let toc = body.find("class=\"toc\"").expect("table of contents");
    let content = body.find("class=\"runbook-body\"").expect("body");
    assert!(card < toc && toc < content);
    assert!(
        body.contains("href=\"tel:+442079460000\""),
        "contacts have tel: links"
    );
    assert!(body.contains("Call them:"), "vendor call_when");
    assert!(body.contains("billing01.prod.example.com"));
    assert!(body.contains("<h2 id=\"login\">Login</h2>"));
    assert!(body.contains("href=\"#common-problems\""));
    assert!(
        body.contains("<pre><code class=\"language-"),
        "code blocks for copy buttons"
    );
    assert!(
        body.contains("href=\"/runbooks/vpn#login\""),
        "links between runbooks"
    );
    assert!(body.contains("next review due"));

    let (_, _, wiki) = app.get("/runbooks/wiki").await;
    assert!(
        wiki.contains("review overdue") || wiki.contains("Review overdue"),
        "overdue warning"
    );
    assert!(wiki.contains("class=\"review overdue\""));
}

#[tokio::test]
async fn the_runbook_page_shows_the_last_change_from_git_and_an_edit_link() {
    let kb = Kb::examples();
    let root = kb.root().to_path_buf();
    std::fs::write(
        root.join("book.toml"),
        "[book]\ntitle = \"T\"\nsrc = \"runbooks\"\n[preprocessor.runbook]\nedit-url-template = \"https://git.example.com/ops/edit/main/{path}\"\n",
    )
    .unwrap();
    let priya = ("Priya Raman", "priya@example.com");
    git_as(&root, priya, &["init", "-q"]);
    git_as(&root, priya, &["add", "."]);
    git_as(
        &root,
        priya,
        &["commit", "-q", "-m", "Fix the restart steps"],
    );
    let app = App::new(kb);
    let (_, _, body) = app.get("/runbooks/billing").await;
    assert!(
        body.contains("by Priya Raman: Fix the restart steps"),
        "{body}"
    );
    assert!(body.contains("href=\"https://git.example.com/ops/edit/main/runbooks/billing.md\""));
}

#[tokio::test]
async fn runbooks_resolve_by_alias_and_sub_folder_path_too() {
    let app = App::examples();
    assert_eq!(app.get("/runbooks/invoicing").await.0, StatusCode::OK);
    assert_eq!(app.get("/runbooks/finance/payroll").await.0, StatusCode::OK);
    let (status, _, body) = app.get("/runbooks/no-such-thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("no-such-thing"));
}

#[tokio::test]
async fn the_search_api_follows_the_contract() {
    let app = App::examples();
    let json = app.json("/api/search?q=billing&limit=2").await;
    assert_eq!(json["query"], "billing");
    assert!(json["took_ms"].is_number());
    assert!(json["total"].as_u64().unwrap() >= 2);
    let hits = json["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0]["app"], "billing");
    for key in [
        "title", "path", "hosting", "owner", "section", "anchor", "snippet",
    ] {
        assert!(hits[0][key].is_string(), "{key}");
    }
    // a malformed limit is not an error
    let json = app.json("/api/search?q=billing&limit=lots").await;
    assert!(!json["hits"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_runbook_api_lists_and_details() {
    let app = App::examples();
    let list = app.json("/api/runbooks").await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 14);
    assert!(
        list.iter()
            .all(|r| r["hosting"].is_string() && r["owner"].is_string())
    );
    let billing = app.json("/api/runbooks/billing").await;
    assert_eq!(billing["hosting"], "self");
    assert!(billing["sections"].as_array().unwrap().len() > 3);
    assert!(
        billing["html"]
            .as_str()
            .unwrap()
            .contains("<h2 id=\"login\">")
    );
    let section = app.json("/api/runbooks/stockpile?section=ora-12541").await;
    assert!(
        section["section"]["heading"]
            .as_str()
            .unwrap()
            .starts_with("ORA-12541")
    );
    let (status, headers, body) = app.get("/api/runbooks/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(headers["content-type"].to_str().unwrap().contains("json"));
    assert!(body.contains("error"));
}

#[tokio::test]
async fn healthz_counts_runbooks_and_lists_broken_files() {
    let app = App::new(Kb::with(&[
        (
            "good.md",
            "---\ntitle: Good\nhosting: self\nowner: t\n---\n# Good\n",
        ),
        ("bad.md", "---\ntitle: [unclosed\n---\n# Bad\n"),
    ]));
    let health = app.json("/healthz").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["runbooks"], 1);
    assert_eq!(health["problems"][0]["path"], "runbooks/bad.md");
    assert!(health["problems"][0]["line"].as_u64().is_some());
}

#[tokio::test]
async fn metrics_are_prometheus_text() {
    let app = App::examples();
    app.get("/api/search?q=billing").await;
    let (status, headers, body) = app.get("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(body.contains("runbook_http_requests_total{route=\"/api/search\",status=\"200\"} 1"));
    assert!(body.contains("runbook_http_request_duration_seconds_bucket"));
    assert!(body.contains("runbook_runbooks_indexed 14"));
    assert!(body.contains("runbook_files_with_errors 0"));
    assert!(body.contains("runbook_reindex_total"));
}

#[tokio::test]
async fn static_assets_are_embedded() {
    let app = App::examples();
    let (status, headers, body) = app.get("/static/app.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert!(body.contains("fragments/results"));
    let (status, _, css) = app.get("/static/style.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(css.contains("prefers-color-scheme: dark"));
    assert!(css.contains("@media print"));
    assert_eq!(
        app.get("/static/../Cargo.toml").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/static/nope.js").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_page_carries_security_headers() {
    let app = App::examples();
    for uri in [
        "/",
        "/runbooks/billing",
        "/api/search?q=x",
        "/nope",
        "/healthz",
    ] {
        let (_, headers, _) = app.get(uri).await;
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{uri}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{uri}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{uri}");
    }
}

#[tokio::test]
async fn malformed_requests_get_4xx_never_5xx() {
    let app = App::examples();
    let long = "a".repeat(5000);
    for uri in [
        format!("/?q={long}"),
        format!("/api/search?q={long}"),
        "/api/search?q=%FF%FE".to_string(),
        "/?q=%22unclosed+owner%3A+-".to_string(),
        "/runbooks/%2e%2e/%2e%2e/etc/passwd".to_string(),
        "/api/runbooks/..%2F..%2Fbook.toml".to_string(),
        "/api/search?q=a:b:c:https://x".to_string(),
    ] {
        let (status, _, _) = app.get(&uri).await;
        assert!(!status.is_server_error(), "{uri} → {status}");
    }
    assert_eq!(
        app.get(&format!("/api/search?q={long}")).await.0,
        StatusCode::URI_TOO_LONG
    );
}
