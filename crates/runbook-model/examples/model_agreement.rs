//! How closely the model's int8 arithmetic reproduces the f32 arithmetic on the same bundled f16
//! weights (and, given the original model, how closely both reproduce it): the cosine between
//! the two vectors of each of the first N sections (split at headings) of the Markdown files
//! under a folder, as min, 1st percentile, median and mean.
//!
//! ```sh
//! cargo run --release -p runbook-model --example model_agreement -- CORPUS_DIR [N] [--original F32_MODEL_DIR]
//! ```
//!
//! `F32_MODEL_DIR` holds the published `model.safetensors`, `tokenizer.json`, `config.json` and
//! a `SHA256SUMS` for them (see `models/all-minilm-l6-v2/README.md` for where they come from).

use anyhow::{Context, bail};
use runbook_model::{Encoder, Precision};

fn main() -> anyhow::Result<()> {
    let usage = "usage: model_agreement CORPUS_DIR [N] [--original F32_MODEL_DIR]";
    let mut corpus = None;
    let mut n = 500;
    let mut original = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--original" => original = Some(args.next().context(usage)?),
            _ if corpus.is_none() => corpus = Some(arg),
            _ => match arg.parse() {
                Ok(count) => n = count,
                Err(_) => bail!("unexpected argument {arg}\n{usage}"),
            },
        }
    }
    let corpus = corpus.context(usage)?;

    let sections = sections(&corpus, n)?;
    let texts: Vec<&str> = sections.iter().map(String::as_str).collect();
    let int8 = Encoder::bundled_in(Precision::Int8)?;
    let f32 = Encoder::bundled_in(Precision::F32)?;
    let int8_vectors = int8.encode(&texts)?;
    let f32_vectors = f32.encode(&texts)?;
    report(&corpus, &int8, &f32, &int8_vectors, &f32_vectors);
    if let Some(dir) = original {
        let original = Encoder::from_dir_in(std::path::Path::new(&dir), Precision::F32)?;
        let original_vectors = original.encode(&texts)?;
        report(&corpus, &f32, &original, &f32_vectors, &original_vectors);
        report(&corpus, &int8, &original, &int8_vectors, &original_vectors);
    }
    Ok(())
}

/// The first `n` sections of the Markdown files under `corpus`, in path order.
fn sections(corpus: &str, n: usize) -> anyhow::Result<Vec<String>> {
    let mut sections = Vec::new();
    let mut files: Vec<_> = walkdir::WalkDir::new(corpus)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let mut current = String::new();
        for line in text.lines() {
            if line.starts_with('#') && !current.trim().is_empty() {
                sections.push(std::mem::take(&mut current));
                if sections.len() >= n {
                    return Ok(sections);
                }
            }
            current.push_str(line);
            current.push('\n');
        }
    }
    Ok(sections)
}

fn report(corpus: &str, a: &Encoder, b: &Encoder, a_vectors: &[Vec<f32>], b_vectors: &[Vec<f32>]) {
    let mut cosines: Vec<f32> = a_vectors
        .iter()
        .zip(b_vectors)
        .map(|(x, y)| x.iter().zip(y).map(|(p, q)| p * q).sum())
        .collect();
    cosines.sort_by(f32::total_cmp);
    let at = |p: f64| {
        let i = ((cosines.len().saturating_sub(1)) as f64 * p).round() as usize;
        cosines.get(i).copied().unwrap_or(f32::NAN)
    };
    let mean = cosines.iter().sum::<f32>() / cosines.len().max(1) as f32;
    println!(
        "{} sections of {corpus}: cosine {} vs {}: min {:.6}, p1 {:.6}, median {:.6}, mean {mean:.6}",
        cosines.len(),
        a.id(),
        b.id(),
        at(0.0),
        at(0.01),
        at(0.5),
    );
}
