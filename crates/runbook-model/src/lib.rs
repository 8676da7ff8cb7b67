//! The sentence encoder: turns text into all-MiniLM-L6-v2 sentence vectors, in pure Rust.
//!
//! This crate owns the model files and everything between a `&str` and a unit vector: loading
//! and checking the weights and tokenizer, tokenizing (lower-casing, WordPiece, cutting at
//! [`MAX_TOKENS`]), running BERT (its `bert` module) with candle on the CPU, mean pooling over the real
//! tokens and L2 normalisation, as sentence-transformers does for this model. Cosine similarity
//! of two vectors is therefore a plain dot product.
//!
//! The model ships inside this crate (`models/all-minilm-l6-v2/`, see its README for origin
//! and licence) and is compiled into the binary, so a fresh clone gets semantic search with no
//! download. The weights are stored as f16 to halve the binary's payload and widened when loaded
//! (the word embeddings only as a batch reads them). The dense layers run in f32
//! ([`Precision::F32`]) or, measured as a faster route but not yet the default (see its doc),
//! in int8 ([`Precision::Int8`]), their weights quantized when the model loads, so the shipped
//! files and their checksums stay as published. The
//! embedded bytes are checked against `SHA256SUMS` by `build.rs` when the binary is built, not at
//! every start, because hashing 45 MB would cost a one-shot CLI search ~100 ms.
//!
//! Threads: candle splits each matrix product over `CANDLE_NUM_THREADS`/`RAYON_NUM_THREADS`
//! threads (default: every physical core), and its element-wise kernels spin-wait between calls.
//! On 2 cores (release, 150-word sections) that split gives 11–13 sections/s, while one thread
//! per call with one call per core gives 16/s; a lone query, though, takes 6.9 ms split over both
//! cores and 9.4 ms on one. Under CPU contention the split degrades badly (spinning threads
//! compete with the busy core), so callers that run several encodes at once should set both
//! variables to 1.

use std::cmp::Reverse;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_transformers::models::bert::Config;
use tokenizers::{Encoding, Tokenizer, TruncationParams};

mod bert;
mod fast_math;
mod sums;
mod weights;

use bert::Bert;
pub use bert::{Precision, int8_is_fast};
use sums::sha256_hex;
use weights::{join, widen_weights};

/// Dimensions of a sentence vector.
pub const DIMS: usize = 384;
/// Longest input in tokens (the model was trained with 256).
pub const MAX_TOKENS: usize = 256;

/// Most texts in one forward pass.
///
/// Measured on this project's 2-core machines, one thread per call: 10-word texts encode 1.8×
/// faster in batches of 16 than one at a time (per-pass overhead), while for 150-word sections
/// the batch size hardly matters (9.1 sections/s alone, 8.0 in batches of 16).
const MAX_BATCH_TEXTS: usize = 32;
/// Most tokens in one forward pass (texts × the longest one's tokens, after padding). Bigger
/// batches of long texts only cost memory: attention holds texts × 12 heads × tokens² scores per
/// layer, so 16 texts of 256 tokens need ~50 MB for each of several intermediates. 512 lets
/// short texts batch by the dozen and long ones go two at a time.
const MAX_BATCH_TOKENS: usize = 512;

/// Name the model is known by in [`Encoder::id`].
const MODEL_NAME: &str = "all-MiniLM-L6-v2";
/// The folder the bundled model comes from, named in errors about it.
const BUNDLED_DIR: &str = "crates/runbook-model/models/all-minilm-l6-v2";
/// The checksum file of a model folder, in `sha256sum` format.
const SUMS_FILE: &str = "SHA256SUMS";
const TOKENIZER_FILE: &str = "tokenizer.json";
const CONFIG_FILE: &str = "config.json";
/// Weight files a model folder may hold, preferred first: the f16 file is what we ship, the f32
/// one is the original as published.
const WEIGHT_FILES: [(&str, &str); 2] = [
    ("model.f16.safetensors", "f16"),
    ("model.safetensors", "f32"),
];

