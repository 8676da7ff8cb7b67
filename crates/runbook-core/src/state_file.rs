//! Files written whole or not at all: the index's manifest, the sentence vectors, the drift
//! record, the log of missed searches, and the runbooks `runbook import` creates. A crash or a
//! full disk mid-write leaves the previous version (or no file) for the next reader, and a
//! power cut after the write returned cannot take it back.
//!
//! Also the one reader of JSON state, which tells a damaged file from a missing one.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// Writes `bytes` to `path`, replacing what was there, through a temporary file in the same
/// folder (created if needed) and a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write(path, bytes, Replace::Yes)
}

/// Writes `bytes` to `path`, which must not exist yet (an `AlreadyExists` error otherwise), as
/// [`write_atomically`] does.
pub fn create_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write(path, bytes, Replace::No)
}

/// Whether a write may replace an existing file.
#[derive(PartialEq)]
enum Replace {
    Yes,
    No,
}

fn write(path: &Path, bytes: &[u8], replace: Replace) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    // The data reaches the disk before the name does: after a crash the name never points at
    // a file whose blocks were not written.
    file.as_file().sync_all()?;
    if replace == Replace::Yes {
        file.persist(path).map_err(|e| e.error)?;
    } else {
        file.persist_noclobber(path).map_err(|e| e.error)?;
    }
    sync_folder(dir)
}

/// Makes the rename itself durable: the folder's entry is what a crash would otherwise lose.
#[cfg(unix)]
fn sync_folder(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_folder(_dir: &Path) -> std::io::Result<()> {
    // Windows cannot open a folder as a file; its renames are journaled by NTFS.
    Ok(())
}

/// Reads the JSON state file at `path`, described as `what` in errors ("drift record"):
/// `None` when there is no such file; an error naming the file when it cannot be read or is
/// not what it should be.
pub fn read_json<T: DeserializeOwned>(path: &Path, what: &'static str) -> Result<Option<T>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|source| Error::State {
            path: path.to_path_buf(),
            what,
            source,
        })
}

/// Writes `value` as JSON to `path`, atomically (see [`write_atomically`]).
pub fn write_json<T: Serialize>(path: &Path, value: &T, what: &'static str) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|source| Error::State {
        path: path.to_path_buf(),
        what,
        source,
    })?;
    write_atomically(path, &bytes).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_file_whole_and_creates_its_folder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state").join("file.json");
        write_atomically(&path, b"first").expect("first write");
        write_atomically(&path, b"second").expect("second write");
        assert_eq!(std::fs::read(&path).expect("read"), b"second");
        let left: Vec<_> = std::fs::read_dir(path.parent().expect("folder"))
            .expect("list")
            .collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn creating_never_replaces_an_existing_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("runbook.md");
        create_atomically(&path, b"mine").expect("create");
        let again = create_atomically(&path, b"theirs").expect_err("exists");
        assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).expect("read"), b"mine");
    }

    #[test]
    fn a_missing_state_file_is_none_and_a_damaged_one_says_what_it_should_be() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("drift.json");
        let missing: Option<Vec<u32>> = read_json(&path, "drift record").expect("missing");
        assert_eq!(missing, None);
        write_json(&path, &vec![1, 2], "drift record").expect("write");
        let read: Option<Vec<u32>> = read_json(&path, "drift record").expect("read");
        assert_eq!(read, Some(vec![1, 2]));
        std::fs::write(&path, "{ half").expect("damage");
        let damaged = read_json::<Vec<u32>>(&path, "drift record").expect_err("damaged");
        let message = damaged.to_string();
        assert!(message.contains("drift.json"), "{message}");
        assert!(message.contains("not a valid drift record"), "{message}");
    }
}
