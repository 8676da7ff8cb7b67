//! The alerts a runbook declares (`alerts:`) lead somewhere: a `section` must match one of its
//! headings, or the alert's `/r/` link lands at the top of the page instead.

use super::Parsed;
use super::report::{Code, Finding};
use runbook_core::links::section_anchor;

/// An `alerts:` entry whose `section` no heading matches.
pub(super) fn check(parsed: &Parsed, out: &mut Vec<Finding>) {
    let runbook = &parsed.runbook;
    for alert in &runbook.facts.alerts {
        let Some(heading) = &alert.section else {
            continue;
        };
        if section_anchor(runbook, heading).is_none() {
            out.push(Finding::new(
                parsed.path(),
                parsed.front_matter.value_line("alerts", heading),
                None,
                Code::AlertSectionMissing,
                format!(
                    "alert {:?} leads to section {heading:?}, which no heading of this runbook matches",
                    alert.name
                ),
            ));
        }
    }
}
