//! `runbook check`: linting the whole knowledge base and saying, with file and line, what is
//! wrong (errors) or worth a look (warnings).
//!
//! This module owns the rules and their stable codes. It reads every runbook once through
//! [`source`], parses it with [`Runbook::parse`], and returns plain [`Finding`]s; how they are
//! shown (terminal, JSON, CI annotations) is up to the views. Nothing here writes a file, opens
//! the search index or starts a process, so it stays fast enough for a git pre-commit hook.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use chrono::NaiveDate;
use pulldown_cmark::{Event, Parser, Tag};
use regex::Regex;
use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::config::Book;
use crate::error::FileProblem;
use crate::runbook::hours::Schedule;
use crate::runbook::names;
use crate::runbook::{Runbook, front_matter, sections};
use crate::source::{self, SourceFile};

mod live;
pub mod probe;

pub use live::check_live;

/// How bad a finding is: errors fail `runbook check`, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// What a finding is about. The kebab-case names are a stable contract: scripts and CI filter on
/// them, so a rule may be added but never renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// The file cannot be used at all: unreadable, empty, too big, not UTF-8.
    UnreadableFile,
    /// The front matter is not valid YAML, not a mapping, or never closed.
    InvalidFrontMatter,
    /// `title`, `hosting` or `owner` is missing or empty.
    MissingKey,
    /// `hosting` is not one of self, vendor, saas, hybrid.
    InvalidHosting,
    /// Another known key has a value of the wrong shape (kept and shown as-is).
    InvalidValue,
    /// Two runbooks have the same app id.
    DuplicateAppId,
    /// An alias, host, IP or URL (or an app id used as another's alias) names two runbooks.
    DuplicateName,
    /// A relative link to a runbook file that does not exist.
    BrokenLink,
    /// A link to a `#heading` that the target runbook does not have.
    BrokenAnchor,
    /// Self- or hybrid-hosted, but no login steps.
    MissingLogin,
    /// A private key, password, access key or token pasted into the runbook.
    Secret,
    /// `reviewed` plus the review period is in the past.
    ReviewOverdue,
    /// Nobody to call.
    MissingContacts,
    /// `vendor.expires` is in the past.
    ContractExpired,
    /// A TODO left from the template.
    Todo,
    /// A contact's `hours` is set but is not a schedule, so nobody can tell whether they are
    /// reachable now.
    HoursUnreadable,
    /// `check --live`: a server's host resolves, but not to the `ip` the runbook gives.
    IpMismatch,
    /// `check --live`: a server's host does not resolve.
    HostUnresolved,
    /// `check --live`: a URL does not answer, or answers with an error status.
    UrlUnreachable,
}

impl Code {
    /// The stable id, as in the JSON and the annotations.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::UnreadableFile => "unreadable-file",
            Code::InvalidFrontMatter => "invalid-front-matter",
            Code::MissingKey => "missing-key",
            Code::InvalidHosting => "invalid-hosting",
            Code::InvalidValue => "invalid-value",
            Code::DuplicateAppId => "duplicate-app-id",
            Code::DuplicateName => "duplicate-name",
            Code::BrokenLink => "broken-link",
            Code::BrokenAnchor => "broken-anchor",
            Code::MissingLogin => "missing-login",
            Code::Secret => "secret",
            Code::ReviewOverdue => "review-overdue",
            Code::MissingContacts => "missing-contacts",
            Code::ContractExpired => "contract-expired",
            Code::Todo => "todo",
            Code::HoursUnreadable => "hours-unreadable",
            Code::IpMismatch => "ip-mismatch",
            Code::HostUnresolved => "host-unresolved",
            Code::UrlUnreachable => "url-unreachable",
        }
    }

    /// Each rule has one severity, so a code alone tells whether it fails the check.
    pub fn severity(self) -> Severity {
        match self {
            Code::InvalidValue
            | Code::ReviewOverdue
            | Code::MissingContacts
            | Code::ContractExpired
            | Code::Todo
            | Code::HoursUnreadable
            | Code::IpMismatch
            | Code::HostUnresolved
            | Code::UrlUnreachable => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing `check` found, at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Path relative to the knowledge base root, `/`-separated.
    pub path: String,
    /// 1-based line; 1 for problems with the file as a whole.
    pub line: u64,
    /// 1-based column in characters, where the problem has a precise start.
    pub column: Option<u64>,
    pub severity: Severity,
    pub code: Code,
    pub message: String,
}

impl Finding {
    fn new(path: &str, line: u64, column: Option<u64>, code: Code, message: String) -> Finding {
        Finding {
            path: path.to_string(),
            line,
            column,
            severity: code.severity(),
            code,
            message,
        }
    }

    fn from_problem(code: Code, problem: FileProblem) -> Finding {
        Finding::new(
            &problem.path,
            problem.line.unwrap_or(1),
            problem.column,
            code,
            problem.message,
        )
    }
}

/// Everything `check` found, sorted by path, line and column.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// How many files were looked at (readable or not).
    pub files: usize,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// The JSON contract: `{"errors": N, "warnings": N, "findings": [...]}`. The counts are derived
/// when serializing so they can never disagree with the list.
impl Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Report", 3)?;
        s.serialize_field("errors", &self.errors())?;
        s.serialize_field("warnings", &self.warnings())?;
        s.serialize_field("findings", &self.findings)?;
        s.end()
    }
}

