//! Searches first: what keeps a server's background fill of sentence vectors off the cores that
//! searches need. It owns the count of searches in flight, which a background fill waits on
//! before each batch, and the lowest priority the OS gives a thread, which the fill's own threads
//! take.
//!
//! Both are needed. A batch is hundreds of milliseconds of model arithmetic: the priority lets
//! the OS give a search's thread the core at once, even in the middle of one. The count keeps a
//! new batch from starting while a search runs, so the search's own model call (the query's
//! vector, memory-bound: it reads every weight) and its ranking also get the memory bandwidth and
//! the caches, and the fill's working memory is not held on top of the search's.
//!
//! `runbook index` uses none of this: nothing else runs, so its fill takes every core at the
//! caller's priority.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The nice value of a background fill's threads: the lowest priority an unprivileged process
/// may give itself, and one it cannot undo. That is why the fill runs on threads of its own.
pub const FILL_NICE: i32 = 19;

/// How often a fill waiting for searches to end checks whether it should stop instead.
const STOP_POLL: Duration = Duration::from_millis(100);
/// How long no search must have been in flight before a batch starts. Under steady load the
/// next search arrives within a client's round trip of the last one's answer: a batch started
/// in that gap would run beside it.
const QUIET: Duration = Duration::from_millis(30);
/// How long a fill waits for a quiet moment at most. Under a load that never pauses it would
/// otherwise never compute a vector; after this it starts a batch anyway, at the lowest
/// priority, so the OS still gives the searches the cores first.
pub const MAX_WAIT: Duration = Duration::from_secs(2);

/// The searches in flight in this process.
#[derive(Debug, Default)]
pub struct Searches {
    state: Mutex<Count>,
    none_left: Condvar,
}

#[derive(Debug, Default)]
struct Count {
    in_flight: usize,
    /// Searches begun so far: whether one came and went while a fill looked away.
    begun: u64,
}

/// One search in flight, until dropped.
#[must_use = "a search counts as in flight only while this is kept"]
pub struct Searching<'a>(&'a Searches);

