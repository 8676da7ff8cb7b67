//! GELU and softmax for the int8 route, written so the compiler vectorizes them.
//!
//! candle computes both one element at a time through libm's `erff` and `expf` (the portable
//! build cannot assume the instructions that would inline them). Once the dense layers run in
//! int8 those calls are about a quarter of the model's time, so this module owns branch-free
//! approximations of erf (a rational function, no exponential) and exp (range reduction and a
//! polynomial), each accurate to within a few units in the last place of an f32, applied as
//! candle custom operations. Plain multiplies and adds, not `mul_add`: without FMA in the
//! baseline instruction set, `mul_add` is a library call per element.

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};

/// `x · Φ(x)` with the exact (erf) normal CDF, as BERT's "gelu" activation.
pub(super) fn gelu(xs: &Tensor) -> Result<Tensor> {
    xs.apply_op1_no_bwd(&Gelu)
}

/// Softmax over the last dimension.
pub(super) fn softmax_last_dim(xs: &Tensor) -> Result<Tensor> {
    xs.apply_op1_no_bwd(&Softmax)
}

struct Gelu;
struct Softmax;

/// The f32 values of a contiguous tensor.
fn f32_slice<'a>(op: &str, storage: &'a CpuStorage, layout: &Layout) -> Result<&'a [f32]> {
    let CpuStorage::F32(values) = storage else {
        candle_core::bail!("{op}: f32 only")
    };
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&values[start..end]),
        None => candle_core::bail!("{op}: the input is not contiguous"),
    }
}

impl CustomOp1 for Gelu {
    fn name(&self) -> &'static str {
        "gelu-erf-vectorized"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let values = f32_slice(self.name(), storage, layout)?;
        let out = values
            .iter()
            .map(|&x| 0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2)))
            .collect();
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }
}

impl CustomOp1 for Softmax {
    fn name(&self) -> &'static str {
        "softmax-last-dim-vectorized"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let values = f32_slice(self.name(), storage, layout)?;
        let width = layout.shape().dims().last().copied().unwrap_or(1).max(1);
        let mut out = vec![0f32; values.len()];
        for (row, out) in values.chunks_exact(width).zip(out.chunks_exact_mut(width)) {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            for (o, &x) in out.iter_mut().zip(row) {
                *o = exp(x - max);
            }
            let sum = sum(out);
            for o in out.iter_mut() {
                *o /= sum;
            }
        }
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }
}

/// A sum in eight independent lanes: the compiler keeps a strict left-to-right float sum
/// scalar, this one it vectorizes.
fn sum(values: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let chunks = values.chunks_exact(8);
    let rest: f32 = chunks.remainder().iter().sum();
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane += v;
        }
    }
    lanes.iter().sum::<f32>() + rest
}

/// erf(x) for f32, within ~2e-7 of the exact value: a rational function of x on [-4, 4]
/// (beyond, erf is ±1 to f32 precision). The coefficients are Eigen's and XLA's
/// (`generic_fast_erf_float`).
fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_3e-10_f32;
    p = p * x2 + 2.770_681_4e-8;
    p = p * x2 + -2.101_024e-6;
    p = p * x2 + -5.692_506_4e-5;
    p = p * x2 + -7.349_906_3e-4;
    p = p * x2 + -2.954_600_2e-3;
    p = p * x2 + -1.609_603_4e-2;
    let mut q = -1.456_607_2e-5_f32;
    q = q * x2 + -2.133_740_6e-4;
    q = q * x2 + -1.682_827e-3;
    q = q * x2 + -7.373_329e-3;
    q = q * x2 + -1.426_474e-2;
    x * p / q
}

/// e^x for f32, within ~2 units in the last place for x ≥ -87; smaller x give ~1e-38 instead
/// of 0 (softmax's masked scores, far below any real score's weight).
fn exp(x: f32) -> f32 {
    // e^x = 2^n · e^r with n = round(x / ln 2) and |r| ≤ ln 2 / 2. Adding 1.5 · 2^23 rounds to
    // an integer without a call (SSE2 has no rounding instruction) and leaves n in the low bits.
    const ROUNDER: f32 = 12_582_912.0;
    // ln 2 in two parts (Cephes'): n · LN2_HI is exact, so r keeps its low bits.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * std::f32::consts::LOG2_E + ROUNDER;
    let n = shifted - ROUNDER;
    let r = x - n * LN2_HI - n * LN2_LO;
    // Taylor series to r^6: its error, |r|^7 / 7! ≤ 1.2e-7, is about one unit in the last place.
    let mut p = 1.0 / 720.0_f32;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    let n_bits = shifted.to_bits().wrapping_sub(ROUNDER.to_bits());
    let scale = f32::from_bits(n_bits.wrapping_add(127) << 23);
    p * scale
}

#[cfg(test)]
mod tests {
    use candle_core::Device;

    use super::*;

    /// Evenly spaced points over `[from, to]`.
    fn points(from: f32, to: f32, count: usize) -> Vec<f32> {
        (0..count)
            .map(|i| from + (to - from) * i as f32 / (count - 1) as f32)
            .collect()
    }

    #[test]
    fn exp_is_within_a_few_ulp_of_std() {
        for x in points(-87.0, 88.0, 100_001) {
            let (fast, exact) = (exp(x), x.exp());
            assert!(
                ((fast - exact) / exact).abs() < 4e-7,
                "exp({x}) = {fast}, expected {exact}"
            );
        }
    }

    #[test]
    fn gelu_matches_candles_exact_gelu() {
        let xs = Tensor::new(points(-10.0, 10.0, 20_001), &Device::Cpu).expect("tensor");
        let fast: Vec<f32> = gelu(&xs).and_then(|t| t.to_vec1()).expect("gelu");
        let exact: Vec<f32> = xs.gelu_erf().and_then(|t| t.to_vec1()).expect("gelu_erf");
        for ((x, f), e) in points(-10.0, 10.0, 20_001).iter().zip(&fast).zip(&exact) {
            // erf's absolute error, ~2e-7, times |x| / 2.
            assert!((f - e).abs() < 2e-6, "gelu({x}) = {f}, expected {e}");
        }
    }

    #[test]
    fn softmax_matches_candles_and_ignores_masked_scores() {
        // Rows of different spreads, one with scores masked the way BERT masks padding.
        let mut rows = points(-30.0, 30.0, 3 * 37);
        rows[40] = f32::MIN;
        rows[41] = f32::MIN;
        let xs = Tensor::from_vec(rows, (3, 37), &Device::Cpu).expect("tensor");
        let fast: Vec<Vec<f32>> = softmax_last_dim(&xs)
            .and_then(|t| t.to_vec2())
            .expect("softmax");
        let exact: Vec<Vec<f32>> = candle_nn::ops::softmax_last_dim(&xs)
            .and_then(|t| t.to_vec2())
            .expect("softmax");
        for (f, e) in fast.iter().flatten().zip(exact.iter().flatten()) {
            assert!((f - e).abs() < 1e-6, "{f} vs {e}");
        }
        assert!(fast[1][3] < 1e-30 && fast[1][4] < 1e-30);
        for row in &fast {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
    }
}
