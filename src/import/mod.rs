//! `runbook import`: starting runbooks from what the company already knows (a Backstage service
//! catalog, an inventory export), without ever touching a runbook someone already wrote.
//!
//! The readers ([`backstage`], [`csv`]) turn their input into [`Imported`] applications, or into
//! an [`ImportError`] naming the file and line. [`plan`] then decides, for every application,
//! whether a runbook is to be written (its text from the template, `render`) or already exists
//! (then only its differences from the source are listed). [`Plan::write`] writes only after
//! everything was read and rendered, each file through a temporary file renamed into place, so a
//! bad input leaves nothing half-written.

pub mod backstage;
pub mod csv;
mod render;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use runbook_core::config::Book;
use runbook_core::runbook::facts::{Facts, Server, Vendor};
use runbook_core::runbook::{Hosting, app_from_path};
use runbook_core::source;

/// Why an import could not be done. Nothing has been written when one of these is returned by
/// a reader or by [`plan`].
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// An input file could not be read at all. (The I/O error is in the message rather than a
    /// source, so that `{:#}` does not print it twice.)
    #[error("{file}: cannot read it: {error}")]
    Read { file: String, error: std::io::Error },
    /// The input is not what it should be, at this line of this file.
    #[error("{file}:{line}: {message}")]
    Input {
        file: String,
        line: u64,
        message: String,
    },
    /// A runbook could not be written.
    #[error("{path}: cannot write it: {error}")]
    Write { path: String, error: std::io::Error },
}

impl ImportError {
    pub(crate) fn input(origin: &Origin, message: impl Into<String>) -> ImportError {
        ImportError::Input {
            file: origin.file.clone(),
            line: origin.line,
            message: message.into(),
        }
    }
}

/// Where an application was read: file and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub file: String,
    pub line: u64,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One application as a source describes it: the facts a runbook can start from. `None` and
/// empty lists mean the source does not say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    pub app: String,
    pub origin: Option<Origin>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub owner: Option<String>,
    /// Sources that cannot know who runs the servers leave this out; the runbook then says so
    /// in a way `runbook check` reports as an error until someone decides.
    pub hosting: Option<Hosting>,
    pub system: Option<String>,
    pub lifecycle: Option<String>,
    pub tags: Vec<String>,
    pub urls: Vec<String>,
    pub servers: Vec<Server>,
    pub vendor: Option<Vendor>,
    /// Backstage annotations, kept as they were under the runbook's `annotations` key.
    pub annotations: BTreeMap<String, String>,
}

/// What a reader found: the applications, and the entries it skipped, counted by kind.
#[derive(Debug, Default)]
pub struct Source {
    pub apps: Vec<Imported>,
    pub skipped: BTreeMap<String, usize>,
}

/// Checks an application id from a source: it becomes a file name, so it must be one, and
/// nothing that leads out of the runbook folder. Backstage names allow `.`, `-` and `_`.
pub(crate) fn check_app_id(app: &str, origin: &Origin) -> Result<(), ImportError> {
    let valid = !app.is_empty()
        && !app.starts_with('.')
        && app
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(ImportError::input(
            origin,
            format!(
                "app id {app:?} cannot be a file name: use letters, digits, '-', '_' and '.', \
                 not starting with '.'"
            ),
        ))
    }
}

/// One fact where an existing runbook and the source disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub key: String,
    /// What the runbook says (empty when it says nothing).
    pub runbook: String,
    /// What the source says.
    pub source: String,
}

