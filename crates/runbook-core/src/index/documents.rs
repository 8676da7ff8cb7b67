//! Turning a parsed runbook into index documents: one per section (its heading and text), and
//! one for the whole runbook (what describes it as a whole). Each word is indexed once.

use tantivy::TantivyDocument;

use super::schema::{Fields, KIND_RUNBOOK, KIND_SECTION};
use crate::runbook::names::key;
use crate::runbook::{Runbook, Section, app_from_path, facts::url_host};

/// The grouping id of a runbook: a hash of its path.
pub(super) fn runbook_id(path: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(path.as_bytes())
}

/// The key of a section's content: a hash of exactly what its sentence vector is computed from
/// (runbook title, heading path, text), so a vector is reused while they stay the same.
pub(super) fn section_key(title: &str, heading: &str, body: &str) -> u64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for part in [title, heading, body] {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.digest()
}

/// Every exact name a runbook answers to.
pub(super) fn keys(runbook: &Runbook) -> Vec<String> {
    let mut keys = ids(runbook);
    keys.push(key(&runbook.facts.title));
    // The path-derived id answers too, so links between runbook files resolve whatever `app` says.
    keys.push(key(&app_from_path(&runbook.id_path)));
    keys.retain(|k| !k.is_empty());
    keys.sort();
    keys.dedup();
    keys
}

/// The exact names that identify a runbook: app id, aliases, hosts, IPs, URLs and their hosts,
/// and the names of the alerts it answers.
pub(super) fn ids(runbook: &Runbook) -> Vec<String> {
    let facts = &runbook.facts;
    let mut keys: Vec<String> = std::iter::once(facts.app.as_str())
        .chain(facts.aliases.iter().map(String::as_str))
        .chain(facts.alerts.iter().map(|alert| alert.name.as_str()))
        .chain(facts.addresses())
        .chain(facts.urls.iter().filter_map(|u| url_host(u)))
        .map(key)
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The words a file's path gives it: folders and file name without the extension. A file named
/// `README` or `index` says nothing beyond its folder, so only the folders count for it.
pub(super) fn path_words(path: &str) -> String {
    let stem = path
        .rsplit_once('.')
        .filter(|(_, ext)| !ext.contains('/'))
        .map_or(path, |(stem, _)| stem);
    let mut parts: Vec<&str> = stem.split('/').filter(|p| !p.is_empty()).collect();
    if parts
        .last()
        .is_some_and(|f| f.eq_ignore_ascii_case("readme") || f.eq_ignore_ascii_case("index"))
    {
        parts.pop();
    }
    // One part per line: each folder is its own compound, not one long path identifier.
    parts.join("\n")
}

/// The documents of one runbook: its sections, then the whole-runbook document, as one batch.
pub(super) fn documents(runbook: &Runbook, fields: &Fields) -> Vec<TantivyDocument> {
    let facts = &runbook.facts;
    let text_words = runbook
        .sections
        .iter()
        .map(|s| word_count(&s.text))
        .sum::<u64>();
    let mut docs = Vec::with_capacity(runbook.sections.len() + 2);
    if runbook.sections.is_empty() {
        let part = SectionPart {
            heading: facts.title.clone(),
            anchor: "",
            text: facts.summary.as_deref().unwrap_or_default(),
            first: true,
        };
        docs.push(section_document(runbook, fields, &part, text_words));
    }
    for (i, section) in runbook.sections.iter().enumerate() {
        let part = SectionPart {
            heading: section_heading(section),
            anchor: &section.anchor,
            text: &section.text,
            first: i == 0,
        };
        docs.push(section_document(runbook, fields, &part, text_words));
    }
    // The runbook document carries no heading and no text: each word of a section is indexed
    // once, in its section, and the ranking combines the runbook's own fields with its sections
    // (see [`super::rank`]). It comes last, after its sections: the ranking finds it as the
    // first runbook document at or after any of them.
    docs.push(runbook_document(runbook, fields, text_words));
    docs
}

/// What a section document holds of its section.
struct SectionPart<'a> {
    /// The section's heading after its parents' (`Parent › Child`).
    heading: String,
    anchor: &'a str,
    text: &'a str,
    /// Whether this is the runbook's first section.
    first: bool,
}

