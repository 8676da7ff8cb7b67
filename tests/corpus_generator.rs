//! The benchmark corpus generator is deterministic and writes realistic, valid runbooks.

#[path = "../benches/support/corpus.rs"]
mod corpus;

#[test]
fn the_same_seed_gives_the_same_runbooks_and_another_seed_others() {
    for i in [0, 1, 500] {
        assert_eq!(corpus::runbook(7, i).text, corpus::runbook(7, i).text);
        assert_ne!(corpus::runbook(7, i).text, corpus::runbook(8, i).text);
    }
}

#[test]
fn generated_runbooks_parse_with_every_fact_and_are_sized_like_real_ones() {
    let mut sizes: Vec<usize> = Vec::new();
    for i in 0..400 {
        let rb = corpus::runbook(42, i);
        let parsed = runbook_core::Runbook::parse(&rb.path, &rb.path, &rb.text)
            .unwrap_or_else(|p| panic!("{p}\n{}", rb.text));
        let f = &parsed.facts;
        assert!(
            f.hosting.is_some() && f.owner.is_some() && !f.servers.is_empty(),
            "{}",
            rb.path
        );
        assert!(f.issues.is_empty(), "{:?}", f.issues);
        assert!(parsed.login_section().is_some());
        sizes.push(rb.text.len());
    }
    sizes.sort_unstable();
    let median = sizes[sizes.len() / 2];
    assert!(
        (1500..6000).contains(&median),
        "median {median} bytes, real ones are ~2.7 KB"
    );
    assert!(
        sizes[sizes.len() - 1] > 3 * median,
        "a long tail of bigger runbooks"
    );
}

#[test]
fn write_creates_a_knowledge_base_that_indexes_whole() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = corpus::write(dir.path(), 50, 1).unwrap();
    assert!(bytes > 50 * 1000);
    let book = runbook_core::Book::load(dir.path()).unwrap();
    let kb = runbook::model::open_knowledge_base(book).unwrap();
    let report = kb.refresh(&mut |_, _| {}).unwrap();
    assert_eq!(report.indexed, 50);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}
