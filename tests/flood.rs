//! A flood of distinct queries: the answer cache and the log of misses are bounded, so the
//! server's memory stays flat however many different questions it is asked.
//!
//! Heavy (100,000 requests: minutes in a debug build), so `cargo test` leaves it out and CI runs
//! it: `cargo test --test integration -- --ignored flood`. It measures its own process's RSS, so
//! it runs in a process of its own (this test binary again, with only this test), where no other
//! test's allocations move it.

use std::process::Command;
use std::sync::Arc;

use crate::harness::Kb;
use crate::harness::app::App;
use crate::harness::tools::skip;

/// This test's name in the test binary, to run it again alone.
const NAME: &str = "flood::a_hundred_thousand_distinct_queries_leave_memory_flat";
/// Set in the process that runs only this test.
const ALONE: &str = "RUNBOOK_TEST_ALONE";

/// Resident memory of this process, in KiB.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

#[test]
#[ignore = "heavy: 100,000 requests, minutes in a debug build; CI runs it (README: Development)"]
fn a_hundred_thousand_distinct_queries_leave_memory_flat() {
    if std::env::var_os(ALONE).is_some_and(|name| name == NAME) {
        flood();
    } else {
        // The same test binary, running nothing but this test (the environment, FLOOD_QUERIES
        // and CI included, is inherited).
        let out = Command::new(std::env::current_exe().expect("the test binary"))
            .args([NAME, "--exact", "--include-ignored", "--nocapture"])
            .env(ALONE, NAME)
            .output()
            .expect("run the flood in a process of its own");
        let said = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        println!("{said}");
        assert!(out.status.success(), "{said}");
        assert!(
            said.contains("1 passed"),
            "the flood ran in its own process: {said}"
        );
    }
}

fn flood() {
    let Some(_) = rss_kib() else {
        skip(
            "flood",
            "no /proc/self/status to read memory from (CI runs on Linux, with /proc)",
        );
        return;
    };
    let kb = Kb::examples();
    kb.words_only();
    let app = Arc::new(App::new(kb));
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
                    let app = app.clone();
                    // Every query is new, and half of them find something (a missed search and
                    // a cached answer each time).
                    let uri = if i % 2 == 0 {
                        format!("/api/search?q=flood{i}q+zzyzx{}", i * 7)
                    } else {
                        format!("/api/search?q=restart+flood{i}q")
                    };
                    tokio::spawn(async move { app.get(&uri).await.0 })
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
    let misses = runtime.block_on(app.json("/api/misses"));
    let kept = misses.as_array().expect("misses").len();
    assert!(
        (1..=runbook_core::misses::MAX_QUERIES).contains(&kept),
        "{kept} misses kept"
    );
}
