//! The knowledge base's configuration: finding its root and reading `book.toml`.
//!
//! `book.toml` is mdBook's format, so the same folder builds as a static book. This program's own
//! settings live in `[preprocessor.runbook]`, the table mdBook passes along untouched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// The configuration file's name, as mdBook spells it.
pub const BOOK_TOML: &str = "book.toml";

/// Default upper bound on one runbook's size; larger files are left out with an error.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A knowledge base on disk: where it is and how it is configured.
#[derive(Debug, Clone)]
pub struct Book {
    /// The folder holding `book.toml` (or the folder given with `--root`).
    pub root: PathBuf,
    /// `[book] title`.
    pub title: String,
    /// The runbook folder, absolute.
    pub src: PathBuf,
    /// `[preprocessor.runbook]`.
    pub settings: Settings,
    /// Where the search index lives: `.runbook/` under the root unless overridden.
    pub state_dir: PathBuf,
}

/// This program's settings from `[preprocessor.runbook]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct Settings {
    /// A URL with `{path}` for the runbook's path in the repository.
    pub edit_url_template: Option<String>,
    /// Review period for runbooks that do not set `review_every_days`.
    pub review_every_days: u32,
    /// Runbooks larger than this many bytes are left out.
    pub max_file_bytes: u64,
    /// Extra words a query word also matches (`db = ["database"]`).
    pub synonyms: BTreeMap<String, Vec<String>>,
    /// `[preprocessor.runbook.auth]`: who may read the runbooks through `serve`. Absent means
    /// no authentication.
    pub auth: Option<AuthSettings>,
    /// Whether search also ranks sections by meaning with the bundled sentence model.
    pub semantic: bool,
    /// A sentence-model folder to use instead of the bundled one (relative to the root), with
    /// `tokenizer.json`, the weights and a `SHA256SUMS` that they must match.
    pub semantic_model: Option<PathBuf>,
    /// A file holding the token Alertmanager's webhook must present (relative to the root);
    /// `RUNBOOK_ALERTS_TOKEN` takes precedence. Without either, the receiver is off.
    pub alerts_token_file: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            edit_url_template: None,
            review_every_days: 180,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            synonyms: BTreeMap::new(),
            auth: None,
            semantic: true,
            semantic_model: None,
            alerts_token_file: None,
        }
    }
}

impl Settings {
    /// The "edit this runbook" link: `edit-url-template` with `{path}` replaced by the runbook's
    /// path inside the repository, percent-encoded so spaces and the like survive in a URL.
    pub fn edit_url(&self, repository_path: &str) -> Option<String> {
        let template = self.edit_url_template.as_deref()?;
        Some(template.replace("{path}", &percent_encode_path(repository_path)))
    }
}

/// Percent-encodes everything but unreserved characters and `/` (RFC 3986): a path inside the
/// repository made safe to stand in a URL, its folders kept apart.
pub fn percent_encode_path(path: &str) -> String {
    const NOT_IN_A_PATH: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~')
        .remove(b'/');
    percent_encoding::utf8_percent_encode(path, NOT_IN_A_PATH).to_string()
}

/// `[preprocessor.runbook.auth]` in `book.toml`: the credential files and header that
/// the `runbook` binary's access control loads. Paths are relative to the root.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AuthSettings {
    /// File of API tokens, one hashed token per line.
    pub tokens_file: Option<PathBuf>,
    /// File of users and their password hashes, `name:hash` per line.
    pub users_file: Option<PathBuf>,
    /// Header a trusted proxy sets to the signed-in user's name.
    pub trusted_header: Option<String>,
}

#[derive(Deserialize, Default)]
struct BookToml {
    #[serde(default)]
    book: BookTable,
    #[serde(default)]
    preprocessor: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize, Default)]
struct BookTable {
    title: Option<String>,
    src: Option<String>,
}

impl Book {
    /// Finds the knowledge base: `explicit_root` if given, else the nearest folder from `start`
    /// upwards that holds `book.toml`, like git and mdBook do.
    pub fn discover(explicit_root: Option<&Path>, start: &Path) -> Result<Book> {
        match explicit_root {
            Some(root) => Book::load(root),
            None => {
                let found = start
                    .ancestors()
                    .find(|dir| dir.join(BOOK_TOML).is_file())
                    .ok_or_else(|| Error::NoRoot {
                        start: start.to_path_buf(),
                    })?;
                Book::load(found)
            }
        }
    }

