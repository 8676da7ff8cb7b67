//! `runbook import`: runbooks started from a Backstage catalog or an inventory CSV, written from
//! the knowledge base's template unless a runbook by that name exists.

use std::path::PathBuf;

use clap::Subcommand;

use runbook_core::config::Book;

use super::exit;
use super::new::template;
use super::output::{print, print_json};

/// Start runbooks from what is already known: a Backstage catalog or an inventory export
///
/// Each application becomes <runbook folder>/APP.md from templates/runbook.md. A runbook that
/// already exists is never overwritten: its differences from the source are listed instead.
/// Bad input stops the import with the file and line, before anything is written.
#[derive(Debug, clap::Args)]
pub(super) struct ImportArgs {
    #[command(subcommand)]
    from: ImportFrom,
}

/// Where `runbook import` reads applications from.
#[derive(Debug, Subcommand)]
enum ImportFrom {
    /// Backstage catalog-info.yaml files (several documents each): every Component, and every
    /// Resource of type database or server, becomes a runbook; other kinds are skipped and
    /// counted. `hosting` is left for you to decide: `runbook check` reports it until you do.
    Backstage {
        /// catalog-info.yaml files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        options: ImportOptions,
    },
    /// An inventory export (CMDB report, spreadsheet) as CSV with a header row naming any of:
    /// app, title, owner, hosting, summary, host, ip, role, url, vendor, vendor_phone, tags.
    /// Rows with the same app add servers, URLs and tags (tags separated by ';').
    Csv {
        /// The CSV file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        options: ImportOptions,
    },
}

/// What `runbook import` does with what it read.
#[derive(Debug, clap::Args)]
struct ImportOptions {
    /// Write nothing: print the runbooks that would be written.
    #[arg(long)]
    dry_run: bool,
    /// Print JSON: {"dry_run", "written": [...], "existing": [...], "skipped": {...}}.
    #[arg(long)]
    json: bool,
}

/// Reads the whole source, then writes the new runbooks (unless a dry run) and says what it did
/// with every application.
pub(super) fn run(args: &ImportArgs, book: &Book) -> anyhow::Result<u8> {
    let (source, options, what) = match &args.from {
        ImportFrom::Backstage { files, options } => {
            (crate::import::backstage::read(files)?, options, "catalog")
        }
        ImportFrom::Csv { file, options } => {
            (crate::import::csv::read(file)?, options, "inventory")
        }
    };
    let mut plan =
        crate::import::plan(book, source, &template(book), runbook_core::clock::today()?);
    if !options.dry_run {
        plan.write()?;
    }
    if options.json {
        print_json(&plan)?;
    } else {
        print(&crate::views::import::report(&plan, what));
    }
    Ok(exit::OK)
}
