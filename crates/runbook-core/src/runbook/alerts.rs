//! The alerts a runbook answers (`alerts:` in its front matter): the names alerting rules give
//! them, each leading to the whole runbook or to one of its sections.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An alert a runbook answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRef {
    /// The alert's name, as its alerting rule's `alert:` gives it.
    pub name: String,
    /// The heading of the section that answers it; `None`: the runbook as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
}

/// One entry of `alerts:` as written: a bare name, or `{name: ALERT, section: HEADING}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Written {
    Name(String),
    Full {
        name: String,
        #[serde(default)]
        section: Option<String>,
    },
}

/// Reads `alerts:`. `Err` says what is wrong with the value as a whole; the entries read are
/// kept only when all of them are well formed.
pub(super) fn read(value: &Value) -> Result<Vec<AlertRef>, String> {
    let entries = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(entries) => entries.as_slice(),
        single => std::slice::from_ref(single),
    };
    entries
        .iter()
        .map(|entry| {
            let written = serde_json::from_value::<Written>(entry.clone()).map_err(|_| {
                "must be a list of alert names or {name: ALERT, section: HEADING}".to_string()
            })?;
            let (name, section) = match written {
                Written::Name(name) => (name, None),
                Written::Full { name, section } => (name, section),
            };
            let name = name.trim().to_string();
            if name.is_empty() {
                return Err("an alert needs a name".to_string());
            }
            let section = section
                .map(|heading| heading.trim().to_string())
                .filter(|heading| !heading.is_empty());
            Ok(AlertRef { name, section })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_alert_is_a_name_or_a_name_with_its_section() {
        let alerts = read(&json!([
            "LedgerQueueBacklog",
            {"name": "LedgerDown", "section": "Restarting"},
            {"name": " LedgerSlow "}
        ]))
        .expect("well formed");
        assert_eq!(
            alerts,
            [
                AlertRef {
                    name: "LedgerQueueBacklog".into(),
                    section: None
                },
                AlertRef {
                    name: "LedgerDown".into(),
                    section: Some("Restarting".into())
                },
                AlertRef {
                    name: "LedgerSlow".into(),
                    section: None
                },
            ]
        );
    }

    #[test]
    fn one_name_alone_is_a_list_of_one() {
        let alerts = read(&json!("LedgerDown")).expect("well formed");
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].name, "LedgerDown");
    }

    #[test]
    fn an_entry_without_a_usable_name_is_refused_with_the_reason() {
        let refused = read(&json!([{"section": "Login"}])).expect_err("no name");
        assert!(refused.contains("alert names"), "{refused}");
        let refused = read(&json!(["  "])).expect_err("blank name");
        assert!(refused.contains("needs a name"), "{refused}");
        assert!(read(&json!([["nested"]])).is_err());
    }
}
