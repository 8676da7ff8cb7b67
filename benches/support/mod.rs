//! Shared setup for the benchmarks: a generated knowledge base, built once per run.

#![allow(dead_code)]

pub mod corpus;
pub mod plain;

/// The same allocator as the `runbook` binary, so in-process figures match what it does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;

/// The query mix: (kind, query). The HTTP load scripts (`benches/wrk*.lua`) use the same kinds.
pub const QUERIES: &[(&str, &str)] = &[
    ("plain", "database connection pool"),
    ("plain", "restart worker"),
    ("identifier", "billing00-17.prod.example.com"),
    ("identifier", "10.20.30.12"),
    ("prefix", "certif"),
    ("typo", "replcation lag"),
    ("phrase", "\"disk full\""),
    ("filtered", "timeout owner:team-payments"),
    ("filtered", "hosting:vendor sso"),
    ("broad", "restart"),
    ("nothing", "xqzvbn wibblefrotz"),
];

/// The floor under any index of a knowledge base: reading and parsing every runbook, on one
/// core. Returns the sections read.
pub fn parse_only(book: &runbook_core::Book) -> usize {
    let listing = runbook_core::source::list(book);
    let mut sections = 0;
    for file in &listing.files {
        if let Ok((runbook, _)) = runbook_core::source::load(file, book.settings.max_file_bytes) {
            sections += runbook.sections.len();
        }
    }
    sections
}

/// Runbooks in the benchmark corpus: `RUNBOOK_BENCH_N`, default 10,000.
pub fn corpus_size() -> usize {
    std::env::var("RUNBOOK_BENCH_N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000)
}

/// A generated knowledge base of `n` runbooks (seed 42), kept under `target/bench-corpus-N` so
/// repeated runs reuse it. Returns its root and the bytes of runbook text.
pub fn knowledge_base(n: usize) -> (PathBuf, u64) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(format!("bench-corpus-{n}"));
    let marker = root.join(corpus::COMPLETE);
    let finished = std::fs::read_to_string(&marker)
        .ok()
        .and_then(|b| b.trim().parse().ok());
    if let Some(bytes) = finished {
        corpus::write_book_toml(&root).expect("write the benchmark corpus's book.toml");
        return (root, bytes);
    }
    let _ = std::fs::remove_dir_all(&root);
    let bytes = corpus::write(&root, n, 42).expect("write the benchmark corpus");
    (root, bytes)
}