/// Lints every runbook in `book`. `today` decides what is overdue or expired.
pub fn check(book: &Book, today: NaiveDate) -> Report {
    check_parsed(book, today).0
}

/// [`check`], also giving back the runbooks that parsed (for the live checks).
fn check_parsed(book: &Book, today: NaiveDate) -> (Report, Vec<Parsed>) {
    let listing = source::list(book);
    let mut findings: Vec<Finding> = listing
        .problems
        .into_iter()
        .map(|p| Finding::from_problem(Code::UnreadableFile, p))
        .collect();
    let files = listing.files.len();
    // Every listed file, parsed or not: a link to a runbook with broken front matter is not broken.
    let listed: HashSet<String> = listing.files.iter().map(|f| f.path.clone()).collect();
    let mut parsed: Vec<Parsed> = Vec::with_capacity(files);
    for (mut chunk_parsed, mut chunk_findings) in in_parallel(&listing.files, |file, out| {
        match read_and_parse(file, book.settings.max_file_bytes) {
            Ok(p) => {
                check_one(&p, book, today, out);
                Some(p)
            }
            // Deleted or renamed since it was listed (a `git pull` while checking): it is no
            // longer a runbook to check, not an unreadable one.
            Err(_) if source::vanished(file) => None,
            Err(finding) => {
                out.push(finding);
                None
            }
        }
    }) {
        parsed.append(&mut chunk_parsed);
        findings.append(&mut chunk_findings);
    }
    check_claims(&parsed, &mut findings);
    check_links(&parsed, &listed, book, &mut findings);
    sort(&mut findings);
    (Report { files, findings }, parsed)
}

/// Findings in the order they are shown: by path, line and column.
fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, a.code, &a.message)
            .cmp(&(&b.path, b.line, b.column, b.code, &b.message))
    });
}

