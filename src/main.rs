//! The `runbook` binary: see [`runbook::cli`].

/// Indexing and search allocate many small, short-lived buffers on several threads; mimalloc's
/// per-thread free lists serve them faster than the system allocator (see the README's
/// Performance section for the figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    runbook::cli::main()
}
