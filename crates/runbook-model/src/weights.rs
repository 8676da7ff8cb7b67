//! The model's weights as candle tensors: read from safetensors bytes and widened from f16 to
//! f32 a whole slice at a time, on two threads.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::HashMap;

use candle_core::safetensors::SliceSafetensors;
use candle_core::{DType, Device, Tensor};
use half::f16;
use half::slice::{HalfBitsSliceExt, HalfFloatSliceExt};

/// Reads every floating-point tensor of a safetensors file as f32, on two threads, except the
/// word embeddings, which stay as stored: a batch widens only the rows it reads, and keeping
/// them f16 saves 23 MB of memory and a quarter of the load time.
///
/// candle's own loader widens f16 one element at a time; converting whole slices with SIMD
/// and splitting the work in two halves makes `Encoder::bundled()` about twice as fast.
/// Tensors of other types (the original file's integer `position_ids`) are skipped: BERT
/// does not read them.
pub(crate) fn widen_weights(bytes: &[u8]) -> candle_core::Result<HashMap<String, Tensor>> {
    let file = SliceSafetensors::new(bytes)?;
    let mut stored = Vec::new();
    for (name, view) in file.tensors() {
        stored.push(Stored {
            name,
            dtype: DType::try_from(view.dtype())?,
            shape: view.shape().to_vec(),
            data: view.data(),
        });
    }
    // Largest first into whichever half is lighter; the word embeddings alone are about half
    // of all weights, so the halves come out even.
    stored.sort_by_key(|tensor| Reverse(tensor.data.len()));
    let (mut first, mut second) = (Vec::new(), Vec::new());
    let (mut first_bytes, mut second_bytes) = (0, 0);
    for tensor in stored {
        if first_bytes <= second_bytes {
            first_bytes += tensor.data.len();
            first.push(tensor);
        } else {
            second_bytes += tensor.data.len();
            second.push(tensor);
        }
    }
    let (first, second) = join(|| widen_all(first), || widen_all(second));
    Ok(first?.into_iter().chain(second?).collect())
}

/// The name (a suffix of it in checkpoints saved with a "bert." prefix) of the tensor
/// [`widen_weights`] leaves f16.
pub(crate) const WORD_EMBEDDINGS: &str = "embeddings.word_embeddings.weight";

/// A tensor as stored in a safetensors file.
struct Stored<'a> {
    name: String,
    dtype: DType,
    shape: Vec<usize>,
    /// Little-endian values, not necessarily aligned.
    data: &'a [u8],
}

fn widen_all(tensors: Vec<Stored<'_>>) -> candle_core::Result<Vec<(String, Tensor)>> {
    let mut widened = Vec::with_capacity(tensors.len());
    for tensor in tensors {
        if tensor.dtype == DType::F16 && tensor.name.ends_with(WORD_EMBEDDINGS) {
            let values = pod_slice::<u16>(tensor.data);
            let values = values.reinterpret_cast::<f16>();
            widened.push((
                tensor.name,
                Tensor::from_slice(values, tensor.shape, &Device::Cpu)?,
            ));
        } else if let Some(values) = widen(tensor.dtype, tensor.data) {
            widened.push((
                tensor.name,
                Tensor::from_vec(values, tensor.shape, &Device::Cpu)?,
            ));
        }
    }
    Ok(widened)
}

/// A tensor's values as f32, or `None` if it does not hold f16 or f32 numbers.
///
/// f16 is widened a whole slice at a time (F16C instructions where the CPU has them): 6 ms for
/// all 22.7 M weights in release, against ~25 ms element by element. The bytes are read as
/// native-endian, which is little-endian, as safetensors stores them, on every x86-64 and
/// AArch64 machine.
pub(crate) fn widen(dtype: DType, data: &[u8]) -> Option<Vec<f32>> {
    match dtype {
        DType::F16 => {
            let bits = pod_slice::<u16>(data);
            let mut values = vec![0f32; bits.len()];
            bits.reinterpret_cast::<f16>()
                .convert_to_f32_slice(&mut values);
            Some(values)
        }
        DType::F32 => Some(pod_slice::<f32>(data).into_owned()),
        _ => None,
    }
}

/// Little-endian `data` as `T`s: borrowed when suitably aligned (the bundled weights are), else
/// copied (a file read into a `Vec<u8>` has no alignment guarantee).
pub(crate) fn pod_slice<T: bytemuck::Pod>(data: &[u8]) -> Cow<'_, [T]> {
    match bytemuck::try_cast_slice(data) {
        Ok(values) => Cow::Borrowed(values),
        Err(_) => {
            let mut values = vec![T::zeroed(); data.len() / size_of::<T>()];
            let bytes = bytemuck::cast_slice_mut::<T, u8>(&mut values);
            let len = bytes.len();
            bytes.copy_from_slice(&data[..len]);
            Cow::Owned(values)
        }
    }
}

/// Runs `first` on another thread while `second` runs on this one; a panic in either goes on.
pub(crate) fn join<A: Send, B>(
    first: impl FnOnce() -> A + Send,
    second: impl FnOnce() -> B,
) -> (A, B) {
    std::thread::scope(|scope| {
        let first = scope.spawn(first);
        let second = second();
        let first = first
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (first, second)
    })
}
