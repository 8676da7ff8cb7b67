//! The one way this crate spreads work over threads: scoped threads taking items in turn from a
//! shared counter.
//!
//! Listing the folder, refreshing the index, checking runbooks, probing hosts and computing
//! sentence vectors all use these functions, so how many threads a job gets and what happens
//! when one of them panics is decided here once. rayon is not used for this: the binary keeps
//! rayon's global pool at one thread for the sentence model's arithmetic (see its `main.rs`), and
//! probing hosts wants more threads than cores because it waits on the network.

use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};
use std::thread;

/// Threads for work bound by the processor: the machine's cores, at most `cap` (and at least one).
pub fn cores(cap: usize) -> usize {
    thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(cap)
        .max(1)
}

/// Runs `worker(i)` for `i` in `0..threads`, each on a thread of its own (the calling thread runs
/// `worker(0)`), and returns each one's outcome in `i` order: `Err` holds the panic of a worker
/// that panicked. A thread the system refuses to start is left out, so at least `worker(0)` runs.
pub fn workers<R: Send>(
    threads: usize,
    worker: impl Fn(usize) -> R + Sync,
) -> Vec<thread::Result<R>> {
    let worker = &worker;
    thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads.max(1))
            .filter_map(|number| {
                thread::Builder::new()
                    .name(format!("runbook-worker-{number}"))
                    .spawn_scoped(scope, move || worker(number))
                    .ok()
            })
            .collect();
        let mut outcomes = vec![catch_unwind(AssertUnwindSafe(|| worker(0)))];
        outcomes.extend(helpers.into_iter().map(|helper| helper.join()));
        outcomes
    })
}

/// Applies `work` to every item on up to `threads` threads and returns the results in the items'
/// order. Threads take the next item as they finish one, so uneven items still keep every thread
/// busy. A panic in `work` reaches the caller, as it would without threads.
pub fn map<T: Sync, R: Send>(items: &[T], threads: usize, work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let done: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let outcomes = workers(threads.min(items.len()), |_| {
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let (Some(item), Some(slot)) = (items.get(index), done.get(index)) else {
                break;
            };
            let result = work(item);
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
        }
    });
    for outcome in outcomes {
        if let Err(panic) = outcome {
            resume_unwind(panic);
        }
    }
    done.into_iter()
        .filter_map(|slot| slot.into_inner().unwrap_or_else(PoisonError::into_inner))
        .collect()
}

/// Applies `work` to every item on up to `threads` threads, handing each result to `consume` on
/// the calling thread as soon as it is ready, in the order they finish. When `consume` breaks,
/// the threads stop after the item they are on and the remaining results are dropped. A panic in
/// `work` reaches the caller once the other threads have stopped.
pub fn stream<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&T) -> R + Sync,
    consume: impl FnMut(R) -> ControlFlow<()>,
) {
    let spawn = Spawn {
        threads,
        name: "runbook-worker",
        start: &|| {},
    };
    stream_on(spawn, items, work, consume);
}

/// How [`stream_on`] starts its threads.
pub struct Spawn<'a> {
    /// At most this many (and at least one).
    pub threads: usize,
    /// Each thread is named `{name}-{i}` (what `top -H` and `/proc/PID/task/*/comm` show).
    pub name: &'a str,
    /// Run first on each new thread, never on the caller's: a setting that cannot be undone,
    /// such as a lower priority, stays with the threads that end with the work.
    pub start: &'a (dyn Fn() + Sync),
}

/// [`stream`] on threads started as `spawn` says. Unlike [`map`], the calling thread only
/// consumes: it keeps its own settings whatever `spawn.start` does (unless no thread can be
/// started at all, when it does the work itself, without `start`).
pub fn stream_on<T: Sync, R: Send>(
    spawn: Spawn<'_>,
    items: &[T],
    work: impl Fn(&T) -> R + Sync,
    mut consume: impl FnMut(R) -> ControlFlow<()>,
) {
    let Spawn {
        threads,
        name,
        start,
    } = spawn;
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // Bounded, so fast workers wait for a slow consumer instead of piling results up in memory.
    let (sender, receiver) = mpsc::sync_channel::<R>(64);
    let mut panic = None;
    thread::scope(|scope| {
        let (next, stop, work) = (&next, &stop, &work);
        let helpers: Vec<_> = (0..threads.clamp(1, items.len().max(1)))
            .filter_map(|number| {
                let sender = sender.clone();
                thread::Builder::new()
                    .name(format!("{name}-{number}"))
                    .spawn_scoped(scope, move || {
                        start();
                        while !stop.load(Ordering::Relaxed)
                            && let Some(item) = items.get(next.fetch_add(1, Ordering::Relaxed))
                        {
                            if sender.send(work(item)).is_err() {
                                break;
                            }
                        }
                    })
                    .ok()
            })
            .collect();
        drop(sender);
        if helpers.is_empty() {
            // No thread could be started: do the work here rather than not at all.
            for item in items {
                if consume(work(item)).is_break() {
                    return;
                }
            }
            return;
        }
        for result in receiver.iter() {
            if consume(result).is_break() {
                stop.store(true, Ordering::Relaxed);
                break;
            }
        }
        // Dropping the receiver unblocks a worker waiting to send.
        drop(receiver);
        for helper in helpers {
            if let Err(payload) = helper.join() {
                panic.get_or_insert(payload);
            }
        }
    });
    if let Some(panic) = panic {
        resume_unwind(panic);
    }
}

