//! Index build throughput, against its floor (reading and parsing the same files without
//! indexing them) and against a plain tantivy index of the same files (title and body, English
//! stemming, two indexing threads): the ratio of `full_index_build` to `plain_tantivy` is what
//! the schema and analysis cost beyond tantivy itself. `cargo bench --bench index`
//! (RUNBOOK_BENCH_N=100000 for the large corpus).

mod support;

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use runbook_core::Book;

fn build(c: &mut Criterion) {
    let n = support::corpus_size();
    let (root, bytes) = support::knowledge_base(n);
    let book = Book::load(&root).expect("book");

    let mut group = c.benchmark_group(format!("build_{n}"));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Bytes(bytes));

    group.bench_function("parse_only", |b| b.iter(|| support::parse_only(&book)));

    // The same files read the same way, indexed by tantivy with its stock English analyzer: the
    // file's first line as title, the rest as body, two indexing threads.
    group.bench_function("plain_tantivy", |b| {
        b.iter_with_setup(
            || tempfile::tempdir().expect("temp dir"),
            |dir| {
                support::plain::build(&book, dir.path());
                dir
            },
        )
    });

    group.bench_function("full_index_build", |b| {
        b.iter_with_setup(
            || {
                let state = tempfile::tempdir().expect("temp dir");
                let mut book = book.clone();
                book.state_dir = state.path().to_path_buf();
                (
                    state,
                    runbook::model::open_knowledge_base(book).expect("open"),
                )
            },
            |(state, kb)| {
                let report = kb.rebuild(&mut |_, _| {}).expect("build");
                assert_eq!(report.indexed, n);
                drop(kb);
                state
            },
        )
    });
    group.finish();
}

criterion_group!(benches, build);
criterion_main!(benches);
