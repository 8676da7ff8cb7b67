//! Synonyms applied at query time: the words callers say for what runbooks write.
//!
//! A caller says "db", "k8s" or "cert"; the runbook says "database", "kubernetes", "certificate".
//! Expanding the query (not the index) keeps the index independent of configuration, so editing
//! `[preprocessor.runbook.synonyms]` in `book.toml` takes effect without a rebuild.
//!
//! Built-in groups hold words used interchangeably in operations writing; each member of a group
//! finds the others. Entries from `book.toml` are one-way (`db = ["database"]`: a query for `db`
//! also finds `database`) and add to the built-in ones.

use std::collections::{BTreeMap, HashMap};

/// Groups of interchangeable operations words (abbreviation and full form, or two common
/// spellings of one thing). Kept to pairs that mean the same in every runbook, not merely
/// related words: "postgres" is a database, but "database" is not always postgres.
const BUILT_IN: &[&[&str]] = &[
    &["db", "database"],
    &["pw", "password", "passwd"],
    &["pwd", "password"],
    &["k8s", "kubernetes", "kube"],
    &["cert", "certificate"],
    &["certs", "certificates"],
    &["ssl", "tls"],
    &["repo", "repository"],
    &["repos", "repositories"],
    &["config", "configuration", "conf"],
    &["env", "environment"],
    &["prod", "production"],
    &["stg", "staging"],
    &["auth", "authentication"],
    &["authz", "authorization"],
    &["creds", "credentials"],
    &["perms", "permissions"],
    &["pg", "postgres", "postgresql"],
    &["lb", "load balancer"],
    &["vm", "virtual machine"],
    &["dir", "directory"],
    &["mem", "memory"],
    &["oom", "out of memory"],
    &["msg", "message"],
    &["admin", "administrator"],
    &["login", "log in", "sign in"],
    &["logout", "log out", "sign out"],
    &["dns", "domain name"],
    &["tz", "timezone"],
    &["gcp", "google cloud"],
    &["aws", "amazon web services"],
    &["mr", "merge request"],
    &["ci", "continuous integration"],
    &["2fa", "two factor", "mfa"],
    &["on-call", "oncall"],
];

/// Query-time synonyms: lower-cased word or two-word phrase → what it also finds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Synonyms {
    map: HashMap<String, Vec<String>>,
}

impl Synonyms {
    /// The built-in groups plus `configured` (from `book.toml`).
    pub(crate) fn new(configured: &BTreeMap<String, Vec<String>>) -> Synonyms {
        let mut synonyms = Synonyms::default();
        for group in BUILT_IN {
            for (i, word) in group.iter().enumerate() {
                for (j, other) in group.iter().enumerate() {
                    if i != j {
                        synonyms.add(word, other);
                    }
                }
            }
        }
        for (word, others) in configured {
            for other in others {
                synonyms.add(word, other);
            }
        }
        synonyms
    }

    fn add(&mut self, word: &str, other: &str) {
        let (word, other) = (normalize(word), normalize(other));
        if word.is_empty() || other.is_empty() || word == other {
            return;
        }
        let entry = self.map.entry(word).or_default();
        if !entry.contains(&other) {
            entry.push(other);
        }
    }

    /// What `word` (a query word, or two adjacent ones joined by a space) also finds.
    pub(crate) fn of(&self, word: &str) -> &[String] {
        self.map
            .get(&normalize(word))
            .map_or(&[] as &[String], Vec::as_slice)
    }
}

/// Lower case, single spaces: how keys and lookups are compared.
fn normalize(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_groups_work_both_ways() {
        let s = Synonyms::new(&BTreeMap::new());
        assert!(s.of("db").contains(&"database".to_string()));
        assert!(s.of("Database").contains(&"db".to_string()));
        assert!(s.of("K8S").contains(&"kubernetes".to_string()));
        assert!(s.of("load  balancer").contains(&"lb".to_string()));
        assert!(s.of("billing").is_empty());
    }

    #[test]
    fn configured_entries_are_one_way_and_add_to_the_defaults() {
        let configured = BTreeMap::from([
            ("acme".to_string(), vec!["Billing Portal".to_string()]),
            ("db".to_string(), vec!["mysql".to_string()]),
        ]);
        let s = Synonyms::new(&configured);
        assert_eq!(s.of("acme"), ["billing portal"]);
        assert!(s.of("billing portal").is_empty());
        assert!(s.of("db").contains(&"database".to_string()));
        assert!(s.of("db").contains(&"mysql".to_string()));
    }
}
