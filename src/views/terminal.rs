//! Terminal output for `search`, `show` and `index`, readable on an 80-column terminal.
//!
//! Views always write ANSI styles; the caller prints through `anstream`, which drops them when
//! the output is not a terminal or `NO_COLOR` is set.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use crate::check::{Report, Severity};
use runbook_core::knowledge_base::RefreshReport;
use runbook_core::misses::{Miss, MissKind};
use runbook_core::results::{Explanation, Facets, Fusion, SearchResults};
use runbook_core::runbook::Hosting;

mod card;

pub use card::details;

const WIDTH: usize = 80;
const INDENT: &str = "    ";
/// Values per fact in the one-line facet summary.
const FACET_VALUES_SHOWN: usize = 4;

fn bold() -> Style {
    Style::new().bold()
}
fn dim() -> Style {
    Style::new().dimmed()
}
fn warning() -> Style {
    Style::new().bold().fg_color(Some(AnsiColor::Red.into()))
}
fn open_style() -> Style {
    Style::new().bold().fg_color(Some(AnsiColor::Green.into()))
}
fn highlight() -> Style {
    Style::new().bold().fg_color(Some(AnsiColor::Yellow.into()))
}

/// The badge colour says at a glance whether we or a vendor run the servers.
fn badge_style(hosting: Option<Hosting>) -> Style {
    let color = match hosting {
        Some(Hosting::SelfHosted) => AnsiColor::Green,
        Some(Hosting::Hybrid) => AnsiColor::Cyan,
        Some(Hosting::Vendor) | Some(Hosting::Saas) => AnsiColor::Magenta,
        None => AnsiColor::Red,
    };
    Style::new().bold().invert().fg_color(Some(color.into()))
}

fn badge(hosting: Option<Hosting>) -> String {
    let text = hosting.map_or("HOSTING UNKNOWN", Hosting::badge);
    let style = badge_style(hosting);
    format!("{style} {text} {style:#}")
}

/// `runbook search` output.
pub fn search_results(results: &SearchResults) -> String {
    let mut out = String::new();
    if let Some(answer) = &results.answer {
        out.push_str(&details(answer));
        let _ = writeln!(out, "{}{}{:#}", dim(), "─".repeat(WIDTH), dim());
    }
    if results.hits.is_empty() {
        let _ = writeln!(
            out,
            "No runbook matches {:?}. Try fewer or other words, or `runbook search owner:TEAM`.",
            results.query
        );
        if !results.suggestions.is_empty() {
            let quoted: Vec<String> = results
                .suggestions
                .iter()
                .map(|s| format!("{}{s:?}{:#}", bold(), bold()))
                .collect();
            let _ = writeln!(out, "Did you mean: {}?", quoted.join(", "));
        }
        return out;
    }
    for hit in &results.hits {
        let owner = hit.owner.as_deref().unwrap_or("owner unknown");
        let _ = writeln!(
            out,
            "{} {}{}{:#} {}· {owner}{:#}",
            badge(hit.hosting),
            bold(),
            hit.title,
            bold(),
            dim(),
            dim()
        );
        let _ = writeln!(
            out,
            "{INDENT}→ {} {}{}#{}{:#}",
            hit.section,
            dim(),
            hit.path,
            hit.anchor,
            dim()
        );
        for line in wrap_snippet(&hit.snippet, WIDTH - INDENT.len()) {
            let _ = writeln!(out, "{INDENT}{line}");
        }
        if !hit.firing.is_empty() {
            let names = hit.firing.join(", ");
            let _ = writeln!(
                out,
                "{INDENT}{}firing now: {names}{:#}",
                warning(),
                warning()
            );
        }
        for reason in &hit.stale {
            let _ = writeln!(out, "{INDENT}{}⚠ stale: {reason}{:#}", warning(), warning());
        }
        if let Some(explain) = &hit.explain {
            explanation(&mut out, hit.score, explain);
        }
    }
    let shown = results.hits.len();
    let _ = writeln!(
        out,
        "{}{shown} of {} runbooks · {:.1} ms{:#}",
        dim(),
        results.total,
        results.took_ms,
        dim()
    );
    if let Some(summary) = facet_summary(&results.facets) {
        let _ = writeln!(out, "{}{summary}{:#}", dim(), dim());
    }
    out
}

