//! The query language and ranking on small, hand-written knowledge bases: each identifier kind,
//! typos, prefixes, phrases, exclusions, filters and the ranking rules of README.md ("Queries").

use crate::harness::Kb;
use runbook_core::SearchRequest;

fn runbook(front: &str, body: &str) -> String {
    format!("---\n{front}\n---\n{body}\n")
}

/// Three self-hosted applications and a vendor-hosted one, full of identifiers.
fn identifiers() -> Kb {
    Kb::with(&[
        (
            "billing.md",
            &runbook(
                "title: Billing portal\napp: billing\naliases: [invoicing]\nhosting: self\n\
                 owner: team-payments\nsystem: finance\ntags: [php, mysql]\n\
                 servers:\n  - {host: billing01.prod.example.com, ip: 10.0.4.21}\n  - {ip: \"2001:db8::21\"}\n\
                 urls: [https://billing.example.com/admin/console]",
                "# Billing portal\n\n## Login\nssh ops@billing01.prod.example.com\n\n\
                 ## Errors\nThe job fails with ORA-00942 when the schema is missing.\n\
                 Raise max_connections in /etc/mysql/conf.d/tuning.cnf and check\n\
                 PatroniLongRunningTransactions and pg-bouncer-pool and gitlab.rails.settings.\n\
                 Mail billing-alerts@example.com. Docs: https://wiki.example.com/ops/ledger-recovery\n",
            ),
        ),
        (
            "crm.md",
            &runbook(
                "title: CRM\napp: crm\nhosting: vendor\nowner: team-sales\nsystem: sales\ntags: [saas]\n\
                 servers:\n  - {host: crm02.prod.example.com, ip: 10.0.9.7}",
                "# CRM\n\n## Support\nCall the vendor.\n",
            ),
        ),
        (
            "stockpile.md",
            &runbook(
                "title: Stockpile warehouse\nhosting: self\nowner: team-logistics\nsystem: logistics",
                "# Stockpile warehouse\n\n## Restart\nRestart the sidekiq workers.\n",
            ),
        ),
    ])
}

fn first(kb: &Kb, query: &str) -> Option<String> {
    kb.search_apps(query).into_iter().next()
}

#[test]
fn host_names_whole_by_part_and_by_suffix() {
    let kb = identifiers();
    assert_eq!(kb.search_apps("billing01.prod.example.com")[0], "billing");
    assert_eq!(kb.search_apps("billing01"), ["billing"]);
    let by_suffix = kb.search_apps("prod.example.com");
    assert!(by_suffix.contains(&"billing".to_string()), "{by_suffix:?}");
    assert!(by_suffix.contains(&"crm".to_string()), "{by_suffix:?}");
}

#[test]
fn ipv4_whole_but_not_by_a_lone_number() {
    let kb = identifiers();
    assert_eq!(kb.search_apps("10.0.4.21"), ["billing"]);
    assert_eq!(kb.search_apps("10.0.9.7"), ["crm"]);
    assert!(kb.search_apps("10").is_empty());
    assert!(kb.search_apps("10 ").is_empty());
}

#[test]
fn ipv6_whole() {
    let kb = identifiers();
    assert_eq!(kb.search_apps("2001:db8::21"), ["billing"]);
}

#[test]
fn urls_by_host_and_by_path_segment() {
    let kb = identifiers();
    assert_eq!(
        first(&kb, "https://billing.example.com/admin/console").as_deref(),
        Some("billing")
    );
    assert_eq!(
        first(&kb, "billing.example.com").as_deref(),
        Some("billing")
    );
    assert_eq!(kb.search_apps("console"), ["billing"]);
    // `example.com` alone is shared with crm's hosts: billing ranks first, crm may follow.
    assert_eq!(first(&kb, "wiki.example.com").as_deref(), Some("billing"));
    assert_eq!(kb.search_apps("ledger-recovery"), ["billing"]);
}

