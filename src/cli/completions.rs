//! `runbook completions`: a shell's completion script, generated from the arguments themselves.

use clap::CommandFactory;

use super::{Cli, exit};

/// Print a shell completion script.
#[derive(Debug, clap::Args)]
pub(super) struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    shell: clap_complete::Shell,
}

/// Prints the script on standard output.
pub(super) fn run(args: &CompletionsArgs) -> anyhow::Result<u8> {
    clap_complete::generate(
        args.shell,
        &mut Cli::command(),
        "runbook",
        &mut std::io::stdout(),
    );
    Ok(exit::OK)
}
