//! Who may read the runbooks: the credentials `book.toml` names, loaded once, and checking a
//! request's credentials against them.
//!
//! Login steps are sensitive, so a server reachable beyond this machine needs one of three
//! explicitly configured ways in, under `[preprocessor.runbook.auth]`:
//!
//! - `tokens-file`: bearer tokens, stored as the SHA-256 of each token (hex), one a line,
//!   optionally with `expires=YYYY-MM-DD` and a label. Tokens are long and random, so a fast hash
//!   compared in constant time is enough; a slow hash would only slow every request.
//! - `users-file`: `user:$argon2id$...` lines for HTTP Basic authentication. Passwords are chosen
//!   by people and guessable, so they get argon2 (`runbook hash-password` makes the line).
//! - `trusted-header`: a header (e.g. `X-Forwarded-User`) set by an SSO reverse proxy. Only
//!   safe when nothing but the proxy can reach the server.
//!
//! This module reads the credential files (the web layer never reads files); the web layer only
//! turns request headers into [`Credentials`] and asks [`Access::check`].

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use runbook_core::config::{AuthSettings, Book};
use runbook_core::error::{Error, Result};

/// What a request presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Nothing.
    Missing,
    /// An `Authorization` header this server cannot read.
    Malformed,
    /// `Authorization: Bearer TOKEN`.
    Bearer(String),
    /// `Authorization: Basic ...`, decoded.
    Basic { user: String, password: String },
    /// The trusted header's value.
    ProxyUser(String),
}

/// Why a request was turned away. Said to the log, not to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("no credentials")]
    Missing,
    #[error("a malformed Authorization header")]
    Malformed,
    #[error("an unknown token")]
    UnknownToken,
    #[error("a token that expired on {0}")]
    Expired(NaiveDate),
    #[error("a wrong user name or password")]
    WrongPassword,
    #[error("a kind of credentials this server does not accept")]
    NotAccepted,
}

/// One line of the tokens file.
#[derive(Debug, Clone)]
struct Token {
    sha256: [u8; 32],
    expires: Option<NaiveDate>,
    label: String,
}

/// How long a checked password is remembered. Browsers send Basic credentials with every
/// request (page, stylesheet, script, each search as you type); argon2 on each would make the
/// page slow and the server easy to tie up.
const REMEMBER_PASSWORD: Duration = Duration::from_secs(300);
/// Most remembered passwords; the memory is cleared when full.
const REMEMBER_MAX: usize = 1024;

/// The configured ways in.
pub struct Access {
    tokens: Vec<Token>,
    /// User name → argon2 PHC string.
    users: HashMap<String, String>,
    trusted_header: Option<String>,
    /// SHA-256 of `user:password` pairs argon2 accepted, and when.
    remembered: Mutex<HashMap<[u8; 32], Instant>>,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Access")
            .field("tokens", &self.tokens.len())
            .field("users", &self.users.len())
            .field("trusted_header", &self.trusted_header)
            .finish()
    }
}

impl Access {
    /// Loads what `[preprocessor.runbook.auth]` names. `Ok(None)` when the table is absent: no
    /// authentication. A table that names nothing, a missing file or a bad line is an error.
    pub fn load(book: &Book) -> Result<Option<Access>> {
        let Some(settings) = &book.settings.auth else {
            return Ok(None);
        };
        let config_error = |message: String| Error::Config {
            path: book.root.join(runbook_core::config::BOOK_TOML),
            message,
        };
        if settings == &AuthSettings::default() {
            return Err(config_error(
                "[preprocessor.runbook.auth] names no way in: set tokens-file, users-file or trusted-header".into(),
            ));
        }
        let tokens = match &settings.tokens_file {
            Some(path) => parse_tokens(&book.root.join(path))?,
            None => Vec::new(),
        };
        let users = match &settings.users_file {
            Some(path) => parse_users(&book.root.join(path))?,
            None => HashMap::new(),
        };
        let trusted_header = match settings.trusted_header.as_deref().map(str::trim) {
            Some(name) if !is_header_name(name) => {
                return Err(config_error(format!(
                    "trusted-header {name:?} is not an HTTP header name"
                )));
            }
            other => other.map(str::to_ascii_lowercase),
        };
        Ok(Some(Access {
            tokens,
            users,
            trusted_header,
            remembered: Mutex::new(HashMap::new()),
        }))
    }

