//! Checks the bundled sentence-encoder model (`models/all-minilm-l6-v2/`) against its
//! `SHA256SUMS` before it is compiled into the binary.
//!
//! `semantic::encoder` embeds these files with `include_bytes!`. Checking them here, once per
//! build, means a corrupt or half-replaced model can never ship, while `Encoder::bundled()` skips
//! hashing 45 MB at every start (~100 ms, too much for a one-shot CLI search).

use std::path::Path;
use std::process::ExitCode;

#[path = "src/sums.rs"]
mod sums;

const MODEL_DIR: &str = "models/all-minilm-l6-v2";
/// Files the encoder embeds; each must be present and listed.
const EMBEDDED: [&str; 3] = ["model.f16.safetensors", "tokenizer.json", "config.json"];

fn main() -> ExitCode {
    match check(Path::new(MODEL_DIR)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: bundled model in {MODEL_DIR}/: {message}");
            eprintln!(
                "help: restore the files from git, or rebuild them with models/fetch-and-convert.sh; \
                 after changing a file on purpose, update its line in {MODEL_DIR}/SHA256SUMS \
                 (sha256sum FILE)"
            );
            ExitCode::FAILURE
        }
    }
}

fn check(dir: &Path) -> Result<(), String> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let sums_path = dir.join("SHA256SUMS");
    println!("cargo:rerun-if-changed={}", sums_path.display());
    let sums = std::fs::read_to_string(&sums_path)
        .map_err(|err| format!("cannot read {}: {err}", sums_path.display()))?;

    let mut listed = Vec::new();
    let parsed = sums::parse(&sums)
        .map_err(|line| format!("SHA256SUMS line {line} is not `<sha256 hex>  <file name>`"))?;
    for (expected, name) in parsed {
        listed.push(name);
        let path = dir.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        if !path.exists() && !EMBEDDED.contains(&name) {
            // The original f32 weights are listed for provenance but not shipped.
            continue;
        }
        let bytes =
            std::fs::read(&path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        let actual = sums::sha256_hex(&bytes);
        if !actual.eq_ignore_ascii_case(expected) {
            return Err(format!(
                "{name} does not match SHA256SUMS: expected sha256 {expected}, found {actual}"
            ));
        }
    }
    for name in EMBEDDED {
        if !listed.contains(&name) {
            return Err(format!("SHA256SUMS lists no checksum for {name}"));
        }
    }
    // Every file shipped in the folder is pinned, not only the embedded ones.
    let entries =
        std::fs::read_dir(dir).map_err(|err| format!("cannot list {}: {err}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|err| format!("cannot list {}: {err}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != "SHA256SUMS" && !listed.contains(&name.as_str()) {
            return Err(format!("SHA256SUMS lists no checksum for {name}"));
        }
    }
    Ok(())
}