/// 8-byte alignment for the embedded weights: safetensors pads its header so tensor data starts
/// at a multiple of 8, so an aligned blob lets [`weights`] read f16 values in place instead of
/// copying 45 MB first.
#[repr(C, align(8))]
struct Aligned<T: ?Sized>(T);

static BUNDLED_WEIGHTS: &Aligned<[u8]> = &Aligned(*include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/models/all-minilm-l6-v2/model.f16.safetensors"
)));
static BUNDLED_TOKENIZER: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/models/all-minilm-l6-v2/tokenizer.json"
));
static BUNDLED_CONFIG: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/models/all-minilm-l6-v2/config.json"
));
/// The bundled folder's checksums; `build.rs` has already proved the bytes above match them.
static BUNDLED_SUMS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/models/all-minilm-l6-v2/SHA256SUMS"
));

/// Why a model could not be loaded or run. Each variant names the file or step that failed, so a
/// corrupt or tampered model folder can be found and fixed.
#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} holds neither model.f16.safetensors nor model.safetensors", dir.display())]
    NoWeights { dir: PathBuf },
    #[error("{}, line {line}: expected `<sha256 hex>  <file name>`", path.display())]
    BadChecksumLine { path: PathBuf, line: usize },
    #[error("{} lists no checksum for {file}", sums.display())]
    NotListed { sums: PathBuf, file: String },
    #[error("{} does not match {SUMS_FILE}: expected sha256 {expected}, found {actual}", file.display())]
    ChecksumMismatch {
        file: PathBuf,
        expected: String,
        actual: String,
    },
    #[error("{} is not a BERT config", path.display())]
    Config {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "{} describes a model with {hidden_size}-dimensional vectors and {max_positions} positions; \
         this encoder needs {DIMS} dimensions and at least {MAX_TOKENS} positions",
        path.display()
    )]
    UnsupportedModel {
        path: PathBuf,
        hidden_size: usize,
        max_positions: usize,
    },
    #[error("cannot load the tokenizer from {}", path.display())]
    Tokenizer {
        path: PathBuf,
        #[source]
        source: tokenizers::Error,
    },
    #[error("cannot load the weights from {}", path.display())]
    Weights {
        path: PathBuf,
        #[source]
        source: candle_core::Error,
    },
    #[error("cannot tokenize the input")]
    Tokenize {
        #[source]
        source: tokenizers::Error,
    },
    #[error("the model failed on a batch of {texts} texts of up to {tokens} tokens")]
    Inference {
        texts: usize,
        tokens: usize,
        #[source]
        source: candle_core::Error,
    },
}

/// A loaded sentence encoder. Loading costs tens of milliseconds, so load once and share: it is
/// `Send + Sync`, and [`Encoder::encode`] takes `&self`.
pub struct Encoder {
    model: Bert,
    tokenizer: Tokenizer,
    pad_id: u32,
    id: String,
    vectors_id: String,
    precision: Precision,
}

/// An encoder's own id and that of the vectors it is comparable with.
struct ModelIds {
    id: String,
    vectors: String,
}

// Callers keep one encoder behind an `Arc` and use it from several threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Encoder>();
};

/// The bytes of one model folder, however they were obtained.
struct ModelBytes<'a> {
    weights: &'a [u8],
    tokenizer: &'a [u8],
    config: &'a [u8],
    /// Where each came from, for error messages.
    weights_path: PathBuf,
    tokenizer_path: PathBuf,
    config_path: PathBuf,
}

impl Encoder {
    /// The model compiled into the binary (include_bytes! of the files in models/all-minilm-l6-v2/),
    /// in f32 arithmetic.
    pub fn bundled() -> Result<Encoder, EncoderError> {
        Self::bundled_in(Precision::F32)
    }

