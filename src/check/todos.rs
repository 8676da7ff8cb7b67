//! TODOs left from the template: one warning per line that has one.

use std::sync::LazyLock;

use regex::Regex;

use super::Parsed;
use super::report::{Code, Finding};

pub(super) static TODO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bTODO\b").expect("valid regex"));

/// Every line with a `TODO` left from the template, once.
pub(super) fn check(parsed: &Parsed, out: &mut Vec<Finding>) {
    let mut last_line = 0;
    for found in TODO.find_iter(&parsed.text) {
        let (line, column) = parsed.lines.position(&parsed.text, found.start());
        // One finding per line is enough to point at it.
        if line == last_line {
            continue;
        }
        last_line = line;
        out.push(Finding::new(
            parsed.path(),
            line,
            Some(column),
            Code::Todo,
            "TODO left from the template: fill it in or delete it".to_string(),
        ));
    }
}
