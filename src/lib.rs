//! `runbook`: an operations runbook knowledge base.
//!
//! Data flows one way, and the modules follow it:
//!
//! ```text
//! files ──► source ──► runbook ──► index ──► results ──► CLI / HTTP views
//!  (disk)   (list,     (front      (tantivy:  (hits, the
//!           read)      matter,     schema,    JSON contract)
//!                      sections)   search)
//! ```
//!
//! [`config`] finds the knowledge base and reads `book.toml`; [`knowledge_base`] ties a runbook
//! folder to its index behind the small API the command line and the web server use.

pub mod auth;
pub mod cli;
mod clock;
pub mod config;
mod drift;
pub mod error;
pub mod history;
pub mod import;
pub mod index;
pub mod knowledge_base;
pub mod lint;
pub mod mdbook;
pub mod misses;
mod parallel;
pub mod pull;
pub mod query;
mod remote;
pub mod results;
pub mod runbook;
pub mod semantic;
pub mod source;
mod state_file;
pub mod views;
mod watch;
pub mod web;

pub use config::Book;
pub use error::{Error, FileProblem, Result};
pub use knowledge_base::{KnowledgeBase, SearchMode};
pub use results::{Hit, RunbookDetails, RunbookSummary, SearchResults};
pub use runbook::{Hosting, Runbook};
