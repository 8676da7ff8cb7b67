//! The sentence-vector cache: one vector per section content key, in memory and in one file
//! under the index folder.
//!
//! Vectors are stored as 8-bit integers with one scale per vector: 388 bytes a section instead
//! of 1,536, and a dot product of integers that the compiler vectorizes. On unit vectors the
//! error this adds to a cosine is about 0.001, far below the gaps that decide a ranking.
//!
//! The file is a cache like the index: written whole to a temporary file and renamed, read only
//! when its header names the same format and model and its checksum holds. Anything else is
//! reported as [`StoreError`] and the caller starts again from an empty store.

use std::collections::BinaryHeap;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::index::{Nearest, Neighbourhood, Spread};

/// The file's first bytes, with the format version in the last one.
const MAGIC: &[u8; 8] = b"RBVECS\x00\x01";

/// Why a vector file was not used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The vector file.
        path: String,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a vector file of this model and version.
    #[error("{path}: {problem}; the vectors will be computed again")]
    Unusable {
        /// The vector file.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
}

/// Sentence vectors by section content key.
#[derive(Debug, Clone)]
pub struct VectorStore {
    /// The model the vectors come from: vectors of another model are not comparable.
    model: String,
    dims: usize,
    keys: Vec<u64>,
    scales: Vec<f32>,
    /// `dims` values per vector, in the order of `keys`.
    values: Vec<i8>,
    slot: FxHashMap<u64, usize>,
}

impl VectorStore {
    /// An empty store for the vectors of `model`, each of `dims` numbers.
    pub fn new(model: &str, dims: usize) -> VectorStore {
        VectorStore {
            model: model.to_string(),
            dims,
            keys: Vec::new(),
            scales: Vec::new(),
            values: Vec::new(),
            slot: FxHashMap::default(),
        }
    }

    /// The model whose vectors these are.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// Vectors kept.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no vector is kept.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether the section with this content key has a vector.
    pub fn contains(&self, key: u64) -> bool {
        self.slot.contains_key(&key)
    }

    /// Adds or replaces the vector of `key`. `vector` is expected to be of unit length.
    pub fn insert(&mut self, key: u64, vector: &[f32]) {
        debug_assert_eq!(vector.len(), self.dims);
        let (scale, quantized) = quantize(vector);
        match self.slot.get(&key) {
            Some(&i) => {
                self.scales[i] = scale;
                self.values[i * self.dims..(i + 1) * self.dims].copy_from_slice(&quantized);
            }
            None => {
                self.slot.insert(key, self.keys.len());
                self.keys.push(key);
                self.scales.push(scale);
                self.values.extend_from_slice(&quantized);
            }
        }
    }

    /// Keeps only the vectors whose key `keep` accepts (sections still in the index).
    pub fn retain(&mut self, keep: impl Fn(u64) -> bool) {
        let dims = self.dims;
        let mut kept = 0;
        for i in 0..self.keys.len() {
            if keep(self.keys[i]) {
                self.keys[kept] = self.keys[i];
                self.scales[kept] = self.scales[i];
                self.values
                    .copy_within(i * dims..(i + 1) * dims, kept * dims);
                kept += 1;
            }
        }
        self.keys.truncate(kept);
        self.scales.truncate(kept);
        self.values.truncate(kept * dims);
        self.slot = self.keys.iter().enumerate().map(|(i, &k)| (k, i)).collect();
    }

    /// The `count` vectors nearest to `query` (a unit vector), nearest first, with their cosines.
    pub fn nearest(&self, query: &[f32], count: usize) -> Vec<(u64, f32)> {
        self.neighbours(query, count)
            .nearest
            .into_iter()
            .map(|near| (near.key, near.cosine))
            .collect()
    }

    /// The `count` vectors nearest to `query` (a unit vector), nearest first, and how the
    /// cosines of every vector in the store are spread: what "near" means for this query.
    pub fn neighbours(&self, query: &[f32], count: usize) -> Neighbourhood {
        let mut found = Neighbourhood::default();
        if query.len() != self.dims || count == 0 || self.keys.is_empty() {
            return found;
        }
        let (query_scale, query) = quantize(query);
        // A min-heap of the best `count` so far, on the integer dot product times the scale.
        let mut best: BinaryHeap<std::cmp::Reverse<(OrderedF32, usize)>> =
            BinaryHeap::with_capacity(count + 1);
        // Sums in f64: thousands of squares of small numbers.
        let (mut sum, mut squares) = (0.0f64, 0.0f64);
        for (i, vector) in self.values.chunks_exact(self.dims).enumerate() {
            let score = dot(&query, vector) as f32 * self.scales[i];
            let cosine = f64::from(score * query_scale);
            sum += cosine;
            squares += cosine * cosine;
            if best.len() < count {
                best.push(std::cmp::Reverse((OrderedF32(score), i)));
            } else if best
                .peek()
                .is_some_and(|std::cmp::Reverse((worst, _))| score > worst.0)
            {
                best.pop();
                best.push(std::cmp::Reverse((OrderedF32(score), i)));
            }
        }
        let vectors = self.keys.len() as f64;
        let mean = sum / vectors;
        found.spread = Spread {
            mean: mean as f32,
            deviation: (squares / vectors - mean * mean).max(0.0).sqrt() as f32,
        };
        found.nearest = best
            .into_iter()
            .map(|std::cmp::Reverse((score, i))| Nearest {
                key: self.keys[i],
                cosine: score.0 * query_scale,
            })
            .collect();
        found
            .nearest
            .sort_by(|a, b| b.cosine.total_cmp(&a.cosine).then(a.key.cmp(&b.key)));
        found
    }

