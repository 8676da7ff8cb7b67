//! Access: with `[preprocessor.runbook.auth]` configured, only the right token, password or
//! proxy header reads runbooks; `/healthz`, `/metrics` and assets stay open; `serve` will not
//! expose runbooks beyond loopback without authentication unless told to.

use std::io::Write;
use std::process::{Command, Stdio};

use argon2::password_hash::PasswordHasher;
use axum::http::StatusCode;
use base64::Engine;
use runbook::auth::{Access, hash_token};

use crate::harness::app::App;
use crate::harness::server::Server;
use crate::harness::{Kb, cli};

const TOKEN: &str = "4f1c9a7e0b3d2c6f8e5a1b9d7c3e2f0a";
const OLD_TOKEN: &str = "expired-token-0123456789abcdef";
const LOGIN_STEP: &str = "ssh ops@billing01.prod.example.com";

/// argon2 with small parameters: the tests check the logic, not the cost.
fn cheap_argon2(password: &str) -> String {
    let params = argon2::Params::new(8, 1, 1, None).expect("params");
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(password.as_bytes())
        .expect("hash")
        .to_string()
}

/// The example runbooks with tokens, users and (optionally) a trusted header configured.
fn protected_kb(trusted_header: Option<&str>) -> Kb {
    let kb = Kb::examples();
    let secrets = kb.root().join("secrets");
    std::fs::create_dir_all(&secrets).expect("mkdir");
    std::fs::write(
        secrets.join("tokens"),
        format!(
            "# support desk tokens\n{} desk laptop\n{} expires=2020-01-01 old bot\n",
            hash_token(TOKEN),
            hash_token(OLD_TOKEN)
        ),
    )
    .expect("tokens");
    std::fs::write(
        secrets.join("users"),
        format!("alice:{}\n", cheap_argon2("correct horse battery")),
    )
    .expect("users");
    let mut auth = "\n[preprocessor.runbook.auth]\ntokens-file = \"secrets/tokens\"\nusers-file = \"secrets/users\"\n".to_string();
    if let Some(header) = trusted_header {
        auth.push_str(&format!("trusted-header = \"{header}\"\n"));
    }
    let book_toml = kb.root().join("book.toml");
    let mut text = std::fs::read_to_string(&book_toml).expect("book.toml");
    text.push_str(&auth);
    std::fs::write(&book_toml, text).expect("book.toml");
    kb
}

/// The application in process over `kb`, with the access control its book.toml configures.
fn protected_app(kb: Kb) -> App {
    App::configured(kb, |book, state| {
        let access = Access::load(book).expect("auth config");
        assert!(access.is_some(), "authentication is configured");
        state.with_access(access)
    })
}

fn basic(user: &str, password: &str) -> Vec<u8> {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
    .into_bytes()
}

fn bearer(token: &str) -> Vec<u8> {
    format!("Bearer {token}").into_bytes()
}

const PROTECTED: [&str; 6] = [
    "/api/misses",
    "/runbooks/billing",
    "/api/runbooks/billing",
    "/api/search?q=10.0.4.21",
    "/?q=billing",
    "/no-such-page",
];

#[tokio::test]
async fn without_credentials_every_runbook_route_is_401_and_shows_no_login_step() {
    let app = protected_app(protected_kb(None));
    for uri in PROTECTED {
        let (status, headers, body) = app.get(uri).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}");
        assert!(!body.contains(LOGIN_STEP), "{uri} leaked login steps");
        let challenges: Vec<_> = headers.get_all("www-authenticate").iter().collect();
        assert_eq!(
            challenges.len(),
            2,
            "Basic and Bearer are offered: {challenges:?}"
        );
        assert!(headers.contains_key("content-security-policy"), "{uri}");
        assert_eq!(headers["cache-control"], "no-store", "{uri}");
    }
}

