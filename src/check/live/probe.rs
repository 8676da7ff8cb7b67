//! Live checks for `runbook check --live`: whether the servers and URLs a runbook names are
//! still real. This module owns every network access the check makes (name resolution and
//! HTTP requests); without `--live` nothing here runs, so an ordinary `runbook check` stays
//! offline and deterministic.
//!
//! A check never fails as a whole: each target gets an [`Outcome`], and the caller turns the
//! ones that are not [fine](Outcome::is_fine) into warnings with [`Outcome::message`].

use std::io;
use std::net::{IpAddr, ToSocketAddrs};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use runbook_core::parallel;

/// One thing to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A server host name, with the IP the runbook says it has (if any).
    Host { host: String, ip: Option<String> },
    /// A URL from the runbook.
    Url(String),
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Resolves (to the given IP when one was given) / the URL answered with a status < 400.
    Fine,
    /// The host resolves, but not to the runbook's IP: the addresses found, sorted, deduplicated.
    ///
    /// `expected` is the runbook's text (trimmed), kept as written even when it is not a
    /// valid IP address, so the warning quotes the runbook.
    IpMismatch {
        expected: String,
        found: Vec<IpAddr>,
    },
    /// The host does not resolve: the resolver's error text.
    Unresolved(String),
    /// The URL answered with this status (>= 400), after HEAD then GET.
    BadStatus(u16),
    /// The URL could not be fetched: a short error (connection refused, timeout, TLS, invalid
    /// URL...).
    Unreachable(String),
    /// Not checkable, with the reason: a URL scheme other than http/https (`mailto:`,
    /// `ssh://`), an empty host, or a host that is itself an IP literal and has no `ip` to
    /// compare with (with an `ip`, the literal is compared with it and gives `Fine` or
    /// `IpMismatch`).
    Skipped(String),
}

impl Outcome {
    /// Whether there is nothing to warn about: `Fine`, and also `Skipped`, because a
    /// `mailto:` link or an IP written as the host is not a defect in the runbook. A caller
    /// that wants to count what was really verified matches `Fine` itself.
    pub fn is_fine(&self) -> bool {
        matches!(self, Outcome::Fine | Outcome::Skipped(_))
    }

    /// The sentence used in warnings, naming the target as the runbook wrote it (trimmed).
    pub fn message(&self, target: &Target) -> String {
        let label = label(target);
        match self {
            Outcome::Fine => match target {
                Target::Host { ip, .. } => match ip.as_deref().map(str::trim) {
                    Some(ip) if !ip.is_empty() => format!("{label} resolves to {ip}"),
                    _ => format!("{label} resolves"),
                },
                Target::Url(_) => format!("{label} answers"),
            },
            Outcome::IpMismatch { expected, found } => {
                let found: Vec<String> = found.iter().map(IpAddr::to_string).collect();
                format!(
                    "{label} resolves to {} but the runbook says {expected}",
                    found.join(", ")
                )
            }
            Outcome::Unresolved(error) => format!("{label} does not resolve ({error})"),
            Outcome::BadStatus(status) => match canonical_reason(*status) {
                Some(reason) => format!("{label} answered {status} {reason}"),
                None => format!("{label} answered {status}"),
            },
            Outcome::Unreachable(error) => format!("{label} is unreachable: {error}"),
            Outcome::Skipped(reason) => format!("{label} was not checked: {reason}"),
        }
    }
}

/// How patient and how parallel the checks are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// For each HTTP request as a whole (connect, redirects and answer included). Name
    /// resolution of hosts is left to the system resolver's own timeout.
    pub timeout: Duration,
    /// At most this many checks at once (0 is taken as 1).
    pub concurrency: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            timeout: Duration::from_secs(5),
            concurrency: 16,
        }
    }
}

/// Name resolution, swappable so tests can simulate a name that does not resolve without
/// asking a DNS server.
pub trait Resolve {
    /// All the addresses `host` has (in any order, duplicates allowed), or the error text.
    fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, String>;
}

/// The system resolver (getaddrinfo via [`ToSocketAddrs`] with port 0), so `/etc/hosts` and
/// the machine's DNS settings apply exactly as they do for the operators' own tools.
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, String> {
        (host, 0)
            .to_socket_addrs()
            .map(|addrs| addrs.map(|addr| addr.ip()).collect())
            .map_err(|e| e.to_string())
    }
}