/// Runs `first` on a thread of its own while the calling thread runs `second`, and returns both
/// results. A panic in either reaches the caller.
pub fn join<A: Send, B>(first: impl FnOnce() -> A + Send, second: impl FnOnce() -> B) -> (A, B) {
    thread::scope(|scope| {
        let first = scope.spawn(first);
        let second = second();
        let first = first.join().unwrap_or_else(|panic| resume_unwind(panic));
        (first, second)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;

    #[test]
    fn map_keeps_the_items_order_whatever_order_they_finish_in() {
        let items: Vec<u64> = (0..200).collect();
        let squares = map(&items, 4, |&n| {
            if n % 7 == 0 {
                thread::yield_now();
            }
            n * n
        });
        assert_eq!(squares, items.iter().map(|n| n * n).collect::<Vec<_>>());
    }

    #[test]
    fn map_of_nothing_is_nothing() {
        let none: Vec<u8> = Vec::new();
        assert!(map(&none, 8, |&b| b).is_empty());
    }

    #[test]
    fn map_really_runs_items_at_the_same_time() {
        // Each item waits for the other: on one thread this would never finish.
        let barrier = Barrier::new(2);
        let items = [1, 2];
        let out = map(&items, 2, |&n| {
            barrier.wait();
            n + 1
        });
        assert_eq!(out, vec![2, 3]);
    }

    #[test]
    fn a_panic_in_map_reaches_the_caller() {
        let items = [1, 2, 3];
        let outcome = catch_unwind(|| map(&items, 2, |&n| if n == 2 { panic!("two") } else { n }));
        assert!(outcome.is_err());
    }

    #[test]
    fn workers_report_each_ones_outcome_in_order() {
        let outcomes = workers(3, |i| if i == 2 { panic!("worker two") } else { i * 10 });
        assert_eq!(outcomes.len(), 3);
        assert_eq!(*outcomes[0].as_ref().unwrap(), 0);
        assert_eq!(*outcomes[1].as_ref().unwrap(), 10);
        assert!(outcomes[2].is_err());
    }

    #[test]
    fn stream_hands_every_result_over_once() {
        let items: Vec<u32> = (0..500).collect();
        let mut seen = Vec::new();
        stream(
            &items,
            3,
            |&n| n + 1,
            |r| {
                seen.push(r);
                ControlFlow::Continue(())
            },
        );
        seen.sort_unstable();
        assert_eq!(seen, (1..=500).collect::<Vec<_>>());
    }

    #[test]
    fn stream_stops_early_when_the_consumer_breaks() {
        let items: Vec<u32> = (0..10_000).collect();
        let worked = AtomicUsize::new(0);
        let mut taken = 0;
        stream(
            &items,
            2,
            |&n| {
                worked.fetch_add(1, Ordering::Relaxed);
                n
            },
            |_| {
                taken += 1;
                if taken == 5 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        );
        assert_eq!(taken, 5);
        // At most the channel's capacity and one item per thread were worked on beyond those.
        assert!(worked.load(Ordering::Relaxed) <= 5 + 64 + 2 + 2);
    }

    #[test]
    fn stream_on_starts_every_thread_of_its_own_and_never_the_callers() {
        let caller = thread::current().id();
        let started = Mutex::new(Vec::new());
        let items: Vec<u32> = (0..50).collect();
        let mut names = Vec::new();
        let spawn = Spawn {
            threads: 3,
            name: "runbook-test",
            start: &|| {
                let me = thread::current();
                started
                    .lock()
                    .unwrap()
                    .push((me.id(), me.name().map(str::to_string)));
            },
        };
        stream_on(
            spawn,
            &items,
            |_| thread::current().name().map(str::to_string),
            |name| {
                names.push(name);
                ControlFlow::Continue(())
            },
        );
        let started = started.into_inner().unwrap();
        assert_eq!(started.len(), 3);
        assert!(started.iter().all(|(id, _)| *id != caller));
        assert_eq!(names.len(), 50);
        assert!(
            names
                .iter()
                .all(|n| n.as_deref().is_some_and(|n| n.starts_with("runbook-test-")))
        );
    }

    #[test]
    fn join_runs_both_at_once_and_returns_both() {
        let barrier = Barrier::new(2);
        let (a, b) = join(
            || {
                barrier.wait();
                "first"
            },
            || {
                barrier.wait();
                2
            },
        );
        assert_eq!((a, b), ("first", 2));
    }

    #[test]
    fn cores_never_says_zero() {
        assert_eq!(cores(0), 1);
        assert!(cores(usize::MAX) >= 1);
    }
}
