//! The `runbook` command line: arguments, the commands, and exit codes.
//!
//! This is the binary's edge: errors become `anyhow` here and a message on stderr; exit codes are
//! 0 (found / ok), 1 (nothing found, check failed) and 2 (usage or configuration error).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{CommandFactory, Parser, Subcommand};

use crate::config::Book;
use crate::error::Error;
use crate::knowledge_base::KnowledgeBase;
use crate::runbook::Hosting;
use crate::views::terminal;

/// An operations runbook knowledge base: who runs it, who owns it, how to log in.
#[derive(Debug, Parser)]
#[command(name = "runbook", version, about, long_about = None)]
pub struct Cli {
    /// The knowledge base's root (the folder with book.toml). Default: the nearest folder upwards
    /// that has one.
    #[arg(long, global = true, env = "RUNBOOK_ROOT", value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// Where to keep the search index (default: .runbook/ under the root). For read-only
    /// checkouts and shared folders.
    #[arg(long, global = true, env = "RUNBOOK_INDEX_DIR", value_name = "DIR")]
    pub index_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the search page and JSON API.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:7878")]
        bind: String,
        /// Do not watch the runbook folder for changes.
        #[arg(long)]
        no_watch: bool,
    },
    /// Search the runbooks: plain words, "phrases", -excluded, owner: hosting: tag: host: system:
    Search {
        /// The query. Quote it when it excludes words: runbook search "billing -test".
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        /// Show at most this many runbooks.
        #[arg(long, short = 'n', default_value_t = 10)]
        limit: usize,
        /// Print JSON (a stable schema) instead of text.
        #[arg(long)]
        json: bool,
        /// Show why each hit scored as it did: the whole runbook's and the best section's scores,
        /// and which fields each word matched.
        #[arg(long)]
        explain: bool,
    },
    /// Show a runbook's fact card and its Login section.
    Show {
        /// App id, alias, server host name, IP or URL.
        app: String,
        /// Print this section instead of Login (case-insensitive, a prefix is enough).
        #[arg(long, short = 's')]
        section: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Create a new runbook from templates/runbook.md.
    New {
        /// The app id; the file is <runbook folder>/APP.md.
        app: String,
        /// Who runs the servers.
        #[arg(long, value_parser = ["self", "vendor", "saas", "hybrid"])]
        hosting: Option<String>,
        /// The owning team.
        #[arg(long)]
        owner: Option<String>,
    },
    /// Build or refresh the on-disk search index.
    Index {
        /// Re-read every runbook instead of only the changed ones.
        #[arg(long)]
        rebuild: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

/// Exit codes, as DESIGN.md fixes them.
pub mod exit {
    pub const OK: u8 = 0;
    pub const NOTHING_FOUND: u8 = 1;
    pub const USAGE: u8 = 2;
}

/// Parses the arguments, runs the command and turns its outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let _ = writeln!(anstream::stderr(), "error: {err:#}");
            let code = match err.downcast_ref::<Error>() {
                Some(Error::NotFound(_)) => exit::NOTHING_FOUND,
                _ => exit::USAGE,
            };
            ExitCode::from(code)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(
            shell,
            &mut Cli::command(),
            "runbook",
            &mut std::io::stdout(),
        );
        return Ok(exit::OK);
    }
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    let mut book = Book::discover(cli.root.as_deref(), &cwd)?;
    if let Some(dir) = cli.index_dir {
        book.state_dir = dir;
    }
    match cli.command {
        Command::Serve { bind, no_watch } => serve(book, &bind, no_watch),
        Command::Search {
            query,
            limit,
            json,
            explain,
        } => {
            let kb = open_fresh(book)?;
            let query = query.join(" ");
            let results = if explain {
                kb.search_explained(&query, limit)?
            } else {
                kb.search(&query, limit)?
            };
            if json {
                print_json(&results)?;
            } else {
                print(&terminal::search_results(&results));
            }
            Ok(if results.hits.is_empty() {
                exit::NOTHING_FOUND
            } else {
                exit::OK
            })
        }
        Command::Show { app, section, json } => {
            let kb = open_fresh(book)?;
            let runbook = match kb.runbook(&app) {
                Err(Error::NotFound(name)) => return not_found(&kb, &name),
                other => other?,
            };
            let details = kb.details(&runbook, section.as_deref(), today())?;
            if json {
                print_json(&details)?;
            } else {
                print(&terminal::details(&details));
            }
            Ok(exit::OK)
        }
        Command::New {
            app,
            hosting,
            owner,
        } => new_runbook(&book, &app, hosting.as_deref(), owner.as_deref()),
        Command::Index { rebuild, json } => {
            let kb = KnowledgeBase::open(book)?;
            warn_all(kb.index().warnings());
            let report = with_progress(|progress| {
                if rebuild {
                    kb.rebuild(progress)
                } else {
                    kb.refresh(progress)
                }
            })?;
            if json {
                print_json(&report)?;
            } else {
                print(&terminal::refresh_summary(&report));
            }
            Ok(exit::OK)
        }
        Command::Completions { .. } => Ok(exit::OK),
    }
}