/// A runbook to be written.
#[derive(Debug, Clone, Serialize)]
pub struct NewRunbook {
    pub app: String,
    /// Relative to the root, `/`-separated.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Origin>,
    #[serde(skip)]
    abs: PathBuf,
    /// The runbook's text until it is written: a dry run prints it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A runbook that already exists, left as it is.
#[derive(Debug, Clone, Serialize)]
pub struct Existing {
    pub app: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Origin>,
    pub differences: Vec<Difference>,
    /// Set when the existing file could not be read or parsed, so it could not be compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

/// What an import does: runbooks to write, runbooks kept, and what was skipped.
#[derive(Debug, Serialize)]
pub struct Plan {
    pub dry_run: bool,
    /// Written (or, with `--dry-run`, to be written).
    pub written: Vec<NewRunbook>,
    pub existing: Vec<Existing>,
    /// Catalog entries of other kinds, by kind.
    pub skipped: BTreeMap<String, usize>,
}

/// Decides what importing `source` into `book` does, reading the runbooks already there. Nothing
/// is written.
pub fn plan(book: &Book, source: Source, template: &str, today: NaiveDate) -> Plan {
    let on_disk = existing_runbooks(book);
    let mut plan = Plan {
        dry_run: true,
        written: Vec::new(),
        existing: Vec::new(),
        skipped: source.skipped,
    };
    for app in source.apps {
        let abs = book.src.join(format!("{}.md", app.app));
        let found = on_disk.get(&app.app).cloned().or_else(|| {
            abs.exists().then(|| OnDisk {
                path: book.display_path(&abs),
                facts: Err("exists but is not a runbook file".to_string()),
            })
        });
        match found {
            Some(OnDisk { path, facts }) => {
                let (differences, unreadable) = match &facts {
                    Ok(facts) => (differences(facts, &app), None),
                    Err(why) => (Vec::new(), Some(why.clone())),
                };
                plan.existing.push(Existing {
                    app: app.app,
                    path,
                    from: app.origin,
                    differences,
                    unreadable,
                });
            }
            None => {
                let text = render::runbook(template, &app, today);
                plan.written.push(NewRunbook {
                    path: book.display_path(&abs),
                    app: app.app,
                    from: app.origin,
                    abs,
                    text: Some(text),
                });
            }
        }
    }
    plan
}

impl Plan {
    /// Writes every new runbook, each to a temporary file renamed into place; a file that
    /// appeared meanwhile is not overwritten (and is an error).
    pub fn write(&mut self) -> Result<(), ImportError> {
        for new in &mut self.written {
            let Some(text) = new.text.take() else {
                continue;
            };
            let error = |error: std::io::Error| ImportError::Write {
                path: new.path.clone(),
                error,
            };
            runbook_core::state_file::create_atomically(&new.abs, text.as_bytes())
                .map_err(error)?;
        }
        self.dry_run = false;
        Ok(())
    }
}

/// A runbook already in the knowledge base: its path and its facts, or why they are unknown.
#[derive(Debug, Clone)]
struct OnDisk {
    path: String,
    facts: Result<Facts, String>,
}

/// Every runbook in the folder by app id (and by the id its path gives, which is the file an
/// import would write).
fn existing_runbooks(book: &Book) -> HashMap<String, OnDisk> {
    let mut found = HashMap::new();
    for file in source::list(book).files {
        let facts = source::load(&file, book.settings.max_file_bytes)
            .map(|(runbook, _)| runbook.facts)
            .map_err(|problem| problem.to_string());
        let by_path = app_from_path(&file.id_path);
        let on_disk = OnDisk {
            path: file.path.clone(),
            facts,
        };
        if let Ok(facts) = &on_disk.facts
            && facts.app != by_path
        {
            found
                .entry(facts.app.clone())
                .or_insert_with(|| on_disk.clone());
        }
        found.entry(by_path).or_insert(on_disk);
    }
    found
}

/// The facts the source states that the runbook states differently or not at all.
fn differences(facts: &Facts, source: &Imported) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut single = |key: &str, runbook: Option<&str>, source: Option<&str>| {
        if let Some(source) = source.filter(|s| !s.trim().is_empty())
            && runbook.map(str::trim) != Some(source.trim())
        {
            out.push(Difference {
                key: key.to_string(),
                runbook: runbook.unwrap_or_default().to_string(),
                source: source.to_string(),
            });
        }
    };
    single("title", Some(&facts.title), source.title.as_deref());
    single(
        "hosting",
        facts.hosting.map(Hosting::as_str),
        source.hosting.map(Hosting::as_str),
    );
    single("owner", facts.owner.as_deref(), source.owner.as_deref());
    single(
        "summary",
        facts.summary.as_deref(),
        source.summary.as_deref(),
    );
    single("system", facts.system.as_deref(), source.system.as_deref());
    single(
        "lifecycle",
        facts.lifecycle.as_deref(),
        source.lifecycle.as_deref(),
    );
    let vendor = facts.vendor.as_ref();
    let source_vendor = source.vendor.as_ref();
    single(
        "vendor.name",
        vendor.and_then(|v| v.name.as_deref()),
        source_vendor.and_then(|v| v.name.as_deref()),
    );
    single(
        "vendor.phone",
        vendor.and_then(|v| v.phone.as_deref()),
        source_vendor.and_then(|v| v.phone.as_deref()),
    );
    let servers = |servers: &[Server]| -> Vec<String> {
        servers
            .iter()
            .flat_map(|s| s.host.iter().chain(s.ip.iter()))
            .cloned()
            .collect()
    };
    for (key, runbook, source) in [
        ("tags", facts.tags.clone(), source.tags.clone()),
        ("urls", facts.urls.clone(), source.urls.clone()),
        ("servers", servers(&facts.servers), servers(&source.servers)),
    ] {
        let missing: Vec<&String> = source
            .iter()
            .filter(|s| !runbook.iter().any(|r| r.eq_ignore_ascii_case(s)))
            .collect();
        if !missing.is_empty() {
            out.push(Difference {
                key: key.to_string(),
                runbook: runbook.join(", "),
                source: format!(
                    "also {}",
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    out
}

/// Reads an input file as text, naming it in the error.
pub(crate) fn read_input(path: &Path) -> Result<(String, String), ImportError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|error| ImportError::Read {
        file: file.clone(),
        error,
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok((file, text.trim_start_matches('\u{feff}').to_string())),
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            Err(ImportError::Input {
                file,
                line,
                message: "not UTF-8 text".to_string(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imported(app: &str) -> Imported {
        Imported {
            app: app.to_string(),
            ..Imported::default()
        }
    }

    #[test]
    fn only_facts_the_source_states_can_differ() {
        let facts = Facts {
            title: "Billing".into(),
            owner: Some("team-payments".into()),
            tags: vec!["php".into()],
            ..Facts::default()
        };
        let mut source = imported("billing");
        source.owner = Some("team-finance".into());
        source.tags = vec!["PHP".into(), "mysql".into()];
        let found = differences(&facts, &source);
        assert_eq!(
            found,
            vec![
                Difference {
                    key: "owner".into(),
                    runbook: "team-payments".into(),
                    source: "team-finance".into()
                },
                Difference {
                    key: "tags".into(),
                    runbook: "php".into(),
                    source: "also mysql".into()
                },
            ]
        );
    }

    #[test]
    fn app_ids_that_are_not_file_names_are_refused() {
        let origin = Origin {
            file: "in.csv".into(),
            line: 3,
        };
        assert!(check_app_id("billing-api.v2", &origin).is_ok());
        for bad in ["", "../etc/passwd", "a/b", ".hidden", "two words"] {
            let err = check_app_id(bad, &origin).expect_err(bad).to_string();
            assert!(err.starts_with("in.csv:3: app id"), "{err}");
        }
    }
}