    /// Reads a vector file written by [`VectorStore::save`] for `model` (any model when
    /// `None`: the caller compares [`VectorStore::model`] once it knows which it uses).
    pub fn load(path: &Path, model: Option<&str>, dims: usize) -> Result<VectorStore, StoreError> {
        let bytes = std::fs::read(path).map_err(|source| StoreError::Io {
            path: path.display().to_string(),
            source,
        })?;
        decode(&bytes, model, dims).map_err(|problem| StoreError::Unusable {
            path: path.display().to_string(),
            problem,
        })
    }

    /// Writes the store to `path` atomically: a reader sees the old file or the new one.
    pub fn save(&self, path: &Path) -> Result<(), StoreError> {
        let io = |source| StoreError::Io {
            path: path.display().to_string(),
            source,
        };
        crate::state_file::write_atomically(path, &self.encode()).map_err(io)
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.keys.len() * (12 + self.dims));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.model.len() as u32).to_le_bytes());
        out.extend_from_slice(self.model.as_bytes());
        out.extend_from_slice(&(self.dims as u32).to_le_bytes());
        out.extend_from_slice(&(self.keys.len() as u64).to_le_bytes());
        for key in &self.keys {
            out.extend_from_slice(&key.to_le_bytes());
        }
        for scale in &self.scales {
            out.extend_from_slice(&scale.to_le_bytes());
        }
        out.extend(self.values.iter().map(|&v| v as u8));
        let checksum = xxhash_rust::xxh3::xxh3_64(&out);
        out.extend_from_slice(&checksum.to_le_bytes());
        out
    }
}

/// The store in `bytes`, or what is wrong with them.
fn decode(bytes: &[u8], model: Option<&str>, dims: usize) -> Result<VectorStore, String> {
    let body_len = bytes
        .len()
        .checked_sub(8)
        .ok_or("shorter than its header")?;
    let (body, checksum) = bytes.split_at(body_len);
    let mut reader = Reader { bytes: body };
    if reader.take(MAGIC.len())? != MAGIC {
        return Err("not a vector file of this version".into());
    }
    if checksum != xxhash_rust::xxh3::xxh3_64(body).to_le_bytes() {
        return Err("damaged (its checksum does not match)".into());
    }
    let model_len = reader.u32()? as usize;
    let stored_model = std::str::from_utf8(reader.take(model_len)?).map_err(|e| e.to_string())?;
    if let Some(model) = model
        && stored_model != model
    {
        return Err(format!(
            "written for the model {stored_model:?}, not {model:?}"
        ));
    }
    let stored_dims = reader.u32()? as usize;
    if stored_dims != dims {
        return Err(format!("holds {stored_dims}-dimension vectors, not {dims}"));
    }
    let count = usize::try_from(reader.u64()?).map_err(|e| e.to_string())?;
    let expected = count
        .checked_mul(8 + 4 + dims)
        .ok_or("impossible vector count")?;
    if reader.bytes.len() != expected {
        return Err(format!(
            "says {count} vectors but holds {} bytes of them",
            reader.bytes.len()
        ));
    }
    let keys: Vec<u64> = reader
        .take(count * 8)?
        .chunks_exact(8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
        .collect();
    let scales: Vec<f32> = reader
        .take(count * 4)?
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap_or_default()))
        .collect();
    let values: Vec<i8> = reader.bytes.iter().map(|&b| b as i8).collect();
    let slot: FxHashMap<u64, usize> = keys.iter().enumerate().map(|(i, &k)| (k, i)).collect();
    if slot.len() != keys.len() {
        return Err("holds a key twice".into());
    }
    Ok(VectorStore {
        model: stored_model.to_string(),
        dims,
        keys,
        scales,
        values,
        slot,
    })
}

/// Reads little-endian values off the front of a byte slice.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() < len {
            return Err("cut short".into());
        }
        let (head, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, String> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn u64(&mut self) -> Result<u64, String> {
        let bytes = self.take(8)?;
        let mut array = [0; 8];
        array.copy_from_slice(bytes);
        Ok(u64::from_le_bytes(array))
    }
}

/// A vector as 8-bit integers and the scale that brings them back: `value ≈ q × scale`.
fn quantize(vector: &[f32]) -> (f32, Vec<i8>) {
    let largest = vector.iter().fold(0.0_f32, |m, v| m.max(v.abs()));
    if largest == 0.0 || !largest.is_finite() {
        return (0.0, vec![0; vector.len()]);
    }
    let scale = largest / 127.0;
    let quantized = vector
        .iter()
        .map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8)
        .collect();
    (scale, quantized)
}

