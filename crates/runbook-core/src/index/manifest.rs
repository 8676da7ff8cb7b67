//! The manifest beside the index: which file version each indexed runbook came from.
//!
//! It makes refreshing incremental (a file whose size and modification time are unchanged is not
//! re-read; one whose content hash is unchanged is not re-indexed) and remembers why files were
//! left out. It is written after each commit and names that commit's opstamp; a manifest that does
//! not match the index, or another schema version, means the index is rebuilt.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::schema::SCHEMA_VERSION;
use crate::error::FileProblem;

/// What the index knows of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Entry {
    pub mtime_ns: u64,
    pub size: u64,
    pub hash: u64,
    /// Why the file is not in the index; `None` when it is.
    pub problem: Option<FileProblem>,
}

/// The manifest: every file seen in the runbook folder at the last commit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Manifest {
    pub schema_version: u32,
    /// The index commit this manifest describes.
    pub opstamp: u64,
    #[serde(deserialize_with = "sorted_files")]
    pub files: BTreeMap<String, Entry>,
}

/// Reads the file map as the sorted list of pairs it is written as (postcard writes a map and a
/// list of pairs alike) and builds the map in one bulk pass: inserting ten thousand paths one by
/// one was a tenth of a whole `runbook search`.
fn sorted_files<'de, D>(deserializer: D) -> Result<BTreeMap<String, Entry>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let pairs: Vec<(String, Entry)> = Vec::deserialize(deserializer)?;
    Ok(pairs.into_iter().collect())
}

impl Manifest {
    pub(super) fn new() -> Manifest {
        Manifest {
            schema_version: SCHEMA_VERSION,
            opstamp: 0,
            files: BTreeMap::new(),
        }
    }

    /// Reads a manifest; `None` if it is missing, unreadable or of another schema version.
    ///
    /// The manifest is binary (postcard): `search` reads it before every answer, and for ten
    /// thousand runbooks JSON took several times longer to parse than the search itself.
    pub(super) fn load(path: &Path) -> Option<Manifest> {
        let bytes = std::fs::read(path).ok()?;
        let manifest: Manifest = postcard::from_bytes(&bytes).ok()?;
        (manifest.schema_version == SCHEMA_VERSION).then_some(manifest)
    }

    /// Writes the manifest atomically: a reader sees the old one or the new one.
    pub(super) fn save(&self, path: &Path) -> std::io::Result<()> {
        let bytes = postcard::to_stdvec(self).map_err(std::io::Error::other)?;
        crate::state_file::write_atomically(path, &bytes)
    }

    /// Files left out of the index, with why.
    pub(super) fn problems(&self) -> impl Iterator<Item = &FileProblem> {
        self.files.values().filter_map(|e| e.problem.as_ref())
    }

    /// Number of runbooks in the index.
    pub(super) fn indexed(&self) -> usize {
        self.files.values().filter(|e| e.problem.is_none()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_other_schema_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.bin");
        let mut m = Manifest::new();
        m.opstamp = 7;
        for (i, name) in ["b/z.md", "a.md", "b/a.md"].into_iter().enumerate() {
            let i = i as u64;
            m.files.insert(
                name.into(),
                Entry {
                    mtime_ns: i,
                    size: 2 * i,
                    hash: 3 * i,
                    problem: (i == 1).then(|| FileProblem {
                        path: name.into(),
                        line: Some(4),
                        column: None,
                        message: "bad".into(),
                    }),
                },
            );
        }
        m.save(&path).unwrap();
        assert_eq!(Manifest::load(&path), Some(m.clone()));
        m.schema_version = SCHEMA_VERSION + 1;
        m.save(&path).unwrap();
        assert_eq!(Manifest::load(&path), None);
        std::fs::write(&path, b"{not json").unwrap();
        assert_eq!(Manifest::load(&path), None);
    }
}