    /// [`Encoder::bundled`] with the given arithmetic.
    pub fn bundled_in(precision: Precision) -> Result<Encoder, EncoderError> {
        let bundled = |file: &str| PathBuf::from(format!("{BUNDLED_DIR}/{file} (compiled in)"));
        let sums = parse_sums(BUNDLED_SUMS, &bundled(SUMS_FILE))?;
        let (weights_file, dtype_label) = WEIGHT_FILES[0];
        let weights_sha = lookup(&sums, weights_file, &bundled(SUMS_FILE))?;
        Self::load(
            ModelBytes {
                weights: &BUNDLED_WEIGHTS.0,
                tokenizer: BUNDLED_TOKENIZER,
                config: BUNDLED_CONFIG,
                weights_path: bundled(weights_file),
                tokenizer_path: bundled(TOKENIZER_FILE),
                config_path: bundled(CONFIG_FILE),
            },
            ModelIds {
                id: model_id(dtype_label, precision, weights_sha),
                vectors: model_id(dtype_label, Precision::F32, weights_sha),
            },
            precision,
        )
    }

    /// A model folder on disk (model.f16.safetensors or model.safetensors, plus tokenizer.json); SHA-256 of each file checked against a SHA256SUMS file in that folder before use.
    ///
    /// The folder also needs `config.json` (checked too). If it holds both weight files, the f16
    /// one is used, matching the bundled model. In f32 arithmetic, as [`Encoder::bundled`].
    pub fn from_dir(dir: &Path) -> Result<Encoder, EncoderError> {
        Self::from_dir_in(dir, Precision::F32)
    }

    /// [`Encoder::from_dir`] with the given arithmetic.
    pub fn from_dir_in(dir: &Path, precision: Precision) -> Result<Encoder, EncoderError> {
        let sums_path = dir.join(SUMS_FILE);
        let sums_text =
            std::fs::read_to_string(&sums_path).map_err(|source| EncoderError::Read {
                path: sums_path.clone(),
                source,
            })?;
        let sums = parse_sums(&sums_text, &sums_path)?;
        let (weights_file, dtype_label) = WEIGHT_FILES
            .into_iter()
            .find(|(file, _)| dir.join(file).is_file())
            .ok_or_else(|| EncoderError::NoWeights {
                dir: dir.to_path_buf(),
            })?;
        let read_checked = |file: &str| -> Result<(Vec<u8>, PathBuf), EncoderError> {
            let expected = lookup(&sums, file, &sums_path)?;
            let path = dir.join(file);
            let bytes = std::fs::read(&path).map_err(|source| EncoderError::Read {
                path: path.clone(),
                source,
            })?;
            let actual = sha256_hex(&bytes);
            if !actual.eq_ignore_ascii_case(expected) {
                return Err(EncoderError::ChecksumMismatch {
                    file: path,
                    expected: expected.to_owned(),
                    actual,
                });
            }
            Ok((bytes, path))
        };
        let (weights, weights_path) = read_checked(weights_file)?;
        let (tokenizer, tokenizer_path) = read_checked(TOKENIZER_FILE)?;
        let (config, config_path) = read_checked(CONFIG_FILE)?;
        let weights_sha = lookup(&sums, weights_file, &sums_path)?;
        let id = ModelIds {
            id: model_id(dtype_label, precision, weights_sha),
            vectors: model_id(dtype_label, Precision::F32, weights_sha),
        };
        Self::load(
            ModelBytes {
                weights: &weights,
                tokenizer: &tokenizer,
                config: &config,
                weights_path,
                tokenizer_path,
                config_path,
            },
            id,
            precision,
        )
    }

    /// Identifies model, weights and arithmetic (e.g. "all-MiniLM-L6-v2/f16-q8_0/<first 12 hex of
    /// the weights' sha256>"; the f32 arithmetic keeps the older "all-MiniLM-L6-v2/f16/…", whose
    /// vectors it computes); vector caches are keyed by it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The id of the vectors this encoder's are comparable with: the f32 arithmetic's, whatever
    /// this encoder's. An int8 query vector lies at cosine ≥ 0.995 of the f32 one, close enough
    /// to search the f32 vectors of sections with (see [`Precision::Int8`]).
    pub fn vectors_id(&self) -> &str {
        &self.vectors_id
    }