#[test]
fn email_addresses_whole_and_by_local_part() {
    let kb = identifiers();
    assert_eq!(
        first(&kb, "billing-alerts@example.com").as_deref(),
        Some("billing")
    );
    assert_eq!(kb.search_apps("billing-alerts"), ["billing"]);
}

#[test]
fn error_codes_whole_and_by_number() {
    let kb = identifiers();
    assert_eq!(kb.search_apps("ORA-00942"), ["billing"]);
    assert_eq!(kb.search_apps("00942"), ["billing"]);
}

#[test]
fn file_paths_whole_and_by_file_name() {
    let kb = identifiers();
    assert_eq!(kb.search_apps("/etc/mysql/conf.d/tuning.cnf"), ["billing"]);
    assert_eq!(kb.search_apps("tuning.cnf"), ["billing"]);
}

#[test]
fn snake_kebab_camel_and_dotted_names_whole_and_by_part() {
    let kb = identifiers();
    for query in [
        "max_connections",
        "pg-bouncer-pool",
        "bouncer",
        "PatroniLongRunningTransactions",
        "LongRunning",
        "gitlab.rails.settings",
        "rails.settings",
    ] {
        assert_eq!(kb.search_apps(query), ["billing"], "{query}");
    }
}

/// Runbooks whose words are one and two letters apart from each other.
fn typos() -> Kb {
    Kb::with(&[
        (
            "queue.md",
            &runbook(
                "title: Job queue\nhosting: self\nowner: team-a",
                "# Job queue\n\n## Restart\nRestart sidekiq after a deploy.\n",
            ),
        ),
        (
            "cluster.md",
            &runbook(
                "title: Cluster\nhosting: self\nowner: team-b",
                "# Cluster\n\n## Nodes\nThe kubernetes control plane.\n",
            ),
        ),
        (
            "misspelt.md",
            &runbook(
                "title: Old notes\nhosting: self\nowner: team-c",
                "# Old notes\n\n## Sidekick\nRestart sidekick on the kubernetis nodes.\n",
            ),
        ),
        (
            "redis.md",
            &runbook(
                "title: Cache\nhosting: self\nowner: team-d",
                "# Cache\n\n## Memory\nredis memory is full.\n",
            ),
        ),
    ])
}

#[test]
fn five_letter_words_tolerate_one_typo() {
    let kb = typos();
    assert_eq!(first(&kb, "sidkiq ").as_deref(), Some("queue"));
    assert_eq!(first(&kb, "reids ").as_deref(), Some("redis"));
}

#[test]
fn short_words_tolerate_no_typo() {
    let kb = typos();
    assert!(kb.search_apps("rdis ").is_empty());
}

#[test]
fn nine_letter_words_tolerate_two_typos() {
    let kb = typos();
    // Two edits from "kubernetes" (and one from the old notes' "kubernetis").
    let apps = kb.search_apps("kubrenetis ");
    assert!(apps.contains(&"cluster".to_string()), "{apps:?}");
    // One letter short of nine: two typos are too many.
    assert!(kb.search_apps("contorl ").len() <= 1);
    assert!(kb.search_apps("cnotorl ").is_empty());
}

#[test]
fn typo_matches_rank_below_exact_matches() {
    let kb = typos();
    // "sidekick" is one substitution and one insertion from "sidekiq".
    let apps = kb.search_apps("sidekick ");
    assert_eq!(
        apps.first().map(String::as_str),
        Some("misspelt"),
        "{apps:?}"
    );
}

#[test]
fn the_last_word_matches_as_a_prefix_while_typing() {
    let kb = typos();
    // "kubernetes" and the old notes' "kubernetis" both start with "kuber" and score the same;
    // which of the two comes first depends on the order the files were indexed in.
    let mut apps = kb.search_apps("kuber");
    apps.sort();
    assert_eq!(apps, ["cluster", "misspelt"]);
    // A trailing space means the word is finished.
    assert!(kb.search_apps("kuber ").is_empty());
    // Only the last word. (On the words alone: the sentence model may well find "kuber" near
    // "kubernetes", which is not what this is about.)
    kb.words_only();
    let apps = kb.search_apps("kuber sidekiq ");
    assert!(!apps.contains(&"cluster".to_string()), "{apps:?}");
}