/// Runs `work` over `files` on every core: reading and parsing dominate a check, and each file
/// is independent of the others. Returns, per chunk of files, what `work` kept and found.
fn in_parallel<T: Send>(
    files: &[SourceFile],
    work: impl Fn(&SourceFile, &mut Vec<Finding>) -> Option<T> + Sync,
) -> Vec<(Vec<T>, Vec<Finding>)> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk_size = files.len().div_ceil(workers).max(1);
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk_size)
            .map(|chunk| {
                scope.spawn(move || {
                    let mut found = Vec::new();
                    let kept = chunk.iter().filter_map(|f| work(f, &mut found)).collect();
                    (kept, found)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                // A panic in a worker is a bug in a rule: let it surface as it would have
                // without threads.
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// A runbook that parsed, with the text it came from (for line numbers and secrets).
struct Parsed {
    runbook: Runbook,
    text: String,
    /// The file's content hash, as the index and the drift record know it.
    hash: u64,
    lines: LineIndex,
    /// Where the YAML starts in the file and what it says, for finding a key's line.
    yaml: Option<(u64, String)>,
}

fn read_and_parse(file: &SourceFile, max_bytes: u64) -> Result<Parsed, Finding> {
    let source::FileText { text, hash } = source::read(file, max_bytes)
        .map_err(|p| Finding::from_problem(Code::UnreadableFile, p))?;
    let runbook = Runbook::parse(&file.path, &file.id_path, &text)
        .map_err(|p| Finding::from_problem(Code::InvalidFrontMatter, p))?;
    let yaml = front_matter::split(&text)
        .ok()
        .and_then(|s| s.yaml.map(|y| (s.yaml_line, y.to_string())));
    Ok(Parsed {
        lines: LineIndex::new(&text),
        runbook,
        text,
        hash,
        yaml,
    })
}

impl Parsed {
    fn path(&self) -> &str {
        &self.runbook.path
    }

    /// The line of a top-level front-matter key, else the front matter's first line.
    fn key_line(&self, key: &str) -> u64 {
        self.find_key_line(key).unwrap_or(1)
    }

    fn find_key_line(&self, key: &str) -> Option<u64> {
        let (start, yaml) = self.yaml.as_ref()?;
        yaml.lines()
            .position(|line| top_level_key(line) == Some(key))
            .map(|i| start + i as u64)
    }

    /// The first line at or after `key`'s line that mentions `value`: where a list entry sits.
    fn value_line(&self, key: &str, value: &str) -> u64 {
        let Some((start, yaml)) = self.yaml.as_ref() else {
            return 1;
        };
        let from = self.find_key_line(key).unwrap_or(*start);
        let skip = (from - start) as usize;
        let wanted = value.to_lowercase();
        yaml.lines()
            .enumerate()
            .skip(skip)
            .find(|(_, line)| line.to_lowercase().contains(&wanted))
            .map_or(from, |(i, _)| start + i as u64)
    }

    /// The line of entry `index` (0-based) of the block list under the top-level `key`, or of
    /// its `field:` when it has one on a line of its own (`servers[1].ip`). Falls back to
    /// [`Parsed::value_line`] of `value` for lists written inline (`urls: [a, b]`).
    fn entry_line(&self, key: &str, index: usize, field: Option<&str>, value: &str) -> u64 {
        let (Some((start, yaml)), Some(from)) = (self.yaml.as_ref(), self.find_key_line(key))
        else {
            return self.value_line(key, value);
        };
        let block = yaml
            .lines()
            .enumerate()
            .skip((from - start) as usize + 1)
            .take_while(|(_, line)| top_level_key(line).is_none())
            .map(|(i, line)| (start + i as u64, line.trim_start()));
        let mut entries = 0;
        let mut entry = None;
        for (line_no, line) in block {
            if line.starts_with("- ") || line == "-" {
                if entry.is_some() {
                    break;
                }
                entries += 1;
                if entries == index + 1 {
                    entry = Some(line_no);
                }
            }
            if entry.is_none() {
                continue;
            }
            let item = line.strip_prefix('-').unwrap_or(line).trim_start();
            let names_field = |field: &str| {
                item.split_once(':')
                    .is_some_and(|(k, _)| k.trim().trim_matches(['"', '\'']) == field)
            };
            if field.is_some_and(names_field) {
                return line_no;
            }
        }
        entry.unwrap_or_else(|| self.value_line(key, value))
    }

    /// The line of `key` nested under the top-level `parent` (like `vendor.expires`).
    fn nested_key_line(&self, parent: &str, key: &str) -> u64 {
        let Some((start, yaml)) = self.yaml.as_ref() else {
            return 1;
        };
        let from = self.find_key_line(parent).unwrap_or(*start);
        let skip = (from - start) as usize;
        yaml.lines()
            .enumerate()
            .skip(skip)
            .find(|(_, line)| {
                let trimmed = line.trim_start();
                line.len() > trimmed.len() && top_level_key(trimmed) == Some(key)
            })
            .map_or(from, |(i, _)| start + i as u64)
    }

    /// File offset of a byte offset in the body (the body is a suffix of the text).
    fn body_offset(&self, offset: usize) -> usize {
        self.text.len() - self.runbook.body.len() + offset
    }
}

/// The key of a `key: value` line at the top level of the YAML (no indentation), unquoted.
fn top_level_key(line: &str) -> Option<&str> {
    if line.starts_with([' ', '\t', '#', '-']) {
        return None;
    }
    let (key, _) = line.split_once(':')?;
    let key = key.trim_end();
    let key = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
        .unwrap_or(key);
    Some(key)
}

/// Byte offsets to 1-based line and column (in characters).
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        LineIndex {
            starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        }
    }

    fn position(&self, text: &str, offset: usize) -> (u64, u64) {
        let index = self
            .starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let line_start = self.starts.get(index).copied().unwrap_or(0);
        let column = text
            .get(line_start..offset)
            .map_or(0, |prefix| prefix.chars().count());
        (index as u64 + 1, column as u64 + 1)
    }
}

/// The rules that need only one runbook.
fn check_one(p: &Parsed, book: &Book, today: NaiveDate, out: &mut Vec<Finding>) {
    let facts = &p.runbook.facts;
    let path = p.path();

    let given = |key: &str| p.runbook.front_matter_keys.iter().any(|k| k == key);
    let invalid_hosting = facts.issues.iter().any(|i| i.key == "hosting");
    let missing: [(&str, bool); 3] = [
        ("title", !given("title") || facts.title.trim().is_empty()),
        ("hosting", facts.hosting.is_none() && !invalid_hosting),
        (
            "owner",
            facts.owner.as_deref().is_none_or(|o| o.trim().is_empty()),
        ),
    ];
    for (key, is_missing) in missing {
        if is_missing {
            let what = match key {
                "hosting" => "who runs the servers: self, vendor, saas or hybrid",
                "owner" => "the owning team",
                _ => "the name callers use",
            };
            let message = if p.runbook.has_front_matter {
                format!("missing required key `{key}` ({what})")
            } else {
                format!("no front matter: add a `---` block at the top with `{key}:` ({what})")
            };
            out.push(Finding::new(
                path,
                p.key_line(key),
                None,
                Code::MissingKey,
                message,
            ));
        }
    }

    for issue in &facts.issues {
        let code = if issue.key == "hosting" {
            Code::InvalidHosting
        } else {
            Code::InvalidValue
        };
        out.push(Finding::new(
            path,
            p.key_line(&issue.key),
            None,
            code,
            format!("`{}` {}", issue.key, issue.message),
        ));
    }

    if let Some(hosting) = facts.hosting.filter(|h| h.we_run_servers())
        && !has_login_steps(&p.runbook)
    {
        out.push(Finding::new(
            path,
            p.key_line("hosting"),
            None,
            Code::MissingLogin,
            format!(
                "hosting is {hosting} but there are no login steps: add a `## Login` section (or a `login:` key) saying how to get onto the servers"
            ),
        ));
    }

    if let Some(due) = facts.review_due(book.settings.review_every_days)
        && due < today
    {
        let every = facts
            .review_every_days
            .unwrap_or(book.settings.review_every_days);
        let reviewed = facts.reviewed.map(|d| d.to_string()).unwrap_or_default();
        out.push(Finding::new(
            path,
            p.key_line("reviewed"),
            None,
            Code::ReviewOverdue,
            format!(
                "review overdue since {due} (reviewed {reviewed}, every {every} days): check the runbook, then update `reviewed`"
            ),
        ));
    }

    let reachable = facts
        .contacts
        .iter()
        .any(|c| c.phone.is_some() || c.email.is_some());
    if !reachable {
        let (key, message) = if facts.contacts.is_empty() {
            (
                "contacts",
                "no contacts: add `contacts:` in escalation order (name, phone, hours) so the desk knows whom to call",
            )
        } else {
            (
                "contacts",
                "no contact has a phone or email: add how to reach them",
            )
        };
        let line = p.find_key_line(key).unwrap_or_else(|| p.key_line("owner"));
        out.push(Finding::new(
            path,
            line,
            None,
            Code::MissingContacts,
            message.to_string(),
        ));
    }

    if let Some(expires) = facts.vendor.as_ref().and_then(|v| v.expires.as_deref()) {
        let line = p.nested_key_line("vendor", "expires");
        match NaiveDate::parse_from_str(expires.trim(), "%Y-%m-%d") {
            Ok(date) if date < today => {
                let contract = facts
                    .vendor
                    .as_ref()
                    .and_then(|v| v.contract.as_deref())
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default();
                out.push(Finding::new(
                    path,
                    line,
                    None,
                    Code::ContractExpired,
                    format!(
                        "vendor contract{contract} expired on {date}: check whether the vendor still supports us, then update `vendor.expires`"
                    ),
                ));
            }
            Ok(_) => {}
            Err(_) => out.push(Finding::new(
                path,
                line,
                None,
                Code::InvalidValue,
                "`vendor.expires` must be a date like 2027-06-30".to_string(),
            )),
        }
    }

    for contact in &facts.contacts {
        // A placeholder from the template is reported once, as a TODO.
        let Some(hours) = contact.hours.as_deref().filter(|h| !TODO.is_match(h)) else {
            continue;
        };
        if let Err(why) = Schedule::parse(hours) {
            out.push(Finding::new(
                path,
                p.value_line("contacts", hours),
                None,
                Code::HoursUnreadable,
                format!(
                    "`hours: {hours}` is not a schedule ({why}): write it like `Mon-Fri 09:00-17:30 Europe/London` or `24x7` so the desk can see who is reachable now"
                ),
            ));
        }
    }

    check_secrets(p, out);
    check_todos(p, out);
}

/// A login section counts only if it says something: a bare `## Login` heading helps nobody.
fn has_login_steps(runbook: &Runbook) -> bool {
    if runbook
        .facts
        .login
        .as_deref()
        .is_some_and(|l| !l.trim().is_empty())
    {
        return true;
    }
    runbook.login_section().is_some_and(|section| {
        let markdown = runbook.section_markdown(section);
        // Skip the heading line itself.
        let content = markdown.split_once('\n').map_or("", |(_, rest)| rest);
        !content.trim().is_empty()
    })
}

static TODO: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bTODO\b").expect("valid regex"));

fn check_todos(p: &Parsed, out: &mut Vec<Finding>) {
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

/// A kind of secret: the pattern that finds it and what to tell the author.
struct SecretRule {
    what: &'static str,
    pattern: &'static LazyLock<Regex>,
    /// Whether a match really is a secret (and not a placeholder or a reference).
    is_secret: fn(&regex::Captures) -> bool,
}

static PRIVATE_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----").expect("valid regex")
});
static URL_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s:/@]+:(?P<value>[^\s/@]+)@").expect("valid regex")
});
// No word boundary in front, so that DB_PASSWORD= and PGPASSWORD= are caught too.
static PASSWORD_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?im)(?:pass(?:word|wd|phrase)|pwd)["']?[ \t]*[:=][ \t]*(?P<value>[^\r\n]*)"#)
        .expect("valid regex")
});
static AWS_ACCESS_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b").expect("valid regex"));
static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}",
        r"|github_pat_[A-Za-z0-9_]{22,}",
        r"|glpat-[A-Za-z0-9_-]{20,}",
        r"|xox[abposr]-[A-Za-z0-9-]{10,}",
        r"|hooks\.slack\.com/services/[A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]+)",
    ))
    .expect("valid regex")
});

