//! Any text as a runbook: parsing front matter and sections, and rendering the body to
//! sanitized HTML, must return (a runbook or a problem) without panicking, overflowing the stack
//! or running away.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Invalid UTF-8 never reaches the parser: source::read rejects it first.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match runbook_core::Runbook::parse("runbooks/fuzz.md", "fuzz.md", text) {
        Ok(parsed) => {
            for section in &parsed.sections {
                let _ = parsed.section_markdown(section);
            }
            let _ = parsed.login_section();
            let html = runbook::views::markdown::render(&parsed);
            assert!(!html.contains("<script"), "sanitized HTML has no script");
        }
        Err(problem) => assert_eq!(problem.path, "runbooks/fuzz.md"),
    }
});
