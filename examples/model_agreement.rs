//! How closely the bundled f16 weights reproduce the original f32 model: the cosine between
//! the two vectors of each of the first N sections (split at headings) of the Markdown files
//! under a folder.
//!
//! ```sh
//! cargo run --release --example model_agreement -- F32_MODEL_DIR CORPUS_DIR [N]
//! ```
//!
//! `F32_MODEL_DIR` holds the published `model.safetensors`, `tokenizer.json`, `config.json` and
//! a `SHA256SUMS` for them (see `models/all-minilm-l6-v2/README.md` for where they come from).

use anyhow::Context;
use runbook::semantic::encoder::Encoder;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: model_agreement F32_MODEL_DIR CORPUS_DIR [N]";
    let f32_dir = args.next().context(usage)?;
    let corpus = args.next().context(usage)?;
    let n: usize = args.next().map_or(Ok(500), |a| a.parse())?;

    let mut sections = Vec::new();
    let mut files: Vec<_> = walkdir::WalkDir::new(&corpus)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    'files: for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let mut current = String::new();
        for line in text.lines() {
            if line.starts_with('#') && !current.trim().is_empty() {
                sections.push(std::mem::take(&mut current));
                if sections.len() >= n {
                    break 'files;
                }
            }
            current.push_str(line);
            current.push('\n');
        }
    }
    let bundled = Encoder::bundled()?;
    let original = Encoder::from_dir(std::path::Path::new(&f32_dir))?;
    let texts: Vec<&str> = sections.iter().map(String::as_str).collect();
    let a = bundled.encode(&texts)?;
    let b = original.encode(&texts)?;
    let cosines: Vec<f32> = a
        .iter()
        .zip(&b)
        .map(|(x, y)| x.iter().zip(y).map(|(p, q)| p * q).sum())
        .collect();
    let min = cosines.iter().copied().fold(f32::INFINITY, f32::min);
    let mean = cosines.iter().sum::<f32>() / cosines.len().max(1) as f32;
    println!(
        "{} sections of {corpus}: cosine f16 vs f32 weights: min {min:.6}, mean {mean:.6} ({} vs {})",
        cosines.len(),
        bundled.id(),
        original.id()
    );
    Ok(())
}
