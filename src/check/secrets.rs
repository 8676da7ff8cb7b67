//! Secrets pasted into a runbook: private keys, passwords (in a URL or after `password:`), cloud
//! access keys and access tokens, anywhere in the file.
//!
//! Each kind is a pattern plus a test that tells a real secret from a placeholder, a pointer to
//! a vault or an example copied from documentation, because runbooks are full of those.

use std::sync::LazyLock;

use regex::Regex;

use super::Parsed;
use super::report::{Code, Finding};

/// A kind of secret: the pattern that finds it and what to tell the author.
struct SecretRule {
    what: &'static str,
    pattern: &'static LazyLock<Regex>,
    /// Whether a match really is a secret (and not a placeholder or a reference).
    is_secret: fn(&regex::Captures) -> bool,
}

static PRIVATE_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----").expect("valid regex")
});
static URL_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s:/@]+:(?P<value>[^\s/@]+)@").expect("valid regex")
});
// No word boundary in front, so that DB_PASSWORD= and PGPASSWORD= are caught too.
static PASSWORD_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?im)(?:pass(?:word|wd|phrase)|pwd)["']?[ \t]*[:=][ \t]*(?P<value>[^\r\n]*)"#)
        .expect("valid regex")
});
static AWS_ACCESS_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b").expect("valid regex"));
static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}",
        r"|github_pat_[A-Za-z0-9_]{22,}",
        r"|glpat-[A-Za-z0-9_-]{20,}",
        r"|xox[abposr]-[A-Za-z0-9-]{10,}",
        r"|hooks\.slack\.com/services/[A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]+)",
    ))
    .expect("valid regex")
});

static SECRET_RULES: [SecretRule; 5] = [
    SecretRule {
        what: "a private key",
        pattern: &PRIVATE_KEY,
        is_secret: |_| true,
    },
    SecretRule {
        what: "a password in a URL",
        pattern: &URL_PASSWORD,
        is_secret: |c| !is_reference(c.name("value").map_or("", |m| m.as_str())),
    },
    SecretRule {
        what: "a password",
        pattern: &PASSWORD_LINE,
        is_secret: |c| password_value_is_secret(c.name("value").map_or("", |m| m.as_str())),
    },
    SecretRule {
        what: "a cloud access key",
        pattern: &AWS_ACCESS_KEY,
        // AWS's documentation uses AKIAIOSFODNN7EXAMPLE; runbooks copy it.
        is_secret: |captures| {
            !captures
                .get(0)
                .and_then(|m| m.as_str().get(4..))
                .is_some_and(|key| is_masked(key) || key.ends_with("EXAMPLE"))
        },
    },
    SecretRule {
        what: "an access token",
        pattern: &TOKEN,
        is_secret: |c| !c.get(0).is_some_and(|m| is_masked(m.as_str())),
    },
];

/// Finds secrets anywhere in the file, front matter included. Messages name the kind of secret
/// and never the secret itself: findings end up in CI logs.
pub(super) fn check(parsed: &Parsed, out: &mut Vec<Finding>) {
    for rule in &SECRET_RULES {
        for captures in rule.pattern.captures_iter(&parsed.text) {
            let Some(whole) = captures.get(0) else {
                continue;
            };
            if !(rule.is_secret)(&captures) {
                continue;
            }
            let (line, column) = parsed.lines.position(&parsed.text, whole.start());
            out.push(Finding::new(
                parsed.path(),
                line,
                Some(column),
                Code::Secret,
                format!(
                    "{} is pasted here: remove it, change it (git history keeps it), and say where it lives in the vault instead, e.g. \"in Vault at secret/ops/...\"",
                    rule.what
                ),
            ));
        }
    }
}

/// Whether what follows `password:` is a real password rather than a pointer to one or prose.
fn password_value_is_secret(rest: &str) -> bool {
    let rest = rest.trim();
    if rest.to_lowercase().contains("vault") {
        return false;
    }
    let mut words = rest.split_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    let first = first.trim_matches(|c| matches!(c, '"' | '\'' | '`' | ',' | ';'));
    if first.is_empty() || is_reference(first) {
        return false;
    }
    // "Password: ask the on-call" is prose; "password: hunter2" or "password: S3cret! (old)" is
    // not. Passwords are one word, and real ones rarely consist of letters only.
    let single_word = words.next().is_none_or(|next| next.starts_with('#'));
    single_word || !first.chars().all(char::is_alphabetic)
}

/// Placeholders and pointers that stand for a secret without being one: `$DB_PASSWORD`,
/// `${PASS}`, `<password>`, `{{ password }}`, `%PASSWORD%`, `***`, `-` (read from stdin), a vault
/// path, `var.db_password`, `a-secret-password`, `REDACTED`.
fn is_reference(value: &str) -> bool {
    let value = value.trim_matches(|c| matches!(c, '"' | '\'' | '`'));
    let lower = value.to_lowercase();
    value.starts_with(['$', '<', '{', '%', '('])
        || !value.chars().any(char::is_alphanumeric)
        || value.chars().all(|c| matches!(c, 'x' | 'X' | '*' | '.'))
        || value.contains('/')
        || lower.starts_with("vault")
        // A value that names what it stands for is an expression or a made-up example.
        || ["password", "passwd", "secret", "token", "redacted"]
            .iter()
            .any(|word| lower.contains(word))
}

/// Documentation shows the shape of a token with its characters masked:
/// `hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX`.
fn is_masked(token: &str) -> bool {
    let tail = token.rsplit(['_', '-', '/']).next().unwrap_or(token);
    tail.chars().all(|c| matches!(c, 'x' | 'X' | '0' | '*'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_told_apart_from_pointers_and_prose() {
        assert!(password_value_is_secret("hunter2"));
        assert!(password_value_is_secret("\"S3cret!\""));
        assert!(password_value_is_secret("correcthorse"));
        assert!(password_value_is_secret("Tr0ub4dor&3 # the old one"));
        assert!(!password_value_is_secret("in Vault at secret/ops/x"));
        assert!(!password_value_is_secret("secret/ops/billing/mysql"));
        assert!(!password_value_is_secret("$DB_PASSWORD"));
        assert!(!password_value_is_secret("<password>"));
        assert!(!password_value_is_secret("\"\""));
        assert!(!password_value_is_secret("ask the on-call"));
        assert!(!password_value_is_secret("********"));
    }

    #[test]
    fn placeholders_and_expressions_are_not_secrets() {
        for placeholder in [
            "REDACTED",
            "-",
            "\"$INSTANCE_ADMIN_PASSWORD\"",
            "a-secret-password",
            "google_sql_user.foo.password",
            "xxxxxxxx",
        ] {
            assert!(is_reference(placeholder), "{placeholder}");
        }
        assert!(!is_reference("hunter2"));
        assert!(is_masked(
            "hooks.slack.com/services/T00000000/B00000000/XXXXXXXX"
        ));
        assert!(is_masked("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
        assert!(!is_masked("ghp_abcdefghijklmnopqrstuvwxyz0123456789"));
    }
}