    /// The header an SSO proxy names the user in, lower case, if one is trusted.
    pub fn trusted_header(&self) -> Option<&str> {
        self.trusted_header.as_deref()
    }

    /// Whether bearer tokens are accepted.
    pub fn accepts_tokens(&self) -> bool {
        !self.tokens.is_empty()
    }

    /// Whether user names and passwords are accepted.
    pub fn accepts_passwords(&self) -> bool {
        !self.users.is_empty()
    }

    /// Checks credentials; `Ok` names who they belong to. May run argon2: call it off async
    /// threads.
    pub fn check(&self, credentials: &Credentials, today: NaiveDate) -> Result<String, Denied> {
        match credentials {
            Credentials::Missing => Err(Denied::Missing),
            Credentials::Malformed => Err(Denied::Malformed),
            Credentials::Bearer(_) if !self.accepts_tokens() => Err(Denied::NotAccepted),
            Credentials::Bearer(token) => self.check_token(token, today),
            Credentials::Basic { .. } if !self.accepts_passwords() => Err(Denied::NotAccepted),
            Credentials::Basic { user, password } => self.check_password(user, password),
            Credentials::ProxyUser(_) if self.trusted_header.is_none() => Err(Denied::NotAccepted),
            Credentials::ProxyUser(user) => Ok(user.clone()),
        }
    }

    fn check_token(&self, token: &str, today: NaiveDate) -> Result<String, Denied> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // Compare with every token, not stopping at a match, so timing says nothing.
        let mut found: Option<&Token> = None;
        for candidate in &self.tokens {
            if bool::from(candidate.sha256.ct_eq(&digest)) {
                found = Some(candidate);
            }
        }
        let token = found.ok_or(Denied::UnknownToken)?;
        match token.expires {
            Some(expires) if expires < today => Err(Denied::Expired(expires)),
            _ => Ok(token.label.clone()),
        }
    }

    fn check_password(&self, user: &str, password: &str) -> Result<String, Denied> {
        let mut hasher = Sha256::new();
        hasher.update(user.as_bytes());
        hasher.update([0]);
        hasher.update(password.as_bytes());
        let pair: [u8; 32] = hasher.finalize().into();
        if self.remembers(&pair) {
            return Ok(user.to_string());
        }
        // An unknown user costs the same argon2 run as a known one: timing does not tell
        // which user names exist.
        let phc = self.users.get(user).map_or(DUMMY_HASH, String::as_str);
        let verified = PasswordHash::new(phc).ok().is_some_and(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        });
        if !verified || !self.users.contains_key(user) {
            return Err(Denied::WrongPassword);
        }
        self.remember(pair);
        Ok(user.to_string())
    }

    fn remembers(&self, pair: &[u8; 32]) -> bool {
        let remembered = self.remembered.lock().unwrap_or_else(|p| p.into_inner());
        remembered
            .get(pair)
            .is_some_and(|at| at.elapsed() < REMEMBER_PASSWORD)
    }

    fn remember(&self, pair: [u8; 32]) {
        let mut remembered = self.remembered.lock().unwrap_or_else(|p| p.into_inner());
        if remembered.len() >= REMEMBER_MAX {
            remembered.clear();
        }
        remembered.insert(pair, Instant::now());
    }
}

/// An argon2 hash of a password no one has, checked for unknown users.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3rUoWnlsz4JHXmgEyMmkHFvGFwXWIA6k9hyC47d8JOY";

/// An argon2id hash (PHC string) of a password, with a random salt and argon2's recommended
/// parameters: what a `users-file` line holds after `user:`.
pub fn hash_password(password: &str) -> std::result::Result<String, HashError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(HashError)
}