/// Runbooks for phrases, exclusions and filters.
fn billing_variants() -> Kb {
    Kb::with(&[
        (
            "billing.md",
            &runbook(
                "title: Billing portal\napp: billing\nhosting: self\nowner: team-payments\n\
                 system: finance\ntags: [php]\nservers:\n  - {host: billing01.prod.example.com}",
                "# Billing portal\n\n## Common problems\nInvoices stuck in pending.\n",
            ),
        ),
        (
            "billing-test.md",
            &runbook(
                "title: Billing test system\napp: billing-test\nhosting: vendor\nowner: team-qa\n\
                 system: qa\ntags: [java]\nservers:\n  - {host: billingtest01.qa.example.com}",
                "# Billing test system\n\n## Problems\nStuck? The invoices are regenerated nightly.\n",
            ),
        ),
    ])
}

#[test]
fn phrases_match_only_words_in_order() {
    let kb = billing_variants();
    assert_eq!(kb.search_apps("\"invoices stuck\""), ["billing"]);
    let both = kb.search_apps("invoices stuck");
    assert_eq!(both.len(), 2, "{both:?}");
}

#[test]
fn a_phrase_does_not_run_from_the_end_of_one_section_into_the_next() {
    let kb = Kb::with(&[(
        "queue.md",
        &runbook(
            "title: Queue\napp: queue\nhosting: self",
            "# Queue\n\n## Drain\nStop the consumers.\n\n## Purge\nWorkers restart afterwards.\n",
        ),
    )]);
    assert_eq!(kb.search_apps("\"workers restart\""), ["queue"]);
    assert_eq!(
        kb.search_apps("\"consumers workers\""),
        Vec::<String>::new()
    );
    // The two words, unquoted, still find the runbook that has both.
    assert_eq!(kb.search_apps("consumers workers"), ["queue"]);
}

#[test]
fn excluded_words_exclude_the_runbook() {
    let kb = billing_variants();
    assert_eq!(kb.search_apps("billing -test"), ["billing"]);
    // Excluding a word that only one section of billing-test has still drops the runbook.
    assert_eq!(kb.search_apps("billing -regenerated"), ["billing"]);
}

#[test]
fn each_filter_alone_and_with_words() {
    let kb = billing_variants();
    assert_eq!(kb.search_apps("owner:team-payments"), ["billing"]);
    assert_eq!(kb.search_apps("hosting:vendor"), ["billing-test"]);
    assert_eq!(kb.search_apps("tag:java"), ["billing-test"]);
    assert_eq!(kb.search_apps("host:billing01"), ["billing"]);
    assert_eq!(kb.search_apps("system:qa"), ["billing-test"]);
    assert_eq!(kb.search_apps("invoices hosting:self"), ["billing"]);
    assert!(kb.search_apps("invoices owner:nobody").is_empty());
}

#[test]
fn synonyms_built_in_and_from_book_toml() {
    let kb = Kb::with(&[
        (
            "db.md",
            &runbook(
                "title: Orders\nhosting: self\nowner: team-a",
                "# Orders\n\n## Database\nThe database password rotates monthly.\n",
            ),
        ),
        (
            "other.md",
            &runbook(
                "title: Shipping\nhosting: self\nowner: team-b",
                "# Shipping\n\n## Carriers\nThe acme courier picks up at noon.\n",
            ),
        ),
    ]);
    assert_eq!(kb.search_apps("db pw "), ["db"]);
    assert!(kb.search_apps("parcel ").is_empty());
    let toml = kb.root().join("book.toml");
    let mut config = std::fs::read_to_string(&toml).expect("book.toml");
    config.push_str("\n[preprocessor.runbook.synonyms]\nparcel = [\"courier\"]\n");
    std::fs::write(&toml, config).expect("write book.toml");
    assert_eq!(kb.search_apps("parcel "), ["other"]);
}

