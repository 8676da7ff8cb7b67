//! Reading Backstage `catalog-info.yaml` files: which catalog entities become runbooks, and which
//! of their fields become which facts.
//!
//! A `Component`, or a `Resource` of type `database` or `server`, is an application someone may
//! call about; every other kind (API, System, Group, User, Location, ...) is skipped and counted.
//! Entity references (`group:default/team-payments`) are reduced to their name, the form runbooks
//! use for owners and systems. The catalog says nothing about who runs the servers, so `hosting`
//! is left for a person to decide.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::{ImportError, Imported, Origin, Source, check_app_id, read_input};
use runbook_core::runbook::facts::scalar_string;

/// Resource types that are servers someone may have to log in to.
const RESOURCE_TYPES: [&str; 2] = ["database", "server"];

/// Reads every entity of every file. The first problem stops the import, naming its file and
/// line; so does an application defined twice.
pub fn read(files: &[impl AsRef<Path>]) -> Result<Source, ImportError> {
    let mut source = Source::default();
    let mut seen: BTreeMap<String, Origin> = BTreeMap::new();
    for path in files {
        let (file, text) = read_input(path.as_ref())?;
        for (line, entity) in documents(&file, &text)? {
            let origin = Origin {
                file: file.clone(),
                line,
            };
            match entity_to_app(&entity, &origin)? {
                Entity::App(app) => {
                    if let Some(first) = seen.get(&app.app) {
                        return Err(ImportError::input(
                            &origin,
                            format!("{:?} is already defined at {first}", app.app),
                        ));
                    }
                    seen.insert(app.app.clone(), origin);
                    source.apps.push(*app);
                }
                Entity::Skipped(kind) => *source.skipped.entry(kind).or_default() += 1,
            }
        }
    }
    Ok(source)
}

/// A catalog entity: one YAML document's mapping, with the line the document starts on.
type Document = (u64, Map<String, Value>);

/// The YAML documents of one file with the line each starts on; empty documents are left out.
fn documents(file: &str, text: &str) -> Result<Vec<Document>, ImportError> {
    let documents: Vec<serde_saphyr::Spanned<Value>> =
        serde_saphyr::from_multiple(text).map_err(|e| ImportError::Input {
            file: file.to_string(),
            line: e.location().map_or(1, |l| l.line()),
            message: format!(
                "not a YAML catalog file: {}",
                runbook_core::runbook::front_matter::first_line_of(&e.to_string())
            ),
        })?;
    let mut out = Vec::new();
    for document in documents {
        let line = document.referenced.line().max(1);
        match document.value {
            Value::Object(map) => out.push((line, map)),
            Value::Null => {}
            _ => {
                return Err(ImportError::Input {
                    file: file.to_string(),
                    line,
                    message: "a catalog entity must be a mapping (apiVersion, kind, metadata, \
                              spec)"
                        .to_string(),
                });
            }
        }
    }
    Ok(out)
}

enum Entity {
    App(Box<Imported>),
    Skipped(String),
}

fn entity_to_app(entity: &Map<String, Value>, origin: &Origin) -> Result<Entity, ImportError> {
    let kind = text(entity.get("kind")).ok_or_else(|| {
        ImportError::input(
            origin,
            "catalog entity has no `kind` (Component, Resource, ...)",
        )
    })?;
    let empty = Map::new();
    let spec = entity
        .get("spec")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    if let Some(skipped) = unwanted(&kind, &text(spec.get("type")).unwrap_or_default()) {
        return Ok(Entity::Skipped(skipped));
    }
    let metadata = entity
        .get("metadata")
        .and_then(Value::as_object)
        .ok_or_else(|| ImportError::input(origin, format!("{kind} has no `metadata` mapping")))?;
    let name = text(metadata.get("name"))
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ImportError::input(origin, format!("{kind} has no `metadata.name`")))?;
    check_app_id(&name, origin)?;
    Ok(Entity::App(Box::new(Imported {
        app: name,
        origin: Some(origin.clone()),
        title: text(metadata.get("title")),
        summary: text(metadata.get("description"))
            .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" ")),
        owner: text(spec.get("owner")).map(|o| entity_name(&o)),
        hosting: None,
        system: text(spec.get("system")).map(|s| entity_name(&s)),
        lifecycle: text(spec.get("lifecycle")),
        tags: tags(metadata),
        urls: link_urls(metadata),
        annotations: annotations(metadata),
        ..Imported::default()
    })))
}

/// What an entity of `kind` and `spec_type` is, as the import report lists it, if it is not
/// an application: anything but a Component or a Resource of one of the [`RESOURCE_TYPES`].
fn unwanted(kind: &str, spec_type: &str) -> Option<String> {
    let is_resource = kind.eq_ignore_ascii_case("resource");
    let wanted = kind.eq_ignore_ascii_case("component")
        || (is_resource
            && RESOURCE_TYPES
                .iter()
                .any(|t| t.eq_ignore_ascii_case(spec_type)));
    if wanted {
        return None;
    }
    if !is_resource {
        return Some(kind.to_string());
    }
    let spec_type = if spec_type.is_empty() {
        "no type"
    } else {
        spec_type
    };
    Some(format!("{kind} ({spec_type})"))
}

/// The URLs of the entity's `metadata.links`.
fn link_urls(metadata: &Map<String, Value>) -> Vec<String> {
    metadata
        .get("links")
        .and_then(Value::as_array)
        .map(|links| {
            links
                .iter()
                .filter_map(|link| text(link.get("url")))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
}

/// The entity's `metadata.tags`.
fn tags(metadata: &Map<String, Value>) -> Vec<String> {
    metadata
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| tags.iter().filter_map(|t| text(Some(t))).collect())
        .unwrap_or_default()
}

/// The entity's `metadata.annotations` whose values are scalars.
fn annotations(metadata: &Map<String, Value>) -> BTreeMap<String, String> {
    metadata
        .get("annotations")
        .and_then(Value::as_object)
        .map(|annotations| {
            annotations
                .iter()
                .filter_map(|(key, value)| text(Some(value)).map(|value| (key.clone(), value)))
                .collect()
        })
        .unwrap_or_default()
}

/// The name in an entity reference `[kind:][namespace/]name`.
fn entity_name(reference: &str) -> String {
    let without_kind = reference
        .split_once(':')
        .map_or(reference, |(_, rest)| rest);
    without_kind
        .rsplit_once('/')
        .map_or(without_kind, |(_, name)| name)
        .to_string()
}

/// A scalar as text; anything else (missing, a list, a mapping) as `None`.
fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(scalar_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_references_become_names() {
        assert_eq!(entity_name("group:default/team-payments"), "team-payments");
        assert_eq!(entity_name("user:jdoe"), "jdoe");
        assert_eq!(entity_name("team-x"), "team-x");
        assert_eq!(entity_name("default/finance"), "finance");
    }

    #[test]
    fn documents_report_the_line_they_start_on() {
        let text = "apiVersion: v1\nkind: A\n---\n# comment\nkind: B\n---\n";
        let docs = documents("f.yaml", text).expect("parses");
        let lines: Vec<u64> = docs.iter().map(|(line, _)| *line).collect();
        assert_eq!(docs.len(), 2);
        assert_eq!(lines[0], 1);
        assert!((4..=5).contains(&lines[1]), "{lines:?}");
    }
}