/// A password could not be hashed (no randomness for the salt).
#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password")]
pub struct HashError(#[source] argon2::password_hash::Error);

/// The SHA-256 of a token, in hex: what a `tokens-file` line starts with.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Lines that say something: without comments (`#`) and blank lines, numbered from 1.
fn meaningful_lines(path: &Path) -> Result<Vec<(usize, String)>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    Ok(text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim().to_string()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .collect())
}

fn line_error(path: &Path, line: usize, message: impl std::fmt::Display) -> Error {
    Error::Config {
        path: path.to_path_buf(),
        message: format!("line {line}: {message}"),
    }
}

/// `SHA256HEX [expires=YYYY-MM-DD] [label...]` lines.
fn parse_tokens(path: &Path) -> Result<Vec<Token>> {
    let mut tokens = Vec::new();
    for (number, line) in meaningful_lines(path)? {
        let mut words = line.split_whitespace();
        let hex = words.next().unwrap_or_default();
        let sha256 = parse_sha256(hex).ok_or_else(|| {
            line_error(
                path,
                number,
                "expected the SHA-256 of a token as 64 hex digits (runbook hash-password --token)",
            )
        })?;
        let mut expires = None;
        let mut label = Vec::new();
        for word in words {
            match word.strip_prefix("expires=") {
                Some(date) => {
                    expires = Some(date.parse::<NaiveDate>().map_err(|_| {
                        line_error(
                            path,
                            number,
                            format!("expires={date} is not a YYYY-MM-DD date"),
                        )
                    })?)
                }
                None => label.push(word),
            }
        }
        let label = if label.is_empty() {
            format!("token on line {number}")
        } else {
            label.join(" ")
        };
        tokens.push(Token {
            sha256,
            expires,
            label,
        });
    }
    if tokens.is_empty() {
        return Err(Error::Config {
            path: path.to_path_buf(),
            message: "holds no tokens, so no one could get in".into(),
        });
    }
    Ok(tokens)
}

