//! `runbook hash-password`: the line for the users or tokens file that server authentication
//! reads, for a secret read from standard input (never from the arguments, which others can see).

use std::io::{IsTerminal, Write};

use anyhow::{Context, bail};

use super::exit;

/// Hash a password (or token) read from standard input, for the files
/// [preprocessor.runbook.auth] names.
#[derive(Debug, clap::Args)]
pub(super) struct HashPasswordArgs {
    /// The user name; prints a `user:$argon2id$...` line for users-file.
    #[arg(required_unless_present = "token")]
    user: Option<String>,
    /// Hash a bearer token instead: prints its SHA-256 for tokens-file.
    #[arg(long, conflicts_with = "user")]
    token: bool,
}

/// Prints the line for `users-file` (or `tokens-file`) for a secret read from standard input.
pub(super) fn run(args: &HashPasswordArgs) -> anyhow::Result<u8> {
    if std::io::stdin().is_terminal() {
        let what = if args.token { "token" } else { "password" };
        let _ = writeln!(
            anstream::stderr(),
            "{what} (shown as you type; or pipe it in), then Enter:"
        );
    }
    let mut secret = String::new();
    std::io::stdin()
        .read_line(&mut secret)
        .context("cannot read the secret from standard input")?;
    let secret = secret.trim_end_matches(['\n', '\r']);
    if secret.is_empty() {
        bail!("nothing to hash: the secret is empty");
    }
    match args.user.as_deref() {
        _ if args.token => println!("{}", crate::auth::hash_token(secret)),
        Some(user) if user.contains(':') || user.contains(char::is_whitespace) => {
            bail!("user name {user:?} may not contain ':' or spaces")
        }
        Some(user) => println!("{user}:{}", crate::auth::hash_password(secret)?),
        None => bail!("name the user: runbook hash-password USER"),
    }
    Ok(exit::OK)
}