#[tokio::test]
async fn the_right_token_or_password_reads_the_runbooks() {
    let app = protected_app(protected_kb(None));
    let password = basic("alice", "correct horse battery");
    let token = bearer(TOKEN);
    for credentials in [&password, &token] {
        let (status, _, body) = app
            .get_with("/runbooks/billing", &[("authorization", credentials)])
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains(LOGIN_STEP));
        let (status, _, _) = app
            .get_with("/api/search?q=billing", &[("authorization", credentials)])
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    // the scheme name is case-insensitive, as HTTP says
    let lower = format!("bearer {TOKEN}").into_bytes();
    let (status, _, _) = app.get_with("/", &[("authorization", &lower)]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn wrong_expired_and_malformed_credentials_get_401_never_5xx() {
    let app = protected_app(protected_kb(None));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("wrong password", basic("alice", "Correct horse battery")),
        ("unknown user", basic("mallory", "correct horse battery")),
        ("empty password", basic("alice", "")),
        ("wrong token", bearer("not-the-token")),
        ("expired token", bearer(OLD_TOKEN)),
        (
            "a token's hash instead of the token",
            bearer(&hash_token(TOKEN)),
        ),
        ("Bearer without a token", b"Bearer".to_vec()),
        ("Basic that is not base64", b"Basic !!!not*base64".to_vec()),
        ("Basic without a colon", {
            let mut v = b"Basic ".to_vec();
            v.extend(
                base64::engine::general_purpose::STANDARD
                    .encode("alice")
                    .bytes(),
            );
            v
        }),
        ("Basic of invalid UTF-8", {
            let mut v = b"Basic ".to_vec();
            v.extend(
                base64::engine::general_purpose::STANDARD
                    .encode(b"alice:\xff\xfe")
                    .bytes(),
            );
            v
        }),
        ("an unknown scheme", b"Digest username=\"alice\"".to_vec()),
        ("a header of non-ASCII bytes", b"Bearer \xe9\xe9".to_vec()),
        ("only spaces", b"   ".to_vec()),
    ];
    for (what, header) in &cases {
        let (status, _, body) = app
            .get_with("/runbooks/billing", &[("authorization", header)])
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        assert!(!body.contains(LOGIN_STEP), "{what}");
    }
    println!("credentials tried: {}, let in: 0", cases.len());
}

#[tokio::test]
async fn health_metrics_and_assets_stay_open_for_monitoring() {
    let app = protected_app(protected_kb(None));
    for uri in ["/healthz", "/metrics", "/static/style.css"] {
        let (status, _, _) = app.get(uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
    }
    let (_, _, health) = app.get("/healthz").await;
    assert!(health.contains("\"runbooks\":14"), "{health}");
}

#[tokio::test]
async fn a_trusted_proxy_header_lets_its_user_in_and_only_when_present() {
    let app = protected_app(protected_kb(Some("X-Forwarded-User")));
    let (status, _, body) = app
        .get_with(
            "/runbooks/billing",
            &[("x-forwarded-user", b"carol@example.com")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(LOGIN_STEP));
    for (what, headers) in [
        ("no header", vec![]),
        (
            "an empty header",
            vec![("x-forwarded-user", b" ".as_slice())],
        ),
        (
            "a different header",
            vec![("x-remote-user", b"carol".as_slice())],
        ),
    ] {
        let (status, _, _) = app.get_with("/runbooks/billing", &headers).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
    }
}

fn serve(kb: &Kb, bind: &str, extra: &[&str]) -> std::process::Output {
    let mut child = cli(kb.root())
        .args(["serve", "--no-watch", "--bind", bind])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    // A server that did start would run forever: give it a moment, then stop it.
    for _ in 0..100 {
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    child.wait_with_output().expect("output")
}

#[test]
fn serve_refuses_a_non_loopback_address_without_authentication() {
    let kb = Kb::examples();
    for bind in ["0.0.0.0:0", "[::]:0"] {
        let out = serve(&kb, bind, &[]);
        assert_eq!(out.status.code(), Some(2), "{bind}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("refusing to serve"), "{stderr}");
        assert!(stderr.contains("--allow-anonymous"), "{stderr}");
        assert!(stderr.contains("[preprocessor.runbook.auth]"), "{stderr}");
        assert!(out.stdout.is_empty(), "it never started serving");
    }
}

#[test]
fn an_auth_table_that_names_no_way_in_or_a_missing_file_is_a_configuration_error() {
    let kb = Kb::examples();
    let book_toml = kb.root().join("book.toml");
    let original = std::fs::read_to_string(&book_toml).expect("book.toml");
    for (auth, expected) in [
        ("[preprocessor.runbook.auth]\n", "names no way in"),
        (
            "[preprocessor.runbook.auth]\ntokens-file = \"nope\"\n",
            "nope",
        ),
        (
            "[preprocessor.runbook.auth]\ntoken-file = \"typo\"\n",
            "token-file",
        ),
    ] {
        std::fs::write(&book_toml, format!("{original}\n{auth}")).expect("book.toml");
        let out = serve(&kb, "127.0.0.1:0", &[]);
        assert_eq!(out.status.code(), Some(2), "{auth}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{auth}: {stderr}");
    }
}

#[test]
fn a_protected_server_answers_a_real_client_with_a_token_and_refuses_one_without() {
    let kb = protected_kb(None);
    // Ready once its first index is (/healthz is open to monitoring, so no token needed).
    let server = Server::start(&kb, &["--no-watch"]);
    let base = server.base.clone();
    let status = |path: &str, token: Option<&str>| {
        let authorization = token.map(|token| format!("Bearer {token}"));
        let headers: Vec<(&str, &str)> = authorization
            .iter()
            .map(|value| ("Authorization", value.as_str()))
            .collect();
        server.get_with(path, &headers).0
    };
    let anonymous = status("/runbooks/billing", None);
    let with_token = status("/runbooks/billing", Some(TOKEN));
    let health = status("/healthz", None);
    let cli = |token: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_runbook"));
        cmd.args(["--server", &base, "show", "billing"])
            .env("NO_COLOR", "1")
            .env_remove("RUNBOOK_TOKEN");
        if let Some(token) = token {
            cmd.env("RUNBOOK_TOKEN", token);
        }
        cmd.output().expect("cli")
    };
    let cli_with_token = cli(Some(TOKEN));
    let cli_without = cli(None);
    drop(server);
    assert_eq!(cli_with_token.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&cli_with_token.stdout).contains(LOGIN_STEP));
    assert_eq!(cli_without.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&cli_without.stderr).contains("RUNBOOK_TOKEN"));
    assert_eq!(anonymous, 401);
    assert_eq!(with_token, 200);
    assert_eq!(health, 200);
}

#[test]
fn hash_password_prints_a_users_file_line_that_lets_the_user_in() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_runbook"))
        .args(["hash-password", "dave"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"tr0ub4dor&3\n")
        .expect("write");
    let out = child.wait_with_output().expect("output");
    assert!(out.status.success());
    let line = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(line.starts_with("dave:$argon2id$"), "{line}");
    assert!(
        !line.contains("tr0ub4dor"),
        "the password itself is not printed"
    );

    let kb = Kb::examples();
    std::fs::write(kb.root().join("users"), &line).expect("users");
    let book_toml = kb.root().join("book.toml");
    let text = std::fs::read_to_string(&book_toml).expect("book.toml");
    std::fs::write(
        &book_toml,
        format!("{text}\n[preprocessor.runbook.auth]\nusers-file = \"users\"\n"),
    )
    .expect("book.toml");
    let book = runbook_core::Book::load(kb.root()).expect("book");
    let access = Access::load(&book).expect("loads").expect("configured");
    let today = chrono::Local::now().date_naive();
    let credentials = |password: &str| runbook::auth::Credentials::Basic {
        user: "dave".into(),
        password: password.into(),
    };
    assert_eq!(
        access.check(&credentials("tr0ub4dor&3"), today),
        Ok("dave".into())
    );
    assert!(access.check(&credentials("tr0ub4dor&4"), today).is_err());

    let token = Command::new(env!("CARGO_BIN_EXE_runbook"))
        .args(["hash-password", "--token"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().expect("stdin").write_all(b"abc\n")?;
            child.wait_with_output()
        })
        .expect("run");
    assert_eq!(
        String::from_utf8_lossy(&token.stdout).trim(),
        hash_token("abc")
    );
}
