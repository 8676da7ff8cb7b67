//! Checksum files in `sha256sum`'s format, which pin the model's files. The build script reads
//! them with this same module (`#[path]`), so the bundled model is checked at build time the way
//! a model folder is checked when it loads.

use sha2::{Digest, Sha256};

/// The files a checksum file lists, as (SHA-256 in hex, file name), in order. Each line is
/// `<64 hex digits>  <name>` (`*<name>` in binary mode); blank lines are skipped. `Err` holds
/// the 1-based number of the first line that is neither.
pub(crate) fn parse(text: &str) -> Result<Vec<(&str, &str)>, usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let (hash, rest) = line.split_once(' ').ok_or(index + 1)?;
            let name = rest.strip_prefix([' ', '*']).ok_or(index + 1)?;
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) || name.is_empty() {
                return Err(index + 1);
            }
            Ok((hash, name))
        })
        .collect()
}

/// The SHA-256 of `bytes`, in lower-case hex as `sha256sum` prints it.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
