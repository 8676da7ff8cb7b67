//! Searches a folder of runbooks through the library, by words (the sentence model is the
//! `runbook` binary's; this example has none):
//!
//! ```sh
//! cargo run -p runbook-core --example search_folder -- . "vpn login"
//! ```
//!
//! The knowledge base is the nearest folder from FOLDER upwards that holds a `book.toml`.

use std::path::Path;

use runbook_core::{Book, KnowledgeBase, SearchRequest};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(folder), Some(query)) = (args.next(), args.next()) else {
        return Err("usage: search_folder FOLDER QUERY".into());
    };
    let kb = KnowledgeBase::open(Book::discover(None, Path::new(&folder))?, None)?;
    let report = kb.refresh(&mut |_, _| {})?;
    for problem in &report.problems {
        eprintln!("left out: {problem}");
    }
    let results = kb.search(&SearchRequest::new(query).limit(5))?;
    println!("{} runbooks match", results.total);
    for hit in &results.hits {
        let hosting = hit.hosting.map_or("?".to_string(), |h| h.to_string());
        println!("{:<24} {:<10} {}", hit.app, hosting, hit.title);
    }
    Ok(())
}