fn dot(left: &[i8], right: &[i8]) -> i32 {
    // Widening to i16 first keeps the products exact and lets the loop vectorize.
    left.iter()
        .zip(right)
        .map(|(&x, &y)| i32::from(i16::from(x) * i16::from(y)))
        .sum()
}

/// An `f32` ordered by [`f32::total_cmp`], for the heap.
#[derive(Debug, Clone, Copy, PartialEq)]
struct OrderedF32(f32);

impl Eq for OrderedF32 {}

impl PartialOrd for OrderedF32 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrderedF32 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(values: &[f32]) -> Vec<f32> {
        let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        values.iter().map(|v| v / norm).collect()
    }

    fn store_of(vectors: &[(u64, Vec<f32>)]) -> VectorStore {
        let mut store = VectorStore::new("test-model", 4);
        for (key, vector) in vectors {
            store.insert(*key, vector);
        }
        store
    }

    #[test]
    fn nearest_ranks_by_cosine_and_keeps_it_close_to_the_exact_value() {
        let store = store_of(&[
            (1, unit(&[1.0, 0.0, 0.0, 0.0])),
            (2, unit(&[1.0, 1.0, 0.0, 0.0])),
            (3, unit(&[0.0, 0.0, 1.0, 0.0])),
        ]);
        let found = store.nearest(&unit(&[1.0, 0.2, 0.0, 0.0]), 2);
        assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), [1, 2]);
        let exact = 1.0 / (1.0_f32 + 0.04).sqrt();
        assert!((found[0].1 - exact).abs() < 0.01, "{found:?}");
    }

    #[test]
    fn neighbours_say_how_the_querys_cosines_spread_over_the_whole_store() {
        let store = store_of(&[
            (1, unit(&[1.0, 0.0, 0.0, 0.0])),
            (2, unit(&[0.0, 1.0, 0.0, 0.0])),
            (3, unit(&[0.0, 0.0, 1.0, 0.0])),
        ]);
        // Cosines 1, 0, 0: mean 1/3, standard deviation sqrt(2)/3, though only one is returned.
        let found = store.neighbours(&unit(&[1.0, 0.0, 0.0, 0.0]), 1);
        assert_eq!(found.nearest.len(), 1);
        assert!((found.spread.mean - 1.0 / 3.0).abs() < 0.01, "{found:?}");
        assert!(
            (found.spread.deviation - 2f32.sqrt() / 3.0).abs() < 0.01,
            "{found:?}"
        );
        let empty = VectorStore::new("test-model", 4).neighbours(&unit(&[1.0, 0.0, 0.0, 0.0]), 5);
        assert_eq!(empty, Neighbourhood::default());
    }

    #[test]
    fn a_saved_store_loads_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vectors.bin");
        let store = store_of(&[
            (7, unit(&[0.1, 0.2, 0.3, 0.4])),
            (9, unit(&[1.0, 0.0, 0.0, 0.0])),
        ]);
        store.save(&path).unwrap();
        let loaded = VectorStore::load(&path, Some("test-model"), 4).unwrap();
        assert_eq!(loaded.len(), 2);
        assert!(loaded.contains(7) && loaded.contains(9));
        assert_eq!(loaded.nearest(&unit(&[1.0, 0.0, 0.0, 0.0]), 1)[0].0, 9);
    }

    #[test]
    fn a_damaged_or_foreign_file_is_refused_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vectors.bin");
        store_of(&[(7, unit(&[0.1, 0.2, 0.3, 0.4]))])
            .save(&path)
            .unwrap();

        let other_model = VectorStore::load(&path, Some("another-model"), 4).unwrap_err();
        assert!(
            other_model.to_string().contains("another-model"),
            "{other_model}"
        );

        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let damaged = VectorStore::load(&path, Some("test-model"), 4).unwrap_err();
        assert!(damaged.to_string().contains("damaged"), "{damaged}");

        std::fs::write(&path, &bytes[..10]).unwrap();
        assert!(VectorStore::load(&path, Some("test-model"), 4).is_err());
    }

    #[test]
    fn retain_drops_vectors_of_sections_that_are_gone() {
        let mut store = store_of(&[
            (1, unit(&[1.0, 0.0, 0.0, 0.0])),
            (2, unit(&[0.0, 1.0, 0.0, 0.0])),
            (3, unit(&[0.0, 0.0, 1.0, 0.0])),
        ]);
        store.retain(|k| k != 2);
        assert_eq!(store.len(), 2);
        assert!(!store.contains(2));
        assert_eq!(store.nearest(&unit(&[0.0, 0.0, 1.0, 0.0]), 1)[0].0, 3);
    }

    #[test]
    fn inserting_a_key_again_replaces_its_vector() {
        let mut store = store_of(&[(1, unit(&[1.0, 0.0, 0.0, 0.0]))]);
        store.insert(1, &unit(&[0.0, 1.0, 0.0, 0.0]));
        assert_eq!(store.len(), 1);
        let found = store.nearest(&unit(&[0.0, 1.0, 0.0, 0.0]), 1);
        assert!(found[0].1 > 0.99, "{found:?}");
    }
}
