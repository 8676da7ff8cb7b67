//! The baseline the build and search figures are compared with: a plain tantivy index of the
//! same files, as tantivy's own examples would build it (the file's first line as title, the
//! rest as body, its stock English analyzer, two indexing threads), searched with its own query
//! parser.

use std::path::Path;

use runbook_core::{Book, source};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::QueryParser;
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::{Index, IndexReader, IndexWriter, TantivyDocument, doc};

/// A plain tantivy index and the fields its query parser searches.
pub struct PlainIndex {
    pub index: Index,
    pub reader: IndexReader,
    fields: [Field; 2],
}

/// Builds a plain tantivy index of `book`'s files in `dir`.
pub fn build(book: &Book, dir: &Path) -> PlainIndex {
    let english = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("en_stem")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let mut schema = Schema::builder();
    let title = schema.add_text_field("title", english.clone());
    let body = schema.add_text_field("body", english);
    let mut index = Index::create_in_dir(dir, schema.build()).expect("index");
    // Searched on every core, as `runbook serve` searches its segments.
    index
        .set_default_multithread_executor()
        .expect("search threads");
    let mut writer: IndexWriter<TantivyDocument> = index
        .writer_with_num_threads(2, 2 * 48 * 1024 * 1024)
        .expect("writer");
    let listing = source::list(book);
    for file in &listing.files {
        let Ok(text) = std::fs::read_to_string(&file.abs) else {
            continue;
        };
        let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
        writer
            .add_document(doc!(title => first, body => rest))
            .expect("add");
    }
    writer.commit().expect("commit");
    writer.wait_merging_threads().expect("merge");
    let reader = index.reader().expect("reader");
    PlainIndex {
        index,
        reader,
        fields: [title, body],
    }
}

impl PlainIndex {
    /// Searches as tantivy's own examples do: the query parser over title and body (any word),
    /// the top 10 and the number of matches.
    pub fn search(&self, query: &str) -> (usize, usize) {
        let parser = QueryParser::for_index(&self.index, self.fields.to_vec());
        let (query, _) = parser.parse_query_lenient(query);
        let searcher = self.reader.searcher();
        let (top, count) = searcher
            .search(&query, &(TopDocs::with_limit(10).order_by_score(), Count))
            .expect("search");
        (top.len(), count)
    }
}
