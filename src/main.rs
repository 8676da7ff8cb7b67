//! The `runbook` binary: see [`runbook::cli`].

// mimalloc rather than the system allocator: indexing allocates millions of small tokens on
// several threads, and a search's folder listing allocates on several threads at once; glibc's
// allocator spends a tenth of an index build in malloc/free and contends between those threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    runbook::cli::main()
}