static SECRET_RULES: [SecretRule; 5] = [
    SecretRule {
        what: "a private key",
        pattern: &PRIVATE_KEY,
        is_secret: |_| true,
    },
    SecretRule {
        what: "a password in a URL",
        pattern: &URL_PASSWORD,
        is_secret: |c| !is_reference(c.name("value").map_or("", |m| m.as_str())),
    },
    SecretRule {
        what: "a password",
        pattern: &PASSWORD_LINE,
        is_secret: |c| password_value_is_secret(c.name("value").map_or("", |m| m.as_str())),
    },
    SecretRule {
        what: "a cloud access key",
        pattern: &AWS_ACCESS_KEY,
        // AWS's documentation uses AKIAIOSFODNN7EXAMPLE; runbooks copy it.
        is_secret: |c| {
            !c.get(0)
                .and_then(|m| m.as_str().get(4..))
                .is_some_and(|key| is_masked(key) || key.ends_with("EXAMPLE"))
        },
    },
    SecretRule {
        what: "an access token",
        pattern: &TOKEN,
        is_secret: |c| !c.get(0).is_some_and(|m| is_masked(m.as_str())),
    },
];

/// Finds secrets anywhere in the file, front matter included. Messages name the kind of secret
/// and never the secret itself: findings end up in CI logs.
fn check_secrets(p: &Parsed, out: &mut Vec<Finding>) {
    for rule in &SECRET_RULES {
        for captures in rule.pattern.captures_iter(&p.text) {
            let Some(whole) = captures.get(0) else {
                continue;
            };
            if !(rule.is_secret)(&captures) {
                continue;
            }
            let (line, column) = p.lines.position(&p.text, whole.start());
            out.push(Finding::new(
                p.path(),
                line,
                Some(column),
                Code::Secret,
                format!(
                    "{} is pasted here: remove it, change it (git history keeps it), and say where it lives in the vault instead, e.g. \"in Vault at secret/ops/...\"",
                    rule.what
                ),
            ));
        }
    }
}

