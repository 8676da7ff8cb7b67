//! What the commands print: text (styled where the terminal allows) and JSON on standard output,
//! warnings on standard error.

use std::io::Write;

/// Prints text from the views; their styles are dropped where standard output cannot show them.
pub(super) fn print(text: &str) {
    let mut out = anstream::stdout();
    let _ = out.write_all(text.as_bytes());
}

/// Prints `value` as pretty JSON and a newline.
pub(super) fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Prints each of `warnings` on standard error as `warning: …`.
pub(super) fn warn_all(warnings: &[String]) {
    for warning in warnings {
        let _ = writeln!(anstream::stderr(), "warning: {warning}");
    }
}
