//! BERT's forward pass for the sentence encoder, with its dense layers in int8 or in f32.
//!
//! This module owns the arithmetic between token ids and hidden states: embeddings, the
//! attention and feed-forward layers, their LayerNorms. It follows Hugging Face's BertModel (and
//! candle-transformers' copy of it) operation for operation, with one difference that decides
//! its speed: each dense layer's matrix product is a [`QMatMul`], either over int8 weights
//! (ggml's Q8_0: blocks of 32 weights sharing one f16 scale, quantized from the stored weights
//! when the model loads) or over the f32 weights themselves. In the int8 route candle also
//! quantizes each row of activations to Q8_0 and multiplies with integer dot products (VNNI
//! where the CPU has it), which is where the time goes in this model: the dense layers are
//! ~90% of its multiply-adds. Embeddings, LayerNorm, attention scores, softmax and GELU stay f32
//! in both routes, so the int8 route's only error is the weights' and activations' rounding.
//!
//! Also, per layer, query, key and value are one matrix product with their weights stacked
//! (the activations are read, and quantized, once instead of three times), and the word
//! embeddings stay f16 in memory (half of all weights; only the rows a batch uses are widened).

use std::collections::HashMap;

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{DType, Module, Result, Tensor};
use candle_nn::LayerNorm;
use candle_transformers::models::bert::{Config, HiddenAct};

use super::fast_math;

/// The arithmetic of the dense layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// Q8_0 weights, activations quantized per row, integer dot products; GELU and softmax
    /// through the vectorized approximations. Not the default: its vectors (cosine
    /// ≥ 0.995 to f32's on real sections) still move the search-quality harness's figures by
    /// up to 0.08 (one query's rank in a set of 12). Fast only on CPUs with AVX-512 VNNI or
    /// AVX-VNNI: elsewhere candle's int8 fallback is slower than f32.
    Int8,
    /// f32 weights and activations, candle's GELU and softmax: the arithmetic of the original
    /// model, and the default.
    F32,
}

/// Whether this processor multiplies int8 fast: candle's int8 kernels use AVX-512 VNNI or
/// AVX-VNNI, and elsewhere fall back to code slower than f32.
pub fn int8_is_fast() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        (is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vnni"))
            || (is_x86_feature_detected!("avxvnni") && is_x86_feature_detected!("avx2"))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl Precision {
    /// How model ids name this arithmetic.
    pub fn label(self) -> &'static str {
        match self {
            Precision::Int8 => "q8_0",
            Precision::F32 => "f32",
        }
    }
}

/// A loaded BERT encoder (no pooler: sentence vectors pool the hidden states themselves).
pub(super) struct Bert {
    embeddings: Embeddings,
    layers: Vec<Layer>,
    heads: usize,
    head_size: usize,
    activation: HiddenAct,
    precision: Precision,
}

struct Embeddings {
    /// As stored (f16 in the bundled model): 30,522 × 384 weights, of which a batch reads a few
    /// hundred rows, widened after reading.
    words: Tensor,
    positions: Tensor,
    /// Row 0 only: sentence vectors are computed with every token type 0.
    token_type: Tensor,
    norm: LayerNorm,
}

struct Layer {
    /// Query, key and value stacked: 3 × hidden outputs.
    qkv: Dense,
    attention_out: Dense,
    attention_norm: LayerNorm,
    intermediate: Dense,
    output: Dense,
    output_norm: LayerNorm,
}

/// A dense layer, `xs · weightᵀ + bias`.
struct Dense {
    weight: QMatMul,
    bias: Tensor,
    /// Zero inputs appended to each row before the product (see [`Dense::new`]).
    pad: usize,
}

/// candle's int8 kernel for x86 (weights repacked in tiles, VNNI dot products) takes only
/// inner dimensions that are multiples of this; for others it falls back to a generic kernel
/// that is slower than f32 (the whole model: 7.9 s of CPU against 3.0 s in f32 on 98 sections).
const FAST_KERNEL_INNER: usize = 256;