/// Whether what follows `password:` is a real password rather than a pointer to one or prose.
fn password_value_is_secret(rest: &str) -> bool {
    let rest = rest.trim();
    if rest.to_lowercase().contains("vault") {
        return false;
    }
    let mut words = rest.split_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    let first = first.trim_matches(|c| matches!(c, '"' | '\'' | '`' | ',' | ';'));
    if first.is_empty() || is_reference(first) {
        return false;
    }
    // "Password: ask the on-call" is prose; "password: hunter2" or "password: S3cret! (old)" is
    // not. Passwords are one word, and real ones rarely consist of letters only.
    let single_word = words.next().is_none_or(|next| next.starts_with('#'));
    single_word || !first.chars().all(char::is_alphabetic)
}

/// Placeholders and pointers that stand for a secret without being one: `$DB_PASSWORD`,
/// `${PASS}`, `<password>`, `{{ password }}`, `%PASSWORD%`, `***`, `-` (read from stdin), a vault
/// path, `var.db_password`, `a-secret-password`, `REDACTED`.
fn is_reference(value: &str) -> bool {
    let value = value.trim_matches(|c| matches!(c, '"' | '\'' | '`'));
    let lower = value.to_lowercase();
    value.starts_with(['$', '<', '{', '%', '('])
        || !value.chars().any(char::is_alphanumeric)
        || value.chars().all(|c| matches!(c, 'x' | 'X' | '*' | '.'))
        || value.contains('/')
        || lower.starts_with("vault")
        // A value that names what it stands for is an expression or a made-up example.
        || ["password", "passwd", "secret", "token", "redacted"]
            .iter()
            .any(|word| lower.contains(word))
}

