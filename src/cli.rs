//! The `runbook` command line: arguments, the commands, and exit codes.
//!
//! This is the binary's edge: errors become `anyhow` here and a message on stderr; exit codes are
//! 0 (found / ok), 1 (nothing found, check failed) and 2 (usage or configuration error).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::{CommandFactory, Parser, Subcommand};

use crate::auth::Access;
use crate::config::Book;
use crate::error::Error;
use crate::index::RefreshReport;
use crate::knowledge_base::{KnowledgeBase, SearchMode};
use crate::remote::RemoteKnowledgeBase;
use crate::results::{RunbookDetails, SearchResults};
use crate::runbook::Hosting;
use crate::source::BackgroundListing;
use crate::views::{github, terminal};

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

    /// Ask a running `runbook serve` at this URL instead of a local checkout (search and show).
    #[arg(long, global = true, env = "RUNBOOK_SERVER", value_name = "URL")]
    pub server: Option<String>,

    /// Bearer token for a `--server` that requires authentication.
    #[arg(
        long,
        global = true,
        env = "RUNBOOK_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub server_token: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the search page and JSON API.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "RUNBOOK_BIND", default_value = "127.0.0.1:7878")]
        bind: String,
        /// Do not watch the runbook folder for changes.
        #[arg(long)]
        no_watch: bool,
        /// Serve on an address beyond this machine without authentication (anyone who can reach
        /// it reads every login step).
        #[arg(long)]
        allow_anonymous: bool,
        /// Follow the checkout's upstream: `git pull --ff-only` every SECS seconds (60 gets a
        /// pushed fix to the desk within a minute), then reindex. A failed pull is logged and
        /// shown on /healthz while the last good state is served; local changes are never
        /// overwritten (git refuses such a pull). The root must be a git checkout whose branch
        /// has an upstream.
        #[arg(long, env = "RUNBOOK_PULL", value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
        pull: Option<u64>,
        /// Run `check --live` every HOURS hours (off by default): runbooks whose servers no
        /// longer resolve to their IPs, or whose URLs stop answering, are marked stale in the
        /// results until fixed. The first run is one period after the last recorded one.
        #[arg(long, value_name = "HOURS", value_parser = clap::value_parser!(u64).range(1..=8_760))]
        verify_every: Option<u64>,
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
        /// Answer as at this moment (RFC 3339, e.g. 2026-11-28T03:00:00Z): who on an answer card
        /// is reachable then, which reviews are overdue. Default: now, or RUNBOOK_NOW.
        #[arg(long, value_name = "TIME", value_parser = parse_at)]
        at: Option<DateTime<Utc>>,
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
        /// Show who is reachable at this moment (RFC 3339, e.g. 2026-11-28T03:00:00Z) instead
        /// of now. Default: now, or RUNBOOK_NOW.
        #[arg(long, value_name = "TIME", value_parser = parse_at)]
        at: Option<DateTime<Utc>>,
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
    /// Start runbooks from what is already known: a Backstage catalog or an inventory export
    ///
    /// Each application becomes <runbook folder>/APP.md from templates/runbook.md. A runbook that
    /// already exists is never overwritten: its differences from the source are listed instead.
    /// Bad input stops the import with the file and line, before anything is written.
    Import {
        #[command(subcommand)]
        from: ImportFrom,
    },
    /// Lint every runbook: front matter, required keys, duplicates, links, login steps,
    /// pasted secrets, overdue reviews. Exits 1 when there are errors.
    Check {
        /// Print JSON: {"errors": N, "warnings": N, "findings": [...]}.
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// Output format; `github` prints workflow commands that annotate the lines in CI.
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        /// Also check that the runbooks are still true: every server host resolves (to its
        /// `ip`, when given) and every URL answers (HEAD, then GET; 5 s each). Findings are
        /// warnings (ip-mismatch, host-unresolved, url-unreachable), recorded in the index
        /// folder so searches mark those runbooks stale. Without it, check never touches the
        /// network.
        #[arg(long)]
        live: bool,
    },
    /// Build or refresh the on-disk search index, then compute the sentence vectors of the
    /// sections that lack one (for search by meaning).
    Index {
        /// Re-read every runbook instead of only the changed ones.
        #[arg(long)]
        rebuild: bool,
        /// Refresh the index only; sections without a sentence vector get one from the next
        /// `runbook index` or `runbook serve`.
        #[arg(long)]
        no_vectors: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Hash a password (or token) read from standard input, for the files
    /// [preprocessor.runbook.auth] names.
    HashPassword {
        /// The user name; prints a `user:$argon2id$...` line for users-file.
        #[arg(required_unless_present = "token")]
        user: Option<String>,
        /// Hash a bearer token instead: prints its SHA-256 for tokens-file.
        #[arg(long, conflicts_with = "user")]
        token: bool,
    },
    /// mdBook's preprocessor: `mdbook build` then makes an offline copy of the knowledge base
    ///
    /// Puts a fact card on every runbook page and every runbook in the book, grouped by owner,
    /// whether SUMMARY.md lists it or not. mdBook runs this itself, as book.toml's
    /// [preprocessor.runbook] table says with: command = "runbook mdbook"
    ///
    /// Reads [context, book] as JSON on standard input and writes the book to standard output;
    /// warnings about runbooks it could not read go to standard error.
    #[command(verbatim_doc_comment)]
    Mdbook {
        #[command(subcommand)]
        action: Option<MdbookAction>,
    },
    /// List the searches that found nothing, or whose results nobody opened, most frequent
    /// first: the runbooks or aliases people looked for and did not find. Read from the state
    /// folder, where `runbook serve` keeps them, or from a server with --server.
    Misses {
        /// Print JSON: [{"query", "count", "last_seen", "kind"}].
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), generated from these very arguments; packages install it.
    #[command(hide = true)]
    Man {
        /// Write every page into DIR instead: runbook.1 and one per command (runbook-serve.1,
        /// runbook-import-csv.1, ...), which runbook.1 refers to.
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Where `runbook import` reads applications from.
#[derive(Debug, Subcommand)]
pub enum ImportFrom {
    /// Backstage catalog-info.yaml files (several documents each): every Component, and every
    /// Resource of type database or server, becomes a runbook; other kinds are skipped and
    /// counted. `hosting` is left for you to decide: `runbook check` reports it until you do.
    Backstage {
        /// catalog-info.yaml files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        options: ImportOptions,
    },
    /// An inventory export (CMDB report, spreadsheet) as CSV with a header row naming any of:
    /// app, title, owner, hosting, summary, host, ip, role, url, vendor, vendor_phone, tags.
    /// Rows with the same app add servers, URLs and tags (tags separated by ';').
    Csv {
        /// The CSV file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        options: ImportOptions,
    },
}

/// What `runbook import` does with what it read.
#[derive(Debug, clap::Args)]
pub struct ImportOptions {
    /// Write nothing: print the runbooks that would be written.
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON: {"dry_run", "written": [...], "existing": [...], "skipped": {...}}.
    #[arg(long)]
    pub json: bool,
}

/// `runbook mdbook`'s sub-command, of mdBook's protocol.
#[derive(Debug, Subcommand)]
pub enum MdbookAction {
    /// Exit 0 if the preprocessor supports mdBook's renderer RENDERER: every renderer is (HTML
    /// gets the styled fact card, others the same facts as plain Markdown).
    Supports {
        /// The renderer's name, e.g. html.
        renderer: String,
    },
}

/// How `runbook check` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// `file:line:col: error[code]: message`, then a summary.
    Text,
    /// The same as --json.
    Json,
    /// GitHub Actions workflow commands (`::error file=...::message`).
    Github,
}

/// Exit codes, as README.md ("Using it in a terminal") documents them.
pub mod exit {
    pub const OK: u8 = 0;
    pub const NOTHING_FOUND: u8 = 1;
    pub const CHECK_FAILED: u8 = 1;
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
    if let Command::Man { dir } = &cli.command {
        match dir {
            Some(dir) => clap_mangen::generate_to(Cli::command(), dir)
                .with_context(|| format!("cannot write the manual pages into {}", dir.display()))?,
            None => clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .context("cannot write the manual page")?,
        }
        return Ok(exit::OK);
    }
    if let Command::Mdbook { action } = &cli.command {
        // mdBook names the root in its input; no discovery from the current folder.
        return mdbook(action.as_ref());
    }
    if let Command::HashPassword { user, token } = &cli.command {
        return hash_password(user.as_deref(), *token);
    }
    if let Some(server) = cli.server.as_deref().filter(|s| !s.is_empty()) {
        let remote = RemoteKnowledgeBase::new(server).with_token(cli.server_token.clone());
        if let Command::Misses { json } = cli.command {
            return print_misses(&remote.misses()?, json);
        }
        let answers = Answers::Remote(remote);
        return match cli.command {
            Command::Search {
                query,
                limit,
                json,
                explain,
                at,
            } => search(&answers, &query, limit, json, explain, None, at),
            Command::Show {
                app,
                section,
                json,
                at,
            } => show(&answers, &app, section.as_deref(), json, at),
            _ => bail!("--server works with `search`, `show` and `misses` only"),
        };
    }
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    let mut book = Book::discover(cli.root.as_deref(), &cwd)?;
    if let Some(dir) = cli.index_dir {
        book.state_dir = dir;
    }
    match cli.command {
        Command::Serve {
            bind,
            no_watch,
            allow_anonymous,
            pull,
            verify_every,
        } => serve(book, &bind, no_watch, allow_anonymous, pull, verify_every),
        Command::Search {
            query,
            limit,
            json,
            explain,
            at,
        } => {
            // The folder is listed while the index opens and answers.
            let listing = BackgroundListing::start(&book);
            search(
                &Answers::Local(Box::new(open(book)?)),
                &query,
                limit,
                json,
                explain,
                Some(listing),
                at,
            )
        }
        Command::Show {
            app,
            section,
            json,
            at,
        } => show(
            &Answers::Local(Box::new(open_fresh(book)?)),
            &app,
            section.as_deref(),
            json,
            at,
        ),
        Command::New {
            app,
            hosting,
            owner,
        } => new_runbook(&book, &app, hosting.as_deref(), owner.as_deref()),
        Command::Import { from } => import(&book, from),
        Command::Check { json, format, live } => {
            check(&book, if json { CheckFormat::Json } else { format }, live)
        }
        Command::Index {
            rebuild,
            no_vectors,
            json,
        } => {
            let kb = KnowledgeBase::open(book)?;
            warn_all(kb.index().warnings());
            let report = with_progress(|progress| {
                if rebuild {
                    kb.rebuild(progress)
                } else {
                    kb.refresh(progress)
                }
            })?;
            warn_all(&report.warnings);
            kb.index().wait_for_merges()?;
            let vectors = if no_vectors {
                crate::semantic::FillReport::default()
            } else {
                with_progress_of("embedding", "sections", |progress| kb.embed(None, progress))?
            };
            if json {
                print_json(&IndexReport {
                    refresh: &report,
                    semantic: SemanticReport {
                        status: kb.semantic_status(),
                        fill: vectors,
                    },
                })?;
            } else {
                print(&terminal::refresh_summary(&report));
                print(&terminal::semantic_summary(&kb.semantic_status(), &vectors));
            }
            Ok(exit::OK)
        }
        Command::Misses { json } => {
            let path = crate::misses::file_in(&book.state_dir);
            print_misses(&crate::misses::read(&path)?, json)
        }
        Command::Completions { .. }
        | Command::HashPassword { .. }
        | Command::Mdbook { .. }
        | Command::Man { .. } => Ok(exit::OK),
    }
}

/// Where `search` and `show` get their answers: this checkout, or a server's JSON API. Both
/// print the same.
enum Answers {
    Local(Box<KnowledgeBase>),
    Remote(RemoteKnowledgeBase),
}

impl Answers {
    /// Searches; a local search uses `listing` when one was started early.
    fn search(
        &self,
        query: &str,
        limit: usize,
        explain: bool,
        listing: Option<BackgroundListing>,
        at: Option<DateTime<Utc>>,
    ) -> anyhow::Result<SearchResults> {
        let now = crate::clock::at_or_now(at)?;
        match self {
            Answers::Local(kb) if kb.wants_model(query) => {
                // The query describes something: bring the index up to date first, then give
                // the sections that just changed their vectors, so both rankings see the
                // folder as it is. A search that needs no model skips all of this.
                drop(listing);
                let report = with_progress(|progress| kb.refresh(progress))?;
                note_problems(&report);
                let vectors = kb.embed(Some(EMBED_IN_ONE_SEARCH), &mut |_, _| {})?;
                if vectors.skipped > 0 {
                    let _ = writeln!(
                        anstream::stderr(),
                        "note: {} sections have no sentence vector yet, so they are found by their words only (run `runbook index`, or keep `runbook serve` running)",
                        vectors.skipped
                    );
                }
                Ok(kb.search_at(query, limit, SearchMode::Hybrid, explain, now)?)
            }
            Answers::Local(kb) => {
                let (results, report) = with_progress(|progress| {
                    kb.search_fresh(query, limit, listing, progress, now)
                })?;
                note_problems(&report);
                if explain {
                    // Explaining re-runs each word's queries; only worth it when asked.
                    return Ok(kb.search_at(query, limit, SearchMode::Hybrid, true, now)?);
                }
                Ok(results)
            }
            Answers::Remote(remote) => {
                Ok(remote.search(query, limit, explain, crate::clock::at_or_fixed(at)?)?)
            }
        }
    }

    fn details(
        &self,
        app: &str,
        section: Option<&str>,
        at: Option<DateTime<Utc>>,
    ) -> crate::Result<RunbookDetails> {
        match self {
            Answers::Local(kb) => {
                kb.details(&kb.runbook(app)?, section, crate::clock::at_or_now(at)?)
            }
            Answers::Remote(remote) => remote.details(app, section, crate::clock::at_or_fixed(at)?),
        }
    }
}

fn search(
    answers: &Answers,
    query: &[String],
    limit: usize,
    json: bool,
    explain: bool,
    listing: Option<BackgroundListing>,
    at: Option<DateTime<Utc>>,
) -> anyhow::Result<u8> {
    let results = answers.search(&query.join(" "), limit, explain, listing, at)?;
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

/// Prints missed searches. Having none is no failure: exit 0 either way.
fn print_misses(misses: &[crate::misses::Miss], json: bool) -> anyhow::Result<u8> {
    if json {
        print_json(&misses)?;
    } else {
        print(&terminal::misses(misses));
    }
    Ok(exit::OK)
}

fn show(
    answers: &Answers,
    app: &str,
    section: Option<&str>,
    json: bool,
    at: Option<DateTime<Utc>>,
) -> anyhow::Result<u8> {
    let details = match answers.details(app, section, at) {
        Err(Error::NotFound(_)) => return not_found(answers, app),
        Err(e @ Error::NoSuchSection { .. }) => {
            let _ = writeln!(anstream::stderr(), "{e}");
            return Ok(exit::NOTHING_FOUND);
        }
        other => other?,
    };
    if json {
        print_json(&details)?;
    } else {
        print(&terminal::details(&details));
    }
    Ok(exit::OK)
}

/// Opens the knowledge base, saying why it could not use its usual index, if so.
fn open(book: Book) -> anyhow::Result<KnowledgeBase> {
    let kb = KnowledgeBase::open(book)?;
    warn_all(kb.index().warnings());
    Ok(kb)
}

/// Opens the knowledge base and refreshes a stale index first, quietly.
fn open_fresh(book: Book) -> anyhow::Result<KnowledgeBase> {
    let kb = open(book)?;
    let report = with_progress(|progress| kb.refresh(progress))?;
    note_problems(&report);
    Ok(kb)
}

fn note_problems(report: &RefreshReport) {
    warn_all(&report.warnings);
    if !report.problems.is_empty() {
        let _ = writeln!(
            anstream::stderr(),
            "note: {} files left out of the index (run `runbook index` to see why)",
            report.problems.len()
        );
    }
}

fn check(book: &Book, format: CheckFormat, live: bool) -> anyhow::Result<u8> {
    let report = if live {
        check_live(book)?
    } else {
        crate::lint::check(book, crate::clock::local_date(crate::clock::now()?))
    };
    match format {
        CheckFormat::Text => print(&terminal::check_report(&report)),
        CheckFormat::Json => print_json(&report)?,
        CheckFormat::Github => print(&github::check_report(&report)),
    }
    Ok(if report.has_errors() {
        exit::CHECK_FAILED
    } else {
        exit::OK
    })
}

/// `check --live`: the check plus the network checks, with a progress bar on a terminal, and
/// the drift it found recorded for searches.
fn check_live(book: &Book) -> anyhow::Result<crate::lint::Report> {
    let now = crate::clock::now()?;
    let settings = crate::lint::probe::Settings::default();
    let (report, drift) = with_shared_progress("checking", "addresses", 1, |progress| {
        Ok(crate::lint::check_live(
            book,
            crate::clock::local_date(now),
            now,
            &settings,
            &crate::lint::probe::SystemResolver,
            progress,
        ))
    })?;
    let path = crate::drift::DriftRecord::file_in(&book.state_dir);
    if let Err(e) = drift.save(&path) {
        let _ = writeln!(
            anstream::stderr(),
            "note: cannot record the findings for searches ({e}); the report below is complete"
        );
    }
    Ok(report)
}

fn not_found(answers: &Answers, name: &str) -> anyhow::Result<u8> {
    let mut message = format!("no runbook is called {name:?} (by app id, alias, host, IP or URL)");
    let results = answers.search(name, 3, false, None, None)?;
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

fn serve(
    book: Book,
    bind: &str,
    no_watch: bool,
    allow_anonymous: bool,
    pull: Option<u64>,
    verify_every: Option<u64>,
) -> anyhow::Result<u8> {
    use std::net::ToSocketAddrs;
    let addr = bind
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .with_context(|| format!("--bind {bind:?} is not an address like 127.0.0.1:7878"))?;
    // A malformed RUNBOOK_NOW would fail every request: refuse to start instead.
    crate::clock::now()?;
    let access = Access::load(&book)?;
    if access.is_none() && !addr.ip().is_loopback() && !allow_anonymous {
        bail!(
            "refusing to serve on {addr} without authentication: anyone who can reach it would \
             read every login step. Configure [preprocessor.runbook.auth] in book.toml \
             (tokens-file, users-file or trusted-header), bind to 127.0.0.1, or pass \
             --allow-anonymous"
        );
    }
    // Checked before anything starts: a server told to follow a repository that it cannot
    // follow would otherwise serve stale runbooks without anyone noticing.
    let follow = match pull {
        Some(secs) => Some(crate::web::Follow {
            checkout: crate::pull::Checkout::open(&book.root)?,
            every: std::time::Duration::from_secs(secs),
        }),
        None => None,
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RUNBOOK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    crate::index::search_on_all_cores();
    let kb = KnowledgeBase::open(book)?;
    warn_all(kb.index().warnings());
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(crate::web::serve(
        std::sync::Arc::new(kb),
        access,
        addr,
        !no_watch,
        follow,
        verify_every.map(|hours| std::time::Duration::from_secs(hours * 3600)),
    ))?;
    Ok(exit::OK)
}

/// `runbook mdbook`: answers mdBook's `supports` question, or preprocesses the book.
fn mdbook(action: Option<&MdbookAction>) -> anyhow::Result<u8> {
    if let Some(MdbookAction::Supports { renderer }) = action {
        return Ok(if crate::mdbook::supports(renderer) {
            exit::OK
        } else {
            exit::NOTHING_FOUND
        });
    }
    let stdout = std::io::stdout().lock();
    let mut warn = |message: String| {
        let _ = writeln!(anstream::stderr(), "runbook mdbook: warning: {message}");
    };
    crate::mdbook::run(
        std::io::stdin().lock(),
        std::io::BufWriter::new(stdout),
        today(),
        &mut warn,
    )
    .context("runbook mdbook")?;
    Ok(exit::OK)
}

/// Prints the line for `users-file` (or `tokens-file`) for a secret read from standard input.
fn hash_password(user: Option<&str>, token: bool) -> anyhow::Result<u8> {
    if std::io::stdin().is_terminal() {
        let what = if token { "token" } else { "password" };
        let _ = writeln!(
            anstream::stderr(),
            "{what} (shown as you type; or pipe it in), then Enter:"
        );
    }
    let mut secret = String::new();
    std::io::stdin()
        .read_line(&mut secret)
        .context("cannot read the secret from standard input")?;
    let secret = secret.trim_end_matches(['\n', '\r']);
    if secret.is_empty() {
        bail!("nothing to hash: the secret is empty");
    }
    match user {
        _ if token => println!("{}", crate::auth::hash_token(secret)),
        Some(user) if user.contains(':') || user.contains(char::is_whitespace) => {
            bail!("user name {user:?} may not contain ':' or spaces")
        }
        Some(user) => println!("{user}:{}", crate::auth::hash_password(secret)?),
        None => bail!("name the user: runbook hash-password USER"),
    }
    Ok(exit::OK)
}

/// Most sections a one-shot search computes vectors for before answering (about a second of
/// work): enough for the runbooks just edited, never the minutes a whole knowledge base takes.
const EMBED_IN_ONE_SEARCH: usize = 48;

/// What `runbook index --json` prints: the refresh, and the sentence vectors after it.
#[derive(serde::Serialize)]
struct IndexReport<'a> {
    #[serde(flatten)]
    refresh: &'a RefreshReport,
    semantic: SemanticReport,
}

#[derive(serde::Serialize)]
struct SemanticReport {
    #[serde(flatten)]
    status: crate::semantic::Status,
    fill: crate::semantic::FillReport,
}

/// Runs `work` with a progress bar on stderr when it is a terminal.
fn with_progress<T>(
    work: impl FnOnce(crate::index::Progress) -> crate::Result<T>,
) -> anyhow::Result<T> {
    with_progress_of("indexing", "runbooks", work)
}

/// [`with_progress`], saying what is being done to what.
fn with_progress_of<T>(
    doing: &str,
    things: &str,
    work: impl FnOnce(crate::index::Progress) -> crate::Result<T>,
) -> anyhow::Result<T> {
    // Only worth showing when there is much to read.
    with_progress_from(doing, things, 200, work)
}

/// [`with_progress_of`], showing the bar once there are at least `at_least` things to do.
fn with_progress_from<T>(
    doing: &str,
    things: &str,
    at_least: usize,
    work: impl FnOnce(crate::index::Progress) -> crate::Result<T>,
) -> anyhow::Result<T> {
    with_shared_progress(doing, things, at_least, |progress| {
        work(&mut |done, total| progress(done, total))
    })
}

/// [`with_progress_from`] for work that reports progress from several threads.
fn with_shared_progress<T>(
    doing: &str,
    things: &str,
    at_least: usize,
    work: impl FnOnce(&(dyn Fn(usize, usize) + Sync)) -> crate::Result<T>,
) -> anyhow::Result<T> {
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::hidden();
        bar.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{doing} {{bar:40}} {{pos}}/{{len}} {things}"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let progress = |done: usize, total: usize| {
        if let Some(bar) = &bar {
            if total >= at_least && bar.is_hidden() {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let result = work(&progress);
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
    let template = template(book);
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
        "Created {}. Fill in the TODOs (`runbook check` lists them), then `runbook show {name}`.",
        book.display_path(&path)
    );
    Ok(exit::OK)
}

/// The knowledge base's `templates/runbook.md`, or the built-in one.
fn template(book: &Book) -> String {
    let template_path = book.root.join("templates").join("runbook.md");
    match std::fs::read_to_string(&template_path) {
        Ok(text) => text,
        Err(_) => DEFAULT_TEMPLATE.to_string(),
    }
}

/// `runbook import`: reads the whole source, then writes the new runbooks (unless a dry run) and
/// says what it did with every application.
fn import(book: &Book, from: ImportFrom) -> anyhow::Result<u8> {
    let (source, options, what) = match from {
        ImportFrom::Backstage { files, options } => {
            (crate::import::backstage::read(&files)?, options, "catalog")
        }
        ImportFrom::Csv { file, options } => {
            (crate::import::csv::read(&file)?, options, "inventory")
        }
    };
    let mut plan = crate::import::plan(book, source, &template(book), today());
    if !options.dry_run {
        plan.write()?;
    }
    if options.json {
        print_json(&plan)?;
    } else {
        print(&crate::views::import::report(&plan, what));
    }
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

/// Used when the knowledge base has no `templates/runbook.md` of its own: this repository's
/// template, built in so the two cannot drift apart.
const DEFAULT_TEMPLATE: &str = include_str!("../templates/runbook.md");

use crate::knowledge_base::today;

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

/// Reads `--at`: an RFC 3339 time.
fn parse_at(value: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("not a time like 2026-11-28T03:00:00Z (RFC 3339): {e}"))
}