impl Dense {
    /// For [`Precision::Int8`], a weight whose inner dimension (384 here) is not a multiple of
    /// [`FAST_KERNEL_INNER`] gets zero columns up to the next one (512), and each input row as
    /// many zeros: a third more integer work, in a kernel several times faster.
    fn new(weight: Tensor, bias: Tensor, precision: Precision) -> Result<Dense> {
        let mut pad = 0;
        let weight = match precision {
            Precision::Int8 => {
                let (outputs, inner) = weight.dims2()?;
                pad = inner.next_multiple_of(FAST_KERNEL_INNER) - inner;
                let weight = if pad > 0 {
                    let zeros = Tensor::zeros((outputs, pad), DType::F32, weight.device())?;
                    Tensor::cat(&[&weight, &zeros], 1)?
                } else {
                    weight
                };
                QMatMul::from_qtensor(QTensor::quantize(&weight, GgmlDType::Q8_0)?)?
            }
            Precision::F32 => QMatMul::Tensor(weight),
        };
        Ok(Dense { weight, bias, pad })
    }

    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let product = if self.pad > 0 {
            let (texts, tokens, _) = xs.dims3()?;
            let zeros = Tensor::zeros((texts, tokens, self.pad), DType::F32, xs.device())?;
            self.weight.forward(&Tensor::cat(&[xs, &zeros], 2)?)?
        } else {
            self.weight.forward(xs)?
        };
        product.broadcast_add(&self.bias)
    }
}

/// The model's tensors by name, taken out as they are used.
struct Weights {
    tensors: HashMap<String, Tensor>,
}

impl Weights {
    fn take(&mut self, name: &str) -> Result<Tensor> {
        // Checkpoints saved from BertForX prefix every name with "bert.".
        self.tensors
            .remove(name)
            .or_else(|| self.tensors.remove(&format!("bert.{name}")))
            .ok_or_else(|| candle_core::Error::CannotFindTensor {
                path: name.to_owned(),
            })
    }

    fn f32(&mut self, name: &str) -> Result<Tensor> {
        self.take(name)?.to_dtype(DType::F32)
    }

    fn norm(&mut self, prefix: &str, eps: f64) -> Result<LayerNorm> {
        Ok(LayerNorm::new(
            self.f32(&format!("{prefix}.weight"))?,
            self.f32(&format!("{prefix}.bias"))?,
            eps,
        ))
    }

    fn dense(&mut self, prefix: &str, precision: Precision) -> Result<Dense> {
        Dense::new(
            self.f32(&format!("{prefix}.weight"))?,
            self.f32(&format!("{prefix}.bias"))?,
            precision,
        )
    }
}

