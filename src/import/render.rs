//! An imported application's runbook text: the knowledge base's template with the source's facts
//! written over the template's lines for them.
//!
//! The template stays the authority on layout, comments and sections: a key the source states
//! replaces that key's line (and the commented example under it); a key it does not state keeps
//! the template's TODO. Values are written as JSON strings, which YAML reads as double-quoted
//! scalars, so no catalog text can change the front matter's structure.

use chrono::NaiveDate;

use super::Imported;
use runbook_core::runbook::facts::Server;

/// What an imported runbook's `hosting` says when the source cannot know: not a valid value, so
/// `runbook check` reports it as an error (`invalid-hosting`) until someone decides.
pub const UNDECIDED_HOSTING: &str = "TODO: who runs the servers? self, vendor, saas or hybrid \
     (the import source does not say; decide and write one of them here)";

/// The runbook text for `app`, from `template`.
pub fn runbook(template: &str, app: &Imported, today: NaiveDate) -> String {
    let title = app.title.clone().unwrap_or_else(|| app.app.clone());
    let mut keys: Vec<(&str, Vec<String>)> = vec![
        ("title", scalar("title", &title)),
        ("app", scalar("app", &app.app)),
        (
            "hosting",
            scalar(
                "hosting",
                app.hosting.map_or(UNDECIDED_HOSTING, |h| h.as_str()),
            ),
        ),
    ];
    for (key, value) in [
        ("summary", &app.summary),
        ("owner", &app.owner),
        ("system", &app.system),
        ("lifecycle", &app.lifecycle),
    ] {
        if let Some(value) = value {
            keys.push((key, scalar(key, value)));
        }
    }
    if !app.tags.is_empty() {
        keys.push(("tags", list("tags", &app.tags)));
    }
    if !app.urls.is_empty() {
        keys.push(("urls", list("urls", &app.urls)));
    }
    if !app.servers.is_empty() {
        keys.push(("servers", servers(&app.servers)));
    }
    if let Some(vendor) = &app.vendor {
        let mut lines = vec!["vendor:".to_string()];
        for (key, value) in [("name", &vendor.name), ("phone", &vendor.phone)] {
            if let Some(value) = value {
                lines.push(format!("  {key}: {}", quoted(value)));
            }
        }
        keys.push(("vendor", lines));
    }
    if !app.annotations.is_empty() {
        let mut lines =
            vec!["annotations:                  # from the service catalog".to_string()];
        for (key, value) in &app.annotations {
            lines.push(format!("  {}: {}", quoted(key), quoted(value)));
        }
        keys.push(("annotations", lines));
    }

    let (front, body) = split_template(template);
    let mut front: Vec<String> = front.lines().map(str::to_string).collect();
    for (key, lines) in keys {
        set_key(&mut front, key, lines);
    }
    if let Some(origin) = &app.origin {
        front.insert(
            0,
            format!("# Imported from {origin} on {today}: check every fact."),
        );
    }
    let body = body
        .replace("{{title}}", &title)
        .replace("{{app}}", &app.app)
        .replace("{{today}}", &today.to_string());
    let mut text = String::from("---\n");
    for line in front {
        // Placeholders left in lines the source says nothing about (e.g. `reviewed`).
        text.push_str(
            &line
                .replace("{{today}}", &today.to_string())
                .replace("{{owner}}", "team-TODO"),
        );
        text.push('\n');
    }
    text.push_str("---\n");
    text.push_str(&body);
    text
}

/// The template's front matter (without its fences) and body; a template without front matter
/// gets an empty one.
fn split_template(template: &str) -> (&str, &str) {
    match runbook_core::runbook::front_matter::split(template) {
        Ok(split) => (split.yaml.unwrap_or(""), split.body),
        Err(_) => ("", template),
    }
}

/// Replaces `key`'s block in the front matter lines with `lines`, or adds them at the end. A
/// block is the line `key:` (or the commented-out `# key:`) and the lines under it that are
/// indented or commented-out indented lines, like the template's examples.
fn set_key(front: &mut Vec<String>, key: &str, lines: Vec<String>) {
    let starts_block = |line: &str| {
        let line = line.strip_prefix("# ").unwrap_or(line);
        line.strip_prefix(key)
            .is_some_and(|rest| rest.starts_with(':'))
    };
    let Some(start) = front.iter().position(|l| starts_block(l)) else {
        front.extend(lines);
        return;
    };
    let mut end = start + 1;
    while end < front.len() && (front[end].starts_with(' ') || front[end].starts_with("#  ")) {
        end += 1;
    }
    front.splice(start..end, lines);
}

