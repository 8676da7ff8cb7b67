//! Any file as a Backstage catalog or an inventory CSV for `runbook import`: both readers must
//! return applications or an error naming the file, never panic; and every runbook an import
//! would write must read back as a runbook with the imported app id.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use runbook::import::{self, backstage, csv};

const TEMPLATE: &str = include_str!("../../templates/runbook.md");

/// An empty knowledge base to plan imports into, and a scratch file for the input (made once).
fn setup() -> &'static (tempfile::TempDir, runbook_core::Book, PathBuf) {
    static SETUP: OnceLock<(tempfile::TempDir, runbook_core::Book, PathBuf)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("book.toml"), "[book]\nsrc = \"runbooks\"\n")
            .expect("book.toml");
        std::fs::create_dir_all(dir.path().join("runbooks")).expect("runbooks");
        let book = runbook_core::Book::load(dir.path()).expect("book");
        let input = dir.path().join("input");
        (dir, book, input)
    })
}

fuzz_target!(|data: &[u8]| {
    let (_, book, input) = setup();
    if std::fs::write(input, data).is_err() {
        return;
    }
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date");
    for source in [backstage::read(&[input]), csv::read(input)] {
        let Ok(source) = source else { continue };
        let plan = import::plan(book, source, TEMPLATE, today);
        for new in &plan.written {
            let Some(text) = &new.text else { continue };
            let parsed = runbook_core::Runbook::parse(&new.path, &new.path, text)
                .unwrap_or_else(|problem| panic!("an imported runbook does not parse: {problem}\n{text}"));
            assert_eq!(parsed.facts.app, new.app, "{text}");
        }
    }
});