/// One line of the most common hosting, owner and tag values among all matching runbooks:
/// `hosting: self 3, vendor 1 · owner: team-a 2 · tag: php 2`.
fn facet_summary(facets: &Facets) -> Option<String> {
    let parts: Vec<String> = [
        ("hosting", &facets.hosting),
        ("owner", &facets.owner),
        ("tag", &facets.tag),
    ]
    .into_iter()
    .filter(|(_, values)| !values.is_empty())
    .map(|(name, values)| {
        let top = Facets::top(values, FACET_VALUES_SHOWN)
            .into_iter()
            .map(|(value, count)| format!("{value} {count}"))
            .collect::<Vec<_>>()
            .join(", ");
        let more = if values.len() > FACET_VALUES_SHOWN {
            ", …"
        } else {
            ""
        };
        format!("{name}: {top}{more}")
    })
    .collect();
    if parts.is_empty() {
        return None;
    }
    let line = parts.join(" · ");
    if line.chars().count() <= WIDTH {
        return Some(line);
    }
    // Cut between values, not inside one.
    let room: String = line.chars().take(WIDTH - 2).collect();
    let end = room
        .rfind(", ")
        .into_iter()
        .chain(room.rfind(" · "))
        .max()
        .unwrap_or(room.len());
    Some(format!("{} …", &room[..end]))
}

/// `runbook misses` output: one miss a line, most counted first.
pub fn misses(misses: &[Miss]) -> String {
    let mut out = String::new();
    if misses.is_empty() {
        out.push_str("No missed searches recorded (`runbook serve` records them).\n");
        return out;
    }
    let _ = writeln!(
        out,
        "{}{:>6}  {:<10}  {:<16}  query{:#}",
        bold(),
        "count",
        "kind",
        "last seen (UTC)",
        bold()
    );
    for miss in misses {
        let kind = match miss.kind {
            MissKind::NoResults => "no results",
            MissKind::NotOpened => "not opened",
        };
        let _ = writeln!(
            out,
            "{:>6}  {kind:<10}  {}  {}",
            miss.count,
            miss.last_seen.format("%Y-%m-%d %H:%M"),
            miss.query
        );
    }
    out
}