#[test]
fn a_synonym_marks_its_own_words_in_the_snippet_but_not_its_little_words() {
    let kb = Kb::with(&[(
        "vault.md",
        &runbook(
            "title: Vault\napp: vault\nhosting: self",
            "# Vault\n\n## Access\nSign in with your badge, then log in to the console in the office.\n",
        ),
    )]);
    let results = kb.json(&["search", "login", "--json"]);
    let snippet = results["hits"][0]["snippet"].as_str().expect("snippet");
    assert!(snippet.contains("<mark>log</mark>"), "{snippet}");
    assert!(!snippet.contains("<mark>in</mark>"), "{snippet}");
}

#[test]
fn hyphenated_and_split_words_find_the_joined_form() {
    let kb = Kb::with(&[(
        "oncall.md",
        &runbook(
            "title: Rota\nhosting: self\nowner: team-a",
            "# Rota\n\n## Oncall\nThe oncall engineer handles cryptomining abuse.\n",
        ),
    )]);
    assert_eq!(kb.search_apps("on-call "), ["oncall"]);
    assert_eq!(kb.search_apps("crypto mining "), ["oncall"]);
}

/// Runbooks that each mention `zebra` in a different place, and name-like distractors.
fn ranking() -> Kb {
    Kb::with(&[
        (
            "in-body.md",
            &runbook(
                "title: Alpha\nhosting: self\nowner: team-a",
                "# Alpha\n\n## Notes\nA zebra was seen near the crm host and the invoicing queue.\n\
                 zebra zebra crm crm invoicing invoicing billing01.prod.example.com\n",
            ),
        ),
        (
            "in-heading.md",
            &runbook(
                "title: Beta\nhosting: self\nowner: team-b",
                "# Beta\n\n## Zebra crossing\nNothing else here.\n",
            ),
        ),
        (
            "in-title.md",
            &runbook(
                "title: Zebra\nhosting: self\nowner: team-c",
                "# Zebra\n\n## Notes\nNothing else here.\n",
            ),
        ),
        (
            "crm.md",
            &runbook(
                "title: Customer relations\napp: crm\naliases: [invoicing]\nhosting: vendor\nowner: team-d\n\
                 servers:\n  - {host: billing01.prod.example.com}",
                "# Customer relations\n\n## Support\nCall the vendor.\n",
            ),
        ),
        (
            "both-words.md",
            &runbook(
                "title: Gamma\nhosting: self\nowner: team-e",
                "# Gamma\n\n## Notes\nThe okapi and the quagga graze together.\n",
            ),
        ),
        (
            "one-word.md",
            &runbook(
                "title: Okapi\nhosting: self\nowner: team-f",
                "# Okapi\n\n## Notes\nNothing else here.\n",
            ),
        ),
    ])
}

#[test]
fn exact_app_id_alias_and_host_come_first() {
    let kb = ranking();
    assert_eq!(first(&kb, "crm ").as_deref(), Some("crm"));
    assert_eq!(first(&kb, "invoicing ").as_deref(), Some("crm"));
    assert_eq!(
        first(&kb, "billing01.prod.example.com").as_deref(),
        Some("crm")
    );
}

#[test]
fn title_above_heading_above_body() {
    let kb = ranking();
    let apps = kb.search_apps("zebra ");
    assert_eq!(apps, ["in-title", "in-heading", "in-body"]);
}

#[test]
fn every_word_matched_beats_some_matched() {
    let kb = ranking();
    let apps = kb.search_apps("okapi quagga ");
    assert_eq!(apps, ["both-words", "one-word"]);
}

