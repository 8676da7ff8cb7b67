//! `runbook misses`: the searches that found nothing or that nobody followed, as `runbook serve`
//! recorded them, read from the state folder or a server.

use crate::views::terminal;

use super::GlobalOptions;
use super::exit;
use super::output::{print, print_json};

/// List the searches that found nothing, or whose results nobody opened, most frequent
/// first: the runbooks or aliases people looked for and did not find. Read from the state
/// folder, where `runbook serve` keeps them, or from a server with --server.
#[derive(Debug, clap::Args)]
pub(super) struct MissesArgs {
    /// Print JSON: [{"query", "count", "last_seen", "kind"}].
    #[arg(long)]
    json: bool,
}

/// Prints missed searches. Having none is no failure: exit 0 either way.
pub(super) fn run(args: &MissesArgs, global: &GlobalOptions) -> anyhow::Result<u8> {
    let misses = match global.remote() {
        Some(remote) => remote.misses()?,
        None => {
            runbook_core::misses::read(&runbook_core::misses::file_in(&global.book()?.state_dir))?
        }
    };
    if args.json {
        print_json(&misses)?;
    } else {
        print(&terminal::misses(&misses));
    }
    Ok(exit::OK)
}
