//! The sentence model as the knowledge base sees it: something that turns texts into unit
//! vectors. The model itself is not in this crate (the `runbook` binary bundles one from the
//! `runbook-model` crate); a [`ModelProvider`] given to the knowledge base loads it, and without
//! one search is by words only.

use std::path::Path;

/// Numbers in every sentence vector.
pub const DIMS: usize = 384;

/// Why a model could not be loaded or run, with its causes.
pub type ModelError = Box<dyn std::error::Error + Send + Sync>;

/// How a model computes: as published, or with its dense layers in int8 (faster where the
/// processor multiplies int8 fast, a little less exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// The published weights' own arithmetic.
    F32,
    /// Dense layers in int8, quantized when the model loads.
    Int8,
}

/// Which model `book.toml` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelSource<'a> {
    /// The model built into the binary.
    Bundled,
    /// `semantic-model = "DIR"`: a model folder on disk.
    Folder(&'a Path),
}

/// A loaded sentence model.
pub trait SentenceModel: Send + Sync {
    /// The model's name, as `/healthz` shows it.
    fn id(&self) -> &str;
    /// Names the vectors this model computes: vectors under another name are not comparable
    /// with them and are computed again.
    fn vectors_id(&self) -> &str;
    /// One unit vector of [`DIMS`] numbers for each text, in order.
    fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ModelError>;
}

/// Loads sentence models for a knowledge base.
pub trait ModelProvider: Send + Sync {
    /// Loads the model `source` names, computing in `precision`.
    fn load(
        &self,
        source: ModelSource<'_>,
        precision: Precision,
    ) -> Result<Box<dyn SentenceModel>, ModelError>;
    /// Whether [`Precision::Int8`] is faster than [`Precision::F32`] on this processor.
    fn int8_is_fast(&self) -> bool;
}
