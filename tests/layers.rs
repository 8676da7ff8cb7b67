//! What the compiler cannot keep about the workspace's shape: the core crate stays free of the
//! command line, the web server and the model (through every dependency, not only its own
//! `Cargo.toml`), no two modules of a crate import each other (directly or round a longer
//! circle), and no file or function outgrows one job.
//!
//! Which layer may reach which is the compiler's work: `runbook-core` keeps its index private,
//! and the binary sees only what the core exports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Largest number of lines a source file may have before its test module.
const MAX_FILE_LINES: usize = 600;
/// Largest number of lines a function outside tests may have, signature to closing brace.
const MAX_FUNCTION_LINES: usize = 80;
/// Crates the core library must not pull in, however indirectly.
const NOT_IN_THE_CORE: [&str; 6] = [
    "clap",
    "axum",
    "tokio",
    "candle-core",
    "candle-nn",
    "tokenizers",
];

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A module of one crate (`index::search` of `runbook-core`) and its source.
struct Module {
    krate: String,
    name: String,
    path: PathBuf,
    /// The whole file's lines before its test module (`#[cfg(test)]` then `mod …` at the left
    /// margin), comments and string contents blanked.
    code: Vec<String>,
}

/// The source folders of the workspace's crates, by crate name.
fn crates() -> Vec<(String, PathBuf)> {
    let mut found = vec![("runbook".to_string(), workspace().join("src"))];
    let members = std::fs::read_dir(workspace().join("crates")).expect("crates/ is readable");
    for member in members {
        let dir = member.expect("crates/ is readable").path();
        let name = dir.file_name().expect("a folder name");
        found.push((name.to_string_lossy().into_owned(), dir.join("src")));
    }
    found.sort();
    found
}