fn parse_sha256(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// `user:$argon2id$...` lines.
fn parse_users(path: &Path) -> Result<HashMap<String, String>> {
    let mut users = HashMap::new();
    for (number, line) in meaningful_lines(path)? {
        let (user, phc) = line
            .split_once(':')
            .ok_or_else(|| line_error(path, number, "expected user:argon2-hash"))?;
        if user.is_empty() || user.contains(char::is_whitespace) {
            return Err(line_error(
                path,
                number,
                "the user name is empty or has spaces",
            ));
        }
        let valid = PasswordHash::new(phc)
            .ok()
            .is_some_and(|hash| hash.algorithm.as_str().starts_with("argon2"));
        if !valid {
            return Err(line_error(
                path,
                number,
                format!(
                    "the hash for {user:?} is not an argon2 hash (runbook hash-password makes one)"
                ),
            ));
        }
        if users.insert(user.to_string(), phc.to_string()).is_some() {
            return Err(line_error(
                path,
                number,
                format!("{user:?} is listed twice"),
            ));
        }
    }
    if users.is_empty() {
        return Err(Error::Config {
            path: path.to_path_buf(),
            message: "holds no users, so no one could get in".into(),
        });
    }
    Ok(users)
}

/// RFC 9110 token characters.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast_hash(password: &str) -> String {
        let params = argon2::Params::new(8, 1, 1, None).expect("params");
        Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password(password.as_bytes())
            .expect("hash")
            .to_string()
    }

    fn access(tokens: &[Token], users: &[(&str, &str)], header: Option<&str>) -> Access {
        Access {
            tokens: tokens.to_vec(),
            users: users
                .iter()
                .map(|(u, p)| (u.to_string(), fast_hash(p)))
                .collect(),
            trusted_header: header.map(str::to_string),
            remembered: Mutex::new(HashMap::new()),
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn token(secret: &str, expires: Option<&str>) -> Token {
        Token {
            sha256: Sha256::digest(secret.as_bytes()).into(),
            expires: expires.map(day),
            label: "ops laptop".into(),
        }
    }

    #[test]
    fn a_known_token_gets_in_until_it_expires() {
        let a = access(&[token("s3cret", Some("2026-06-30"))], &[], None);
        let bearer = Credentials::Bearer("s3cret".into());
        assert_eq!(a.check(&bearer, day("2026-06-30")), Ok("ops laptop".into()));
        assert_eq!(
            a.check(&bearer, day("2026-07-01")),
            Err(Denied::Expired(day("2026-06-30")))
        );
        assert_eq!(
            a.check(&Credentials::Bearer("s3creT".into()), day("2026-01-01")),
            Err(Denied::UnknownToken)
        );
    }

    #[test]
    fn passwords_are_checked_with_argon2_and_unknown_users_fail_alike() {
        let a = access(&[], &[("alice", "correct horse")], None);
        let basic = |user: &str, password: &str| Credentials::Basic {
            user: user.into(),
            password: password.into(),
        };
        let today = day("2026-01-01");
        assert_eq!(
            a.check(&basic("alice", "correct horse"), today),
            Ok("alice".into())
        );
        // remembered now, and still only for the right password
        assert_eq!(
            a.check(&basic("alice", "correct horse"), today),
            Ok("alice".into())
        );
        assert_eq!(
            a.check(&basic("alice", "wrong"), today),
            Err(Denied::WrongPassword)
        );
        assert_eq!(
            a.check(&basic("bob", "correct horse"), today),
            Err(Denied::WrongPassword)
        );
    }

    #[test]
    fn only_configured_kinds_of_credentials_are_accepted() {
        let today = day("2026-01-01");
        let tokens_only = access(&[token("t", None)], &[], None);
        let basic = Credentials::Basic {
            user: "a".into(),
            password: "b".into(),
        };
        assert_eq!(tokens_only.check(&basic, today), Err(Denied::NotAccepted));
        assert_eq!(
            tokens_only.check(&Credentials::ProxyUser("mallory".into()), today),
            Err(Denied::NotAccepted)
        );
        assert_eq!(
            tokens_only.check(&Credentials::Missing, today),
            Err(Denied::Missing)
        );
        assert_eq!(
            tokens_only.check(&Credentials::Malformed, today),
            Err(Denied::Malformed)
        );
        let proxied = access(&[], &[], Some("x-forwarded-user"));
        assert_eq!(
            proxied.check(&Credentials::ProxyUser("carol".into()), today),
            Ok("carol".into())
        );
        assert_eq!(
            proxied.check(&Credentials::Bearer("t".into()), today),
            Err(Denied::NotAccepted)
        );
    }

    #[test]
    fn token_and_user_files_are_read_and_bad_lines_named() {
        let dir = tempfile::tempdir().expect("dir");
        let tokens = dir.path().join("tokens");
        std::fs::write(
            &tokens,
            format!(
                "# tokens\n\n{} expires=2027-01-01 ci bot\n",
                hash_token("abc")
            ),
        )
        .expect("write");
        let parsed = parse_tokens(&tokens).expect("tokens");
        assert_eq!(parsed[0].label, "ci bot");
        assert_eq!(parsed[0].expires, Some(day("2027-01-01")));

        std::fs::write(&tokens, "# one\nnot-a-hash\n").expect("write");
        let err = parse_tokens(&tokens).expect_err("bad line").to_string();
        assert!(
            err.contains("line 2") && err.contains("64 hex digits"),
            "{err}"
        );

        let users = dir.path().join("users");
        std::fs::write(&users, "alice:$5$notargon\n").expect("write");
        let err = parse_users(&users).expect_err("bad hash").to_string();
        assert!(
            err.contains("line 1") && err.contains("not an argon2 hash"),
            "{err}"
        );
        std::fs::write(&users, format!("alice:{}\n", fast_hash("pw"))).expect("write");
        assert!(parse_users(&users).expect("users").contains_key("alice"));
    }

    #[test]
    fn hash_password_makes_a_hash_that_verifies() {
        let phc = hash_password("hunter2").expect("hash");
        assert!(phc.starts_with("$argon2id$"));
        let hash = PasswordHash::new(&phc).expect("phc");
        assert!(Argon2::default().verify_password(b"hunter2", &hash).is_ok());
    }

    #[test]
    fn the_dummy_hash_is_a_valid_argon2_hash() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