/// Documentation shows the shape of a token with its characters masked:
/// `hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX`.
fn is_masked(token: &str) -> bool {
    let tail = token.rsplit(['_', '-', '/']).next().unwrap_or(token);
    tail.chars().all(|c| matches!(c, 'x' | 'X' | '0' | '*'))
}

/// One name a runbook answers to, where it is written.
struct Claim {
    runbook: usize,
    kind: &'static str,
    value: String,
    line: u64,
}

/// How many other claimants a duplicate-name message lists by path.
const MAX_NAMED: usize = 3;

/// App ids, aliases, hosts, IPs and URLs must each name one runbook, or `runbook show NAME` has
/// to guess. Names are compared as the index's exact lookup compares them.
fn check_claims(parsed: &[Parsed], out: &mut Vec<Finding>) {
    let mut claims: HashMap<String, Vec<Claim>> = HashMap::new();
    for (i, p) in parsed.iter().enumerate() {
        let f = &p.runbook.facts;
        let app_line = p.find_key_line("app").unwrap_or(1);
        let mut own: Vec<Claim> = vec![Claim {
            runbook: i,
            kind: "app id",
            value: f.app.clone(),
            line: app_line,
        }];
        for alias in &f.aliases {
            own.push(Claim {
                runbook: i,
                kind: "alias",
                value: alias.clone(),
                line: p.value_line("aliases", alias),
            });
        }
        for server in &f.servers {
            for (kind, value) in [("host", &server.host), ("IP", &server.ip)] {
                if let Some(value) = value {
                    own.push(Claim {
                        runbook: i,
                        kind,
                        value: value.clone(),
                        line: p.value_line("servers", value),
                    });
                }
            }
        }
        for url in &f.urls {
            own.push(Claim {
                runbook: i,
                kind: "URL",
                value: url.clone(),
                line: p.value_line("urls", url),
            });
        }
        let mut seen = HashSet::new();
        for claim in own {
            let key = names::key(&claim.value);
            // A runbook may repeat its own names (an alias equal to its app id); only clashes
            // between runbooks are ambiguous.
            if !key.is_empty() && seen.insert(key.clone()) {
                claims.entry(key).or_default().push(claim);
            }
        }
    }
    for group in claims.values().filter(|g| g.len() > 1) {
        for claim in group {
            let others: Vec<&Claim> = group
                .iter()
                .filter(|o| o.runbook != claim.runbook)
                .collect();
            let all_app_ids = claim.kind == "app id" && others.iter().all(|o| o.kind == "app id");
            let code = if all_app_ids {
                Code::DuplicateAppId
            } else {
                Code::DuplicateName
            };
            // A name shared by hundreds of runbooks (a copied template) must not make the
            // report quadratic: name a few, count the rest.
            let mut named: Vec<String> = others
                .iter()
                .take(MAX_NAMED)
                .map(|o| format!("{} (as its {})", parsed[o.runbook].path(), o.kind))
                .collect();
            if others.len() > MAX_NAMED {
                named.push(format!("{} more", others.len() - MAX_NAMED));
            }
            out.push(Finding::new(
                parsed[claim.runbook].path(),
                claim.line,
                None,
                code,
                format!(
                    "{} {:?} is also claimed by {}: each name must lead to one runbook",
                    claim.kind,
                    claim.value,
                    named.join(", ")
                ),
            ));
        }
    }
}

