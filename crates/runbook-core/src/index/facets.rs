//! Facets: how many matching runbooks have each hosting, owner and tag value.
//!
//! Each whole-runbook document carries its values in one column (a fast field), encoded as
//! `kind:value`. The ranking (see [`super::rank`]) counts them from that document once for each
//! runbook it keeps: a runbook counts once however many of its sections match, and each count
//! costs a column read, not a stored document's decompression. Counts are kept per term ordinal
//! of the segment's column and turned into text only once per distinct value, when the segment
//! is done.

use std::collections::HashMap;

use tantivy::columnar::StrColumn;
use tantivy::{DocId, SegmentReader};

use crate::results::Facets;
use crate::runbook::Runbook;

/// The column's name in the schema.
pub(super) const FIELD: &str = "facets";

/// A fact counted as a facet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Facet {
    Hosting,
    Owner,
    Tag,
}

impl Facet {
    /// The name used in the column, the JSON and the query language (`owner:`).
    pub(super) fn name(self) -> &'static str {
        match self {
            Facet::Hosting => "hosting",
            Facet::Owner => "owner",
            Facet::Tag => "tag",
        }
    }

    fn parse(name: &str) -> Option<Facet> {
        [Facet::Hosting, Facet::Owner, Facet::Tag]
            .into_iter()
            .find(|f| f.name() == name)
    }
}

/// The column values of a runbook: lower-cased, as the filters match them.
pub(super) fn values(runbook: &Runbook) -> Vec<String> {
    let facts = &runbook.facts;
    let encode = |facet: Facet, value: &str| format!("{}:{}", facet.name(), value.to_lowercase());
    let mut out: Vec<String> = Vec::with_capacity(2 + facts.tags.len());
    out.extend(facts.hosting.map(|h| encode(Facet::Hosting, h.as_str())));
    out.extend(facts.owner.as_deref().map(|o| encode(Facet::Owner, o)));
    out.extend(facts.tags.iter().map(|t| encode(Facet::Tag, t)));
    out.retain(|v| !v.ends_with(':'));
    out.sort();
    // A tag listed twice is still one runbook with that tag.
    out.dedup();
    out
}

/// Counts of one segment, by term ordinal of its column.
pub(super) struct SegmentFacets {
    /// `None` in a segment without any whole-runbook document carrying facts.
    column: Option<StrColumn>,
    counts: Vec<u32>,
}

impl SegmentFacets {
    pub(super) fn open(reader: &SegmentReader) -> tantivy::Result<SegmentFacets> {
        let column = reader.fast_fields().str(FIELD)?;
        let terms = column.as_ref().map_or(0, |c| c.num_terms());
        Ok(SegmentFacets {
            column,
            counts: vec![0; terms],
        })
    }

    /// Counts the values of `doc`, a matching whole-runbook document.
    pub(super) fn count(&mut self, doc: DocId) {
        let Some(column) = &self.column else { return };
        for ord in column.term_ords(doc) {
            if let Some(count) = usize::try_from(ord)
                .ok()
                .and_then(|o| self.counts.get_mut(o))
            {
                *count += 1;
            }
        }
    }

    /// The counted values as text.
    pub(super) fn harvest(self) -> Vec<(String, u32)> {
        let Some(column) = self.column else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut value = String::new();
        for (ord, &count) in self.counts.iter().enumerate() {
            if count == 0 {
                continue;
            }
            value.clear();
            // A value that cannot be read back is left out of the counts, not an error: facets
            // are an aid, the hits are the answer.
            if column.ord_to_str(ord as u64, &mut value).unwrap_or(false) {
                out.push((value.clone(), count));
            }
        }
        out
    }
}

/// Counts summed over segments, keyed by the encoded value.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct FacetCounts(HashMap<String, usize>);

impl FacetCounts {
    pub(super) fn add(&mut self, segment: Vec<(String, u32)>) {
        for (value, count) in segment {
            *self.0.entry(value).or_default() += count as usize;
        }
    }

    /// The counts as the JSON contract has them, each fact cut to its most common values.
    pub(super) fn into_results(self) -> Facets {
        let mut facets = Facets::default();
        for (encoded, count) in self.0 {
            let Some((facet, value)) = encoded
                .split_once(':')
                .and_then(|(name, value)| Some((Facet::parse(name)?, value)))
            else {
                continue;
            };
            let map = match facet {
                Facet::Hosting => &mut facets.hosting,
                Facet::Owner => &mut facets.owner,
                Facet::Tag => &mut facets.tag,
            };
            map.insert(value.to_string(), count);
        }
        for map in [&mut facets.hosting, &mut facets.owner, &mut facets.tag] {
            if map.len() > Facets::MAX_VALUES {
                let keep: Vec<String> = Facets::top(map, Facets::MAX_VALUES)
                    .into_iter()
                    .map(|(v, _)| v.to_string())
                    .collect();
                map.retain(|v, _| keep.contains(v));
            }
        }
        facets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_become_facts_cut_to_the_most_common() {
        let mut counts = FacetCounts::default();
        counts.add(vec![("owner:team-a".into(), 2), ("hosting:self".into(), 3)]);
        counts.add(vec![("owner:team-a".into(), 1), ("tag:a:b".into(), 1)]);
        let many: Vec<(String, u32)> = (0..Facets::MAX_VALUES + 5)
            .map(|i| (format!("tag:t{i:03}"), 2))
            .collect();
        counts.add(many);
        let facets = counts.into_results();
        assert_eq!(facets.owner["team-a"], 3);
        assert_eq!(facets.hosting["self"], 3);
        assert_eq!(facets.tag.len(), Facets::MAX_VALUES);
        assert!(
            !facets.tag.contains_key("a:b"),
            "the least common tag is cut"
        );
        assert!(facets.tag.contains_key("t000"));
    }
}
