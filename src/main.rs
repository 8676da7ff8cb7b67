//! The `runbook` binary: see [`runbook::cli`].

fn main() -> std::process::ExitCode {
    runbook::cli::main()
}
