//! The runbook knowledge base as a library: a folder of Markdown runbooks, read, indexed with
//! tantivy and searched by words and by meaning.
//!
//! Data flows one way, and the modules follow it:
//!
//! ```text
//! files ──► source ──► runbook ──► index ──► results
//!  (disk)   (list,     (front      (tantivy:  (hits, the
//!           read)      matter,     schema,    JSON contract)
//!                      sections)   search)
//! ```
//!
//! [`config`] finds the knowledge base and reads `book.toml`; [`KnowledgeBase`] ties a runbook
//! folder to its index behind the one API the command line and the web server use. The sentence
//! model is not part of this crate: a [`semantic::ModelProvider`] given to
//! [`KnowledgeBase::open`] supplies it (the `runbook` binary passes the bundled one), and without
//! one search is by words only.
//!
//! ```no_run
//! use std::path::Path;
//!
//! use runbook_core::{Book, KnowledgeBase, SearchRequest};
//!
//! # fn main() -> runbook_core::Result<()> {
//! let kb = KnowledgeBase::open(Book::load(Path::new("."))?, None)?;
//! kb.refresh(&mut |_, _| {})?;
//! for hit in kb.search(&SearchRequest::new("vpn login"))?.hits {
//!     println!("{} ({})", hit.title, hit.app);
//! }
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs, unreachable_pub)]

pub mod clock;
pub mod config;
pub mod error;
pub mod firing;
pub mod history;
mod index;
pub mod knowledge_base;
pub mod links;
pub mod live_check;
pub mod misses;
pub mod parallel;
pub mod query;
pub mod request;
pub mod results;
pub mod runbook;
pub mod semantic;
pub mod source;
pub mod state_file;
pub mod watch;

/// The floors below which meaning gives a section no weight in a hybrid search: what the
/// `cosine` and `standing` of `--explain` are read against.
pub use index::{NEAR_NONE, STANDING_NONE};

/// The terms the index makes of `text`: by its prose analyzer, then by its identifier analyzer
/// (host names, IPs, URLs). What a query word is looked up as; public for diagnostics and for
/// the fuzz targets.
pub fn index_terms(text: &str) -> (Vec<String>, Vec<String>) {
    use index::analyzer;
    (
        analyzer::terms(&mut analyzer::text_analyzer(), text),
        analyzer::terms(&mut analyzer::ident_analyzer(), text),
    )
}

pub use config::Book;
pub use error::{Error, FileProblem, Result};
pub use knowledge_base::KnowledgeBase;
pub use request::{SearchMode, SearchRequest};
pub use results::{Hit, RunbookDetails, RunbookSummary, SearchResults};
pub use runbook::{Hosting, Runbook};
