//! Real, public runbook collections (`../shared/corpora/`): thousands of Markdown files nobody
//! here wrote, without our front matter. Every file must be indexed (or reported), and findable.
//!
//! The corpora sit beside the repository in CI; in a plain clone they are absent and these tests
//! say they are skipped (under `CI`, where they always exist, that is a failure).

use std::path::{Path, PathBuf};

use crate::harness::tools::skip;
use crate::harness::{cli, repo};

fn corpora() -> Option<PathBuf> {
    let dir = repo().join("../shared/corpora");
    if dir.is_dir() {
        Some(dir)
    } else {
        skip(
            "corpora",
            &format!(
                "{} is absent (it exists beside the repository in CI)",
                dir.display()
            ),
        );
        None
    }
}

/// Markdown files the indexer should see: not in hidden folders, not mdBook's SUMMARY.md.
fn markdown_files(root: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .filter(|e| e.file_name() != "SUMMARY.md")
        .map(|e| e.into_path())
        .collect()
}

fn runbook(root: &Path, index: &Path, args: &[&str]) -> serde_json::Value {
    let out = cli(root)
        .arg("--index-dir")
        .arg(index)
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The text of the first level-1 heading, if the file has one outside code blocks.
fn first_heading(text: &str) -> Option<String> {
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        if let Some(h) = line.strip_prefix("# ").filter(|_| !in_code) {
            return Some(h.trim().to_string()).filter(|h| h.split_whitespace().count() >= 2);
        }
    }
    None
}

#[test]
fn every_corpus_is_indexed_whole_and_its_pages_are_found_by_their_titles() {
    let Some(corpora) = corpora() else { return };
    let mut corpus_dirs: Vec<PathBuf> = std::fs::read_dir(&corpora)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    corpus_dirs.sort();
    assert!(!corpus_dirs.is_empty());
    for corpus in corpus_dirs {
        let index = tempfile::tempdir().unwrap();
        let files = markdown_files(&corpus);
        // Sentence vectors for thousands of sections would take minutes in a debug build; the
        // vector cache has tests of its own (tests/semantic.rs).
        let report = runbook(&corpus, index.path(), &["index", "--json", "--no-vectors"]);
        let indexed = report["indexed"].as_u64().unwrap() as usize;
        let problems = report["problems"].as_array().unwrap();
        println!(
            "{}: {} files, {indexed} indexed, {} left out",
            corpus.display(),
            files.len(),
            problems.len()
        );
        for p in problems {
            println!("  left out: {} — {}", p["path"], p["message"]);
            assert!(p["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
        assert_eq!(
            indexed + problems.len(),
            files.len(),
            "every file indexed or reported"
        );

        // Every 25th file with a distinctive title is found by it, among the first three hits.
        let mut tried = 0;
        let mut found = 0;
        for file in files.iter().step_by(25) {
            let Ok(text) = std::fs::read_to_string(file) else {
                continue;
            };
            if text.starts_with("---") {
                continue; // front matter may set another title
            }
            let Some(title) = first_heading(&text) else {
                continue;
            };
            let rel = file
                .strip_prefix(&corpus)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let results = runbook(
                &corpus,
                index.path(),
                &["search", &title, "--json", "--limit", "3"],
            );
            tried += 1;
            let hit = results["hits"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["path"].as_str() == Some(rel.as_str()));
            if hit {
                found += 1;
            } else {
                println!("  not in top 3 for {title:?}: {rel}");
            }
        }
        println!("  found {found} of {tried} pages by their title");
        assert!(
            found * 10 >= tried * 9,
            "{found} of {tried} found by title in {}",
            corpus.display()
        );
    }
}
