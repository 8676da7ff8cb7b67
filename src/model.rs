//! The sentence model this binary bundles, handed to the knowledge base; a build without the
//! `model` feature has none, and searches by words only.

use std::sync::Arc;

use runbook_core::semantic::ModelProvider;
use runbook_core::{Book, KnowledgeBase, Result};

/// Opens `book`'s knowledge base with this build's sentence model (if it has one).
pub fn open_knowledge_base(book: Book) -> Result<KnowledgeBase> {
    KnowledgeBase::open(book, provider())
}

/// The models this build can load: the bundled one, or a model folder in the same format.
pub fn provider() -> Option<Arc<dyn ModelProvider>> {
    #[cfg(feature = "model")]
    return Some(Arc::new(bundled::Provider));
    #[cfg(not(feature = "model"))]
    return None;
}

#[cfg(feature = "model")]
mod bundled {
    use runbook_core::semantic::{
        DIMS, ModelError, ModelProvider, ModelSource, Precision, SentenceModel,
    };
    use runbook_model::Encoder;

    // The knowledge base stores and compares vectors of the core's length.
    const _: () = assert!(runbook_model::DIMS == DIMS);

    /// Loads `runbook_model`'s encoder.
    pub(super) struct Provider;

    impl ModelProvider for Provider {
        fn load(
            &self,
            source: ModelSource<'_>,
            precision: Precision,
        ) -> Result<Box<dyn SentenceModel>, ModelError> {
            let precision = match precision {
                Precision::F32 => runbook_model::Precision::F32,
                Precision::Int8 => runbook_model::Precision::Int8,
            };
            let encoder = match source {
                ModelSource::Bundled => Encoder::bundled_in(precision)?,
                ModelSource::Folder(dir) => Encoder::from_dir_in(dir, precision)?,
            };
            Ok(Box::new(Model(encoder)))
        }

        fn int8_is_fast(&self) -> bool {
            runbook_model::int8_is_fast()
        }
    }

    /// The encoder, as the knowledge base's sentence model.
    struct Model(Encoder);

    impl SentenceModel for Model {
        fn id(&self) -> &str {
            self.0.id()
        }

        fn vectors_id(&self) -> &str {
            self.0.vectors_id()
        }

        fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ModelError> {
            Ok(self.0.encode(texts)?)
        }
    }
}