    /// Reads the knowledge base at `root`. A root without `book.toml` is a plain folder of
    /// Markdown: it is its own runbook folder, with default settings.
    pub fn load(root: &Path) -> Result<Book> {
        if !root.is_dir() {
            return Err(Error::Config {
                path: root.to_path_buf(),
                message: "is not a folder".into(),
            });
        }
        let root = root.canonicalize().map_err(|e| Error::io(root, e))?;
        let toml_path = root.join(BOOK_TOML);
        let parsed = if toml_path.is_file() {
            let text = std::fs::read_to_string(&toml_path).map_err(|e| Error::io(&toml_path, e))?;
            Some(parse_book_toml(&toml_path, &text)?)
        } else {
            None
        };
        let (title, src, settings) = match parsed {
            Some((table, settings)) => (
                table.title,
                root.join(table.src.as_deref().unwrap_or("src")),
                settings,
            ),
            None => (None, root.clone(), Settings::default()),
        };
        if !src.is_dir() {
            return Err(Error::MissingSource(src));
        }
        let title = title.unwrap_or_else(|| {
            root.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "Runbooks".into())
        });
        Ok(Book {
            state_dir: root.join(".runbook"),
            root,
            title,
            src,
            settings,
        })
    }

    /// A path relative to the root, `/`-separated, for display and JSON.
    pub fn display_path(&self, path: &Path) -> String {
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        rel.to_string_lossy().replace('\\', "/")
    }
}

fn parse_book_toml(path: &Path, text: &str) -> Result<(BookTable, Settings)> {
    let config_error = |message: String| Error::Config {
        path: path.to_path_buf(),
        message,
    };
    let parsed: BookToml = toml::from_str(text).map_err(|error| {
        let line = error
            .span()
            .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
        let message = error.message().to_string();
        config_error(match line {
            Some(line) => format!("line {line}: {message}"),
            None => message,
        })
    })?;
    let settings = match parsed.preprocessor.get("runbook") {
        None => Settings::default(),
        Some(table) => Settings::deserialize(table.clone())
            .map_err(|e| config_error(format!("[preprocessor.runbook]: {}", e.message())))?,
    };
    Ok((parsed.book, settings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_title_src_and_runbook_settings() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("runbooks")).unwrap();
        std::fs::write(
            dir.path().join(BOOK_TOML),
            r#"
[book]
title = "Example Corp runbooks"
src = "runbooks"

[preprocessor.runbook]
command = "runbook mdbook"
review-every-days = 90
max-file-bytes = 1000

[preprocessor.runbook.synonyms]
db = ["database"]
"#,
        )
        .unwrap();
        let book = Book::load(dir.path()).unwrap();
        assert_eq!(book.title, "Example Corp runbooks");
        assert!(book.src.ends_with("runbooks"));
        assert_eq!(book.settings.review_every_days, 90);
        assert_eq!(book.settings.max_file_bytes, 1000);
        assert_eq!(book.settings.synonyms["db"], vec!["database".to_string()]);
    }

    #[test]
    fn a_malformed_book_toml_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(BOOK_TOML),
            "[book]\ntitle = \"x\"\nsrc = \n",
        )
        .unwrap();
        let err = Book::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("book.toml"), "{err}");
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn discovery_walks_up_to_the_nearest_book_toml() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("runbooks/deep/er")).unwrap();
        std::fs::write(dir.path().join(BOOK_TOML), "[book]\nsrc = \"runbooks\"\n").unwrap();
        let book = Book::discover(None, &dir.path().join("runbooks/deep/er")).unwrap();
        assert_eq!(book.root, dir.path().canonicalize().unwrap());
    }

    #[test]
    fn the_edit_url_puts_the_encoded_repository_path_into_the_template() {
        let settings = Settings {
            edit_url_template: Some("https://git.example.com/ops/edit/main/{path}".into()),
            ..Settings::default()
        };
        assert_eq!(
            settings.edit_url("runbooks/finance/pay run.md").as_deref(),
            Some("https://git.example.com/ops/edit/main/runbooks/finance/pay%20run.md")
        );
        assert_eq!(Settings::default().edit_url("runbooks/a.md"), None);
    }

    #[test]
    fn a_plain_folder_is_its_own_runbook_folder() {
        let dir = tempfile::tempdir().unwrap();
        let book = Book::load(dir.path()).unwrap();
        assert_eq!(book.src, book.root);
    }
}
