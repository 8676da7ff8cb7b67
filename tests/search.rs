//! The query language and ranking on small, hand-written knowledge bases: each identifier kind,
//! typos, prefixes, phrases, exclusions, filters and the ranking rules of DESIGN.md.

mod common;

use common::Kb;

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
    // Both "kubernetes" and "kubernetis" start with what was typed.
    let apps = kb.search_apps("kuber");
    assert!(apps.contains(&"cluster".to_string()), "{apps:?}");
    assert!(apps.contains(&"misspelt".to_string()), "{apps:?}");
    // A trailing space means the word is finished.
    assert!(kb.search_apps("kuber ").is_empty());
    // Only the last word.
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
