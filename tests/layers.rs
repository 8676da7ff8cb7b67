//! The shape of `src/`: no two modules import each other (directly or round a longer circle),
//! the command line, the web server and the views reach the index only through the knowledge
//! base, and no file outgrows one job. Read from the source text, so a change that breaks the
//! layering fails here rather than in a reviewer's head.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Largest number of lines a source file may have before its `#[cfg(test)]` module.
const MAX_LINES: usize = 600;

/// A module of the crate (`index::search`) and the source it was read from.
struct Module {
    name: String,
    path: PathBuf,
    /// The file's text up to its test module, comments removed.
    code: String,
}

fn modules() -> Vec<Module> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut folders = vec![src.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("src/ is readable") {
            let path = entry.expect("src/ is readable").path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).expect("under src/");
            let mut parts: Vec<String> = rel
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts == ["lib"] || parts == ["main"] {
                continue;
            }
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            let text = std::fs::read_to_string(&path).expect("source files are UTF-8");
            let before_tests = text.split("#[cfg(test)]").next().unwrap_or_default();
            let code = before_tests
                .lines()
                .map(|line| line.split("//").next().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n");
            out.push(Module {
                name: parts.join("::"),
                path,
                code,
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The modules `module` names through `crate::…` and `super::…` paths (grouped imports
/// included), its own ancestors and descendants left out.
fn imports(module: &Module, known: &BTreeSet<String>) -> BTreeSet<String> {
    let parent = |name: &str| {
        name.rsplit_once("::")
            .map_or(String::new(), |(p, _)| p.into())
    };
    // A module's name drops `mod`, so for `web/tasks/mod.rs` (`web::tasks`) and
    // `web/tasks/pull.rs` (`web::tasks::pull`) alike, `super` is the parent of the name.
    let super_one = parent(&module.name);
    let super_two = parent(&super_one);
    let grouped = regex::Regex::new(r"\b(crate|super)::\{([^}]*)\}").expect("valid pattern");
    let code = grouped.replace_all(&module.code, |c: &regex::Captures| {
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

fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let known: BTreeSet<String> = modules.iter().map(|m| m.name.clone()).collect();
    modules
        .iter()
        .map(|m| (m.name.clone(), imports(m, &known)))
        .collect()
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
fn the_cli_the_server_and_the_views_reach_the_index_only_through_the_knowledge_base() {
    let graph = import_graph();
    let below_the_knowledge_base = ["index", "semantic", "source"];
    let mut crossings = Vec::new();
    for (module, imported) in &graph {
        let top = module.split("::").next().unwrap_or_default();
        if !["cli", "web", "views"].contains(&top) {
            continue;
        }
        for target in imported {
            let target_top = target.split("::").next().unwrap_or_default();
            if below_the_knowledge_base.contains(&target_top) {
                crossings.push(format!("{module} uses {target}"));
            }
        }
    }
    assert!(crossings.is_empty(), "{}", crossings.join("\n"));
}

#[test]
fn the_import_check_sees_a_known_import() {
    // Guards the two tests above against passing because the parser found nothing.
    let graph = import_graph();
    assert!(graph["index::search"].contains("index::lexical"));
    assert!(graph["web::state"].contains("knowledge_base"));
    assert!(graph["auth"].contains("config"));
}

#[test]
fn no_source_file_is_over_600_lines_before_its_tests() {
    let long: Vec<String> = modules()
        .iter()
        .filter_map(|m| {
            let text = std::fs::read_to_string(&m.path).ok()?;
            let lines = text
                .split("#[cfg(test)]")
                .next()
                .unwrap_or_default()
                .lines()
                .count();
            (lines > MAX_LINES).then(|| format!("{}: {lines} lines", m.path.display()))
        })
        .collect();
    assert!(long.is_empty(), "{}", long.join("\n"));
}