fn rust_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("source folders are readable") {
            let path = entry.expect("source folders are readable").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// A line without its comment and with string and character literals emptied, so braces and
/// `crate::` inside them count for nothing.
fn code_of(line: &str) -> String {
    let strings = regex::Regex::new(r#""(\\.|[^"\\])*"|'(\\.|[^'\\])'"#).expect("valid pattern");
    let line = strings.replace_all(line, "\"\"");
    line.split("//").next().unwrap_or_default().to_string()
}

/// The lines of `text` before its test module.
fn before_tests(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .windows(2)
        .position(|pair| pair[0].starts_with("#[cfg(test)]") && pair[1].starts_with("mod "))
        .unwrap_or(lines.len());
    lines[..end].to_vec()
}

fn modules() -> Vec<Module> {
    let mut out = Vec::new();
    for (krate, src) in crates() {
        for path in rust_files(&src) {
            let rel = path.strip_prefix(&src).expect("under src/");
            let mut parts: Vec<String> = rel
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts == ["lib"] || parts == ["main"] {
                parts.clear();
            }
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            let text = std::fs::read_to_string(&path).expect("source files are UTF-8");
            out.push(Module {
                krate: krate.clone(),
                name: parts.join("::"),
                code: before_tests(&text).into_iter().map(code_of).collect(),
                path,
            });
        }
    }
    out.sort_by(|a, b| (&a.krate, &a.name).cmp(&(&b.krate, &b.name)));
    out
}

fn parent(name: &str) -> String {
    name.rsplit_once("::")
        .map_or(String::new(), |(p, _)| p.into())
}

/// The modules of its own crate that `module` names through `crate::…` and `super::…` paths
/// (grouped imports included), its own ancestors and descendants left out.
fn imports(module: &Module, known: &BTreeSet<String>) -> BTreeSet<String> {
    // A module's name drops `mod`, so for `web/tasks/mod.rs` (`web::tasks`) and
    // `web/tasks/pull.rs` (`web::tasks::pull`) alike, `super` is the parent of the name.
    let super_one = parent(&module.name);
    let super_two = parent(&super_one);
    let grouped = regex::Regex::new(r"\b(crate|super)::\{([^}]*)\}").expect("valid pattern");
    let code = module.code.join("\n");
    let code = grouped.replace_all(&code, |c: &regex::Captures| {
        c[2].split(',')
            .map(|item| format!("{}::{} ", &c[1], item.trim()))
            .collect::<String>()
    });
    let path = regex::Regex::new(r"\b(crate|super::super|super)((?:::[a-z_][a-z0-9_]*)+)")
        .expect("valid pattern");
    let mut found = BTreeSet::new();
    for c in path.captures_iter(&code) {
        let base = match &c[1] {
            "crate" => String::new(),
            "super" => super_one.clone(),
            _ => super_two.clone(),
        };
        let segments: Vec<&str> = c[2].trim_start_matches("::").split("::").collect();
        for n in (1..=segments.len()).rev() {
            let joined = segments[..n].join("::");
            let name = if base.is_empty() {
                joined
            } else {
                format!("{base}::{joined}")
            };
            if known.contains(&name) {
                let related = name == module.name
                    || module.name.starts_with(&format!("{name}::"))
                    || name.starts_with(&format!("{}::", module.name));
                if !related {
                    found.insert(name);
                }
                break;
            }
        }
    }
    found
}

/// Each crate's modules and the modules of the same crate they import, keyed `crate/module`.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let mut graph = BTreeMap::new();
    for module in modules.iter().filter(|m| !m.name.is_empty()) {
        let known: BTreeSet<String> = modules
            .iter()
            .filter(|m| m.krate == module.krate && !m.name.is_empty())
            .map(|m| m.name.clone())
            .collect();
        let imported = imports(module, &known)
            .into_iter()
            .map(|name| format!("{}/{name}", module.krate))
            .collect();
        graph.insert(format!("{}/{}", module.krate, module.name), imported);
    }
    graph
}

/// A circle through `start`, if there is one.
fn circle_through(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_string(), vec![start.to_string()])];
    let mut seen = BTreeSet::new();
    while let Some((at, path)) = stack.pop() {
        for next in graph.get(&at).into_iter().flatten() {
            if next == start {
                let mut circle = path.clone();
                circle.push(start.to_string());
                return Some(circle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

/// Every package `root` depends on, directly or not, as `Cargo.lock` records them (normal,
/// build and, for workspace members, development dependencies).
fn locked_dependencies_of(root: &str) -> BTreeSet<String> {
    let lock = std::fs::read_to_string(workspace().join("Cargo.lock")).expect("Cargo.lock");
    let lock: toml::Table = lock.parse().expect("Cargo.lock is TOML");
    let packages = lock["package"].as_array().expect("[[package]] entries");
    let mut deps: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for package in packages {
        let name = package["name"].as_str().expect("a package name");
        let listed = package.get("dependencies").and_then(|d| d.as_array());
        // An entry is `name` or `name version` when two versions are locked.
        let names = listed
            .into_iter()
            .flatten()
            .filter_map(|d| d.as_str()?.split(' ').next());
        deps.entry(name).or_default().extend(names);
    }
    let mut reached = BTreeSet::new();
    let mut todo = vec![root];
    while let Some(name) = todo.pop() {
        for &dep in deps.get(name).into_iter().flatten() {
            if reached.insert(dep.to_string()) {
                todo.push(dep);
            }
        }
    }
    reached
}

#[test]
fn the_core_crate_reaches_neither_the_command_line_the_web_server_nor_the_model() {
    let reached = locked_dependencies_of("runbook-core");
    assert!(
        reached.contains("tantivy"),
        "the lock file was read: {reached:?}"
    );
    let forbidden: Vec<&str> = NOT_IN_THE_CORE
        .into_iter()
        .filter(|name| reached.contains(*name))
        .collect();
    assert!(
        forbidden.is_empty(),
        "runbook-core depends on {forbidden:?}"
    );
}

#[test]
fn no_module_imports_one_that_imports_it() {
    let graph = import_graph();
    assert!(
        graph.len() > 40,
        "the source was read: {} modules",
        graph.len()
    );
    let circles: Vec<String> = graph
        .keys()
        .filter_map(|m| circle_through(&graph, m))
        .map(|c| c.join(" → "))
        .collect();
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_import_check_sees_a_known_import() {
    // Guards the test above against passing because the parser found nothing.
    let graph = import_graph();
    assert!(graph["runbook-core/index::search"].contains("runbook-core/index::lexical"));
    assert!(graph["runbook-core/knowledge_base"].contains("runbook-core/index"));
    assert!(graph["runbook/web::state"].contains("runbook/auth"));
}

#[test]
fn no_source_file_is_over_600_lines_before_its_tests() {
    let long: Vec<String> = modules()
        .iter()
        .filter(|m| m.code.len() > MAX_FILE_LINES)
        .map(|m| format!("{}: {} lines", m.path.display(), m.code.len()))
        .collect();
    assert!(long.is_empty(), "{}", long.join("\n"));
}

/// Functions of `code` (lines before the tests) as (first line, number of lines, signature).
fn functions(code: &[String]) -> Vec<(usize, usize, String)> {
    let start =
        regex::Regex::new(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+\w+")
            .expect("valid pattern");
    let mut found = Vec::new();
    let mut at = 0;
    while at < code.len() {
        if !start.is_match(&code[at]) {
            at += 1;
            continue;
        }
        let (mut depth, mut opened, mut end) = (0i32, false, at);
        while end < code.len() {
            for ch in code[end].chars() {
                match ch {
                    '{' => (depth, opened) = (depth + 1, true),
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if (opened && depth == 0) || (!opened && code[end].trim_end().ends_with(';')) {
                break;
            }
            end += 1;
        }
        if opened {
            found.push((at + 1, end - at + 1, code[at].trim().to_string()));
            at = end + 1;
        } else {
            at += 1;
        }
    }
    found
}

#[test]
fn no_function_outside_tests_is_over_80_lines() {
    let modules = modules();
    let counted: usize = modules.iter().map(|m| functions(&m.code).len()).sum();
    assert!(counted > 500, "the functions were found: {counted}");
    let long: Vec<String> = modules
        .iter()
        .flat_map(|m| {
            functions(&m.code)
                .into_iter()
                .filter(|(_, lines, _)| *lines > MAX_FUNCTION_LINES)
                .map(|(line, lines, signature)| {
                    format!("{}:{line}: {lines} lines: {signature}", m.path.display())
                })
        })
        .collect();
    assert!(long.is_empty(), "{}", long.join("\n"));
}

#[test]
fn the_function_counter_measures_signature_to_closing_brace() {
    let code: Vec<String> = [
        "fn short() {",
        "    let braces = \"{\";",
        "}",
        "trait T { fn declared(&self); }",
        "pub(crate) async fn longer(",
        "    x: u8,",
        ") -> u8 {",
        "    if x > 1 { x } else { 0 }",
        "}",
    ]
    .iter()
    .map(|line| code_of(line))
    .collect();
    let found: Vec<(usize, usize)> = functions(&code)
        .into_iter()
        .map(|(line, lines, _)| (line, lines))
        .collect();
    assert_eq!(found, [(1, 3), (5, 5)]);
}
