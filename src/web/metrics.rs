//! Counters for `GET /metrics`, in Prometheus' text format: requests by route and status, a
//! latency histogram, and the index's state (runbooks, files with errors, reindexes).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    reindex_count: AtomicU64,
    reindex_sum_micros: AtomicU64,
    reindex_last_micros: AtomicU64,
}

/// The index's state at the time of a scrape.
pub struct IndexGauges {
    pub runbooks: usize,
    pub files_with_errors: usize,
    /// Alerts firing now, and those dropped to stay within the bound.
    pub alerts_firing: usize,
    pub alerts_dropped: u64,
}

impl Metrics {
    pub fn record_request(&self, route: &str, status: u16, took: Duration) {
        {
            let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
            *requests.entry((route.to_string(), status)).or_insert(0) += 1;
        }
        let seconds = took.as_secs_f64();
        for (bucket, bound) in self.latency_buckets.iter().zip(BUCKETS) {
            if seconds <= bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn record_reindex(&self, took: Duration) {
        self.reindex_count.fetch_add(1, Ordering::Relaxed);
        self.reindex_sum_micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
        self.reindex_last_micros
            .store(took.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn reindex_count(&self) -> u64 {
        self.reindex_count.load(Ordering::Relaxed)
    }

    /// The text exposition.
    pub fn render(&self, gauges: &IndexGauges) -> String {
        let mut out = String::new();
        let secs = |micros: &AtomicU64| micros.load(Ordering::Relaxed) as f64 / 1e6;
        out.push_str("# HELP runbook_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE runbook_http_requests_total counter\n");
        for ((route, status), count) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "runbook_http_requests_total{{route=\"{}\",status=\"{status}\"}} {count}",
                escape_label(route)
            );
        }
        out.push_str("# HELP runbook_http_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE runbook_http_request_duration_seconds histogram\n");
        for (bucket, bound) in self.latency_buckets.iter().zip(BUCKETS) {
            let _ = writeln!(
                out,
                "runbook_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "runbook_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "runbook_http_request_duration_seconds_sum {}",
            secs(&self.latency_sum_micros)
        );
        let _ = writeln!(out, "runbook_http_request_duration_seconds_count {count}");
        render_knowledge_base(&mut out, gauges);
        let _ = writeln!(
            out,
            "# HELP runbook_reindex_total Index refreshes.\n# TYPE runbook_reindex_total counter\nrunbook_reindex_total {}",
            self.reindex_count()
        );
        let _ = writeln!(
            out,
            "# HELP runbook_reindex_duration_seconds Time spent refreshing the index.\n# TYPE runbook_reindex_duration_seconds summary\nrunbook_reindex_duration_seconds_sum {}\nrunbook_reindex_duration_seconds_count {}",
            secs(&self.reindex_sum_micros),
            self.reindex_count()
        );
        gauge(
            &mut out,
            "runbook_reindex_last_duration_seconds",
            "Duration of the last index refresh.",
            secs(&self.reindex_last_micros).to_string(),
        );
        out
    }
}

/// One gauge, with its help and type lines.
fn gauge(out: &mut String, name: &str, help: &str, value: String) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}

/// What the knowledge base holds: runbooks, files left out, alerts firing.
fn render_knowledge_base(out: &mut String, gauges: &IndexGauges) {
    gauge(
        out,
        "runbook_runbooks_indexed",
        "Runbooks in the search index.",
        gauges.runbooks.to_string(),
    );
    gauge(
        out,
        "runbook_files_with_errors",
        "Runbook files left out of the index because of errors.",
        gauges.files_with_errors.to_string(),
    );
    gauge(
        out,
        "runbook_alerts_firing",
        "Alerts firing now, as Alertmanager's webhook reported them.",
        gauges.alerts_firing.to_string(),
    );
    let _ = writeln!(
        out,
        "# HELP runbook_alerts_dropped_total Firing alerts dropped to stay within the bound.\n# TYPE runbook_alerts_dropped_total counter\nrunbook_alerts_dropped_total {}",
        gauges.alerts_dropped
    );
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_latency_are_counted() {
        let m = Metrics::default();
        m.record_request("/api/search", 200, Duration::from_millis(3));
        m.record_request("/api/search", 200, Duration::from_millis(30));
        m.record_request("/", 404, Duration::from_micros(10));
        m.record_reindex(Duration::from_millis(20));
        let text = m.render(&IndexGauges {
            runbooks: 14,
            files_with_errors: 1,
            alerts_firing: 2,
            alerts_dropped: 5,
        });
        assert!(text.contains("runbook_alerts_firing 2"));
        assert!(text.contains("runbook_alerts_dropped_total 5"));
        assert!(
            text.contains("runbook_http_requests_total{route=\"/api/search\",status=\"200\"} 2")
        );
        assert!(text.contains("runbook_http_requests_total{route=\"/\",status=\"404\"} 1"));
        assert!(text.contains("runbook_http_request_duration_seconds_bucket{le=\"0.005\"} 2"));
        assert!(text.contains("runbook_http_request_duration_seconds_bucket{le=\"+Inf\"} 3"));
        assert!(text.contains("runbook_runbooks_indexed 14"));
        assert!(text.contains("runbook_files_with_errors 1"));
        assert!(text.contains("runbook_reindex_total 1"));
    }
}
