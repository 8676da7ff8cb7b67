//! `runbook serve` as a real process on a free loopback port, killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::Kb;

/// A running `runbook serve`, its address, and an HTTP client for it.
pub struct Server {
    pub child: Child,
    pub base: String,
    agent: ureq::Agent,
}

impl Server {
    /// Starts a server and waits until its first index is ready.
    pub fn start(kb: &Kb, extra: &[&str]) -> Server {
        Server::start_at(kb.root(), extra)
    }

    /// Starts a server for the knowledge base at `root`.
    pub fn start_at(root: &Path, extra: &[&str]) -> Server {
        let mut child = super::cli(root)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start server");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("banner");
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .trim_end_matches('/')
            .to_string();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(15)))
            .build()
            .into();
        let server = Server { child, base, agent };
        server.wait_until(Duration::from_secs(60), "ready", |s| {
            s.json("/healthz")["ready"] == true
        });
        server
    }

    /// Status and body; status 0 when the request itself failed.
    pub fn get(&self, path: &str) -> (u16, String) {
        self.get_with(path, &[])
    }

    /// Status and body of a request carrying these headers (name, value).
    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
        let mut request = self.agent.get(&format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        match request.call() {
            Ok(mut response) => (
                response.status().as_u16(),
                response.body_mut().read_to_string().unwrap_or_default(),
            ),
            Err(_) => (0, String::new()),
        }
    }

    pub fn json(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.get(path);
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).expect("JSON")
    }

    /// App ids a search finds.
    pub fn apps(&self, query: &str) -> Vec<String> {
        self.json(&format!("/api/search?q={query}&limit=50"))["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .map(|h| h["app"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Polls until `done` holds; returns how long it took. Panics after `limit`.
    pub fn wait_until(
        &self,
        limit: Duration,
        what: &str,
        done: impl Fn(&Server) -> bool,
    ) -> Duration {
        let started = Instant::now();
        while started.elapsed() < limit {
            if done(self) {
                return started.elapsed();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{what}: not within {limit:?}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
