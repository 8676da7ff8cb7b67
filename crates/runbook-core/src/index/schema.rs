//! The index's schema: one document per runbook section (its headings and text), and one
//! document per runbook (what describes it as a whole: names, path, facts, exact names, filters,
//! facets). Every word is indexed once: a section's text in its section only, the runbook's
//! names and facts on its runbook document only.
//!
//! The runbook document answers "is this runbook named or described so"; the sections answer
//! "which section says it". The ranking (see [`super::rank`]) combines the runbook
//! document with the runbook's sections, so that words spread over several sections still count
//! as covered.
//!
//! Bump [`SCHEMA_VERSION`] whenever fields, analysis or the layout of documents change: an index
//! written with another version is rebuilt from the Markdown rather than read wrongly. (Version 8:
//! each section carries the hash of its content, the key of its sentence vector. Version 10: the
//! runbook document no longer repeats its sections' headings and text.)

use tantivy::schema::Field;
use tantivy::schema::{
    FAST, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use super::analyzer;

/// Version of the schema and analysis; part of the manifest beside the index.
pub(super) const SCHEMA_VERSION: u32 = 10;

/// Values of [`Fields::kind`].
pub(super) const KIND_SECTION: u64 = 0;
pub(super) const KIND_RUNBOOK: u64 = 1;

/// The fields of the documents. Section documents carry what a hit shows (path, app, title,
/// owner, hosting, heading, anchor, body); the runbook document also carries everything that
/// describes the runbook as a whole (names, path words, facts, exact names, tags, system, hosts),
/// which is matched there once rather than on every section.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// Runbook path, raw: deletes a runbook's documents and groups results.
    pub path: Field,
    /// Hash of the path, fast: groups sections back to one hit per runbook.
    pub runbook_id: Field,
    /// [`KIND_SECTION`] or [`KIND_RUNBOOK`], fast and stored.
    pub kind: Field,
    /// App id, raw and stored.
    pub app: Field,
    /// Runbook title, stored for display.
    pub title: Field,
    /// Title, app id and aliases, analyzed: the strongest evidence. Runbook document only.
    pub names: Field,
    /// The words of the file's path (folders and file name): how the authors filed it. Runbook
    /// document only.
    pub path_words: Field,
    /// Section heading and the headings above it, analyzed and stored. Section documents only.
    pub heading: Field,
    /// Section anchor, stored.
    pub anchor: Field,
    /// Section plain text, analyzed and stored for snippets. Section documents only.
    pub body: Field,
    /// Summary, owner, system, tags, servers, vendor. Runbook document only.
    pub facts: Field,
    /// Exact lower-cased names: app id, aliases, title, hosts, IPs, URLs. Runbook document only.
    pub keys: Field,
    /// The same without the title: the names that identify one runbook even when they are one
    /// word of a longer query (a title word like "Deploy" does not).
    pub ids: Field,
    /// Filters (raw, lower-cased). Owner and hosting are stored for display on every document;
    /// tag and system are on the runbook document only.
    pub owner: Field,
    pub hosting: Field,
    /// `reviewed` (as `YYYY-MM-DD`) and the runbook's own `review_every_days`, stored on every
    /// document like owner and hosting, so a hit can say its review is overdue.
    pub reviewed: Field,
    pub review_every_days: Field,
    pub tag: Field,
    pub system: Field,
    /// Host names and IPs, analyzed as identifiers so `host:billing01` matches. Runbook document
    /// only.
    pub host: Field,
    /// `"1"` on a runbook's first section: what a query with only filters lists.
    pub first: Field,
    /// Hosting, owner and tags as `kind:value`, on the whole-runbook document only: a column
    /// (fast field), neither indexed nor stored, read once per matching runbook for facets.
    pub facets: Field,
    /// The runbook's words as written (lower-cased, not stemmed), each once, on the
    /// whole-runbook document only: the vocabulary "did you mean" corrects queries with.
    pub spelling: Field,
    /// Hash of a section's title, heading path and text, on section documents only: the key of
    /// its sentence vector (see [`crate::semantic`]), fast for listing and indexed for finding
    /// the section a vector belongs to.
    pub section_key: Field,
    /// How many words the runbook's sections hold in all (a column): how long the runbook is,
    /// for weighing the words its sections cover. Read on the runbook document, written on
    /// every document so the column is read by position.
    pub text_words: Field,
}

/// Builds the schema and its field handles.
pub(super) fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = |analyzer: &str, stored: bool| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let options = TextOptions::default().set_indexing_options(indexing);
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let fields = Fields {
        path: builder.add_text_field("path", STRING | STORED),
        runbook_id: builder.add_u64_field("runbook_id", FAST | INDEXED),
        kind: builder.add_u64_field("kind", FAST | INDEXED | STORED),
        app: builder.add_text_field("app", STRING | STORED),
        title: builder.add_text_field("title", STORED),
        names: builder.add_text_field("names", text(analyzer::TEXT, false)),
        path_words: builder.add_text_field("path_words", text(analyzer::TEXT, false)),
        heading: builder.add_text_field("heading", text(analyzer::TEXT, true)),
        anchor: builder.add_text_field("anchor", STORED),
        body: builder.add_text_field("body", text(analyzer::TEXT, true)),
        facts: builder.add_text_field("facts", text(analyzer::TEXT, false)),
        keys: builder.add_text_field("keys", STRING),
        ids: builder.add_text_field("ids", STRING),
        owner: builder.add_text_field("owner", STRING | STORED),
        hosting: builder.add_text_field("hosting", STRING | STORED),
        reviewed: builder.add_text_field("reviewed", STORED),
        review_every_days: builder.add_u64_field("review_every_days", STORED),
        tag: builder.add_text_field("tag", STRING),
        system: builder.add_text_field("system", STRING),
        host: builder.add_text_field("host", text(analyzer::IDENT, false)),
        first: builder.add_text_field("first", STRING),
        facets: builder
            .add_text_field(super::facets::FIELD, TextOptions::default().set_fast("raw")),
        // Which runbooks use a word is all suggestions need: no frequencies, no positions.
        spelling: builder.add_text_field(
            "spelling",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("whitespace")
                    .set_index_option(IndexRecordOption::Basic),
            ),
        ),
        section_key: builder.add_u64_field("section_key", FAST | INDEXED),
        text_words: builder.add_u64_field("text_words", FAST),
    };
    (builder.build(), fields)
}
