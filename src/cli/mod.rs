//! The `runbook` command line: arguments, the commands, and exit codes.
//!
//! This is the binary's edge: errors become `anyhow` here and a message on stderr; exit codes are
//! 0 (found / ok), 1 (nothing found, check failed) and 2 (usage or configuration error).
//!
//! This file holds the top-level parser, the options every command takes and the dispatch; each
//! command is a module of its own with its arguments (`…Args`, whose doc comment is the
//! command's help) and a `run` that returns the exit code.

mod answers;
mod check;
mod completions;
mod hash_password;
mod import;
mod index;
mod local;
mod man;
mod mdbook;
mod misses;
mod new;
mod output;
mod progress;
mod search;
mod serve;
mod show;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::remote::RemoteKnowledgeBase;
use runbook_core::config::Book;
use runbook_core::error::Error;

/// An operations runbook knowledge base: who runs it, who owns it, how to log in.
#[derive(Debug, Parser)]
#[command(name = "runbook", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: GlobalOptions,

    #[command(subcommand)]
    command: Command,
}

/// Where the knowledge base is: a local checkout, or a server to ask.
#[derive(Debug, clap::Args)]
struct GlobalOptions {
    /// The knowledge base's root (the folder with book.toml). Default: the nearest folder upwards
    /// that has one.
    #[arg(long, global = true, env = "RUNBOOK_ROOT", value_name = "DIR")]
    root: Option<PathBuf>,

    /// Where to keep the search index (default: .runbook/ under the root). For read-only
    /// checkouts and shared folders.
    #[arg(long, global = true, env = "RUNBOOK_INDEX_DIR", value_name = "DIR")]
    index_dir: Option<PathBuf>,

    /// Ask a running `runbook serve` at this URL instead of a local checkout (search and show).
    #[arg(long, global = true, env = "RUNBOOK_SERVER", value_name = "URL")]
    server: Option<String>,

    /// Bearer token for a `--server` that requires authentication.
    #[arg(
        long,
        global = true,
        env = "RUNBOOK_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    server_token: Option<String>,
}

impl GlobalOptions {
    /// The server `--server` names, if any (an empty value, e.g. an unset variable in a script,
    /// names none).
    fn remote(&self) -> Option<RemoteKnowledgeBase> {
        let server = self.server.as_deref().filter(|s| !s.is_empty())?;
        Some(RemoteKnowledgeBase::new(server).with_token(self.server_token.clone()))
    }

    /// The local knowledge base: `--root`, or the nearest book.toml upwards from here.
    fn book(&self) -> anyhow::Result<Book> {
        let cwd = std::env::current_dir().context("cannot read the current folder")?;
        let mut book = Book::discover(self.root.as_deref(), &cwd)?;
        if let Some(dir) = &self.index_dir {
            book.state_dir = dir.clone();
        }
        Ok(book)
    }

    /// [`GlobalOptions::book`] for the commands that work on a checkout only: refuses a
    /// `--server` rather than quietly using the local folder instead.
    fn checkout_only(&self) -> anyhow::Result<Book> {
        if self.remote().is_some() {
            bail!("--server works with `search`, `show` and `misses` only");
        }
        self.book()
    }
}

// A command's help is its arguments' doc comment, in its module.
#[derive(Debug, Subcommand)]
enum Command {
    Serve(serve::ServeArgs),
    Search(search::SearchArgs),
    Show(show::ShowArgs),
    New(new::NewArgs),
    Import(import::ImportArgs),
    Check(check::CheckArgs),
    Index(index::IndexArgs),
    HashPassword(hash_password::HashPasswordArgs),
    Mdbook(mdbook::MdbookArgs),
    Misses(misses::MissesArgs),
    Completions(completions::CompletionsArgs),
    Man(man::ManArgs),
}

/// Exit codes, as README.md ("Using it in a terminal") documents them.
mod exit {
    pub const OK: u8 = 0;
    pub const NOTHING_FOUND: u8 = 1;
    pub const CHECK_FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
}

/// Parses the arguments, runs the command and turns its outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let _ = writeln!(anstream::stderr(), "error: {err:#}");
            let code = match err.downcast_ref::<Error>() {
                Some(Error::NotFound(_)) => exit::NOTHING_FOUND,
                _ => exit::USAGE,
            };
            ExitCode::from(code)
        }
    }
}

/// Runs the command with what it works on: nothing, a checkout, or a checkout or a server.
fn run(cli: Cli) -> anyhow::Result<u8> {
    let global = &cli.global;
    match cli.command {
        // No knowledge base: these describe the program, or hash what they read.
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(&args),
        Command::HashPassword(args) => hash_password::run(&args),
        // mdBook names the root in its input; no discovery from the current folder.
        Command::Mdbook(args) => mdbook::run(&args),
        // A checkout or a server.
        Command::Search(args) => search::run(&args, global),
        Command::Show(args) => show::run(&args, global),
        Command::Misses(args) => misses::run(&args, global),
        // A checkout only.
        Command::Serve(args) => serve::run(&args, global.checkout_only()?),
        Command::New(args) => new::run(&args, &global.checkout_only()?),
        Command::Import(args) => import::run(&args, &global.checkout_only()?),
        Command::Check(args) => check::run(&args, &global.checkout_only()?),
        Command::Index(args) => index::run(&args, global.checkout_only()?),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// clap's own checks of the definitions (names that clash, `conflicts_with` naming no
    /// argument, ...), which otherwise fail only when that command is run.
    #[test]
    fn the_arguments_are_well_formed() {
        Cli::command().debug_assert();
    }
}