impl Searches {
    /// Counts a search as in flight until the returned value is dropped.
    pub fn begin(&self) -> Searching<'_> {
        let mut count = self.count();
        count.in_flight += 1;
        count.begun += 1;
        Searching(self)
    }

    /// Searches running now.
    pub fn in_flight(&self) -> usize {
        self.count().in_flight
    }

    /// Returns once no search is in flight, or as soon as `give_up()` is true (checked at least
    /// every 100 ms, so a stopping fill does not wait for a busy server to go quiet).
    pub fn wait_for_none(&self, give_up: impl Fn() -> bool) {
        let mut count = self.count();
        while count.in_flight > 0 && !give_up() {
            count = self
                .none_left
                .wait_timeout(count, STOP_POLL)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Returns once no search has been in flight for a while (30 ms): a batch started then is
    /// unlikely to run beside a search. Returns anyway after `at_most`, or as soon as
    /// `give_up()` is true.
    pub fn wait_for_quiet(&self, at_most: Duration, give_up: impl Fn() -> bool) {
        let deadline = Instant::now() + at_most;
        let out_of_time = || give_up() || Instant::now() >= deadline;
        loop {
            self.wait_for_none(out_of_time);
            let begun = self.count().begun;
            if out_of_time() {
                return;
            }
            std::thread::sleep(QUIET);
            let count = self.count();
            if count.in_flight == 0 && count.begun == begun {
                return;
            }
        }
    }

    fn count(&self) -> MutexGuard<'_, Count> {
        // Two integers, valid whatever panicked while they were held.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Searching<'_> {
    fn drop(&mut self) {
        let mut count = self.0.count();
        count.in_flight = count.in_flight.saturating_sub(1);
        if count.in_flight == 0 {
            self.0.none_left.notify_all();
        }
    }
}

/// Threads for a background fill: one core fewer than the machine has, so one is always left to
/// searches whatever the OS does with priorities (all of them on a single core).
pub fn background_threads(cap: usize) -> usize {
    crate::parallel::cores(cap)
        .saturating_sub(1)
        .clamp(1, cap.max(1))
}

/// Gives the calling thread the lowest priority, [`FILL_NICE`]: it then gets a core only when
/// no thread of normal priority wants it. Only for threads that end with the fill. Where that is
/// refused (or not Linux) the fill goes on at normal priority, still waiting for searches.
pub fn lower_this_thread() {
    if let Err(error) = set_this_threads_nice(FILL_NICE) {
        static LOGGED: std::sync::Once = std::sync::Once::new();
        LOGGED.call_once(|| {
            tracing::info!("cannot lower the priority of the sentence-vector threads: {error}");
        });
    }
}

#[cfg(target_os = "linux")]
fn set_this_threads_nice(nice: i32) -> std::io::Result<()> {
    // On Linux a nice value belongs to a thread, named by its thread id, not to the process.
    let thread = rustix::thread::gettid();
    rustix::process::setpriority_process(Some(thread), nice).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn set_this_threads_nice(_nice: i32) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "per-thread priorities are only set on Linux",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn the_count_follows_searches_begun_and_ended() {
        let searches = Searches::default();
        let first = searches.begin();
        let second = searches.begin();
        assert_eq!(searches.in_flight(), 2);
        drop(first);
        assert_eq!(searches.in_flight(), 1);
        drop(second);
        assert_eq!(searches.in_flight(), 0);
    }

    #[test]
    fn a_waiting_fill_goes_on_only_once_the_last_search_ended() {
        let searches = Searches::default();
        let search = searches.begin();
        let resumed = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| {
                searches.wait_for_none(|| false);
                resumed.store(true, Ordering::SeqCst);
            });
            // Whenever the waiter runs, it cannot get past a search in flight: the flag is
            // still false here, since only this thread ends the search.
            assert!(!resumed.load(Ordering::SeqCst));
            drop(search);
            waiter.join().unwrap();
        });
        assert!(resumed.load(Ordering::SeqCst));
    }

    #[test]
    fn a_stopping_fill_does_not_wait_for_searches() {
        let searches = Searches::default();
        let _search = searches.begin();
        searches.wait_for_none(|| true);
        searches.wait_for_quiet(Duration::from_secs(3600), || true);
        assert_eq!(searches.in_flight(), 1);
    }

    #[test]
    fn a_search_that_came_and_went_while_the_fill_waited_makes_it_wait_again() {
        let searches = Searches::default();
        let asked = std::sync::atomic::AtomicUsize::new(0);
        // The first look at `give_up` (after no search is in flight) lets a search come and go
        // before the quiet time is over: the fill must not go on after that quiet time.
        searches.wait_for_quiet(Duration::from_secs(3600), || {
            if asked.fetch_add(1, Ordering::SeqCst) == 0 {
                drop(searches.begin());
            }
            false
        });
        // Asked once per look: the search that came and went in the first made a second one
        // necessary (without that check, the fill would have gone on after the first).
        assert_eq!(asked.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_fill_waits_for_a_search_that_never_ends_only_so_long() {
        let searches = Searches::default();
        let _endless = searches.begin();
        searches.wait_for_quiet(Duration::ZERO, || false);
        assert_eq!(searches.in_flight(), 1);
    }

    #[test]
    fn a_background_fill_leaves_a_core_but_always_has_a_thread() {
        let cores = crate::parallel::cores(usize::MAX);
        assert_eq!(background_threads(64), (cores - 1).max(1));
        assert_eq!(background_threads(1), 1);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_lowered_thread_has_the_lowest_priority_and_others_keep_theirs() {
        let before = rustix::process::getpriority_process(None).unwrap();
        let lowered = std::thread::spawn(|| {
            lower_this_thread();
            rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap()
        })
        .join()
        .unwrap();
        assert_eq!(lowered, FILL_NICE);
        assert_eq!(rustix::process::getpriority_process(None).unwrap(), before);
    }
}
