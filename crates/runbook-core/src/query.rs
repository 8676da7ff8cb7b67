//! The query language: plain words, `"phrases"`, `-excluded` words and field filters.
//!
//! Parsing never fails: anything that is not well-formed syntax is read as plain words, so a
//! caller's odd paste (a URL, `host:port`, an unbalanced quote) still searches.

/// A filter field a query may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    /// `owner:` — the owning team.
    Owner,
    /// `hosting:` — who runs the servers.
    Hosting,
    /// `tag:` — one of the runbook's tags.
    Tag,
    /// `host:` — a server's host name.
    Host,
    /// `system:` — the system the application belongs to.
    System,
}

impl FilterField {
    /// The name the query language uses for the field.
    pub fn name(self) -> &'static str {
        match self {
            FilterField::Owner => "owner",
            FilterField::Hosting => "hosting",
            FilterField::Tag => "tag",
            FilterField::Host => "host",
            FilterField::System => "system",
        }
    }

    fn parse(name: &str) -> Option<FilterField> {
        match name.to_ascii_lowercase().as_str() {
            "owner" => Some(FilterField::Owner),
            "hosting" => Some(FilterField::Hosting),
            "tag" | "tags" => Some(FilterField::Tag),
            "host" | "ip" => Some(FilterField::Host),
            "system" => Some(FilterField::System),
            _ => None,
        }
    }
}

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Plain words, in order; all ranked, most-matching first.
    pub words: Vec<String>,
    /// Phrases that must appear as written.
    pub phrases: Vec<String>,
    /// Words that must not appear.
    pub excluded: Vec<String>,
    /// Field filters that must hold.
    pub filters: Vec<(FilterField, String)>,
    /// Whether the last plain word is still being typed (matches as a prefix).
    pub last_word_is_prefix: bool,
}

impl ParsedQuery {
    /// Whether the query asks for anything at all.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty() && self.filters.is_empty()
    }
}

/// Most plain words, phrases, exclusions and filters each that a query keeps; the rest are
/// dropped. Every word becomes exact, typo and prefix queries: a pasted log of 5,000 words took
/// seconds to search, while no one types more than a few words.
pub const MAX_PARTS: usize = 32;

/// Parses a query. The last plain word counts as a prefix unless the query ends in white space.
pub fn parse(query: &str) -> ParsedQuery {
    let mut parsed = ParsedQuery::default();
    let mut last_was_word = false;
    for token in tokens(query) {
        last_was_word = false;
        if let Some(phrase) = token.strip_prefix('"') {
            let phrase = phrase.strip_suffix('"').unwrap_or(phrase).trim();
            if phrase.contains(char::is_whitespace) {
                parsed.phrases.push(phrase.to_string());
            } else if !phrase.is_empty() {
                parsed.words.push(phrase.to_string());
            }
        } else if let Some(excluded) = exclusion_of(token) {
            parsed.excluded.push(excluded.to_string());
        } else if let Some((field, value)) = filter_of(token) {
            parsed.filters.push((field, value.to_string()));
        } else if token.chars().any(char::is_alphanumeric) {
            parsed.words.push(token.to_string());
            last_was_word = true;
        }
    }
    parsed.last_word_is_prefix = last_was_word && !query.ends_with(char::is_whitespace);
    let mut seen = std::collections::HashSet::new();
    parsed.words.retain(|w| seen.insert(w.to_lowercase()));
    if parsed.words.len() > MAX_PARTS {
        parsed.words.truncate(MAX_PARTS);
        parsed.last_word_is_prefix = false;
    }
    parsed.phrases.truncate(MAX_PARTS);
    parsed.excluded.truncate(MAX_PARTS);
    parsed.filters.truncate(MAX_PARTS);
    parsed
}

/// The query's tokens, in order: phrases (quotes included), filters, exclusions and words.
pub fn tokens(query: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = query.trim_start();
    while !rest.is_empty() {
        let (token, after) = next_token(rest);
        out.push(token);
        rest = after.trim_start();
    }
    out
}

/// The word a token excludes, if it is an exclusion (`-test`, `-"old notes"`). A phrase in
/// quotes is not one, whatever it starts with.
pub fn exclusion_of(token: &str) -> Option<&str> {
    if token.starts_with('"') {
        return None;
    }
    token
        .strip_prefix('-')
        .filter(|w| starts_word(w))
        .map(|w| w.trim_matches('"'))
}

/// The filter a token is, if it is one: `owner:team-a`, `system:"core finance"`.
pub fn filter_of(token: &str) -> Option<(FilterField, &str)> {
    token
        .split_once(':')
        .and_then(|(f, v)| Some((FilterField::parse(f)?, v.trim_matches('"'))))
        .filter(|(_, v)| !v.is_empty())
}

/// A filter as the query language writes it, quoting a value with spaces.
pub fn filter_text(field: FilterField, value: &str) -> String {
    if value.contains(char::is_whitespace) {
        format!("{}:\"{}\"", field.name(), value.replace('"', ""))
    } else {
        format!("{}:{}", field.name(), value)
    }
}