/// A section's heading after its parents' headings, ` › ` between them.
fn section_heading(section: &Section) -> String {
    let mut heading = section.parents.join(" › ");
    if !heading.is_empty() {
        heading.push_str(" › ");
    }
    heading.push_str(&section.heading);
    heading
}

/// The document of one section: its heading and text, with the runbook's shown facts.
fn section_document(
    runbook: &Runbook,
    fields: &Fields,
    part: &SectionPart,
    text_words: u64,
) -> TantivyDocument {
    let title = &runbook.facts.title;
    let mut doc = runbook_identity(runbook, fields, KIND_SECTION);
    doc.add_text(fields.heading, &part.heading);
    doc.add_text(fields.anchor, part.anchor);
    doc.add_text(fields.body, part.text);
    add_shown_facts(&mut doc, runbook, fields);
    if part.first {
        doc.add_text(fields.first, "1");
    }
    doc.add_u64(
        fields.section_key,
        section_key(title, &part.heading, part.text),
    );
    add_text_words(&mut doc, fields, text_words);
    doc
}

/// The whole-runbook document: what describes the runbook as a whole.
fn runbook_document(runbook: &Runbook, fields: &Fields, text_words: u64) -> TantivyDocument {
    let mut doc = runbook_identity(runbook, fields, KIND_RUNBOOK);
    add_shown_facts(&mut doc, runbook, fields);
    add_whole_runbook(&mut doc, runbook, fields);
    add_text_words(&mut doc, fields, text_words);
    doc
}

/// A new document of `kind` naming its runbook: path, grouping id, app id and title.
fn runbook_identity(runbook: &Runbook, fields: &Fields, kind: u64) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.path, &runbook.path);
    doc.add_u64(fields.runbook_id, runbook_id(&runbook.path));
    doc.add_u64(fields.kind, kind);
    doc.add_text(fields.app, &runbook.facts.app);
    doc.add_text(fields.title, &runbook.facts.title);
    doc
}

/// The facts a hit shows: owner, hosting, review date and interval.
fn add_shown_facts(doc: &mut TantivyDocument, runbook: &Runbook, fields: &Fields) {
    let facts = &runbook.facts;
    // Stored on every document so any hit can show them; single raw terms, cheap to index.
    if let Some(owner) = &facts.owner {
        doc.add_text(fields.owner, owner.to_lowercase());
    }
    if let Some(hosting) = facts.hosting {
        doc.add_text(fields.hosting, hosting.as_str());
    }
    if let Some(reviewed) = facts.reviewed {
        doc.add_text(fields.reviewed, reviewed.to_string());
    }
    if let Some(days) = facts.review_every_days {
        doc.add_u64(fields.review_every_days, u64::from(days));
    }
}

/// What describes the runbook as a whole: path words, names, facts, exact names, tags, system,
/// hosts, facets and spelling words.
fn add_whole_runbook(doc: &mut TantivyDocument, runbook: &Runbook, fields: &Fields) {
    // What describes the runbook as a whole goes on its runbook document only: repeating it
    // on every section cost a quarter of the indexing work and added nothing, since a
    // runbook is only a hit when its runbook document matches.
    let facts = &runbook.facts;
    let names = names(runbook);
    let facts_text = facts_text(runbook);
    let ids = ids(runbook);
    let spelling = spelling(runbook, &[&names, &facts_text], &ids);
    doc.add_text(fields.path_words, path_words(&runbook.path));
    doc.add_text(fields.names, &names);
    doc.add_text(fields.facts, &facts_text);
    for name in keys(runbook) {
        doc.add_text(fields.keys, name);
    }
    for id in &ids {
        doc.add_text(fields.ids, id);
    }
    for tag in &facts.tags {
        doc.add_text(fields.tag, tag.to_lowercase());
    }
    if let Some(system) = &facts.system {
        doc.add_text(fields.system, system.to_lowercase());
    }
    for host in facts.hosts() {
        doc.add_text(fields.host, host);
    }
    for value in super::facets::values(runbook) {
        doc.add_text(fields.facets, value);
    }
    doc.add_text(fields.spelling, &spelling);
}