/// Checks every target, at most `concurrency` at once; `progress(done, total)` is called after
/// each (from worker threads: must be Sync). Results in the same order as `targets`.
///
/// `progress` calls are serialized and `done` strictly increases, so a progress bar can set
/// its position without ever going backwards; the last call is `(total, total)`.
pub fn check_all(
    targets: &[Target],
    settings: &Settings,
    resolver: &(dyn Resolve + Sync),
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Vec<Outcome> {
    let total = targets.len();
    let agent = agent(settings);
    let done = Mutex::new(0usize);
    parallel::map(targets, settings.concurrency, |target| {
        // A panicking check loses only its own target: the others are still checked, and the
        // panic does not reach the caller.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            check(&agent, target, settings, resolver)
        }))
        .unwrap_or_else(|_| Outcome::Unreachable("the check failed unexpectedly".into()));
        let mut done = done.lock().unwrap_or_else(PoisonError::into_inner);
        *done += 1;
        progress(*done, total);
        outcome
    })
}

/// One agent for the whole run, shared by the workers (it pools connections per host).
fn agent(settings: &Settings) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(settings.timeout))
        // A 404 is a finding, not a failure of the check.
        .http_status_as_error(false)
        // Never through a proxy from the environment: the point is whether *this* machine
        // reaches the URL, and the tests must stay on loopback.
        .proxy(None)
        .user_agent(concat!("runbook-check/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

fn check(
    agent: &ureq::Agent,
    target: &Target,
    settings: &Settings,
    resolver: &dyn Resolve,
) -> Outcome {
    match target {
        Target::Host { host, ip } => check_host(host, ip.as_deref(), resolver),
        Target::Url(url) => check_url(agent, url, settings.timeout),
    }
}

fn check_host(host: &str, ip: Option<&str>, resolver: &dyn Resolve) -> Outcome {
    let name = host_name(host);
    if name.is_empty() {
        return Outcome::Skipped("no host name".into());
    }
    let expected = ip.map(str::trim).filter(|ip| !ip.is_empty());
    if let Ok(literal) = name.parse::<IpAddr>() {
        return match expected {
            Some(expected) => compare(expected, vec![literal]),
            None => Outcome::Skipped("an IP address, there is no name to resolve".into()),
        };
    }
    match resolver.resolve(name) {
        Err(error) if error.trim().is_empty() => Outcome::Unresolved("no reason given".into()),
        Err(error) => Outcome::Unresolved(error.trim().to_string()),
        Ok(found) if found.is_empty() => Outcome::Unresolved("no addresses".into()),
        Ok(mut found) => {
            found.sort();
            found.dedup();
            match expected {
                Some(expected) => compare(expected, found),
                None => Outcome::Fine,
            }
        }
    }
}

/// `found` is sorted and deduplicated. An `expected` that is not an IP address (a typo, a
/// "TBD") is compared as text, so it is reported as a mismatch quoting the runbook.
fn compare(expected: &str, found: Vec<IpAddr>) -> Outcome {
    let matches = match expected.parse::<IpAddr>() {
        Ok(expected) => found.contains(&expected),
        Err(_) => found
            .iter()
            .any(|ip| ip.to_string().eq_ignore_ascii_case(expected)),
    };
    if matches {
        Outcome::Fine
    } else {
        Outcome::IpMismatch {
            expected: expected.to_string(),
            found,
        }
    }
}

/// The name to resolve: trimmed, without a port when the port is unambiguous (`name:22`,
/// `[v6]:22`); a bare IPv6 literal keeps all its colons.
fn host_name(host: &str) -> &str {
    let host = host.trim();
    let is_port = |port: &str| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = host.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((inside, "")) => inside,
            Some((inside, after)) if after.strip_prefix(':').is_some_and(is_port) => inside,
            _ => host,
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.is_empty() && !name.contains(':') && is_port(port) => name,
        _ => host,
    }
}

fn check_url(agent: &ureq::Agent, url: &str, timeout: Duration) -> Outcome {
    let url = url.trim();
    let Some(scheme) = scheme(url) else {
        return Outcome::Unreachable("invalid URL: no scheme such as https://".into());
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Outcome::Skipped(format!("{scheme}: URLs are not checked"));
    }
    let uri = match ureq::http::Uri::try_from(url) {
        Ok(uri) => uri,
        Err(error) => return Outcome::Unreachable(format!("invalid URL: {error}")),
    };
    if uri.host().is_none_or(str::is_empty) {
        return Outcome::Unreachable("invalid URL: no host".into());
    }
    // HEAD first: it is cheaper for the server and for us. Any refusal of it (405, 501, but
    // also servers that answer HEAD with 403/404 while GET works, or that drop the
    // connection) gets a second chance with GET, whose answer is the one reported.
    let head_status = match agent.head(uri.clone()).call() {
        Ok(response) => {
            let status = response.status().as_u16();
            if status < 400 {
                return Outcome::Fine;
            }
            Some(status)
        }
        Err(error) if refused_head(&error) => None,
        Err(error) => return Outcome::Unreachable(describe(&error, timeout)),
    };
    // The body is never read: the status is all we need, and dropping the response closes
    // the connection instead of downloading a page.
    match agent.get(uri).call() {
        Ok(response) => match response.status().as_u16() {
            status if status < 400 => Outcome::Fine,
            status => Outcome::BadStatus(status),
        },
        // HEAD's status is the better finding when GET does not get through at all.
        Err(error) => match head_status {
            Some(status) => Outcome::BadStatus(status),
            None => Outcome::Unreachable(describe(&error, timeout)),
        },
    }
}

/// The scheme of `url`, if it starts with one (`mailto:`, `https:`...).
fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (starts_with_letter && rest_ok).then_some(scheme)
}

