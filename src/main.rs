//! The `runbook` binary: see [`runbook::cli`].

/// Indexing and search allocate many small, short-lived buffers on several threads; mimalloc's
/// per-thread free lists serve them faster than the system allocator (see the README's
/// Performance section for the figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    one_thread_per_model_call();
    runbook::cli::main()
}

/// candle splits every matrix product of the sentence model over all cores (through rayon's
/// thread count). Vectors are already computed one batch per core, and a query's vector is
/// small: the nested split only adds waiting (query 12.7 → 9.6 ms, vectors 8.9 → 11.3 sections/s
/// on 2 cores). The tokenizer would hand every batch to rayon's one thread, shared by searches
/// and the background fill (which runs at the lowest priority): each call tokenizes on its own
/// thread instead, at that thread's priority. A value the user set is kept.
#[allow(unsafe_code)]
fn one_thread_per_model_call() {
    for (name, value) in [
        ("RAYON_NUM_THREADS", "1"),
        ("CANDLE_NUM_THREADS", "1"),
        ("TOKENIZERS_PARALLELISM", "false"),
    ] {
        if std::env::var_os(name).is_none() {
            // SAFETY: no other thread exists yet; nothing reads the environment concurrently.
            unsafe { std::env::set_var(name, value) };
        }
    }
}
