//! TODOs left from the template: one warning per line that has one.

use std::sync::LazyLock;

use regex::Regex;

use super::Parsed;
use super::report::{Code, Finding};

pub(super) static TODO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bTODO\b").expect("valid regex"));

pub(super) fn check(p: &Parsed, out: &mut Vec<Finding>) {
    let mut last_line = 0;
    for m in TODO.find_iter(&p.text) {
        let (line, column) = p.lines.position(&p.text, m.start());
        // One finding per line is enough to point at it.
        if line == last_line {
            continue;
        }
        last_line = line;
        out.push(Finding::new(
            p.path(),
            line,
            Some(column),
            Code::Todo,
            "TODO left from the template: fill it in or delete it".to_string(),
        ));
    }
}
