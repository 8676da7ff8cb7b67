//! Separating a runbook's YAML front matter from its Markdown body, and parsing the YAML.
//!
//! The leading `---` block is stripped here rather than by pulldown-cmark's metadata option, which
//! would also swallow a `---` block anywhere in the body. A BOM and CRLF line endings are tolerated.

use serde_json::{Map, Value};

/// A runbook's text, cut in two.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML between the fences, if the file has front matter.
    pub yaml: Option<&'a str>,
    /// 1-based line of the file where the YAML starts.
    pub yaml_line: u64,
    /// The Markdown after the front matter.
    pub body: &'a str,
    /// 1-based line of the file where the body starts.
    pub body_line: u64,
}

/// Why front matter could not be read: a message and, where known, the file line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatterError {
    /// 1-based line in the file.
    pub line: Option<u64>,
    /// 1-based column.
    pub column: Option<u64>,
    /// What is wrong there.
    pub message: String,
}

/// Cuts `text` into front matter and body. `Err` when a front matter block is opened but never
/// closed.
pub fn split(text: &str) -> Result<Split<'_>, FrontMatterError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = line_spans(text);
    let no_front_matter = Split {
        yaml: None,
        yaml_line: 1,
        body: text,
        body_line: 1,
    };
    let Some((_, first_end, first)) = lines.next() else {
        return Ok(no_front_matter);
    };
    if first.trim_end() != "---" {
        return Ok(no_front_matter);
    }
    for (index, (start, end, line)) in lines.enumerate() {
        let fence = line.trim_end();
        if fence == "---" || fence == "..." {
            return Ok(Split {
                yaml: Some(&text[first_end..start]),
                yaml_line: 2,
                body: &text[end..],
                // the opening fence is line 1, the YAML's first line 2, this fence `index + 2`
                body_line: index as u64 + 3,
            });
        }
    }
    Err(FrontMatterError {
        line: Some(1),
        column: None,
        message: "front matter opened with --- is never closed by a --- line".into(),
    })
}

/// Yields `(start, end_including_newline, line_without_newline)` for each line.
fn line_spans(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut offset = 0;
    std::iter::from_fn(move || {
        if offset >= text.len() {
            return None;
        }
        let start = offset;
        let end = text[start..]
            .find('\n')
            .map_or(text.len(), |i| start + i + 1);
        offset = end;
        let line = text[start..end].trim_end_matches(['\n', '\r']);
        Some((start, end, line))
    })
}

/// Parses front matter YAML into a mapping. `yaml_line` is the file line the YAML starts on, so
/// errors point into the file, not into the YAML snippet.
pub fn parse_yaml(yaml: &str, yaml_line: u64) -> Result<Map<String, Value>, FrontMatterError> {
    let value: Value = serde_saphyr::from_str(yaml).map_err(|error| {
        let location = error.location();
        let line = location.map(|l| l.line() + yaml_line - 1);
        let column = location.map(|l| l.column());
        FrontMatterError {
            line: line.or(Some(yaml_line)),
            column,
            message: format!(
                "invalid YAML front matter: {}",
                first_line_of(&error.to_string())
            ),
        }
    })?;
    match value {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(FrontMatterError {
            line: Some(yaml_line),
            column: None,
            message: format!(
                "front matter must be a mapping of keys (title: ..., hosting: ...), found {}",
                kind_of(&other)
            ),
        }),
    }
}

/// The message itself: serde-saphyr prefixes it with "error: line N column M:" (relative to the
/// YAML snippet; the file position is reported separately) and may append a rendered snippet.
pub fn first_line_of(message: &str) -> &str {
    let first = message.lines().next().unwrap_or(message).trim();
    let first = first.strip_prefix("error:").unwrap_or(first).trim_start();
    match first.strip_prefix("line ") {
        Some(rest) => rest.split_once(": ").map_or(first, |(_, m)| m),
        None => first,
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_from_body() {
        let s = split("---\ntitle: X\n---\n# X\nbody\n").unwrap();
        assert_eq!(s.yaml, Some("title: X\n"));
        assert_eq!(s.body, "# X\nbody\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn tolerates_bom_and_crlf() {
        let s = split("\u{feff}---\r\ntitle: X\r\n---\r\n# X\r\n").unwrap();
        assert_eq!(s.yaml, Some("title: X\r\n"));
        assert_eq!(s.body, "# X\r\n");
    }

    #[test]
    fn a_file_without_front_matter_is_all_body() {
        let s = split("# Title\n\n---\n\nmore\n").unwrap();
        assert_eq!(s.yaml, None);
        assert_eq!(s.body, "# Title\n\n---\n\nmore\n");
    }

    #[test]
    fn an_unclosed_front_matter_is_an_error_on_line_one() {
        let e = split("---\ntitle: X\n# body").unwrap_err();
        assert_eq!(e.line, Some(1));
    }

    #[test]
    fn yaml_errors_point_at_the_file_line() {
        let text = "---\ntitle: ok\nowner: [unclosed\nhosting: self\n---\n";
        let s = split(text).unwrap();
        let e = parse_yaml(s.yaml.unwrap(), s.yaml_line).unwrap_err();
        let line = e.line.unwrap();
        assert!((3..=5).contains(&line), "line {line}: {}", e.message);
        assert!(e.message.starts_with("invalid YAML"), "{}", e.message);
        assert!(
            !e.message.contains("line"),
            "position is not repeated: {}",
            e.message
        );
    }

    #[test]
    fn a_list_is_not_front_matter() {
        let e = parse_yaml("- a\n- b\n", 2).unwrap_err();
        assert!(e.message.contains("found a list"), "{}", e.message);
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn empty_front_matter_is_an_empty_mapping() {
        assert!(parse_yaml("", 2).unwrap().is_empty());
    }
}
