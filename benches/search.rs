//! In-process search latency on a warm index, for each kind of query people type.
//! `cargo bench --bench search` (RUNBOOK_BENCH_N=100000 for the large corpus).

mod support;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use runbook_core::Book;
use runbook_core::SearchRequest;

fn search(c: &mut Criterion) {
    let n = support::corpus_size();
    let (root, _) = support::knowledge_base(n);
    let state = tempfile::tempdir().expect("temp dir");
    let mut book = Book::load(&root).expect("book");
    book.state_dir = state.path().to_path_buf();
    let kb = runbook::model::open_knowledge_base(book).expect("open");
    kb.refresh(&mut |_, _| {}).expect("build");
    // As `runbook serve` searches (a one-shot `runbook search` uses one thread; see run.sh).
    runbook_core::knowledge_base::search_on_all_cores();

    let mut group = c.benchmark_group(format!("search_{n}"));
    for (kind, query) in support::QUERIES {
        let request = SearchRequest::new(*query).limit(10);
        group.bench_with_input(BenchmarkId::new(*kind, query), &request, |b, request| {
            b.iter(|| kb.search(request).expect("search"))
        });
    }
    group.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