/// Whether the query already filters `field` by `value` (compared case-insensitively).
pub fn has_filter(query: &str, field: FilterField, value: &str) -> bool {
    tokens(query)
        .into_iter()
        .filter_map(filter_of)
        .any(|(f, v)| f == field && v.eq_ignore_ascii_case(value))
}

/// The query narrowed by a filter. The filter goes in front: the last word of a query is read
/// as a prefix while typing, and a filter after it would end that, so the narrowed query
/// would not find what the facet counted.
pub fn with_filter(query: &str, field: FilterField, value: &str) -> String {
    let filter = filter_text(field, value);
    let query = query.trim();
    if query.is_empty() {
        filter
    } else {
        format!("{filter} {query}")
    }
}

/// The query without the filters on `field` equal to `value` (case-insensitively); the other
/// tokens as they were, one space apart.
pub fn without_filter(query: &str, field: FilterField, value: &str) -> String {
    tokens(query)
        .into_iter()
        .filter(|token| {
            filter_of(token).is_none_or(|(f, v)| f != field || !v.eq_ignore_ascii_case(value))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn starts_word(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '"')
}

/// Cuts the next token: a quoted phrase (to its closing quote, or the end), `field:"quoted
/// value"`, or a run of non-space characters.
fn next_token(rest: &str) -> (&str, &str) {
    let quote_from = if rest.starts_with('"') {
        Some(0)
    } else if rest.starts_with("-\"") {
        Some(1)
    } else {
        rest.split_whitespace()
            .next()
            .and_then(|t| t.find(":\"").map(|i| i + 1))
    };
    if let Some(quote) = quote_from {
        let end = rest[quote + 1..]
            .find('"')
            .map_or(rest.len(), |i| quote + 1 + i + 1);
        return (&rest[..end], &rest[end..]);
    }
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    (&rest[..end], &rest[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_phrases_exclusions_and_filters() {
        let q = parse(r#"billing "invoices stuck" -test owner:team-payments hosting:self"#);
        assert_eq!(q.words, ["billing"]);
        assert_eq!(q.phrases, ["invoices stuck"]);
        assert_eq!(q.excluded, ["test"]);
        assert_eq!(
            q.filters,
            [
                (FilterField::Owner, "team-payments".to_string()),
                (FilterField::Hosting, "self".to_string())
            ]
        );
    }

    #[test]
    fn a_wall_of_words_is_cut_to_the_first_distinct_ones() {
        let q = parse(&(0..1000).map(|i| format!("w{i} W{i} ")).collect::<String>());
        assert_eq!(q.words.len(), MAX_PARTS);
        assert_eq!(q.words[..2], ["w0", "w1"]);
        assert!(!q.last_word_is_prefix);
    }

    #[test]
    fn the_last_word_is_a_prefix_while_typing() {
        assert!(parse("sidekiq rest").last_word_is_prefix);
        assert!(!parse("sidekiq restart ").last_word_is_prefix);
        assert!(!parse("sidekiq \"a b\"").last_word_is_prefix);
    }

    #[test]
    fn urls_and_host_port_are_words_not_fields() {
        let q = parse("https://billing.example.com/login 10.0.4.21:8080");
        assert_eq!(
            q.words,
            ["https://billing.example.com/login", "10.0.4.21:8080"]
        );
        assert!(q.filters.is_empty());
    }

    #[test]
    fn broken_syntax_falls_back_to_words() {
        let q = parse(r#""unclosed phrase here"#);
        assert_eq!(q.phrases, ["unclosed phrase here"]);
        let q = parse("- -- owner: :: \"\"");
        assert_eq!(q.words, ["owner:"], "{q:?}");
        assert!(q.filters.is_empty() && q.excluded.is_empty(), "{q:?}");
        let q = parse("ORA-00942");
        assert_eq!(q.words, ["ORA-00942"]);
    }

    #[test]
    fn filters_are_added_in_front_and_removed_by_value() {
        let q = with_filter("sidekiq resta", FilterField::Owner, "team-a");
        assert_eq!(q, "owner:team-a sidekiq resta");
        assert!(
            parse(&q).last_word_is_prefix,
            "the last word stays a prefix"
        );
        assert!(has_filter(&q, FilterField::Owner, "TEAM-A"));
        assert_eq!(
            with_filter("", FilterField::System, "core finance"),
            r#"system:"core finance""#
        );
        let q = r#"billing  "stuck invoices" system:"core finance" -test tag:php"#;
        assert_eq!(
            without_filter(q, FilterField::System, "Core Finance"),
            r#"billing "stuck invoices" -test tag:php"#
        );
        assert_eq!(
            without_filter(q, FilterField::Tag, "java"),
            r#"billing "stuck invoices" system:"core finance" -test tag:php"#
        );
    }

    #[test]
    fn quoted_filter_values() {
        let q = parse(r#"system:"core finance" x"#);
        assert_eq!(
            q.filters,
            [(FilterField::System, "core finance".to_string())]
        );
        assert_eq!(q.words, ["x"]);
    }
}
