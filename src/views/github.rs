//! GitHub Actions output for `runbook check --format github`: workflow commands that make CI
//! annotate the offending lines in a pull request.
//!
//! The escaping follows the runner's own rules (`toolkit/packages/core/src/command.ts`): `%`, CR
//! and LF in the message; additionally `:` and `,` in properties, which delimit them.

use std::fmt::Write;

use crate::check::{Report, Severity};

/// `::error file=PATH,line=N,col=M,title=CODE::MESSAGE`, one per finding, then a plain summary
/// line (lines that are not commands are simply shown in the log).
pub fn check_report(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = write!(
            out,
            "::{command} file={},line={}",
            escape_property(&finding.path),
            finding.line
        );
        if let Some(column) = finding.column {
            let _ = write!(out, ",col={column}");
        }
        let _ = writeln!(
            out,
            ",title={}::{}",
            escape_property(finding.code.as_str()),
            escape_data(&finding.message)
        );
    }
    out.push_str(&super::terminal::check_summary(report));
    out.push('\n');
    out
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_properties_are_escaped_as_the_runner_expects() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_property("a,b:c%"), "a%2Cb%3Ac%25");
    }
}