/// Relative links to other runbooks, and to headings in them, must lead somewhere.
fn check_links(parsed: &[Parsed], listed: &HashSet<String>, book: &Book, out: &mut Vec<Finding>) {
    // GitHub's pages find `#Login` as well as `#login`, and authors write both.
    let anchors: HashMap<&str, HashSet<String>> = parsed
        .iter()
        .map(|p| {
            let set = p
                .runbook
                .sections
                .iter()
                .filter(|s| s.level > 0)
                .map(|s| s.anchor.to_lowercase())
                .collect();
            (p.path(), set)
        })
        .collect();
    for p in parsed {
        let body = &p.runbook.body;
        let events = Parser::new_ext(body, sections::markdown_options()).into_offset_iter();
        for (event, range) in events {
            let Event::Start(Tag::Link { dest_url, .. }) = event else {
                continue;
            };
            let Some(link) = LocalLink::parse(&dest_url) else {
                continue;
            };
            let target = match link.file.as_deref() {
                None => p.path().to_string(),
                Some(file) => {
                    let target = resolve(p.path(), file);
                    let exists = match &target {
                        Some(target) => listed.contains(target) || book.root.join(target).is_file(),
                        // Above the root (the repository's own README, say): ask the disk.
                        None => book
                            .root
                            .join(p.path())
                            .parent()
                            .is_some_and(|dir| dir.join(file).is_file()),
                    };
                    if !exists {
                        let (line, column) = p.lines.position(&p.text, p.body_offset(range.start));
                        let message = match &target {
                            Some(target) => format!("link to {file}: {target} does not exist"),
                            None => format!(
                                "link to {file}: it does not exist (it points above the knowledge base's root)"
                            ),
                        };
                        out.push(Finding::new(
                            p.path(),
                            line,
                            Some(column),
                            Code::BrokenLink,
                            message,
                        ));
                        continue;
                    }
                    match target {
                        Some(target) => target,
                        None => continue,
                    }
                }
            };
            let (Some(anchor), Some(known)) = (link.anchor, anchors.get(target.as_str())) else {
                // No anchor, or a file that did not parse: its headings are unknown.
                continue;
            };
            if !known.contains(&anchor.to_lowercase()) {
                let (line, column) = p.lines.position(&p.text, p.body_offset(range.start));
                let place = if link.file.is_none() {
                    "this runbook".to_string()
                } else {
                    target.clone()
                };
                out.push(Finding::new(
                    p.path(),
                    line,
                    Some(column),
                    Code::BrokenAnchor,
                    format!("link to #{anchor}: {place} has no such heading"),
                ));
            }
        }
    }
}

/// A link that stays inside the knowledge base: `other.md`, `../x/y.md#anchor` or `#anchor`.
struct LocalLink {
    /// The Markdown file, as written (percent-decoded); `None` for a link within the same page.
    file: Option<String>,
    anchor: Option<String>,
}

