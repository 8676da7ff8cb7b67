//! What `runbook check` reports: a [`Finding`] per problem, each with a stable [`Code`] that
//! decides its [`Severity`], gathered in a [`Report`] sorted the way it is shown.
//!
//! The codes' names and the report's JSON shape are a contract with scripts and CI; the rules
//! (the other modules of `check`) only ever add findings through [`Finding::new`].

use serde::Serialize;
use serde::ser::SerializeStruct;

use runbook_core::error::FileProblem;

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
    /// An entry of `alerts:` names a `section` that no heading of the runbook matches.
    AlertSectionMissing,
    /// `--rules`: an alerting rule with no `runbook_url`, and no runbook declares its name.
    AlertWithoutRunbook,
    /// `--rules`: a `runbook_url` into this knowledge base that resolves to no runbook.
    RunbookUrlUnknown,
    /// `--rules`: a runbook declares an alert that no rule file defines.
    AlertNotInRules,
    /// `--rules`: a rule file that cannot be read or is not valid YAML.
    InvalidRuleFile,
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
            Code::AlertSectionMissing => "alert-section-missing",
            Code::AlertWithoutRunbook => "alert-without-runbook",
            Code::RunbookUrlUnknown => "runbook-url-unknown",
            Code::AlertNotInRules => "alert-not-in-rules",
            Code::InvalidRuleFile => "invalid-rule-file",
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
            | Code::UrlUnreachable
            | Code::AlertNotInRules => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
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
    pub(super) fn new(
        path: &str,
        line: u64,
        column: Option<u64>,
        code: Code,
        message: String,
    ) -> Finding {
        Finding {
            path: path.to_string(),
            line,
            column,
            severity: code.severity(),
            code,
            message,
        }
    }

    pub(super) fn from_problem(code: Code, problem: FileProblem) -> Finding {
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
        let mut state = serializer.serialize_struct("Report", 3)?;
        state.serialize_field("errors", &self.errors())?;
        state.serialize_field("warnings", &self.warnings())?;
        state.serialize_field("findings", &self.findings)?;
        state.end()
    }
}

/// Findings in the order they are shown: by path, line and column.
pub(super) fn sort(findings: &mut [Finding]) {
    findings.sort_by(|left, right| {
        (&left.path, left.line, left.column, left.code, &left.message).cmp(&(
            &right.path,
            right.line,
            right.column,
            right.code,
            &right.message,
        ))
    });
}