    /// The arithmetic of this encoder's dense layers.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// L2-normalised vectors, one per text, each DIMS long. Texts longer than MAX_TOKENS are cut. Batches internally (sort by length to limit padding).
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EncoderError> {
        self.encode_in_batches(texts, MAX_BATCH_TEXTS, MAX_BATCH_TOKENS)
    }

    /// [`Encoder::encode`] with explicit batch limits (at least one text per batch).
    fn encode_in_batches(
        &self,
        texts: &[&str],
        max_texts: usize,
        max_tokens: usize,
    ) -> Result<Vec<Vec<f32>>, EncoderError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .tokenizer
            .encode_batch_fast(texts.to_vec(), true)
            .map_err(|source| EncoderError::Tokenize { source })?;
        // Longest first, so each batch holds texts of similar length and pads little, and its
        // first text's length is the batch's padded length.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| Reverse(encodings[i].get_ids().len()));
        let mut vectors = vec![Vec::new(); texts.len()];
        let mut rest = order.as_slice();
        while let Some(&first) = rest.first() {
            let tokens = encodings[first].get_ids().len();
            let fit = (max_tokens / tokens.max(1)).clamp(1, max_texts.max(1));
            let (chunk, after) = rest.split_at(fit.min(rest.len()));
            rest = after;
            let batch: Vec<&Encoding> = chunk.iter().map(|&i| &encodings[i]).collect();
            let embedded =
                self.embed(&batch, tokens)
                    .map_err(|source| EncoderError::Inference {
                        texts: batch.len(),
                        tokens,
                        source,
                    })?;
            for (&i, vector) in chunk.iter().zip(embedded) {
                vectors[i] = vector;
            }
        }
        Ok(vectors)
    }

    fn load(
        bytes: ModelBytes<'_>,
        ids: ModelIds,
        precision: Precision,
    ) -> Result<Encoder, EncoderError> {
        let config: Config =
            serde_json::from_slice(bytes.config).map_err(|source| EncoderError::Config {
                path: bytes.config_path.clone(),
                source,
            })?;
        if config.hidden_size != DIMS || config.max_position_embeddings < MAX_TOKENS {
            return Err(EncoderError::UnsupportedModel {
                path: bytes.config_path,
                hidden_size: config.hidden_size,
                max_positions: config.max_position_embeddings,
            });
        }
        let pad_id = u32::try_from(config.pad_token_id).unwrap_or(0);

        // Reading the weights (widening, quantizing) and parsing the tokenizer's JSON (~10 ms)
        // overlap on separate threads, which roughly halves the load time on two cores.
        let (tokenizer, model) = join(
            || load_tokenizer(bytes.tokenizer, &bytes.tokenizer_path),
            || Bert::load(widen_weights(bytes.weights)?, &config, precision),
        );
        let model = model.map_err(|source| EncoderError::Weights {
            path: bytes.weights_path.clone(),
            source,
        })?;
        let tokenizer = tokenizer?;

        Ok(Encoder {
            model,
            tokenizer,
            pad_id,
            id: ids.id,
            vectors_id: ids.vectors,
            precision,
        })
    }

    /// Runs one batch through BERT: pads to `tokens`, then mean-pools each text's hidden states
    /// over its real tokens (padding excluded, as sentence-transformers does) and L2-normalises.
    fn embed(&self, batch: &[&Encoding], tokens: usize) -> candle_core::Result<Vec<Vec<f32>>> {
        let device = &Device::Cpu;
        let mut ids = Vec::with_capacity(batch.len() * tokens);
        let mut mask = Vec::with_capacity(batch.len() * tokens);
        for encoding in batch {
            let real = encoding.get_ids();
            ids.extend_from_slice(real);
            ids.resize(ids.len() + tokens - real.len(), self.pad_id);
            mask.extend(std::iter::repeat_n(1u32, real.len()));
            mask.extend(std::iter::repeat_n(0u32, tokens - real.len()));
        }
        let ids = Tensor::from_vec(ids, (batch.len(), tokens), device)?;
        let mask = Tensor::from_vec(mask, (batch.len(), tokens), device)?;
        let hidden = self.model.forward(&ids, &mask)?;

        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?;
        let mean = summed.broadcast_div(&counts)?;
        // Same floor as torch.nn.functional.normalize, so a zero vector stays zero instead of NaN.
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?.maximum(1e-12)?;
        mean.broadcast_div(&norms)?.to_vec2::<f32>()
    }
}