/// `--explain`: how the words and meaning were fused (when both ranked), the words' score's
/// parts, then each word's matches per field.
fn explanation(out: &mut String, score: f32, explained: &Explanation) {
    let part = |s: Option<f32>| s.map_or_else(|| "no match".to_string(), |s| format!("{s:.2}"));
    if let Some(fusion) = &explained.fusion {
        let _ = writeln!(out, "{INDENT}{}{}{:#}", dim(), fusion_line(fusion), dim());
    }
    // Fused, the hit's score is the fusion's; the words' own score is what follows.
    let (label, words_score) = match &explained.fusion {
        Some(fusion) => ("words", fusion.lexical_score),
        None => ("score", Some(score)),
    };
    let _ = writeln!(
        out,
        "{INDENT}{}{label} {} = runbook {} + {} × section {}{:#}",
        dim(),
        part(words_score),
        part(explained.runbook),
        explained.section_weight,
        part(explained.section),
        dim()
    );
    let fields = |matches: &std::collections::BTreeMap<String, f32>| {
        if matches.is_empty() {
            "-".to_string()
        } else {
            matches
                .iter()
                .map(|(field, score)| format!("{field} {score:.2}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    for word in &explained.words {
        let exact = if word.exact_name {
            " · exact name"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{INDENT}{}  {}: runbook [{}] section [{}]{exact}{:#}",
            dim(),
            word.word,
            fields(&word.runbook),
            fields(&word.section),
            dim()
        );
    }
}

/// The fused score's terms: each ranking's place, the weight its evidence earned and why.
fn fusion_line(fusion: &Fusion) -> String {
    let words = match (fusion.lexical_rank, fusion.lexical_weight) {
        (Some(rank), Some(weight)) => format!(
            "words #{rank} × {weight:.2} ({} of {} words)",
            fusion.words_matched.unwrap_or(0),
            fusion.words
        ),
        _ => "words: not found".to_string(),
    };
    let meaning = match (fusion.semantic_rank, fusion.semantic_weight) {
        (Some(rank), Some(weight)) => format!(
            "meaning #{rank} × {weight:.2} (cosine {:.2}, {:.1} sd above this query's mean)",
            fusion.cosine.unwrap_or(0.0),
            fusion.standing.unwrap_or(0.0)
        ),
        _ => "meaning: not near".to_string(),
    };
    let named = if fusion.named {
        " · named exactly"
    } else {
        ""
    };
    format!("fused {:.2}: {words}; {meaning}{named}", fusion.fused)
}

/// `runbook index` summary line and the files left out.
pub fn refresh_summary(report: &RefreshReport) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "Indexed {} runbooks ({} updated, {} removed) in {:.2} s",
        report.indexed,
        report.updated,
        report.removed,
        report.took.as_secs_f64()
    );
    if report.problems.is_empty() {
        out.push_str(".\n");
    } else {
        let _ = writeln!(out, "; {} files left out:", report.problems.len());
        for problem in &report.problems {
            let _ = writeln!(out, "  {problem}");
        }
    }
    if report.read_only {
        out.push_str(
            "Another process (runbook serve?) is updating the index; showing its last commit.\n",
        );
    }
    out
}

/// What `runbook index` says of the sentence vectors after the refresh.
pub fn semantic_summary(
    status: &runbook_core::knowledge_base::SemanticStatus,
    fill: &runbook_core::knowledge_base::FillReport,
) -> String {
    use runbook_core::knowledge_base::SemanticState as State;
    match status.state {
        State::Off => "Semantic search is off (semantic = false in book.toml).\n".to_string(),
        State::Unavailable => format!(
            "Semantic search is unavailable, searching by words only: {}.\n",
            status.reason.as_deref().unwrap_or("the model did not load")
        ),
        _ => format!(
            "Sentence vectors: {} of {} sections ({} computed now in {:.2} s).\n",
            fill.with_vector,
            fill.sections,
            fill.embedded,
            fill.took.as_secs_f64()
        ),
    }
}

/// `runbook check` output: one `file:line:col: error[code]: message` line per finding, as
/// compilers print them (editors and terminals make them clickable), then a summary.
pub fn check_report(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        let style = match finding.severity {
            Severity::Error => Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
            Severity::Warning => Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
        };
        let _ = write!(out, "{}{}:{}", bold(), finding.path, finding.line);
        if let Some(column) = finding.column {
            let _ = write!(out, ":{column}");
        }
        let _ = writeln!(
            out,
            ":{:#} {style}{}[{}]{style:#}: {}",
            bold(),
            finding.severity.as_str(),
            finding.code,
            finding.message
        );
    }
    out.push_str(&check_summary(report));
    out.push('\n');
    out
}

/// One line: how many errors and warnings in how many runbooks.
pub fn check_summary(report: &Report) -> String {
    let (errors, warnings) = (report.errors(), report.warnings());
    let files = plural(report.files, "runbook", "runbooks");
    if errors == 0 && warnings == 0 {
        format!("{files} checked: no problems.")
    } else {
        format!(
            "{} and {} in {files}.",
            plural(errors, "error", "errors"),
            plural(warnings, "warning", "warnings")
        )
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// Wraps a snippet's HTML (escaped text with `<mark>` highlights) into at most three styled lines.
fn wrap_snippet(html: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in snippet_words(html) {
        let word_len: usize = word.iter().map(|(text, _)| text.chars().count()).sum();
        if len > 0 && len + 1 + word_len > width {
            lines.push(std::mem::take(&mut line));
            len = 0;
            if lines.len() == 3 {
                return lines;
            }
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        for (text, marked) in word {
            if marked {
                let _ = write!(line, "{}{text}{:#}", highlight(), highlight());
            } else {
                line.push_str(&text);
            }
        }
        len += word_len;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Splits snippet HTML into words; a word is a list of runs, each flagged when inside `<mark>`
/// (a highlight may cover part of a word, as in a URL).
fn snippet_words(html: &str) -> Vec<Vec<(String, bool)>> {
    let mut runs: Vec<(String, bool)> = Vec::new();
    let mut marked = false;
    let mut rest = html;
    while !rest.is_empty() {
        let next_tag = rest.find('<').unwrap_or(rest.len());
        runs.push((unescape(&rest[..next_tag]), marked));
        rest = &rest[next_tag..];
        if let Some(after) = rest.strip_prefix("<mark>") {
            marked = true;
            rest = after;
        } else if let Some(after) = rest.strip_prefix("</mark>") {
            marked = false;
            rest = after;
        } else if !rest.is_empty() {
            // A bare '<' cannot occur in escaped text; skip it rather than loop.
            rest = &rest[1..];
        }
    }
    let mut words: Vec<Vec<(String, bool)>> = Vec::new();
    let mut current: Vec<(String, bool)> = Vec::new();
    for (text, marked) in runs {
        let mut piece = String::new();
        for ch in text.chars() {
            if ch.is_whitespace() {
                if !piece.is_empty() {
                    current.push((std::mem::take(&mut piece), marked));
                }
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            } else {
                piece.push(ch);
            }
        }
        if !piece.is_empty() {
            current.push((piece, marked));
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use runbook_core::results::Hit;

    fn plain(s: &str) -> String {
        anstream::adapter::strip_str(s).to_string()
    }

    fn results() -> SearchResults {
        SearchResults {
            query: "billing".into(),
            total: 1,
            took_ms: 0.5,
            hits: vec![Hit {
                app: "billing".into(),
                title: "Billing portal".into(),
                path: "runbooks/billing.md".into(),
                hosting: Some(Hosting::SelfHosted),
                owner: Some("team-payments".into()),
                score: 1.0,
                section: "Login".into(),
                anchor: "login".into(),
                snippet: "ssh to <mark>billing01</mark> &amp; check &lt;logs&gt;".into(),
                review_due: None,
                stale: Vec::new(),
                firing: Vec::new(),
                explain: None,
            }],
            answer: None,
            facets: Default::default(),
            suggestions: Vec::new(),
        }
    }

    #[test]
    fn each_hit_leads_with_the_hosting_fact() {
        let text = plain(&search_results(&results()));
        let first = text.lines().next().unwrap();
        assert!(
            first.starts_with(" WE HOST THIS  Billing portal"),
            "{first}"
        );
        assert!(first.contains("team-payments"));
        assert!(text.contains("→ Login runbooks/billing.md#login"));
    }

    #[test]
    fn snippets_are_unescaped_and_fit_80_columns() {
        let mut r = results();
        r.hits[0].snippet = "word ".repeat(60);
        let text = plain(&search_results(&r));
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
        let text = plain(&search_results(&results()));
        assert!(text.contains("ssh to billing01 & check <logs>"), "{text}");
        let mut r = results();
        r.hits[0].snippet = "see https://<mark>billing</mark>.example.com now".into();
        let text = plain(&search_results(&r));
        assert!(
            text.contains("see https://billing.example.com now"),
            "{text}"
        );
    }

    #[test]
    fn facets_are_summed_up_on_one_line() {
        let mut r = results();
        r.facets.hosting.insert("self".into(), 3);
        r.facets.hosting.insert("vendor".into(), 1);
        r.facets.owner.insert("team-payments".into(), 4);
        for i in 0..30 {
            r.facets.tag.insert(format!("tag-number-{i}"), 1);
        }
        let text = plain(&search_results(&r));
        let line = text.lines().last().unwrap();
        assert!(
            line.starts_with("hosting: self 3, vendor 1 · owner: team-payments 4 · tag: "),
            "{line}"
        );
        assert!(line.chars().count() <= 80, "{line}");
        assert!(
            line.ends_with("tag-number-0 1 …"),
            "cut between values: {line}"
        );
    }

    #[test]
    fn no_hits_says_what_to_try() {
        let mut r = results();
        r.hits.clear();
        assert!(search_results(&r).contains("No runbook matches"));
        assert!(!search_results(&r).contains("Did you mean"));
        r.suggestions = vec!["sidekiq restart".into(), "redis".into()];
        assert!(
            plain(&search_results(&r)).contains("Did you mean: \"sidekiq restart\", \"redis\"?")
        );
    }
}
