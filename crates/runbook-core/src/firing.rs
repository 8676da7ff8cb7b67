//! The alerts firing now, each kept with the runbook it was matched to: what the desk sees on a
//! card before anyone is called. Kept by fingerprint in the state folder (`alerts.json`, written
//! whole), so a restart forgets nothing, and bounded: past [`MAX_FIRING`] the oldest go first.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::state_file;

/// The file in the state folder.
pub const FILE: &str = "alerts.json";
/// What the file holds, as errors about it say.
const WHAT: &str = "list of firing alerts";
/// Most alerts kept; a storm beyond it drops the oldest first.
pub const MAX_FIRING: usize = 10_000;

/// An alert firing for a runbook, as `/api/alerts` and the cards show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiringAlert {
    /// The runbook it was matched to.
    pub app: String,
    /// The alert's name (its `alertname` label).
    pub alertname: String,
    /// Its `severity` label, when it has one.
    pub severity: Option<String>,
    /// Its `summary` annotation (or `description`), when it has one.
    pub summary: Option<String>,
    /// When it started firing.
    pub starts_at: DateTime<Utc>,
    /// Its `instance` label, when it has one.
    pub instance: Option<String>,
    /// When it stops counting as firing without a word from Alertmanager (`endsAt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    /// Alertmanager's identity of the alert: a resolution names it.
    pub fingerprint: String,
}

impl FiringAlert {
    fn is_over(&self, now: DateTime<Utc>) -> bool {
        self.ends_at.is_some_and(|ends| ends <= now)
    }
}

/// The firing alerts of one knowledge base.
pub struct FiringAlerts {
    /// `None`: kept in memory only (no state folder to write).
    path: Option<PathBuf>,
    alerts: Mutex<BTreeMap<String, FiringAlert>>,
    /// Alerts dropped to stay within [`MAX_FIRING`], since the process started.
    dropped: AtomicU64,
    /// Bumped on every change: answers that show firing alerts are stale.
    version: AtomicU64,
}

impl FiringAlerts {
    /// The alerts kept in `state_dir`. A damaged file is logged and starts the list afresh:
    /// Alertmanager sends every firing alert again within its repeat interval.
    pub fn open(state_dir: Option<&Path>) -> FiringAlerts {
        let path = state_dir.map(|dir| dir.join(FILE));
        let kept = match &path {
            Some(path) => state_file::read_json::<Vec<FiringAlert>>(path, WHAT)
                .unwrap_or_else(|e| {
                    tracing::warn!("{e}; starting with no firing alerts");
                    None
                })
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let alerts = kept
            .into_iter()
            .map(|alert| (alert.fingerprint.clone(), alert))
            .collect();
        FiringAlerts {
            path,
            alerts: Mutex::new(alerts),
            dropped: AtomicU64::new(0),
            version: AtomicU64::new(0),
        }
    }

    /// Keeps `alert` (replacing an earlier message about the same fingerprint), dropping the
    /// oldest when there are more than [`MAX_FIRING`].
    pub fn fire(&self, alert: FiringAlert) {
        let mut alerts = self.lock();
        self.version.fetch_add(1, Ordering::AcqRel);
        alerts.insert(alert.fingerprint.clone(), alert);
        while alerts.len() > MAX_FIRING {
            let oldest = alerts
                .values()
                .min_by_key(|alert| (alert.starts_at, alert.fingerprint.clone()))
                .map(|alert| alert.fingerprint.clone());
            let Some(oldest) = oldest else { break };
            alerts.remove(&oldest);
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Forgets the alert with this fingerprint: it was resolved.
    pub fn resolve(&self, fingerprint: &str) {
        if self.lock().remove(fingerprint).is_some() {
            self.version.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Changes whenever an alert starts or stops firing by message.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// Every alert firing at `now`, by runbook, then oldest first. Alerts whose `endsAt` has
    /// passed are dropped on the way.
    pub fn firing(&self, now: DateTime<Utc>) -> Vec<FiringAlert> {
        let mut alerts = self.lock();
        alerts.retain(|_, alert| !alert.is_over(now));
        let mut firing: Vec<FiringAlert> = alerts.values().cloned().collect();
        firing.sort_by(|a, b| {
            (&a.app, a.starts_at, &a.alertname).cmp(&(&b.app, b.starts_at, &b.alertname))
        });
        firing
    }

    /// The alerts firing at `now` for the runbook `app`, oldest first.
    pub fn for_app(&self, app: &str, now: DateTime<Utc>) -> Vec<FiringAlert> {
        let mut firing: Vec<FiringAlert> = self
            .lock()
            .values()
            .filter(|alert| alert.app == app && !alert.is_over(now))
            .cloned()
            .collect();
        firing.sort_by(|a, b| (a.starts_at, &a.alertname).cmp(&(b.starts_at, &b.alertname)));
        firing
    }

    /// Alerts dropped to stay within [`MAX_FIRING`].
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Writes the list to the state folder, whole or not at all.
    pub fn save(&self) -> Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let alerts: Vec<FiringAlert> = self.lock().values().cloned().collect();
        state_file::write_json(path, &alerts, WHAT)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, FiringAlert>> {
        // A panic while holding it leaves a map that is whole at every step.
        self.alerts.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 8, 9, minute, 0)
            .single()
            .expect("a valid time")
    }

    fn alert(fingerprint: &str, app: &str, minute: u32) -> FiringAlert {
        FiringAlert {
            app: app.into(),
            alertname: format!("Alert{fingerprint}"),
            severity: None,
            summary: None,
            starts_at: at(minute),
            instance: None,
            ends_at: None,
            fingerprint: fingerprint.into(),
        }
    }

    #[test]
    fn a_resolved_alert_leaves_and_one_past_its_end_is_dropped() {
        let firing = FiringAlerts::open(None);
        firing.fire(alert("a", "ledger", 1));
        firing.fire(FiringAlert {
            ends_at: Some(at(30)),
            ..alert("b", "ledger", 2)
        });
        firing.fire(alert("c", "mail", 3));
        assert_eq!(firing.for_app("ledger", at(10)).len(), 2);
        firing.resolve("a");
        assert_eq!(firing.for_app("ledger", at(10)).len(), 1);
        assert!(
            firing.for_app("ledger", at(31)).is_empty(),
            "past its endsAt"
        );
        assert_eq!(firing.firing(at(31)).len(), 1, "only mail's is left");
    }

    #[test]
    fn the_list_survives_a_restart() {
        let dir = tempfile::tempdir().expect("temp dir");
        let firing = FiringAlerts::open(Some(dir.path()));
        firing.fire(alert("a", "ledger", 1));
        firing.save().expect("save");
        let reopened = FiringAlerts::open(Some(dir.path()));
        assert_eq!(reopened.firing(at(5)), firing.firing(at(5)));
        std::fs::write(dir.path().join(FILE), "{ damaged").expect("damage");
        assert!(
            FiringAlerts::open(Some(dir.path()))
                .firing(at(5))
                .is_empty()
        );
    }

    #[test]
    fn past_the_bound_the_oldest_go_first_and_are_counted() {
        let firing = FiringAlerts::open(None);
        for n in 0..MAX_FIRING + 3 {
            firing.fire(FiringAlert {
                starts_at: at(0) + chrono::Duration::seconds(n as i64),
                ..alert(&n.to_string(), "ledger", 0)
            });
        }
        let kept = firing.firing(at(59));
        assert_eq!(kept.len(), MAX_FIRING);
        assert_eq!(firing.dropped(), 3);
        assert!(
            kept.iter()
                .all(|a| a.fingerprint != "0" && a.fingerprint != "2")
        );
    }
}
