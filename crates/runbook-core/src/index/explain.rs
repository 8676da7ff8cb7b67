//! `--explain`: why a hit scored as it did, word by word and field by field.

use std::collections::BTreeMap;

use tantivy::postings::Postings;
use tantivy::query::{Bm25Weight, EnableScoring, Query};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocSet, Searcher, TERMINATED, Term};

use super::lexical::BuiltQuery;
use super::plan::SECTION_WEIGHT;
use super::rank::{BestSection, whole_text_score};
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
    for (i, part) in built.words.iter().enumerate() {
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
        // The text is indexed in the sections only: the runbook's body score is the word's
        // terms over all its sections, as the ranking computes it.
        let terms = built.plan.text_terms.get(i).map_or(&[][..], Vec::as_slice);
        if let Some(doc) = runbook_doc
            && let Some(score) = runbook_body_score(searcher, statistics, terms, doc)?
        {
            runbook.insert("body".to_string(), round(score));
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

/// BM25 of `terms` over the text of the runbook whose runbook document is `runbook_doc`: their
/// frequencies summed over its sections (the documents just before it with its id), at its
/// length. `None` when no section has them.
fn runbook_body_score(
    searcher: &Searcher,
    statistics: &RunbookStatistics,
    terms: &[Term],
    runbook_doc: DocAddress,
) -> Result<Option<f32>> {
    let Some(field) = terms.first().map(Term::field) else {
        return Ok(None);
    };
    let reader = searcher.segment_reader(runbook_doc.segment_ord);
    let ids = reader.fast_fields().u64("runbook_id")?;
    let id = ids.first(runbook_doc.doc_id);
    let mut sections = Vec::new();
    let mut doc = runbook_doc.doc_id;
    while doc > 0 && id.is_some() && ids.first(doc - 1) == id {
        doc -= 1;
        sections.push(doc);
    }
    sections.reverse();
    let length = reader
        .fast_fields()
        .u64("text_words")?
        .first(runbook_doc.doc_id)
        .unwrap_or(0);
    let inverted = reader.inverted_index(field)?;
    let mut weighted = Vec::with_capacity(terms.len());
    for term in terms {
        let postings = inverted
            .read_postings(term, IndexRecordOption::WithFreqs)
            .map_err(tantivy::TantivyError::from)?;
        let Some(mut postings) = postings else {
            continue;
        };
        let mut frequency = 0;
        for &section in &sections {
            if postings.doc() < section && postings.seek(section) == TERMINATED {
                break;
            }
            if postings.doc() == section {
                frequency += postings.term_freq();
            }
        }
        if frequency > 0 {
            let weight = Bm25Weight::for_terms(statistics, std::slice::from_ref(term))?;
            weighted.push((weight, frequency));
        }
    }
    let total = (!weighted.is_empty())
        .then(|| whole_text_score(weighted.iter().map(|(w, f)| (w, *f)), length as f32));
    Ok(total)
}

pub(super) fn round(score: f32) -> f32 {
    (score * 1000.0).round() / 1000.0
}