impl Bert {
    /// Builds the model from its tensors (f16 or f32; the word embeddings are kept as given, the
    /// rest widened to f32), quantizing the dense layers' weights for [`Precision::Int8`].
    pub(super) fn load(
        tensors: HashMap<String, Tensor>,
        config: &Config,
        precision: Precision,
    ) -> Result<Bert> {
        let mut weights = Weights { tensors };
        let eps = config.layer_norm_eps;
        let embeddings = Embeddings {
            words: weights.take("embeddings.word_embeddings.weight")?,
            positions: weights.f32("embeddings.position_embeddings.weight")?,
            token_type: weights
                .f32("embeddings.token_type_embeddings.weight")?
                .narrow(0, 0, 1)?,
            norm: weights.norm("embeddings.LayerNorm", eps)?,
        };
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                let p = format!("encoder.layer.{i}");
                let attention = format!("{p}.attention.self");
                let stacked = |part: &str, weights: &mut Weights| -> Result<Tensor> {
                    Tensor::cat(
                        &[
                            weights.f32(&format!("{attention}.query.{part}"))?,
                            weights.f32(&format!("{attention}.key.{part}"))?,
                            weights.f32(&format!("{attention}.value.{part}"))?,
                        ],
                        0,
                    )
                };
                let qkv_weight = stacked("weight", &mut weights)?;
                let qkv_bias = stacked("bias", &mut weights)?;
                Ok(Layer {
                    qkv: Dense::new(qkv_weight, qkv_bias, precision)?,
                    attention_out: weights
                        .dense(&format!("{p}.attention.output.dense"), precision)?,
                    attention_norm: weights
                        .norm(&format!("{p}.attention.output.LayerNorm"), eps)?,
                    intermediate: weights.dense(&format!("{p}.intermediate.dense"), precision)?,
                    output: weights.dense(&format!("{p}.output.dense"), precision)?,
                    output_norm: weights.norm(&format!("{p}.output.LayerNorm"), eps)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Bert {
            embeddings,
            layers,
            heads: config.num_attention_heads,
            head_size: config.hidden_size / config.num_attention_heads,
            activation: config.hidden_act,
            precision,
        })
    }

    /// Hidden states `(texts, tokens, hidden)` of a batch of token ids `(texts, tokens)`;
    /// `mask` is 1 for real tokens and 0 for padding, which no token attends to.
    pub(super) fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (texts, tokens) = ids.dims2()?;
        let e = &self.embeddings;
        let words = e
            .words
            .index_select(&ids.flatten_all()?, 0)?
            .to_dtype(DType::F32)?
            .reshape((texts, tokens, ()))?;
        let positions = e.positions.narrow(0, 0, tokens)?;
        let mut hidden = e.norm.forward(
            &words
                .broadcast_add(&positions)?
                .broadcast_add(&e.token_type)?,
        )?;
        // (texts, 1, 1, tokens): 0 where attending is allowed, a huge negative number at padding,
        // added to the scores before softmax, as BertModel's extended attention mask.
        let mask = ((mask.to_dtype(DType::F32)?.affine(-1.0, 1.0)?) * f64::from(f32::MIN))?
            .unsqueeze(1)?
            .unsqueeze(1)?;
        for layer in &self.layers {
            hidden = self.layer(layer, &hidden, &mask)?;
        }
        Ok(hidden)
    }

    fn layer(&self, layer: &Layer, hidden: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (texts, tokens, width) = hidden.dims3()?;
        // (texts, tokens, 3, heads, head_size) → three (texts, heads, tokens, head_size).
        let qkv =
            layer
                .qkv
                .forward(hidden)?
                .reshape((texts, tokens, 3, self.heads, self.head_size))?;
        let part = |i: usize| {
            qkv.narrow(2, i, 1)?
                .squeeze(2)?
                .transpose(1, 2)?
                .contiguous()
        };
        let scale = 1.0 / (self.head_size as f64).sqrt();
        let query = (part(0)? * scale)?;
        let key = part(1)?;
        let value = part(2)?;
        let scores = query.matmul(&key.t()?)?.broadcast_add(mask)?;
        let probs = match self.precision {
            Precision::Int8 => fast_math::softmax_last_dim(&scores)?,
            Precision::F32 => candle_nn::ops::softmax_last_dim(&scores)?,
        };
        let context = probs
            .matmul(&value)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((texts, tokens, width))?;
        let attended = layer
            .attention_norm
            .forward(&(layer.attention_out.forward(&context)? + hidden)?)?;
        let intermediate = layer.intermediate.forward(&attended)?;
        let intermediate = match (self.activation, self.precision) {
            (HiddenAct::Gelu, Precision::Int8) => fast_math::gelu(&intermediate)?,
            (HiddenAct::Gelu, Precision::F32) => intermediate.gelu_erf()?,
            (HiddenAct::GeluApproximate, _) => intermediate.gelu()?,
            (HiddenAct::Relu, _) => intermediate.relu()?,
        };
        layer
            .output_norm
            .forward(&(layer.output.forward(&intermediate)? + attended)?)
    }
}
