//! One search, asked as one value: what to look for, how many hits, which rankings, whether to
//! explain, and at which moment.

use chrono::{DateTime, Utc};

/// Hits a search returns unless asked for another number.
pub const DEFAULT_LIMIT: usize = 10;

/// Which rankings a search uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SearchMode {
    /// Words only: exactly the search without a model.
    Lexical,
    /// Sections nearest in meaning only (for measuring the model on its own).
    Semantic,
    /// Both, fused: what `runbook search` and the server answer with.
    #[default]
    Hybrid,
}

/// A search, as [`KnowledgeBase::search`](crate::KnowledgeBase::search) takes it.
///
/// ```
/// use runbook_core::{SearchMode, SearchRequest};
///
/// let request = SearchRequest::new("cannot log in to billing").limit(3).explain(true);
/// assert_eq!(request.mode, SearchMode::Hybrid);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// The query, in the query language (words, phrases, `-exclusions`, `owner:` filters).
    pub query: String,
    /// Most hits to return.
    pub limit: usize,
    /// Which rankings to use.
    pub mode: SearchMode,
    /// Whether each hit says why it scored as it did.
    pub explain: bool,
    /// The moment that decides which reviews are overdue and who on an answer card is
    /// reachable; `None`: now, as the clock says (`RUNBOOK_NOW` or the system's).
    pub at: Option<DateTime<Utc>>,
}

impl SearchRequest {
    /// A hybrid search for `query`, [`DEFAULT_LIMIT`] hits, unexplained, now.
    pub fn new(query: impl Into<String>) -> SearchRequest {
        SearchRequest {
            query: query.into(),
            limit: DEFAULT_LIMIT,
            mode: SearchMode::Hybrid,
            explain: false,
            at: None,
        }
    }

    /// At most `limit` hits.
    pub fn limit(mut self, limit: usize) -> SearchRequest {
        self.limit = limit;
        self
    }

    /// With the rankings `mode` names.
    pub fn mode(mut self, mode: SearchMode) -> SearchRequest {
        self.mode = mode;
        self
    }

    /// With (or without) each hit's explanation.
    pub fn explain(mut self, explain: bool) -> SearchRequest {
        self.explain = explain;
        self
    }

    /// At the moment `at` instead of now (`None` keeps now).
    pub fn at(mut self, at: Option<DateTime<Utc>>) -> SearchRequest {
        self.at = at;
        self
    }
}
