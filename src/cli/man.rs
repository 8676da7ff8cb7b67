//! `runbook man` (hidden): the manual pages, generated from the arguments themselves, for
//! packages to install (`deploy/debian/build-deb.sh` runs it).

use std::path::PathBuf;

use anyhow::Context;
use clap::CommandFactory;

use super::{Cli, exit};

/// Print the manual page (roff), generated from these very arguments; packages install it.
#[derive(Debug, clap::Args)]
#[command(hide = true)]
pub(super) struct ManArgs {
    /// Write every page into DIR instead: runbook.1 and one per command (runbook-serve.1,
    /// runbook-import-csv.1, ...), which runbook.1 refers to.
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Prints `runbook.1`, or writes every page into the folder given.
pub(super) fn run(args: &ManArgs) -> anyhow::Result<u8> {
    match &args.dir {
        Some(dir) => clap_mangen::generate_to(Cli::command(), dir)
            .with_context(|| format!("cannot write the manual pages into {}", dir.display()))?,
        None => clap_mangen::Man::new(Cli::command())
            .render(&mut std::io::stdout())
            .context("cannot write the manual page")?,
    }
    Ok(exit::OK)
}
