//! Terminal output for `runbook import`: what was written, what was kept and how it differs from
//! the source, what was skipped, and what is left for a person to do.

use std::fmt::Write;

use crate::import::Plan;

/// The report; `source` names what was read ("catalog", "inventory") in the differences.
pub fn report(plan: &Plan, source: &str) -> String {
    let mut out = String::new();
    for new in &plan.written {
        let from = new
            .from
            .as_ref()
            .map(|o| format!(" (from {o})"))
            .unwrap_or_default();
        match &new.text {
            Some(text) => {
                let _ = writeln!(out, "would write {}{from}:", new.path);
                for line in text.lines() {
                    let _ = writeln!(out, "    {line}");
                }
            }
            None => {
                let _ = writeln!(out, "created {}{from}", new.path);
            }
        }
    }
    for kept in &plan.existing {
        let _ = write!(
            out,
            "kept {} ({} exists; never overwritten)",
            kept.path, kept.app
        );
        if let Some(why) = &kept.unreadable {
            let _ = writeln!(out, ": not compared, {why}");
        } else if kept.differences.is_empty() {
            let _ = writeln!(out, ": agrees with the {source}");
        } else {
            let _ = writeln!(out, ": differs from the {source}:");
            for difference in &kept.differences {
                let runbook = if difference.runbook.is_empty() {
                    "nothing".to_string()
                } else {
                    format!("{:?}", difference.runbook)
                };
                let _ = writeln!(
                    out,
                    "    {}: the runbook says {runbook}, the {source} {:?}",
                    difference.key, difference.source
                );
            }
        }
    }
    let skipped: usize = plan.skipped.values().sum();
    if skipped > 0 {
        let kinds: Vec<String> = plan
            .skipped
            .iter()
            .map(|(kind, n)| format!("{kind} {n}"))
            .collect();
        let _ = writeln!(
            out,
            "skipped {skipped} catalog entities of other kinds: {}",
            kinds.join(", ")
        );
    }
    let verb = if plan.dry_run { "would write" } else { "wrote" };
    let _ = write!(
        out,
        "{verb} {}, kept {} existing.",
        count(plan.written.len()),
        plan.existing.len()
    );
    if !plan.written.is_empty() {
        out.push_str(
            " Next: fill in what the source could not know (`hosting` first), then `runbook check`.",
        );
    }
    out.push('\n');
    out
}

fn count(runbooks: usize) -> String {
    format!(
        "{runbooks} {}",
        if runbooks == 1 { "runbook" } else { "runbooks" }
    )
}
