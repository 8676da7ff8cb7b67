//! `runbook new`: a new runbook file from the knowledge base's template, and the template itself
//! (which `runbook import` fills in too).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};

use runbook_core::config::Book;
use runbook_core::runbook::Hosting;

use super::exit;

/// Create a new runbook from templates/runbook.md.
#[derive(Debug, clap::Args)]
pub(super) struct NewArgs {
    /// The app id; the file is <runbook folder>/APP.md.
    app: String,
    /// Who runs the servers.
    #[arg(long, value_parser = ["self", "vendor", "saas", "hybrid"])]
    hosting: Option<String>,
    /// The owning team.
    #[arg(long)]
    owner: Option<String>,
}

/// Writes `<runbook folder>/APP.md`; never overwrites a runbook that exists.
pub(super) fn run(args: &NewArgs, book: &Book) -> anyhow::Result<u8> {
    let app = args.app.as_str();
    let valid = !app.is_empty()
        && app
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/'))
        && !app.starts_with('/')
        && !app.split('/').any(|part| part.is_empty() || part == "..");
    if !valid {
        bail!("app id {app:?} may use letters, digits, '-', '_' and '/' for a sub-folder");
    }
    let path = book.src.join(format!("{app}.md"));
    if path.exists() {
        bail!(
            "{} already exists; not overwriting it",
            book.display_path(&path)
        );
    }
    let hosting = args
        .hosting
        .as_deref()
        .and_then(Hosting::parse)
        .map_or("self", Hosting::as_str);
    let name = app.rsplit('/').next().unwrap_or(app);
    let text = template(book)
        .replace("{{title}}", &title_of(name))
        .replace("{{app}}", name)
        .replace("{{hosting}}", hosting)
        .replace("{{owner}}", args.owner.as_deref().unwrap_or("team-TODO"))
        .replace("{{today}}", &runbook_core::clock::today()?.to_string());
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    write_new(&path, &text)?;
    println!(
        "Created {}. Fill in the TODOs (`runbook check` lists them), then `runbook show {name}`.",
        book.display_path(&path)
    );
    Ok(exit::OK)
}

/// A title for an app id's last part: `order-api` → `Order Api`.
fn title_of(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The knowledge base's `templates/runbook.md`, or the built-in one.
pub(super) fn template(book: &Book) -> String {
    let template_path = book.root.join("templates").join("runbook.md");
    match std::fs::read_to_string(&template_path) {
        Ok(text) => text,
        Err(_) => DEFAULT_TEMPLATE.to_string(),
    }
}

/// Used when the knowledge base has no `templates/runbook.md` of its own: this repository's
/// template, built in so the two cannot drift apart.
const DEFAULT_TEMPLATE: &str = include_str!("../../templates/runbook.md");

/// Creates a file that must not exist yet (no race with a file created meanwhile).
fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