impl LocalLink {
    fn parse(dest: &str) -> Option<LocalLink> {
        let dest = dest.trim();
        let has_scheme = dest.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
        // Site-absolute links (`/x.md`) depend on where the book is published; leave them be.
        if dest.is_empty() || has_scheme || dest.starts_with('/') {
            return None;
        }
        let (file, anchor) = match dest.split_once('#') {
            Some((file, anchor)) => (file, Some(percent_decode(anchor))),
            None => (dest, None),
        };
        let file = file.split('?').next().unwrap_or(file);
        if file.is_empty() {
            return Some(LocalLink { file: None, anchor });
        }
        let lower = file.to_ascii_lowercase();
        if !(lower.ends_with(".md") || lower.ends_with(".markdown")) {
            return None;
        }
        Some(LocalLink {
            file: Some(percent_decode(file)),
            anchor,
        })
    }
}

/// A link's target as a root-relative path, `..` and `.` resolved against the linking file;
/// `None` when it climbs above the root.
fn resolve(from: &str, link: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for part in link.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_told_apart_from_pointers_and_prose() {
        assert!(password_value_is_secret("hunter2"));
        assert!(password_value_is_secret("\"S3cret!\""));
        assert!(password_value_is_secret("correcthorse"));
        assert!(password_value_is_secret("Tr0ub4dor&3 # the old one"));
        assert!(!password_value_is_secret("in Vault at secret/ops/x"));
        assert!(!password_value_is_secret("secret/ops/billing/mysql"));
        assert!(!password_value_is_secret("$DB_PASSWORD"));
        assert!(!password_value_is_secret("<password>"));
        assert!(!password_value_is_secret("\"\""));
        assert!(!password_value_is_secret("ask the on-call"));
        assert!(!password_value_is_secret("********"));
    }

    #[test]
    fn links_are_resolved_against_the_linking_file() {
        assert_eq!(resolve("runbooks/a.md", "b.md").unwrap(), "runbooks/b.md");
        assert_eq!(
            resolve("runbooks/finance/p.md", "../ledger.md").unwrap(),
            "runbooks/ledger.md"
        );
        assert_eq!(
            resolve("runbooks/a.md", "./sub/c.md").unwrap(),
            "runbooks/sub/c.md"
        );
        assert_eq!(resolve("runbooks/a.md", "../../README.md"), None);
    }

    #[test]
    fn placeholders_and_expressions_are_not_secrets() {
        for placeholder in [
            "REDACTED",
            "-",
            "\"$INSTANCE_ADMIN_PASSWORD\"",
            "a-secret-password",
            "google_sql_user.foo.password",
            "xxxxxxxx",
        ] {
            assert!(is_reference(placeholder), "{placeholder}");
        }
        assert!(!is_reference("hunter2"));
        assert!(is_masked(
            "hooks.slack.com/services/T00000000/B00000000/XXXXXXXX"
        ));
        assert!(is_masked("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
        assert!(!is_masked("ghp_abcdefghijklmnopqrstuvwxyz0123456789"));
    }

    #[test]
    fn only_links_into_the_knowledge_base_are_checked() {
        assert!(LocalLink::parse("https://example.com/a.md").is_none());
        assert!(LocalLink::parse("mailto:ops@example.com").is_none());
        assert!(LocalLink::parse("/abs/a.md").is_none());
        assert!(LocalLink::parse("diagram.png").is_none());
        let link = LocalLink::parse("my%20app.md#log-in").unwrap();
        assert_eq!(link.file.as_deref(), Some("my app.md"));
        assert_eq!(link.anchor.as_deref(), Some("log-in"));
        let own = LocalLink::parse("#restart").unwrap();
        assert_eq!(own.file, None);
    }

    #[test]
    fn top_level_keys_are_recognised_quoted_or_not() {
        assert_eq!(top_level_key("hosting: self"), Some("hosting"));
        assert_eq!(top_level_key("\"owner\": x"), Some("owner"));
        assert_eq!(top_level_key("  expires: 2027-01-01"), None);
        assert_eq!(top_level_key("# hosting: self"), None);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "ab\nüü TODO\n";
        let lines = LineIndex::new(text);
        let offset = text.find("TODO").unwrap();
        assert_eq!(lines.position(text, offset), (2, 4));
    }
}