/// Parses tokenizer.json and replaces its built-in settings: as published it pads and cuts
/// everything to 128 tokens, while sentence-transformers uses max_seq_length 256 for this model
/// (counting [CLS] and [SEP]) and pads per batch, which [`Encoder::embed`] does.
fn load_tokenizer(bytes: &[u8], path: &Path) -> Result<Tokenizer, EncoderError> {
    let tokenizer_error = |source| EncoderError::Tokenizer {
        path: path.to_path_buf(),
        source,
    };
    let mut tokenizer = Tokenizer::from_bytes(bytes).map_err(tokenizer_error)?;
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: MAX_TOKENS,
            ..TruncationParams::default()
        }))
        .map_err(tokenizer_error)?;
    tokenizer.with_padding(None);
    Ok(tokenizer)
}

fn model_id(dtype_label: &str, precision: Precision, weights_sha: &str) -> String {
    let short = weights_sha.get(..12).unwrap_or(weights_sha);
    match precision {
        Precision::F32 => format!("{MODEL_NAME}/{dtype_label}/{short}"),
        Precision::Int8 => format!("{MODEL_NAME}/{dtype_label}-{}/{short}", precision.label()),
    }
}

/// The checksums of a model folder's `SHA256SUMS` at `path`.
fn parse_sums<'a>(text: &'a str, path: &Path) -> Result<Vec<(&'a str, &'a str)>, EncoderError> {
    sums::parse(text).map_err(|line| EncoderError::BadChecksumLine {
        path: path.to_path_buf(),
        line,
    })
}

