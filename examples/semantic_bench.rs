//! What search by meaning costs, measured in one run on one corpus:
//!
//! - sections embedded per second (on all cores, as `runbook index` and `serve` compute them);
//! - for the int8 arithmetic measured as a faster route and, as the baseline, the f32 arithmetic
//!   the model runs in (on the same f16 weights): model load, sections per second through the
//!   fill's scheduling (batches of 4 sections, one per core), one query's encoding, and the ratio
//!   of each figure to the baseline's. The embedding line needs `semantic = true` in the
//!   corpus's book.toml (gen_corpus writes `false`); the table does not;
//! - the nearest-section scan over as many vectors as a large knowledge base has
//!   (`--vectors N`, random unit vectors: the scan's cost does not depend on their values);
//! - a search as the server runs it, with the model on and with words only, on the same index.
//!
//! ```sh
//! cargo run --release --example gen_corpus -- target/bench-corpus-300 300 42
//! cargo run --release --example semantic_bench -- target/bench-corpus-300 --vectors 80000
//! # peak memory of a fill alone, one arithmetic per process:
//! /usr/bin/time -f %M target/release/examples/semantic_bench target/bench-corpus-300 --fill-only int8
//! /usr/bin/time -f %M target/release/examples/semantic_bench target/bench-corpus-300 --fill-only f32
//! ```
//!
//! The corpus folder is only read; the index and vectors go to a temporary folder.

use runbook_core::SearchRequest;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use runbook_core::semantic::section_text;
use runbook_core::semantic::store::VectorStore;
use runbook_core::{Book, SearchMode};
use runbook_model::{DIMS, Encoder, Precision};

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
/// Sections one thread encodes at once in the fill (`semantic::BATCH`).
const FILL_BATCH: usize = 4;
/// Model loads timed per arithmetic (the median is printed).
const LOADS: usize = 5;

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i].as_secs_f64() * 1000.0
}

/// One arithmetic's figures.
struct Route {
    name: &'static str,
    load_ms: f64,
    per_second: f64,
    query_p50: f64,
    query_p99: f64,
}

/// Sections per second through the fill's scheduling: rounds of one batch per core, each batch
/// one `encode` call on a thread of its own.
fn fill_rate(encoder: &Encoder, texts: &[String]) -> anyhow::Result<f64> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    for round in texts.chunks(FILL_BATCH * threads) {
        let batches: Vec<&[String]> = round.chunks(FILL_BATCH).collect();
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| -> anyhow::Result<()> {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| -> anyhow::Result<()> {
                        while let Some(batch) = batches.get(next.fetch_add(1, Ordering::Relaxed)) {
                            let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
                            encoder.encode(&refs)?;
                        }
                        Ok(())
                    })
                })
                .collect();
            for worker in workers {
                worker
                    .join()
                    .map_err(|_| anyhow::anyhow!("an encoding thread panicked"))??;
            }
            Ok(())
        })?;
    }
    Ok(texts.len() as f64 / started.elapsed().as_secs_f64())
}

fn measure(name: &'static str, precision: Precision, texts: &[String]) -> anyhow::Result<Route> {
    let mut loads = Vec::new();
    for _ in 0..LOADS {
        let started = Instant::now();
        drop(Encoder::bundled_in(precision)?);
        loads.push(started.elapsed());
    }
    let encoder = Encoder::bundled_in(precision)?;
    let per_second = fill_rate(&encoder, texts)?;
    let mut encode = Vec::new();
    for _ in 0..ROUNDS {
        for query in DESCRIBED {
            let started = Instant::now();
            encoder.encode(&[query])?;
            encode.push(started.elapsed());
        }
    }
    Ok(Route {
        name,
        load_ms: percentile(&mut loads, 0.5),
        per_second,
        query_p50: percentile(&mut encode, 0.5),
        query_p99: percentile(&mut encode, 0.99),
    })
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
    let usage = "usage: semantic_bench CORPUS_DIR [--vectors N] [--fill-only int8|f32]";
    let corpus = args.next().context(usage)?;
    let mut vectors = 80_000;
    let mut fill_only = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--vectors" => vectors = args.next().context("--vectors N")?.parse()?,
            "--fill-only" => {
                fill_only = Some(match args.next().as_deref() {
                    Some("int8") => Precision::Int8,
                    Some("f32") => Precision::F32,
                    _ => bail!("--fill-only int8|f32"),
                })
            }
            other => bail!("unknown argument {other}\n{usage}"),
        }
    }

    let state = tempfile::tempdir()?;
    let mut book = Book::load(std::path::Path::new(&corpus))?;
    book.state_dir = state.path().to_path_buf();
    let kb = runbook::model::open_knowledge_base(book)?;
    let refresh = kb.refresh(&mut |_, _| {})?;
    let texts: Vec<String> = kb
        .index()
        .sections_without(|_| false)?
        .iter()
        .map(section_text)
        .collect();
    if let Some(precision) = fill_only {
        let encoder = Encoder::bundled_in(precision)?;
        let per_second = fill_rate(&encoder, &texts)?;
        println!(
            "{} sections, {}: {per_second:.1} sections/s",
            texts.len(),
            encoder.id()
        );
        return Ok(());
    }
    let embedded = kb.embed(None, &mut |_, _| {})?;
    let per_second = embedded.embedded as f64 / embedded.took.as_secs_f64();
    println!(
        "corpus {corpus}: {} runbooks, {} sections",
        refresh.indexed, embedded.sections
    );
    println!(
        "embedding ({}): {} sections in {:.1} s = {per_second:.1} sections/s on {} cores (index build of the same runbooks: {:.2} s)",
        kb.semantic_status().model.unwrap_or_default(),
        embedded.embedded,
        embedded.took.as_secs_f64(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        refresh.took.as_secs_f64(),
    );

    // The baseline first, then the route measured against it; each on the same sections.
    let baseline = measure("f32 (before)", Precision::F32, &texts)?;
    let int8 = measure("int8", Precision::Int8, &texts)?;
    println!(
        "{:<13} {:>9} {:>11} {:>10} {:>10}",
        "arithmetic", "load ms", "sections/s", "query p50", "query p99"
    );
    for route in [&baseline, &int8] {
        println!(
            "{:<13} {:>9.1} {:>11.1} {:>10.2} {:>10.2}",
            route.name, route.load_ms, route.per_second, route.query_p50, route.query_p99
        );
    }
    println!(
        "{:<13} {:>9.2} {:>11.2} {:>10.2} {:>10.2}",
        "ratio",
        int8.load_ms / baseline.load_ms,
        int8.per_second / baseline.per_second,
        int8.query_p50 / baseline.query_p50,
        int8.query_p99 / baseline.query_p99
    );

    let encoder = Encoder::bundled()?;
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
                kb.search(&SearchRequest::new(*query).limit(10).mode(mode))?;
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
