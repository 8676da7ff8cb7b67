//! What the last `runbook check --live` found that no longer matches the runbooks: a host that
//! resolves elsewhere, a URL that does not answer.
//!
//! The record is kept in the state folder (`drift.json`, beside the index) so that every
//! search, from the server or the command line, can mark those runbooks as stale. Each entry
//! holds the hash of the file as it was checked: once someone edits the runbook, its old
//! findings no longer apply and are ignored until the next check.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::state_file;

/// What the file holds, as errors about it say.
const WHAT: &str = "drift record";
/// The record's file name in the state folder.
pub const FILE: &str = "drift.json";

/// The findings of one live check, per runbook.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LiveCheckRecord {
    /// When the check ran.
    pub checked_at: Option<DateTime<Utc>>,
    /// Runbooks with findings, by path relative to the root. Runbooks without are left out.
    pub runbooks: BTreeMap<String, Drift>,
}

/// What no longer matches one runbook.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    /// The content hash of the file that was checked (as [`crate::source::read`] computes it).
    pub hash: u64,
    /// One sentence per finding.
    pub reasons: Vec<String>,
}

impl LiveCheckRecord {
    /// The record's path in `state_dir`.
    pub fn file_in(state_dir: &Path) -> PathBuf {
        state_dir.join(FILE)
    }

    /// Reads the record; an absent file is an empty record. A file that cannot be read or
    /// parsed is reported, so the caller can log it and go on without one.
    pub fn load(path: &Path) -> Result<LiveCheckRecord> {
        Ok(state_file::read_json(path, WHAT)?.unwrap_or_default())
    }

    /// Writes the record atomically: a reader sees the old record or the new one.
    pub fn save(&self, path: &Path) -> Result<()> {
        state_file::write_json(path, self, WHAT)
    }

    /// The reasons to doubt the runbook at `path` whose file now hashes to `hash`: none when it
    /// had no findings or has changed since the check.
    pub fn reasons(&self, path: &str, hash: u64) -> Vec<String> {
        let Some(drift) = self.runbooks.get(path).filter(|d| d.hash == hash) else {
            return Vec::new();
        };
        let when = self
            .checked_at
            .map(|t| format!(" on {}", t.format("%Y-%m-%d %H:%M UTC")))
            .unwrap_or_default();
        drift
            .reasons
            .iter()
            .map(|reason| format!("check --live{when}: {reason}"))
            .collect()
    }

    /// Whether any runbook has findings (so searches need to look).
    pub fn is_empty(&self) -> bool {
        self.runbooks.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> LiveCheckRecord {
        let mut record = LiveCheckRecord {
            checked_at: DateTime::parse_from_rfc3339("2026-11-30T03:00:00Z")
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            runbooks: BTreeMap::new(),
        };
        record.runbooks.insert(
            "runbooks/billing.md".into(),
            Drift {
                hash: 42,
                reasons: vec!["billing01 resolves to 10.0.0.9".into()],
            },
        );
        record
    }

    #[test]
    fn findings_apply_to_the_file_as_it_was_checked() {
        assert_eq!(
            record().reasons("runbooks/billing.md", 42),
            ["check --live on 2026-11-30 03:00 UTC: billing01 resolves to 10.0.0.9"]
        );
    }

    #[test]
    fn an_edited_runbook_is_no_longer_doubted_for_what_the_old_file_said() {
        assert!(record().reasons("runbooks/billing.md", 43).is_empty());
        assert!(record().reasons("runbooks/other.md", 42).is_empty());
    }

    #[test]
    fn a_saved_record_reads_back_and_a_missing_one_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = LiveCheckRecord::file_in(dir.path());
        assert_eq!(
            LiveCheckRecord::load(&path).unwrap(),
            LiveCheckRecord::default()
        );
        record().save(&path).unwrap();
        assert_eq!(LiveCheckRecord::load(&path).unwrap(), record());
    }

    #[test]
    fn a_damaged_record_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = LiveCheckRecord::file_in(dir.path());
        std::fs::write(&path, "{not json").unwrap();
        let err = LiveCheckRecord::load(&path).unwrap_err().to_string();
        assert!(err.contains("drift.json"), "{err}");
    }
}