fn lookup<'a>(
    sums: &[(&'a str, &str)],
    file: &str,
    sums_path: &Path,
) -> Result<&'a str, EncoderError> {
    sums.iter()
        .find(|(_, name)| *name == file)
        .map(|(hash, _)| *hash)
        .ok_or_else(|| EncoderError::NotListed {
            sums: sums_path.to_path_buf(),
            file: file.to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use super::*;

    /// Loaded once: every test shares the bundled model, as the application does.
    static ENCODER: LazyLock<Encoder> =
        LazyLock::new(|| Encoder::bundled().expect("the bundled model loads"));

    fn encode_one(text: &str) -> Vec<f32> {
        let mut vectors = ENCODER.encode(&[text]).expect("encoding succeeds");
        vectors.pop().expect("one vector per text")
    }

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        // The vectors are unit length, so the dot product is the cosine.
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    fn norm(v: &[f32]) -> f32 {
        v.iter().map(|x| x * x).sum::<f32>().sqrt()
    }

    /// A realistic runbook section of about 150 words.
    const SECTION: &str = "Database failover › Promote the replica. When the primary database \
        stops answering health checks for more than two minutes, promote the standby replica in \
        the same region. First confirm that the primary is really down and not just slow: check \
        the replication lag dashboard and try connecting with psql from a bastion host. If the lag \
        is under thirty seconds, run the promotion script from the operations repository, which \
        fences the old primary, promotes the replica and updates the service discovery record. \
        Watch the application error rate for the next ten minutes; connection pools reconnect on \
        their own within a minute. If writes still fail, restart the API pods so they pick up the \
        new address. Afterwards open an incident ticket, record the time of promotion and the lag \
        at that moment, and schedule the rebuild of a new replica from the latest snapshot before \
        the end of the day, because until then the cluster runs without redundancy.";

    #[test]
    fn vectors_are_unit_length_and_dims_long() {
        let texts = ["restart the web server", "", SECTION, "Disk full on /var"];
        let vectors = ENCODER.encode(&texts).expect("encoding succeeds");
        assert_eq!(vectors.len(), texts.len());
        for (text, vector) in texts.iter().zip(&vectors) {
            assert_eq!(vector.len(), DIMS, "{text:?}");
            assert!(
                (norm(vector) - 1.0).abs() < 1e-5,
                "{text:?}: norm {}",
                norm(vector)
            );
        }
    }

    #[test]
    fn no_texts_give_no_vectors() {
        assert!(ENCODER.encode(&[]).expect("encoding succeeds").is_empty());
    }

    #[test]
    fn a_paraphrase_is_closer_than_an_unrelated_text() {
        let query = encode_one("people cannot log in after the password change");
        let paraphrase = encode_one("account locked after credential rotation");
        let unrelated = encode_one("rotate the nginx access logs every night");
        let related = cosine(&query, &paraphrase);
        let other = cosine(&query, &unrelated);
        assert!(
            related > other + 0.1,
            "paraphrase {related} should beat unrelated {other}"
        );
    }

    #[test]
    fn over_long_text_is_cut_not_refused() {
        let long = SECTION.repeat(20);
        // Every word is at least one token.
        assert!(long.split_whitespace().count() > 10 * MAX_TOKENS);
        let vector = encode_one(&long);
        assert_eq!(vector.len(), DIMS);
        // Whatever comes after the cut does not change the vector.
        let with_other_ending = encode_one(&format!(
            "{long} The printer on floor three is out of toner."
        ));
        assert!(cosine(&vector, &with_other_ending) > 0.99999);
    }

    #[test]
    fn the_same_text_gives_the_same_vector() {
        assert_eq!(encode_one(SECTION), encode_one(SECTION));
    }

    #[test]
    fn batching_keeps_each_text_with_its_own_vector() {
        // Varied lengths, so sorting by length reorders them.
        let texts: Vec<String> = (0..11)
            .map(|i| {
                format!(
                    "step {i}: {}",
                    "check the load balancer health. ".repeat(i % 5)
                )
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        // Padding changes the shapes the matrix code sees, so allow rounding differences; in
        // int8 a difference in the last bit can move an activation to the next of its 255
        // steps, which moves the vector more (0.9997 seen here).
        for (encoder, floor) in [(&*F32_ENCODER, 0.99999), (&*INT8_ENCODER, 0.999)] {
            let alone: Vec<Vec<f32>> = refs
                .iter()
                .map(|text| {
                    encoder
                        .encode(&[text])
                        .expect("encoding succeeds")
                        .remove(0)
                })
                .collect();
            // Batches limited by count, then by tokens: several batches either way.
            for (max_texts, max_tokens) in [(3, usize::MAX), (MAX_BATCH_TEXTS, 40)] {
                let together = encoder
                    .encode_in_batches(&refs, max_texts, max_tokens)
                    .expect("encoding succeeds");
                for ((text, batched), single) in refs.iter().zip(&together).zip(&alone) {
                    let agreement = cosine(batched, single);
                    assert!(
                        agreement > floor,
                        "{}, {text:?}: cosine {agreement}",
                        encoder.id()
                    );
                }
            }
        }
    }

    /// Each arithmetic on the bundled weights.
    static INT8_ENCODER: LazyLock<Encoder> = LazyLock::new(|| {
        Encoder::bundled_in(Precision::Int8).expect("the bundled model loads in int8")
    });
    static F32_ENCODER: LazyLock<Encoder> = LazyLock::new(|| {
        Encoder::bundled_in(Precision::F32).expect("the bundled model loads in f32")
    });

    #[test]
    fn the_id_names_model_precision_arithmetic_and_weights() {
        for (encoder, prefix) in [
            (&*INT8_ENCODER, "all-MiniLM-L6-v2/f16-q8_0/"),
            // Unchanged from before the int8 route: its vectors are the same.
            (&*F32_ENCODER, "all-MiniLM-L6-v2/f16/"),
        ] {
            let id = encoder.id();
            let hash = id
                .strip_prefix(prefix)
                .expect("id names model, dtype and arithmetic");
            assert_eq!(hash.len(), 12);
            assert!(
                BUNDLED_SUMS
                    .lines()
                    .any(|l| l.starts_with(hash) && l.ends_with("model.f16.safetensors")),
                "{id} should carry the start of the weights' sha256"
            );
        }
        // Both search the same vectors: the f32 arithmetic's.
        assert_eq!(INT8_ENCODER.vectors_id(), F32_ENCODER.id());
        assert_eq!(F32_ENCODER.vectors_id(), F32_ENCODER.id());
        assert_eq!(INT8_ENCODER.precision(), Precision::Int8);
    }

    #[test]
    fn int8_vectors_stay_within_cosine_0_99_of_the_f32_arithmetic() {
        let texts = [
            SECTION,
            "restart the web server",
            "people cannot log in after the password change",
            "Disk full on /var",
            "",
        ];
        let int8 = INT8_ENCODER.encode(&texts).expect("encoding succeeds");
        let f32 = F32_ENCODER.encode(&texts).expect("encoding succeeds");
        for ((text, a), b) in texts.iter().zip(&int8).zip(&f32) {
            let agreement = cosine(a, b);
            assert!(agreement >= 0.99, "{text:?}: cosine {agreement}");
            // Not the same arithmetic under another name.
            assert!(a != b, "{text:?}: int8 and f32 vectors are identical");
        }
    }

    #[test]
    fn embedded_bytes_match_sha256sums() {
        // build.rs checks the files on disk; this checks what actually got compiled in.
        let sums = parse_sums(BUNDLED_SUMS, Path::new(SUMS_FILE)).expect("SHA256SUMS parses");
        for (file, bytes) in [
            ("model.f16.safetensors", &BUNDLED_WEIGHTS.0),
            ("tokenizer.json", BUNDLED_TOKENIZER),
            ("config.json", BUNDLED_CONFIG),
        ] {
            let expected = lookup(&sums, file, Path::new(SUMS_FILE)).expect("listed");
            assert_eq!(sha256_hex(bytes), expected, "{file}");
        }
    }

    /// Writes the bundled model to a folder, as a maintainer's model folder would look.
    fn model_folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (file, bytes) in [
            ("model.f16.safetensors", &BUNDLED_WEIGHTS.0),
            ("tokenizer.json", BUNDLED_TOKENIZER),
            ("config.json", BUNDLED_CONFIG),
            (SUMS_FILE, BUNDLED_SUMS.as_bytes()),
        ] {
            std::fs::write(dir.path().join(file), bytes).expect("write model file");
        }
        dir
    }

    #[test]
    fn a_checked_folder_loads_the_same_model() {
        let dir = model_folder();
        let encoder = Encoder::from_dir(dir.path()).expect("an intact folder loads");
        assert_eq!(encoder.id(), ENCODER.id());
        let vector = encoder.encode(&[SECTION]).expect("encoding succeeds");
        assert_eq!(vector[0], encode_one(SECTION));
    }

    #[test]
    fn a_folder_whose_file_does_not_match_sha256sums_is_refused_naming_the_file() {
        let dir = model_folder();
        let config = dir.path().join("config.json");
        let mut tampered = BUNDLED_CONFIG.to_vec();
        tampered.extend_from_slice(b"\n");
        std::fs::write(&config, tampered).expect("rewrite config");

        let Err(err) = Encoder::from_dir(dir.path()) else {
            panic!("a tampered folder must be refused");
        };
        assert!(
            matches!(&err, EncoderError::ChecksumMismatch { file, .. } if *file == config),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("config.json"), "{message}");
        assert!(message.contains(&sha256_hex(BUNDLED_CONFIG)), "{message}");
    }

    #[test]
    fn a_folder_with_an_unlisted_file_is_refused() {
        let dir = model_folder();
        let sums: String = BUNDLED_SUMS
            .lines()
            .filter(|l| !l.ends_with("tokenizer.json"))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(dir.path().join(SUMS_FILE), sums).expect("rewrite sums");
        let Err(err) = Encoder::from_dir(dir.path()) else {
            panic!("a file without a checksum must be refused");
        };
        assert!(
            matches!(&err, EncoderError::NotListed { file, .. } if file == "tokenizer.json"),
            "{err:?}"
        );
    }
}
