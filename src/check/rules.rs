//! `runbook check --rules PATH...`: Prometheus alerting rules checked against the knowledge
//! base. Every alert must lead to a runbook (a `runbook_url` that resolves here, or a runbook
//! that declares its name), and every alert a runbook declares must exist in the rules.
//! Recording rules are ignored; a file that is not valid YAML is an error of its own, and the
//! other files are still checked.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::Parsed;
use super::report::{Code, Finding};
use runbook_core::links::LinkPath;
use runbook_core::runbook::names::key;

/// A rule file: `groups: [{name, rules: [...]}]`.
#[derive(Deserialize)]
struct RuleFile {
    #[serde(default)]
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    #[serde(default)]
    rules: Vec<Rule>,
}

/// One rule; a recording rule has `record:` and no `alert:`.
#[derive(Deserialize)]
struct Rule {
    alert: Option<String>,
    #[serde(default)]
    annotations: BTreeMap<String, Value>,
}

/// What the runbooks answer to: app ids, and every name a `/r/` link may carry.
struct Names {
    apps: HashSet<String>,
    keys: HashSet<String>,
    alerts: HashSet<String>,
}

impl Names {
    fn of(parsed: &[Parsed]) -> Names {
        let mut names = Names {
            apps: HashSet::new(),
            keys: HashSet::new(),
            alerts: HashSet::new(),
        };
        for source in parsed {
            let facts = &source.runbook.facts;
            names.apps.insert(key(&facts.app));
            let keys = std::iter::once(facts.app.as_str())
                .chain(facts.aliases.iter().map(String::as_str))
                .chain(facts.addresses())
                .chain(facts.urls.iter().map(String::as_str));
            names.keys.extend(keys.map(key));
            for alert in &facts.alerts {
                names.alerts.insert(key(&alert.name));
                names.keys.insert(key(&alert.name));
            }
        }
        names
    }
}

/// The rule files under `paths` (a file, or every `.yml`/`.yaml` in a folder), sorted.
pub(super) fn rule_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut folders = vec![path.clone()];
            while let Some(folder) = folders.pop() {
                let Ok(entries) = std::fs::read_dir(&folder) else {
                    continue;
                };
                for entry in entries.flatten() {
                    let path = entry.path();
                    if path.is_dir() {
                        folders.push(path);
                    } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                        files.push(path);
                    }
                }
            }
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    files
}

/// Checks every rule file against the runbooks in `parsed`.
pub(super) fn check(parsed: &[Parsed], files: &[PathBuf], out: &mut Vec<Finding>) {
    let names = Names::of(parsed);
    let mut defined: HashSet<String> = HashSet::new();
    for file in files {
        check_file(file, &names, &mut defined, out);
    }
    for source in parsed {
        for alert in &source.runbook.facts.alerts {
            if !defined.contains(&key(&alert.name)) {
                out.push(Finding::new(
                    source.path(),
                    source.front_matter.value_line("alerts", &alert.name),
                    None,
                    Code::AlertNotInRules,
                    format!(
                        "alert {:?} is declared here, but no rule file defines it",
                        alert.name
                    ),
                ));
            }
        }
    }
}

fn check_file(file: &Path, names: &Names, defined: &mut HashSet<String>, out: &mut Vec<Finding>) {
    let shown = file.display().to_string();
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            out.push(Finding::new(
                &shown,
                1,
                None,
                Code::InvalidRuleFile,
                format!("cannot read it: {e}"),
            ));
            return;
        }
    };
    let rules: RuleFile = match serde_saphyr::from_str(&text) {
        Ok(rules) => rules,
        Err(error) => {
            let line = error.location().map_or(1, |l| l.line());
            let message =
                runbook_core::runbook::front_matter::first_line_of(&error.to_string()).to_string();
            out.push(Finding::new(
                &shown,
                line,
                None,
                Code::InvalidRuleFile,
                format!("not a Prometheus rule file: {message}"),
            ));
            return;
        }
    };
    let lines = RuleLines::new(&text);
    for rule in rules.groups.iter().flat_map(|group| &group.rules) {
        let Some(alert) = rule.alert.as_deref() else {
            continue;
        };
        defined.insert(key(alert));
        let line = lines.alert(alert);
        match rule.annotations.get("runbook_url").and_then(Value::as_str) {
            Some(url) => {
                if let Some(unknown) = unknown_link(url, names) {
                    out.push(Finding::new(
                        &shown,
                        lines.after(line, "runbook_url"),
                        None,
                        Code::RunbookUrlUnknown,
                        format!("alert {alert:?}: runbook_url {url:?} leads to no runbook here ({unknown})"),
                    ));
                }
            }
            None if !names.alerts.contains(&key(alert)) => out.push(Finding::new(
                &shown,
                line,
                None,
                Code::AlertWithoutRunbook,
                format!(
                    "alert {alert:?} has no runbook_url and no runbook declares it in `alerts:`"
                ),
            )),
            None => {}
        }
    }
}

