//! Turning a parsed runbook into index documents, one per section.

use tantivy::TantivyDocument;

use super::schema::Fields;
use crate::runbook::{Runbook, app_from_path, facts::url_host};

/// The grouping id of a runbook: a hash of its path.
pub fn runbook_id(path: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(path.as_bytes())
}

/// Normalizes a name for exact lookup: lower case, no surrounding space, no trailing `/`.
pub fn key(name: &str) -> String {
    name.trim().trim_end_matches('/').to_lowercase()
}

/// Every exact name a runbook answers to.
pub fn keys(runbook: &Runbook) -> Vec<String> {
    let f = &runbook.facts;
    // The path-derived id answers too, so links between runbook files resolve whatever `app` says.
    let path_id = app_from_path(&runbook.id_path);
    let mut keys: Vec<String> = std::iter::once(f.app.as_str())
        .chain(std::iter::once(path_id.as_str()))
        .chain(std::iter::once(f.title.as_str()))
        .chain(f.aliases.iter().map(String::as_str))
        .chain(f.addresses())
        .chain(f.urls.iter().filter_map(|u| url_host(u)))
        .map(key)
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The documents of one runbook.
pub fn documents(runbook: &Runbook, fields: &Fields) -> Vec<TantivyDocument> {
    let f = &runbook.facts;
    let names = std::iter::once(f.title.as_str())
        .chain(std::iter::once(f.app.as_str()))
        .chain(f.aliases.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("\n");
    let keys = keys(runbook);
    let hosts = f.hosts();
    let facts_text = facts_text(runbook);

    let mut docs = Vec::with_capacity(runbook.sections.len().max(1));
    let mut add = |heading: String, anchor: &str, body: &str, first: bool| {
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.path, &runbook.path);
        doc.add_u64(fields.runbook_id, runbook_id(&runbook.path));
        doc.add_text(fields.app, &f.app);
        doc.add_text(fields.title, &f.title);
        doc.add_text(fields.names, &names);
        doc.add_text(fields.heading, &heading);
        doc.add_text(fields.anchor, anchor);
        doc.add_text(fields.body, body);
        for k in &keys {
            doc.add_text(fields.keys, k);
        }
        if let Some(owner) = &f.owner {
            doc.add_text(fields.owner, owner.to_lowercase());
        }
        if let Some(hosting) = f.hosting {
            doc.add_text(fields.hosting, hosting.as_str());
        }
        for tag in &f.tags {
            doc.add_text(fields.tag, tag.to_lowercase());
        }
        if let Some(system) = &f.system {
            doc.add_text(fields.system, system.to_lowercase());
        }
        for host in &hosts {
            doc.add_text(fields.host, host);
        }
        if first {
            doc.add_text(fields.facts, &facts_text);
            doc.add_text(fields.first, "1");
        }
        docs.push(doc);
    };

    if runbook.sections.is_empty() {
        add(
            f.title.clone(),
            "",
            f.summary.as_deref().unwrap_or_default(),
            true,
        );
    }
    for (i, section) in runbook.sections.iter().enumerate() {
        let mut heading = section.parents.join(" › ");
        if !heading.is_empty() {
            heading.push_str(" › ");
        }
        heading.push_str(&section.heading);
        add(heading, &section.anchor, &section.text, i == 0);
    }
    docs
}

/// The searchable facts of a runbook, as text.
fn facts_text(runbook: &Runbook) -> String {
    let f = &runbook.facts;
    let mut parts: Vec<&str> = Vec::new();
    parts.extend(f.summary.as_deref());
    parts.extend(f.owner.as_deref());
    parts.extend(f.system.as_deref());
    parts.extend(f.tags.iter().map(String::as_str));
    parts.extend(f.addresses());
    for s in &f.servers {
        parts.extend(s.role.as_deref());
    }
    for c in &f.contacts {
        parts.extend(c.name.as_deref());
        parts.extend(c.role.as_deref());
    }
    if let Some(v) = &f.vendor {
        parts.extend(v.name.as_deref());
        parts.extend(v.contract.as_deref());
    }
    parts.join("\n")
}
