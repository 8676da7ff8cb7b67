//! Asking a running server instead of a local checkout: support staff have no git clone, so
//! `runbook search` and `runbook show` can read a server's JSON API (`--server URL`) and print
//! exactly what they print locally.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use runbook_core::error::Error;
use runbook_core::misses::Miss;
use runbook_core::request::SearchRequest;
use runbook_core::results::{RunbookDetails, SearchResults};

/// A `runbook serve` somewhere.
pub struct RemoteKnowledgeBase {
    base: String,
    agent: ureq::Agent,
    /// Sent as `Authorization: Bearer` to a server that requires authentication.
    token: Option<String>,
}

impl RemoteKnowledgeBase {
    /// `base` is the server's URL, e.g. `http://runbooks.example.com:7878`.
    pub fn new(base: &str) -> RemoteKnowledgeBase {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(15)))
            .http_status_as_error(false)
            .build();
        RemoteKnowledgeBase {
            base: base.trim_end_matches('/').to_string(),
            agent: config.into(),
            token: None,
        }
    }

    /// The same, authenticating with a bearer token.
    pub fn with_token(mut self, token: Option<String>) -> RemoteKnowledgeBase {
        self.token = token.filter(|t| !t.is_empty());
        self
    }

    /// A search on the server, as `request` asks (no `at`: the server's now, unless
    /// `RUNBOOK_NOW` fixes the clock here).
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, RemoteError> {
        let query = request.query.as_str();
        let mut url = format!(
            "{}/api/search?q={}&limit={}",
            self.base,
            encode(query),
            request.limit
        );
        if request.explain {
            url.push_str("&explain=1");
        }
        push_at(&mut url, runbook_core::clock::at_or_fixed(request.at)?);
        self.get(&url, query, None)
    }

    /// The details `show` prints; `section` as with `--section`, `at` as with `--at`.
    pub fn details(
        &self,
        app: &str,
        section: Option<&str>,
        at: Option<DateTime<Utc>>,
    ) -> Result<RunbookDetails, RemoteError> {
        let mut url = format!("{}/api/runbooks/{}?", self.base, encode(app));
        if let Some(section) = section {
            url.push_str("&section=");
            url.push_str(&encode(section));
        }
        push_at(&mut url, at);
        self.get(&url, app, section)
    }

    /// The server's log of missed searches (`GET /api/misses`).
    pub fn misses(&self) -> Result<Vec<Miss>, RemoteError> {
        self.get(&format!("{}/api/misses", self.base), "misses", None)
    }

    fn get<T: DeserializeOwned>(
        &self,
        url: &str,
        what: &str,
        section: Option<&str>,
    ) -> Result<T, RemoteError> {
        let request_failed = |source| RemoteError::Request {
            url: url.to_string(),
            source,
        };
        let refused = |reason: String| RemoteError::Refused {
            url: url.to_string(),
            reason,
        };
        let mut request = self.agent.get(url).header("Accept", "application/json");
        if let Some(token) = &self.token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        let mut response = request.call().map_err(request_failed)?;
        match response.status().as_u16() {
            200 => {
                let text = response
                    .body_mut()
                    .read_to_string()
                    .map_err(request_failed)?;
                serde_json::from_str(&text).map_err(|source| RemoteError::Answer {
                    url: url.to_string(),
                    source,
                })
            }
            404 => {
                let body: serde_json::Value = response.body_mut().read_json_lenient();
                match (body["kind"].as_str(), section) {
                    (Some("section"), Some(section)) => Err(Error::NoSuchSection {
                        section: section.to_string(),
                        path: what.to_string(),
                    }
                    .into()),
                    _ => Err(Error::NotFound(what.to_string()).into()),
                }
            }
            401 => Err(refused(
                "the server requires authentication: set RUNBOOK_TOKEN (or --server-token) to a token it knows"
                    .into(),
            )),
            status => Err(refused(format!("the server answered {status}"))),
        }
    }
}

/// Why a server could not answer a question.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// No response came (connection, TLS, timeout), or its body could not be read.
    #[error("{url}: {source}")]
    Request {
        /// What was asked.
        url: String,
        /// What the HTTP client said.
        #[source]
        source: ureq::Error,
    },
    /// The server answered something other than the JSON contract.
    #[error("{url}: unexpected answer: {source}")]
    Answer {
        /// What was asked.
        url: String,
        /// Why the answer is not the contract's.
        #[source]
        source: serde_json::Error,
    },
    /// The server refused (authentication) or failed (an error status).
    #[error("{url}: {reason}")]
    Refused {
        /// What was asked.
        url: String,
        /// What to do about it.
        reason: String,
    },
    /// What the knowledge base itself says: no such runbook or section, a moment that is not one.
    #[error(transparent)]
    KnowledgeBase(#[from] Error),
}

/// Reads a body as JSON, or `null` when it is not.
trait ReadJsonLenient {
    fn read_json_lenient(&mut self) -> serde_json::Value;
}

impl ReadJsonLenient for ureq::Body {
    fn read_json_lenient(&mut self) -> serde_json::Value {
        self.read_to_string()
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }
}

/// Adds `&at=` for a moment other than the server's now.
fn push_at(url: &mut String, at: Option<DateTime<Utc>>) {
    if let Some(at) = at {
        url.push_str("&at=");
        url.push_str(&encode(
            &at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ));
    }
}

/// Percent-encodes a whole query-string or path value (a `/` in an app id included).
fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}