/// A YAML double-quoted scalar. JSON's quoting is YAML's, except that YAML allows only
/// printable characters raw: DEL, C1 controls and the like (found by the `import_readers` fuzz
/// target in a CSV cell) must be escaped too, or the runbook would not parse.
fn quoted(value: &str) -> String {
    let json = serde_json::Value::String(value.to_string()).to_string();
    json.chars()
        .map(|ch| {
            if yaml_printable(ch) {
                ch.to_string()
            } else {
                format!("\\u{:04X}", u32::from(ch))
            }
        })
        .collect()
}

/// YAML 1.2's `c-printable`.
fn yaml_printable(ch: char) -> bool {
    matches!(ch, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || u32::from(ch) >= 0x10000
}

fn scalar(key: &str, value: &str) -> Vec<String> {
    vec![format!("{key}: {}", quoted(value))]
}

fn list(key: &str, values: &[String]) -> Vec<String> {
    let items: Vec<String> = values.iter().map(|v| quoted(v)).collect();
    vec![format!("{key}: [{}]", items.join(", "))]
}

fn servers(servers: &[Server]) -> Vec<String> {
    let mut lines = vec!["servers:".to_string()];
    for server in servers {
        let fields: Vec<String> = [
            ("host", &server.host),
            ("ip", &server.ip),
            ("role", &server.role),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.as_ref().map(|v| format!("{key}: {}", quoted(v))))
        .collect();
        lines.push(format!("  - {{{}}}", fields.join(", ")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use runbook_core::runbook::{Hosting, Runbook};

    const TEMPLATE: &str = include_str!("../../templates/runbook.md");

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).expect("date")
    }

    fn parse(text: &str) -> Runbook {
        Runbook::parse("runbooks/x.md", "x.md", text).expect("the rendered runbook parses")
    }

    #[test]
    fn the_sources_facts_replace_the_templates_lines() {
        let app = Imported {
            app: "billing".into(),
            title: Some("Billing \"portal\": invoices".into()),
            summary: Some("Invoices.\n# not a comment".into()),
            owner: Some("team-payments".into()),
            hosting: Some(Hosting::Vendor),
            tags: vec!["php".into(), "a, b".into()],
            servers: vec![Server {
                host: Some("billing01".into()),
                ip: Some("10.0.4.21".into()),
                ..Server::default()
            }],
            ..Imported::default()
        };
        let text = runbook(TEMPLATE, &app, today());
        let facts = parse(&text).facts;
        assert_eq!(facts.title, "Billing \"portal\": invoices");
        assert_eq!(facts.summary.as_deref(), Some("Invoices.\n# not a comment"));
        assert_eq!(facts.hosting, Some(Hosting::Vendor));
        assert_eq!(facts.tags, vec!["php", "a, b"]);
        assert_eq!(facts.servers[0].ip.as_deref(), Some("10.0.4.21"));
        assert!(facts.issues.is_empty(), "{:?}", facts.issues);
        assert!(
            text.contains("\n# Billing \"portal\": invoices\n"),
            "{text}"
        );
        assert!(
            !text.contains("#  - host: app01"),
            "the example is replaced: {text}"
        );
    }

    #[test]
    fn control_characters_from_a_source_are_escaped_and_read_back() {
        // Found by the import_readers fuzz target: a DEL inside a CSV cell.
        let odd = "http\u{7f}s://billing.example.com \u{9c} \u{feff}";
        let app = Imported {
            app: "billing".into(),
            summary: Some(odd.into()),
            urls: vec![odd.into()],
            servers: vec![Server {
                host: Some("billing01.example\u{e}com".into()),
                ..Server::default()
            }],
            ..Imported::default()
        };
        let facts = parse(&runbook(TEMPLATE, &app, today())).facts;
        assert_eq!(facts.summary.as_deref(), Some(odd));
        assert_eq!(facts.urls, vec![odd.to_string()]);
        assert_eq!(
            facts.servers[0].host.as_deref(),
            Some("billing01.example\u{e}com")
        );
    }

    #[test]
    fn undecided_hosting_is_an_invalid_value_with_a_todo() {
        let text = runbook(
            TEMPLATE,
            &Imported {
                app: "x".into(),
                ..Imported::default()
            },
            today(),
        );
        let facts = parse(&text).facts;
        assert_eq!(facts.hosting, None);
        assert_eq!(facts.issues[0].key, "hosting");
        assert!(
            text.contains("hosting: \"TODO: who runs the servers?"),
            "{text}"
        );
        assert!(text.contains("reviewed: \"2026-11-30\""), "{text}");
    }

    #[test]
    fn a_template_without_a_key_gets_it_added() {
        let text = runbook(
            "---\ntitle: \"{{title}}\"\n---\n# {{title}}\n",
            &Imported {
                app: "x".into(),
                owner: Some("team-a".into()),
                ..Imported::default()
            },
            today(),
        );
        assert_eq!(parse(&text).facts.owner.as_deref(), Some("team-a"));
    }
}