/// Why a `runbook_url` leads nowhere here; `None` when it resolves, is templated beyond its
/// fixed part, or is not a link into this knowledge base (`/r/…` or `/runbooks/…`).
fn unknown_link(url: &str, names: &Names) -> Option<String> {
    let link = LinkPath::of(url)?;
    // `{{ $labels.alertname }}` is filled in when the alert fires: only the fixed part counts.
    if link.name().contains("{{") {
        return None;
    }
    let wanted = key(link.name());
    let (kind, known) = match link {
        LinkPath::Runbook(_) => ("app", names.apps.contains(&wanted)),
        LinkPath::Key(_) => ("key", names.keys.contains(&wanted)),
    };
    (!known).then(|| format!("no runbook has the {kind} {wanted:?}"))
}

/// Where rules and their annotations are written in a rule file.
struct RuleLines<'a> {
    lines: Vec<&'a str>,
}

impl<'a> RuleLines<'a> {
    fn new(text: &'a str) -> RuleLines<'a> {
        RuleLines {
            lines: text.lines().collect(),
        }
    }

    /// The 1-based line of `alert: NAME` (1 when it cannot be found).
    fn alert(&self, name: &str) -> u64 {
        self.lines
            .iter()
            .position(|line| {
                let line = line.trim_start().trim_start_matches('-').trim_start();
                line.strip_prefix("alert:")
                    .is_some_and(|rest| rest.trim().trim_matches(['"', '\'']) == name)
            })
            .map_or(1, |index| index as u64 + 1)
    }

    /// The first line at or after `from` that names `key:`.
    fn after(&self, from: u64, key: &str) -> u64 {
        let start = from.saturating_sub(1) as usize;
        self.lines
            .iter()
            .enumerate()
            .skip(start)
            .find(|(_, line)| line.trim_start().starts_with(&format!("{key}:")))
            .map_or(from, |(index, _)| index as u64 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            apps: ["ledger".to_string()].into(),
            keys: ["ledger".to_string(), "ledgerdown".to_string()].into(),
            alerts: ["ledgerdown".to_string()].into(),
        }
    }

    #[test]
    fn a_link_into_this_knowledge_base_must_resolve_and_others_are_not_its_business() {
        let names = names();
        assert_eq!(
            unknown_link("https://rb.example.com/r/LedgerDown?instance=x", &names),
            None
        );
        assert_eq!(
            unknown_link("https://rb.example.com/runbooks/ledger#login", &names),
            None
        );
        assert!(unknown_link("https://rb.example.com/r/Nope", &names).is_some());
        assert!(
            unknown_link("https://rb.example.com/runbooks/ledgerdown", &names).is_some(),
            "an alert is not an app"
        );
        assert_eq!(
            unknown_link("https://rb.example.com/r/{{ $labels.alertname }}", &names),
            None
        );
        assert_eq!(
            unknown_link("https://wiki.example.com/Ledger", &names),
            None
        );
    }

    #[test]
    fn an_alerts_line_and_its_annotation_are_found() {
        let text = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: x\n        annotations:\n          runbook_url: u\n      - alert: \"B\"\n";
        let lines = RuleLines::new(text);
        assert_eq!(lines.alert("A"), 4);
        assert_eq!(lines.alert("B"), 8);
        assert_eq!(lines.after(4, "runbook_url"), 7);
        assert_eq!(lines.alert("C"), 1);
    }
}