#[test]
fn a_word_the_runbook_returns_to_in_section_after_section_outranks_a_single_mention() {
    // Each word is indexed once, in its section; the runbook as a whole still counts how often
    // its text uses the word, across all its sections.
    let filler: Vec<(String, String)> = (0..8)
        .map(|i| {
            (
                format!("filler-{i}.md"),
                runbook(
                    &format!("title: Filler {i}\nhosting: self\nowner: team-f"),
                    "# Filler\n\n## Notes\nThe report runs nightly.\n\n## Access\nUse the VPN.\n",
                ),
            )
        })
        .collect();
    let mut files: Vec<(&str, &str)> = filler
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let (once, throughout) = (
        runbook(
            "title: Alpha\nhosting: self\nowner: team-a",
            "# Alpha\n\n## Notes\nThe wombat report runs nightly.\n\n## Access\nUse the VPN.\n\n\
             ## Contacts\nThe service desk.\n",
        ),
        runbook(
            "title: Beta\nhosting: self\nowner: team-b",
            "# Beta\n\n## Notes\nThe wombat report runs nightly.\n\n## Access\nThe wombat \
             console needs the VPN.\n\n## Contacts\nWombat questions go to the service desk.\n",
        ),
    );
    files.extend([
        ("once.md", once.as_str()),
        ("throughout.md", throughout.as_str()),
    ]);
    let kb = Kb::with(&files);
    kb.words_only();
    assert_eq!(kb.search_apps("wombat "), ["throughout", "once"]);
    let results = kb.json(&["search", "wombat ", "--json", "--explain"]);
    let words =
        |hit: usize| results["hits"][hit]["explain"]["words"][0]["runbook"]["body"].as_f64();
    let (throughout, once) = (words(0), words(1));
    assert!(
        throughout.zip(once).is_some_and(|(t, o)| t > o),
        "the whole runbook's body score counts every section: {results}"
    );
}

#[test]
fn explain_says_where_each_word_matched() {
    let kb = ranking();
    let results = kb.json(&["search", "zebra", "--json", "--explain"]);
    let explain = &results["hits"][0]["explain"];
    assert_eq!(explain["words"][0]["word"], "zebra");
    assert!(
        explain["words"][0]["runbook"]["names"].as_f64().is_some(),
        "{explain}"
    );
    assert!(explain["runbook"].as_f64().is_some(), "{explain}");
    let plain = kb.json(&["search", "zebra", "--json"]);
    assert!(plain["hits"][0].get("explain").is_none());
}

/// Four runbooks: "restart" in three sections of one, once in two others, not in the fourth.
fn facets() -> Kb {
    Kb::with(&[
        (
            "alpha.md",
            &runbook(
                "title: Alpha\nhosting: self\nowner: team-a\ntags: [php, mysql, PHP]",
                "# Alpha\n\n## Web\nRestart the web tier.\n\n## Workers\nRestart the workers.\n\n\
                 ## Queue\nRestart the queue.\n",
            ),
        ),
        (
            "bravo.md",
            &runbook(
                "title: Bravo\nhosting: vendor\nowner: Team-A\ntags: [php]",
                "# Bravo\n\n## Support\nAsk the vendor to restart it.\n",
            ),
        ),
        (
            "charlie.md",
            &runbook(
                "title: Charlie\nhosting: self\nowner: team-b",
                "# Charlie\n\n## Restart\nRestart with systemctl.\n",
            ),
        ),
        (
            "delta.md",
            &runbook(
                "title: Delta\nhosting: saas\nowner: team-c\ntags: [php]",
                "# Delta\n\n## Notes\nNothing to do here.\n",
            ),
        ),
    ])
}

fn counts(value: &serde_json::Value) -> std::collections::BTreeMap<String, u64> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("an object of counts: {value}"))
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().expect("a count")))
        .collect()
}

fn map(pairs: &[(&str, u64)]) -> std::collections::BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn facets_count_every_matching_runbook_once_not_each_section_or_only_the_page() {
    let kb = facets();
    let results = kb.json(&["search", "restart", "--json", "--limit", "1"]);
    assert_eq!(results["total"], 3);
    assert_eq!(results["hits"].as_array().map(Vec::len), Some(1));
    let f = &results["facets"];
    assert_eq!(counts(&f["hosting"]), map(&[("self", 2), ("vendor", 1)]));
    assert_eq!(counts(&f["owner"]), map(&[("team-a", 2), ("team-b", 1)]));
    assert_eq!(counts(&f["tag"]), map(&[("mysql", 1), ("php", 2)]));
}

