//! Where in a runbook's file a finding goes: the line of a front-matter key, of an entry in a
//! list under one or of a key nested in one, and the line and column of a byte offset.
//!
//! The front matter is searched as plain lines because the YAML parser keeps no positions. A
//! lookup only points at a place, so when the text is too unusual to tell it falls back to the
//! key's line, then to the file's first line, rather than failing.

use runbook_core::runbook::front_matter;

/// A runbook's front matter as written, for finding the line a key or value is on.
pub(super) struct FrontMatterLines {
    /// The file line the YAML starts on, and the YAML; `None` without front matter.
    yaml: Option<(u64, String)>,
}

impl FrontMatterLines {
    pub(super) fn new(text: &str) -> FrontMatterLines {
        let yaml = front_matter::split(text)
            .ok()
            .and_then(|s| s.yaml.map(|y| (s.yaml_line, y.to_string())));
        FrontMatterLines { yaml }
    }

    /// The line of a top-level front-matter key, else the front matter's first line.
    pub(super) fn key_line(&self, key: &str) -> u64 {
        self.find_key_line(key).unwrap_or(1)
    }

    /// The line of a top-level front-matter key, if the front matter has it.
    pub(super) fn find_key_line(&self, key: &str) -> Option<u64> {
        let (start, yaml) = self.yaml.as_ref()?;
        yaml.lines()
            .position(|line| top_level_key(line) == Some(key))
            .map(|i| start + i as u64)
    }

    /// The first line at or after `key`'s line that mentions `value`: where a list entry sits.
    pub(super) fn value_line(&self, key: &str, value: &str) -> u64 {
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
    /// [`FrontMatterLines::value_line`] of `value` for lists written inline (`urls: [a, b]`).
    pub(super) fn entry_line(
        &self,
        key: &str,
        index: usize,
        field: Option<&str>,
        value: &str,
    ) -> u64 {
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
    pub(super) fn nested_key_line(&self, parent: &str, key: &str) -> u64 {
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
pub(super) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(super) fn new(text: &str) -> LineIndex {
        LineIndex {
            starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        }
    }

    pub(super) fn position(&self, text: &str, offset: usize) -> (u64, u64) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
