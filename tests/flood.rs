//! A flood of distinct queries: the answer cache and the log of misses are bounded, so the
//! server's memory stays flat however many different questions it is asked.
//!
//! Its own test binary, so that no other test's allocations move the process's RSS.

mod common;

use common::{Kb, request};

/// Resident memory of this process, in KiB.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

#[test]
fn a_hundred_thousand_distinct_queries_leave_memory_flat() {
    let Some(_) = rss_kib() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs on Linux, with /proc"
        );
        eprintln!("skipped: no /proc/self/status to read memory from");
        return;
    };
    let kb = Kb::examples();
    kb.words_only();
    let book = runbook::Book::load(kb.root()).expect("book");
    let knowledge = runbook::KnowledgeBase::open(book).expect("open");
    knowledge.refresh(&mut |_, _| {}).expect("refresh");
    let state = runbook::web::AppState::new(std::sync::Arc::new(knowledge));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let queries: usize = std::env::var("FLOOD_QUERIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let warm_up = queries / 10;
    let mut after_warm_up = 0;
    runtime.block_on(async {
        let mut asked = 0;
        while asked < queries {
            // Eight at a time: the server's own pace on this machine's cores.
            let batch: Vec<_> = (asked..(asked + 8).min(queries))
                .map(|i| {
                    let state = state.clone();
                    // Every query is new, and half of them find something (a missed search and
                    // a cached answer each time).
                    let uri = if i % 2 == 0 {
                        format!("/api/search?q=flood{i}q+zzyzx{}", i * 7)
                    } else {
                        format!("/api/search?q=restart+flood{i}q")
                    };
                    tokio::spawn(async move { request(&state, &uri).await.0 })
                })
                .collect();
            for task in batch {
                assert_eq!(task.await.expect("task"), 200);
            }
            asked = (asked + 8).min(queries);
            if asked == warm_up {
                after_warm_up = rss_kib().expect("rss");
            }
        }
    });
    let after_all = rss_kib().expect("rss");
    let growth_mib = after_all.saturating_sub(after_warm_up) / 1024;
    eprintln!(
        "RSS after {warm_up} queries: {} MiB; after {queries}: {} MiB",
        after_warm_up / 1024,
        after_all / 1024
    );
    // The cache holds at most 2048 answers and 32 MiB, the log of misses 1,000 queries and
    // 1,000 pending ones of 200 characters at most: tens of MiB in all, reached long before
    // the warm-up ends. Allocator slack on top of that stays far below this.
    assert!(
        growth_mib <= 48,
        "memory grew by {growth_mib} MiB between {warm_up} and {queries} distinct queries"
    );
    let misses = runtime.block_on(request(&state, "/api/misses"));
    let misses: serde_json::Value = serde_json::from_str(&misses.1).expect("json");
    let kept = misses.as_array().expect("misses").len();
    assert!(
        (1..=runbook::misses::MAX_QUERIES).contains(&kept),
        "{kept} misses kept"
    );
}
