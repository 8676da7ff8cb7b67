//! In-process figures for `benches/run.sh`, each beside tantivy's own on the same files and
//! measured in the same run, runs of the two alternating:
//!
//! ```text
//! cargo run --profile dist --example perf -- build ROOT [RUNS]    full index build vs a plain tantivy index
//! cargo run --profile dist --example perf -- search ROOT [RUNS]   the query mix on a warm index vs plain tantivy
//! ```
//!
//! ROOT is a knowledge base written by `examples/gen_corpus.rs` (its `.complete` file holds the
//! bytes of runbook text). The baseline is `benches/support/plain.rs`.

#[path = "../benches/support/mod.rs"]
mod support;

use runbook_core::SearchRequest;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use runbook_core::Book;

fn main() -> anyhow::Result<()> {
    let usage = "usage: perf build|search ROOT [RUNS]";
    let mut args = std::env::args().skip(1);
    let what = args.next().context(usage)?;
    let root = PathBuf::from(args.next().context(usage)?);
    let runs: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(0);
    match what.as_str() {
        "build" => build(&root, if runs == 0 { 3 } else { runs }),
        "search" => search(&root, if runs == 0 { 30 } else { runs }),
        _ => bail!(usage),
    }
}

/// Times a full build of a fresh index and a plain tantivy index of the same files, `runs`
/// times each, alternating; prints the medians, the throughput and the ratio.
fn build(root: &Path, runs: usize) -> anyhow::Result<()> {
    let bytes: f64 = std::fs::read_to_string(root.join(support::corpus::COMPLETE))
        .context("not a generated corpus (no .complete): run examples/gen_corpus first")?
        .trim()
        .parse()?;
    let book = Book::load(root)?;
    let (mut ours, mut plain, mut parse) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        // The floor under any index of these files: reading and parsing them, on one core.
        let start = Instant::now();
        std::hint::black_box(support::parse_only(&book));
        parse.push(start.elapsed());

        let dir = tempfile::tempdir()?;
        let start = Instant::now();
        support::plain::build(&book, dir.path());
        plain.push(start.elapsed());
        drop(dir);

        let state = tempfile::tempdir()?;
        let mut book = book.clone();
        book.state_dir = state.path().to_path_buf();
        let start = Instant::now();
        let kb = runbook::model::open_knowledge_base(book)?;
        kb.rebuild(&mut |_, _| {})?;
        kb.wait_for_merges()?;
        ours.push(start.elapsed());
    }
    let (ours, plain, parse) = (median(&mut ours), median(&mut plain), median(&mut parse));
    let mb_s = |d: Duration| bytes / 1e6 / d.as_secs_f64();
    println!(
        "index build (in process, median of {runs}): {:.2} s, {:.1} MB/s",
        ours.as_secs_f64(),
        mb_s(ours)
    );
    println!(
        "plain tantivy, same files (median of {runs}): {:.2} s, {:.1} MB/s",
        plain.as_secs_f64(),
        mb_s(plain)
    );
    println!(
        "reading and parsing the same files, one core (median of {runs}): {:.2} s, {:.1} MB/s, {:.2} of plain tantivy's whole build",
        parse.as_secs_f64(),
        mb_s(parse),
        parse.as_secs_f64() / plain.as_secs_f64()
    );
    println!(
        "ratio (build / plain tantivy): {:.2}",
        ours.as_secs_f64() / plain.as_secs_f64()
    );
    Ok(())
}

/// Runs each query of the mix `runs` times on a warm index and on a plain tantivy index of the
/// same files, alternating; prints each query's medians and the median of the mix.
fn search(root: &Path, runs: usize) -> anyhow::Result<()> {
    let book = Book::load(root)?;
    let plain_dir = tempfile::tempdir()?;
    let plain = support::plain::build(&book, plain_dir.path());
    let kb = runbook::model::open_knowledge_base(book)?;
    kb.refresh(&mut |_, _| {})?;
    // As `runbook serve` searches.
    runbook_core::knowledge_base::search_on_all_cores();
    println!("| kind | query | runbook ms | plain tantivy ms | ratio |");
    println!("| --- | --- | ---: | ---: | ---: |");
    let (mut all_ours, mut all_plain) = (Vec::new(), Vec::new());
    for (kind, query) in support::QUERIES {
        for _ in 0..3 {
            kb.search(&SearchRequest::new(*query).limit(10))?;
            plain.search(query);
        }
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let start = Instant::now();
            let found = kb.search(&SearchRequest::new(*query).limit(10))?;
            ours.push(start.elapsed());
            std::hint::black_box(found);
            let start = Instant::now();
            std::hint::black_box(plain.search(query));
            theirs.push(start.elapsed());
        }
        let (ours, theirs) = (median(&mut ours), median(&mut theirs));
        println!(
            "| {kind} | `{query}` | {:.2} | {:.2} | {:.2} |",
            ms(ours),
            ms(theirs),
            ours.as_secs_f64() / theirs.as_secs_f64()
        );
        all_ours.push(ours);
        all_plain.push(theirs);
    }
    let (ours, theirs) = (median(&mut all_ours), median(&mut all_plain));
    println!(
        "median of the mix: {:.2} ms vs plain tantivy {:.2} ms, ratio {:.2}",
        ms(ours),
        ms(theirs),
        ours.as_secs_f64() / theirs.as_secs_f64()
    );
    Ok(())
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