/// Whether a HEAD failed in a way that suggests the server dislikes HEAD rather than being
/// down: the connection was dropped or the answer was not valid HTTP.
fn refused_head(error: &ureq::Error) -> bool {
    match error {
        ureq::Error::Io(e) => matches!(
            e.kind(),
            io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::UnexpectedEof
                | io::ErrorKind::BrokenPipe
        ),
        ureq::Error::Protocol(_) => true,
        _ => false,
    }
}

/// A short, lower-case description of a transport error for a warning line.
fn describe(error: &ureq::Error, timeout: Duration) -> String {
    let text = match error {
        ureq::Error::Timeout(_) => format!("timed out after {}", duration(timeout)),
        ureq::Error::Io(e) => match e.kind() {
            io::ErrorKind::ConnectionRefused => "connection refused".into(),
            io::ErrorKind::ConnectionReset => "connection reset".into(),
            io::ErrorKind::ConnectionAborted => "connection aborted".into(),
            io::ErrorKind::UnexpectedEof => "connection closed without an answer".into(),
            io::ErrorKind::TimedOut => format!("timed out after {}", duration(timeout)),
            _ => e.to_string(),
        },
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::BadUri(e) => format!("invalid URL: {e}"),
        ureq::Error::Http(e) => format!("invalid request: {e}"),
        ureq::Error::TooManyRedirects => "too many redirects".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        ureq::Error::Tls(e) => format!("TLS error: {e}"),
        ureq::Error::Protocol(e) => format!("not a valid HTTP answer: {e}"),
        other => {
            let text = other.to_string();
            match text.strip_prefix("rustls: ") {
                Some(rest) => format!("TLS error: {rest}"),
                None => text,
            }
        }
    };
    shorten(&text)
}

/// The first line, at most 200 characters: a warning is one line.
fn shorten(text: &str) -> String {
    const MAX: usize = 200;
    let line = text.lines().next().unwrap_or_default().trim();
    match line.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &line[..end]),
        None => line.to_string(),
    }
}

/// `5 s`, `300 ms`, `1.5 s`.
fn duration(span: Duration) -> String {
    if span.subsec_nanos() == 0 {
        format!("{} s", span.as_secs())
    } else if span < Duration::from_secs(1) {
        format!("{} ms", span.as_millis())
    } else {
        format!("{:.1} s", span.as_secs_f64())
    }
}

fn canonical_reason(status: u16) -> Option<&'static str> {
    ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|status| status.canonical_reason())
}