/// The runbook's words of text, on every document.
fn add_text_words(doc: &mut TantivyDocument, fields: &Fields, text_words: u64) {
    // On every document, though only the runbook document's is read: a column every
    // document has is read by position, one that some lack through a rank lookup, which
    // was an eighth of a broad search.
    doc.add_u64(fields.text_words, text_words);
}

/// The names a runbook is called by, one a line: its title, app id and aliases.
fn names(runbook: &Runbook) -> String {
    let facts = &runbook.facts;
    // An app id that is only the file's path adds nothing the path field lacks; counting it as
    // a name too would make path words outweigh the title.
    let app_is_path = runbook
        .path
        .rsplit_once('.')
        .is_some_and(|(stem, _)| stem == facts.app || stem.ends_with(&format!("/{}", facts.app)));
    std::iter::once(facts.title.as_str())
        .chain(std::iter::once(facts.app.as_str()).filter(|_| !app_is_path))
        .chain(facts.aliases.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The words of a text, roughly as the analyzer counts them: runs of letters and digits.
fn word_count(text: &str) -> u64 {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .count() as u64
}

/// Shortest and longest word kept for spelling suggestions: shorter words are too ambiguous to
/// correct to, longer ones are hashes and blobs.
const SPELLING_CHARS: std::ops::RangeInclusive<usize> = 3..=40;

/// The runbook's distinct words, lower-cased and not stemmed, one space apart: its title,
/// names, facts, headings and text cut at every character that is not a letter or digit (so
/// `billing01.prod.example.com` gives `billing01`, `prod`, `example`), plus its exact names
/// that have no space (`pg-bouncer`, host names) whole.
fn spelling(runbook: &Runbook, texts: &[&str], ids: &[String]) -> String {
    let mut words = rustc_hash::FxHashSet::<String>::default();
    let sections = runbook
        .sections
        .iter()
        .flat_map(|s| [s.heading.as_str(), s.text.as_str()]);
    // One buffer for the lower-cased word: most words repeat, and only new ones are copied.
    let mut lower = String::new();
    for text in texts.iter().copied().chain(sections) {
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            if !SPELLING_CHARS.contains(&word.chars().count())
                || !word.chars().any(char::is_alphabetic)
            {
                continue;
            }
            lower.clear();
            super::analyzer::push_lowercase(&mut lower, word);
            if !words.contains(lower.as_str()) {
                words.insert(lower.clone());
            }
        }
    }
    for id in ids {
        if !id.contains(char::is_whitespace) && SPELLING_CHARS.contains(&id.chars().count()) {
            words.insert(id.clone());
        }
    }
    let mut words: Vec<String> = words.into_iter().collect();
    // Sorted so the same runbook always makes the same document.
    words.sort_unstable();
    words.join(" ")
}

/// The searchable facts of a runbook, as text.
fn facts_text(runbook: &Runbook) -> String {
    let facts = &runbook.facts;
    let mut parts: Vec<&str> = Vec::new();
    parts.extend(facts.summary.as_deref());
    parts.extend(facts.owner.as_deref());
    parts.extend(facts.system.as_deref());
    parts.extend(facts.tags.iter().map(String::as_str));
    parts.extend(facts.addresses());
    for server in &facts.servers {
        parts.extend(server.role.as_deref());
    }
    for contact in &facts.contacts {
        parts.extend(contact.name.as_deref());
        parts.extend(contact.role.as_deref());
    }
    if let Some(vendor) = &facts.vendor {
        parts.extend(vendor.name.as_deref());
        parts.extend(vendor.contract.as_deref());
    }
    parts.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_words_are_folders_and_file_name() {
        assert_eq!(
            path_words("docs/patroni/postgres-long-running.md"),
            "docs\npatroni\npostgres-long-running"
        );
        assert_eq!(path_words("docs/logging/README.md"), "docs\nlogging");
        assert_eq!(path_words("v1.2/notes"), "v1.2\nnotes");
    }
}
