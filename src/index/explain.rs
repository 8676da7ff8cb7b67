//! `--explain`: why a hit scored as it did, word by word and field by field.

use std::collections::BTreeMap;

use tantivy::query::{EnableScoring, Query};
use tantivy::{DocAddress, Searcher};

use super::lexical::BuiltQuery;
use super::plan::SECTION_WEIGHT;
use super::rank::BestSection;
use super::statistics::RunbookStatistics;
use crate::error::Result;
use crate::results::{Explanation, WordMatch};

/// Why a hit scored as it did: re-runs each word's per-field queries against the whole-runbook
/// document and the best section. Only for `--explain`, so the cost is only paid when asked.
pub(super) fn explanation(
    searcher: &Searcher,
    statistics: &RunbookStatistics,
    built: &BuiltQuery,
    group: &BestSection,
) -> Result<Explanation> {
    let matched = |query: &dyn Query, doc: Option<DocAddress>| -> Result<Option<f32>> {
        let Some(doc) = doc else { return Ok(None) };
        // Scored with the same statistics as the search, so the figures add up.
        let scoring = EnableScoring::enabled_from_statistics_provider(statistics, searcher);
        let explain = || {
            query.weight(scoring).and_then(|weight| {
                let reader = searcher.segment_reader(doc.segment_ord);
                weight.explain(reader, doc.doc_id)
            })
        };
        // tantivy 0.27's explain of some fuzzy queries seeks backwards and trips an assertion
        // (found by the `http_request` fuzz target: `invoices stuch?qk -u` with explain=1). An
        // explanation is a diagnostic: a part that cannot be explained counts as not matched
        // rather than failing the search.
        let explained = {
            super::quiet_panics::install();
            let _quiet = super::quiet_panics::Quiet::enter();
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(explain))
        };
        match explained {
            Ok(Ok(explained)) => Ok(Some(explained.value())),
            // tantivy reports "does not match" as an error of this kind.
            Ok(Err(tantivy::TantivyError::InvalidArgument(_))) | Err(_) => Ok(None),
            Ok(Err(e)) => Err(e.into()),
        }
    };
    let runbook_doc = group.parts.runbook.map(|(_, d)| d);
    let section_doc = group.parts.section.map(|(_, d)| d);
    let mut words = Vec::with_capacity(built.words.len());
    for part in &built.words {
        let mut runbook = BTreeMap::new();
        let mut section = BTreeMap::new();
        for (name, query) in &part.fields {
            if let Some(score) = matched(query.as_ref(), runbook_doc)? {
                runbook.insert(name.to_string(), round(score));
            }
            if let Some(score) = matched(query.as_ref(), section_doc)? {
                section.insert(name.to_string(), round(score));
            }
        }
        let exact_name = matched(part.exact.as_ref(), runbook_doc.or(section_doc))?.is_some();
        words.push(WordMatch {
            word: part.word.clone(),
            runbook,
            section,
            exact_name,
        });
    }
    Ok(Explanation {
        runbook: group.parts.runbook.map(|(s, _)| round(s)),
        section: group.parts.section.map(|(s, _)| round(s)),
        section_weight: SECTION_WEIGHT,
        words,
        fusion: None,
    })
}

pub(super) fn round(score: f32) -> f32 {
    (score * 1000.0).round() / 1000.0
}