/// The target as the runbook wrote it, trimmed (a host without its port).
fn label(target: &Target) -> &str {
    match target {
        Target::Host { host, .. } => host_name(host),
        Target::Url(url) => url.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::io::{Read, Write};
    use std::net::{Ipv4Addr, TcpListener, TcpStream};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;
    use std::time::Instant;

    // ---- resolvers -------------------------------------------------------------------

    /// Answers from a table, and remembers which names it was asked about.
    struct Table {
        entries: HashMap<&'static str, Vec<IpAddr>>,
        asked: Mutex<Vec<String>>,
    }

    impl Table {
        fn new(entries: &[(&'static str, &[&str])]) -> Table {
            Table {
                entries: entries
                    .iter()
                    .map(|(name, ips)| (*name, ips.iter().map(|ip| ip.parse().unwrap()).collect()))
                    .collect(),
                asked: Mutex::new(Vec::new()),
            }
        }

        fn asked(&self) -> Vec<String> {
            self.asked.lock().unwrap().clone()
        }
    }

    impl Resolve for Table {
        fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, String> {
            self.asked.lock().unwrap().push(host.to_string());
            self.entries
                .get(host)
                .cloned()
                .ok_or_else(|| "Name or service not known".to_string())
        }
    }

    fn host(host: &str, ip: Option<&str>) -> Target {
        Target::Host {
            host: host.into(),
            ip: ip.map(Into::into),
        }
    }

    fn ips(ips: &[&str]) -> Vec<IpAddr> {
        ips.iter().map(|ip| ip.parse().unwrap()).collect()
    }

    fn settings(timeout: Duration, concurrency: usize) -> Settings {
        Settings {
            timeout,
            concurrency,
        }
    }

    fn check_one(target: Target, resolver: &(dyn Resolve + Sync)) -> Outcome {
        check_one_with(target, resolver, &settings(Duration::from_secs(5), 4))
    }

    fn check_one_with(
        target: Target,
        resolver: &(dyn Resolve + Sync),
        settings: &Settings,
    ) -> Outcome {
        let mut outcomes = check_all(&[target], settings, resolver, &|_, _| {});
        assert_eq!(outcomes.len(), 1);
        outcomes.remove(0)
    }

    // ---- a tiny HTTP server on loopback --------------------------------------------

    #[derive(Default)]
    struct State {
        /// "METHOD /path" of every request, in arrival order.
        seen: Mutex<Vec<String>>,
        in_flight: AtomicUsize,
        max_in_flight: AtomicUsize,
    }

    /// Given method, path and the server's state, the raw answer, or `None` to close the
    /// connection without answering.
    type Handler = dyn Fn(&str, &str, &State) -> Option<String> + Send + Sync;

    struct Server {
        base: String,
        state: Arc<State>,
    }

    impl Server {
        fn start(
            handler: impl Fn(&str, &str, &State) -> Option<String> + Send + Sync + 'static,
        ) -> Server {
            let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let state = Arc::new(State::default());
            let handler: Arc<Handler> = Arc::new(handler);
            let shared = Arc::clone(&state);
            // Runs until the test process ends; each connection gets its own thread so
            // requests can overlap.
            thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    let state = Arc::clone(&shared);
                    let handler = Arc::clone(&handler);
                    thread::spawn(move || serve(stream, &state, &*handler));
                }
            });
            Server { base, state }
        }

        fn url(&self, path: &str) -> String {
            format!("{}{path}", self.base)
        }

        fn seen(&self) -> Vec<String> {
            self.state.seen.lock().unwrap().clone()
        }
    }

    fn serve(mut stream: TcpStream, state: &State, handler: &Handler) {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut request = Vec::new();
        let mut chunk = [0; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => request.extend_from_slice(&chunk[..n]),
            }
        }
        let request = String::from_utf8_lossy(&request);
        let mut words = request.lines().next().unwrap_or_default().split(' ');
        let method = words.next().unwrap_or_default().to_string();
        let path = words.next().unwrap_or_default().to_string();
        state.seen.lock().unwrap().push(format!("{method} {path}"));
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let answer = handler(&method, &path, state);
        // Before answering, so the client cannot start its next request while this one
        // still counts.
        state.in_flight.fetch_sub(1, Ordering::SeqCst);
        if let Some(answer) = answer {
            let _ = stream.write_all(answer.as_bytes());
        }
    }

    fn answer(status: u16, reason: &str) -> Option<String> {
        Some(format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ))
    }

    fn redirect(location: &str) -> Option<String> {
        Some(format!(
            "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ))
    }

    /// 200 on `/ok`, a redirect from `/moved` to `/ok` and from `/gone` to `/missing`, 404
    /// otherwise.
    fn site() -> Server {
        Server::start(|_, path, _| match path {
            "/ok" => answer(200, "OK"),
            "/moved" => redirect("/ok"),
            "/gone" => redirect("/missing"),
            _ => answer(404, "Not Found"),
        })
    }

    // ---- hosts -----------------------------------------------------------------------

    #[test]
    fn localhost_resolves_with_the_system_resolver() {
        let found = SystemResolver.resolve("localhost").unwrap();
        assert!(
            found.iter().any(|ip| ip.is_loopback()),
            "localhost resolved to {found:?}"
        );
        assert_eq!(
            check_one(host("localhost", Some("127.0.0.1")), &SystemResolver),
            Outcome::Fine
        );
        assert_eq!(
            check_one(host("localhost", None), &SystemResolver),
            Outcome::Fine
        );
    }

    #[test]
    fn localhost_with_another_ip_is_a_mismatch_naming_both() {
        let target = host("localhost", Some("10.9.9.9"));
        let outcome = check_one(target.clone(), &SystemResolver);
        let Outcome::IpMismatch { expected, found } = &outcome else {
            panic!("expected a mismatch, got {outcome:?}");
        };
        assert_eq!(expected, "10.9.9.9");
        assert!(found.contains(&"127.0.0.1".parse().unwrap()), "{found:?}");
        assert!(!outcome.is_fine());
        let message = outcome.message(&target);
        assert!(message.starts_with("localhost resolves to "), "{message}");
        assert!(message.contains("127.0.0.1"), "{message}");
        assert!(
            message.ends_with("but the runbook says 10.9.9.9"),
            "{message}"
        );
    }

    #[test]
    fn a_name_that_does_not_resolve_is_unresolved_with_the_resolver_error() {
        let resolver = Table::new(&[]);
        let target = host("db07.example.com", Some("10.0.0.7"));
        let outcome = check_one(target.clone(), &resolver);
        assert_eq!(
            outcome,
            Outcome::Unresolved("Name or service not known".into())
        );
        assert!(!outcome.is_fine());
        assert_eq!(
            outcome.message(&target),
            "db07.example.com does not resolve (Name or service not known)"
        );
    }

    #[test]
    fn mismatch_lists_the_addresses_sorted_and_deduplicated() {
        let resolver =
            Table::new(&[("app01.example.com", &["10.0.0.10", "10.0.0.9", "10.0.0.10"])]);
        let target = host("app01.example.com", Some("10.0.0.11"));
        let outcome = check_one(target.clone(), &resolver);
        assert_eq!(
            outcome,
            Outcome::IpMismatch {
                expected: "10.0.0.11".into(),
                found: ips(&["10.0.0.9", "10.0.0.10"]),
            }
        );
        assert_eq!(
            outcome.message(&target),
            "app01.example.com resolves to 10.0.0.9, 10.0.0.10 but the runbook says 10.0.0.11"
        );
        // Any one of the addresses matches.
        assert_eq!(
            check_one(host("app01.example.com", Some(" 10.0.0.9 ")), &resolver),
            Outcome::Fine
        );
    }

    #[test]
    fn host_is_trimmed_and_loses_an_unambiguous_port() {
        let resolver = Table::new(&[("app01.example.com", &["10.0.0.9"])]);
        for written in [
            " app01.example.com ",
            "app01.example.com:22",
            "\tapp01.example.com:8443\n",
        ] {
            assert_eq!(
                check_one(host(written, Some("10.0.0.9")), &resolver),
                Outcome::Fine,
                "{written:?}"
            );
        }
        assert_eq!(resolver.asked(), vec!["app01.example.com"; 3]);
        // Not `name:digits`: asked as written (trimmed), and so unresolved.
        let outcome = check_one(host("app01.example.com:ssh", None), &resolver);
        assert!(matches!(outcome, Outcome::Unresolved(_)), "{outcome:?}");
        assert_eq!(resolver.asked().last().unwrap(), "app01.example.com:ssh");
        // The message names the host as resolved.
        let target = host(" app01.example.com:22 ", Some("10.0.0.1"));
        let message = check_one(target.clone(), &resolver).message(&target);
        assert_eq!(
            message,
            "app01.example.com resolves to 10.0.0.9 but the runbook says 10.0.0.1"
        );
    }

    #[test]
    fn an_ip_that_is_not_an_address_is_a_mismatch_quoting_the_runbook() {
        let resolver = Table::new(&[("app01.example.com", &["10.0.0.9"])]);
        assert_eq!(
            check_one(host("app01.example.com", Some("10.0.0.x")), &resolver),
            Outcome::IpMismatch {
                expected: "10.0.0.x".into(),
                found: ips(&["10.0.0.9"]),
            }
        );
        // An empty or blank ip is no ip.
        assert_eq!(
            check_one(host("app01.example.com", Some("  ")), &resolver),
            Outcome::Fine
        );
    }

    #[test]
    fn ip_literals_are_compared_without_resolving() {
        let resolver = Table::new(&[]);
        assert_eq!(
            check_one(host("10.0.0.9", Some("10.0.0.9")), &resolver),
            Outcome::Fine
        );
        assert_eq!(
            check_one(host("[::1]:22", Some("::1")), &resolver),
            Outcome::Fine
        );
        assert_eq!(
            check_one(host("::1", Some("0:0::1")), &resolver),
            Outcome::Fine
        );
        assert_eq!(
            check_one(host("10.0.0.9:22", Some("10.0.0.8")), &resolver),
            Outcome::IpMismatch {
                expected: "10.0.0.8".into(),
                found: ips(&["10.0.0.9"]),
            }
        );
        let target = host("10.0.0.9", None);
        let outcome = check_one(target.clone(), &resolver);
        assert!(matches!(outcome, Outcome::Skipped(_)), "{outcome:?}");
        assert!(outcome.is_fine());
        assert!(
            outcome
                .message(&target)
                .starts_with("10.0.0.9 was not checked: ")
        );
        assert!(resolver.asked().is_empty());
    }

    #[test]
    fn odd_hosts_do_not_panic() {
        let resolver = Table::new(&[]);
        assert_eq!(
            check_one(host("   ", Some("10.0.0.1")), &resolver),
            Outcome::Skipped("no host name".into())
        );
        for odd in [
            ":",
            ":22",
            "[",
            "[]",
            "[::1",
            "a:b:c",
            "ünïcode.example",
            "nul\0byte",
            "[::1]x",
        ] {
            let outcome = check_one(host(odd, Some("not an ip")), &resolver);
            assert!(!matches!(outcome, Outcome::Fine), "{odd:?}: {outcome:?}");
        }
        // A NUL byte cannot reach getaddrinfo: an error, not a panic (and no lookup).
        let outcome = check_one(host("nul\0byte", None), &SystemResolver);
        assert!(matches!(outcome, Outcome::Unresolved(_)), "{outcome:?}");
        let empty = Table::new(&[("empty.example", &[])]);
        assert_eq!(
            check_one(host("empty.example", None), &empty),
            Outcome::Unresolved("no addresses".into())
        );
    }

    // ---- URLs ------------------------------------------------------------------------

    #[test]
    fn a_url_answering_200_is_fine_after_one_head() {
        let server = site();
        let target = Target::Url(server.url("/ok"));
        let outcome = check_one(target.clone(), &SystemResolver);
        assert_eq!(outcome, Outcome::Fine);
        assert!(outcome.is_fine());
        assert_eq!(server.seen(), vec!["HEAD /ok"]);
        assert_eq!(
            outcome.message(&target),
            format!("{} answers", server.url("/ok"))
        );
    }

    #[test]
    fn a_url_answering_404_is_a_bad_status_after_head_then_get() {
        let server = site();
        let target = Target::Url(server.url("/missing"));
        let outcome = check_one(target.clone(), &SystemResolver);
        assert_eq!(outcome, Outcome::BadStatus(404));
        assert!(!outcome.is_fine());
        assert_eq!(server.seen(), vec!["HEAD /missing", "GET /missing"]);
        assert_eq!(
            outcome.message(&target),
            format!("{} answered 404 Not Found", server.url("/missing"))
        );
        assert_eq!(
            Outcome::BadStatus(599).message(&target),
            format!("{} answered 599", server.url("/missing"))
        );
    }

    #[test]
    fn redirects_are_followed() {
        let server = site();
        assert_eq!(
            check_one(Target::Url(server.url("/moved")), &SystemResolver),
            Outcome::Fine
        );
        assert_eq!(
            check_one(Target::Url(server.url("/gone")), &SystemResolver),
            Outcome::BadStatus(404)
        );
        let seen = server.seen();
        assert_eq!(&seen[..2], ["HEAD /moved", "HEAD /ok"]);
        assert!(seen.contains(&"GET /missing".to_string()), "{seen:?}");
    }

    #[test]
    fn a_server_refusing_head_is_asked_with_get() {
        let server = Server::start(|method, _, _| match method {
            "HEAD" => answer(405, "Method Not Allowed"),
            _ => answer(200, "OK"),
        });
        let outcome = check_one(Target::Url(server.url("/page")), &SystemResolver);
        assert_eq!(outcome, Outcome::Fine);
        assert_eq!(server.seen(), vec!["HEAD /page", "GET /page"]);
    }

    #[test]
    fn a_server_dropping_the_connection_on_head_is_asked_with_get() {
        let server = Server::start(|method, _, _| match method {
            "HEAD" => None,
            _ => answer(200, "OK"),
        });
        let outcome = check_one(Target::Url(server.url("/page")), &SystemResolver);
        assert_eq!(outcome, Outcome::Fine);
        assert_eq!(server.seen(), vec!["HEAD /page", "GET /page"]);
    }

    #[test]
    fn a_closed_port_is_unreachable_connection_refused() {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let target = Target::Url(format!("http://127.0.0.1:{port}/"));
        let outcome = check_one(target.clone(), &SystemResolver);
        assert_eq!(outcome, Outcome::Unreachable("connection refused".into()));
        assert_eq!(
            outcome.message(&target),
            format!("http://127.0.0.1:{port}/ is unreachable: connection refused")
        );
    }

    #[test]
    fn a_server_that_never_answers_times_out() {
        // Bound but never accepted: the kernel completes the handshake, nobody answers.
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let started = Instant::now();
        let outcome = check_one_with(
            Target::Url(url),
            &SystemResolver,
            &settings(Duration::from_millis(300), 1),
        );
        let elapsed = started.elapsed();
        assert_eq!(
            outcome,
            Outcome::Unreachable("timed out after 300 ms".into())
        );
        assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
        drop(listener);
    }

    #[test]
    fn other_schemes_are_skipped_and_invalid_urls_reported() {
        let resolver = Table::new(&[]);
        for url in [
            "mailto:ops@example.com",
            "ssh://bastion.example.com",
            "ftp://files.example.com/x",
        ] {
            let outcome = check_one(Target::Url(url.into()), &resolver);
            assert!(matches!(outcome, Outcome::Skipped(_)), "{url}: {outcome:?}");
            assert!(outcome.is_fine());
        }
        assert_eq!(
            check_one(Target::Url("mailto:ops@example.com".into()), &resolver),
            Outcome::Skipped("mailto: URLs are not checked".into())
        );
        for url in [
            "http://",
            "https://",
            "not a url",
            "",
            "http://exa mple.com/",
            "http:///path",
            "://x",
        ] {
            let outcome = check_one(Target::Url(url.into()), &resolver);
            match &outcome {
                Outcome::Unreachable(message) => {
                    assert!(message.starts_with("invalid URL"), "{url:?}: {message}")
                }
                other => panic!("{url:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn url_scheme_and_whitespace_are_forgiven() {
        let server = site();
        let url = format!("  {}  ", server.url("/ok").replacen("http", "HTTP", 1));
        assert_eq!(check_one(Target::Url(url), &SystemResolver), Outcome::Fine);
        assert_eq!(server.seen(), vec!["HEAD /ok"]);
    }

    // ---- check_all ---------------------------------------------------------------------

    #[test]
    fn check_all_keeps_order_and_reports_progress() {
        let server = site();
        let resolver = Table::new(&[("app01.example.com", &["10.0.0.9"])]);
        let targets = vec![
            Target::Url(server.url("/missing")),
            host("app01.example.com", Some("10.0.0.9")),
            Target::Url("mailto:ops@example.com".into()),
            host("gone.example.com", None),
            Target::Url(server.url("/ok")),
            host("app01.example.com", Some("10.0.0.10")),
            Target::Url(server.url("/moved")),
        ];
        let calls = Mutex::new(Vec::new());
        let outcomes = check_all(
            &targets,
            &settings(Duration::from_secs(5), 3),
            &resolver,
            &|done, total| calls.lock().unwrap().push((done, total)),
        );
        assert_eq!(
            outcomes,
            vec![
                Outcome::BadStatus(404),
                Outcome::Fine,
                Outcome::Skipped("mailto: URLs are not checked".into()),
                Outcome::Unresolved("Name or service not known".into()),
                Outcome::Fine,
                Outcome::IpMismatch {
                    expected: "10.0.0.10".into(),
                    found: ips(&["10.0.0.9"]),
                },
                Outcome::Fine,
            ]
        );
        let calls = calls.into_inner().unwrap();
        let expected: Vec<(usize, usize)> = (1..=7).map(|done| (done, 7)).collect();
        assert_eq!(calls, expected);
    }

    #[test]
    fn check_all_with_nothing_to_check() {
        let calls = AtomicUsize::new(0);
        let outcomes = check_all(&[], &Settings::default(), &SystemResolver, &|_, _| {
            calls.fetch_add(1, Ordering::SeqCst);
        });
        assert!(outcomes.is_empty());
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn concurrency_zero_still_checks() {
        let resolver = Table::new(&[("a.example", &["10.0.0.1"])]);
        let targets = vec![host("a.example", None), host("b.example", None)];
        let outcomes = check_all(
            &targets,
            &settings(Duration::from_secs(1), 0),
            &resolver,
            &|_, _| {},
        );
        assert_eq!(outcomes[0], Outcome::Fine);
        assert!(matches!(outcomes[1], Outcome::Unresolved(_)));
    }

    #[test]
    fn a_panicking_check_loses_only_its_own_target() {
        struct Panicky;
        impl Resolve for Panicky {
            fn resolve(&self, host: &str) -> Result<Vec<IpAddr>, String> {
                assert_ne!(host, "boom.example", "a bug in a check");
                Ok(ips(&["10.0.0.1"]))
            }
        }
        let targets = vec![
            host("a.example", None),
            host("boom.example", None),
            host("c.example", None),
        ];
        let calls = Mutex::new(Vec::new());
        // One thread: the one that met the panic goes on to check the next target.
        let outcomes = check_all(
            &targets,
            &settings(Duration::from_secs(1), 1),
            &Panicky,
            &|done, total| calls.lock().unwrap().push((done, total)),
        );
        assert_eq!(
            outcomes,
            vec![
                Outcome::Fine,
                Outcome::Unreachable("the check failed unexpectedly".into()),
                Outcome::Fine,
            ]
        );
        assert_eq!(calls.into_inner().unwrap(), vec![(1, 3), (2, 3), (3, 3)]);
    }

    #[test]
    fn check_all_runs_checks_in_parallel_up_to_the_limit() {
        // Each request waits until a second one is in flight (or 5 s pass), so overlap is
        // observed by the server rather than inferred from timing.
        let server = Server::start(|_, _, state| {
            let deadline = Instant::now() + Duration::from_secs(5);
            while state.max_in_flight.load(Ordering::SeqCst) < 2 && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(5));
            }
            thread::sleep(Duration::from_millis(20));
            answer(200, "OK")
        });
        let targets: Vec<Target> = (0..6)
            .map(|i| Target::Url(server.url(&format!("/{i}"))))
            .collect();
        let started = Instant::now();
        let outcomes = check_all(
            &targets,
            &settings(Duration::from_secs(10), 2),
            &SystemResolver,
            &|_, _| {},
        );
        assert_eq!(outcomes, vec![Outcome::Fine; 6]);
        assert_eq!(server.state.max_in_flight.load(Ordering::SeqCst), 2);
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
        let mut seen = server.seen();
        seen.sort();
        let expected: Vec<String> = (0..6).map(|i| format!("HEAD /{i}")).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn the_agent_ignores_proxy_settings_and_status_errors() {
        // Setting `ALL_PROXY` here would race with the other tests' threads; checking the
        // configuration is the next best thing (without `.proxy(None)` and with a proxy in
        // the environment, every URL test above fails).
        let agent = agent(&settings(Duration::from_millis(1234), 1));
        let config = agent.config();
        assert!(config.proxy().is_none());
        assert!(!config.http_status_as_error());
        assert_eq!(config.timeouts().global, Some(Duration::from_millis(1234)));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(Duration::from_secs(5)), "5 s");
        assert_eq!(duration(Duration::from_millis(300)), "300 ms");
        assert_eq!(duration(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(shorten(&"x".repeat(300)).chars().count(), 201);
        assert_eq!(shorten("first\nsecond"), "first");
    }
}
