//! The library's error types: what can go wrong reading the configuration, a runbook or the index.
//!
//! Problems with a single runbook file are not fatal to the knowledge base: they are carried as
//! [`FileProblem`]s (path, line, message), reported, and the file is left out of the index.

use std::path::PathBuf;

use serde::Serialize;

/// Errors of the library as a whole. Each names what it was working on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `book.toml` is missing, unreadable or malformed.
    #[error("{path}: {message}")]
    Config {
        /// The `book.toml`.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },

    /// No knowledge base was found from the starting folder upwards.
    #[error(
        "no book.toml found in {start} or any folder above it; run inside a runbook repository or pass --root DIR"
    )]
    NoRoot {
        /// Where the search started.
        start: PathBuf,
    },

    /// The runbook folder named by `book.toml` does not exist.
    #[error("runbook folder {0} does not exist (set [book] src in book.toml)")]
    MissingSource(PathBuf),

    /// Listing the runbook folder failed part-way; the last index stays in use.
    #[error("listing {0} failed part-way; the last index is kept until the next refresh")]
    IncompleteListing(PathBuf),

    /// A file system operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// The search index could not be opened, written or searched.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),

    /// A search index directory problem.
    #[error("search index directory: {0}")]
    IndexDirectory(#[from] tantivy::directory::error::OpenDirectoryError),

    /// A runbook could not be read or parsed.
    #[error("{0}")]
    Runbook(FileProblem),

    /// A state file (drift record, log of missed searches) is not what it should be.
    #[error("{path}: not a valid {what} ({source})")]
    State {
        /// The file.
        path: PathBuf,
        /// What it should hold, e.g. "drift record".
        what: &'static str,
        /// What the JSON parser said.
        #[source]
        source: serde_json::Error,
    },

    /// The sentence model failed while computing vectors.
    #[error("semantic search: {0}")]
    Semantic(#[source] Box<dyn std::error::Error + Send + Sync>),

    /// A moment given with `--at`, `?at=` or `RUNBOOK_NOW` that is not RFC 3339.
    #[error("{given_by}: {value:?} is not a time like 2026-11-28T03:00:00Z (RFC 3339): {message}")]
    Clock {
        /// Where the moment came from (`--at`, `?at=`, `RUNBOOK_NOW`).
        given_by: String,
        /// The text given.
        value: String,
        /// Why it is not a moment.
        message: String,
    },

    /// Nothing known by this name.
    #[error("no runbook found for {0:?}")]
    NotFound(String),

    /// The runbook exists but has no such section.
    #[error("{path} has no section {section:?}")]
    NoSuchSection {
        /// The section asked for.
        section: String,
        /// The runbook's file.
        path: String,
    },
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why one file was left out of the knowledge base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FileProblem {
    /// Path relative to the root, with `/` separators.
    pub path: String,
    /// 1-based line in the file, where there is one (`null` otherwise: the field is always
    /// there, which also keeps the type readable from binary formats).
    pub line: Option<u64>,
    /// 1-based column, where there is one.
    pub column: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}", self.path)?;
        if let Some(line) = self.line {
            write!(formatter, ":{line}")?;
            if let Some(column) = self.column {
                write!(formatter, ":{column}")?;
            }
        }
        write!(formatter, ": {}", self.message)
    }
}