/// Opens the knowledge base and refreshes a stale index first, quietly.
fn open_fresh(book: Book) -> anyhow::Result<KnowledgeBase> {
    let kb = KnowledgeBase::open(book)?;
    warn_all(kb.index().warnings());
    let report = with_progress(|progress| kb.refresh(progress))?;
    if !report.problems.is_empty() {
        let _ = writeln!(
            anstream::stderr(),
            "note: {} files left out of the index (run `runbook index` to see why)",
            report.problems.len()
        );
    }
    Ok(kb)
}

fn not_found(kb: &KnowledgeBase, name: &str) -> anyhow::Result<u8> {
    let mut message = format!("no runbook is called {name:?} (by app id, alias, host, IP or URL)");
    let results = kb.search(name, 3)?;
    if !results.hits.is_empty() {
        message.push_str("; did you mean: ");
        let names: Vec<String> = results
            .hits
            .iter()
            .map(|h| format!("{} ({})", h.app, h.title))
            .collect();
        message.push_str(&names.join(", "));
    }
    let _ = writeln!(anstream::stderr(), "{message}");
    Ok(exit::NOTHING_FOUND)
}

fn serve(book: Book, bind: &str, no_watch: bool) -> anyhow::Result<u8> {
    let _ = (book, no_watch);
    let _ = writeln!(
        anstream::stderr(),
        "runbook serve: the web server is not built yet; it will listen on http://{bind}/.\n\
         Meanwhile use `runbook search WORDS` and `runbook show APP` in this terminal."
    );
    Ok(exit::USAGE)
}

/// Runs `work` with a progress bar on stderr when it is a terminal.
fn with_progress<T>(
    work: impl FnOnce(crate::index::Progress) -> crate::Result<T>,
) -> anyhow::Result<T> {
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::hidden();
        bar.set_style(
            indicatif::ProgressStyle::with_template("indexing {bar:40} {pos}/{len} runbooks")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut progress = |done: usize, total: usize| {
        if let Some(bar) = &bar {
            // Only worth showing when there is much to read.
            if total >= 200 && bar.is_hidden() {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let result = work(&mut progress);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(result?)
}

fn new_runbook(
    book: &Book,
    app: &str,
    hosting: Option<&str>,
    owner: Option<&str>,
) -> anyhow::Result<u8> {
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
    let template_path = book.root.join("templates").join("runbook.md");
    let template = match std::fs::read_to_string(&template_path) {
        Ok(text) => text,
        Err(_) => DEFAULT_TEMPLATE.to_string(),
    };
    let hosting = hosting
        .and_then(Hosting::parse)
        .map_or("self", Hosting::as_str);
    let name = app.rsplit('/').next().unwrap_or(app);
    let title: String = name
        .split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ");
    let text = template
        .replace("{{title}}", &title)
        .replace("{{app}}", name)
        .replace("{{hosting}}", hosting)
        .replace("{{owner}}", owner.unwrap_or("team-TODO"))
        .replace("{{today}}", &today().to_string());
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    write_new(&path, &text)?;
    println!(
        "Created {}. Fill in the TODOs, then `runbook show {name}`.",
        book.display_path(&path)
    );
    Ok(exit::OK)
}

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

/// Used when the knowledge base has no `templates/runbook.md` of its own.
const DEFAULT_TEMPLATE: &str = "---\ntitle: \"{{title}}\"\napp: \"{{app}}\"\nhosting: {{hosting}}\nowner: \"{{owner}}\"\nreviewed: \"{{today}}\"\n---\n# {{title}}\n\n## Login\nTODO: how to log in.\n\n## Escalation\nTODO\n\n## Common problems\nTODO\n\n## Restart\nTODO\n\n## Backups\nTODO\n";

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

fn print(text: &str) {
    let mut out = anstream::stdout();
    let _ = out.write_all(text.as_bytes());
}

fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

fn warn_all(warnings: &[String]) {
    for w in warnings {
        let _ = writeln!(anstream::stderr(), "warning: {w}");
    }
}