#[test]
fn filters_narrow_the_facets() {
    let kb = facets();
    let f = &kb.json(&["search", "restart owner:team-a", "--json"])["facets"];
    assert_eq!(counts(&f["owner"]), map(&[("team-a", 2)]));
    assert_eq!(counts(&f["hosting"]), map(&[("self", 1), ("vendor", 1)]));
    let f = &kb.json(&["search", "restart tag:mysql", "--json"])["facets"];
    assert_eq!(counts(&f["owner"]), map(&[("team-a", 1)]));
    assert_eq!(counts(&f["tag"]), map(&[("mysql", 1), ("php", 1)]));
    // Filters alone list runbooks; their facets count them too.
    let f = &kb.json(&["search", "tag:php", "--json"])["facets"];
    assert_eq!(
        counts(&f["hosting"]),
        map(&[("saas", 1), ("self", 1), ("vendor", 1)])
    );
    let nothing = kb.json(&["search", "restart owner:team-c", "--json"]);
    assert_eq!(nothing["total"], 0);
    assert!(counts(&nothing["facets"]["owner"]).is_empty());
}

#[test]
fn the_terminal_sums_up_the_facets_in_one_line() {
    let kb = facets();
    let out = kb.cmd(&["search", "restart"]).output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "hosting: self 2, vendor 1 · owner: team-a 2, team-b 1 · tag: php 2, mysql 1"
        ),
        "{text}"
    );
}

/// A facet value's link on the results page, and the count shown beside it.
fn facet_link(page: &str, value: &str) -> (String, u64) {
    let pattern = format!(
        r#"<a class="facet-value[^"]*" href="([^"]+)"[^>]*>{} <span class="facet-count">(\d+)</span>"#,
        regex::escape(value)
    );
    let found = regex::Regex::new(&pattern)
        .expect("pattern")
        .captures(page)
        .unwrap_or_else(|| panic!("no facet link for {value} in {page}"));
    (
        found[1].replace("&#38;", "&").replace("&amp;", "&"),
        found[2].parse().expect("count"),
    )
}

