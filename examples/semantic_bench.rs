//! What search by meaning costs, measured in one run on one corpus:
//!
//! - sections embedded per second (on all cores, as `runbook index` and `serve` compute them);
//! - one query's encoding, and the nearest-section scan over as many vectors as a large
//!   knowledge base has (`--vectors N`, random unit vectors: the scan's cost does not depend on
//!   their values);
//! - a search as the server runs it, with the model on and with words only, on the same index.
//!
//! ```sh
//! cargo run --release --example gen_corpus -- target/bench-corpus-300 300 42
//! cargo run --release --example semantic_bench -- target/bench-corpus-300 --vectors 80000
//! ```
//!
//! The corpus folder is only read; the index and vectors go to a temporary folder.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use runbook::semantic::encoder::{DIMS, Encoder};
use runbook::semantic::store::VectorStore;
use runbook::{Book, KnowledgeBase, SearchMode};

/// Queries that describe something (so the model is asked), as a support desk types them.
const DESCRIBED: &[&str] = &[
    "users cannot log in after the password change",
    "orders never show up in the warehouse",
    "the nightly export did not arrive",
    "disk is almost full on the database server",
    "certificate expired and the site shows a warning",
    "emails are bounced by the customers",
    "the queue keeps growing and nothing is processed",
    "backup job failed last night",
];
const ROUNDS: usize = 20;

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i].as_secs_f64() * 1000.0
}

#[allow(unsafe_code)]
fn main() -> anyhow::Result<()> {
    // As the `runbook` binary does (see its main.rs): one thread per model call.
    for name in ["RAYON_NUM_THREADS", "CANDLE_NUM_THREADS"] {
        if std::env::var_os(name).is_none() {
            // SAFETY: no other thread exists yet.
            unsafe { std::env::set_var(name, "1") };
        }
    }
    let mut args = std::env::args().skip(1);
    let corpus = args
        .next()
        .context("usage: semantic_bench CORPUS_DIR [--vectors N]")?;
    let mut vectors = 80_000;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--vectors" => vectors = args.next().context("--vectors N")?.parse()?,
            other => bail!("unknown argument {other}"),
        }
    }

    let state = tempfile::tempdir()?;
    let mut book = Book::load(std::path::Path::new(&corpus))?;
    book.state_dir = state.path().to_path_buf();
    let kb = KnowledgeBase::open(book)?;
    let refresh = kb.refresh(&mut |_, _| {})?;
    let embedded = kb.embed(None, &mut |_, _| {})?;
    let per_second = embedded.embedded as f64 / embedded.took.as_secs_f64();
    println!(
        "corpus {corpus}: {} runbooks, {} sections",
        refresh.indexed, embedded.sections
    );
    println!(
        "embedding: {} sections in {:.1} s = {per_second:.1} sections/s on {} cores (index build of the same runbooks: {:.2} s)",
        embedded.embedded,
        embedded.took.as_secs_f64(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        refresh.took.as_secs_f64(),
    );

    let started = Instant::now();
    let encoder = Encoder::bundled()?;
    println!(
        "model load (bundled, f16 widened to f32): {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let mut encode = Vec::new();
    for _ in 0..ROUNDS {
        for query in DESCRIBED {
            let started = Instant::now();
            encoder.encode(&[query])?;
            encode.push(started.elapsed());
        }
    }
    println!(
        "query encoding: p50 {:.2} ms, p95 {:.2} ms",
        percentile(&mut encode, 0.5),
        percentile(&mut encode, 0.95)
    );

    let mut store = VectorStore::new(encoder.id(), DIMS);
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    for key in 0..vectors as u64 {
        let raw: Vec<f32> = (0..DIMS).map(|_| next()).collect();
        let norm = raw.iter().map(|v| v * v).sum::<f32>().sqrt();
        let unit: Vec<f32> = raw.iter().map(|v| v / norm).collect();
        store.insert(key, &unit);
    }
    let query = encoder.encode(&[DESCRIBED[0]])?.remove(0);
    let mut scan = Vec::new();
    for _ in 0..ROUNDS {
        let started = Instant::now();
        std::hint::black_box(store.nearest(&query, 200));
        scan.push(started.elapsed());
    }
    println!(
        "nearest 200 of {vectors} vectors ({:.1} MB in memory): p50 {:.2} ms, p95 {:.2} ms",
        (vectors * (DIMS + 12)) as f64 / 1e6,
        percentile(&mut scan, 0.5),
        percentile(&mut scan, 0.95)
    );

    for mode in [SearchMode::Lexical, SearchMode::Hybrid] {
        let mut took = Vec::new();
        for _ in 0..ROUNDS {
            for query in DESCRIBED {
                let started = Instant::now();
                kb.search_mode(query, 10, mode, false)?;
                took.push(started.elapsed());
            }
        }
        println!(
            "search as the server runs it, {mode:?}: p50 {:.2} ms, p95 {:.2} ms",
            percentile(&mut took, 0.5),
            percentile(&mut took, 0.95)
        );
    }
    Ok(())
}
