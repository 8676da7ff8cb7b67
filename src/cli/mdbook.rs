//! `runbook mdbook`: mdBook's preprocessor protocol, answering `supports` or turning the book
//! mdBook sends on standard input into the offline copy of the knowledge base.

use std::io::Write;

use anyhow::Context;
use clap::Subcommand;

use super::exit;

/// mdBook's preprocessor: `mdbook build` then makes an offline copy of the knowledge base
///
/// Puts a fact card on every runbook page and every runbook in the book, grouped by owner,
/// whether SUMMARY.md lists it or not. mdBook runs this itself, as book.toml's
/// [preprocessor.runbook] table says with: command = "runbook mdbook"
///
/// Reads [context, book] as JSON on standard input and writes the book to standard output;
/// warnings about runbooks it could not read go to standard error.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub(super) struct MdbookArgs {
    #[command(subcommand)]
    action: Option<MdbookAction>,
}

/// `runbook mdbook`'s sub-command, of mdBook's protocol.
#[derive(Debug, Subcommand)]
enum MdbookAction {
    /// Exit 0 if the preprocessor supports mdBook's renderer RENDERER: every renderer is (HTML
    /// gets the styled fact card, others the same facts as plain Markdown).
    Supports {
        /// The renderer's name, e.g. html.
        renderer: String,
    },
}

/// Answers mdBook's `supports` question, or preprocesses the book.
pub(super) fn run(args: &MdbookArgs) -> anyhow::Result<u8> {
    if let Some(MdbookAction::Supports { renderer }) = &args.action {
        return Ok(if crate::mdbook::supports(renderer) {
            exit::OK
        } else {
            exit::NOTHING_FOUND
        });
    }
    let stdout = std::io::stdout().lock();
    let mut warn = |message: String| {
        let _ = writeln!(anstream::stderr(), "runbook mdbook: warning: {message}");
    };
    crate::mdbook::run(
        std::io::stdin().lock(),
        std::io::BufWriter::new(stdout),
        runbook_core::clock::today()?,
        &mut warn,
    )
    .context("runbook mdbook")?;
    Ok(exit::OK)
}