#[test]
fn clicking_a_facet_on_the_page_narrows_the_results_and_the_filter_can_be_removed() {
    let kb = facets();
    let (status, page) = kb.page("/?q=restart");
    assert_eq!(status, 200);
    let (href, count) = facet_link(&page, "team-b");
    assert_eq!(count, 1);
    // The link names the query it refines: that one's results were used, not ignored.
    assert_eq!(href, "/?q=owner%3Ateam%2Db%20restart&from=restart");

    let (status, narrowed) = kb.page(&href);
    assert_eq!(status, 200);
    assert!(narrowed.contains("1 runbook ·"), "{narrowed}");
    assert!(narrowed.contains("Charlie") && !narrowed.contains("Alpha"));
    // The filter is shown, and its link (like the now active facet value) takes it away.
    let back_to_restart = "/?q=restart&#38;from=owner%3Ateam%2Db%20restart";
    assert!(
        narrowed.contains(&format!(r#"<a class="filter" href="{back_to_restart}""#)),
        "{narrowed}"
    );
    let (back, _) = facet_link(&narrowed, "team-b");
    assert_eq!(back, back_to_restart.replace("&#38;", "&"));
    assert!(narrowed.contains(r#"class="facet-value active""#));

    // Every facet's count is the number of results its link leads to.
    for value in ["self", "vendor", "team-a", "php", "mysql"] {
        let (href, count) = facet_link(&page, value);
        let (_, narrowed) = kb.page(&href);
        let shown = format!("{count} runbook{} ·", if count == 1 { "" } else { "s" });
        assert!(narrowed.contains(&shown), "{value}: {shown} in {narrowed}");
    }
}

fn suggestions(kb: &Kb, query: &str) -> Vec<String> {
    let results = kb.json(&["search", query, "--json"]);
    results["suggestions"]
        .as_array()
        .unwrap_or_else(|| panic!("suggestions in {results}"))
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect()
}

/// Named applications, for misspelling their names.
fn apps() -> Kb {
    Kb::with(&[
        (
            "ledgerline.md",
            &runbook(
                "title: Ledgerline\napp: ledgerline\naliases: [acme billing]\nhosting: self\n\
                 owner: team-payments\nservers:\n  - {ip: 10.0.4.21}",
                "# Ledgerline\n\n## Login\nssh ops@ledger01.prod.example.com\n",
            ),
        ),
        (
            "conveyor.md",
            &runbook(
                "title: Conveyor job queue\napp: conveyor\nhosting: self\nowner: team-platform",
                "# Conveyor job queue\n\n## Restart\nRestart sidekiq after a deploy.\n",
            ),
        ),
        (
            "cache.md",
            &runbook(
                "title: Cache\napp: cache\nhosting: vendor\nowner: team-data",
                "# Cache\n\n## Memory\nredis memory is full.\n",
            ),
        ),
    ])
}

#[test]
fn a_misspelt_app_name_suggests_the_right_one() {
    let kb = apps();
    // Two letters off: more than the search itself forgives in an 8-letter word.
    assert!(kb.search_apps("ledgrlne").is_empty());
    let found = suggestions(&kb, "ledgrlne");
    assert_eq!(
        found.first().map(String::as_str),
        Some("ledgerline"),
        "{found:?}"
    );
    assert_eq!(
        kb.search_apps(&found[0]).first().map(String::as_str),
        Some("ledgerline")
    );
    // A short word, which the search matches only exactly.
    assert!(kb.search_apps("rdis ").is_empty());
    assert_eq!(suggestions(&kb, "rdis "), ["redis"]);
    // A run-together alias, and a part of a compound.
    assert!(suggestions(&kb, "acmebiling").contains(&"acme billing".to_string()));
    assert!(kb.search_apps("ledgr01.prd").is_empty());
    assert_eq!(
        suggestions(&kb, "ledgr01.prd").first().map(String::as_str),
        Some("ledger01.prod")
    );
}

#[test]
fn a_misspelt_filter_value_suggests_a_value_the_runbooks_use() {
    let kb = apps();
    assert_eq!(
        suggestions(&kb, "restart owner:team-platfrom"),
        ["restart owner:team-platform"]
    );
    assert_eq!(suggestions(&kb, "hosting:vender"), ["hosting:vendor"]);
}

#[test]
fn a_query_that_finds_something_gets_no_suggestions() {
    let kb = apps();
    let results = kb.json(&["search", "restart", "--json"]);
    assert_eq!(results["total"], 1);
    assert_eq!(results["suggestions"], serde_json::json!([]));
    // Found by the search's own typo tolerance: nothing to suggest either.
    assert_eq!(kb.search_apps("sidkiq "), ["conveyor"]);
    assert!(suggestions(&kb, "sidkiq ").is_empty());
}

#[test]
fn suggestions_always_find_something() {
    let kb = apps();
    // The closest spelling, redis, is only in team-data's runbook: "redis owner:team-payments"
    // would find nothing, so it is not offered.
    let found = suggestions(&kb, "rdis owner:team-payments");
    assert!(
        !found.contains(&"redis owner:team-payments".to_string()),
        "{found:?}"
    );
    for query in [
        "rdis owner:team-payments",
        "ledgrlne",
        "rdis ",
        "xqzvbn wibblefrotz",
        "\"sidekiq restrat\"",
        "restart owner:team-platfrom",
        "acmebiling",
        "lgn ",
    ] {
        for suggestion in suggestions(&kb, query) {
            let total = &kb.json(&["search", &suggestion, "--json"])["total"];
            assert!(
                total.as_u64().unwrap_or(0) > 0,
                "{query:?} suggested {suggestion:?}, which finds nothing"
            );
        }
    }
    assert!(suggestions(&kb, "xqzvbn wibblefrotz").is_empty());
    // The nearest other address is no correction of an IP or a number.
    assert!(kb.search_apps("10.0.4.22").is_empty());
    assert!(suggestions(&kb, "10.0.4.22").is_empty());
}

#[test]
fn suggestions_are_links_on_the_page_and_a_line_in_the_terminal() {
    let kb = apps();
    let (status, page) = kb.page("/?q=rdis");
    assert_eq!(status, 200);
    assert!(
        page.contains(
            r#"Did you mean <a class="suggestion" href="/?q=redis&#38;from=rdis">redis</a>?"#
        ),
        "{page}"
    );
    let out = kb.cmd(&["search", "rdis"]).output().expect("run");
    assert_eq!(out.status.code(), Some(1), "nothing found is still exit 1");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Did you mean: \"redis\"?"), "{text}");
}

#[test]
fn every_runbook_is_one_hit_after_many_rounds_of_edits() {
    // Each round of edits is its own commit and segment, and segments get merged: a runbook's
    // documents must still be grouped into one hit, on its latest text.
    let kb = Kb::with(&[]);
    let text = |i: usize, round: usize| {
        runbook(
            &format!(
                "title: Service {i}\napp: svc{i}\nhosting: self\nowner: team-{}",
                i % 3
            ),
            &format!(
                "# Service {i}\n\n## Login\nssh svc{i}\n\n## Rotation round{round}\n\
                 Certificate rotation for svc{i}.\n\n## Backups\nNightly rotation of dumps.\n"
            ),
        )
    };
    for i in 0..40 {
        kb.write(&format!("svc{i}.md"), &text(i, 0));
    }
    let book = runbook_core::Book::load(kb.root()).expect("book");
    let base = runbook::model::open_knowledge_base(book).expect("open");
    base.refresh(&mut |_, _| {}).expect("build");
    for round in 1..=6 {
        for i in (round..40).step_by(7) {
            kb.write(&format!("svc{i}.md"), &text(i, round));
        }
        base.refresh(&mut |_, _| {}).expect("refresh");
    }

    let results = base
        .search(&SearchRequest::new("certificate rotation").limit(100))
        .expect("search");
    assert_eq!(results.total, 40);
    let mut apps: Vec<&str> = results.hits.iter().map(|h| h.app.as_str()).collect();
    apps.sort();
    apps.dedup();
    assert_eq!(apps.len(), 40, "each runbook once: {apps:?}");
    for hit in &results.hits {
        let i: usize = hit.app["svc".len()..].parse().expect("number");
        let last_round = (1..=6)
            .filter(|r| *r <= i && (i - r).is_multiple_of(7))
            .max()
            .unwrap_or(0);
        assert_eq!(
            hit.section,
            format!("Rotation round{last_round}"),
            "{}",
            hit.app
        );
    }
    let facets = &results.facets.owner;
    assert_eq!(facets.values().sum::<usize>(), 40, "{facets:?}");

    // The server searches the segments on all cores at once: the same hits, order and counts.
    runbook_core::knowledge_base::search_on_all_cores();
    let on_all_cores = base
        .search(&SearchRequest::new("certificate rotation").limit(100))
        .expect("search");
    let hits = |r: &runbook_core::results::SearchResults| -> Vec<(String, String, f32)> {
        r.hits
            .iter()
            .map(|h| (h.app.clone(), h.section.clone(), h.score))
            .collect()
    };
    assert_eq!(hits(&on_all_cores), hits(&results));
    assert_eq!(on_all_cores.total, results.total);
    assert_eq!(on_all_cores.facets.owner, results.facets.owner);
}

#[test]
fn explaining_a_query_tantivy_cannot_explain_still_answers() {
    // Found by the http_request fuzz target: tantivy's explain of this fuzzy word panicked.
    let kb = Kb::with(&[(
        "billing.md",
        "---\ntitle: Billing portal\nhosting: self\nowner: team-payments\naliases: [invoicing]\n---\n# Billing portal\n\n## Login\n\nssh ops@billing01\n",
    )]);
    kb.words_only();
    let results = kb.json(&["search", "--explain", "--json", "invoices stuch?qk -u"]);
    assert_eq!(results["hits"][0]["app"], "billing", "{results}");
    assert!(
        results["hits"][0]["explain"]["words"].is_array(),
        "{results}"
    );
}
