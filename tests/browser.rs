//! A real browser on the real server: headless Chromium, driven through chromedriver, types a
//! query, sees the result with its hosting badge, moves to it with the arrow key, presses Enter,
//! lands on the runbook's section and clicks a copy button. With `UPDATE_SCREENSHOTS=1` it also
//! saves the screenshots shown in the README (`docs/`).
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them); where they are
//! absent the test says it is skipped (and fails under `CI`).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::harness::server::Server;
use crate::harness::tools::skip;
use crate::harness::{Kb, free_port, repo};

/// chromedriver, stopped when the test ends however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find_binary(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find(|n| Path::new(n).exists())
        .map(|n| n.to_string())
}

async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(15) {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: not within 15 s");
}

async fn connect(port: u16, chromium: &str) -> Client {
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1280,900"]
        }
    });
    let caps = caps.as_object().cloned().unwrap_or_default();
    let started = Instant::now();
    loop {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return client,
            Err(e) if started.elapsed() > Duration::from_secs(20) => panic!("chromedriver: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

#[tokio::test]
async fn a_support_person_finds_the_login_steps_and_copies_a_command() {
    let (Some(chromium), Some(driver)) = (
        find_binary(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]),
        find_binary(&["/usr/bin/chromedriver"]),
    ) else {
        skip(
            "browser",
            "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
        );
        return;
    };
    let kb = Kb::examples();
    let server = Server::start(&kb, &[]);
    let base = server.base.clone();
    let port = free_port();
    let _driver = Killed(
        Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver"),
    );
    let client = connect(port, &chromium).await;

    client.goto(&base).await.expect("open the search page");
    // The README's screenshots are refreshed with UPDATE_SCREENSHOTS=1; otherwise they go to a
    // temporary folder so a test run leaves the work tree alone.
    let scratch = tempfile::tempdir().expect("temp dir");
    let docs = if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        repo().join("docs")
    } else {
        scratch.path().to_path_buf()
    };

    // the box has focus on load: typing goes straight into it
    let active = client.active_element().await.expect("active element");
    assert_eq!(active.attr("id").await.expect("id").as_deref(), Some("q"));
    active.send_keys("sidekiq restart").await.expect("type");

    // results arrive as you type, each leading with who runs the servers
    wait_for("results as you type", || async {
        match client.find(Locator::Css("ol.hits li.hit .hit-title")).await {
            Ok(title) => title
                .text()
                .await
                .map(|t| t == "Conveyor job queue")
                .unwrap_or(false),
            Err(_) => false,
        }
    })
    .await;
    let badge = client
        .find(Locator::Css("ol.hits li.hit .badge"))
        .await
        .expect("badge");
    assert_eq!(
        badge.text().await.expect("badge text"),
        "Hosted by us — log in, don't call the vendor"
    );
    assert!(
        client
            .current_url()
            .await
            .expect("url")
            .as_str()
            .contains("q=sidekiq")
    );

    // screenshot of the search page, with an answer card
    client
        .goto(&format!("{base}/?q=10.44.7.19"))
        .await
        .expect("answer page");
    std::fs::create_dir_all(&docs).expect("docs dir");
    let png = client.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    std::fs::write(docs.join("search-page.png"), png).expect("save screenshot");
    client
        .goto(&format!("{base}/?q=sidekiq+restart"))
        .await
        .expect("results page");

    // arrow down selects the first result; Enter opens it, on its section
    let body = client.find(Locator::Css("body")).await.expect("body");
    body.send_keys(&char::from(Key::Down).to_string())
        .await
        .expect("arrow down");
    wait_for("first result selected", || async {
        client.find(Locator::Css("li.hit.selected")).await.is_ok()
    })
    .await;
    body.send_keys(&char::from(Key::Enter).to_string())
        .await
        .expect("enter");
    wait_for("runbook section opened", || async {
        client
            .current_url()
            .await
            .map(|u| u.path() == "/runbooks/conveyor" && u.fragment() == Some("restart"))
            .unwrap_or(false)
    })
    .await;
    let heading = client
        .find(Locator::Css("h2#restart"))
        .await
        .expect("section heading");
    assert_eq!(heading.text().await.expect("heading text"), "Restart");

    // a copy button on the code block under that section
    let button = client
        .find(Locator::XPath(
            "//h2[@id='restart']/following::pre[1]/button[@class='copy']",
        ))
        .await
        .expect("copy button");
    button.click().await.expect("click copy");
    wait_for("copy acknowledged", || async {
        button
            .text()
            .await
            .map(|t| t == "Copied" || t == "Press Ctrl+C")
            .unwrap_or(false)
    })
    .await;
    let label = button.text().await.unwrap_or_default();
    assert_eq!(label, "Copied", "the command was copied");

    client
        .goto(&format!("{base}/runbooks/billing"))
        .await
        .expect("runbook page");
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(docs.join("runbook-page.png"), png).expect("save screenshot");

    // without JavaScript the same page still works: the server-rendered form
    client
        .goto(&format!("{base}/?q=payroll"))
        .await
        .expect("no-JS URL");
    let first = client
        .find(Locator::Css("ol.hits li.hit .badge"))
        .await
        .expect("badge");
    assert_eq!(
        first.text().await.expect("text"),
        "Vendor-hosted — call the vendor"
    );

    client.close().await.expect("close browser");
}
